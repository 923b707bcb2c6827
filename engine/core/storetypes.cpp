#include "storetypes.h"

namespace llmsched {

void TaskUpdate::merge(TaskUpdate&& later)
{
    const quint32 f = later.fields;
    if (f & State)
        state = later.state;
    if (f & Attempts)
        attempts = later.attempts;
    if (f & Priority)
        priority = later.priority;
    if (f & Output)
        output = std::move(later.output);
    if (f & ErrorText)
        error = std::move(later.error);
    if (f & StartedAt)
        startedMs = later.startedMs;
    if (f & FinishedAt)
        finishedMs = later.finishedMs;
    if (f & QueuedAt)
        queuedMs = later.queuedMs;
    if (f & RunAt)
        runAtMs = later.runAtMs;
    if (f & UsageCost) {
        usage = later.usage;
        costUsd = later.costUsd;
    }
    if (f & Endpoint)
        endpoint = std::move(later.endpoint);
    if (f & Lease)
        leaseNode = std::move(later.leaseNode);
    if (f & Input)
        input = std::move(later.input);
    fields |= f;
}

} // namespace llmsched
