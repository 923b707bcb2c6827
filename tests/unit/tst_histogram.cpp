// Unit tests for the fixed-bucket latency Histogram.
#include "core/histogram.h"

#include <QRandomGenerator>
#include <QTest>

#include <algorithm>
#include <cmath>
#include <vector>

using namespace llmsched;

namespace {

// Index of the bucket a value belongs to: the first bound >= value (Prometheus "le").
int bucketOf(double v)
{
    for (int i = 0; i < static_cast<int>(Histogram::kBounds.size()); ++i)
        if (v <= Histogram::kBounds[static_cast<size_t>(i)])
            return i;
    return Histogram::kBuckets - 1;
}

double lowerBound(int bucket)
{
    return bucket == 0 ? 0.0 : Histogram::kBounds[static_cast<size_t>(bucket - 1)];
}

double upperBound(int bucket)
{
    // The overflow bucket is reported up to twice the last bound.
    return bucket < static_cast<int>(Histogram::kBounds.size()) ? Histogram::kBounds[static_cast<size_t>(bucket)] : Histogram::kBounds.back() * 2;
}

std::vector<double> samples(const QString& kind)
{
    std::vector<double> v;
    QRandomGenerator rng(2024);
    if (kind == QLatin1String("constant")) {
        v.assign(500, 0.003);
    } else if (kind == QLatin1String("uniform 1..100 ms")) {
        for (int i = 1; i <= 100; ++i)
            v.push_back(i / 1000.0);
    } else if (kind == QLatin1String("exponential mean 0.4 s")) {
        for (int i = 0; i < 5000; ++i)
            v.push_back(-0.4 * std::log(1.0 - rng.generateDouble()));
    } else if (kind == QLatin1String("bimodal")) {
        for (int i = 0; i < 900; ++i)
            v.push_back(0.02 + rng.generateDouble() * 0.01);
        for (int i = 0; i < 100; ++i)
            v.push_back(20 + rng.generateDouble() * 5);
    } else if (kind == QLatin1String("overflow")) {
        for (int i = 0; i < 50; ++i)
            v.push_back(301 + i);
        v.push_back(0.5);
    } else if (kind == QLatin1String("exact bounds")) {
        for (double b : Histogram::kBounds)
            v.push_back(b);
    } else if (kind == QLatin1String("single")) {
        v.push_back(7.0);
    }
    return v;
}

} // namespace

class TestHistogram : public QObject
{
    Q_OBJECT

private slots:
    void empty();
    void recordCountSum_data();
    void recordCountSum();
    void bucketBoundaries_data();
    void bucketBoundaries();
    void quantileWithinBucket_data();
    void quantileWithinBucket();
    void quantileMonotonic();
    void quantileInterpolates();
    void quantileWithinObservedValues_data();
    void quantileWithinObservedValues();
    void storedQuantileBoundedBySum();
    void storedExtremesKeepQuantilesWithinSamples();
    void addMerges();
    void jsonRoundTrip();
    void fromJsonShortArray();
    void clear();
};

void TestHistogram::empty()
{
    const Histogram h;
    QCOMPARE(h.count(), qint64(0));
    QCOMPARE(h.sum(), 0.0);
    for (double q : { 0.0, 0.5, 0.99, 1.0 })
        QCOMPARE(h.quantile(q), 0.0);
    for (int i = 0; i < Histogram::kBuckets; ++i)
        QCOMPARE(h.bucket(i), qint64(0));
    QCOMPARE(h.toJson().size(), Histogram::kBuckets);
}

void TestHistogram::recordCountSum_data()
{
    QTest::addColumn<QList<double>>("values");
    QTest::newRow("one") << QList<double> { 0.2 };
    QTest::newRow("several") << QList<double> { 0.001, 0.5, 2, 30, 0.0001 };
    QTest::newRow("zeros") << QList<double> { 0, 0, 0 };
    QTest::newRow("huge") << QList<double> { 1e6, 400 };
}

void TestHistogram::recordCountSum()
{
    QFETCH(QList<double>, values);
    Histogram h;
    double sum = 0;
    for (double v : values) {
        h.record(v);
        sum += v;
    }
    QCOMPARE(h.count(), qint64(values.size()));
    QCOMPARE(h.sum(), sum);
    qint64 inBuckets = 0;
    for (int i = 0; i < Histogram::kBuckets; ++i)
        inBuckets += h.bucket(i);
    QCOMPARE(inBuckets, h.count());
    for (double v : values)
        QVERIFY(h.bucket(bucketOf(v)) > 0);
}

