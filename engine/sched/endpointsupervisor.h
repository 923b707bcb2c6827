#pragma once

#include "endpointpool.h"
#include "reply.h"

#include "core/enginetypes.h"

#include <QHash>
#include <QObject>
#include <QTimer>

#include <functional>
#include <memory>

namespace llmsched {

// Watches the endpoints of every model: learns from each call that ends
// (limiters, adaptive concurrency, Retry-After cooldowns, the circuit),
// runs the periodic health checks and connection tests, and tells the
// operator when a circuit opens or closes. The scheduler asks the pools which
// endpoint may take a call; this class keeps what they answer true.
// Engine thread only.
class EndpointSupervisor final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(EndpointSupervisor)

public:
    // Calls `visit` with every model's name and endpoint pool.
    using Pools = std::function<void(const std::function<void(const QString& model, EndpointPool& pool)>& visit)>;

    explicit EndpointSupervisor(Pools pools, QObject* parent = nullptr);

    // What a call that ended on `e` tells about it. result null: the call
    // never reached the endpoint or we stopped it (no verdict on its health).
    struct CallEnd
    {
        const CallResult* result = nullptr;
        TpmLimiter::Ticket tpmTicket = 0;
        qint64 tokensReserved = 0;
        qint64 tookMs = 0;
    };
    void callEnded(const QString& model, EndpointRuntime& e, const CallEnd& end, qint64 nowMs);

    // Health checks that are due start now; open circuits whose time is up
    // turn half-open even when no task asks.
    void checkHealthDue(qint64 nowMs);
    // Asks each endpoint of a pool that is not installed whether it answers.
    QCoro::Task<void> testConnection(std::shared_ptr<EndpointPool> pool, Reply<Result<QList<EndpointTestResult>>> reply);

    // Starts the health ticks (and checks what is due now).
    void start();
    // Stops the ticks and interrupts running checks; checksFinished() follows
    // once none is left.
    void stop();
    // Health checks or connection tests are still running.
    bool busy() const { return !m_checks.isEmpty(); }

signals:
    void notification(const llmsched::Notification& notification);
    // An endpoint is closed to calls until then (its circuit opened).
    void wakeAt(qint64 atMs);
    // An endpoint takes calls again (its circuit closed or half-opened).
    void endpointsAvailable();
    // While stopping: the last running check ended.
    void checksFinished();

private:
    QCoro::Task<void> runHealthCheck(QString model, std::shared_ptr<EndpointRuntime> e);
    QCoro::Task<HealthResult> check(EndpointRuntime& e);
    void announceCircuit(const QString& model, EndpointRuntime& e, qint64 nowMs);
    void checkEnded();

    Pools m_pools;
    QTimer m_tick;
    QHash<CallControl*, std::shared_ptr<CallControl>> m_checks; // running health checks and tests
    bool m_stopping = false;
};

} // namespace llmsched
