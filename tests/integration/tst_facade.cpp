// The OpenAI-compatible facade over real sockets, against an in-process fake
// upstream: plain and streamed answers, errors, priorities, and a client that
// leaves cancelling its task; the Anthropic Messages and OpenAI Responses
// APIs on the same (OpenAI-dialect) upstream, streamed in small pieces with
// tool calls.

#include "api/apiserver.h"
#include "enginetestutil.h"
#include "fakellmserver.h"

#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QSignalSpy>

using namespace llmsched;
using namespace llmsched::test;
using namespace testutil;

namespace {
struct Response
{
    int status = 0;
    QByteArray body;
    QJsonObject json;
    QByteArray taskId;
};
} // namespace

class TestFacade : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();
    void plainChatCompletion();
    void streamedChatCompletion();
    void brokenStreamIsNotRetried();
    void embeddingsAndModels();
    void errorsInOpenAiShape();
    void priorityHeader();
    void clientLeavingCancelsTheTask();
    void callWhoseTaskIsNotStoredGetsAnError();
    void callLeavesBeforeItsRowCommits();
    void secretsAreWriteOnly();
    void messagesStreamedWithToolCalls();
    void messagesPlainAndErrors();
    void responsesPlainStreamedAndReadBack();
    void responsesErrorsAndCancel();

private:
    Response post(const QString& path, const QJsonObject& body, const QByteArray& token, const QByteArray& priority = {});
    // With these headers only (besides Content-Type).
    Response postWith(const QString& path, const QJsonObject& body, const QList<QPair<QByteArray, QByteArray>>& headers);
    Response get(const QString& path, const QByteArray& token);
    FakeReply toolReply() const;
    std::unique_ptr<FakeLlmServer> m_upstream;
    std::unique_ptr<EngineFixture> m_f;
    std::unique_ptr<ApiHost> m_api;
    QNetworkAccessManager m_nam;
    QString m_base;
    QByteArray m_operator;
    QByteArray m_viewer;
};

void TestFacade::init()
{
    m_upstream = std::make_unique<FakeLlmServer>();
    QVERIFY(m_upstream->listen());
    m_f = std::make_unique<EngineFixture>();
    QVERIFY(m_f->start());
    ModelConfig m;
    m.name = QStringLiteral("gpt-local");
    m.concurrency = 8;
    m.retry.maxAttempts = 1;
    EndpointConfig e;
    e.name = QStringLiteral("up");
    e.provider = QStringLiteral("openai");
    e.baseUrl = m_upstream->baseUrl() + QStringLiteral("/v1");
    e.healthCheckIntervalMs = 0;
    m.endpoints.append(e);
    QVERIFY(m_f->addModel(m));
    m_operator = await(m_f->engine->createToken(QStringLiteral("op"), Role::Operator))->secret.toLatin1();
    m_viewer = await(m_f->engine->createToken(QStringLiteral("view"), Role::Viewer))->secret.toLatin1();
    ApiOptions o;
    o.port = 0;
    m_api = std::make_unique<ApiHost>(*m_f->engine, o);
    const auto port = m_api->start();
    QVERIFY(port);
    m_base = QStringLiteral("http://127.0.0.1:%1").arg(*port);
}

void TestFacade::cleanup()
{
    m_api.reset();
    m_f.reset();
    m_upstream.reset();
}

Response TestFacade::post(const QString& path, const QJsonObject& body, const QByteArray& token, const QByteArray& priority)
{
    QNetworkRequest req(QUrl(m_base + path));
    req.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    if (!token.isEmpty())
        req.setRawHeader("Authorization", "Bearer " + token);
    if (!priority.isEmpty())
        req.setRawHeader("X-Priority", priority);
    QNetworkReply* reply = m_nam.post(req, QJsonDocument(body).toJson(QJsonDocument::Compact));
    QSignalSpy done(reply, &QNetworkReply::finished);
    if (!reply->isFinished())
        done.wait(15000); // (a reply finished before the spy existed is caught by isFinished)
    Response r;
    r.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    r.body = reply->readAll();
    r.json = QJsonDocument::fromJson(r.body).object();
    r.taskId = reply->rawHeader("X-Task-Id");
    reply->deleteLater();
    return r;
}

Response TestFacade::postWith(const QString& path, const QJsonObject& body, const QList<QPair<QByteArray, QByteArray>>& headers)
{
    QNetworkRequest req(QUrl(m_base + path));
    req.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    for (const auto& [name, value] : headers)
        req.setRawHeader(name, value);
    QNetworkReply* reply = m_nam.post(req, QJsonDocument(body).toJson(QJsonDocument::Compact));
    QSignalSpy done(reply, &QNetworkReply::finished);
    if (!reply->isFinished())
        done.wait(15000);
    Response r;
    r.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    r.body = reply->readAll();
    r.json = QJsonDocument::fromJson(r.body).object();
    r.taskId = reply->rawHeader("X-Task-Id");
    reply->deleteLater();
    return r;
}

