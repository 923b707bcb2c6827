// The REST API over real sockets on 127.0.0.1: an ApiHost on its own thread
// in front of a real Engine, a QNetworkAccessManager (or a raw QTcpSocket
// where bytes matter) as the client. Routes, roles, tasks, models, dead
// letters, input errors, metrics, health, server-sent events, the audit log,
// rate limits and clients that leave early.

#include "enginetestutil.h"

#include "core/histogram.h"
#include "core/timeutil.h"
#include "sched/scheduler.h"

#include "api/apiserver.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QSet>
#include <QSignalSpy>
#include <QTcpSocket>

#include <functional>

using namespace llmsched;
using namespace testutil;

namespace {

constexpr int kWaitMs = 15000;
const QString kModel = QStringLiteral("sim");
const QString kSmallModel = QStringLiteral("small"); // paused, capacity 2
const QString kFarFuture = QStringLiteral("2099-01-01T00:00:00Z");

// Every route the server must offer. A new route is added here on purpose,
// together with a probe in routesAnswer().
const QStringList kExpectedRoutes = {
    QStringLiteral("GET /health"),
    QStringLiteral("GET /metrics"),
    QStringLiteral("POST /api/v1/tasks"),
    QStringLiteral("GET /api/v1/tasks"),
    QStringLiteral("GET /api/v1/tasks/count"),
    QStringLiteral("GET /api/v1/tasks/{id}"),
    QStringLiteral("DELETE /api/v1/tasks/{id}"),
    QStringLiteral("PATCH /api/v1/tasks/{id}"),
    QStringLiteral("POST /api/v1/tasks/{id}/retry"),
    QStringLiteral("GET /api/v1/tasks/{id}/log"),
    QStringLiteral("GET /api/v1/dead-letters"),
    QStringLiteral("POST /api/v1/dead-letters/requeue"),
    QStringLiteral("POST /api/v1/dead-letters/purge"),
    QStringLiteral("GET /api/v1/models"),
    QStringLiteral("POST /api/v1/models"),
    QStringLiteral("POST /api/v1/models/test"),
    QStringLiteral("GET /api/v1/models/{name}"),
    QStringLiteral("PUT /api/v1/models/{name}"),
    QStringLiteral("DELETE /api/v1/models/{name}"),
    QStringLiteral("POST /api/v1/models/{name}/pause"),
    QStringLiteral("POST /api/v1/models/{name}/resume"),
    QStringLiteral("GET /api/v1/models/{name}/endpoints"),
    QStringLiteral("POST /api/v1/models/{name}/endpoints"),
    QStringLiteral("GET /api/v1/models/{name}/endpoints/{endpoint}"),
    QStringLiteral("PUT /api/v1/models/{name}/endpoints/{endpoint}"),
    QStringLiteral("DELETE /api/v1/models/{name}/endpoints/{endpoint}"),
    QStringLiteral("GET /api/v1/system/stats"),
    QStringLiteral("GET /api/v1/system/stats/minutes"),
    QStringLiteral("GET /api/v1/nodes"),
    QStringLiteral("POST /api/v1/system/pause"),
    QStringLiteral("POST /api/v1/system/resume"),
    QStringLiteral("GET /api/v1/system/logs"),
    QStringLiteral("GET /api/v1/system/audit"),
    QStringLiteral("GET /api/v1/tokens"),
    QStringLiteral("POST /api/v1/tokens"),
    QStringLiteral("DELETE /api/v1/tokens/{id}"),
    QStringLiteral("GET /api/v1/events"),
    QStringLiteral("PUT /api/v1/secrets/{name}"),
    QStringLiteral("DELETE /api/v1/secrets/{name}"),
    QStringLiteral("GET /v1/models"),
    QStringLiteral("POST /v1/chat/completions"),
    QStringLiteral("POST /v1/completions"),
    QStringLiteral("POST /v1/embeddings"),
    QStringLiteral("POST /v1/responses"),
    QStringLiteral("GET /v1/responses/{id}"),
    QStringLiteral("POST /v1/responses/{id}/cancel"),
    QStringLiteral("POST /v1/messages"),
    QStringLiteral("GET /api/v1/batches"),
    QStringLiteral("GET /api/v1/batches/{id}"),
    QStringLiteral("POST /api/v1/batches/{id}/cancel"),
    QStringLiteral("POST /api/v1/workflows"),
    QStringLiteral("GET /api/v1/workflows"),
    QStringLiteral("GET /api/v1/workflows/{id}"),
    QStringLiteral("GET /api/v1/workflows/{id}/graph"),
    QStringLiteral("POST /api/v1/workflows/{id}/cancel"),
    QStringLiteral("POST /api/v1/schedules/preview"),
    QStringLiteral("POST /api/v1/schedules"),
    QStringLiteral("GET /api/v1/schedules"),
    QStringLiteral("GET /api/v1/schedules/{id}"),
    QStringLiteral("PUT /api/v1/schedules/{id}"),
    QStringLiteral("DELETE /api/v1/schedules/{id}"),
    QStringLiteral("POST /api/v1/schedules/{id}/pause"),
    QStringLiteral("POST /api/v1/schedules/{id}/resume"),
    QStringLiteral("POST /api/v1/schedules/{id}/run"),
    QStringLiteral("POST /api/v1/templates"),
    QStringLiteral("GET /api/v1/templates"),
    QStringLiteral("GET /api/v1/templates/{name}"),
    QStringLiteral("DELETE /api/v1/templates/{name}"),
    QStringLiteral("POST /api/v1/templates/{name}/submit"),
    QStringLiteral("POST /api/v1/templates/{name}/batch"),
    QStringLiteral("POST /api/v1/webhooks"),
    QStringLiteral("GET /api/v1/webhooks"),
    QStringLiteral("GET /api/v1/webhooks/{id}"),
    QStringLiteral("DELETE /api/v1/webhooks/{id}"),
    QStringLiteral("POST /api/v1/webhooks/{id}/pause"),
    QStringLiteral("POST /api/v1/webhooks/{id}/resume"),
    QStringLiteral("POST /api/v1/webhooks/{id}/ping"),
    QStringLiteral("GET /api/v1/webhooks/{id}/deliveries"),
    QStringLiteral("GET /api/v1/webhooks/{id}/deliveries/{delivery}"),
    QStringLiteral("POST /api/v1/webhooks/{id}/deliveries/{delivery}/redeliver"),
    QStringLiteral("GET /api/v1/files/{id}/content"),
    QStringLiteral("POST /v1/files"),
    QStringLiteral("GET /v1/files"),
    QStringLiteral("GET /v1/files/{id}"),
    QStringLiteral("DELETE /v1/files/{id}"),
    QStringLiteral("GET /v1/files/{id}/content"),
    QStringLiteral("POST /v1/batches"),
    QStringLiteral("GET /v1/batches"),
    QStringLiteral("GET /v1/batches/{id}"),
    QStringLiteral("POST /v1/batches/{id}/cancel"),
    QStringLiteral("POST /v1/messages/batches"),
    QStringLiteral("GET /v1/messages/batches"),
    QStringLiteral("GET /v1/messages/batches/{id}"),
    QStringLiteral("POST /v1/messages/batches/{id}/cancel"),
    QStringLiteral("GET /v1/messages/batches/{id}/results"),
};

QByteArray toBytes(const QJsonValue& v)
{
    if (v.isArray())
        return QJsonDocument(v.toArray()).toJson(QJsonDocument::Compact);
    return QJsonDocument(v.toObject()).toJson(QJsonDocument::Compact);
}

// A valid chat task for model, with extra fields merged in.
QJsonObject taskJson(const QString& model, const QJsonObject& extra = {})
{
    QJsonObject o { { QStringLiteral("model"), model },
        { QStringLiteral("input"),
            QJsonObject { { QStringLiteral("messages"),
                QJsonArray {
                    QJsonObject { { QStringLiteral("role"), QStringLiteral("user") }, { QStringLiteral("content"), QStringLiteral("hi") } } } } } } };
    for (auto it = extra.constBegin(); it != extra.constEnd(); ++it)
        o.insert(it.key(), it.value());
    return o;
}

QByteArray taskBody(const QString& model, const QJsonObject& extra = {})
{
    return toBytes(taskJson(model, extra));
}

// A simulated model as the API takes it.
QJsonObject modelJson(const QString& name, const QJsonObject& extra = {})
{
    QJsonObject o { { QStringLiteral("name"), name }, { QStringLiteral("concurrency"), 4 },
        { QStringLiteral("endpoints"),
            QJsonArray { QJsonObject { { QStringLiteral("name"), QStringLiteral("sim") },
                { QStringLiteral("simulation"), QJsonObject { { QStringLiteral("latency_ms"), 0 } } } } } } };
    for (auto it = extra.constBegin(); it != extra.constEnd(); ++it)
        o.insert(it.key(), it.value());
    return o;
}

// Runs the event loop until cond holds or the time is up.
bool waitUntil(const std::function<bool()>& cond, int timeoutMs = kWaitMs)
{
    QDeadlineTimer deadline(timeoutMs);
    while (!cond()) {
        if (deadline.hasExpired())
            return false;
        QCoreApplication::processEvents(QEventLoop::AllEvents, 10);
    }
    return true;
}

struct Response
{
    int status = 0;
    QHash<QByteArray, QByteArray> headers; // names lower-cased
    QByteArray body;
    QJsonDocument doc;

    QJsonObject json() const { return doc.object(); }
    QByteArray header(const char* lowerName) const { return headers.value(QByteArray(lowerName)); }
    QJsonObject error() const { return json().value(QLatin1String("error")).toObject(); }
    QString errorCode() const { return error().value(QLatin1String("code")).toString(); }
    QString errorField() const { return error().value(QLatin1String("field")).toString(); }
    QString errorMessage() const { return error().value(QLatin1String("message")).toString(); }
    // For failure messages.
    const char* text() const
    {
        static thread_local QByteArray s;
        s = QByteArray::number(status) + ' ' + body.left(600);
        return s.constData();
    }
};

struct SseEvent
{
    QByteArray event;
    QByteArray id;
    QJsonObject data;
};

struct RawResponse
{
    int status = 0;
    QByteArray head;
    QByteArray body; // de-chunked when chunked
    bool complete = false;
    qsizetype consumed = 0; // bytes of the data this response took, when complete
};

// Splits bytes into one HTTP response: the status, the head and as much of
// the body as has arrived (chunked bodies decoded).
RawResponse parseRaw(const QByteArray& data)
{
    RawResponse r;
    const qsizetype end = data.indexOf("\r\n\r\n");
    if (end < 0)
        return r;
    r.head = data.left(end);
    const QList<QByteArray> first = r.head.left(r.head.indexOf("\r\n") < 0 ? r.head.size() : r.head.indexOf("\r\n")).split(' ');
    r.status = first.value(1).toInt();
    const QByteArray lowerHead = r.head.toLower();
    const QByteArray rest = data.mid(end + 4);
    if (lowerHead.contains("transfer-encoding: chunked")) {
        qsizetype pos = 0;
        while (true) {
            const qsizetype eol = rest.indexOf("\r\n", pos);
            if (eol < 0)
                break;
            bool ok = false;
            const qsizetype size = rest.mid(pos, eol - pos).toLongLong(&ok, 16);
            if (!ok || rest.size() < eol + 2 + size + 2)
                break;
            if (size == 0) {
                r.complete = true;
                r.consumed = end + 4 + eol + 4;
                break;
            }
            r.body += rest.mid(eol + 2, size);
            pos = eol + 2 + size + 2;
        }
        return r;
    }
    qsizetype length = 0;
    for (const QByteArray& line : lowerHead.split('\n'))
        if (line.startsWith("content-length:"))
            length = line.mid(15).trimmed().toLongLong();
    r.body = rest.left(length);
    r.complete = rest.size() >= length;
    r.consumed = r.complete ? end + 4 + length : 0;
    return r;
}

// Every whole response in data, in order (pipelining).
QList<RawResponse> parseAll(QByteArray data)
{
    QList<RawResponse> out;
    while (true) {
        const RawResponse r = parseRaw(data);
        if (!r.complete)
            return out;
        out.append(r);
        data.remove(0, r.consumed);
    }
}

// A client socket for byte-level requests: malformed heads, huge bodies,
// event streams and early disconnects.
class RawClient
{
public:
    RawClient()
    {
        QObject::connect(&m_socket, &QTcpSocket::readyRead, &m_socket, [this] { m_data += m_socket.readAll(); });
    }

    bool connectTo(quint16 port)
    {
        QSignalSpy connected(&m_socket, &QTcpSocket::connected);
        m_socket.connectToHost(QHostAddress::LocalHost, port);
        return m_socket.state() == QAbstractSocket::ConnectedState || connected.wait(kWaitMs);
    }
    void send(const QByteArray& bytes)
    {
        m_socket.write(bytes);
        m_socket.flush();
    }
    // Waits for one whole response (or the server closing the connection).
    RawResponse response()
    {
        waitUntil([this] { return parseRaw(m_data).complete || m_socket.state() == QAbstractSocket::UnconnectedState; });
        return parseRaw(m_data);
    }
    bool waitClosed()
    {
        return waitUntil([this] { return m_socket.state() == QAbstractSocket::UnconnectedState; });
    }
    // The server-sent events received so far.
    QList<SseEvent> events() const
    {
        QList<SseEvent> out;
        const QByteArray stream = parseRaw(m_data).body;
        qsizetype from = 0;
        while (true) {
            const qsizetype end = stream.indexOf("\n\n", from);
            if (end < 0)
                break;
            SseEvent e;
            for (const QByteArray& line : stream.mid(from, end - from).split('\n')) {
                if (line.startsWith("event: "))
                    e.event = line.mid(7);
                else if (line.startsWith("id: "))
                    e.id = line.mid(4);
                else if (line.startsWith("data: "))
                    e.data = QJsonDocument::fromJson(line.mid(6)).object();
            }
            if (!e.event.isEmpty())
                out.append(e);
            from = end + 2;
        }
        return out;
    }
    QList<QJsonObject> taskEvents() const
    {
        QList<QJsonObject> out;
        for (const SseEvent& e : events())
            if (e.event == "task")
                out.append(e.data);
        return out;
    }
    QByteArray data() const { return m_data; }
    QTcpSocket& socket() { return m_socket; }

private:
    QTcpSocket m_socket;
    QByteArray m_data;
};

QByteArray rawRequest(const QByteArray& method, const QByteArray& target, const QString& token, const QByteArray& extraHeaders = {})
{
    QByteArray out = method + ' ' + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    if (!token.isEmpty())
        out += "Authorization: Bearer " + token.toLatin1() + "\r\n";
    return out + extraHeaders + "\r\n";
}

int indexOfEvent(const QList<QJsonObject>& events, const QString& id, const std::function<bool(const QJsonObject&)>& pred)
{
    for (qsizetype i = 0; i < events.size(); ++i)
        if (events.at(i).value(QLatin1String("id")).toString() == id && pred(events.at(i)))
            return static_cast<int>(i);
    return -1;
}

} // namespace

class TestApi : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();

    void routesAnswer();
    void templatesOverRest();
    void firstVersionsOfANewTemplateAtOnce();
    void webhooksOverRest();
    void authMatrix_data();
    void authMatrix();
    void revokedTokenStopsAtOnce();
    void tokenMadeElsewhereWorks();
    void submitForms();
    void concurrentSubmitsAnsweredEachOnItsOwn();
    void taskRunsToSucceeded();
    void listFiltersAndPaging();
    void patchCancelRetryAndLog();
    void modelsCrud();
    void modelNameWithSlash();
    void endpointsCrud();
    void apiKeyIsRejectedWithoutEcho();
    void deadLetters();
    void badInput_data();
    void badInput();
    void bodyOverLimit();
    void slowAndIdleClientsAreClosed();
    void connectionsBeyondTheCapAreRefused();
    void foreignHostAndOriginRefused();
    void malformedRequests_data();
    void malformedRequests();
    void metrics();
    void health();
    void nodeRegistry();
    void eventsStream();
    void eventsFilteredByModel();
    void eventsResumeAfterLastEventId();
    void auditLog();
    void rateLimit();
    void clientLeavesEarly();
    void pipelinedAndClose();
    void stopWithRequestsInFlight();

private:
    quint16 startHost(ApiOptions options);
    Response call(const QByteArray& method, const QString& path, const QString& token = {}, const QByteArray& body = {},
        const QByteArray& contentType = QByteArrayLiteral("application/json"), quint16 port = 0);
    Response callWithAuth(const QByteArray& method, const QString& path, const QByteArray& authorization, const QByteArray& body = {},
        const QByteArray& contentType = QByteArrayLiteral("application/json"), quint16 port = 0);
    QString submit(const QString& model, const QJsonObject& extra = {});
    QString taskState(const QString& id);
    qsizetype taskCount();
    QJsonObject getModel(const QString& name);

    std::unique_ptr<EngineFixture> m_f;
    std::vector<std::unique_ptr<ApiHost>> m_hosts;
    std::unique_ptr<QNetworkAccessManager> m_nam;
    quint16 m_port = 0;
    NewToken m_viewer;
    NewToken m_operator;
    NewToken m_admin;
};

// ---- fixture ----------------------------------------------------------------------------

void TestApi::init()
{
    m_f = std::make_unique<EngineFixture>();
    QVERIFY(m_f->start());
    QVERIFY(m_f->addModel(simModel(kModel, 0)));
    ModelConfig small = simModel(kSmallModel, 0);
    small.capacity = 2;
    small.paused = true;
    QVERIFY(m_f->addModel(small));
    const auto token = [this](const QString& name, Role role) {
        auto t = await(m_f->engine->createToken(name, role));
        return t ? *t : NewToken {};
    };
    m_viewer = token(QStringLiteral("viewer"), Role::Viewer);
    m_operator = token(QStringLiteral("operator"), Role::Operator);
    m_admin = token(QStringLiteral("admin"), Role::Admin);
    QVERIFY(!m_viewer.secret.isEmpty() && !m_operator.secret.isEmpty() && !m_admin.secret.isEmpty());
    m_nam = std::make_unique<QNetworkAccessManager>();
    m_port = startHost({});
    QVERIFY(m_port != 0);
}

