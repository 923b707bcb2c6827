#pragma once

#include "limiters.h"

#include "core/modelconfig.h"
#include "core/result.h"
#include "providers/provider.h"

#include <limits>
#include <memory>
#include <vector>

namespace llmsched {

// The live side of one endpoint: its provider client, what is in flight and
// everything that decides whether it may take another call now. Shared with
// running calls, so replacing a model's endpoints never pulls a provider from
// under a call that is still using it (retired tells such calls not to bother).
struct EndpointRuntime
{
    EndpointConfig config;
    std::unique_ptr<Provider> provider;
    int index = 0;
    int inflight = 0;
    int currentWeight = 0; // smooth weighted round-robin state
    RpmLimiter rpm;
    TpmLimiter tpm;
    CircuitBreaker circuit;
    AdaptiveLimit adaptive;
    Ewma latencyMs;
    Ewma completionTokens { 0.1 }; // for token estimates when a task gives no max_tokens
    qint64 cooldownUntilMs = 0; // Retry-After from this endpoint
    bool healthy = true;
    bool healthChecking = false;
    qint64 nextHealthMs = 0;
    qint64 lastHealthMs = 0;
    qint64 healthLatencyMs = 0;
    QString lastError; // never contains secrets
    qint64 lastErrorMs = 0;
    qint64 calls = 0;
    qint64 failures = 0;
    bool retired = false;
    // The runtime that replaced this one when its model was edited: a call that
    // started here and ends after the edit is taken off its count too.
    std::weak_ptr<EndpointRuntime> successor;
    // Nodes sharing a database: this node's share of max_concurrency (and 0
    // when its share of rpm or tpm is none), and the rpm/tpm shares its
    // limiters were built with (-1: the endpoint's own).
    int clusterCap = std::numeric_limits<int>::max();
    int rpmShare = -1;
    int tpmShare = -1;

    int limit() const { return std::min(adaptive.current(), clusterCap); }
    // 0 when a call needing `tokens` may start now; else the earliest time one
    // may (kNever: only when a running call ends).
    qint64 availableAt(qint64 nowMs, qint64 tokens);
    // Whether it could take calls soon: circuit not open and not cooling down.
    bool usable(qint64 nowMs);
    // A call that started on this runtime ended.
    void release();
};

// A model's endpoints and the choice among them. Engine thread only.
class EndpointPool
{
public:
    // Builds provider clients for every endpoint. modelConcurrency bounds the
    // adaptive limit of endpoints without max_concurrency.
    static Result<std::unique_ptr<EndpointPool>> create(const ModelConfig& model, const ProviderContext& context);

    bool empty() const { return m_endpoints.empty(); }
    // Whether some endpoint can start a call now; else *wakeAt is lowered to
    // when one may (untouched when only a finishing call can free one).
    bool anyAvailable(qint64 nowMs, qint64* wakeAt);
    // Picks an endpoint that admits a call of `tokens` by the model's strategy,
    // avoiding `avoid` (the endpoint that just failed) when another qualifies;
    // -1 when none does (then *wakeAt as above).
    int pick(qint64 nowMs, const QString& sessionKey, int avoid, qint64 tokens, qint64* wakeAt);
    // Whether an endpoint other than `failed` is usable (failover target).
    bool hasAlternative(qint64 nowMs, int failed);
    bool limitsTokens() const { return m_limitsTokens; }
    const std::shared_ptr<EndpointRuntime>& at(int index) const { return m_endpoints[static_cast<size_t>(index)]; }
    int size() const { return static_cast<int>(m_endpoints.size()); }
    // Keeps the live state (circuit, limiters, latency, health) of endpoints
    // whose name and limits did not change, so editing a model does not reset them.
    void adoptStateFrom(EndpointPool& old);
    void retire();

private:
    QString m_strategy;
    bool m_limitsTokens = false;
    std::vector<std::shared_ptr<EndpointRuntime>> m_endpoints;
    std::vector<int> m_candidates; // scratch
};

} // namespace llmsched
