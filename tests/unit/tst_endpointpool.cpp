// EndpointPool::pick: every strategy, failover, limits and wake times, driven
// by explicit times on simulated endpoints (no network, no clock).

#include "sched/endpointpool.h"
#include "sched/limiters.h"

#include <QSet>
#include <QTest>

#include <map>

using namespace llmsched;

namespace {

constexpr qint64 kT0 = 1'000'000; // an arbitrary "now"

ModelConfig modelWith(const QString& strategy, int endpoints, int concurrency = 100)
{
    ModelConfig m;
    m.name = QStringLiteral("m");
    m.strategy = strategy;
    m.concurrency = concurrency;
    for (int i = 0; i < endpoints; ++i) {
        EndpointConfig e;
        e.name = QStringLiteral("e%1").arg(i);
        e.provider = QStringLiteral("simulated");
        m.endpoints.append(e);
    }
    return m;
}

std::unique_ptr<EndpointPool> makePool(const ModelConfig& m)
{
    ProviderContext context; // no HTTP client: only simulated endpoints can be built
    auto r = EndpointPool::create(m, context);
    if (!r)
        qFatal("%s", qPrintable(r.error().toString()));
    return std::move(r).value();
}

// pick() with no session, nothing to avoid and no tokens.
int pickAt(EndpointPool& pool, qint64 nowMs, qint64* wakeAt = nullptr)
{
    qint64 scratch = kNever;
    return pool.pick(nowMs, {}, -1, 0, wakeAt ? wakeAt : &scratch);
}

// What the scheduler does when it starts a call on the picked endpoint.
void startCall(EndpointPool& pool, int index, qint64 nowMs)
{
    EndpointRuntime& e = *pool.at(index);
    e.inflight++;
    e.rpm.consume(nowMs);
    e.circuit.onStart(nowMs);
}

// A session key whose endpoint in a pool of `n` that all qualify is `home`.
QString keyWithHome(const QString& strategy, int n, int home)
{
    auto pool = makePool(modelWith(strategy, n));
    for (int i = 0; i < 10'000; ++i) {
        const QString key = QStringLiteral("session-%1").arg(i);
        qint64 wake = kNever;
        if (pool->pick(kT0, key, -1, 0, &wake) == home)
            return key;
    }
    qFatal("no session key maps to endpoint %d", home);
    return {};
}

} // namespace

class TestEndpointPool : public QObject
{
    Q_OBJECT

private slots:
    void createBuildsSimulatedEndpoints();
    void roundRobinCyclesInOrder();
    void roundRobinSkipsEndpointsThatDoNotQualify();
    void weightedFollowsWeightsSmoothly();
    void weightedThreeWays();
    void leastBusyPicksFewestInflight();
    void leastBusyIsRelativeToLimit();
    void lowestLatencyPrefersLowerEwma();
    void sessionAffinityIsSticky();
    void sessionAffinitySpreadsKeys();
    void sessionAffinityMovesWhileHomeUnusable();
    void sessionAffinityWithoutKeyIsRoundRobin();
    void avoidSkipsFailedEndpoint_data();
    void avoidSkipsFailedEndpoint();
    void avoidReturnedWhenOnlyCandidate();
    void openCircuitNotPicked();
    void coolingDownNotPicked();
    void fullEndpointNotPicked();
    void noneQualifiesLowersWakeToEarliest();
    void noneQualifiesLeavesWakeWhenOnlyCallsFree();
    void pickDoesNotRecordRpm();
    void rpmAdmitsRateThenSkips();
    void rpmBurstThenWake();
    void tpmSkipsEndpointWithoutRoom();
    void hasAlternative();
};

