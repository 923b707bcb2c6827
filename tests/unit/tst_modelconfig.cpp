// Unit tests for ModelConfig::fromJson / toJson and isValidModelName.
#include "core/modelconfig.h"

#include <QJsonArray>
#include <QTest>

using namespace llmsched;

namespace {

QJsonObject model(const QString& name = QStringLiteral("m1"))
{
    return QJsonObject { { QStringLiteral("name"), name } };
}

QJsonObject with(QJsonObject o, const QString& key, const QJsonValue& value)
{
    o.insert(key, value);
    return o;
}

QJsonObject withEndpoints(const QJsonArray& endpoints)
{
    return with(model(), QStringLiteral("endpoints"), endpoints);
}

QJsonObject openai(const QJsonValue& baseUrl, const QString& name = {})
{
    QJsonObject e { { QStringLiteral("provider"), QStringLiteral("openai") } };
    if (!baseUrl.isUndefined())
        e.insert(QStringLiteral("base_url"), baseUrl);
    if (!name.isEmpty())
        e.insert(QStringLiteral("name"), name);
    return e;
}

QJsonObject simulated(const QJsonObject& simulation, const QString& name = QStringLiteral("sim"))
{
    return QJsonObject { { QStringLiteral("name"), name }, { QStringLiteral("provider"), QStringLiteral("simulated") },
        { QStringLiteral("simulation"), simulation } };
}

QString describe(const Result<ModelConfig>& r)
{
    return r.ok() ? QStringLiteral("ok") : r.error().toString();
}

} // namespace

class TestModelConfig : public QObject
{
    Q_OBJECT

private slots:
    void defaults();
    void isValidModelName_data();
    void isValidModelName();
    void nameField_data();
    void nameField();
    void strategy_data();
    void strategy();
    void baseUrl_data();
    void baseUrl();
    void endpointDefaults();
    void duplicateEndpointNames();
    void latency_data();
    void latency();
    void invalidSimulation_data();
    void invalidSimulation();
    void retry();
    void invalidRetry_data();
    void invalidRetry();
    void invalidFields_data();
    void invalidFields();
    void pathPrefix();
    void roundTrip();
    void simulatedDemoRoundTrip();
    void problemsNameTheirField();
    void validatedRefusesWhatJsonRefuses();
    void modelFieldRefs();
};

void TestModelConfig::defaults()
{
    const auto m = ModelConfig::fromJson(model(QStringLiteral("gpt-4o")));
    QVERIFY2(m.ok(), qPrintable(describe(m)));
    QCOMPARE(m->name, QStringLiteral("gpt-4o"));
    QVERIFY(m->description.isEmpty());
    QCOMPARE(m->concurrency, kDefaultModelConcurrency);
    QCOMPARE(m->capacity, kDefaultQueueCapacity);
    QCOMPARE(m->timeoutMs, kDefaultTimeoutMs);
    QCOMPARE(m->agingIntervalMs, kDefaultAgingIntervalMs);
    QCOMPARE(m->strategy, QStringLiteral("round_robin"));
    QVERIFY(m->endpoints.isEmpty());
    QCOMPARE(m->paused, false);
    QCOMPARE(m->inputPricePerMTok, 0.0);
    QCOMPARE(m->outputPricePerMTok, 0.0);
    QCOMPARE(m->dailyBudgetUsd, 0.0);
    QCOMPARE(m->retry.maxAttempts, kDefaultMaxAttempts);
    QCOMPARE(m->retry.initialDelayMs, kDefaultInitialDelayMs);
    QCOMPARE(m->retry.factor, kDefaultBackoffFactor);
    QCOMPARE(m->retry.maxDelayMs, kDefaultMaxDelayMs);
    QCOMPARE(m->retry.jitter, kDefaultJitter);
}

void TestModelConfig::isValidModelName_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<bool>("valid");

    QTest::newRow("simple") << QStringLiteral("gpt-4o") << true;
    QTest::newRow("one char") << QStringLiteral("a") << true;
    QTest::newRow("digit first") << QStringLiteral("4o") << true;
    QTest::newRow("all allowed punctuation") << QStringLiteral("org/model:v1.2_b-3") << true;
    QTest::newRow("128 chars") << QString(128, QLatin1Char('x')) << true;
    QTest::newRow("129 chars") << QString(129, QLatin1Char('x')) << false;
    QTest::newRow("empty") << QString() << false;
    QTest::newRow("leading dash") << QStringLiteral("-model") << false;
    QTest::newRow("leading dot") << QStringLiteral(".model") << false;
    QTest::newRow("leading slash") << QStringLiteral("/model") << false;
    QTest::newRow("double dot") << QStringLiteral("a..b") << false;
    QTest::newRow("path traversal") << QStringLiteral("a/../b") << false;
    QTest::newRow("space") << QStringLiteral("my model") << false;
    QTest::newRow("question mark") << QStringLiteral("model?x=1") << false;
    QTest::newRow("hash") << QStringLiteral("model#1") << false;
    QTest::newRow("non-ASCII") << QStringLiteral("mod\u00e8le") << false;
    QTest::newRow("newline") << QStringLiteral("model\n") << false;
}

