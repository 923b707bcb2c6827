#pragma once

#include "core/histogram.h"
#include "core/minutestats.h"

#include <QHash>
#include <QString>

#include <array>
#include <deque>
#include <vector>

namespace llmsched {

// Counters, histograms and the per-second completion rate of one model, and
// the part of them each of its endpoints had: the attempts it ran (their
// latency, successes and failures, the tokens and cost of its answers) and the
// outcomes an attempt on it decided (retried, succeeded, dead). Submissions,
// cancellations, queue wait and depth belong to the model alone. Calls with an
// empty endpoint count for the model only.
//
// What happens is counted into the current minute and the current 10-second
// slot at once; the rollup takes each when it is over. Engine thread only.
class ModelStats
{
public:
    explicit ModelStats(QString model = {});

    void submitted(qint64 n = 1);
    void attemptFinished(double seconds, bool ok, const QString& endpoint = {});
    void waited(double seconds);
    void retried(const QString& endpoint = {});
    void finished(bool succeeded, bool dead, bool cancelled, qint64 nowMs, const QString& endpoint = {});
    void tokens(qint64 prompt, qint64 completion, double cost, const QString& endpoint = {});

    const StatCounters& totals() const { return m_totals; }
    const Histogram& latency() const { return m_latency; }
    const Histogram& wait() const { return m_wait; }
    // Percentiles over the last few minutes, not since start.
    Histogram recentLatency() const;
    // Final outcomes per second over the last `window` seconds.
    double ratePerSecond(qint64 nowMs, int window = 5) const;
    // An endpoint's share since start, and its percentiles over the last few
    // minutes; zero for an endpoint that ran nothing.
    StatCounters endpointTotals(const QString& endpoint) const;
    Histogram endpointRecentLatency(const QString& endpoint) const;

    // Takes the figures of the current minute and of the current slot, each
    // when it is over (or both, with force), for the rollup: the model's row
    // (with `queueDepth`) and a row for each endpoint that ran something in it
    // are appended to `rows`. Returns whether the minute was taken.
    bool takePeriods(qint64 nowMs, bool force, qint64 queueDepth, std::vector<MinuteStats>& rows);

private:
    // The minute and the slot being counted.
    enum Period { Minute, Slot, PeriodCount };
    using Open = std::array<MinuteStats, PeriodCount>;
    struct EndpointStats
    {
        StatCounters totals;
        Open open;
        std::deque<Histogram> recent; // last minutes' latency, newest last
    };
    EndpointStats& endpoint(const QString& name);
    // Adds `d` to the totals and the open periods, the model's and (named) the endpoint's.
    void count(const StatCounters& d, const QString& endpoint);
    Open newPeriods(const QString& endpoint) const;
    void roll(qint64 nowMs);

    QString m_model;
    StatCounters m_totals;
    Histogram m_latency;
    Histogram m_wait;
    Open m_open;
    std::array<qint64, PeriodCount> m_periodStart {}; // of what m_open counts; 0 before the first rollup check
    std::deque<Histogram> m_recent; // last minutes' latency, newest last
    QHash<QString, EndpointStats> m_endpoints; // by name; a model has a handful
    std::array<qint64, 64> m_perSecond {}; // ring of completions per second
    qint64 m_lastSecond = 0;
};

} // namespace llmsched
