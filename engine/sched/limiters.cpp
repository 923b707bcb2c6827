#include "limiters.h"

#include <algorithm>
#include <cmath>

namespace llmsched {

namespace {
constexpr qint64 kMinuteMs = 60'000;
constexpr qint64 kMaxOpenMs = 10 * 60'000;
constexpr qint64 kCutSpacingMs = 1000;
constexpr double kCutFactor = 0.7;
} // namespace

// ---- RpmLimiter ----------------------------------------------------------------

RpmLimiter::RpmLimiter(int rpm)
    : m_rpm(std::max(0, rpm))
{
    if (m_rpm > 0) {
        m_intervalMs = static_cast<double>(kMinuteMs) / m_rpm;
        // 1 % of a minute's allowance may start at once (at least one).
        m_burst = std::max(1, m_rpm / 100);
    }
}

qint64 RpmLimiter::availableAt(qint64 nowMs) const
{
    if (m_rpm <= 0)
        return 0;
    const double earliest = m_tat - (m_burst - 1) * m_intervalMs;
    if (static_cast<double>(nowMs) >= earliest)
        return 0;
    return static_cast<qint64>(std::ceil(earliest));
}

void RpmLimiter::consume(qint64 nowMs)
{
    if (m_rpm <= 0)
        return;
    m_tat = std::max(m_tat, static_cast<double>(nowMs)) + m_intervalMs;
    m_recent.push_back(nowMs);
}

void RpmLimiter::refund()
{
    if (m_rpm <= 0)
        return;
    m_tat -= m_intervalMs;
    if (!m_recent.empty())
        m_recent.pop_back();
}

int RpmLimiter::usedLastMinute(qint64 nowMs)
{
    while (!m_recent.empty() && m_recent.front() <= nowMs - kMinuteMs)
        m_recent.pop_front();
    return static_cast<int>(m_recent.size());
}

// ---- TpmLimiter ----------------------------------------------------------------

TpmLimiter::TpmLimiter(qint64 tpm)
    : m_tpm(std::max<qint64>(0, tpm))
{
}

void TpmLimiter::expire(qint64 nowMs)
{
    while (!m_window.empty() && m_window.front().atMs <= nowMs - kMinuteMs) {
        m_sum -= m_window.front().tokens;
        m_window.pop_front();
        ++m_firstTicket;
    }
}

qint64 TpmLimiter::availableAt(qint64 nowMs, qint64 tokens)
{
    if (m_tpm <= 0)
        return 0;
    expire(nowMs);
    tokens = std::max<qint64>(0, tokens);
    if (m_sum + tokens <= m_tpm)
        return 0;
    if (tokens > m_tpm) // can never fit: wait for an empty window instead
        return m_window.empty() ? 0 : m_window.back().atMs + kMinuteMs + 1;
    const qint64 need = m_sum + tokens - m_tpm;
    qint64 freed = 0;
    for (const Entry& e : m_window) {
        freed += e.tokens;
        if (freed >= need)
            return e.atMs + kMinuteMs + 1;
    }
    return kNever;
}

TpmLimiter::Ticket TpmLimiter::reserve(qint64 nowMs, qint64 tokens)
{
    if (m_tpm <= 0)
        return 0;
    expire(nowMs);
    tokens = std::max<qint64>(0, tokens);
    m_window.push_back({ nowMs, tokens });
    m_sum += tokens;
    return m_firstTicket + m_window.size() - 1;
}

void TpmLimiter::settle(Ticket ticket, qint64 actualTokens)
{
    if (ticket == 0 || ticket < m_firstTicket)
        return;
    const quint64 index = ticket - m_firstTicket;
    if (index >= m_window.size())
        return;
    Entry& e = m_window[static_cast<size_t>(index)];
    actualTokens = std::max<qint64>(0, actualTokens);
    m_sum += actualTokens - e.tokens;
    e.tokens = actualTokens;
}

qint64 TpmLimiter::used(qint64 nowMs)
{
    expire(nowMs);
    return m_sum;
}

// ---- CircuitBreaker ------------------------------------------------------------

CircuitBreaker::CircuitBreaker(CircuitConfig config)
    : m_config(config)
{
}

QString CircuitBreaker::stateName(State s)
{
    switch (s) {
    case State::Closed:
        return QStringLiteral("closed");
    case State::Open:
        return QStringLiteral("open");
    case State::HalfOpen:
        return QStringLiteral("half_open");
    }
    return {};
}

CircuitBreaker::State CircuitBreaker::state(qint64 nowMs)
{
    if (m_state == State::Open && nowMs >= m_openUntil) {
        m_state = State::HalfOpen;
        m_probes = 0;
        m_changed = true;
    }
    return m_state;
}

qint64 CircuitBreaker::availableAt(qint64 nowMs)
{
    switch (state(nowMs)) {
    case State::Closed:
        return 0;
    case State::Open:
        return m_openUntil;
    case State::HalfOpen:
        return m_probes < m_config.halfOpenProbes ? 0 : kNever;
    }
    return 0;
}

void CircuitBreaker::onStart(qint64 nowMs)
{
    if (state(nowMs) == State::HalfOpen)
        ++m_probes;
}

void CircuitBreaker::roll(qint64 nowMs)
{
    const qint64 half = std::max<qint64>(1, m_config.windowMs / 2);
    if (nowMs - m_bucketStart < half)
        return;
    if (nowMs - m_bucketStart >= 2 * half) {
        m_calls[0] = m_failures[0] = 0;
    } else {
        m_calls[0] = m_calls[1];
        m_failures[0] = m_failures[1];
    }
    m_calls[1] = m_failures[1] = 0;
    m_bucketStart = nowMs - (nowMs - m_bucketStart) % half;
}

void CircuitBreaker::onResult(qint64 nowMs, bool success, bool counted)
{
    const State s = state(nowMs);
    if (s == State::HalfOpen) {
        if (m_probes > 0)
            --m_probes;
        if (!counted)
            return;
        if (success)
            close();
        else
            open(nowMs);
        return;
    }
    if (s == State::Open || !counted)
        return; // late answers from calls started before it opened
    roll(nowMs);
    ++m_calls[1];
    if (success) {
        m_consecutiveFailures = 0;
        return;
    }
    ++m_failures[1];
    ++m_consecutiveFailures;
    const int calls = m_calls[0] + m_calls[1];
    const int failures = m_failures[0] + m_failures[1];
    if (m_consecutiveFailures >= m_config.failureThreshold
        || (calls >= m_config.minRequests && static_cast<double>(failures) >= m_config.errorRate * calls))
        open(nowMs);
}

void CircuitBreaker::open(qint64 nowMs)
{
    // A failed probe doubles the wait, up to 10 minutes.
    m_openFor = m_state == State::HalfOpen ? std::min(kMaxOpenMs, std::max(m_config.openMs, m_openFor * 2)) : m_config.openMs;
    m_state = State::Open;
    m_openUntil = nowMs + m_openFor;
    m_probes = 0;
    ++m_opens;
    m_changed = true;
}

void CircuitBreaker::close()
{
    m_state = State::Closed;
    m_consecutiveFailures = 0;
    m_openFor = 0;
    m_probes = 0;
    m_calls[0] = m_calls[1] = m_failures[0] = m_failures[1] = 0;
    m_changed = true;
}

void CircuitBreaker::forceOpen(qint64 nowMs)
{
    if (state(nowMs) == State::Open) {
        m_openUntil = std::max(m_openUntil, nowMs + m_config.openMs);
        return;
    }
    open(nowMs);
}

void CircuitBreaker::healthy(qint64 nowMs)
{
    if (m_state == State::Open)
        m_openUntil = nowMs; // next state() call turns it half-open
}

bool CircuitBreaker::takeChanged()
{
    const bool c = m_changed;
    m_changed = false;
    return c;
}

// ---- AdaptiveLimit ---------------------------------------------------------------

AdaptiveLimit::AdaptiveLimit(int min, int max, bool enabled)
    : m_min(std::max(1, std::min(min, max)))
    , m_max(std::max(1, max))
    , m_enabled(enabled)
    , m_limit(std::max(1, max))
{
}

void AdaptiveLimit::onSuccess()
{
    if (m_enabled && m_limit < m_max)
        m_limit = std::min<double>(m_max, m_limit + 1.0 / m_limit);
}

void AdaptiveLimit::onOverload(qint64 nowMs)
{
    if (!m_enabled || nowMs - m_lastCut < kCutSpacingMs)
        return;
    m_lastCut = nowMs;
    m_limit = std::max<double>(m_min, std::floor(m_limit * kCutFactor));
    ++m_cuts;
}

} // namespace llmsched
