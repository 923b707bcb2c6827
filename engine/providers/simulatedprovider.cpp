#include "simulatedprovider.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTimer>

#include <QCoro/QCoroSignal>

#include <cmath>
#include <random>

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
} // namespace

SimulatedProvider::SimulatedProvider(SimulationConfig config, quint32 seed)
    : m_config(config)
    , m_rng(seed ? seed : QRandomGenerator::global()->generate())
{
}

double SimulatedProvider::drawLatencyMs()
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
    usage.completionTokens = m_config.completionTokensMin
        + static_cast<qint64>(m_rng.bounded(m_config.completionTokensMax - m_config.completionTokensMin + 1));
    QJsonObject out;
    switch (request.kind) {
    case TaskKind::Embedding:
        out.insert(QStringLiteral("object"), QStringLiteral("list"));
        out.insert(QStringLiteral("data"), QJsonArray { QJsonObject { { QStringLiteral("index"), 0 },
                                               { QStringLiteral("embedding"), QJsonArray { 0.1, 0.2, 0.3 } } } });
        break;
    default:
        out.insert(QStringLiteral("object"), QStringLiteral("chat.completion"));
        out.insert(QStringLiteral("model"), request.upstreamModel);
        out.insert(QStringLiteral("choices"),
            QJsonArray { QJsonObject {
                { QStringLiteral("index"), 0 },
                { QStringLiteral("finish_reason"), QStringLiteral("stop") },
                { QStringLiteral("message"),
                    QJsonObject { { QStringLiteral("role"), QStringLiteral("assistant") },
                        { QStringLiteral("content"),
                            QStringLiteral("Simulated answer (%1 tokens).").arg(usage.completionTokens) } } } } });
        break;
    }
    out.insert(QStringLiteral("usage"),
        QJsonObject { { QStringLiteral("prompt_tokens"), usage.promptTokens },
            { QStringLiteral("completion_tokens"), usage.completionTokens },
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
