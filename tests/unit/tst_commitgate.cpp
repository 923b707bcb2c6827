// CommitGate and OutcomeLane: nothing the scheduler reports (events, watched
// outcomes, operator answers) comes out before the store has committed it,
// and what comes out keeps the order it happened in.
#include "sched/commitgate.h"

#include <QThread>
#include <QtTest>

#include <atomic>
#include <memory>

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

        QVERIFY(gate.committed(2));
        QCOMPARE(labels(gate.takeReadyEvents()), (QList<int> { 1, 2 }));
        QVERIFY(!gate.hasReadyEvents());

        QVERIFY(gate.committed(3));
        QCOMPARE(labels(gate.takeReadyEvents()), (QList<int> { 3 }));
        QVERIFY(gate.idle());
    }

    void olderOrRepeatedCommitsReleaseNothing()
    {
        CommitGate gate;
        gate.publishAfter(5, taskEvent(5));
        QVERIFY(gate.committed(4) == false);
        QVERIFY(!gate.hasReadyEvents());
        QVERIFY(gate.committed(5));
        QVERIFY(!gate.committed(5));
        QVERIFY(!gate.committed(3));
        QCOMPARE(gate.committedTicket(), quint64(5));
    }

    void eventsOfCommittedWritesAreReadyAtOnce()
    {
        CommitGate gate;
        gate.publishAfter(1, taskEvent(1));
        gate.committed(1);
        gate.publishNow(taskEvent(2)); // e.g. a refused write's news
        gate.publishAfter(1, taskEvent(3)); // its ticket is already committed
        QCOMPARE(labels(gate.takeReadyEvents()), (QList<int> { 1, 2, 3 }));
    }

    void outcomesComeOutInOrderOnceCommitted()
    {
        OutcomeLane lane;
        lane.add(1, outcome(QStringLiteral("a")));
        lane.add(2, outcome(QStringLiteral("b")));
        lane.add(4, outcome(QStringLiteral("c")));
        const auto ids = [](const std::vector<TaskOutcome>& released) {
            QStringList out;
            for (const TaskOutcome& o : released)
                out.append(o.id);
            return out;
        };
        QCOMPARE(ids(lane.committed(0)), QStringList {}); // a failed pass commits nothing
        QCOMPARE(ids(lane.committed(3)), (QStringList { QStringLiteral("a"), QStringLiteral("b") }));
        QCOMPARE(ids(lane.committed(3)), QStringList {});
        QCOMPARE(ids(lane.committed(5)), (QStringList { QStringLiteral("c") }));
        QCOMPARE(ids(lane.committed(6)), QStringList {});
        // The writer committed ticket 6 before its outcome was added: it is
        // handed back to be told at once, not left for a commit that may never come.
        const auto late = lane.add(6, outcome(QStringLiteral("d")));
        QVERIFY(late);
        QCOMPARE(late->id, QStringLiteral("d"));
        QVERIFY(!lane.add(7, outcome(QStringLiteral("e"))));
        QCOMPARE(ids(lane.committed(7)), (QStringList { QStringLiteral("e") }));
    }

    void outcomesCrossFromTheEngineToTheWriterThread()
    {
        // The engine thread adds, the writer thread releases: every outcome
        // comes out exactly once, in order, while both run at once.
        OutcomeLane lane;
        constexpr int kCount = 20000;
        std::atomic<quint64> added { 0 };
        QStringList seen;
        std::unique_ptr<QThread> writer(QThread::create([&] {
            while (seen.size() < kCount)
                for (const TaskOutcome& o : lane.committed(added.load()))
                    seen.append(o.id);
        }));
        writer->start();
        int toldAtOnce = 0;
        for (int i = 1; i <= kCount; ++i) {
            if (lane.add(static_cast<quint64>(i), outcome(QString::number(i))))
                ++toldAtOnce;
            added.store(static_cast<quint64>(i));
        }
        QVERIFY(writer->wait(30000));
        QCOMPARE(toldAtOnce, 0); // each was added before its ticket was committed
        QCOMPARE(seen.size(), kCount);
        for (int i = 0; i < kCount; ++i)
            QCOMPARE(seen.at(i), QString::number(i + 1));
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
        gate.committed(6);
        QCOMPARE(answered, 1);
        gate.committed(7);
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
        gate.committed(1);
        QCOMPARE(order, (QList<int> { 1 }));
        gate.committed(2);
        QCOMPARE(order, (QList<int> { 1, 2 }));
    }

    void answersComeBeforeTheEventsOfTheSameCommit()
    {
        // The scheduler answers an operator, then publishes events: a caller
        // that cancelled learns it before the event stream.
        CommitGate gate;
        QStringList order;
        gate.publishAfter(1, taskEvent(1));
        gate.wrote(1);
        gate.afterLastWrite([&order] { order.append(QStringLiteral("answer")); });
        gate.committed(1);
        QCOMPARE(order, (QStringList { QStringLiteral("answer") }));
        QVERIFY(gate.hasReadyEvents());
    }
};

QTEST_GUILESS_MAIN(TestCommitGate)
#include "tst_commitgate.moc"
