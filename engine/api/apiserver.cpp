#include "apiserver.h"

#include "engine.h"

#include "core/jsonreader.h"
#include "core/secrets.h"
#include "core/logging.h"
#include "core/timeutil.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QUrl>
#include <QVarLengthArray>

#include <cmath>

namespace llmsched {

namespace {
constexpr int kMaxBatch = 10'000;
// Audit rows and token use go to the store in small, frequent batches, so the
// store writer never takes a second's worth of rows in one go (which held the
// submits committing beside them for tens of milliseconds).
constexpr int kFlushMs = 200;
constexpr qsizetype kAuditFlushRows = 256;
constexpr qint64 kRefusedAuthWarnMs = 60'000;
constexpr int kKeepAliveMs = 15'000;
constexpr int kStatsEventMs = 1000;
constexpr size_t kMaxLogs = 500;
constexpr qint64 kTokenReloadMs = 1000;
const double kLatencyBounds[] = { 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5 };

QByteArray compact(const QJsonValue& v)
{
    if (v.isObject())
        return QJsonDocument(v.toObject()).toJson(QJsonDocument::Compact);
    if (v.isArray())
        return QJsonDocument(v.toArray()).toJson(QJsonDocument::Compact);
    return QJsonDocument(QJsonArray { v }).toJson(QJsonDocument::Compact).mid(1).chopped(1);
}

int statusFor(ErrorCode code)
{
    switch (code) {
    case ErrorCode::InvalidArgument:
        return 422;
    case ErrorCode::NotFound:
        return 404;
    case ErrorCode::Conflict:
        return 409;
    case ErrorCode::CapacityExceeded:
        return 429;
    case ErrorCode::PayloadTooLarge:
        return 413;
    case ErrorCode::Unavailable:
        return 503;
    case ErrorCode::StoreError:
        return 503;
    case ErrorCode::Internal:
        return 500;
    }
    return 500;
}

QJsonObject taskEventJson(const TaskEvent& e)
{
    QJsonObject o { { QStringLiteral("id"), e.id.toString() }, { QStringLiteral("model"), e.model },
        { QStringLiteral("state"), taskStateName(e.state) }, { QStringLiteral("previous"), taskStateName(e.previous) },
        { QStringLiteral("attempts"), e.attempts }, { QStringLiteral("priority"), e.priority }, { QStringLiteral("time"), msToIso(e.timeMs) } };
    if (e.created)
        o.insert(QStringLiteral("created"), true);
    if (!e.error.isEmpty())
        o.insert(QStringLiteral("error"), e.error);
    return o;
}

QJsonObject statesJson(const std::array<qint64, kTaskStateCount>& states)
{
    QJsonObject o;
    for (int s = 0; s < kTaskStateCount; ++s)
        o.insert(taskStateName(static_cast<TaskState>(s)), states[static_cast<size_t>(s)]);
    return o;
}

QJsonObject endpointJson(const EndpointSnapshot& e)
{
    return { { QStringLiteral("name"), e.name }, { QStringLiteral("provider"), e.provider }, { QStringLiteral("circuit"), e.circuit },
        { QStringLiteral("healthy"), e.healthy }, { QStringLiteral("inflight"), e.inflight }, { QStringLiteral("limit"), e.limit },
        { QStringLiteral("rpm"), e.rpm }, { QStringLiteral("rpm_used"), e.rpmUsed }, { QStringLiteral("tpm"), e.tpm },
        { QStringLiteral("tpm_used"), e.tpmUsed }, { QStringLiteral("latency_ms"), e.latencyMs }, { QStringLiteral("calls"), e.calls },
        { QStringLiteral("failures"), e.failures }, { QStringLiteral("last_error"), e.lastError.isEmpty() ? QJsonValue() : QJsonValue(e.lastError) },
        { QStringLiteral("cooldown_until"), e.cooldownUntilMs ? QJsonValue(msToIso(e.cooldownUntilMs)) : QJsonValue() } };
}

QJsonObject modelLiveJson(const ModelSnapshot& m)
{
    QJsonArray eps;
    for (const EndpointSnapshot& e : m.endpoints)
        eps.append(endpointJson(e));
    return { { QStringLiteral("paused"), m.paused }, { QStringLiteral("budget_exhausted"), m.budgetExhausted },
        { QStringLiteral("inflight"), m.inflight }, { QStringLiteral("concurrency"), m.concurrency }, { QStringLiteral("capacity"), m.capacity },
        { QStringLiteral("queue_depth"), m.queueDepth() }, { QStringLiteral("states"), statesJson(m.states) },
        { QStringLiteral("submitted"), m.submittedTotal }, { QStringLiteral("failed_attempts"), m.failedAttempts },
        { QStringLiteral("retried"), m.retried }, { QStringLiteral("prompt_tokens"), m.promptTokens },
        { QStringLiteral("completion_tokens"), m.completionTokens }, { QStringLiteral("cost_usd"), m.costUsd },
        { QStringLiteral("spent_today_usd"), m.spentTodayUsd }, { QStringLiteral("tasks_per_second"), m.tasksPerSecond },
        { QStringLiteral("latency_seconds"),
            QJsonObject {
                { QStringLiteral("p50"), m.latencyP50 }, { QStringLiteral("p95"), m.latencyP95 }, { QStringLiteral("p99"), m.latencyP99 } } },
        { QStringLiteral("endpoints"), eps } };
}

QJsonObject statsJson(const EngineSnapshot& s)
{
    QJsonArray models;
    for (const ModelSnapshot& m : s.models) {
        QJsonObject o = modelLiveJson(m);
        o.insert(QStringLiteral("name"), m.name);
        models.append(o);
    }
    return { { QStringLiteral("time"), msToIso(s.timeMs) }, { QStringLiteral("running"), s.running }, { QStringLiteral("paused"), s.paused },
        { QStringLiteral("store_healthy"), s.storeHealthy },
        { QStringLiteral("store_error"), s.storeError.isEmpty() ? QJsonValue() : QJsonValue(s.storeError) }, { QStringLiteral("node"), s.nodeId },
        { QStringLiteral("states"), statesJson(s.states) }, { QStringLiteral("tasks_per_second"), s.tasksPerSecond },
        { QStringLiteral("models"), models } };
}

QString label(const QString& v)
{
    QString out = v;
    out.replace(QLatin1Char('\\'), QLatin1String("\\\\"))
        .replace(QLatin1Char('"'), QLatin1String("\\\""))
        .replace(QLatin1Char('\n'), QLatin1String("\\n"));
    return out;
}

QString numberText(double v)
{
    if (std::isnan(v))
        return QStringLiteral("NaN");
    return QString::number(v, 'g', 12);
}
} // namespace

// ---- Call ----------------------------------------------------------------------------

struct ApiServer::Call
{
    ApiServer* server = nullptr;
    HttpRequest request;
    std::shared_ptr<HttpReply> reply;
    const Route* route = nullptr;
    QStringList params;
    std::optional<ApiToken> token;
    HttpHeaders cors; // for an allowed Origin: added to every answer
    qint64 startNs = 0;
    QString summary; // for the audit log

    QString param(int i) const { return params.value(i); }