Response TestFacade::get(const QString& path, const QByteArray& token)
{
    QNetworkRequest req(QUrl(m_base + path));
    req.setRawHeader("Authorization", "Bearer " + token);
    QNetworkReply* reply = m_nam.get(req);
    QSignalSpy done(reply, &QNetworkReply::finished);
    if (!reply->isFinished())
        done.wait(15000);
    Response r;
    r.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    r.body = reply->readAll();
    r.json = QJsonDocument::fromJson(r.body).object();
    reply->deleteLater();
    return r;
}

// Text, then a tool call, streamed in 5-byte pieces (events split anywhere).
FakeReply TestFacade::toolReply() const
{
    FakeReply reply;
    reply.text = QStringLiteral("Let me look that up.");
    reply.toolCalls = { { QStringLiteral("call_7"), QStringLiteral("get_weather"), QStringLiteral(R"({"city":"Paris","unit":"C"})") } };
    reply.promptTokens = 31;
    reply.completionTokens = 9;
    reply.chunkBytes = 5;
    reply.chunkDelayMs = 1;
    return reply;
}

namespace {
struct SseEvent
{
    QString name;
    QJsonObject data;
};
QList<SseEvent> sseEvents(const QByteArray& body)
{
    QList<SseEvent> out;
    for (const QByteArray& line : body.split('\n')) {
        if (line.startsWith("event: "))
            out.append({ QString::fromUtf8(line.mid(7)), {} });
        else if (line.startsWith("data: ") && !out.isEmpty())
            out.last().data = QJsonDocument::fromJson(line.mid(6)).object();
    }
    return out;
}
QStringList namesOf(const QList<SseEvent>& events)
{
    QStringList names;
    for (const SseEvent& e : events)
        names.append(e.name);
    return names;
}
} // namespace

static QJsonObject chatBody(bool stream = false)
{
    QJsonObject b { { QStringLiteral("model"), QStringLiteral("gpt-local") },
        { QStringLiteral("messages"),
            QJsonArray {
                QJsonObject { { QStringLiteral("role"), QStringLiteral("user") }, { QStringLiteral("content"), QStringLiteral("hello") } } } } };
    if (stream)
        b.insert(QStringLiteral("stream"), true);
    return b;
}

void TestFacade::plainChatCompletion()
{
    FakeReply reply;
    reply.text = QStringLiteral("Relayed through the queue");
    reply.promptTokens = 7;
    reply.completionTokens = 4;
    m_upstream->setDefaultReply(reply);
    const Response r = post(QStringLiteral("/v1/chat/completions"), chatBody(), m_operator);
    QCOMPARE(r.status, 200);
    QCOMPARE(r.json.value(QLatin1String("object")).toString(), QStringLiteral("chat.completion"));
    QCOMPARE(firstContent(r.json), reply.text);
    QCOMPARE(r.json.value(QLatin1String("usage")).toObject().value(QLatin1String("total_tokens")).toInt(), 11);
    // It was a real task, stored with its answer.
    QVERIFY(!r.taskId.isEmpty());
    const auto task = await(m_f->engine->task(QString::fromLatin1(r.taskId)));
    QVERIFY(task);
    QCOMPARE(task->state, TaskState::Succeeded);
    QCOMPARE(task->spec.priority, 1); // high by default
    QCOMPARE(m_upstream->requestCount(), 1);
}

void TestFacade::streamedChatCompletion()
{
    FakeReply reply;
    reply.text = QStringLiteral("one two three four five six");
    reply.chunkBytes = 7;
    reply.chunkDelayMs = 1;
    m_upstream->setDefaultReply(reply);
    const Response r = post(QStringLiteral("/v1/chat/completions"), chatBody(true), m_operator);
    QCOMPARE(r.status, 200);
    QString text;
    bool done = false;
    bool usage = false;
    int chunks = 0;
    for (const QByteArray& line : r.body.split('\n')) {
        if (!line.startsWith("data: "))
            continue;
        const QByteArray data = line.mid(6);
        if (data == "[DONE]") {
            done = true;
            continue;
        }
        QVERIFY2(!done, "data after [DONE]");
        const QJsonObject chunk = QJsonDocument::fromJson(data).object();
        QCOMPARE(chunk.value(QLatin1String("object")).toString(), QStringLiteral("chat.completion.chunk"));
        ++chunks;
        usage = usage || chunk.contains(QLatin1String("usage"));
        for (const QJsonValue& c : chunk.value(QLatin1String("choices")).toArray())
            text += c.toObject().value(QLatin1String("delta")).toObject().value(QLatin1String("content")).toString();
    }
    QVERIFY(done);
    QCOMPARE(text, reply.text);
    QVERIFY(chunks >= 6); // one per word, relayed as they came
    QVERIFY(usage);
    const auto task = await(m_f->engine->task(QString::fromLatin1(r.taskId)));
    QCOMPARE(task->state, TaskState::Succeeded);
}

