#pragma once

#include "core/apitoken.h"
#include "core/batchtypes.h"
#include "core/enginetypes.h"
#include "core/minutestats.h"
#include "core/storetypes.h"

#include <QFuture>
#include <QJsonArray>
#include <QJsonObject>
#include <QObject>

#include <memory>

namespace llmsched {

// The engine as the control center's views see it, wherever it runs: in this
// process (EmbeddedClient, over the Engine facade) or in an llm-schedulerd
// reached over its REST API and event stream (RemoteClient). Views hold one
// and never know which.
//
// Commands and reads answer futures; call them from the client's thread
// (the GUI thread) or any other (an import's worker): results arrive on
// whichever thread the implementation answers on, so come back to yours with
// a QFutureWatcher (ui::onResult). The snapshot is the latest known state
// and costs a pointer copy.
class EngineClient : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(EngineClient)

public:
    // The link to the engine: an embedded engine is always Online; a remote
    // one starts Connecting, is Online while its event stream flows, and
    // Reconnecting while it tries again after losing it; Refused while the
    // server refuses the token (401/403; tried again every few seconds).
    enum class Link { Connecting, Online, Reconnecting, Refused };
    Q_ENUM(Link)

    explicit EngineClient(QObject* parent = nullptr)
        : QObject(parent)
    {
    }
    ~EngineClient() override = default;

    virtual bool isRemote() const = 0;
    // Where the engine is: the embedded database file, or the server's URL.
    virtual QString location() const = 0;
    // The server's version (remote; empty until known, and for the embedded engine).
    virtual QString serverVersion() const { return {}; }
    virtual Link link() const { return Link::Online; }
    // The store's size on disk, or -1 when this client cannot know it.
    virtual qint64 storeSizeBytes() const = 0;

    virtual std::shared_ptr<const EngineSnapshot> snapshot() const = 0;
    // The models of the latest snapshot, with their configuration.
    QList<ModelConfig> models() const;

    // Tasks.
    virtual QFuture<Result<QList<SubmitOutcome>>> submit(QList<TaskSpec> specs) = 0;
    virtual QFuture<Result<TaskState>> cancel(const QString& id) = 0;
    virtual QFuture<VoidResult> setPriority(const QString& id, int priority) = 0;
    virtual QFuture<Result<TaskState>> retry(const QString& id) = 0;
    virtual QFuture<Result<qint64>> requeueDead(const QString& model = {}) = 0;
    virtual QFuture<Result<qint64>> purge(TaskState state, const QString& model = {}) = 0;
    virtual QFuture<Result<Task>> task(const QString& id) = 0;
    virtual QFuture<Result<TaskPage>> tasks(const TaskFilter& filter) = 0;
    virtual QFuture<Result<qint64>> countTasks(const TaskFilter& filter) = 0;
    virtual QFuture<Result<QList<TaskLogEntry>>> taskLog(const QString& id) = 0;
    virtual QFuture<Result<QList<MinuteStats>>> statsMinutes(const StatsQuery& query) = 0;
    // Every node that shares the engine's store (one, on SQLite).
    virtual QFuture<Result<QList<NodeInfo>>> nodes() = 0;

    // Models and the engine.
    virtual QFuture<Result<ModelConfig>> upsertModel(const ModelConfig& model) = 0;
    virtual QFuture<VoidResult> removeModel(const QString& name) = 0;
    virtual QFuture<VoidResult> setModelPaused(const QString& name, bool paused) = 0;
    virtual QFuture<VoidResult> setPaused(bool paused) = 0;
    virtual QFuture<Result<QList<EndpointTestResult>>> testConnection(const ModelConfig& model) = 0;
    // A provider key into the engine's keychain as keychain:NAME (write-only).
    virtual QFuture<VoidResult> storeSecret(const QString& name, const QByteArray& value) = 0;

