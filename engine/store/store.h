#pragma once

#include "storewriter.h"

#include "core/modelconfig.h"
#include "core/result.h"
#include "core/task.h"

#include <QFuture>
#include <QLockFile>
#include <QMutex>
#include <QSqlDatabase>
#include <QStringList>
#include <QThreadPool>
#include <QtConcurrent/QtConcurrentRun>

#include <memory>

namespace llmsched {

struct StoreOptions
{
    QString databasePath;
    QString nodeId;
    int readerThreads = 2;
    qint64 walRewindBytes = kDefaultWalRewindBytes; // see StoreWriter
};

// Which tasks a listing wants. Empty fields do not filter.
struct TaskFilter
{
    QList<TaskState> states;
    QString model;
    int priority = -1;
    QString tag;
    QString text; // substring of id, error or input
    qint64 fromMs = 0; // created_at >= from
    qint64 toMs = 0; // created_at < to
    qint64 cursor = 0; // continue after (before, when newestFirst) this seq
    qint64 offset = 0; // rows to skip (random access for views; cursor is cheaper)
    enum class Order : quint8 { Seq, State, Model };
    Order order = Order::Seq; // then by seq; State and Model use their indexes
    int limit = 100;
    bool newestFirst = true;
    bool includeInput = false;
};

struct TaskPage
{
    QList<Task> tasks;
    qint64 nextCursor = 0; // 0: no more
};

// A non-final task as recovery needs it: enough to rebuild the queues, not the payload.
struct ActiveRow
{
    qint64 seq = 0;
    Ulid id;
    QString model;
    TaskState state = TaskState::Queued;
    int priority = 0;
    int attempts = 0;
    int maxAttempts = 0;
    qint64 queuedMs = 0;
    qint64 runAtMs = 0;
    qint64 deadlineMs = 0;
    QStringList dependsOn;
};

// The persistent store: one writer thread (group commit) and a pool of reader
// connections. Owned by the Engine; safe to use from any thread.
class Store final
{
    Q_DISABLE_COPY_MOVE(Store)

public:
    // Opens (creating if needed) and migrates the database. Refuses a file that
    // is corrupt, foreign, newer than this build, or in use by another
    // process, with a message naming the file; a refused file is left as it was.
    static Result<std::unique_ptr<Store>> open(const StoreOptions& options);
    ~Store();

    const QString& path() const { return m_options.databasePath; }
    StoreWriter& writer() { return *m_writer; }

    // Runs fn on a reader thread with its own read-only connection.
    template <typename F> auto read(F fn) -> QFuture<std::invoke_result_t<F, QSqlDatabase&>>
    {
        return QtConcurrent::run(&m_readers, [this, fn = std::move(fn)]() mutable {
            QSqlDatabase db = readConnection();
            return fn(db);
        });
    }

    // Blocking reads used at start-up, on the caller's thread.
    Result<QList<ModelConfig>> loadModelsNow();
    Result<std::vector<ActiveRow>> loadActiveNow();
    Result<qint64> maxSeqNow();
    Result<QString> settingNow(const QString& key);
    // Cost per model rolled up since sinceMs (daily budgets after a restart).
    Result<QHash<QString, double>> costSinceNow(qint64 sinceMs);

    qint64 fileSizeBytes() const;

private:
    explicit Store(StoreOptions options);
    QSqlDatabase readConnection();
    QSqlDatabase& startupConnection();

    StoreOptions m_options;
    std::unique_ptr<QLockFile> m_lock;
    std::unique_ptr<StoreWriter> m_writer;
    QThreadPool m_readers;
    QMutex m_readerNamesMutex;
    QStringList m_readerNames; // guarded by m_readerNamesMutex
    QSqlDatabase m_startup; // caller thread, start-up only
};

// Queries, each on a connection the caller owns (reader threads).
namespace queries {
Result<Task> taskById(QSqlDatabase& db, const QString& id);
Result<TaskPage> listTasks(QSqlDatabase& db, const TaskFilter& filter);
Result<qint64> countTasks(QSqlDatabase& db, const TaskFilter& filter);
Result<QList<TaskLogEntry>> taskLog(QSqlDatabase& db, qint64 seq);
// Payloads of tasks the engine dropped from memory, by seq.
Result<QHash<qint64, Task>> tasksBySeq(QSqlDatabase& db, const QList<qint64>& seqs);
} // namespace queries

// Writes, run inside the writer's transaction.
namespace writes {
VoidResult upsertModel(QSqlDatabase& db, const ModelConfig& model);
VoidResult deleteModel(QSqlDatabase& db, const QString& name);
VoidResult setSetting(QSqlDatabase& db, const QString& key, const QString& value);
// Running tasks left by a stopped node go back to the queue with the attempt
// counted, or to the dead-letter queue when that was their last attempt.
Result<qint64> recoverInterrupted(QSqlDatabase& db, const QString& reason);
VoidResult heartbeat(QSqlDatabase& db, const QString& nodeId, qint64 startedMs, qint64 leaseExpiresMs);
Result<qint64> purgeTasks(QSqlDatabase& db, TaskState state, const QString& model, qint64 olderThanMs);
} // namespace writes

} // namespace llmsched