// The upstream breaks off a streamed answer halfway. Another attempt would
// send the caller the beginning again, so the task is not retried (although
// its model allows three attempts): the caller gets what came, an error
// event and [DONE]; the task is dead with the reason.
void TestFacade::brokenStreamIsNotRetried()
{
    ModelConfig m = m_f->engine->models().value(0);
    m.retry.maxAttempts = 3;
    m.retry.initialDelayMs = 1;
    QVERIFY(await(m_f->engine->upsertModel(m)));
    FakeReply reply;
    reply.text = QStringLiteral("alpha beta gamma delta epsilon zeta eta theta");
    reply.chunkDelayMs = 1;
    reply.action = FakeReply::Action::CloseMidBody;
    m_upstream->setDefaultReply(reply);

    const Response r = post(QStringLiteral("/v1/chat/completions"), chatBody(true), m_operator);
    QCOMPARE(r.status, 200);
    QString text;
    QString error;
    bool done = false;
    for (const QByteArray& line : r.body.split('\n')) {
        if (!line.startsWith("data: "))
            continue;
        if (line.mid(6) == "[DONE]") {
            done = true;
            continue;
        }
        const QJsonObject chunk = QJsonDocument::fromJson(line.mid(6)).object();
        error += chunk.value(QLatin1String("error")).toObject().value(QLatin1String("message")).toString();
        for (const QJsonValue& c : chunk.value(QLatin1String("choices")).toArray())
            text += c.toObject().value(QLatin1String("delta")).toObject().value(QLatin1String("content")).toString();
    }
    QVERIFY(done);
    QVERIFY2(!text.isEmpty() && reply.text.startsWith(text) && text != reply.text, qPrintable(text)); // the first part, once
    QVERIFY2(error.contains(QLatin1String("not retried")), qPrintable(error));
    QCOMPARE(m_upstream->requestCount(), 1);
    const auto task = await(m_f->engine->task(QString::fromLatin1(r.taskId)));
    QCOMPARE(task->state, TaskState::Dead);
    QCOMPARE(task->attempts, 1);

    // Without a caller streaming it, the same failure is retried as usual.
    int calls = 0;
    m_upstream->setHandler([&calls, reply](const FakeRequest&) {
        FakeReply next = reply;
        if (++calls > 1)
            next.action = FakeReply::Action::Respond;
        return next;
    });
    TaskSpec spec;
    spec.model = m.name;
    spec.input = QByteArrayLiteral(R"({"messages":[{"role":"user","content":"hi"}]})");
    const auto submitted = await(m_f->engine->submit({ spec }));
    QVERIFY(submitted);
    const QString id = submitted->first().id.toString();
    QTRY_COMPARE_WITH_TIMEOUT(await(m_f->engine->task(id))->state, TaskState::Succeeded, 10000);
    QCOMPARE(calls, 2);
}

void TestFacade::embeddingsAndModels()
{
    const Response e = post(QStringLiteral("/v1/embeddings"),
        { { QStringLiteral("model"), QStringLiteral("gpt-local") }, { QStringLiteral("input"), QStringLiteral("vector") } }, m_operator);
    QCOMPARE(e.status, 200);
    QVERIFY(e.json.value(QLatin1String("data")).isArray());
    QNetworkRequest req(QUrl(m_base + QStringLiteral("/v1/models")));
    req.setRawHeader("Authorization", "Bearer " + m_viewer);
    QNetworkReply* reply = m_nam.get(req);
    QSignalSpy spy(reply, &QNetworkReply::finished);
    QVERIFY(spy.wait(5000));
    const QJsonObject list = QJsonDocument::fromJson(reply->readAll()).object();
    reply->deleteLater();
    QCOMPARE(list.value(QLatin1String("object")).toString(), QStringLiteral("list"));
    QCOMPARE(list.value(QLatin1String("data")).toArray().at(0).toObject().value(QLatin1String("id")).toString(), QStringLiteral("gpt-local"));
}

void TestFacade::errorsInOpenAiShape()
{
    QJsonObject unknown = chatBody();
    unknown.insert(QStringLiteral("model"), QStringLiteral("gpt-99"));
    Response r = post(QStringLiteral("/v1/chat/completions"), unknown, m_operator);
    QCOMPARE(r.status, 404);
    const QJsonObject err = r.json.value(QLatin1String("error")).toObject();
    QCOMPARE(err.value(QLatin1String("code")).toString(), QStringLiteral("model_not_found"));
    QCOMPARE(err.value(QLatin1String("param")).toString(), QStringLiteral("model"));
    QCOMPARE(err.value(QLatin1String("type")).toString(), QStringLiteral("invalid_request_error"));

    QJsonObject noMessages { { QStringLiteral("model"), QStringLiteral("gpt-local") } };
    r = post(QStringLiteral("/v1/chat/completions"), noMessages, m_operator);
    QCOMPARE(r.status, 400);
    QCOMPARE(r.json.value(QLatin1String("error")).toObject().value(QLatin1String("param")).toString(), QStringLiteral("messages"));

    QCOMPARE(post(QStringLiteral("/v1/chat/completions"), chatBody(), {}).status, 401);
    QCOMPARE(post(QStringLiteral("/v1/chat/completions"), chatBody(), m_viewer).status, 403);

    // The upstream refuses the request: its 400 and message come back.
    FakeReply refuse;
    refuse.status = 400;
    refuse.body = R"({"error":{"message":"max_tokens is too large","type":"invalid_request_error"}})";
    m_upstream->setDefaultReply(refuse);
    r = post(QStringLiteral("/v1/chat/completions"), chatBody(), m_operator);
    QCOMPARE(r.status, 400);
    QVERIFY2(
        r.json.value(QLatin1String("error")).toObject().value(QLatin1String("message")).toString().contains(QLatin1String("max_tokens is too large")),
        r.body.constData());
    // A broken upstream is a bad gateway.
    FakeReply broken;
    broken.status = 500;
    m_upstream->setDefaultReply(broken);
    QCOMPARE(post(QStringLiteral("/v1/chat/completions"), chatBody(), m_operator).status, 502);
}

