#pragma once

#include "core/apitoken.h"
#include "core/batchtypes.h"
#include "core/documents.h"
#include "core/minutestats.h"
#include "core/modelconfig.h"
#include "core/result.h"
#include "core/storetypes.h"
#include "core/task.h"

#include <QFuture>
#include <QHash>
#include <QList>
#include <QString>
#include <QStringList>

#include <functional>
#include <memory>
#include <vector>

namespace llmsched {

// The persistent store as the scheduler and the Engine facade see it: every
// operation they need, in their own terms, with no database API in sight. The
// SQLite back end (SqliteStore) is the first; a second one implements this
// class and nothing above store/ changes.
//
// Writes are group-committed in the order they are queued. Each returns a
// ticket; the status listener reports, after every batch, the highest ticket
// resolved, so the scheduler can hold events until their rows are durable.
// Callbacks and write futures finish on the writer's thread: continue with
// onResult(future, context, ...) (core/futures.h) to come back to yours. Reads run on reader
// threads and see what is committed.
//
// Thread-safety: every method may be called from any thread.
class Store
{
    Q_DISABLE_COPY_MOVE(Store)

public:
    using StatusListener = std::function<void(const WriterStatus&)>;
    // done gets the rows back (moved), so callers need not copy them.
    using InsertDone = std::function<void(std::vector<NewTaskRow> rows, InsertOutcome outcome)>;

    // Opens (creating if needed) and migrates the store that options name. Refuses a
    // file that is corrupt, foreign, newer than this build, or in use by
    // another process, with a message naming it; a refused file is left as it was.
    static Result<std::unique_ptr<Store>> open(const StoreOptions& options);
    // Copies a SQLite store into a PostgreSQL database (llm-schedulerd
    // migrate), all or nothing; see store/storecopy.h.
    static Result<StoreCopyReport> copySqliteToPostgres(const QString& sqlitePath, const QString& postgresUrl, bool replace);
    virtual ~Store() = default;

    // Where the data lives, for messages (a file path).
    virtual QString location() const = 0;
    virtual qint64 sizeBytes() const = 0;

    // ---- start-up: blocking, on the caller's thread ----
    virtual Result<QList<ModelConfig>> loadModelsNow() = 0;
    virtual Result<std::vector<ActiveRow>> loadActiveNow() = 0;
    virtual Result<qint64> maxSeqNow() = 0;
    virtual Result<QString> settingNow(const QString& key) = 0;
    // Cost per model rolled up since sinceMs (daily budgets after a restart).
    virtual Result<QHash<QString, double>> costSinceNow(qint64 sinceMs) = 0;
    // How many tasks of each model are in each final state (the counters' totals).
    virtual Result<QHash<QString, FinishedCounts>> finishedCountsNow() = 0;

    // ---- the write path ----
    // Called after every batch, on the writer thread. May be changed at any time.
    virtual void setStatusListener(StatusListener listener) = 0;
    virtual quint64 insertTasks(std::vector<NewTaskRow> rows, InsertDone done) = 0;
    virtual quint64 updateWithLog(TaskUpdate update, TaskLogRow log) = 0;
    // Blocks the caller until everything queued before the call is committed.
    virtual VoidResult flush() = 0;
    // Adds niceDelta to the nice value of the writer's thread (Linux; see EngineOptions::workerNice).
    virtual void lowerWriterPriority(int niceDelta) = 0;
    // Between holdWrites() and releaseWrites() the writer starts no commit,
    // so writes queued meanwhile commit together (a facade call's row and
    // the start of its attempt: one commit on the caller's path, not two).
    // Hold only for the few microseconds it takes to queue them.
    virtual void holdWrites() { }
    virtual void releaseWrites() { }

