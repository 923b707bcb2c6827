#pragma once

#include <QHash>

#include <array>

namespace llmsched {

// Answered requests by route and status: how many, their summed latency and a
// latency histogram. The server records, /metrics reads; both on the API thread.
class RequestStats
{
public:
    // Histogram bucket bounds in seconds (Prometheus "le").
    static constexpr std::array<double, 12> kBucketBounds = { 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5 };

    struct Entry
    {
        qint64 count = 0;
        double seconds = 0;
        std::array<qint64, kBucketBounds.size()> buckets {}; // cumulative: requests at or below each bound
    };

    // route: the index in the server's route table, or -1 when no route matched.
    void record(qsizetype route, int status, double seconds)
    {
        Entry& e = m_entries[key(route, status)];
        ++e.count;
        e.seconds += seconds;
        for (size_t i = 0; i < kBucketBounds.size(); ++i)
            if (seconds <= kBucketBounds[i])
                ++e.buckets[i];
    }

    // fn(route, status, entry) for every route and status seen; route as in record().
    template <typename F> void forEach(F&& fn) const
    {
        for (auto it = m_entries.cbegin(); it != m_entries.cend(); ++it)
            fn(static_cast<qsizetype>(it.key() >> 16) - 1, static_cast<int>(it.key() & 0xffff), it.value());
    }

private:
    // One integer key, so counting a request costs one hash lookup.
    static quint64 key(qsizetype route, int status) { return static_cast<quint64>(route + 1) << 16 | static_cast<quint16>(status); }

    QHash<quint64, Entry> m_entries;
};

} // namespace llmsched
