#include "apiserver.h"

#include "core/echolimits.h"

#include "core/httpstatus.h"

#include "anthropicfacade.h"
#include "batchapis.h"
#include "credentialscontroller.h"
#include "deadletterscontroller.h"
#include "eventscontroller.h"
#include "metricsexporter.h"
#include "modelscontroller.h"
#include "openaifacade.h"
#include "responsesfacade.h"
#include "systemcontroller.h"
#include "taskscontroller.h"
#include "schedulescontroller.h"
#include "webhookscontroller.h"
#include "templatescontroller.h"
#include "workflowscontroller.h"

#include "engine.h"

#include "core/logging.h"
#include "core/timeutil.h"
#include "core/futures.h"

#include <QUrl>
#include <QVarLengthArray>

namespace llmsched {

namespace {
// Audit rows and token use go to the store in small, frequent batches, so the
// store writer never takes a second's worth of rows in one go (which held the
// submits committing beside them for tens of milliseconds).
constexpr int kFlushMs = 200;
constexpr qsizetype kAuditFlushRows = 256;
constexpr qint64 kRefusedAuthWarnMs = 60'000;
constexpr qint64 kTokenReloadMs = 1000;
} // namespace

ApiServer::ApiServer(Engine& engine, ApiOptions options, QObject* parent)
    : QObject(parent)
    , m_engine(engine)
    , m_options(std::move(options))
    , m_http(new HttpServer(this))
    , m_flushTimer(this)
{
    m_clock.start();
    m_refusedAuthWarnedMs = -kRefusedAuthWarnMs; // the first refusal is reported at once
    m_http->setMaxBodyBytes(m_options.maxBodyBytes);
    m_http->setLimits(m_options.maxConnections, m_options.idleTimeoutMs, m_options.requestTimeoutMs, m_options.maxConnectionsPerAddress);
    m_http->setHandler([this](HttpRequest request, std::shared_ptr<HttpReply> reply) { handle(std::move(request), std::move(reply)); });
    // The route list follows this order; a request goes to the first route that matches.
    const auto add = [this](auto* controller) {
        m_controllers.append(controller);
        return controller;
    };
    auto* system = add(new SystemController(*this, engine));
    add(new MetricsExporter(*this, engine));
    add(new TasksController(*this, engine));
    add(new DeadLettersController(*this, engine));
    add(new ModelsController(*this, engine));
    add(new CredentialsController(*this, engine));
    m_events = add(new EventsController(*this, engine));
    // The model-call APIs share one waiter: each task event crosses from the engine thread once.
    m_waiter = new TaskWaiter(engine, this);
    add(new OpenAiFacade(*this, engine, *m_waiter));
    add(new AnthropicFacade(*this, engine, *m_waiter));
    add(new ResponsesFacade(*this, engine, *m_waiter));
    add(new BatchesController(*this, engine));
    add(new OpenAiBatches(*this, engine));
    add(new AnthropicBatches(*this, engine));
    add(new WorkflowsController(*this, engine));
    add(new SchedulesController(*this, engine));
    add(new WebhooksController(*this, engine));
    add(new TemplatesController(*this, engine));
    connect(system, &SystemController::logged, m_events, &EventsController::sendNotification);
    connect(&engine, &Engine::tokensChanged, this, &ApiServer::refreshTokens);
    m_flushTimer.setInterval(kFlushMs);
    connect(&m_flushTimer, &QTimer::timeout, this, &ApiServer::flushAudit);
}

ApiServer::~ApiServer()
{
    flushAudit();
    qDeleteAll(m_controllers);
    delete m_waiter; // after the facades, before the HTTP server: the calls it holds are answered while it can write
}

Result<quint16> ApiServer::start()
{
    auto loaded = m_engine.activeTokens();
    loaded.waitForFinished(); // start-up only: the server is not serving yet
    const auto tokens = loaded.result();
    if (!tokens)
        return tokens.error();
    m_tokens = *tokens;
    m_tokensLoadedMs = -kTokenReloadMs; // the first unknown token may reload at once
    auto port = m_http->listen(m_options.address, m_options.port, m_options.tlsCertificate, m_options.tlsKey);
    if (!port)
        return port;
    m_flushTimer.start();
    m_events->start();
    const QString host = m_options.address.protocol() == QAbstractSocket::IPv6Protocol
        ? QLatin1Char('[') + m_options.address.toString() + QLatin1Char(']')
        : m_options.address.toString();
    m_engine.setNodeAddress(
        QStringLiteral("%1://%2:%3").arg(m_options.tlsCertificate.isEmpty() ? QStringLiteral("http") : QStringLiteral("https"), host).arg(*port));
    qCInfo(lcApi).noquote() << QStringLiteral("REST API on %1://%2:%3 (%4 active tokens)")
                                   .arg(m_options.tlsCertificate.isEmpty() ? QStringLiteral("http") : QStringLiteral("https"),
                                       m_options.address.toString())
                                   .arg(*port)
                                   .arg(m_tokens.size());
    if (m_tokens.isEmpty())
        qCWarning(lcApi) << "no API tokens exist yet; create one with: llm-schedulerd token create --role admin";
    return port;
}

void ApiServer::addRoute(const char* method, const QString& pattern, std::optional<Role> role, Audit audit, ApiHandler handler)
{
    ApiRoute r;
    r.method = method;
    r.pattern = pattern;
    r.segments = pattern.split(QLatin1Char('/'), Qt::SkipEmptyParts);
    r.role = role;
    r.audited = audit == Audit::Yes;
    r.handler = std::move(handler);
    m_routes.push_back(std::move(r));
}

QStringList ApiServer::routeList() const
{
    QStringList out;
    for (const ApiRoute& r : m_routes)
        out.append(QString::fromLatin1(r.method) + QLatin1Char(' ') + r.pattern);
    return out;
}

// ---- request pipeline --------------------------------------------------------------

bool ApiServer::hostAllowed(const QByteArray& host) const
{
    const bool loopback = m_options.address.isLoopback();
    if ((!loopback && m_options.allowedHosts.isEmpty()) || host.isEmpty())
        return true; // an HTTP/1.0 request without Host names nothing to rebind (browsers always send one)
    // "name", "name:port", "[v6]" or "[v6]:port"
    QByteArray name = host.toLower();
    if (name.startsWith('[')) {
        const qsizetype close = name.indexOf(']');
        name = close < 0 ? QByteArray() : name.mid(1, close - 1);
    } else if (const qsizetype colon = name.lastIndexOf(':'); colon >= 0) {
        name.truncate(colon);
    }
    if (name.isEmpty())
        return false;
    const QString text = QString::fromLatin1(name);
    if (loopback && (text == QLatin1String("localhost") || QHostAddress(text).isLoopback() || QHostAddress(text) == m_options.address))
        return true;
    return m_options.allowedHosts.contains(text, Qt::CaseInsensitive);
}

bool ApiServer::originAllowed(const QByteArray& origin) const
{
    return m_options.corsOrigins.contains(QString::fromLatin1(origin), Qt::CaseInsensitive) || m_options.corsOrigins.contains(QStringLiteral("*"));
}

bool ApiServer::allowed(const QHostAddress& address) const
{
    if (m_options.allowlist.isEmpty())
        return true;
    for (const auto& subnet : m_options.allowlist)
        if (address.isInSubnet(subnet))
            return true;
    return false;
}

QByteArray ApiServer::tokenHash(const QByteArray& authorization, const QByteArray& apiKey)
{
    QByteArray secret;
    if (!authorization.isEmpty()) {
        if (authorization.size() < 7 || qstrnicmp(authorization.constData(), "bearer ", 7) != 0) // the scheme is case-insensitive (RFC 7235)
            return {};
        secret = authorization.mid(7).trimmed();
    } else {
        secret = apiKey.trimmed(); // Anthropic's SDKs send the key this way
    }
    if (secret.isEmpty() || secret.size() > 256)
        return {};
    return hashTokenSecret(QString::fromLatin1(secret));
}

void ApiServer::admit(const std::shared_ptr<ApiCall>& c, const ApiRoute& route, const QByteArray& hash)
{
    const auto it = hash.isEmpty() ? m_tokens.constEnd() : m_tokens.constFind(hash);
    if (it == m_tokens.constEnd())
        return c->answerError(http::Unauthorized, QStringLiteral("unauthorized"),
            QStringLiteral("the token is not valid (unknown, malformed or revoked)"), {},
            { { QByteArrayLiteral("WWW-Authenticate"), QByteArrayLiteral("Bearer error=\"invalid_token\"") } });
    m_tokenUse.insert(it->id, nowMs());
    c->token = *it;
    if (static_cast<int>(c->token->role) < static_cast<int>(*route.role))
        return c->answerError(http::Forbidden, QStringLiteral("forbidden"),
            QStringLiteral("this needs the %1 role; the token '%2' has %3").arg(roleName(*route.role), c->token->name, roleName(c->token->role)));
    if (!admitRate(c->token->id))
        return c->answerError(http::TooManyRequests, QStringLiteral("rate_limited"),
            QStringLiteral("more than %1 requests per second with this token").arg(m_options.rateLimitPerSecond), {},
            { { QByteArrayLiteral("Retry-After"), QByteArrayLiteral("1") } });
    route.handler(c);
}

bool ApiServer::admitRate(const QString& tokenId)
{
    if (m_options.rateLimitPerSecond <= 0)
        return true;
    const double burst = m_options.rateBurst > 0 ? m_options.rateBurst : std::max(1.0, m_options.rateLimitPerSecond);
    Bucket& b = m_buckets[tokenId];
    const qint64 now = m_clock.elapsed();
    if (b.atMs == 0)
        b.tokens = burst;
    else
        b.tokens = std::min(burst, b.tokens + static_cast<double>(now - b.atMs) / 1000.0 * m_options.rateLimitPerSecond);
    b.atMs = std::max<qint64>(now, 1);
    if (b.tokens < 1)
        return false;
    b.tokens -= 1;
    return true;
}

void ApiServer::handle(HttpRequest request, std::shared_ptr<HttpReply> reply)
{
    auto c = std::make_shared<ApiCall>();
    c->server = this;
    c->startNs = m_clock.nsecsElapsed();
    c->request = std::move(request);
    c->reply = std::move(reply);
    if (!allowed(c->request.remote))
        return c->answerError(http::Forbidden, QStringLiteral("forbidden"), QStringLiteral("this address may not use the API"));
    if (!hostAllowed(c->request.header("host")))
        return c->answerError(http::MisdirectedRequest, QStringLiteral("misdirected_request"),
            QStringLiteral("this server does not answer for Host '%1'; a loopback-bound server answers localhost, 127.0.0.1 and [::1] "
                           "(more names: --allowed-host)")
                .arg(QString::fromLatin1(c->request.header("host").left(kEchoValueChars))));
    if (const QByteArray origin = c->request.header("origin"); !origin.isEmpty()) {
        if (!originAllowed(origin))
            return c->answerError(http::Forbidden, QStringLiteral("cors_forbidden"),
                QStringLiteral("requests from web pages at %1 are refused; allow the origin with --cors-origin")
                    .arg(QString::fromLatin1(origin.left(kEchoValueChars))));
        c->cors = { { QByteArrayLiteral("Access-Control-Allow-Origin"), origin }, { QByteArrayLiteral("Vary"), QByteArrayLiteral("Origin") } };
        if (c->request.method == "OPTIONS" && !c->request.header("access-control-request-method").isEmpty())
            return c->answer(http::NoContent, {}, QByteArrayLiteral("text/plain"),
                { { QByteArrayLiteral("Access-Control-Allow-Methods"), QByteArrayLiteral("GET, POST, PUT, PATCH, DELETE") },
                    { QByteArrayLiteral("Access-Control-Allow-Headers"),
                        QByteArrayLiteral("Authorization, Content-Type, Idempotency-Key, X-Priority, Last-Event-ID, x-api-key, anthropic-version") },
                    { QByteArrayLiteral("Access-Control-Max-Age"), QByteArrayLiteral("600") } });
    }

    QVarLengthArray<QStringView, 8> segments;
    for (QStringView part : QStringView(c->request.path).tokenize(u'/', Qt::SkipEmptyParts))
        segments.append(part);
    const ApiRoute* match = nullptr;
    QStringList allow;
    for (const ApiRoute& r : m_routes) {
        if (r.segments.size() != segments.size())
            continue;
        bool ok = true;
        for (qsizetype i = 0; i < segments.size() && ok; ++i)
            ok = r.segments[i].startsWith(QLatin1Char('{')) || r.segments[i] == segments[i];
        if (!ok)
            continue;
        if (r.method != c->request.method) {
            allow.append(QString::fromLatin1(r.method));
            continue;
        }
        match = &r;
        for (qsizetype i = 0; i < segments.size(); ++i)
            if (r.segments[i].startsWith(QLatin1Char('{')))
                c->params.append(QUrl::fromPercentEncoding(segments[i].toUtf8()));
        break;
    }
    if (!match) {
        if (!allow.isEmpty())
            return c->answerError(http::MethodNotAllowed, QStringLiteral("method_not_allowed"),
                QStringLiteral("%1 is not served on %2; allowed: %3")
                    .arg(QString::fromLatin1(c->request.method), c->request.path, allow.join(QStringLiteral(", "))),
                {}, { { QByteArrayLiteral("Allow"), allow.join(QStringLiteral(", ")).toLatin1() } });
        return c->answerError(http::NotFound, QStringLiteral("not_found"),
            QStringLiteral("no route %1 %2").arg(QString::fromLatin1(c->request.method), c->request.path));
    }
    c->route = match;
    if (match->role) {
        const QByteArray auth = c->request.header("authorization");
        const QByteArray apiKey = c->request.header("x-api-key");
        if (auth.isEmpty() && apiKey.isEmpty())
            return c->answerError(http::Unauthorized, QStringLiteral("unauthorized"),
                QStringLiteral("send a token: Authorization: Bearer <token> (or x-api-key: <token>)"), {},
                { { QByteArrayLiteral("WWW-Authenticate"), QByteArrayLiteral("Bearer") } });
        const QByteArray hash = tokenHash(auth, apiKey);
        if (!hash.isEmpty() && !m_tokens.contains(hash) && m_clock.elapsed() - m_tokensLoadedMs >= kTokenReloadMs) {
            // A token made elsewhere (the GUI, another engine client) since we
            // loaded them: reload, at most once a second so bad tokens cannot
            // hammer the store, and look again once the read is done. This
            // thread never waits for the store.
            m_tokensLoadedMs = m_clock.elapsed();
            onResult(m_engine.activeTokens(), this, [this, c, match, hash](const Result<QHash<QByteArray, ApiToken>>& tokens) {
                if (tokens)
                    m_tokens = *tokens;
                admit(c, *match, hash);
            });
            return;
        }
        return admit(c, *match, hash);
    }
    match->handler(c);
}

void ApiServer::recordRequest(const ApiCall& c, int status)
{
    const double seconds = static_cast<double>(m_clock.nsecsElapsed() - c.startNs) / 1e9;
    m_requestStats.record(c.route ? c.route - m_routes.data() : -1, status, seconds);
    if (status == http::Unauthorized) {
        // Not audited: a request without a valid token changed nothing and names
        // no one, and anybody who can reach the port could fill the log with them.
        // Counted in /metrics and summed up in a warning at most once a minute.
        ++m_refusedAuth;
        m_refusedAuthRemote = c.request.remote.toString();
    } else if (c.route && c.route->audited) {
        m_auditPending.append({ nowMs(), c.token ? c.token->id : QString(), QString::fromLatin1(c.request.method), c.request.path, status,
            c.request.remote.toString(), c.summary });
        if (m_auditPending.size() >= kAuditFlushRows)
            flushAudit();
    }
}

void ApiServer::flushAudit()
{
    if (m_refusedAuth > 0 && m_clock.elapsed() - m_refusedAuthWarnedMs >= kRefusedAuthWarnMs) {
        qCWarning(lcApi).noquote()
            << QStringLiteral("refused %1 request(s) without a valid token (the last from %2)").arg(m_refusedAuth).arg(m_refusedAuthRemote);
        m_refusedAuth = 0;
        m_refusedAuthWarnedMs = m_clock.elapsed();
    }
    if (!m_auditPending.isEmpty()) {
        m_engine.audit(m_auditPending);
        m_auditPending.clear();
    }
    if (!m_tokenUse.isEmpty()) {
        m_engine.recordTokenUse(m_tokenUse);
        m_tokenUse.clear();
    }
}

void ApiServer::refreshTokens()
{
    onResult(m_engine.activeTokens(), this, [this](const Result<QHash<QByteArray, ApiToken>>& r) {
        if (r)
            m_tokens = *r;
    });
}

void ApiServer::rememberToken(const QByteArray& secretHash, const ApiToken& token)
{
    m_tokens.insert(secretHash, token);
}

void ApiServer::forgetToken(const QString& id)
{
    for (auto it = m_tokens.begin(); it != m_tokens.end();) {
        if (it->id == id)
            it = m_tokens.erase(it);
        else
            ++it;
    }
}

// ---- ApiHost -----------------------------------------------------------------------------

ApiHost::ApiHost(Engine& engine, ApiOptions options)
    : m_engine(engine)
    , m_options(std::move(options))
{
    m_thread.setObjectName(QStringLiteral("api"));
}

ApiHost::~ApiHost()
{
    stop();
}

Result<quint16> ApiHost::start()
{
    if (m_server)
        return m_server->port();
    m_thread.start();
    Result<quint16> result = Error { ErrorCode::Internal, QStringLiteral("the API thread did not start"), {} };
    auto* server = new ApiServer(m_engine, m_options);
    server->moveToThread(&m_thread);
    QMetaObject::invokeMethod(
        server, [&] { result = server->start(); }, Qt::BlockingQueuedConnection);
    if (!result) {
        QMetaObject::invokeMethod(
            server, [server] { delete server; }, Qt::BlockingQueuedConnection);
        m_thread.quit();
        m_thread.wait();
        return result;
    }
    m_server = server;
    return result;
}

void ApiHost::stop()
{
    if (!m_server)
        return;
    ApiServer* server = m_server;
    m_server = nullptr;
    QMetaObject::invokeMethod(
        server, [server] { delete server; }, Qt::BlockingQueuedConnection);
    m_thread.quit();
    m_thread.wait();
}

QStringList ApiHost::routeList() const
{
    return m_server ? m_server->routeList() : QStringList {};
}

} // namespace llmsched