void TestApi::cleanup()
{
    m_nam.reset();
    m_hosts.clear(); // the servers go before the engine they listen to
    m_f.reset();
}

quint16 TestApi::startHost(ApiOptions options)
{
    options.address = QHostAddress(QHostAddress::LocalHost);
    options.port = 0;
    m_hosts.push_back(std::make_unique<ApiHost>(*m_f->engine, options));
    const Result<quint16> port = m_hosts.back()->start();
    if (!port) {
        qWarning() << "API start failed:" << port.error().message;
        return 0;
    }
    return *port;
}

Response TestApi::call(
    const QByteArray& method, const QString& path, const QString& token, const QByteArray& body, const QByteArray& contentType, quint16 port)
{
    return callWithAuth(method, path, token.isEmpty() ? QByteArray() : "Bearer " + token.toLatin1(), body, contentType, port);
}

Response TestApi::callWithAuth(const QByteArray& method, const QString& path, const QByteArray& authorization, const QByteArray& body,
    const QByteArray& contentType, quint16 port)
{
    QNetworkRequest request(QUrl(QStringLiteral("http://127.0.0.1:%1%2").arg(port ? port : m_port).arg(path)));
    if (!authorization.isEmpty())
        request.setRawHeader("Authorization", authorization);
    if (!body.isEmpty() && !contentType.isEmpty())
        request.setRawHeader("Content-Type", contentType);
    QNetworkReply* reply = m_nam->sendCustomRequest(request, method, body);
    QSignalSpy finished(reply, &QNetworkReply::finished);
    if (!reply->isFinished() && !finished.wait(kWaitMs))
        qWarning() << "no answer to" << method << path;
    Response r;
    r.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    for (const auto& [name, value] : reply->rawHeaderPairs())
        r.headers.insert(name.toLower(), value);
    r.body = reply->readAll();
    r.doc = QJsonDocument::fromJson(r.body);
    reply->deleteLater();
    return r;
}

QString TestApi::submit(const QString& model, const QJsonObject& extra)
{
    const Response r = call("POST", QStringLiteral("/api/v1/tasks"), m_operator.secret, taskBody(model, extra));
    if (r.status != 201)
        qWarning() << "submit failed:" << r.text();
    return r.json().value(QLatin1String("id")).toString();
}

QString TestApi::taskState(const QString& id)
{
    return call("GET", QStringLiteral("/api/v1/tasks/") + id, m_viewer.secret).json().value(QLatin1String("state")).toString();
}

qsizetype TestApi::taskCount()
{
    TaskFilter f;
    f.limit = 10000;
    const auto page = await(m_f->engine->tasks(f));
    // A failed read must fail the test: a sentinel would compare equal on both
    // sides of a before/after check and pass for the wrong reason.
    if (!page)
        qFatal("taskCount: listing tasks failed: %s", qPrintable(page.error().message));
    return page->tasks.size();
}

QJsonObject TestApi::getModel(const QString& name)
{
    return call("GET", QStringLiteral("/api/v1/models/") + QString::fromLatin1(QUrl::toPercentEncoding(name)), m_viewer.secret).json();
}

// ---- routes and roles -----------------------------------------------------------------

void TestApi::routesAnswer()
{
    const QStringList routes = m_hosts.front()->routeList();
    const QSet<QString> actual(routes.cbegin(), routes.cend());
    const QSet<QString> expected(kExpectedRoutes.cbegin(), kExpectedRoutes.cend());
    QVERIFY2(routes.size() == actual.size(), "a route is registered twice");
    QStringList missing = QSet<QString>(expected).subtract(actual).values();
    QStringList extra = QSet<QString>(actual).subtract(expected).values();
    QVERIFY2(missing.isEmpty(), qPrintable(QStringLiteral("routes gone: ") + missing.join(QStringLiteral(", "))));
    QVERIFY2(extra.isEmpty(), qPrintable(QStringLiteral("new routes the test does not know: ") + extra.join(QStringLiteral(", "))));

    // What the probes act on.
    const QString held = submit(kModel, { { QStringLiteral("run_at"), kFarFuture } });
    const QString toCancel = submit(kModel, { { QStringLiteral("run_at"), kFarFuture } });
    const QString cancelled = submit(kModel, { { QStringLiteral("run_at"), kFarFuture } });
    QVERIFY(!held.isEmpty() && !toCancel.isEmpty() && !cancelled.isEmpty());
    QCOMPARE(call("DELETE", QStringLiteral("/api/v1/tasks/") + cancelled, m_operator.secret).status, 200);
    const QString response = call(
        "POST", QStringLiteral("/v1/responses"), m_operator.secret, QByteArrayLiteral("{\"model\":\"sim\",\"input\":\"hi\",\"background\":true}"))
                                 .json()
                                 .value(QLatin1String("id"))
                                 .toString();
    QVERIFY(response.startsWith(QLatin1String("resp_")));
    // A batch input file, a batch held behind a far-off task (so it can be
    // cancelled), and an Anthropic batch (its results are probed once it ends).
    const QByteArray line
        = R"({"custom_id":"a","method":"POST","url":"/v1/chat/completions","body":{"model":"sim","messages":[{"role":"user","content":"hi"}]}})";
    const QByteArray form = "--XyZ\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n--XyZ\r\nContent-Disposition: form-data; "
                            "name=\"file\"; filename=\"in.jsonl\"\r\nContent-Type: application/jsonl\r\n\r\n"
        + line + "\n\r\n--XyZ--\r\n";
    const QString file = call("POST", QStringLiteral("/v1/files"), m_operator.secret, form, "multipart/form-data; boundary=XyZ")
                             .json()
                             .value(QLatin1String("id"))
                             .toString();
    const QString spareFile = call("POST", QStringLiteral("/v1/files"), m_operator.secret, form, "multipart/form-data; boundary=XyZ")
                                  .json()
                                  .value(QLatin1String("id"))
                                  .toString();
    QVERIFY(file.startsWith(QLatin1String("file-")) && spareFile.startsWith(QLatin1String("file-")));
    const QByteArray batchBody
        = "{\"input_file_id\":\"" + file.toLatin1() + "\",\"endpoint\":\"/v1/chat/completions\",\"completion_window\":\"24h\"}";
    const QString batch = call("POST", QStringLiteral("/v1/batches"), m_operator.secret, batchBody).json().value(QLatin1String("id")).toString();
    QVERIFY(batch.startsWith(QLatin1String("batch_")));
    const QByteArray messageBatchBody
        = R"({"requests":[{"custom_id":"a","params":{"model":"sim","max_tokens":8,"messages":[{"role":"user","content":"hi"}]}}]})";
    const QString messageBatch
        = call("POST", QStringLiteral("/v1/messages/batches"), m_operator.secret, messageBatchBody).json().value(QLatin1String("id")).toString();
    QVERIFY(messageBatch.startsWith(QLatin1String("msgbatch_")));
    QTRY_VERIFY_WITH_TIMEOUT(
        call("GET", QStringLiteral("/v1/batches/") + batch, m_viewer.secret).json().value(QLatin1String("status")) == QLatin1String("completed"),
        20000);
    QTRY_VERIFY_WITH_TIMEOUT(
        call("GET", QStringLiteral("/v1/messages/batches/") + messageBatch, m_viewer.secret).json().value(QLatin1String("processing_status"))
            == QLatin1String("ended"),
        20000);
    // A workflow held behind a far-off task, so it can be cancelled.
    const QByteArray workflowBody
        = R"({"name":"probe","model":"sim","tasks":[{"key":"a","input":{"messages":[{"role":"user","content":"hi"}]},)"
          R"("run_at":"2099-01-01T00:00:00Z"},{"key":"b","depends_on":["a"],"input":{"prompt":"{{steps.a.output}}"},"kind":"completion"}]})";
    const Response createdWorkflow = call("POST", QStringLiteral("/api/v1/workflows"), m_operator.secret, workflowBody);
    QCOMPARE(createdWorkflow.status, 201);
    const QString workflow = createdWorkflow.json().value(QLatin1String("id")).toString();
    QVERIFY(workflow.startsWith(QLatin1String("wf_")));
    const QByteArray scheduleBody
        = R"({"name":"probe","cron":"0 3 * * *","timezone":"Europe/Berlin","task":{"model":"sim","input":{"prompt":"hi"},"kind":"completion"}})";
    const Response createdSchedule = call("POST", QStringLiteral("/api/v1/schedules"), m_operator.secret, scheduleBody);
    QCOMPARE(createdSchedule.status, 201);
    const QString schedule = createdSchedule.json().value(QLatin1String("id")).toString();
    const QString spareSchedule
        = call("POST", QStringLiteral("/api/v1/schedules"), m_operator.secret, scheduleBody).json().value(QLatin1String("id")).toString();
    QVERIFY(schedule.startsWith(QLatin1String("sch_")) && spareSchedule.startsWith(QLatin1String("sch_")));
    const QByteArray templateBody = R"({"name":"greet","variables":{"who":{"type":"string","default":"world"}},)"
                                    R"("body":{"model":"sim","kind":"completion","input":{"prompt":"hello {{vars.who}}"}}})";
    QCOMPARE(call("POST", QStringLiteral("/api/v1/templates"), m_operator.secret, templateBody).status, 201);
    QCOMPARE(call("POST", QStringLiteral("/api/v1/templates"), m_operator.secret, QByteArray(templateBody).replace("greet", "spare")).status, 201);
    // A webhook to a documentation address: refused at once, never contacted.
    const QByteArray webhookBody = R"({"url":"http://192.0.2.1/hook","scope":"all","events":["workflow.finished"]})";
    const QString webhook
        = call("POST", QStringLiteral("/api/v1/webhooks"), m_operator.secret, webhookBody).json().value(QLatin1String("id")).toString();
    const QString spareWebhook
        = call("POST", QStringLiteral("/api/v1/webhooks"), m_operator.secret, webhookBody).json().value(QLatin1String("id")).toString();
    QVERIFY(!webhook.isEmpty() && !spareWebhook.isEmpty());
    const QString delivery
        = call("POST", QStringLiteral("/api/v1/webhooks/%1/ping").arg(webhook), m_operator.secret).json().value(QLatin1String("id")).toString();
    QVERIFY(!delivery.isEmpty());
    QTRY_COMPARE(call("GET", QStringLiteral("/api/v1/webhooks/%1/deliveries/%2").arg(webhook, delivery), m_viewer.secret)
                     .json()
                     .value(QLatin1String("status"))
                     .toString(),
        QStringLiteral("failed"));
    ModelConfig probe = simModel(QStringLiteral("probe"));
    EndpointConfig extraEndpoint = probe.endpoints.constFirst();
    extraEndpoint.name = QStringLiteral("extra");
    probe.endpoints.append(extraEndpoint);
    QVERIFY(m_f->addModel(probe));
    QVERIFY(m_f->addModel(simModel(QStringLiteral("spare"))));
    const auto spareToken = await(m_f->engine->createToken(QStringLiteral("spare"), Role::Viewer));
    QVERIFY(spareToken);

    struct Probe
    {
        QString path;
        QByteArray body;
        int status = 0; // 0: any 2xx
    };
    QJsonObject probeJson = probe.toJson();
    probeJson.insert(QStringLiteral("description"), QStringLiteral("replaced"));
    const QHash<QString, Probe> probes = {
        { QStringLiteral("GET /health"), { QStringLiteral("/health"), {} } },
        { QStringLiteral("GET /metrics"), { QStringLiteral("/metrics"), {} } },
        { QStringLiteral("POST /api/v1/tasks"), { QStringLiteral("/api/v1/tasks"), taskBody(kModel) } },
        { QStringLiteral("GET /api/v1/tasks"), { QStringLiteral("/api/v1/tasks?limit=5"), {} } },
        { QStringLiteral("GET /api/v1/tasks/count"), { QStringLiteral("/api/v1/tasks/count?state=scheduled"), {} } },
        { QStringLiteral("GET /api/v1/tasks/{id}"), { QStringLiteral("/api/v1/tasks/") + held, {} } },
        { QStringLiteral("DELETE /api/v1/tasks/{id}"), { QStringLiteral("/api/v1/tasks/") + toCancel, {} } },
        { QStringLiteral("PATCH /api/v1/tasks/{id}"), { QStringLiteral("/api/v1/tasks/") + held, QByteArrayLiteral("{\"priority\":2}") } },
        { QStringLiteral("POST /api/v1/tasks/{id}/retry"), { QStringLiteral("/api/v1/tasks/%1/retry").arg(cancelled), {} } },
        { QStringLiteral("GET /api/v1/tasks/{id}/log"), { QStringLiteral("/api/v1/tasks/%1/log").arg(held), {} } },
        { QStringLiteral("GET /api/v1/dead-letters"), { QStringLiteral("/api/v1/dead-letters"), {} } },
        { QStringLiteral("POST /api/v1/dead-letters/requeue"),
            { QStringLiteral("/api/v1/dead-letters/requeue"), QByteArrayLiteral("{\"model\":\"sim\"}") } },
        { QStringLiteral("POST /api/v1/dead-letters/purge"), { QStringLiteral("/api/v1/dead-letters/purge"), {} } },
        { QStringLiteral("GET /api/v1/models"), { QStringLiteral("/api/v1/models"), {} } },
        { QStringLiteral("POST /api/v1/models"), { QStringLiteral("/api/v1/models"), toBytes(modelJson(QStringLiteral("created"))) } },
        { QStringLiteral("POST /api/v1/models/test"), { QStringLiteral("/api/v1/models/test"), toBytes(modelJson(QStringLiteral("untested"))) } },
        { QStringLiteral("GET /api/v1/models/{name}"), { QStringLiteral("/api/v1/models/sim"), {} } },
        { QStringLiteral("PUT /api/v1/models/{name}"), { QStringLiteral("/api/v1/models/probe"), toBytes(probeJson) } },
        { QStringLiteral("DELETE /api/v1/models/{name}"), { QStringLiteral("/api/v1/models/spare"), {} } },
        { QStringLiteral("POST /api/v1/models/{name}/pause"), { QStringLiteral("/api/v1/models/probe/pause"), {} } },
        { QStringLiteral("POST /api/v1/models/{name}/resume"), { QStringLiteral("/api/v1/models/probe/resume"), {} } },
        { QStringLiteral("GET /api/v1/models/{name}/endpoints"), { QStringLiteral("/api/v1/models/probe/endpoints"), {} } },
        { QStringLiteral("POST /api/v1/models/{name}/endpoints"),
            { QStringLiteral("/api/v1/models/probe/endpoints"), QByteArrayLiteral("{\"name\":\"added\",\"provider\":\"simulated\"}") } },
        { QStringLiteral("GET /api/v1/models/{name}/endpoints/{endpoint}"), { QStringLiteral("/api/v1/models/probe/endpoints/sim"), {} } },
        { QStringLiteral("PUT /api/v1/models/{name}/endpoints/{endpoint}"),
            { QStringLiteral("/api/v1/models/probe/endpoints/sim"), QByteArrayLiteral("{\"weight\":3}") } },
        { QStringLiteral("DELETE /api/v1/models/{name}/endpoints/{endpoint}"), { QStringLiteral("/api/v1/models/probe/endpoints/extra"), {} } },
        { QStringLiteral("GET /api/v1/system/stats"), { QStringLiteral("/api/v1/system/stats"), {} } },
        { QStringLiteral("GET /api/v1/system/stats/minutes"), { QStringLiteral("/api/v1/system/stats/minutes"), {} } },
        { QStringLiteral("GET /api/v1/nodes"), { QStringLiteral("/api/v1/nodes"), {} } },
        { QStringLiteral("POST /api/v1/system/pause"), { QStringLiteral("/api/v1/system/pause"), {} } },
        { QStringLiteral("POST /api/v1/system/resume"), { QStringLiteral("/api/v1/system/resume"), {} } },
        { QStringLiteral("GET /api/v1/system/logs"), { QStringLiteral("/api/v1/system/logs"), {} } },
        { QStringLiteral("GET /api/v1/system/audit"), { QStringLiteral("/api/v1/system/audit"), {} } },
        { QStringLiteral("GET /api/v1/tokens"), { QStringLiteral("/api/v1/tokens"), {} } },
        { QStringLiteral("POST /api/v1/tokens"), { QStringLiteral("/api/v1/tokens"), QByteArrayLiteral("{\"name\":\"new\",\"role\":\"viewer\"}") } },
        { QStringLiteral("DELETE /api/v1/tokens/{id}"), { QStringLiteral("/api/v1/tokens/") + spareToken->token.id, {} } },
        { QStringLiteral("GET /api/v1/events"), { QStringLiteral("/api/v1/events"), {} } },
        // Names the keychain would refuse: answered before the OS keychain (absent on a headless host) is touched.
        { QStringLiteral("PUT /api/v1/secrets/{name}"),
            { QStringLiteral("/api/v1/secrets/bad%20name"), QByteArrayLiteral("{\"value\":\"sk-test\"}"), 422 } },
        { QStringLiteral("DELETE /api/v1/secrets/{name}"), { QStringLiteral("/api/v1/secrets/bad%20name"), {}, 422 } },
        { QStringLiteral("GET /v1/models"), { QStringLiteral("/v1/models"), {} } },
        { QStringLiteral("POST /v1/chat/completions"),
            { QStringLiteral("/v1/chat/completions"),
                QByteArrayLiteral("{\"model\":\"sim\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}") } },
        { QStringLiteral("POST /v1/completions"), { QStringLiteral("/v1/completions"), QByteArrayLiteral("{\"model\":\"sim\",\"prompt\":\"hi\"}") } },
        { QStringLiteral("POST /v1/embeddings"), { QStringLiteral("/v1/embeddings"), QByteArrayLiteral("{\"model\":\"sim\",\"input\":\"hi\"}") } },
        { QStringLiteral("POST /v1/responses"), { QStringLiteral("/v1/responses"), QByteArrayLiteral("{\"model\":\"sim\",\"input\":\"hi\"}") } },
        { QStringLiteral("GET /v1/responses/{id}"), { QStringLiteral("/v1/responses/") + response, {} } },
        { QStringLiteral("POST /v1/responses/{id}/cancel"), { QStringLiteral("/v1/responses/%1/cancel").arg(response), {} } },
        { QStringLiteral("GET /api/v1/batches"), { QStringLiteral("/api/v1/batches?api=openai"), {} } },
        { QStringLiteral("GET /api/v1/batches/{id}"), { QStringLiteral("/api/v1/batches/") + messageBatch, {} } },
        { QStringLiteral("POST /api/v1/batches/{id}/cancel"), { QStringLiteral("/api/v1/batches/%1/cancel").arg(messageBatch), {} } },
        { QStringLiteral("GET /api/v1/files/{id}/content"), { QStringLiteral("/api/v1/files/%1/content").arg(file), {} } },
        { QStringLiteral("POST /api/v1/workflows"), { QStringLiteral("/api/v1/workflows"), workflowBody, 201 } },
        { QStringLiteral("GET /api/v1/workflows"), { QStringLiteral("/api/v1/workflows?state=running"), {} } },
        { QStringLiteral("GET /api/v1/workflows/{id}"), { QStringLiteral("/api/v1/workflows/") + workflow, {} } },
        { QStringLiteral("GET /api/v1/workflows/{id}/graph"), { QStringLiteral("/api/v1/workflows/%1/graph").arg(workflow), {} } },
        { QStringLiteral("POST /api/v1/workflows/{id}/cancel"), { QStringLiteral("/api/v1/workflows/%1/cancel").arg(workflow), {} } },
        { QStringLiteral("POST /api/v1/schedules/preview"),
            { QStringLiteral("/api/v1/schedules/preview"), QByteArrayLiteral("{\"cron\":\"*/5 * * * *\",\"count\":3}") } },
        { QStringLiteral("POST /api/v1/schedules"), { QStringLiteral("/api/v1/schedules"), scheduleBody, 201 } },
        { QStringLiteral("GET /api/v1/schedules"), { QStringLiteral("/api/v1/schedules"), {} } },
        { QStringLiteral("GET /api/v1/schedules/{id}"), { QStringLiteral("/api/v1/schedules/") + schedule, {} } },
        { QStringLiteral("PUT /api/v1/schedules/{id}"), { QStringLiteral("/api/v1/schedules/") + schedule, scheduleBody } },
        { QStringLiteral("DELETE /api/v1/schedules/{id}"), { QStringLiteral("/api/v1/schedules/") + spareSchedule, {}, 204 } },
        { QStringLiteral("POST /api/v1/schedules/{id}/pause"), { QStringLiteral("/api/v1/schedules/%1/pause").arg(schedule), {} } },
        { QStringLiteral("POST /api/v1/schedules/{id}/resume"), { QStringLiteral("/api/v1/schedules/%1/resume").arg(schedule), {} } },
        { QStringLiteral("POST /api/v1/schedules/{id}/run"), { QStringLiteral("/api/v1/schedules/%1/run").arg(schedule), {} } },
        { QStringLiteral("POST /api/v1/templates"), { QStringLiteral("/api/v1/templates"), templateBody, 201 } },
        { QStringLiteral("GET /api/v1/templates"), { QStringLiteral("/api/v1/templates"), {} } },
        { QStringLiteral("GET /api/v1/templates/{name}"), { QStringLiteral("/api/v1/templates/greet?version=1"), {} } },
        { QStringLiteral("DELETE /api/v1/templates/{name}"), { QStringLiteral("/api/v1/templates/spare"), {}, 204 } },
        { QStringLiteral("POST /api/v1/templates/{name}/submit"),
            { QStringLiteral("/api/v1/templates/greet/submit"), QByteArrayLiteral("{\"values\":{\"who\":\"you\"}}"), 201 } },
        // JSON lines: application/json is taken as one object per line.
        { QStringLiteral("POST /api/v1/templates/{name}/batch"),
            { QStringLiteral("/api/v1/templates/greet/batch"), QByteArrayLiteral("{\"who\":\"a\"}\n{\"who\":\"b\"}\n"), 201 } },
        { QStringLiteral("POST /api/v1/webhooks"), { QStringLiteral("/api/v1/webhooks"), webhookBody, 201 } },
        { QStringLiteral("GET /api/v1/webhooks"), { QStringLiteral("/api/v1/webhooks"), {} } },
        { QStringLiteral("GET /api/v1/webhooks/{id}"), { QStringLiteral("/api/v1/webhooks/") + webhook, {} } },
        { QStringLiteral("DELETE /api/v1/webhooks/{id}"), { QStringLiteral("/api/v1/webhooks/") + spareWebhook, {}, 204 } },
        { QStringLiteral("POST /api/v1/webhooks/{id}/pause"), { QStringLiteral("/api/v1/webhooks/%1/pause").arg(webhook), {} } },
        { QStringLiteral("POST /api/v1/webhooks/{id}/resume"), { QStringLiteral("/api/v1/webhooks/%1/resume").arg(webhook), {} } },
        { QStringLiteral("POST /api/v1/webhooks/{id}/ping"), { QStringLiteral("/api/v1/webhooks/%1/ping").arg(webhook), {}, 202 } },
        { QStringLiteral("GET /api/v1/webhooks/{id}/deliveries"),
            { QStringLiteral("/api/v1/webhooks/%1/deliveries?status=failed").arg(webhook), {} } },
        { QStringLiteral("GET /api/v1/webhooks/{id}/deliveries/{delivery}"),
            { QStringLiteral("/api/v1/webhooks/%1/deliveries/%2").arg(webhook, delivery), {} } },
        { QStringLiteral("POST /api/v1/webhooks/{id}/deliveries/{delivery}/redeliver"),
            { QStringLiteral("/api/v1/webhooks/%1/deliveries/%2/redeliver").arg(webhook, delivery), {}, 202 } },
        { QStringLiteral("POST /v1/files"), { QStringLiteral("/v1/files"), QByteArrayLiteral("{}"), 400 } }, // not multipart: refused, but routed
        { QStringLiteral("GET /v1/files"), { QStringLiteral("/v1/files"), {} } },
        { QStringLiteral("GET /v1/files/{id}"), { QStringLiteral("/v1/files/") + file, {} } },
        { QStringLiteral("DELETE /v1/files/{id}"), { QStringLiteral("/v1/files/") + spareFile, {} } },
        { QStringLiteral("GET /v1/files/{id}/content"), { QStringLiteral("/v1/files/%1/content").arg(file), {} } },
        { QStringLiteral("POST /v1/batches"), { QStringLiteral("/v1/batches"), batchBody } },
        { QStringLiteral("GET /v1/batches"), { QStringLiteral("/v1/batches"), {} } },
        { QStringLiteral("GET /v1/batches/{id}"), { QStringLiteral("/v1/batches/") + batch, {} } },
        { QStringLiteral("POST /v1/batches/{id}/cancel"), { QStringLiteral("/v1/batches/%1/cancel").arg(batch), {}, 409 } }, // it has ended
        { QStringLiteral("POST /v1/messages/batches"), { QStringLiteral("/v1/messages/batches"), messageBatchBody } },
        { QStringLiteral("GET /v1/messages/batches"), { QStringLiteral("/v1/messages/batches"), {} } },
        { QStringLiteral("GET /v1/messages/batches/{id}"), { QStringLiteral("/v1/messages/batches/") + messageBatch, {} } },
        { QStringLiteral("POST /v1/messages/batches/{id}/cancel"), { QStringLiteral("/v1/messages/batches/%1/cancel").arg(messageBatch), {} } },
        { QStringLiteral("GET /v1/messages/batches/{id}/results"), { QStringLiteral("/v1/messages/batches/%1/results").arg(messageBatch), {} } },
        { QStringLiteral("POST /v1/messages"),
            { QStringLiteral("/v1/messages"),
                QByteArrayLiteral("{\"model\":\"sim\",\"max_tokens\":16,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}") } },
    };

    for (const QString& route : routes) {
        QVERIFY2(probes.contains(route), qPrintable(QStringLiteral("no probe for ") + route));
        const QByteArray method = route.section(QLatin1Char(' '), 0, 0).toLatin1();
        const Probe& p = probes.value(route);
        int status = 0;
        QByteArray detail;
        if (route == QLatin1String("GET /api/v1/events")) {
            // A stream never finishes: read its head, then leave.
            RawClient client;
            QVERIFY(client.connectTo(m_port));
            client.send(rawRequest(method, p.path.toLatin1(), m_admin.secret));
            QVERIFY(waitUntil([&client] { return parseRaw(client.data()).status != 0; }));
            status = parseRaw(client.data()).status;
            detail = client.data().left(300);
        } else {
            const Response r = call(method, p.path, m_admin.secret, p.body);
            status = r.status;
            detail = r.text();
        }
        QVERIFY2(status != 404 && status != 405, qPrintable(route + QStringLiteral(" -> ") + QString::fromLatin1(detail)));
        QVERIFY2(
            p.status ? status == p.status : status >= 200 && status < 300, qPrintable(route + QStringLiteral(" -> ") + QString::fromLatin1(detail)));
    }
}

