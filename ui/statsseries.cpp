#include "statsseries.h"

#include <QDateTime>

#include <algorithm>
#include <array>
#include <cmath>

namespace llmsched::ui {

namespace {

// How long after a minute (or slot) ends the engine may still count events
// into it: its rollup check runs every second (Scheduler's kRollupCheckMs) and
// a snapshot can lag that by its own interval. Events the live edge saw in this
// first part of a minute may belong to the previous minute's rollup.
constexpr qint64 kRollupLagMs = 2'500;

// How long after a minute ends its rollup is still awaited.
constexpr qint64 kTailGiveUpMs = 3 * kStatsMinuteMs;

constexpr qint64 kHourMs = 60 * kStatsMinuteMs;

// Calls f(a.field, b.field) for every field of two counter sets.
template <typename A, typename B, typename F> void forEachField(A& a, B& b, F&& f)
{
    f(a.submitted, b.submitted);
    f(a.succeeded, b.succeeded);
    f(a.failed, b.failed);
    f(a.retried, b.retried);
    f(a.dead, b.dead);
    f(a.cancelled, b.cancelled);
    f(a.promptTokens, b.promptTokens);
    f(a.completionTokens, b.completionTokens);
    f(a.costUsd, b.costUsd);
}

// Field by field, the smaller of a and b.
StatCounters smallerOf(const StatCounters& a, const StatCounters& b)
{
    StatCounters out = a;
    forEachField(out, b, [](auto& x, const auto& y) { x = std::min(x, y); });
    return out;
}

bool anyBelow(const StatCounters& a, const StatCounters& b)
{
    bool below = false;
    forEachField(a, b, [&below](const auto& x, const auto& y) { below = below || x < y; });
    return below;
}

qint64 floorTo(qint64 timeMs, qint64 stepMs)
{
    const qint64 r = timeMs % stepMs;
    return r < 0 ? timeMs - r - stepMs : timeMs - r;
}

} // namespace

qint64 StatsWindow::bucketMsOf(StatsRange range)
{
    switch (range) {
    case StatsRange::Minutes15:
        return kStatsSlotMs;
    case StatsRange::Hour:
        return kStatsMinuteMs;
    case StatsRange::Day:
        return 5 * kStatsMinuteMs;
    case StatsRange::Week:
        return kHourMs;
    }
    return kStatsMinuteMs;
}

qint64 StatsWindow::spanMsOf(StatsRange range)
{
    switch (range) {
    case StatsRange::Minutes15:
        return 15 * kStatsMinuteMs;
    case StatsRange::Hour:
        return kHourMs;
    case StatsRange::Day:
        return 24 * kHourMs;
    case StatsRange::Week:
        return 7 * 24 * kHourMs;
    }
    return kHourMs;
}

StatsWindow StatsWindow::of(StatsRange range, qint64 nowMs)
{
    StatsWindow w;
    w.bucketMs = bucketMsOf(range);
    w.buckets = static_cast<int>(spanMsOf(range) / w.bucketMs);
    const qint64 current = floorTo(nowMs, w.bucketMs);
    w.fromMs = current - (w.buckets - 1) * w.bucketMs;
    w.toMs = current + w.bucketMs;
    return w;
}

int StatsWindow::indexOf(qint64 timeMs) const
{
    if (timeMs < fromMs || timeMs >= toMs)
        return -1;
    return static_cast<int>((timeMs - fromMs) / bucketMs);
}

TimeTicks timeTicks(qint64 fromMs, qint64 toMs)
{
    constexpr qint64 kMaxTicks = 7;
    constexpr qint64 kDayMs = 24 * kHourMs;
    // Up to a day; longer spans, whose times of day would repeat, read by date.
    constexpr std::array<qint64, 9> kSteps = { kStatsMinuteMs, 2 * kStatsMinuteMs, 5 * kStatsMinuteMs, 10 * kStatsMinuteMs, 15 * kStatsMinuteMs,
        30 * kStatsMinuteMs, kHourMs, 2 * kHourMs, 4 * kHourMs };
    TimeTicks out;
    out.stepMs = kDayMs;
    if (toMs - fromMs <= kDayMs) {
        out.stepMs = kSteps.back();
        for (const qint64 step : kSteps) {
            if (toMs - fromMs <= kMaxTicks * step) {
                out.stepMs = step;
                break;
            }
        }
    }
    if (out.stepMs == kDayMs) {
        // Local midnights: a day is not always 24 hours long.
        for (QDate day = QDateTime::fromMSecsSinceEpoch(fromMs).date(); true; day = day.addDays(1)) {
            const qint64 midnight = day.startOfDay().toMSecsSinceEpoch();
            if (midnight >= toMs)
                break;
            if (midnight >= fromMs)
                out.at.append(midnight);
        }
        return out;
    }
    // Round in local time: the offset from UTC decides where a 4-hour step falls.
    const qint64 offset = QDateTime::fromMSecsSinceEpoch(fromMs).offsetFromUtc() * 1000LL;
    for (qint64 t = floorTo(fromMs + offset, out.stepMs) - offset; t < toMs; t += out.stepMs)
        if (t >= fromMs)
            out.at.append(t);
    return out;
}

void StatsBucket::addCounts(const StatsBucket& other)
{
    counters.add(other.counters);
    latency.add(other.latency);
    liveWeight += other.liveWeight;
    liveSums.p50 += other.liveSums.p50;
    liveSums.p95 += other.liveSums.p95;
    liveSums.p99 += other.liveSums.p99;
}

void StatsBucket::addLater(const StatsBucket& later)
{
    addCounts(later);
    if (later.depthAtMs >= depthAtMs) {
        depthAtMs = later.depthAtMs;
        queueDepth = later.queueDepth;
    }
}

void StatsBucket::addModel(const StatsBucket& other)
{
    addCounts(other);
    if (other.hasQueueDepth()) {
        queueDepth += other.queueDepth;
        depthAtMs = std::max(depthAtMs, other.depthAtMs);
    }
}

void StatsBucket::addMinute(const MinuteStats& minute)
{
    StatsBucket b;
    b.counters = minute.counters;
    b.latency = minute.latency;
    if (minute.endpoint.isEmpty()) { // tasks wait for a model, not for an endpoint
        b.queueDepth = minute.queueDepth;
        b.depthAtMs = minute.minuteMs + minute.spanMs - 1; // the rollup samples it as the minute ends
    }
    addLater(b);
}

std::optional<LatencyQuantiles> StatsBucket::quantiles() const
{
    const double exact = static_cast<double>(latency.count());
    const double total = exact + liveWeight;
    if (total <= 0)
        return std::nullopt;
    LatencyQuantiles q;
    q.p50 = (latency.quantile(0.50) * exact + liveSums.p50) / total;
    q.p95 = (latency.quantile(0.95) * exact + liveSums.p95) / total;
    q.p99 = (latency.quantile(0.99) * exact + liveSums.p99) / total;
    return q;
}

bool StatsBucket::hasActivity() const
{
    const StatCounters& c = counters;
    return c.submitted > 0 || c.succeeded > 0 || c.failed > 0 || c.retried > 0 || c.dead > 0 || c.cancelled > 0 || c.promptTokens > 0
        || c.completionTokens > 0 || c.costUsd > 0 || queueDepth > 0;
}

StatCounters subtractClamped(const StatCounters& a, const StatCounters& b)
{
    StatCounters out = a;
    forEachField(out, b, [](auto& x, const auto& y) { x = x > y ? x - y : 0; });
    return out;
}

StatCounters totalsOf(const ModelSnapshot& model)
{
    StatCounters c;
    c.submitted = model.submittedTotal;
    c.succeeded = model.states[static_cast<size_t>(TaskState::Succeeded)];
    c.failed = model.failedAttempts;
    c.retried = model.retried;
    c.dead = model.states[static_cast<size_t>(TaskState::Dead)];
    c.cancelled = model.states[static_cast<size_t>(TaskState::Cancelled)];
    c.promptTokens = model.promptTokens;
    c.completionTokens = model.completionTokens;
    c.costUsd = model.costUsd;
    return c;
}

void StatsSeries::reset(qint64 bucketMs)
{
    m_bucketMs = bucketMs;
    for (ModelData& d : m_models) {
        d.buckets.clear();
        d.heldThrough = -1;
    }
}

QString StatsSeries::endpointKey(const QString& model, const QString& endpoint)
{
    // A unit separator: no model name holds one.
    return model + QChar(0x1f) + endpoint;
}

bool StatsSeries::isEndpointKey(const QString& key)
{
    return key.contains(QChar(0x1f));
}

void StatsSeries::addMinutes(const QList<MinuteStats>& rows)
{
    for (const MinuteStats& row : rows) {
        if (row.spanMs != m_slotMs)
            continue; // minutes from a server that keeps no slots
        ModelData& d = m_models[row.endpoint.isEmpty() ? row.model : endpointKey(row.model, row.endpoint)];
        if (row.minuteMs > d.heldThrough) {
            d.buckets[floorTo(row.minuteMs, m_bucketMs)].addMinute(row);
            d.heldThrough = row.minuteMs;
        }
        if (row.minuteMs > d.rolledUpThrough)
            reconcile(d, row.minuteMs, row.counters);
    }
}

void StatsSeries::reconcile(ModelData& d, qint64 minuteMs, const StatCounters& rolledUp)
{
    // Every event the live edge put in a minute up to this one is in this
    // rollup or an earlier one: the engine counts an event in the minute its
    // rollup check last started, never in a later minute than the clock's
    // (except before its very first check, whose minute then holds them all).
    StatCounters seen;
    while (!d.live.isEmpty() && d.live.firstKey() <= minuteMs) {
        seen.add(d.live.first().counters);
        d.live.erase(d.live.begin());
    }
    d.rolledUpThrough = minuteMs;
    // What the rollup counted beyond that happened in the first seconds of the
    // next minute, before the engine's rollup check took the minute: take it
    // off that live minute, but no more than it saw in those seconds (the
    // rest are events from before the live edge's baseline).
    const StatCounters excess = subtractClamped(rolledUp, seen);
    auto next = d.live.find(minuteMs + m_slotMs);
    if (next == d.live.end())
        return;
    const StatCounters claimed = smallerOf(next->early, excess);
    next->counters = subtractClamped(next->counters, claimed);
    next->early = subtractClamped(next->early, claimed);
}

void StatsSeries::addSnapshot(const EngineSnapshot& snapshot)
{
    for (const ModelSnapshot& m : snapshot.models) {
        addLive(m_models[m.name], snapshot.timeMs, totalsOf(m), { m.latencyP50, m.latencyP95, m.latencyP99 }, m.queueDepth());
        for (const EndpointSnapshot& e : m.endpoints)
            addLive(m_models[endpointKey(m.name, e.name)], snapshot.timeMs, e.stats, { e.latencyP50, e.latencyP95, e.latencyP99 }, std::nullopt);
    }
}

void StatsSeries::addLive(ModelData& d, qint64 timeMs, const StatCounters& now, const LatencyQuantiles& recent, std::optional<qint64> queueDepth)
{
    StatCounters delta;
    if (d.hasTotals && !anyBelow(now, d.lastTotals))
        delta = subtractClamped(now, d.lastTotals);
    // else: the first look, or the engine started over; a new baseline.
    d.lastTotals = now;
    d.hasTotals = true;

    const qint64 minute = std::max(floorTo(timeMs, m_slotMs), d.rolledUpThrough + m_slotMs);
    LiveMinute& live = d.live[minute];
    live.counters.add(delta);
    if (timeMs - minute < kRollupLagMs)
        live.early.add(delta);
    const double attempts = static_cast<double>(delta.succeeded + delta.failed);
    if (attempts > 0) {
        live.weight += attempts;
        live.sums.p50 += recent.p50 * attempts;
        live.sums.p95 += recent.p95 * attempts;
        live.sums.p99 += recent.p99 * attempts;
    }
    if (queueDepth) {
        live.queueDepth = *queueDepth;
        live.sampledMs = timeMs;
    }
}

void StatsSeries::prune(qint64 fromMs)
{
    for (ModelData& d : m_models) {
        while (!d.buckets.isEmpty() && d.buckets.firstKey() < fromMs)
            d.buckets.erase(d.buckets.begin());
        while (!d.live.isEmpty() && d.live.firstKey() < fromMs)
            d.live.erase(d.live.begin());
    }
}

StatsBucket StatsSeries::liveBucket(const LiveMinute& live)
{
    StatsBucket b;
    b.counters = live.counters;
    b.liveWeight = live.weight;
    b.liveSums = live.sums;
    b.queueDepth = live.queueDepth;
    b.depthAtMs = live.sampledMs;
    return b;
}

QList<StatsBucket> StatsSeries::buckets(const StatsWindow& window, const QString& model, const QString& endpoint) const
{
    QList<StatsBucket> out(window.buckets);
    QList<StatsBucket> mine(window.buckets);
    const QString wanted = endpoint.isEmpty() ? model : endpointKey(model, endpoint);
    for (auto it = m_models.cbegin(); it != m_models.cend(); ++it) {
        if (wanted.isEmpty() ? isEndpointKey(it.key()) : it.key() != wanted)
            continue;
        const ModelData& d = it.value();
        std::fill(mine.begin(), mine.end(), StatsBucket {});
        for (auto b = d.buckets.lowerBound(window.fromMs); b != d.buckets.cend() && b.key() < window.toMs; ++b)
            mine[window.indexOf(b.key())].addLater(b.value());
        for (auto l = d.live.lowerBound(window.fromMs); l != d.live.cend() && l.key() < window.toMs; ++l)
            mine[window.indexOf(l.key())].addLater(liveBucket(l.value()));
        for (int i = 0; i < window.buckets; ++i)
            out[i].addModel(mine[i]);
    }
    return out;
}

QStringList StatsSeries::models() const
{
    QStringList out;
    for (auto it = m_models.cbegin(); it != m_models.cend(); ++it)
        if (!isEndpointKey(it.key()) && (!it->buckets.isEmpty() || !it->live.isEmpty()))
            out.append(it.key());
    out.sort();
    return out;
}

QStringList StatsSeries::endpoints(const QString& model) const
{
    const QString prefix = endpointKey(model, {});
    QStringList out;
    for (auto it = m_models.cbegin(); it != m_models.cend(); ++it)
        if (it.key().startsWith(prefix) && (!it->buckets.isEmpty() || !it->live.isEmpty()))
            out.append(it.key().mid(prefix.size()));
    out.sort();
    return out;
}

std::optional<qint64> StatsSeries::tailQueryFrom(qint64 fromMs, qint64 nowMs, StatsRows rows, const QString& model) const
{
    const qint64 current = floorTo(nowMs, m_slotMs);
    const QString prefix = endpointKey(model, {});
    std::optional<qint64> from;
    for (auto it = m_models.cbegin(); it != m_models.cend(); ++it) {
        const bool wanted = rows == StatsRows::Endpoints ? it.key().startsWith(prefix) : !isEndpointKey(it.key());
        const ModelData& d = it.value();
        if (!wanted || d.live.isEmpty())
            continue;
        const qint64 waiting = d.live.firstKey();
        // Asked for once every node has written it: each writes its own part
        // of a slot (they add up in the store) within its rollup check of
        // the slot's end. A part written after the ask would be missed.
        if (waiting + m_slotMs + kRollupLagMs > nowMs)
            continue;
        // A minute whose rollup never came (its model was removed) is not worth asking for forever.
        if (waiting < current - kTailGiveUpMs)
            continue;
        const qint64 after = std::min(d.heldThrough, d.rolledUpThrough);
        const qint64 start = after < 0 ? fromMs : std::max(fromMs, after + m_slotMs);
        from = from ? std::min(*from, start) : start;
    }
    return from;
}

double axisDivisor(double max)
{
    if (max >= 1'000'000)
        return 1'000'000;
    if (max >= 10'000)
        return 1'000;
    return 1;
}

AxisRange niceAxisRange(double max, bool integral)
{
    constexpr int kMaxSteps = 5;
    if (!(max > 0))
        max = 1;
    const double raw = max / kMaxSteps;
    const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
    double step = magnitude * 10;
    for (const double f : { 1.0, 2.0, 2.5, 5.0 }) {
        if (integral && f * magnitude != std::round(f * magnitude))
            continue; // 0.5 or 2.5 tasks make no tick
        if (raw <= f * magnitude * (1 + 1e-9)) {
            step = f * magnitude;
            break;
        }
    }
    AxisRange r;
    const int steps = std::max(1, static_cast<int>(std::ceil(max / step - 1e-9)));
    r.max = steps * step;
    r.ticks = steps + 1;
    r.decimals = std::clamp(static_cast<int>(std::ceil(-std::log10(step) - 1e-9)), 0, 6);
    // 2.5 x 10^k needs one digit more than its power of ten.
    const double scaled = step * std::pow(10.0, r.decimals);
    if (std::abs(scaled - std::round(scaled)) > 1e-6)
        ++r.decimals;
    return r;
}

} // namespace llmsched::ui