    virtual QFuture<VoidResult> upsertModel(const ModelConfig& model) = 0;
    virtual QFuture<VoidResult> deleteModel(const QString& name) = 0;
    virtual QFuture<VoidResult> setSetting(const QString& key, const QString& value) = 0;
    // Running tasks left by a stopped node go back to the queue with the
    // attempt counted, or to the dead-letter queue when that was their last
    // attempt. Answers how many.
    virtual QFuture<Result<qint64>> recoverInterrupted(const QString& reason) = 0;
    // Deletes finished tasks (and their logs) in `state`, of `model` when set,
    // finished before olderThanMs when set. Answers how many.
    virtual QFuture<Result<qint64>> purgeTasks(TaskState state, const QString& model, qint64 olderThanMs) = 0;
    // Adds minute rollups; a minute already stored is added to, not replaced.
    virtual void addStatsMinutes(std::vector<MinuteStats> rows) = 0;
    // The node registry: a node renews its lease while it runs and leaves at
    // stop. The answer says whether the lease was written (a node whose
    // renewals fail stops running its tasks before others recover them).
    virtual QFuture<VoidResult> heartbeat(const NodeInfo& node) = 0;
    // Leaves the registry; on a shared database the node's unfinished tasks
    // are left for the other nodes to claim.
    virtual QFuture<VoidResult> removeNode(const QString& nodeId) = 0;

    // ---- nodes sharing one database (PostgreSQL) ----
    // Whether other nodes may use this store at the same time. When they may,
    // every unfinished task has one owner (lease_node) or none, a node keeps
    // in memory only the tasks it owns, and its writes touch only those
    // (updates of a task another node owns change nothing).
    virtual bool shared() const { return false; }
    // The first numbers of `count` blocks of kSeqBlock task numbers no other node gets.
    virtual QFuture<Result<QList<qint64>>> takeSeqBlocks(int count);
    // Marks up to request.limit unowned queued tasks of a model as this
    // node's (best first), and unowned waiting ones (scheduled, blocked,
    // retry_wait, of a lost node), and answers them.
    virtual QFuture<Result<std::vector<ClaimedRow>>> claimTasks(const ClaimRequest& request);
    // The unfinished tasks this node owns (after it lost and regained its lease).
    virtual QFuture<Result<std::vector<ClaimedRow>>> ownedTasks();
    // Takes or renews the lease `name` for durationMs when it is free, expired
    // or already this node's; answers whether this node holds it.
    virtual QFuture<Result<bool>> takeLease(const QString& name, qint64 durationMs);
    // Leader duty: the tasks of nodes whose lease ran out go back to the
    // queue (a running one with its attempt counted, or to the dead letters
    // after its last), each with a log line naming the lost node; the others
    // are woken. Answers how many.
    virtual QFuture<Result<qint64>> recoverLostNodes();
    // How many unfinished tasks of each model no node owns (the shared queue).
    virtual QFuture<Result<QHash<QString, qint64>>> unownedCounts();
    // Wakes the other nodes (and this one) with a short text, after the
    // writes queued before it commit; listener gets every text sent to the
    // database's nodes, on a thread of the store's (set once, before use).
    virtual void notifyNodes(const QString& text);
    virtual void setNotificationListener(std::function<void(const QString& text)> listener);
    // Applies `update` only when no node owns the task; answers whether it did.
    virtual QFuture<Result<bool>> updateUnowned(TaskUpdate update, TaskLogRow log);
    // A node that lost its lease: its task updates and log lines not yet
    // written are dropped (see StoreWriter::dropTaskWrites).
    virtual void dropTaskWrites() { }

    // API tokens and the audit log.
    virtual QFuture<Result<NewToken>> createToken(const QString& name, Role role) = 0;
    virtual QFuture<VoidResult> revokeToken(const QString& id) = 0;
    virtual void touchTokens(const QHash<QString, qint64>& lastUsed) = 0;
    virtual void appendAudit(const QList<AuditEntry>& entries) = 0;
    // Ordered after the audit rows queued before it (read on the write path).
    virtual QFuture<Result<QList<AuditEntry>>> auditLog(qint64 sinceMs, int limit) = 0;

