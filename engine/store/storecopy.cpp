#include "storecopy.h"

#include "migrations.h"
#include "postgres.h"
#include "sqlite.h"
#include "store.h"

#include "core/timeutil.h"

#include <QFileInfo>
#include <QSqlError>
#include <QSqlQuery>
#include <QSqlRecord>

namespace llmsched {

namespace {

// The tables a store holds, in an order that keeps references valid, with
// the order their rows are read in (task logs and the audit log keep theirs).
struct CopiedTable
{
    QLatin1String name;
    QLatin1String order;
};
constexpr CopiedTable kTables[] = {
    { QLatin1String("settings"), QLatin1String("key") },
    { QLatin1String("models"), QLatin1String("name") },
    { QLatin1String("endpoints"), QLatin1String("model, name") },
    { QLatin1String("tasks"), QLatin1String("seq") },
    { QLatin1String("task_logs"), QLatin1String("rowid") },
    { QLatin1String("stats_minute"), QLatin1String("minute, model") },
    { QLatin1String("stats_minute_endpoint"), QLatin1String("minute, model, endpoint") },
    { QLatin1String("stats_slot"), QLatin1String("slot, model, endpoint") },
    { QLatin1String("api_tokens"), QLatin1String("created_at, id") },
    { QLatin1String("audit_log"), QLatin1String("seq") },
    { QLatin1String("files"), QLatin1String("created_at, id") },
    { QLatin1String("batches"), QLatin1String("created_at, id") },
    { QLatin1String("documents"), QLatin1String("kind, created_at, id") },
};
constexpr int kReadChunk = 1024;

// A connection removed when it goes out of scope.
struct Connection
{
    QSqlDatabase db;
    ~Connection()
    {
        if (!db.isValid())
            return;
        const QString name = db.connectionName();
        forgetStatements(db);
        db.close();
        db = QSqlDatabase();
        QSqlDatabase::removeDatabase(name);
    }
};

Error sqlError(const QString& what, const QSqlError& e)
{
    return Error::store(QStringLiteral("%1: %2").arg(what, e.text().simplified()));
}

Result<qint64> copyTable(QSqlDatabase& from, QSqlDatabase& to, const CopiedTable& table)
{
    const QSqlRecord record = from.record(table.name);
    QStringList columns;
    for (int i = 0; i < record.count(); ++i)
        columns << record.fieldName(i);
    QSqlQuery read(from);
    read.setForwardOnly(true);
    if (!read.exec(QStringLiteral("SELECT %1 FROM %2 ORDER BY %3").arg(columns.join(QStringLiteral(", ")), table.name, table.order)))
        return sqlError(QStringLiteral("reading %1").arg(table.name), read.lastError());
    const QString head = QStringLiteral("INSERT INTO %1 (%2) VALUES ").arg(table.name, columns.join(QStringLiteral(", ")));
    const QString row = valuesPlaceholders(1, static_cast<int>(columns.size()));
    std::vector<QVariantList> rows;
    qint64 copied = 0;
    const auto flush = [&]() -> VoidResult {
        const auto bind = [&rows](QSqlQuery& q, int& pos, int i) {
            for (const QVariant& v : rows[static_cast<size_t>(i)])
                q.bindValue(pos++, v);
        };
        if (auto r = execRowsChunked(to, static_cast<int>(rows.size()), head, row, QString(), bind, "copying rows"); !r)
            return Error::store(QStringLiteral("writing %1: %2").arg(table.name, r.error().message));
        copied += static_cast<qint64>(rows.size());
        rows.clear();
        return {};
    };
    while (read.next()) {
        QVariantList values;
        values.reserve(columns.size());
        for (int c = 0; c < columns.size(); ++c) {
            QVariant v = read.value(c);
            // SQLite keeps JSON as blobs where PostgreSQL has TEXT (file
            // contents are bytes on both).
            if (v.metaType().id() == QMetaType::QByteArray && !v.isNull() && columns.at(c) != QLatin1String("content"))
                v = QString::fromUtf8(v.toByteArray());
            values.append(std::move(v));
        }
        rows.push_back(std::move(values));
        if (rows.size() == kReadChunk)
            if (auto r = flush(); !r)
                return r.error();
    }
    if (read.lastError().isValid())
        return sqlError(QStringLiteral("reading %1").arg(table.name), read.lastError());
    if (auto r = flush(); !r)
        return r.error();
    return copied;
}

} // namespace

Result<StoreCopyReport> Store::copySqliteToPostgres(const QString& sqlitePath, const QString& postgresUrl, bool replace)
{
    return llmsched::copySqliteToPostgres(sqlitePath, postgresUrl, replace);
}

Result<StoreCopyReport> copySqliteToPostgres(const QString& sqlitePath, const QString& postgresUrl, bool replace)
{
    auto url = parsePostgresUrl(postgresUrl);
    if (!url)
        return url.error();
    if (!QFileInfo(sqlitePath).isFile())
        return Error::notFound(QStringLiteral("no SQLite store at %1").arg(sqlitePath));
    {
        // Brought to this build's schema (as a start would), and refused when
        // corrupt, foreign or in use by a daemon.
        auto source = Store::open({ sqlitePath, QStringLiteral("migrate"), 1 });
        if (!source)
            return source.error();
    }
    const QString tag = QString::number(reinterpret_cast<quintptr>(&url));
    Connection from;
    {
        auto db = openSqlite(sqlitePath, QStringLiteral("llmsched-copy-from-") + tag, true);
        if (!db)
            return db.error();
        from.db = *db;
    }
    Connection to;
    {
        auto db = openPostgres(*url, QStringLiteral("llmsched-copy-to-") + tag);
        if (!db)
            return db.error();
        to.db = *db;
    }
    if (auto r = migrate(to.db); !r)
        return Error::store(QStringLiteral("%1: %2").arg(url->display(), r.error().message));
    QSqlQuery q(to.db);
    // A node that runs on the target heartbeats: its lease holds.
    q.prepare(QStringLiteral("SELECT count(*) FROM nodes WHERE lease_expires > ?"));
    q.addBindValue(nowMs());
    if (!q.exec() || !q.next())
        return sqlError(url->display(), q.lastError());
    if (q.value(0).toLongLong() > 0)
        return Error::conflict(QStringLiteral("an llm-schedulerd node is running on %1; stop it before copying into it").arg(url->display()));

    if (!to.db.transaction())
        return sqlError(QStringLiteral("%1: cannot start a transaction").arg(url->display()), to.db.lastError());
    const auto fail = [&](const Error& e) {
        to.db.rollback();
        return e;
    };
    if (replace) {
        for (auto it = std::rbegin(kTables); it != std::rend(kTables); ++it)
            if (!q.exec(QStringLiteral("DELETE FROM %1").arg(it->name)))
                return fail(sqlError(QStringLiteral("emptying %1").arg(it->name), q.lastError()));
    } else {
        QStringList held;
        for (const CopiedTable& t : kTables) {
            if (!q.exec(QStringLiteral("SELECT count(*) FROM %1").arg(t.name)) || !q.next())
                return fail(sqlError(QStringLiteral("reading %1").arg(t.name), q.lastError()));
            if (const qint64 n = q.value(0).toLongLong(); n > 0)
                held << QStringLiteral("%1 %2").arg(n).arg(t.name);
        }
        if (!held.isEmpty())
            return fail(Error::conflict(QStringLiteral("%1 already holds a store (%2); copy into an empty database, or pass --replace "
                                                       "to empty it first")
                                            .arg(url->display(), held.join(QStringLiteral(", ")))));
    }
    StoreCopyReport report;
    for (const CopiedTable& t : kTables) {
        auto n = copyTable(from.db, to.db, t);
        if (!n)
            return fail(n.error());
        report.rows.append({ QString(t.name), *n });
    }
    // The audit log's own numbering goes on after the copied rows.
    if (!q.exec(QStringLiteral("SELECT setval(pg_get_serial_sequence('audit_log', 'seq'), coalesce(max(seq), 0) + 1, false) FROM audit_log")))
        return fail(sqlError(QStringLiteral("numbering the audit log"), q.lastError()));
    // Task numbers of new submits go on after the copied ones, and the
    // copied tasks belong to no node (a running one is recovered at start).
    if (!q.exec(QStringLiteral("SELECT setval('task_seq_blocks', coalesce(max(seq), 0) / %1 + 1) FROM tasks").arg(kSeqBlock)))
        return fail(sqlError(QStringLiteral("numbering tasks"), q.lastError()));
    if (!q.exec(QStringLiteral("UPDATE tasks SET lease_node = NULL WHERE lease_node IS NOT NULL AND state <> %1")
                    .arg(static_cast<int>(TaskState::Running))))
        return fail(sqlError(QStringLiteral("releasing copied tasks"), q.lastError()));
    if (!to.db.commit())
        return fail(sqlError(QStringLiteral("%1: commit failed").arg(url->display()), to.db.lastError()));
    return report;
}

} // namespace llmsched