void TestEndpointPool::createBuildsSimulatedEndpoints()
{
    ModelConfig m = modelWith(QStringLiteral("round_robin"), 3, 7);
    m.endpoints[1].maxConcurrency = 2;
    m.endpoints[2].tpm = 1000;
    auto pool = makePool(m);
    QCOMPARE(pool->size(), 3);
    QVERIFY(!pool->empty());
    QVERIFY(pool->limitsTokens());
    for (int i = 0; i < 3; ++i) {
        QCOMPARE(pool->at(i)->index, i);
        QVERIFY(pool->at(i)->provider);
        QCOMPARE(pool->at(i)->inflight, 0);
    }
    QCOMPARE(pool->at(0)->limit(), 7); // no max_concurrency: the model's concurrency
    QCOMPARE(pool->at(1)->limit(), 2);

    // A real provider needs an HTTP client, which this context lacks.
    ModelConfig remote = modelWith(QStringLiteral("round_robin"), 1);
    remote.endpoints[0].provider = QStringLiteral("openai");
    QVERIFY(!EndpointPool::create(remote, ProviderContext {}));
}

void TestEndpointPool::roundRobinCyclesInOrder()
{
    ModelConfig m = modelWith(QStringLiteral("round_robin"), 4);
    for (int i = 0; i < 4; ++i)
        m.endpoints[i].weight = 10 - 3 * i; // ignored by round_robin
    auto pool = makePool(m);
    QList<int> order;
    for (int i = 0; i < 12; ++i)
        order.append(pickAt(*pool, kT0 + i));
    QCOMPARE(order, (QList<int> { 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3 }));
}

void TestEndpointPool::roundRobinSkipsEndpointsThatDoNotQualify()
{
    auto pool = makePool(modelWith(QStringLiteral("round_robin"), 3));
    pool->at(1)->cooldownUntilMs = kT0 + 1000;
    QList<int> order;
    for (int i = 0; i < 6; ++i)
        order.append(pickAt(*pool, kT0));
    QCOMPARE(order, (QList<int> { 0, 2, 0, 2, 0, 2 }));
    // Back in the rotation once its cooldown ends: all three share evenly again.
    int counts[3] = { 0, 0, 0 };
    for (int i = 0; i < 30; ++i)
        counts[pickAt(*pool, kT0 + 1000)]++;
    QCOMPARE(counts[0], 10);
    QCOMPARE(counts[1], 10);
    QCOMPARE(counts[2], 10);
}

void TestEndpointPool::weightedFollowsWeightsSmoothly()
{
    ModelConfig m = modelWith(QStringLiteral("weighted"), 2);
    m.endpoints[0].weight = 3;
    m.endpoints[1].weight = 1;
    auto pool = makePool(m);
    QList<int> order;
    for (int i = 0; i < 400; ++i)
        order.append(pickAt(*pool, kT0));
    QCOMPARE(order.count(0), 300);
    QCOMPARE(order.count(1), 100);
    // Smooth weighted round-robin interleaves (a a b a) instead of bursting (a a a b).
    for (int i = 0; i < 400; i += 4)
        QCOMPARE(order.mid(i, 4), (QList<int> { 0, 0, 1, 0 }));
}

void TestEndpointPool::weightedThreeWays()
{
    ModelConfig m = modelWith(QStringLiteral("weighted"), 3);
    m.endpoints[0].weight = 5;
    m.endpoints[1].weight = 2;
    m.endpoints[2].weight = 1;
    auto pool = makePool(m);
    int counts[3] = { 0, 0, 0 };
    int run = 0;
    int longestRun = 0;
    int last = -1;
    for (int i = 0; i < 800; ++i) {
        const int p = pickAt(*pool, kT0);
        QVERIFY(p >= 0 && p < 3);
        counts[p]++;
        run = p == last ? run + 1 : 1;
        longestRun = std::max(longestRun, run);
        last = p;
        if ((i + 1) % 8 == 0) { // every full cycle of 8 holds the exact shares
            QCOMPARE(counts[0], (i + 1) / 8 * 5);
            QCOMPARE(counts[1], (i + 1) / 8 * 2);
            QCOMPARE(counts[2], (i + 1) / 8 * 1);
        }
    }
    QVERIFY2(longestRun <= 2, qPrintable(QStringLiteral("longest run %1").arg(longestRun)));
}

