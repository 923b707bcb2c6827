// Schedules on a real engine and store (core/schedule.h, engine/schedulemanager.h),
// with the schedules' clock under the test's control where time matters:
// a cron with seconds firing in real time, fire times across both DST switches
// (and a fire at the gap's end), an interval on its grid, a missed run while
// stopped (skip and run_once), pause and resume, a workflow as the target, and
// refusals that name the field.

#include "enginetestutil.h"

#include <QJsonArray>
#include <QTimeZone>

#include <atomic>

using namespace llmsched;
using namespace testutil;

namespace {

qint64 utc(const char* iso)
{
    return QDateTime::fromString(QString::fromLatin1(iso), Qt::ISODate).toMSecsSinceEpoch();
}

QJsonObject taskBody(const QString& content = QStringLiteral("scheduled"))
{
    return QJsonObject { { QStringLiteral("model"), QStringLiteral("m") },
        { QStringLiteral("input"),
            QJsonObject { { QStringLiteral("messages"),
                QJsonArray { QJsonObject { { QStringLiteral("role"), QStringLiteral("user") }, { QStringLiteral("content"), content } } } } } } };
}

ScheduleSpec spec(const QJsonObject& json)
{
    auto s = ScheduleSpec::fromJson(json);
    if (!s)
        qFatal("schedule refused: %s", qPrintable(s.error().toString()));
    return *s;
}

QStringList nextTimes(const QJsonObject& schedule)
{
    QStringList out;
    for (const QJsonValue& v : schedule.value(QLatin1String("next_fire_times")).toArray())
        out << v.toString();
    return out;
}

} // namespace

class TestSchedules : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();

    void cronWithSecondsFiresOnTime();
    void fireTimesAcrossDaylightSavingSwitches();
    void aFireAtTheEndOfTheSpringGap();
    void intervalFiresOnItsGrid();
    void missedRunWhileStopped();
    void pauseAndResume();
    void workflowAsTarget();
    void twoNodesFireOncePerDueTime();
    void refusalsNameTheField_data();
    void refusalsNameTheField();

private:
    void startAt(qint64 ms, bool realClock = false);
    QList<Task> tasksOf(const QString& scheduleId);
    QJsonObject read(const QString& id);

    std::unique_ptr<EngineFixture> m_f;
    std::shared_ptr<std::atomic<qint64>> m_clock = std::make_shared<std::atomic<qint64>>(0);
};

void TestSchedules::init()
{
    m_f = std::make_unique<EngineFixture>();
}

void TestSchedules::cleanup()
{
    m_f.reset();
}

void TestSchedules::startAt(qint64 ms, bool realClock)
{
    m_clock->store(ms);
    if (!realClock) {
        auto clock = m_clock;
        m_f->clock = [clock] { return clock->load(); };
    }
    QVERIFY(m_f->start());
    QVERIFY(m_f->addModel(simModel(QStringLiteral("m"), 0, 8)));
}

QList<Task> TestSchedules::tasksOf(const QString& scheduleId)
{
    TaskFilter f;
    f.label = QStringLiteral("schedule=") + scheduleId;
    f.limit = 1000;
    f.newestFirst = false;
    auto page = await(m_f->engine->tasks(f));
    return page ? page->tasks : QList<Task> {};
}

QJsonObject TestSchedules::read(const QString& id)
{
    auto r = await(m_f->engine->schedule(id));
    return r ? *r : QJsonObject {};
}

