#include "remoteclient.h"

#include "core/timeutil.h"
#include "core/wirejson.h"
#include "core/futures.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkReply>
#include <QPromise>
#include <QThread>

namespace llmsched {

namespace {
constexpr int kCallTimeoutMs = 30'000;
constexpr int kFirstRetryMs = 100;
constexpr int kMaxRetryMs = 1000; // "live again within 2 s of the server's readiness"
constexpr int kModelsRefreshMs = 5000;
constexpr int kRefusedRetryMs = 5000; // a token may be created meanwhile
constexpr int kSubmitChunk = 5000; // the server takes 10,000 per request

template <typename T> QFuture<Result<T>> failed(Error e)
{
    return QtFuture::makeReadyFuture(Result<T>(std::move(e)));
}

// The answer's JSON mapped to T, or the answer's error as it is.
template <typename T, typename F> QFuture<Result<T>> mapped(QFuture<Result<QJsonObject>> f, F&& fn)
{
    return f.then([fn = std::forward<F>(fn)](const Result<QJsonObject>& r) -> Result<T> {
        if (!r)
            return r.error();
        return fn(*r);
    });
}

QFuture<VoidResult> done(QFuture<Result<QJsonObject>> f)
{
    return f.then([](const Result<QJsonObject>& r) -> VoidResult {
        if (!r)
            return r.error();
        return {};
    });
}

QString pathPart(const QString& s)
{
    return QString::fromLatin1(QUrl::toPercentEncoding(s));
}

QJsonObject modelBody(const ModelConfig& model)
{
    // rebind_key is write-only (never in toJson): an editor's "yes, send the
    // key to the new server" travels as the endpoint's own flag.
    QJsonObject o = model.toJson();
    QJsonArray endpoints = o.value(QLatin1String("endpoints")).toArray();
    for (qsizetype i = 0; i < endpoints.size() && i < model.endpoints.size(); ++i) {
        if (!model.endpoints.at(i).rebindKey)
            continue;
        QJsonObject e = endpoints.at(i).toObject();
        e.insert(QStringLiteral("rebind_key"), true);
        endpoints.replace(i, e);
    }
    o.insert(QStringLiteral("endpoints"), endpoints);
    return o;
}

Result<ServerInfo> serverInfoFrom(const QJsonObject& o)
{
    if (o.value(QLatin1String("service")).toString() != QLatin1String("llm-schedulerd"))
        return Error::invalid(QStringLiteral("url"), QStringLiteral("answers, but is not an llm-schedulerd"));
    ServerInfo info;
    info.service = o.value(QLatin1String("service")).toString();
    info.version = o.value(QLatin1String("version")).toString();
    info.node = o.value(QLatin1String("node")).toString();
    info.ready = o.value(QLatin1String("ready")).toBool();
    return info;
}
} // namespace

RemoteClient::RemoteClient(QUrl baseUrl, QString token, QObject* parent)
    : EngineClient(parent)
    , m_base(std::move(baseUrl))
    , m_token(std::move(token))
{
    if (m_base.path().endsWith(QLatin1Char('/')))
        m_base.setPath(m_base.path().chopped(1));
    m_snapshot = std::make_shared<EngineSnapshot>();
    m_retryTimer.setSingleShot(true);
    connect(&m_retryTimer, &QTimer::timeout, this, &RemoteClient::openStream);
    m_modelsTimer.setInterval(kModelsRefreshMs);
    connect(&m_modelsTimer, &QTimer::timeout, this, &RemoteClient::loadModels);
}

RemoteClient::~RemoteClient()
{
    if (m_stream) {
        m_stream->disconnect(this);
        m_stream->abort();
    }
}

void RemoteClient::start()
{
    if (m_started)
        return;
    m_started = true;
    loadModels();
    openStream();
    m_modelsTimer.start();
}

QString RemoteClient::serverVersion() const
{
    QMutexLocker lock(&m_mutex);
    return m_version;
}

EngineClient::Link RemoteClient::link() const
{
    QMutexLocker lock(&m_mutex);
    return m_link;
}

std::shared_ptr<const EngineSnapshot> RemoteClient::snapshot() const
{
    QMutexLocker lock(&m_mutex);
    return m_snapshot;
}

void RemoteClient::setLink(Link link)
{
    {
        QMutexLocker lock(&m_mutex);
        if (m_link == link)
            return;
        m_link = link;
    }
    emit linkChanged(link);
}

QNetworkRequest RemoteClient::request(const QString& path, const QUrlQuery& query) const
{
    QUrl url = m_base;
    url.setPath(m_base.path() + path, QUrl::TolerantMode);
    if (!query.isEmpty())
        url.setQuery(query);
    QNetworkRequest r(url);
    if (!m_token.isEmpty())
        r.setRawHeader("Authorization", "Bearer " + m_token.toUtf8());
    r.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    r.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
    return r;
}

QFuture<Result<QJsonObject>> RemoteClient::call(
    const QByteArray& method, const QString& path, const QUrlQuery& query, const std::optional<QJsonValue>& body)
{
    auto promise = std::make_shared<QPromise<Result<QJsonObject>>>();
    QFuture<Result<QJsonObject>> future = promise->future();
    promise->start();
    if (QThread::currentThread() == thread())
        send(method, path, query, body, std::move(promise));
    else
        QMetaObject::invokeMethod(
            this, [this, method, path, query, body, promise]() mutable { send(method, path, query, body, std::move(promise)); });
    return future;
}

void RemoteClient::send(
    QByteArray method, QString path, QUrlQuery query, std::optional<QJsonValue> body, std::shared_ptr<QPromise<Result<QJsonObject>>> promise)
{
    QNetworkRequest r = request(path, query);
    r.setTransferTimeout(kCallTimeoutMs);
    QByteArray bytes;
    if (body)
        bytes = body->isArray() ? QJsonDocument(body->toArray()).toJson(QJsonDocument::Compact)
                                : QJsonDocument(body->toObject()).toJson(QJsonDocument::Compact);
    QNetworkReply* reply = body ? m_net.sendCustomRequest(r, method, bytes) : m_net.sendCustomRequest(r, method);
    connect(reply, &QNetworkReply::finished, this, [this, reply, promise] {
        reply->deleteLater();
        m_requests.fetchAndAddRelaxed(1);
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        const QByteArray data = reply->readAll();
        Result<QJsonObject> out = QJsonObject();
        if (status == 0) {
            out = Error::unavailable(QStringLiteral("cannot reach %1: %2").arg(m_base.toDisplayString(), reply->errorString()));
        } else {
            const QJsonObject json = QJsonDocument::fromJson(data).object();
            if (status >= 200 && status < 300)
                out = json;
            else
                out = errorFromJson(json, status);
        }
        promise->addResult(std::move(out));
        promise->finish();
    });
}

QFuture<Result<ServerInfo>> RemoteClient::probe(const QUrl& baseUrl, const QString& token, int timeoutMs)
{
    if (!baseUrl.isValid() || (baseUrl.scheme() != QLatin1String("http") && baseUrl.scheme() != QLatin1String("https")) || baseUrl.host().isEmpty())
        return failed<ServerInfo>(Error::invalid(QStringLiteral("url"), QStringLiteral("must be an http:// or https:// address with a host")));
    auto* net = new QNetworkAccessManager();
    auto promise = std::make_shared<QPromise<Result<ServerInfo>>>();
    promise->start();
    QUrl health = baseUrl;
    health.setPath(QStringLiteral("/health"));
    QNetworkRequest hr(health);
    hr.setTransferTimeout(timeoutMs);
    QNetworkReply* first = net->get(hr);
    QObject::connect(first, &QNetworkReply::finished, net, [net, first, promise, baseUrl, token, timeoutMs] {
        const int status = first->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        if (status == 0) {
            promise->addResult(Error::unavailable(QStringLiteral("cannot reach %1: %2").arg(baseUrl.toDisplayString(), first->errorString())));
            promise->finish();
            net->deleteLater();
            return;
        }
        auto info = serverInfoFrom(QJsonDocument::fromJson(first->readAll()).object());
        if (!info) {
            promise->addResult(info);
            promise->finish();
            net->deleteLater();
            return;
        }
        // /health is open to all; the token is checked by a viewer's route.
        QUrl stats = baseUrl;
        stats.setPath(QStringLiteral("/api/v1/system/stats"));
        QNetworkRequest sr(stats);
        sr.setTransferTimeout(timeoutMs);
        if (!token.isEmpty())
            sr.setRawHeader("Authorization", "Bearer " + token.toUtf8());
        QNetworkReply* second = net->get(sr);
        QObject::connect(second, &QNetworkReply::finished, net, [net, second, promise, info] {
            const int code = second->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
            if (code == 401 || code == 403)
                promise->addResult(Error::invalid(QStringLiteral("token"),
                    code == 401 ? QStringLiteral("is missing or not accepted by the server") : QStringLiteral("may not read this server")));
            else if (code != 200)
                promise->addResult(errorFromJson(QJsonDocument::fromJson(second->readAll()).object(), code));
            else
                promise->addResult(info);
            promise->finish();
            net->deleteLater();
        });
    });
    return promise->future();
}

// --- the event stream ---

void RemoteClient::openStream()
{
    if (m_stream)
        return;
    QNetworkRequest r = request(QStringLiteral("/api/v1/events"));
    r.setRawHeader("Accept", "text/event-stream");
    if (!m_lastEventId.isEmpty())
        r.setRawHeader("Last-Event-ID", m_lastEventId);
    m_streamBuffer.clear();
    m_stream = m_net.get(r);
    connect(m_stream, &QNetworkReply::readyRead, this, &RemoteClient::onStreamData);
    connect(m_stream, &QNetworkReply::finished, this, &RemoteClient::onStreamEnded);
}

void RemoteClient::onStreamData()
{
    if (!m_stream)
        return;
    const int status = m_stream->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (status != 200)
        return; // an error answer: read at the end
    m_streamBuffer += m_stream->readAll();
    m_streamBuffer.replace("\r\n", "\n");
    qsizetype end;
    while ((end = m_streamBuffer.indexOf("\n\n")) >= 0) {
        const QByteArray block = m_streamBuffer.left(end);
        m_streamBuffer.remove(0, end + 2);
        QByteArray type = "message", id, data;
        for (const QByteArray& line : block.split('\n')) {
            if (line.isEmpty() || line.startsWith(':'))
                continue;
            const qsizetype colon = line.indexOf(':');
            const QByteArray field = colon < 0 ? line : line.left(colon);
            QByteArray value = colon < 0 ? QByteArray() : line.mid(colon + 1);
            if (value.startsWith(' '))
                value.remove(0, 1);
            if (field == "event")
                type = value;
            else if (field == "id")
                id = value;
            else if (field == "data")
                data += data.isEmpty() ? value : '\n' + value;
        }
        handleEvent(type, id, data);
    }
}

void RemoteClient::handleEvent(const QByteArray& type, const QByteArray& id, const QByteArray& data)
{
    if (!id.isEmpty())
        m_lastEventId = id;
    const QJsonObject o = QJsonDocument::fromJson(data).object();
    if (type == "task") {
        emit taskEvents({ taskEventFromJson(o) });
    } else if (type == "stats") {
        bool unknownModel = false;
        {
            QMutexLocker lock(&m_mutex);
            m_lastStats = o;
            m_snapshot = std::make_shared<EngineSnapshot>(snapshotFromJson(o, m_configs));
            for (const ModelSnapshot& m : m_snapshot->models)
                unknownModel
                    = unknownModel || std::none_of(m_configs.cbegin(), m_configs.cend(), [&m](const ModelConfig& c) { return c.name == m.name; });
        }
        // A model added meanwhile (by anyone): its configuration now, not at the next refresh.
        if (unknownModel && !m_loadingModels)
            loadModels();
    } else if (type == "hello") {
        {
            QMutexLocker lock(&m_mutex);
            m_version = o.value(QLatin1String("version")).toString();
        }
        m_retryMs = 0;
        setLink(Link::Online);
    } else if (type == "reset") {
        emit resynced();
    } else if (type == "notification") {
        static const QStringList kinds = { QStringLiteral("info"), QStringLiteral("warning"), QStringLiteral("error") };
        Notification n;
        n.kind = static_cast<Notification::Kind>(std::max<qsizetype>(0, kinds.indexOf(o.value(QLatin1String("level")).toString())));
        n.title = o.value(QLatin1String("title")).toString();
        n.message = o.value(QLatin1String("message")).toString();
        emit notification(n);
    }
    if (type == "stats" || type == "hello")
        emit snapshotChanged();
}

void RemoteClient::onStreamEnded()
{
    if (!m_stream)
        return;
    const int status = m_stream->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    m_stream->deleteLater();
    m_stream = nullptr;
    if (status == 401 || status == 403) {
        setLink(Link::Refused);
        m_retryTimer.start(kRefusedRetryMs);
        return;
    }
    setLink(m_link == Link::Connecting && m_lastEventId.isEmpty() ? Link::Connecting : Link::Reconnecting);
    m_retryMs = m_retryMs == 0 ? kFirstRetryMs : std::min(kMaxRetryMs, m_retryMs * 2);
    m_retryTimer.start(m_retryMs);
}

void RemoteClient::loadModels()
{
    m_loadingModels = true;
    onResult(call("GET", QStringLiteral("/api/v1/models")), this, [this](const Result<QJsonObject>& r) {
        m_loadingModels = false;
        if (!r)
            return;
        QList<ModelConfig> configs;
        for (const QJsonValue& v : r->value(QLatin1String("models")).toArray()) {
            QJsonObject o = v.toObject();
            o.remove(QStringLiteral("live"));
            if (auto m = ModelConfig::fromJson(o))
                configs.append(*m);
        }
        QMutexLocker lock(&m_mutex);
        m_configs = configs;
        if (!m_lastStats.isEmpty())
            m_snapshot = std::make_shared<EngineSnapshot>(snapshotFromJson(m_lastStats, m_configs));
    });
}

// --- commands and reads ---

QFuture<Result<QList<SubmitOutcome>>> RemoteClient::submit(QList<TaskSpec> specs)
{
    if (specs.isEmpty())
        return failed<QList<SubmitOutcome>>(Error::invalid(QStringLiteral("tasks"), QStringLiteral("must hold at least one task")));
    QList<QFuture<Result<QJsonObject>>> parts;
    for (qsizetype from = 0; from < specs.size(); from += kSubmitChunk) {
        QJsonArray tasks;
        for (qsizetype i = from; i < std::min(specs.size(), from + kSubmitChunk); ++i)
            tasks.append(specs.at(i).toJson());
        parts.append(call("POST", QStringLiteral("/api/v1/tasks"), {}, QJsonObject { { QStringLiteral("tasks"), tasks } }));
    }
    return QtFuture::whenAll(parts.begin(), parts.end()).then([](const QList<QFuture<Result<QJsonObject>>>& answers) -> Result<QList<SubmitOutcome>> {
        QList<SubmitOutcome> out;
        for (const auto& a : answers) {
            const Result<QJsonObject> r = a.result();
            if (!r)
                return r.error();
            for (const QJsonValue& v : r->value(QLatin1String("tasks")).toArray()) {
                const QJsonObject o = v.toObject();
                SubmitOutcome s;
                s.id = Ulid::fromString(o.value(QLatin1String("id")).toString()).value_or(Ulid());
                s.state = taskStateFromName(o.value(QLatin1String("state")).toString()).value_or(TaskState::Queued);
                s.duplicate = o.value(QLatin1String("duplicate")).toBool();
                out.append(s);
            }
        }
        return out;
    });
}

namespace {
Result<TaskState> stateOf(const QJsonObject& o)
{
    return taskStateFromName(o.value(QLatin1String("state")).toString()).value_or(TaskState::Queued);
}
} // namespace

QFuture<Result<TaskState>> RemoteClient::cancel(const QString& id)
{
    return mapped<TaskState>(call("DELETE", QStringLiteral("/api/v1/tasks/") + pathPart(id)), stateOf);
}

QFuture<VoidResult> RemoteClient::setPriority(const QString& id, int priority)
{
    return done(call("PATCH", QStringLiteral("/api/v1/tasks/") + pathPart(id), {}, QJsonObject { { QStringLiteral("priority"), priority } }));
}

QFuture<Result<TaskState>> RemoteClient::retry(const QString& id)
{
    return mapped<TaskState>(call("POST", QStringLiteral("/api/v1/tasks/%1/retry").arg(pathPart(id)), {}, QJsonObject()), stateOf);
}

QFuture<Result<qint64>> RemoteClient::requeueDead(const QString& model)
{
    QJsonObject body;
    if (!model.isEmpty())
        body.insert(QStringLiteral("model"), model);
    return mapped<qint64>(call("POST", QStringLiteral("/api/v1/dead-letters/requeue"), {}, body),
        [](const QJsonObject& o) -> Result<qint64> { return o.value(QLatin1String("requeued")).toInteger(); });
}

QFuture<Result<qint64>> RemoteClient::purge(TaskState state, const QString& model)
{
    if (state != TaskState::Dead)
        return failed<qint64>(Error::invalid(QStringLiteral("state"), QStringLiteral("only dead tasks are purged through the API")));
    QJsonObject body;
    if (!model.isEmpty())
        body.insert(QStringLiteral("model"), model);
    return mapped<qint64>(call("POST", QStringLiteral("/api/v1/dead-letters/purge"), {}, body),
        [](const QJsonObject& o) -> Result<qint64> { return o.value(QLatin1String("purged")).toInteger(); });
}

QFuture<Result<Task>> RemoteClient::task(const QString& id)
{
    return mapped<Task>(
        call("GET", QStringLiteral("/api/v1/tasks/") + pathPart(id)), [](const QJsonObject& o) -> Result<Task> { return taskFromJson(o); });
}

QFuture<Result<TaskPage>> RemoteClient::tasks(const TaskFilter& filter)
{
    return mapped<TaskPage>(call("GET", QStringLiteral("/api/v1/tasks"), taskFilterQuery(filter)), [](const QJsonObject& o) -> Result<TaskPage> {
        TaskPage page;
        for (const QJsonValue& v : o.value(QLatin1String("tasks")).toArray())
            page.tasks.append(taskFromJson(v.toObject()));
        page.nextCursor = o.value(QLatin1String("next_cursor")).toString().toLongLong();
        return page;
    });
}

QFuture<Result<qint64>> RemoteClient::countTasks(const TaskFilter& filter)
{
    TaskFilter f = filter;
    f.cursor = 0;
    f.offset = 0;
    f.order = TaskFilter::Order::Seq;
    f.includeInput = false;
    return mapped<qint64>(call("GET", QStringLiteral("/api/v1/tasks/count"), taskFilterQuery(f)),
        [](const QJsonObject& o) -> Result<qint64> { return o.value(QLatin1String("count")).toInteger(); });
}

QFuture<Result<QList<TaskLogEntry>>> RemoteClient::taskLog(const QString& id)
{
    return mapped<QList<TaskLogEntry>>(
        call("GET", QStringLiteral("/api/v1/tasks/%1/log").arg(pathPart(id))), [](const QJsonObject& o) -> Result<QList<TaskLogEntry>> {
            QList<TaskLogEntry> out;
            for (const QJsonValue& v : o.value(QLatin1String("log")).toArray())
                out.append(taskLogEntryFromJson(v.toObject()));
            return out;
        });
}

QFuture<Result<QList<MinuteStats>>> RemoteClient::statsMinutes(const StatsQuery& query)
{
    QUrlQuery q;
    q.addQueryItem(QStringLiteral("from"), msToIso(query.fromMs));
    q.addQueryItem(QStringLiteral("to"), msToIso(query.toMs));
    if (!query.model.isEmpty())
        q.addQueryItem(QStringLiteral("model"), pathPart(query.model));
    if (query.rows == StatsRows::Endpoints)
        q.addQueryItem(QStringLiteral("by"), QStringLiteral("endpoint"));
    if (query.stepMs == kStatsSlotMs)
        q.addQueryItem(QStringLiteral("step"), QStringLiteral("10s"));
    return mapped<QList<MinuteStats>>(
        call("GET", QStringLiteral("/api/v1/system/stats/minutes"), q), [](const QJsonObject& o) -> Result<QList<MinuteStats>> {
            QList<MinuteStats> out;
            for (const QJsonValue& v : o.value(QLatin1String("minutes")).toArray())
                out.append(minuteStatsFromJson(v.toObject()));
            return out;
        });
}

QFuture<Result<QList<NodeInfo>>> RemoteClient::nodes()
{
    return mapped<QList<NodeInfo>>(call("GET", QStringLiteral("/api/v1/nodes")), [](const QJsonObject& o) -> Result<QList<NodeInfo>> {
        QList<NodeInfo> out;
        for (const QJsonValue& v : o.value(QLatin1String("nodes")).toArray())
            out.append(nodeFromJson(v.toObject()));
        return out;
    });
}

QFuture<Result<QList<BatchRecord>>> RemoteClient::batches(int limit)
{
    QUrlQuery q;
    q.addQueryItem(QStringLiteral("limit"), QString::number(limit));
    return mapped<QList<BatchRecord>>(call("GET", QStringLiteral("/api/v1/batches"), q), [](const QJsonObject& o) -> Result<QList<BatchRecord>> {
        QList<BatchRecord> out;
        for (const QJsonValue& v : o.value(QLatin1String("batches")).toArray())
            out.append(BatchRecord::fromStored(v.toObject()));
        return out;
    });
}

QFuture<Result<BatchRecord>> RemoteClient::cancelBatch(const QString& id)
{
    return mapped<BatchRecord>(call("POST", QStringLiteral("/api/v1/batches/%1/cancel").arg(pathPart(id))),
        [](const QJsonObject& o) -> Result<BatchRecord> { return BatchRecord::fromStored(o); });
}

QFuture<Result<QByteArray>> RemoteClient::fileContent(const QString& id)
{
    // Bytes, not JSON: a request of its own.
    auto promise = std::make_shared<QPromise<Result<QByteArray>>>();
    promise->start();
    QFuture<Result<QByteArray>> future = promise->future();
    QMetaObject::invokeMethod(this, [this, id, promise] {
        QNetworkRequest r = request(QStringLiteral("/api/v1/files/%1/content").arg(pathPart(id)));
        r.setTransferTimeout(kCallTimeoutMs);
        QNetworkReply* reply = m_net.get(r);
        connect(reply, &QNetworkReply::finished, this, [this, reply, promise] {
            reply->deleteLater();
            m_requests.fetchAndAddRelaxed(1);
            const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
            const QByteArray data = reply->readAll();
            if (status == 0)
                promise->addResult(Error::unavailable(QStringLiteral("cannot reach %1: %2").arg(m_base.toDisplayString(), reply->errorString())));
            else if (status >= 200 && status < 300)
                promise->addResult(data);
            else
                promise->addResult(errorFromJson(QJsonDocument::fromJson(data).object(), status));
            promise->finish();
        });
    });
    return future;
}

QFuture<Result<ModelConfig>> RemoteClient::upsertModel(const ModelConfig& model)
{
    return mapped<ModelConfig>(call("PUT", QStringLiteral("/api/v1/models/") + pathPart(model.name), {}, modelBody(model)),
        [this](const QJsonObject& o) -> Result<ModelConfig> {
            QJsonObject json = o;
            json.remove(QStringLiteral("live"));
            QMetaObject::invokeMethod(this, &RemoteClient::loadModels);
            return ModelConfig::fromJson(json);
        });
}

QFuture<VoidResult> RemoteClient::removeModel(const QString& name)
{
    return call("DELETE", QStringLiteral("/api/v1/models/") + pathPart(name)).then([this](const Result<QJsonObject>& r) -> VoidResult {
        QMetaObject::invokeMethod(this, &RemoteClient::loadModels);
        if (!r)
            return r.error();
        return {};
    });
}

QFuture<VoidResult> RemoteClient::setModelPaused(const QString& name, bool paused)
{
    return done(call("POST", QStringLiteral("/api/v1/models/%1/%2").arg(pathPart(name), paused ? QStringLiteral("pause") : QStringLiteral("resume")),
        {}, QJsonObject()));
}

QFuture<VoidResult> RemoteClient::setPaused(bool paused)
{
    return done(call("POST", paused ? QStringLiteral("/api/v1/system/pause") : QStringLiteral("/api/v1/system/resume"), {}, QJsonObject()));
}

QFuture<Result<QList<EndpointTestResult>>> RemoteClient::testConnection(const ModelConfig& model)
{
    return mapped<QList<EndpointTestResult>>(
        call("POST", QStringLiteral("/api/v1/models/test"), {}, modelBody(model)), [](const QJsonObject& o) -> Result<QList<EndpointTestResult>> {
            QList<EndpointTestResult> out;
            for (const QJsonValue& v : o.value(QLatin1String("results")).toArray())
                out.append(endpointTestFromJson(v.toObject()));
            return out;
        });
}

QFuture<VoidResult> RemoteClient::storeSecret(const QString& name, const QByteArray& value)
{
    return done(
        call("PUT", QStringLiteral("/api/v1/secrets/") + pathPart(name), {}, QJsonObject { { QStringLiteral("value"), QString::fromUtf8(value) } }));
}

namespace {

// The array under key of an answer.
QFuture<Result<QJsonArray>> listOf(QFuture<Result<QJsonObject>> f, const QString& key)
{
    return mapped<QJsonArray>(std::move(f), [key](const QJsonObject& o) -> Result<QJsonArray> { return o.value(key).toArray(); });
}

QUrlQuery allOf()
{
    QUrlQuery q;
    q.addQueryItem(QStringLiteral("limit"), QStringLiteral("1000"));
    return q;
}

} // namespace

QFuture<Result<QJsonArray>> RemoteClient::workflows(int limit)
{
    QUrlQuery q;
    q.addQueryItem(QStringLiteral("limit"), QString::number(limit));
    return listOf(call("GET", QStringLiteral("/api/v1/workflows"), q), QStringLiteral("workflows"));
}

QFuture<Result<QJsonObject>> RemoteClient::workflowGraph(const QString& id)
{
    return call("GET", QStringLiteral("/api/v1/workflows/%1/graph").arg(pathPart(id)));
}

QFuture<Result<QJsonObject>> RemoteClient::cancelWorkflow(const QString& id)
{
    return call("POST", QStringLiteral("/api/v1/workflows/%1/cancel").arg(pathPart(id)));
}

QFuture<Result<QJsonArray>> RemoteClient::schedules()
{
    return listOf(call("GET", QStringLiteral("/api/v1/schedules"), allOf()), QStringLiteral("schedules"));
}

QFuture<Result<QJsonObject>> RemoteClient::saveSchedule(const QString& id, const QJsonObject& body)
{
    if (id.isEmpty())
        return call("POST", QStringLiteral("/api/v1/schedules"), {}, QJsonValue(body));
    return call("PUT", QStringLiteral("/api/v1/schedules/") + pathPart(id), {}, QJsonValue(body));
}

QFuture<VoidResult> RemoteClient::deleteSchedule(const QString& id)
{
    return done(call("DELETE", QStringLiteral("/api/v1/schedules/") + pathPart(id)));
}

QFuture<Result<QJsonObject>> RemoteClient::scheduleAction(const QString& id, ScheduleAction action)
{
    const QString verb = action == ScheduleAction::Run ? QStringLiteral("run")
        : action == ScheduleAction::Pause              ? QStringLiteral("pause")
                                                       : QStringLiteral("resume");
    return call("POST", QStringLiteral("/api/v1/schedules/%1/%2").arg(pathPart(id), verb));
}

QFuture<Result<QJsonArray>> RemoteClient::templates()
{
    return listOf(call("GET", QStringLiteral("/api/v1/templates"), allOf()), QStringLiteral("templates"));
}

QFuture<Result<QJsonObject>> RemoteClient::templateVersion(const QString& name, int version)
{
    QUrlQuery q;
    if (version > 0)
        q.addQueryItem(QStringLiteral("version"), QString::number(version));
    return call("GET", QStringLiteral("/api/v1/templates/") + pathPart(name), q);
}

QFuture<Result<QJsonObject>> RemoteClient::putTemplate(const QJsonObject& body)
{
    return call("POST", QStringLiteral("/api/v1/templates"), {}, QJsonValue(body));
}

QFuture<VoidResult> RemoteClient::deleteTemplate(const QString& name)
{
    return done(call("DELETE", QStringLiteral("/api/v1/templates/") + pathPart(name)));
}

QFuture<Result<QJsonObject>> RemoteClient::submitTemplate(const QString& name, const QJsonObject& values, int version)
{
    QJsonObject body { { QStringLiteral("values"), values } };
    if (version > 0)
        body.insert(QStringLiteral("version"), version);
    return call("POST", QStringLiteral("/api/v1/templates/%1/submit").arg(pathPart(name)), {}, QJsonValue(body));
}

QFuture<Result<QJsonObject>> RemoteClient::submitTemplateRows(const QString& name, const QByteArray& content, bool csv, bool skipInvalid)
{
    // Not JSON, and a 422 carries the rows' errors: a request of its own.
    auto promise = std::make_shared<QPromise<Result<QJsonObject>>>();
    promise->start();
    QFuture<Result<QJsonObject>> future = promise->future();
    QMetaObject::invokeMethod(this, [this, name, content, csv, skipInvalid, promise] {
        QUrlQuery q;
        if (skipInvalid)
            q.addQueryItem(QStringLiteral("skip_invalid"), QStringLiteral("true"));
        QNetworkRequest r = request(QStringLiteral("/api/v1/templates/%1/batch").arg(pathPart(name)), q);
        r.setTransferTimeout(kCallTimeoutMs);
        r.setHeader(QNetworkRequest::ContentTypeHeader, csv ? QByteArrayLiteral("text/csv") : QByteArrayLiteral("application/jsonl"));
        QNetworkReply* reply = m_net.post(r, content);
        connect(reply, &QNetworkReply::finished, this, [this, reply, promise] {
            reply->deleteLater();
            m_requests.fetchAndAddRelaxed(1);
            const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
            const QJsonObject json = QJsonDocument::fromJson(reply->readAll()).object();
            Result<QJsonObject> out = json;
            if (status == 0)
                out = Error::unavailable(QStringLiteral("cannot reach %1: %2").arg(m_base.toDisplayString(), reply->errorString()));
            else if (status == 422 && json.contains(QLatin1String("errors")))
                out = QJsonObject { { QStringLiteral("submitted"), QJsonArray() }, { QStringLiteral("errors"), json.value(QLatin1String("errors")) },
                    { QStringLiteral("refused"), true } };
            else if (status < 200 || status >= 300)
                out = errorFromJson(json, status);
            promise->addResult(std::move(out));
            promise->finish();
        });
    });
    return future;
}

QFuture<Result<QJsonArray>> RemoteClient::webhooks()
{
    return listOf(call("GET", QStringLiteral("/api/v1/webhooks")), QStringLiteral("webhooks"));
}

QFuture<Result<QJsonObject>> RemoteClient::createWebhook(const QJsonObject& body)
{
    return call("POST", QStringLiteral("/api/v1/webhooks"), {}, QJsonValue(body));
}

QFuture<VoidResult> RemoteClient::deleteWebhook(const QString& id)
{
    return done(call("DELETE", QStringLiteral("/api/v1/webhooks/") + pathPart(id)));
}

QFuture<Result<QJsonObject>> RemoteClient::webhookAction(const QString& id, WebhookAction action)
{
    const QString verb = action == WebhookAction::Ping ? QStringLiteral("ping")
        : action == WebhookAction::Pause               ? QStringLiteral("pause")
                                                       : QStringLiteral("resume");
    return call("POST", QStringLiteral("/api/v1/webhooks/%1/%2").arg(pathPart(id), verb));
}

QFuture<Result<QJsonArray>> RemoteClient::webhookDeliveries(const QString& id, const QString& status, int limit)
{
    QUrlQuery q;
    q.addQueryItem(QStringLiteral("limit"), QString::number(limit));
    if (!status.isEmpty())
        q.addQueryItem(QStringLiteral("status"), status);
    return listOf(call("GET", QStringLiteral("/api/v1/webhooks/%1/deliveries").arg(pathPart(id)), q), QStringLiteral("deliveries"));
}

QFuture<Result<QJsonObject>> RemoteClient::webhookDelivery(const QString& id, const QString& deliveryId)
{
    return call("GET", QStringLiteral("/api/v1/webhooks/%1/deliveries/%2").arg(pathPart(id), pathPart(deliveryId)));
}

QFuture<Result<QJsonObject>> RemoteClient::redeliverWebhook(const QString& id, const QString& deliveryId)
{
    return call("POST", QStringLiteral("/api/v1/webhooks/%1/deliveries/%2/redeliver").arg(pathPart(id), pathPart(deliveryId)));
}

QFuture<Result<NewToken>> RemoteClient::createToken(const QString& name, Role role)
{
    return mapped<NewToken>(call("POST", QStringLiteral("/api/v1/tokens"), {},
                                QJsonObject { { QStringLiteral("name"), name }, { QStringLiteral("role"), roleName(role) } }),
        [](const QJsonObject& o) -> Result<NewToken> {
            NewToken t;
            t.token = apiTokenFromJson(o);
            t.secret = o.value(QLatin1String("token")).toString();
            return t;
        });
}

QFuture<Result<QList<ApiToken>>> RemoteClient::apiTokens()
{
    return mapped<QList<ApiToken>>(call("GET", QStringLiteral("/api/v1/tokens")), [](const QJsonObject& o) -> Result<QList<ApiToken>> {
        QList<ApiToken> out;
        for (const QJsonValue& v : o.value(QLatin1String("tokens")).toArray())
            out.append(apiTokenFromJson(v.toObject()));
        return out;
    });
}

QFuture<VoidResult> RemoteClient::revokeToken(const QString& id)
{
    return done(call("DELETE", QStringLiteral("/api/v1/tokens/") + pathPart(id)));
}

} // namespace llmsched
