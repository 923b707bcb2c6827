// Limiters, circuit breaker and adaptive concurrency driven by explicit times.

#include "sched/endpointpool.h"
#include "sched/limiters.h"

#include <QRandomGenerator>
#include <QTest>

#include <deque>

using namespace llmsched;

class TestLimiters : public QObject
{
    Q_OBJECT

private slots:
    void rpmSpacesStarts();
    void rpmNeverExceedsWindow_data();
    void rpmNeverExceedsWindow();
    void rpmDisabled();
    void tpmReservesAndSettles();
    void tpmNeverOvershootsWithConcurrentReservations();
    void tpmOversizedRequestWaitsForEmptyWindow();
    void circuitOpensOnConsecutiveFailures();
    void circuitOpensOnErrorRate();
    void circuitHalfOpenProbe();
    void circuitIgnoresUncountedOutcomes();
    void circuitHealthChecks();
    void adaptiveCutsAndGrows();
    void poolStrategies();
    void poolAvoidsFailedEndpoint();
    void poolWakeTime();
};

void TestLimiters::rpmSpacesStarts()
{
    RpmLimiter rpm(60); // one per second, burst 1
    QCOMPARE(rpm.burst(), 1);
    QCOMPARE(rpm.availableAt(1000), 0);
    rpm.consume(1000);
    QCOMPARE(rpm.availableAt(1000), 2000);
    QCOMPARE(rpm.availableAt(1999), 2000);
    QCOMPARE(rpm.availableAt(2000), 0);
    rpm.consume(2000);
    QCOMPARE(rpm.usedLastMinute(2000), 2);
    QCOMPARE(rpm.usedLastMinute(61'000), 1);
    rpm.refund();
    QCOMPARE(rpm.availableAt(2000), 0);
}

void TestLimiters::rpmNeverExceedsWindow_data()
{
    QTest::addColumn<int>("limit");
    QTest::newRow("60") << 60;
    QTest::newRow("600") << 600;
    QTest::newRow("6000") << 6000;
    QTest::newRow("100000") << 100'000;
}

void TestLimiters::rpmNeverExceedsWindow()
{
    // Greedy callers start whenever allowed, at random moments, for 5 minutes:
    // no 60 s window may hold more than rpm + burst (<= 1 % over) starts, and
    // the long-run rate must be the limit (within 1 %).
    QFETCH(int, limit);
    RpmLimiter rpm(limit);
    QRandomGenerator rng(7);
    std::deque<qint64> window;
    qint64 now = 0;
    qint64 starts = 0;
    int worst = 0;
    const qint64 end = 5 * 60'000;
    while (now < end) {
        const qint64 at = rpm.availableAt(now);
        if (at == 0) {
            rpm.consume(now);
            ++starts;
            window.push_back(now);
            while (window.front() <= now - 60'000)
                window.pop_front();
            worst = std::max(worst, static_cast<int>(window.size()));
        } else {
            now = at + static_cast<qint64>(rng.bounded(3)); // callers notice a little late sometimes
        }
    }
    QVERIFY2(worst <= limit + rpm.burst(), qPrintable(QStringLiteral("window held %1 starts, limit %2").arg(worst).arg(limit)));
    QVERIFY(worst <= limit * 1.01 + 1);
    const double perMinute = static_cast<double>(starts) / 5.0;
    QVERIFY2(perMinute <= limit * 1.01 + 1 && perMinute >= limit * 0.95, qPrintable(QString::number(perMinute)));
}

void TestLimiters::rpmDisabled()
{
    RpmLimiter rpm(0);
    QVERIFY(!rpm.enabled());
    for (int i = 0; i < 1000; ++i)
        rpm.consume(5);
    QCOMPARE(rpm.availableAt(5), 0);
}

void TestLimiters::tpmReservesAndSettles()
{
    TpmLimiter tpm(1000);
    QCOMPARE(tpm.availableAt(0, 600), 0);
    const auto a = tpm.reserve(0, 600);
    QVERIFY(a != 0);
    QCOMPARE(tpm.used(0), 600);
    // 600 reserved: another 600 does not fit until the first leaves the window.
    QCOMPARE(tpm.availableAt(10, 600), 60'001);
    // The call used only 100: room for 600 now.
    tpm.settle(a, 100);
    QCOMPARE(tpm.used(10), 100);
    QCOMPARE(tpm.availableAt(10, 600), 0);
    const auto b = tpm.reserve(20, 600);
    tpm.settle(b, 900); // used more than estimated: counted as used
    QCOMPARE(tpm.used(20), 1000);
    QCOMPARE(tpm.availableAt(30, 1), 60'001);
    QCOMPARE(tpm.used(60'001), 900);
    QCOMPARE(tpm.used(60'021), 0);
    tpm.settle(b, 5); // expired ticket: ignored
    QCOMPARE(tpm.used(60'021), 0);
}

void TestLimiters::tpmNeverOvershootsWithConcurrentReservations()
{
    // Many calls in flight at once, each estimated at its true upper bound and
    // settled later with less: the tokens counted in any 60 s window never
    // exceed the limit.
    TpmLimiter tpm(50'000);
    QRandomGenerator rng(11);
    struct InFlight
    {
        TpmLimiter::Ticket ticket;
        qint64 endMs;
        qint64 actual;
        qint64 startMs;
    };
    std::vector<InFlight> flying;
    std::deque<std::pair<qint64, qint64>> log; // (start, actual tokens) of settled calls
    for (qint64 now = 0; now < 10 * 60'000; now += 50) {
        for (size_t i = 0; i < flying.size();) {
            if (flying[i].endMs <= now) {
                tpm.settle(flying[i].ticket, flying[i].actual);
                log.emplace_back(flying[i].startMs, flying[i].actual);
                flying[i] = flying.back();
                flying.pop_back();
            } else {
                ++i;
            }
        }
        for (int k = 0; k < 20; ++k) {
            const qint64 estimate = 500 + rng.bounded(1500);
            if (tpm.availableAt(now, estimate) != 0)
                break;
            const auto t = tpm.reserve(now, estimate);
            flying.push_back({ t, now + 200 + rng.bounded(5000), estimate - rng.bounded(400), now });
        }
        QVERIFY(tpm.used(now) <= 50'000);
    }
    // Check every window of settled calls by start time.
    std::sort(log.begin(), log.end());
    qint64 sum = 0;
    size_t head = 0;
    for (size_t i = 0; i < log.size(); ++i) {
        sum += log[i].second;
        while (log[head].first <= log[i].first - 60'000)
            sum -= log[head++].second;
        QVERIFY2(sum <= 50'000, qPrintable(QString::number(sum)));
    }
    QVERIFY(log.size() > 300); // ~50k tokens a minute for 10 minutes
}

void TestLimiters::tpmOversizedRequestWaitsForEmptyWindow()
{
    TpmLimiter tpm(100);
    QCOMPARE(tpm.availableAt(0, 500), 0); // empty window: admitted rather than stuck forever
    tpm.reserve(0, 500);
    QCOMPARE(tpm.availableAt(1, 500), 60'001);
    QCOMPARE(tpm.availableAt(60'001, 500), 0);
}

void TestLimiters::circuitOpensOnConsecutiveFailures()
{
    CircuitConfig c;
    c.failureThreshold = 3;
    c.openMs = 1000;
    CircuitBreaker b(c);
    b.onResult(0, false);
    b.onResult(1, false);
    QCOMPARE(b.state(1), CircuitBreaker::State::Closed);
    b.onResult(2, true); // a success resets the streak
    b.onResult(3, false);
    b.onResult(4, false);
    QCOMPARE(b.state(4), CircuitBreaker::State::Closed);
    b.onResult(5, false);
    QCOMPARE(b.state(5), CircuitBreaker::State::Open);
    QVERIFY(b.takeChanged());
    QCOMPARE(b.availableAt(500), 1005);
    QCOMPARE(b.opens(), 1);
}

void TestLimiters::circuitOpensOnErrorRate()
{
    CircuitConfig c;
    c.failureThreshold = 1000;
    c.errorRate = 0.5;
    c.minRequests = 10;
    CircuitBreaker b(c);
    // Alternating success/failure: 50 % after 10 calls opens it.
    for (int i = 0; i < 9; ++i)
        b.onResult(i, i % 2 == 0);
    QCOMPARE(b.state(9), CircuitBreaker::State::Closed);
    b.onResult(9, false);
    QCOMPARE(b.state(9), CircuitBreaker::State::Open);

    // Old failures age out of the window.
    CircuitBreaker b2(c);
    for (int i = 0; i < 9; ++i)
        b2.onResult(i, false == (i % 3 == 0));
    for (int i = 0; i < 20; ++i)
        b2.onResult(100'000 + i, true);
    QCOMPARE(b2.state(100'020), CircuitBreaker::State::Closed);
}

void TestLimiters::circuitHalfOpenProbe()
{
    CircuitConfig c;
    c.failureThreshold = 1;
    c.openMs = 1000;
    c.halfOpenProbes = 1;
    CircuitBreaker b(c);
    b.onResult(0, false);
    QCOMPARE(b.state(999), CircuitBreaker::State::Open);
    QCOMPARE(b.state(1000), CircuitBreaker::State::HalfOpen);
    QCOMPARE(b.availableAt(1000), 0);
    b.onStart(1000);
    QCOMPARE(b.availableAt(1000), kNever); // one probe at a time
    b.onResult(1100, false); // probe failed: open for twice as long
    QCOMPARE(b.state(1100), CircuitBreaker::State::Open);
    QCOMPARE(b.openUntilMs(), 3100);
    QCOMPARE(b.state(3100), CircuitBreaker::State::HalfOpen);
    b.onStart(3100);
    b.onResult(3200, true);
    QCOMPARE(b.state(3200), CircuitBreaker::State::Closed);
    QCOMPARE(b.consecutiveFailures(), 0);
}

void TestLimiters::circuitIgnoresUncountedOutcomes()
{
    CircuitConfig c;
    c.failureThreshold = 2;
    CircuitBreaker b(c);
    for (int i = 0; i < 10; ++i)
        b.onResult(i, false, false); // 429s, cancels
    QCOMPARE(b.state(10), CircuitBreaker::State::Closed);
    // A half-open probe that was cancelled frees its slot without deciding.
    b.onResult(11, false);
    b.onResult(12, false);
    QCOMPARE(b.state(12 + c.openMs), CircuitBreaker::State::HalfOpen);
    b.onStart(12 + c.openMs);
    b.onResult(13 + c.openMs, false, false);
    QCOMPARE(b.state(13 + c.openMs), CircuitBreaker::State::HalfOpen);
    QCOMPARE(b.availableAt(13 + c.openMs), 0);
}

void TestLimiters::circuitHealthChecks()
{
    CircuitConfig c;
    c.openMs = 30'000;
    CircuitBreaker b(c);
    b.forceOpen(0);
    QCOMPARE(b.state(1), CircuitBreaker::State::Open);
    b.healthy(5000); // health is back: probe right away
    QCOMPARE(b.state(5000), CircuitBreaker::State::HalfOpen);
}

void TestLimiters::adaptiveCutsAndGrows()
{
    AdaptiveLimit a(2, 20, true);
    QCOMPARE(a.current(), 20);
    a.onOverload(0);
    QCOMPARE(a.current(), 14);
    a.onOverload(500); // same burst of 429s: counted once
    QCOMPARE(a.current(), 14);
    a.onOverload(1000);
    QCOMPARE(a.current(), 9);
    for (int t = 2000; t < 10'000; t += 1000)
        a.onOverload(t);
    QCOMPARE(a.current(), 2); // never below min
    // About `limit` successes add one.
    a.onSuccess();
    a.onSuccess();
    QCOMPARE(a.current(), 2);
    a.onSuccess();
    QCOMPARE(a.current(), 3);
    for (int i = 0; i < 10'000; ++i)
        a.onSuccess();
    QCOMPARE(a.current(), 20); // never above max
    AdaptiveLimit off(1, 8, false);
    off.onOverload(0);
    QCOMPARE(off.current(), 8);
}

namespace {
ModelConfig modelWith(const QString& strategy, int endpoints)
{
    ModelConfig m;
    m.name = QStringLiteral("m");
    m.strategy = strategy;
    m.concurrency = 100;
    for (int i = 0; i < endpoints; ++i) {
        EndpointConfig e;
        e.name = QStringLiteral("e%1").arg(i);
        e.weight = i + 1;
        m.endpoints.append(e);
    }
    return m;
}
std::unique_ptr<EndpointPool> makePool(const ModelConfig& m)
{
    auto r = EndpointPool::create(m, {});
    if (!r)
        qFatal("%s", qPrintable(r.error().toString()));
    return std::move(r).value();
}
} // namespace

void TestLimiters::poolStrategies()
{
    qint64 wake = kNever;
    {
        auto pool = makePool(modelWith(QStringLiteral("round_robin"), 3));
        QList<int> order;
        for (int i = 0; i < 6; ++i)
            order.append(pool->pick(0, {}, -1, 0, &wake));
        QCOMPARE(order, (QList<int> { 0, 1, 2, 0, 1, 2 }));
    }
    {
        auto pool = makePool(modelWith(QStringLiteral("weighted"), 3));
        int counts[3] = { 0, 0, 0 };
        for (int i = 0; i < 600; ++i)
            counts[pool->pick(0, {}, -1, 0, &wake)]++;
        QCOMPARE(counts[0], 100);
        QCOMPARE(counts[1], 200);
        QCOMPARE(counts[2], 300);
    }
    {
        auto pool = makePool(modelWith(QStringLiteral("least_busy"), 3));
        pool->at(0)->inflight = 5;
        pool->at(1)->inflight = 1;
        pool->at(2)->inflight = 3;
        QCOMPARE(pool->pick(0, {}, -1, 0, &wake), 1);
    }
    {
        auto pool = makePool(modelWith(QStringLiteral("lowest_latency"), 3));
        pool->at(0)->latencyMs.add(300);
        pool->at(1)->latencyMs.add(50);
        QCOMPARE(pool->pick(0, {}, -1, 0, &wake), 2); // not measured yet: tried first
        pool->at(2)->latencyMs.add(80);
        QCOMPARE(pool->pick(0, {}, -1, 0, &wake), 1);
        pool->at(1)->inflight = 3; // 50 ms x 4 in flight is worse than 80 ms idle
        QCOMPARE(pool->pick(0, {}, -1, 0, &wake), 2);
    }
    {
        auto pool = makePool(modelWith(QStringLiteral("session_affinity"), 4));
        const int first = pool->pick(0, QStringLiteral("user-42"), -1, 0, &wake);
        for (int i = 0; i < 10; ++i)
            QCOMPARE(pool->pick(0, QStringLiteral("user-42"), -1, 0, &wake), first);
        QSet<int> spread;
        for (int i = 0; i < 64; ++i)
            spread.insert(pool->pick(0, QStringLiteral("user-%1").arg(i), -1, 0, &wake));
        QVERIFY(spread.size() >= 3);
        // Its endpoint full: the next one in ring order takes the key, consistently.
        pool->at(first)->adaptive = AdaptiveLimit(1, 1, true);
        pool->at(first)->inflight = 1;
        const int second = pool->pick(0, QStringLiteral("user-42"), -1, 0, &wake);
        QCOMPARE(second, (first + 1) % 4);
    }
}

void TestLimiters::poolAvoidsFailedEndpoint()
{
    qint64 wake = kNever;
    auto pool = makePool(modelWith(QStringLiteral("least_busy"), 2));
    QCOMPARE(pool->pick(0, {}, 0, 0, &wake), 1);
    QVERIFY(pool->hasAlternative(0, 0));
    // The other one's circuit is open: the failed endpoint is still better than nothing.
    pool->at(1)->circuit.forceOpen(0);
    QVERIFY(!pool->hasAlternative(1, 0));
    QCOMPARE(pool->pick(1, {}, 0, 0, &wake), 0);
}

void TestLimiters::poolWakeTime()
{
    ModelConfig m = modelWith(QStringLiteral("round_robin"), 2);
    m.endpoints[0].rpm = 60;
    m.endpoints[1].rpm = 30;
    auto pool = makePool(m);
    qint64 wake = kNever;
    QCOMPARE(pool->pick(0, {}, -1, 0, &wake), 0);
    pool->at(0)->rpm.consume(0);
    QCOMPARE(pool->pick(0, {}, -1, 0, &wake), 1);
    pool->at(1)->rpm.consume(0);
    QCOMPARE(pool->pick(0, {}, -1, 0, &wake), -1);
    QCOMPARE(wake, 1000); // e0 frees first
    wake = kNever;
    QVERIFY(!pool->anyAvailable(500, &wake));
    QCOMPARE(wake, 1000);
    pool->at(0)->cooldownUntilMs = 5000; // Retry-After
    wake = kNever;
    QVERIFY(!pool->anyAvailable(1500, &wake));
    QCOMPARE(wake, 2000); // e1 at 2000, e0 cooling until 5000
}

QTEST_GUILESS_MAIN(TestLimiters)
#include "tst_limiters.moc"
