#include "metricsexporter.h"

#include "engine.h"

#include "core/histogram.h"

#include <cmath>

namespace llmsched {

namespace {
// A Prometheus label value: backslash, quote and newline escaped.
QString label(const QString& v)
{
    QString out = v;
    out.replace(QLatin1Char('\\'), QLatin1String("\\\\"))
        .replace(QLatin1Char('"'), QLatin1String("\\\""))
        .replace(QLatin1Char('\n'), QLatin1String("\\n"));
    return out;
}

// Prometheus spells not-a-number "NaN" (Qt would write "nan").
QString numberText(double v)
{
    if (std::isnan(v))
        return QStringLiteral("NaN");
    return QString::number(v, 'g', 12);
}
} // namespace

MetricsExporter::MetricsExporter(ApiServer& server, Engine& engine)
    : ApiController(server, engine)
{
    addRoute("GET", QStringLiteral("/metrics"), Role::Viewer, Audit::No, [this](const CallPtr& c) { exportMetrics(c); });
}

void MetricsExporter::exportMetrics(const CallPtr& c)
{
    const auto s = m_engine.snapshot();
    QString out;
    out.reserve(8192);
    const auto help = [&out](const char* name, const char* type, const char* text) {
        out += QStringLiteral("# HELP %1 %2\n# TYPE %1 %3\n").arg(QLatin1String(name), QLatin1String(text), QLatin1String(type));
    };
    help("llmsched_tasks_submitted_total", "counter", "Tasks accepted since the engine started.");
    for (const ModelSnapshot& m : s->models)
        out += QStringLiteral("llmsched_tasks_submitted_total{model=\"%1\"} %2\n").arg(label(m.name)).arg(m.submittedTotal);
    help("llmsched_tasks_finished_total", "counter", "Tasks that reached a final state since the engine started.");
    for (const ModelSnapshot& m : s->models)
        for (TaskState st : { TaskState::Succeeded, TaskState::Dead, TaskState::Cancelled })
            out += QStringLiteral("llmsched_tasks_finished_total{model=\"%1\",state=\"%2\"} %3\n")
                       .arg(label(m.name), taskStateName(st))
                       .arg(m.finishedHere[static_cast<size_t>(st)]);
    help("llmsched_queue_depth", "gauge", "Unfinished tasks by state (nodes sharing a database: the whole cluster's, alike on every node).");
    for (const ModelSnapshot& m : s->models)
        for (TaskState st : { TaskState::Queued, TaskState::Scheduled, TaskState::Blocked, TaskState::Running, TaskState::RetryWait })
            out += QStringLiteral("llmsched_queue_depth{model=\"%1\",state=\"%2\"} %3\n")
                       .arg(label(m.name), taskStateName(st))
                       .arg(m.states[static_cast<size_t>(st)]);
    help("llmsched_task_duration_seconds", "summary", "Call latency over the last minutes.");
    for (const ModelSnapshot& m : s->models)
        for (const auto& [q, v] : { std::pair { "0.5", m.latencyP50 }, std::pair { "0.95", m.latencyP95 }, std::pair { "0.99", m.latencyP99 } })
            out += QStringLiteral("llmsched_task_duration_seconds{model=\"%1\",quantile=\"%2\"} %3\n")
                       .arg(label(m.name), QLatin1String(q), numberText(v));
    // Histograms (buckets, _sum, _count) add up across nodes: a cluster's
    // percentiles come from sum by (le) of the nodes' buckets.
    const auto histogram = [&out](const char* name, const QString& labels, const Histogram& h) {
        qint64 cumulative = 0;
        for (size_t i = 0; i < Histogram::kBounds.size(); ++i) {
            cumulative += h.bucket(static_cast<int>(i));
            out += QStringLiteral("%1_bucket{%2,le=\"%3\"} %4\n").arg(QLatin1String(name), labels, numberText(Histogram::kBounds[i])).arg(cumulative);
        }
        out += QStringLiteral("%1_bucket{%2,le=\"+Inf\"} %3\n").arg(QLatin1String(name), labels).arg(h.count());
        out += QStringLiteral("%1_sum{%2} %3\n").arg(QLatin1String(name), labels, numberText(h.sum()));
        out += QStringLiteral("%1_count{%2} %3\n").arg(QLatin1String(name), labels).arg(h.count());
    };
    help("llmsched_attempt_duration_seconds", "histogram", "Duration of every call attempt since the node started.");
    for (const ModelSnapshot& m : s->models)
        histogram("llmsched_attempt_duration_seconds", QStringLiteral("model=\"%1\"").arg(label(m.name)), m.latency);
    help("llmsched_queue_wait_seconds", "histogram", "Time from queued to started, of every start since the node started.");
    for (const ModelSnapshot& m : s->models)
        histogram("llmsched_queue_wait_seconds", QStringLiteral("model=\"%1\"").arg(label(m.name)), m.wait);
    help("llmsched_inflight", "gauge", "Calls in flight per endpoint.");
    for (const ModelSnapshot& m : s->models)
        for (const EndpointSnapshot& e : m.endpoints)
            out += QStringLiteral("llmsched_inflight{model=\"%1\",endpoint=\"%2\"} %3\n").arg(label(m.name), label(e.name)).arg(e.inflight);
    help("llmsched_endpoint_circuit_state", "gauge", "0 closed, 1 half-open, 2 open.");
    for (const ModelSnapshot& m : s->models)
        for (const EndpointSnapshot& e : m.endpoints)
            out += QStringLiteral("llmsched_endpoint_circuit_state{model=\"%1\",endpoint=\"%2\"} %3\n")
                       .arg(label(m.name), label(e.name))
                       .arg(e.circuit == QLatin1String("open")           ? 2
                               : e.circuit == QLatin1String("half_open") ? 1
                                                                         : 0);
    help("llmsched_tokens_total", "counter", "Tokens used, by kind.");
    for (const ModelSnapshot& m : s->models) {
        out += QStringLiteral("llmsched_tokens_total{model=\"%1\",kind=\"prompt\"} %2\n").arg(label(m.name)).arg(m.promptTokens);
        out += QStringLiteral("llmsched_tokens_total{model=\"%1\",kind=\"completion\"} %2\n").arg(label(m.name)).arg(m.completionTokens);
    }
    help("llmsched_cost_usd_total", "counter", "Cost of successful calls in USD.");
    for (const ModelSnapshot& m : s->models)
        out += QStringLiteral("llmsched_cost_usd_total{model=\"%1\"} %2\n").arg(label(m.name), numberText(m.costUsd));
    const HttpServer& http = m_server.http();
    const HttpServer::Stats& hs = http.stats();
    help("llmsched_http_connections_open", "gauge", "REST connections open now.");
    out += QStringLiteral("llmsched_http_connections_open %1\n").arg(http.openConnections());
    help("llmsched_http_connections_refused_total", "counter", "REST connections refused with 503, by which limit.");
    out += QStringLiteral("llmsched_http_connections_refused_total{limit=\"total\"} %1\n").arg(hs.refusedOverLimit);
    out += QStringLiteral("llmsched_http_connections_refused_total{limit=\"per_address\"} %1\n").arg(hs.refusedPerAddress);
    help("llmsched_http_accept_errors_total", "counter", "Failed accepts (e.g. no file descriptor left).");
    out += QStringLiteral("llmsched_http_accept_errors_total %1\n").arg(hs.acceptErrors);
    help("llmsched_http_slow_clients_dropped_total", "counter", "Connections dropped because the client stopped reading its answers.");
    out += QStringLiteral("llmsched_http_slow_clients_dropped_total %1\n").arg(hs.slowClientsDropped);
    help("llmsched_http_request_duration_seconds", "histogram", "REST API request latency by route and status.");
    const QStringList routes = m_server.routeList();
    m_server.requestStats().forEach([&](qsizetype route, int status, const RequestStats::Entry& e) {
        const QString name = route < 0 ? QStringLiteral("unmatched") : routes.at(route);
        const QString labels = QStringLiteral("route=\"%1\",code=\"%2\"").arg(label(name)).arg(status);
        for (size_t i = 0; i < RequestStats::kBucketBounds.size(); ++i)
            out += QStringLiteral("llmsched_http_request_duration_seconds_bucket{%1,le=\"%2\"} %3\n")
                       .arg(labels, numberText(RequestStats::kBucketBounds[i]))
                       .arg(e.buckets[i]);
        out += QStringLiteral("llmsched_http_request_duration_seconds_bucket{%1,le=\"+Inf\"} %2\n").arg(labels).arg(e.count);
        out += QStringLiteral("llmsched_http_request_duration_seconds_sum{%1} %2\n").arg(labels, numberText(e.seconds));
        out += QStringLiteral("llmsched_http_request_duration_seconds_count{%1} %2\n").arg(labels).arg(e.count);
    });
    c->answer(200, out.toUtf8(), QByteArrayLiteral("text/plain; version=0.0.4; charset=utf-8"));
}

} // namespace llmsched