void TestEndpointPool::leastBusyPicksFewestInflight()
{
    auto pool = makePool(modelWith(QStringLiteral("least_busy"), 4));
    pool->at(0)->inflight = 5;
    pool->at(1)->inflight = 2;
    pool->at(2)->inflight = 1;
    pool->at(3)->inflight = 3;
    QCOMPARE(pickAt(*pool, kT0), 2);
    pool->at(2)->inflight = 4;
    QCOMPARE(pickAt(*pool, kT0), 1);
    // Equal load: the first one; picking alone does not change the load.
    for (int i = 0; i < 4; ++i)
        pool->at(i)->inflight = 1;
    QCOMPARE(pickAt(*pool, kT0), 0);
    QCOMPARE(pickAt(*pool, kT0), 0);
    // As calls start (the caller counts them), the load spreads.
    for (int i = 0; i < 4; ++i)
        pool->at(i)->inflight = 0;
    QList<int> order;
    for (int i = 0; i < 8; ++i) {
        const int p = pickAt(*pool, kT0);
        order.append(p);
        startCall(*pool, p, kT0);
    }
    QCOMPARE(order, (QList<int> { 0, 1, 2, 3, 0, 1, 2, 3 }));
    pool->at(3)->release();
    pool->at(3)->release();
    QCOMPARE(pickAt(*pool, kT0), 3);
}

void TestEndpointPool::leastBusyIsRelativeToLimit()
{
    // "Fewest calls in flight relative to the endpoint's limit": 4 of 10 is
    // less busy than 1 of 2.
    ModelConfig m = modelWith(QStringLiteral("least_busy"), 2);
    m.endpoints[0].maxConcurrency = 10;
    m.endpoints[1].maxConcurrency = 2;
    auto pool = makePool(m);
    pool->at(0)->inflight = 4;
    pool->at(1)->inflight = 1;
    QCOMPARE(pickAt(*pool, kT0), 0);
    pool->at(0)->inflight = 6;
    QCOMPARE(pickAt(*pool, kT0), 1);
}

void TestEndpointPool::lowestLatencyPrefersLowerEwma()
{
    auto pool = makePool(modelWith(QStringLiteral("lowest_latency"), 3));
    pool->at(0)->latencyMs.add(300);
    pool->at(1)->latencyMs.add(50);
    QCOMPARE(pickAt(*pool, kT0), 2); // not measured yet: tried first
    pool->at(2)->latencyMs.add(80);
    for (int i = 0; i < 5; ++i)
        QCOMPARE(pickAt(*pool, kT0), 1); // 50 < 80 < 300, every time
    // The EWMA moves: endpoint 1 gets slow (50 -> 250 after one 1050 sample at alpha 0.2).
    pool->at(1)->latencyMs.add(1050);
    QCOMPARE(pool->at(1)->latencyMs.value(), 250.0);
    QCOMPARE(pickAt(*pool, kT0), 2);
    // Expected wait scales with the calls in flight: 80 x 4 = 320 is worse than 250 x 1.
    pool->at(2)->inflight = 3;
    QCOMPARE(pickAt(*pool, kT0), 1);
    // Two untried endpoints: the one with fewer calls in flight first.
    auto fresh = makePool(modelWith(QStringLiteral("lowest_latency"), 2));
    fresh->at(0)->inflight = 2;
    QCOMPARE(pickAt(*fresh, kT0), 1);
}

void TestEndpointPool::sessionAffinityIsSticky()
{
    const QString strategy = QStringLiteral("session_affinity");
    auto pool = makePool(modelWith(strategy, 4));
    qint64 wake = kNever;
    const QString key = QStringLiteral("user-42");
    const int home = pool->pick(kT0, key, -1, 0, &wake);
    QVERIFY(home >= 0 && home < 4);
    // Same key, same endpoint, whatever else changes, while the home qualifies.
    for (int i = 0; i < 50; ++i) {
        const int other = (home + 1 + i % 3) % 4;
        pool->at(other)->inflight = i % 5;
        if (i == 20)
            pool->at(other)->cooldownUntilMs = kT0 + 10'000;
        startCall(*pool, home, kT0 + i);
        QCOMPARE(pool->pick(kT0 + i, key, -1, 0, &wake), home);
    }
    // A second pool with the same endpoints maps the key the same way.
    auto again = makePool(modelWith(strategy, 4));
    QCOMPARE(again->pick(kT0, key, -1, 0, &wake), home);
}

