#include "store.h"

#include "migrations.h"
#include "sqlite.h"

#include "core/logging.h"
#include "core/timeutil.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSqlError>
#include <QSqlQuery>
#include <QThreadStorage>

namespace llmsched {

namespace {
const QString kTaskColumns
    = QStringLiteral("seq, id, model, kind, state, priority, attempts, max_attempts, timeout_ms, output, error, created_at, "
                     "queued_at, run_at, deadline, started_at, finished_at, idempotency_key, tags, labels, parent, depends_on, "
                     "session_key, endpoint, prompt_tokens, completion_tokens, cost_usd");
constexpr int kInputColumn = 27; // input is appended last when asked for

QStringList jsonStringList(const QVariant& v)
{
    QStringList out;
    if (v.isNull())
        return out;
    const QJsonArray a = QJsonDocument::fromJson(v.toByteArray()).array();
    for (const QJsonValue& x : a)
        out.append(x.toString());
    return out;
}

Task taskFromQuery(const QSqlQuery& q, bool withInput)
{
    Task t;
    t.seq = q.value(0).toLongLong();
    t.id = Ulid::fromString(q.value(1).toString()).value_or(Ulid {});
    t.spec.model = q.value(2).toString();
    t.spec.kind = static_cast<TaskKind>(q.value(3).toInt());
    t.state = static_cast<TaskState>(q.value(4).toInt());
    t.spec.priority = q.value(5).toInt();
    t.attempts = q.value(6).toInt();
    t.maxAttempts = q.value(7).toInt();
    t.spec.maxAttempts = t.maxAttempts;
    t.timeoutMs = q.value(8).toInt();
    t.spec.timeoutMs = t.timeoutMs;
    t.output = q.value(9).toByteArray();
    t.error = q.value(10).toString();
    t.createdMs = q.value(11).toLongLong();
    t.queuedMs = q.value(12).toLongLong();
    t.spec.runAtMs = q.value(13).toLongLong();
    t.spec.deadlineMs = q.value(14).toLongLong();
    t.startedMs = q.value(15).toLongLong();
    t.finishedMs = q.value(16).toLongLong();
    t.spec.idempotencyKey = q.value(17).toString();
    t.spec.tags = jsonStringList(q.value(18));
    t.spec.labels = QJsonDocument::fromJson(q.value(19).toByteArray()).object();
    t.spec.parentId = q.value(20).toString();
    t.spec.dependsOn = jsonStringList(q.value(21));
    t.spec.sessionKey = q.value(22).toString();
    t.endpoint = q.value(23).toString();
    t.usage.promptTokens = q.value(24).toLongLong();
    t.usage.completionTokens = q.value(25).toLongLong();
    t.costUsd = q.value(26).toDouble();
    if (withInput)
        t.spec.input = q.value(kInputColumn).toByteArray();
    return t;
}

Error queryError(const QSqlQuery& q, const QString& what)
{
    return Error::store(QStringLiteral("%1: %2").arg(what, q.lastError().text()));
}
} // namespace

Store::Store(StoreOptions options)
    : m_options(std::move(options))
{
    m_readers.setMaxThreadCount(std::max(1, m_options.readerThreads));
    m_readers.setExpiryTimeout(-1); // keep threads, and with them their connections
    m_readers.setObjectName(QStringLiteral("store-readers"));
}

Store::~Store()
{
    m_readers.waitForDone();
    if (m_writer)
        m_writer->stopWriter();
    m_readers.clear();
    // Reader connections belong to pool threads that still exist; no queries
    // are alive, so removing them here is safe.
    QMutexLocker lock(&m_readerNamesMutex);
    for (const QString& name : std::as_const(m_readerNames))
        QSqlDatabase::removeDatabase(name);
    if (m_startup.isValid()) {
        const QString name = m_startup.connectionName();
        m_startup.close();
        m_startup = QSqlDatabase();
        QSqlDatabase::removeDatabase(name);
    }
}

Result<std::unique_ptr<Store>> Store::open(const StoreOptions& options)
{
    std::unique_ptr<Store> store(new Store(options));
    const QString path = options.databasePath;
    const QFileInfo info(path);
    if (!QDir().mkpath(info.absolutePath()))
        return Error::store(QStringLiteral("cannot create the data directory %1").arg(info.absolutePath()));

    // One process per database: a second daemon on the same file would run every task twice.
    store->m_lock = std::make_unique<QLockFile>(path + QStringLiteral(".lock"));
    store->m_lock->setStaleLockTime(0);
    if (!store->m_lock->tryLock(0)) {
        qint64 pid = 0;
        QString host, app;
        store->m_lock->getLockInfo(&pid, &host, &app);
        if (store->m_lock->error() == QLockFile::LockFailedError)
            return Error::store(QStringLiteral("%1 is in use by another process (%2, pid %3 on %4); stop it or choose "
                                               "another data directory")
                                    .arg(path, app.isEmpty() ? QStringLiteral("unknown") : app)
                                    .arg(pid)
                                    .arg(host));
        return Error::store(QStringLiteral("cannot create the lock file %1.lock").arg(path));
    }

    if (auto r = checkSqliteHeader(path); !r)
        return r.error();

    // Look before writing: an existing file is first read with a read-only
    // connection, so a corrupt or newer file is refused without a byte changed.
    if (info.exists() && info.size() > 0) {
        const QString name = QStringLiteral("llmsched-check-%1").arg(reinterpret_cast<quintptr>(store.get()));
        VoidResult checked;
        {
            auto db = openSqlite(path, name, true);
            if (!db)
                return db.error();
            auto version = currentSchemaVersion(*db);
            if (!version) {
                checked = Error::store(QStringLiteral("%1 cannot be read (the file may be corrupt): %2").arg(path, version.error().message));
            } else if (*version > latestSchemaVersion()) {
                checked = Error::store(QStringLiteral("%1 has schema version %2, newer than this build supports (%3); "
                                                      "use a newer llm-scheduler or another data directory")
                                           .arg(path)
                                           .arg(*version)
                                           .arg(latestSchemaVersion()));
            } else {
                QSqlQuery q(*db);
                if (!q.exec(QStringLiteral("PRAGMA quick_check(1)")) || !q.next() || q.value(0).toString() != QLatin1String("ok"))
                    checked = Error::store(QStringLiteral("%1 is corrupt (%2); it was left untouched — restore a backup "
                                                          "or move it away")
                                               .arg(path, q.lastError().isValid() ? q.lastError().text() : q.value(0).toString()));
            }
            db->close();
        }
        QSqlDatabase::removeDatabase(name);
        if (!checked)
            return checked.error();
    }

    {
        const QString name = QStringLiteral("llmsched-startup-%1").arg(reinterpret_cast<quintptr>(store.get()));
        auto db = openSqlite(path, name, false);
        if (!db)
            return db.error();
        store->m_startup = *db;
        if (auto r = migrate(store->m_startup); !r)
            return Error::store(QStringLiteral("%1: %2").arg(path, r.error().message));
    }

    store->m_writer = std::make_unique<StoreWriter>(path, options.walRewindBytes);
    if (auto r = store->m_writer->startWriter(); !r)
        return r.error();
    return store;
}

QSqlDatabase& Store::startupConnection()
{
    return m_startup;
}

QSqlDatabase Store::readConnection()
{
    static QThreadStorage<QString> names;
    if (!names.hasLocalData()) {
        const QString name = QStringLiteral("llmsched-reader-%1-%2")
                                 .arg(reinterpret_cast<quintptr>(this))
                                 .arg(reinterpret_cast<quintptr>(QThread::currentThreadId()));
        auto db = openSqlite(m_options.databasePath, name, true);
        if (!db) {
            qCWarning(lcStore) << "reader connection failed:" << db.error().message;
            return {};
        }
        names.setLocalData(name);
        QMutexLocker lock(&m_readerNamesMutex);
        m_readerNames.append(name);
    }
    return QSqlDatabase::database(names.localData(), false);
}

qint64 Store::fileSizeBytes() const
{
    const QString p = m_options.databasePath;
    return QFileInfo(p).size() + QFileInfo(p + QStringLiteral("-wal")).size();
}

Result<QList<ModelConfig>> Store::loadModelsNow()
{
    QSqlQuery q(startupConnection());
    if (!q.exec(QStringLiteral("SELECT name, config FROM models ORDER BY name")))
        return queryError(q, QStringLiteral("loading models"));
    QList<ModelConfig> out;
    while (q.next()) {
        const QJsonObject json = QJsonDocument::fromJson(q.value(1).toByteArray()).object();
        auto m = ModelConfig::fromJson(json);
        if (!m) {
            qCWarning(lcStore) << "skipping stored model" << q.value(0).toString() << ":" << m.error().toString();
            continue;
        }
        out.append(*m);
    }
    return out;
}

Result<std::vector<ActiveRow>> Store::loadActiveNow()
{
    QSqlQuery q(startupConnection());
    q.setForwardOnly(true);
    if (!q.exec(QStringLiteral("SELECT seq, id, model, state, priority, attempts, max_attempts, queued_at, run_at, "
                               "deadline, depends_on FROM tasks WHERE state < %1 ORDER BY state, seq")
                    .arg(static_cast<int>(TaskState::Succeeded))))
        return queryError(q, QStringLiteral("loading unfinished tasks"));
    std::vector<ActiveRow> out;
    while (q.next()) {
        ActiveRow r;
        r.seq = q.value(0).toLongLong();
        r.id = Ulid::fromString(q.value(1).toString()).value_or(Ulid {});
        r.model = q.value(2).toString();
        r.state = static_cast<TaskState>(q.value(3).toInt());
        r.priority = q.value(4).toInt();
        r.attempts = q.value(5).toInt();
        r.maxAttempts = q.value(6).toInt();
        r.queuedMs = q.value(7).toLongLong();
        r.runAtMs = q.value(8).toLongLong();
        r.deadlineMs = q.value(9).toLongLong();
        if (r.state == TaskState::Blocked)
            r.dependsOn = jsonStringList(q.value(10));
        out.push_back(std::move(r));
    }
    if (q.lastError().isValid())
        return queryError(q, QStringLiteral("loading unfinished tasks"));
    return out;
}

Result<qint64> Store::maxSeqNow()
{
    QSqlQuery q(startupConnection());
    if (!q.exec(QStringLiteral("SELECT coalesce(max(seq), 0) FROM tasks")) || !q.next())
        return queryError(q, QStringLiteral("reading the last task number"));
    return q.value(0).toLongLong();
}

Result<QString> Store::settingNow(const QString& key)
{
    QSqlQuery q(startupConnection());
    q.prepare(QStringLiteral("SELECT value FROM settings WHERE key = ?"));
    q.addBindValue(key);
    if (!q.exec())
        return queryError(q, QStringLiteral("reading setting %1").arg(key));
    return q.next() ? q.value(0).toString() : QString();
}

Result<QHash<QString, double>> Store::costSinceNow(qint64 sinceMs)
{
    QSqlQuery q(startupConnection());
    q.prepare(QStringLiteral("SELECT model, SUM(cost_usd) FROM stats_minute WHERE minute >= ? GROUP BY model"));
    q.addBindValue(sinceMs);
    if (!q.exec())
        return queryError(q, QStringLiteral("reading today's cost"));
    QHash<QString, double> out;
    while (q.next())
        out.insert(q.value(0).toString(), q.value(1).toDouble());
    return out;
}

namespace queries {

Result<Task> taskById(QSqlDatabase& db, const QString& id)
{
    QSqlQuery q(db);
    q.prepare(QStringLiteral("SELECT %1, input FROM tasks WHERE id = ?").arg(kTaskColumns));
    q.addBindValue(id.toUpper());
    if (!q.exec())
        return queryError(q, QStringLiteral("reading task %1").arg(id));
    if (!q.next())
        return Error::notFound(QStringLiteral("no task with id %1").arg(id));
    return taskFromQuery(q, true);
}

Result<QHash<qint64, Task>> tasksBySeq(QSqlDatabase& db, const QList<qint64>& seqs)
{
    QHash<qint64, Task> out;
    if (seqs.isEmpty())
        return out;
    QStringList ids;
    ids.reserve(seqs.size());
    for (qint64 s : seqs)
        ids.append(QString::number(s));
    QSqlQuery q(db);
    q.setForwardOnly(true);
    if (!q.exec(QStringLiteral("SELECT %1, input FROM tasks WHERE seq IN (%2)").arg(kTaskColumns, ids.join(QLatin1Char(',')))))
        return queryError(q, QStringLiteral("reading task payloads"));
    while (q.next()) {
        Task t = taskFromQuery(q, true);
        out.insert(t.seq, std::move(t));
    }
    return out;
}

namespace {

// The WHERE clause of a task filter (without cursor), with its bound values.
struct TaskWhere
{
    QStringList where;
    QVariantList binds;
};

TaskWhere taskWhere(const TaskFilter& f)
{
    TaskWhere w;
    if (!f.states.isEmpty()) {
        QStringList s;
        for (TaskState st : f.states)
            s.append(QString::number(static_cast<int>(st)));
        w.where << QStringLiteral("state IN (%1)").arg(s.join(QLatin1Char(',')));
    }
    if (!f.model.isEmpty()) {
        w.where << QStringLiteral("model = ?");
        w.binds << f.model;
    }
    if (f.priority >= 0) {
        w.where << QStringLiteral("priority = ?");
        w.binds << f.priority;
    }
    if (!f.tag.isEmpty()) {
        w.where << QStringLiteral("EXISTS (SELECT 1 FROM json_each(tasks.tags) WHERE json_each.value = ?)");
        w.binds << f.tag;
    }
    if (!f.text.isEmpty()) {
        w.where << QStringLiteral("(id LIKE ? ESCAPE '\\' OR error LIKE ? ESCAPE '\\' OR CAST(input AS TEXT) LIKE ? ESCAPE '\\')");
        QString pattern = f.text;
        pattern.replace(QLatin1String("\\"), QLatin1String("\\\\"))
            .replace(QLatin1String("%"), QLatin1String("\\%"))
            .replace(QLatin1String("_"), QLatin1String("\\_"));
        pattern = QLatin1Char('%') + pattern + QLatin1Char('%');
        w.binds << pattern << pattern << pattern;
    }
    if (f.fromMs > 0) {
        w.where << QStringLiteral("created_at >= ?");
        w.binds << f.fromMs;
    }
    if (f.toMs > 0) {
        w.where << QStringLiteral("created_at < ?");
        w.binds << f.toMs;
    }
    return w;
}

bool execWhere(QSqlQuery& q, QString sql, const TaskWhere& w)
{
    if (!w.where.isEmpty())
        sql.replace(QLatin1String("%WHERE%"), QStringLiteral(" WHERE ") + w.where.join(QStringLiteral(" AND ")));
    else
        sql.replace(QLatin1String("%WHERE%"), QString());
    q.setForwardOnly(true);
    if (!q.prepare(sql))
        return false;
    for (qsizetype i = 0; i < w.binds.size(); ++i)
        q.bindValue(static_cast<int>(i), w.binds.at(i));
    return q.exec();
}

} // namespace

Result<TaskPage> listTasks(QSqlDatabase& db, const TaskFilter& f)
{
    TaskWhere w = taskWhere(f);
    const bool bySeq = f.order == TaskFilter::Order::Seq;
    if (f.cursor > 0 && bySeq) {
        w.where << (f.newestFirst ? QStringLiteral("seq < ?") : QStringLiteral("seq > ?"));
        w.binds << f.cursor;
    }
    const int limit = std::clamp(f.limit, 1, 10000);
    const QLatin1String dir = f.newestFirst ? QLatin1String(" DESC") : QLatin1String(" ASC");
    QString order = QStringLiteral(" ORDER BY ");
    if (f.order == TaskFilter::Order::State)
        order += QLatin1String("state") + dir + QLatin1String(", ");
    else if (f.order == TaskFilter::Order::Model)
        order += QLatin1String("model") + dir + QLatin1String(", ");
    order += QLatin1String("seq") + dir;
    QString sql = QStringLiteral("SELECT %1%2 FROM tasks%WHERE%").arg(kTaskColumns, f.includeInput ? QStringLiteral(", input") : QString());
    sql += order + QStringLiteral(" LIMIT %1").arg(limit + 1);
    if (f.offset > 0 && (f.cursor <= 0 || !bySeq))
        sql += QStringLiteral(" OFFSET %1").arg(f.offset);
    QSqlQuery q(db);
    if (!execWhere(q, sql, w))
        return queryError(q, QStringLiteral("listing tasks"));
    TaskPage page;
    while (q.next()) {
        if (page.tasks.size() == limit) {
            page.nextCursor = page.tasks.constLast().seq;
            break;
        }
        page.tasks.append(taskFromQuery(q, f.includeInput));
    }
    return page;
}

Result<qint64> countTasks(QSqlDatabase& db, const TaskFilter& f)
{
    QSqlQuery q(db);
    if (!execWhere(q, QStringLiteral("SELECT count(*) FROM tasks%WHERE%"), taskWhere(f)) || !q.next())
        return queryError(q, QStringLiteral("counting tasks"));
    return q.value(0).toLongLong();
}

Result<QList<TaskLogEntry>> taskLog(QSqlDatabase& db, qint64 seq)
{
    QSqlQuery q(db);
    q.setForwardOnly(true);
    q.prepare(QStringLiteral("SELECT time, level, message, data FROM task_logs WHERE task_seq = ? ORDER BY rowid"));
    q.addBindValue(seq);
    if (!q.exec())
        return queryError(q, QStringLiteral("reading the task log"));
    QList<TaskLogEntry> out;
    while (q.next()) {
        TaskLogEntry e;
        e.timeMs = q.value(0).toLongLong();
        e.level = static_cast<LogLevel>(q.value(1).toInt());
        e.message = q.value(2).toString();
        if (!q.value(3).isNull())
            e.data = QJsonDocument::fromJson(q.value(3).toByteArray()).object();
        out.append(std::move(e));
    }
    return out;
}

} // namespace queries

namespace writes {

VoidResult upsertModel(QSqlDatabase& db, const ModelConfig& model)
{
    const qint64 now = nowMs();
    QSqlQuery q(db);
    q.prepare(QStringLiteral("INSERT INTO models (name, config, created_at, updated_at) VALUES (?, ?, ?, ?) "
                             "ON CONFLICT (name) DO UPDATE SET config = excluded.config, updated_at = excluded.updated_at"));
    q.addBindValue(model.name);
    q.addBindValue(QJsonDocument(model.toJson()).toJson(QJsonDocument::Compact));
    q.addBindValue(now);
    q.addBindValue(now);
    if (!q.exec())
        return queryError(q, QStringLiteral("saving model %1").arg(model.name));
    q.prepare(QStringLiteral("DELETE FROM endpoints WHERE model = ?"));
    q.addBindValue(model.name);
    if (!q.exec())
        return queryError(q, QStringLiteral("saving model %1").arg(model.name));
    for (const EndpointConfig& e : model.endpoints) {
        q.prepare(QStringLiteral("INSERT INTO endpoints (model, name, config) VALUES (?, ?, ?)"));
        q.addBindValue(model.name);
        q.addBindValue(e.name);
        q.addBindValue(QJsonDocument(e.toJson()).toJson(QJsonDocument::Compact));
        if (!q.exec())
            return queryError(q, QStringLiteral("saving endpoint %1").arg(e.name));
    }
    return {};
}

VoidResult deleteModel(QSqlDatabase& db, const QString& name)
{
    QSqlQuery q(db);
    q.prepare(QStringLiteral("DELETE FROM models WHERE name = ?"));
    q.addBindValue(name);
    if (!q.exec())
        return queryError(q, QStringLiteral("deleting model %1").arg(name));
    return {};
}

VoidResult setSetting(QSqlDatabase& db, const QString& key, const QString& value)
{
    QSqlQuery q(db);
    q.prepare(QStringLiteral("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value"));
    q.addBindValue(key);
    q.addBindValue(value);
    if (!q.exec())
        return queryError(q, QStringLiteral("saving setting %1").arg(key));
    return {};
}

Result<qint64> recoverInterrupted(QSqlDatabase& db, const QString& reason)
{
    const qint64 now = nowMs();
    const int running = static_cast<int>(TaskState::Running);
    QSqlQuery q(db);
    // Log first, while the rows still say running.
    q.prepare(QStringLiteral("INSERT INTO task_logs (task_seq, time, level, message, data) "
                             "SELECT seq, ?, 2, CASE WHEN attempts >= max_attempts "
                             "THEN 'attempt ' || attempts || ' was interrupted (' || ? || '); no attempts left: dead' "
                             "ELSE 'attempt ' || attempts || ' was interrupted (' || ? || '); queued again' END, NULL "
                             "FROM tasks WHERE state = ?"));
    q.addBindValue(now);
    q.addBindValue(reason);
    q.addBindValue(reason);
    q.addBindValue(running);
    if (!q.exec())
        return queryError(q, QStringLiteral("recovering interrupted tasks"));
    q.prepare(QStringLiteral("UPDATE tasks SET state = CASE WHEN attempts >= max_attempts THEN ? ELSE ? END, "
                             "queued_at = ?, lease_node = NULL, "
                             "finished_at = CASE WHEN attempts >= max_attempts THEN ? ELSE NULL END, "
                             "error = CASE WHEN attempts >= max_attempts THEN 'interrupted on its last attempt (' || ? || ')' "
                             "ELSE error END WHERE state = ?"));
    q.addBindValue(static_cast<int>(TaskState::Dead));
    q.addBindValue(static_cast<int>(TaskState::Queued));
    q.addBindValue(now);
    q.addBindValue(now);
    q.addBindValue(reason);
    q.addBindValue(running);
    if (!q.exec())
        return queryError(q, QStringLiteral("recovering interrupted tasks"));
    return static_cast<qint64>(q.numRowsAffected());
}

VoidResult heartbeat(QSqlDatabase& db, const QString& nodeId, qint64 startedMs, qint64 leaseExpiresMs)
{
    QSqlQuery q(db);
    q.prepare(QStringLiteral("INSERT INTO nodes (node_id, host, pid, started_at, lease_expires) VALUES (?, ?, ?, ?, ?) "
                             "ON CONFLICT (node_id) DO UPDATE SET lease_expires = excluded.lease_expires"));
    q.addBindValue(nodeId);
    q.addBindValue(QSysInfo::machineHostName());
    q.addBindValue(QCoreApplication::applicationPid());
    q.addBindValue(startedMs);
    q.addBindValue(leaseExpiresMs);
    if (!q.exec())
        return queryError(q, QStringLiteral("renewing the node lease"));
    return {};
}

Result<qint64> purgeTasks(QSqlDatabase& db, TaskState state, const QString& model, qint64 olderThanMs)
{
    if (!isFinal(state))
        return Error::invalid(QStringLiteral("state"), QStringLiteral("only finished tasks can be purged"));
    QString cond = QStringLiteral("state = ?");
    QVariantList binds { static_cast<int>(state) };
    if (!model.isEmpty()) {
        cond += QStringLiteral(" AND model = ?");
        binds << model;
    }
    if (olderThanMs > 0) {
        cond += QStringLiteral(" AND coalesce(finished_at, created_at) < ?");
        binds << olderThanMs;
    }
    QSqlQuery q(db);
    q.prepare(QStringLiteral("DELETE FROM task_logs WHERE task_seq IN (SELECT seq FROM tasks WHERE %1)").arg(cond));
    for (qsizetype i = 0; i < binds.size(); ++i)
        q.bindValue(static_cast<int>(i), binds.at(i));
    if (!q.exec())
        return queryError(q, QStringLiteral("purging task logs"));
    q.prepare(QStringLiteral("DELETE FROM tasks WHERE %1").arg(cond));
    for (qsizetype i = 0; i < binds.size(); ++i)
        q.bindValue(static_cast<int>(i), binds.at(i));
    if (!q.exec())
        return queryError(q, QStringLiteral("purging tasks"));
    return static_cast<qint64>(q.numRowsAffected());
}

} // namespace writes

} // namespace llmsched
