// The engine against in-process fake LLM servers over real HTTP on 127.0.0.1:
// both dialects, streaming, faults, balancing, limits, circuits, budgets and
// secrets.

#include "enginetestutil.h"
#include "fakellmserver.h"
#include "providers/simulatedprovider.h"

#include <QDateTime>
#include <QFile>
#include <QLoggingCategory>
#include <QMutex>
#include <QSignalSpy>
#include <QtEndian>

#include <QCoro/QCoroTask>

#include <bit>

using namespace llmsched;
using namespace llmsched::test;
using namespace testutil;

namespace {

const QByteArray kSecret = QByteArrayLiteral("sk-test-SECRET-4f9c2a7b1e8d3f60");

// Every log line the process writes while a test runs.
QMutex g_logMutex;
QStringList g_log;
QtMessageHandler g_previousHandler = nullptr;

void captureLog(QtMsgType type, const QMessageLogContext& context, const QString& message)
{
    {
        QMutexLocker lock(&g_logMutex);
        g_log.append(QString::fromLatin1(context.category ? context.category : "default") + QLatin1String(": ") + message);
    }
    if (type != QtDebugMsg && g_previousHandler)
        g_previousHandler(type, context, message);
}

EndpointConfig endpoint(const QString& name, const QString& provider, const FakeLlmServer& server)
{
    EndpointConfig e;
    e.name = name;
    e.provider = provider;
    e.baseUrl = provider == QLatin1String("openai") ? server.baseUrl() + QStringLiteral("/v1") : server.baseUrl();
    e.healthCheckIntervalMs = 0;
    e.upstreamModel = QStringLiteral("upstream-model");
    return e;
}

ModelConfig model(const QString& name, QList<EndpointConfig> endpoints, int concurrency = 8)
{
    ModelConfig m;
    m.name = name;
    m.concurrency = concurrency;
    m.retry.maxAttempts = 3;
    m.retry.initialDelayMs = 20;
    m.retry.maxDelayMs = 100;
    m.endpoints = std::move(endpoints);
    return m;
}

TaskSpec chat(const QString& modelName, QJsonObject extra = {})
{
    QJsonObject input { { QStringLiteral("messages"),
        QJsonArray { QJsonObject { { QStringLiteral("role"), QStringLiteral("system") }, { QStringLiteral("content"), QStringLiteral("Be brief.") } },
            QJsonObject { { QStringLiteral("role"), QStringLiteral("user") }, { QStringLiteral("content"), QStringLiteral("Say hello") } } } } };
    for (auto it = extra.constBegin(); it != extra.constEnd(); ++it)
        input.insert(it.key(), it.value());
    TaskSpec s;
    s.model = modelName;
    s.input = QJsonDocument(input).toJson(QJsonDocument::Compact);
    return s;
}

QJsonObject json(const QByteArray& bytes)
{
    return QJsonDocument::fromJson(bytes).object();
}

const ModelSnapshot* modelSnap(const std::shared_ptr<const EngineSnapshot>& s, const QString& name)
{
    for (const ModelSnapshot& m : s->models)
        if (m.name == name)
            return &m;
    return nullptr;
}

EndpointSnapshot endpointSnap(Engine& engine, const QString& modelName, const QString& endpointName)
{
    const auto s = engine.snapshot();
    if (const ModelSnapshot* m = modelSnap(s, modelName))
        for (const EndpointSnapshot& e : m->endpoints)
            if (e.name == endpointName)
                return e;
    return {};
}

} // namespace

class TestProviders : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void cleanup();

    void openAiChatRoundTrip();
    void openAiCompletionsAndEmbeddings();
    void openAiStreamSplitAnywhere_data();
    void openAiStreamSplitAnywhere();
    void anthropicRoundTrip();
    void anthropicStream();
    void anthropicToolsInOpenAiShape();
    void genericHttpTask();
    void httpTaskDestinationsRefused();
    void echoedKeyIsRedactedFromOutput();
    void retryAfterRespected();
    void serverErrorsRetried();
    void connectionResetRetried();
    void timeoutAbortsTheSocket();
    void cancelAbortsTheSocket();
    void malformedJsonIsAClearTaskError();
    void truncatedStreamIsRetried();
    void slowStreamTimesOut();
    void failoverReachesHealthyEndpoint();
    void circuitOpensAndRecovers();
    void healthCheckOpensCircuitAndRecovers();
    void rpmLimiterHoldsRate();
    void tpmNeverExceededUnderConcurrency();
    void adaptiveConcurrencyCutsOn429();
    void manyInFlightToOneHost();
    void dailyBudgetPausesDispatch();
    void missingKeyIsAConfigurationError();
    void noKeyInAnyLogLine();
    void simulatedEmbeddingsFollowTheRequest();
    void simulatedLatencyTailIsCut();

private:
    std::unique_ptr<EngineFixture> m_f;
    std::unique_ptr<FakeLlmServer> m_server;
};

void TestProviders::initTestCase()
{
    qputenv("LLMSCHED_TEST_KEY", kSecret);
}

void TestProviders::init()
{
    m_server = std::make_unique<FakeLlmServer>();
    QVERIFY(m_server->listen());
    m_f = std::make_unique<EngineFixture>();
    QVERIFY(m_f->start());
}

void TestProviders::cleanup()
{
    m_f.reset();
    m_server.reset();
}

void TestProviders::openAiChatRoundTrip()
{
    EndpointConfig e = endpoint(QStringLiteral("oa"), QStringLiteral("openai"), *m_server);
    e.apiKeyRef = QStringLiteral("env:LLMSCHED_TEST_KEY");
    ModelConfig m = model(QStringLiteral("gpt"), { e });
    m.inputPricePerMTok = 2.0;
    m.outputPricePerMTok = 8.0;
    QVERIFY(m_f->addModel(m));
    FakeReply reply;
    reply.text = QStringLiteral("Hello there");
    reply.promptTokens = 1000;
    reply.completionTokens = 500;
    m_server->setDefaultReply(reply);

    const Ulid id = m_f->submitOne(chat(QStringLiteral("gpt"), { { QStringLiteral("temperature"), 0.2 } }));
    QTRY_COMPARE_WITH_TIMEOUT(m_f->lastState(id), TaskState::Succeeded, 10000);

    QCOMPARE(m_server->requestCount(), 1);
    const FakeRequest req = m_server->requests().constFirst();
    QCOMPARE(req.method, QByteArray("POST"));
    QCOMPARE(req.path, QByteArray("/v1/chat/completions"));
    QCOMPARE(req.headers.value("authorization"), QByteArray("Bearer ") + kSecret);
    QCOMPARE(req.json.value(QLatin1String("model")).toString(), QStringLiteral("upstream-model"));
    QCOMPARE(req.json.value(QLatin1String("temperature")).toDouble(), 0.2);
    QCOMPARE(req.json.value(QLatin1String("messages")).toArray().size(), 2);

    const auto task = await(m_f->engine->task(id.toString()));
    QVERIFY(task);
    const QJsonObject out = json(task->output);
    QCOMPARE(firstContent(out), QStringLiteral("Hello there"));
    QCOMPARE(task->usage.promptTokens, 1000);
    QCOMPARE(task->usage.completionTokens, 500);
    QCOMPARE(task->costUsd, (1000 * 2.0 + 500 * 8.0) / 1e6);
    QCOMPARE(task->endpoint, QStringLiteral("oa"));
    QTRY_COMPARE(modelSnap(m_f->engine->snapshot(), QStringLiteral("gpt"))->costUsd, (1000 * 2.0 + 500 * 8.0) / 1e6);
}