void TestFacade::priorityHeader()
{
    Response r = post(QStringLiteral("/v1/chat/completions"), chatBody(), m_operator, QByteArrayLiteral("low"));
    QCOMPARE(r.status, 200);
    QCOMPARE(await(m_f->engine->task(QString::fromLatin1(r.taskId)))->spec.priority, 8);
    r = post(QStringLiteral("/v1/chat/completions"), chatBody(), m_operator, QByteArrayLiteral("42"));
    QCOMPARE(r.status, 400);
    QCOMPARE(r.json.value(QLatin1String("error")).toObject().value(QLatin1String("param")).toString(), QStringLiteral("X-Priority"));
}

void TestFacade::clientLeavingCancelsTheTask()
{
    FakeReply hang;
    hang.action = FakeReply::Action::Hang;
    m_upstream->setDefaultReply(hang);
    QSignalSpy received(m_upstream.get(), &FakeLlmServer::requestReceived);
    QNetworkRequest req(QUrl(m_base + QStringLiteral("/v1/chat/completions")));
    req.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    req.setRawHeader("Authorization", "Bearer " + m_operator);
    QNetworkReply* reply = m_nam.post(req, QJsonDocument(chatBody()).toJson(QJsonDocument::Compact));
    QTRY_COMPARE_WITH_TIMEOUT(received.count(), 1, 10000); // the call reached the upstream
    reply->abort();
    reply->deleteLater();
    // The task is cancelled and its upstream call aborted.
    QTRY_COMPARE_WITH_TIMEOUT(m_upstream->clientAborts(), 1, 10000);
    TaskFilter f;
    f.states = { TaskState::Cancelled };
    QTRY_VERIFY_WITH_TIMEOUT(await(m_f->engine->tasks(f))->tasks.size() == 1, 10000);
}

void TestFacade::callWhoseTaskIsNotStoredGetsAnError()
{
    // A facade call may start before its row commits (one commit less on its
    // path). When that commit fails, the caller gets a retryable error, the
    // upstream call does not stay behind, and the engine carries on.
    FakeReply hang;
    hang.action = FakeReply::Action::Hang;
    m_upstream->setDefaultReply(hang);
    {
        RawConnection raw(m_f->dbPath());
        QVERIFY(raw.refuseTaskInserts(true));
    }
    const Response r = post(QStringLiteral("/v1/chat/completions"), chatBody(), m_operator);
    QCOMPARE(r.status, 503);
    const QString message = r.json.value(QLatin1String("error")).toObject().value(QLatin1String("message")).toString();
    QVERIFY2(message.contains(QLatin1String("not stored")) && message.contains(QLatin1String("simulated full disk")), qPrintable(message));
    const auto unfinished = [this] {
        const ModelSnapshot m = m_f->engine->snapshot()->models.value(0);
        return m.states[static_cast<int>(TaskState::Queued)] + m.states[static_cast<int>(TaskState::Running)] + m.inflight;
    };
    QTRY_COMPARE_WITH_TIMEOUT(unfinished(), qint64(0), 10000);
    QCOMPARE(await(m_f->engine->tasks(TaskFilter {}))->tasks.size(), 0);

    {
        RawConnection raw(m_f->dbPath());
        QVERIFY(raw.refuseTaskInserts(false));
    }
    m_upstream->setDefaultReply(FakeReply {});
    const Response ok = post(QStringLiteral("/v1/chat/completions"), chatBody(), m_operator);
    QCOMPARE(ok.status, 200);
    TaskFilter f;
    f.states = { TaskState::Succeeded };
    QTRY_COMPARE_WITH_TIMEOUT(await(m_f->engine->tasks(f))->tasks.size(), 1, 10000);
}

void TestFacade::callLeavesBeforeItsRowCommits()
{
    // A facade call's upstream request does not wait for its row to be stored
    // (the row and its attempt commit together while the call runs), but its
    // answer waits for that commit. Here another connection holds the
    // database's write lock until the upstream has the request.
    RawConnection raw(m_f->dbPath());
    QVERIFY(raw.isOpen());
    if (raw.isPostgres())
        QVERIFY(raw.exec(QStringLiteral("BEGIN")) && raw.exec(QStringLiteral("LOCK TABLE tasks IN SHARE ROW EXCLUSIVE MODE")));
    else
        QVERIFY(raw.exec(QStringLiteral("BEGIN IMMEDIATE"))); // the engine waits up to 2 s for it
    QNetworkRequest req(QUrl(m_base + QStringLiteral("/v1/chat/completions")));
    req.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    req.setRawHeader("Authorization", "Bearer " + m_operator);
    QNetworkReply* reply = m_nam.post(req, QJsonDocument(chatBody()).toJson(QJsonDocument::Compact));
    QSignalSpy done(reply, &QNetworkReply::finished);
    QTRY_COMPARE_WITH_TIMEOUT(m_upstream->requestCount(), 1, 1500);
    QVERIFY(!reply->isFinished()); // answered by the upstream, not yet to the caller
    QCOMPARE(raw.scalar(QStringLiteral("SELECT COUNT(*) FROM tasks")).toInt(), 0);
    QVERIFY(raw.exec(QStringLiteral("COMMIT")));
    QVERIFY(reply->isFinished() || done.wait(15000));
    QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
    const QByteArray id = reply->rawHeader("X-Task-Id");
    reply->deleteLater();
    const auto task = await(m_f->engine->task(QString::fromLatin1(id)));
    QVERIFY(task);
    QCOMPARE(task->state, TaskState::Succeeded);
    QCOMPARE(task->attempts, 1);
    QCOMPARE(m_upstream->requestCount(), 1);
}

