// The scheduler end to end: a real Engine, a real SQLite file, the simulated provider.

#include "enginetestutil.h"

#include "core/timeutil.h"
#include "stats/modelstats.h"

#include <QtTest>

#include <functional>

using namespace llmsched;
using namespace testutil;

namespace {
// The most tasks running at once (counted from their events) and the most in
// flight as `inflight` reads it, while the event loop runs until `total` tasks
// are final or timeoutMs passed.
struct Peaks
{
    int running = 0;
    int inflight = 0;
};
Peaks runUntilFinal(EngineFixture& f, qint64 total, int timeoutMs, const std::function<int()>& inflight)
{
    Peaks p;
    int running = 0;
    qsizetype seen = 0;
    QDeadlineTimer deadline(timeoutMs);
    while (f.countFinal() < total && !deadline.hasExpired()) {
        QCoreApplication::processEvents(QEventLoop::AllEvents, 5);
        p.inflight = std::max(p.inflight, inflight());
        for (; seen < f.events.size(); ++seen) {
            const TaskEvent& e = f.events[seen];
            if (e.state == TaskState::Running && e.previous != TaskState::Running)
                ++running;
            else if (e.previous == TaskState::Running && e.state != TaskState::Running)
                --running;
            p.running = std::max(p.running, running);
        }
    }
    return p;
}
} // namespace

class TestScheduler : public QObject
{
    Q_OBJECT

private slots:
    void priorityOrderAndFifo();
    void agingLetsOldLowPriorityWorkRun();
    void happyPathTransitionsAndLog();
    void retryThenDeadWithBackoff();
    void retryAfterIsRespected();
    void deadlinePassedBeforeStartIsDead();
    void deadlineStopsRetries();
    void scheduledTaskWaitsForRunAt();
    void blockedTaskWaitsForDependency();
    void failedDependencyCancelsDependent();
    void timeoutCountsAsRetryableFailure();
    void capacityRefusesAndStoresNothing();
    void unknownModelIsRefused();
    void submitEachAcceptsOrRefusesEachGroup();
    void cancelQueuedTask();
    void cancelRunningTaskAbortsCall();
    void cancelFinishedTaskIsConflict();
    void idempotentResubmit();
    void concurrencyNeverAboveLimit();
    void lowPriorityWorkLeavesASlotForUrgentWork();
    void editingAModelKeepsItsCallsCounted();
    void pauseAndResumeModel();
    void deadLettersRequeueAndPurge();
    void changePriorityOfQueuedTask();
    void gracefulDrainLetsCallsFinish();
    void stopWithoutDrainRequeuesRunningWork();
    void minuteRollupsAddUpAcrossRestarts();
    void endpointMinutesSplitTheModel();
};

// With one slot and the model paused while submitting, the run order is the
// queue order: priority first, FIFO within a level.
void TestScheduler::priorityOrderAndFifo()
{
    EngineFixture f;
    QVERIFY(f.start());
    ModelConfig m = simModel(QStringLiteral("m"), 0, 1);
    m.paused = true;
    QVERIFY(f.addModel(m));
    const QList<int> priorities = { 5, 1, 9, 1, 5, 0, 9, 3 };
    QList<Ulid> ids;
    for (int i = 0; i < priorities.size(); ++i)
        ids.append(f.submitOne(spec(m.name, priorities[i], QString::number(i))));
    QVERIFY(await(f.engine->setModelPaused(m.name, false)).ok());
    QTRY_COMPARE_WITH_TIMEOUT(f.countFinal(), qint64(priorities.size()), 10000);

    const QList<Ulid> runOrder = f.runOrder();
    // Expected: stable sort of submit order by priority.
    QList<int> order(priorities.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return priorities[a] < priorities[b]; });
    QList<Ulid> expected;
    for (int i : order)
        expected.append(ids[i]);
    QCOMPARE(runOrder, expected);
}

// Aging: with a short aging interval a priority-9 task that has waited beats
// a fresh priority-0 task.
void TestScheduler::agingLetsOldLowPriorityWorkRun()
{
    EngineFixture f;
    QVERIFY(f.start());
    ModelConfig m = simModel(QStringLiteral("m"), 0, 1);
    m.paused = true;
    m.agingIntervalMs = 10;
    QVERIFY(f.addModel(m));
    const Ulid old = f.submitOne(spec(m.name, 9));
    // Wait (on the clock, not a sleep-for-sync: the condition is elapsed time) for 10 intervals.
    QDeadlineTimer aged(150);
    while (!aged.hasExpired())
        QCoreApplication::processEvents(QEventLoop::AllEvents, 5);
    const Ulid fresh = f.submitOne(spec(m.name, 0));
    QVERIFY(await(f.engine->setModelPaused(m.name, false)).ok());
    QTRY_COMPARE_WITH_TIMEOUT(f.countFinal(), qint64(2), 10000);
    const QList<Ulid> runOrder = f.runOrder();
    QCOMPARE(runOrder, (QList<Ulid> { old, fresh }));
}