void TestProviders::openAiCompletionsAndEmbeddings()
{
    QVERIFY(m_f->addModel(model(QStringLiteral("local"), { endpoint(QStringLiteral("vllm"), QStringLiteral("openai"), *m_server) })));
    TaskSpec completion;
    completion.model = QStringLiteral("local");
    completion.kind = TaskKind::Completion;
    completion.input = R"({"prompt":"Once upon","max_tokens":5})";
    TaskSpec embedding;
    embedding.model = QStringLiteral("local");
    embedding.kind = TaskKind::Embedding;
    embedding.input = R"({"input":"vector me"})";
    const auto out = m_f->submit({ completion, embedding });
    QCOMPARE(out.size(), 2);
    QTRY_COMPARE_WITH_TIMEOUT(m_f->lastState(out[0].id), TaskState::Succeeded, 10000);
    QTRY_COMPARE_WITH_TIMEOUT(m_f->lastState(out[1].id), TaskState::Succeeded, 10000);
    QSet<QByteArray> paths;
    for (const FakeRequest& r : m_server->requests())
        paths.insert(r.path);
    QCOMPARE(paths, (QSet<QByteArray> { "/v1/completions", "/v1/embeddings" }));
    const auto e = await(m_f->engine->task(out[1].id.toString()));
    QVERIFY(json(e->output).value(QLatin1String("data")).isArray());
    QVERIFY(e->usage.promptTokens > 0);
}

void TestProviders::openAiStreamSplitAnywhere_data()
{
    QTest::addColumn<int>("chunkBytes");
    QTest::addColumn<int>("chunkDelayMs");
    QTest::newRow("event per write") << 0 << 0;
    QTest::newRow("1 byte pieces") << 1 << 0;
    QTest::newRow("3 byte pieces") << 3 << 0;
    QTest::newRow("7 byte pieces, slow") << 7 << 2;
    QTest::newRow("61 byte pieces") << 61 << 1;
}

void TestProviders::openAiStreamSplitAnywhere()
{
    QFETCH(int, chunkBytes);
    QFETCH(int, chunkDelayMs);
    QVERIFY(m_f->addModel(model(QStringLiteral("gpt"), { endpoint(QStringLiteral("oa"), QStringLiteral("openai"), *m_server) })));
    FakeReply reply;
    reply.text = QStringLiteral("The quick brown fox jumps over the lazy dog, 你好 世界");
    reply.promptTokens = 12;
    reply.completionTokens = 13;
    reply.chunkBytes = chunkBytes;
    reply.chunkDelayMs = chunkDelayMs;
    m_server->setDefaultReply(reply);

    const Ulid id = m_f->submitOne(chat(QStringLiteral("gpt"), { { QStringLiteral("stream"), true } }));
    QTRY_COMPARE_WITH_TIMEOUT(m_f->lastState(id), TaskState::Succeeded, 20000);
    const FakeRequest req = m_server->requests().constFirst();
    QVERIFY(req.json.value(QLatin1String("stream")).toBool());
    QVERIFY(req.json.value(QLatin1String("stream_options")).toObject().value(QLatin1String("include_usage")).toBool());
    const auto task = await(m_f->engine->task(id.toString()));
    const QJsonObject out = json(task->output);
    QCOMPARE(out.value(QLatin1String("object")).toString(), QStringLiteral("chat.completion"));
    const QJsonObject choice = out.value(QLatin1String("choices")).toArray().at(0).toObject();
    QCOMPARE(choice.value(QLatin1String("message")).toObject().value(QLatin1String("content")).toString(), reply.text);
    QCOMPARE(choice.value(QLatin1String("finish_reason")).toString(), QStringLiteral("stop"));
    QCOMPARE(task->usage.promptTokens, 12);
    QCOMPARE(task->usage.completionTokens, 13);
}

void TestProviders::anthropicRoundTrip()
{
    EndpointConfig e = endpoint(QStringLiteral("claude"), QStringLiteral("anthropic"), *m_server);
    e.apiKeyRef = QStringLiteral("env:LLMSCHED_TEST_KEY");
    QVERIFY(m_f->addModel(model(QStringLiteral("claude"), { e })));
    FakeReply reply;
    reply.text = QStringLiteral("Hi from Claude");
    reply.promptTokens = 21;
    reply.completionTokens = 4;
    m_server->setDefaultReply(reply);
    const Ulid id = m_f->submitOne(chat(QStringLiteral("claude"), { { QStringLiteral("stop"), QStringLiteral("END") } }));
    QTRY_COMPARE_WITH_TIMEOUT(m_f->lastState(id), TaskState::Succeeded, 10000);

    const FakeRequest req = m_server->requests().constFirst();
    QCOMPARE(req.path, QByteArray("/v1/messages"));
    QCOMPARE(req.headers.value("x-api-key"), kSecret);
    QCOMPARE(req.headers.value("anthropic-version"), QByteArray("2023-06-01"));
    QVERIFY(!req.headers.contains("authorization"));
    QCOMPARE(req.json.value(QLatin1String("system")).toString(), QStringLiteral("Be brief."));
    QCOMPARE(req.json.value(QLatin1String("max_tokens")).toInt(), kDefaultAnthropicMaxTokens);
    QCOMPARE(req.json.value(QLatin1String("stop_sequences")).toArray(), QJsonArray { QStringLiteral("END") });
    const QJsonArray messages = req.json.value(QLatin1String("messages")).toArray();
    QCOMPARE(messages.size(), 1); // the system message moved to "system"
    QCOMPARE(messages.at(0).toObject().value(QLatin1String("role")).toString(), QStringLiteral("user"));

    const auto task = await(m_f->engine->task(id.toString()));
    const QJsonObject out = json(task->output);
    QCOMPARE(out.value(QLatin1String("object")).toString(), QStringLiteral("chat.completion"));
    QCOMPARE(firstContent(out), QStringLiteral("Hi from Claude"));
    QCOMPARE(out.value(QLatin1String("choices")).toArray().at(0).toObject().value(QLatin1String("finish_reason")).toString(), QStringLiteral("stop"));
    QCOMPARE(task->usage.promptTokens, 21);
    QCOMPARE(task->usage.completionTokens, 4);
}

void TestProviders::anthropicStream()
{
    QVERIFY(m_f->addModel(model(QStringLiteral("claude"), { endpoint(QStringLiteral("claude"), QStringLiteral("anthropic"), *m_server) })));
    FakeReply reply;
    reply.text = QStringLiteral("Streaming from the other dialect");
    reply.promptTokens = 30;
    reply.completionTokens = 5;
    reply.chunkBytes = 5;
    m_server->setDefaultReply(reply);
    const Ulid id = m_f->submitOne(chat(QStringLiteral("claude"), { { QStringLiteral("stream"), true }, { QStringLiteral("max_tokens"), 50 } }));
    QTRY_COMPARE_WITH_TIMEOUT(m_f->lastState(id), TaskState::Succeeded, 20000);
    QCOMPARE(m_server->requests().constFirst().json.value(QLatin1String("max_tokens")).toInt(), 50);
    const auto task = await(m_f->engine->task(id.toString()));
    const QJsonObject out = json(task->output);
    QCOMPARE(firstContent(out), reply.text);
    QCOMPARE(task->usage.promptTokens, 30);
    QCOMPARE(task->usage.completionTokens, 5);
}