void TestFacade::secretsAreWriteOnly()
{
    // No keychain service reachable (as on a headless host): a clear 503, and
    // the value never comes back in any answer.
    qunsetenv("DBUS_SESSION_BUS_ADDRESS");
    qunsetenv("DISPLAY");
    qunsetenv("WAYLAND_DISPLAY");
    const QByteArray admin = await(m_f->engine->createToken(QStringLiteral("admin"), Role::Admin))->secret.toLatin1();
    const QJsonObject body { { QStringLiteral("value"), QStringLiteral("sk-secret-value-0123456789") } };
    const auto put = [&](const QByteArray& token) {
        QNetworkRequest req(QUrl(m_base + QStringLiteral("/api/v1/secrets/openai")));
        req.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
        req.setRawHeader("Authorization", "Bearer " + token);
        QNetworkReply* reply = m_nam.put(req, QJsonDocument(body).toJson(QJsonDocument::Compact));
        QSignalSpy done(reply, &QNetworkReply::finished);
        if (!reply->isFinished())
            done.wait(15000);
        Response r;
        r.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        r.body = reply->readAll();
        reply->deleteLater();
        return r;
    };
    QCOMPARE(put(m_operator).status, 403);
    const Response r = put(admin);
    QVERIFY2(r.status == 503 || r.status == 200, r.body.constData());
    QVERIFY(!r.body.contains("sk-secret-value"));
    if (r.status == 503)
        QVERIFY2(r.body.contains("keychain"), r.body.constData());
    else
        QVERIFY(r.body.contains("keychain:openai"));
}

void TestFacade::messagesStreamedWithToolCalls()
{
    const FakeReply reply = toolReply();
    m_upstream->setDefaultReply(reply);
    const QJsonObject body = QJsonDocument::fromJson(R"({"model":"gpt-local","max_tokens":300,"system":"be brief","stream":true,
        "stop_sequences":["END"],"messages":[{"role":"user","content":"Weather in Paris?"}],
        "tools":[{"name":"get_weather","input_schema":{"type":"object"}}]})")
                                 .object();
    // The Anthropic SDK's way: x-api-key and anthropic-version.
    const Response r = postWith(QStringLiteral("/v1/messages"), body, { { "x-api-key", m_operator }, { "anthropic-version", "2023-06-01" } });
    QCOMPARE(r.status, 200);
    const QList<SseEvent> events = sseEvents(r.body);
    QStringList expected { QStringLiteral("message_start"), QStringLiteral("content_block_start") };
    QString text;
    QString json;
    for (const SseEvent& e : events) {
        QCOMPARE(e.data.value(QLatin1String("type")).toString(), e.name);
        const QJsonObject delta = e.data.value(QLatin1String("delta")).toObject();
        if (e.name == QLatin1String("content_block_delta") && e.data.value(QLatin1String("index")).toInt() == 0)
            text += delta.value(QLatin1String("text")).toString();
        if (e.name == QLatin1String("content_block_delta") && e.data.value(QLatin1String("index")).toInt() == 1)
            json += delta.value(QLatin1String("partial_json")).toString();
    }
    // Relayed as it came: several deltas per block, blocks in turn.
    QStringList names = namesOf(events);
    names.removeDuplicates();
    QCOMPARE(names,
        (QStringList { QStringLiteral("message_start"), QStringLiteral("content_block_start"), QStringLiteral("content_block_delta"),
            QStringLiteral("content_block_stop"), QStringLiteral("message_delta"), QStringLiteral("message_stop") }));
    QVERIFY(namesOf(events).count(QStringLiteral("content_block_delta")) >= 4);
    QCOMPARE(namesOf(events).count(QStringLiteral("content_block_start")), 2);
    QCOMPARE(text, reply.text);
    QCOMPARE(json, reply.toolCalls.first().arguments);
    const SseEvent& toolStart = events.at(namesOf(events).lastIndexOf(QStringLiteral("content_block_start")));
    QCOMPARE(toolStart.data.value(QLatin1String("content_block")).toObject().value(QLatin1String("name")).toString(), QStringLiteral("get_weather"));
    QCOMPARE(toolStart.data.value(QLatin1String("content_block")).toObject().value(QLatin1String("id")).toString(), QStringLiteral("call_7"));
    const SseEvent& end = events.at(events.size() - 2);
    QCOMPARE(end.data.value(QLatin1String("delta")).toObject().value(QLatin1String("stop_reason")).toString(), QStringLiteral("tool_use"));
    QCOMPARE(end.data.value(QLatin1String("usage")).toObject().value(QLatin1String("output_tokens")).toInt(), 9);
    QCOMPARE(end.data.value(QLatin1String("usage")).toObject().value(QLatin1String("input_tokens")).toInt(), 31);

    // What went upstream: a chat request.
    const QJsonObject sent = m_upstream->requests().last().json;
    QCOMPARE(m_upstream->requests().last().path, QByteArrayLiteral("/v1/chat/completions"));
    QCOMPARE(sent.value(QLatin1String("max_tokens")).toInt(), 300);
    QCOMPARE(sent.value(QLatin1String("stop")).toArray().at(0).toString(), QStringLiteral("END"));
    QCOMPARE(sent.value(QLatin1String("messages")).toArray().at(0).toObject().value(QLatin1String("role")).toString(), QStringLiteral("system"));
    QCOMPARE(sent.value(QLatin1String("tools"))
                 .toArray()
                 .at(0)
                 .toObject()
                 .value(QLatin1String("function"))
                 .toObject()
                 .value(QLatin1String("name"))
                 .toString(),
        QStringLiteral("get_weather"));
    // A queued task like any other, labelled with the API it came from.
    const auto task = await(m_f->engine->task(QString::fromLatin1(r.taskId)));
    QVERIFY(task);
    QCOMPARE(task->state, TaskState::Succeeded);
    QCOMPARE(task->spec.labels.value(QLatin1String("api")).toString(), QStringLiteral("messages"));
}