void TestApi::webhooksOverRest()
{
    const QByteArray body = R"({"url":"http://192.0.2.1/hook","scope":"model","target":"sim","description":"billing"})";
    // Only operators may make the engine POST somewhere.
    QCOMPARE(call("POST", QStringLiteral("/api/v1/webhooks"), m_viewer.secret, body).status, 403);
    // Bad bodies name the field; nothing is stored.
    for (const auto& [bad, field] : { std::pair { QByteArray(R"({"url":"file:///etc/passwd"})"), QStringLiteral("url") },
             std::pair { QByteArray(R"({"url":"https://example.com","scope":"model"})"), QStringLiteral("target") },
             std::pair { QByteArray(R"({"url":"https://example.com","events":["task.nope"]})"), QStringLiteral("events[0]") },
             std::pair { QByteArray(R"({"url":"https://example.com","secret":"short"})"), QStringLiteral("secret") } }) {
        const Response r = call("POST", QStringLiteral("/api/v1/webhooks"), m_operator.secret, bad);
        QCOMPARE(r.status, 422);
        QCOMPARE(r.json().value(QLatin1String("error")).toObject().value(QLatin1String("field")).toString(), field);
    }
    QCOMPARE(call("POST", QStringLiteral("/api/v1/webhooks"), m_operator.secret, "{\"url\":").status, 400);
    QCOMPARE(call("GET", QStringLiteral("/api/v1/webhooks"), m_viewer.secret).json().value(QLatin1String("webhooks")).toArray().size(), 0);

    // Created: the secret is in this answer and in no other.
    Response r = call("POST", QStringLiteral("/api/v1/webhooks"), m_operator.secret, body);
    QCOMPARE(r.status, 201);
    const QString id = r.json().value(QLatin1String("id")).toString();
    const QString secret = r.json().value(QLatin1String("secret")).toString();
    QVERIFY(secret.startsWith(QLatin1String("whsec_")));
    QCOMPARE(
        r.json().value(QLatin1String("events")).toArray(), (QJsonArray { QStringLiteral("task.finished"), QStringLiteral("workflow.finished") }));
    for (const QString& path :
        QStringList { QStringLiteral("/api/v1/webhooks"), QStringLiteral("/api/v1/webhooks/") + id, QStringLiteral("/api/v1/system/audit") }) {
        r = call("GET", path, m_admin.secret);
        QCOMPARE(r.status, 200);
        QVERIFY2(!r.body.contains(secret.toUtf8()), qPrintable(path));
    }
    QCOMPARE(call("GET", QStringLiteral("/api/v1/webhooks/") + id, m_viewer.secret).json().value(QLatin1String("description")).toString(),
        QStringLiteral("billing"));
    QCOMPARE(call("GET", QStringLiteral("/api/v1/webhooks/%1/deliveries?status=lost").arg(id), m_viewer.secret).status, 422);
    QCOMPARE(call("GET", QStringLiteral("/api/v1/webhooks/nope/deliveries"), m_viewer.secret).status, 404);
    QCOMPARE(call("POST", QStringLiteral("/api/v1/webhooks/nope/ping"), m_operator.secret).status, 404);
    QCOMPARE(call("DELETE", QStringLiteral("/api/v1/webhooks/") + id, m_operator.secret).status, 204);
    QCOMPARE(call("GET", QStringLiteral("/api/v1/webhooks/") + id, m_viewer.secret).status, 404);
}

void TestApi::firstVersionsOfANewTemplateAtOnce()
{
    // Two clients add a template of the same new name at once: each gets a
    // version of its own (1 and 2) and both are kept, not two "version 1"s
    // with the second overwriting the first.
    const auto version = [](const QString& text) {
        return *TemplateVersion::fromJson(QJsonObject { { QStringLiteral("body"),
            QJsonObject { { QStringLiteral("model"), QStringLiteral("sim") },
                { QStringLiteral("input"),
                    QJsonObject { { QStringLiteral("messages"),
                        QJsonArray {
                            QJsonObject { { QStringLiteral("role"), QStringLiteral("user") }, { QStringLiteral("content"), text } } } } } } } } });
    };
    auto first = m_f->engine->putTemplate(QStringLiteral("raced"), version(QStringLiteral("one")));
    auto second = m_f->engine->putTemplate(QStringLiteral("raced"), version(QStringLiteral("two")));
    const auto a = await(first);
    const auto b = await(second);
    QVERIFY2(a && b, qPrintable(!a ? a.error().message : (!b ? b.error().message : QString())));
    const auto stored = await(m_f->engine->templateDoc(QStringLiteral("raced")));
    QVERIFY(stored);
    const QJsonArray versions = stored->doc.value(QLatin1String("versions")).toArray();
    QCOMPARE(versions.size(), 2);
    QCOMPARE(versions.at(0).toObject().value(QLatin1String("version")).toInt(), 1);
    QCOMPARE(versions.at(1).toObject().value(QLatin1String("version")).toInt(), 2);
    QStringList texts;
    for (const QJsonValue& v : versions)
        texts.append(QString::fromUtf8(QJsonDocument(v.toObject()).toJson(QJsonDocument::Compact)));
    QVERIFY(texts.join(QString()).contains(QLatin1String("one")) && texts.join(QString()).contains(QLatin1String("two")));
}

void TestApi::templatesOverRest()
{
    const auto post = [this](const QString& path, const QByteArray& body, const QByteArray& type = "application/json") {
        return call("POST", path, m_operator.secret, body, type);
    };
    // Refused: a reference to an undeclared variable, a default of the wrong type.
    Response r = post(QStringLiteral("/api/v1/templates"),
        R"({"name":"t","body":{"model":"sim","input":{"messages":[{"role":"user","content":"{{vars.nope}}"}]}}})");
    QCOMPARE(r.status, 422);
    QCOMPARE(r.json().value(QLatin1String("error")).toObject().value(QLatin1String("field")).toString(), QStringLiteral("body"));
    r = post(QStringLiteral("/api/v1/templates"),
        R"({"name":"t","variables":{"n":{"type":"integer","default":"x"}},"body":{"model":"sim","input":{"messages":[{"role":"user","content":"{{vars.n}}"}]}}})");
    QCOMPARE(r.status, 422);
    QCOMPARE(r.json().value(QLatin1String("error")).toObject().value(QLatin1String("field")).toString(), QStringLiteral("variables.n.default"));

    // Two versions; the latest is used unless one is named.
    const QByteArray v1
        = R"({"name":"lines","variables":{"topic":{"type":"string"},"n":{"type":"integer","default":2}},)"
          R"("body":{"model":"sim","max_attempts":"{{vars.n}}","input":{"messages":[{"role":"user","content":"v1 {{vars.n}} lines on {{vars.topic}}"}]}}})";
    QCOMPARE(post(QStringLiteral("/api/v1/templates"), v1).status, 201);
    r = post(QStringLiteral("/api/v1/templates"), QByteArray(v1).replace("v1 ", "v2 "));
    QCOMPARE(r.status, 201);
    QCOMPARE(r.json().value(QLatin1String("version")).toInt(), 2);
    QCOMPARE(r.json().value(QLatin1String("versions")).toArray().size(), 2);
    r = call("GET", QStringLiteral("/api/v1/templates/lines?version=1"), m_viewer.secret);
    QCOMPARE(r.status, 200);
    QVERIFY(QJsonDocument(r.json().value(QLatin1String("body")).toObject()).toJson().contains("v1 "));

    // Submit with values: typed where a string is exactly one reference.
    r = post(QStringLiteral("/api/v1/templates/lines/submit"), R"({"values":{"topic":"cats","n":3}})");
    QCOMPARE(r.status, 201);
    const auto task = await(m_f->engine->task(r.json().value(QLatin1String("id")).toString()));
    QVERIFY(task);
    QCOMPARE(task->maxAttempts, 3);
    QVERIFY(task->spec.input.contains("v2 3 lines on cats"));
    QCOMPARE(task->spec.labels.value(QLatin1String("template")).toString(), QStringLiteral("lines@2"));
    r = post(QStringLiteral("/api/v1/templates/lines/submit"), R"({"values":{"topic":"cats"},"version":1})");
    QCOMPARE(r.status, 201);
    QVERIFY(await(m_f->engine->task(r.json().value(QLatin1String("id")).toString()))->spec.input.contains("v1 2 lines on cats"));
    // Missing, mistyped and unknown values name the variable; nothing is queued.
    const qsizetype before = taskCount();
    for (const auto& [values, field] : { std::pair { QByteArray(R"({"values":{}})"), QStringLiteral("values.topic") },
             std::pair { QByteArray(R"({"values":{"topic":"x","n":"two"}})"), QStringLiteral("values.n") },
             std::pair { QByteArray(R"({"values":{"topic":"x","colour":"red"}})"), QStringLiteral("values.colour") } }) {
        r = post(QStringLiteral("/api/v1/templates/lines/submit"), values);
        QCOMPARE(r.status, 422);
        QCOMPARE(r.json().value(QLatin1String("error")).toObject().value(QLatin1String("field")).toString(), field);
    }
    QCOMPARE(taskCount(), before);

    // A CSV batch with a bad row: nothing, with the row named; then the others with skip_invalid.
    const QByteArray csv = "topic,n\ncats,2\n\"dogs, big ones\",x\nbirds,\n";
    r = post(QStringLiteral("/api/v1/templates/lines/batch"), csv, "text/csv");
    QCOMPARE(r.status, 422);
    QCOMPARE(r.json().value(QLatin1String("errors")).toArray().size(), 1);
    QCOMPARE(r.json().value(QLatin1String("errors")).toArray().at(0).toObject().value(QLatin1String("row")).toInt(), 2);
    QCOMPARE(taskCount(), before);
    r = post(QStringLiteral("/api/v1/templates/lines/batch?skip_invalid=true"), csv, "text/csv");
    QCOMPARE(r.status, 201);
    const QJsonArray submitted = r.json().value(QLatin1String("submitted")).toArray();
    QCOMPARE(submitted.size(), 2);
    QCOMPARE(submitted.at(1).toObject().value(QLatin1String("row")).toInt(), 3);
    const auto birds = await(m_f->engine->task(submitted.at(1).toObject().value(QLatin1String("id")).toString()));
    QVERIFY(birds && birds->spec.input.contains("v2 2 lines on birds")); // empty cell: the default
    QCOMPARE(taskCount(), before + 2);
    r = post(QStringLiteral("/api/v1/templates/lines/batch"), "{\"topic\":\"a\"}\n{\"topic\":\"b\",\"n\":5}\n", "application/jsonl");
    QCOMPARE(r.status, 201);
    QCOMPARE(r.json().value(QLatin1String("submitted")).toArray().size(), 2);

    // A workflow template: {{steps...}} stays for the workflow.
    const QByteArray wf = R"({"name":"pipe","kind":"workflow","variables":{"topic":{"type":"string"}},"body":{"model":"sim","tasks":[)"
                          R"({"key":"a","input":{"messages":[{"role":"user","content":"about {{vars.topic}}"}]}},)"
                          R"({"key":"b","depends_on":["a"],"input":{"messages":[{"role":"user","content":"{{vars.topic}}: {{steps.a.state}}"}]}}]}})";
    QCOMPARE(post(QStringLiteral("/api/v1/templates"), wf).status, 201);
    r = post(QStringLiteral("/api/v1/templates/pipe/submit"), R"({"values":{"topic":"owls"}})");
    QCOMPARE(r.status, 201);
    const QString workflowId = r.json().value(QLatin1String("id")).toString();
    const QString stepB = r.json().value(QLatin1String("tasks")).toObject().value(QLatin1String("b")).toString();
    QTRY_COMPARE_WITH_TIMEOUT(
        call("GET", QStringLiteral("/api/v1/workflows/") + workflowId, m_viewer.secret).json().value(QLatin1String("state")).toString(),
        QStringLiteral("succeeded"), 10000);
    QVERIFY(await(m_f->engine->task(stepB))->spec.input.contains("owls: succeeded"));

    QCOMPARE(call("DELETE", QStringLiteral("/api/v1/templates/pipe"), m_operator.secret).status, 204);
    QCOMPARE(call("GET", QStringLiteral("/api/v1/templates/pipe"), m_viewer.secret).status, 404);
}

void TestApi::authMatrix_data()
{
    QTest::addColumn<QString>("who"); // none, wrong, basic, lower, upper, scheme, viewer, operator, admin
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QString>("path"); // {task}: a task scheduled far ahead
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("status");

    const QByteArray task = taskBody(kModel);
    const QByteArray model = toBytes(modelJson(QStringLiteral("m2")));
    const QByteArray token = QByteArrayLiteral("{\"name\":\"t\",\"role\":\"viewer\"}");
    const QString tasks = QStringLiteral("/api/v1/tasks");
    const QString oneTask = QStringLiteral("/api/v1/tasks/{task}");
    QTest::newRow("health, no token") << "none" << QByteArray("GET") << QStringLiteral("/health") << QByteArray() << 200;
    QTest::newRow("tasks, no token") << "none" << QByteArray("GET") << tasks << QByteArray() << 401;
    QTest::newRow("metrics, no token") << "none" << QByteArray("GET") << QStringLiteral("/metrics") << QByteArray() << 401;
    QTest::newRow("submit, no token") << "none" << QByteArray("POST") << tasks << task << 401;
    QTest::newRow("tasks, wrong token") << "wrong" << QByteArray("GET") << tasks << QByteArray() << 401;
    QTest::newRow("tasks, basic auth") << "basic" << QByteArray("GET") << tasks << QByteArray() << 401;
    QTest::newRow("scheme in lower case") << "lower" << QByteArray("GET") << tasks << QByteArray() << 200;
    QTest::newRow("scheme in upper case") << "upper" << QByteArray("GET") << tasks << QByteArray() << 200;
    QTest::newRow("scheme without token") << "scheme" << QByteArray("GET") << tasks << QByteArray() << 401;
    QTest::newRow("viewer lists tasks") << "viewer" << QByteArray("GET") << tasks << QByteArray() << 200;
    QTest::newRow("viewer gets a task") << "viewer" << QByteArray("GET") << oneTask << QByteArray() << 200;
    QTest::newRow("viewer reads metrics") << "viewer" << QByteArray("GET") << QStringLiteral("/metrics") << QByteArray() << 200;
    QTest::newRow("viewer submits") << "viewer" << QByteArray("POST") << tasks << task << 403;
    QTest::newRow("viewer cancels") << "viewer" << QByteArray("DELETE") << oneTask << QByteArray() << 403;
    QTest::newRow("viewer pauses") << "viewer" << QByteArray("POST") << QStringLiteral("/api/v1/system/pause") << QByteArray() << 403;
    QTest::newRow("viewer reads audit") << "viewer" << QByteArray("GET") << QStringLiteral("/api/v1/system/audit") << QByteArray() << 403;
    QTest::newRow("operator submits") << "operator" << QByteArray("POST") << tasks << task << 201;
    QTest::newRow("operator cancels") << "operator" << QByteArray("DELETE") << oneTask << QByteArray() << 200;
    QTest::newRow("operator changes priority") << "operator" << QByteArray("PATCH") << oneTask << QByteArray("{\"priority\":1}") << 200;
    QTest::newRow("operator creates a model") << "operator" << QByteArray("POST") << QStringLiteral("/api/v1/models") << model << 403;
    QTest::newRow("operator replaces a model") << "operator" << QByteArray("PUT") << QStringLiteral("/api/v1/models/m2") << model << 403;
    QTest::newRow("operator creates a token") << "operator" << QByteArray("POST") << QStringLiteral("/api/v1/tokens") << token << 403;
    QTest::newRow("operator lists tokens") << "operator" << QByteArray("GET") << QStringLiteral("/api/v1/tokens") << QByteArray() << 403;
    QTest::newRow("admin submits") << "admin" << QByteArray("POST") << tasks << task << 201;
    QTest::newRow("admin cancels") << "admin" << QByteArray("DELETE") << oneTask << QByteArray() << 200;
    QTest::newRow("admin creates a model") << "admin" << QByteArray("POST") << QStringLiteral("/api/v1/models") << model << 201;
    QTest::newRow("admin creates a token") << "admin" << QByteArray("POST") << QStringLiteral("/api/v1/tokens") << token << 201;
    QTest::newRow("admin lists tokens") << "admin" << QByteArray("GET") << QStringLiteral("/api/v1/tokens") << QByteArray() << 200;
    QTest::newRow("admin reads audit") << "admin" << QByteArray("GET") << QStringLiteral("/api/v1/system/audit") << QByteArray() << 200;
}

void TestApi::authMatrix()
{
    QFETCH(QString, who);
    QFETCH(QByteArray, method);
    QFETCH(QString, path);
    QFETCH(QByteArray, body);
    QFETCH(int, status);

    const auto held = m_f->submit({ [] {
        TaskSpec s = spec(kModel);
        s.runAtMs = QDateTime::currentMSecsSinceEpoch() + 3'600'000;
        return s;
    }() });
    QCOMPARE(held.size(), 1);
    path.replace(QLatin1String("{task}"), held.constFirst().id.toString());
    const qsizetype before = taskCount();

    QByteArray auth;
    if (who == QLatin1String("wrong"))
        auth = "Bearer llms_" + QByteArray(43, 'x');
    else if (who == QLatin1String("basic"))
        auth = "Basic " + QByteArray("admin:" + m_admin.secret.toLatin1()).toBase64();
    else if (who == QLatin1String("lower"))
        auth = "bearer " + m_viewer.secret.toLatin1();
    else if (who == QLatin1String("upper"))
        auth = "BEARER " + m_viewer.secret.toLatin1(); // auth schemes are case-insensitive (RFC 7235)
    else if (who == QLatin1String("scheme"))
        auth = "Bearer ";
    else if (who == QLatin1String("viewer"))
        auth = "Bearer " + m_viewer.secret.toLatin1();
    else if (who == QLatin1String("operator"))
        auth = "Bearer " + m_operator.secret.toLatin1();
    else if (who == QLatin1String("admin"))
        auth = "Bearer " + m_admin.secret.toLatin1();

    const Response r = callWithAuth(method, path, auth, body);
    QVERIFY2(r.status == status, r.text());
    if (status == 401) {
        QVERIFY2(r.header("www-authenticate").startsWith("Bearer"), r.header("www-authenticate").constData());
        QCOMPARE(r.errorCode(), QStringLiteral("unauthorized"));
    }
    if (status == 403)
        QCOMPARE(r.errorCode(), QStringLiteral("forbidden"));
    if (status >= 400 && method == "POST" && path == QLatin1String("/api/v1/tasks"))
        QCOMPARE(taskCount(), before); // refused means nothing was stored
}

void TestApi::revokedTokenStopsAtOnce()
{
    QCOMPARE(call("GET", QStringLiteral("/api/v1/tasks"), m_operator.secret).status, 200);
    const Response revoked = call("DELETE", QStringLiteral("/api/v1/tokens/") + m_operator.token.id, m_admin.secret);
    QVERIFY2(revoked.status == 204, revoked.text());
    const Response after = call("GET", QStringLiteral("/api/v1/tasks"), m_operator.secret);
    QVERIFY2(after.status == 401, after.text());
    QVERIFY(after.header("www-authenticate").contains("invalid_token"));
    QCOMPARE(call("GET", QStringLiteral("/api/v1/tasks"), m_viewer.secret).status, 200);
    // Revoking twice: the token is no longer active.
    QCOMPARE(call("DELETE", QStringLiteral("/api/v1/tokens/") + m_operator.token.id, m_admin.secret).status, 404);

    // A token made over the API works at once and shows in the list without its secret.
    const Response created
        = call("POST", QStringLiteral("/api/v1/tokens"), m_admin.secret, QByteArrayLiteral("{\"name\":\"ci\",\"role\":\"operator\"}"));
    QVERIFY2(created.status == 201, created.text());
    const QString secret = created.json().value(QLatin1String("token")).toString();
    QVERIFY(secret.startsWith(QLatin1String("llms_")));
    QCOMPARE(call("POST", QStringLiteral("/api/v1/tasks"), secret, taskBody(kModel)).status, 201);
    const Response list = call("GET", QStringLiteral("/api/v1/tokens"), m_admin.secret);
    QCOMPARE(list.status, 200);
    QVERIFY(!list.body.contains(secret.toLatin1()));
    QVERIFY(!list.body.contains(m_admin.secret.toLatin1()));
    bool listed = false;
    for (const QJsonValue& v : list.json().value(QLatin1String("tokens")).toArray()) {
        const QJsonObject t = v.toObject();
        if (t.value(QLatin1String("id")).toString() == m_operator.token.id)
            QVERIFY(!t.value(QLatin1String("revoked_at")).isNull());
        listed = listed || t.value(QLatin1String("id")).toString() == created.json().value(QLatin1String("id")).toString();
    }
    QVERIFY(listed);
}

void TestApi::tokenMadeElsewhereWorks()
{
    // Made through the engine by another client (the GUI) while the server runs:
    // the server does not know it yet and looks it up on first use.
    const auto outside = await(m_f->engine->createToken(QStringLiteral("gui"), Role::Operator));
    QVERIFY(outside);
    const Response first = call("GET", QStringLiteral("/api/v1/tasks"), outside->secret);
    QVERIFY2(first.status == 200, first.text());
    QCOMPARE(call("POST", QStringLiteral("/api/v1/tasks"), outside->secret, taskBody(kModel)).status, 201);
    QCOMPARE(call("POST", QStringLiteral("/api/v1/models"), outside->secret, toBytes(modelJson(QStringLiteral("x")))).status, 403);

    // Revoked the same way (the GUI's settings): the server drops it from its cache.
    QVERIFY(await(m_f->engine->revokeToken(outside->token.id)));
    QTRY_COMPARE(call("GET", QStringLiteral("/api/v1/tasks"), outside->secret).status, 401);
}

// ---- tasks -------------------------------------------------------------------------------

// Submits arriving together reach the engine together; each still gets its
// own answer: a refused one among them changes nothing for the others.
void TestApi::concurrentSubmitsAnsweredEachOnItsOwn()
{
    const qsizetype before = taskCount();
    constexpr int kRequests = 36;
    QList<QNetworkReply*> replies;
    for (int i = 0; i < kRequests; ++i) {
        QNetworkRequest request(QUrl(QStringLiteral("http://127.0.0.1:%1/api/v1/tasks").arg(m_port)));
        request.setRawHeader("Authorization", "Bearer " + m_operator.secret.toLatin1());
        request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
        QByteArray body;
        switch (i % 3) {
        case 0:
            body = taskBody(kModel);
            break;
        case 1:
            body = taskBody(QStringLiteral("no-such-model"));
            break;
        default:
            body = "[" + taskBody(kModel) + "," + taskBody(kModel) + "]";
            break;
        }
        replies.append(m_nam->post(request, body));
    }
    QSet<QString> ids;
    for (int i = 0; i < kRequests; ++i) {
        QNetworkReply* reply = replies.at(i);
        QTRY_VERIFY_WITH_TIMEOUT(reply->isFinished(), kWaitMs);
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        const QJsonObject answer = QJsonDocument::fromJson(reply->readAll()).object();
        switch (i % 3) {
        case 0:
            QCOMPARE(status, 201);
            ids.insert(answer.value(QLatin1String("id")).toString());
            break;
        case 1:
            QCOMPARE(status, 422);
            QCOMPARE(answer.value(QLatin1String("error")).toObject().value(QLatin1String("field")).toString(), QStringLiteral("model"));
            break;
        default:
            QCOMPARE(status, 201);
            for (const QJsonValue& t : answer.value(QLatin1String("tasks")).toArray())
                ids.insert(t.toObject().value(QLatin1String("id")).toString());
            break;
        }
        reply->deleteLater();
    }
    QCOMPARE(ids.size(), kRequests / 3 * 3); // one + two per pair of accepted requests, all distinct
    QCOMPARE(taskCount(), before + ids.size());
}

void TestApi::submitForms()
{
    const QString path = QStringLiteral("/api/v1/tasks");
    const Response one = call("POST", path, m_operator.secret, taskBody(kModel));
    QVERIFY2(one.status == 201, one.text());
    QCOMPARE(one.json().value(QLatin1String("id")).toString().size(), 26);
    QCOMPARE(one.json().value(QLatin1String("duplicate")).toBool(), false);
    const QString firstState = one.json().value(QLatin1String("state")).toString();
    QVERIFY2(firstState == QLatin1String("queued"), qPrintable(firstState));

    const Response array = call("POST", path, m_operator.secret, toBytes(QJsonArray { taskJson(kModel), taskJson(kModel), taskJson(kModel) }));
    QVERIFY2(array.status == 201, array.text());
    const QJsonArray arrayIds = array.json().value(QLatin1String("tasks")).toArray();
    QCOMPARE(arrayIds.size(), 3);

    const Response wrapped = call("POST", path, m_operator.secret,
        toBytes(QJsonObject { { QStringLiteral("tasks"),
            QJsonArray { taskJson(kModel), taskJson(kModel, { { QStringLiteral("priority"), QStringLiteral("high") } }) } } }));
    QVERIFY2(wrapped.status == 201, wrapped.text());
    const QJsonArray wrappedIds = wrapped.json().value(QLatin1String("tasks")).toArray();
    QCOMPARE(wrappedIds.size(), 2);

    QSet<QString> ids { one.json().value(QLatin1String("id")).toString() };
    for (const QJsonArray& a : { arrayIds, wrappedIds })
        for (const QJsonValue& v : a)
            ids.insert(v.toObject().value(QLatin1String("id")).toString());
    QCOMPARE(ids.size(), 6);
    QCOMPARE(taskCount(), 6);

    // The same idempotency key: the first task comes back, nothing new is stored.
    const QJsonObject keyed { { QStringLiteral("idempotency_key"), QStringLiteral("order-77") } };
    const Response first = call("POST", path, m_operator.secret, taskBody(kModel, keyed));
    QVERIFY2(first.status == 201, first.text());
    const Response again = call("POST", path, m_operator.secret, taskBody(kModel, keyed));
    QVERIFY2(again.status == 200, again.text());
    QCOMPARE(again.json().value(QLatin1String("duplicate")).toBool(), true);
    QCOMPARE(again.json().value(QLatin1String("id")).toString(), first.json().value(QLatin1String("id")).toString());
    QCOMPARE(taskCount(), 7);

    // The Idempotency-Key header keys a single submit the same way.
    const auto post = [this](const QByteArray& body, const QByteArray& key) {
        RawClient client;
        if (!client.connectTo(m_port))
            return 0;
        client.send(
            rawRequest("POST", "/api/v1/tasks", m_operator.secret,
                "Idempotency-Key: " + key + "\r\nContent-Type: application/json\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\n")
            + body);
        return client.response().status;
    };
    QCOMPARE(post(taskBody(kModel), "header-key-1"), 201);
    QCOMPARE(post(taskBody(kModel), "header-key-1"), 200);
    QCOMPARE(taskCount(), 8);
    QCOMPARE(post(taskBody(kModel, keyed), "order-77"), 200); // the same key in both places
    // A batch, a key that differs from the body's, and an overlong key are refused; nothing is stored.
    QCOMPARE(post("[" + taskBody(kModel) + "," + taskBody(kModel) + "]", "header-key-2"), 422);
    QCOMPARE(post(taskBody(kModel, keyed), "another-key"), 422);
    QCOMPARE(post(taskBody(kModel), QByteArray(256, 'k')), 422);
    QCOMPARE(taskCount(), 8);
}

void TestApi::taskRunsToSucceeded()
{
    const QString id = submit(kModel);
    QVERIFY(!id.isEmpty());
    QTRY_COMPARE_WITH_TIMEOUT(taskState(id), QStringLiteral("succeeded"), kWaitMs);
    const Response r = call("GET", QStringLiteral("/api/v1/tasks/") + id, m_viewer.secret);
    QCOMPARE(r.status, 200);
    QCOMPARE(r.json().value(QLatin1String("id")).toString(), id);
    QCOMPARE(r.json().value(QLatin1String("model")).toString(), kModel);
    QVERIFY(r.json().value(QLatin1String("output")).isObject());
    QVERIFY(r.json().value(QLatin1String("input")).isObject());
    QVERIFY(!r.json().value(QLatin1String("finished_at")).isNull());
    // Ids are case-insensitive; unknown ids are 404.
    QCOMPARE(call("GET", QStringLiteral("/api/v1/tasks/") + id.toLower(), m_viewer.secret).status, 200);
    QCOMPARE(call("GET", QStringLiteral("/api/v1/tasks/01JD3Q9X5K8V2M4N6P7R8S9T0W"), m_viewer.secret).status, 404);
    QCOMPARE(call("GET", QStringLiteral("/api/v1/tasks/not-an-id"), m_viewer.secret).status, 404);
}

void TestApi::listFiltersAndPaging()
{
    // Four that run and succeed on "sim", three that wait on a paused model; priorities mixed.
    QVERIFY(m_f->addModel([] {
        ModelConfig m = simModel(QStringLiteral("held"));
        m.paused = true;
        return m;
    }()));
    QStringList done;
    for (int p : { 1, 2, 2, 7 })
        done.append(submit(kModel, { { QStringLiteral("priority"), p } }));
    QStringList waiting;
    for (int p : { 2, 3, 3 })
        waiting.append(submit(QStringLiteral("held"), { { QStringLiteral("priority"), p } }));
    for (const QString& id : done)
        QTRY_COMPARE_WITH_TIMEOUT(taskState(id), QStringLiteral("succeeded"), kWaitMs);
    const QStringList all = done + waiting;

    const auto ids = [this](const QString& query) {
        const Response r = call("GET", QStringLiteral("/api/v1/tasks") + query, m_viewer.secret);
        QSet<QString> out;
        if (r.status != 200)
            qWarning() << query << r.text();
        for (const QJsonValue& v : r.json().value(QLatin1String("tasks")).toArray())
            out.insert(v.toObject().value(QLatin1String("id")).toString());
        return out;
    };
    QCOMPARE(ids(QString()), QSet<QString>(all.cbegin(), all.cend()));
    QCOMPARE(ids(QStringLiteral("?state=succeeded")), QSet<QString>(done.cbegin(), done.cend()));
    QCOMPARE(ids(QStringLiteral("?state=queued")), QSet<QString>(waiting.cbegin(), waiting.cend()));
    QCOMPARE(ids(QStringLiteral("?state=queued,succeeded")).size(), 7);
    QCOMPARE(ids(QStringLiteral("?model=held")), QSet<QString>(waiting.cbegin(), waiting.cend()));
    QCOMPARE(ids(QStringLiteral("?priority=2")), (QSet<QString> { done.at(1), done.at(2), waiting.at(0) }));
    QCOMPARE(ids(QStringLiteral("?model=sim&priority=2")), (QSet<QString> { done.at(1), done.at(2) }));
    QCOMPARE(ids(QStringLiteral("?limit=3")).size(), 3);
    QCOMPARE(ids(QStringLiteral("?model=nothing")).size(), 0);

    // Two pages of 4 cover the 7 tasks once each.
    for (const QString& order : { QStringLiteral("desc"), QStringLiteral("asc") }) {
        QStringList seen;
        QString cursor;
        int pages = 0;
        do {
            const QString query
                = QStringLiteral("?limit=4&order=%1").arg(order) + (cursor.isEmpty() ? QString() : QStringLiteral("&cursor=") + cursor);
            const Response r = call("GET", QStringLiteral("/api/v1/tasks") + query, m_viewer.secret);
            QVERIFY2(r.status == 200, r.text());
            for (const QJsonValue& v : r.json().value(QLatin1String("tasks")).toArray())
                seen.append(v.toObject().value(QLatin1String("id")).toString());
            cursor = r.json().value(QLatin1String("next_cursor")).toString();
            QVERIFY(++pages <= 3);
        } while (!cursor.isEmpty());
        QCOMPARE(pages, 2);
        QCOMPARE(seen.size(), 7);
        QCOMPARE(QSet<QString>(seen.cbegin(), seen.cend()), QSet<QString>(all.cbegin(), all.cend()));
    }

    // Tags and labels: filters of their own, and the search finds them.
    const QString tagged = submit(QStringLiteral("held"),
        { { QStringLiteral("tags"), QJsonArray { QStringLiteral("alpha"), QStringLiteral("beta") } },
            { QStringLiteral("labels"), QJsonObject { { QStringLiteral("team"), QStringLiteral("search") } } } });
    const QString labelled = submit(QStringLiteral("held"),
        { { QStringLiteral("labels"),
            QJsonObject { { QStringLiteral("team"), QStringLiteral("ads") }, { QStringLiteral("env"), QStringLiteral("prod") } } } });
    QCOMPARE(ids(QStringLiteral("?tag=alpha")), (QSet<QString> { tagged }));
    QCOMPARE(ids(QStringLiteral("?tag=alp")).size(), 0); // a tag is matched whole
    QCOMPARE(ids(QStringLiteral("?label=team%3Dsearch")), (QSet<QString> { tagged }));
    QCOMPARE(ids(QStringLiteral("?label=team")), (QSet<QString> { tagged, labelled }));
    QCOMPARE(ids(QStringLiteral("?label=env%3Dprod&model=held")), (QSet<QString> { labelled }));
    QCOMPARE(ids(QStringLiteral("?label=env%3Dtest")).size(), 0);
    QCOMPARE(ids(QStringLiteral("?q=beta")), (QSet<QString> { tagged }));
    QCOMPARE(ids(QStringLiteral("?q=ads")), (QSet<QString> { labelled }));
    const Response counted = call("GET", QStringLiteral("/api/v1/tasks/count?label=team"), m_viewer.secret);
    QCOMPARE(counted.json().value(QLatin1String("count")).toInteger(), 2);
}

void TestApi::patchCancelRetryAndLog()
{
    const QString id = submit(kModel, { { QStringLiteral("run_at"), kFarFuture } });
    QVERIFY(!id.isEmpty());
    QCOMPARE(taskState(id), QStringLiteral("scheduled"));
    const QString path = QStringLiteral("/api/v1/tasks/") + id;

    const Response patched = call("PATCH", path, m_operator.secret, QByteArrayLiteral("{\"priority\":0}"));
    QVERIFY2(patched.status == 200, patched.text());
    QCOMPARE(patched.json().value(QLatin1String("priority")).toInt(), 0);
    // The engine answers operator actions before their change is committed, so
    // a read right after may still see the old row for a moment: poll.
    // (A submit, by contrast, is answered after its commit.)
    QTRY_COMPARE_WITH_TIMEOUT(call("GET", path, m_viewer.secret).json().value(QLatin1String("priority")).toInt(-1), 0, kWaitMs);
    // Only the priority can change.
    const Response other = call("PATCH", path, m_operator.secret, QByteArrayLiteral("{\"priority\":1,\"model\":\"x\"}"));
    QCOMPARE(other.status, 422);
    QCOMPARE(other.errorField(), QStringLiteral("model"));
    QCOMPARE(call("PATCH", path, m_operator.secret, QByteArrayLiteral("{\"priority\":10}")).errorField(), QStringLiteral("priority"));

    const Response cancelled = call("DELETE", path, m_operator.secret);
    QVERIFY2(cancelled.status == 200, cancelled.text());
    QCOMPARE(cancelled.json().value(QLatin1String("state")).toString(), QStringLiteral("cancelled"));
    QTRY_COMPARE_WITH_TIMEOUT(taskState(id), QStringLiteral("cancelled"), kWaitMs);
    const Response twice = call("DELETE", path, m_operator.secret);
    QVERIFY2(twice.status == 409, twice.text());

    const Response retried = call("POST", path + QStringLiteral("/retry"), m_operator.secret);
    QVERIFY2(retried.status == 200, retried.text());
    QCOMPARE(retried.json().value(QLatin1String("state")).toString(), QStringLiteral("queued"));
    QTRY_COMPARE_WITH_TIMEOUT(taskState(id), QStringLiteral("succeeded"), kWaitMs);
    QCOMPARE(call("POST", path + QStringLiteral("/retry"), m_operator.secret).status, 409); // succeeded tasks stay so

    const Response log = call("GET", path + QStringLiteral("/log"), m_viewer.secret);
    QVERIFY2(log.status == 200, log.text());
    const QJsonArray entries = log.json().value(QLatin1String("log")).toArray();
    QVERIFY2(entries.size() >= 3, log.text());
    QVERIFY(log.body.contains("cancelled by operator"));
    QVERIFY(log.body.contains("priority changed"));
}

// ---- models and endpoints -------------------------------------------------------------

void TestApi::modelsCrud()
{
    const QString models = QStringLiteral("/api/v1/models");
    const Response created = call(
        "POST", models, m_admin.secret, toBytes(modelJson(QStringLiteral("m1"), { { QStringLiteral("description"), QStringLiteral("first") } })));
    QVERIFY2(created.status == 201, created.text());
    QCOMPARE(created.json().value(QLatin1String("name")).toString(), QStringLiteral("m1"));
    const Response again = call("POST", models, m_admin.secret, toBytes(modelJson(QStringLiteral("m1"))));
    QVERIFY2(again.status == 409, again.text());
    QCOMPARE(again.errorCode(), QStringLiteral("conflict"));

    QJsonObject got = getModel(QStringLiteral("m1"));
    QCOMPARE(got.value(QLatin1String("description")).toString(), QStringLiteral("first"));
    QCOMPARE(got.value(QLatin1String("concurrency")).toInt(), 4);
    QVERIFY(got.value(QLatin1String("live")).isObject());
    bool listed = false;
    for (const QJsonValue& v : call("GET", models, m_viewer.secret).json().value(QLatin1String("models")).toArray())
        listed = listed || v.toObject().value(QLatin1String("name")).toString() == QLatin1String("m1");
    QVERIFY(listed);

    // PUT replaces: what GET returned (with "live") can be sent back changed.
    got.insert(QStringLiteral("description"), QStringLiteral("second"));
    got.insert(QStringLiteral("concurrency"), 2);
    const Response replaced = call("PUT", models + QStringLiteral("/m1"), m_admin.secret, toBytes(got));
    QVERIFY2(replaced.status == 200, replaced.text());
    got = getModel(QStringLiteral("m1"));
    QCOMPARE(got.value(QLatin1String("description")).toString(), QStringLiteral("second"));
    QCOMPARE(got.value(QLatin1String("concurrency")).toInt(), 2);
    const Response renamed = call("PUT", models + QStringLiteral("/m1"), m_admin.secret, toBytes(modelJson(QStringLiteral("other"))));
    QCOMPARE(renamed.status, 422);
    QCOMPARE(renamed.errorField(), QStringLiteral("name"));

    // Pause and resume show in the live part.
    QCOMPARE(call("POST", models + QStringLiteral("/m1/pause"), m_operator.secret).status, 200);
    QTRY_VERIFY_WITH_TIMEOUT(getModel(QStringLiteral("m1")).value(QLatin1String("live")).toObject().value(QLatin1String("paused")).toBool(), kWaitMs);
    QCOMPARE(call("POST", models + QStringLiteral("/m1/resume"), m_operator.secret).status, 200);
    QTRY_VERIFY_WITH_TIMEOUT(
        !getModel(QStringLiteral("m1")).value(QLatin1String("live")).toObject().value(QLatin1String("paused")).toBool(true), kWaitMs);
    QCOMPARE(call("POST", models + QStringLiteral("/nope/pause"), m_operator.secret).status, 404);

    // A model with unfinished work cannot go; an empty one can; unknown ones are 404.
    const QString held = submit(QStringLiteral("m1"), { { QStringLiteral("run_at"), kFarFuture } });
    QVERIFY(!held.isEmpty());
    const Response busy = call("DELETE", models + QStringLiteral("/m1"), m_admin.secret);
    QVERIFY2(busy.status == 409, busy.text());
    QCOMPARE(getModel(QStringLiteral("m1")).value(QLatin1String("name")).toString(), QStringLiteral("m1"));
    QCOMPARE(call("DELETE", QStringLiteral("/api/v1/tasks/") + held, m_operator.secret).status, 200);
    const Response gone = call("DELETE", models + QStringLiteral("/m1"), m_admin.secret);
    QVERIFY2(gone.status == 204, gone.text());
    QCOMPARE(call("GET", models + QStringLiteral("/m1"), m_viewer.secret).status, 404);
    const Response unknown = call("DELETE", models + QStringLiteral("/never-was"), m_admin.secret);
    QCOMPARE(unknown.status, 404);
    QCOMPARE(unknown.errorCode(), QStringLiteral("not_found"));
}

void TestApi::modelNameWithSlash()
{
    // Names may hold '/', which travels percent-encoded in one path segment.
    const QString name = QStringLiteral("team/alpha");
    const Response created = call("POST", QStringLiteral("/api/v1/models"), m_admin.secret, toBytes(modelJson(name)));
    QVERIFY2(created.status == 201, created.text());
    const QJsonObject got = getModel(name);
    QCOMPARE(got.value(QLatin1String("name")).toString(), name);
    const Response eps = call("GET", QStringLiteral("/api/v1/models/team%2Falpha/endpoints"), m_viewer.secret);
    QVERIFY2(eps.status == 200, eps.text());
    QCOMPARE(eps.json().value(QLatin1String("endpoints")).toArray().size(), 1);
    QCOMPARE(call("DELETE", QStringLiteral("/api/v1/models/team%2Falpha"), m_admin.secret).status, 204);
}

void TestApi::endpointsCrud()
{
    const QString base = QStringLiteral("/api/v1/models/sim/endpoints");
    const Response added = call("POST", base, m_admin.secret, QByteArrayLiteral("{\"name\":\"e2\",\"simulation\":{\"latency_ms\":1}}"));
    QVERIFY2(added.status == 201, added.text());
    QCOMPARE(added.json().value(QLatin1String("name")).toString(), QStringLiteral("e2"));
    QCOMPARE(call("POST", base, m_admin.secret, QByteArrayLiteral("{\"name\":\"e2\"}")).status, 409);

    Response list = call("GET", base, m_viewer.secret);
    QCOMPARE(list.status, 200);
    QCOMPARE(list.json().value(QLatin1String("endpoints")).toArray().size(), 2);
    Response one = call("GET", base + QStringLiteral("/e2"), m_viewer.secret);
    QCOMPARE(one.status, 200);
    QCOMPARE(one.json().value(QLatin1String("weight")).toInt(), 1);

    const Response put = call("PUT", base + QStringLiteral("/e2"), m_admin.secret, QByteArrayLiteral("{\"weight\":3,\"rpm\":600}"));
    QVERIFY2(put.status == 200, put.text());
    one = call("GET", base + QStringLiteral("/e2"), m_viewer.secret);
    QCOMPARE(one.json().value(QLatin1String("weight")).toInt(), 3);
    QCOMPARE(one.json().value(QLatin1String("rpm")).toInt(), 600);
    const Response badField = call("PUT", base + QStringLiteral("/e2"), m_admin.secret, QByteArrayLiteral("{\"weight\":3,\"colour\":\"red\"}"));
    QCOMPARE(badField.status, 422);
    QVERIFY2(badField.errorField().endsWith(QLatin1String("colour")), badField.text());

    QCOMPARE(call("DELETE", base + QStringLiteral("/e2"), m_admin.secret).status, 204);
    QCOMPARE(call("GET", base + QStringLiteral("/e2"), m_viewer.secret).status, 404);
    QCOMPARE(call("DELETE", base + QStringLiteral("/e2"), m_admin.secret).status, 404);
    list = call("GET", base, m_viewer.secret);
    QCOMPARE(list.json().value(QLatin1String("endpoints")).toArray().size(), 1);
    QCOMPARE(call("GET", QStringLiteral("/api/v1/models/nope/endpoints"), m_viewer.secret).status, 404);
}

void TestApi::apiKeyIsRejectedWithoutEcho()
{
    const QByteArray key = QByteArrayLiteral("sk-live-DO-NOT-ECHO-8f3a9c");
    const QByteArray endpoint = "{\"name\":\"oa\",\"provider\":\"openai\",\"base_url\":\"http://127.0.0.1:9/v1\",\"api_key\":\"" + key + "\"}";
    const Response viaEndpoint = call("POST", QStringLiteral("/api/v1/models/sim/endpoints"), m_admin.secret, endpoint);
    QVERIFY2(viaEndpoint.status == 422, viaEndpoint.text());
    QVERIFY2(viaEndpoint.errorField().endsWith(QLatin1String("api_key")), viaEndpoint.text());
    QVERIFY(!viaEndpoint.body.contains(key));
    QVERIFY(!viaEndpoint.errorMessage().contains(QString::fromLatin1(key)));

    const QByteArray model = "{\"name\":\"keyed\",\"endpoints\":[" + endpoint + "]}";
    const Response viaModel = call("POST", QStringLiteral("/api/v1/models"), m_admin.secret, model);
    QVERIFY2(viaModel.status == 422, viaModel.text());
    QVERIFY(!viaModel.body.contains(key));
    QCOMPARE(call("GET", QStringLiteral("/api/v1/models/keyed"), m_viewer.secret).status, 404);
    QCOMPARE(
        call("GET", QStringLiteral("/api/v1/models/sim/endpoints"), m_viewer.secret).json().value(QLatin1String("endpoints")).toArray().size(), 1);
}

// ---- dead letters ---------------------------------------------------------------------------

void TestApi::deadLetters()
{
    // Every call fails; one attempt each; the circuit never opens.
    const QJsonObject failing = modelJson(QStringLiteral("flaky"),
        { { QStringLiteral("retry"), QJsonObject { { QStringLiteral("max_attempts"), 1 } } },
            { QStringLiteral("endpoints"),
                QJsonArray { QJsonObject { { QStringLiteral("name"), QStringLiteral("sim") },
                    { QStringLiteral("simulation"), QJsonObject { { QStringLiteral("failure_rate"), 1 } } },
                    { QStringLiteral("circuit"),
                        QJsonObject { { QStringLiteral("failure_threshold"), 10000 }, { QStringLiteral("min_requests"), 1000000 } } } } } } });
    const Response created = call("POST", QStringLiteral("/api/v1/models"), m_admin.secret, toBytes(failing));
    QVERIFY2(created.status == 201, created.text());
    QStringList ids;
    for (int i = 0; i < 3; ++i)
        ids.append(submit(QStringLiteral("flaky")));
    const QString fine = submit(kModel);
    for (const QString& id : ids)
        QTRY_COMPARE_WITH_TIMEOUT(taskState(id), QStringLiteral("dead"), kWaitMs);
    QTRY_COMPARE_WITH_TIMEOUT(taskState(fine), QStringLiteral("succeeded"), kWaitMs);

    const auto deadIds = [this] {
        QSet<QString> out;
        for (const QJsonValue& v :
            call("GET", QStringLiteral("/api/v1/dead-letters"), m_viewer.secret).json().value(QLatin1String("tasks")).toArray())
            out.insert(v.toObject().value(QLatin1String("id")).toString());
        return out;
    };
    const QSet<QString> expected(ids.cbegin(), ids.cend());
    QCOMPARE(deadIds(), expected);
    const Response dead = call("GET", QStringLiteral("/api/v1/tasks/") + ids.first(), m_viewer.secret);
    QVERIFY(!dead.json().value(QLatin1String("error")).toString().isEmpty());
    QCOMPARE(dead.json().value(QLatin1String("attempts")).toInt(), 1);

    // Requeued, they fail again and come back.
    const Response requeued
        = call("POST", QStringLiteral("/api/v1/dead-letters/requeue"), m_operator.secret, QByteArrayLiteral("{\"model\":\"flaky\"}"));
    QVERIFY2(requeued.status == 200, requeued.text());
    QCOMPARE(requeued.json().value(QLatin1String("requeued")).toInteger(), 3);
    const auto deadTwice = [this, &ids] {
        for (const QString& id : ids) {
            const QList<TaskState> states = m_f->statesOf(*Ulid::fromString(id));
            if (states.count(TaskState::Dead) < 2)
                return false;
        }
        return true;
    };
    QTRY_VERIFY_WITH_TIMEOUT(deadTwice(), kWaitMs);
    QTRY_COMPARE_WITH_TIMEOUT(deadIds(), expected, kWaitMs);
    QCOMPARE(call("POST", QStringLiteral("/api/v1/dead-letters/requeue"), m_operator.secret, QByteArrayLiteral("{\"model\":\"sim\"}"))
                 .json()
                 .value(QLatin1String("requeued"))
                 .toInteger(),
        0);

    const Response purged = call("POST", QStringLiteral("/api/v1/dead-letters/purge"), m_operator.secret, QByteArrayLiteral("{\"model\":\"flaky\"}"));
    QVERIFY2(purged.status == 200, purged.text());
    QCOMPARE(purged.json().value(QLatin1String("purged")).toInteger(), 3);
    QVERIFY(deadIds().isEmpty());
    QCOMPARE(call("GET", QStringLiteral("/api/v1/tasks/") + ids.first(), m_viewer.secret).status, 404);
    QCOMPARE(taskState(fine), QStringLiteral("succeeded")); // purging dead letters leaves the rest
}

// ---- bad input ----------------------------------------------------------------------------

void TestApi::badInput_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QByteArray>("contentType");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("code");
    QTest::addColumn<QString>("field"); // empty: not checked
    QTest::addColumn<QByteArray>("header"); // a header the answer must carry
    QTest::addColumn<QByteArray>("headerContains");

    const QByteArray json = QByteArrayLiteral("application/json");
    const QString tasks = QStringLiteral("/api/v1/tasks");
    const QByteArray post = QByteArrayLiteral("POST");
    const QByteArray get = QByteArrayLiteral("GET");
    QTest::newRow("malformed json") << post << tasks << json << QByteArray("{\"model\": \"sim\", \"input\": {") << 400 << "invalid_json" << QString()
                                    << QByteArray() << QByteArray();
    QTest::newRow("trailing garbage") << post << tasks << json << QByteArray(taskBody(kModel) + "}") << 400 << "invalid_json" << QString()
                                      << QByteArray() << QByteArray();
    QTest::newRow("wrong content type") << post << tasks << QByteArray("text/plain") << taskBody(kModel) << 415 << "unsupported_media_type"
                                        << QString() << QByteArray() << QByteArray();
    QTest::newRow("form content type") << post << tasks << QByteArray("application/x-www-form-urlencoded") << QByteArray("model=sim") << 415
                                       << "unsupported_media_type" << QString() << QByteArray() << QByteArray();
    QTest::newRow("unknown field") << post << tasks << json << taskBody(kModel, { { QStringLiteral("colour"), QStringLiteral("red") } }) << 422
                                   << "invalid_argument"
                                   << "colour" << QByteArray() << QByteArray();
    QTest::newRow("unknown field in a batch") << post << tasks << json
                                              << toBytes(QJsonArray { taskJson(kModel), taskJson(kModel, { { QStringLiteral("colour"), 1 } }) })
                                              << 422 << "invalid_argument"
                                              << "tasks[1].colour" << QByteArray() << QByteArray();
    QTest::newRow("priority too big") << post << tasks << json << taskBody(kModel, { { QStringLiteral("priority"), 12 } }) << 422
                                      << "invalid_argument"
                                      << "priority" << QByteArray() << QByteArray();
    QTest::newRow("priority word") << post << tasks << json << taskBody(kModel, { { QStringLiteral("priority"), QStringLiteral("urgent") } }) << 422
                                   << "invalid_argument"
                                   << "priority" << QByteArray() << QByteArray();
    QTest::newRow("unknown model") << post << tasks << json << taskBody(QStringLiteral("nope")) << 422 << "invalid_argument"
                                   << "model" << QByteArray() << QByteArray();
    QTest::newRow("unknown model in a batch") << post << tasks << json << toBytes(QJsonArray { taskJson(kModel), taskJson(QStringLiteral("nope")) })
                                              << 422 << "invalid_argument"
                                              << "tasks[1].model" << QByteArray() << QByteArray();
    QTest::newRow("missing input") << post << tasks << json << QByteArray("{\"model\":\"sim\"}") << 422 << "invalid_argument"
                                   << "input" << QByteArray() << QByteArray();
    // http tasks: header injection and framing overrides are refused, naming the header.
    const auto httpTask = [](const QByteArray& headers) {
        return QByteArray("{\"model\":\"sim\",\"kind\":\"http\",\"input\":{\"url\":\"/x\",\"headers\":" + headers + "}}");
    };
    QTest::newRow("CR LF in a header value") << post << tasks << json << httpTask(R"({"X-A":"a\r\nHost: evil"})") << 422 << "invalid_argument"
                                             << "input.headers.X-A" << QByteArray() << QByteArray();
    QTest::newRow("LF in a header name") << post << tasks << json << httpTask(R"({"X-A\nX-B":"b"})") << 422 << "invalid_argument"
                                         << "input.headers.X-A\nX-B" << QByteArray() << QByteArray();
    QTest::newRow("NUL in a header value") << post << tasks << json << httpTask(R"({"X-N":"a\u0000b"})") << 422 << "invalid_argument"
                                           << "input.headers.X-N" << QByteArray() << QByteArray();
    QTest::newRow("Host header") << post << tasks << json << httpTask(R"({"Host":"evil"})") << 422 << "invalid_argument"
                                 << "input.headers.Host" << QByteArray() << QByteArray();
    QTest::newRow("Content-Length header") << post << tasks << json << httpTask(R"({"content-length":"0"})") << 422 << "invalid_argument"
                                           << "input.headers.content-length" << QByteArray() << QByteArray();
    QTest::newRow("Transfer-Encoding header") << post << tasks << json << httpTask(R"({"Transfer-Encoding":"chunked"})") << 422 << "invalid_argument"
                                              << "input.headers.Transfer-Encoding" << QByteArray() << QByteArray();
    QTest::newRow("Connection header") << post << tasks << json << httpTask(R"({"Connection":"close"})") << 422 << "invalid_argument"
                                       << "input.headers.Connection" << QByteArray() << QByteArray();
    QTest::newRow("numeric header value") << post << tasks << json << httpTask(R"({"X-Num":5})") << 422 << "invalid_argument"
                                          << "input.headers.X-Num" << QByteArray() << QByteArray();
    QTest::newRow("invalid utf-8") << post << tasks << json
                                   << QByteArray("{\"model\":\"sim\",\"input\":{\"messages\":[{\"role\":\"user\",\"content\":\"\xff\xfe\xc3\"}]}}")
                                   << 400 << "invalid_json" << QString() << QByteArray() << QByteArray();
    QTest::newRow("empty array") << post << tasks << json << QByteArray("[]") << 422 << "invalid_argument"
                                 << "tasks" << QByteArray() << QByteArray();
    QTest::newRow("empty tasks") << post << tasks << json << QByteArray("{\"tasks\":[]}") << 422 << "invalid_argument"
                                 << "tasks" << QByteArray() << QByteArray();
    QTest::newRow("array of numbers") << post << tasks << json << QByteArray("[1,2]") << 422 << "invalid_argument"
                                      << "tasks[0]" << QByteArray() << QByteArray();
    QTest::newRow("json scalar") << post << tasks << json << QByteArray("42") << 400 << "invalid_json" << QString() << QByteArray() << QByteArray();
    QTest::newRow("unknown query parameter") << get << QStringLiteral("/api/v1/tasks?colour=red") << QByteArray() << QByteArray() << 400
                                             << "invalid_argument"
                                             << "colour" << QByteArray() << QByteArray();
    QTest::newRow("bad state filter") << get << QStringLiteral("/api/v1/tasks?state=done") << QByteArray() << QByteArray() << 400
                                      << "invalid_argument"
                                      << "state" << QByteArray() << QByteArray();
    QTest::newRow("bad limit") << get << QStringLiteral("/api/v1/tasks?limit=0") << QByteArray() << QByteArray() << 400 << "invalid_argument"
                               << "limit" << QByteArray() << QByteArray();
    QTest::newRow("bad cursor") << get << QStringLiteral("/api/v1/tasks?cursor=abc") << QByteArray() << QByteArray() << 400 << "invalid_argument"
                                << "cursor" << QByteArray() << QByteArray();
    QTest::newRow("bad time") << get << QStringLiteral("/api/v1/tasks?from=yesterday") << QByteArray() << QByteArray() << 400 << "invalid_argument"
                              << "from" << QByteArray() << QByteArray();
    QTest::newRow("PUT on tasks") << QByteArray("PUT") << tasks << json << taskBody(kModel) << 405 << "method_not_allowed" << QString()
                                  << QByteArray("allow") << QByteArray("POST");
    QTest::newRow("DELETE on models") << QByteArray("DELETE") << QStringLiteral("/api/v1/models") << QByteArray() << QByteArray() << 405
                                      << "method_not_allowed" << QString() << QByteArray("allow") << QByteArray("GET");
    QTest::newRow("unknown path") << get << QStringLiteral("/api/v1/nothing") << QByteArray() << QByteArray() << 404 << "not_found" << QString()
                                  << QByteArray() << QByteArray();
    QTest::newRow("unknown version") << get << QStringLiteral("/api/v2/tasks") << QByteArray() << QByteArray() << 404 << "not_found" << QString()
                                     << QByteArray() << QByteArray();
    QTest::newRow("capacity exceeded") << post << tasks << json
                                       << toBytes(QJsonArray { taskJson(kSmallModel), taskJson(kSmallModel), taskJson(kSmallModel),
                                              taskJson(kSmallModel), taskJson(kSmallModel) })
                                       << 429 << "capacity_exceeded"
                                       << "model" << QByteArray("retry-after") << QByteArray("1");
    QTest::newRow("model, unknown field") << post << QStringLiteral("/api/v1/models") << json
                                          << toBytes(modelJson(QStringLiteral("m9"), { { QStringLiteral("colour"), 1 } })) << 422
                                          << "invalid_argument"
                                          << "colour" << QByteArray() << QByteArray();
    QTest::newRow("model, bad name") << post << QStringLiteral("/api/v1/models") << json << toBytes(modelJson(QStringLiteral("../etc"))) << 422
                                     << "invalid_argument"
                                     << "name" << QByteArray() << QByteArray();
    QTest::newRow("token, bad role") << post << QStringLiteral("/api/v1/tokens") << json << QByteArray("{\"name\":\"x\",\"role\":\"root\"}") << 422
                                     << "invalid_argument"
                                     << "role" << QByteArray() << QByteArray();
}

void TestApi::badInput()
{
    QFETCH(QByteArray, method);
    QFETCH(QString, path);
    QFETCH(QByteArray, contentType);
    QFETCH(QByteArray, body);
    QFETCH(int, status);
    QFETCH(QString, code);
    QFETCH(QString, field);
    QFETCH(QByteArray, header);
    QFETCH(QByteArray, headerContains);

    // The small model may hold two tasks: one is there already.
    QVERIFY(!m_f->submit({ spec(kSmallModel) }).isEmpty());
    const qsizetype before = taskCount();
    const int modelsBefore = static_cast<int>(m_f->engine->models().size());

    const Response r = call(method, path, m_admin.secret, body, contentType);
    QVERIFY2(r.status == status, r.text());
    QVERIFY2(r.header("content-type").startsWith("application/json"), r.header("content-type").constData());
    QCOMPARE(r.errorCode(), code);
    QVERIFY(!r.errorMessage().isEmpty());
    if (!field.isEmpty())
        QCOMPARE(r.errorField(), field);
    if (!header.isEmpty())
        QVERIFY2(r.header(header.constData()).contains(headerContains), r.header(header.constData()).constData());
    QCOMPARE(taskCount(), before);
    QCOMPARE(static_cast<int>(m_f->engine->models().size()), modelsBefore);
    // The server goes on.
    QCOMPARE(call("GET", QStringLiteral("/health")).status, 200);
}

// A client that sends half a request and stops gets a 408 and is closed; a
// keep-alive connection left idle is closed; a request still being answered
// (an event stream here) is not timed out.
void TestApi::slowAndIdleClientsAreClosed()
{
    ApiOptions o;
    o.requestTimeoutMs = 300;
    o.idleTimeoutMs = 400;
    const quint16 port = startHost(o);
    QVERIFY(port != 0);

    RawClient slow;
    QVERIFY(slow.connectTo(port));
    slow.send("POST /api/v1/tasks HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: appl"); // and nothing more
    const RawResponse timedOut = slow.response();
    QCOMPARE(timedOut.status, 408);
    QCOMPARE(QJsonDocument::fromJson(timedOut.body).object().value(QLatin1String("error")).toObject().value(QLatin1String("code")).toString(),
        QStringLiteral("request_timeout"));
    QVERIFY(slow.waitClosed());

    // Head complete, body short of its Content-Length: the same.
    RawClient shortBody;
    QVERIFY(shortBody.connectTo(port));
    shortBody.send(rawRequest("POST", "/api/v1/tasks", m_operator.secret, "Content-Type: application/json\r\nContent-Length: 100\r\n") + "{\"mo");
    QCOMPARE(shortBody.response().status, 408);
    QCOMPARE(taskCount(), 0);

    RawClient idle;
    QVERIFY(idle.connectTo(port));
    idle.send(rawRequest("GET", "/health", {}));
    QCOMPARE(idle.response().status, 200);
    QVERIFY(idle.waitClosed()); // closed by the server once idle

    RawClient stream;
    QVERIFY(stream.connectTo(port));
    stream.send(rawRequest("GET", "/api/v1/events", m_viewer.secret));
    QTRY_VERIFY_WITH_TIMEOUT(stream.data().contains("text/event-stream"), kWaitMs);
    const QString id = submit(kModel); // an event arrives after several idle timeouts' worth of waiting
    QTRY_VERIFY_WITH_TIMEOUT(indexOfEvent(stream.taskEvents(), id,
                                 [](const QJsonObject& e) { return e.value(QLatin1String("state")).toString() == QLatin1String("succeeded"); })
            >= 0,
        kWaitMs);
    QElapsedTimer clock;
    clock.start();
    QTRY_VERIFY_WITH_TIMEOUT(clock.elapsed() > 1200, 2000); // three idle timeouts pass
    QCOMPARE(stream.socket().state(), QAbstractSocket::ConnectedState);
}

// Beyond maxConnections a connection gets a 503 with Retry-After and is closed;
// once one closes, a new one is served.
// DNS rebinding and cross-site requests: a loopback-bound server answers
// only loopback Host names (and those it is told), refuses pages from origins
// it was not told about, and answers their preflights deliberately.
void TestApi::foreignHostAndOriginRefused()
{
    const auto status = [](quint16 port, const QByteArray& request) {
        RawClient client;
        if (!client.connectTo(port))
            return -1;
        client.send(request);
        return client.response().status;
    };
    const QByteArray health = "GET /health HTTP/1.1\r\n";
    QCOMPARE(status(m_port, health + "Host: localhost:" + QByteArray::number(m_port) + "\r\n\r\n"), 200);
    QCOMPARE(status(m_port, health + "Host: 127.0.0.1\r\n\r\n"), 200);
    QCOMPARE(status(m_port, health + "Host: [::1]:" + QByteArray::number(m_port) + "\r\n\r\n"), 200);
    QCOMPARE(status(m_port, health + "Host: rebound.example.com\r\n\r\n"), 421);
    QCOMPARE(status(m_port, health + "Host: localhost.evil.example\r\n\r\n"), 421);
    QCOMPARE(status(m_port, health + "Host: 127.0.0.1\r\nOrigin: http://evil.example\r\n\r\n"), 403);
    const QByteArray preflight = "OPTIONS /api/v1/tasks HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: http://evil.example\r\n"
                                 "Access-Control-Request-Method: POST\r\n\r\n";
    QCOMPARE(status(m_port, preflight), 403);
    // A refused page's POST never reaches the engine.
    const qsizetype before = taskCount();
    const QByteArray task = taskBody(kModel);
    QCOMPARE(status(m_port,
                 rawRequest("POST", "/api/v1/tasks", m_operator.secret,
                     "Origin: http://evil.example\r\nContent-Type: application/json\r\nContent-Length: " + QByteArray::number(task.size()) + "\r\n")
                     + task),
        403);
    QCOMPARE(taskCount(), before);

    ApiOptions o;
    o.allowedHosts = { QStringLiteral("scheduler.internal") };
    o.corsOrigins = { QStringLiteral("http://localhost:3000") };
    const quint16 port = startHost(o);
    QVERIFY(port != 0);
    QCOMPARE(status(port, health + "Host: scheduler.internal:" + QByteArray::number(port) + "\r\n\r\n"), 200);
    RawClient client;
    QVERIFY(client.connectTo(port));
    client.send("OPTIONS /api/v1/tasks HTTP/1.1\r\nHost: localhost\r\nOrigin: http://localhost:3000\r\nAccess-Control-Request-Method: POST\r\n"
                "Access-Control-Request-Headers: authorization, content-type\r\n\r\n");
    const RawResponse r = client.response();
    QCOMPARE(r.status, 204);
    QVERIFY2(client.data().contains("Access-Control-Allow-Origin: http://localhost:3000\r\n"), client.data().constData());
    QVERIFY2(client.data().contains("Access-Control-Allow-Headers: Authorization, Content-Type"), client.data().constData());
    RawClient get;
    QVERIFY(get.connectTo(port));
    get.send(rawRequest("GET", "/api/v1/system/stats", m_viewer.secret, "Origin: http://localhost:3000\r\n"));
    QCOMPARE(get.response().status, 200);
    QVERIFY2(get.data().contains("Access-Control-Allow-Origin: http://localhost:3000\r\nVary: Origin\r\n"), get.data().constData());
}

void TestApi::connectionsBeyondTheCapAreRefused()
{
    ApiOptions o;
    o.maxConnections = 2;
    const quint16 port = startHost(o);
    QVERIFY(port != 0);

    RawClient first;
    RawClient second;
    QVERIFY(first.connectTo(port));
    QVERIFY(second.connectTo(port));
    first.send(rawRequest("GET", "/health", {}));
    QCOMPARE(first.response().status, 200); // both are accepted by now
    second.send(rawRequest("GET", "/health", {}));
    QCOMPARE(second.response().status, 200);

    RawClient third;
    QVERIFY(third.connectTo(port));
    const RawResponse refused = third.response();
    QCOMPARE(refused.status, 503);
    QVERIFY2(refused.head.toLower().contains("retry-after: 1"), refused.head.constData());
    QVERIFY(third.waitClosed());

    first.socket().disconnectFromHost();
    QVERIFY(first.waitClosed());
    // The server counts the closed one out when it sees the close: a new
    // connection is served from then on.
    const auto healthOnNewConnection = [port] {
        RawClient next;
        if (!next.connectTo(port))
            return 0;
        next.send(rawRequest("GET", "/health", {}));
        return next.response().status;
    };
    // QTRY_* evaluates its expression once more after it held: a second new
    // connection, opened while the server has not yet seen the previous one
    // close, would be refused. Stop connecting once one was served.
    bool served = false;
    QTRY_VERIFY_WITH_TIMEOUT(served || (served = healthOnNewConnection() == 200), kWaitMs);
}

void TestApi::bodyOverLimit()
{
    ApiOptions o;
    o.maxBodyBytes = 4096;
    const quint16 port = startHost(o);
    QVERIFY(port != 0);

    // Refused from the head alone: the body is never read.
    RawClient huge;
    QVERIFY(huge.connectTo(port));
    huge.send(rawRequest("POST", "/api/v1/tasks", m_operator.secret, "Content-Type: application/json\r\nContent-Length: 1000000000\r\n"));
    const RawResponse refused = huge.response();
    QCOMPARE(refused.status, 413);
    QCOMPARE(QJsonDocument::fromJson(refused.body).object().value(QLatin1String("error")).toObject().value(QLatin1String("code")).toString(),
        QStringLiteral("payload_too_large"));
    QVERIFY(huge.waitClosed());

    // Expect: 100-continue over the limit: refused before the client sends the body.
    RawClient expecting;
    QVERIFY(expecting.connectTo(port));
    expecting.send(
        rawRequest("POST", "/api/v1/tasks", m_operator.secret, "Content-Type: application/json\r\nContent-Length: 5000\r\nExpect: 100-continue\r\n"));
    QCOMPARE(expecting.response().status, 413);
    QVERIFY(!expecting.data().contains("100 Continue"));

    // Just over the limit through an ordinary client, then one at the limit.
    QByteArray padded
        = taskBody(kModel, { { QStringLiteral("labels"), QJsonObject { { QStringLiteral("pad"), QString(4096, QLatin1Char('x')) } } } });
    QVERIFY(padded.size() > 4096);
    RawClient over;
    QVERIFY(over.connectTo(port));
    over.send(rawRequest("POST", "/api/v1/tasks", m_operator.secret,
                  "Content-Type: application/json\r\nContent-Length: " + QByteArray::number(padded.size()) + "\r\n")
        + padded);
    QCOMPARE(over.response().status, 413);
    QCOMPARE(taskCount(), 0);

    // A new connection is served as usual.
    const Response next
        = call("POST", QStringLiteral("/api/v1/tasks"), m_operator.secret, taskBody(kModel), QByteArrayLiteral("application/json"), port);
    QVERIFY2(next.status == 201, next.text());
    QCOMPARE(call("GET", QStringLiteral("/health"), {}, {}, {}, port).status, 200);
    QCOMPARE(taskCount(), 1);
}

void TestApi::malformedRequests_data()
{
    QTest::addColumn<QByteArray>("request");
    QTest::addColumn<int>("status");

    QTest::newRow("garbage line") << QByteArray("GARBAGE\r\n\r\n") << 400;
    QTest::newRow("no version") << QByteArray("GET /health\r\n\r\n") << 400;
    QTest::newRow("HTTP/2 text") << QByteArray("GET /health HTTP/2.0\r\nHost: x\r\n\r\n") << 505;
    QTest::newRow("relative target") << QByteArray("GET health HTTP/1.1\r\nHost: x\r\n\r\n") << 400;
    QTest::newRow("header without colon") << QByteArray("GET /health HTTP/1.1\r\nHost x\r\n\r\n") << 400;
    QTest::newRow("bad content length") << QByteArray("POST /api/v1/tasks HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n") << 400;
    QTest::newRow("chunked request body") << QByteArray(
        "POST /api/v1/tasks HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n")
                                          << 411;
    QTest::newRow("huge head") << QByteArray("GET /health HTTP/1.1\r\nX-Big: " + QByteArray(70 * 1024, 'a')) << 431;
}

void TestApi::malformedRequests()
{
    QFETCH(QByteArray, request);
    QFETCH(int, status);

    RawClient client;
    QVERIFY(client.connectTo(m_port));
    client.send(request);
    const RawResponse r = client.response();
    QVERIFY2(r.status == status, client.data().left(400).constData());
    QVERIFY(client.waitClosed());
    QCOMPARE(call("GET", QStringLiteral("/health")).status, 200);
}

// ---- metrics, health, events -------------------------------------------------------------------

void TestApi::metrics()
{
    for (int i = 0; i < 3; ++i)
        QVERIFY(!submit(kModel).isEmpty());
    QVERIFY(!submit(kSmallModel).isEmpty());
    QCOMPARE(call("GET", QStringLiteral("/api/v1/tasks?state=bogus"), m_viewer.secret).status, 400);

    Response r;
    QTRY_VERIFY2_WITH_TIMEOUT(
        (r = call("GET", QStringLiteral("/metrics"), m_viewer.secret)).body.contains("llmsched_tasks_submitted_total{model=\"sim\"} 3\n"), r.text(),
        kWaitMs);
    QCOMPARE(r.status, 200);
    QVERIFY2(r.body.contains("llmsched_http_connections_open "), r.text());
    QVERIFY2(r.body.contains("llmsched_http_connections_refused_total{limit=\"per_address\"} 0\n"), r.text());
    QVERIFY2(r.body.contains("llmsched_http_slow_clients_dropped_total 0\n"), r.text());
    QVERIFY(r.header("content-type").startsWith("text/plain"));
    QVERIFY(r.body.contains("llmsched_tasks_submitted_total{model=\"small\"} 1\n"));
    QVERIFY(r.body.contains("# TYPE llmsched_tasks_submitted_total counter\n"));
    QVERIFY(r.body.contains("# TYPE llmsched_http_request_duration_seconds histogram\n"));
    QVERIFY(r.body.contains("llmsched_http_request_duration_seconds_count{route=\"POST /api/v1/tasks\",code=\"201\"} "));
    QVERIFY(r.body.contains("llmsched_http_request_duration_seconds_count{route=\"GET /api/v1/tasks\",code=\"400\"} 1\n"));
    QVERIFY(r.body.contains("llmsched_http_request_duration_seconds_bucket{route=\"POST /api/v1/tasks\",code=\"201\",le=\"+Inf\"} "));
    QTRY_VERIFY_WITH_TIMEOUT(call("GET", QStringLiteral("/metrics"), m_viewer.secret)
                                 .body.contains("llmsched_tasks_finished_total{model=\"sim\",state=\"succeeded\"} 3\n"),
        kWaitMs);
    // Attempt durations as a Prometheus histogram (issue 15: a cluster's
    // percentiles add up from its nodes' buckets): cumulative buckets that
    // never fall, +Inf equal to _count, a _sum.
    const QByteArray text = call("GET", QStringLiteral("/metrics"), m_viewer.secret).body;
    QVERIFY(text.contains("# TYPE llmsched_attempt_duration_seconds histogram\n"));
    QVERIFY(text.contains("# TYPE llmsched_queue_wait_seconds histogram\n"));
    qint64 previous = 0, buckets = 0, infinity = -1, count = -2;
    for (const QByteArray& line : text.split('\n')) {
        const qint64 value = line.mid(line.lastIndexOf(' ') + 1).toLongLong();
        if (line.startsWith("llmsched_attempt_duration_seconds_bucket{model=\"sim\",le=\"+Inf\"}"))
            infinity = value;
        else if (line.startsWith("llmsched_attempt_duration_seconds_bucket{model=\"sim\",")) {
            QVERIFY2(value >= previous, line.constData());
            previous = value;
            ++buckets;
        } else if (line.startsWith("llmsched_attempt_duration_seconds_count{model=\"sim\"}"))
            count = value;
    }
    QCOMPARE(buckets, qint64(Histogram::kBounds.size()));
    QVERIFY2(count >= 3, text.constData());
    QCOMPARE(infinity, count);
    QVERIFY(previous <= count);
    QVERIFY(text.contains("llmsched_attempt_duration_seconds_sum{model=\"sim\"} "));
    // Every sample line is "name{labels} value" with a number for the value.
    for (const QByteArray& line : call("GET", QStringLiteral("/metrics"), m_viewer.secret).body.split('\n')) {
        if (line.isEmpty() || line.startsWith('#'))
            continue;
        bool ok = false;
        line.mid(line.lastIndexOf(' ') + 1).toDouble(&ok);
        QVERIFY2(ok || line.endsWith(" NaN"), line.constData());
    }
}

void TestApi::nodeRegistry()
{
    // This node, as its heartbeat wrote it, with the address its API listens on.
    Response r;
    const QString address = QStringLiteral("http://127.0.0.1:%1").arg(m_port);
    QTRY_VERIFY2_WITH_TIMEOUT((r = call("GET", QStringLiteral("/api/v1/nodes"), m_viewer.secret))
                                  .json()
                                  .value(QLatin1String("nodes"))
                                  .toArray()
                                  .at(0)
                                  .toObject()
                                  .value(QLatin1String("address"))
                                  .toString()
            == address,
        r.text(), kWaitMs);
    QCOMPARE(r.status, 200);
    const QJsonArray nodes = r.json().value(QLatin1String("nodes")).toArray();
    QCOMPARE(nodes.size(), 1);
    const QJsonObject self = nodes.at(0).toObject();
    QCOMPARE(self.value(QLatin1String("id")).toString(), m_f->engine->nodeId());
    QCOMPARE(self.value(QLatin1String("self")).toBool(), true);
    QCOMPARE(self.value(QLatin1String("online")).toBool(), true);
    QCOMPARE(self.value(QLatin1String("version")).toString(), QStringLiteral(LLMSCHED_VERSION));
    QCOMPARE(self.value(QLatin1String("pid")).toInteger(), QCoreApplication::applicationPid());
    QVERIFY(self.value(QLatin1String("running")).isDouble());
    const auto heartbeat = isoToMs(self.value(QLatin1String("last_heartbeat")).toString());
    const auto lease = isoToMs(self.value(QLatin1String("lease_expires")).toString());
    QVERIFY(heartbeat && lease);
    QCOMPARE(*lease - *heartbeat, qint64(kLeaseMs));
    QCOMPARE(call("GET", QStringLiteral("/api/v1/nodes")).status, 401);
}

void TestApi::health()
{
    const Response r = call("GET", QStringLiteral("/health"));
    QCOMPARE(r.status, 200);
    QCOMPARE(r.json().value(QLatin1String("ready")).toBool(), true);
    QCOMPARE(r.json().value(QLatin1String("live")).toBool(), true);
    QCOMPARE(r.json().value(QLatin1String("status")).toString(), QStringLiteral("ok"));
    QVERIFY(!r.json().value(QLatin1String("version")).toString().isEmpty());
    QCOMPARE(r.json().value(QLatin1String("service")).toString(), QStringLiteral("llm-schedulerd"));
    // A token is not needed, and a bad one does not hurt.
    QCOMPARE(call("GET", QStringLiteral("/health"), QStringLiteral("llms_nonsense")).status, 200);
}

void TestApi::eventsStream()
{
    RawClient stream;
    QVERIFY(stream.connectTo(m_port));
    stream.send(rawRequest("GET", "/api/v1/events", m_viewer.secret));
    QVERIFY(waitUntil([&stream] { return !stream.events().isEmpty(); }));
    const RawResponse head = parseRaw(stream.data());
    QCOMPARE(head.status, 200);
    QVERIFY(head.head.toLower().contains("content-type: text/event-stream"));
    // The stream says where it stands (hello, with its id), then the statistics.
    QTRY_VERIFY(stream.events().size() >= 2);
    QCOMPARE(stream.events().constFirst().event, QByteArray("hello"));
    QVERIFY(!stream.events().constFirst().id.isEmpty());
    QCOMPARE(stream.events().constFirst().data.value(QLatin1String("version")).toString(), QStringLiteral(LLMSCHED_VERSION));
    QCOMPARE(stream.events().at(1).event, QByteArray("stats"));

    const QString id = submit(kModel);
    QVERIFY(!id.isEmpty());
    const auto created = [](const QJsonObject& e) { return e.value(QLatin1String("created")).toBool(); };
    const auto succeeded = [](const QJsonObject& e) { return e.value(QLatin1String("state")).toString() == QLatin1String("succeeded"); };
    QVERIFY2(waitUntil([&] { return indexOfEvent(stream.taskEvents(), id, succeeded) >= 0; }), stream.data().right(800).constData());
    const QList<QJsonObject> events = stream.taskEvents();
    const int createdAt = indexOfEvent(events, id, created);
    QVERIFY(createdAt >= 0);
    QVERIFY(createdAt < indexOfEvent(events, id, succeeded));
    QCOMPARE(events.at(createdAt).value(QLatin1String("model")).toString(), kModel);
    QCOMPARE(events.at(createdAt).value(QLatin1String("state")).toString(), QStringLiteral("queued"));
    // Events without a token are refused.
    RawClient anonymous;
    QVERIFY(anonymous.connectTo(m_port));
    anonymous.send(rawRequest("GET", "/api/v1/events", {}));
    QCOMPARE(anonymous.response().status, 401);
}

void TestApi::eventsResumeAfterLastEventId()
{
    RawClient first;
    QVERIFY(first.connectTo(m_port));
    first.send(rawRequest("GET", "/api/v1/events", m_viewer.secret));
    QVERIFY(waitUntil([&first] { return !first.events().isEmpty(); }));
    const QString seen = submit(kModel);
    const auto succeeded = [](const QJsonObject& e) { return e.value(QLatin1String("state")).toString() == QLatin1String("succeeded"); };
    QVERIFY(waitUntil([&] { return indexOfEvent(first.taskEvents(), seen, succeeded) >= 0; }));
    QByteArray lastId;
    for (const SseEvent& e : first.events())
        if (e.event == "task")
            lastId = e.id;
    QVERIFY(!lastId.isEmpty());
    first.socket().abort();

    // Work done while nobody listens is replayed to the client that names the last id it saw.
    const QString missed = submit(kModel);
    QVERIFY(waitUntil([&] { return await(m_f->engine->task(missed))->state == TaskState::Succeeded; }));
    RawClient resumed;
    QVERIFY(resumed.connectTo(m_port));
    resumed.send(rawRequest("GET", "/api/v1/events", m_viewer.secret, "Last-Event-ID: " + lastId + "\r\n"));
    QVERIFY(waitUntil([&] { return indexOfEvent(resumed.taskEvents(), missed, succeeded) >= 0; }));
    QCOMPARE(indexOfEvent(resumed.taskEvents(), seen, succeeded), -1); // nothing twice
    QVERIFY(indexOfEvent(resumed.taskEvents(), missed, [](const QJsonObject& e) { return e.value(QLatin1String("created")).toBool(); }) >= 0);
    for (const SseEvent& e : resumed.events())
        QVERIFY(e.event != "reset");

    // An id of another server run cannot be replayed: the client is told to load afresh.
    RawClient stale;
    QVERIFY(stale.connectTo(m_port));
    stale.send(rawRequest("GET", "/api/v1/events?last_event_id=otherboot-5", m_viewer.secret));
    QVERIFY(waitUntil([&stale] { return !stale.events().isEmpty(); }));
    QCOMPARE(stale.events().constFirst().event, QByteArray("reset"));
}

void TestApi::eventsFilteredByModel()
{
    QVERIFY(m_f->addModel(simModel(QStringLiteral("other"))));
    RawClient all;
    RawClient filtered;
    QVERIFY(all.connectTo(m_port));
    QVERIFY(filtered.connectTo(m_port));
    all.send(rawRequest("GET", "/api/v1/events", m_viewer.secret));
    filtered.send(rawRequest("GET", "/api/v1/events?model=other", m_viewer.secret));
    QVERIFY(waitUntil([&] { return !all.events().isEmpty() && !filtered.events().isEmpty(); }));

    const auto succeeded = [](const QJsonObject& e) { return e.value(QLatin1String("state")).toString() == QLatin1String("succeeded"); };
    const QString mine = submit(kModel);
    QVERIFY(waitUntil([&] { return indexOfEvent(all.taskEvents(), mine, succeeded) >= 0; }));
    const QString theirs = submit(QStringLiteral("other"));
    QVERIFY(waitUntil([&] { return indexOfEvent(filtered.taskEvents(), theirs, succeeded) >= 0; }));
    QVERIFY(indexOfEvent(all.taskEvents(), theirs, succeeded) >= 0);
    for (const QJsonObject& e : filtered.taskEvents())
        QVERIFY2(e.value(QLatin1String("model")).toString() == QLatin1String("other"), QJsonDocument(e).toJson().constData());
}

// ---- audit, rate limit, disconnects ---------------------------------------------------------

void TestApi::auditLog()
{
    QCOMPARE(call("POST", QStringLiteral("/api/v1/models"), m_admin.secret, toBytes(modelJson(QStringLiteral("audited")))).status, 201);
    const QString id = submit(kModel);
    QVERIFY(!id.isEmpty());
    QCOMPARE(call("POST", QStringLiteral("/api/v1/tasks"), m_operator.secret, QByteArrayLiteral("[]")).status, 422);
    QCOMPARE(call("GET", QStringLiteral("/api/v1/tasks"), m_viewer.secret).status, 200);
    QCOMPARE(call("POST", QStringLiteral("/api/v1/tasks"), m_viewer.secret, QByteArrayLiteral("[]")).status, 403);
    QCOMPARE(call("POST", QStringLiteral("/api/v1/tasks"), QStringLiteral("llms_not-a-token"), QByteArrayLiteral("[]")).status, 401);
    QCOMPARE(call("POST", QStringLiteral("/api/v1/tasks"), QString(), QByteArrayLiteral("[]")).status, 401);

    // Read at once: the audit request itself flushes what is pending.
    const Response r = call("GET", QStringLiteral("/api/v1/system/audit"), m_admin.secret);
    QVERIFY2(r.status == 200, r.text());
    const QJsonArray entries = r.json().value(QLatin1String("entries")).toArray();
    const auto find = [&entries](const QString& method, const QString& path, int status) {
        for (const QJsonValue& v : entries) {
            const QJsonObject e = v.toObject();
            if (e.value(QLatin1String("method")).toString() == method && e.value(QLatin1String("path")).toString() == path
                && e.value(QLatin1String("status")).toInt() == status)
                return e;
        }
        return QJsonObject();
    };
    const QJsonObject model = find(QStringLiteral("POST"), QStringLiteral("/api/v1/models"), 201);
    QVERIFY2(!model.isEmpty(), r.text());
    QCOMPARE(model.value(QLatin1String("token_id")).toString(), m_admin.token.id);
    QVERIFY(model.value(QLatin1String("summary")).toString().contains(QLatin1String("audited")));
    const QJsonObject task = find(QStringLiteral("POST"), QStringLiteral("/api/v1/tasks"), 201);
    QVERIFY2(!task.isEmpty(), r.text());
    QCOMPARE(task.value(QLatin1String("token_id")).toString(), m_operator.token.id);
    QCOMPARE(task.value(QLatin1String("remote")).toString().contains(QLatin1String("127.0.0.1")), true);
    QVERIFY(!find(QStringLiteral("POST"), QStringLiteral("/api/v1/tasks"), 422).isEmpty());
    QVERIFY(find(QStringLiteral("GET"), QStringLiteral("/api/v1/tasks"), 200).isEmpty()); // reads are not audited
    // A refused role is audited under the token that tried; a request without a
    // valid token is not (it names no one, and anyone could flood the log).
    QCOMPARE(find(QStringLiteral("POST"), QStringLiteral("/api/v1/tasks"), 403).value(QLatin1String("token_id")).toString(), m_viewer.token.id);
    QVERIFY(find(QStringLiteral("POST"), QStringLiteral("/api/v1/tasks"), 401).isEmpty());
    QCOMPARE(entries.size(), 4);
    QVERIFY(!r.body.contains(m_operator.secret.toLatin1()));

    // ?limit caps the answer, newest first.
    const Response limited = call("GET", QStringLiteral("/api/v1/system/audit?limit=1"), m_admin.secret);
    QCOMPARE(limited.json().value(QLatin1String("entries")).toArray().size(), 1);
    QCOMPARE(limited.json().value(QLatin1String("entries")).toArray().at(0).toObject().value(QLatin1String("status")).toInt(), 403);

    // Token use is recorded too.
    const auto operatorUsed = [this] {
        for (const QJsonValue& v : call("GET", QStringLiteral("/api/v1/tokens"), m_admin.secret).json().value(QLatin1String("tokens")).toArray())
            if (v.toObject().value(QLatin1String("id")).toString() == m_operator.token.id)
                return !v.toObject().value(QLatin1String("last_used_at")).isNull();
        return false;
    };
    QTRY_VERIFY_WITH_TIMEOUT(operatorUsed(), kWaitMs);

    // More changes than one flush takes (256) all arrive, in chunked multi-row inserts.
    constexpr int kMany = 301;
    for (int i = 0; i < kMany; ++i)
        QVERIFY(!submit(kModel).isEmpty());
    const Response all = call("GET", QStringLiteral("/api/v1/system/audit?limit=1000"), m_admin.secret);
    qsizetype submits = 0;
    for (const QJsonValue& v : all.json().value(QLatin1String("entries")).toArray())
        submits += v.toObject().value(QLatin1String("path")).toString() == QLatin1String("/api/v1/tasks")
            && v.toObject().value(QLatin1String("status")).toInt() == 201;
    QCOMPARE(submits, kMany + 1);
}

void TestApi::rateLimit()
{
    ApiOptions o;
    o.rateLimitPerSecond = 5;
    const quint16 port = startHost(o);
    QVERIFY(port != 0);

    constexpr int kRequests = 15;
    QList<Response> answers;
    QElapsedTimer clock;
    clock.start();
    for (int i = 0; i < kRequests; ++i)
        answers.append(call("GET", QStringLiteral("/api/v1/system/stats"), m_viewer.secret, {}, {}, port));
    const double seconds = static_cast<double>(clock.elapsed()) / 1000.0;
    // The burst is one second's worth: the first five pass.
    for (int i = 0; i < 5; ++i)
        QVERIFY2(answers.at(i).status == 200, answers.at(i).text());
    int passed = 0;
    int limited = 0;
    for (const Response& r : answers) {
        if (r.status == 200) {
            ++passed;
        } else {
            QVERIFY2(r.status == 429, r.text());
            QCOMPARE(r.errorCode(), QStringLiteral("rate_limited"));
            QVERIFY(!r.header("retry-after").isEmpty());
            ++limited;
        }
    }
    QVERIFY2(limited > 0, qPrintable(QStringLiteral("%1 requests in %2 s, none limited").arg(kRequests).arg(seconds)));
    QVERIFY2(passed <= 5 + static_cast<int>(seconds * 5) + 1, qPrintable(QStringLiteral("%1 passed in %2 s").arg(passed).arg(seconds)));
    // Another token has a bucket of its own; health has no token and no limit.
    QCOMPARE(call("GET", QStringLiteral("/api/v1/system/stats"), m_operator.secret, {}, {}, port).status, 200);
    for (int i = 0; i < 10; ++i)
        QCOMPARE(call("GET", QStringLiteral("/health"), {}, {}, {}, port).status, 200);
    // The first server has no limit.
    for (int i = 0; i < 10; ++i)
        QCOMPARE(call("GET", QStringLiteral("/api/v1/system/stats"), m_viewer.secret).status, 200);
}

void TestApi::clientLeavesEarly()
{
    QVERIFY(m_f->addModel(simModel(QStringLiteral("slow"), 3000)));
    const QString running = submit(QStringLiteral("slow"));
    QTRY_COMPARE_WITH_TIMEOUT(taskState(running), QStringLiteral("running"), kWaitMs);

    const QByteArray json = QByteArrayLiteral("Content-Type: application/json\r\n");
    const QByteArray task = taskBody(kModel);
    const QList<QByteArray> requests = {
        rawRequest("GET", "/api/v1/tasks?limit=1000", m_viewer.secret), rawRequest("GET", "/api/v1/tasks/" + running.toLatin1(), m_viewer.secret),
        rawRequest("POST", "/api/v1/tasks", m_operator.secret, json + "Content-Length: " + QByteArray::number(task.size()) + "\r\n") + task,
        rawRequest("DELETE", "/api/v1/tasks/" + running.toLatin1(), m_operator.secret), // waits for the call to stop
        rawRequest("GET", "/api/v1/system/audit", m_admin.secret), rawRequest("GET", "/api/v1/events", m_viewer.secret),
        rawRequest("POST", "/api/v1/tasks", m_operator.secret, json + "Content-Length: 500\r\n") + "{\"model\":", // body never completes
        QByteArray("GET /health HTTP/1.1\r\nHost: x\r\n"), // head never completes
    };
    for (int round = 0; round < 5; ++round) {
        for (const QByteArray& request : requests) {
            RawClient client;
            QVERIFY(client.connectTo(m_port));
            client.send(request);
            if (round % 2 == 1)
                QCoreApplication::processEvents(); // sometimes let the server start on it
            client.socket().abort();
        }
    }
    // Streams that left are dropped; events keep flowing to the rest.
    RawClient stream;
    QVERIFY(stream.connectTo(m_port));
    stream.send(rawRequest("GET", "/api/v1/events", m_viewer.secret));
    QVERIFY(waitUntil([&stream] { return !stream.events().isEmpty(); }));
    const QString after = submit(kModel);
    QVERIFY(waitUntil([&] {
        return indexOfEvent(stream.taskEvents(), after, [](const QJsonObject& e) {
            return e.value(QLatin1String("state")).toString() == QLatin1String("succeeded");
        }) >= 0;
    }));
    QCOMPARE(call("GET", QStringLiteral("/health")).status, 200);
    QCOMPARE(call("GET", QStringLiteral("/api/v1/tasks/") + after, m_viewer.secret).status, 200);
    // Whether or not a cancel got through before its client left, the task is not stuck.
    const auto ended = [&] {
        const QString state = taskState(running);
        return state == QLatin1String("cancelled") || state == QLatin1String("succeeded");
    };
    QTRY_VERIFY_WITH_TIMEOUT(ended(), kWaitMs);
}

void TestApi::pipelinedAndClose()
{
    // Three requests in one write: answered one at a time, in order, the
    // slow one (a committed submit) before the quick ones behind it.
    const QByteArray task = taskBody(kModel);
    RawClient client;
    QVERIFY(client.connectTo(m_port));
    client.send(rawRequest("POST", "/api/v1/tasks", m_operator.secret,
                    "Content-Type: application/json\r\nContent-Length: " + QByteArray::number(task.size()) + "\r\n")
        + task + rawRequest("GET", "/health", {}) + rawRequest("GET", "/api/v1/tasks/nope", m_viewer.secret));
    QVERIFY2(waitUntil([&client] { return parseAll(client.data()).size() == 3; }), client.data().constData());
    const QList<RawResponse> answers = parseAll(client.data());
    QCOMPARE(answers.at(0).status, 201);
    QCOMPARE(answers.at(1).status, 200);
    QCOMPARE(answers.at(2).status, 404);
    QCOMPARE(client.socket().state(), QAbstractSocket::ConnectedState); // keep-alive

    // Connection: close, and HTTP/1.0 without keep-alive: one answer, then the server closes.
    client.send(rawRequest("GET", "/health", {}, "Connection: close\r\n"));
    QVERIFY(client.waitClosed());
    QCOMPARE(parseAll(client.data()).size(), 4);
    RawClient old;
    QVERIFY(old.connectTo(m_port));
    old.send(QByteArrayLiteral("GET /health HTTP/1.0\r\n\r\n"));
    QVERIFY(old.waitClosed());
    QCOMPARE(parseRaw(old.data()).status, 200);

    // A head that arrives a few bytes at a time is still one request.
    RawClient slow;
    QVERIFY(slow.connectTo(m_port));
    const QByteArray request = rawRequest("GET", "/api/v1/system/stats", m_viewer.secret);
    for (qsizetype i = 0; i < request.size(); i += 7) {
        slow.send(request.mid(i, 7));
        QCoreApplication::processEvents();
    }
    QCOMPARE(slow.response().status, 200);
}

void TestApi::stopWithRequestsInFlight()
{
    // An open event stream and an OpenAI-style call waiting on a slow task
    // when the server stops: both clients are let go, the engine goes on.
    QVERIFY(m_f->addModel(simModel(QStringLiteral("slow"), 5000)));
    RawClient stream;
    QVERIFY(stream.connectTo(m_port));
    stream.send(rawRequest("GET", "/api/v1/events", m_viewer.secret));
    QVERIFY(waitUntil([&stream] { return !stream.events().isEmpty(); }));
    RawClient waiting;
    QVERIFY(waiting.connectTo(m_port));
    const QByteArray chat = QByteArrayLiteral("{\"model\":\"slow\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    waiting.send(rawRequest("POST", "/v1/chat/completions", m_operator.secret,
                     "Content-Type: application/json\r\nContent-Length: " + QByteArray::number(chat.size()) + "\r\n")
        + chat);
    const auto running = [this] {
        const Response r = call("GET", QStringLiteral("/api/v1/tasks?model=slow&state=running"), m_viewer.secret);
        return r.json().value(QLatin1String("tasks")).toArray().size() == 1;
    };
    QTRY_VERIFY_WITH_TIMEOUT(running(), kWaitMs);

    m_hosts.front()->stop();
    QVERIFY(stream.waitClosed());
    QVERIFY(waiting.waitClosed());
    const RawResponse dropped = parseRaw(waiting.data());
    QVERIFY2(dropped.status == 0 || dropped.status >= 500, waiting.data().constData());

    // The engine still works, and a new server on it answers.
    QCOMPARE(m_f->submit({ spec(kModel) }).size(), 1);
    m_port = startHost({});
    QVERIFY(m_port != 0);
    QCOMPARE(call("GET", QStringLiteral("/health")).status, 200);
    QCOMPARE(call("GET", QStringLiteral("/api/v1/tasks"), m_viewer.secret).json().value(QLatin1String("tasks")).toArray().size(), 2);
}

QTEST_GUILESS_MAIN(TestApi)

#include "tst_api.moc"
