#pragma once

#include "apicall.h"
#include "httpserver.h"
#include "requeststats.h"

#include "core/apitoken.h"
#include "core/enginetypes.h"
#include "core/result.h"

#include <QElapsedTimer>
#include <QHash>
#include <QHostAddress>
#include <QThread>
#include <QTimer>

#include <functional>
#include <memory>
#include <optional>
#include <vector>

namespace llmsched {

class ApiController;
class Engine;
class EventsController;
class TaskWaiter;

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

// A route's handler; it answers through the call, now or from a continuation.
using ApiHandler = std::function<void(const CallPtr&)>;

// Whether the answers of a route go to the audit log (the routes that change something).
enum class Audit : bool { No, Yes };

struct ApiRoute
{
    QByteArray method;
    QString pattern; // "/api/v1/tasks/{id}"
    QStringList segments; // "{x}" = parameter
    std::optional<Role> role; // nullopt: public
    bool audited = false;
    ApiHandler handler;
};

// The REST server: /api/v1 (native), the OpenAI-compatible /v1, /health and
// /metrics. It listens, checks who may ask (address, Host, Origin, token,
// role, rate), routes, and records every answer (per-route metrics, audit
// log). What a route does is its controller's (api/*controller.h,
// openaifacade.h, metricsexporter.h): a thin client of the Engine facade
// whose futures are continued on this server's thread. Lives on its own
// thread (ApiHost), so neither the GUI nor the engine waits on HTTP. Errors
// are {"error": {"code", "message", "field"}} with the matching status.
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

    // ---- for the controllers, on this server's thread ----

    // A request goes to the first route that matches its method and path.
    void addRoute(const char* method, const QString& pattern, std::optional<Role> role, Audit audit, ApiHandler handler);
    // A body limit of its own for one route (uploads); others keep ApiOptions::maxBodyBytes.
    void setBodyLimit(const QByteArray& method, const QString& path, qint64 bytes) { m_http->setBodyLimit(method, path, bytes); }
    // Counts an answer for /metrics and, on an audited route, queues its audit row.
    void recordRequest(const ApiCall& c, int status);
    // Hands queued audit rows and token use to the store now.
    void flushAudit();
    // Token changes made through this server apply to its next request, not
    // only once the engine's tokensChanged comes back.
    void rememberToken(const QByteArray& secretHash, const ApiToken& token);
    void forgetToken(const QString& id);
    const HttpServer& http() const { return *m_http; }
    const RequestStats& requestStats() const { return m_requestStats; }

private:
    struct Bucket
    {
        double tokens = 0;
        qint64 atMs = 0;
    };

    void handle(HttpRequest request, std::shared_ptr<HttpReply> reply);
    void refreshTokens();
    // The hash of the token in an Authorization: Bearer header or, without
    // one, in an x-api-key header; empty when malformed.
    static QByteArray tokenHash(const QByteArray& authorization, const QByteArray& apiKey);
    // Lets the call through to its route's handler when its token is known,
    // has the role and is within its rate; answers 401/403/429 otherwise.
    void admit(const std::shared_ptr<ApiCall>& c, const ApiRoute& route, const QByteArray& hash);
    bool allowed(const QHostAddress& address) const;
    bool hostAllowed(const QByteArray& host) const;
    bool originAllowed(const QByteArray& origin) const;
    bool admitRate(const QString& tokenId);

    Engine& m_engine;
    ApiOptions m_options;
    HttpServer* m_http;
    std::vector<ApiRoute> m_routes;
    // Children of this server (so they move to its thread with it), deleted
    // before it: requests they still hold are answered while the HTTP server
    // can still write.
    QList<ApiController*> m_controllers;
    EventsController* m_events = nullptr;
    TaskWaiter* m_waiter = nullptr;
    QHash<QByteArray, ApiToken> m_tokens; // by hash
    qint64 m_tokensLoadedMs = 0;
    QHash<QString, qint64> m_tokenUse; // id -> last use, flushed periodically
    QHash<QString, Bucket> m_buckets;
    QList<AuditEntry> m_auditPending;
    qint64 m_refusedAuth = 0; // 401s since the last warning about them
    QString m_refusedAuthRemote; // where the last one came from
    qint64 m_refusedAuthWarnedMs = 0;
    QTimer m_flushTimer;
    QElapsedTimer m_clock;
    RequestStats m_requestStats;
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