// An OpenAI client's tool calling through an Anthropic endpoint: tools,
// tool_choice, the assistant's tool_calls, the tools' answers and images go
// out in Anthropic's shape.
void TestProviders::anthropicToolsInOpenAiShape()
{
    QVERIFY(m_f->addModel(model(QStringLiteral("claude"), { endpoint(QStringLiteral("claude"), QStringLiteral("anthropic"), *m_server) })));
    const auto object = [](std::initializer_list<QPair<QString, QJsonValue>> fields) {
        QJsonObject o;
        for (const auto& [k, v] : fields)
            o.insert(k, v);
        return o;
    };
    const QJsonObject weather = object({ { QStringLiteral("type"), QStringLiteral("function") },
        { QStringLiteral("function"),
            object({ { QStringLiteral("name"), QStringLiteral("weather") }, { QStringLiteral("description"), QStringLiteral("Weather in a city") },
                { QStringLiteral("parameters"),
                    object({ { QStringLiteral("type"), QStringLiteral("object") },
                        { QStringLiteral("properties"),
                            object({ { QStringLiteral("city"), object({ { QStringLiteral("type"), QStringLiteral("string") } }) } }) } }) } }) } });
    const QJsonArray messages {
        object({ { QStringLiteral("role"), QStringLiteral("user") },
            { QStringLiteral("content"),
                QJsonArray {
                    object({ { QStringLiteral("type"), QStringLiteral("text") }, { QStringLiteral("text"), QStringLiteral("Paris and Rome?") } }),
                    object({ { QStringLiteral("type"), QStringLiteral("image_url") },
                        { QStringLiteral("image_url"),
                            object({ { QStringLiteral("url"), QStringLiteral("data:image/png;base64,iVBORw0KGgo=") } }) } }) } } }),
        object({ { QStringLiteral("role"), QStringLiteral("assistant") }, { QStringLiteral("content"), QJsonValue() },
            { QStringLiteral("tool_calls"),
                QJsonArray { object({ { QStringLiteral("id"), QStringLiteral("call_1") }, { QStringLiteral("type"), QStringLiteral("function") },
                                 { QStringLiteral("function"),
                                     object({ { QStringLiteral("name"), QStringLiteral("weather") },
                                         { QStringLiteral("arguments"), QStringLiteral("{\"city\":\"Paris\"}") } }) } }),
                    object({ { QStringLiteral("id"), QStringLiteral("call_2") }, { QStringLiteral("type"), QStringLiteral("function") },
                        { QStringLiteral("function"),
                            object({ { QStringLiteral("name"), QStringLiteral("weather") },
                                { QStringLiteral("arguments"), QStringLiteral("{\"city\":\"Rome\"}") } }) } }) } } }),
        object({ { QStringLiteral("role"), QStringLiteral("tool") }, { QStringLiteral("tool_call_id"), QStringLiteral("call_1") },
            { QStringLiteral("content"), QStringLiteral("18 C") } }),
        object({ { QStringLiteral("role"), QStringLiteral("tool") }, { QStringLiteral("tool_call_id"), QStringLiteral("call_2") },
            { QStringLiteral("content"), QStringLiteral("24 C") } }),
    };
    const Ulid id = m_f->submitOne(chat(QStringLiteral("claude"),
        { { QStringLiteral("messages"), messages }, { QStringLiteral("tools"), QJsonArray { weather } },
            { QStringLiteral("tool_choice"), QStringLiteral("required") } }));
    QTRY_COMPARE_WITH_TIMEOUT(m_f->lastState(id), TaskState::Succeeded, 10000);
    const QJsonObject sent = m_server->requests().constFirst().json;

    const QJsonObject tool = sent.value(QLatin1String("tools")).toArray().at(0).toObject();
    QCOMPARE(tool.value(QLatin1String("name")).toString(), QStringLiteral("weather"));
    QCOMPARE(tool.value(QLatin1String("description")).toString(), QStringLiteral("Weather in a city"));
    QCOMPARE(tool.value(QLatin1String("input_schema")).toObject().value(QLatin1String("type")).toString(), QStringLiteral("object"));
    QVERIFY(!tool.contains(QLatin1String("function")));
    QCOMPARE(sent.value(QLatin1String("tool_choice")).toObject().value(QLatin1String("type")).toString(), QStringLiteral("any"));

    const QJsonArray out = sent.value(QLatin1String("messages")).toArray();
    QCOMPARE(out.size(), 3); // user, assistant, one user turn with both results
    const QJsonObject image = out.at(0).toObject().value(QLatin1String("content")).toArray().at(1).toObject();
    QCOMPARE(image.value(QLatin1String("type")).toString(), QStringLiteral("image"));
    QCOMPARE(image.value(QLatin1String("source")).toObject().value(QLatin1String("media_type")).toString(), QStringLiteral("image/png"));
    QCOMPARE(image.value(QLatin1String("source")).toObject().value(QLatin1String("data")).toString(), QStringLiteral("iVBORw0KGgo="));
    const QJsonArray calls = out.at(1).toObject().value(QLatin1String("content")).toArray();
    QCOMPARE(calls.size(), 2);
    QCOMPARE(calls.at(0).toObject().value(QLatin1String("type")).toString(), QStringLiteral("tool_use"));
    QCOMPARE(calls.at(0).toObject().value(QLatin1String("id")).toString(), QStringLiteral("call_1"));
    QCOMPARE(calls.at(1).toObject().value(QLatin1String("input")).toObject().value(QLatin1String("city")).toString(), QStringLiteral("Rome"));
    const QJsonObject results = out.at(2).toObject();
    QCOMPARE(results.value(QLatin1String("role")).toString(), QStringLiteral("user"));
    const QJsonArray answers = results.value(QLatin1String("content")).toArray();
    QCOMPARE(answers.size(), 2);
    QCOMPARE(answers.at(0).toObject().value(QLatin1String("type")).toString(), QStringLiteral("tool_result"));
    QCOMPARE(answers.at(1).toObject().value(QLatin1String("tool_use_id")).toString(), QStringLiteral("call_2"));
    QCOMPARE(answers.at(1).toObject().value(QLatin1String("content")).toString(), QStringLiteral("24 C"));
}

void TestProviders::genericHttpTask()
{
    FakeLlmServer other;
    QVERIFY(other.listen());
    EndpointConfig e = endpoint(QStringLiteral("jobs"), QStringLiteral("http"), *m_server);
    e.apiKeyRef = QStringLiteral("env:LLMSCHED_TEST_KEY");
    e.successStatuses = { 404 };
    QVERIFY(m_f->addModel(model(QStringLiteral("hooks"), { e })));
    const auto httpTask = [](const QJsonObject& input) {
        TaskSpec s;
        s.model = QStringLiteral("hooks");
        s.kind = TaskKind::Http;
        s.input = QJsonDocument(input).toJson(QJsonDocument::Compact);
        return s;
    };
    m_server->setHandler([](const FakeRequest& r) {
        FakeReply reply;
        if (r.path.startsWith("/missing")) {
            reply.status = 404;
            reply.body = R"({"gone":true})";
        }
        return reply;
    });
    QJsonObject put7;
    put7.insert(QStringLiteral("url"), QStringLiteral("/jobs/7"));
    put7.insert(QStringLiteral("method"), QStringLiteral("PUT"));
    put7.insert(QStringLiteral("headers"), QJsonObject { { QStringLiteral("X-Trace"), QStringLiteral("abc") } });
    put7.insert(QStringLiteral("body"), QJsonObject { { QStringLiteral("n"), 7 } });
    QJsonObject missing;
    missing.insert(QStringLiteral("url"), QStringLiteral("/missing"));
    QJsonObject elsewhere;
    elsewhere.insert(QStringLiteral("url"), QString(other.baseUrl() + QStringLiteral("/elsewhere")));
    elsewhere.insert(QStringLiteral("body"), QStringLiteral("plain"));
    // Another origin is refused until the endpoint's allowed_hosts names it.
    const auto refused = m_f->submit({ httpTask(elsewhere) });
    QCOMPARE(refused.size(), 1);
    QTRY_COMPARE_WITH_TIMEOUT(m_f->lastState(refused[0].id), TaskState::Dead, 10000);
    const QString refusal = await(m_f->engine->task(refused[0].id.toString()))->error;
    QVERIFY2(
        refusal.contains(QStringLiteral("not this endpoint's origin")) && refusal.contains(QStringLiteral("allowed_hosts")), qPrintable(refusal));
    QCOMPARE(other.requestCount(), 0);
    e.allowedHosts = { QStringLiteral("127.0.0.1:") + QString::number(QUrl(other.baseUrl()).port()) };
    QVERIFY(await(m_f->engine->upsertModel(model(QStringLiteral("hooks"), { e }))));

    const auto out = m_f->submit({ httpTask(put7), httpTask(missing), httpTask(elsewhere) });
    QCOMPARE(out.size(), 3);
    for (const SubmitOutcome& o : out)
        QTRY_COMPARE_WITH_TIMEOUT(m_f->lastState(o.id), TaskState::Succeeded, 10000);

    FakeRequest put;
    for (const FakeRequest& r : m_server->requests())
        if (r.path == "/jobs/7")
            put = r;
    QCOMPARE(put.method, QByteArray("PUT"));
    QCOMPARE(put.headers.value("x-trace"), QByteArray("abc"));
    QCOMPARE(put.headers.value("authorization"), QByteArray("Bearer ") + kSecret);
    QCOMPARE(put.json.value(QLatin1String("n")).toInt(), 7);
    const QJsonObject putOut = json(await(m_f->engine->task(out[0].id.toString()))->output);
    QCOMPARE(putOut.value(QLatin1String("status")).toInt(), 200);
    QCOMPARE(putOut.value(QLatin1String("body")).toObject().value(QLatin1String("method")).toString(), QStringLiteral("PUT"));
    // 404 is listed as success for this endpoint.
    QCOMPARE(json(await(m_f->engine->task(out[1].id.toString()))->output).value(QLatin1String("status")).toInt(), 404);
    // Another origin never sees the endpoint's key.
    QCOMPARE(other.requestCount(), 1);
    QVERIFY(!other.requests().constFirst().headers.contains("authorization"));
    QCOMPARE(other.requests().constFirst().method, QByteArray("POST"));
}

