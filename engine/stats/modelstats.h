#pragma once

#include "core/histogram.h"
#include "core/minutestats.h"

#include <QString>

#include <array>
#include <deque>

namespace llmsched {

// Counters, histograms and the per-second completion rate of one model.
// Engine thread only.
class ModelStats
{
public:
    explicit ModelStats(QString model = {});

    void submitted(qint64 n = 1);
    void attemptFinished(double seconds, bool ok);
    void waited(double seconds);
    void retried();
    void finished(bool succeeded, bool dead, bool cancelled, qint64 nowMs);
    void tokens(qint64 prompt, qint64 completion, double cost);

    const StatCounters& totals() const { return m_totals; }
    const Histogram& latency() const { return m_latency; }
    const Histogram& wait() const { return m_wait; }
    // Percentiles over the last few minutes, not since start.
    Histogram recentLatency() const;
    // Final outcomes per second over the last `window` seconds.
    double ratePerSecond(qint64 nowMs, int window = 5) const;

    // Takes the current minute's figures (when its minute is over, or force) for
    // the rollup and starts a new minute.
    bool takeMinute(qint64 nowMs, bool force, MinuteStats& out);

private:
    void roll(qint64 nowMs);

    QString m_model;
    StatCounters m_totals;
    Histogram m_latency;
    Histogram m_wait;
    MinuteStats m_minute;
    std::deque<Histogram> m_recent; // last minutes' latency, newest last
    std::array<qint64, 64> m_perSecond {}; // ring of completions per second
    qint64 m_lastSecond = 0;
};

} // namespace llmsched
