#pragma once

#include "core/modelconfig.h"
#include "core/result.h"
#include "providers/provider.h"

#include <memory>
#include <vector>

namespace llmsched {

// The live side of one endpoint: its provider client and what is in flight.
// Shared with running calls, so replacing a model's endpoints never pulls a
// provider from under a call that is still using it.
struct EndpointRuntime
{
    EndpointConfig config;
    std::unique_ptr<Provider> provider;
    int inflight = 0;
    int currentWeight = 0; // smooth weighted round-robin state

    bool hasRoom() const { return config.maxConcurrency <= 0 || inflight < config.maxConcurrency; }
};

// A model's endpoints and the choice among them. Engine thread only.
class EndpointPool
{
public:
    // Builds provider clients for every endpoint; fails on a provider this build cannot serve.
    static Result<std::unique_ptr<EndpointPool>> create(const ModelConfig& model);

    bool empty() const { return m_endpoints.empty(); }
    bool hasRoom() const;
    // Picks an endpoint with room by the model's strategy; -1 when none has room.
    int pick(const QString& sessionKey);
    const std::shared_ptr<EndpointRuntime>& at(int index) const { return m_endpoints[static_cast<size_t>(index)]; }
    int size() const { return static_cast<int>(m_endpoints.size()); }

private:
    QString m_strategy;
    std::vector<std::shared_ptr<EndpointRuntime>> m_endpoints; // shared: a running call keeps its endpoint alive
};

} // namespace llmsched