// An endpoint on a public base_url whose allowed_hosts names internal hosts
// still cannot reach them: loopback, link-local (cloud metadata), "this
// network" and mapped addresses are refused after resolution, before any
// connection (the fake server on 127.0.0.1 sees nothing). The base_url is
// never contacted (no health checks, no relative URLs).
void TestProviders::httpTaskDestinationsRefused()
{
    const QString port = QString::number(QUrl(m_server->baseUrl()).port());
    EndpointConfig e;
    e.name = QStringLiteral("public");
    e.provider = QStringLiteral("http");
    e.baseUrl = QStringLiteral("https://203.0.114.10"); // public, never contacted
    e.healthCheckIntervalMs = 0;
    e.allowedHosts = { QStringLiteral("127.0.0.1"), QStringLiteral("localhost"), QStringLiteral("169.254.169.254"), QStringLiteral("0.0.0.0"),
        QStringLiteral("[::ffff:127.0.0.1]"), QStringLiteral("[::1]") };
    QVERIFY(m_f->addModel(model(QStringLiteral("hooks"), { e })));
    struct Case
    {
        QString url;
        QString expected;
    };
    const QList<Case> cases = {
        { QStringLiteral("http://127.0.0.1:") + port + QStringLiteral("/health"), QStringLiteral("loopback") },
        { QStringLiteral("http://localhost:") + port + QStringLiteral("/health"), QStringLiteral("loopback") },
        { QStringLiteral("http://169.254.169.254/latest/meta-data/"), QStringLiteral("link-local") },
        { QStringLiteral("http://0.0.0.0:") + port + QStringLiteral("/health"), QStringLiteral("reserved") },
        { QStringLiteral("http://[::ffff:127.0.0.1]:") + port + QStringLiteral("/health"), QStringLiteral("loopback") },
        { QStringLiteral("http://[::1]:") + port + QStringLiteral("/health"), QStringLiteral("loopback") },
        { QStringLiteral("http://10.1.2.3/"), QStringLiteral("not this endpoint's origin") },
    };
    QList<TaskSpec> specs;
    for (const Case& c : cases) {
        TaskSpec s;
        s.model = QStringLiteral("hooks");
        s.kind = TaskKind::Http;
        s.input = QJsonDocument(QJsonObject { { QStringLiteral("url"), c.url } }).toJson(QJsonDocument::Compact);
        specs.append(s);
    }
    const auto out = m_f->submit(specs);
    QCOMPARE(out.size(), cases.size());
    for (qsizetype i = 0; i < cases.size(); ++i) {
        QTRY_COMPARE_WITH_TIMEOUT(m_f->lastState(out[i].id), TaskState::Dead, 10000);
        const QString error = await(m_f->engine->task(out[i].id.toString()))->error;
        QVERIFY2(error.contains(cases[i].expected), qPrintable(cases[i].url + QStringLiteral(": ") + error));
    }
    QCOMPARE(m_server->requestCount(), 0);
}

// An upstream that echoes the request's headers puts the endpoint's key in a
// successful answer: it is redacted before the output is stored, for the
// OpenAI dialect (whole and streamed) and for http tasks (body and headers).
void TestProviders::echoedKeyIsRedactedFromOutput()
{
    EndpointConfig oa = endpoint(QStringLiteral("oa"), QStringLiteral("openai"), *m_server);
    oa.apiKeyRef = QStringLiteral("env:LLMSCHED_TEST_KEY");
    EndpointConfig jobs = endpoint(QStringLiteral("jobs"), QStringLiteral("http"), *m_server);
    jobs.apiKeyRef = QStringLiteral("env:LLMSCHED_TEST_KEY");
    QVERIFY(m_f->addModel(model(QStringLiteral("gpt"), { oa })));
    QVERIFY(m_f->addModel(model(QStringLiteral("hooks"), { jobs })));
    m_server->setHandler([](const FakeRequest& r) {
        FakeReply reply;
        const QByteArray echoed = r.headers.value("authorization");
        if (r.path.startsWith("/echo")) {
            reply.body = "{\"you_sent\":\"" + echoed + "\"}";
            reply.headers = { { "X-Echo", echoed } };
        } else {
            reply.text = QStringLiteral("you sent ") + QString::fromLatin1(echoed);
        }
        return reply;
    });
    TaskSpec http;
    http.model = QStringLiteral("hooks");
    http.kind = TaskKind::Http;
    http.input = QJsonDocument(QJsonObject { { QStringLiteral("url"), QStringLiteral("/echo") } }).toJson(QJsonDocument::Compact);
    const auto out = m_f->submit({ chat(QStringLiteral("gpt")), chat(QStringLiteral("gpt"), { { QStringLiteral("stream"), true } }), http });
    QCOMPARE(out.size(), 3);
    for (const SubmitOutcome& o : out) {
        QTRY_COMPARE_WITH_TIMEOUT(m_f->lastState(o.id), TaskState::Succeeded, 10000);
        const auto task = await(m_f->engine->task(o.id.toString()));
        QVERIFY(task);
        QVERIFY2(!task->output.contains(kSecret), task->output.constData());
        QVERIFY2(task->output.contains("Bearer ***"), task->output.constData());
    }
    QCOMPARE(m_server->requestCount(), 3);
    for (const FakeRequest& r : m_server->requests())
        QCOMPARE(r.headers.value("authorization"), QByteArray("Bearer ") + kSecret); // the upstream did get the key
}

void TestProviders::retryAfterRespected()
{
    QVERIFY(m_f->addModel(model(QStringLiteral("gpt"), { endpoint(QStringLiteral("oa"), QStringLiteral("openai"), *m_server) })));
    m_server->setHandler([](const FakeRequest& r) {
        FakeReply reply;
        if (r.index == 0) {
            reply.status = 429;
            reply.headers = { { QByteArrayLiteral("Retry-After"), QByteArrayLiteral("1") } };
        }
        return reply;
    });
    const Ulid id = m_f->submitOne(chat(QStringLiteral("gpt")));
    QTRY_COMPARE_WITH_TIMEOUT(m_f->lastState(id), TaskState::Succeeded, 10000);
    const auto reqs = m_server->requests();
    QCOMPARE(reqs.size(), 2);
    const qint64 gap = reqs[1].receivedMs - reqs[0].receivedMs;
    QVERIFY2(gap >= 1000, qPrintable(QStringLiteral("retried after %1 ms").arg(gap)));
    QVERIFY2(gap < 3000, qPrintable(QStringLiteral("retried after %1 ms").arg(gap))); // the policy's own backoff is 20 ms
    const auto log = await(m_f->engine->taskLog(id.toString()));
    QVERIFY(std::any_of(log->cbegin(), log->cend(),
        [](const TaskLogEntry& e) { return e.message.contains(QLatin1String("Retry-After")) && e.message.contains(QLatin1String("429")); }));
}

