#pragma once

#include "core/result.h"
#include "core/storetypes.h"

#include <QSqlDatabase>

#include <vector>

namespace llmsched {

// The statements of nodes that share one PostgreSQL database (see
// docs/scaling.md): numbering, claiming, leases, recovery, wake-ups.
namespace cluster {

// The notification channel every node listens on.
inline constexpr QLatin1String kChannel("llmsched");

Result<QList<qint64>> takeSeqBlocks(QSqlDatabase& db, int count);
Result<std::vector<ClaimedRow>> claimTasks(QSqlDatabase& db, const ClaimRequest& request, const QString& node);
Result<std::vector<ClaimedRow>> ownedTasks(QSqlDatabase& db, const QString& node);
Result<bool> takeLease(QSqlDatabase& db, const QString& name, const QString& node, qint64 nowMs, qint64 durationMs);
Result<qint64> recoverLostNodes(QSqlDatabase& db, qint64 nowMs);
// The node's unfinished tasks go back to no owner (a node that stops).
VoidResult releaseTasks(QSqlDatabase& db, const QString& node);
VoidResult notify(QSqlDatabase& db, const QString& text);
// Unfinished tasks no node owns, per model (an index-only count of tasks_unowned).
Result<QHash<QString, qint64>> unownedCounts(QSqlDatabase& db);
Result<bool> updateUnowned(QSqlDatabase& db, const TaskUpdate& update, const TaskLogRow& log);

} // namespace cluster
} // namespace llmsched