    // Batches of both Batch APIs (newest first), cancel one as a whole, and
    // the bytes of a file one wrote (output, errors, results).
    virtual QFuture<Result<QList<BatchRecord>>> batches(int limit) = 0;
    virtual QFuture<Result<BatchRecord>> cancelBatch(const QString& id) = 0;
    virtual QFuture<Result<QByteArray>> fileContent(const QString& id) = 0;

    // The workflow features (docs/workflows.md), answered as the REST API
    // shows them, so a view reads the same JSON from either engine.
    virtual QFuture<Result<QJsonArray>> workflows(int limit) = 0; // newest first
    virtual QFuture<Result<QJsonObject>> workflowGraph(const QString& id) = 0;
    virtual QFuture<Result<QJsonObject>> cancelWorkflow(const QString& id) = 0;
    virtual QFuture<Result<QJsonArray>> schedules() = 0;
    // id empty: a new schedule; body as POST /api/v1/schedules takes it.
    virtual QFuture<Result<QJsonObject>> saveSchedule(const QString& id, const QJsonObject& body) = 0;
    virtual QFuture<VoidResult> deleteSchedule(const QString& id) = 0;
    enum class ScheduleAction { Pause, Resume, Run };
    virtual QFuture<Result<QJsonObject>> scheduleAction(const QString& id, ScheduleAction action) = 0;
    virtual QFuture<Result<QJsonArray>> templates() = 0; // latest versions, without bodies
    virtual QFuture<Result<QJsonObject>> templateVersion(const QString& name, int version) = 0; // 0: the latest
    virtual QFuture<Result<QJsonObject>> putTemplate(const QJsonObject& body) = 0; // adds a version
    virtual QFuture<VoidResult> deleteTemplate(const QString& name) = 0;
    // Values for one task or workflow: its id ({id, state} or the workflow).
    virtual QFuture<Result<QJsonObject>> submitTemplate(const QString& name, const QJsonObject& values, int version) = 0;
    // A CSV (header of variable names) or JSONL file of values, one submit per
    // row: {submitted: [{row, id}], errors: [{row, field, message}], refused}.
    virtual QFuture<Result<QJsonObject>> submitTemplateRows(const QString& name, const QByteArray& content, bool csv, bool skipInvalid) = 0;
    virtual QFuture<Result<QJsonArray>> webhooks() = 0;
    virtual QFuture<Result<QJsonObject>> createWebhook(const QJsonObject& body) = 0; // with its secret, this once
    virtual QFuture<VoidResult> deleteWebhook(const QString& id) = 0;
    enum class WebhookAction { Pause, Resume, Ping };
    virtual QFuture<Result<QJsonObject>> webhookAction(const QString& id, WebhookAction action) = 0;
    // status empty: any.
    virtual QFuture<Result<QJsonArray>> webhookDeliveries(const QString& id, const QString& status, int limit) = 0;
    virtual QFuture<Result<QJsonObject>> webhookDelivery(const QString& id, const QString& deliveryId) = 0;
    virtual QFuture<Result<QJsonObject>> redeliverWebhook(const QString& id, const QString& deliveryId) = 0;

    // API tokens.
    virtual QFuture<Result<NewToken>> createToken(const QString& name, Role role) = 0;
    virtual QFuture<Result<QList<ApiToken>>> apiTokens() = 0;
    virtual QFuture<VoidResult> revokeToken(const QString& id) = 0;

signals:
    // Committed task state changes, in batches (any thread; connect queued).
    void taskEvents(const llmsched::TaskEvents& events);
    void notification(const llmsched::Notification& notification);
    // A newer snapshot is available (remote: on its thread; the embedded
    // client does not emit it: its snapshot is read on a timer).
    void snapshotChanged();
    void linkChanged(llmsched::EngineClient::Link link);
    // Task events may have been missed (the link was lost and the server
    // could not replay them): whatever a view shows must be loaded afresh.
    void resynced();
};

} // namespace llmsched
