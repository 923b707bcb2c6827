#include "store.h"

#include <QFuture>

namespace llmsched {

namespace {
Error notShared()
{
    return Error::unavailable(QStringLiteral("this store serves one process; nodes share only a PostgreSQL database"));
}
} // namespace

// A store of one process (SQLite) has no other nodes: these are never needed.
QFuture<Result<QList<qint64>>> Store::takeSeqBlocks(int)
{
    return QtFuture::makeReadyFuture(Result<QList<qint64>>(notShared()));
}

QFuture<Result<std::vector<ClaimedRow>>> Store::claimTasks(const ClaimRequest&)
{
    return QtFuture::makeReadyFuture(Result<std::vector<ClaimedRow>>(notShared()));
}

QFuture<Result<std::vector<ClaimedRow>>> Store::ownedTasks()
{
    return QtFuture::makeReadyFuture(Result<std::vector<ClaimedRow>>(notShared()));
}

QFuture<Result<bool>> Store::takeLease(const QString&, qint64)
{
    return QtFuture::makeReadyFuture(Result<bool>(true)); // the only node leads
}

QFuture<Result<qint64>> Store::recoverLostNodes()
{
    return QtFuture::makeReadyFuture(Result<qint64>(qint64(0)));
}

QFuture<Result<QHash<QString, qint64>>> Store::unownedCounts()
{
    return QtFuture::makeReadyFuture(Result<QHash<QString, qint64>>(QHash<QString, qint64> {}));
}

void Store::notifyNodes(const QString&) { }

void Store::setNotificationListener(std::function<void(const QString&)>) { }

QFuture<Result<bool>> Store::updateUnowned(TaskUpdate, TaskLogRow)
{
    return QtFuture::makeReadyFuture(Result<bool>(false)); // every task is this process's
}

} // namespace llmsched
