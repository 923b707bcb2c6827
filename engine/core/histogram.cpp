#include "histogram.h"

#include <algorithm>

namespace llmsched {

void Histogram::record(double seconds)
{
    const auto it = std::lower_bound(kBounds.begin(), kBounds.end(), seconds);
    ++m_buckets[static_cast<size_t>(it - kBounds.begin())];
    ++m_count;
    m_sum += seconds;
}

void Histogram::add(const Histogram& other)
{
    for (int i = 0; i < kBuckets; ++i)
        m_buckets[static_cast<size_t>(i)] += other.m_buckets[static_cast<size_t>(i)];
    m_count += other.m_count;
    m_sum += other.m_sum;
}

void Histogram::clear()
{
    *this = Histogram {};
}

double Histogram::quantile(double q) const
{
    if (m_count == 0)
        return 0;
    const double rank = std::clamp(q, 0.0, 1.0) * static_cast<double>(m_count);
    qint64 seen = 0;
    for (int i = 0; i < kBuckets; ++i) {
        const qint64 n = m_buckets[static_cast<size_t>(i)];
        if (n == 0)
            continue;
        if (static_cast<double>(seen + n) >= rank) {
            const double lo = i == 0 ? 0.0 : kBounds[static_cast<size_t>(i - 1)];
            const double hi = i < static_cast<int>(kBounds.size()) ? kBounds[static_cast<size_t>(i)] : lo * 2;
            const double frac = (rank - static_cast<double>(seen)) / static_cast<double>(n);
            return lo + (hi - lo) * std::clamp(frac, 0.0, 1.0);
        }
        seen += n;
    }
    return kBounds.back();
}

QJsonArray Histogram::toJson() const
{
    QJsonArray a;
    for (qint64 n : m_buckets)
        a.append(n);
    return a;
}

Histogram Histogram::fromJson(const QJsonArray& counts, double sum)
{
    Histogram h;
    for (int i = 0; i < kBuckets && i < counts.size(); ++i) {
        h.m_buckets[static_cast<size_t>(i)] = counts.at(i).toInteger();
        h.m_count += h.m_buckets[static_cast<size_t>(i)];
    }
    h.m_sum = sum;
    return h;
}

} // namespace llmsched
