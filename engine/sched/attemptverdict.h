#pragma once

#include "core/retrypolicy.h"

#include <QString>

#include <optional>

namespace llmsched {

// Everything that decides what becomes of a task when one attempt's call ends.
struct AttemptFacts
{
    bool ok = false;
    FailureKind failure = FailureKind::None;
    int httpStatus = 0;
    QString error; // the call's own message
    std::optional<qint64> retryAfterMs;
    int attempts = 0; // including the one that just ended
    int maxAttempts = 1;
    int timeoutMs = 0;
    qint64 deadlineMs = 0; // 0: none
    qint64 nowMs = 0;
    bool streamedToCaller = false; // part of the answer already went to a waiting caller
    bool canFailOver = false; // another endpoint of the model is usable now
    double random01 = 0; // the jitter draw, from the engine's RNG
};

// What the scheduler does next with the task.
struct AttemptVerdict
{
    enum class Next : quint8 {
        Succeed,
        Cancel, // cancelled by an operator while the call ran
        Requeue, // interrupted by shutdown: queued again, the attempt not counted
        Retry, // RetryWait until dueMs (at once on failover)
        Dead, // to the dead-letter queue
    };
    Next next = Next::Dead;
    bool retryable = false; // the failure was of a retryable kind
    bool failover = false; // Retry goes to another endpoint without back-off
    qint64 delayMs = 0; // Retry: how long it waits
    qint64 dueMs = 0; // Retry: when it runs again
    QString error; // Retry and Dead: the error to store, with why it is not retried when that is why
};

// The attempt's outcome by the model's retry policy: a pure function, so every
// rule is testable alone (tests/unit/tst_attemptverdict.cpp).
//  - success succeeds; cancelled cancels; interrupted requeues;
//  - a retryable failure with attempts left retries: at once on another
//    endpoint when one is usable, else after the policy's back-off (a
//    Retry-After wins), unless the deadline comes before that, or part of
//    the answer was already streamed to the caller;
//  - anything else is dead.
AttemptVerdict decideAttempt(const AttemptFacts& facts, const RetryPolicy& retry);

} // namespace llmsched
