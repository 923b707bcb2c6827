#include "modelstats.h"

namespace llmsched {

namespace {
constexpr size_t kRecentMinutes = 5;

bool ranSomething(const MinuteStats& m)
{
    const StatCounters& c = m.counters;
    return m.latency.count() > 0 || c.succeeded > 0 || c.dead > 0 || c.retried > 0 || c.promptTokens > 0 || c.completionTokens > 0;
}
} // namespace

ModelStats::ModelStats(QString model)
    : m_model(std::move(model))
    , m_open(newPeriods({}))
{
}

ModelStats::Open ModelStats::newPeriods(const QString& endpoint) const
{
    Open open;
    for (int p = 0; p < PeriodCount; ++p) {
        MinuteStats& m = open[static_cast<size_t>(p)];
        m.model = m_model;
        m.endpoint = endpoint;
        m.spanMs = p == Minute ? kStatsMinuteMs : kStatsSlotMs;
        m.minuteMs = m_periodStart[static_cast<size_t>(p)];
    }
    return open;
}

ModelStats::EndpointStats& ModelStats::endpoint(const QString& name)
{
    auto it = m_endpoints.find(name);
    if (it == m_endpoints.end()) {
        it = m_endpoints.insert(name, {});
        it->open = newPeriods(name);
    }
    return *it;
}

void ModelStats::count(const StatCounters& d, const QString& endpoint)
{
    m_totals.add(d);
    for (MinuteStats& m : m_open)
        m.counters.add(d);
    if (endpoint.isEmpty())
        return;
    EndpointStats& e = this->endpoint(endpoint);
    e.totals.add(d);
    for (MinuteStats& m : e.open)
        m.counters.add(d);
}

void ModelStats::submitted(qint64 n)
{
    StatCounters d;
    d.submitted = n;
    count(d, {});
}

void ModelStats::attemptFinished(double seconds, bool ok, const QString& endpoint)
{
    m_latency.record(seconds);
    for (MinuteStats& m : m_open)
        m.latency.record(seconds);
    if (!endpoint.isEmpty()) {
        for (MinuteStats& m : this->endpoint(endpoint).open)
            m.latency.record(seconds);
    }
    StatCounters d;
    d.failed = ok ? 0 : 1;
    count(d, endpoint);
}

void ModelStats::waited(double seconds)
{
    m_wait.record(seconds);
    for (MinuteStats& m : m_open)
        m.waitSumMs += seconds * 1000.0;
}

void ModelStats::retried(const QString& endpoint)
{
    StatCounters d;
    d.retried = 1;
    count(d, endpoint);
}

void ModelStats::finished(bool succeeded, bool dead, bool cancelled, qint64 nowMs, const QString& endpoint)
{
    StatCounters d;
    d.succeeded = succeeded;
    d.dead = dead;
    d.cancelled = cancelled;
    count(d, endpoint);
    roll(nowMs);
    ++m_perSecond[static_cast<size_t>((nowMs / 1000) % static_cast<qint64>(m_perSecond.size()))];
}

void ModelStats::tokens(qint64 prompt, qint64 completion, double cost, const QString& endpoint)
{
    StatCounters d;
    d.promptTokens = prompt;
    d.completionTokens = completion;
    d.costUsd = cost;
    count(d, endpoint);
}

StatCounters ModelStats::endpointTotals(const QString& endpoint) const
{
    const auto it = m_endpoints.constFind(endpoint);
    return it == m_endpoints.cend() ? StatCounters {} : it->totals;
}

Histogram ModelStats::endpointRecentLatency(const QString& endpoint) const
{
    const auto it = m_endpoints.constFind(endpoint);
    if (it == m_endpoints.cend())
        return {};
    Histogram h = it->open[Minute].latency;
    for (const Histogram& m : it->recent)
        h.add(m);
    return h;
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
    Histogram h = m_open[Minute].latency;
    for (const Histogram& m : m_recent)
        h.add(m);
    return h;
}

bool ModelStats::takePeriods(qint64 nowMs, bool force, qint64 queueDepth, std::vector<MinuteStats>& rows)
{
    bool tookMinute = false;
    for (int p = 0; p < PeriodCount; ++p) {
        const auto i = static_cast<size_t>(p);
        const qint64 span = p == Minute ? kStatsMinuteMs : kStatsSlotMs;
        const qint64 start = nowMs - nowMs % span;
        if (m_periodStart[i] == 0) {
            // The first check: what was counted so far belongs to this period.
            m_periodStart[i] = start;
            m_open[i].minuteMs = start;
            for (EndpointStats& e : m_endpoints)
                e.open[i].minuteMs = start;
        }
        if (!force && start == m_periodStart[i])
            continue;
        MinuteStats& m = m_open[i];
        m.queueDepth = queueDepth;
        const size_t modelRow = rows.size();
        rows.push_back(std::move(m));
        for (EndpointStats& e : m_endpoints) {
            MinuteStats& em = e.open[i];
            if (p == Minute) {
                e.recent.push_back(em.latency);
                while (e.recent.size() > kRecentMinutes)
                    e.recent.pop_front();
            }
            if (ranSomething(em))
                rows.push_back(em);
        }
        if (p == Minute) {
            m_recent.push_back(rows[modelRow].latency);
            while (m_recent.size() > kRecentMinutes)
                m_recent.pop_front();
            tookMinute = true;
        }
        m_periodStart[i] = start;
        const Open fresh = newPeriods({});
        m_open[i] = fresh[i];
        for (auto it = m_endpoints.begin(); it != m_endpoints.end(); ++it)
            it->open[i] = newPeriods(it.key())[i];
    }
    return tookMinute;
}

} // namespace llmsched