void TestProviders::serverErrorsRetried()
{
    ModelConfig m = model(QStringLiteral("gpt"), { endpoint(QStringLiteral("oa"), QStringLiteral("openai"), *m_server) });
    m.retry.maxAttempts = 4;
    QVERIFY(m_f->addModel(m));
    m_server->setHandler([](const FakeRequest& r) {
        FakeReply reply;
        static const int statuses[] = { 500, 502, 503 };
        if (r.index < 3)
            reply.status = statuses[r.index];
        return reply;
    });
    const Ulid id = m_f->submitOne(chat(QStringLiteral("gpt")));
    QTRY_COMPARE_WITH_TIMEOUT(m_f->lastState(id), TaskState::Succeeded, 10000);
    QCOMPARE(m_server->requestCount(), 4);
    const auto task = await(m_f->engine->task(id.toString()));
    QCOMPARE(task->attempts, 4);
    const auto log = await(m_f->engine->taskLog(id.toString()));
    QStringList messages;
    for (const TaskLogEntry& e : *log)
        messages.append(e.message);
    const QString all = messages.join(QLatin1Char('\n'));
    QVERIFY2(all.contains(QLatin1String("HTTP 500")) && all.contains(QLatin1String("HTTP 502")) && all.contains(QLatin1String("HTTP 503")),
        qPrintable(all));

    // A 400 is the request's fault: no retry.
    m_server->setHandler([](const FakeRequest&) {
        FakeReply reply;
        reply.status = 400;
        reply.body = R"({"error":{"message":"messages must not be empty","type":"invalid_request_error"}})";
        return reply;
    });
    const Ulid bad = m_f->submitOne(chat(QStringLiteral("gpt")));
    QTRY_COMPARE_WITH_TIMEOUT(m_f->lastState(bad), TaskState::Dead, 10000);
    const auto dead = await(m_f->engine->task(bad.toString()));
    QCOMPARE(dead->attempts, 1);
    QVERIFY2(dead->error.contains(QLatin1String("HTTP 400")) && dead->error.contains(QLatin1String("messages must not be empty")),
        qPrintable(dead->error));
}

void TestProviders::connectionResetRetried()
{
    ModelConfig m = model(QStringLiteral("gpt"), { endpoint(QStringLiteral("oa"), QStringLiteral("openai"), *m_server) });
    m.retry.maxAttempts = 2;
    QVERIFY(m_f->addModel(m));
    // A server that always resets: Qt resends once on a fresh connection by
    // itself; the attempts still fail and the task dies with a connection error.
    FakeReply reset;
    reset.action = FakeReply::Action::Reset;
    m_server->setDefaultReply(reset);
    const Ulid dead = m_f->submitOne(chat(QStringLiteral("gpt")));
    QTRY_COMPARE_WITH_TIMEOUT(m_f->lastState(dead), TaskState::Dead, 10000);
    const auto deadTask = await(m_f->engine->task(dead.toString()));
    QCOMPARE(deadTask->attempts, 2);
    QVERIFY2(deadTask->error.startsWith(QLatin1String("oa: ")) && deadTask->error.contains(QLatin1String("closed"), Qt::CaseInsensitive),
        qPrintable(deadTask->error));

    // The connection breaks halfway through the body once: the next attempt succeeds.
    m_server->clear();
    m_server->setHandler([](const FakeRequest& r) {
        FakeReply reply;
        if (r.index == 0)
            reply.action = FakeReply::Action::CloseMidBody;
        return reply;
    });
    const Ulid id = m_f->submitOne(chat(QStringLiteral("gpt")));
    QTRY_COMPARE_WITH_TIMEOUT(m_f->lastState(id), TaskState::Succeeded, 10000);
    QCOMPARE(await(m_f->engine->task(id.toString()))->attempts, 2);
    const auto log = await(m_f->engine->taskLog(id.toString()));
    QVERIFY(std::any_of(log->cbegin(), log->cend(),
        [](const TaskLogEntry& e) { return e.message.contains(QLatin1String("the connection broke after HTTP 200 headers")); }));
}

void TestProviders::timeoutAbortsTheSocket()
{
    ModelConfig m = model(QStringLiteral("gpt"), { endpoint(QStringLiteral("oa"), QStringLiteral("openai"), *m_server) });
    m.timeoutMs = 300;
    m.retry.maxAttempts = 1;
    QVERIFY(m_f->addModel(m));
    FakeReply hang;
    hang.action = FakeReply::Action::Hang;
    m_server->setDefaultReply(hang);
    QSignalSpy aborted(m_server.get(), &FakeLlmServer::clientAborted);
    const Ulid id = m_f->submitOne(chat(QStringLiteral("gpt")));
    QTRY_COMPARE_WITH_TIMEOUT(m_f->lastState(id), TaskState::Dead, 10000);
    QTRY_COMPARE(m_server->clientAborts(), 1);
    QCOMPARE(m_server->inflight(), 0);
    const auto task = await(m_f->engine->task(id.toString()));
    QVERIFY2(task->error.contains(QLatin1String("timed out")), qPrintable(task->error));
}

void TestProviders::cancelAbortsTheSocket()
{
    QVERIFY(m_f->addModel(model(QStringLiteral("gpt"), { endpoint(QStringLiteral("oa"), QStringLiteral("openai"), *m_server) })));
    FakeReply hang;
    hang.action = FakeReply::Action::Hang;
    m_server->setDefaultReply(hang);
    QSignalSpy received(m_server.get(), &FakeLlmServer::requestReceived);
    const Ulid id = m_f->submitOne(chat(QStringLiteral("gpt")));
    // submitOne() runs the event loop while it waits, so the request may already be in.
    QTRY_COMPARE_WITH_TIMEOUT(received.count(), 1, 10000);
    QCOMPARE(m_server->inflight(), 1);
    const auto state = await(m_f->engine->cancel(id.toString()));
    QVERIFY(state);
    QCOMPARE(*state, TaskState::Cancelled);
    QTRY_COMPARE(m_server->clientAborts(), 1);
    QCOMPARE(m_server->inflight(), 0);
    QTRY_COMPARE(m_f->lastState(id), TaskState::Cancelled);
}

void TestProviders::malformedJsonIsAClearTaskError()
{
    QVERIFY(m_f->addModel(model(QStringLiteral("gpt"), { endpoint(QStringLiteral("oa"), QStringLiteral("openai"), *m_server) })));
    FakeReply bad;
    bad.malformed = true;
    m_server->setDefaultReply(bad);
    const Ulid id = m_f->submitOne(chat(QStringLiteral("gpt")));
    QTRY_COMPARE_WITH_TIMEOUT(m_f->lastState(id), TaskState::Dead, 10000);
    QCOMPARE(m_server->requestCount(), 1); // not retried: a broken answer would break again
    const auto task = await(m_f->engine->task(id.toString()));
    QVERIFY2(task->error.contains(QLatin1String("oa: malformed answer: not JSON")), qPrintable(task->error));
    QVERIFY2(task->error.contains(QLatin1String("body starts: {")), qPrintable(task->error));
}

void TestProviders::truncatedStreamIsRetried()
{
    QVERIFY(m_f->addModel(model(QStringLiteral("gpt"), { endpoint(QStringLiteral("oa"), QStringLiteral("openai"), *m_server) })));
    m_server->setHandler([](const FakeRequest& r) {
        FakeReply reply;
        if (r.index == 0)
            reply.action = FakeReply::Action::CloseMidBody; // stream cut before [DONE]
        return reply;
    });
    const Ulid id = m_f->submitOne(chat(QStringLiteral("gpt"), { { QStringLiteral("stream"), true } }));
    QTRY_COMPARE_WITH_TIMEOUT(m_f->lastState(id), TaskState::Succeeded, 10000);
    QCOMPARE(m_server->requestCount(), 2);
}

void TestProviders::slowStreamTimesOut()
{
    // A stream that trickles past the task's timeout is cut off, and the socket with it.
    ModelConfig m = model(QStringLiteral("gpt"), { endpoint(QStringLiteral("oa"), QStringLiteral("openai"), *m_server) });
    m.timeoutMs = 400;
    m.retry.maxAttempts = 1;
    QVERIFY(m_f->addModel(m));
    FakeReply slow;
    slow.text = QStringLiteral("one two three four five six seven eight nine ten eleven twelve");
    slow.chunkDelayMs = 100;
    m_server->setDefaultReply(slow);
    const Ulid id = m_f->submitOne(chat(QStringLiteral("gpt"), { { QStringLiteral("stream"), true } }));
    QTRY_COMPARE_WITH_TIMEOUT(m_f->lastState(id), TaskState::Dead, 10000);
    QTRY_COMPARE(m_server->clientAborts(), 1);
    const auto task = await(m_f->engine->task(id.toString()));
    QVERIFY2(task->error.contains(QLatin1String("timed out after 400 ms")), qPrintable(task->error));
}

