#include "histogram.h"

#include <algorithm>
#include <cmath>

namespace llmsched {

namespace {

constexpr double kOverflowFactor = 2; // the overflow bucket reads up to twice the last bound

double lowerOf(int i)
{
    return i == 0 ? 0.0 : Histogram::kBounds[static_cast<size_t>(i - 1)];
}

double upperOf(int i)
{
    return i < static_cast<int>(Histogram::kBounds.size()) ? Histogram::kBounds[static_cast<size_t>(i)] : Histogram::kBounds.back() * kOverflowFactor;
}

} // namespace

void Histogram::record(double seconds)
{
    const auto it = std::lower_bound(kBounds.begin(), kBounds.end(), seconds);
    ++m_buckets[static_cast<size_t>(it - kBounds.begin())];
    ++m_count;
    m_sum += seconds;
    m_min = std::min(m_min, seconds);
    m_max = std::max(m_max, seconds);
}

void Histogram::add(const Histogram& other)
{
    if (other.m_count == 0)
        return;
    for (int i = 0; i < kBuckets; ++i)
        m_buckets[static_cast<size_t>(i)] += other.m_buckets[static_cast<size_t>(i)];
    m_count += other.m_count;
    m_sum += other.m_sum;
    m_min = std::min(m_min, other.m_min);
    m_max = std::max(m_max, other.m_max);
    m_observed = m_observed && other.m_observed;
}

void Histogram::clear()
{
    *this = Histogram {};
}

Histogram::Range Histogram::valueRange() const
{
    if (m_count == 0)
        return {};
    if (m_observed)
        return { m_min, m_max };
    int first = 0;
    while (m_buckets[static_cast<size_t>(first)] == 0)
        ++first;
    int last = kBuckets - 1;
    while (m_buckets[static_cast<size_t>(last)] == 0)
        --last;
    Range r { lowerOf(first), upperOf(last) };
    // Each sample lies in its bucket, so the largest is at most the sum less
    // every other sample's lower bound, and the smallest at least the sum less
    // every other's upper bound (none without a bound, i.e. in the overflow).
    double lows = -lowerOf(last);
    double highs = -upperOf(first);
    for (int i = 0; i < kBuckets; ++i) {
        const auto n = static_cast<double>(m_buckets[static_cast<size_t>(i)]);
        lows += n * lowerOf(i);
        highs += n * upperOf(i);
    }
    // Within the buckets whatever the sum says (a sum off by rounding or
    // negative samples must not push the estimate out of them).
    r.high = std::clamp(m_sum - lows, lowerOf(last), r.high);
    if (m_buckets[kBuckets - 1] == 0)
        r.low = std::clamp(m_sum - highs, r.low, upperOf(first));
    return r;
}

std::optional<Histogram::Range> Histogram::observedRange() const
{
    if (m_count == 0 || !m_observed)
        return std::nullopt;
    return Range { m_min, m_max };
}

double Histogram::quantile(double q) const
{
    if (m_count == 0)
        return 0;
    const Range range = valueRange();
    const double rank = std::clamp(q, 0.0, 1.0) * static_cast<double>(m_count);
    qint64 seen = 0;
    for (int i = 0; i < kBuckets; ++i) {
        const qint64 n = m_buckets[static_cast<size_t>(i)];
        if (n == 0)
            continue;
        if (static_cast<double>(seen + n) >= rank) {
            // Interpolated over the part of the bucket the samples can be in;
            // the overflow bucket reaches as far as the slowest sample seen.
            const double top = i == kBuckets - 1 && m_observed ? std::max(range.high, lowerOf(i)) : upperOf(i);
            const double hi = std::clamp(range.high, lowerOf(i), top);
            const double lo = std::clamp(range.low, lowerOf(i), hi);
            const double frac = (rank - static_cast<double>(seen)) / static_cast<double>(n);
            return lo + (hi - lo) * std::clamp(frac, 0.0, 1.0);
        }
        seen += n;
    }
    return range.high;
}

QJsonArray Histogram::toJson() const
{
    QJsonArray a;
    for (qint64 n : m_buckets)
        a.append(n);
    return a;
}

Histogram Histogram::fromJson(const QJsonArray& counts, double sum, std::optional<Range> extremes)
{
    Histogram h;
    for (int i = 0; i < kBuckets && i < counts.size(); ++i) {
        h.m_buckets[static_cast<size_t>(i)] = counts.at(i).toInteger();
        h.m_count += h.m_buckets[static_cast<size_t>(i)];
    }
    h.m_sum = sum;
    h.m_observed = h.m_count == 0;
    if (h.m_count > 0 && extremes && std::isfinite(extremes->low) && std::isfinite(extremes->high) && extremes->low <= extremes->high) {
        h.m_min = extremes->low;
        h.m_max = extremes->high;
        h.m_observed = true;
    }
    return h;
}

} // namespace llmsched
