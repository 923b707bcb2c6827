#pragma once

#include "engineclient.h"

namespace llmsched {

class Engine;

// The engine in this process: every call goes straight to the Engine facade.
class EmbeddedClient final : public EngineClient
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(EmbeddedClient)

public:
    explicit EmbeddedClient(Engine& engine, QObject* parent = nullptr);

    Engine& engine() const { return m_engine; }

    bool isRemote() const override { return false; }
    QString location() const override;
    qint64 storeSizeBytes() const override;
    std::shared_ptr<const EngineSnapshot> snapshot() const override;

    QFuture<Result<QList<SubmitOutcome>>> submit(QList<TaskSpec> specs) override;
    QFuture<Result<TaskState>> cancel(const QString& id) override;
    QFuture<VoidResult> setPriority(const QString& id, int priority) override;
    QFuture<Result<TaskState>> retry(const QString& id) override;
    QFuture<Result<qint64>> requeueDead(const QString& model) override;
    QFuture<Result<qint64>> purge(TaskState state, const QString& model) override;
    QFuture<Result<Task>> task(const QString& id) override;
    QFuture<Result<TaskPage>> tasks(const TaskFilter& filter) override;
    QFuture<Result<qint64>> countTasks(const TaskFilter& filter) override;
    QFuture<Result<QList<TaskLogEntry>>> taskLog(const QString& id) override;
    QFuture<Result<QList<MinuteStats>>> statsMinutes(const StatsQuery& query) override;
    QFuture<Result<QList<NodeInfo>>> nodes() override;

    QFuture<Result<ModelConfig>> upsertModel(const ModelConfig& model) override;
    QFuture<VoidResult> removeModel(const QString& name) override;
    QFuture<VoidResult> setModelPaused(const QString& name, bool paused) override;
    QFuture<VoidResult> setPaused(bool paused) override;
    QFuture<Result<QList<EndpointTestResult>>> testConnection(const ModelConfig& model) override;
    QFuture<VoidResult> storeSecret(const QString& name, const QByteArray& value) override;

    QFuture<Result<QList<BatchRecord>>> batches(int limit) override;
    QFuture<Result<BatchRecord>> cancelBatch(const QString& id) override;
    QFuture<Result<QByteArray>> fileContent(const QString& id) override;
    QFuture<Result<QJsonArray>> workflows(int limit) override;
    QFuture<Result<QJsonObject>> workflowGraph(const QString& id) override;
    QFuture<Result<QJsonObject>> cancelWorkflow(const QString& id) override;
    QFuture<Result<QJsonArray>> schedules() override;
    QFuture<Result<QJsonObject>> saveSchedule(const QString& id, const QJsonObject& body) override;
    QFuture<VoidResult> deleteSchedule(const QString& id) override;
    QFuture<Result<QJsonObject>> scheduleAction(const QString& id, ScheduleAction action) override;
    QFuture<Result<QJsonArray>> templates() override;
    QFuture<Result<QJsonObject>> templateVersion(const QString& name, int version) override;
    QFuture<Result<QJsonObject>> putTemplate(const QJsonObject& body) override;
    QFuture<VoidResult> deleteTemplate(const QString& name) override;
    QFuture<Result<QJsonObject>> submitTemplate(const QString& name, const QJsonObject& values, int version) override;
    QFuture<Result<QJsonObject>> submitTemplateRows(const QString& name, const QByteArray& content, bool csv, bool skipInvalid) override;
    QFuture<Result<QJsonArray>> webhooks() override;
    QFuture<Result<QJsonObject>> createWebhook(const QJsonObject& body) override;
    QFuture<VoidResult> deleteWebhook(const QString& id) override;
    QFuture<Result<QJsonObject>> webhookAction(const QString& id, WebhookAction action) override;
    QFuture<Result<QJsonArray>> webhookDeliveries(const QString& id, const QString& status, int limit) override;
    QFuture<Result<QJsonObject>> webhookDelivery(const QString& id, const QString& deliveryId) override;
    QFuture<Result<QJsonObject>> redeliverWebhook(const QString& id, const QString& deliveryId) override;
    QFuture<Result<NewToken>> createToken(const QString& name, Role role) override;
    QFuture<Result<QList<ApiToken>>> apiTokens() override;
    QFuture<VoidResult> revokeToken(const QString& id) override;

private:
    Engine& m_engine;
};

} // namespace llmsched
