#pragma once

#include "httpserver.h"
#include "core/apitoken.h"

#include "core/enginetypes.h"
#include "core/result.h"

#include <QElapsedTimer>
#include <QHash>
#include <QHostAddress>
#include <QPointer>
#include <QThread>
#include <QTimer>

#include <deque>
#include <functional>
#include <memory>

namespace llmsched {

class Engine;

struct ApiOptions
{
    QHostAddress address = QHostAddress::LocalHost;
    quint16 port = 8787; // 0: any free port
    QString tlsCertificate; // PEM paths; both set: HTTPS
    QString tlsKey;
    QList<QPair<QHostAddress, int>> allowlist; // subnets; empty: whoever can connect
    qint64 maxBodyBytes = 16LL * 1024 * 1024;
    double rateLimitPerSecond = 0; // per token; 0: no limit
    int rateBurst = 0; // requests above the rate a token may send at once (default: one second's worth)
    int maxConnections = 4096; // more get a 503 and are closed (lowered to fit the open-file limit)
    int maxConnectionsPerAddress = HttpServer::kDefaultMaxConnectionsPerAddress; // from one client address
    int idleTimeoutMs = 75'000; // keep-alive connections without a request are closed after this
    int requestTimeoutMs = 30'000; // a request not received in full by then gets a 408
    // Host names (without port) requests may name besides the bind address;
    // a loopback bind also takes localhost, 127.0.0.1 and [::1]. Others get a
    // 421: a web page whose DNS name was rebound to 127.0.0.1 cannot reach the
    // API. Empty on a non-loopback bind: any Host.
    QStringList allowedHosts;
    // Web origins ("http://localhost:3000") whose pages may call the API;
    // a request with any other Origin is refused (403), preflights included.
    QStringList corsOrigins;
};

// The REST server: /api/v1 (native), /health, /metrics. A thin client of the
// Engine facade: every request becomes an engine call whose future answers it.
// Lives on its own thread (ApiHost), so neither the GUI nor the engine waits on
// HTTP. Errors are {"error": {"code", "message", "field"}} with the matching status.
class ApiServer final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ApiServer)

public:
    ApiServer(Engine& engine, ApiOptions options, QObject* parent = nullptr);
    ~ApiServer() override;

    // Loads tokens and listens; returns the port.
    Result<quint16> start();
    // Routes as "METHOD /path/{param}" for the OpenAPI check.
    QStringList routeList() const;

    quint16 port() const { return m_http->port(); }

    struct Call; // one request in flight