void TestScheduler::happyPathTransitionsAndLog()
{
    EngineFixture f;
    QVERIFY(f.start());
    QVERIFY(f.addModel(simModel(QStringLiteral("m"))));
    const Ulid id = f.submitOne(spec(QStringLiteral("m")));
    QTRY_COMPARE_WITH_TIMEOUT(f.lastState(id), TaskState::Succeeded, 10000);
    QCOMPARE(f.statesOf(id), (QList<TaskState> { TaskState::Queued, TaskState::Running, TaskState::Succeeded }));

    const Task t = *await(f.engine->task(id.toString()));
    QCOMPARE(t.state, TaskState::Succeeded);
    QCOMPARE(t.attempts, 1);
    QVERIFY(t.usage.completionTokens > 0);
    QVERIFY(!t.output.isEmpty());
    QVERIFY(t.finishedMs >= t.startedMs && t.startedMs >= t.createdMs);
    const auto log = *await(f.engine->taskLog(id.toString()));
    QCOMPARE(log.size(), 2); // started, succeeded (the submit is the row itself)
    QVERIFY(log.at(0).message.contains(QLatin1String("attempt 1 of 3 started")));
    QVERIFY(log.at(1).message.startsWith(QLatin1String("succeeded")));
}

void TestScheduler::retryThenDeadWithBackoff()
{
    EngineFixture f;
    QVERIFY(f.start());
    ModelConfig m = simModel(QStringLiteral("m"));
    m.endpoints[0].simulation.failureRate = 1.0;
    m.retry.maxAttempts = 3;
    m.retry.initialDelayMs = 40;
    m.retry.factor = 2;
    m.retry.jitter = 0;
    QVERIFY(f.addModel(m));
    const Ulid id = f.submitOne(spec(m.name));
    QTRY_COMPARE_WITH_TIMEOUT(f.lastState(id), TaskState::Dead, 10000);
    QCOMPARE(f.statesOf(id),
        (QList<TaskState> { TaskState::Queued, TaskState::Running, TaskState::RetryWait, TaskState::Queued, TaskState::Running, TaskState::RetryWait,
            TaskState::Queued, TaskState::Running, TaskState::Dead }));
    // Back-off: 40 ms after attempt 1, 80 ms after attempt 2 (event times are
    // read at millisecond granularity, so allow one millisecond of rounding).
    const auto evs = f.eventsOf(id);
    QList<qint64> waits;
    for (int i = 0; i + 1 < evs.size(); ++i)
        if (evs[i].state == TaskState::RetryWait)
            waits.append(evs[i + 1].timeMs - evs[i].timeMs);
    QCOMPARE(waits.size(), 2);
    // No upper bound: a loaded machine may wake late, never early.
    QVERIFY2(waits[0] >= 39, qPrintable(QString::number(waits[0])));
    QVERIFY2(waits[1] >= 79, qPrintable(QString::number(waits[1])));
    const Task t = *await(f.engine->task(id.toString()));
    QCOMPARE(t.attempts, 3);
    QVERIFY(t.error.contains(QLatin1String("500")));
}

// A task whose deadline passes while it waits is not started: it ends dead,
// with the deadline named, while the task beside it without one runs.
void TestScheduler::deadlinePassedBeforeStartIsDead()
{
    EngineFixture f;
    QVERIFY(f.start());
    ModelConfig m = simModel(QStringLiteral("m"), 0, 1);
    m.paused = true;
    QVERIFY(f.addModel(m));
    TaskSpec late = spec(m.name, 5, QStringLiteral("late"));
    late.deadlineMs = nowMs() + 50;
    TaskSpec roomy = spec(m.name, 5, QStringLiteral("roomy"));
    roomy.deadlineMs = nowMs() + 3'600'000;
    const Ulid lateId = f.submitOne(late);
    const Ulid roomyId = f.submitOne(roomy);
    const Ulid plainId = f.submitOne(spec(m.name, 5, QStringLiteral("plain")));
    QTRY_VERIFY_WITH_TIMEOUT(nowMs() > late.deadlineMs, 5000); // the clock, not the engine, is what we wait for
    QVERIFY(await(f.engine->setModelPaused(m.name, false)).ok());
    QTRY_COMPARE_WITH_TIMEOUT(f.countFinal(), qint64(3), 10000);

    QCOMPARE(f.statesOf(lateId), (QList<TaskState> { TaskState::Queued, TaskState::Dead })); // never ran
    const Task t = *await(f.engine->task(lateId.toString()));
    QCOMPARE(t.attempts, 0);
    QVERIFY2(
        t.error.contains(QLatin1String("deadline")) && t.error.contains(QLatin1String("passed before the task could start")), qPrintable(t.error));
    QCOMPARE(f.lastState(roomyId), TaskState::Succeeded);
    QCOMPARE(f.lastState(plainId), TaskState::Succeeded);
}

// A failed attempt is not retried when the back-off would end after the
// deadline: the task goes dead at once, saying so, instead of waiting to fail.
void TestScheduler::deadlineStopsRetries()
{
    EngineFixture f;
    QVERIFY(f.start());
    ModelConfig m = simModel(QStringLiteral("m"));
    m.endpoints[0].simulation.failureRate = 1.0;
    m.retry.maxAttempts = 5;
    m.retry.initialDelayMs = 60'000;
    m.retry.maxDelayMs = 120'000; // simModel caps it at 200 ms
    m.retry.jitter = 0;
    QVERIFY(f.addModel(m));
    TaskSpec s = spec(m.name);
    s.deadlineMs = nowMs() + 30'000; // well before the first retry could run
    const Ulid id = f.submitOne(s);
    QTRY_COMPARE_WITH_TIMEOUT(f.lastState(id), TaskState::Dead, 10000);
    QCOMPARE(f.statesOf(id), (QList<TaskState> { TaskState::Queued, TaskState::Running, TaskState::Dead }));
    const Task t = *await(f.engine->task(id.toString()));
    QCOMPARE(t.attempts, 1);
    QVERIFY2(t.error.contains(QLatin1String("the deadline leaves no time for another attempt")), qPrintable(t.error));
}

