// Unit tests for ReadyQueue: priority order, FIFO within a level, aging,
// stale entries and out-of-order insertion.
#include "sched/readyqueue.h"

#include <QRandomGenerator>
#include <QSet>
#include <QTest>

#include <algorithm>
#include <limits>
#include <vector>

using namespace llmsched;

namespace {

Ulid makeId(quint64 n)
{
    Ulid u;
    u.hi = 1;
    u.lo = n;
    return u;
}

QueueEntry entry(quint64 id, qint64 enqueuedMs)
{
    return QueueEntry { makeId(id), enqueuedMs };
}

const auto kAllValid = [](const QueueEntry&, int) { return true; };

// Pops everything and returns the lo part of each popped id.
QList<quint64> drain(ReadyQueue& q, qint64 nowMs, qint64 agingMs)
{
    QList<quint64> out;
    while (auto e = q.pop(nowMs, agingMs, kAllValid))
        out.append(e->id.lo);
    return out;
}

} // namespace

class TestReadyQueue : public QObject
{
    Q_OBJECT

private slots:
    void emptyQueue();
    void priorityOrder();
    void orderWithinLevel_data();
    void orderWithinLevel();
    void effectivePriority_data();
    void effectivePriority();
    void aging_data();
    void aging();
    void tieAcrossLevels_data();
    void tieAcrossLevels();
    void staleEntriesSkipped();
    void allStale();
    void validityCallbackGetsLevel();
    void outOfRangePriorityClamped();
    void clear();
    void randomisedMatchesSort_data();
    void randomisedMatchesSort();
};

void TestReadyQueue::emptyQueue()
{
    ReadyQueue q;
    QVERIFY(q.empty());
    QCOMPARE(q.size(), 0);
    QVERIFY(!q.pop(1000, 0, kAllValid).has_value());
}

void TestReadyQueue::priorityOrder()
{
    ReadyQueue q;
    // Same enqueue time everywhere, pushed in a scrambled level order; the id
    // equals the level so the expected pop order is 0..9. Ids are chosen so that
    // id order alone would give the reverse order.
    const int levels[] = { 7, 2, 9, 0, 5, 3, 8, 1, 6, 4 };
    for (int level : levels)
        q.push(level, entry(static_cast<quint64>(100 - level), 1000));
    QCOMPARE(q.size(), 10);
    QList<quint64> expected;
    for (int level = 0; level < kPriorityLevels; ++level)
        expected.append(static_cast<quint64>(100 - level));
    QCOMPARE(drain(q, 1000, 0), expected);
    QVERIFY(q.empty());
}

void TestReadyQueue::orderWithinLevel_data()
{
    // Entries pushed in the given order into one level; expected pop order of ids.
    QTest::addColumn<QList<qint64>>("times");
    QTest::addColumn<QList<quint64>>("ids");
    QTest::addColumn<QList<quint64>>("expected");

    QTest::newRow("fifo by time") << QList<qint64> { 10, 20, 30, 40 } << QList<quint64> { 4, 3, 2, 1 } << QList<quint64> { 4, 3, 2, 1 };
    QTest::newRow("same time by id") << QList<qint64> { 10, 10, 10 } << QList<quint64> { 3, 1, 2 } << QList<quint64> { 1, 2, 3 };
    QTest::newRow("older pushed last goes first") << QList<qint64> { 20, 30, 40, 10 } << QList<quint64> { 1, 2, 3, 4 }
                                                  << QList<quint64> { 4, 1, 2, 3 };
    QTest::newRow("older pushed into the middle") << QList<qint64> { 10, 30, 50, 20, 40 } << QList<quint64> { 1, 3, 5, 2, 4 }
                                                  << QList<quint64> { 1, 2, 3, 4, 5 };
    QTest::newRow("older with equal time, smaller id")
        << QList<qint64> { 10, 20, 20, 20 } << QList<quint64> { 1, 5, 7, 6 } << QList<quint64> { 1, 5, 6, 7 };
    QTest::newRow("older with equal time, larger id")
        << QList<qint64> { 10, 20, 30, 20 } << QList<quint64> { 1, 5, 7, 9 } << QList<quint64> { 1, 5, 9, 7 };
    QTest::newRow("reverse order") << QList<qint64> { 50, 40, 30, 20, 10 } << QList<quint64> { 1, 2, 3, 4, 5 } << QList<quint64> { 5, 4, 3, 2, 1 };
}

void TestReadyQueue::orderWithinLevel()
{
    QFETCH(QList<qint64>, times);
    QFETCH(QList<quint64>, ids);
    QFETCH(QList<quint64>, expected);
    QCOMPARE(times.size(), ids.size());

    for (int level : { 0, 4, 9 }) {
        ReadyQueue q;
        for (qsizetype i = 0; i < times.size(); ++i)
            q.push(level, entry(ids.at(i), times.at(i)));
        QCOMPARE(q.size(), times.size());
        // Aging does not change the order within one level.
        QCOMPARE(drain(q, 100, 7), expected);
    }
}

