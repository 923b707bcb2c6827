#include "modelstats.h"

namespace llmsched {

namespace {
constexpr qint64 kMinuteMs = 60'000;
constexpr size_t kRecentMinutes = 5;
} // namespace

ModelStats::ModelStats(QString model)
    : m_model(std::move(model))
{
    m_minute.model = m_model;
}

void ModelStats::submitted(qint64 n)
{
    m_totals.submitted += n;
    m_minute.counters.submitted += n;
}

void ModelStats::attemptFinished(double seconds, bool ok)
{
    m_latency.record(seconds);
    m_minute.latency.record(seconds);
    if (!ok) {
        ++m_totals.failed;
        ++m_minute.counters.failed;
    }
}

void ModelStats::waited(double seconds)
{
    m_wait.record(seconds);
    m_minute.waitSumMs += seconds * 1000.0;
}

void ModelStats::retried()
{
    ++m_totals.retried;
    ++m_minute.counters.retried;
}

void ModelStats::finished(bool succeeded, bool dead, bool cancelled, qint64 nowMs)
{
    StatCounters d;
    d.succeeded = succeeded;
    d.dead = dead;
    d.cancelled = cancelled;
    m_totals.add(d);
    m_minute.counters.add(d);
    roll(nowMs);
    ++m_perSecond[static_cast<size_t>((nowMs / 1000) % static_cast<qint64>(m_perSecond.size()))];
}

void ModelStats::tokens(qint64 prompt, qint64 completion, double cost)
{
    StatCounters d;
    d.promptTokens = prompt;
    d.completionTokens = completion;
    d.costUsd = cost;
    m_totals.add(d);
    m_minute.counters.add(d);
}

void ModelStats::roll(qint64 nowMs)
{
    const qint64 second = nowMs / 1000;
    if (second == m_lastSecond)
        return;
    // Clear the seconds skipped since the last event.
    const qint64 gap = std::min<qint64>(second - m_lastSecond, static_cast<qint64>(m_perSecond.size()));
    for (qint64 s = 1; s <= gap; ++s)
        m_perSecond[static_cast<size_t>((m_lastSecond + s) % static_cast<qint64>(m_perSecond.size()))] = 0;
    m_lastSecond = second;
}

double ModelStats::ratePerSecond(qint64 nowMs, int window) const
{
    const qint64 second = nowMs / 1000;
    if (second - m_lastSecond >= static_cast<qint64>(m_perSecond.size()))
        return 0;
    qint64 sum = 0;
    // Whole seconds before the current one, skipping those not yet rolled.
    for (int i = 1; i <= window; ++i) {
        const qint64 s = second - i;
        if (s > m_lastSecond)
            continue;
        if (m_lastSecond - s >= static_cast<qint64>(m_perSecond.size()) - 1)
            break;
        sum += m_perSecond[static_cast<size_t>(s % static_cast<qint64>(m_perSecond.size()))];
    }
    return static_cast<double>(sum) / window;
}

Histogram ModelStats::recentLatency() const
{
    Histogram h = m_minute.latency;
    for (const Histogram& m : m_recent)
        h.add(m);
    return h;
}

bool ModelStats::takeMinute(qint64 nowMs, bool force, MinuteStats& out)
{
    const qint64 minute = nowMs - nowMs % kMinuteMs;
    if (m_minute.minuteMs == 0)
        m_minute.minuteMs = minute;
    if (!force && minute == m_minute.minuteMs)
        return false;
    out = m_minute;
    m_recent.push_back(m_minute.latency);
    while (m_recent.size() > kRecentMinutes)
        m_recent.pop_front();
    m_minute = MinuteStats {};
    m_minute.model = m_model;
    m_minute.minuteMs = minute;
    return true;
}

} // namespace llmsched
