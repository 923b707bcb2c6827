#pragma once

#include "core/modelconfig.h"
#include "core/retrypolicy.h"
#include "core/task.h"

#include <QObject>

#include <QCoro/QCoroTask>

#include <memory>
#include <optional>

namespace llmsched {

// What a provider needs to make one call.
struct CallRequest
{
    Ulid taskId;
    TaskKind kind = TaskKind::Chat;
    QByteArray input; // the task's JSON body
    QString upstreamModel;
    int attempt = 1;
    QString sessionKey;
};

// How a call ended.
struct CallResult
{
    bool ok = false;
    QByteArray output; // JSON on success
    Usage usage;
    FailureKind failure = FailureKind::None;
    int httpStatus = 0;
    QString error; // a message an operator can act on; never contains secrets
    std::optional<qint64> retryAfterMs;

    static CallResult success(QByteArray output, Usage usage)
    {
        CallResult r;
        r.ok = true;
        r.output = std::move(output);
        r.usage = usage;
        return r;
    }
    static CallResult failed(FailureKind kind, QString message, int status = 0)
    {
        CallResult r;
        r.failure = kind;
        r.error = std::move(message);
        r.httpStatus = status;
        return r;
    }
};

// Lets the engine abort a call in flight (cancel, timeout, shutdown) and lets a
// streaming provider hand out chunks. Lives on the engine thread.
class CallControl final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(CallControl)

public:
    CallControl() = default;

    bool isAborted() const { return m_aborted; }
    FailureKind abortReason() const { return m_reason; }
    // The first abort wins; later calls are ignored.
    void abort(FailureKind reason)
    {
        if (m_aborted)
            return;
        m_aborted = true;
        m_reason = reason;
        emit aborted();
    }

signals:
    void aborted();
    void delta(const QByteArray& chunk);

private:
    bool m_aborted = false;
    FailureKind m_reason = FailureKind::None;
};

// How a health check went.
struct HealthResult
{
    bool ok = true;
    QString error; // why not, for operators; never contains secrets
    qint64 latencyMs = 0;
};

class HttpClientPool;
class SecretStore;

// What providers share on the engine thread.
struct ProviderContext
{
    HttpClientPool* http = nullptr;
    SecretStore* secrets = nullptr;
};

// A client for one kind of upstream. One instance per endpoint, living on the
// engine thread. call() must return soon after control->aborted() fires, with
// failure set to control->abortReason().
class Provider
{
public:
    virtual ~Provider() = default;
    virtual QCoro::Task<CallResult> call(CallRequest request, std::shared_ptr<CallControl> control) = 0;
    // A cheap request that tells whether the endpoint answers (and accepts the key).
    virtual QCoro::Task<HealthResult> checkHealth(std::shared_ptr<CallControl> control)
    {
        Q_UNUSED(control);
        co_return HealthResult {};
    }
    // Whether periodic health checks mean anything for this endpoint.
    virtual bool hasHealthCheck() const { return false; }
};

} // namespace llmsched