void TestHistogram::bucketBoundaries_data()
{
    QTest::addColumn<double>("value");
    QTest::addColumn<int>("bucket");
    QTest::newRow("0") << 0.0 << 0;
    QTest::newRow("negative") << -1.0 << 0;
    QTest::newRow("exactly 1 ms") << 0.001 << 0;
    QTest::newRow("just above 1 ms") << 0.0011 << 1;
    QTest::newRow("exactly 1 s") << 1.0 << 9;
    QTest::newRow("1.5 s") << 1.5 << 10;
    QTest::newRow("exactly 300 s") << 300.0 << 16;
    QTest::newRow("overflow") << 300.5 << 17;
}

void TestHistogram::bucketBoundaries()
{
    QFETCH(double, value);
    QFETCH(int, bucket);
    Histogram h;
    h.record(value);
    QCOMPARE(h.bucket(bucket), qint64(1));
    QCOMPARE(bucketOf(std::max(value, 0.0)), bucket);
}

void TestHistogram::quantileWithinBucket_data()
{
    QTest::addColumn<QString>("distribution");
    for (const char* d : { "constant", "uniform 1..100 ms", "exponential mean 0.4 s", "bimodal", "overflow", "exact bounds", "single" })
        QTest::newRow(d) << QString::fromLatin1(d);
}

void TestHistogram::quantileWithinBucket()
{
    // The estimate lies inside the bucket holding the true sample at that rank.
    QFETCH(QString, distribution);
    std::vector<double> v = samples(distribution);
    QVERIFY(!v.empty());
    Histogram h;
    for (double x : v)
        h.record(x);
    std::sort(v.begin(), v.end());

    for (double q : { 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1.0 }) {
        const auto rank = static_cast<size_t>(std::ceil(q * static_cast<double>(v.size())));
        const double truth = v[std::max<size_t>(rank, 1) - 1];
        const int b = bucketOf(truth);
        const double est = h.quantile(q);
        QVERIFY2(est >= lowerBound(b) && est <= upperBound(b),
            qPrintable(QStringLiteral("q=%1: estimate %2, true %3 in (%4, %5]").arg(q).arg(est).arg(truth).arg(lowerBound(b)).arg(upperBound(b))));
    }
}

void TestHistogram::quantileMonotonic()
{
    Histogram h;
    for (double x : samples(QStringLiteral("exponential mean 0.4 s")))
        h.record(x);
    double previous = -1;
    for (int i = 0; i <= 100; ++i) {
        const double est = h.quantile(i / 100.0);
        QVERIFY2(est >= previous, qPrintable(QStringLiteral("q=%1").arg(i / 100.0)));
        previous = est;
    }
    // Out of range q is clamped.
    QCOMPARE(h.quantile(-1), h.quantile(0));
    QCOMPARE(h.quantile(2), h.quantile(1));
}

void TestHistogram::quantileInterpolates()
{
    // 100 values spread over (0.05, 0.1]: quantiles interpolate linearly
    // between the smallest and the largest sample.
    Histogram h;
    for (int i = 1; i <= 100; ++i)
        h.record(0.05 + 0.0005 * i);
    QCOMPARE(h.quantile(0.0), 0.0505);
    QCOMPARE(h.quantile(1.0), 0.1);
    QVERIFY(qAbs(h.quantile(0.5) - 0.07525) < 1e-12);
    // All alike: every quantile is that value, not the bucket's middle.
    Histogram same;
    for (int i = 0; i < 100; ++i)
        same.record(0.07);
    for (double q : { 0.0, 0.5, 0.99, 1.0 })
        QCOMPARE(same.quantile(q), 0.07);
}

void TestHistogram::quantileWithinObservedValues_data()
{
    QTest::addColumn<QList<double>>("values");
    // Issue 18: 8 tasks, the longest 1.1 s, and the chart said p99 2.4 s.
    QTest::newRow("8 tasks up to 1.1 s") << QList<double> { 0.95, 1.0, 1.02, 1.05, 1.06, 1.08, 1.09, 1.1 };
    QTest::newRow("one task") << QList<double> { 0.3 };
    QTest::newRow("spread") << QList<double> { 0.004, 0.03, 0.2, 0.7, 3, 12 };
    QTest::newRow("overflow") << QList<double> { 400, 1000 };
}

