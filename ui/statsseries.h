#pragma once

#include "core/enginetypes.h"
#include "core/minutestats.h"

#include <QHash>
#include <QList>
#include <QMap>
#include <QString>
#include <QStringList>

#include <optional>

namespace llmsched::ui {

// The time ranges the Statistics view offers.
enum class StatsRange { Minutes15, Hour, Day, Week };
constexpr int kStatsRangeCount = 4;

// The buckets a range is drawn in at one moment: `buckets` buckets of
// `bucketMs` each, aligned to the epoch, the last one holding `nowMs`.
// Wide ranges have wide buckets so a chart never holds more than a few
// hundred points (15 min: 90 x 10 s, 1 h: 60 x 1 min, 24 h: 288 x 5 min,
// 7 days: 168 x 1 h). The 15-minute range reads the engine's 10-second slots,
// the others its minutes.
struct StatsWindow
{
    qint64 fromMs = 0; // start of the first bucket
    qint64 toMs = 0; // end of the last bucket (exclusive)
    qint64 bucketMs = kStatsMinuteMs;
    int buckets = 0;

    static StatsWindow of(StatsRange range, qint64 nowMs);
    static qint64 bucketMsOf(StatsRange range);
    static qint64 spanMsOf(StatsRange range);
    qint64 spanMs() const { return toMs - fromMs; }
    int indexOf(qint64 timeMs) const; // -1 outside
    qint64 startOf(int index) const { return fromMs + index * bucketMs; }
};

// Round local times for a time axis inside [fromMs, toMs), `stepMs` apart:
// the shortest step of 1, 2, 5, 10, 15, 30 min, 1, 2 or 4 h that needs at
// most 7 of them, or each midnight for spans longer than a day. A whole range reads every 5 min
// (15 min), 10 min (1 h), 4 h (24 h) or each midnight (7 days); a zoomed-in
// part of it more often.
struct TimeTicks
{
    QList<qint64> at;
    qint64 stepMs = 0;
};
TimeTicks timeTicks(qint64 fromMs, qint64 toMs);

// Latency percentiles, in seconds.
struct LatencyQuantiles
{
    double p50 = 0;
    double p95 = 0;
    double p99 = 0;
};

// What happened in one bucket, for one model or merged over several.
// Rolled-up minutes bring exact histograms; minutes not yet rolled up bring
// the engine's live percentiles, weighted by the attempts they describe.
struct StatsBucket
{
    StatCounters counters;
    Histogram latency;
    double liveWeight = 0; // attempts behind the live percentile sums
    LatencyQuantiles liveSums; // percentiles x attempts, from snapshots
    qint64 queueDepth = 0;
    qint64 depthAtMs = -1; // when queueDepth was sampled; -1: no sample

    // Adds a later part of the same model's bucket: counts add up, the newest
    // queue depth sample wins.
    void addLater(const StatsBucket& later);
    // Adds another model's bucket: counts and queue depths add up.
    void addModel(const StatsBucket& other);
    void addMinute(const MinuteStats& minute);

    // From the histograms and the live figures together; none without attempts.
    std::optional<LatencyQuantiles> quantiles() const;
    bool hasQueueDepth() const { return depthAtMs >= 0; }
    // Anything worth a chart: tasks moved, tokens spent or work waiting.
    bool hasActivity() const;

private:
    // Counters, histogram and live percentile sums, which add up either way.
    void addCounts(const StatsBucket& other);
};

// Counter fields one by one: a - b, never below zero.
StatCounters subtractClamped(const StatCounters& a, const StatCounters& b);
// What a model's snapshot says happened since the engine started.
StatCounters totalsOf(const ModelSnapshot& model);

// The data behind the Statistics view, free of widgets so it can be tested
// alone: rolled-up minutes (Engine::statsMinutes) summed into the range's
// buckets per model, plus a live edge built from the engine's snapshots for
// the minutes the engine has not rolled up yet.
//
// Each endpoint of a model has a series of its own beside the model's, from
// its rows of statsMinutes(..., StatsRows::Endpoints) and the endpoint figures
// of the snapshots, kept the same way; it is never merged into "all models".
//
// A minute reaches statsMinutes only after it is over and the engine's next
// rollup check (every second) has written it, so until then the live edge holds
// what the snapshots' since-start counters grew by, per minute. When a
// rolled-up minute arrives it replaces the live minutes up to it, and what it
// counted beyond them (events of the next minute's first seconds, before the
// rollup check ran) is taken off the next live minute. That is exact when the
// live edge has watched since before the minute began; started in the middle
// of a busy minute it may be off by a few seconds' worth of events for a while.
// GUI thread only.
class StatsSeries
{
public:
    // Of rows `slotMs` long: kStatsMinuteMs, or kStatsSlotMs for 10-second slots
    // (what the text above says of minutes holds for them).
    explicit StatsSeries(qint64 slotMs = kStatsMinuteMs)
        : m_slotMs(slotMs)
    {
    }
    qint64 slotMs() const { return m_slotMs; }

