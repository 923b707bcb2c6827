#include "clusterqueries.h"

#include "queries.h"

#include "core/logging.h"

#include <QSqlError>
#include <QSqlQuery>

namespace llmsched::cluster {

namespace {

constexpr int kQueued = static_cast<int>(TaskState::Queued);
constexpr int kRunning = static_cast<int>(TaskState::Running);
constexpr int kFinal = static_cast<int>(TaskState::Succeeded); // states below are unfinished

// What a node needs of a claimed task, after "RETURNING " or "SELECT ": the
// columns activeRowFromQuery() reads, then the call's.
const QString kClaimedColumns = QStringLiteral("t.seq, t.id, t.model, t.state, t.priority, t.attempts, t.max_attempts, t.queued_at, t.run_at, "
                                               "t.deadline, t.depends_on, t.timeout_ms, t.kind, t.input, t.session_key");

std::vector<ClaimedRow> claimedRows(QSqlQuery& q)
{
    std::vector<ClaimedRow> out;
    while (q.next()) {
        ClaimedRow c;
        c.row = activeRowFromQuery(q);
        c.timeoutMs = q.value(11).toInt();
        c.kind = static_cast<TaskKind>(q.value(12).toInt());
        c.input = q.value(13).toString().toUtf8();
        c.sessionKey = q.value(14).toString();
        out.push_back(std::move(c));
    }
    return out;
}

} // namespace

Result<QList<qint64>> takeSeqBlocks(QSqlDatabase& db, int count)
{
    QSqlQuery q(db);
    q.prepare(QStringLiteral("SELECT nextval('task_seq_blocks') FROM generate_series(1, ?)"));
    q.addBindValue(std::max(1, count));
    if (!q.exec())
        return queryError(q, QStringLiteral("numbering tasks"));
    QList<qint64> firsts;
    while (q.next())
        firsts.append(q.value(0).toLongLong() * kSeqBlock);
    return firsts;
}

Result<std::vector<ClaimedRow>> claimTasks(QSqlDatabase& db, const ClaimRequest& r, const QString& node)
{
    // Queued tasks: the first `pool` of each priority level by age (the
    // partial index tasks_unowned serves each level), the best `pool` of
    // those by the ready queue's rule, and of them the best `limit` not
    // being claimed by another node right now (SKIP LOCKED: nodes claiming
    // together do not wait on each other, and with twice the rows they
    // seldom come away empty), marked ours. Waiting tasks (scheduled,
    // blocked, retry_wait) have no owner only when their node was lost:
    // taken too, first.
    const qint64 aging = std::max<qint64>(1, r.agingIntervalMs);
    const int pool = 2 * r.limit;
    QSqlQuery q(db);
    q.prepare(
        QStringLiteral("WITH candidates AS (("
                       " SELECT c.seq, row_number() OVER (ORDER BY GREATEST(0, c.priority - (CAST(? AS BIGINT) - c.queued_at) / CAST(? AS BIGINT)),"
                       "  c.queued_at, c.seq) AS rank FROM generate_series(0, 9) AS l(p) CROSS JOIN LATERAL ("
                       "  SELECT seq, priority, queued_at FROM tasks WHERE model = ? AND lease_node IS NULL AND state = %1 "
                       "  AND priority = l.p ORDER BY queued_at, seq LIMIT ?) c ORDER BY rank LIMIT ?"
                       ") UNION ALL ("
                       " SELECT seq, 0 FROM tasks WHERE model = ? AND lease_node IS NULL AND state < %2 AND state NOT IN (%1, %3)"
                       " ORDER BY seq LIMIT ?)), "
                       "picked AS (SELECT t.seq FROM tasks AS t JOIN candidates AS c ON c.seq = t.seq WHERE t.lease_node IS NULL "
                       " AND t.state < %2 ORDER BY c.rank LIMIT ? FOR UPDATE OF t SKIP LOCKED) "
                       "UPDATE tasks AS t SET lease_node = ? FROM picked WHERE t.seq = picked.seq RETURNING %4")
            .arg(kQueued)
            .arg(kFinal)
            .arg(kRunning)
            .arg(kClaimedColumns));
    q.addBindValue(r.nowMs);
    q.addBindValue(aging);
    q.addBindValue(r.model);
    q.addBindValue(pool);
    q.addBindValue(pool);
    q.addBindValue(r.model);
    q.addBindValue(r.limit);
    q.addBindValue(r.limit);
    q.addBindValue(node);
    if (!q.exec())
        return queryError(q, QStringLiteral("claiming tasks of model %1").arg(r.model));
    return claimedRows(q);
}

Result<std::vector<ClaimedRow>> ownedTasks(QSqlDatabase& db, const QString& node)
{
    QSqlQuery q(db);
    q.setForwardOnly(true);
    q.prepare(QStringLiteral("SELECT %1 FROM tasks AS t WHERE t.lease_node = ? AND t.state < %2").arg(kClaimedColumns).arg(kFinal));
    q.addBindValue(node);
    if (!q.exec())
        return queryError(q, QStringLiteral("reading this node's tasks"));
    return claimedRows(q);
}

Result<bool> takeLease(QSqlDatabase& db, const QString& name, const QString& node, qint64 nowMs, qint64 durationMs)
{
    QSqlQuery q(db);
    q.prepare(QStringLiteral("INSERT INTO leases (name, node_id, expires) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET "
                             "node_id = excluded.node_id, expires = excluded.expires "
                             "WHERE leases.node_id = excluded.node_id OR leases.expires < ? RETURNING node_id"));
    q.addBindValue(name);
    q.addBindValue(node);
    q.addBindValue(nowMs + durationMs);
    q.addBindValue(nowMs);
    if (!q.exec())
        return queryError(q, QStringLiteral("taking the %1 lease").arg(name));
    return q.next();
}

Result<qint64> recoverLostNodes(QSqlDatabase& db, qint64 nowMs)
{
    // A node is lost once its registry lease ran out (or it left the registry).
    const QString lost = QStringLiteral("lease_node IS NOT NULL AND state < %1 AND lease_node NOT IN "
                                        "(SELECT node_id FROM nodes WHERE lease_expires > %2)")
                             .arg(kFinal)
                             .arg(nowMs);
    QSqlQuery q(db);
    // Log first, while the rows still say running and whose they were.
    q.prepare(QStringLiteral("INSERT INTO task_logs (task_seq, time, level, message, data) "
                             "SELECT seq, CAST(? AS BIGINT), CAST(? AS INTEGER), 'attempt ' || attempts || ' was interrupted: node ' || "
                             "lease_node || ' stopped renewing its lease; ' || CASE WHEN attempts >= max_attempts "
                             "THEN 'no attempts left: dead' ELSE 'queued again' END, NULL FROM tasks WHERE state = %1 AND %2")
                  .arg(kRunning)
                  .arg(lost));
    q.addBindValue(nowMs);
    q.addBindValue(static_cast<int>(LogLevel::Warning));
    if (!q.exec())
        return queryError(q, QStringLiteral("recovering the tasks of lost nodes"));
    q.prepare(QStringLiteral("UPDATE tasks SET "
                             "state = CASE WHEN state <> %1 THEN state WHEN attempts >= max_attempts THEN %2 ELSE %3 END, "
                             "queued_at = CASE WHEN state = %1 THEN CAST(? AS BIGINT) ELSE queued_at END, "
                             "finished_at = CASE WHEN state = %1 AND attempts >= max_attempts THEN CAST(? AS BIGINT) ELSE finished_at END, "
                             "error = CASE WHEN state = %1 AND attempts >= max_attempts THEN 'interrupted on its last attempt: node ' || "
                             "lease_node || ' stopped renewing its lease' ELSE error END, "
                             "lease_node = NULL WHERE %4")
                  .arg(kRunning)
                  .arg(static_cast<int>(TaskState::Dead))
                  .arg(kQueued)
                  .arg(lost));
    q.addBindValue(nowMs);
    q.addBindValue(nowMs);
    if (!q.exec())
        return queryError(q, QStringLiteral("recovering the tasks of lost nodes"));
    const qint64 n = q.numRowsAffected();
    if (n > 0)
        if (auto r = notify(db, nodemsg::kTasksWaiting); !r)
            return r.error();
    return n;
}

VoidResult releaseTasks(QSqlDatabase& db, const QString& node)
{
    QSqlQuery q(db);
    q.prepare(QStringLiteral("UPDATE tasks SET lease_node = NULL WHERE lease_node = ? AND state < %1 AND state <> %2").arg(kFinal).arg(kRunning));
    q.addBindValue(node);
    if (!q.exec())
        return queryError(q, QStringLiteral("leaving this node's tasks to the others"));
    if (q.numRowsAffected() > 0)
        return notify(db, nodemsg::kTasksWaiting);
    return {};
}

Result<QHash<QString, qint64>> unownedCounts(QSqlDatabase& db)
{
    QSqlQuery q(db);
    if (!q.exec(QStringLiteral("SELECT model, count(*) FROM tasks WHERE lease_node IS NULL AND state < %1 GROUP BY model").arg(kFinal)))
        return queryError(q, QStringLiteral("counting the shared queue"));
    QHash<QString, qint64> out;
    while (q.next())
        out.insert(q.value(0).toString(), q.value(1).toLongLong());
    return out;
}

VoidResult notify(QSqlDatabase& db, const QString& text)
{
    QSqlQuery q(db);
    q.prepare(QStringLiteral("SELECT pg_notify(?, ?)"));
    q.addBindValue(QString(kChannel));
    q.addBindValue(text);
    if (!q.exec())
        return queryError(q, QStringLiteral("waking the other nodes"));
    return {};
}

Result<bool> updateUnowned(QSqlDatabase& db, const TaskUpdate& u, const TaskLogRow& log)
{
    // An operator's change to a task no node holds: its state (cancel) or priority.
    QStringList sets;
    QVariantList binds;
    if (u.fields & TaskUpdate::State) {
        sets << QStringLiteral("state = ?");
        binds << static_cast<int>(u.state);
    }
    if (u.fields & TaskUpdate::Priority) {
        sets << QStringLiteral("priority = ?");
        binds << u.priority;
    }
    if (u.fields & TaskUpdate::ErrorText) {
        sets << QStringLiteral("error = ?");
        binds << (u.error.isEmpty() ? QVariant() : QVariant(u.error));
    }
    if (u.fields & TaskUpdate::FinishedAt) {
        sets << QStringLiteral("finished_at = ?");
        binds << (u.finishedMs ? QVariant(u.finishedMs) : QVariant());
    }
    if (sets.isEmpty())
        return Error::invalid(QStringLiteral("update"), QStringLiteral("changes nothing"));
    QSqlQuery q(db);
    q.prepare(
        QStringLiteral("UPDATE tasks SET %1 WHERE seq = ? AND lease_node IS NULL AND state < %2").arg(sets.join(QStringLiteral(", "))).arg(kFinal));
    for (const QVariant& v : std::as_const(binds))
        q.addBindValue(v);
    q.addBindValue(u.seq);
    if (!q.exec())
        return queryError(q, QStringLiteral("changing task %1").arg(u.seq));
    if (q.numRowsAffected() == 0)
        return false;
    q.prepare(QStringLiteral("INSERT INTO task_logs (task_seq, time, level, message, data) VALUES (?, ?, ?, ?, NULL)"));
    q.addBindValue(log.seq);
    q.addBindValue(log.entry.timeMs);
    q.addBindValue(static_cast<int>(log.entry.level));
    q.addBindValue(log.entry.message);
    if (!q.exec())
        return queryError(q, QStringLiteral("logging a change of task %1").arg(u.seq));
    return true;
}

} // namespace llmsched::cluster
