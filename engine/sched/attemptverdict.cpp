#include "attemptverdict.h"

#include "core/timeutil.h"

namespace llmsched {

AttemptVerdict decideAttempt(const AttemptFacts& f, const RetryPolicy& retry)
{
    AttemptVerdict v;
    if (f.ok) {
        v.next = AttemptVerdict::Next::Succeed;
        return v;
    }
    if (f.failure == FailureKind::Cancelled) {
        v.next = AttemptVerdict::Next::Cancel;
        return v;
    }
    if (f.failure == FailureKind::Interrupted) {
        v.next = AttemptVerdict::Next::Requeue;
        return v;
    }
    v.error = f.failure == FailureKind::Timeout ? QStringLiteral("timed out after %1").arg(durationText(f.timeoutMs)) : f.error;
    if (v.error.isEmpty())
        v.error = QStringLiteral("failed");
    v.retryable = isRetryable(f.failure, f.httpStatus);
    const bool attemptsLeft = f.attempts < f.maxAttempts;
    if (!v.retryable || !attemptsLeft)
        return v; // Dead
    // A caller already holding part of a streamed answer would get it twice
    // from another attempt (the OpenAI facade relays deltas as they come).
    if (f.streamedToCaller) {
        v.error += QStringLiteral(" (not retried: part of the answer was already streamed to the caller)");
        return v;
    }
    v.failover = f.canFailOver;
    v.delayMs = v.failover ? 0 : retry.delayMs(f.attempts, f.random01, f.retryAfterMs);
    v.dueMs = f.nowMs + v.delayMs;
    if (f.deadlineMs > 0 && v.dueMs > f.deadlineMs) {
        v.error += QStringLiteral(" (the deadline leaves no time for another attempt)");
        v.failover = false;
        v.delayMs = 0;
        v.dueMs = 0;
        return v;
    }
    v.next = AttemptVerdict::Next::Retry;
    return v;
}

} // namespace llmsched