    // Starts over for a range with buckets of `bucketMs`: forgets the bucketed
    // history (query it again) but keeps the live edge and what it knows of
    // which minutes are rolled up.
    void reset(qint64 bucketMs);
    qint64 bucketMs() const { return m_bucketMs; }

    // Rolled-up minutes (ordered by minute, as statsMinutes returns them).
    // Minutes already held are skipped, so overlapping queries are harmless.
    void addMinutes(const QList<MinuteStats>& rows);
    // The engine's live figures; the first snapshot only sets the baseline.
    void addSnapshot(const EngineSnapshot& snapshot);
    // Forgets buckets and live minutes that start before `fromMs`.
    void prune(qint64 fromMs);

    // The buckets of `window` for `model` (empty: all models merged), or for
    // one endpoint of it.
    QList<StatsBucket> buckets(const StatsWindow& window, const QString& model = {}, const QString& endpoint = {}) const;
    // Models that have data here, sorted.
    QStringList models() const;
    // The endpoints of `model` that have data here, sorted.
    QStringList endpoints(const QString& model) const;
    // Where to ask for newly rolled-up minutes (of models, or of the endpoints
    // of `model`) when a live minute before the current one (at `nowMs`)
    // still waits for its rollup; none otherwise. Never before `fromMs`.
    std::optional<qint64> tailQueryFrom(qint64 fromMs, qint64 nowMs, StatsRows rows = StatsRows::Models, const QString& model = {}) const;

private:
    struct LiveMinute
    {
        StatCounters counters;
        StatCounters early; // the part seen in the minute's first kRollupLagMs
        double weight = 0;
        LatencyQuantiles sums;
        qint64 queueDepth = 0;
        qint64 sampledMs = -1;
    };
    struct ModelData
    {
        QMap<qint64, StatsBucket> buckets; // by bucket start
        QMap<qint64, LiveMinute> live; // by minute start, after rolledUpThrough
        qint64 heldThrough = -1; // newest minute in `buckets`
        qint64 rolledUpThrough = -1; // newest rolled-up minute seen
        StatCounters lastTotals;
        bool hasTotals = false;
    };

    // The key of an endpoint's series in m_models; a model's is its name.
    static QString endpointKey(const QString& model, const QString& endpoint);
    static bool isEndpointKey(const QString& key);
    void addLive(ModelData& d, qint64 timeMs, const StatCounters& now, const LatencyQuantiles& recent, std::optional<qint64> queueDepth);
    void reconcile(ModelData& data, qint64 minuteMs, const StatCounters& rolledUp);
    static StatsBucket liveBucket(const LiveMinute& live);

    qint64 m_slotMs = kStatsMinuteMs;
    qint64 m_bucketMs = kStatsMinuteMs;
    QHash<QString, ModelData> m_models;
};

// How to label a value axis whose values reach `max`: the factor the values
// are divided by (1, 1,000 or 1,000,000) so tick labels stay short.
double axisDivisor(double max);

// A value axis from 0 to a round number at or above `max`, in 1 to 5 round
// steps (1, 2, 2.5 or 5 times a power of ten); `integral` keeps steps whole.
struct AxisRange
{
    double max = 1;
    int ticks = 2; // including both ends
    int decimals = 0; // enough to tell the ticks apart
};
AxisRange niceAxisRange(double max, bool integral);

} // namespace llmsched::ui