    // Files and batches (the Batch APIs; see engine/batchmanager.h).
    virtual QFuture<VoidResult> putFile(const StoredFile& file, const QByteArray& content) = 0;
    virtual QFuture<VoidResult> deleteFile(const QString& id) = 0;
    virtual QFuture<Result<qint64>> deleteFilesBefore(const QStringList& purposes, qint64 beforeMs) = 0;
    virtual QFuture<VoidResult> putBatch(const BatchRecord& batch) = 0;
    // Documents of the workflow features (core/documents.h).
    virtual QFuture<VoidResult> putDoc(const StoredDoc& doc) = 0;
    virtual QFuture<VoidResult> deleteDoc(const QString& kind, const QString& id) = 0;
    // Deletes the documents whose kind starts with kindPrefix, in one of
    // statuses, last written before updatedBeforeMs; how many.
    virtual QFuture<Result<qint64>> deleteDocsBefore(const QString& kindPrefix, const QStringList& statuses, qint64 updatedBeforeMs) = 0;
    // Replaces doc only if its stored updated time is still expectedUpdatedMs
    // (negative: creates it only if there is none); whether it did.
    virtual QFuture<Result<bool>> casDoc(const StoredDoc& doc, qint64 expectedUpdatedMs) = 0;

    // ---- reads ----
    // Newest first; purposes empty: any; after: the last id of the page before.
    virtual QFuture<Result<QList<StoredFile>>> files(const QStringList& purposes, int limit, const QString& after) = 0;
    virtual QFuture<Result<StoredFile>> file(const QString& id) = 0;
    virtual QFuture<Result<QByteArray>> fileContent(const QString& id) = 0;
    virtual QFuture<Result<BatchRecord>> batch(const QString& id) = 0;
    virtual QFuture<Result<QList<BatchRecord>>> batches(const QString& api, int limit, const QString& after) = 0;
    // Batches not yet ended (validating, in_progress, finalizing, cancelling).
    virtual QFuture<Result<QList<BatchRecord>>> activeBatches() = 0;
    // The tasks of a group (a batch's lines) in each state.
    virtual QFuture<Result<FinishedCounts>> groupCounts(const QString& group) = 0;
    virtual QFuture<Result<QHash<QString, TaskState>>> groupStates(const QString& group) = 0;
    virtual QFuture<Result<StoredDoc>> doc(const QString& kind, const QString& id) = 0;
    virtual QFuture<Result<QList<StoredDoc>>> docs(const DocQuery& query) = 0;
    // The models as stored (another node may have changed them).
    virtual QFuture<Result<QList<ModelConfig>>> models() = 0;
    virtual QFuture<Result<Task>> task(const QString& id) = 0;
    // States of the tasks that exist among ids.
    virtual QFuture<Result<QHash<QString, TaskState>>> taskStates(const QStringList& ids) = 0;
    // Payloads of tasks the engine dropped from memory, by seq.
    virtual QFuture<Result<QHash<qint64, Task>>> tasksBySeq(const QList<qint64>& seqs) = 0;
    virtual QFuture<Result<TaskPage>> tasks(const TaskFilter& filter) = 0;
    // How many tasks match (cursor, offset and limit ignored).
    virtual QFuture<Result<qint64>> countTasks(const TaskFilter& filter) = 0;
    virtual QFuture<Result<QList<TaskLogEntry>>> taskLog(const QString& id) = 0;
    virtual QFuture<Result<QList<MinuteStats>>> statsMinutes(const StatsQuery& query) = 0;
    virtual QFuture<Result<QList<ApiToken>>> apiTokens() = 0;
    // Tokens not revoked, by hash.
    virtual QFuture<Result<QHash<QByteArray, ApiToken>>> activeTokens() = 0;
    // The node registry, online and offline, by id.
    virtual QFuture<Result<QList<NodeInfo>>> nodes() = 0;

protected:
    Store() = default;
};

} // namespace llmsched
