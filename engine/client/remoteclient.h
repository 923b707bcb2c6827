#pragma once

#include "engineclient.h"

#include <QJsonObject>
#include <QMutex>
#include <QNetworkAccessManager>
#include <QPointer>
#include <QTimer>
#include <QPromise>
#include <QUrl>
#include <QUrlQuery>

class QNetworkReply;

namespace llmsched {

// What a server says about itself (GET /health).
struct ServerInfo
{
    QString service; // "llm-schedulerd"
    QString version;
    QString node;
    bool ready = false;
};

// An llm-schedulerd reached over its REST API (docs/openapi.yaml): commands
// and reads are HTTP requests; task events, notifications and the live
// statistics come from /api/v1/events, which the client keeps open, resumes
// after a drop with Last-Event-ID, and reopens with back-off (at most 1 s
// apart) while the server is away. Lives on the thread that made it; its
// methods may be called from any thread.
class RemoteClient final : public EngineClient
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RemoteClient)

public:
    // `baseUrl`: e.g. http://127.0.0.1:8787 (https works the same); `token`:
    // an API token (empty when the server needs none).
    RemoteClient(QUrl baseUrl, QString token, QObject* parent = nullptr);
    ~RemoteClient() override;

    // Starts the event stream (and with it the snapshot). Until the first
    // answer the link is Connecting.
    void start();
    // Before start(): the token to send (e.g. read from the keychain meanwhile).
    void setToken(const QString& token) { m_token = token; }

    // Asks `baseUrl` whether it is an llm-schedulerd and whether the token
    // is accepted (the Connect dialog's Test). Answers on the caller's thread's
    // event loop; needs one.
    static QFuture<Result<ServerInfo>> probe(const QUrl& baseUrl, const QString& token, int timeoutMs = 3000);

    QUrl baseUrl() const { return m_base; }
    bool isRemote() const override { return true; }
    QString location() const override { return m_base.toDisplayString(); }
    QString serverVersion() const override;
    Link link() const override;
    qint64 storeSizeBytes() const override { return -1; }
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

    // Requests answered since start (tests, benchmarks).
    qint64 requestCount() const { return m_requests.loadRelaxed(); }

private:
    // One REST call: the answer's JSON object, or the server's error (or
    // "cannot reach"). `body` is sent as JSON when set.
    QFuture<Result<QJsonObject>> call(
        const QByteArray& method, const QString& path, const QUrlQuery& query = {}, const std::optional<QJsonValue>& body = std::nullopt);
    void send(
        QByteArray method, QString path, QUrlQuery query, std::optional<QJsonValue> body, std::shared_ptr<QPromise<Result<QJsonObject>>> promise);
    QNetworkRequest request(const QString& path, const QUrlQuery& query = {}) const;

    void openStream();
    void onStreamData();
    void onStreamEnded();
    void handleEvent(const QByteArray& type, const QByteArray& id, const QByteArray& data);
    void setLink(Link link);
    void loadModels();

    QUrl m_base;
    QString m_token;
    QNetworkAccessManager m_net;
    QPointer<QNetworkReply> m_stream;
    QByteArray m_streamBuffer;
    QByteArray m_lastEventId;
    bool m_started = false;
    bool m_loadingModels = false; // a GET /api/v1/models is on its way
    int m_retryMs = 0;
    QTimer m_retryTimer;
    QTimer m_modelsTimer;
    QAtomicInteger<qint64> m_requests = 0;

    mutable QMutex m_mutex; // guards what other threads read:
    std::shared_ptr<const EngineSnapshot> m_snapshot;
    QJsonObject m_lastStats;
    QList<ModelConfig> m_configs;
    QString m_version;
    Link m_link = Link::Connecting;
};

} // namespace llmsched
