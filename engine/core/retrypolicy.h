#pragma once

#include <QJsonObject>
#include <QtGlobal>

#include <optional>

namespace llmsched {

class ObjectReader;

constexpr int kDefaultMaxAttempts = 3;
constexpr qint64 kDefaultInitialDelayMs = 1000;
constexpr double kDefaultBackoffFactor = 2.0;
constexpr qint64 kDefaultMaxDelayMs = 5 * 60 * 1000;
constexpr double kDefaultJitter = 0.2;
constexpr qint64 kMaxRetryAfterMs = 24LL * 3600 * 1000;

// Exponential backoff with jitter. Attempt n (1-based) that failed waits
// min(max_delay, initial * factor^(n-1)) scaled by a random factor in
// [1 - jitter, 1]; a Retry-After from the endpoint replaces the computed delay.
struct RetryPolicy
{
    int maxAttempts = kDefaultMaxAttempts;
    qint64 initialDelayMs = kDefaultInitialDelayMs;
    double factor = kDefaultBackoffFactor;
    qint64 maxDelayMs = kDefaultMaxDelayMs;
    double jitter = kDefaultJitter; // 0..1

    // random01 in [0, 1); pass the engine's RNG draw so tests can fix it.
    qint64 delayMs(int failedAttempt, double random01, std::optional<qint64> retryAfterMs = std::nullopt) const;
    // The bounds delayMs() stays within for failedAttempt without Retry-After.
    qint64 baseDelayMs(int failedAttempt) const;

    static RetryPolicy read(ObjectReader& r);
    QJsonObject toJson() const;
};

// Why a call failed. Only some failures are worth another attempt.
enum class FailureKind : quint8 {
    None,
    Connection, // refused, reset, DNS, TLS
    Timeout,
    HttpStatus, // see httpStatus
    MalformedResponse,
    Cancelled,
    Configuration, // no usable endpoint, missing key
    Internal,
    Interrupted, // the engine stopped the call to shut down; not the task's fault
};

// DESIGN: retryable are connection errors, timeouts, 408, 409, 429 and 5xx;
// any other 4xx, malformed responses and configuration errors are not.
bool isRetryable(FailureKind kind, int httpStatus);

} // namespace llmsched
