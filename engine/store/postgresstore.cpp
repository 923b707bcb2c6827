#include "postgresstore.h"

#include "clusterqueries.h"

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
    , m_url(url)
{
}

PostgresStore::~PostgresStore()
{
    m_listener.reset();
}

Result<std::unique_ptr<PostgresStore>> PostgresStore::open(const StoreOptions& options)
{
    auto url = parsePostgresUrl(options.databasePath);
    if (!url)
        return url.error();
    std::unique_ptr<PostgresStore> store(new PostgresStore(options, *url));
    if (auto r = store->openAndMigrate(); !r)
        return r.error();
    if (auto r = store->startWriter(); !r)
        return r.error();
    return store;
}

QFuture<Result<QList<qint64>>> PostgresStore::takeSeqBlocks(int count)
{
    // nextval() is not transactional: any connection will do, and a reader's
    // does not wait behind the writer's batch.
    return read([count](QSqlDatabase& db) { return cluster::takeSeqBlocks(db, count); });
}

QFuture<Result<std::vector<ClaimedRow>>> PostgresStore::claimTasks(const ClaimRequest& request)
{
    // In the writer's transaction: ordered after this node's own writes (a
    // task it gave up is not claimed back before that commits).
    return write<Result<std::vector<ClaimedRow>>>(
        [request, node = m_options.nodeId](QSqlDatabase& db) { return cluster::claimTasks(db, request, node); });
}

QFuture<Result<std::vector<ClaimedRow>>> PostgresStore::ownedTasks()
{
    return write<Result<std::vector<ClaimedRow>>>([node = m_options.nodeId](QSqlDatabase& db) { return cluster::ownedTasks(db, node); });
}

QFuture<Result<bool>> PostgresStore::takeLease(const QString& name, qint64 durationMs)
{
    return write<Result<bool>>(
        [name, durationMs, node = m_options.nodeId](QSqlDatabase& db) { return cluster::takeLease(db, name, node, nowMs(), durationMs); });
}

QFuture<Result<qint64>> PostgresStore::recoverLostNodes()
{
    return write<Result<qint64>>([](QSqlDatabase& db) { return cluster::recoverLostNodes(db, nowMs()); });
}

QFuture<Result<QHash<QString, qint64>>> PostgresStore::unownedCounts()
{
    return read([](QSqlDatabase& db) { return cluster::unownedCounts(db); });
}

void PostgresStore::notifyNodes(const QString& text)
{
    writer().exec([text](QSqlDatabase& db) { return cluster::notify(db, text); });
}

void PostgresStore::setNotificationListener(std::function<void(const QString& text)> listener)
{
    m_listener.reset();
    if (!listener)
        return;
    m_listener = std::make_unique<PgListener>(m_url, std::move(listener));
    m_listener->start();
}

QFuture<Result<bool>> PostgresStore::updateUnowned(TaskUpdate update, TaskLogRow log)
{
    return write<Result<bool>>(
        [update = std::move(update), log = std::move(log)](QSqlDatabase& db) { return cluster::updateUnowned(db, update, log); });
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
