// Schedules at rest and on time: N schedules that do not fire (daily at
// 03:00 in various zones) plus one that fires every second, on a durable
// SQLite store. Measures the process's CPU time over an idle window (as a
// share of one core) and how late each per-second fire's task was created
// after its due time (from the idempotency key, which names the due time).
//
//   bench_schedules [--schedules 1000] [--seconds 30]

#include "benchutil.h"
#include "engine.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QJsonArray>
#include <QTemporaryDir>
#include <QTextStream>
#include <QTimer>

#include <sys/resource.h>

#include <algorithm>

using namespace llmsched;

namespace {

double cpuSeconds()
{
    rusage u {};
    getrusage(RUSAGE_SELF, &u);
    return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

template <typename T> T wait(QFuture<T> f)
{
    f.waitForFinished();
    return f.result();
}

void idle(int ms)
{
    QEventLoop loop;
    QTimer::singleShot(ms, &loop, &QEventLoop::quit);
    loop.exec();
}

} // namespace

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    QCommandLineParser p;
    const QCommandLineOption countOpt(QStringLiteral("schedules"), QStringLiteral("schedules at rest"), QStringLiteral("n"), QStringLiteral("1000"));
    const QCommandLineOption secondsOpt(QStringLiteral("seconds"), QStringLiteral("idle window"), QStringLiteral("s"), QStringLiteral("30"));
    p.addOptions({ countOpt, secondsOpt });
    p.addHelpOption();
    p.process(app);
    const int count = p.value(countOpt).toInt();
    const int seconds = p.value(secondsOpt).toInt();

    QTemporaryDir tmp;
    EngineOptions options;
    options.dataDir = tmp.path();
    Engine engine(options);
    if (auto r = engine.start(); !r) {
        QTextStream(stderr) << "cannot start: " << r.error().message << '\n';
        return 2;
    }
    wait(engine.upsertModel(benchModel(0, 0)));
    const QJsonObject task { { QStringLiteral("model"), QStringLiteral("bench") }, { QStringLiteral("kind"), QStringLiteral("completion") },
        { QStringLiteral("input"), QJsonObject { { QStringLiteral("prompt"), QStringLiteral("tick") } } } };
    const QStringList zones { QStringLiteral("UTC"), QStringLiteral("Europe/Berlin"), QStringLiteral("America/New_York"),
        QStringLiteral("Asia/Tokyo") };
    for (int i = 0; i < count; ++i) {
        auto spec = ScheduleSpec::fromJson(
            { { QStringLiteral("name"), QStringLiteral("rest-%1").arg(i) }, { QStringLiteral("cron"), QStringLiteral("%1 3 * * *").arg(i % 60) },
                { QStringLiteral("timezone"), zones.at(i % zones.size()) }, { QStringLiteral("task"), task } });
        if (!spec || !wait(engine.createSchedule(*spec))) {
            QTextStream(stderr) << "cannot create schedule " << i << '\n';
            return 2;
        }
    }
    QTextStream out(stdout);
    idle(1500); // settle
    const double cpu0 = cpuSeconds();
    QElapsedTimer clock;
    clock.start();
    idle(seconds * 1000);
    const double idleShare = (cpuSeconds() - cpu0) / (static_cast<double>(clock.elapsed()) / 1000.0);
    out << QStringLiteral("bench_schedules: %1 schedules at rest for %2 s: %3 % of one core\n")
               .arg(count)
               .arg(seconds)
               .arg(idleShare * 100.0, 0, 'f', 3);

    // One schedule firing every second: how late is each fire?
    auto ticking = ScheduleSpec::fromJson({ { QStringLiteral("name"), QStringLiteral("every second") },
        { QStringLiteral("cron"), QStringLiteral("* * * * * *") }, { QStringLiteral("task"), task } });
    const auto created = wait(engine.createSchedule(*ticking));
    const QString id = created->value(QLatin1String("id")).toString();
    idle(10'500);
    wait(engine.pauseSchedule(id, true));
    TaskFilter f;
    f.label = QStringLiteral("schedule=") + id;
    f.limit = 100;
    QList<qint64> late;
    for (const Task& t : wait(engine.tasks(f))->tasks)
        late.append(t.createdMs - t.spec.idempotencyKey.section(u':', 2).toLongLong());
    std::sort(late.begin(), late.end());
    out << QStringLiteral("per-second schedule: %1 fires in 10.5 s; lateness median %2 ms, max %3 ms\n")
               .arg(late.size())
               .arg(late.isEmpty() ? -1 : late.at(late.size() / 2))
               .arg(late.isEmpty() ? -1 : late.constLast());
    engine.shutdown(0);
    return 0;
}
