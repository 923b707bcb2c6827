#pragma once

#include <QJsonArray>
#include <QtGlobal>

#include <array>
#include <limits>
#include <optional>

namespace llmsched {

// Latency histogram with fixed bucket bounds (seconds), the same bounds as the
// Prometheus exposition, so minute rollups can be added and percentiles read.
// Recorded here, it also knows its smallest and largest sample; loaded from
// bucket counts and a sum (fromJson), it keeps the extremes given with them
// (a stored minute's) or else bounds them from the counts and the sum.
class Histogram
{
public:
    static constexpr std::array<double, 17> kBounds = { 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300 };
    static constexpr int kBuckets = static_cast<int>(kBounds.size()) + 1; // + overflow

    void record(double seconds);
    void add(const Histogram& other);
    void clear();

    qint64 count() const { return m_count; }
    double sum() const { return m_sum; }
    qint64 bucket(int i) const { return m_buckets[static_cast<size_t>(i)]; }
    // Estimated quantile (0..1) in seconds, interpolated inside the bucket; 0
    // when empty. Never below the smallest nor above the largest sample, as
    // far as they are known (see valueRange).
    double quantile(double q) const;

    // Where every sample lies: the observed extremes when each sample was
    // recorded here, else what the buckets and the sum allow (the largest
    // sample is at most the sum less the other samples' lower bounds).
    struct Range
    {
        double low = 0;
        double high = 0;
    };
    Range valueRange() const;
    // The smallest and largest sample when both are known (every sample was
    // recorded here or loaded with its extremes), for storing beside toJson().
    std::optional<Range> observedRange() const;

    QJsonArray toJson() const; // bucket counts
    // extremes: the smallest and largest sample, as observedRange gave them;
    // ignored when not finite or low > high (the bound from the sum applies).
    static Histogram fromJson(const QJsonArray& counts, double sum, std::optional<Range> extremes = std::nullopt);

private:
    std::array<qint64, kBuckets> m_buckets {};
    qint64 m_count = 0;
    double m_sum = 0;
    // Observed extremes, meaningful while m_observed (every sample recorded
    // here or loaded with its extremes, none loaded from counts alone).
    double m_min = std::numeric_limits<double>::infinity();
    double m_max = -std::numeric_limits<double>::infinity();
    bool m_observed = true;
};

} // namespace llmsched
