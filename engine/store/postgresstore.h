#pragma once

#include "pglistener.h"
#include "postgres.h"
#include "sqlstore.h"

#include <atomic>

namespace llmsched {

// The shared back end: one PostgreSQL database (StoreOptions::databasePath is
// its postgresql:// URL). The same writer and readers as SQLite, on QPSQL
// connections; the writer batches updates into multi-row statements, since
// each statement costs a round trip to the server; connections that die
// (a server restart) are opened again and the work retried.
class PostgresStore final : public SqlStore
{
public:
    // See Store::open. Refuses a wrong URL, an unreachable server, a wrong
    // password, a missing database and a database of a newer schema with a
    // message naming the server and the database, never the password.
    static Result<std::unique_ptr<PostgresStore>> open(const StoreOptions& options);
    ~PostgresStore() override;

    // The database's size as last measured (refreshed in the background).
    qint64 sizeBytes() const override;

    bool shared() const override { return true; }
    QFuture<Result<QList<qint64>>> takeSeqBlocks(int count) override;
    QFuture<Result<std::vector<ClaimedRow>>> claimTasks(const ClaimRequest& request) override;
    QFuture<Result<std::vector<ClaimedRow>>> ownedTasks() override;
    QFuture<Result<bool>> takeLease(const QString& name, qint64 durationMs) override;
    QFuture<Result<qint64>> recoverLostNodes() override;
    QFuture<Result<QHash<QString, qint64>>> unownedCounts() override;
    void notifyNodes(const QString& text) override;
    void setNotificationListener(std::function<void(const QString& text)> listener) override;
    QFuture<Result<bool>> updateUnowned(TaskUpdate update, TaskLogRow log) override;
    void dropTaskWrites() override { writer().dropTaskWrites(); }

private:
    PostgresStore(const StoreOptions& options, const PostgresUrl& url);

    const PostgresUrl m_url;
    std::unique_ptr<PgListener> m_listener;

    mutable std::atomic<qint64> m_size { 0 };
    mutable std::atomic<qint64> m_sizeCheckedMs { 0 };
};

} // namespace llmsched
