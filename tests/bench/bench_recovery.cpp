// One million queued tasks: fill a store (dispatch off), then measure how long
// a fresh engine takes to start on it (recovery, queues rebuilt) and its RSS.
//
//   bench_recovery [--tasks 1000000] [--dir DIR] [--restart-only]   Prints recovery_seconds=X last.
// For a clean RSS figure, fill once with --dir, then measure with --restart-only
// in a fresh process.

#include "benchutil.h"
#include "engine.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTextStream>

using namespace llmsched;

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    QCommandLineParser p;
    const QCommandLineOption tasksOpt(QStringLiteral("tasks"), QStringLiteral("tasks"), QStringLiteral("n"), QStringLiteral("1000000"));
    const QCommandLineOption dirOpt(QStringLiteral("dir"), QStringLiteral("data dir"), QStringLiteral("dir"));
    const QCommandLineOption restartOnly(QStringLiteral("restart-only"), QStringLiteral("skip the fill; measure a restart on --dir"));
    p.addOptions({ tasksOpt, dirOpt, restartOnly });
    p.process(app);
    const int total = p.value(tasksOpt).toInt();
    QTemporaryDir tmp;
    const QString dir = p.isSet(dirOpt) ? p.value(dirOpt) : tmp.path();
    QTextStream out(stdout);

    QElapsedTimer fillClock;
    fillClock.start();
    if (!p.isSet(restartOnly)) {
        EngineOptions o;
        o.dataDir = dir;
        o.dispatch = false;
        Engine engine(o);
        if (auto r = engine.start(); !r) {
            out << "cannot start: " << r.error().message << '\n';
            return 2;
        }
        ModelConfig m;
        m.name = QStringLiteral("bulk");
        m.capacity = std::max(total, 1) * 2LL;
        EndpointConfig e;
        e.name = QStringLiteral("sim");
        m.endpoints.append(e);
        engine.upsertModel(m).waitForFinished();
        const int batch = 5000;
        for (int i = 0; i < total; i += batch) {
            QList<TaskSpec> specs;
            for (int j = i; j < std::min(total, i + batch); ++j) {
                TaskSpec s;
                s.model = m.name;
                s.priority = j % 10;
                s.input = QJsonDocument(QJsonObject { { QStringLiteral("messages"),
                                            QJsonArray { QJsonObject { { QStringLiteral("role"), QStringLiteral("user") },
                                                { QStringLiteral("content"), QStringLiteral("queued task number %1").arg(j) } } } } })
                              .toJson(QJsonDocument::Compact);
                specs.append(std::move(s));
            }
            auto f = engine.submit(std::move(specs));
            f.waitForFinished();
            if (!f.result()) {
                out << "submit failed: " << f.result().error().message << '\n';
                return 2;
            }
        }
        engine.shutdown(0);
    }
    const double fillSeconds = static_cast<double>(fillClock.nsecsElapsed()) / 1e9;
    const qint64 rssBefore = procStatusKb("VmRSS:");

    EngineOptions o;
    o.dataDir = dir;
    o.dispatch = false;
    Engine engine(o);
    QElapsedTimer clock;
    clock.start();
    if (auto r = engine.start(); !r) {
        out << "cannot restart: " << r.error().message << '\n';
        return 2;
    }
    const double recovery = static_cast<double>(clock.nsecsElapsed()) / 1e9;
    const auto snap = engine.snapshot();
    out << "recovery tasks=" << total << " fill_seconds=" << fillSeconds
        << " queued_after_restart=" << snap->states[static_cast<int>(TaskState::Queued)] << " rss_mb=" << procStatusKb("VmRSS:") / 1024
        << " rss_before_restart_mb=" << rssBefore / 1024 << " store_mb=" << engine.storeSizeBytes() / (1024 * 1024) << '\n';
    out << "recovery_seconds=" << recovery << '\n';
    engine.shutdown(0);
    return 0;
}
