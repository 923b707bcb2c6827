#include "endpointsupervisor.h"

#include "core/httpstatus.h"

#include "core/logging.h"
#include "core/timeutil.h"

#include <QCoroTask>

namespace llmsched {

namespace {
constexpr int kHealthTickMs = 1000;
constexpr int kHealthTimeoutMs = 10'000;
} // namespace

EndpointSupervisor::EndpointSupervisor(Pools pools, QObject* parent)
    : QObject(parent)
    , m_pools(std::move(pools))
    , m_tick(this)
{
    m_tick.setInterval(kHealthTickMs);
    connect(&m_tick, &QTimer::timeout, this, [this] { checkHealthDue(nowMs()); });
}

void EndpointSupervisor::start()
{
    m_stopping = false;
    m_tick.start();
    checkHealthDue(nowMs());
}

void EndpointSupervisor::stop()
{
    m_stopping = true;
    m_tick.stop();
    const auto checks = m_checks; // aborting completes them, which edits the hash
    for (const auto& c : checks)
        c->abort(FailureKind::Interrupted);
}

// ---- what each call tells ------------------------------------------------------

void EndpointSupervisor::callEnded(const QString& model, EndpointRuntime& e, const CallEnd& end, qint64 nowMs)
{
    const CallResult* r = end.result;
    if (!r) {
        e.tpm.settle(end.tpmTicket, end.tokensReserved);
        e.circuit.onResult(nowMs, true, false);
        return;
    }
    const bool stoppedByUs = r->failure == FailureKind::Cancelled || r->failure == FailureKind::Interrupted;
    const int status = r->failure == FailureKind::HttpStatus ? r->httpStatus : 0;
    const bool overload = status == http::TooManyRequests || status == http::ServiceUnavailable || status == http::Overloaded;
    ++e.calls;
    if (r->ok) {
        const qint64 used = r->usage.promptTokens + r->usage.completionTokens;
        e.tpm.settle(end.tpmTicket, used > 0 ? used : end.tokensReserved);
        if (r->usage.completionTokens > 0)
            e.completionTokens.add(static_cast<double>(r->usage.completionTokens));
        e.latencyMs.add(static_cast<double>(end.tookMs));
        e.adaptive.onSuccess();
        e.circuit.onResult(nowMs, true);
    } else {
        // A refused request (4xx, 429) used no tokens; anything else may have.
        e.tpm.settle(end.tpmTicket, http::isClientError(status) && status != http::RequestTimeout ? 0 : end.tokensReserved);
        if (!stoppedByUs) {
            ++e.failures;
            e.lastError = r->error;
            e.lastErrorMs = nowMs;
        }
        if (overload) {
            const int before = e.limit();
            e.adaptive.onOverload(nowMs);
            if (e.limit() != before)
                qCInfo(lcSched) << "endpoint" << e.config.name << "of" << model << "is overloaded (HTTP" << status << "); concurrency limit" << before
                                << "->" << e.limit();
            if (r->retryAfterMs && *r->retryAfterMs > 0)
                e.cooldownUntilMs = std::max(e.cooldownUntilMs, nowMs + *r->retryAfterMs);
        }
        // Health verdict: server errors, broken connections, timeouts and
        // garbage count against the endpoint; rate limits and client errors
        // (the request's fault) do not.
        const bool counted = !stoppedByUs && status != http::TooManyRequests && r->failure != FailureKind::Configuration;
        const bool endpointFault = r->failure == FailureKind::Connection || r->failure == FailureKind::Timeout
            || r->failure == FailureKind::MalformedResponse || status == http::RequestTimeout || http::isServerError(status);
        e.circuit.onResult(nowMs, !endpointFault, counted);
    }
    announceCircuit(model, e, nowMs);
}

void EndpointSupervisor::announceCircuit(const QString& model, EndpointRuntime& e, qint64 nowMs)
{
    if (!e.circuit.takeChanged() || e.retired)
        return;
    const CircuitBreaker::State s = e.circuit.state(nowMs);
    e.circuit.takeChanged(); // state() may have moved it on
    if (s == CircuitBreaker::State::Open) {
        const QString why = e.circuit.consecutiveFailures() > 0 ? tr("after %1 failures").arg(e.circuit.consecutiveFailures())
            : !e.healthy                                        ? tr("after a failed health check")
                                                                : tr("after too many failures");
        const QString text = tr("Endpoint %1 of model %2 stops receiving calls for %3 s %4; last error: %5")
                                 .arg(e.config.name, model)
                                 .arg(static_cast<double>(e.circuit.openUntilMs() - nowMs) / 1000.0, 0, 'f', 1)
                                 .arg(why, e.lastError.isEmpty() ? tr("none recorded") : e.lastError);
        qCWarning(lcSched).noquote() << "circuit open:" << text;
        emit notification({ Notification::Kind::Warning, tr("Endpoint circuit opened"), text });
        emit wakeAt(e.circuit.openUntilMs());
    } else if (s == CircuitBreaker::State::Closed) {
        qCInfo(lcSched) << "circuit closed: endpoint" << e.config.name << "of" << model << "answers again";
        emit notification(
            { Notification::Kind::Info, tr("Endpoint recovered"), tr("Endpoint %1 of model %2 answers again").arg(e.config.name, model) });
        emit endpointsAvailable();
    } else {
        qCInfo(lcSched) << "circuit half-open: probing endpoint" << e.config.name << "of" << model;
        emit endpointsAvailable();
    }
}

// ---- health checks and connection tests -------------------------------------------

void EndpointSupervisor::checkHealthDue(qint64 now)
{
    if (m_stopping)
        return;
    m_pools([this, now](const QString& model, EndpointPool& pool) {
        for (int i = 0; i < pool.size(); ++i) {
            const std::shared_ptr<EndpointRuntime>& e = pool.at(i);
            if (e->healthChecking || e->config.healthCheckIntervalMs <= 0 || !e->provider->hasHealthCheck() || now < e->nextHealthMs)
                continue;
            runHealthCheck(model, e);
        }
        // An open circuit whose time is up turns half-open here even when no
        // task asks (state() moves it on), so the probe is announced and shown.
        for (int i = 0; i < pool.size(); ++i) {
            pool.at(i)->circuit.state(now);
            announceCircuit(model, *pool.at(i), now);
        }
    });
}

QCoro::Task<HealthResult> EndpointSupervisor::check(EndpointRuntime& e)
{
    auto control = std::make_shared<CallControl>();
    m_checks.insert(control.get(), control);
    QTimer::singleShot(kHealthTimeoutMs, control.get(), [c = control.get()] { c->abort(FailureKind::Timeout); });
    const HealthResult h = co_await e.provider->checkHealth(control);
    m_checks.remove(control.get());
    co_return h;
}

void EndpointSupervisor::checkEnded()
{
    if (m_stopping && m_checks.isEmpty())
        emit checksFinished();
}

QCoro::Task<void> EndpointSupervisor::runHealthCheck(QString model, std::shared_ptr<EndpointRuntime> e)
{
    e->healthChecking = true;
    const HealthResult h = co_await check(*e);
    const qint64 now = nowMs();
    e->healthChecking = false;
    e->lastHealthMs = now;
    e->healthLatencyMs = h.latencyMs;
    e->nextHealthMs = now + e->config.healthCheckIntervalMs;
    if (m_stopping) {
        checkEnded();
        co_return;
    }
    if (e->retired)
        co_return;
    if (h.ok) {
        if (!e->healthy)
            qCInfo(lcSched) << "endpoint" << e->config.name << "of" << model << "passes its health check again";
        e->healthy = true;
        e->circuit.healthy(now);
    } else {
        if (e->healthy)
            qCWarning(lcSched).noquote() << "endpoint" << e->config.name << "of" << model << "fails its health check:" << h.error;
        e->healthy = false;
        e->lastError = h.error;
        e->lastErrorMs = now;
        e->circuit.forceOpen(now);
    }
    announceCircuit(model, *e, now);
}

QCoro::Task<void> EndpointSupervisor::testConnection(std::shared_ptr<EndpointPool> pool, Reply<Result<QList<EndpointTestResult>>> reply)
{
    QList<EndpointTestResult> results;
    for (int i = 0; i < pool->size(); ++i) {
        const std::shared_ptr<EndpointRuntime> e = pool->at(i);
        EndpointTestResult r;
        r.endpoint = e->config.name;
        if (!e->provider->hasHealthCheck()) {
            r.ok = true;
            r.message = tr("nothing to contact: the %1 provider answers locally").arg(e->config.provider);
            results.append(r);
            continue;
        }
        if (m_stopping)
            break;
        const HealthResult h = co_await check(*e);
        r.checked = true;
        r.ok = h.ok;
        r.latencyMs = h.latencyMs;
        r.message = h.ok ? tr("answered in %1 ms").arg(h.latencyMs) : h.error;
        results.append(r);
    }
    pool->retire();
    if (m_stopping) {
        checkEnded();
        resolve(reply, Error::unavailable(QStringLiteral("the engine is stopping")));
        co_return;
    }
    resolve(reply, results);
}

} // namespace llmsched
