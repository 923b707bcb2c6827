#include "endpointpool.h"

#include "providers/simulatedprovider.h"

#include <QHashFunctions>

namespace llmsched {

Result<std::unique_ptr<EndpointPool>> EndpointPool::create(const ModelConfig& model)
{
    auto pool = std::make_unique<EndpointPool>();
    pool->m_strategy = model.strategy;
    for (qsizetype i = 0; i < model.endpoints.size(); ++i) {
        const EndpointConfig& e = model.endpoints.at(i);
        auto rt = std::make_shared<EndpointRuntime>();
        rt->config = e;
        if (e.provider == QLatin1String("simulated")) {
            rt->provider = std::make_unique<SimulatedProvider>(e.simulation);
        } else {
            return Error::invalid(QStringLiteral("endpoints[%1].provider").arg(i),
                QStringLiteral("provider '%1' is not available in this build yet; use 'simulated'").arg(e.provider));
        }
        pool->m_endpoints.push_back(std::move(rt));
    }
    return pool;
}

bool EndpointPool::hasRoom() const
{
    for (const auto& e : m_endpoints)
        if (e->hasRoom())
            return true;
    return false;
}

int EndpointPool::pick(const QString& sessionKey)
{
    const size_t n = m_endpoints.size();
    if (n == 0)
        return -1;
    if (m_strategy == QLatin1String("session_affinity") && !sessionKey.isEmpty()) {
        const size_t start = qHash(sessionKey) % n;
        for (size_t k = 0; k < n; ++k) {
            const size_t i = (start + k) % n;
            if (m_endpoints[i]->hasRoom())
                return static_cast<int>(i);
        }
        return -1;
    }
    if (m_strategy == QLatin1String("least_busy")) {
        int best = -1;
        for (size_t i = 0; i < n; ++i) {
            if (m_endpoints[i]->hasRoom() && (best < 0 || m_endpoints[i]->inflight < m_endpoints[static_cast<size_t>(best)]->inflight))
                best = static_cast<int>(i);
        }
        return best;
    }
    // round_robin (all weights 1) and weighted: smooth weighted round-robin,
    // which spreads an endpoint's share evenly instead of in bursts.
    const bool weighted = m_strategy == QLatin1String("weighted");
    int best = -1;
    int total = 0;
    for (size_t i = 0; i < n; ++i) {
        EndpointRuntime& e = *m_endpoints[i];
        if (!e.hasRoom())
            continue;
        const int w = weighted ? e.config.weight : 1;
        e.currentWeight += w;
        total += w;
        if (best < 0 || e.currentWeight > m_endpoints[static_cast<size_t>(best)]->currentWeight)
            best = static_cast<int>(i);
    }
    if (best >= 0)
        m_endpoints[static_cast<size_t>(best)]->currentWeight -= total;
    return best;
}

} // namespace llmsched