void TestFacade::messagesPlainAndErrors()
{
    m_upstream->setDefaultReply(toolReply());
    const QJsonObject body = QJsonDocument::fromJson(R"({"model":"gpt-local","max_tokens":64,"messages":[{"role":"user","content":"hi"}]})").object();
    Response r = postWith(QStringLiteral("/v1/messages"), body, { { "Authorization", "Bearer " + m_operator } });
    QCOMPARE(r.status, 200);
    QCOMPARE(r.json.value(QLatin1String("type")).toString(), QStringLiteral("message"));
    QCOMPARE(r.json.value(QLatin1String("id")).toString(), QStringLiteral("msg_") + QString::fromLatin1(r.taskId));
    const QJsonArray content = r.json.value(QLatin1String("content")).toArray();
    QCOMPARE(content.size(), 2);
    QCOMPARE(content.at(0).toObject().value(QLatin1String("text")).toString(), QStringLiteral("Let me look that up."));
    QCOMPARE(content.at(1).toObject().value(QLatin1String("input")).toObject().value(QLatin1String("unit")).toString(), QStringLiteral("C"));
    QCOMPARE(r.json.value(QLatin1String("stop_reason")).toString(), QStringLiteral("tool_use"));

    const auto anthropicError = [](const Response& a) {
        return a.json.value(QLatin1String("type")).toString() == QLatin1String("error")
            ? a.json.value(QLatin1String("error")).toObject().value(QLatin1String("type")).toString()
            : QString();
    };
    r = postWith(QStringLiteral("/v1/messages"), body, { { "x-api-key", "llms_wrong" } });
    QCOMPARE(r.status, 401);
    QCOMPARE(anthropicError(r), QStringLiteral("authentication_error"));
    r = postWith(QStringLiteral("/v1/messages"), body, { { "x-api-key", m_viewer } });
    QCOMPARE(r.status, 403);
    QCOMPARE(anthropicError(r), QStringLiteral("permission_error"));
    QJsonObject unknown = body;
    unknown.insert(QStringLiteral("model"), QStringLiteral("claude-nope"));
    r = postWith(QStringLiteral("/v1/messages"), unknown, { { "x-api-key", m_operator } });
    QCOMPARE(r.status, 404);
    QCOMPARE(anthropicError(r), QStringLiteral("not_found_error"));
    QJsonObject noMax = body;
    noMax.remove(QStringLiteral("max_tokens"));
    const int before = m_upstream->requestCount();
    r = postWith(QStringLiteral("/v1/messages"), noMax, { { "x-api-key", m_operator } });
    QCOMPARE(r.status, 400);
    QCOMPARE(anthropicError(r), QStringLiteral("invalid_request_error"));
    QCOMPARE(m_upstream->requestCount(), before); // nothing went upstream
    // The upstream's own refusal comes back in Anthropic's shape.
    FakeReply refuse;
    refuse.status = 400;
    refuse.body = R"({"error":{"message":"context too long","type":"invalid_request_error"}})";
    m_upstream->setDefaultReply(refuse);
    r = postWith(QStringLiteral("/v1/messages"), body, { { "x-api-key", m_operator } });
    QCOMPARE(r.status, 400);
    QCOMPARE(anthropicError(r), QStringLiteral("invalid_request_error"));
    QVERIFY(r.json.value(QLatin1String("error")).toObject().value(QLatin1String("message")).toString().contains(QLatin1String("context too long")));
    // A broken upstream while streaming: an error event ends the stream.
    FakeReply broken;
    broken.status = 500;
    m_upstream->setDefaultReply(broken);
    QJsonObject streamed = body;
    streamed.insert(QStringLiteral("stream"), true);
    r = postWith(QStringLiteral("/v1/messages"), streamed, { { "x-api-key", m_operator } });
    QCOMPARE(r.status, 200);
    const QList<SseEvent> events = sseEvents(r.body);
    QCOMPARE(namesOf(events), (QStringList { QStringLiteral("message_start"), QStringLiteral("error") }));
    QCOMPARE(events.last().data.value(QLatin1String("error")).toObject().value(QLatin1String("type")).toString(), QStringLiteral("api_error"));
}

