#include "wirejson.h"

#include "timeutil.h"

#include <QJsonDocument>

#include <QJsonArray>

namespace llmsched {

namespace {
QString str(const QJsonObject& o, const char* key)
{
    return o.value(QLatin1String(key)).toString();
}
qint64 num(const QJsonObject& o, const char* key)
{
    return o.value(QLatin1String(key)).toInteger();
}
double real(const QJsonObject& o, const char* key)
{
    return o.value(QLatin1String(key)).toDouble();
}
qint64 timeOf(const QJsonObject& o, const char* key)
{
    return isoToMs(str(o, key)).value_or(0);
}
QByteArray compact(const QJsonValue& v)
{
    if (v.isObject())
        return QJsonDocument(v.toObject()).toJson(QJsonDocument::Compact);
    if (v.isArray())
        return QJsonDocument(v.toArray()).toJson(QJsonDocument::Compact);
    return {};
}
QStringList strings(const QJsonValue& v)
{
    QStringList out;
    for (const QJsonValue& e : v.toArray())
        out.append(e.toString());
    return out;
}

QJsonObject statesJson(const std::array<qint64, kTaskStateCount>& states)
{
    QJsonObject o;
    for (int s = 0; s < kTaskStateCount; ++s)
        o.insert(taskStateName(static_cast<TaskState>(s)), states[static_cast<size_t>(s)]);
    return o;
}

std::array<qint64, kTaskStateCount> statesFromJson(const QJsonObject& o)
{
    std::array<qint64, kTaskStateCount> out {};
    for (int s = 0; s < kTaskStateCount; ++s)
        out[static_cast<size_t>(s)] = o.value(taskStateName(static_cast<TaskState>(s))).toInteger();
    return out;
}

// Recent attempt latency of a model or an endpoint: latency_seconds {p50, p95, p99}.
QJsonObject quantilesJson(double p50, double p95, double p99)
{
    return { { QStringLiteral("p50"), p50 }, { QStringLiteral("p95"), p95 }, { QStringLiteral("p99"), p99 } };
}

void readQuantiles(const QJsonObject& parent, double& p50, double& p95, double& p99)
{
    const QJsonObject q = parent.value(QLatin1String("latency_seconds")).toObject();
    p50 = real(q, "p50");
    p95 = real(q, "p95");
    p99 = real(q, "p99");
}

QJsonObject endpointJson(const EndpointSnapshot& e)
{
    return { { QStringLiteral("name"), e.name }, { QStringLiteral("provider"), e.provider }, { QStringLiteral("circuit"), e.circuit },
        { QStringLiteral("healthy"), e.healthy }, { QStringLiteral("inflight"), e.inflight }, { QStringLiteral("limit"), e.limit },
        { QStringLiteral("rpm"), e.rpm }, { QStringLiteral("rpm_used"), e.rpmUsed }, { QStringLiteral("tpm"), e.tpm },
        { QStringLiteral("tpm_used"), e.tpmUsed }, { QStringLiteral("latency_ms"), e.latencyMs }, { QStringLiteral("calls"), e.calls },
        { QStringLiteral("failures"), e.failures }, { QStringLiteral("last_error"), e.lastError.isEmpty() ? QJsonValue() : QJsonValue(e.lastError) },
        { QStringLiteral("cooldown_until"), e.cooldownUntilMs ? QJsonValue(msToIso(e.cooldownUntilMs)) : QJsonValue() },
        { QStringLiteral("max_concurrency"), e.maxConcurrency }, { QStringLiteral("base_url"), e.baseUrl },
        { QStringLiteral("succeeded"), e.stats.succeeded }, { QStringLiteral("failed_attempts"), e.stats.failed },
        { QStringLiteral("retried"), e.stats.retried }, { QStringLiteral("dead"), e.stats.dead },
        { QStringLiteral("prompt_tokens"), e.stats.promptTokens }, { QStringLiteral("completion_tokens"), e.stats.completionTokens },
        { QStringLiteral("cost_usd"), e.stats.costUsd },
        { QStringLiteral("latency_seconds"), quantilesJson(e.latencyP50, e.latencyP95, e.latencyP99) } };
}

EndpointSnapshot endpointFromJson(const QJsonObject& o)
{
    EndpointSnapshot e;
    e.name = str(o, "name");
    e.provider = str(o, "provider");
    e.baseUrl = str(o, "base_url");
    e.circuit = str(o, "circuit");
    e.healthy = o.value(QLatin1String("healthy")).toBool(true);
    e.inflight = static_cast<int>(num(o, "inflight"));
    e.limit = static_cast<int>(num(o, "limit"));
    e.maxConcurrency = static_cast<int>(num(o, "max_concurrency"));
    e.rpm = static_cast<int>(num(o, "rpm"));
    e.rpmUsed = static_cast<int>(num(o, "rpm_used"));
    e.tpm = num(o, "tpm");
    e.tpmUsed = num(o, "tpm_used");
    e.latencyMs = real(o, "latency_ms");
    e.calls = num(o, "calls");
    e.failures = num(o, "failures");
    e.lastError = str(o, "last_error");
    e.cooldownUntilMs = timeOf(o, "cooldown_until");
    e.stats.succeeded = num(o, "succeeded");
    e.stats.failed = num(o, "failed_attempts");
    e.stats.retried = num(o, "retried");
    e.stats.dead = num(o, "dead");
    e.stats.promptTokens = num(o, "prompt_tokens");
    e.stats.completionTokens = num(o, "completion_tokens");
    e.stats.costUsd = real(o, "cost_usd");
    readQuantiles(o, e.latencyP50, e.latencyP95, e.latencyP99);
    return e;
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
        { QStringLiteral("latency_seconds"), quantilesJson(m.latencyP50, m.latencyP95, m.latencyP99) }, { QStringLiteral("endpoints"), eps } };
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

EngineSnapshot snapshotFromJson(const QJsonObject& o, const QList<ModelConfig>& configs)
{
    EngineSnapshot s;
    s.timeMs = timeOf(o, "time");
    s.running = o.value(QLatin1String("running")).toBool();
    s.paused = o.value(QLatin1String("paused")).toBool();
    s.storeHealthy = o.value(QLatin1String("store_healthy")).toBool(true);
    s.storeError = str(o, "store_error");
    s.nodeId = str(o, "node");
    s.states = statesFromJson(o.value(QLatin1String("states")).toObject());
    s.tasksPerSecond = real(o, "tasks_per_second");
    for (const QJsonValue& v : o.value(QLatin1String("models")).toArray()) {
        const QJsonObject mo = v.toObject();
        ModelSnapshot m;
        m.name = str(mo, "name");
        m.config.name = m.name;
        for (const ModelConfig& c : configs)
            if (c.name == m.name)
                m.config = c;
        m.paused = mo.value(QLatin1String("paused")).toBool();
        m.budgetExhausted = mo.value(QLatin1String("budget_exhausted")).toBool();
        m.inflight = static_cast<int>(num(mo, "inflight"));
        m.concurrency = static_cast<int>(num(mo, "concurrency"));
        m.capacity = num(mo, "capacity");
        m.states = statesFromJson(mo.value(QLatin1String("states")).toObject());
        m.submittedTotal = num(mo, "submitted");
        m.failedAttempts = num(mo, "failed_attempts");
        m.retried = num(mo, "retried");
        m.promptTokens = num(mo, "prompt_tokens");
        m.completionTokens = num(mo, "completion_tokens");
        m.costUsd = real(mo, "cost_usd");
        m.spentTodayUsd = real(mo, "spent_today_usd");
        m.tasksPerSecond = real(mo, "tasks_per_second");
        readQuantiles(mo, m.latencyP50, m.latencyP95, m.latencyP99);
        for (const QJsonValue& e : mo.value(QLatin1String("endpoints")).toArray())
            m.endpoints.append(endpointFromJson(e.toObject()));
        s.models.append(std::move(m));
    }
    return s;
}

QJsonObject taskEventJson(const TaskEvent& e)
{
    QJsonObject o { { QStringLiteral("id"), e.id.toString() }, { QStringLiteral("model"), e.model },
        { QStringLiteral("state"), taskStateName(e.state) }, { QStringLiteral("previous"), taskStateName(e.previous) },
        { QStringLiteral("attempts"), e.attempts }, { QStringLiteral("priority"), e.priority }, { QStringLiteral("time"), msToIso(e.timeMs) } };
    if (e.created)
        o.insert(QStringLiteral("created"), true);
    if (!e.error.isEmpty())
        o.insert(QStringLiteral("error"), e.error);
    if (!e.endpoint.isEmpty())
        o.insert(QStringLiteral("endpoint"), e.endpoint);
    if (!e.node.isEmpty())
        o.insert(QStringLiteral("node"), e.node);
    if (e.hasUsage) {
        o.insert(QStringLiteral("usage"),
            QJsonObject {
                { QStringLiteral("prompt_tokens"), e.usage.promptTokens }, { QStringLiteral("completion_tokens"), e.usage.completionTokens } });
        o.insert(QStringLiteral("cost_usd"), e.costUsd);
    }
    return o;
}

TaskEvent taskEventFromJson(const QJsonObject& o)
{
    TaskEvent e;
    e.id = Ulid::fromString(str(o, "id")).value_or(Ulid());
    e.model = str(o, "model");
    e.state = taskStateFromName(str(o, "state")).value_or(TaskState::Queued);
    e.previous = taskStateFromName(str(o, "previous")).value_or(TaskState::Queued);
    e.created = o.value(QLatin1String("created")).toBool();
    e.attempts = static_cast<int>(num(o, "attempts"));
    e.priority = static_cast<int>(num(o, "priority"));
    e.timeMs = timeOf(o, "time");
    e.error = str(o, "error");
    e.endpoint = str(o, "endpoint");
    e.node = str(o, "node");
    if (const QJsonValue usage = o.value(QLatin1String("usage")); usage.isObject()) {
        e.hasUsage = true;
        e.usage.promptTokens = usage.toObject().value(QLatin1String("prompt_tokens")).toInteger();
        e.usage.completionTokens = usage.toObject().value(QLatin1String("completion_tokens")).toInteger();
        e.costUsd = o.value(QLatin1String("cost_usd")).toDouble();
    }
    return e;
}

Task taskFromJson(const QJsonObject& o)
{
    Task t;
    t.id = Ulid::fromString(str(o, "id")).value_or(Ulid());
    t.spec.model = str(o, "model");
    t.spec.kind = taskKindFromName(str(o, "kind")).value_or(TaskKind::Chat);
    t.spec.priority = static_cast<int>(num(o, "priority"));
    t.spec.input = compact(o.value(QLatin1String("input")));
    t.spec.runAtMs = timeOf(o, "run_at");
    t.spec.deadlineMs = timeOf(o, "deadline");
    t.spec.idempotencyKey = str(o, "idempotency_key");
    t.spec.tags = strings(o.value(QLatin1String("tags")));
    t.spec.labels = o.value(QLatin1String("labels")).toObject();
    t.spec.parentId = str(o, "parent");
    for (const QJsonValue& d : o.value(QLatin1String("depends_on")).toArray())
        t.spec.dependsOn.append(dependencyFromJson(d));
    t.state = taskStateFromName(str(o, "state")).value_or(TaskState::Queued);
    t.attempts = static_cast<int>(num(o, "attempts"));
    t.maxAttempts = static_cast<int>(num(o, "max_attempts"));
    t.spec.maxAttempts = t.maxAttempts;
    t.timeoutMs = static_cast<int>(num(o, "timeout_ms"));
    t.output = compact(o.value(QLatin1String("output")));
    t.error = str(o, "error");
    t.createdMs = timeOf(o, "created_at");
    t.queuedMs = timeOf(o, "queued_at");
    t.startedMs = timeOf(o, "started_at");
    t.finishedMs = timeOf(o, "finished_at");
    t.endpoint = str(o, "endpoint");
    t.node = str(o, "node");
    const QJsonObject usage = o.value(QLatin1String("usage")).toObject();
    t.usage.promptTokens = num(usage, "prompt_tokens");
    t.usage.completionTokens = num(usage, "completion_tokens");
    t.costUsd = real(o, "cost_usd");
    t.seq = num(o, "seq");
    return t;
}

TaskLogEntry taskLogEntryFromJson(const QJsonObject& o)
{
    TaskLogEntry e;
    e.timeMs = timeOf(o, "time");
    e.level = logLevelFromName(str(o, "level")).value_or(LogLevel::Info);
    e.message = str(o, "message");
    e.data = o.value(QLatin1String("data")).toObject();
    return e;
}

QJsonObject nodeJson(const NodeInfo& n)
{
    return { { QStringLiteral("id"), n.id }, { QStringLiteral("self"), n.isSelf }, { QStringLiteral("online"), n.isOnline },
        { QStringLiteral("host"), n.host }, { QStringLiteral("pid"), n.pid },
        { QStringLiteral("address"), n.address.isEmpty() ? QJsonValue() : QJsonValue(n.address) }, { QStringLiteral("version"), n.version },
        { QStringLiteral("started_at"), msToIso(n.startedMs) },
        { QStringLiteral("last_heartbeat"), n.heartbeatMs > 0 ? QJsonValue(msToIso(n.heartbeatMs)) : QJsonValue() },
        { QStringLiteral("lease_expires"), msToIso(n.leaseExpiresMs) }, { QStringLiteral("running"), n.running },
        { QStringLiteral("tasks_per_second"), n.tasksPerSecond } };
}

NodeInfo nodeFromJson(const QJsonObject& o)
{
    NodeInfo n;
    n.id = str(o, "id");
    n.isSelf = o.value(QLatin1String("self")).toBool();
    n.isOnline = o.value(QLatin1String("online")).toBool();
    n.host = str(o, "host");
    n.pid = num(o, "pid");
    n.address = str(o, "address");
    n.version = str(o, "version");
    n.startedMs = timeOf(o, "started_at");
    n.heartbeatMs = timeOf(o, "last_heartbeat");
    n.leaseExpiresMs = timeOf(o, "lease_expires");
    n.running = num(o, "running");
    n.tasksPerSecond = real(o, "tasks_per_second");
    return n;
}

QJsonObject minuteStatsJson(const MinuteStats& m)
{
    const StatCounters& c = m.counters;
    // The fastest and slowest attempt, null when not known (no attempts, or
    // a minute stored before they were): percentiles stay within them.
    const auto extremes = m.latency.observedRange();
    QJsonObject o { { QStringLiteral("minute"), msToIso(m.minuteMs) }, { QStringLiteral("model"), m.model },
        { QStringLiteral("submitted"), c.submitted }, { QStringLiteral("succeeded"), c.succeeded }, { QStringLiteral("failed"), c.failed },
        { QStringLiteral("retried"), c.retried }, { QStringLiteral("dead"), c.dead }, { QStringLiteral("cancelled"), c.cancelled },
        { QStringLiteral("prompt_tokens"), c.promptTokens }, { QStringLiteral("completion_tokens"), c.completionTokens },
        { QStringLiteral("cost_usd"), c.costUsd }, { QStringLiteral("latency_buckets"), m.latency.toJson() },
        { QStringLiteral("latency_sum_seconds"), m.latency.sum() },
        { QStringLiteral("latency_min_seconds"), extremes ? QJsonValue(extremes->low) : QJsonValue(QJsonValue::Null) },
        { QStringLiteral("latency_max_seconds"), extremes ? QJsonValue(extremes->high) : QJsonValue(QJsonValue::Null) },
        { QStringLiteral("wait_sum_ms"), m.waitSumMs }, { QStringLiteral("queue_depth"), m.queueDepth } };
    if (!m.endpoint.isEmpty())
        o.insert(QStringLiteral("endpoint"), m.endpoint);
    o.insert(QStringLiteral("span_seconds"), m.spanMs / 1000);
    return o;
}

MinuteStats minuteStatsFromJson(const QJsonObject& o)
{
    MinuteStats m;
    m.minuteMs = timeOf(o, "minute");
    m.model = str(o, "model");
    m.endpoint = str(o, "endpoint");
    m.spanMs = o.contains(QLatin1String("span_seconds")) ? num(o, "span_seconds") * 1000 : kStatsMinuteMs; // older servers: minutes only
    StatCounters& c = m.counters;
    c.submitted = num(o, "submitted");
    c.succeeded = num(o, "succeeded");
    c.failed = num(o, "failed");
    c.retried = num(o, "retried");
    c.dead = num(o, "dead");
    c.cancelled = num(o, "cancelled");
    c.promptTokens = num(o, "prompt_tokens");
    c.completionTokens = num(o, "completion_tokens");
    c.costUsd = real(o, "cost_usd");
    const QJsonValue slowest = o.value(QLatin1String("latency_max_seconds"));
    const QJsonValue fastest = o.value(QLatin1String("latency_min_seconds"));
    std::optional<Histogram::Range> extremes; // absent from older servers
    if (fastest.isDouble() && slowest.isDouble())
        extremes = Histogram::Range { fastest.toDouble(), slowest.toDouble() };
    m.latency = Histogram::fromJson(o.value(QLatin1String("latency_buckets")).toArray(), real(o, "latency_sum_seconds"), extremes);
    m.waitSumMs = real(o, "wait_sum_ms");
    m.queueDepth = num(o, "queue_depth");
    return m;
}

ApiToken apiTokenFromJson(const QJsonObject& o)
{
    ApiToken t;
    t.id = str(o, "id");
    t.name = str(o, "name");
    t.role = roleFromName(str(o, "role")).value_or(Role::Viewer);
    t.createdMs = timeOf(o, "created_at");
    t.lastUsedMs = timeOf(o, "last_used_at");
    t.revokedMs = timeOf(o, "revoked_at");
    return t;
}

QJsonObject endpointTestJson(const EndpointTestResult& r)
{
    return { { QStringLiteral("endpoint"), r.endpoint }, { QStringLiteral("ok"), r.ok }, { QStringLiteral("checked"), r.checked },
        { QStringLiteral("message"), r.message }, { QStringLiteral("latency_ms"), r.latencyMs } };
}

EndpointTestResult endpointTestFromJson(const QJsonObject& o)
{
    EndpointTestResult r;
    r.endpoint = str(o, "endpoint");
    r.ok = o.value(QLatin1String("ok")).toBool();
    r.checked = o.value(QLatin1String("checked")).toBool();
    r.message = str(o, "message");
    r.latencyMs = num(o, "latency_ms");
    return r;
}

QString taskOrderName(TaskFilter::Order order)
{
    switch (order) {
    case TaskFilter::Order::State:
        return QStringLiteral("state");
    case TaskFilter::Order::Model:
        return QStringLiteral("model");
    case TaskFilter::Order::Seq:
        break;
    }
    return QStringLiteral("created");
}

std::optional<TaskFilter::Order> taskOrderFromName(QStringView name)
{
    for (auto o : { TaskFilter::Order::Seq, TaskFilter::Order::State, TaskFilter::Order::Model })
        if (name == taskOrderName(o))
            return o;
    return std::nullopt;
}

QUrlQuery taskFilterQuery(const TaskFilter& f)
{
    QUrlQuery q;
    const auto add = [&q](const char* key, const QString& value) {
        if (!value.isEmpty())
            q.addQueryItem(QLatin1String(key), QString::fromLatin1(QUrl::toPercentEncoding(value)));
    };
    QStringList states;
    for (TaskState s : f.states)
        states.append(taskStateName(s));
    add("state", states.join(QLatin1Char(',')));
    add("model", f.model);
    if (f.priority >= 0)
        add("priority", QString::number(f.priority));
    add("tag", f.tag);
    add("label", f.label);
    add("q", f.text);
    if (f.fromMs > 0)
        add("from", msToIso(f.fromMs));
    if (f.toMs > 0)
        add("to", msToIso(f.toMs));
    if (f.cursor > 0)
        add("cursor", QString::number(f.cursor));
    if (f.offset > 0)
        add("offset", QString::number(f.offset));
    if (f.order != TaskFilter::Order::Seq)
        add("sort", taskOrderName(f.order));
    add("limit", QString::number(f.limit));
    add("order", f.newestFirst ? QStringLiteral("desc") : QStringLiteral("asc"));
    if (f.includeInput)
        add("include_input", QStringLiteral("true"));
    return q;
}

Error errorFromJson(const QJsonObject& body, int status)
{
    const QJsonObject e = body.value(QLatin1String("error")).toObject();
    const QString code = str(e, "code");
    Error out;
    out.message = str(e, "message");
    out.field = str(e, "field");
    static const std::array<ErrorCode, 8> codes = { ErrorCode::InvalidArgument, ErrorCode::NotFound, ErrorCode::Conflict, ErrorCode::CapacityExceeded,
        ErrorCode::PayloadTooLarge, ErrorCode::Unavailable, ErrorCode::StoreError, ErrorCode::Internal };
    bool known = false;
    for (ErrorCode c : codes)
        if (code == errorCodeName(c)) {
            out.code = c;
            known = true;
        }
    if (!known) {
        out.code = status == 404            ? ErrorCode::NotFound
            : status == 409                 ? ErrorCode::Conflict
            : status == 429                 ? ErrorCode::CapacityExceeded
            : status == 413                 ? ErrorCode::PayloadTooLarge
            : status == 503                 ? ErrorCode::Unavailable
            : status >= 400 && status < 500 ? ErrorCode::InvalidArgument
                                            : ErrorCode::Internal;
    }
    if (out.message.isEmpty())
        out.message = QStringLiteral("the server answered HTTP %1").arg(status);
    return out;
}

} // namespace llmsched
