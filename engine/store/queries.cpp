#include "queries.h"

#include "core/echolimits.h"

#include "clusterqueries.h"
#include "migrations.h"
#include "sqlite.h"

#include "core/logging.h"
#include "core/timeutil.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSqlError>
#include <QSqlQuery>
#include <QThreadStorage>

#include <array>
#include <optional>

namespace llmsched {

namespace {
const QString kTaskColumns
    = QStringLiteral("seq, id, model, kind, state, priority, attempts, max_attempts, timeout_ms, output, error, created_at, "
                     "queued_at, run_at, deadline, started_at, finished_at, idempotency_key, tags, labels, parent, depends_on, "
                     "session_key, endpoint, prompt_tokens, completion_tokens, cost_usd, lease_node");
constexpr int kInputColumn = 28; // input is appended last when asked for

// A stats minute's latency histogram from its columns: the bucket counts
// (JSON), the sum and, when both were stored, the fastest and slowest attempt
// (all in ms).
Histogram latencyFromColumns(const QVariant& buckets, const QVariant& sumMs, const QVariant& minMs, const QVariant& maxMs)
{
    std::optional<Histogram::Range> extremes;
    if (!minMs.isNull() && !maxMs.isNull())
        extremes = Histogram::Range { minMs.toDouble() / 1000.0, maxMs.toDouble() / 1000.0 };
    return Histogram::fromJson(QJsonDocument::fromJson(buckets.toByteArray()).array(), sumMs.toDouble() / 1000.0, extremes);
}

// The extremes to store beside a histogram: NULL unless known.
std::pair<QVariant, QVariant> latencyExtremeColumns(const Histogram& h)
{
    const auto r = h.observedRange();
    if (!r)
        return { QVariant(), QVariant() };
    return { QVariant(r->low * 1000.0), QVariant(r->high * 1000.0) };
}

} // namespace

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

namespace {
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
    t.node = q.value(27).toString();
    if (withInput)
        t.spec.input = q.value(kInputColumn).toByteArray();
    return t;
}
} // namespace

ActiveRow activeRowFromQuery(const QSqlQuery& q)
{
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
    return r;
}

Error queryError(const QSqlQuery& q, const QString& what)
{
    return Error::store(QStringLiteral("%1: %2").arg(what, q.lastError().text()));
}

