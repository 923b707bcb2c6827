#include "modelconfig.h"

#include "echolimits.h"

#include "jsonreader.h"
#include "secrets.h"
#include "timeutil.h"

#include <QJsonArray>
#include <QRegularExpression>
#include <QUrl>
#include <QSet>

namespace llmsched {

namespace {
constexpr const char* kDistributionNames[] = { "fixed", "uniform", "lognormal", "exponential" };
const QStringList kProviders = { QStringLiteral("simulated"), QStringLiteral("openai"), QStringLiteral("anthropic"), QStringLiteral("http") };
const QStringList kStrategies = { QStringLiteral("round_robin"), QStringLiteral("weighted"), QStringLiteral("least_busy"),
    QStringLiteral("lowest_latency"), QStringLiteral("session_affinity") };
} // namespace

bool isValidModelName(const QString& name)
{
    static const QRegularExpression re(QRegularExpression::anchoredPattern(QStringLiteral("[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}")));
    return re.match(name).hasMatch() && !name.contains(QLatin1String(".."));
}

SimulationConfig SimulationConfig::read(ObjectReader& r)
{
    SimulationConfig c;
    // An hour at most, as a number or in a distribution (the simulator's timer
    // takes an int of milliseconds: 3e9 wrapped to a negative interval, and
    // the call never answered).
    constexpr double kMaxLatency = 3600.0 * 1000;
    const QJsonValue latency = r.value(QStringLiteral("latency_ms"));
    if (latency.isDouble()) {
        c.latencyMs = latency.toDouble();
        if (c.latencyMs < 0)
            r.fail(QStringLiteral("latency_ms"), QStringLiteral("must not be negative"));
        else if (c.latencyMs > kMaxLatency)
            r.fail(QStringLiteral("latency_ms"), QStringLiteral("must be at most %1 (an hour)").arg(kMaxLatency, 0, 'f', 0));
    } else if (latency.isObject()) {
        ObjectReader lr(latency.toObject(), r.path(QStringLiteral("latency_ms")));
        const QString dist = lr.string(QStringLiteral("distribution"), QStringLiteral("fixed"), 32);
        bool known = false;
        for (int i = 0; i < 4; ++i) {
            if (dist == QLatin1String(kDistributionNames[i])) {
                c.distribution = static_cast<Distribution>(i);
                known = true;
            }
        }
        if (!known)
            lr.fail(QStringLiteral("distribution"), QStringLiteral("must be fixed, uniform, lognormal or exponential"));
        c.latencyMs = lr.number(QStringLiteral("value"), 0, 0, kMaxLatency);
        c.latencyMs = lr.number(QStringLiteral("median"), c.latencyMs, 0, kMaxLatency);
        c.latencyMs = lr.number(QStringLiteral("mean"), c.latencyMs, 0, kMaxLatency);
        c.latencyMinMs = lr.number(QStringLiteral("min"), 0, 0, kMaxLatency);
        c.latencyMaxMs = lr.number(QStringLiteral("max"), c.latencyMinMs, 0, kMaxLatency);
        c.sigma = lr.number(QStringLiteral("sigma"), c.sigma, 0, 5);
        if (c.latencyMaxMs < c.latencyMinMs)
            lr.fail(QStringLiteral("max"), QStringLiteral("must not be below min"));
        if (auto err = lr.finish())
            r.fail(*err);
    } else if (!latency.isUndefined() && !latency.isNull()) {
        r.fail(QStringLiteral("latency_ms"), QStringLiteral("must be a number or a distribution object"));
    }
    c.failureRate = r.number(QStringLiteral("failure_rate"), 0, 0, 1);
    c.rate429 = r.number(QStringLiteral("rate_429"), 0, 0, 1);
    c.retryAfterMs = r.integer(QStringLiteral("retry_after_ms"), c.retryAfterMs, 0, kMaxRetryAfterMs);
    c.timeoutRate = r.number(QStringLiteral("timeout_rate"), 0, 0, 1);
    c.completionTokensMin = static_cast<int>(r.integer(QStringLiteral("completion_tokens_min"), c.completionTokensMin, 0, 1'000'000));
    c.completionTokensMax = static_cast<int>(r.integer(QStringLiteral("completion_tokens_max"), c.completionTokensMax, 0, 1'000'000));
    if (c.completionTokensMax < c.completionTokensMin)
        r.fail(QStringLiteral("completion_tokens_max"), QStringLiteral("must not be below completion_tokens_min"));
    return c;
}

QJsonObject SimulationConfig::toJson() const
{
    QJsonObject latency { { QStringLiteral("distribution"), QLatin1String(kDistributionNames[static_cast<int>(distribution)]) } };
    switch (distribution) {
    case Distribution::Fixed:
        latency.insert(QStringLiteral("value"), latencyMs);
        break;
    case Distribution::Exponential:
        latency.insert(QStringLiteral("mean"), latencyMs);
        break;
    case Distribution::LogNormal:
        latency.insert(QStringLiteral("median"), latencyMs);
        latency.insert(QStringLiteral("sigma"), sigma);
        break;
    case Distribution::Uniform:
        latency.insert(QStringLiteral("min"), latencyMinMs);
        latency.insert(QStringLiteral("max"), latencyMaxMs);
        break;
    }
    return {
        { QStringLiteral("latency_ms"), latency },
        { QStringLiteral("failure_rate"), failureRate },
        { QStringLiteral("rate_429"), rate429 },
        { QStringLiteral("retry_after_ms"), retryAfterMs },
        { QStringLiteral("timeout_rate"), timeoutRate },
        { QStringLiteral("completion_tokens_min"), completionTokensMin },
        { QStringLiteral("completion_tokens_max"), completionTokensMax },
    };
}

CircuitConfig CircuitConfig::read(ObjectReader& r)
{
    CircuitConfig c;
    c.failureThreshold = static_cast<int>(r.integer(QStringLiteral("failure_threshold"), c.failureThreshold, 1, 10'000));
    c.errorRate = r.number(QStringLiteral("error_rate"), c.errorRate, 0.01, 1);
    c.minRequests = static_cast<int>(r.integer(QStringLiteral("min_requests"), c.minRequests, 1, 1'000'000));
    c.windowMs = r.integer(QStringLiteral("window_ms"), c.windowMs, 1000, 3600LL * 1000);
    c.openMs = r.integer(QStringLiteral("open_ms"), c.openMs, 100, 3600LL * 1000);
    c.halfOpenProbes = static_cast<int>(r.integer(QStringLiteral("half_open_probes"), c.halfOpenProbes, 1, 1000));
    return c;
}

QJsonObject CircuitConfig::toJson() const
{
    return {
        { QStringLiteral("failure_threshold"), failureThreshold },
        { QStringLiteral("error_rate"), errorRate },
        { QStringLiteral("min_requests"), minRequests },
        { QStringLiteral("window_ms"), windowMs },
        { QStringLiteral("open_ms"), openMs },
        { QStringLiteral("half_open_probes"), halfOpenProbes },
    };
}

std::optional<QString> checkAllowedHost(const QString& entry)
{
    static const QString kHint
        = QStringLiteral("must be a host name, \"host:port\" or \"*.domain\", without scheme or path (e.g. api.example.com:443)");
    if (entry.isEmpty() || entry.size() > kMaxAllowedHostLength || entry.contains(QLatin1Char('/')) || entry.contains(QLatin1Char('@')))
        return kHint;
    const QString host = entry.startsWith(QLatin1String("*.")) ? entry.mid(2) : entry;
    const QUrl probe(QStringLiteral("http://") + host, QUrl::StrictMode);
    if (!probe.isValid() || probe.host().isEmpty() || !probe.path().isEmpty() || probe.hasQuery() || probe.hasFragment())
        return kHint;
    return std::nullopt;
}

EndpointConfig EndpointConfig::read(ObjectReader& r)
{
    EndpointConfig e;
    e.name = r.string(QStringLiteral("name"), {}, 128);
    e.provider = r.string(QStringLiteral("provider"), e.provider, 32);
    e.baseUrl = r.string(QStringLiteral("base_url"), {}, 2048);
    if (r.has(QStringLiteral("api_key"))) {
        r.value(QStringLiteral("api_key"));
        r.fail(QStringLiteral("api_key"),
            QStringLiteral("keys are not stored in the configuration; store the key in the keychain or the environment "
                           "and set api_key_ref to keychain:NAME, env:NAME or file:/path"));
    }
    e.apiKeyRef = r.string(QStringLiteral("api_key_ref"), {}, 1024);
    e.upstreamModel = r.string(QStringLiteral("upstream_model"), {}, 256);
    e.weight = static_cast<int>(r.integer(QStringLiteral("weight"), e.weight, 1, 1000));
    e.maxConcurrency = static_cast<int>(r.integer(QStringLiteral("max_concurrency"), 0, 0, 100'000));
    e.rpm = static_cast<int>(r.integer(QStringLiteral("rpm"), 0, 0, 100'000'000));
    e.tpm = r.integer(QStringLiteral("tpm"), 0, 0, 10'000'000'000LL);
    e.adaptiveConcurrency = r.boolean(QStringLiteral("adaptive_concurrency"), e.adaptiveConcurrency);
    e.minConcurrency = static_cast<int>(r.integer(QStringLiteral("min_concurrency"), e.minConcurrency, 1, 100'000));
    {
        ObjectReader cr(r.object(QStringLiteral("circuit")), r.path(QStringLiteral("circuit")));
        e.circuit = CircuitConfig::read(cr);
        if (auto err = cr.finish())
            r.fail(*err);
    }
    e.healthCheckIntervalMs = r.integer(QStringLiteral("health_check_interval_ms"), e.healthCheckIntervalMs, 0, kDayMs);
    e.healthPath = r.string(QStringLiteral("health_path"), {}, 1024);
    const QJsonArray statuses = r.array(QStringLiteral("success_statuses"));
    for (const QJsonValue& v : statuses) {
        const int code = v.toInt(-1);
        if (!v.isDouble() || code < 100 || code > 599) {
            r.fail(QStringLiteral("success_statuses"), QStringLiteral("must be HTTP status codes 100..599"));
            break;
        }
        e.successStatuses.append(code);
    }
    e.allowedHosts = r.stringList(QStringLiteral("allowed_hosts"), kMaxAllowedHosts, kMaxAllowedHostLength);
    e.rebindKey = r.boolean(QStringLiteral("rebind_key"), false);
    e.defaultMaxTokens = static_cast<int>(r.integer(QStringLiteral("default_max_tokens"), e.defaultMaxTokens, 1, 10'000'000));
    e.anthropicVersion = r.string(QStringLiteral("anthropic_version"), e.anthropicVersion, 64);
    ObjectReader sr(r.object(QStringLiteral("simulation")), r.path(QStringLiteral("simulation")));
    e.simulation = SimulationConfig::read(sr);
    if (auto err = sr.finish())
        r.fail(*err);
    return e;
}

QJsonObject EndpointConfig::toJson() const
{
    QJsonObject o {
        { QStringLiteral("name"), name },
        { QStringLiteral("provider"), provider },
        { QStringLiteral("weight"), weight },
        { QStringLiteral("max_concurrency"), maxConcurrency },
        { QStringLiteral("rpm"), rpm },
        { QStringLiteral("tpm"), tpm },
    };
    if (!baseUrl.isEmpty())
        o.insert(QStringLiteral("base_url"), baseUrl);
    if (!apiKeyRef.isEmpty())
        o.insert(QStringLiteral("api_key_ref"), apiKeyRef);
    if (!upstreamModel.isEmpty())
        o.insert(QStringLiteral("upstream_model"), upstreamModel);
    o.insert(QStringLiteral("adaptive_concurrency"), adaptiveConcurrency);
    o.insert(QStringLiteral("min_concurrency"), minConcurrency);
    o.insert(QStringLiteral("circuit"), circuit.toJson());
    o.insert(QStringLiteral("health_check_interval_ms"), healthCheckIntervalMs);
    if (!healthPath.isEmpty())
        o.insert(QStringLiteral("health_path"), healthPath);
    if (provider == QLatin1String("http")) {
        QJsonArray codes;
        for (int c : successStatuses)
            codes.append(c);
        o.insert(QStringLiteral("success_statuses"), codes);
        if (!allowedHosts.isEmpty())
            o.insert(QStringLiteral("allowed_hosts"), QJsonArray::fromStringList(allowedHosts));
    }
    if (provider == QLatin1String("anthropic")) {
        o.insert(QStringLiteral("default_max_tokens"), defaultMaxTokens);
        o.insert(QStringLiteral("anthropic_version"), anthropicVersion);
    }
    if (provider == QLatin1String("simulated"))
        o.insert(QStringLiteral("simulation"), simulation.toJson());
    return o;
}

Result<ModelConfig> ModelConfig::fromJson(const QJsonObject& json, const QString& pathPrefix)
{
    ObjectReader r(json, pathPrefix);
    ModelConfig m;
    m.name = r.requiredString(QStringLiteral("name"), 128);
    m.description = r.string(QStringLiteral("description"), {}, 1024);
    m.concurrency = static_cast<int>(r.integer(QStringLiteral("concurrency"), m.concurrency, 1, 100'000));
    m.capacity = r.integer(QStringLiteral("capacity"), m.capacity, 1, 100'000'000);
    m.timeoutMs = static_cast<int>(r.integer(QStringLiteral("timeout_ms"), m.timeoutMs, 1, kDayMs));
    m.agingIntervalMs = r.integer(QStringLiteral("aging_interval_ms"), m.agingIntervalMs, 0, 7 * kDayMs);
    {
        ObjectReader rr(r.object(QStringLiteral("retry")), r.path(QStringLiteral("retry")));
        m.retry = RetryPolicy::read(rr);
        if (auto err = rr.finish())
            r.fail(*err);
    }
    m.strategy = r.string(QStringLiteral("strategy"), m.strategy, 32);
    const QJsonArray endpoints = r.array(QStringLiteral("endpoints"));
    for (qsizetype i = 0; i < endpoints.size() && !r.failed(); ++i) {
        const QString path = r.path(QStringLiteral("endpoints[%1]").arg(i));
        if (!endpoints.at(i).isObject()) {
            r.fail(QStringLiteral("endpoints[%1]").arg(i), QStringLiteral("must be an object"));
            break;
        }
        ObjectReader er(endpoints.at(i).toObject(), path);
        EndpointConfig e = EndpointConfig::read(er);
        if (e.name.isEmpty())
            e.name = QStringLiteral("%1-%2").arg(e.provider).arg(i + 1);
        if (auto err = er.finish()) {
            r.fail(*err);
            break;
        }
        m.endpoints.append(e);
    }
    m.paused = r.boolean(QStringLiteral("paused"), false);
    m.inputPricePerMTok = r.number(QStringLiteral("input_price_per_mtok"), 0, 0, 1e6);
    m.outputPricePerMTok = r.number(QStringLiteral("output_price_per_mtok"), 0, 0, 1e6);
    m.dailyBudgetUsd = r.number(QStringLiteral("daily_budget_usd"), 0, 0, 1e9);
    if (auto err = r.finish())
        return *err;
    if (const QList<ModelProblem> found = m.problems(); !found.isEmpty())
        return found.constFirst().toError(pathPrefix);
    return m;
}

namespace {

using Rule = ModelProblem::Rule;

// Why base_url does not suit the provider, or nullopt. Optional for http
// endpoints (tasks then give absolute URLs), required by the LLM dialects.
std::optional<std::pair<Rule, QString>> baseUrlProblem(const EndpointConfig& e)
{
    if (e.provider == QLatin1String("simulated") || (e.provider == QLatin1String("http") && e.baseUrl.isEmpty()))
        return std::nullopt;
    static const QString kHint = QStringLiteral("must be an http:// or https:// URL such as http://127.0.0.1:8000/v1");
    if (e.baseUrl.isEmpty())
        return std::pair { Rule::BaseUrlMissing, kHint };
    const QUrl url(e.baseUrl, QUrl::StrictMode);
    if (!url.isValid() || (url.scheme() != QLatin1String("http") && url.scheme() != QLatin1String("https")) || url.host().isEmpty())
        return std::pair { Rule::BaseUrlInvalid, kHint };
    return std::nullopt;
}

} // namespace

QList<ModelProblem> ModelConfig::problems() const
{
    QList<ModelProblem> out;
    const auto add = [&out](Rule rule, int endpoint, const QString& key, const QString& value, QString message) {
        out.append({ rule, endpoint, key, value, std::move(message) });
    };
    if (name.trimmed().isEmpty())
        add(Rule::NameMissing, -1, QStringLiteral("name"), name, QStringLiteral("must not be empty"));
    else if (!isValidModelName(name))
        add(Rule::NameInvalid, -1, QStringLiteral("name"), name, QStringLiteral("may contain letters, digits and . _ : / - (at most 128)"));
    if (!kStrategies.contains(strategy))
        add(Rule::StrategyUnknown, -1, QStringLiteral("strategy"), strategy,
            QStringLiteral("must be one of ") + kStrategies.join(QStringLiteral(", ")));
    QSet<QString> names;
    for (qsizetype i = 0; i < endpoints.size(); ++i) {
        const EndpointConfig& e = endpoints.at(i);
        const int at = static_cast<int>(i);
        if (e.name.trimmed().isEmpty())
            add(Rule::EndpointNameMissing, at, QStringLiteral("name"), e.name, QStringLiteral("must not be empty"));
        else if (names.contains(e.name))
            add(Rule::EndpointNameDuplicate, at, QStringLiteral("name"), e.name, QStringLiteral("duplicates another endpoint's name"));
        names.insert(e.name);
        if (!kProviders.contains(e.provider)) {
            add(Rule::ProviderUnknown, at, QStringLiteral("provider"), e.provider,
                QStringLiteral("must be one of ") + kProviders.join(QStringLiteral(", ")));
            continue; // the rules below depend on the provider
        }
        if (auto problem = baseUrlProblem(e))
            add(problem->first, at, QStringLiteral("base_url"), e.baseUrl, problem->second);
        if (auto problem = checkSecretRef(e.apiKeyRef))
            add(Rule::KeyRefInvalid, at, QStringLiteral("api_key_ref"), e.apiKeyRef, *problem);
        if (e.maxConcurrency > 0 && e.minConcurrency > e.maxConcurrency)
            add(Rule::MinAboveMaxConcurrency, at, QStringLiteral("min_concurrency"), QString::number(e.minConcurrency),
                QStringLiteral("must not be above max_concurrency"));
        if (e.healthCheckIntervalMs > 0 && e.healthCheckIntervalMs < kMinHealthCheckIntervalMs)
            add(Rule::HealthIntervalTooShort, at, QStringLiteral("health_check_interval_ms"), QString::number(e.healthCheckIntervalMs),
                QStringLiteral("must be 0 (off) or at least %1").arg(kMinHealthCheckIntervalMs));
        if (!e.healthPath.isEmpty() && !e.healthPath.startsWith(QLatin1Char('/')))
            add(Rule::HealthPathRelative, at, QStringLiteral("health_path"), e.healthPath, QStringLiteral("must start with '/', e.g. /health"));
        if (!e.allowedHosts.isEmpty() && e.provider != QLatin1String("http"))
            add(Rule::AllowedHostsNotHttp, at, QStringLiteral("allowed_hosts"), {},
                QStringLiteral("applies to endpoints with provider \"http\" only"));
        if (e.allowedHosts.size() > kMaxAllowedHosts)
            add(Rule::AllowedHostsTooMany, at, QStringLiteral("allowed_hosts"), QString::number(e.allowedHosts.size()),
                QStringLiteral("may hold at most %1 hosts").arg(kMaxAllowedHosts));
        for (const QString& host : e.allowedHosts) {
            if (auto problem = checkAllowedHost(host)) {
                add(Rule::AllowedHostInvalid, at, QStringLiteral("allowed_hosts"), host,
                    QStringLiteral("'%1' %2").arg(host.left(kEchoNameChars), *problem));
                break;
            }
        }
    }
    return out;
}

Result<ModelConfig> ModelConfig::validated() const
{
    if (const QList<ModelProblem> found = problems(); !found.isEmpty())
        return found.constFirst().toError();
    return *this;
}

QString ModelProblem::field() const
{
    return endpoint < 0 ? key : QStringLiteral("endpoints[%1].%2").arg(endpoint).arg(key);
}

Error ModelProblem::toError(const QString& pathPrefix) const
{
    return Error::invalid(pathPrefix.isEmpty() ? field() : pathPrefix + QLatin1Char('.') + field(), message);
}

ModelFieldRef modelFieldRef(const QString& field)
{
    static const QRegularExpression endpointField(QStringLiteral(R"(^endpoints\[(\d+)\]\.(\w+))"));
    const auto match = endpointField.match(field);
    if (match.hasMatch())
        return { match.captured(1).toInt(), match.captured(2) };
    return { -1, field.section(QLatin1Char('.'), 0, 0) };
}

QJsonObject ModelConfig::toJson() const
{
    QJsonArray eps;
    for (const EndpointConfig& e : endpoints)
        eps.append(e.toJson());
    return {
        { QStringLiteral("name"), name },
        { QStringLiteral("description"), description },
        { QStringLiteral("concurrency"), concurrency },
        { QStringLiteral("capacity"), capacity },
        { QStringLiteral("timeout_ms"), timeoutMs },
        { QStringLiteral("aging_interval_ms"), agingIntervalMs },
        { QStringLiteral("retry"), retry.toJson() },
        { QStringLiteral("strategy"), strategy },
        { QStringLiteral("endpoints"), eps },
        { QStringLiteral("paused"), paused },
        { QStringLiteral("input_price_per_mtok"), inputPricePerMTok },
        { QStringLiteral("output_price_per_mtok"), outputPricePerMTok },
        { QStringLiteral("daily_budget_usd"), dailyBudgetUsd },
    };
}

ModelConfig ModelConfig::simulatedDemo(const QString& name)
{
    ModelConfig m;
    m.name = name;
    m.description = QStringLiteral("Simulated model: answers after a short random delay, sometimes fails");
    m.concurrency = 16;
    EndpointConfig e;
    e.name = QStringLiteral("sim-1");
    e.provider = QStringLiteral("simulated");
    e.simulation.distribution = SimulationConfig::Distribution::LogNormal;
    e.simulation.latencyMs = 400;
    e.simulation.sigma = 0.6;
    e.simulation.failureRate = 0.03;
    e.simulation.rate429 = 0.02;
    e.simulation.retryAfterMs = 500;
    e.simulation.completionTokensMin = 20;
    e.simulation.completionTokensMax = 300;
    m.endpoints.append(e);
    m.retry.initialDelayMs = 500;
    m.inputPricePerMTok = 0.15;
    m.outputPricePerMTok = 0.60;
    return m;
}

} // namespace llmsched
