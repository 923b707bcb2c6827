#pragma once

#include "enginehost.h"

#include "core/apitoken.h"
#include "core/batchtypes.h"
#include "core/schedule.h"
#include "core/tasktemplate.h"
#include "core/webhook.h"
#include "core/workflow.h"
#include "core/enginetypes.h"
#include "core/minutestats.h"
#include "core/modelconfig.h"
#include "core/secrets.h"
#include "core/storetypes.h"
#include "core/task.h"

#include <QFuture>
#include <QMutex>
#include <QReadWriteLock>
#include <QObject>
#include <QThread>

#include <memory>

namespace llmsched {

class BatchManager;
class WorkflowManager;
class ScheduleManager;
class Scheduler;
class WebhookManager;
class Store;

constexpr int kDefaultDrainMs = 30'000;
const QString kDatabaseFileName = QStringLiteral("llm-scheduler.db");

// The data directory shared by the GUI and the daemon when none is given:
// e.g. ~/.local/share/llm-scheduler on Linux, whatever the executable's name.
QString defaultDataDir();

// Copies the SQLite store at sqlitePath into the PostgreSQL database at
// postgresUrl (llm-schedulerd migrate); see store/storecopy.h.
Result<StoreCopyReport> copyStoreToPostgres(const QString& sqlitePath, const QString& postgresUrl, bool replace);

struct EngineOptions
{
    QString dataDir; // the database lives here unless databasePath is set
    QString databasePath; // a SQLite file, or a postgresql:// URL (see store/postgres.h)
    QString nodeId; // default: host-pid
    bool simulate = false; // add the simulated "demo" model when missing
    qint64 payloadBudgetBytes = 64LL * 1024 * 1024;
    quint32 randomSeed = 0;
    bool dispatch = true; // false: accept and store tasks but run none (imports, maintenance)
    // Added to the nice value of the engine and store-writer threads (Linux):
    // a GUI host sets it so its event loop wins the CPU over a saturated engine.
    int workerNice = 0;
    // The WAL is rewound (a short pause of the writer) once it holds this much;
    // smaller means less disk and more pauses (see StoreWriter).
    qint64 walRewindBytes = kDefaultWalRewindBytes;
    // How long a batch has to finish its lines (the Batch APIs' "24h"
    // completion window); tests shorten it.
    qint64 batchWindowMs = 24LL * 3'600'000;
    // Files (batch inputs, outputs, results) older than this many days are
    // deleted; 0 keeps them until DELETE /v1/files/{id}.
    int fileRetentionDays = 30;
    // Where env: and file: key references may point. The database's directory
    // is added to fileDirs at start.
    SecretPolicy secrets { SecretPolicy::defaultEnvNames(), SecretPolicy::defaultFileDirs() };
    // The wall clock schedules fire by (UTC epoch ms); tests move it. Empty: nowMs().
    std::function<qint64()> clock;
    // Webhooks: hosts they may reach at non-public addresses ("host",
    // "host:port", "*.domain", "*"), the first retry's wait (doubling), and
    // how long one POST may take.
    QStringList webhookPrivateHosts;
    qint64 webhookRetryBaseMs = 2000;
    int webhookTimeoutMs = 10'000;
    // Delivered and failed webhook deliveries are deleted this long after
    // their last attempt (removed webhooks' too); 0 keeps them.
    qint64 webhookDeliveryRetentionMs = 30LL * 24 * 3600 * 1000;
};

// The engine as its clients (GUI, REST server, daemon, tests) see it. Every
// method is safe to call from any thread and never blocks on the database or
// on the engine thread: commands return futures that finish on the engine's
// or a reader's thread (use onResult(future, context, ...) from core/futures.h
// to come back to yours; not QFuture::then(context, ...), see there).
// Live state is a snapshot, replaced a few times per second, that any thread
// can read without waiting.
class Engine final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(Engine)

public:
    explicit Engine(EngineOptions options, EngineHost* host = nullptr, QObject* parent = nullptr);
    ~Engine() override;

    // Opens the store, recovers interrupted work and starts the engine thread.
    // Blocks for the duration of start-up; call it before the UI shows, or from a worker.
    VoidResult start();
    // Stops dispatching, lets running calls finish for up to drainMs, then
    // interrupts the rest (they return to the queue) and closes the store.
    QFuture<VoidResult> stop(int drainMs = kDefaultDrainMs);
    // stop() and wait; used at exit.
    void shutdown(int drainMs = kDefaultDrainMs);
    // Started and not shutting down. Once shutdown() begins, every call is
    // answered at once with an "engine is not running" error.
    bool isRunning() const;

    QString databasePath() const { return m_databasePath; }
    QString nodeId() const { return m_nodeId; }
    qint64 storeSizeBytes() const;