void TestFacade::responsesPlainStreamedAndReadBack()
{
    m_upstream->setDefaultReply(toolReply());
    const QJsonObject body = QJsonDocument::fromJson(R"({"model":"gpt-local","input":"Weather in Paris?","instructions":"be brief",
        "max_output_tokens":200,"metadata":{"ticket":"42"},"tools":[{"type":"function","name":"get_weather","parameters":{"type":"object"}}]})")
                                 .object();
    Response r = post(QStringLiteral("/v1/responses"), body, m_operator);
    QCOMPARE(r.status, 200);
    const QString id = r.json.value(QLatin1String("id")).toString();
    QCOMPARE(id, QStringLiteral("resp_") + QString::fromLatin1(r.taskId));
    QCOMPARE(r.json.value(QLatin1String("status")).toString(), QStringLiteral("completed"));
    const QJsonArray output = r.json.value(QLatin1String("output")).toArray();
    QCOMPARE(output.size(), 2);
    QCOMPARE(output.at(0).toObject().value(QLatin1String("content")).toArray().at(0).toObject().value(QLatin1String("text")).toString(),
        QStringLiteral("Let me look that up."));
    QCOMPARE(output.at(1).toObject().value(QLatin1String("type")).toString(), QStringLiteral("function_call"));
    QCOMPARE(output.at(1).toObject().value(QLatin1String("call_id")).toString(), QStringLiteral("call_7"));
    QCOMPARE(r.json.value(QLatin1String("usage")).toObject().value(QLatin1String("total_tokens")).toInt(), 40);
    QCOMPARE(r.json.value(QLatin1String("metadata")).toObject().value(QLatin1String("ticket")).toString(), QStringLiteral("42"));
    QCOMPARE(r.json.value(QLatin1String("tools")).toArray().at(0).toObject().value(QLatin1String("name")).toString(), QStringLiteral("get_weather"));
    const QJsonObject sent = m_upstream->requests().last().json;
    QCOMPARE(sent.value(QLatin1String("max_tokens")).toInt(), 200);
    QCOMPARE(sent.value(QLatin1String("messages")).toArray().at(0).toObject().value(QLatin1String("content")).toString(), QStringLiteral("be brief"));

    // Read back: the same response (but for created_at, which is the task's).
    Response back = get(QStringLiteral("/v1/responses/") + id, m_viewer);
    QCOMPARE(back.status, 200);
    QJsonObject a = r.json;
    QJsonObject b = back.json;
    a.remove(QStringLiteral("created_at"));
    b.remove(QStringLiteral("created_at"));
    QCOMPARE(b, a);

    // Streamed in 5-byte pieces: the official event sequence, adding up to the same output.
    QJsonObject streamed = body;
    streamed.insert(QStringLiteral("stream"), true);
    r = post(QStringLiteral("/v1/responses"), streamed, m_operator);
    QCOMPARE(r.status, 200);
    const QList<SseEvent> events = sseEvents(r.body);
    QStringList names = namesOf(events);
    QCOMPARE(names.first(), QStringLiteral("response.created"));
    QCOMPARE(names.at(1), QStringLiteral("response.in_progress"));
    QCOMPARE(names.last(), QStringLiteral("response.completed"));
    QVERIFY(names.count(QStringLiteral("response.output_text.delta")) >= 3);
    QVERIFY(names.count(QStringLiteral("response.function_call_arguments.delta")) >= 2);
    QString text;
    QString args;
    for (qsizetype i = 0; i < events.size(); ++i) {
        QCOMPARE(events.at(i).data.value(QLatin1String("sequence_number")).toInt(), i);
        if (events.at(i).name == QLatin1String("response.output_text.delta"))
            text += events.at(i).data.value(QLatin1String("delta")).toString();
        if (events.at(i).name == QLatin1String("response.function_call_arguments.delta"))
            args += events.at(i).data.value(QLatin1String("delta")).toString();
    }
    QCOMPARE(text, QStringLiteral("Let me look that up."));
    QCOMPARE(args, toolReply().toolCalls.first().arguments);
    // Each item: added, its deltas, done; the text item before the call.
    const qsizetype textDone = names.indexOf(QStringLiteral("response.output_text.done"));
    const qsizetype callAdded = names.lastIndexOf(QStringLiteral("response.output_item.added"));
    QVERIFY(textDone > 0 && callAdded > textDone);
    QVERIFY(names.indexOf(QStringLiteral("response.function_call_arguments.done")) > callAdded);
    const QJsonObject completed = events.last().data.value(QLatin1String("response")).toObject();
    QCOMPARE(completed.value(QLatin1String("output")).toArray().size(), 2);
    QCOMPARE(completed.value(QLatin1String("usage")).toObject().value(QLatin1String("output_tokens")).toInt(), 9);

    // previous_response_id: the earlier turns go upstream again, before the new input.
    const QJsonObject next { { QStringLiteral("model"), QStringLiteral("gpt-local") }, { QStringLiteral("input"), QStringLiteral("Thanks!") },
        { QStringLiteral("previous_response_id"), id } };
    FakeReply plain;
    plain.text = QStringLiteral("You're welcome.");
    m_upstream->setDefaultReply(plain);
    r = post(QStringLiteral("/v1/responses"), next, m_operator);
    QCOMPARE(r.status, 200);
    QCOMPARE(r.json.value(QLatin1String("previous_response_id")).toString(), id);
    const QJsonArray history = m_upstream->requests().last().json.value(QLatin1String("messages")).toArray();
    QCOMPARE(history.size(), 3); // the question, the answer with its call, the new input (no old instructions)
    QCOMPARE(history.at(0).toObject().value(QLatin1String("content")).toString(), QStringLiteral("Weather in Paris?"));
    QCOMPARE(history.at(1).toObject().value(QLatin1String("tool_calls")).toArray().size(), 1);
    QCOMPARE(history.at(2).toObject().value(QLatin1String("content")).toString(), QStringLiteral("Thanks!"));
}

