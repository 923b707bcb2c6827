#pragma once

#include "core/apitoken.h"
#include "core/minutestats.h"
#include "core/modelconfig.h"
#include "core/result.h"
#include "core/storetypes.h"
#include "core/task.h"

#include <QHash>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QStringList>

#include <vector>

// The SQL of both back ends (dialectOf() picks the few spellings that differ), each function on a connection its caller
// owns: queries on reader threads (or the start-up connection), writes inside
// the writer's transaction. Internal to store/: everything above it goes
// through the Store interface (store.h).
namespace llmsched {

// A JSON array of strings stored in a column (NULL: empty).
QStringList jsonStringList(const QVariant& v);
// An unfinished task's row from a query whose first columns are seq, id,
// model, state, priority, attempts, max_attempts, queued_at, run_at,
// deadline, depends_on.
ActiveRow activeRowFromQuery(const QSqlQuery& q);
// A failed statement's error, saying what it was doing.
Error queryError(const QSqlQuery& q, const QString& what);

namespace queries {
// Start-up reads.
Result<QList<ModelConfig>> loadModels(QSqlDatabase& db);
// On a shared database (PostgreSQL), only the tasks nodeId owns.
Result<std::vector<ActiveRow>> loadActive(QSqlDatabase& db, const QString& nodeId);
Result<qint64> maxSeq(QSqlDatabase& db);
Result<QString> setting(QSqlDatabase& db, const QString& key);
Result<QHash<QString, double>> costSince(QSqlDatabase& db, qint64 sinceMs);
Result<QHash<QString, FinishedCounts>> finishedCounts(QSqlDatabase& db);

Result<Task> taskById(QSqlDatabase& db, const QString& id);
Result<TaskPage> listTasks(QSqlDatabase& db, const TaskFilter& filter);
Result<qint64> countTasks(QSqlDatabase& db, const TaskFilter& filter);
Result<QList<TaskLogEntry>> taskLog(QSqlDatabase& db, qint64 seq);
Result<QList<TaskLogEntry>> taskLogById(QSqlDatabase& db, const QString& id);
Result<QHash<QString, TaskState>> taskStates(QSqlDatabase& db, const QStringList& ids);
Result<QHash<qint64, Task>> tasksBySeq(QSqlDatabase& db, const QList<qint64>& seqs);
Result<QList<MinuteStats>> statsMinutes(QSqlDatabase& db, const StatsQuery& query);
Result<QList<NodeInfo>> nodes(QSqlDatabase& db);
} // namespace queries

namespace writes {
VoidResult upsertModel(QSqlDatabase& db, const ModelConfig& model);
VoidResult deleteModel(QSqlDatabase& db, const QString& name);
VoidResult setSetting(QSqlDatabase& db, const QString& key, const QString& value);
// nodeId: the recovering node (PostgreSQL leaves other live nodes' tasks alone).
Result<qint64> recoverInterrupted(QSqlDatabase& db, const QString& reason, const QString& nodeId);
// Renews the node's registry row and forgets nodes whose lease ran out
// kOfflineNodeKeptMs ago.
inline constexpr qint64 kOfflineNodeKeptMs = 24LL * 3600 * 1000;
VoidResult heartbeat(QSqlDatabase& db, const NodeInfo& node);
VoidResult removeNode(QSqlDatabase& db, const QString& nodeId);
Result<qint64> purgeTasks(QSqlDatabase& db, TaskState state, const QString& model, qint64 olderThanMs);
VoidResult addStatsMinutes(QSqlDatabase& db, const std::vector<MinuteStats>& rows);
} // namespace writes

namespace tokens {
VoidResult create(QSqlDatabase& db, const NewToken& token);
Result<QList<ApiToken>> list(QSqlDatabase& db);
VoidResult revoke(QSqlDatabase& db, const QString& id);
Result<QHash<QByteArray, ApiToken>> active(QSqlDatabase& db);
VoidResult touch(QSqlDatabase& db, const QHash<QString, qint64>& lastUsed);
VoidResult audit(QSqlDatabase& db, const QList<AuditEntry>& entries);
Result<QList<AuditEntry>> auditLog(QSqlDatabase& db, qint64 sinceMs, int limit);
} // namespace tokens

} // namespace llmsched