namespace queries {

Result<QList<ModelConfig>> loadModels(QSqlDatabase& db)
{
    QSqlQuery q(db);
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

Result<std::vector<ActiveRow>> loadActive(QSqlDatabase& db, const QString& nodeId)
{
    QSqlQuery q(db);
    q.setForwardOnly(true);
    // A shared database: only what this node owns (the rest is claimed as it runs).
    const bool shared = dialectOf(db) == SqlDialect::Postgres;
    q.prepare(QStringLiteral("SELECT seq, id, model, state, priority, attempts, max_attempts, queued_at, run_at, "
                             "deadline, depends_on FROM tasks WHERE state < %1%2 ORDER BY state, seq")
                  .arg(static_cast<int>(TaskState::Succeeded))
                  .arg(shared ? QStringLiteral(" AND lease_node = ?") : QString()));
    if (shared)
        q.addBindValue(nodeId);
    if (!q.exec())
        return queryError(q, QStringLiteral("loading unfinished tasks"));
    std::vector<ActiveRow> out;
    while (q.next())
        out.push_back(activeRowFromQuery(q));
    if (q.lastError().isValid())
        return queryError(q, QStringLiteral("loading unfinished tasks"));
    return out;
}

Result<qint64> maxSeq(QSqlDatabase& db)
{
    QSqlQuery q(db);
    if (!q.exec(QStringLiteral("SELECT coalesce(max(seq), 0) FROM tasks")) || !q.next())
        return queryError(q, QStringLiteral("reading the last task number"));
    return q.value(0).toLongLong();
}

Result<QString> setting(QSqlDatabase& db, const QString& key)
{
    QSqlQuery q(db);
    q.prepare(QStringLiteral("SELECT value FROM settings WHERE key = ?"));
    q.addBindValue(key);
    if (!q.exec())
        return queryError(q, QStringLiteral("reading setting %1").arg(key));
    return q.next() ? q.value(0).toString() : QString();
}

Result<QHash<QString, FinishedCounts>> finishedCounts(QSqlDatabase& db)
{
    QSqlQuery q(db);
    q.setForwardOnly(true);
    // Per state, then model: the (state, seq) index serves the range.
    if (!q.exec(QStringLiteral("SELECT model, state, COUNT(*) FROM tasks WHERE state >= %1 GROUP BY state, model")
                    .arg(static_cast<int>(TaskState::Succeeded))))
        return queryError(q, QStringLiteral("counting finished tasks"));
    QHash<QString, FinishedCounts> out;
    while (q.next()) {
        const int state = q.value(1).toInt();
        if (state >= 0 && state < kTaskStateCount)
            out[q.value(0).toString()][static_cast<size_t>(state)] = q.value(2).toLongLong();
    }
    return out;
}

Result<QHash<QString, double>> costSince(QSqlDatabase& db, qint64 sinceMs)
{
    QSqlQuery q(db);
    q.prepare(QStringLiteral("SELECT model, SUM(cost_usd) FROM stats_minute WHERE minute >= ? GROUP BY model"));
    q.addBindValue(sinceMs);
    if (!q.exec())
        return queryError(q, QStringLiteral("reading today's cost"));
    QHash<QString, double> out;
    while (q.next())
        out.insert(q.value(0).toString(), q.value(1).toDouble());
    return out;
}

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

TaskWhere taskWhere(const TaskFilter& f, SqlDialect dialect)
{
    TaskWhere w;
    const bool pg = dialect == SqlDialect::Postgres;
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
    if (!f.parent.isEmpty()) {
        w.where << QStringLiteral("parent = ?");
        w.binds << f.parent;
    }
    if (!f.tag.isEmpty()) {
        w.where << (pg ? QStringLiteral("jsonb_exists(CAST(tags AS jsonb), ?)")
                       : QStringLiteral("EXISTS (SELECT 1 FROM json_each(tasks.tags) WHERE json_each.value = ?)"));
        w.binds << f.tag;
    }
    if (!f.label.isEmpty()) {
        const qsizetype eq = f.label.indexOf(QLatin1Char('='));
        if (eq < 0) {
            w.where << (pg ? QStringLiteral("jsonb_exists(CAST(labels AS jsonb), ?)")
                           : QStringLiteral("EXISTS (SELECT 1 FROM json_each(tasks.labels) WHERE json_each.key = ?)"));
            w.binds << f.label;
        } else {
            w.where << (pg ? QStringLiteral("CAST(labels AS jsonb) ->> CAST(? AS text) = ?")
                           : QStringLiteral("EXISTS (SELECT 1 FROM json_each(tasks.labels) WHERE json_each.key = ? AND json_each.value = ?)"));
            w.binds << f.label.left(eq) << f.label.mid(eq + 1);
        }
    }
    if (!f.text.isEmpty()) {
        w.where << QStringLiteral("(id LIKE ? ESCAPE '\\' OR error LIKE ? ESCAPE '\\' OR CAST(input AS TEXT) LIKE ? ESCAPE '\\' "
                                  "OR CAST(tags AS TEXT) LIKE ? ESCAPE '\\' OR CAST(labels AS TEXT) LIKE ? ESCAPE '\\')");
        QString pattern = f.text;
        pattern.replace(QLatin1String("\\"), QLatin1String("\\\\"))
            .replace(QLatin1String("%"), QLatin1String("\\%"))
            .replace(QLatin1String("_"), QLatin1String("\\_"));
        pattern = QLatin1Char('%') + pattern + QLatin1Char('%');
        w.binds << pattern << pattern << pattern << pattern << pattern;
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
    TaskWhere w = taskWhere(f, dialectOf(db));
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
    if (!execWhere(q, QStringLiteral("SELECT count(*) FROM tasks%WHERE%"), taskWhere(f, dialectOf(db))) || !q.next())
        return queryError(q, QStringLiteral("counting tasks"));
    return q.value(0).toLongLong();
}

Result<QList<TaskLogEntry>> taskLog(QSqlDatabase& db, qint64 seq)
{
    QSqlQuery q(db);
    q.setForwardOnly(true);
    // Insertion order: SQLite's rowid, PostgreSQL's id column.
    q.prepare(QStringLiteral("SELECT time, level, message, data FROM task_logs WHERE task_seq = ? ORDER BY %1")
                  .arg(dialectOf(db) == SqlDialect::Postgres ? QLatin1String("id") : QLatin1String("rowid")));
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

Result<QList<TaskLogEntry>> taskLogById(QSqlDatabase& db, const QString& id)
{
    QSqlQuery q(db);
    q.prepare(QStringLiteral("SELECT seq FROM tasks WHERE id = ?"));
    q.addBindValue(id);
    if (!q.exec())
        return queryError(q, QStringLiteral("reading the log of task %1").arg(id));
    if (!q.next())
        return Error::notFound(QStringLiteral("no task with id %1").arg(id));
    return taskLog(db, q.value(0).toLongLong());
}

Result<QHash<QString, TaskState>> taskStates(QSqlDatabase& db, const QStringList& ids)
{
    QHash<QString, TaskState> states;
    QSqlQuery q(db);
    q.prepare(QStringLiteral("SELECT state FROM tasks WHERE id = ?"));
    for (const QString& id : ids) {
        q.addBindValue(id);
        if (!q.exec())
            return queryError(q, QStringLiteral("reading task states"));
        if (q.next())
            states.insert(id, static_cast<TaskState>(q.value(0).toInt()));
    }
    return states;
}

Result<QList<MinuteStats>> statsMinutes(QSqlDatabase& db, const StatsQuery& query)
{
    const bool byEndpoint = query.rows == StatsRows::Endpoints;
    const bool inSlots = query.stepMs == kStatsSlotMs;
    QSqlQuery q(db);
    q.setForwardOnly(true);
    // Slots of models and of endpoints share a table: a model's have endpoint ''.
    const QString where = inSlots ? (byEndpoint ? QStringLiteral(" AND endpoint <> ''") : QStringLiteral(" AND endpoint = ''")) : QString();
    QString sql
        = QStringLiteral("SELECT %1, model, submitted, succeeded, failed, retried, dead, cancelled, "
                         "latency_buckets, latency_sum_ms, wait_sum_ms, prompt_tokens, completion_tokens, "
                         "cost_usd, queue_depth, latency_min_ms, latency_max_ms, %2 FROM %3 "
                         "WHERE %1 >= ? AND %1 < ?%4")
              .arg(inSlots ? QStringLiteral("slot") : QStringLiteral("minute"), byEndpoint ? QStringLiteral("endpoint") : QStringLiteral("NULL"),
                  inSlots          ? QStringLiteral("stats_slot")
                      : byEndpoint ? QStringLiteral("stats_minute_endpoint")
                                   : QStringLiteral("stats_minute"),
                  where);
    if (!query.model.isEmpty())
        sql += QStringLiteral(" AND model = ?");
    sql += QStringLiteral(" ORDER BY 1, model") + (byEndpoint ? QStringLiteral(", endpoint") : QString());
    q.prepare(sql);
    q.addBindValue(query.fromMs);
    q.addBindValue(query.toMs);
    if (!query.model.isEmpty())
        q.addBindValue(query.model);
    if (!q.exec())
        return queryError(q, QStringLiteral("reading statistics"));
    QList<MinuteStats> out;
    while (q.next()) {
        MinuteStats m;
        m.minuteMs = q.value(0).toLongLong();
        m.spanMs = query.stepMs == kStatsSlotMs ? kStatsSlotMs : kStatsMinuteMs;
        m.model = q.value(1).toString();
        m.counters.submitted = q.value(2).toLongLong();
        m.counters.succeeded = q.value(3).toLongLong();
        m.counters.failed = q.value(4).toLongLong();
        m.counters.retried = q.value(5).toLongLong();
        m.counters.dead = q.value(6).toLongLong();
        m.counters.cancelled = q.value(7).toLongLong();
        m.latency = latencyFromColumns(q.value(8), q.value(9), q.value(15), q.value(16));
        m.waitSumMs = q.value(10).toDouble();
        m.counters.promptTokens = q.value(11).toLongLong();
        m.counters.completionTokens = q.value(12).toLongLong();
        m.counters.costUsd = q.value(13).toDouble();
        m.queueDepth = q.value(14).toLongLong();
        m.endpoint = q.value(17).toString();
        out.append(std::move(m));
    }
    return out;
}

Result<QList<NodeInfo>> nodes(QSqlDatabase& db)
{
    QSqlQuery q(db);
    if (!q.exec(QStringLiteral("SELECT node_id, host, pid, address, version, started_at, heartbeat_at, lease_expires, running, tasks_per_s, "
                               "members, inflight, states FROM nodes ORDER BY node_id")))
        return queryError(q, QStringLiteral("reading the node registry"));
    QList<NodeInfo> out;
    while (q.next()) {
        NodeInfo n;
        n.id = q.value(0).toString();
        n.host = q.value(1).toString();
        n.pid = q.value(2).toLongLong();
        n.address = q.value(3).toString();
        n.version = q.value(4).toString();
        n.startedMs = q.value(5).toLongLong();
        n.heartbeatMs = q.value(6).toLongLong();
        n.leaseExpiresMs = q.value(7).toLongLong();
        n.running = q.value(8).toLongLong();
        n.tasksPerSecond = q.value(9).toDouble();
        n.members = q.value(10).toInt();
        const QJsonObject inflight = QJsonDocument::fromJson(q.value(11).toString().toUtf8()).object();
        for (auto it = inflight.constBegin(); it != inflight.constEnd(); ++it)
            n.inflight.insert(it.key(), it.value().toInt());
        const QJsonObject states = QJsonDocument::fromJson(q.value(12).toString().toUtf8()).object();
        for (auto it = states.constBegin(); it != states.constEnd(); ++it) {
            const QJsonArray counts = it.value().toArray();
            std::array<qint64, kTaskStateCount>& to = n.states[it.key()];
            for (qsizetype i = 0; i < std::min<qsizetype>(counts.size(), kTaskStateCount); ++i)
                to[static_cast<size_t>(i)] = counts.at(i).toInteger();
        }
        out.append(std::move(n));
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
    q.addBindValue(QString::fromUtf8(QJsonDocument(model.toJson()).toJson(QJsonDocument::Compact)));
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
        q.addBindValue(QString::fromUtf8(QJsonDocument(e.toJson()).toJson(QJsonDocument::Compact)));
        if (!q.exec())
            return queryError(q, QStringLiteral("saving endpoint %1").arg(e.name));
    }
    return {};
}

VoidResult deleteModel(QSqlDatabase& db, const QString& name)
{
    QSqlQuery q(db);
    // The node removing it knows its own tasks; those of other nodes sharing
    // the database (and the shared queue's) are only in the store.
    q.prepare(QStringLiteral("SELECT count(*) FROM tasks WHERE state < %1 AND model = ?").arg(static_cast<int>(TaskState::Succeeded)));
    q.addBindValue(name);
    if (!q.exec() || !q.next())
        return queryError(q, QStringLiteral("counting the unfinished tasks of model %1").arg(name));
    if (const qint64 n = q.value(0).toLongLong(); n > 0)
        return Error::conflict(QStringLiteral("model '%1' has %2 unfinished tasks; cancel them or let them finish first").arg(name).arg(n));
    q.finish();
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

Result<qint64> recoverInterrupted(QSqlDatabase& db, const QString& reason, const QString& nodeId)
{
    const qint64 now = nowMs();
    const int running = static_cast<int>(TaskState::Running);
    // SQLite: one process per file, so whatever runs is left by a stopped one.
    // PostgreSQL: only this node's tasks and those of nodes whose lease ran out.
    QString which = QStringLiteral("state = ?");
    QVariantList binds { running };
    if (dialectOf(db) == SqlDialect::Postgres) {
        which += QStringLiteral(" AND (lease_node IS NULL OR lease_node = ? OR lease_node NOT IN "
                                "(SELECT node_id FROM nodes WHERE lease_expires > ?))");
        binds << nodeId << now;
    }
    const auto bindWhich = [&binds](QSqlQuery& q) {
        for (const QVariant& v : std::as_const(binds))
            q.addBindValue(v);
    };
    QSqlQuery q(db);
    // Log first, while the rows still say running.
    q.prepare(QStringLiteral("INSERT INTO task_logs (task_seq, time, level, message, data) "
                             "SELECT seq, CAST(? AS BIGINT), CAST(? AS INTEGER), CASE WHEN attempts >= max_attempts "
                             "THEN 'attempt ' || attempts || ' was interrupted (' || CAST(? AS TEXT) || '); no attempts left: dead' "
                             "ELSE 'attempt ' || attempts || ' was interrupted (' || CAST(? AS TEXT) || '); queued again' END, NULL "
                             "FROM tasks WHERE %1")
                  .arg(which));
    q.addBindValue(now);
    q.addBindValue(static_cast<int>(LogLevel::Warning));
    q.addBindValue(reason);
    q.addBindValue(reason);
    bindWhich(q);
    if (!q.exec())
        return queryError(q, QStringLiteral("recovering interrupted tasks"));
    q.prepare(QStringLiteral("UPDATE tasks SET state = CASE WHEN attempts >= max_attempts THEN CAST(? AS INTEGER) ELSE CAST(? AS INTEGER) END, "
                             "queued_at = ?, lease_node = NULL, "
                             "finished_at = CASE WHEN attempts >= max_attempts THEN CAST(? AS BIGINT) ELSE NULL END, "
                             "error = CASE WHEN attempts >= max_attempts THEN 'interrupted on its last attempt (' || CAST(? AS TEXT) || ')' "
                             "ELSE error END WHERE %1")
                  .arg(which));
    q.addBindValue(static_cast<int>(TaskState::Dead));
    q.addBindValue(static_cast<int>(TaskState::Queued));
    q.addBindValue(now);
    q.addBindValue(now);
    q.addBindValue(reason);
    bindWhich(q);
    if (!q.exec())
        return queryError(q, QStringLiteral("recovering interrupted tasks"));
    return static_cast<qint64>(q.numRowsAffected());
}

VoidResult heartbeat(QSqlDatabase& db, const NodeInfo& n)
{
    QSqlQuery q(db);
    q.prepare(
        QStringLiteral("INSERT INTO nodes (node_id, host, pid, started_at, lease_expires, address, version, heartbeat_at, running, "
                       "tasks_per_s, members, inflight, states) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (node_id) DO UPDATE SET "
                       "host = excluded.host, pid = excluded.pid, started_at = excluded.started_at, "
                       "lease_expires = excluded.lease_expires, address = excluded.address, version = excluded.version, "
                       "heartbeat_at = excluded.heartbeat_at, running = excluded.running, tasks_per_s = excluded.tasks_per_s, "
                       "members = excluded.members, inflight = excluded.inflight, states = excluded.states"));
    QJsonObject inflight;
    for (auto it = n.inflight.constBegin(); it != n.inflight.constEnd(); ++it)
        inflight.insert(it.key(), it.value());
    QJsonObject states;
    for (auto it = n.states.constBegin(); it != n.states.constEnd(); ++it) {
        QJsonArray counts;
        for (qint64 c : it.value())
            counts.append(c);
        states.insert(it.key(), counts);
    }
    for (const QVariant& v : { QVariant(n.id), QVariant(n.host), QVariant(n.pid), QVariant(n.startedMs), QVariant(n.leaseExpiresMs),
             n.address.isEmpty() ? QVariant() : QVariant(n.address), QVariant(n.version), QVariant(n.heartbeatMs), QVariant(n.running),
             QVariant(n.tasksPerSecond), QVariant(n.members),
             inflight.isEmpty() ? QVariant() : QVariant(QString::fromUtf8(QJsonDocument(inflight).toJson(QJsonDocument::Compact))),
             states.isEmpty() ? QVariant() : QVariant(QString::fromUtf8(QJsonDocument(states).toJson(QJsonDocument::Compact))) })
        q.addBindValue(v);
    if (!q.exec())
        return queryError(q, QStringLiteral("renewing the node lease"));
    // Nodes that are gone leave the registry, or every crash would add a row
    // for good (a node's id names its process): a node stays listed, offline,
    // for a day after its lease ran out, for an operator to see what stopped.
    q.prepare(QStringLiteral("DELETE FROM nodes WHERE lease_expires < ?"));
    q.addBindValue(n.heartbeatMs - kOfflineNodeKeptMs);
    if (!q.exec())
        return queryError(q, QStringLiteral("forgetting stopped nodes"));
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

VoidResult removeNode(QSqlDatabase& db, const QString& nodeId)
{
    if (dialectOf(db) == SqlDialect::Postgres)
        if (auto r = cluster::releaseTasks(db, nodeId); !r)
            return r;
    QSqlQuery q(db);
    q.prepare(QStringLiteral("DELETE FROM nodes WHERE node_id = ?"));
    q.addBindValue(nodeId);
    if (!q.exec())
        return queryError(q, QStringLiteral("leaving the node registry"));
    return {};
}

VoidResult addStatsMinutes(QSqlDatabase& db, const std::vector<MinuteStats>& rows)
{
    // A minute already written (a rollup at shutdown, then a restart within
    // the same minute) gets its histogram added to, not replaced: buckets
    // added, the fastest of both fastest and the slowest of both slowest
    // attempts (NULL when either row lacks them, e.g. written before
    // migration 3). Merged here rather than in SQL, whose min/max of two
    // values is spelled differently in each database.
    //
    // Endpoint minutes (MinuteStats::endpoint set) go to stats_minute_endpoint,
    // keyed by the endpoint too; 10-second slots of both to stats_slot, whose
    // model rows have endpoint ''. The same columns otherwise.
    struct Statements
    {
        QSqlQuery existing;
        QSqlQuery upsert;
    };
    enum Kind { ModelMinute, EndpointMinute, Slot, KindCount };
    const auto statements = [&db](Kind kind) {
        const bool byEndpoint = kind != ModelMinute;
        const QString table = kind == Slot ? QStringLiteral("stats_slot")
            : byEndpoint                   ? QStringLiteral("stats_minute_endpoint")
                                           : QStringLiteral("stats_minute");
        const QString time = kind == Slot ? QStringLiteral("slot") : QStringLiteral("minute");
        const QString key = time + (byEndpoint ? QStringLiteral(", model, endpoint") : QStringLiteral(", model"));
        Statements st { QSqlQuery(db), QSqlQuery(db) };
        st.existing.prepare(QStringLiteral("SELECT latency_buckets, latency_sum_ms, latency_min_ms, latency_max_ms FROM %1 "
                                           "WHERE %2 = ? AND model = ?%3")
                                .arg(table, time, byEndpoint ? QStringLiteral(" AND endpoint = coalesce(?, '')") : QString()));
        // The target's own columns are named through an alias: PostgreSQL finds a
        // bare name beside excluded.* ambiguous.
        st.upsert.prepare(
            QStringLiteral("INSERT INTO %1 AS s (%2, submitted, succeeded, failed, retried, dead, cancelled, latency_count, "
                           "latency_sum_ms, latency_buckets, wait_sum_ms, prompt_tokens, completion_tokens, cost_usd, queue_depth, "
                           "latency_min_ms, latency_max_ms) "
                           "VALUES (?,?,%3?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT (%2) DO UPDATE SET "
                           "submitted = s.submitted + excluded.submitted, succeeded = s.succeeded + excluded.succeeded, "
                           "failed = s.failed + excluded.failed, retried = s.retried + excluded.retried, dead = s.dead + excluded.dead, "
                           "cancelled = s.cancelled + excluded.cancelled, latency_count = s.latency_count + excluded.latency_count, "
                           "latency_sum_ms = s.latency_sum_ms + excluded.latency_sum_ms, latency_buckets = excluded.latency_buckets, "
                           "wait_sum_ms = s.wait_sum_ms + excluded.wait_sum_ms, prompt_tokens = s.prompt_tokens + excluded.prompt_tokens, "
                           "completion_tokens = s.completion_tokens + excluded.completion_tokens, cost_usd = s.cost_usd + excluded.cost_usd, "
                           "queue_depth = excluded.queue_depth, latency_min_ms = excluded.latency_min_ms, "
                           "latency_max_ms = excluded.latency_max_ms")
                .arg(table, key, byEndpoint ? QStringLiteral("coalesce(?, ''),") : QString()));
        return st;
    };
    std::array<std::optional<Statements>, KindCount> prepared;
    qint64 newestSlot = -1;
    for (const MinuteStats& m : rows) {
        const Kind kind = m.spanMs == kStatsSlotMs ? Slot : m.endpoint.isEmpty() ? ModelMinute : EndpointMinute;
        const bool byEndpoint = kind != ModelMinute;
        std::optional<Statements>& st = prepared[kind];
        if (!st)
            st = statements(kind);
        if (kind == Slot)
            newestSlot = std::max(newestSlot, m.minuteMs);
        QSqlQuery& existing = st->existing;
        QSqlQuery& q = st->upsert;
        const StatCounters& c = m.counters;
        Histogram latency = m.latency;
        existing.addBindValue(m.minuteMs);
        existing.addBindValue(m.model);
        if (byEndpoint)
            existing.addBindValue(m.endpoint);
        if (existing.exec() && existing.next() && !existing.value(0).isNull())
            latency.add(latencyFromColumns(existing.value(0), existing.value(1), existing.value(2), existing.value(3)));
        existing.finish();
        q.addBindValue(m.minuteMs);
        q.addBindValue(m.model);
        if (byEndpoint)
            q.addBindValue(m.endpoint);
        const auto [minMs, maxMs] = latencyExtremeColumns(latency);
        for (const QVariant& v : { QVariant(c.submitted), QVariant(c.succeeded), QVariant(c.failed), QVariant(c.retried), QVariant(c.dead),
                 QVariant(c.cancelled), QVariant(m.latency.count()), QVariant(m.latency.sum() * 1000.0),
                 QVariant(QString::fromUtf8(QJsonDocument(latency.toJson()).toJson(QJsonDocument::Compact))), QVariant(m.waitSumMs),
                 QVariant(c.promptTokens), QVariant(c.completionTokens), QVariant(c.costUsd), QVariant(m.queueDepth), minMs, maxMs })
            q.addBindValue(v);
        if (!q.exec())
            return queryError(q, QStringLiteral("writing statistics"));
    }
    if (newestSlot >= 0) {
        // Slots are kept for a while only; each write clears what fell out.
        QSqlQuery old(db);
        old.prepare(QStringLiteral("DELETE FROM stats_slot WHERE slot < ?"));
        old.addBindValue(newestSlot - kStatsSlotsKeptMs);
        if (!old.exec())
            return queryError(old, QStringLiteral("clearing old statistics"));
    }
    return {};
}

} // namespace writes

namespace {
ApiToken tokenFromRow(const QSqlQuery& q)
{
    ApiToken t;
    t.id = q.value(0).toString();
    t.name = q.value(1).toString();
    t.role = roleFromName(q.value(2).toString()).value_or(Role::Viewer);
    t.createdMs = q.value(3).toLongLong();
    t.lastUsedMs = q.value(4).toLongLong();
    t.revokedMs = q.value(5).toLongLong();
    return t;
}
} // namespace

namespace tokens {

VoidResult create(QSqlDatabase& db, const NewToken& t)
{
    QSqlQuery q(db);
    q.prepare(QStringLiteral("INSERT INTO api_tokens (id, name, role, hash, created_at) VALUES (?, ?, ?, ?, ?)"));
    q.addBindValue(t.token.id);
    q.addBindValue(t.token.name);
    q.addBindValue(roleName(t.token.role));
    q.addBindValue(QString::fromLatin1(hashTokenSecret(t.secret)));
    q.addBindValue(t.token.createdMs);
    if (!q.exec())
        return queryError(q, QStringLiteral("creating a token"));
    return {};
}

Result<QList<ApiToken>> list(QSqlDatabase& db)
{
    QSqlQuery q(db);
    if (!q.exec(QStringLiteral("SELECT id, name, role, created_at, last_used_at, revoked_at FROM api_tokens ORDER BY created_at")))
        return queryError(q, QStringLiteral("listing tokens"));
    QList<ApiToken> out;
    while (q.next())
        out.append(tokenFromRow(q));
    return out;
}

VoidResult revoke(QSqlDatabase& db, const QString& id)
{
    QSqlQuery q(db);
    q.prepare(QStringLiteral("UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL"));
    q.addBindValue(nowMs());
    q.addBindValue(id);
    if (!q.exec())
        return queryError(q, QStringLiteral("revoking a token"));
    if (q.numRowsAffected() == 0)
        return Error::notFound(QStringLiteral("no active token with id '%1'").arg(id.left(kEchoNameChars)));
    return {};
}

Result<QHash<QByteArray, ApiToken>> active(QSqlDatabase& db)
{
    QSqlQuery q(db);
    if (!q.exec(QStringLiteral("SELECT id, name, role, created_at, last_used_at, revoked_at, hash FROM api_tokens WHERE revoked_at IS NULL")))
        return queryError(q, QStringLiteral("loading tokens"));
    QHash<QByteArray, ApiToken> out;
    while (q.next())
        out.insert(q.value(6).toString().toLatin1(), tokenFromRow(q));
    return out;
}

VoidResult touch(QSqlDatabase& db, const QHash<QString, qint64>& lastUsed)
{
    QSqlQuery q(db);
    q.prepare(QStringLiteral("UPDATE api_tokens SET last_used_at = ? WHERE id = ?"));
    for (auto it = lastUsed.cbegin(); it != lastUsed.cend(); ++it) {
        q.addBindValue(it.value());
        q.addBindValue(it.key());
        if (!q.exec())
            return queryError(q, QStringLiteral("recording token use"));
    }
    return {};
}

VoidResult audit(QSqlDatabase& db, const QList<AuditEntry>& entries)
{
    return insertRowsChunked(
        db, static_cast<int>(entries.size()), 7, QStringLiteral("INSERT INTO audit_log (time, token_id, method, path, status, remote, summary)"),
        [&entries](QSqlQuery& q, int& pos, int row) {
            const AuditEntry& e = entries.at(row);
            q.bindValue(pos++, e.timeMs);
            q.bindValue(pos++, e.tokenId.isEmpty() ? QVariant() : QVariant(e.tokenId));
            q.bindValue(pos++, e.method);
            q.bindValue(pos++, e.path);
            q.bindValue(pos++, e.status);
            q.bindValue(pos++, e.remote);
            q.bindValue(pos++, e.summary);
        },
        "writing the audit log");
}

Result<QList<AuditEntry>> auditLog(QSqlDatabase& db, qint64 sinceMs, int limit)
{
    QSqlQuery q(db);
    q.prepare(QStringLiteral("SELECT time, token_id, method, path, status, remote, summary FROM audit_log WHERE time >= ? "
                             "ORDER BY seq DESC LIMIT ?"));
    q.addBindValue(sinceMs);
    q.addBindValue(limit);
    if (!q.exec())
        return queryError(q, QStringLiteral("reading the audit log"));
    QList<AuditEntry> out;
    while (q.next())
        out.append({ q.value(0).toLongLong(), q.value(1).toString(), q.value(2).toString(), q.value(3).toString(), q.value(4).toInt(),
            q.value(5).toString(), q.value(6).toString() });
    return out;
}

} // namespace tokens

} // namespace llmsched
