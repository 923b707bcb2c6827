// Unit tests for RetryPolicy (backoff schedule, Retry-After) and isRetryable.
#include "core/jsonreader.h"
#include "core/retrypolicy.h"

#include <QRandomGenerator>
#include <QTest>

#include <algorithm>
#include <cmath>
#include <limits>

using namespace llmsched;

namespace {

RetryPolicy policy(qint64 initialMs, double factor, qint64 maxMs, double jitter)
{
    RetryPolicy p;
    p.initialDelayMs = initialMs;
    p.factor = factor;
    p.maxDelayMs = maxMs;
    p.jitter = jitter;
    return p;
}

// min(max_delay, initial * factor^(n-1)), straight from the documented formula.
qint64 expectedBase(const RetryPolicy& p, int attempt)
{
    const double d = static_cast<double>(p.initialDelayMs) * std::pow(p.factor, attempt - 1);
    return d >= static_cast<double>(p.maxDelayMs) ? p.maxDelayMs : static_cast<qint64>(d);
}

} // namespace

class TestRetryPolicy : public QObject
{
    Q_OBJECT

private slots:
    void defaults();
    void backoffBounds_data();
    void backoffBounds();
    void zeroJitterIsExact_data();
    void zeroJitterIsExact();
    void knownSchedule();
    void randomOutOfRangeClamped_data();
    void randomOutOfRangeClamped();
    void retryAfterOverrides_data();
    void retryAfterOverrides();
    void maxDelayCaps_data();
    void maxDelayCaps();
    void isRetryable_data();
    void isRetryable();
    void jsonRoundTrip();
};

void TestRetryPolicy::defaults()
{
    const RetryPolicy p;
    QCOMPARE(p.maxAttempts, kDefaultMaxAttempts);
    QCOMPARE(p.initialDelayMs, kDefaultInitialDelayMs);
    QCOMPARE(p.factor, kDefaultBackoffFactor);
    QCOMPARE(p.maxDelayMs, kDefaultMaxDelayMs);
    QCOMPARE(p.jitter, kDefaultJitter);
}

