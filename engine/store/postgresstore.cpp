#include "postgresstore.h"

#include "core/logging.h"
#include "core/timeutil.h"

#include <QSqlError>
#include <QSqlQuery>

namespace llmsched {

namespace {
constexpr qint64 kSizeRefreshMs = 10'000;
} // namespace

PostgresStore::PostgresStore(const StoreOptions& options, const PostgresUrl& url)
    : SqlStore(options, url.display(), [url](const QString& name, bool) { return openPostgres(url, name); })
{
}

PostgresStore::~PostgresStore() = default;

Result<std::unique_ptr<PostgresStore>> PostgresStore::open(const StoreOptions& options)
{
    auto url = parsePostgresUrl(options.databasePath);
    if (!url)
        return url.error();
    std::unique_ptr<PostgresStore> store(new PostgresStore(options, *url));
    if (auto r = store->openAndMigrate(); !r)
        return r.error();
    if (auto r = store->holdDatabase(); !r)
        return r.error();
    if (auto r = store->startWriter(); !r)
        return r.error();
    return store;
}

VoidResult PostgresStore::holdDatabase()
{
    // Until nodes claim tasks from the shared queue, one node serves a
    // database: a second one would load and run the same queued tasks. The
    // lock lives as long as the start-up connection, so a killed node's lock
    // goes with its connection.
    QSqlQuery q(startupConnection());
    if (!q.exec(QStringLiteral("SELECT pg_try_advisory_lock(%1)").arg(kPostgresNodeLockKey)) || !q.next())
        return Error::store(QStringLiteral("%1: cannot take the node lock: %2").arg(location(), q.lastError().text()));
    if (!q.value(0).toBool())
        return Error::store(QStringLiteral("%1 is in use by another llm-schedulerd node; this build runs one node per database").arg(location()));
    return {};
}

qint64 PostgresStore::sizeBytes() const
{
    const qint64 now = nowMs();
    qint64 checked = m_sizeCheckedMs.load(std::memory_order_relaxed);
    if (now - checked >= kSizeRefreshMs && m_sizeCheckedMs.compare_exchange_strong(checked, now)) {
        auto* self = const_cast<PostgresStore*>(this);
        self->read([self](QSqlDatabase& db) -> Result<qint64> {
            QSqlQuery q(db);
            if (!q.exec(QStringLiteral("SELECT pg_database_size(current_database())")) || !q.next())
                return Error::store(q.lastError().text());
            self->m_size.store(q.value(0).toLongLong(), std::memory_order_relaxed);
            return q.value(0).toLongLong();
        });
    }
    return m_size.load(std::memory_order_relaxed);
}

} // namespace llmsched