private:
    void handle(HttpRequest request, std::shared_ptr<HttpReply> reply);
    using Handler = std::function<void(const std::shared_ptr<Call>&)>;
    struct Route
    {
        QByteArray method;
        QString pattern;
        QStringList segments; // "{x}" = parameter
        std::optional<Role> role; // nullopt: public
        bool audited = false;
        Handler handler;
    };
    struct Bucket
    {
        double tokens = 0;
        qint64 atMs = 0;
    };
    struct EventClient
    {
        std::shared_ptr<HttpReply> reply;
        QString model;
    };

    void addRoute(const char* method, const QString& pattern, std::optional<Role> role, bool audited, Handler handler);
    void registerRoutes();
    void onTaskEvents(const TaskEvents& events);
    void onNotification(const Notification& n);
    void flushAudit();
    void flushSubmits();
    void recordRequest(const Call& c, int status);
    void refreshTokens();
    std::optional<ApiToken> authenticate(const QByteArray& header);
    bool allowed(const QHostAddress& address) const;
    bool hostAllowed(const QByteArray& host) const;
    bool originAllowed(const QByteArray& origin) const;
    bool admitRate(const QString& tokenId);

    // Handlers
    void health(const std::shared_ptr<Call>& c);
    void metrics(const std::shared_ptr<Call>& c);
    void submitTasks(const std::shared_ptr<Call>& c);
    void listTasks(const std::shared_ptr<Call>& c, bool deadLetters);
    void getTask(const std::shared_ptr<Call>& c);
    void cancelTask(const std::shared_ptr<Call>& c);
    void patchTask(const std::shared_ptr<Call>& c);
    void retryTask(const std::shared_ptr<Call>& c);
    void taskLog(const std::shared_ptr<Call>& c);
    void requeueDead(const std::shared_ptr<Call>& c);
    void purgeDead(const std::shared_ptr<Call>& c);
    void listModels(const std::shared_ptr<Call>& c);
    void getModel(const std::shared_ptr<Call>& c);
    void putModel(const std::shared_ptr<Call>& c, bool create);
    void deleteModel(const std::shared_ptr<Call>& c);
    void pauseModel(const std::shared_ptr<Call>& c, bool pause);
    void listEndpoints(const std::shared_ptr<Call>& c);
    void getEndpoint(const std::shared_ptr<Call>& c);
    void putEndpoint(const std::shared_ptr<Call>& c, bool create);
    void deleteEndpoint(const std::shared_ptr<Call>& c);
    void stats(const std::shared_ptr<Call>& c);
    void pauseAll(const std::shared_ptr<Call>& c, bool pause);
    void logs(const std::shared_ptr<Call>& c);
    void audit(const std::shared_ptr<Call>& c);
    void listTokens(const std::shared_ptr<Call>& c);
    void createToken(const std::shared_ptr<Call>& c);
    void revokeToken(const std::shared_ptr<Call>& c);
    void events(const std::shared_ptr<Call>& c);
    // OpenAI-compatible facade (openaifacade.cpp)
    struct FacadeWait
    {
        std::shared_ptr<Call> call;
        TaskKind kind = TaskKind::Chat;
        bool stream = false;
        bool sentDelta = false;
        QString model;
    };
    void putSecret(const std::shared_ptr<Call>& c);
    void deleteSecret(const std::shared_ptr<Call>& c);
    void facadeModels(const std::shared_ptr<Call>& c);
    void facadeCall(const std::shared_ptr<Call>& c, TaskKind kind);
    void facadeFail(
        const std::shared_ptr<Call>& c, int status, const QString& type, const QString& message, const QString& param = {}, const QString& code = {});
    void onTaskDelta(const QString& id, const QByteArray& chunk);
    void onTaskFinished(const TaskOutcome& outcome);
    QHash<QString, FacadeWait> m_waits; // facade calls waiting for their task, by task id

    Engine& m_engine;
    ApiOptions m_options;
    HttpServer* m_http;
    std::vector<Route> m_routes;
    QHash<QByteArray, ApiToken> m_tokens; // by hash
    qint64 m_tokensLoadedMs = 0;
    QHash<QString, qint64> m_tokenUse; // id -> last use, flushed periodically
    QHash<QString, Bucket> m_buckets;
    QList<AuditEntry> m_auditPending;
    struct PendingSubmit
    {
        std::shared_ptr<Call> call;
        bool single = false;
    };
    // Submits that arrived in one pass of the event loop go to the engine
    // together (one hop, one store transaction); answered each on its own.
    std::vector<PendingSubmit> m_submits;
    QList<QList<TaskSpec>> m_submitSpecs;
    qint64 m_refusedAuth = 0; // 401s since the last warning about them
    QString m_refusedAuthRemote; // where the last one came from
    qint64 m_refusedAuthWarnedMs = 0;
    std::deque<QJsonObject> m_logs; // recent notifications
    QList<EventClient> m_eventClients;
    QTimer m_flushTimer;
    QTimer m_keepAliveTimer;
    QTimer m_statsTimer;
    QElapsedTimer m_clock;

    // Request counters for /metrics: (route index + 1, 0 = unmatched) << 16 | status
    // -> count, latency sum and histogram.
    struct RouteStat
    {
        qint64 count = 0;
        double seconds = 0;
        std::array<qint64, 12> buckets {};
    };
    QHash<quint64, RouteStat> m_routeStats;
};

// Runs an ApiServer on a thread of its own.
class ApiHost
{
public:
    ApiHost(Engine& engine, ApiOptions options);
    ~ApiHost();
    Result<quint16> start();
    void stop();
    QStringList routeList() const;

private:
    Engine& m_engine;
    ApiOptions m_options;
    QThread m_thread;
    ApiServer* m_server = nullptr;
};

} // namespace llmsched