void TestProviders::failoverReachesHealthyEndpoint()
{
    FakeLlmServer broken;
    QVERIFY(broken.listen());
    FakeReply down;
    down.status = 503;
    broken.setDefaultReply(down);
    EndpointConfig a = endpoint(QStringLiteral("a-broken"), QStringLiteral("openai"), broken);
    a.circuit.failureThreshold = 3;
    a.circuit.openMs = 60'000;
    EndpointConfig b = endpoint(QStringLiteral("b-healthy"), QStringLiteral("openai"), *m_server);
    ModelConfig m = model(QStringLiteral("gpt"), { a, b }, 4);
    m.retry.initialDelayMs = 5000; // failover must not wait for the backoff
    QVERIFY(m_f->addModel(m));
    QList<TaskSpec> specs;
    for (int i = 0; i < 20; ++i)
        specs.append(chat(QStringLiteral("gpt")));
    const auto out = m_f->submit(specs);
    for (const SubmitOutcome& o : out)
        QTRY_COMPARE_WITH_TIMEOUT(m_f->lastState(o.id), TaskState::Succeeded, 10000);
    QCOMPARE(m_server->requestCount(), 20);
    // The broken one saw a few calls, then its circuit opened.
    QVERIFY(broken.requestCount() >= 1);
    QVERIFY2(broken.requestCount() <= 6, qPrintable(QString::number(broken.requestCount())));
    QTRY_COMPARE(endpointSnap(*m_f->engine, QStringLiteral("gpt"), QStringLiteral("a-broken")).circuit, QStringLiteral("open"));
    int failedOver = 0;
    for (const SubmitOutcome& o : out) {
        const auto log = await(m_f->engine->taskLog(o.id.toString()));
        for (const TaskLogEntry& e : *log)
            failedOver += e.message.contains(QLatin1String("failing over")) ? 1 : 0;
    }
    QCOMPARE(failedOver, broken.requestCount());
}

void TestProviders::circuitOpensAndRecovers()
{
    EndpointConfig e = endpoint(QStringLiteral("flaky"), QStringLiteral("openai"), *m_server);
    e.circuit.failureThreshold = 3;
    e.circuit.openMs = 400;
    ModelConfig m = model(QStringLiteral("gpt"), { e }, 1);
    m.retry.maxAttempts = 10;
    m.retry.initialDelayMs = 10;
    m.retry.maxDelayMs = 10;
    QVERIFY(m_f->addModel(m));
    bool failing = true;
    m_server->setHandler([&failing](const FakeRequest&) {
        FakeReply reply;
        if (failing)
            reply.status = 500;
        return reply;
    });
    QSignalSpy notes(m_f->engine.get(), &Engine::notification);
    const Ulid id = m_f->submitOne(chat(QStringLiteral("gpt")));
    QTRY_COMPARE_WITH_TIMEOUT(endpointSnap(*m_f->engine, QStringLiteral("gpt"), QStringLiteral("flaky")).circuit, QStringLiteral("open"), 10000);
    const int whenOpened = m_server->requestCount();
    QCOMPARE(whenOpened, 3);
    // While open nothing reaches the server; the task waits in retry/queue.
    QTRY_VERIFY(std::any_of(notes.cbegin(), notes.cend(),
        [](const QList<QVariant>& args) { return args.at(0).value<Notification>().title == QLatin1String("Endpoint circuit opened"); }));
    QCOMPARE(m_server->requestCount(), whenOpened);
    failing = false;
    // After open_ms a half-open probe goes through, succeeds, and the circuit closes.
    QTRY_COMPARE_WITH_TIMEOUT(m_f->lastState(id), TaskState::Succeeded, 10000);
    QCOMPARE(m_server->requestCount(), whenOpened + 1);
    QTRY_COMPARE(endpointSnap(*m_f->engine, QStringLiteral("gpt"), QStringLiteral("flaky")).circuit, QStringLiteral("closed"));
}

void TestProviders::healthCheckOpensCircuitAndRecovers()
{
    EndpointConfig e = endpoint(QStringLiteral("checked"), QStringLiteral("openai"), *m_server);
    e.healthCheckIntervalMs = 200;
    QVERIFY(m_f->addModel(model(QStringLiteral("gpt"), { e })));
    bool healthy = false;
    m_server->setHandler([&healthy](const FakeRequest& r) {
        FakeReply reply;
        if (r.method == "GET" && !healthy)
            reply.status = 502;
        return reply;
    });
    QTRY_VERIFY_WITH_TIMEOUT(!endpointSnap(*m_f->engine, QStringLiteral("gpt"), QStringLiteral("checked")).healthy, 10000);
    const EndpointSnapshot down = endpointSnap(*m_f->engine, QStringLiteral("gpt"), QStringLiteral("checked"));
    QCOMPARE(down.circuit, QStringLiteral("open"));
    QVERIFY2(down.lastError.contains(QLatin1String("HTTP 502")), qPrintable(down.lastError));
    QCOMPARE(m_server->requests().constFirst().path, QByteArray("/v1/models"));
    // Work waits instead of failing against a server known to be down.
    const Ulid id = m_f->submitOne(chat(QStringLiteral("gpt")));
    QTRY_COMPARE(m_f->lastState(id), TaskState::Queued);
    int posts = 0;
    for (const FakeRequest& r : m_server->requests())
        posts += r.method == "POST" ? 1 : 0;
    QCOMPARE(posts, 0);
    healthy = true;
    QTRY_COMPARE_WITH_TIMEOUT(m_f->lastState(id), TaskState::Succeeded, 10000);
    QTRY_VERIFY(endpointSnap(*m_f->engine, QStringLiteral("gpt"), QStringLiteral("checked")).healthy);
    QTRY_COMPARE(endpointSnap(*m_f->engine, QStringLiteral("gpt"), QStringLiteral("checked")).circuit, QStringLiteral("closed"));
}

void TestProviders::rpmLimiterHoldsRate()
{
    // 1200 rpm = 20 calls/s, burst 12. 84 instant calls take ~3.6 s; after the
    // burst the rate must match the limit within 5 %, and no second may hold
    // more than 20 + burst starts.
    EndpointConfig e = endpoint(QStringLiteral("limited"), QStringLiteral("openai"), *m_server);
    e.rpm = 1200;
    QVERIFY(m_f->addModel(model(QStringLiteral("gpt"), { e }, 50)));
    QList<TaskSpec> specs;
    for (int i = 0; i < 84; ++i)
        specs.append(chat(QStringLiteral("gpt")));
    m_f->submit(specs);
    QTRY_COMPARE_WITH_TIMEOUT(m_server->requestCount(), 84, 20000);
    const auto reqs = m_server->requests();
    const int burst = 12;
    const double seconds = static_cast<double>(reqs.constLast().receivedMs - reqs[burst].receivedMs) / 1000.0;
    const double rate = (reqs.size() - 1 - burst) / seconds;
    QVERIFY2(rate <= 20.0 * 1.05 && rate >= 20.0 * 0.95, qPrintable(QStringLiteral("%1 calls/s").arg(rate)));
    for (int i = 0; i < reqs.size(); ++i) {
        int inSecond = 0;
        for (int j = i; j < reqs.size() && reqs[j].receivedMs < reqs[i].receivedMs + 1000; ++j)
            ++inSecond;
        QVERIFY2(inSecond <= 20 + burst + 1, qPrintable(QString::number(inSecond)));
    }
    QTRY_VERIFY(endpointSnap(*m_f->engine, QStringLiteral("gpt"), QStringLiteral("limited")).rpmUsed >= 84);
}

