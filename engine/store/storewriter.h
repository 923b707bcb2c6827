#pragma once

#include "sqlite.h"

#include "core/storetypes.h"

#include <QHash>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QThread>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>

namespace llmsched {

class PgArrays;

// Work run inside the writer's transaction (model changes, purges, rollups).
using WriteFn = std::function<VoidResult(QSqlDatabase&)>;
using WriteDone = std::function<void(VoidResult)>;

// Owns the single write connection and its thread. Producers on any thread
// queue operations; the thread takes everything queued, applies it in one
// transaction (group commit) and then resolves callbacks. While one batch
// commits the next one gathers, so batches grow with load by themselves.
//
// WAL checkpoints run on a second thread with a connection of its own
// (PASSIVE, after commits, at most every kCheckpointPaceMs), so copying pages
// into the database file and syncing it never sits inside a commit. SQLite's
// automatic checkpoint did exactly that: every ~4000 pages one commit took
// 30-40 ms, and every submit waiting on it too. The WAL only rewinds when a
// checkpoint has caught up before a write starts, which a busy writer rarely
// lets happen, so once it holds walRewindBytes the writer asks for a RESTART
// between batches: ~12 ms of syncs (the copying is done by then), every ~2 s
// at 16k submits/s with the default 64 MiB. Larger is not better: at 256 MiB a
// rewind took ~60 ms and cutting the file back to journal_size_limit ~90 ms.
// At twice walRewindBytes the writer waits for a running checkpoint instead of
// skipping it: the WAL never grows without bound.
//
// Thread-safety: the public methods may be called from any thread. Callbacks
// and the status listener run on the writer thread; they must only post work.
class StoreWriter final : public QThread
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(StoreWriter)

public:
    using StatusListener = std::function<void(const WriterStatus&)>;
    // Opens a read-write connection of the given name on the calling thread.
    using Connector = std::function<Result<QSqlDatabase>(const QString& connectionName)>;

    // databasePath: the SQLite file (its WAL is watched), or for another
    // database where it is, for messages. The SQLite-only parts (checkpoints,
    // the C API path) switch on when the connection's driver is SQLite.
    StoreWriter(Connector connect, QString databasePath, qint64 walRewindBytes = kDefaultWalRewindBytes, QObject* parent = nullptr);
    // A writer on the SQLite file at databasePath.
    explicit StoreWriter(const QString& databasePath, qint64 walRewindBytes = kDefaultWalRewindBytes, QObject* parent = nullptr);
    ~StoreWriter() override;

    // Called after every batch, on the writer thread. May be changed at any time.
    void setStatusListener(StatusListener listener);
    // Opens the connection on the writer thread and starts the loop; returns the
    // open error, if any.
    VoidResult startWriter();
    // Finishes what is queued, then stops the thread.
    void stopWriter();

    // done gets the rows back (moved), so callers need not copy them.
    using InsertDone = std::function<void(std::vector<NewTaskRow> rows, InsertOutcome outcome)>;
    quint64 insertTasks(std::vector<NewTaskRow> rows, InsertDone done);
    quint64 updateWithLog(TaskUpdate update, TaskLogRow log);
    quint64 exec(WriteFn fn, WriteDone done = {});

    // Blocks the caller until everything queued before the call is committed.
    VoidResult flush();
    // No batch starts from hold() to release() (they nest): what is queued
    // in between commits together. For a few microseconds at a time.
    void hold();
    void release();