void TestModelConfig::isValidModelName()
{
    QFETCH(QString, name);
    QFETCH(bool, valid);
    QCOMPARE(llmsched::isValidModelName(name), valid);
}

void TestModelConfig::nameField_data()
{
    QTest::addColumn<QJsonValue>("name");
    QTest::newRow("missing") << QJsonValue(QJsonValue::Undefined);
    QTest::newRow("null") << QJsonValue(QJsonValue::Null);
    QTest::newRow("empty") << QJsonValue(QString());
    QTest::newRow("number") << QJsonValue(7);
    QTest::newRow("invalid characters") << QJsonValue(QStringLiteral("bad name"));
    QTest::newRow("double dot") << QJsonValue(QStringLiteral("a..b"));
    QTest::newRow("too long") << QJsonValue(QString(129, QLatin1Char('n')));
}

void TestModelConfig::nameField()
{
    QFETCH(QJsonValue, name);
    QJsonObject json;
    if (!name.isUndefined())
        json.insert(QStringLiteral("name"), name);
    const auto m = ModelConfig::fromJson(json);
    QVERIFY(!m.ok());
    QCOMPARE(m.error().code, ErrorCode::InvalidArgument);
    QCOMPARE(m.error().field, QStringLiteral("name"));
}

void TestModelConfig::strategy_data()
{
    QTest::addColumn<QJsonValue>("strategy");
    QTest::addColumn<bool>("valid");
    QTest::newRow("round_robin") << QJsonValue(QStringLiteral("round_robin")) << true;
    QTest::newRow("weighted") << QJsonValue(QStringLiteral("weighted")) << true;
    QTest::newRow("least_busy") << QJsonValue(QStringLiteral("least_busy")) << true;
    QTest::newRow("lowest_latency") << QJsonValue(QStringLiteral("lowest_latency")) << true;
    QTest::newRow("session_affinity") << QJsonValue(QStringLiteral("session_affinity")) << true;
    QTest::newRow("random") << QJsonValue(QStringLiteral("random")) << false;
    QTest::newRow("upper case") << QJsonValue(QStringLiteral("ROUND_ROBIN")) << false;
    QTest::newRow("empty") << QJsonValue(QString()) << false;
    QTest::newRow("number") << QJsonValue(1) << false;
}

void TestModelConfig::strategy()
{
    QFETCH(QJsonValue, strategy);
    QFETCH(bool, valid);
    const auto m = ModelConfig::fromJson(with(model(), QStringLiteral("strategy"), strategy));
    QCOMPARE(m.ok(), valid);
    if (valid)
        QCOMPARE(m->strategy, strategy.toString());
    else
        QCOMPARE(m.error().field, QStringLiteral("strategy"));
}

void TestModelConfig::baseUrl_data()
{
    QTest::addColumn<QString>("provider");
    QTest::addColumn<QJsonValue>("baseUrl");
    QTest::addColumn<bool>("valid");

    const QString oa = QStringLiteral("openai");
    QTest::newRow("openai http") << oa << QJsonValue(QStringLiteral("http://127.0.0.1:8000/v1")) << true;
    QTest::newRow("openai https") << oa << QJsonValue(QStringLiteral("https://api.example.com/v1")) << true;
    QTest::newRow("openai ftp") << oa << QJsonValue(QStringLiteral("ftp://x")) << false;
    QTest::newRow("openai not a url") << oa << QJsonValue(QStringLiteral("not a url")) << false;
    QTest::newRow("openai empty") << oa << QJsonValue(QString()) << false;
    QTest::newRow("openai missing") << oa << QJsonValue(QJsonValue::Undefined) << false;
    QTest::newRow("openai no host") << oa << QJsonValue(QStringLiteral("http://")) << false;
    QTest::newRow("openai number") << oa << QJsonValue(8000) << false;
    QTest::newRow("anthropic ftp") << QStringLiteral("anthropic") << QJsonValue(QStringLiteral("ftp://x")) << false;
    QTest::newRow("anthropic https") << QStringLiteral("anthropic") << QJsonValue(QStringLiteral("https://api.anthropic.com")) << true;
    QTest::newRow("simulated without url") << QStringLiteral("simulated") << QJsonValue(QJsonValue::Undefined) << true;
}