void TestProviders::tpmNeverExceededUnderConcurrency()
{
    // 3000 tokens a minute; every call says max_tokens 100 and uses 90 + 10.
    // Up to 50 may run at once, but the calls started within the window must
    // never add up to more than 3000 tokens, and the rest wait in the queue.
    EndpointConfig e = endpoint(QStringLiteral("tpm"), QStringLiteral("openai"), *m_server);
    e.tpm = 3000;
    QVERIFY(m_f->addModel(model(QStringLiteral("gpt"), { e }, 50)));
    FakeReply reply;
    reply.delayMs = 150;
    reply.promptTokens = 10;
    reply.completionTokens = 90;
    m_server->setDefaultReply(reply);
    int maxSeen = 0;
    connect(m_server.get(), &FakeLlmServer::requestReceived, this, [&] { maxSeen = std::max(maxSeen, m_server->requestCount()); });
    QList<TaskSpec> specs;
    for (int i = 0; i < 60; ++i)
        specs.append(chat(QStringLiteral("gpt"), { { QStringLiteral("max_tokens"), 100 } }));
    m_f->submit(specs);
    // Everything the limiter let through has finished, and the rest still waits.
    QTRY_VERIFY_WITH_TIMEOUT(m_server->requestCount() > 0 && m_server->repliesCompleted() == m_server->requestCount(), 10000);
    QTRY_VERIFY(modelSnap(m_f->engine->snapshot(), QStringLiteral("gpt"))->inflight == 0);
    const int started = m_server->requestCount();
    QVERIFY2(started * 100 <= 3000, qPrintable(QString::number(started)));
    QVERIFY2(started >= 15, qPrintable(QString::number(started))); // estimates are ~130 tokens: about 22 fit
    QCOMPARE(maxSeen, started);
    // The counts come with the snapshot after the last finished call's commit.
    const auto queued = [this] { return modelSnap(m_f->engine->snapshot(), QStringLiteral("gpt"))->states[static_cast<int>(TaskState::Queued)]; };
    QTRY_COMPARE_WITH_TIMEOUT(queued(), qint64(60 - started), 5000);
    const auto snapshot = m_f->engine->snapshot(); // keeps what ms points into
    const ModelSnapshot* ms = modelSnap(snapshot, QStringLiteral("gpt"));
    QCOMPARE(ms->states[static_cast<int>(TaskState::Queued)], qint64(60 - started));
    QCOMPARE(m_server->requestCount(), started); // nothing more started meanwhile
    QVERIFY(ms->endpoints.constFirst().tpmUsed <= 3000);
}

void TestProviders::adaptiveConcurrencyCutsOn429()
{
    EndpointConfig e = endpoint(QStringLiteral("busy"), QStringLiteral("openai"), *m_server);
    e.maxConcurrency = 20;
    e.minConcurrency = 2;
    QVERIFY(m_f->addModel(model(QStringLiteral("gpt"), { e }, 20)));
    QCOMPARE(endpointSnap(*m_f->engine, QStringLiteral("gpt"), QStringLiteral("busy")).limit, 20);
    m_server->setHandler([](const FakeRequest& r) {
        FakeReply reply;
        reply.delayMs = 50;
        if (r.index < 20)
            reply.status = 429; // no Retry-After: the limit adapts instead
        return reply;
    });
    QList<TaskSpec> specs;
    for (int i = 0; i < 40; ++i)
        specs.append(chat(QStringLiteral("gpt")));
    const auto out = m_f->submit(specs);
    QTRY_VERIFY_WITH_TIMEOUT(endpointSnap(*m_f->engine, QStringLiteral("gpt"), QStringLiteral("busy")).limit < 20, 10000);
    const int cut = endpointSnap(*m_f->engine, QStringLiteral("gpt"), QStringLiteral("busy")).limit;
    QVERIFY2(cut >= 2 && cut < 20, qPrintable(QString::number(cut))); // 14 after one cut; successes may have added one back
    for (const SubmitOutcome& o : out)
        QTRY_COMPARE_WITH_TIMEOUT(m_f->lastState(o.id), TaskState::Succeeded, 20000);
    QVERIFY(m_server->maxInflight() <= 20);
}

void TestProviders::manyInFlightToOneHost()
{
    // One host, 300 calls held for 300 ms: the client pool must open far more
    // than Qt's 6 connections per host.
    QVERIFY(m_f->addModel(model(QStringLiteral("gpt"), { endpoint(QStringLiteral("local"), QStringLiteral("openai"), *m_server) }, 300)));
    FakeReply slow;
    slow.delayMs = 300;
    m_server->setDefaultReply(slow);
    QList<TaskSpec> specs;
    for (int i = 0; i < 300; ++i)
        specs.append(chat(QStringLiteral("gpt")));
    const auto out = m_f->submit(specs);
    QTRY_COMPARE_WITH_TIMEOUT(m_server->repliesCompleted(), 300, 20000);
    QVERIFY2(m_server->maxInflight() >= 250, qPrintable(QString::number(m_server->maxInflight())));
    QVERIFY(m_server->connectionsAccepted() >= 250);
    QTRY_COMPARE(static_cast<int>(m_f->countFinal()), 300);
}

void TestProviders::dailyBudgetPausesDispatch()
{
    ModelConfig m = model(QStringLiteral("gpt"), { endpoint(QStringLiteral("oa"), QStringLiteral("openai"), *m_server) }, 1);
    m.inputPricePerMTok = 1000; // 10 prompt tokens = $0.01 a call
    m.dailyBudgetUsd = 0.03;
    QVERIFY(m_f->addModel(m));
    FakeReply reply;
    reply.promptTokens = 10;
    reply.completionTokens = 0;
    m_server->setDefaultReply(reply);
    QSignalSpy notes(m_f->engine.get(), &Engine::notification);
    QList<TaskSpec> specs;
    for (int i = 0; i < 6; ++i)
        specs.append(chat(QStringLiteral("gpt")));
    const auto out = m_f->submit(specs);
    QTRY_VERIFY_WITH_TIMEOUT(modelSnap(m_f->engine->snapshot(), QStringLiteral("gpt"))->budgetExhausted, 10000);
    QTRY_VERIFY(std::any_of(notes.cbegin(), notes.cend(),
        [](const QList<QVariant>& args) { return args.at(0).value<Notification>().title == QLatin1String("Daily budget reached"); }));
    QCOMPARE(m_server->requestCount(), 3);
    QTRY_COMPARE_WITH_TIMEOUT(modelSnap(m_f->engine->snapshot(), QStringLiteral("gpt"))->states[static_cast<int>(TaskState::Queued)], 3, 5000);
    const auto snapshot = m_f->engine->snapshot(); // keeps what ms points into
    const ModelSnapshot* ms = modelSnap(snapshot, QStringLiteral("gpt"));
    QCOMPARE(ms->states[static_cast<int>(TaskState::Queued)], 3); // waiting, not dropped
    QVERIFY(qAbs(ms->spentTodayUsd - 0.03) < 1e-9);
    // The operator raises the budget: the rest runs.
    m.dailyBudgetUsd = 1.0;
    QVERIFY(m_f->addModel(m));
    for (const SubmitOutcome& o : out)
        QTRY_COMPARE_WITH_TIMEOUT(m_f->lastState(o.id), TaskState::Succeeded, 10000);
    QVERIFY(!modelSnap(m_f->engine->snapshot(), QStringLiteral("gpt"))->budgetExhausted);

    // Spend survives a restart (rolled up per minute).
    std::unique_ptr<EngineFixture> first = std::move(m_f); // owns the directory
    first->stop();
    m_f = std::make_unique<EngineFixture>(first->dir());
    QVERIFY(m_f->start());
    const auto restarted = m_f->engine->snapshot();
    const ModelSnapshot* again = modelSnap(restarted, QStringLiteral("gpt"));
    QVERIFY(again);
    const double spent = again->spentTodayUsd;
    m_f.reset();
    QVERIFY2(qAbs(spent - 0.06) < 1e-9, qPrintable(QString::number(spent)));
}

void TestProviders::missingKeyIsAConfigurationError()
{
    EndpointConfig e = endpoint(QStringLiteral("oa"), QStringLiteral("openai"), *m_server);
    e.apiKeyRef = QStringLiteral("env:LLMSCHED_TEST_UNSET_KEY");
    QVERIFY(m_f->addModel(model(QStringLiteral("gpt"), { e })));
    const Ulid id = m_f->submitOne(chat(QStringLiteral("gpt")));
    QTRY_COMPARE_WITH_TIMEOUT(m_f->lastState(id), TaskState::Dead, 10000);
    QCOMPARE(m_server->requestCount(), 0);
    const auto task = await(m_f->engine->task(id.toString()));
    QVERIFY2(task->error.contains(QLatin1String("LLMSCHED_TEST_UNSET_KEY")), qPrintable(task->error));

    // A key pasted where the reference belongs is refused without echoing it.
    ModelConfig pasted = model(QStringLiteral("pasted"), { e });
    pasted.endpoints[0].apiKeyRef = QString::fromLatin1(kSecret);
    const auto r = await(m_f->engine->upsertModel(pasted));
    QVERIFY(!r);
    QVERIFY(!r.error().message.contains(QString::fromLatin1(kSecret)));
    QJsonObject withKey = pasted.toJson();
    QJsonArray eps = withKey.value(QLatin1String("endpoints")).toArray();
    QJsonObject ep0 = eps.at(0).toObject();
    ep0.remove(QStringLiteral("api_key_ref"));
    ep0.insert(QStringLiteral("api_key"), QString::fromLatin1(kSecret));
    eps[0] = ep0;
    withKey.insert(QStringLiteral("endpoints"), eps);
    const auto parsed = ModelConfig::fromJson(withKey);
    QVERIFY(!parsed);
    QCOMPARE(parsed.error().field, QStringLiteral("endpoints[0].api_key"));
    QVERIFY(!parsed.error().toString().contains(QString::fromLatin1(kSecret)));
}

