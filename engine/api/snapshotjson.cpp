#include "snapshotjson.h"

#include "core/timeutil.h"

#include <QJsonArray>

namespace llmsched {

namespace {
QJsonObject statesJson(const std::array<qint64, kTaskStateCount>& states)
{
    QJsonObject o;
    for (int s = 0; s < kTaskStateCount; ++s)
        o.insert(taskStateName(static_cast<TaskState>(s)), states[static_cast<size_t>(s)]);
    return o;
}

QJsonObject endpointJson(const EndpointSnapshot& e)
{
    return { { QStringLiteral("name"), e.name }, { QStringLiteral("provider"), e.provider }, { QStringLiteral("circuit"), e.circuit },
        { QStringLiteral("healthy"), e.healthy }, { QStringLiteral("inflight"), e.inflight }, { QStringLiteral("limit"), e.limit },
        { QStringLiteral("rpm"), e.rpm }, { QStringLiteral("rpm_used"), e.rpmUsed }, { QStringLiteral("tpm"), e.tpm },
        { QStringLiteral("tpm_used"), e.tpmUsed }, { QStringLiteral("latency_ms"), e.latencyMs }, { QStringLiteral("calls"), e.calls },
        { QStringLiteral("failures"), e.failures }, { QStringLiteral("last_error"), e.lastError.isEmpty() ? QJsonValue() : QJsonValue(e.lastError) },
        { QStringLiteral("cooldown_until"), e.cooldownUntilMs ? QJsonValue(msToIso(e.cooldownUntilMs)) : QJsonValue() } };
}

} // namespace

QJsonObject modelLiveJson(const ModelSnapshot& m)
{
    QJsonArray eps;
    for (const EndpointSnapshot& e : m.endpoints)
        eps.append(endpointJson(e));
    return { { QStringLiteral("paused"), m.paused }, { QStringLiteral("budget_exhausted"), m.budgetExhausted },
        { QStringLiteral("inflight"), m.inflight }, { QStringLiteral("concurrency"), m.concurrency }, { QStringLiteral("capacity"), m.capacity },
        { QStringLiteral("queue_depth"), m.queueDepth() }, { QStringLiteral("states"), statesJson(m.states) },
        { QStringLiteral("submitted"), m.submittedTotal }, { QStringLiteral("failed_attempts"), m.failedAttempts },
        { QStringLiteral("retried"), m.retried }, { QStringLiteral("prompt_tokens"), m.promptTokens },
        { QStringLiteral("completion_tokens"), m.completionTokens }, { QStringLiteral("cost_usd"), m.costUsd },
        { QStringLiteral("spent_today_usd"), m.spentTodayUsd }, { QStringLiteral("tasks_per_second"), m.tasksPerSecond },
        { QStringLiteral("latency_seconds"),
            QJsonObject {
                { QStringLiteral("p50"), m.latencyP50 }, { QStringLiteral("p95"), m.latencyP95 }, { QStringLiteral("p99"), m.latencyP99 } } },
        { QStringLiteral("endpoints"), eps } };
}

QJsonObject statsJson(const EngineSnapshot& s)
{
    QJsonArray models;
    for (const ModelSnapshot& m : s.models) {
        QJsonObject o = modelLiveJson(m);
        o.insert(QStringLiteral("name"), m.name);
        models.append(o);
    }
    return { { QStringLiteral("time"), msToIso(s.timeMs) }, { QStringLiteral("running"), s.running }, { QStringLiteral("paused"), s.paused },
        { QStringLiteral("store_healthy"), s.storeHealthy },
        { QStringLiteral("store_error"), s.storeError.isEmpty() ? QJsonValue() : QJsonValue(s.storeError) }, { QStringLiteral("node"), s.nodeId },
        { QStringLiteral("states"), statesJson(s.states) }, { QStringLiteral("tasks_per_second"), s.tasksPerSecond },
        { QStringLiteral("models"), models } };
}

} // namespace llmsched