void TestSchedules::cronWithSecondsFiresOnTime()
{
    startAt(0, true);
    auto created = await(m_f->engine->createSchedule(spec({ { QStringLiteral("name"), QStringLiteral("every second") },
        { QStringLiteral("cron"), QStringLiteral("* * * * * *") }, { QStringLiteral("task"), taskBody() } })));
    QVERIFY(created);
    const QString id = created->value(QLatin1String("id")).toString();
    QVERIFY(id.startsWith(QLatin1String("sch_")));
    QCOMPARE(nextTimes(*created).size(), 5);
    QTRY_VERIFY_WITH_TIMEOUT(tasksOf(id).size() >= 2, 10000);
    // Each task came within a second of its due time (the idempotency key
    // names the due time), and they ran.
    for (const Task& t : tasksOf(id)) {
        const qint64 due = t.spec.idempotencyKey.section(u':', 2).toLongLong();
        QVERIFY2(due > 0 && t.createdMs >= due && t.createdMs - due < 1000, qPrintable(t.spec.idempotencyKey));
    }
    QTRY_COMPARE_WITH_TIMEOUT(tasksOf(id).constFirst().state, TaskState::Succeeded, 10000);
    QTRY_VERIFY_WITH_TIMEOUT(read(id).value(QLatin1String("last_result")).toObject().value(QLatin1String("task_id")).isString(), 5000);
    QVERIFY(read(id).value(QLatin1String("fires")).toInteger() >= 2);
}

void TestSchedules::fireTimesAcrossDaylightSavingSwitches()
{
    startAt(utc("2026-03-28T12:00:00Z"));
    auto created = await(m_f->engine->createSchedule(
        spec({ { QStringLiteral("name"), QStringLiteral("nightly") }, { QStringLiteral("cron"), QStringLiteral("30 2 * * *") },
            { QStringLiteral("timezone"), QStringLiteral("Europe/Berlin") }, { QStringLiteral("task"), taskBody() } })));
    QVERIFY(created);
    // 02:30 does not exist on 29 March: it runs when the gap ends (03:00 CEST = 01:00 UTC).
    QCOMPARE(nextTimes(*created).mid(0, 3),
        (QStringList {
            QStringLiteral("2026-03-29T01:00:00.000Z"), QStringLiteral("2026-03-30T00:30:00.000Z"), QStringLiteral("2026-03-31T00:30:00.000Z") }));
    // In October 02:30 happens twice: it runs at the first (CEST).
    m_clock->store(utc("2026-10-24T12:00:00Z"));
    QCOMPARE(nextTimes(read(created->value(QLatin1String("id")).toString())).mid(0, 2),
        (QStringList { QStringLiteral("2026-10-25T00:30:00.000Z"), QStringLiteral("2026-10-26T01:30:00.000Z") }));
}

void TestSchedules::aFireAtTheEndOfTheSpringGap()
{
    startAt(utc("2026-03-29T00:59:58Z"));
    auto created = await(m_f->engine->createSchedule(
        spec({ { QStringLiteral("name"), QStringLiteral("nightly") }, { QStringLiteral("cron"), QStringLiteral("30 2 * * *") },
            { QStringLiteral("timezone"), QStringLiteral("Europe/Berlin") }, { QStringLiteral("task"), taskBody() } })));
    QVERIFY(created);
    const QString id = created->value(QLatin1String("id")).toString();
    QVERIFY(tasksOf(id).isEmpty());
    m_clock->store(utc("2026-03-29T01:00:00.300Z"));
    QTRY_COMPARE_WITH_TIMEOUT(tasksOf(id).size(), 1, 5000);
    QCOMPARE(tasksOf(id).constFirst().spec.idempotencyKey, QStringLiteral("schedule:%1:%2").arg(id).arg(utc("2026-03-29T01:00:00Z")));
    QTRY_COMPARE_WITH_TIMEOUT(nextTimes(read(id)).value(0), QStringLiteral("2026-03-30T00:30:00.000Z"), 5000);
}