    // Whether plain task rows go through SQLite's C API (see DirectStatements);
    // known once startWriter() returned.
    bool bindsDirectly() const { return m_bindsDirectly; }
    // A database other nodes share (PostgreSQL): rows are inserted with this
    // node as their owner when NewTaskRow::owned, and updates and log lines
    // touch only tasks this node owns or nobody does (fencing: a node whose
    // tasks went to others while it was cut off writes nothing over theirs).
    // Set before startWriter().
    void setOwner(const QString& nodeId) { m_owner = nodeId; }
    // Forgets the task updates and log lines not yet committed, also those
    // kept for a retry: a node that lost its lease no longer speaks for
    // its tasks (others may have run them meanwhile).
    void dropTaskWrites();

protected:
    void run() override;

private:
    struct InsertOp
    {
        std::vector<NewTaskRow> rows;
        InsertDone done;
    };
    struct ExecOp
    {
        WriteFn fn;
        WriteDone done;
    };
    struct Batch
    {
        std::vector<InsertOp> inserts;
        std::vector<TaskUpdate> updates;
        std::vector<TaskLogRow> logs;
        std::vector<ExecOp> execs;
        quint64 lastTicket = 0;
        bool empty() const { return inserts.empty() && updates.empty() && logs.empty() && execs.empty(); }
        qint64 size() const;
    };

    quint64 enqueue(const std::function<void(Batch&)>& add);
    void processBatch(Batch& batch);
    VoidResult applyInserts(std::vector<InsertOp>& ops, std::vector<InsertOutcome>& outcomes);
    VoidResult insertRows(const NewTaskRow* const* rows, int count);
    // The tasks of model among keys (idempotency keys), by modelKey().
    VoidResult findKeys(const QString& model, const QStringList& keys, QHash<QString, InsertOutcome::Item>& found);
    VoidResult applyUpdates(std::vector<TaskUpdate>& updates);
    VoidResult applyUpdatesGrouped(const std::vector<TaskUpdate*>& merged);
    VoidResult applyLogs(const std::vector<TaskLogRow>& logs);
    // PostgreSQL: sql (one "?" per column, see PgArrays) run over count rows
    // that bind(arrays, row) adds, in statements of up to kArrayRows rows.
    VoidResult execArrays(const QString& sql, int columns, int count, const std::function<void(PgArrays&, int)>& bind, const char* what);
    QSqlQuery& prepared(const QString& sql);
    VoidResult execPrepared(QSqlQuery& q, const char* what);
    void checkpointLoop();
    void afterCommit();
    void stopCheckpointer();

    const Connector m_connect;
    const QString m_path;
    const QString m_walPath;
    const qint64 m_walRewindBytes;
    const QString m_connectionName;
    QSqlDatabase m_db; // writer thread only
    bool m_sqlite = true; // writer thread only: the connection is SQLite's
    bool m_textBytes = false; // writer thread only: bind byte arrays as text (PostgreSQL's TEXT columns)
    QString m_owner; // see setOwner(); empty: a database of one process
    std::unique_ptr<DirectStatements> m_direct; // writer thread only; null: Qt Sql binds everything
    std::atomic<bool> m_bindsDirectly { false };

    std::mutex m_mutex; // guards m_pending, m_nextTicket, m_stop, m_openResult
    std::condition_variable m_wake;
    std::condition_variable m_opened;
    Batch m_pending;
    Batch m_retry; // updates of a failed batch, retried first (writer thread only)
    quint64 m_nextTicket = 0;
    bool m_stop = false;
    bool m_dropRetry = false; // guarded by m_mutex: see dropTaskWrites()
    bool m_waiting = false;
    int m_holds = 0; // guarded by m_mutex: see hold()
    std::optional<VoidResult> m_openResult;
    std::mutex m_listenerMutex; // held while the listener runs, so resetting it waits for a call in progress
    StatusListener m_listener; // guarded by m_listenerMutex

    std::unique_ptr<QThread> m_checkpointer;
    std::mutex m_checkpointMutex; // held while either thread checkpoints
    std::mutex m_checkpointWakeMutex; // guards the two flags below
    std::condition_variable m_checkpointWake;
    bool m_checkpointDue = false;
    bool m_checkpointStop = false;
    std::atomic<qint64> m_walFrames { 0 }; // WAL size at the last checkpoint
    std::atomic<qint64> m_pageSize { 4096 };
    std::atomic<bool> m_checkpointerFailed { false };
    bool m_autoCheckpointRestored = false; // writer thread only
};

} // namespace llmsched