    // Tasks. A submit is answered after its rows are committed.
    // watch: the engine emits taskDelta for the tasks' streamed chunks and
    // taskFinished once their final state is committed (the facades' callers
    // wait on these). taskFinished comes from the store writer's thread.
    QFuture<Result<QList<SubmitOutcome>>> submit(QList<TaskSpec> specs, bool watch = false);
    // Several independent submissions in one store transaction; each group is
    // accepted or refused on its own (one result per group, in order).
    QFuture<QList<Result<QList<SubmitOutcome>>>> submitEach(QList<QList<TaskSpec>> groups);
    QFuture<Result<TaskState>> cancel(const QString& id);
    QFuture<VoidResult> setPriority(const QString& id, int priority);
    QFuture<Result<TaskState>> retry(const QString& id);
    QFuture<Result<qint64>> requeueDead(const QString& model = {}, int limit = 10000);
    QFuture<Result<qint64>> purge(TaskState state, const QString& model = {}, qint64 olderThanMs = 0);

    // Reads, from the store.
    QFuture<Result<Task>> task(const QString& id);
    QFuture<Result<TaskPage>> tasks(const TaskFilter& filter);
    // How many tasks match (cursor, offset and limit ignored).
    QFuture<Result<qint64>> countTasks(const TaskFilter& filter);
    QFuture<Result<QList<TaskLogEntry>>> taskLog(const QString& id);
    QFuture<Result<QList<MinuteStats>>> statsMinutes(const StatsQuery& query);
    // The node registry: every node that shares this store, online or not.
    QFuture<Result<QList<NodeInfo>>> nodes();
    // Where this node's REST API listens (the API server says so once it does).
    QFuture<VoidResult> setNodeAddress(const QString& address);

    // Models.
    QList<ModelConfig> models() const;
    // The model of that name in the live snapshot, if there is one.
    std::optional<ModelConfig> model(const QString& name) const;
    QFuture<Result<ModelConfig>> upsertModel(const ModelConfig& model);
    QFuture<VoidResult> removeModel(const QString& name);
    QFuture<VoidResult> setModelPaused(const QString& name, bool paused);
    // One endpoint of a model changed, the rest kept: the model is read from
    // the live configuration and saved with upsertModel (so two edits of one
    // model at once: the last wins). With create, an endpoint name the model
    // has is a Conflict (field "name"); otherwise that endpoint is replaced,
    // or the endpoint added. NotFound when there is no such model.
    QFuture<Result<ModelConfig>> upsertEndpoint(const QString& model, const EndpointConfig& endpoint, bool create);
    // NotFound when there is no such model, or it has no such endpoint.
    QFuture<Result<ModelConfig>> removeEndpoint(const QString& model, const QString& endpoint);
    QFuture<VoidResult> setPaused(bool paused);
    // Asks each endpoint of `model` (not yet saved, e.g. from an editor)
    // whether it answers with the given URL and key.
    QFuture<Result<QList<EndpointTestResult>>> testConnection(const ModelConfig& model);

    std::shared_ptr<const EngineSnapshot> snapshot() const;

    // Provider keys into / out of the OS keychain as keychain:NAME (write-only).
    QFuture<VoidResult> storeSecret(const QString& name, const QByteArray& value);
    QFuture<VoidResult> removeSecret(const QString& name);

    // Files and batches: the OpenAI Files and Batch APIs and Anthropic's
    // Message Batches (see batchmanager.h). A file's id, size and time are
    // filled in; content is kept in the store.
    QFuture<Result<StoredFile>> putFile(StoredFile file, const QByteArray& content);
    // Newest first; purposes empty: any; after: the last id of the page before.
    QFuture<Result<QList<StoredFile>>> files(const QStringList& purposes, int limit, const QString& after = {});
    QFuture<Result<StoredFile>> file(const QString& id);
    QFuture<Result<QByteArray>> fileContent(const QString& id);
    QFuture<VoidResult> deleteFile(const QString& id);
    // Stores a batch (api, endpoint, input file, metadata, priority set; id
    // and group filled in here) and answers it validating; it runs on.
    QFuture<Result<BatchRecord>> createBatch(BatchRecord request);
    QFuture<Result<BatchRecord>> batch(const QString& id);
    QFuture<Result<QList<BatchRecord>>> batches(const QString& api, int limit, const QString& after = {});
    QFuture<Result<BatchRecord>> cancelBatch(const QString& id);

    // Workflows (core/workflow.h, workflowmanager.h): a graph of tasks
    // submitted at once, with a state, counts and a cancel of their own.
    QFuture<Result<WorkflowView>> createWorkflow(WorkflowPlan plan);
    QFuture<Result<WorkflowView>> workflow(const QString& id);
    QFuture<Result<QList<WorkflowView>>> workflows(const DocQuery& query);
    QFuture<Result<WorkflowView>> cancelWorkflow(const QString& id);
    // Its steps (key, task id, model, state) and edges, for the graph view.
    QFuture<Result<QJsonObject>> workflowGraph(const QString& id);

    // Schedules (core/schedule.h, schedulemanager.h): a cron expression or an
    // interval that submits a task or a workflow. Answered as the API shows
    // them (scheduleJson), next fire times included.
    QFuture<Result<QJsonObject>> createSchedule(ScheduleSpec spec);
    QFuture<Result<QJsonObject>> schedule(const QString& id);
    QFuture<Result<QJsonArray>> schedules(const DocQuery& query);
    QFuture<Result<QJsonObject>> replaceSchedule(const QString& id, ScheduleSpec spec);
    QFuture<Result<QJsonObject>> pauseSchedule(const QString& id, bool paused);
    QFuture<VoidResult> deleteSchedule(const QString& id);
    QFuture<Result<QJsonObject>> runSchedule(const QString& id);