void TestEndpointPool::sessionAffinitySpreadsKeys()
{
    auto pool = makePool(modelWith(QStringLiteral("session_affinity"), 4));
    qint64 wake = kNever;
    std::map<int, int> perEndpoint;
    for (int i = 0; i < 200; ++i)
        perEndpoint[pool->pick(kT0, QStringLiteral("user-%1").arg(i), -1, 0, &wake)]++;
    QCOMPARE(perEndpoint.size(), size_t(4));
    QVERIFY(!perEndpoint.contains(-1));
    for (const auto& [index, count] : perEndpoint)
        QVERIFY2(count >= 20, qPrintable(QStringLiteral("endpoint %1 got only %2 of 200 keys").arg(index).arg(count)));
}

void TestEndpointPool::sessionAffinityMovesWhileHomeUnusable()
{
    const QString strategy = QStringLiteral("session_affinity");
    const QString key = keyWithHome(strategy, 4, 3);
    auto pool = makePool(modelWith(strategy, 4));
    qint64 wake = kNever;
    QCOMPARE(pool->pick(kT0, key, -1, 0, &wake), 3);
    // Home cooling down: the next one in ring order (wrapping to 0), consistently.
    pool->at(3)->cooldownUntilMs = kT0 + 5000;
    for (int i = 0; i < 5; ++i)
        QCOMPARE(pool->pick(kT0 + 1, key, -1, 0, &wake), 0);
    // That one's circuit open too: the next after it.
    pool->at(0)->circuit.forceOpen(kT0 + 2);
    QCOMPARE(pool->pick(kT0 + 2, key, -1, 0, &wake), 1);
    // Home usable again: the key goes back to it.
    QCOMPARE(pool->pick(kT0 + 5000, key, -1, 0, &wake), 3);
}

void TestEndpointPool::sessionAffinityWithoutKeyIsRoundRobin()
{
    auto pool = makePool(modelWith(QStringLiteral("session_affinity"), 3));
    QList<int> order;
    for (int i = 0; i < 6; ++i)
        order.append(pickAt(*pool, kT0));
    QCOMPARE(order, (QList<int> { 0, 1, 2, 0, 1, 2 }));
}

void TestEndpointPool::avoidSkipsFailedEndpoint_data()
{
    QTest::addColumn<QString>("strategy");
    for (const char* s : { "round_robin", "weighted", "least_busy", "lowest_latency", "session_affinity" })
        QTest::newRow(s) << QString::fromLatin1(s);
}

void TestEndpointPool::avoidSkipsFailedEndpoint()
{
    // Endpoint 1 just failed and would otherwise be the strategy's next choice.
    QFETCH(QString, strategy);
    QString key;
    if (strategy == QLatin1String("session_affinity"))
        key = keyWithHome(strategy, 3, 1);
    const auto prepare = [&strategy, &key] {
        ModelConfig m = modelWith(strategy, 3);
        m.endpoints[1].weight = 100;
        auto pool = makePool(m);
        if (strategy == QLatin1String("round_robin")) {
            qint64 scratch = kNever;
            const int first = pool->pick(kT0, key, -1, 0, &scratch); // endpoint 1 is next
            if (first != 0)
                qFatal("round robin started with endpoint %d", first);
        } else if (strategy == QLatin1String("least_busy")) {
            pool->at(0)->inflight = 3;
            pool->at(2)->inflight = 3;
        } else if (strategy == QLatin1String("lowest_latency")) {
            pool->at(0)->latencyMs.add(500);
            pool->at(1)->latencyMs.add(10);
            pool->at(2)->latencyMs.add(400);
        }
        return pool;
    };
    qint64 wake = kNever;
    QCOMPARE(prepare()->pick(kT0, key, -1, 0, &wake), 1); // without avoid: endpoint 1
    auto pool = prepare();
    QSet<int> picked;
    for (int i = 0; i < 12; ++i) {
        const int p = pool->pick(kT0, key, 1, 0, &wake);
        QVERIFY2(p == 0 || p == 2, qPrintable(QStringLiteral("picked %1").arg(p)));
        picked.insert(p);
    }
    if (strategy == QLatin1String("round_robin") || strategy == QLatin1String("weighted"))
        QCOMPARE(picked, (QSet<int> { 0, 2 })); // the rest still rotate
    else if (strategy == QLatin1String("lowest_latency"))
        QCOMPARE(picked, QSet<int> { 2 }); // the next lowest
    else if (strategy == QLatin1String("session_affinity"))
        QCOMPARE(picked, QSet<int> { 2 }); // the next in ring order
    QCOMPARE(wake, kNever); // everything qualified: no wake time
}