void TestSchedules::intervalFiresOnItsGrid()
{
    const qint64 t0 = utc("2026-12-01T10:00:00Z");
    startAt(t0);
    auto created = await(m_f->engine->createSchedule(spec(
        { { QStringLiteral("name"), QStringLiteral("poll") }, { QStringLiteral("interval_ms"), 60000 }, { QStringLiteral("task"), taskBody() } })));
    QVERIFY(created);
    const QString id = created->value(QLatin1String("id")).toString();
    QCOMPARE(nextTimes(*created).value(0), QStringLiteral("2026-12-01T10:01:00.000Z"));
    // Late by 30 s: one fire, and the grid keeps its place (10:02, not 10:02:30).
    m_clock->store(t0 + 90'000);
    QTRY_COMPARE_WITH_TIMEOUT(tasksOf(id).size(), 1, 5000);
    QTRY_COMPARE_WITH_TIMEOUT(nextTimes(read(id)).value(0), QStringLiteral("2026-12-01T10:02:00.000Z"), 5000);
    m_clock->store(t0 + 120'000);
    QTRY_COMPARE_WITH_TIMEOUT(tasksOf(id).size(), 2, 5000);
}

void TestSchedules::missedRunWhileStopped()
{
    const qint64 t0 = utc("2026-12-01T10:00:00Z");
    startAt(t0);
    const auto daily = [](const QString& name, const QString& missed) {
        return spec({ { QStringLiteral("name"), name }, { QStringLiteral("cron"), QStringLiteral("0 3 * * *") }, { QStringLiteral("missed"), missed },
            { QStringLiteral("task"), taskBody() } });
    };
    const QString skip
        = await(m_f->engine->createSchedule(daily(QStringLiteral("skip"), QStringLiteral("skip"))))->value(QLatin1String("id")).toString();
    const QString once
        = await(m_f->engine->createSchedule(daily(QStringLiteral("once"), QStringLiteral("run_once"))))->value(QLatin1String("id")).toString();
    QVERIFY(!skip.isEmpty() && !once.isEmpty());
    m_f->stop();
    // Stopped over two 03:00s.
    m_clock->store(utc("2026-12-03T09:00:00Z"));
    QVERIFY(m_f->start());
    QTRY_COMPARE_WITH_TIMEOUT(tasksOf(once).size(), 1, 5000);
    QTRY_COMPARE_WITH_TIMEOUT(read(skip).value(QLatin1String("skipped")).toInteger(), 1, 5000);
    QVERIFY(tasksOf(skip).isEmpty());
    QCOMPARE(nextTimes(read(skip)).value(0), QStringLiteral("2026-12-04T03:00:00.000Z"));
    QTRY_COMPARE_WITH_TIMEOUT(nextTimes(read(once)).value(0), QStringLiteral("2026-12-04T03:00:00.000Z"), 5000);
    // The run_once fire is the first missed time, and only one ran.
    QCOMPARE(tasksOf(once).constFirst().spec.idempotencyKey, QStringLiteral("schedule:%1:%2").arg(once).arg(utc("2026-12-02T03:00:00Z")));
}

void TestSchedules::pauseAndResume()
{
    const qint64 t0 = utc("2026-12-01T10:00:00Z");
    startAt(t0);
    const QString id = await(m_f->engine->createSchedule(spec({ { QStringLiteral("name"), QStringLiteral("p") },
                                 { QStringLiteral("interval_ms"), 60000 }, { QStringLiteral("task"), taskBody() } })))
                           ->value(QLatin1String("id"))
                           .toString();
    auto paused = await(m_f->engine->pauseSchedule(id, true));
    QVERIFY(paused);
    QCOMPARE(paused->value(QLatin1String("state")).toString(), QStringLiteral("paused"));
    QVERIFY(nextTimes(*paused).isEmpty());
    auto resumed = await(m_f->engine->pauseSchedule(id, false));
    QVERIFY(resumed);
    QCOMPARE(resumed->value(QLatin1String("state")).toString(), QStringLiteral("active"));
    QCOMPARE(nextTimes(*resumed).value(0), QStringLiteral("2026-12-01T10:01:00.000Z"));
    m_clock->store(t0 + 61'000);
    QTRY_COMPARE_WITH_TIMEOUT(tasksOf(id).size(), 1, 5000);
    QVERIFY(await(m_f->engine->deleteSchedule(id)));
    QCOMPARE(await(m_f->engine->schedule(id)).error().code, ErrorCode::NotFound);
    QCOMPARE(await(m_f->engine->deleteSchedule(id)).error().code, ErrorCode::NotFound);
}

void TestSchedules::twoNodesFireOncePerDueTime()
{
    if (!testsOnPostgres())
        QSKIP("nodes share a store on PostgreSQL only (the *_pg run)");
    const qint64 t0 = utc("2026-12-01T10:00:00Z");
    m_f->nodeId = QStringLiteral("node-a");
    startAt(t0);
    const QString id = await(m_f->engine->createSchedule(spec({ { QStringLiteral("name"), QStringLiteral("both") },
                                 { QStringLiteral("interval_ms"), 60000 }, { QStringLiteral("task"), taskBody() } })))
                           ->value(QLatin1String("id"))
                           .toString();
    // A second node on the same database, on the same clock: it reads the schedule as it starts.
    EngineFixture other(m_f->dir());
    other.nodeId = QStringLiteral("node-b");
    auto clock = m_clock;
    other.clock = [clock] { return clock->load(); };
    QVERIFY(other.start());
    QCOMPARE(await(other.engine->schedule(id))->value(QLatin1String("name")).toString(), QStringLiteral("both"));

    // Three due times, each seen by both nodes: one fire each.
    for (int n = 1; n <= 3; ++n) {
        m_clock->store(t0 + n * 60'000 + 500);
        QTRY_COMPARE_WITH_TIMEOUT(tasksOf(id).size(), n, 10000);
        QTRY_COMPARE_WITH_TIMEOUT(read(id).value(QLatin1String("fires")).toInteger(), n, 10000);
    }
    QSet<QString> keys;
    for (const Task& t : tasksOf(id))
        keys.insert(t.spec.idempotencyKey);
    QCOMPARE(keys.size(), 3);
    // Both nodes' view of it agrees: the next due time after the last fire.
    QTRY_COMPARE_WITH_TIMEOUT(nextTimes(*await(other.engine->schedule(id))).value(0), QStringLiteral("2026-12-01T10:04:00.000Z"), 10000);
    QCOMPARE(tasksOf(id).size(), 3);
}

void TestSchedules::workflowAsTarget()
{
    startAt(utc("2026-12-01T10:00:00Z"));
    const QJsonObject workflow { { QStringLiteral("name"), QStringLiteral("nightly digest") }, { QStringLiteral("model"), QStringLiteral("m") },
        { QStringLiteral("tasks"),
            QJsonArray {
                QJsonObject { { QStringLiteral("key"), QStringLiteral("a") }, { QStringLiteral("input"), taskBody().value(QLatin1String("input")) } },
                QJsonObject { { QStringLiteral("key"), QStringLiteral("b") }, { QStringLiteral("depends_on"), QJsonArray { QStringLiteral("a") } },
                    { QStringLiteral("input"),
                        taskBody(QStringLiteral("{{steps.a.output.choices[0].message.content}}")).value(QLatin1String("input")) } } } } };
    const QString id = await(m_f->engine->createSchedule(spec({ { QStringLiteral("name"), QStringLiteral("w") },
                                 { QStringLiteral("cron"), QStringLiteral("0 3 * * *") }, { QStringLiteral("workflow"), workflow } })))
                           ->value(QLatin1String("id"))
                           .toString();
    QVERIFY(await(m_f->engine->runSchedule(id)));
    QString workflowId;
    QTRY_VERIFY_WITH_TIMEOUT(
        !(workflowId = read(id).value(QLatin1String("last_result")).toObject().value(QLatin1String("workflow_id")).toString()).isEmpty(), 5000);
    QTRY_COMPARE_WITH_TIMEOUT(await(m_f->engine->workflow(workflowId))->doc.status, QStringLiteral("succeeded"), 10000);
    QCOMPARE(
        await(m_f->engine->workflow(workflowId))->doc.doc.value(QLatin1String("metadata")).toObject().value(QLatin1String("schedule")).toString(),
        id);
    // Its tasks carry the schedule's label, as a task it fires does (a
    // schedule-scope webhook hears them by it).
    const QList<Task> tasks = tasksOf(id);
    QCOMPARE(tasks.size(), 2);
    for (const Task& t : tasks)
        QCOMPARE(t.spec.labels.value(QLatin1String("workflow")).toString(), workflowId);
    // Run by hand: the next fire time did not move.
    QCOMPARE(nextTimes(read(id)).value(0), QStringLiteral("2026-12-02T03:00:00.000Z"));
}

void TestSchedules::refusalsNameTheField_data()
{
    QTest::addColumn<QJsonObject>("body");
    QTest::addColumn<QString>("field");
    QTest::addColumn<QString>("says");
    const QJsonObject task = taskBody();
    const auto with = [&task](const QJsonObject& extra) {
        QJsonObject o { { QStringLiteral("name"), QStringLiteral("x") }, { QStringLiteral("task"), task } };
        for (auto it = extra.begin(); it != extra.end(); ++it)
            o.insert(it.key(), it.value());
        return o;
    };
    QTest::newRow("bad minute") << with({ { QStringLiteral("cron"), QStringLiteral("61 * * * *") } }) << QStringLiteral("cron")
                                << QStringLiteral("minute field: 61");
    QTest::newRow("four fields") << with({ { QStringLiteral("cron"), QStringLiteral("* * * *") } }) << QStringLiteral("cron")
                                 << QStringLiteral("expected 5 or 6 fields");
    QTest::newRow("never") << with({ { QStringLiteral("cron"), QStringLiteral("0 0 30 2 *") } }) << QStringLiteral("cron")
                           << QStringLiteral("never fires");
    QTest::newRow("zone") << with(
        { { QStringLiteral("cron"), QStringLiteral("0 3 * * *") }, { QStringLiteral("timezone"), QStringLiteral("Mars/Olympus") } })
                          << QStringLiteral("timezone") << QStringLiteral("unknown time zone");
    QTest::newRow("both") << with({ { QStringLiteral("cron"), QStringLiteral("0 3 * * *") }, { QStringLiteral("interval_ms"), 60000 } })
                          << QStringLiteral("cron") << QStringLiteral("not both");
    QTest::newRow("short interval") << with({ { QStringLiteral("interval_ms"), 10 } }) << QStringLiteral("interval_ms") << QString();
    QTest::newRow("missed") << with({ { QStringLiteral("cron"), QStringLiteral("0 3 * * *") }, { QStringLiteral("missed"), QStringLiteral("all") } })
                            << QStringLiteral("missed") << QStringLiteral("skip or run_once");
    QTest::newRow("no target") << QJsonObject { { QStringLiteral("name"), QStringLiteral("x") },
        { QStringLiteral("cron"), QStringLiteral("0 3 * * *") } }
                               << QStringLiteral("task") << QStringLiteral("either task");
    QJsonObject badTask = task;
    badTask.insert(QStringLiteral("priority"), 42);
    QTest::newRow("bad task") << QJsonObject { { QStringLiteral("name"), QStringLiteral("x") },
        { QStringLiteral("cron"), QStringLiteral("0 3 * * *") }, { QStringLiteral("task"), badTask } }
                              << QStringLiteral("task.priority") << QString();
    QTest::newRow("cyclic workflow") << QJsonObject { { QStringLiteral("name"), QStringLiteral("x") },
        { QStringLiteral("cron"), QStringLiteral("0 3 * * *") },
        { QStringLiteral("workflow"),
            QJsonObject { { QStringLiteral("model"), QStringLiteral("m") },
                { QStringLiteral("tasks"),
                    QJsonArray { QJsonObject { { QStringLiteral("key"), QStringLiteral("a") },
                        { QStringLiteral("depends_on"), QJsonArray { QStringLiteral("a") } },
                        { QStringLiteral("input"), task.value(QLatin1String("input")) } } } } } } }
                                     << QStringLiteral("workflow.tasks") << QStringLiteral("cycle: a -> a");
}

void TestSchedules::refusalsNameTheField()
{
    QFETCH(QJsonObject, body);
    QFETCH(QString, field);
    QFETCH(QString, says);
    auto s = ScheduleSpec::fromJson(body);
    QVERIFY(!s);
    QCOMPARE(s.error().field, field);
    QVERIFY2(s.error().message.contains(says), qPrintable(s.error().message));
}

QTEST_GUILESS_MAIN(TestSchedules)
#include "tst_schedules.moc"
