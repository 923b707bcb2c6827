#pragma once

#include "provider.h"

#include <QRandomGenerator>

namespace llmsched {

// A model that needs no network: it answers after a delay drawn from the
// configured distribution, fails, rate-limits or hangs at configured rates and
// reports token counts, so demos, tests and benchmarks exercise every path.
// Engine thread only.
class SimulatedProvider final : public Provider
{
public:
    explicit SimulatedProvider(SimulationConfig config, quint32 seed = 0);

    QCoro::Task<CallResult> call(CallRequest request, std::shared_ptr<CallControl> control) override;

    // A latency from the configured distribution, at most an hour.
    double drawLatencyMs();

private:
    double drawUnclampedLatencyMs();
    CallResult outcome(const CallRequest& request);

    SimulationConfig m_config;
    QRandomGenerator m_rng;
};

} // namespace llmsched