void TestEndpointPool::avoidReturnedWhenOnlyCandidate()
{
    auto pool = makePool(modelWith(QStringLiteral("round_robin"), 3));
    pool->at(0)->cooldownUntilMs = kT0 + 1000;
    pool->at(2)->circuit.forceOpen(kT0);
    qint64 wake = kNever;
    for (int i = 0; i < 3; ++i)
        QCOMPARE(pool->pick(kT0, {}, 1, 0, &wake), 1); // better than waiting
    // Single-endpoint pool: the failed endpoint is the only one.
    auto single = makePool(modelWith(QStringLiteral("least_busy"), 1));
    QCOMPARE(single->pick(kT0, {}, 0, 0, &wake), 0);
    // The failed endpoint itself does not qualify either: nothing.
    pool->at(1)->cooldownUntilMs = kT0 + 500;
    wake = kNever;
    QCOMPARE(pool->pick(kT0, {}, 1, 0, &wake), -1);
    QCOMPARE(wake, kT0 + 500);
}

void TestEndpointPool::openCircuitNotPicked()
{
    ModelConfig m = modelWith(QStringLiteral("round_robin"), 2);
    m.endpoints[0].circuit.openMs = 10'000;
    auto pool = makePool(m);
    pool->at(0)->circuit.forceOpen(kT0);
    for (qint64 t = kT0; t < kT0 + 10'000; t += 1000)
        QCOMPARE(pickAt(*pool, t), 1);
    // Open time over: half-open lets one probe through.
    QCOMPARE(pickAt(*pool, kT0 + 10'000), 0);
    QCOMPARE(pool->at(0)->circuit.state(kT0 + 10'000), CircuitBreaker::State::HalfOpen);
    startCall(*pool, 0, kT0 + 10'000);
    for (int i = 0; i < 4; ++i)
        QCOMPARE(pickAt(*pool, kT0 + 10'001), 1); // probe running: no second call
}

void TestEndpointPool::coolingDownNotPicked()
{
    auto pool = makePool(modelWith(QStringLiteral("least_busy"), 2));
    pool->at(1)->inflight = 5; // least_busy would pick 0 if it qualified
    pool->at(0)->cooldownUntilMs = kT0 + 3000; // Retry-After
    QCOMPARE(pickAt(*pool, kT0), 1);
    QCOMPARE(pickAt(*pool, kT0 + 2999), 1);
    QCOMPARE(pickAt(*pool, kT0 + 3000), 0); // cooldown over at exactly its end
}

void TestEndpointPool::fullEndpointNotPicked()
{
    ModelConfig m = modelWith(QStringLiteral("least_busy"), 2, 4);
    m.endpoints[0].maxConcurrency = 2;
    auto pool = makePool(m);
    pool->at(1)->inflight = 3; // 3 of 4: busier than endpoint 0 at 1 of 2
    pool->at(0)->inflight = 1;
    QCOMPARE(pickAt(*pool, kT0), 0);
    pool->at(0)->inflight = 2; // at its max_concurrency
    QCOMPARE(pickAt(*pool, kT0), 1);
    pool->at(1)->inflight = 4; // at the model's concurrency (no max_concurrency)
    qint64 wake = kNever;
    QCOMPARE(pickAt(*pool, kT0, &wake), -1);
    pool->at(0)->release();
    QCOMPARE(pickAt(*pool, kT0), 0);
}

void TestEndpointPool::noneQualifiesLowersWakeToEarliest()
{
    ModelConfig m = modelWith(QStringLiteral("round_robin"), 3);
    m.endpoints[1].circuit.openMs = 20'000;
    auto pool = makePool(m);
    pool->at(0)->cooldownUntilMs = kT0 + 30'000;
    pool->at(1)->circuit.forceOpen(kT0); // half-open at kT0 + 20'000
    pool->at(2)->cooldownUntilMs = kT0 + 25'000;
    qint64 wake = kNever;
    QCOMPARE(pickAt(*pool, kT0, &wake), -1);
    QCOMPARE(wake, kT0 + 20'000); // the circuit's half-open time
    // Only ever lowered: an earlier wake time the caller already has stays.
    wake = kT0 + 5;
    QCOMPARE(pickAt(*pool, kT0, &wake), -1);
    QCOMPARE(wake, kT0 + 5);
    // A cooldown ending first wins.
    pool->at(2)->cooldownUntilMs = kT0 + 15'000;
    wake = kNever;
    QCOMPARE(pickAt(*pool, kT0 + 100, &wake), -1);
    QCOMPARE(wake, kT0 + 15'000);
    // At that time one qualifies.
    QCOMPARE(pickAt(*pool, kT0 + 15'000), 2);
}

void TestEndpointPool::noneQualifiesLeavesWakeWhenOnlyCallsFree()
{
    ModelConfig m = modelWith(QStringLiteral("round_robin"), 2);
    m.endpoints[0].maxConcurrency = 1;
    m.endpoints[1].maxConcurrency = 1;
    m.endpoints[1].circuit.openMs = 1000;
    auto pool = makePool(m);
    startCall(*pool, 0, kT0);
    startCall(*pool, 1, kT0);
    qint64 wake = kNever;
    QCOMPARE(pickAt(*pool, kT0, &wake), -1);
    QCOMPARE(wake, kNever);
    wake = kT0 + 77;
    QCOMPARE(pickAt(*pool, kT0, &wake), -1);
    QCOMPARE(wake, kT0 + 77);
    // Full and cooling down: still only a finishing call frees it.
    pool->at(0)->cooldownUntilMs = kT0 + 500;
    wake = kNever;
    QCOMPARE(pickAt(*pool, kT0, &wake), -1);
    QCOMPARE(wake, kNever);
    // A half-open circuit whose probe is running: only the probe's end frees it.
    pool->at(0)->cooldownUntilMs = 0;
    pool->at(1)->release();
    pool->at(1)->circuit.forceOpen(kT0);
    QCOMPARE(pickAt(*pool, kT0 + 1000), 1); // the probe
    startCall(*pool, 1, kT0 + 1000);
    pool->at(1)->adaptive = AdaptiveLimit(1, 5, true); // room for more calls, but not while probing
    wake = kNever;
    QCOMPARE(pickAt(*pool, kT0 + 1001, &wake), -1);
    QCOMPARE(wake, kNever);
}

void TestEndpointPool::pickDoesNotRecordRpm()
{
    // pick() only chooses; the caller (Scheduler::beginAttempt) records the start.
    ModelConfig m = modelWith(QStringLiteral("round_robin"), 1);
    m.endpoints[0].rpm = 60;
    auto pool = makePool(m);
    for (int i = 0; i < 100; ++i)
        QCOMPARE(pickAt(*pool, kT0), 0);
    QCOMPARE(pool->at(0)->rpm.usedLastMinute(kT0), 0);
    QCOMPARE(pool->at(0)->inflight, 0);
    startCall(*pool, 0, kT0);
    qint64 wake = kNever;
    QCOMPARE(pickAt(*pool, kT0, &wake), -1);
    QCOMPARE(wake, kT0 + 1000); // rpm 60: one start a second
}

void TestEndpointPool::rpmAdmitsRateThenSkips()
{
    // Endpoint 0 allows 60 requests a minute; endpoint 1 has no limit and is
    // busier, so it only gets what endpoint 0 cannot take.
    ModelConfig m = modelWith(QStringLiteral("least_busy"), 2);
    m.endpoints[0].rpm = 60;
    auto pool = makePool(m);
    pool->at(1)->inflight = 1;
    int first = 0;
    int second = 0;
    for (qint64 t = kT0; t < kT0 + 60'000; t += 100) {
        for (int i = 0; i < 3; ++i) { // three calls want to start at every step
            const int p = pickAt(*pool, t);
            QVERIFY(p == 0 || p == 1);
            if (p == 0) {
                pool->at(0)->rpm.consume(t); // as the caller does; inflight unchanged
                ++first;
            } else {
                ++second;
            }
        }
    }
    QCOMPARE(first, 60);
    QCOMPARE(second, 600 * 3 - 60);
    QCOMPARE(pool->at(0)->rpm.usedLastMinute(kT0 + 59'999), 60);
    // The 61st within the minute is skipped; the next minute admits again.
    QCOMPARE(pickAt(*pool, kT0 + 59'999), 1);
    QCOMPARE(pickAt(*pool, kT0 + 60'000), 0);
}

void TestEndpointPool::rpmBurstThenWake()
{
    // rpm 6000: starts 10 ms apart with a burst of 1 % (60) at once.
    ModelConfig m = modelWith(QStringLiteral("round_robin"), 1);
    m.endpoints[0].rpm = 6000;
    auto pool = makePool(m);
    int admitted = 0;
    qint64 wake = kNever;
    while (pickAt(*pool, kT0, &wake) == 0) {
        startCall(*pool, 0, kT0);
        pool->at(0)->inflight = 0;
        ++admitted;
        QVERIFY(admitted <= 1000);
    }
    QCOMPARE(admitted, 60);
    QCOMPARE(wake, kT0 + 10);
    QCOMPARE(pickAt(*pool, kT0 + 10), 0);
}

void TestEndpointPool::tpmSkipsEndpointWithoutRoom()
{
    ModelConfig m = modelWith(QStringLiteral("least_busy"), 2);
    m.endpoints[0].tpm = 1000;
    auto pool = makePool(m);
    pool->at(1)->inflight = 1;
    qint64 wake = kNever;
    QCOMPARE(pool->pick(kT0, {}, -1, 800, &wake), 0);
    pool->at(0)->tpm.reserve(kT0, 800);
    QCOMPARE(pool->pick(kT0 + 1, {}, -1, 300, &wake), 1); // 800 + 300 > 1000
    QCOMPARE(pool->pick(kT0 + 1, {}, -1, 200, &wake), 0); // 800 + 200 fits
    pool->at(1)->inflight = 100; // full
    wake = kNever;
    QCOMPARE(pool->pick(kT0 + 1, {}, -1, 300, &wake), -1);
    QCOMPARE(wake, kT0 + 60'001); // when the 800 leave the window
}

void TestEndpointPool::hasAlternative()
{
    ModelConfig m = modelWith(QStringLiteral("round_robin"), 3);
    m.endpoints[1].circuit.openMs = 10'000;
    m.endpoints[2].maxConcurrency = 1;
    auto pool = makePool(m);
    QVERIFY(pool->hasAlternative(kT0, 0));
    QVERIFY(pool->hasAlternative(kT0, -1));
    pool->at(1)->circuit.forceOpen(kT0);
    pool->at(2)->cooldownUntilMs = kT0 + 5000;
    QVERIFY(!pool->hasAlternative(kT0, 0)); // 1 open, 2 cooling: no failover target
    QVERIFY(pool->hasAlternative(kT0, 1)); // 0 is usable
    QVERIFY(pool->hasAlternative(kT0, 2));
    QVERIFY(pool->hasAlternative(kT0 + 5000, 0)); // 2's cooldown over
    pool->at(2)->cooldownUntilMs = kT0 + 50'000;
    QVERIFY(pool->hasAlternative(kT0 + 10'000, 0)); // 1 half-open: usable again
    // Usable means "could take calls soon": a full endpoint still counts.
    pool->at(1)->circuit.forceOpen(kT0 + 10'000);
    pool->at(2)->cooldownUntilMs = 0;
    pool->at(2)->inflight = 1;
    QVERIFY(pool->hasAlternative(kT0 + 10'000, 0));
    // The failed endpoint itself is never its own alternative.
    auto single = makePool(modelWith(QStringLiteral("round_robin"), 1));
    QVERIFY(!single->hasAlternative(kT0, 0));
    QVERIFY(single->hasAlternative(kT0, -1));
}

QTEST_GUILESS_MAIN(TestEndpointPool)
#include "tst_endpointpool.moc"
