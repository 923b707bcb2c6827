#include "retrypolicy.h"

#include "jsonreader.h"

#include <algorithm>
#include <cmath>

namespace llmsched {

qint64 RetryPolicy::baseDelayMs(int failedAttempt) const
{
    const double exp = std::pow(factor, std::max(0, failedAttempt - 1));
    const double d = static_cast<double>(initialDelayMs) * exp;
    return static_cast<qint64>(std::min(d, static_cast<double>(maxDelayMs)));
}

qint64 RetryPolicy::delayMs(int failedAttempt, double random01, std::optional<qint64> retryAfterMs) const
{
    if (retryAfterMs)
        return std::clamp<qint64>(*retryAfterMs, 0, kMaxRetryAfterMs);
    const double base = static_cast<double>(baseDelayMs(failedAttempt));
    const double scale = 1.0 - jitter * std::clamp(random01, 0.0, 1.0);
    return static_cast<qint64>(std::llround(base * scale));
}

RetryPolicy RetryPolicy::read(ObjectReader& r)
{
    RetryPolicy p;
    p.maxAttempts = static_cast<int>(r.integer(QStringLiteral("max_attempts"), p.maxAttempts, 1, 100));
    p.initialDelayMs = r.integer(QStringLiteral("initial_delay_ms"), p.initialDelayMs, 0, kMaxRetryAfterMs);
    p.factor = r.number(QStringLiteral("factor"), p.factor, 1.0, 10.0);
    p.maxDelayMs = r.integer(QStringLiteral("max_delay_ms"), p.maxDelayMs, 0, kMaxRetryAfterMs);
    p.jitter = r.number(QStringLiteral("jitter"), p.jitter, 0.0, 1.0);
    return p;
}

QJsonObject RetryPolicy::toJson() const
{
    return {
        { QStringLiteral("max_attempts"), maxAttempts },
        { QStringLiteral("initial_delay_ms"), initialDelayMs },
        { QStringLiteral("factor"), factor },
        { QStringLiteral("max_delay_ms"), maxDelayMs },
        { QStringLiteral("jitter"), jitter },
    };
}

bool isRetryable(FailureKind kind, int httpStatus)
{
    switch (kind) {
    case FailureKind::Connection:
    case FailureKind::Timeout:
        return true;
    case FailureKind::HttpStatus:
        return httpStatus == 408 || httpStatus == 409 || httpStatus == 429 || (httpStatus >= 500 && httpStatus <= 599);
    case FailureKind::None:
    case FailureKind::MalformedResponse:
    case FailureKind::Cancelled:
    case FailureKind::Configuration:
    case FailureKind::Internal:
    case FailureKind::Interrupted:
        return false;
    }
    return false;
}

} // namespace llmsched
