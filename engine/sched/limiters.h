#pragma once

#include "core/modelconfig.h"

#include <QString>

#include <deque>
#include <limits>

namespace llmsched {

// "Never" for the next-available time of a limiter: something other than time
// (a call finishing) must free it.
inline constexpr qint64 kNever = std::numeric_limits<qint64>::max();

// Requests per minute as a generic cell rate algorithm: starts are spaced
// 60 s / rpm apart with a small burst allowance, so any 60 s window holds at
// most rpm + burst starts and traffic is smooth instead of front-loaded.
// All times are passed in (ms), so tests drive it without a clock.
class RpmLimiter
{
public:
    explicit RpmLimiter(int rpm = 0);

    bool enabled() const { return m_rpm > 0; }
    int rpm() const { return m_rpm; }
    int burst() const { return m_burst; }
    // 0 when a start is allowed at nowMs, else the earliest time it will be.
    qint64 availableAt(qint64 nowMs) const;
    void consume(qint64 nowMs);
    // A start the upstream never saw (refused before sending) gives its slot back.
    void refund();
    // Starts in the last 60 s (for display).
    int usedLastMinute(qint64 nowMs);

private:
    int m_rpm = 0;
    int m_burst = 1;
    double m_intervalMs = 0;
    double m_tat = 0; // theoretical arrival time of the next start
    std::deque<qint64> m_recent; // start times within the last minute, for usedLastMinute
};

// Tokens per minute over a sliding 60 s window. A call reserves an estimate
// before it starts and settles to the real usage when it ends, so concurrent
// calls cannot overshoot: admission counts reserved and settled tokens alike.
class TpmLimiter
{
public:
    using Ticket = quint64; // 0: no reservation

    explicit TpmLimiter(qint64 tpm = 0);

    bool enabled() const { return m_tpm > 0; }
    qint64 tpm() const { return m_tpm; }
    // 0 when `tokens` fit at nowMs, else the earliest time they will (kNever
    // only when reserved calls must settle first). A request larger than the
    // whole limit is admitted into an empty window so it cannot wait forever.
    qint64 availableAt(qint64 nowMs, qint64 tokens);
    Ticket reserve(qint64 nowMs, qint64 tokens);
    // Replaces a reservation by the tokens actually used (0 when the upstream
    // refused the call). Unknown or expired tickets are ignored.
    void settle(Ticket ticket, qint64 actualTokens);
    qint64 used(qint64 nowMs); // tokens counted in the last 60 s

private:
    struct Entry
    {
        qint64 atMs;
        qint64 tokens;
    };
    void expire(qint64 nowMs);

    qint64 m_tpm = 0;
    qint64 m_sum = 0;
    std::deque<Entry> m_window;
    Ticket m_firstTicket = 1; // ticket of m_window.front()
};

// Per-endpoint circuit breaker: closed (calls flow) -> open (none, after
// failureThreshold consecutive failures or errorRate over the window) ->
// half-open after openMs (halfOpenProbes calls let through) -> closed on a
// probe's success, open again (for twice as long, up to 10 min) on its failure.
class CircuitBreaker
{
public:
    enum class State : quint8 { Closed, Open, HalfOpen };

    explicit CircuitBreaker(CircuitConfig config = {});

    State state(qint64 nowMs); // moves open -> half-open when its time is up
    static QString stateName(State s);
    // 0 when a call may start, else when one may (kNever while probes run).
    qint64 availableAt(qint64 nowMs);
    void onStart(qint64 nowMs);
    // counted: false for outcomes that say nothing about the endpoint's health
    // (cancelled, 4xx other than timeouts, 429); a probe still ends.
    void onResult(qint64 nowMs, bool success, bool counted = true);
    // Health checks: a failed one opens the circuit; a good one lets a probe through now.
    void forceOpen(qint64 nowMs);
    void healthy(qint64 nowMs);

    int consecutiveFailures() const { return m_consecutiveFailures; }
    qint64 openUntilMs() const { return m_openUntil; }
    int opens() const { return m_opens; } // times it opened
    // Set when the state changed since the last call (for notifications).
    bool takeChanged();

private:
    void open(qint64 nowMs);
    void close();
    void roll(qint64 nowMs);

    CircuitConfig m_config;
    State m_state = State::Closed;
    qint64 m_openUntil = 0;
    qint64 m_openFor = 0;
    int m_probes = 0; // in flight while half-open
    int m_consecutiveFailures = 0;
    int m_opens = 0;
    bool m_changed = false;
    // The window as two halves so old results age out without a per-call log.
    qint64 m_bucketStart = 0;
    int m_calls[2] = { 0, 0 };
    int m_failures[2] = { 0, 0 };
};

// AIMD concurrency limit between [min, max]: cut to 70 % on overload (at most
// once per second, so a burst of 429s from one moment counts once), +1 after
// about `limit` successes.
class AdaptiveLimit
{
public:
    AdaptiveLimit(int min = 1, int max = 1, bool enabled = true);

    int current() const { return static_cast<int>(m_limit); }
    int max() const { return m_max; }
    bool enabled() const { return m_enabled; }
    void onSuccess();
    void onOverload(qint64 nowMs);
    int cuts() const { return m_cuts; }

private:
    int m_min;
    int m_max;
    bool m_enabled;
    double m_limit;
    qint64 m_lastCut = std::numeric_limits<qint64>::min() / 2;
    int m_cuts = 0;
};

// Exponentially weighted moving average of latency; 0 until the first sample.
class Ewma
{
public:
    explicit Ewma(double alpha = 0.2)
        : m_alpha(alpha)
    {
    }
    void add(double v) { m_value = m_samples++ == 0 ? v : m_value + m_alpha * (v - m_value); }
    double value() const { return m_value; }
    qint64 samples() const { return m_samples; }

private:
    double m_alpha;
    double m_value = 0;
    qint64 m_samples = 0;
};

} // namespace llmsched