    // Templates (core/tasktemplate.h): named, versioned task and workflow
    // bodies with typed variables. A put adds a version.
    QFuture<Result<StoredDoc>> putTemplate(const QString& name, TemplateVersion version);
    QFuture<Result<StoredDoc>> templateDoc(const QString& name);
    QFuture<Result<QList<StoredDoc>>> templates(const DocQuery& query);
    QFuture<VoidResult> deleteTemplate(const QString& name);
    // Submits a template (version 0: the latest) once per row of values; see
    // WorkflowManager::submitFromTemplate.
    QFuture<Result<TemplateSubmission>> submitFromTemplate(const QString& name, int version, QList<TemplateRow> rows, bool skipInvalid, bool single);

    // Webhooks (core/webhook.h, webhookmanager.h): signed POSTs of task and
    // workflow events, retried with backoff, with a log of deliveries.
    QFuture<Result<QJsonObject>> createWebhook(WebhookSpec spec); // with its secret, this once
    QFuture<Result<QJsonObject>> webhook(const QString& id);
    QFuture<Result<QJsonArray>> webhooks();
    QFuture<Result<QJsonObject>> pauseWebhook(const QString& id, bool paused);
    QFuture<VoidResult> deleteWebhook(const QString& id);
    QFuture<Result<QJsonArray>> webhookDeliveries(const QString& id, const DocQuery& query);
    QFuture<Result<QJsonObject>> webhookDelivery(const QString& id, const QString& deliveryId);
    QFuture<Result<QJsonObject>> redeliverWebhook(const QString& id, const QString& deliveryId);
    QFuture<Result<QJsonObject>> pingWebhook(const QString& id);

    // API access tokens and the audit log (the REST server's, kept in the store).
    QFuture<Result<NewToken>> createToken(const QString& name, Role role);
    QFuture<Result<QList<ApiToken>>> apiTokens();
    QFuture<VoidResult> revokeToken(const QString& id);
    QFuture<Result<QHash<QByteArray, ApiToken>>> activeTokens();
    void recordTokenUse(const QHash<QString, qint64>& lastUsed);
    void audit(const QList<AuditEntry>& entries);
    QFuture<Result<QList<AuditEntry>>> auditLog(qint64 sinceMs, int limit);

signals:
    // Committed task state changes, in batches; emitted on the Engine's thread.
    void taskEvents(const llmsched::TaskEvents& events);
    void notification(const llmsched::Notification& notification);
    // For watched tasks only; emitted on the engine thread (connect queued).
    void taskDelta(const QString& id, const QByteArray& chunk);
    void taskFinished(const llmsched::TaskOutcome& outcome);
    // An API token was created or revoked by any client (the REST server
    // reloads its cache); emitted on the store writer's thread.
    void tokensChanged();

private:
    template <typename T, typename F> QFuture<T> post(F&& call);
    template <typename T, typename F, typename R> QFuture<T> postOr(F&& call, R&& refusal);
    // Runs fn(store) while the store is open; otherwise R's "not running" error.
    template <typename R, typename F> QFuture<R> withStore(F&& fn) const;
    // fn(store) for a write nobody waits for (token use, audit rows); dropped once closed.
    template <typename F> void queueWrite(F&& fn);
    // call(batchManager) on the engine thread; its future answered here.
    template <typename F> QFuture<Result<BatchRecord>> onBatches(F&& call);
    // call(*(this->*manager)) on the engine thread, answering a QFuture<T>.
    template <typename T, typename M, typename F> QFuture<T> onManager(M* Engine::*manager, F&& call);

    EngineOptions m_options;
    EngineHost* m_host;
    QString m_databasePath; // for messages: a file, or a postgresql:// URL without its password
    QString m_databaseTarget; // what the store opens (a PostgreSQL URL may hold a password)
    QString m_nodeId;
    // Any thread may call in while another shuts the engine down: calls hold
    // m_lifeLock for reading while they check m_open and queue their work on
    // the scheduler or the store; shutdown() takes it for writing to close
    // the gate before it deletes them. (A plain pointer check raced with the
    // delete.)
    mutable QReadWriteLock m_lifeLock;
    bool m_open = false; // guarded by m_lifeLock
    std::unique_ptr<Store> m_store; // set and reset while closed
    QThread m_thread;
    BatchManager* m_batches = nullptr; // lives on m_thread, like the scheduler
    WorkflowManager* m_workflows = nullptr; // the same
    ScheduleManager* m_schedules = nullptr; // the same
    WebhookManager* m_webhooks = nullptr; // the same
    Scheduler* m_scheduler = nullptr; // lives on m_thread; set and reset while closed

    mutable QMutex m_snapshotMutex;
    std::shared_ptr<const EngineSnapshot> m_snapshot; // guarded by m_snapshotMutex
};

} // namespace llmsched
