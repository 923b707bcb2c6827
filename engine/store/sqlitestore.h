#pragma once

#include "store.h"
#include "storewriter.h"

#include <QLockFile>
#include <QMutex>
#include <QSqlDatabase>
#include <QThreadPool>
#include <QtConcurrent/QtConcurrentRun>

namespace llmsched {

// The embedded back end: one SQLite file in WAL mode, one writer thread that
// group-commits (StoreWriter) and a pool of read-only reader connections.
class SqliteStore final : public Store
{
public:
    // See Store::open.
    static Result<std::unique_ptr<SqliteStore>> open(const StoreOptions& options);
    ~SqliteStore() override;

    QString location() const override { return m_options.databasePath; }
    qint64 sizeBytes() const override;

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

    QFuture<VoidResult> upsertModel(const ModelConfig& model) override;
    QFuture<VoidResult> deleteModel(const QString& name) override;
    QFuture<VoidResult> setSetting(const QString& key, const QString& value) override;
    QFuture<Result<qint64>> recoverInterrupted(const QString& reason) override;
    QFuture<Result<qint64>> purgeTasks(TaskState state, const QString& model, qint64 olderThanMs) override;
    void addStatsMinutes(std::vector<MinuteStats> rows) override;
    void heartbeat(const QString& nodeId, qint64 startedMs, qint64 leaseExpiresMs) override;
    QFuture<VoidResult> removeNode(const QString& nodeId) override;

    QFuture<Result<NewToken>> createToken(const QString& name, Role role) override;
    QFuture<VoidResult> revokeToken(const QString& id) override;
    void touchTokens(const QHash<QString, qint64>& lastUsed) override;
    void appendAudit(const QList<AuditEntry>& entries) override;
    QFuture<Result<QList<AuditEntry>>> auditLog(qint64 sinceMs, int limit) override;

    QFuture<Result<Task>> task(const QString& id) override;
    QFuture<Result<QHash<QString, TaskState>>> taskStates(const QStringList& ids) override;
    QFuture<Result<QHash<qint64, Task>>> tasksBySeq(const QList<qint64>& seqs) override;
    QFuture<Result<TaskPage>> tasks(const TaskFilter& filter) override;
    QFuture<Result<qint64>> countTasks(const TaskFilter& filter) override;
    QFuture<Result<QList<TaskLogEntry>>> taskLog(const QString& id) override;
    QFuture<Result<QList<MinuteStats>>> statsMinutes(qint64 fromMs, qint64 toMs, const QString& model) override;
    QFuture<Result<QList<ApiToken>>> apiTokens() override;
    QFuture<Result<QHash<QByteArray, ApiToken>>> activeTokens() override;

private:
    explicit SqliteStore(StoreOptions options);

    // Runs fn on a reader thread with its own read-only connection.
    template <typename F> auto read(F fn) -> QFuture<std::invoke_result_t<F, QSqlDatabase&>>
    {
        return QtConcurrent::run(&m_readers, [this, fn = std::move(fn)]() mutable {
            QSqlDatabase db = readConnection();
            return fn(db);
        });
    }
    // Runs fn inside the writer's transaction; the future has fn's result once
    // the transaction committed (or the commit's error).
    template <typename R, typename F> QFuture<R> write(F fn);
    QSqlDatabase readConnection();

    StoreOptions m_options;
    std::unique_ptr<QLockFile> m_lock;
    std::unique_ptr<StoreWriter> m_writer;
    QThreadPool m_readers;
    QMutex m_readerNamesMutex;
    QStringList m_readerNames; // guarded by m_readerNamesMutex
    QSqlDatabase m_startup; // caller thread, start-up only
};

} // namespace llmsched
