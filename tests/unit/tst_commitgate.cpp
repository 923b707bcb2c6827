// CommitGate: nothing the scheduler reports (events, watched outcomes,
// operator answers) comes out before the store has committed it, and what
// comes out keeps the order it happened in.
#include "sched/commitgate.h"

#include <QtTest>

using namespace llmsched;

namespace {

TaskEvent taskEvent(int priority)
{
    TaskEvent e;
    e.id = UlidGenerator::next();
    e.priority = priority; // used as a label
    return e;
}

QList<int> labels(const TaskEvents& events)
{
    QList<int> out;
    for (const TaskEvent& e : events)
        out.append(e.priority);
    return out;
}

TaskOutcome outcome(const QString& id)
{
    TaskOutcome o;
    o.id = id;
    o.state = TaskState::Succeeded;
    return o;
}

} // namespace

class TestCommitGate : public QObject
{
    Q_OBJECT

private slots:
    void eventsWaitForTheirTicket()
    {
        CommitGate gate;
        gate.publishAfter(1, taskEvent(1));
        gate.publishAfter(2, taskEvent(2));
        gate.publishAfter(3, taskEvent(3));
        QVERIFY(!gate.hasReadyEvents());
        QVERIFY(!gate.idle());

        QVERIFY(gate.committed(2, [](const TaskOutcome&) {}));
        QCOMPARE(labels(gate.takeReadyEvents()), (QList<int> { 1, 2 }));
        QVERIFY(!gate.hasReadyEvents());

        QVERIFY(gate.committed(3, [](const TaskOutcome&) {}));
        QCOMPARE(labels(gate.takeReadyEvents()), (QList<int> { 3 }));
        QVERIFY(gate.idle());
    }

    void olderOrRepeatedCommitsReleaseNothing()
    {
        CommitGate gate;
        gate.publishAfter(5, taskEvent(5));
        QVERIFY(gate.committed(4, [](const TaskOutcome&) {}) == false);
        QVERIFY(!gate.hasReadyEvents());
        QVERIFY(gate.committed(5, [](const TaskOutcome&) {}));
        QVERIFY(!gate.committed(5, [](const TaskOutcome&) {}));
        QVERIFY(!gate.committed(3, [](const TaskOutcome&) {}));
        QCOMPARE(gate.committedTicket(), quint64(5));
    }

    void eventsOfCommittedWritesAreReadyAtOnce()
    {
        CommitGate gate;
        gate.publishAfter(1, taskEvent(1));
        gate.committed(1, [](const TaskOutcome&) {});
        gate.publishNow(taskEvent(2)); // e.g. a refused write's news
        gate.publishAfter(1, taskEvent(3)); // its ticket is already committed
        QCOMPARE(labels(gate.takeReadyEvents()), (QList<int> { 1, 2, 3 }));
    }

    void outcomesComeOutInOrderOnceCommitted()
    {
        CommitGate gate;
        gate.finishAfter(1, outcome(QStringLiteral("a")));
        gate.finishAfter(2, outcome(QStringLiteral("b")));
        gate.finishAfter(4, outcome(QStringLiteral("c")));
        QStringList seen;
        const auto collect = [&seen](const TaskOutcome& o) { seen.append(o.id); };
        gate.committed(3, collect);
        QCOMPARE(seen, (QStringList { QStringLiteral("a"), QStringLiteral("b") }));
        gate.committed(4, collect);
        QCOMPARE(seen, (QStringList { QStringLiteral("a"), QStringLiteral("b"), QStringLiteral("c") }));
        QVERIFY(gate.idle());
    }

    void answersWaitForEverythingWrittenBefore()
    {
        CommitGate gate;
        int answered = 0;
        gate.afterLastWrite([&answered] { ++answered; }); // nothing written yet
        QCOMPARE(answered, 1);

        gate.wrote(7);
        gate.wrote(6); // out of order: the latest stays 7
        QCOMPARE(gate.lastTicket(), quint64(7));
        gate.afterLastWrite([&answered] { ++answered; });
        gate.committed(6, [](const TaskOutcome&) {});
        QCOMPARE(answered, 1);
        gate.committed(7, [](const TaskOutcome&) {});
        QCOMPARE(answered, 2);
        gate.afterLastWrite([&answered] { ++answered; }); // all committed: at once
        QCOMPARE(answered, 3);
    }

    void answerThatWritesAgainWaitsForItsOwnWrite()
    {
        CommitGate gate;
        QList<int> order;
        gate.wrote(1);
        gate.afterLastWrite([&] {
            order.append(1);
            gate.wrote(2);
            gate.afterLastWrite([&] { order.append(2); });
        });
        gate.committed(1, [](const TaskOutcome&) {});
        QCOMPARE(order, (QList<int> { 1 }));
        gate.committed(2, [](const TaskOutcome&) {});
        QCOMPARE(order, (QList<int> { 1, 2 }));
    }

    void answersComeBeforeTheOutcomesAndEventsOfTheSameCommit()
    {
        // The scheduler answers an operator, then reports outcomes, then
        // events: a caller that cancelled learns it before the event stream.
        CommitGate gate;
        QStringList order;
        gate.publishAfter(1, taskEvent(1));
        gate.finishAfter(1, outcome(QStringLiteral("o")));
        gate.wrote(1);
        gate.afterLastWrite([&order] { order.append(QStringLiteral("answer")); });
        gate.committed(1, [&order](const TaskOutcome&) { order.append(QStringLiteral("outcome")); });
        QCOMPARE(order, (QStringList { QStringLiteral("answer"), QStringLiteral("outcome") }));
        QVERIFY(gate.hasReadyEvents());
    }
};

QTEST_GUILESS_MAIN(TestCommitGate)
#include "tst_commitgate.moc"