void TestScheduler::retryAfterIsRespected()
{
    EngineFixture f;
    QVERIFY(f.start());
    ModelConfig m = simModel(QStringLiteral("m"));
    m.endpoints[0].simulation.rate429 = 1.0;
    m.endpoints[0].simulation.retryAfterMs = 300;
    m.retry.maxAttempts = 2;
    m.retry.initialDelayMs = 1; // would retry at once without Retry-After
    QVERIFY(f.addModel(m));
    const Ulid id = f.submitOne(spec(m.name));
    QTRY_COMPARE_WITH_TIMEOUT(f.lastState(id), TaskState::Dead, 10000);
    const auto evs = f.eventsOf(id);
    qint64 waitedFrom = 0, ranAgain = 0;
    for (const TaskEvent& e : evs) {
        if (e.state == TaskState::RetryWait)
            waitedFrom = e.timeMs;
        if (e.state == TaskState::Queued && waitedFrom && !ranAgain)
            ranAgain = e.timeMs;
    }
    QVERIFY2(ranAgain - waitedFrom >= 299, qPrintable(QString::number(ranAgain - waitedFrom)));
}

void TestScheduler::scheduledTaskWaitsForRunAt()
{
    EngineFixture f;
    QVERIFY(f.start());
    QVERIFY(f.addModel(simModel(QStringLiteral("m"))));
    TaskSpec s = spec(QStringLiteral("m"));
    const qint64 runAt = QDateTime::currentMSecsSinceEpoch() + 250;
    s.runAtMs = runAt;
    const Ulid id = f.submitOne(s);
    QTRY_COMPARE_WITH_TIMEOUT(f.lastState(id), TaskState::Succeeded, 10000);
    QCOMPARE(f.statesOf(id), (QList<TaskState> { TaskState::Scheduled, TaskState::Queued, TaskState::Running, TaskState::Succeeded }));
    QVERIFY(f.eventsOf(id).at(1).timeMs >= runAt);
}

void TestScheduler::blockedTaskWaitsForDependency()
{
    EngineFixture f;
    QVERIFY(f.start());
    QVERIFY(f.addModel(simModel(QStringLiteral("m"), 30)));
    const Ulid first = f.submitOne(spec(QStringLiteral("m")));
    TaskSpec s = spec(QStringLiteral("m"));
    s.dependsOn = { first.toString() };
    const Ulid second = f.submitOne(s);
    QTRY_COMPARE_WITH_TIMEOUT(f.lastState(second), TaskState::Succeeded, 10000);
    QCOMPARE(f.statesOf(second).constFirst(), TaskState::Blocked);
    // It started only after its dependency succeeded.
    qint64 firstDone = 0, secondStart = 0;
    for (const TaskEvent& e : f.events) {
        if (e.id == first && e.state == TaskState::Succeeded)
            firstDone = e.timeMs;
        if (e.id == second && e.state == TaskState::Running)
            secondStart = e.timeMs;
    }
    QVERIFY(firstDone > 0 && secondStart >= firstDone);

    // A dependency that already finished earlier (not in memory) is looked up in the store.
    TaskSpec third = spec(QStringLiteral("m"));
    third.dependsOn = { first.toString() };
    const Ulid id3 = f.submitOne(third);
    QTRY_COMPARE_WITH_TIMEOUT(f.lastState(id3), TaskState::Succeeded, 10000);
}

void TestScheduler::failedDependencyCancelsDependent()
{
    EngineFixture f;
    QVERIFY(f.start());
    ModelConfig bad = simModel(QStringLiteral("bad"));
    bad.endpoints[0].simulation.failureRate = 1.0;
    bad.retry.maxAttempts = 1;
    QVERIFY(f.addModel(bad));
    QVERIFY(f.addModel(simModel(QStringLiteral("m"))));
    const Ulid dep = f.submitOne(spec(QStringLiteral("bad")));
    TaskSpec s = spec(QStringLiteral("m"));
    s.dependsOn = { dep.toString() };
    const Ulid id = f.submitOne(s);
    QTRY_COMPARE_WITH_TIMEOUT(f.lastState(id), TaskState::Cancelled, 10000);
    QVERIFY(f.eventsOf(id).constLast().error.contains(QLatin1String("ended dead")));
    // Unknown dependency ids cancel too.
    TaskSpec ghost = spec(QStringLiteral("m"));
    ghost.dependsOn = { UlidGenerator::next().toString() };
    const Ulid g = f.submitOne(ghost);
    QTRY_COMPARE_WITH_TIMEOUT(f.lastState(g), TaskState::Cancelled, 10000);
}

void TestScheduler::timeoutCountsAsRetryableFailure()
{
    EngineFixture f;
    QVERIFY(f.start());
    ModelConfig m = simModel(QStringLiteral("m"));
    m.endpoints[0].simulation.timeoutRate = 1.0;
    m.retry.maxAttempts = 2;
    m.timeoutMs = 50;
    QVERIFY(f.addModel(m));
    const Ulid id = f.submitOne(spec(m.name));
    QTRY_COMPARE_WITH_TIMEOUT(f.lastState(id), TaskState::Dead, 10000);
    QVERIFY(f.statesOf(id).contains(TaskState::RetryWait));
    const Task t = *await(f.engine->task(id.toString()));
    QCOMPARE(t.attempts, 2);
    QVERIFY2(t.error.contains(QLatin1String("timed out")), qPrintable(t.error));
}