void TestHistogram::quantileWithinObservedValues()
{
    // An estimate never lies beyond the samples: not above the slowest, not below the fastest.
    QFETCH(QList<double>, values);
    Histogram h;
    for (double v : values)
        h.record(v);
    const double lowest = *std::min_element(values.cbegin(), values.cend());
    const double highest = *std::max_element(values.cbegin(), values.cend());
    for (double q : { 0.0, 0.01, 0.5, 0.95, 0.99, 1.0 }) {
        const double est = h.quantile(q);
        QVERIFY2(est >= lowest && est <= highest, qPrintable(QStringLiteral("q=%1: %2 outside [%3, %4]").arg(q).arg(est).arg(lowest).arg(highest)));
    }
    QCOMPARE(h.quantile(1.0), highest);
    QCOMPARE(h.valueRange().low, lowest);
    QCOMPARE(h.valueRange().high, highest);

    // Merged with another recorded histogram the extremes carry over.
    Histogram other;
    other.record(lowest);
    other.add(h);
    QCOMPARE(other.quantile(1.0), highest);
}

void TestHistogram::storedQuantileBoundedBySum()
{
    // Loaded from bucket counts and a sum (a rolled-up minute), the slowest
    // sample is unknown, but it is at most the sum less the other samples'
    // lower bounds: 7 samples above 1 s leave at most 8.45 - 7 = 1.45 s.
    const QList<double> values { 1.05, 1.05, 1.05, 1.05, 1.05, 1.05, 1.05, 1.1 };
    Histogram recorded;
    for (double v : values)
        recorded.record(v);
    const Histogram stored = Histogram::fromJson(recorded.toJson(), recorded.sum());
    QVERIFY(qAbs(stored.valueRange().high - 1.45) < 1e-9);
    QVERIFY2(stored.quantile(0.99) <= 1.45 + 1e-9, qPrintable(QString::number(stored.quantile(0.99))));
    QVERIFY(stored.quantile(0.0) >= 1.0);
    // Loaded again, the same figures: estimates do not drift between store and wire.
    const Histogram again = Histogram::fromJson(stored.toJson(), stored.sum());
    for (double q : { 0.0, 0.5, 0.99, 1.0 })
        QCOMPARE(again.quantile(q), stored.quantile(q));

    // Merging with a loaded one loses the observed extremes, not the bounds.
    Histogram merged = recorded;
    merged.add(stored);
    QVERIFY(qAbs(merged.valueRange().high - (16.9 - 15)) < 1e-9);
}

void TestHistogram::storedExtremesKeepQuantilesWithinSamples()
{
    // Loaded with the extremes it had when recorded (a minute stored since
    // migration 3), a histogram estimates as it did before it was stored:
    // 8 calls, the slowest 1.1 s, read p99 at most 1.1 s, not 1.45 s.
    const QList<double> values { 1.05, 1.05, 1.05, 1.05, 1.05, 1.05, 1.05, 1.1 };
    Histogram recorded;
    for (double v : values)
        recorded.record(v);
    const auto extremes = recorded.observedRange();
    QVERIFY(extremes);
    QCOMPARE(extremes->low, 1.05);
    QCOMPARE(extremes->high, 1.1);
    const Histogram stored = Histogram::fromJson(recorded.toJson(), recorded.sum(), extremes);
    QCOMPARE(stored.observedRange()->high, 1.1);
    for (double q : { 0.0, 0.5, 0.95, 0.99, 1.0 })
        QCOMPARE(stored.quantile(q), recorded.quantile(q));
    QVERIFY(stored.quantile(0.99) <= 1.1);

    // Two stored minutes added together: the fastest of the fastest, the slowest of the slowest.
    Histogram other;
    other.record(0.3);
    other.record(0.7);
    Histogram merged = Histogram::fromJson(other.toJson(), other.sum(), other.observedRange());
    merged.add(stored);
    QCOMPARE(merged.observedRange()->low, 0.3);
    QCOMPARE(merged.observedRange()->high, 1.1);
    QVERIFY(merged.quantile(1.0) <= 1.1);

    // One without extremes (stored before) makes the sum's bound apply to the lot.
    merged.add(Histogram::fromJson(recorded.toJson(), recorded.sum()));
    QVERIFY(!merged.observedRange());

    // Nothing known: none given, none recorded, or nonsense given.
    QVERIFY(!Histogram {}.observedRange());
    QVERIFY(!Histogram::fromJson(recorded.toJson(), recorded.sum()).observedRange());
    QVERIFY(!Histogram::fromJson(recorded.toJson(), recorded.sum(), Histogram::Range { 2, 1 }).observedRange());
    QVERIFY(!Histogram::fromJson(recorded.toJson(), recorded.sum(), Histogram::Range { 1, qInf() }).observedRange());
    QVERIFY(!Histogram::fromJson(QJsonArray {}, 0, Histogram::Range { 1, 2 }).observedRange());
}