void TestModelConfig::baseUrl()
{
    QFETCH(QString, provider);
    QFETCH(QJsonValue, baseUrl);
    QFETCH(bool, valid);

    QJsonObject ep { { QStringLiteral("provider"), provider } };
    if (!baseUrl.isUndefined())
        ep.insert(QStringLiteral("base_url"), baseUrl);

    // The bad endpoint first, then second behind a good one: the index is in the field.
    const QJsonObject good = simulated({}, QStringLiteral("good"));
    const auto first = ModelConfig::fromJson(withEndpoints({ ep }));
    const auto second = ModelConfig::fromJson(withEndpoints({ good, ep }));
    QCOMPARE(first.ok(), valid);
    QCOMPARE(second.ok(), valid);
    if (valid) {
        QCOMPARE(first->endpoints.size(), 1);
        QCOMPARE(first->endpoints.at(0).provider, provider);
        QCOMPARE(first->endpoints.at(0).baseUrl, baseUrl.toString());
        QCOMPARE(second->endpoints.size(), 2);
    } else {
        QCOMPARE(first.error().code, ErrorCode::InvalidArgument);
        QCOMPARE(first.error().field, QStringLiteral("endpoints[0].base_url"));
        QCOMPARE(second.error().field, QStringLiteral("endpoints[1].base_url"));
        QVERIFY(first.error().toString().startsWith(QStringLiteral("endpoints[0].base_url: ")));
    }
}

void TestModelConfig::endpointDefaults()
{
    const auto m = ModelConfig::fromJson(withEndpoints(
        { openai(QStringLiteral("http://localhost:1/v1")), openai(QStringLiteral("http://localhost:2/v1")), simulated({}, QStringLiteral("s")) }));
    QVERIFY2(m.ok(), qPrintable(describe(m)));
    QCOMPARE(m->endpoints.size(), 3);
    // Unnamed endpoints get provider-index names.
    QCOMPARE(m->endpoints.at(0).name, QStringLiteral("openai-1"));
    QCOMPARE(m->endpoints.at(1).name, QStringLiteral("openai-2"));
    QCOMPARE(m->endpoints.at(2).name, QStringLiteral("s"));
    const EndpointConfig& e = m->endpoints.at(0);
    QCOMPARE(e.weight, 1);
    QCOMPARE(e.maxConcurrency, 0);
    QCOMPARE(e.rpm, 0);
    QCOMPARE(e.tpm, qint64(0));
    QVERIFY(e.apiKeyRef.isEmpty());
    QCOMPARE(m->endpoints.at(2).simulation.distribution, SimulationConfig::Distribution::Fixed);
}

void TestModelConfig::duplicateEndpointNames()
{
    const auto dup = ModelConfig::fromJson(withEndpoints({ openai(QStringLiteral("http://a/v1"), QStringLiteral("main")),
        simulated({}, QStringLiteral("other")), openai(QStringLiteral("http://b/v1"), QStringLiteral("main")) }));
    QVERIFY(!dup.ok());
    QCOMPARE(dup.error().field, QStringLiteral("endpoints[2].name"));

    // An explicit name that equals a generated one also collides.
    const auto generated = ModelConfig::fromJson(
        withEndpoints({ openai(QStringLiteral("http://a/v1")), openai(QStringLiteral("http://b/v1"), QStringLiteral("openai-1")) }));
    QVERIFY(!generated.ok());
    QCOMPARE(generated.error().field, QStringLiteral("endpoints[1].name"));
}