void TestReadyQueue::effectivePriority_data()
{
    QTest::addColumn<int>("priority");
    QTest::addColumn<qint64>("enqueuedMs");
    QTest::addColumn<qint64>("nowMs");
    QTest::addColumn<qint64>("intervalMs");
    QTest::addColumn<int>("expected");

    QTest::newRow("interval 0: no aging") << 8 << qint64(0) << qint64(1'000'000) << qint64(0) << 8;
    QTest::newRow("negative interval: no aging") << 8 << qint64(0) << qint64(1'000'000) << qint64(-5) << 8;
    QTest::newRow("not waited") << 6 << qint64(5000) << qint64(5000) << qint64(1000) << 6;
    QTest::newRow("less than one interval") << 6 << qint64(5000) << qint64(5999) << qint64(1000) << 6;
    QTest::newRow("exactly one interval") << 6 << qint64(5000) << qint64(6000) << qint64(1000) << 5;
    QTest::newRow("two and a half intervals") << 6 << qint64(0) << qint64(2500) << qint64(1000) << 4;
    QTest::newRow("seven intervals from 8") << 8 << qint64(0) << qint64(7000) << qint64(1000) << 1;
    QTest::newRow("exactly down to 0") << 9 << qint64(0) << qint64(9000) << qint64(1000) << 0;
    QTest::newRow("floored at 0") << 3 << qint64(0) << qint64(1'000'000) << qint64(1000) << 0;
    QTest::newRow("0 stays 0") << 0 << qint64(0) << qint64(1'000'000) << qint64(1000) << 0;
    QTest::newRow("clock before enqueue") << 7 << qint64(10'000) << qint64(1000) << qint64(1000) << 7;
    QTest::newRow("huge wait does not overflow") << 9 << qint64(0) << std::numeric_limits<qint64>::max() << qint64(1) << 0;
    QTest::newRow("default interval 60s") << 5 << qint64(0) << qint64(3 * 60'000 + 59'999) << qint64(60'000) << 2;
}

void TestReadyQueue::effectivePriority()
{
    QFETCH(int, priority);
    QFETCH(qint64, enqueuedMs);
    QFETCH(qint64, nowMs);
    QFETCH(qint64, intervalMs);
    QFETCH(int, expected);
    QCOMPARE(ReadyQueue::effectivePriority(priority, enqueuedMs, nowMs, intervalMs), expected);
}

void TestReadyQueue::aging_data()
{
    // An old low-priority entry (id 1) against a fresh better one (id 2).
    QTest::addColumn<int>("lowPriority");
    QTest::addColumn<qint64>("lowEnqueued");
    QTest::addColumn<int>("highPriority");
    QTest::addColumn<qint64>("nowMs");
    QTest::addColumn<qint64>("intervalMs");
    QTest::addColumn<bool>("lowFirst");

    // 8 aged 7 intervals = effective 1, ties with a fresh 1; older wins.
    QTest::newRow("aged to the same level wins") << 8 << qint64(0) << 1 << qint64(7000) << qint64(1000) << true;
    QTest::newRow("aged past the level wins") << 8 << qint64(0) << 3 << qint64(7000) << qint64(1000) << true;
    QTest::newRow("one interval short loses") << 8 << qint64(0) << 1 << qint64(6999) << qint64(1000) << false;
    QTest::newRow("no aging: priority decides") << 8 << qint64(0) << 1 << qint64(1'000'000) << qint64(0) << false;
    QTest::newRow("9 fully aged beats fresh 0") << 9 << qint64(0) << 0 << qint64(9000) << qint64(1000) << true;
    QTest::newRow("9 almost aged loses to 0") << 9 << qint64(0) << 0 << qint64(8999) << qint64(1000) << false;
    QTest::newRow("same level: older first") << 4 << qint64(100) << 4 << qint64(200) << qint64(0) << true;
}

void TestReadyQueue::aging()
{
    QFETCH(int, lowPriority);
    QFETCH(qint64, lowEnqueued);
    QFETCH(int, highPriority);
    QFETCH(qint64, nowMs);
    QFETCH(qint64, intervalMs);
    QFETCH(bool, lowFirst);

    // Push in both orders: the result must not depend on push order.
    for (bool lowPushedFirst : { true, false }) {
        ReadyQueue q;
        if (lowPushedFirst)
            q.push(lowPriority, entry(1, lowEnqueued));
        q.push(highPriority, entry(2, nowMs)); // fresh
        if (!lowPushedFirst)
            q.push(lowPriority, entry(1, lowEnqueued));
        const auto first = q.pop(nowMs, intervalMs, kAllValid);
        QVERIFY(first.has_value());
        QCOMPARE(first->id.lo, lowFirst ? quint64(1) : quint64(2));
        const auto second = q.pop(nowMs, intervalMs, kAllValid);
        QVERIFY(second.has_value());
        QCOMPARE(second->id.lo, lowFirst ? quint64(2) : quint64(1));
        QVERIFY(q.empty());
    }
}

void TestReadyQueue::tieAcrossLevels_data()
{
    // Two entries on different levels with the same effective priority.
    QTest::addColumn<int>("priorityA");
    QTest::addColumn<qint64>("enqueuedA");
    QTest::addColumn<quint64>("idA");
    QTest::addColumn<int>("priorityB");
    QTest::addColumn<qint64>("enqueuedB");
    QTest::addColumn<quint64>("idB");
    QTest::addColumn<qint64>("nowMs");
    QTest::addColumn<qint64>("intervalMs");
    QTest::addColumn<quint64>("expectedFirst");

    // effective A = 3 - 1 = 2, effective B = 2 - 0 = 2: A enqueued earlier.
    QTest::newRow("earlier enqueue wins") << 3 << qint64(0) << quint64(9) << 2 << qint64(1000) << quint64(1) << qint64(1000) << qint64(1000)
                                          << quint64(9);
    // Both at effective 0 with the same enqueue time: the smaller id wins,
    // even though it sits on the worse level.
    QTest::newRow("same time: smaller id wins (worse level)")
        << 3 << qint64(0) << quint64(1) << 1 << qint64(0) << quint64(2) << qint64(5000) << qint64(1000) << quint64(1);
    QTest::newRow("same time: smaller id wins (better level)")
        << 3 << qint64(0) << quint64(2) << 1 << qint64(0) << quint64(1) << qint64(5000) << qint64(1000) << quint64(1);
}

void TestReadyQueue::tieAcrossLevels()
{
    QFETCH(int, priorityA);
    QFETCH(qint64, enqueuedA);
    QFETCH(quint64, idA);
    QFETCH(int, priorityB);
    QFETCH(qint64, enqueuedB);
    QFETCH(quint64, idB);
    QFETCH(qint64, nowMs);
    QFETCH(qint64, intervalMs);
    QFETCH(quint64, expectedFirst);

    QCOMPARE(ReadyQueue::effectivePriority(priorityA, enqueuedA, nowMs, intervalMs),
        ReadyQueue::effectivePriority(priorityB, enqueuedB, nowMs, intervalMs));
    ReadyQueue q;
    q.push(priorityA, entry(idA, enqueuedA));
    q.push(priorityB, entry(idB, enqueuedB));
    const auto first = q.pop(nowMs, intervalMs, kAllValid);
    QVERIFY(first.has_value());
    QCOMPARE(first->id.lo, expectedFirst);
}

void TestReadyQueue::staleEntriesSkipped()
{
    ReadyQueue q;
    // Level 2: ids 1..4; level 5: ids 5, 6. Ids 1, 3 and 5 are stale.
    q.push(2, entry(1, 10));
    q.push(2, entry(2, 20));
    q.push(2, entry(3, 30));
    q.push(2, entry(4, 40));
    q.push(5, entry(5, 5));
    q.push(5, entry(6, 6));
    QCOMPARE(q.size(), 6); // stale entries count until they are skipped

    const QSet<quint64> stale { 1, 3, 5 };
    int calls = 0;
    const auto valid = [&](const QueueEntry& e, int) {
        ++calls;
        return !stale.contains(e.id.lo);
    };

    auto e = q.pop(0, 0, valid);
    QVERIFY(e.has_value());
    QCOMPARE(e->id.lo, quint64(2));
    QCOMPARE(e->enqueuedMs, qint64(20));
    QCOMPARE(q.size(), 3); // 1 skipped, 2 popped, 5 skipped at the head of level 5
    QVERIFY(calls > 0);

    e = q.pop(0, 0, valid);
    QVERIFY(e.has_value());
    QCOMPARE(e->id.lo, quint64(4)); // 3 skipped
    QCOMPARE(q.size(), 1);

    e = q.pop(0, 0, valid);
    QVERIFY(e.has_value());
    QCOMPARE(e->id.lo, quint64(6));
    QCOMPARE(q.size(), 0);
    QVERIFY(q.empty());
    QVERIFY(!q.pop(0, 0, valid).has_value());
}

void TestReadyQueue::allStale()
{
    ReadyQueue q;
    for (quint64 i = 0; i < 20; ++i)
        q.push(static_cast<int>(i % kPriorityLevels), entry(i, static_cast<qint64>(i)));
    QCOMPARE(q.size(), 20);
    QVERIFY(!q.pop(100, 10, [](const QueueEntry&, int) { return false; }).has_value());
    QCOMPARE(q.size(), 0);
    QVERIFY(q.empty());
}

void TestReadyQueue::validityCallbackGetsLevel()
{
    // A reprioritised task leaves a stale entry on its old level; the callback
    // must see the level the entry sits on to recognise it.
    ReadyQueue q;
    q.push(7, entry(1, 10)); // old level, stale
    q.push(2, entry(1, 10)); // new level, valid
    q.push(4, entry(2, 5));
    const auto valid = [](const QueueEntry& e, int level) { return !(e.id.lo == 1 && level == 7); };
    QCOMPARE(q.pop(0, 0, valid)->id.lo, quint64(1));
    QCOMPARE(q.pop(0, 0, valid)->id.lo, quint64(2));
    QVERIFY(!q.pop(0, 0, valid).has_value());
    QVERIFY(q.empty());
}

void TestReadyQueue::outOfRangePriorityClamped()
{
    ReadyQueue q;
    q.push(42, entry(1, 0));
    q.push(-3, entry(2, 0));
    QList<int> levels;
    const auto record = [&](const QueueEntry&, int level) {
        levels.append(level);
        return true;
    };
    QCOMPARE(q.pop(0, 0, record)->id.lo, quint64(2));
    QCOMPARE(q.pop(0, 0, record)->id.lo, quint64(1));
    QVERIFY(levels.contains(kMinPriority));
    QVERIFY(levels.contains(kMaxPriority));
    for (int level : levels)
        QVERIFY(level == kMinPriority || level == kMaxPriority);
}

void TestReadyQueue::clear()
{
    ReadyQueue q;
    for (quint64 i = 0; i < 10; ++i)
        q.push(3, entry(i, 0));
    QCOMPARE(q.size(), 10);
    q.clear();
    QVERIFY(q.empty());
    QCOMPARE(q.size(), 0);
    QVERIFY(!q.pop(0, 0, kAllValid).has_value());
    q.push(1, entry(77, 0));
    QCOMPARE(q.size(), 1);
    QCOMPARE(q.pop(0, 0, kAllValid)->id.lo, quint64(77));
}

void TestReadyQueue::randomisedMatchesSort_data()
{
    QTest::addColumn<qint64>("intervalMs");
    QTest::addColumn<quint32>("seed");
    QTest::newRow("no aging") << qint64(0) << quint32(1);
    QTest::newRow("aging 1000") << qint64(1000) << quint32(2);
    QTest::newRow("aging 250") << qint64(250) << quint32(3);
    QTest::newRow("aging 1") << qint64(1) << quint32(4);
}

void TestReadyQueue::randomisedMatchesSort()
{
    // With a fixed clock, popping everything yields the entries sorted by
    // (effective priority, enqueue time, id), whatever the push order.
    QFETCH(qint64, intervalMs);
    QFETCH(quint32, seed);
    QRandomGenerator rng(seed);
    const qint64 now = 20'000;

    struct Item
    {
        int priority;
        QueueEntry e;
    };
    std::vector<Item> items;
    ReadyQueue q;
    for (quint64 i = 0; i < 2000; ++i) {
        const int p = static_cast<int>(rng.bounded(kPriorityLevels));
        // Few distinct times so equal times (tie by id) happen often.
        const qint64 t = static_cast<qint64>(rng.bounded(40)) * 500;
        const QueueEntry e { makeId(rng.generate64() % 100'000), t };
        items.push_back({ p, e });
        q.push(p, e);
    }
    QCOMPARE(q.size(), qint64(items.size()));

    std::stable_sort(items.begin(), items.end(), [&](const Item& a, const Item& b) {
        const int ea = ReadyQueue::effectivePriority(a.priority, a.e.enqueuedMs, now, intervalMs);
        const int eb = ReadyQueue::effectivePriority(b.priority, b.e.enqueuedMs, now, intervalMs);
        if (ea != eb)
            return ea < eb;
        if (a.e.enqueuedMs != b.e.enqueuedMs)
            return a.e.enqueuedMs < b.e.enqueuedMs;
        return a.e.id < b.e.id;
    });

    for (size_t i = 0; i < items.size(); ++i) {
        const auto e = q.pop(now, intervalMs, kAllValid);
        QVERIFY(e.has_value());
        // Duplicate (time, id) pairs are indistinguishable; compare the keys.
        QCOMPARE(e->enqueuedMs, items[i].e.enqueuedMs);
        QCOMPARE(e->id.lo, items[i].e.id.lo);
    }
    QVERIFY(q.empty());
}

QTEST_GUILESS_MAIN(TestReadyQueue)
#include "tst_readyqueue.moc"
