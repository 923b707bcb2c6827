#include "simulatedprovider.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTimer>
#include <QtEndian>

#include "core/httpstatus.h"

#include <QCoro/QCoroSignal>

#include <algorithm>
#include <bit>
#include <cmath>
#include <random>
#include <variant>

namespace llmsched {

namespace {
// Wakes an awaiting coroutine when its timer fires or its call is aborted.
class Waker final : public QObject
{
    Q_OBJECT
public:
    void wake() { emit woken(); }
signals:
    void woken();
};

constexpr int kMaxEmbeddingInputs = 2048;
constexpr int kMaxEmbeddingDimensions = 4096;
constexpr qint64 kMaxEmbeddingValues = 2'097'152; // 2048 x 1024
constexpr double kMaxSimulatedLatencyMs = 3600.0 * 1000;

// One embedding per input, as the OpenAI API gives them: `input` is a string,
// an array of strings, an array of token ids (one input) or an array of such
// arrays; `dimensions` sets the length (default 8) and `encoding_format:
// "base64"` (what the OpenAI SDKs ask for by default) packs the floats as
// little-endian float32. The vector is a unit vector that depends only on the
// input, so equal inputs get equal embeddings. Past OpenAI's own bounds
// (2048 inputs) or about 32 MB of numbers: the error text, and nothing built,
// so a simulated call never costs more memory than a real one could.
std::variant<QJsonArray, QString> simulatedEmbeddings(const QJsonObject& body)
{
    const QJsonValue input = body.value(QLatin1String("input"));
    QList<QByteArray> inputs;
    const auto key
        = [](const QJsonValue& v) { return v.isString() ? v.toString().toUtf8() : QJsonDocument(v.toArray()).toJson(QJsonDocument::Compact); };
    if (input.isArray()) {
        const QJsonArray items = input.toArray();
        const bool tokens = !items.isEmpty() && items.first().isDouble();
        if (tokens)
            inputs.append(key(input));
        else
            for (const QJsonValue& item : items)
                inputs.append(key(item));
    } else {
        inputs.append(key(input));
    }
    const int dimensions = std::clamp(body.value(QLatin1String("dimensions")).toInt(8), 1, kMaxEmbeddingDimensions);
    if (inputs.size() > kMaxEmbeddingInputs || inputs.size() * dimensions > kMaxEmbeddingValues)
        return QStringLiteral("at most %1 inputs and %2 numbers per request (%3 inputs of %4 dimensions asked)")
            .arg(kMaxEmbeddingInputs)
            .arg(kMaxEmbeddingValues)
            .arg(inputs.size())
            .arg(dimensions);
    const bool base64 = body.value(QLatin1String("encoding_format")).toString() == QLatin1String("base64");
    QJsonArray data;
    std::vector<float> v(static_cast<size_t>(dimensions));
    for (qsizetype i = 0; i < inputs.size(); ++i) {
        std::mt19937 gen(static_cast<std::mt19937::result_type>(qHash(inputs.at(i), 0x5eed)));
        std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
        double norm = 0;
        for (float& x : v) {
            x = uniform(gen);
            norm += static_cast<double>(x) * x;
        }
        norm = std::sqrt(std::max(norm, 1e-12));
        QJsonObject item { { QStringLiteral("object"), QStringLiteral("embedding") }, { QStringLiteral("index"), static_cast<int>(i) } };
        if (base64) {
            QByteArray bytes;
            bytes.reserve(dimensions * 4);
            for (float& x : v) {
                x = static_cast<float>(x / norm);
                const quint32 bits = qToLittleEndian(std::bit_cast<quint32>(x));
                bytes.append(reinterpret_cast<const char*>(&bits), 4);
            }
            item.insert(QStringLiteral("embedding"), QString::fromLatin1(bytes.toBase64()));
        } else {
            QJsonArray values;
            for (const float x : v)
                values.append(static_cast<double>(x / norm));
            item.insert(QStringLiteral("embedding"), values);
        }
        data.append(item);
    }
    return data;
}
} // namespace

SimulatedProvider::SimulatedProvider(SimulationConfig config, quint32 seed)
    : m_config(config)
    , m_rng(seed ? seed : QRandomGenerator::global()->generate())
{
}

double SimulatedProvider::drawLatencyMs()
{
    // The long tails (exponential, log-normal) are cut at an hour, the most a
    // configured latency may be: a draw never parks a call for days.
    return std::min(drawUnclampedLatencyMs(), kMaxSimulatedLatencyMs);
}

double SimulatedProvider::drawUnclampedLatencyMs()
{
    const SimulationConfig& c = m_config;
    switch (c.distribution) {
    case SimulationConfig::Distribution::Fixed:
        return c.latencyMs;
    case SimulationConfig::Distribution::Uniform:
        return c.latencyMinMs + m_rng.generateDouble() * (c.latencyMaxMs - c.latencyMinMs);
    case SimulationConfig::Distribution::Exponential:
        return -c.latencyMs * std::log(1.0 - m_rng.generateDouble());
    case SimulationConfig::Distribution::LogNormal: {
        std::lognormal_distribution<double> d(std::log(std::max(c.latencyMs, 0.001)), c.sigma);
        return d(m_rng);
    }
    }
    return c.latencyMs;
}

CallResult SimulatedProvider::outcome(const CallRequest& request)
{
    const double roll = m_rng.generateDouble();
    if (roll < m_config.failureRate)
        return CallResult::failed(FailureKind::HttpStatus, QStringLiteral("simulated upstream error: HTTP 500"), 500);
    if (roll < m_config.failureRate + m_config.rate429) {
        CallResult r = CallResult::failed(FailureKind::HttpStatus, QStringLiteral("simulated rate limit: HTTP 429"), 429);
        r.retryAfterMs = m_config.retryAfterMs;
        return r;
    }
    Usage usage;
    usage.promptTokens = std::max<qint64>(1, request.input.size() / 4);
    usage.completionTokens
        = m_config.completionTokensMin + static_cast<qint64>(m_rng.bounded(m_config.completionTokensMax - m_config.completionTokensMin + 1));
    QJsonObject out;
    switch (request.kind) {
    case TaskKind::Embedding: {
        auto embeddings = simulatedEmbeddings(QJsonDocument::fromJson(request.input).object());
        if (const QString* refused = std::get_if<QString>(&embeddings))
            return CallResult::failed(FailureKind::HttpStatus, QStringLiteral("simulated upstream: HTTP 400: ") + *refused, http::BadRequest);
        usage.completionTokens = 0;
        out.insert(QStringLiteral("object"), QStringLiteral("list"));
        out.insert(QStringLiteral("model"), request.upstreamModel);
        out.insert(QStringLiteral("data"), std::get<QJsonArray>(std::move(embeddings)));
        break;
    }
    default:
        out.insert(QStringLiteral("object"), QStringLiteral("chat.completion"));
        out.insert(QStringLiteral("model"), request.upstreamModel);
        out.insert(QStringLiteral("choices"),
            QJsonArray { QJsonObject { { QStringLiteral("index"), 0 }, { QStringLiteral("finish_reason"), QStringLiteral("stop") },
                { QStringLiteral("message"),
                    QJsonObject { { QStringLiteral("role"), QStringLiteral("assistant") },
                        { QStringLiteral("content"), QStringLiteral("Simulated answer (%1 tokens).").arg(usage.completionTokens) } } } } });
        break;
    }
    out.insert(QStringLiteral("usage"),
        QJsonObject { { QStringLiteral("prompt_tokens"), usage.promptTokens }, { QStringLiteral("completion_tokens"), usage.completionTokens },
            { QStringLiteral("total_tokens"), usage.promptTokens + usage.completionTokens } });
    return CallResult::success(QJsonDocument(out).toJson(QJsonDocument::Compact), usage);
}

QCoro::Task<CallResult> SimulatedProvider::call(CallRequest request, std::shared_ptr<CallControl> control)
{
    const bool hang = m_rng.generateDouble() < m_config.timeoutRate;
    const double latency = hang ? -1 : drawLatencyMs();
    CallResult result = outcome(request);
    if (latency < 0.5 && !hang) {
        // Zero-latency answers come back without suspending.
        co_return result;
    }
    if (control->isAborted())
        co_return CallResult::failed(control->abortReason(), QStringLiteral("aborted"));

    Waker waker;
    QTimer timer;
    timer.setSingleShot(true);
    QObject::connect(&timer, &QTimer::timeout, &waker, &Waker::wake);
    QObject::connect(control.get(), &CallControl::aborted, &waker, &Waker::wake);
    if (!hang)
        timer.start(static_cast<int>(std::lround(latency)));
    co_await qCoro(&waker, &Waker::woken);
    if (control->isAborted())
        co_return CallResult::failed(control->abortReason(), QStringLiteral("aborted"));
    co_return result;
}

} // namespace llmsched

#include "simulatedprovider.moc"