void TestProviders::noKeyInAnyLogLine()
{
    QLoggingCategory::setFilterRules(QStringLiteral("llmsched.*=true\nqt.network.*=true"));
    {
        QMutexLocker lock(&g_logMutex);
        g_log.clear();
    }
    g_previousHandler = qInstallMessageHandler(captureLog);
    // The upstream echoes the key back, as real APIs do for a rejected key.
    m_server->setHandler([](const FakeRequest& r) {
        FakeReply reply;
        if (r.index % 3 == 0) {
            reply.status = 401;
            reply.body = R"({"error":{"message":"Incorrect API key provided: )" + r.headers.value("authorization").mid(7) + R"(. See the docs."}})";
        } else if (r.index % 3 == 1) {
            reply.status = 500;
            reply.body = "upstream crashed while handling " + r.headers.value("authorization");
        }
        return reply;
    });
    EndpointConfig e = endpoint(QStringLiteral("oa"), QStringLiteral("openai"), *m_server);
    e.apiKeyRef = QStringLiteral("env:LLMSCHED_TEST_KEY");
    e.healthCheckIntervalMs = 100;
    e.circuit.failureThreshold = 1; // so the circuit opens and logs the upstream's (redacted) error
    e.circuit.openMs = 100;
    QVERIFY(m_f->addModel(model(QStringLiteral("gpt"), { e })));
    QList<TaskSpec> specs;
    for (int i = 0; i < 9; ++i)
        specs.append(chat(QStringLiteral("gpt")));
    const auto out = m_f->submit(specs);
    for (const SubmitOutcome& o : out)
        QTRY_VERIFY_WITH_TIMEOUT(isFinal(m_f->lastState(o.id)), 10000);
    QVERIFY(m_server->requestCount() >= 9);
    QString errors;
    for (const SubmitOutcome& o : out) {
        const auto task = await(m_f->engine->task(o.id.toString()));
        errors += task->error;
        const auto log = await(m_f->engine->taskLog(o.id.toString()));
        for (const TaskLogEntry& l : *log)
            errors += l.message;
    }
    QVERIFY2(errors.contains(QLatin1String("Incorrect API key provided: ***")), qPrintable(errors.left(500)));
    const EndpointSnapshot snap = endpointSnap(*m_f->engine, QStringLiteral("gpt"), QStringLiteral("oa"));
    m_f->stop();
    qInstallMessageHandler(g_previousHandler);
    QLoggingCategory::setFilterRules(QString());

    const QString key = QString::fromLatin1(kSecret);
    QVERIFY(!errors.contains(key));
    QVERIFY(!snap.lastError.contains(key));
    QMutexLocker lock(&g_logMutex);
    QVERIFY(std::any_of(g_log.cbegin(), g_log.cend(),
        [](const QString& line) { return line.contains(QLatin1String("circuit open")) && line.contains(QLatin1String("Bearer ***")); }));
    for (const QString& line : std::as_const(g_log))
        QVERIFY2(!line.contains(key) && !line.contains(key.left(16)), qPrintable(line));
    // Nor in the database file or its WAL.
    for (const QString& suffix : { QString(), QStringLiteral("-wal") }) {
        QFile db(m_f->dbPath() + suffix);
        if (db.open(QIODevice::ReadOnly))
            QVERIFY(!db.readAll().contains(kSecret));
    }
}

void TestProviders::simulatedEmbeddingsFollowTheRequest()
{
    // What the OpenAI SDKs send by default: several inputs, base64 floats.
    SimulatedProvider sim(SimulationConfig {}, 7);
    CallRequest request;
    request.kind = TaskKind::Embedding;
    request.upstreamModel = QStringLiteral("sim-embed");
    request.input = "{\"input\":[\"alpha\",\"beta\",\"alpha\"],\"encoding_format\":\"base64\",\"dimensions\":4}";
    const CallResult r = QCoro::waitFor(sim.call(request, std::make_shared<CallControl>()));
    QVERIFY(r.ok);
    const QJsonObject body = QJsonDocument::fromJson(r.output).object();
    QCOMPARE(body.value(QLatin1String("model")).toString(), QStringLiteral("sim-embed"));
    const QJsonArray data = body.value(QLatin1String("data")).toArray();
    QCOMPARE(data.size(), 3);
    QList<QByteArray> vectors;
    for (int i = 0; i < data.size(); ++i) {
        QCOMPARE(data.at(i).toObject().value(QLatin1String("index")).toInt(), i);
        const QByteArray bytes = QByteArray::fromBase64(data.at(i).toObject().value(QLatin1String("embedding")).toString().toLatin1());
        QCOMPARE(bytes.size(), 4 * 4);
        double norm = 0;
        for (int d = 0; d < 4; ++d) {
            const float x = std::bit_cast<float>(qFromLittleEndian<quint32>(bytes.constData() + 4 * d));
            norm += double(x) * x;
        }
        QVERIFY2(qAbs(norm - 1.0) < 1e-4, qPrintable(QString::number(norm)));
        vectors.append(bytes);
    }
    QCOMPARE(vectors.at(0), vectors.at(2)); // equal inputs, equal embeddings
    QVERIFY(vectors.at(0) != vectors.at(1));
    QCOMPARE(body.value(QLatin1String("usage")).toObject().value(QLatin1String("completion_tokens")).toInt(), 0);

    // Floats, one input given as token ids, the default length.
    request.input = "{\"input\":[12,345,6789]}";
    const CallResult f = QCoro::waitFor(sim.call(request, std::make_shared<CallControl>()));
    QVERIFY(f.ok);
    const QJsonArray one = QJsonDocument::fromJson(f.output).object().value(QLatin1String("data")).toArray();
    QCOMPARE(one.size(), 1);
    QCOMPARE(one.at(0).toObject().value(QLatin1String("embedding")).toArray().size(), 8);

    // Past OpenAI's bounds: a 400 as OpenAI gives, not gigabytes of numbers.
    QByteArray many = "{\"dimensions\":4096,\"input\":[";
    for (int i = 0; i < 600; ++i)
        many += (i ? ",\"x" : "\"x") + QByteArray::number(i) + '"';
    many += "]}";
    request.input = many;
    const CallResult big = QCoro::waitFor(sim.call(request, std::make_shared<CallControl>()));
    QVERIFY(!big.ok);
    QCOMPARE(big.httpStatus, 400);
    QVERIFY2(big.error.contains(QStringLiteral("600 inputs of 4096 dimensions")), qPrintable(big.error));
    QCOMPARE(big.output.size(), 0);
}

// Long-tailed latency draws stop at an hour, the most a configured latency may be.
void TestProviders::simulatedLatencyTailIsCut()
{
    SimulationConfig c;
    c.distribution = SimulationConfig::Distribution::LogNormal;
    c.latencyMs = 3'000'000; // 50 minutes median: half the draws would pass an hour
    c.sigma = 3;
    SimulatedProvider sim(c, 11);
    double longest = 0;
    int atCap = 0;
    for (int i = 0; i < 1000; ++i) {
        const double ms = sim.drawLatencyMs();
        QVERIFY(ms >= 0);
        longest = std::max(longest, ms);
        atCap += ms == 3600.0 * 1000;
    }
    QCOMPARE(longest, 3600.0 * 1000);
    QVERIFY2(atCap > 300, qPrintable(QString::number(atCap))); // the tail was there, and was cut
}

QTEST_GUILESS_MAIN(TestProviders)
#include "tst_providers.moc"