void TestFacade::responsesErrorsAndCancel()
{
    const auto param = [](const Response& a) { return a.json.value(QLatin1String("error")).toObject().value(QLatin1String("param")).toString(); };
    QJsonObject body { { QStringLiteral("model"), QStringLiteral("gpt-nope") }, { QStringLiteral("input"), QStringLiteral("x") } };
    Response r = post(QStringLiteral("/v1/responses"), body, m_operator);
    QCOMPARE(r.status, 404);
    QCOMPARE(param(r), QStringLiteral("model"));
    body.insert(QStringLiteral("model"), QStringLiteral("gpt-local"));
    body.insert(QStringLiteral("input"), QJsonArray { QJsonObject { { QStringLiteral("type"), QStringLiteral("input_file") } } });
    r = post(QStringLiteral("/v1/responses"), body, m_operator);
    QCOMPARE(r.status, 400);
    QCOMPARE(param(r), QStringLiteral("input[0].type"));
    body.insert(QStringLiteral("input"), QStringLiteral("x"));
    body.insert(QStringLiteral("previous_response_id"), QStringLiteral("resp_01ARZ3NDEKTSV4RRFFQ69G5FAV"));
    r = post(QStringLiteral("/v1/responses"), body, m_operator);
    QCOMPARE(r.status, 404);
    QCOMPARE(param(r), QStringLiteral("previous_response_id"));
    QCOMPARE(get(QStringLiteral("/v1/responses/resp_nothing"), m_viewer).status, 404);
    // A task that is not a response is not one.
    const Response chat = post(QStringLiteral("/v1/chat/completions"), chatBody(), m_operator);
    QCOMPARE(get(QStringLiteral("/v1/responses/resp_") + QString::fromLatin1(chat.taskId), m_viewer).status, 404);

    // Background: answered at once as queued; cancelled while its call hangs upstream.
    FakeReply hang;
    hang.action = FakeReply::Action::Hang;
    m_upstream->setDefaultReply(hang);
    QSignalSpy received(m_upstream.get(), &FakeLlmServer::requestReceived);
    body.remove(QStringLiteral("previous_response_id"));
    body.insert(QStringLiteral("background"), true);
    r = post(QStringLiteral("/v1/responses"), body, m_operator);
    QCOMPARE(r.status, 200);
    QCOMPARE(r.json.value(QLatin1String("status")).toString(), QStringLiteral("queued"));
    QCOMPARE(r.json.value(QLatin1String("background")).toBool(), true);
    const QString id = r.json.value(QLatin1String("id")).toString();
    QTRY_COMPARE_WITH_TIMEOUT(received.count(), 1, 10000);
    QCOMPARE(get(QStringLiteral("/v1/responses/") + id, m_viewer).json.value(QLatin1String("status")).toString(), QStringLiteral("in_progress"));
    r = post(QStringLiteral("/v1/responses/%1/cancel").arg(id), {}, m_operator);
    QCOMPARE(r.status, 200);
    QCOMPARE(r.json.value(QLatin1String("status")).toString(), QStringLiteral("cancelled"));
    QTRY_COMPARE_WITH_TIMEOUT(m_upstream->clientAborts(), 1, 10000); // the upstream call was stopped
    QCOMPARE(get(QStringLiteral("/v1/responses/") + id, m_viewer).json.value(QLatin1String("status")).toString(), QStringLiteral("cancelled"));
    QCOMPARE(post(QStringLiteral("/v1/responses/%1/cancel").arg(id), {}, m_viewer).status, 403);
}

QTEST_GUILESS_MAIN(TestFacade)
#include "tst_facade.moc"
