#pragma once

#include "result.h"
#include "retrypolicy.h"

#include <QJsonObject>
#include <QList>
#include <QStringList>
#include <QString>

namespace llmsched {

constexpr int kDefaultModelConcurrency = 16;
constexpr qint64 kDefaultQueueCapacity = 1'000'000;
constexpr int kDefaultTimeoutMs = 120'000;
constexpr qint64 kDefaultAgingIntervalMs = 60'000;

// How the simulated provider behaves: latency distribution, failure mix and
// token counts. Used by the demo, tests and benchmarks.
struct SimulationConfig
{
    enum class Distribution : quint8 { Fixed, Uniform, LogNormal, Exponential };
    Distribution distribution = Distribution::Fixed;
    double latencyMs = 0; // fixed value, exponential mean, or lognormal median
    double latencyMinMs = 0; // uniform
    double latencyMaxMs = 0; // uniform
    double sigma = 0.5; // lognormal shape
    double failureRate = 0; // answers 500
    double rate429 = 0; // answers 429 with Retry-After
    qint64 retryAfterMs = 1000;
    double timeoutRate = 0; // never answers (the engine's timeout fires)
    int completionTokensMin = 8;
    int completionTokensMax = 64;

    static SimulationConfig read(ObjectReader& r);
    QJsonObject toJson() const;
};

// When an endpoint's circuit opens (stops receiving calls) and how it recovers.
struct CircuitConfig
{
    int failureThreshold = 5; // consecutive failures that open the circuit
    double errorRate = 0.5; // or this share of failures in the window...
    int minRequests = 20; // ...once the window holds at least this many calls
    qint64 windowMs = 30'000;
    qint64 openMs = 30'000; // how long it stays open before a half-open probe
    int halfOpenProbes = 1; // calls let through while half-open

    static CircuitConfig read(ObjectReader& r);
    QJsonObject toJson() const;
};

constexpr qint64 kDefaultHealthCheckIntervalMs = 30'000;
constexpr qint64 kMinHealthCheckIntervalMs = 100;
constexpr int kDefaultAnthropicMaxTokens = 1024;

// An http endpoint's allowed_hosts: at most this many entries of at most this many characters.
inline constexpr qsizetype kMaxAllowedHosts = 256;
inline constexpr qsizetype kMaxAllowedHostLength = 255;

// Why an entry of an http endpoint's allowed_hosts is malformed, or nullopt.
std::optional<QString> checkAllowedHost(const QString& entry);

// One upstream server of a model.
struct EndpointConfig
{
    QString name;
    QString provider = QStringLiteral("simulated"); // simulated | openai | anthropic | http
    QString baseUrl;
    QString apiKeyRef; // keychain:..., env:NAME, file:/path; never the key itself
    QString upstreamModel; // model name sent upstream; defaults to the model's name
    int weight = 1;
    int maxConcurrency = 0; // 0: no per-endpoint limit
    int rpm = 0; // requests per minute, 0: unlimited
    qint64 tpm = 0; // tokens per minute, 0: unlimited
    bool adaptiveConcurrency = true; // cut the limit on 429/503, grow it back on success
    int minConcurrency = 1; // the adaptive limit's floor
    CircuitConfig circuit;
    qint64 healthCheckIntervalMs = kDefaultHealthCheckIntervalMs; // 0: no health checks
    QString healthPath; // overrides the provider's health request path (http provider: required for checks)
    QList<int> successStatuses; // http provider: statuses that count as success besides 2xx
    QStringList allowedHosts; // http provider: hosts tasks may call besides base_url's origin ("host", "host:port", "*.domain")
    // Write-only ("rebind_key": true, never stored or returned): this save may
    // send api_key_ref's key to an origin (base_url's) it has not gone to before. Without it such a save is refused, so that moving
    // base_url elsewhere never takes a key along unnoticed.
    bool rebindKey = false;
    int defaultMaxTokens = kDefaultAnthropicMaxTokens; // anthropic: max_tokens when the task gives none
    QString anthropicVersion = QStringLiteral("2023-06-01");
    SimulationConfig simulation;

    static EndpointConfig read(ObjectReader& r);
    QJsonObject toJson() const;
};

// A model is a named group of endpoints with its own queue and limits.
struct ModelConfig
{
    QString name;
    QString description;
    int concurrency = kDefaultModelConcurrency;
    qint64 capacity = kDefaultQueueCapacity;
    int timeoutMs = kDefaultTimeoutMs;
    qint64 agingIntervalMs = kDefaultAgingIntervalMs;
    RetryPolicy retry;
    QString strategy = QStringLiteral("round_robin");
    QList<EndpointConfig> endpoints;
    bool paused = false;
    double inputPricePerMTok = 0;
    double outputPricePerMTok = 0;
    double dailyBudgetUsd = 0; // 0: no budget

    // Reads a model from JSON (REST, config files, the store): the types and
    // ranges of every field, then validate().
    static Result<ModelConfig> fromJson(const QJsonObject& json, const QString& pathPrefix = {});
    QJsonObject toJson() const;

    // The one validation of a model, whoever built it (JSON, the GUI's editor,
    // tests): every rule that ties fields together or needs more than a range.
    // The engine refuses a model with problems; the GUI points at each by field.
    QList<struct ModelProblem> problems() const;
    // This model, or its first problem as an Error naming the field.
    Result<ModelConfig> validated() const;

    // A model with one simulated endpoint, used by --simulate and the first-run demo.
    static ModelConfig simulatedDemo(const QString& name = QStringLiteral("demo"));
};

// One thing wrong with a model (ModelConfig::problems): which field, by
// endpoint index and JSON key (for a form to point at without parsing text),
// which rule (for a translated message) and an English message (REST, logs).
struct ModelProblem
{
    enum class Rule : quint8 {
        NameMissing,
        NameInvalid,
        StrategyUnknown,
        EndpointNameMissing,
        EndpointNameDuplicate,
        ProviderUnknown,
        BaseUrlMissing,
        BaseUrlInvalid,
        KeyRefInvalid,
        MinAboveMaxConcurrency,
        HealthIntervalTooShort,
        HealthPathRelative,
        AllowedHostInvalid,
        AllowedHostsNotHttp,
        AllowedHostsTooMany,
    };
    Rule rule = Rule::NameMissing;
    int endpoint = -1; // index into ModelConfig::endpoints; -1: the model itself
    QString key; // the JSON key: "name", "base_url", "api_key_ref" ...
    QString value; // the offending value, for messages
    QString message; // English, without the field

    // "endpoints[1].base_url", or "name" for the model's own fields.
    QString field() const;
    Error toError(const QString& pathPrefix = {}) const;
};

// Where an error's field ("endpoints[1].base_url", "name") points in a model.
struct ModelFieldRef
{
    int endpoint = -1; // -1: the model itself (or not a model field)
    QString key;
};
ModelFieldRef modelFieldRef(const QString& field);

// Model names appear in URLs and metric labels.
bool isValidModelName(const QString& name);

} // namespace llmsched