void TestModelConfig::latency_data()
{
    QTest::addColumn<QJsonValue>("latency");
    QTest::addColumn<int>("distribution");
    QTest::addColumn<double>("value");
    QTest::addColumn<double>("minMs");
    QTest::addColumn<double>("maxMs");
    QTest::addColumn<double>("sigma");

    const auto obj = [](std::initializer_list<QPair<QString, QJsonValue>> kv) { return QJsonValue(QJsonObject(kv)); };
    QTest::newRow("number") << QJsonValue(250) << int(SimulationConfig::Distribution::Fixed) << 250.0 << 0.0 << 0.0 << 0.5;
    QTest::newRow("fixed") << obj({ { QStringLiteral("distribution"), QStringLiteral("fixed") }, { QStringLiteral("value"), 80 } })
                           << int(SimulationConfig::Distribution::Fixed) << 80.0 << 0.0 << 0.0 << 0.5;
    QTest::newRow("uniform") << obj(
        { { QStringLiteral("distribution"), QStringLiteral("uniform") }, { QStringLiteral("min"), 100 }, { QStringLiteral("max"), 300 } })
                             << int(SimulationConfig::Distribution::Uniform) << 0.0 << 100.0 << 300.0 << 0.5;
    QTest::newRow("uniform min == max") << obj(
        { { QStringLiteral("distribution"), QStringLiteral("uniform") }, { QStringLiteral("min"), 50 }, { QStringLiteral("max"), 50 } })
                                        << int(SimulationConfig::Distribution::Uniform) << 0.0 << 50.0 << 50.0 << 0.5;
    QTest::newRow("uniform without max") << obj({ { QStringLiteral("distribution"), QStringLiteral("uniform") }, { QStringLiteral("min"), 70 } })
                                         << int(SimulationConfig::Distribution::Uniform) << 0.0 << 70.0 << 70.0 << 0.5;
    QTest::newRow("lognormal") << obj(
        { { QStringLiteral("distribution"), QStringLiteral("lognormal") }, { QStringLiteral("median"), 400 }, { QStringLiteral("sigma"), 0.8 } })
                               << int(SimulationConfig::Distribution::LogNormal) << 400.0 << 0.0 << 0.0 << 0.8;
    QTest::newRow("exponential") << obj({ { QStringLiteral("distribution"), QStringLiteral("exponential") }, { QStringLiteral("mean"), 120 } })
                                 << int(SimulationConfig::Distribution::Exponential) << 120.0 << 0.0 << 0.0 << 0.5;
}

void TestModelConfig::latency()
{
    QFETCH(QJsonValue, latency);
    QFETCH(int, distribution);
    QFETCH(double, value);
    QFETCH(double, minMs);
    QFETCH(double, maxMs);
    QFETCH(double, sigma);

    const auto m = ModelConfig::fromJson(withEndpoints({ simulated({ { QStringLiteral("latency_ms"), latency } }) }));
    QVERIFY2(m.ok(), qPrintable(describe(m)));
    const SimulationConfig& s = m->endpoints.at(0).simulation;
    QCOMPARE(int(s.distribution), distribution);
    QCOMPARE(s.latencyMs, value);
    QCOMPARE(s.latencyMinMs, minMs);
    QCOMPARE(s.latencyMaxMs, maxMs);
    QCOMPARE(s.sigma, sigma);

    // The simulation survives toJson -> fromJson.
    const auto again = ModelConfig::fromJson(m->toJson());
    QVERIFY2(again.ok(), qPrintable(describe(again)));
    const SimulationConfig& t = again->endpoints.at(0).simulation;
    QCOMPARE(int(t.distribution), distribution);
    QCOMPARE(t.latencyMs, s.latencyMs);
    QCOMPARE(t.latencyMinMs, s.latencyMinMs);
    QCOMPARE(t.latencyMaxMs, s.latencyMaxMs);
    if (s.distribution == SimulationConfig::Distribution::LogNormal)
        QCOMPARE(t.sigma, s.sigma);
}

void TestModelConfig::invalidSimulation_data()
{
    QTest::addColumn<QJsonObject>("simulation");
    QTest::addColumn<QString>("field");

    const QString latency = QStringLiteral("latency_ms");
    QTest::newRow("uniform max < min") << QJsonObject { { latency,
        QJsonObject {
            { QStringLiteral("distribution"), QStringLiteral("uniform") }, { QStringLiteral("min"), 300 }, { QStringLiteral("max"), 100 } } } }
                                       << QStringLiteral("endpoints[0].simulation.latency_ms.max");
    QTest::newRow("unknown distribution") << QJsonObject { { latency, QJsonObject { { QStringLiteral("distribution"), QStringLiteral("pareto") } } } }
                                          << QStringLiteral("endpoints[0].simulation.latency_ms.distribution");
    QTest::newRow("unknown latency field") << QJsonObject {
        { latency, QJsonObject { { QStringLiteral("distribution"), QStringLiteral("fixed") }, { QStringLiteral("p99"), 5 } } }
    } << QStringLiteral("endpoints[0].simulation.latency_ms.p99");
    QTest::newRow("negative latency") << QJsonObject { { latency, -1 } } << QStringLiteral("endpoints[0].simulation.latency_ms");
    QTest::newRow("latency as string") << QJsonObject { { latency, QStringLiteral("fast") } } << QStringLiteral("endpoints[0].simulation.latency_ms");
    QTest::newRow("failure_rate > 1") << QJsonObject { { QStringLiteral("failure_rate"), 1.5 } }
                                      << QStringLiteral("endpoints[0].simulation.failure_rate");
    QTest::newRow("tokens max < min") << QJsonObject { { QStringLiteral("completion_tokens_min"), 10 },
        { QStringLiteral("completion_tokens_max"), 5 } }
                                      << QStringLiteral("endpoints[0].simulation.completion_tokens_max");
    QTest::newRow("unknown simulation field") << QJsonObject { { QStringLiteral("speed"), 1 } } << QStringLiteral("endpoints[0].simulation.speed");
}

