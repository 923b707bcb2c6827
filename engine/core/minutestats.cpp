#include "minutestats.h"

namespace llmsched {

void StatCounters::add(const StatCounters& o)
{
    submitted += o.submitted;
    succeeded += o.succeeded;
    failed += o.failed;
    retried += o.retried;
    dead += o.dead;
    cancelled += o.cancelled;
    promptTokens += o.promptTokens;
    completionTokens += o.completionTokens;
    costUsd += o.costUsd;
}

} // namespace llmsched