void TestHistogram::addMerges()
{
    Histogram a;
    Histogram b;
    Histogram both;
    QRandomGenerator rng(5);
    for (int i = 0; i < 1000; ++i) {
        const double x = rng.generateDouble() * rng.generateDouble() * 100;
        (i % 3 ? a : b).record(x);
        both.record(x);
    }
    Histogram merged = a;
    merged.add(b);
    QCOMPARE(merged.count(), a.count() + b.count());
    QCOMPARE(merged.count(), qint64(1000));
    QCOMPARE(merged.sum(), a.sum() + b.sum());
    QVERIFY(qAbs(merged.sum() - both.sum()) < 1e-9 * both.sum());
    for (int i = 0; i < Histogram::kBuckets; ++i)
        QCOMPARE(merged.bucket(i), both.bucket(i));
    for (double q : { 0.5, 0.9, 0.99 })
        QCOMPARE(merged.quantile(q), both.quantile(q));

    // Adding an empty histogram changes nothing.
    Histogram same = a;
    same.add(Histogram {});
    QCOMPARE(same.count(), a.count());
    QCOMPARE(same.sum(), a.sum());
}

void TestHistogram::jsonRoundTrip()
{
    Histogram h;
    for (double x : samples(QStringLiteral("bimodal")))
        h.record(x);
    h.record(1000);
    const QJsonArray json = h.toJson();
    QCOMPARE(json.size(), Histogram::kBuckets);
    const Histogram back = Histogram::fromJson(json, h.sum());
    QCOMPARE(back.count(), h.count());
    QCOMPARE(back.sum(), h.sum());
    for (int i = 0; i < Histogram::kBuckets; ++i) {
        QCOMPARE(back.bucket(i), h.bucket(i));
        QCOMPARE(json.at(i).toInteger(), h.bucket(i));
    }
    // Loaded back, the estimates stay in the buckets (the observed extremes are not stored).
    for (double q : { 0.0, 0.5, 0.95, 1.0 }) {
        const double est = back.quantile(q);
        QVERIFY2(est >= 0.01 && est <= 1000, qPrintable(QStringLiteral("q=%1: %2").arg(q).arg(est)));
    }
}

void TestHistogram::fromJsonShortArray()
{
    // Rollups written with fewer buckets (or more) still load; missing buckets are 0.
    const Histogram h = Histogram::fromJson(QJsonArray { 1, 2, 3 }, 0.5);
    QCOMPARE(h.count(), qint64(6));
    QCOMPARE(h.bucket(2), qint64(3));
    QCOMPARE(h.bucket(3), qint64(0));
    QCOMPARE(h.sum(), 0.5);

    QJsonArray longer;
    for (int i = 0; i < Histogram::kBuckets + 5; ++i)
        longer.append(1);
    QCOMPARE(Histogram::fromJson(longer, 0).count(), qint64(Histogram::kBuckets));
}

void TestHistogram::clear()
{
    Histogram h;
    h.record(1);
    h.record(2);
    h.clear();
    QCOMPARE(h.count(), qint64(0));
    QCOMPARE(h.sum(), 0.0);
    QCOMPARE(h.quantile(0.5), 0.0);
    QCOMPARE(h.bucket(9), qint64(0));
}

QTEST_GUILESS_MAIN(TestHistogram)
#include "tst_histogram.moc"