void TestScheduler::capacityRefusesAndStoresNothing()
{
    EngineFixture f;
    QVERIFY(f.start());
    ModelConfig m = simModel(QStringLiteral("m"));
    m.capacity = 3;
    m.paused = true;
    QVERIFY(f.addModel(m));
    QCOMPARE(f.submit({ spec(m.name), spec(m.name) }).size(), 2);
    // Two more would exceed 3: the whole batch is refused, nothing stored.
    const auto refused = await(f.engine->submit({ spec(m.name), spec(m.name) }));
    QVERIFY(!refused);
    QCOMPARE(refused.error().code, ErrorCode::CapacityExceeded);
    QVERIFY(refused.error().message.contains(QLatin1String("full")));
    QCOMPARE(f.submit({ spec(m.name) }).size(), 1);
    const auto page = *await(f.engine->tasks(TaskFilter {}));
    QCOMPARE(page.tasks.size(), 3);
}

void TestScheduler::unknownModelIsRefused()
{
    EngineFixture f;
    QVERIFY(f.start());
    QVERIFY(f.addModel(simModel(QStringLiteral("m"))));
    const auto r = await(f.engine->submit({ spec(QStringLiteral("m")), spec(QStringLiteral("nope")) }));
    QVERIFY(!r);
    QCOMPARE(r.error().code, ErrorCode::InvalidArgument);
    QCOMPARE(r.error().field, QStringLiteral("tasks[1].model"));
    QVERIFY(r.error().message.contains(QLatin1String("nope")));
    QCOMPARE(await(f.engine->tasks(TaskFilter {}))->tasks.size(), 0);
}

// The REST server hands the submits of one event-loop pass over together:
// each group stands alone (a refused one does not take the others down), the
// capacity counts the groups before it, and the results keep their order.
void TestScheduler::submitEachAcceptsOrRefusesEachGroup()
{
    EngineFixture f;
    QVERIFY(f.start());
    ModelConfig m = simModel(QStringLiteral("m"));
    m.capacity = 4;
    m.paused = true;
    QVERIFY(f.addModel(m));
    const QList<QList<TaskSpec>> groups = {
        { spec(m.name), spec(m.name) },
        { spec(m.name), spec(QStringLiteral("nope")) },
        { spec(m.name), spec(m.name), spec(m.name) }, // 2 + 3 > 4
        { spec(m.name, 7) },
        {},
    };
    const auto results = await(f.engine->submitEach(groups));
    QCOMPARE(results.size(), groups.size());
    QVERIFY(results.at(0).ok());
    QCOMPARE(results.at(0)->size(), 2);
    QVERIFY(!results.at(1));
    QCOMPARE(results.at(1).error().field, QStringLiteral("tasks[1].model"));
    QVERIFY(!results.at(2));
    QCOMPARE(results.at(2).error().code, ErrorCode::CapacityExceeded);
    QVERIFY(results.at(3).ok());
    QCOMPARE(results.at(3)->size(), 1);
    QVERIFY(!results.at(4));
    QCOMPARE(results.at(4).error().code, ErrorCode::InvalidArgument);

    const auto page = *await(f.engine->tasks(TaskFilter {}));
    QCOMPARE(page.tasks.size(), 3);
    QSet<QString> stored;
    for (const Task& t : page.tasks)
        stored.insert(t.id.toString());
    for (int g : { 0, 3 })
        for (const SubmitOutcome& o : *results.at(g))
            QVERIFY(stored.contains(o.id.toString()));
    QCOMPARE(page.tasks.first().spec.priority, 7); // newest first: the last group's
    // The capacity is back to what is stored: one more fits, two do not.
    QCOMPARE(f.submit({ spec(m.name) }).size(), 1);
    QVERIFY(!await(f.engine->submit({ spec(m.name) })));
}

void TestScheduler::cancelQueuedTask()
{
    EngineFixture f;
    QVERIFY(f.start());
    ModelConfig m = simModel(QStringLiteral("m"));
    m.paused = true;
    QVERIFY(f.addModel(m));
    const Ulid id = f.submitOne(spec(m.name));
    const auto r = await(f.engine->cancel(id.toString()));
    QVERIFY(r.ok());
    QCOMPARE(*r, TaskState::Cancelled);
    QVERIFY(await(f.engine->setModelPaused(m.name, false)).ok());
    QTRY_COMPARE_WITH_TIMEOUT(f.lastState(id), TaskState::Cancelled, 5000);
    QVERIFY(!f.statesOf(id).contains(TaskState::Running));
    QCOMPARE(await(f.engine->task(id.toString()))->state, TaskState::Cancelled);
}

