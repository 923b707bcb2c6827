// Crash safety: a daemon killed with SIGKILL mid-run loses no acknowledged task.

#include "enginetestutil.h"

#include <QFile>
#include <QProcess>
#include <QSqlQuery>
#include <QtTest>

using namespace llmsched;
using namespace testutil;

namespace {
constexpr int kTasks = 3000;

// Counts rows with a short-lived read-only connection of its own.
qint64 count(const QString& dbPath, const QString& where)
{
    RawConnection raw(dbPath, QStringLiteral("QSQLITE_OPEN_READONLY;QSQLITE_BUSY_TIMEOUT=2000"));
    const QVariant n = raw.scalar(QStringLiteral("SELECT count(*) FROM tasks WHERE ") + where);
    return n.isValid() ? n.toLongLong() : -1;
}
// Succeeded tasks: id -> "finished_at/attempts".
QHash<QString, QString> finishedRows(const QString& dbPath)
{
    RawConnection raw(dbPath, QStringLiteral("QSQLITE_OPEN_READONLY;QSQLITE_BUSY_TIMEOUT=2000"));
    QHash<QString, QString> out;
    QSqlQuery q(raw.db());
    if (!q.exec(QStringLiteral("SELECT id, finished_at, attempts FROM tasks WHERE state = 5")))
        return out;
    while (q.next())
        out.insert(q.value(0).toString(), q.value(1).toString() + QLatin1Char('/') + q.value(2).toString());
    return out;
}
} // namespace

class TestRecovery : public QObject
{
    Q_OBJECT

private slots:
    void sigkillMidRunLosesNothing();
};

void TestRecovery::sigkillMidRunLosesNothing()
{
    QTemporaryDir dir;
    const QString configPath = dir.filePath(QStringLiteral("config.json"));
    {
        QFile config(configPath);
        QVERIFY(config.open(QIODevice::WriteOnly));
        config.write(R"({"models":[{"name":"m","concurrency":32,"retry":{"initial_delay_ms":10},
            "endpoints":[{"name":"sim","provider":"simulated","simulation":{
            "latency_ms":{"distribution":"uniform","min":5,"max":40},"failure_rate":0.05}}]}]})");
    }
    const QString jsonl = dir.filePath(QStringLiteral("tasks.jsonl"));
    {
        QFile f(jsonl);
        QVERIFY(f.open(QIODevice::WriteOnly));
        for (int i = 0; i < kTasks; ++i)
            f.write(QStringLiteral(R"({"model":"m","priority":%1,"input":{"messages":[{"role":"user","content":"task %2"}]}})"
                                   "\n")
                        .arg(i % 10)
                        .arg(i)
                        .toUtf8());
    }
    const QString dataDir = dir.filePath(QStringLiteral("data"));
    const QStringList common = { QStringLiteral("--data-dir"), dataDir, QStringLiteral("--config"), configPath, QStringLiteral("--status-interval"),
        QStringLiteral("0"), QStringLiteral("--no-api") }; // no port to collide on

    // Import: acknowledged once the command reports it.
    QProcess import;
    import.start(QStringLiteral(LLMSCHED_DAEMON_PATH), common + QStringList { QStringLiteral("submit"), jsonl });
    QVERIFY(import.waitForFinished(60'000));
    QCOMPARE(import.exitCode(), 0);
    QVERIFY2(import.readAllStandardOutput().contains("imported 3000 tasks"), "import did not report all tasks");
    const QString dbPath = dataDir + QStringLiteral("/llm-scheduler.db");
    QCOMPARE(count(dbPath, QStringLiteral("1")), qint64(kTasks));

    // Run, and kill -9 while tasks are running.
    QProcess daemon;
    daemon.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    daemon.start(QStringLiteral(LLMSCHED_DAEMON_PATH), common);
    QVERIFY(daemon.waitForStarted());
    QTRY_VERIFY_WITH_TIMEOUT(count(dbPath, QStringLiteral("state = 5")) >= kTasks / 5, 60'000);
    QTRY_VERIFY_WITH_TIMEOUT(count(dbPath, QStringLiteral("state = 3")) > 0, 30'000);
    daemon.kill(); // SIGKILL
    QVERIFY(daemon.waitForFinished(10'000));
    QCOMPARE(daemon.exitStatus(), QProcess::CrashExit);
    const qint64 runningAtKill = count(dbPath, QStringLiteral("state = 3"));
    const qint64 finishedAtKill = count(dbPath, QStringLiteral("state IN (5, 6, 7)"));
    QVERIFY2(finishedAtKill < kTasks, "the kill came too late to test anything");
    QVERIFY2(runningAtKill > 0, "no call was running at the kill: the interrupted path went untested");
    const QHash<QString, QString> succeededAtKill = finishedRows(dbPath);
    QVERIFY(!succeededAtKill.isEmpty());

    // Restart in-process: every task reaches a final state, none is lost or doubled.
    EngineFixture f(dataDir);
    QVERIFY(f.start());
    QTRY_COMPARE_WITH_TIMEOUT(count(dbPath, QStringLiteral("state IN (5, 6, 7)")), qint64(kTasks), 120'000);
    QCOMPARE(count(dbPath, QStringLiteral("1")), qint64(kTasks));
    {
        // The interrupted attempts are on record.
        RawConnection raw(dbPath);
        QVERIFY(raw.isOpen());
        QCOMPARE(raw.scalar(QStringLiteral("SELECT count(DISTINCT task_seq) FROM task_logs WHERE message LIKE '%was interrupted%'")).toLongLong(),
            runningAtKill);
        // No task ran to success twice: one success entry each, and what had
        // succeeded before the kill was not run again (same finish, same attempts).
        QCOMPARE(raw.scalar(QStringLiteral("SELECT count(DISTINCT task_seq) FROM task_logs WHERE message LIKE 'succeeded in %'")).toLongLong(),
            count(dbPath, QStringLiteral("state = 5")));
        QCOMPARE(raw.scalar(QStringLiteral("SELECT count(*) FROM (SELECT task_seq FROM task_logs WHERE message LIKE 'succeeded in %' "
                                           "GROUP BY task_seq HAVING count(*) > 1)"))
                     .toLongLong(),
            qint64(0));
    }
    const QHash<QString, QString> succeededAfter = finishedRows(dbPath);
    for (auto it = succeededAtKill.constBegin(); it != succeededAtKill.constEnd(); ++it)
        QVERIFY2(succeededAfter.value(it.key()) == it.value(), qPrintable(it.key() + QStringLiteral(" ran again after it had succeeded")));
    qInfo() << "killed with" << runningAtKill << "running and" << finishedAtKill << "finished of" << kTasks;
}

QTEST_GUILESS_MAIN(TestRecovery)
#include "tst_recovery.moc"
