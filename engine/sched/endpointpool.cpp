#include "endpointpool.h"

#include "providers/anthropicprovider.h"
#include "providers/httptaskprovider.h"
#include "providers/openaiprovider.h"
#include "providers/simulatedprovider.h"

#include <QHashFunctions>

#include <algorithm>

namespace llmsched {

qint64 EndpointRuntime::availableAt(qint64 nowMs, qint64 tokens)
{
    if (inflight >= limit())
        return kNever;
    qint64 at = 0;
    if (cooldownUntilMs > nowMs)
        at = cooldownUntilMs;
    at = std::max(at, circuit.availableAt(nowMs));
    at = std::max(at, rpm.availableAt(nowMs));
    if (tpm.enabled())
        at = std::max(at, tpm.availableAt(nowMs, tokens));
    return at <= nowMs ? 0 : at;
}

bool EndpointRuntime::usable(qint64 nowMs)
{
    return cooldownUntilMs <= nowMs && circuit.state(nowMs) != CircuitBreaker::State::Open;
}

Result<std::unique_ptr<EndpointPool>> EndpointPool::create(const ModelConfig& model, const ProviderContext& context)
{
    auto pool = std::make_unique<EndpointPool>();
    pool->m_strategy = model.strategy;
    for (qsizetype i = 0; i < model.endpoints.size(); ++i) {
        const EndpointConfig& e = model.endpoints.at(i);
        auto rt = std::make_shared<EndpointRuntime>();
        rt->config = e;
        rt->index = static_cast<int>(i);
        if (e.provider == QLatin1String("simulated")) {
            rt->provider = std::make_unique<SimulatedProvider>(e.simulation);
        } else if (!context.http) {
            return Error::invalid(QStringLiteral("endpoints[%1].provider").arg(i), QStringLiteral("no HTTP client available"));
        } else if (e.provider == QLatin1String("openai")) {
            rt->provider = std::make_unique<OpenAiProvider>(e, context);
        } else if (e.provider == QLatin1String("anthropic")) {
            rt->provider = std::make_unique<AnthropicProvider>(e, context);
        } else if (e.provider == QLatin1String("http")) {
            rt->provider = std::make_unique<HttpTaskProvider>(e, context);
        } else {
            return Error::invalid(QStringLiteral("endpoints[%1].provider").arg(i), QStringLiteral("unknown provider '%1'").arg(e.provider));
        }
        rt->rpm = RpmLimiter(e.rpm);
        rt->tpm = TpmLimiter(e.tpm);
        rt->circuit = CircuitBreaker(e.circuit);
        const int max = e.maxConcurrency > 0 ? e.maxConcurrency : model.concurrency;
        rt->adaptive = AdaptiveLimit(e.minConcurrency, max, e.adaptiveConcurrency);
        pool->m_limitsTokens = pool->m_limitsTokens || e.tpm > 0;
        pool->m_endpoints.push_back(std::move(rt));
    }
    pool->m_candidates.reserve(pool->m_endpoints.size());
    return pool;
}

void EndpointPool::adoptStateFrom(EndpointPool& old)
{
    for (auto& mine : m_endpoints) {
        for (auto& theirs : old.m_endpoints) {
            const EndpointConfig& a = mine->config;
            const EndpointConfig& b = theirs->config;
            if (a.name != b.name || a.provider != b.provider || a.baseUrl != b.baseUrl)
                continue;
            if (a.rpm == b.rpm)
                mine->rpm = theirs->rpm;
            if (a.tpm == b.tpm)
                mine->tpm = theirs->tpm;
            mine->circuit = theirs->circuit; // a failing server stays failing after an edit
            mine->latencyMs = theirs->latencyMs;
            mine->completionTokens = theirs->completionTokens;
            mine->cooldownUntilMs = theirs->cooldownUntilMs;
            mine->healthy = theirs->healthy;
            mine->lastHealthMs = theirs->lastHealthMs;
            mine->nextHealthMs = theirs->nextHealthMs;
            mine->healthLatencyMs = theirs->healthLatencyMs;
            mine->lastError = theirs->lastError;
            mine->lastErrorMs = theirs->lastErrorMs;
            mine->calls = theirs->calls;
            mine->failures = theirs->failures;
            // Calls still running on the old runtime count against the new
            // limits until they end (release() walks the successors).
            mine->inflight = theirs->inflight;
            mine->clusterCap = theirs->clusterCap;
            theirs->successor = mine;
        }
    }
}

void EndpointRuntime::release()
{
    inflight--;
    for (auto next = successor.lock(); next; next = next->successor.lock())
        next->inflight--;
}

void EndpointPool::retire()
{
    for (auto& e : m_endpoints)
        e->retired = true;
}

bool EndpointPool::anyAvailable(qint64 nowMs, qint64* wakeAt)
{
    bool any = false;
    for (auto& e : m_endpoints) {
        const qint64 at = e->availableAt(nowMs, 0);
        if (at == 0)
            any = true;
        else if (at != kNever)
            *wakeAt = std::min(*wakeAt, at);
    }
    return any;
}

bool EndpointPool::hasAlternative(qint64 nowMs, int failed)
{
    for (auto& e : m_endpoints)
        if (e->index != failed && e->usable(nowMs))
            return true;
    return false;
}

int EndpointPool::pick(qint64 nowMs, const QString& sessionKey, int avoid, qint64 tokens, qint64* wakeAt)
{
    m_candidates.clear();
    bool avoidQualifies = false;
    for (auto& e : m_endpoints) {
        const qint64 at = e->availableAt(nowMs, tokens);
        if (at != 0) {
            if (at != kNever)
                *wakeAt = std::min(*wakeAt, at);
            continue;
        }
        if (e->index == avoid)
            avoidQualifies = true;
        else
            m_candidates.push_back(e->index);
    }
    if (m_candidates.empty()) {
        if (!avoidQualifies)
            return -1;
        m_candidates.push_back(avoid); // the only one left: better than waiting
    }
    const auto ep = [this](int i) -> EndpointRuntime& { return *m_endpoints[static_cast<size_t>(i)]; };

    if (m_strategy == QLatin1String("session_affinity") && !sessionKey.isEmpty()) {
        // The same key goes to the same endpoint while it qualifies; the next one in ring order otherwise.
        const int n = size();
        const int start = static_cast<int>(qHash(sessionKey) % static_cast<size_t>(n));
        int best = -1;
        int bestDistance = n;
        for (int i : m_candidates) {
            const int distance = (i - start + n) % n;
            if (distance < bestDistance) {
                bestDistance = distance;
                best = i;
            }
        }
        return best;
    }
    if (m_strategy == QLatin1String("least_busy")) {
        int best = m_candidates.front();
        for (int i : m_candidates) {
            // Fewest calls in flight relative to the endpoint's limit.
            const qint64 lhs = static_cast<qint64>(ep(i).inflight) * ep(best).limit();
            const qint64 rhs = static_cast<qint64>(ep(best).inflight) * ep(i).limit();
            if (lhs < rhs)
                best = i;
        }
        return best;
    }
    if (m_strategy == QLatin1String("lowest_latency")) {
        // Untried endpoints first (so every one gets measured), then the lowest
        // expected wait: EWMA latency scaled by the calls already in flight.
        int best = -1;
        double bestScore = 0;
        for (int i : m_candidates) {
            const EndpointRuntime& e = ep(i);
            const double score = e.latencyMs.samples() == 0 ? -1.0 / (1 + e.inflight) : e.latencyMs.value() * (1 + e.inflight);
            if (best < 0 || score < bestScore) {
                best = i;
                bestScore = score;
            }
        }
        return best;
    }
    // round_robin (all weights 1) and weighted: smooth weighted round-robin,
    // which spreads an endpoint's share evenly instead of in bursts.
    const bool weighted = m_strategy == QLatin1String("weighted");
    int best = -1;
    int total = 0;
    for (int i : m_candidates) {
        EndpointRuntime& e = ep(i);
        const int w = weighted ? e.config.weight : 1;
        e.currentWeight += w;
        total += w;
        if (best < 0 || e.currentWeight > ep(best).currentWeight)
            best = i;
    }
    ep(best).currentWeight -= total;
    return best;
}

} // namespace llmsched