void TestScheduler::cancelRunningTaskAbortsCall()
{
    EngineFixture f;
    QVERIFY(f.start());
    QVERIFY(f.addModel(simModel(QStringLiteral("m"), 60'000)));
    const Ulid id = f.submitOne(spec(QStringLiteral("m")));
    QTRY_COMPARE_WITH_TIMEOUT(f.lastState(id), TaskState::Running, 5000);
    const auto r = await(f.engine->cancel(id.toString()));
    QVERIFY(r.ok());
    QCOMPARE(*r, TaskState::Cancelled);
    QTRY_COMPARE_WITH_TIMEOUT(f.lastState(id), TaskState::Cancelled, 5000);
    // The call was aborted, not waited out: its slot is free while the
    // simulated call still had most of its 60 s to go.
    QTRY_COMPARE_WITH_TIMEOUT(f.engine->snapshot()->models.value(0).inflight, 0, 5000);
    const auto log = *await(f.engine->taskLog(id.toString()));
    QVERIFY(!log.isEmpty());
    QVERIFY2(log.last().message.contains(QLatin1String("cancel")), qPrintable(log.last().message));
}

void TestScheduler::cancelFinishedTaskIsConflict()
{
    EngineFixture f;
    QVERIFY(f.start());
    QVERIFY(f.addModel(simModel(QStringLiteral("m"))));
    const Ulid id = f.submitOne(spec(QStringLiteral("m")));
    QTRY_COMPARE_WITH_TIMEOUT(f.lastState(id), TaskState::Succeeded, 5000);
    const auto r = await(f.engine->cancel(id.toString()));
    QVERIFY(!r);
    QCOMPARE(r.error().code, ErrorCode::Conflict);
    const auto missing = await(f.engine->cancel(UlidGenerator::next().toString()));
    QCOMPARE(missing.error().code, ErrorCode::NotFound);
    const auto garbage = await(f.engine->cancel(QStringLiteral("not-an-id")));
    QCOMPARE(garbage.error().code, ErrorCode::NotFound);
}

void TestScheduler::idempotentResubmit()
{
    EngineFixture f;
    QVERIFY(f.start());
    ModelConfig m = simModel(QStringLiteral("m"));
    m.paused = true;
    QVERIFY(f.addModel(m));
    TaskSpec s = spec(m.name);
    s.idempotencyKey = QStringLiteral("order-42");
    const auto first = f.submit({ s });
    QCOMPARE(first.size(), 1);
    QVERIFY(!first[0].duplicate);
    // Same key again, alone and inside a batch with a new task.
    const auto again = f.submit({ s });
    QVERIFY(again[0].duplicate);
    QCOMPARE(again[0].id, first[0].id);
    const auto mixed = f.submit({ spec(m.name), s });
    QVERIFY(!mixed[0].duplicate);
    QVERIFY(mixed[1].duplicate);
    QCOMPARE(mixed[1].id, first[0].id);
    QCOMPARE(await(f.engine->tasks(TaskFilter {}))->tasks.size(), 2);
    // A key twice in one submit: the second is the first's duplicate.
    TaskSpec twice = spec(m.name);
    twice.idempotencyKey = QStringLiteral("order-43");
    const auto pair = f.submit({ twice, twice });
    QVERIFY(!pair[0].duplicate);
    QVERIFY(pair[1].duplicate);
    QCOMPARE(pair[1].id, pair[0].id);
    // The same key on another model is another task.
    QVERIFY(f.addModel(simModel(QStringLiteral("other"))));
    s.model = QStringLiteral("other");
    QVERIFY(!f.submit({ s })[0].duplicate);

    // Keys are looked up a few hundred at a time: 600 stored, then the same
    // 600 again among 10 new ones (some of them on the other model).
    QList<TaskSpec> many;
    for (int i = 0; i < 600; ++i) {
        TaskSpec k = spec(m.name);
        k.idempotencyKey = QStringLiteral("line-%1").arg(i);
        many.append(k);
    }
    const auto stored = f.submit(many);
    QCOMPARE(stored.size(), 600);
    QVERIFY(std::none_of(stored.cbegin(), stored.cend(), [](const SubmitOutcome& o) { return o.duplicate; }));
    QList<TaskSpec> again600 = many;
    for (int i = 0; i < 10; ++i) {
        TaskSpec k = spec(i % 2 ? m.name : QStringLiteral("other"));
        k.idempotencyKey = QStringLiteral("line-%1").arg(i % 2 ? 600 + i : i); // "other" has no line-0..9 yet
        again600.insert(i * 60, k);
    }
    const auto resubmitted = f.submit(again600);
    QCOMPARE(resubmitted.size(), 610);
    qsizetype duplicates = 0;
    for (qsizetype i = 0; i < again600.size(); ++i) {
        if (!resubmitted[i].duplicate)
            continue;
        ++duplicates;
        const qsizetype original = again600[i].idempotencyKey.mid(5).toInt();
        QCOMPARE(again600[i].model, m.name);
        QCOMPARE(resubmitted[i].id, stored[original].id);
    }
    QCOMPARE(duplicates, qsizetype(600));
    QCOMPARE(*await(f.engine->countTasks(TaskFilter {})), qint64(2 + 1 + 1 + 600 + 10));
}

void TestScheduler::concurrencyNeverAboveLimit()
{
    EngineFixture f;
    QVERIFY(f.start());
    ModelConfig m = simModel(QStringLiteral("m"), 0, 4);
    m.endpoints[0].simulation.distribution = SimulationConfig::Distribution::Uniform;
    m.endpoints[0].simulation.latencyMinMs = 0;
    m.endpoints[0].simulation.latencyMaxMs = 4;
    m.endpoints[0].simulation.failureRate = 0.1;
    // About 1 run in 150 drew five failures in a row and opened the circuit
    // for longer than the test waits: circuits are not what this test is about.
    m.endpoints[0].circuit.failureThreshold = 1000;
    QVERIFY(f.addModel(m));
    QList<TaskSpec> specs;
    for (int i = 0; i < 600; ++i)
        specs.append(spec(m.name, i % 10));
    QCOMPARE(f.submit(specs).size(), 600);
    const Peaks p = runUntilFinal(f, 600, 60'000, [&f] { return f.engine->snapshot()->models.value(0).inflight; });
    QCOMPARE(f.countFinal(), qint64(600));
    QVERIFY2(p.running <= 4, qPrintable(QString::number(p.running)));
    QVERIFY(p.running >= 2); // it did run in parallel
    QVERIFY(p.inflight <= 4);
}

// Batch lines (low priority) fill every slot while nothing urgent runs; once
// urgent work has run they leave one slot in 16 free, so the next interactive
// call starts at once instead of waiting for a batch line's call to end.
void TestScheduler::lowPriorityWorkLeavesASlotForUrgentWork()
{
    EngineFixture f;
    QVERIFY(f.start());
    // Calls take long enough that none ends while the test looks.
    QVERIFY(f.addModel(simModel(QStringLiteral("bulk"), 20'000, 16)));
    QVERIFY(f.addModel(simModel(QStringLiteral("mixed"), 20'000, 16)));
    const auto inflight = [&f](const QString& model) {
        for (const ModelSnapshot& m : f.engine->snapshot()->models)
            if (m.config.name == model)
                return m.inflight;
        return -1;
    };
    const auto lowTasks = [](const QString& model) {
        QList<TaskSpec> specs;
        for (int i = 0; i < 40; ++i)
            specs.append(spec(model, kLowPriority));
        return specs;
    };

    // Nothing urgent: low work takes all 16 slots.
    QCOMPARE(f.submit(lowTasks(QStringLiteral("bulk"))).size(), 40);
    QTRY_COMPARE_WITH_TIMEOUT(inflight(QStringLiteral("bulk")), 16, 10'000);

    // An urgent call ran: low work stops one slot short of the limit.
    const Ulid first = f.submitOne(spec(QStringLiteral("mixed"), kHighPriority));
    QTRY_COMPARE_WITH_TIMEOUT(f.lastState(first), TaskState::Running, 10'000);
    QCOMPARE(f.submit(lowTasks(QStringLiteral("mixed"))).size(), 40);
    QTRY_COMPARE_WITH_TIMEOUT(inflight(QStringLiteral("mixed")), 15, 10'000); // 1 urgent + 14 low
    const auto queued = [&f] {
        for (const ModelSnapshot& m : f.engine->snapshot()->models)
            if (m.config.name == QLatin1String("mixed"))
                return m.states[static_cast<size_t>(TaskState::Queued)];
        return qint64(-1);
    };
    QTRY_COMPARE_WITH_TIMEOUT(queued(), qint64(26), 10'000);

    // The next urgent call takes the free slot at once: no low call has ended.
    const Ulid second = f.submitOne(spec(QStringLiteral("mixed"), kHighPriority));
    QTRY_COMPARE_WITH_TIMEOUT(f.lastState(second), TaskState::Running, 10'000);
    QTRY_COMPARE_WITH_TIMEOUT(inflight(QStringLiteral("mixed")), 16, 10'000); // as the next snapshot shows it
    QCOMPARE(queued(), qint64(26));
    QCOMPARE(f.countFinal(), qint64(0));
    QCOMPARE(inflight(QStringLiteral("bulk")), 16);
}

void TestScheduler::editingAModelKeepsItsCallsCounted()
{
    // An edit replaces the endpoint runtimes while calls are running on the old
    // ones: those calls must still count against the endpoint's limit, and their
    // end must free the slot on the new runtime.
    EngineFixture f;
    QVERIFY(f.start());
    ModelConfig m = simModel(QStringLiteral("m"), 400, 8);
    m.endpoints[0].maxConcurrency = 2;
    QVERIFY(f.addModel(m));
    QList<TaskSpec> specs;
    for (int i = 0; i < 6; ++i)
        specs.append(spec(m.name));
    QCOMPARE(f.submit(specs).size(), 6);
    const auto endpointInflight = [&f] { return f.engine->snapshot()->models.value(0).endpoints.value(0).inflight; };
    QTRY_COMPARE_WITH_TIMEOUT(endpointInflight(), 2, 5000);

    m.timeoutMs = 30'000; // any change installs new endpoint runtimes
    QVERIFY(f.addModel(m));
    const Peaks p = runUntilFinal(f, 6, 30'000, endpointInflight);
    QCOMPARE(f.countFinal(), qint64(6));
    QVERIFY2(p.running <= 2, qPrintable(QString::number(p.running)));
    QVERIFY2(p.inflight <= 2, qPrintable(QString::number(p.inflight)));
    QTRY_COMPARE_WITH_TIMEOUT(endpointInflight(), 0, 5000); // every end reached the new runtime
}

void TestScheduler::pauseAndResumeModel()
{
    EngineFixture f;
    QVERIFY(f.start());
    QVERIFY(f.addModel(simModel(QStringLiteral("m"))));
    QVERIFY(await(f.engine->setModelPaused(QStringLiteral("m"), true)).ok());
    const Ulid id = f.submitOne(spec(QStringLiteral("m")));
    QTRY_VERIFY_WITH_TIMEOUT(f.engine->snapshot()->models.value(0).paused, 5000);
    QTRY_COMPARE_WITH_TIMEOUT(f.engine->snapshot()->models.value(0).states[static_cast<int>(TaskState::Queued)], qint64(1), 5000);
    QCOMPARE(f.lastState(id), TaskState::Queued);
    // Global pause holds it too, even after the model resumes.
    QVERIFY(await(f.engine->setPaused(true)).ok());
    QVERIFY(await(f.engine->setModelPaused(QStringLiteral("m"), false)).ok());
    QTRY_VERIFY_WITH_TIMEOUT(f.engine->snapshot()->paused, 5000);
    QCOMPARE(f.lastState(id), TaskState::Queued);
    QVERIFY(await(f.engine->setPaused(false)).ok());
    QTRY_COMPARE_WITH_TIMEOUT(f.lastState(id), TaskState::Succeeded, 5000);
}

void TestScheduler::deadLettersRequeueAndPurge()
{
    EngineFixture f;
    QVERIFY(f.start());
    ModelConfig m = simModel(QStringLiteral("m"));
    m.endpoints[0].simulation.failureRate = 1.0;
    m.retry.maxAttempts = 1;
    QVERIFY(f.addModel(m));
    const auto out = f.submit({ spec(m.name), spec(m.name), spec(m.name) });
    QTRY_COMPARE_WITH_TIMEOUT(f.countFinal(), qint64(3), 10000);
    TaskFilter dead;
    dead.states = { TaskState::Dead };
    QCOMPARE(await(f.engine->tasks(dead))->tasks.size(), 3);

    // One retried by hand, the model fixed, the rest requeued in bulk.
    m.endpoints[0].simulation.failureRate = 0;
    QVERIFY(f.addModel(m));
    QCOMPARE(*await(f.engine->retry(out[0].id.toString())), TaskState::Queued);
    QTRY_COMPARE_WITH_TIMEOUT(f.lastState(out[0].id), TaskState::Succeeded, 10000);
    QCOMPARE(*await(f.engine->requeueDead(m.name)), qint64(2));
    QTRY_COMPARE_WITH_TIMEOUT(f.lastState(out[2].id), TaskState::Succeeded, 10000);
    QTRY_COMPARE_WITH_TIMEOUT(f.lastState(out[1].id), TaskState::Succeeded, 10000);
    const Task t = *await(f.engine->task(out[1].id.toString()));
    QCOMPARE(t.attempts, 1);
    QVERIFY(t.error.isEmpty());

    // Purge: only finished tasks, and only the state asked for.
    QCOMPARE(*await(f.engine->purge(TaskState::Dead)), qint64(0));
    QCOMPARE(*await(f.engine->purge(TaskState::Succeeded, m.name)), qint64(3));
    QCOMPARE(await(f.engine->tasks(TaskFilter {}))->tasks.size(), 0);
    QCOMPARE(await(f.engine->purge(TaskState::Queued)).error().code, ErrorCode::InvalidArgument);
}

void TestScheduler::changePriorityOfQueuedTask()
{
    EngineFixture f;
    QVERIFY(f.start());
    ModelConfig m = simModel(QStringLiteral("m"), 0, 1);
    m.paused = true;
    QVERIFY(f.addModel(m));
    const Ulid a = f.submitOne(spec(m.name, 5));
    const Ulid b = f.submitOne(spec(m.name, 5));
    QVERIFY(await(f.engine->setPriority(b.toString(), 0)).ok());
    QCOMPARE(await(f.engine->setPriority(b.toString(), 12)).error().field, QStringLiteral("priority"));
    QVERIFY(await(f.engine->setModelPaused(m.name, false)).ok());
    QTRY_COMPARE_WITH_TIMEOUT(f.countFinal(), qint64(2), 5000);
    const QList<Ulid> runOrder = f.runOrder();
    QCOMPARE(runOrder, (QList<Ulid> { b, a }));
    QCOMPARE(await(f.engine->task(b.toString()))->spec.priority, 0);
}

void TestScheduler::gracefulDrainLetsCallsFinish()
{
    EngineFixture f;
    QVERIFY(f.start());
    QVERIFY(f.addModel(simModel(QStringLiteral("m"), 150, 4)));
    const auto out = f.submit({ spec(QStringLiteral("m")), spec(QStringLiteral("m")) });
    QTRY_VERIFY_WITH_TIMEOUT(f.lastState(out[0].id) == TaskState::Running && f.lastState(out[1].id) == TaskState::Running, 5000);
    QVERIFY(await(f.engine->stop(10'000)).ok());
    f.engine->shutdown(0);
    // Both finished before the store closed.
    RawConnection raw(f.dbPath());
    QVERIFY(raw.isOpen());
    QCOMPARE(raw.scalar(QStringLiteral("SELECT count(*) FROM tasks WHERE state = 5")).toInt(), 2);
}

void TestScheduler::stopWithoutDrainRequeuesRunningWork()
{
    QTemporaryDir dir;
    Ulid id;
    {
        EngineFixture f(dir.path());
        QVERIFY(f.start());
        QVERIFY(f.addModel(simModel(QStringLiteral("m"), 60'000)));
        id = f.submitOne(spec(QStringLiteral("m")));
        QTRY_COMPARE_WITH_TIMEOUT(f.lastState(id), TaskState::Running, 5000);
        QVERIFY(await(f.engine->stop(0)).ok());
    }
    // Restart without dispatch, so what we read is what the stop left behind.
    EngineFixture again(dir.path());
    QVERIFY(again.start(false));
    const Task t = *await(again.engine->task(id.toString()));
    // Interrupted by us: back in the queue, the attempt not counted.
    QCOMPARE(t.state, TaskState::Queued);
    QCOMPARE(t.attempts, 0);
    // (On PostgreSQL the stopped node left it to the shared queue; the new one claims it.)
    QTRY_COMPARE_WITH_TIMEOUT(again.engine->snapshot()->models.value(0).states[static_cast<int>(TaskState::Queued)], qint64(1), 5'000);
}

// Each stop writes the current minute; a restart within the same minute adds
// to that row. The latency histogram must add up like the counters do.
void TestScheduler::minuteRollupsAddUpAcrossRestarts()
{
    QTemporaryDir dir;
    const qint64 from = nowMs() - 60'000;
    for (int run = 0; run < 2; ++run) {
        EngineFixture f(dir.path());
        QVERIFY(f.start());
        if (run == 0)
            QVERIFY(f.addModel(simModel(QStringLiteral("m"), 2, 4)));
        for (int i = 0; i < 5; ++i)
            f.submitOne(spec(QStringLiteral("m")));
        QTRY_COMPARE_WITH_TIMEOUT(f.countFinal(), qint64(5), 10000);
        f.stop();
    }
    EngineFixture f(dir.path());
    QVERIFY(f.start(false));
    const auto minutes = await(f.engine->statsMinutes({ from, nowMs() + 60'000, QStringLiteral("m") }));
    QVERIFY(minutes.ok());
    qint64 succeeded = 0, latencyCount = 0, inBuckets = 0;
    for (const MinuteStats& m : *minutes) {
        succeeded += m.counters.succeeded;
        latencyCount += m.latency.count();
        for (int b = 0; b < Histogram::kBuckets; ++b)
            inBuckets += m.latency.bucket(b);
    }
    QCOMPARE(succeeded, 10);
    QCOMPARE(latencyCount, 10);
    QCOMPARE(inBuckets, 10);
}

// Each endpoint of a model gets its share of the minute: the attempts it ran,
// their latency, and the outcomes they decided. Together they make the model's
// attempt figures; submissions stay the model's alone.
void TestScheduler::endpointMinutesSplitTheModel()
{
    QTemporaryDir dir;
    const qint64 from = nowMs() - 60'000;
    {
        EngineFixture f(dir.path());
        QVERIFY(f.start());
        ModelConfig pair = simModel(QStringLiteral("pair"), 40, 4);
        EndpointConfig second = pair.endpoints.at(0);
        pair.endpoints[0].name = QStringLiteral("first");
        second.name = QStringLiteral("second");
        pair.endpoints.append(second);
        QVERIFY(f.addModel(pair));
        for (int i = 0; i < 12; ++i)
            f.submitOne(spec(QStringLiteral("pair")));
        QTRY_COMPARE_WITH_TIMEOUT(f.countFinal(), qint64(12), 10000);
        // The live figures split the same way (once a snapshot has them all).
        const auto endpoints = [&f] { return f.engine->snapshot()->models.value(0).endpoints; };
        QTRY_COMPARE(endpoints().size(), 2);
        QTRY_COMPARE(endpoints()[0].stats.succeeded + endpoints()[1].stats.succeeded, qint64(12));
        const QList<EndpointSnapshot> eps = endpoints();
        QVERIFY(eps[0].stats.succeeded > 0 && eps[1].stats.succeeded > 0);
        QVERIFY(eps[0].latencyP50 > 0);
        f.stop(); // writes the minute
    }
    EngineFixture f(dir.path());
    QVERIFY(f.start(false));
    const auto models = await(f.engine->statsMinutes({ from, nowMs() + 60'000, QStringLiteral("pair") }));
    const auto endpoints = await(f.engine->statsMinutes({ from, nowMs() + 60'000, QStringLiteral("pair"), StatsRows::Endpoints }));
    QVERIFY(models.ok() && endpoints.ok());
    qint64 modelSucceeded = 0, modelAttempts = 0;
    for (const MinuteStats& m : *models) {
        QVERIFY(m.endpoint.isEmpty());
        modelSucceeded += m.counters.succeeded;
        modelAttempts += m.latency.count();
    }
    QHash<QString, qint64> succeeded;
    qint64 attempts = 0, submitted = 0;
    for (const MinuteStats& m : *endpoints) {
        QCOMPARE(m.model, QStringLiteral("pair"));
        succeeded[m.endpoint] += m.counters.succeeded;
        attempts += m.latency.count();
        submitted += m.counters.submitted;
    }
    QCOMPARE(modelSucceeded, 12);
    QCOMPARE(succeeded.keys().size(), 2);
    QVERIFY(succeeded.value(QStringLiteral("first")) > 0 && succeeded.value(QStringLiteral("second")) > 0);
    QCOMPARE(succeeded.value(QStringLiteral("first")) + succeeded.value(QStringLiteral("second")), modelSucceeded);
    QCOMPARE(attempts, modelAttempts);
    QCOMPARE(submitted, 0);

    // The same split in 10-second slots (the 15-minute charts).
    const auto slotRows = await(f.engine->statsMinutes({ from, nowMs() + 60'000, QStringLiteral("pair"), StatsRows::Models, kStatsSlotMs }));
    const auto endpointSlots = await(f.engine->statsMinutes({ from, nowMs() + 60'000, QStringLiteral("pair"), StatsRows::Endpoints, kStatsSlotMs }));
    QVERIFY(slotRows.ok() && endpointSlots.ok());
    qint64 slotSucceeded = 0, slotSubmitted = 0, endpointSlotSucceeded = 0;
    for (const MinuteStats& m : *slotRows) {
        QCOMPARE(m.minuteMs % kStatsSlotMs, 0);
        QVERIFY(m.endpoint.isEmpty());
        slotSucceeded += m.counters.succeeded;
        slotSubmitted += m.counters.submitted;
    }
    for (const MinuteStats& m : *endpointSlots) {
        QVERIFY(!m.endpoint.isEmpty());
        endpointSlotSucceeded += m.counters.succeeded;
    }
    QCOMPARE(slotSucceeded, 12);
    QCOMPARE(slotSubmitted, 12);
    QCOMPARE(endpointSlotSucceeded, 12);
}

QTEST_GUILESS_MAIN(TestScheduler)
#include "tst_scheduler.moc"