void TestModelConfig::invalidSimulation()
{
    QFETCH(QJsonObject, simulation);
    QFETCH(QString, field);
    const auto m = ModelConfig::fromJson(withEndpoints({ simulated(simulation) }));
    QVERIFY(!m.ok());
    QCOMPARE(m.error().code, ErrorCode::InvalidArgument);
    QCOMPARE(m.error().field, field);
    // The field appears once in the message, not repeated by every nesting level.
    QCOMPARE(m.error().toString().count(QStringLiteral("simulation")), 1);
}

void TestModelConfig::retry()
{
    const QJsonObject retryJson { { QStringLiteral("max_attempts"), 5 }, { QStringLiteral("initial_delay_ms"), 200 }, { QStringLiteral("factor"), 3 },
        { QStringLiteral("max_delay_ms"), 10'000 }, { QStringLiteral("jitter"), 0 } };
    const auto m = ModelConfig::fromJson(with(model(), QStringLiteral("retry"), retryJson));
    QVERIFY2(m.ok(), qPrintable(describe(m)));
    QCOMPARE(m->retry.maxAttempts, 5);
    QCOMPARE(m->retry.initialDelayMs, qint64(200));
    QCOMPARE(m->retry.factor, 3.0);
    QCOMPARE(m->retry.maxDelayMs, qint64(10'000));
    QCOMPARE(m->retry.jitter, 0.0);

    // Fields left out keep their defaults.
    const auto partial = ModelConfig::fromJson(with(model(), QStringLiteral("retry"), QJsonObject { { QStringLiteral("max_attempts"), 9 } }));
    QVERIFY(partial.ok());
    QCOMPARE(partial->retry.maxAttempts, 9);
    QCOMPARE(partial->retry.initialDelayMs, kDefaultInitialDelayMs);
    QCOMPARE(partial->retry.jitter, kDefaultJitter);
}

void TestModelConfig::invalidRetry_data()
{
    QTest::addColumn<QJsonValue>("retry");
    QTest::addColumn<QString>("field");
    QTest::newRow("unknown field") << QJsonValue(QJsonObject { { QStringLiteral("xyz"), 1 } }) << QStringLiteral("retry.xyz");
    QTest::newRow("max_attempts 0") << QJsonValue(QJsonObject { { QStringLiteral("max_attempts"), 0 } }) << QStringLiteral("retry.max_attempts");
    QTest::newRow("factor below 1") << QJsonValue(QJsonObject { { QStringLiteral("factor"), 0.5 } }) << QStringLiteral("retry.factor");
    QTest::newRow("jitter as string") << QJsonValue(QJsonObject { { QStringLiteral("jitter"), QStringLiteral("0.1") } })
                                      << QStringLiteral("retry.jitter");
    QTest::newRow("not an object") << QJsonValue(3) << QStringLiteral("retry");
}

void TestModelConfig::invalidRetry()
{
    QFETCH(QJsonValue, retry);
    QFETCH(QString, field);
    const auto m = ModelConfig::fromJson(with(model(), QStringLiteral("retry"), retry));
    QVERIFY(!m.ok());
    QCOMPARE(m.error().code, ErrorCode::InvalidArgument);
    QCOMPARE(m.error().field, field);
    QVERIFY(m.error().toString().startsWith(field + QStringLiteral(": ")));
}

void TestModelConfig::invalidFields_data()
{
    QTest::addColumn<QJsonObject>("json");
    QTest::addColumn<QString>("field");
    QTest::newRow("unknown top-level field") << with(model(), QStringLiteral("colour"), 1) << QStringLiteral("colour");
    QTest::newRow("concurrency 0") << with(model(), QStringLiteral("concurrency"), 0) << QStringLiteral("concurrency");
    QTest::newRow("capacity as string") << with(model(), QStringLiteral("capacity"), QStringLiteral("10")) << QStringLiteral("capacity");
    QTest::newRow("negative aging") << with(model(), QStringLiteral("aging_interval_ms"), -1) << QStringLiteral("aging_interval_ms");
    QTest::newRow("paused as number") << with(model(), QStringLiteral("paused"), 1) << QStringLiteral("paused");
    QTest::newRow("endpoints not an array") << with(model(), QStringLiteral("endpoints"), QJsonObject {}) << QStringLiteral("endpoints");
    QTest::newRow("endpoint not an object") << withEndpoints({ 5 }) << QStringLiteral("endpoints[0]");
    QTest::newRow("unknown provider") << withEndpoints({ QJsonObject { { QStringLiteral("provider"), QStringLiteral("grpc") } } })
                                      << QStringLiteral("endpoints[0].provider");
    QTest::newRow("unknown endpoint field") << withEndpoints({ simulated({}), QJsonObject { { QStringLiteral("nmae"), QStringLiteral("x") } } })
                                            << QStringLiteral("endpoints[1].nmae");
    QTest::newRow("weight 0") << withEndpoints({ QJsonObject { { QStringLiteral("weight"), 0 } } }) << QStringLiteral("endpoints[0].weight");
}

void TestModelConfig::invalidFields()
{
    QFETCH(QJsonObject, json);
    QFETCH(QString, field);
    const auto m = ModelConfig::fromJson(json);
    QVERIFY(!m.ok());
    QCOMPARE(m.error().field, field);
}

void TestModelConfig::pathPrefix()
{
    const QString prefix = QStringLiteral("models[2]");
    auto m = ModelConfig::fromJson(with(model(), QStringLiteral("strategy"), QStringLiteral("nope")), prefix);
    QVERIFY(!m.ok());
    QCOMPARE(m.error().field, QStringLiteral("models[2].strategy"));

    m = ModelConfig::fromJson(with(model(), QStringLiteral("retry"), QJsonObject { { QStringLiteral("xyz"), 1 } }), prefix);
    QVERIFY(!m.ok());
    QCOMPARE(m.error().field, QStringLiteral("models[2].retry.xyz"));

    m = ModelConfig::fromJson(withEndpoints({ openai(QStringLiteral("ftp://x")) }), prefix);
    QVERIFY(!m.ok());
    QCOMPARE(m.error().field, QStringLiteral("models[2].endpoints[0].base_url"));
}

void TestModelConfig::roundTrip()
{
    QJsonObject json = model(QStringLiteral("org/llama-3:70b"));
    json.insert(QStringLiteral("description"), QStringLiteral("Local vLLM"));
    json.insert(QStringLiteral("concurrency"), 32);
    json.insert(QStringLiteral("capacity"), 5000);
    json.insert(QStringLiteral("timeout_ms"), 45'000);
    json.insert(QStringLiteral("aging_interval_ms"), 0);
    json.insert(QStringLiteral("strategy"), QStringLiteral("weighted"));
    json.insert(QStringLiteral("paused"), true);
    json.insert(QStringLiteral("input_price_per_mtok"), 0.5);
    json.insert(QStringLiteral("output_price_per_mtok"), 1.5);
    json.insert(QStringLiteral("daily_budget_usd"), 20);
    json.insert(QStringLiteral("retry"), QJsonObject { { QStringLiteral("max_attempts"), 6 }, { QStringLiteral("jitter"), 0.3 } });
    QJsonObject ep = openai(QStringLiteral("https://vllm.internal:8443/v1"), QStringLiteral("gpu-a"));
    ep.insert(QStringLiteral("api_key_ref"), QStringLiteral("env:VLLM_KEY"));
    ep.insert(QStringLiteral("upstream_model"), QStringLiteral("meta-llama/Llama-3-70b"));
    ep.insert(QStringLiteral("weight"), 3);
    ep.insert(QStringLiteral("max_concurrency"), 8);
    ep.insert(QStringLiteral("rpm"), 600);
    ep.insert(QStringLiteral("tpm"), 100'000);
    json.insert(QStringLiteral("endpoints"), QJsonArray { ep, simulated({ { QStringLiteral("failure_rate"), 0.25 } }) });

    const auto a = ModelConfig::fromJson(json);
    QVERIFY2(a.ok(), qPrintable(describe(a)));
    const auto b = ModelConfig::fromJson(a->toJson());
    QVERIFY2(b.ok(), qPrintable(describe(b)));

    QCOMPARE(b->name, QStringLiteral("org/llama-3:70b"));
    QCOMPARE(b->description, a->description);
    QCOMPARE(b->concurrency, 32);
    QCOMPARE(b->capacity, qint64(5000));
    QCOMPARE(b->timeoutMs, 45'000);
    QCOMPARE(b->agingIntervalMs, qint64(0));
    QCOMPARE(b->strategy, QStringLiteral("weighted"));
    QCOMPARE(b->paused, true);
    QCOMPARE(b->inputPricePerMTok, 0.5);
    QCOMPARE(b->outputPricePerMTok, 1.5);
    QCOMPARE(b->dailyBudgetUsd, 20.0);
    QCOMPARE(b->retry.maxAttempts, 6);
    QCOMPARE(b->retry.jitter, 0.3);
    QCOMPARE(b->retry.initialDelayMs, a->retry.initialDelayMs);
    QCOMPARE(b->endpoints.size(), 2);
    const EndpointConfig& e = b->endpoints.at(0);
    QCOMPARE(e.name, QStringLiteral("gpu-a"));
    QCOMPARE(e.provider, QStringLiteral("openai"));
    QCOMPARE(e.baseUrl, QStringLiteral("https://vllm.internal:8443/v1"));
    QCOMPARE(e.apiKeyRef, QStringLiteral("env:VLLM_KEY"));
    QCOMPARE(e.upstreamModel, QStringLiteral("meta-llama/Llama-3-70b"));
    QCOMPARE(e.weight, 3);
    QCOMPARE(e.maxConcurrency, 8);
    QCOMPARE(e.rpm, 600);
    QCOMPARE(e.tpm, qint64(100'000));
    QCOMPARE(b->endpoints.at(1).name, QStringLiteral("sim"));
    QCOMPARE(b->endpoints.at(1).simulation.failureRate, 0.25);
    QCOMPARE(b->toJson(), a->toJson());
}

void TestModelConfig::simulatedDemoRoundTrip()
{
    const ModelConfig demo = ModelConfig::simulatedDemo(QStringLiteral("demo-x"));
    QVERIFY(llmsched::isValidModelName(demo.name));
    const auto m = ModelConfig::fromJson(demo.toJson());
    QVERIFY2(m.ok(), qPrintable(describe(m)));
    QCOMPARE(m->name, QStringLiteral("demo-x"));
    QCOMPARE(m->endpoints.size(), demo.endpoints.size());
    const SimulationConfig& s = m->endpoints.at(0).simulation;
    QCOMPARE(s.distribution, SimulationConfig::Distribution::LogNormal);
    QCOMPARE(s.latencyMs, demo.endpoints.at(0).simulation.latencyMs);
    QCOMPARE(s.sigma, demo.endpoints.at(0).simulation.sigma);
    QCOMPARE(s.failureRate, demo.endpoints.at(0).simulation.failureRate);
    QCOMPARE(s.completionTokensMax, demo.endpoints.at(0).simulation.completionTokensMax);
    QCOMPARE(m->retry.initialDelayMs, demo.retry.initialDelayMs);
    QCOMPARE(m->toJson(), demo.toJson());
}

// The one validation, on a model built in memory as the GUI's editor does.
void TestModelConfig::problemsNameTheirField()
{
    using Rule = ModelProblem::Rule;
    ModelConfig m;
    m.name = QStringLiteral("bad name!");
    EndpointConfig a;
    a.name = QStringLiteral("a");
    a.provider = QStringLiteral("openai");
    a.baseUrl = QStringLiteral("ftp://x");
    a.apiKeyRef = QStringLiteral("sk-pasted-key");
    EndpointConfig b;
    b.name = QStringLiteral("a");
    b.provider = QStringLiteral("anthropic");
    b.maxConcurrency = 2;
    b.minConcurrency = 5;
    b.allowedHosts = { QStringLiteral("api.example.com") };
    EndpointConfig c;
    c.provider = QStringLiteral("teapot");
    m.endpoints = { a, b, c };

    const QList<ModelProblem> found = m.problems();
    QList<std::tuple<Rule, int, QString>> got;
    for (const ModelProblem& p : found)
        got.append({ p.rule, p.endpoint, p.key });
    const QList<std::tuple<Rule, int, QString>> expected {
        { Rule::NameInvalid, -1, QStringLiteral("name") },
        { Rule::BaseUrlInvalid, 0, QStringLiteral("base_url") },
        { Rule::KeyRefInvalid, 0, QStringLiteral("api_key_ref") },
        { Rule::EndpointNameDuplicate, 1, QStringLiteral("name") },
        { Rule::BaseUrlMissing, 1, QStringLiteral("base_url") },
        { Rule::MinAboveMaxConcurrency, 1, QStringLiteral("min_concurrency") },
        { Rule::AllowedHostsNotHttp, 1, QStringLiteral("allowed_hosts") },
        { Rule::EndpointNameMissing, 2, QStringLiteral("name") },
        { Rule::ProviderUnknown, 2, QStringLiteral("provider") },
    };
    QCOMPARE(got, expected);
    QCOMPARE(found.at(1).field(), QStringLiteral("endpoints[0].base_url"));
    QCOMPARE(found.at(1).value, QStringLiteral("ftp://x"));
    QVERIFY(!found.at(2).message.contains(QStringLiteral("sk-pasted")) || found.at(2).value == a.apiKeyRef);

    const auto checked = m.validated();
    QVERIFY(!checked);
    QCOMPARE(checked.error().field, QStringLiteral("name"));
    QCOMPARE(checked.error().code, ErrorCode::InvalidArgument);

    const ModelConfig ok = ModelConfig::simulatedDemo();
    QVERIFY(ok.problems().isEmpty());
    QVERIFY(ok.validated().ok());

    // allowed_hosts' bounds hold for a model built in memory too (JSON's reader has them).
    ModelConfig hooks;
    hooks.name = QStringLiteral("hooks");
    EndpointConfig h;
    h.name = QStringLiteral("h");
    h.provider = QStringLiteral("http");
    for (int i = 0; i <= kMaxAllowedHosts; ++i)
        h.allowedHosts.append(QStringLiteral("h%1.example.com").arg(i));
    hooks.endpoints = { h };
    QCOMPARE(hooks.problems().size(), 1);
    QCOMPARE(hooks.problems().at(0).rule, Rule::AllowedHostsTooMany);
    h.allowedHosts = QList<QString>(kMaxAllowedHosts, QStringLiteral("api.example.com"));
    hooks.endpoints = { h };
    QVERIFY(hooks.problems().isEmpty());
    h.allowedHosts = { QString(QStringLiteral("a").repeated(kMaxAllowedHostLength) + QStringLiteral(".example.com")) };
    hooks.endpoints = { h };
    QCOMPARE(hooks.problems().size(), 1);
    QCOMPARE(hooks.problems().at(0).rule, Rule::AllowedHostInvalid);
}

// JSON and the struct go through the same rules: a model refused as JSON is
// refused as a struct, with the same field.
void TestModelConfig::validatedRefusesWhatJsonRefuses()
{
    const QList<QJsonObject> bad {
        QJsonObject { { QStringLiteral("name"), QStringLiteral("m") }, { QStringLiteral("strategy"), QStringLiteral("random") } },
        QJsonObject { { QStringLiteral("name"), QStringLiteral("m") },
            { QStringLiteral("endpoints"),
                QJsonArray { QJsonObject {
                    { QStringLiteral("provider"), QStringLiteral("openai") }, { QStringLiteral("base_url"), QStringLiteral("http://") } } } } },
        QJsonObject { { QStringLiteral("name"), QStringLiteral("m") },
            { QStringLiteral("endpoints"),
                QJsonArray { QJsonObject { { QStringLiteral("name"), QStringLiteral("h") }, { QStringLiteral("provider"), QStringLiteral("http") },
                    { QStringLiteral("health_path"), QStringLiteral("health") } } } } },
    };
    for (const QJsonObject& json : bad) {
        const auto parsed = ModelConfig::fromJson(json, QStringLiteral("models[3]"));
        QVERIFY(!parsed);
        QVERIFY2(parsed.error().field.startsWith(QStringLiteral("models[3].")), qPrintable(parsed.error().field));
    }
    ModelConfig viaStruct;
    viaStruct.name = QStringLiteral("m");
    viaStruct.strategy = QStringLiteral("random");
    QCOMPARE(viaStruct.validated().error().field, QStringLiteral("strategy"));
    QCOMPARE(viaStruct.validated().error().message, ModelConfig::fromJson(bad.at(0)).error().message);
}

void TestModelConfig::modelFieldRefs()
{
    const ModelFieldRef endpoint = modelFieldRef(QStringLiteral("endpoints[12].base_url"));
    QCOMPARE(endpoint.endpoint, 12);
    QCOMPARE(endpoint.key, QStringLiteral("base_url"));
    const ModelFieldRef nested = modelFieldRef(QStringLiteral("endpoints[0].circuit.open_ms"));
    QCOMPARE(nested.endpoint, 0);
    QCOMPARE(nested.key, QStringLiteral("circuit"));
    const ModelFieldRef own = modelFieldRef(QStringLiteral("retry.max_attempts"));
    QCOMPARE(own.endpoint, -1);
    QCOMPARE(own.key, QStringLiteral("retry"));
    QCOMPARE(modelFieldRef(QString()).endpoint, -1);
}

QTEST_GUILESS_MAIN(TestModelConfig)
#include "tst_modelconfig.moc"
