#pragma once

#include "apicontroller.h"

namespace llmsched {

// GET /metrics in the Prometheus text format: tasks, queues, latency,
// endpoints, tokens and cost from the engine's snapshot; connections from the
// HTTP server; and the REST requests by route and status.
class MetricsExporter final : public ApiController
{
    Q_OBJECT

public:
    MetricsExporter(ApiServer& server, Engine& engine);

private:
    void exportMetrics(const CallPtr& c);
};

} // namespace llmsched
