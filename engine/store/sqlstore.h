#pragma once

#include "store.h"
#include "storewriter.h"

#include <QMutex>
#include <QPromise>
#include <QSqlDatabase>
#include <QThreadPool>
#include <QtConcurrent/QtConcurrentRun>

namespace llmsched {

// What the two back ends share: one writer thread that group-commits
// (StoreWriter) on a connection of its own, a pool of reader threads each with
// its own connection, a start-up connection on the opening thread, and the
// Store operations on top of them (queries.h speaks both dialects). A back end
// supplies how a connection is opened (the connector), where the data is and
// its checks before the first write.
class SqlStore : public Store
{
public:
    ~SqlStore() override;

    QString location() const override { return m_location; }

    Result<QList<ModelConfig>> loadModelsNow() override;
    Result<std::vector<ActiveRow>> loadActiveNow() override;
    Result<qint64> maxSeqNow() override;
    Result<QString> settingNow(const QString& key) override;
    Result<QHash<QString, double>> costSinceNow(qint64 sinceMs) override;
    Result<QHash<QString, FinishedCounts>> finishedCountsNow() override;

    void setStatusListener(StatusListener listener) override;
    quint64 insertTasks(std::vector<NewTaskRow> rows, InsertDone done) override;
    quint64 updateWithLog(TaskUpdate update, TaskLogRow log) override;
    VoidResult flush() override;
    void lowerWriterPriority(int niceDelta) override;
    void holdWrites() override;
    void releaseWrites() override;

    QFuture<VoidResult> upsertModel(const ModelConfig& model) override;
    QFuture<VoidResult> deleteModel(const QString& name) override;
    QFuture<VoidResult> setSetting(const QString& key, const QString& value) override;
    QFuture<Result<qint64>> recoverInterrupted(const QString& reason) override;
    QFuture<Result<qint64>> purgeTasks(TaskState state, const QString& model, qint64 olderThanMs) override;
    void addStatsMinutes(std::vector<MinuteStats> rows) override;
    QFuture<VoidResult> heartbeat(const NodeInfo& node) override;
    QFuture<VoidResult> removeNode(const QString& nodeId) override;

    QFuture<Result<NewToken>> createToken(const QString& name, Role role) override;
    QFuture<VoidResult> revokeToken(const QString& id) override;
    void touchTokens(const QHash<QString, qint64>& lastUsed) override;
    void appendAudit(const QList<AuditEntry>& entries) override;
    QFuture<Result<QList<AuditEntry>>> auditLog(qint64 sinceMs, int limit) override;

    QFuture<VoidResult> putFile(const StoredFile& file, const QByteArray& content) override;
    QFuture<VoidResult> deleteFile(const QString& id) override;
    QFuture<Result<qint64>> deleteFilesBefore(const QStringList& purposes, qint64 beforeMs) override;
    QFuture<VoidResult> putBatch(const BatchRecord& batch) override;
    QFuture<VoidResult> putDoc(const StoredDoc& doc) override;
    QFuture<VoidResult> deleteDoc(const QString& kind, const QString& id) override;
    QFuture<Result<qint64>> deleteDocsBefore(const QString& kindPrefix, const QStringList& statuses, qint64 updatedBeforeMs) override;
    QFuture<Result<bool>> casDoc(const StoredDoc& doc, qint64 expectedUpdatedMs) override;
    QFuture<Result<QHash<QString, TaskState>>> groupStates(const QString& group) override;
    QFuture<Result<StoredDoc>> doc(const QString& kind, const QString& id) override;
    QFuture<Result<QList<StoredDoc>>> docs(const DocQuery& query) override;
    QFuture<Result<QList<StoredFile>>> files(const QStringList& purposes, int limit, const QString& after) override;
    QFuture<Result<StoredFile>> file(const QString& id) override;
    QFuture<Result<QByteArray>> fileContent(const QString& id) override;
    QFuture<Result<BatchRecord>> batch(const QString& id) override;
    QFuture<Result<QList<BatchRecord>>> batches(const QString& api, int limit, const QString& after) override;
    QFuture<Result<QList<BatchRecord>>> activeBatches() override;
    QFuture<Result<FinishedCounts>> groupCounts(const QString& group) override;

    QFuture<Result<QList<ModelConfig>>> models() override;
    QFuture<Result<Task>> task(const QString& id) override;
    QFuture<Result<QHash<QString, TaskState>>> taskStates(const QStringList& ids) override;
    QFuture<Result<QHash<qint64, Task>>> tasksBySeq(const QList<qint64>& seqs) override;
    QFuture<Result<TaskPage>> tasks(const TaskFilter& filter) override;
    QFuture<Result<qint64>> countTasks(const TaskFilter& filter) override;
    QFuture<Result<QList<TaskLogEntry>>> taskLog(const QString& id) override;
    QFuture<Result<QList<MinuteStats>>> statsMinutes(const StatsQuery& query) override;
    QFuture<Result<QList<ApiToken>>> apiTokens() override;
    QFuture<Result<QHash<QByteArray, ApiToken>>> activeTokens() override;
    QFuture<Result<QList<NodeInfo>>> nodes() override;

protected:
    // Opens a connection of the given name on the calling thread; readOnly for readers.
    using Connector = std::function<Result<QSqlDatabase>(const QString& name, bool readOnly)>;

    // location: where the data is, for messages (never with a password).
    SqlStore(StoreOptions options, QString location, Connector connect);

    // Opens the start-up connection and migrates; then starts the writer.
    VoidResult openAndMigrate();
    VoidResult startWriter();

    // Runs fn on a reader thread with its own connection.
    template <typename F> auto read(F fn) -> QFuture<std::invoke_result_t<F, QSqlDatabase&>>
    {
        return QtConcurrent::run(&m_readers, [this, fn = std::move(fn)]() mutable {
            QSqlDatabase db = readConnection();
            auto r = fn(db);
            if (!r && reconnected(db))
                r = fn(db); // the server restarted under the connection
            return r;
        });
    }
    // Runs fn inside the writer's transaction; the future has fn's result once
    // the transaction committed (or the commit's error).
    template <typename R, typename F> QFuture<R> write(F fn);
    QSqlDatabase& startupConnection() { return m_startup; }
    StoreWriter& writer() { return *m_writer; }

    const StoreOptions m_options;

private:
    QSqlDatabase readConnection();
    static bool reconnected(QSqlDatabase& db);

    const QString m_location;
    const Connector m_connect;
    std::unique_ptr<StoreWriter> m_writer;
    QThreadPool m_readers;
    QMutex m_readerNamesMutex;
    QStringList m_readerNames; // guarded by m_readerNamesMutex
    QSqlDatabase m_startup; // caller thread, start-up only
};

template <typename R, typename F> QFuture<R> SqlStore::write(F fn)
{
    auto promise = std::make_shared<QPromise<R>>();
    promise->start();
    auto out = std::make_shared<std::optional<R>>();
    m_writer->exec(
        [fn = std::move(fn), out](QSqlDatabase& db) -> VoidResult {
            R r = fn(db);
            const VoidResult status = r ? VoidResult {} : VoidResult(r.error());
            *out = std::move(r);
            return status;
        },
        [promise, out](VoidResult status) {
            // fn ran when the batch committed; a failed commit rolled back what
            // it did, so its answer is the commit's error.
            promise->addResult(status ? std::move(**out) : R(status.error()));
            promise->finish();
        });
    return promise->future();
}

} // namespace llmsched