void TestRetryPolicy::backoffBounds_data()
{
    QTest::addColumn<qint64>("initialMs");
    QTest::addColumn<double>("factor");
    QTest::addColumn<qint64>("maxMs");
    QTest::addColumn<double>("jitter");

    QTest::newRow("defaults") << kDefaultInitialDelayMs << kDefaultBackoffFactor << kDefaultMaxDelayMs << kDefaultJitter;
    QTest::newRow("factor 3, cap 60s") << qint64(250) << 3.0 << qint64(60'000) << 0.5;
    QTest::newRow("factor 1 (constant)") << qint64(700) << 1.0 << qint64(10'000) << 0.3;
    QTest::newRow("full jitter") << qint64(100) << 2.0 << qint64(100'000) << 1.0;
    QTest::newRow("odd numbers") << qint64(333) << 1.7 << qint64(12'345) << 0.37;
    QTest::newRow("initial above cap") << qint64(10'000) << 2.0 << qint64(3000) << 0.2;
    QTest::newRow("initial 0") << qint64(0) << 2.0 << qint64(3000) << 0.2;
    QTest::newRow("factor 10") << qint64(1) << 10.0 << kMaxRetryAfterMs << 0.1;
}

void TestRetryPolicy::backoffBounds()
{
    QFETCH(qint64, initialMs);
    QFETCH(double, factor);
    QFETCH(qint64, maxMs);
    QFETCH(double, jitter);
    const RetryPolicy p = policy(initialMs, factor, maxMs, jitter);
    QRandomGenerator rng(12345);

    qint64 previousBase = -1;
    for (int attempt = 1; attempt <= 10; ++attempt) {
        const qint64 base = expectedBase(p, attempt);
        QCOMPARE(p.baseDelayMs(attempt), base);
        QVERIFY(base <= maxMs);
        QVERIFY2(base >= previousBase, "the base delay never shrinks");
        previousBase = base;

        const auto low = static_cast<qint64>(std::floor(static_cast<double>(base) * (1.0 - jitter)));
        QList<double> draws { 0.0, 0.25, 0.5, 0.75, 0.999999 };
        for (int i = 0; i < 200; ++i)
            draws.append(rng.generateDouble());
        for (double r : draws) {
            const qint64 d = p.delayMs(attempt, r);
            QVERIFY2(d >= low && d <= base,
                qPrintable(QStringLiteral("attempt %1 r=%2: %3 not in [%4, %5]").arg(attempt).arg(r).arg(d).arg(low).arg(base)));
        }
        // random01 = 0 means no reduction at all.
        QCOMPARE(p.delayMs(attempt, 0.0), base);
    }
}

void TestRetryPolicy::zeroJitterIsExact_data()
{
    QTest::addColumn<double>("random01");
    QTest::newRow("0") << 0.0;
    QTest::newRow("0.3") << 0.3;
    QTest::newRow("0.999") << 0.999;
}

void TestRetryPolicy::zeroJitterIsExact()
{
    QFETCH(double, random01);
    const RetryPolicy p = policy(1000, 2.0, 300'000, 0.0);
    for (int attempt = 1; attempt <= 10; ++attempt)
        QCOMPARE(p.delayMs(attempt, random01), expectedBase(p, attempt));
}

void TestRetryPolicy::knownSchedule()
{
    // Default-like policy without jitter: 1s, 2s, 4s, ... capped at 5 min.
    const RetryPolicy p = policy(1000, 2.0, 300'000, 0.0);
    const qint64 expected[] = { 1000, 2000, 4000, 8000, 16'000, 32'000, 64'000, 128'000, 256'000, 300'000 };
    for (int attempt = 1; attempt <= 10; ++attempt)
        QCOMPARE(p.delayMs(attempt, 0.5), expected[attempt - 1]);
    // Attempt numbers below 1 behave as the first attempt.
    QCOMPARE(p.baseDelayMs(0), qint64(1000));
    QCOMPARE(p.baseDelayMs(-3), qint64(1000));

    // With jitter 0.5 and r = 0.5 the delay is 75 % of the base.
    const RetryPolicy j = policy(1000, 2.0, 300'000, 0.5);
    QCOMPARE(j.delayMs(1, 0.5), qint64(750));
    QCOMPARE(j.delayMs(3, 0.5), qint64(3000));
}

void TestRetryPolicy::randomOutOfRangeClamped_data()
{
    QTest::addColumn<double>("random01");
    QTest::addColumn<qint64>("expected");
    // base 4000, jitter 0.5
    QTest::newRow("negative acts as 0") << -1.0 << qint64(4000);
    QTest::newRow("above 1 acts as 1") << 7.0 << qint64(2000);
    QTest::newRow("exactly 1") << 1.0 << qint64(2000);
}

void TestRetryPolicy::randomOutOfRangeClamped()
{
    QFETCH(double, random01);
    QFETCH(qint64, expected);
    const RetryPolicy p = policy(1000, 2.0, 300'000, 0.5);
    QCOMPARE(p.delayMs(3, random01), expected);
}

void TestRetryPolicy::retryAfterOverrides_data()
{
    QTest::addColumn<qint64>("retryAfter");
    QTest::addColumn<qint64>("expected");
    QTest::newRow("zero") << qint64(0) << qint64(0);
    QTest::newRow("1.5 s") << qint64(1500) << qint64(1500);
    QTest::newRow("above max delay") << qint64(10 * 60'000) << qint64(10 * 60'000);
    QTest::newRow("negative -> 0") << qint64(-5) << qint64(0);
    QTest::newRow("exactly the limit") << kMaxRetryAfterMs << kMaxRetryAfterMs;
    QTest::newRow("above the limit") << kMaxRetryAfterMs + 1 << kMaxRetryAfterMs;
    QTest::newRow("huge") << std::numeric_limits<qint64>::max() << kMaxRetryAfterMs;
}

void TestRetryPolicy::retryAfterOverrides()
{
    QFETCH(qint64, retryAfter);
    QFETCH(qint64, expected);
    const RetryPolicy p = policy(1000, 2.0, 300'000, 0.2);
    // Independent of the attempt number and of the random draw.
    for (int attempt : { 1, 2, 5, 10 }) {
        for (double r : { 0.0, 0.5, 0.99 })
            QCOMPARE(p.delayMs(attempt, r, retryAfter), expected);
    }
}

void TestRetryPolicy::maxDelayCaps_data()
{
    QTest::addColumn<int>("attempt");
    QTest::newRow("3 (4000, below cap)") << 3;
    QTest::newRow("4 (8000 capped)") << 4;
    QTest::newRow("10") << 10;
    QTest::newRow("64") << 64;
    QTest::newRow("2000 (pow overflows)") << 2000;
}

void TestRetryPolicy::maxDelayCaps()
{
    QFETCH(int, attempt);
    const RetryPolicy p = policy(1000, 2.0, 5000, 0.0);
    const qint64 expected = attempt == 3 ? 4000 : 5000;
    QCOMPARE(p.baseDelayMs(attempt), expected);
    QCOMPARE(p.delayMs(attempt, 0.0), expected);
    QVERIFY(p.delayMs(attempt, 0.9) <= 5000);

    // max_delay 0 means retry at once.
    const RetryPolicy zero = policy(1000, 2.0, 0, 0.2);
    QCOMPARE(zero.delayMs(attempt, 0.5), qint64(0));
}

void TestRetryPolicy::isRetryable_data()
{
    QTest::addColumn<int>("kind");
    QTest::addColumn<int>("httpStatus");
    QTest::addColumn<bool>("expected");

    const auto row
        = [](const char* name, FailureKind kind, int status, bool expected) { QTest::newRow(name) << static_cast<int>(kind) << status << expected; };
    row("connection", FailureKind::Connection, 0, true);
    row("timeout", FailureKind::Timeout, 0, true);
    row("408", FailureKind::HttpStatus, 408, true);
    row("409", FailureKind::HttpStatus, 409, true);
    row("429", FailureKind::HttpStatus, 429, true);
    row("500", FailureKind::HttpStatus, 500, true);
    row("502", FailureKind::HttpStatus, 502, true);
    row("503", FailureKind::HttpStatus, 503, true);
    row("599", FailureKind::HttpStatus, 599, true);
    row("400", FailureKind::HttpStatus, 400, false);
    row("401", FailureKind::HttpStatus, 401, false);
    row("403", FailureKind::HttpStatus, 403, false);
    row("404", FailureKind::HttpStatus, 404, false);
    row("422", FailureKind::HttpStatus, 422, false);
    row("200", FailureKind::HttpStatus, 200, false);
    row("malformed", FailureKind::MalformedResponse, 0, false);
    row("configuration", FailureKind::Configuration, 0, false);
    row("cancelled", FailureKind::Cancelled, 0, false);
    row("interrupted", FailureKind::Interrupted, 0, false);
    row("none", FailureKind::None, 0, false);
    // The status only matters for HttpStatus failures.
    row("malformed with 503", FailureKind::MalformedResponse, 503, false);
    row("configuration with 429", FailureKind::Configuration, 429, false);
}

void TestRetryPolicy::isRetryable()
{
    QFETCH(int, kind);
    QFETCH(int, httpStatus);
    QFETCH(bool, expected);
    QCOMPARE(llmsched::isRetryable(static_cast<FailureKind>(kind), httpStatus), expected);
}

void TestRetryPolicy::jsonRoundTrip()
{
    RetryPolicy p = policy(250, 3.0, 45'000, 0.1);
    p.maxAttempts = 7;
    ObjectReader r(p.toJson());
    const RetryPolicy q = RetryPolicy::read(r);
    QVERIFY(!r.finish().has_value());
    QCOMPARE(q.maxAttempts, 7);
    QCOMPARE(q.initialDelayMs, qint64(250));
    QCOMPARE(q.factor, 3.0);
    QCOMPARE(q.maxDelayMs, qint64(45'000));
    QCOMPARE(q.jitter, 0.1);

    // Out of range values are rejected with the field name.
    ObjectReader bad(QJsonObject { { QStringLiteral("jitter"), 1.5 } });
    RetryPolicy::read(bad);
    const auto err = bad.finish();
    QVERIFY(err.has_value());
    QCOMPARE(err->field, QStringLiteral("jitter"));
}

QTEST_GUILESS_MAIN(TestRetryPolicy)
#include "tst_retrypolicy.moc"