    void respond(
        int status, const QByteArray& body, const QByteArray& contentType = QByteArrayLiteral("application/json"), const HttpHeaders& extra = {})
    {
        if (reply->answered())
            return;
        if (!cors.isEmpty()) {
            reply->send(status, body, contentType, extra + cors);
            server->recordRequest(*this, status);
            return;
        }
        reply->send(status, body, contentType, extra);
        server->recordRequest(*this, status);
    }
    void json(int status, const QJsonValue& body, const HttpHeaders& extra = {})
    {
        respond(status, compact(body), QByteArrayLiteral("application/json"), extra);
    }
    void fail(int status, const QString& code, const QString& message, const QString& field = {}, const HttpHeaders& extra = {})
    {
        const QJsonObject error { { QStringLiteral("code"), code }, { QStringLiteral("message"), message },
            { QStringLiteral("field"), field.isEmpty() ? QJsonValue() : QJsonValue(field) } };
        json(status, QJsonObject { { QStringLiteral("error"), error } }, extra);
    }
    void fail(const Error& e)
    {
        HttpHeaders extra;
        if (e.code == ErrorCode::CapacityExceeded)
            extra.append({ QByteArrayLiteral("Retry-After"), QByteArrayLiteral("1") });
        if (e.code == ErrorCode::Unavailable || e.code == ErrorCode::StoreError)
            extra.append({ QByteArrayLiteral("Retry-After"), QByteArrayLiteral("5") });
        fail(statusFor(e.code), errorCodeName(e.code), e.message, e.field, extra);
    }
    // The body as JSON; answers 415/400 and returns nothing when it is not.
    std::optional<QJsonValue> body()
    {
        const QByteArray type = request.header("content-type").toLower();
        if (!type.startsWith("application/json")) {
            fail(415, QStringLiteral("unsupported_media_type"), QStringLiteral("send the body as Content-Type: application/json"));
            return std::nullopt;
        }
        QJsonParseError err {};
        const QJsonDocument doc = QJsonDocument::fromJson(request.body, &err);
        if (err.error != QJsonParseError::NoError) {
            fail(400, QStringLiteral("invalid_json"),
                QStringLiteral("the body is not valid JSON: %1 at offset %2").arg(err.errorString()).arg(err.offset));
            return std::nullopt;
        }
        if (doc.isObject())
            return QJsonValue(doc.object());
        return QJsonValue(doc.array());
    }
    // No body at all counts as {} (optional parameters).
    std::optional<QJsonObject> optionalBodyObject() { return request.body.isEmpty() ? std::optional<QJsonObject>(QJsonObject {}) : bodyObject(); }
    std::optional<QJsonObject> bodyObject()
    {
        auto v = body();
        if (!v)
            return std::nullopt;
        if (!v->isObject()) {
            fail(400, QStringLiteral("invalid_json"), QStringLiteral("the body must be a JSON object"));
            return std::nullopt;
        }
        return v->toObject();
    }
};

// ---- ApiServer -------------------------------------------------------------------

ApiServer::ApiServer(Engine& engine, ApiOptions options, QObject* parent)
    : QObject(parent)
    , m_engine(engine)
    , m_options(std::move(options))
    , m_http(new HttpServer(this))
    , m_flushTimer(this)
    , m_keepAliveTimer(this)
    , m_statsTimer(this)
{
    m_clock.start();
    m_refusedAuthWarnedMs = -kRefusedAuthWarnMs; // the first refusal is reported at once
    m_http->setMaxBodyBytes(m_options.maxBodyBytes);
    m_http->setLimits(m_options.maxConnections, m_options.idleTimeoutMs, m_options.requestTimeoutMs, m_options.maxConnectionsPerAddress);
    m_http->setHandler([this](HttpRequest request, std::shared_ptr<HttpReply> reply) { handle(std::move(request), std::move(reply)); });
    registerRoutes();
    connect(&engine, &Engine::taskEvents, this, &ApiServer::onTaskEvents);
    connect(&engine, &Engine::notification, this, &ApiServer::onNotification);
    connect(&engine, &Engine::tokensChanged, this, &ApiServer::refreshTokens);
    connect(&engine, &Engine::taskDelta, this, &ApiServer::onTaskDelta);
    connect(&engine, &Engine::taskFinished, this, &ApiServer::onTaskFinished);
    m_flushTimer.setInterval(kFlushMs);
    connect(&m_flushTimer, &QTimer::timeout, this, &ApiServer::flushAudit);
    m_keepAliveTimer.setInterval(kKeepAliveMs);
    connect(&m_keepAliveTimer, &QTimer::timeout, this, [this] {
        for (const EventClient& c : std::as_const(m_eventClients))
            c.reply->write(QByteArrayLiteral(": keep-alive\n\n"));
    });
    m_statsTimer.setInterval(kStatsEventMs);
    connect(&m_statsTimer, &QTimer::timeout, this, [this] {
        if (m_eventClients.isEmpty())
            return;
        const QByteArray event = "event: stats\ndata: " + compact(statsJson(*m_engine.snapshot())) + "\n\n";
        for (const EventClient& c : std::as_const(m_eventClients))
            c.reply->write(event);
    });
}

ApiServer::~ApiServer()
{
    flushAudit();
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
    m_keepAliveTimer.start();
    m_statsTimer.start();
    qCInfo(lcApi).noquote() << QStringLiteral("REST API on %1://%2:%3 (%4 active tokens)")
                                   .arg(m_options.tlsCertificate.isEmpty() ? QStringLiteral("http") : QStringLiteral("https"),
                                       m_options.address.toString())
                                   .arg(*port)
                                   .arg(m_tokens.size());
    if (m_tokens.isEmpty())
        qCWarning(lcApi) << "no API tokens exist yet; create one with: llm-schedulerd token create --role admin";
    return port;
}

void ApiServer::addRoute(const char* method, const QString& pattern, std::optional<Role> role, bool audited, Handler handler)
{
    Route r;
    r.method = method;
    r.pattern = pattern;
    r.segments = pattern.split(QLatin1Char('/'), Qt::SkipEmptyParts);
    r.role = role;
    r.audited = audited;
    r.handler = std::move(handler);
    m_routes.push_back(std::move(r));
}

QStringList ApiServer::routeList() const
{
    QStringList out;
    for (const Route& r : m_routes)
        out.append(QString::fromLatin1(r.method) + QLatin1Char(' ') + r.pattern);
    return out;
}

void ApiServer::registerRoutes()
{
    using C = const std::shared_ptr<Call>&;
    const auto viewer = std::optional<Role>(Role::Viewer);
    const auto op = std::optional<Role>(Role::Operator);
    const auto admin = std::optional<Role>(Role::Admin);
    addRoute("GET", QStringLiteral("/health"), std::nullopt, false, [this](C c) { health(c); });
    addRoute("GET", QStringLiteral("/metrics"), viewer, false, [this](C c) { metrics(c); });
    addRoute("POST", QStringLiteral("/api/v1/tasks"), op, true, [this](C c) { submitTasks(c); });
    addRoute("GET", QStringLiteral("/api/v1/tasks"), viewer, false, [this](C c) { listTasks(c, false); });
    addRoute("GET", QStringLiteral("/api/v1/tasks/{id}"), viewer, false, [this](C c) { getTask(c); });
    addRoute("DELETE", QStringLiteral("/api/v1/tasks/{id}"), op, true, [this](C c) { cancelTask(c); });
    addRoute("PATCH", QStringLiteral("/api/v1/tasks/{id}"), op, true, [this](C c) { patchTask(c); });
    addRoute("POST", QStringLiteral("/api/v1/tasks/{id}/retry"), op, true, [this](C c) { retryTask(c); });
    addRoute("GET", QStringLiteral("/api/v1/tasks/{id}/log"), viewer, false, [this](C c) { taskLog(c); });
    addRoute("GET", QStringLiteral("/api/v1/dead-letters"), viewer, false, [this](C c) { listTasks(c, true); });
    addRoute("POST", QStringLiteral("/api/v1/dead-letters/requeue"), op, true, [this](C c) { requeueDead(c); });
    addRoute("POST", QStringLiteral("/api/v1/dead-letters/purge"), op, true, [this](C c) { purgeDead(c); });
    addRoute("GET", QStringLiteral("/api/v1/models"), viewer, false, [this](C c) { listModels(c); });
    addRoute("POST", QStringLiteral("/api/v1/models"), admin, true, [this](C c) { putModel(c, true); });
    addRoute("GET", QStringLiteral("/api/v1/models/{name}"), viewer, false, [this](C c) { getModel(c); });
    addRoute("PUT", QStringLiteral("/api/v1/models/{name}"), admin, true, [this](C c) { putModel(c, false); });
    addRoute("DELETE", QStringLiteral("/api/v1/models/{name}"), admin, true, [this](C c) { deleteModel(c); });
    addRoute("POST", QStringLiteral("/api/v1/models/{name}/pause"), op, true, [this](C c) { pauseModel(c, true); });
    addRoute("POST", QStringLiteral("/api/v1/models/{name}/resume"), op, true, [this](C c) { pauseModel(c, false); });
    addRoute("GET", QStringLiteral("/api/v1/models/{name}/endpoints"), viewer, false, [this](C c) { listEndpoints(c); });
    addRoute("POST", QStringLiteral("/api/v1/models/{name}/endpoints"), admin, true, [this](C c) { putEndpoint(c, true); });
    addRoute("GET", QStringLiteral("/api/v1/models/{name}/endpoints/{endpoint}"), viewer, false, [this](C c) { getEndpoint(c); });
    addRoute("PUT", QStringLiteral("/api/v1/models/{name}/endpoints/{endpoint}"), admin, true, [this](C c) { putEndpoint(c, false); });
    addRoute("DELETE", QStringLiteral("/api/v1/models/{name}/endpoints/{endpoint}"), admin, true, [this](C c) { deleteEndpoint(c); });
    addRoute("GET", QStringLiteral("/api/v1/system/stats"), viewer, false, [this](C c) { stats(c); });
    addRoute("POST", QStringLiteral("/api/v1/system/pause"), op, true, [this](C c) { pauseAll(c, true); });
    addRoute("POST", QStringLiteral("/api/v1/system/resume"), op, true, [this](C c) { pauseAll(c, false); });
    addRoute("GET", QStringLiteral("/api/v1/system/logs"), viewer, false, [this](C c) { logs(c); });
    addRoute("GET", QStringLiteral("/api/v1/system/audit"), admin, false, [this](C c) { audit(c); });
    addRoute("GET", QStringLiteral("/api/v1/tokens"), admin, false, [this](C c) { listTokens(c); });
    addRoute("POST", QStringLiteral("/api/v1/tokens"), admin, true, [this](C c) { createToken(c); });
    addRoute("DELETE", QStringLiteral("/api/v1/tokens/{id}"), admin, true, [this](C c) { revokeToken(c); });
    addRoute("GET", QStringLiteral("/api/v1/events"), viewer, false, [this](C c) { events(c); });
    addRoute("PUT", QStringLiteral("/api/v1/secrets/{name}"), admin, true, [this](C c) { putSecret(c); });
    addRoute("DELETE", QStringLiteral("/api/v1/secrets/{name}"), admin, true, [this](C c) { deleteSecret(c); });
    addRoute("GET", QStringLiteral("/v1/models"), viewer, false, [this](C c) { facadeModels(c); });
    addRoute("POST", QStringLiteral("/v1/chat/completions"), op, false, [this](C c) { facadeCall(c, TaskKind::Chat); });
    addRoute("POST", QStringLiteral("/v1/completions"), op, false, [this](C c) { facadeCall(c, TaskKind::Completion); });
    addRoute("POST", QStringLiteral("/v1/embeddings"), op, false, [this](C c) { facadeCall(c, TaskKind::Embedding); });
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

std::optional<ApiToken> ApiServer::authenticate(const QByteArray& header)
{
    if (header.size() < 7 || qstrnicmp(header.constData(), "bearer ", 7) != 0) // the scheme is case-insensitive (RFC 7235)
        return std::nullopt;
    const QByteArray secret = header.mid(7).trimmed();
    if (secret.isEmpty() || secret.size() > 256)
        return std::nullopt;
    const QByteArray hash = hashTokenSecret(QString::fromLatin1(secret));
    auto it = m_tokens.constFind(hash);
    if (it == m_tokens.constEnd() && m_clock.elapsed() - m_tokensLoadedMs >= kTokenReloadMs) {
        // A token made elsewhere (the GUI, another engine client) since we loaded
        // them: reload, at most once a second so bad tokens cannot hammer the store.
        m_tokensLoadedMs = m_clock.elapsed();
        auto loaded = m_engine.activeTokens();
        loaded.waitForFinished(); // a small read on a reader connection; this is the API thread, not the GUI's
        if (const auto tokens = loaded.result())
            m_tokens = *tokens;
        it = m_tokens.constFind(hash);
    }
    if (it == m_tokens.constEnd())
        return std::nullopt;
    m_tokenUse.insert(it->id, nowMs());
    return *it;
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
    auto c = std::make_shared<Call>();
    c->server = this;
    c->startNs = m_clock.nsecsElapsed();
    c->request = std::move(request);
    c->reply = std::move(reply);
    if (!allowed(c->request.remote))
        return c->fail(403, QStringLiteral("forbidden"), QStringLiteral("this address may not use the API"));
    if (!hostAllowed(c->request.header("host")))
        return c->fail(421, QStringLiteral("misdirected_request"),
            QStringLiteral("this server does not answer for Host '%1'; a loopback-bound server answers localhost, 127.0.0.1 and [::1] "
                           "(more names: --allowed-host)")
                .arg(QString::fromLatin1(c->request.header("host").left(128))));
    if (const QByteArray origin = c->request.header("origin"); !origin.isEmpty()) {
        if (!originAllowed(origin))
            return c->fail(403, QStringLiteral("cors_forbidden"),
                QStringLiteral("requests from web pages at %1 are refused; allow the origin with --cors-origin")
                    .arg(QString::fromLatin1(origin.left(128))));
        c->cors = { { QByteArrayLiteral("Access-Control-Allow-Origin"), origin }, { QByteArrayLiteral("Vary"), QByteArrayLiteral("Origin") } };
        if (c->request.method == "OPTIONS" && !c->request.header("access-control-request-method").isEmpty())
            return c->respond(204, {}, QByteArrayLiteral("text/plain"),
                { { QByteArrayLiteral("Access-Control-Allow-Methods"), QByteArrayLiteral("GET, POST, PUT, PATCH, DELETE") },
                    { QByteArrayLiteral("Access-Control-Allow-Headers"),
                        QByteArrayLiteral("Authorization, Content-Type, Idempotency-Key, X-Priority, Last-Event-ID, x-api-key, anthropic-version") },
                    { QByteArrayLiteral("Access-Control-Max-Age"), QByteArrayLiteral("600") } });
    }

    QVarLengthArray<QStringView, 8> segments;
    for (QStringView part : QStringView(c->request.path).tokenize(u'/', Qt::SkipEmptyParts))
        segments.append(part);
    const Route* match = nullptr;
    QStringList allow;
    for (const Route& r : m_routes) {
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
            return c->fail(405, QStringLiteral("method_not_allowed"),
                QStringLiteral("%1 is not served on %2; allowed: %3")
                    .arg(QString::fromLatin1(c->request.method), c->request.path, allow.join(QStringLiteral(", "))),
                {}, { { QByteArrayLiteral("Allow"), allow.join(QStringLiteral(", ")).toLatin1() } });
        return c->fail(
            404, QStringLiteral("not_found"), QStringLiteral("no route %1 %2").arg(QString::fromLatin1(c->request.method), c->request.path));
    }
    c->route = match;
    if (match->role) {
        const QByteArray auth = c->request.header("authorization");
        if (auth.isEmpty())
            return c->fail(401, QStringLiteral("unauthorized"), QStringLiteral("send a bearer token: Authorization: Bearer <token>"), {},
                { { QByteArrayLiteral("WWW-Authenticate"), QByteArrayLiteral("Bearer") } });
        c->token = authenticate(auth);
        if (!c->token)
            return c->fail(401, QStringLiteral("unauthorized"), QStringLiteral("the bearer token is not valid (unknown, malformed or revoked)"), {},
                { { QByteArrayLiteral("WWW-Authenticate"), QByteArrayLiteral("Bearer error=\"invalid_token\"") } });
        if (static_cast<int>(c->token->role) < static_cast<int>(*match->role))
            return c->fail(403, QStringLiteral("forbidden"),
                QStringLiteral("this needs the %1 role; the token '%2' has %3")
                    .arg(roleName(*match->role), c->token->name, roleName(c->token->role)));
        if (!admitRate(c->token->id))
            return c->fail(429, QStringLiteral("rate_limited"),
                QStringLiteral("more than %1 requests per second with this token").arg(m_options.rateLimitPerSecond), {},
                { { QByteArrayLiteral("Retry-After"), QByteArrayLiteral("1") } });
    }
    match->handler(c);
}

void ApiServer::recordRequest(const Call& c, int status)
{
    const double seconds = static_cast<double>(m_clock.nsecsElapsed() - c.startNs) / 1e9;
    const quint64 route = c.route ? static_cast<quint64>(c.route - m_routes.data()) + 1 : 0;
    RouteStat& s = m_routeStats[route << 16 | static_cast<quint16>(status)];
    ++s.count;
    s.seconds += seconds;
    for (size_t i = 0; i < std::size(kLatencyBounds); ++i)
        if (seconds <= kLatencyBounds[i])
            ++s.buckets[i];
    if (status == 401) {
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
    m_engine.activeTokens().then(this, [this](const Result<QHash<QByteArray, ApiToken>>& r) {
        if (r)
            m_tokens = *r;
    });
}

void ApiServer::onNotification(const Notification& n)
{
    static const char* kinds[] = { "info", "warning", "error" };
    m_logs.push_back({ { QStringLiteral("time"), msToIso(nowMs()) }, { QStringLiteral("level"), QLatin1String(kinds[static_cast<int>(n.kind)]) },
        { QStringLiteral("title"), n.title }, { QStringLiteral("message"), n.message } });
    while (m_logs.size() > kMaxLogs)
        m_logs.pop_front();
    const QByteArray event = "event: notification\ndata: " + compact(m_logs.back()) + "\n\n";
    for (const EventClient& c : std::as_const(m_eventClients))
        c.reply->write(event);
}

void ApiServer::onTaskEvents(const TaskEvents& events)
{
    if (m_eventClients.isEmpty())
        return;
    QByteArray all;
    QHash<QString, QByteArray> byModel;
    for (const TaskEvent& e : events) {
        const QByteArray line = "event: task\ndata: " + compact(taskEventJson(e)) + "\n\n";
        all += line;
        byModel[e.model] += line;
    }
    for (const EventClient& c : std::as_const(m_eventClients))
        c.reply->write(c.model.isEmpty() ? all : byModel.value(c.model));
}

// ---- handlers: system ----------------------------------------------------------------

void ApiServer::health(const std::shared_ptr<Call>& c)
{
    const auto s = m_engine.snapshot();
    const bool ready = m_engine.isRunning() && s->storeHealthy;
    QJsonObject o { { QStringLiteral("status"), ready ? QStringLiteral("ok") : QStringLiteral("unavailable") }, { QStringLiteral("live"), true },
        { QStringLiteral("ready"), ready }, { QStringLiteral("store"), s->storeHealthy ? QStringLiteral("ok") : s->storeError },
        { QStringLiteral("version"), QStringLiteral(LLMSCHED_VERSION) } };
    c->json(ready ? 200 : 503, o);
}

void ApiServer::stats(const std::shared_ptr<Call>& c)
{
    c->json(200, statsJson(*m_engine.snapshot()));
}

void ApiServer::pauseAll(const std::shared_ptr<Call>& c, bool pause)
{
    c->summary = pause ? QStringLiteral("paused dispatch") : QStringLiteral("resumed dispatch");
    m_engine.setPaused(pause).then(this, [c, pause](const VoidResult& r) {
        if (!r)
            return c->fail(r.error());
        c->json(200, QJsonObject { { QStringLiteral("paused"), pause } });
    });
}

void ApiServer::logs(const std::shared_ptr<Call>& c)
{
    QJsonArray out;
    for (auto it = m_logs.crbegin(); it != m_logs.crend(); ++it)
        out.append(*it);
    c->json(200, QJsonObject { { QStringLiteral("logs"), out } });
}

void ApiServer::audit(const std::shared_ptr<Call>& c)
{
    flushAudit();
    const int limit = std::clamp(c->request.query.queryItemValue(QStringLiteral("limit")).toInt(), 0, 10'000);
    m_engine.auditLog(0, limit > 0 ? limit : 100).then(this, [c](const Result<QList<AuditEntry>>& r) {
        if (!r)
            return c->fail(r.error());
        QJsonArray out;
        for (const AuditEntry& e : *r)
            out.append(QJsonObject { { QStringLiteral("time"), msToIso(e.timeMs) }, { QStringLiteral("token_id"), e.tokenId },
                { QStringLiteral("method"), e.method }, { QStringLiteral("path"), e.path }, { QStringLiteral("status"), e.status },
                { QStringLiteral("remote"), e.remote }, { QStringLiteral("summary"), e.summary } });
        c->json(200, QJsonObject { { QStringLiteral("entries"), out } });
    });
}

void ApiServer::metrics(const std::shared_ptr<Call>& c)
{
    const auto s = m_engine.snapshot();
    QString out;
    out.reserve(8192);
    const auto help = [&out](const char* name, const char* type, const char* text) {
        out += QStringLiteral("# HELP %1 %2\n# TYPE %1 %3\n").arg(QLatin1String(name), QLatin1String(text), QLatin1String(type));
    };
    help("llmsched_tasks_submitted_total", "counter", "Tasks accepted since the engine started.");
    for (const ModelSnapshot& m : s->models)
        out += QStringLiteral("llmsched_tasks_submitted_total{model=\"%1\"} %2\n").arg(label(m.name)).arg(m.submittedTotal);
    help("llmsched_tasks_finished_total", "counter", "Tasks that reached a final state since the engine started.");
    for (const ModelSnapshot& m : s->models)
        for (TaskState st : { TaskState::Succeeded, TaskState::Dead, TaskState::Cancelled })
            out += QStringLiteral("llmsched_tasks_finished_total{model=\"%1\",state=\"%2\"} %3\n")
                       .arg(label(m.name), taskStateName(st))
                       .arg(m.states[static_cast<size_t>(st)]);
    help("llmsched_queue_depth", "gauge", "Unfinished tasks by state.");
    for (const ModelSnapshot& m : s->models)
        for (TaskState st : { TaskState::Queued, TaskState::Scheduled, TaskState::Blocked, TaskState::Running, TaskState::RetryWait })
            out += QStringLiteral("llmsched_queue_depth{model=\"%1\",state=\"%2\"} %3\n")
                       .arg(label(m.name), taskStateName(st))
                       .arg(m.states[static_cast<size_t>(st)]);
    help("llmsched_task_duration_seconds", "summary", "Call latency over the last minutes.");
    for (const ModelSnapshot& m : s->models)
        for (const auto& [q, v] : { std::pair { "0.5", m.latencyP50 }, std::pair { "0.95", m.latencyP95 }, std::pair { "0.99", m.latencyP99 } })
            out += QStringLiteral("llmsched_task_duration_seconds{model=\"%1\",quantile=\"%2\"} %3\n")
                       .arg(label(m.name), QLatin1String(q), numberText(v));
    help("llmsched_inflight", "gauge", "Calls in flight per endpoint.");
    for (const ModelSnapshot& m : s->models)
        for (const EndpointSnapshot& e : m.endpoints)
            out += QStringLiteral("llmsched_inflight{model=\"%1\",endpoint=\"%2\"} %3\n").arg(label(m.name), label(e.name)).arg(e.inflight);
    help("llmsched_endpoint_circuit_state", "gauge", "0 closed, 1 half-open, 2 open.");
    for (const ModelSnapshot& m : s->models)
        for (const EndpointSnapshot& e : m.endpoints)
            out += QStringLiteral("llmsched_endpoint_circuit_state{model=\"%1\",endpoint=\"%2\"} %3\n")
                       .arg(label(m.name), label(e.name))
                       .arg(e.circuit == QLatin1String("open")           ? 2
                               : e.circuit == QLatin1String("half_open") ? 1
                                                                         : 0);
    help("llmsched_tokens_total", "counter", "Tokens used, by kind.");
    for (const ModelSnapshot& m : s->models) {
        out += QStringLiteral("llmsched_tokens_total{model=\"%1\",kind=\"prompt\"} %2\n").arg(label(m.name)).arg(m.promptTokens);
        out += QStringLiteral("llmsched_tokens_total{model=\"%1\",kind=\"completion\"} %2\n").arg(label(m.name)).arg(m.completionTokens);
    }
    help("llmsched_cost_usd_total", "counter", "Cost of successful calls in USD.");
    for (const ModelSnapshot& m : s->models)
        out += QStringLiteral("llmsched_cost_usd_total{model=\"%1\"} %2\n").arg(label(m.name), numberText(m.costUsd));
    const HttpServer::Stats& hs = m_http->stats();
    help("llmsched_http_connections_open", "gauge", "REST connections open now.");
    out += QStringLiteral("llmsched_http_connections_open %1\n").arg(m_http->openConnections());
    help("llmsched_http_connections_refused_total", "counter", "REST connections refused with 503, by which limit.");
    out += QStringLiteral("llmsched_http_connections_refused_total{limit=\"total\"} %1\n").arg(hs.refusedOverLimit);
    out += QStringLiteral("llmsched_http_connections_refused_total{limit=\"per_address\"} %1\n").arg(hs.refusedPerAddress);
    help("llmsched_http_accept_errors_total", "counter", "Failed accepts (e.g. no file descriptor left).");
    out += QStringLiteral("llmsched_http_accept_errors_total %1\n").arg(hs.acceptErrors);
    help("llmsched_http_slow_clients_dropped_total", "counter", "Connections dropped because the client stopped reading its answers.");
    out += QStringLiteral("llmsched_http_slow_clients_dropped_total %1\n").arg(hs.slowClientsDropped);
    help("llmsched_http_request_duration_seconds", "histogram", "REST API request latency by route and status.");
    for (auto it = m_routeStats.cbegin(); it != m_routeStats.cend(); ++it) {
        const quint64 route = it.key() >> 16;
        const QString name = route == 0 ? QStringLiteral("unmatched")
                                        : QString::fromLatin1(m_routes[route - 1].method) + QLatin1Char(' ') + m_routes[route - 1].pattern;
        const QString labels = QStringLiteral("route=\"%1\",code=\"%2\"").arg(label(name)).arg(it.key() & 0xffff);
        for (size_t i = 0; i < std::size(kLatencyBounds); ++i)
            out += QStringLiteral("llmsched_http_request_duration_seconds_bucket{%1,le=\"%2\"} %3\n")
                       .arg(labels, numberText(kLatencyBounds[i]))
                       .arg(it->buckets[i]);
        out += QStringLiteral("llmsched_http_request_duration_seconds_bucket{%1,le=\"+Inf\"} %2\n").arg(labels).arg(it->count);
        out += QStringLiteral("llmsched_http_request_duration_seconds_sum{%1} %2\n").arg(labels, numberText(it->seconds));
        out += QStringLiteral("llmsched_http_request_duration_seconds_count{%1} %2\n").arg(labels).arg(it->count);
    }
    c->respond(200, out.toUtf8(), QByteArrayLiteral("text/plain; version=0.0.4; charset=utf-8"));
}

// ---- handlers: tasks -----------------------------------------------------------------

void ApiServer::submitTasks(const std::shared_ptr<Call>& c)
{
    auto body = c->body();
    if (!body)
        return;
    QJsonArray items;
    bool single = false;
    if (body->isArray()) {
        items = body->toArray();
    } else if (body->toObject().contains(QLatin1String("tasks")) && body->toObject().size() == 1) {
        if (!body->toObject().value(QLatin1String("tasks")).isArray())
            return c->fail(422, QStringLiteral("invalid_argument"), QStringLiteral("must be an array of tasks"), QStringLiteral("tasks"));
        items = body->toObject().value(QLatin1String("tasks")).toArray();
    } else {
        items.append(*body);
        single = true;
    }
    if (items.isEmpty())
        return c->fail(422, QStringLiteral("invalid_argument"), QStringLiteral("must hold at least one task"), QStringLiteral("tasks"));
    if (items.size() > kMaxBatch)
        return c->fail(413, QStringLiteral("payload_too_large"),
            QStringLiteral("at most %1 tasks per request; send %2 in several").arg(kMaxBatch).arg(items.size()), QStringLiteral("tasks"));
    QList<TaskSpec> specs;
    specs.reserve(items.size());
    for (qsizetype i = 0; i < items.size(); ++i) {
        const QString prefix = single ? QString() : QStringLiteral("tasks[%1]").arg(i);
        if (!items.at(i).isObject())
            return c->fail(
                422, QStringLiteral("invalid_argument"), QStringLiteral("must be a task object"), single ? QStringLiteral("task") : prefix);
        auto spec = TaskSpec::fromJson(items.at(i).toObject(), prefix);
        if (!spec)
            return c->fail(spec.error());
        specs.append(std::move(*spec));
    }
    c->summary = QStringLiteral("submitted %1 task(s)").arg(specs.size());
    if (m_submits.empty())
        QMetaObject::invokeMethod(this, &ApiServer::flushSubmits, Qt::QueuedConnection);
    m_submits.push_back({ c, single });
    m_submitSpecs.append(std::move(specs));
}

void ApiServer::flushSubmits()
{
    if (m_submits.empty())
        return;
    std::vector<PendingSubmit> calls = std::move(m_submits);
    m_submits = {};
    m_engine.submitEach(std::exchange(m_submitSpecs, {})).then(this, [calls = std::move(calls)](const QList<Result<QList<SubmitOutcome>>>& results) {
        for (size_t i = 0; i < calls.size(); ++i) {
            const std::shared_ptr<Call>& c = calls[i].call;
            const Result<QList<SubmitOutcome>>& r = results.at(static_cast<qsizetype>(i));
            if (!r) {
                c->fail(r.error());
                continue;
            }
            // Written by hand: a thousand outcomes through QJsonObject and
            // toJson took a third of the REST thread's time for batch submits.
            const auto append = [](QByteArray& out, const SubmitOutcome& o) {
                out += "{\"id\":\"";
                o.id.appendTo(out);
                out += "\",\"state\":\"";
                out += taskStateKey(o.state);
                out += o.duplicate ? "\",\"duplicate\":true}" : "\",\"duplicate\":false}";
            };
            QByteArray out;
            if (calls[i].single) {
                const SubmitOutcome& o = r->constFirst();
                append(out, o);
                c->respond(o.duplicate ? 200 : 201, out);
                continue;
            }
            out.reserve(16 + r->size() * 72);
            out += "{\"tasks\":[";
            bool allDuplicates = true;
            for (const SubmitOutcome& o : *r) {
                if (&o != &r->constFirst())
                    out += ',';
                append(out, o);
                allDuplicates = allDuplicates && o.duplicate;
            }
            out += "]}";
            c->respond(allDuplicates ? 200 : 201, out);
        }
    });
}

void ApiServer::listTasks(const std::shared_ptr<Call>& c, bool deadLetters)
{
    const QUrlQuery& q = c->request.query;
    TaskFilter f;
    const auto value = [&q](const char* key) { return q.queryItemValue(QLatin1String(key), QUrl::FullyDecoded); };
    static const QStringList known = { QStringLiteral("state"), QStringLiteral("model"), QStringLiteral("priority"), QStringLiteral("tag"),
        QStringLiteral("q"), QStringLiteral("from"), QStringLiteral("to"), QStringLiteral("cursor"), QStringLiteral("limit"), QStringLiteral("order"),
        QStringLiteral("include_input") };
    for (const auto& item : q.queryItems())
        if (!known.contains(item.first))
            return c->fail(400, QStringLiteral("invalid_argument"),
                QStringLiteral("unknown query parameter '%1'; known: %2").arg(item.first.left(64), known.join(QStringLiteral(", "))),
                item.first.left(64));
    if (deadLetters) {
        f.states = { TaskState::Dead };
    } else if (!value("state").isEmpty()) {
        for (const QString& name : value("state").split(QLatin1Char(','), Qt::SkipEmptyParts)) {
            auto st = taskStateFromName(name.trimmed());
            if (!st)
                return c->fail(400, QStringLiteral("invalid_argument"),
                    QStringLiteral("unknown state '%1'; states: queued, scheduled, blocked, running, retry_wait, succeeded, dead, cancelled")
                        .arg(name.left(32)),
                    QStringLiteral("state"));
            f.states.append(*st);
        }
    }
    f.model = value("model");
    f.tag = value("tag");
    f.text = value("q");
    bool ok = true;
    if (!value("priority").isEmpty()) {
        f.priority = value("priority").toInt(&ok);
        if (!ok || f.priority < kMinPriority || f.priority > kMaxPriority)
            return c->fail(400, QStringLiteral("invalid_argument"), QStringLiteral("must be an integer 0..9"), QStringLiteral("priority"));
    }
    for (const char* key : { "from", "to" }) {
        if (value(key).isEmpty())
            continue;
        auto ms = isoToMs(value(key));
        if (!ms)
            return c->fail(
                400, QStringLiteral("invalid_argument"), QStringLiteral("must be an ISO 8601 time such as 2026-11-23T08:00:00Z"), QLatin1String(key));
        (qstrcmp(key, "from") == 0 ? f.fromMs : f.toMs) = *ms;
    }
    if (!value("cursor").isEmpty()) {
        f.cursor = value("cursor").toLongLong(&ok);
        if (!ok || f.cursor < 0)
            return c->fail(400, QStringLiteral("invalid_argument"), QStringLiteral("is not a cursor this server returned"), QStringLiteral("cursor"));
    }
    if (!value("limit").isEmpty()) {
        f.limit = value("limit").toInt(&ok);
        if (!ok || f.limit < 1 || f.limit > 1000)
            return c->fail(400, QStringLiteral("invalid_argument"), QStringLiteral("must be an integer 1..1000"), QStringLiteral("limit"));
    }
    const QString order = value("order");
    if (!order.isEmpty() && order != QLatin1String("asc") && order != QLatin1String("desc"))
        return c->fail(400, QStringLiteral("invalid_argument"), QStringLiteral("must be asc or desc"), QStringLiteral("order"));
    f.newestFirst = order != QLatin1String("asc");
    f.includeInput = value("include_input") == QLatin1String("true");
    const bool includeInput = f.includeInput;
    m_engine.tasks(f).then(this, [c, includeInput](const Result<TaskPage>& r) {
        if (!r)
            return c->fail(r.error());
        QJsonArray tasks;
        for (const Task& t : r->tasks)
            tasks.append(t.toJson(includeInput));
        c->json(200,
            QJsonObject { { QStringLiteral("tasks"), tasks },
                { QStringLiteral("next_cursor"), r->nextCursor ? QJsonValue(QString::number(r->nextCursor)) : QJsonValue() } });
    });
}

void ApiServer::getTask(const std::shared_ptr<Call>& c)
{
    m_engine.task(c->param(0)).then(this, [c](const Result<Task>& r) {
        if (!r)
            return c->fail(r.error());
        c->json(200, r->toJson(true));
    });
}

void ApiServer::cancelTask(const std::shared_ptr<Call>& c)
{
    c->summary = QStringLiteral("cancel %1").arg(c->param(0).left(32));
    m_engine.cancel(c->param(0)).then(this, [c](const Result<TaskState>& r) {
        if (!r)
            return c->fail(r.error());
        c->json(200, QJsonObject { { QStringLiteral("id"), c->param(0).trimmed().toUpper() }, { QStringLiteral("state"), taskStateName(*r) } });
    });
}

void ApiServer::patchTask(const std::shared_ptr<Call>& c)
{
    auto body = c->bodyObject();
    if (!body)
        return;
    ObjectReader r(*body);
    if (!r.has(QStringLiteral("priority")))
        r.fail(QStringLiteral("priority"), QStringLiteral("is required (the only field that can change)"));
    const int priority = static_cast<int>(r.integer(QStringLiteral("priority"), 0, kMinPriority, kMaxPriority));
    if (auto err = r.finish())
        return c->fail(*err);
    c->summary = QStringLiteral("priority of %1 -> %2").arg(c->param(0).left(32)).arg(priority);
    m_engine.setPriority(c->param(0), priority).then(this, [c, priority](const VoidResult& res) {
        if (!res)
            return c->fail(res.error());
        c->json(200, QJsonObject { { QStringLiteral("id"), c->param(0).trimmed().toUpper() }, { QStringLiteral("priority"), priority } });
    });
}

void ApiServer::retryTask(const std::shared_ptr<Call>& c)
{
    c->summary = QStringLiteral("retry %1").arg(c->param(0).left(32));
    m_engine.retry(c->param(0)).then(this, [c](const Result<TaskState>& r) {
        if (!r)
            return c->fail(r.error());
        c->json(200, QJsonObject { { QStringLiteral("id"), c->param(0).trimmed().toUpper() }, { QStringLiteral("state"), taskStateName(*r) } });
    });
}

void ApiServer::taskLog(const std::shared_ptr<Call>& c)
{
    m_engine.taskLog(c->param(0)).then(this, [c](const Result<QList<TaskLogEntry>>& r) {
        if (!r)
            return c->fail(r.error());
        QJsonArray out;
        for (const TaskLogEntry& e : *r)
            out.append(e.toJson());
        c->json(200, QJsonObject { { QStringLiteral("log"), out } });
    });
}

void ApiServer::requeueDead(const std::shared_ptr<Call>& c)
{
    const auto body = c->optionalBodyObject();
    if (!body)
        return;
    ObjectReader r(*body);
    const QString model = r.string(QStringLiteral("model"), {}, 128);
    const int limit = static_cast<int>(r.integer(QStringLiteral("limit"), 10'000, 1, 10'000));
    if (auto err = r.finish())
        return c->fail(*err);
    m_engine.requeueDead(model, limit).then(this, [c](const Result<qint64>& n) {
        if (!n)
            return c->fail(n.error());
        c->summary = QStringLiteral("requeued %1 dead tasks").arg(*n);
        c->json(200, QJsonObject { { QStringLiteral("requeued"), *n } });
    });
}

void ApiServer::purgeDead(const std::shared_ptr<Call>& c)
{
    const auto body = c->optionalBodyObject();
    if (!body)
        return;
    ObjectReader r(*body);
    const QString model = r.string(QStringLiteral("model"), {}, 128);
    const QString olderThan = r.string(QStringLiteral("older_than"), {}, 64);
    if (auto err = r.finish())
        return c->fail(*err);
    qint64 beforeMs = 0;
    if (!olderThan.isEmpty()) {
        auto ms = isoToMs(olderThan);
        if (!ms)
            return c->fail(422, QStringLiteral("invalid_argument"), QStringLiteral("must be an ISO 8601 time"), QStringLiteral("older_than"));
        beforeMs = *ms;
    }
    m_engine.purge(TaskState::Dead, model, beforeMs).then(this, [c](const Result<qint64>& n) {
        if (!n)
            return c->fail(n.error());
        c->summary = QStringLiteral("purged %1 dead tasks").arg(*n);
        c->json(200, QJsonObject { { QStringLiteral("purged"), *n } });
    });
}

// ---- handlers: models ----------------------------------------------------------------

namespace {
QJsonObject modelJson(const ModelConfig& config, const EngineSnapshot& s)
{
    QJsonObject o = config.toJson();
    for (const ModelSnapshot& m : s.models)
        if (m.name == config.name)
            o.insert(QStringLiteral("live"), modelLiveJson(m));
    return o;
}

std::optional<ModelConfig> findModel(Engine& engine, const QString& name)
{
    for (const ModelConfig& m : engine.models())
        if (m.name == name)
            return m;
    return std::nullopt;
}
} // namespace

void ApiServer::listModels(const std::shared_ptr<Call>& c)
{
    const auto s = m_engine.snapshot();
    QJsonArray out;
    for (const ModelConfig& m : m_engine.models())
        out.append(modelJson(m, *s));
    c->json(200, QJsonObject { { QStringLiteral("models"), out } });
}

void ApiServer::getModel(const std::shared_ptr<Call>& c)
{
    const auto m = findModel(m_engine, c->param(0));
    if (!m)
        return c->fail(404, QStringLiteral("not_found"), QStringLiteral("no model named '%1'").arg(c->param(0).left(128)));
    c->json(200, modelJson(*m, *m_engine.snapshot()));
}

void ApiServer::putModel(const std::shared_ptr<Call>& c, bool create)
{
    auto body = c->bodyObject();
    if (!body)
        return;
    QJsonObject json = *body;
    if (!create) {
        if (json.contains(QLatin1String("name")) && json.value(QLatin1String("name")).toString() != c->param(0))
            return c->fail(422, QStringLiteral("invalid_argument"), QStringLiteral("differs from the name in the path; models are not renamed"),
                QStringLiteral("name"));
        json.insert(QStringLiteral("name"), c->param(0));
    }
    json.remove(QStringLiteral("live")); // what GET returned may be sent back
    auto config = ModelConfig::fromJson(json);
    if (!config)
        return c->fail(config.error());
    const bool exists = findModel(m_engine, config->name).has_value();
    if (create && exists)
        return c->fail(409, QStringLiteral("conflict"), QStringLiteral("model '%1' exists; PUT /api/v1/models/%1 replaces it").arg(config->name),
            QStringLiteral("name"));
    c->summary = QStringLiteral("%1 model %2").arg(exists ? QStringLiteral("replaced") : QStringLiteral("created"), config->name);
    m_engine.upsertModel(*config).then(this, [this, c, exists](const Result<ModelConfig>& r) {
        if (!r)
            return c->fail(r.error());
        c->json(exists ? 200 : 201, modelJson(*r, *m_engine.snapshot()));
    });
}

void ApiServer::deleteModel(const std::shared_ptr<Call>& c)
{
    c->summary = QStringLiteral("deleted model %1").arg(c->param(0).left(128));
    m_engine.removeModel(c->param(0)).then(this, [c](const VoidResult& r) {
        if (!r)
            return c->fail(r.error());
        c->respond(204, {});
    });
}

void ApiServer::pauseModel(const std::shared_ptr<Call>& c, bool pause)
{
    c->summary = QStringLiteral("%1 model %2").arg(pause ? QStringLiteral("paused") : QStringLiteral("resumed"), c->param(0).left(128));
    m_engine.setModelPaused(c->param(0), pause).then(this, [c, pause](const VoidResult& r) {
        if (!r)
            return c->fail(r.error());
        c->json(200, QJsonObject { { QStringLiteral("name"), c->param(0) }, { QStringLiteral("paused"), pause } });
    });
}

void ApiServer::listEndpoints(const std::shared_ptr<Call>& c)
{
    const auto m = findModel(m_engine, c->param(0));
    if (!m)
        return c->fail(404, QStringLiteral("not_found"), QStringLiteral("no model named '%1'").arg(c->param(0).left(128)));
    QJsonArray out;
    for (const EndpointConfig& e : m->endpoints)
        out.append(e.toJson());
    c->json(200, QJsonObject { { QStringLiteral("endpoints"), out } });
}

void ApiServer::getEndpoint(const std::shared_ptr<Call>& c)
{
    const auto m = findModel(m_engine, c->param(0));
    if (!m)
        return c->fail(404, QStringLiteral("not_found"), QStringLiteral("no model named '%1'").arg(c->param(0).left(128)));
    for (const EndpointConfig& e : m->endpoints)
        if (e.name == c->param(1))
            return c->json(200, e.toJson());
    c->fail(404, QStringLiteral("not_found"), QStringLiteral("model '%1' has no endpoint '%2'").arg(m->name, c->param(1).left(128)));
}

void ApiServer::putEndpoint(const std::shared_ptr<Call>& c, bool create)
{
    auto body = c->bodyObject();
    if (!body)
        return;
    auto m = findModel(m_engine, c->param(0));
    if (!m)
        return c->fail(404, QStringLiteral("not_found"), QStringLiteral("no model named '%1'").arg(c->param(0).left(128)));
    QJsonObject json = *body;
    if (!create) {
        if (json.contains(QLatin1String("name")) && json.value(QLatin1String("name")).toString() != c->param(1))
            return c->fail(422, QStringLiteral("invalid_argument"), QStringLiteral("differs from the name in the path"), QStringLiteral("name"));
        json.insert(QStringLiteral("name"), c->param(1));
    }
    const QString name = json.value(QLatin1String("name")).toString();
    if (name.isEmpty())
        return c->fail(422, QStringLiteral("invalid_argument"), QStringLiteral("is required"), QStringLiteral("name"));
    QJsonObject model = m->toJson();
    QJsonArray eps = model.value(QLatin1String("endpoints")).toArray();
    qsizetype at = -1;
    for (qsizetype i = 0; i < eps.size(); ++i)
        if (eps.at(i).toObject().value(QLatin1String("name")).toString() == name)
            at = i;
    if (create && at >= 0)
        return c->fail(
            409, QStringLiteral("conflict"), QStringLiteral("model '%1' already has an endpoint '%2'").arg(m->name, name), QStringLiteral("name"));
    if (at >= 0)
        eps[at] = json;
    else
        eps.append(json);
    model.insert(QStringLiteral("endpoints"), eps);
    auto config = ModelConfig::fromJson(model);
    if (!config)
        return c->fail(config.error());
    c->summary = QStringLiteral("%1 endpoint %2 of %3").arg(at >= 0 ? QStringLiteral("replaced") : QStringLiteral("added"), name, m->name);
    const bool existed = at >= 0;
    m_engine.upsertModel(*config).then(this, [c, name, existed](const Result<ModelConfig>& r) {
        if (!r)
            return c->fail(r.error());
        for (const EndpointConfig& e : r->endpoints)
            if (e.name == name)
                return c->json(existed ? 200 : 201, e.toJson());
        c->fail(500, QStringLiteral("internal"), QStringLiteral("the endpoint was not kept"));
    });
}

void ApiServer::deleteEndpoint(const std::shared_ptr<Call>& c)
{
    auto m = findModel(m_engine, c->param(0));
    if (!m)
        return c->fail(404, QStringLiteral("not_found"), QStringLiteral("no model named '%1'").arg(c->param(0).left(128)));
    const qsizetype before = m->endpoints.size();
    m->endpoints.removeIf([&](const EndpointConfig& e) { return e.name == c->param(1); });
    if (m->endpoints.size() == before)
        return c->fail(404, QStringLiteral("not_found"), QStringLiteral("model '%1' has no endpoint '%2'").arg(m->name, c->param(1).left(128)));
    c->summary = QStringLiteral("removed endpoint %1 of %2").arg(c->param(1), m->name);
    m_engine.upsertModel(*m).then(this, [c](const Result<ModelConfig>& r) {
        if (!r)
            return c->fail(r.error());
        c->respond(204, {});
    });
}

// ---- handlers: tokens and events --------------------------------------------------------

void ApiServer::listTokens(const std::shared_ptr<Call>& c)
{
    m_engine.apiTokens().then(this, [c](const Result<QList<ApiToken>>& r) {
        if (!r)
            return c->fail(r.error());
        QJsonArray out;
        for (const ApiToken& t : *r)
            out.append(t.toJson());
        c->json(200, QJsonObject { { QStringLiteral("tokens"), out } });
    });
}

void ApiServer::createToken(const std::shared_ptr<Call>& c)
{
    auto body = c->bodyObject();
    if (!body)
        return;
    ObjectReader r(*body);
    const QString name = r.requiredString(QStringLiteral("name"), 128);
    const QString roleText = r.requiredString(QStringLiteral("role"), 16);
    const auto role = roleFromName(roleText);
    if (!r.failed() && !role)
        r.fail(QStringLiteral("role"), QStringLiteral("must be viewer, operator or admin"));
    if (auto err = r.finish())
        return c->fail(*err);
    c->summary = QStringLiteral("created %1 token '%2'").arg(roleText, name);
    m_engine.createToken(name, *role).then(this, [this, c](const Result<NewToken>& t) {
        if (!t)
            return c->fail(t.error());
        m_tokens.insert(hashTokenSecret(t->secret), t->token);
        QJsonObject o = t->token.toJson();
        o.insert(QStringLiteral("token"), t->secret); // shown once
        c->json(201, o);
    });
}

void ApiServer::revokeToken(const std::shared_ptr<Call>& c)
{
    const QString id = c->param(0);
    c->summary = QStringLiteral("revoked token %1").arg(id.left(32));
    m_engine.revokeToken(id).then(this, [this, c, id](const VoidResult& r) {
        if (!r)
            return c->fail(r.error());
        for (auto it = m_tokens.begin(); it != m_tokens.end();) {
            if (it->id == id)
                it = m_tokens.erase(it);
            else
                ++it;
        }
        c->respond(204, {});
    });
}

void ApiServer::events(const std::shared_ptr<Call>& c)
{
    const QString model = c->request.query.queryItemValue(QStringLiteral("model"), QUrl::FullyDecoded);
    c->reply->beginStream(
        200, QByteArrayLiteral("text/event-stream"), HttpHeaders { { QByteArrayLiteral("X-Accel-Buffering"), QByteArrayLiteral("no") } } + c->cors);
    recordRequest(*c, 200);
    c->reply->write("event: stats\ndata: " + compact(statsJson(*m_engine.snapshot())) + "\n\n");
    m_eventClients.append({ c->reply, model });
    std::weak_ptr<HttpReply> weak = c->reply;
    c->reply->onDisconnect(
        [this, weak] { m_eventClients.removeIf([&weak](const EventClient& e) { return e.reply == weak.lock() || !e.reply->connected(); }); });
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

// ---- OpenAI-compatible facade ------------------------------------------------------------
//
// /v1/chat/completions, /v1/completions and /v1/embeddings queue the call as a
// task of the model named in the body (priority from the X-Priority header,
// default high) and answer when it completes; with "stream": true the chunks
// are relayed as they arrive. A client that disconnects cancels its task.
// Errors use OpenAI's shape so SDKs report them as usual.

namespace llmsched {

namespace {
// A non-streaming answer turned into stream chunks, for upstreams (the
// simulated one) that answered at once.
QByteArray chunksFromAnswer(const QByteArray& output, TaskKind kind)
{
    const QJsonObject answer = QJsonDocument::fromJson(output).object();
    QByteArray out;
    const QString object = kind == TaskKind::Completion ? QStringLiteral("text_completion") : QStringLiteral("chat.completion.chunk");
    for (const QJsonValue& cv : answer.value(QLatin1String("choices")).toArray()) {
        const QJsonObject c = cv.toObject();
        QJsonObject choice { { QStringLiteral("index"), c.value(QLatin1String("index")) },
            { QStringLiteral("finish_reason"), c.value(QLatin1String("finish_reason")) } };
        if (kind == TaskKind::Completion)
            choice.insert(QStringLiteral("text"), c.value(QLatin1String("text")));
        else
            choice.insert(QStringLiteral("delta"), c.value(QLatin1String("message")));
        const QJsonObject chunk { { QStringLiteral("id"), answer.value(QLatin1String("id")) }, { QStringLiteral("object"), object },
            { QStringLiteral("created"), answer.value(QLatin1String("created")) }, { QStringLiteral("model"), answer.value(QLatin1String("model")) },
            { QStringLiteral("choices"), QJsonArray { choice } } };
        out += "data: " + QJsonDocument(chunk).toJson(QJsonDocument::Compact) + "\n\n";
    }
    if (answer.contains(QLatin1String("usage"))) {
        const QJsonObject chunk { { QStringLiteral("id"), answer.value(QLatin1String("id")) }, { QStringLiteral("object"), object },
            { QStringLiteral("model"), answer.value(QLatin1String("model")) }, { QStringLiteral("choices"), QJsonArray {} },
            { QStringLiteral("usage"), answer.value(QLatin1String("usage")) } };
        out += "data: " + QJsonDocument(chunk).toJson(QJsonDocument::Compact) + "\n\n";
    }
    return out;
}
} // namespace

void ApiServer::facadeFail(
    const std::shared_ptr<Call>& c, int status, const QString& type, const QString& message, const QString& param, const QString& code)
{
    const QJsonObject error { { QStringLiteral("message"), message }, { QStringLiteral("type"), type },
        { QStringLiteral("param"), param.isEmpty() ? QJsonValue() : QJsonValue(param) },
        { QStringLiteral("code"), code.isEmpty() ? QJsonValue() : QJsonValue(code) } };
    HttpHeaders extra;
    if (status == 429 || status == 503)
        extra.append({ QByteArrayLiteral("Retry-After"), QByteArrayLiteral("1") });
    c->json(status, QJsonObject { { QStringLiteral("error"), error } }, extra);
}

void ApiServer::facadeModels(const std::shared_ptr<Call>& c)
{
    QJsonArray data;
    for (const ModelConfig& m : m_engine.models())
        data.append(QJsonObject { { QStringLiteral("id"), m.name }, { QStringLiteral("object"), QStringLiteral("model") },
            { QStringLiteral("created"), 0 }, { QStringLiteral("owned_by"), QStringLiteral("llm-scheduler") } });
    c->json(200, QJsonObject { { QStringLiteral("object"), QStringLiteral("list") }, { QStringLiteral("data"), data } });
}

void ApiServer::facadeCall(const std::shared_ptr<Call>& c, TaskKind kind)
{
    if (!c->request.header("content-type").toLower().startsWith("application/json"))
        return facadeFail(c, 415, QStringLiteral("invalid_request_error"), QStringLiteral("send the body as Content-Type: application/json"));
    QJsonParseError err {};
    const QJsonDocument doc = QJsonDocument::fromJson(c->request.body, &err);
    if (err.error != QJsonParseError::NoError || !doc.isObject())
        return facadeFail(c, 400, QStringLiteral("invalid_request_error"),
            QStringLiteral("the body is not a JSON object (%1 at offset %2)").arg(err.errorString()).arg(err.offset));
    const QJsonObject body = doc.object();
    const QString model = body.value(QLatin1String("model")).toString();
    if (model.isEmpty())
        return facadeFail(
            c, 400, QStringLiteral("invalid_request_error"), QStringLiteral("you must provide a model parameter"), QStringLiteral("model"));
    bool known = false;
    for (const ModelConfig& m : m_engine.models())
        known = known || m.name == model;
    if (!known)
        return facadeFail(c, 404, QStringLiteral("invalid_request_error"), QStringLiteral("The model '%1' does not exist").arg(model.left(128)),
            QStringLiteral("model"), QStringLiteral("model_not_found"));
    QJsonObject task { { QStringLiteral("model"), model }, { QStringLiteral("kind"), taskKindName(kind) }, { QStringLiteral("input"), body } };
    const QByteArray priority = c->request.header("x-priority");
    if (!priority.isEmpty()) {
        bool isNumber = false;
        const int p = priority.toInt(&isNumber);
        task.insert(QStringLiteral("priority"), isNumber ? QJsonValue(p) : QJsonValue(QString::fromLatin1(priority)));
    } else {
        task.insert(QStringLiteral("priority"), QStringLiteral("high"));
    }
    auto spec = TaskSpec::fromJson(task);
    if (!spec) {
        QString param = spec.error().field;
        if (param.startsWith(QLatin1String("input.")))
            param = param.mid(6);
        if (param == QLatin1String("priority"))
            param = QStringLiteral("X-Priority");
        return facadeFail(c, 400, QStringLiteral("invalid_request_error"), spec.error().message, param);
    }
    const bool stream = kind != TaskKind::Embedding && body.value(QLatin1String("stream")).toBool();
    m_engine.submit({ *spec }, true).then(this, [this, c, kind, stream, model](const Result<QList<SubmitOutcome>>& r) {
        if (!r) {
            const int status = r.error().code == ErrorCode::CapacityExceeded ? 429 : statusFor(r.error().code);
            return facadeFail(c, status, status == 429 ? QStringLiteral("rate_limit_error") : QStringLiteral("server_error"), r.error().message);
        }
        const QString id = r->constFirst().id.toString();
        if (!c->reply->connected()) {
            m_engine.cancel(id); // the client left while it was being queued
            return;
        }
        m_waits.insert(id, { c, kind, stream, false, model });
        c->reply->onDisconnect([this, id] {
            if (m_waits.remove(id))
                m_engine.cancel(id);
        });
        if (stream) {
            c->reply->beginStream(
                200, QByteArrayLiteral("text/event-stream"), HttpHeaders { { QByteArrayLiteral("X-Task-Id"), id.toLatin1() } } + c->cors);
            recordRequest(*c, 200);
        }
    });
}

void ApiServer::onTaskDelta(const QString& id, const QByteArray& chunk)
{
    auto it = m_waits.find(id);
    if (it == m_waits.end() || !it->stream)
        return;
    it->sentDelta = true;
    it->call->reply->write("data: " + chunk + "\n\n");
}

void ApiServer::onTaskFinished(const TaskOutcome& o)
{
    auto it = m_waits.find(o.id);
    if (it == m_waits.end())
        return;
    const FacadeWait w = *it;
    m_waits.erase(it);
    const std::shared_ptr<Call>& c = w.call;
    if (w.stream) {
        if (o.state == TaskState::Succeeded) {
            if (!w.sentDelta)
                c->reply->write(chunksFromAnswer(o.output, w.kind));
        } else {
            const QString message = o.state == TaskState::Dead ? o.error
                : o.error.isEmpty()                            ? QStringLiteral("the task was cancelled")
                                                               : QStringLiteral("the task was cancelled: %1").arg(o.error);
            const QJsonObject error { { QStringLiteral("message"), message }, { QStringLiteral("type"), QStringLiteral("upstream_error") } };
            c->reply->write("data: " + QJsonDocument(QJsonObject { { QStringLiteral("error"), error } }).toJson(QJsonDocument::Compact) + "\n\n");
        }
        c->reply->write(QByteArrayLiteral("data: [DONE]\n\n"));
        c->reply->end();
        return;
    }
    if (o.state == TaskState::Succeeded)
        return c->respond(200, o.output, QByteArrayLiteral("application/json"), { { QByteArrayLiteral("X-Task-Id"), o.id.toLatin1() } });
    if (o.state == TaskState::Cancelled)
        return facadeFail(c, 503, QStringLiteral("server_error"), QStringLiteral("the task was cancelled: %1").arg(o.error));
    // Dead: the upstream's own 4xx goes back as is (the request's fault); anything else is a bad gateway.
    const int status = o.httpStatus >= 400 && o.httpStatus < 500 && o.httpStatus != 408 && o.httpStatus != 429 ? o.httpStatus : 502;
    facadeFail(c, status, status == 502 ? QStringLiteral("upstream_error") : QStringLiteral("invalid_request_error"), o.error);
}

} // namespace llmsched

// ---- secrets (write-only) ------------------------------------------------------------------

namespace llmsched {

void ApiServer::putSecret(const std::shared_ptr<Call>& c)
{
    auto body = c->bodyObject();
    if (!body)
        return;
    const QString name = c->param(0);
    if (auto problem = checkSecretRef(QStringLiteral("keychain:") + name))
        return c->fail(422, QStringLiteral("invalid_argument"), QStringLiteral("the name %1").arg(*problem), QStringLiteral("name"));
    ObjectReader r(*body);
    const QString value = r.requiredString(QStringLiteral("value"), 8192);
    if (auto err = r.finish())
        return c->fail(*err); // never echoes the value: the reader names fields, not contents
    const QByteArray key = value.toUtf8();
    c->summary = QStringLiteral("stored secret keychain:%1").arg(name);
    m_engine.storeSecret(name, key).then(this, [c, name, key](const VoidResult& res) {
        if (!res)
            return c->fail(res.error());
        c->json(200,
            QJsonObject { { QStringLiteral("ref"), QString(QStringLiteral("keychain:") + name) }, { QStringLiteral("masked"), maskSecret(key) } });
    });
}

void ApiServer::deleteSecret(const std::shared_ptr<Call>& c)
{
    const QString name = c->param(0);
    c->summary = QStringLiteral("removed secret keychain:%1").arg(name);
    m_engine.removeSecret(name).then(this, [c](const VoidResult& res) {
        if (!res)
            return c->fail(res.error());
        c->respond(204, {});
    });
}

} // namespace llmsched
