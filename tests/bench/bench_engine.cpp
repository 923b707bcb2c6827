// Engine throughput: durable SQLite store, zero-latency simulated model,
// N tasks with mixed priorities, submit-to-succeeded. Prints tasks_per_s=N last.
//
//   bench_engine [--tasks 100000] [--batch 1000] [--concurrency 256] [--latency-ms 0]

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
#include <QTimer>

using namespace llmsched;

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    QCommandLineParser p;
    const QCommandLineOption tasksOpt(QStringLiteral("tasks"), QStringLiteral("tasks"), QStringLiteral("n"), QStringLiteral("100000"));
    const QCommandLineOption batchOpt(QStringLiteral("batch"), QStringLiteral("tasks per submit"), QStringLiteral("n"), QStringLiteral("1000"));
    const QCommandLineOption concOpt(QStringLiteral("concurrency"), QStringLiteral("model concurrency"), QStringLiteral("n"), QStringLiteral("256"));
    const QCommandLineOption latOpt(QStringLiteral("latency-ms"), QStringLiteral("simulated latency"), QStringLiteral("ms"), QStringLiteral("0"));
    const QCommandLineOption dirOpt(QStringLiteral("dir"), QStringLiteral("data dir (default: a temporary one)"), QStringLiteral("dir"));
    const QCommandLineOption dbOpt(
        QStringLiteral("database"), QStringLiteral("a SQLite file or a postgresql:// URL (default: in --dir)"), QStringLiteral("file|url"));
    p.addOptions({ tasksOpt, batchOpt, concOpt, latOpt, dirOpt, dbOpt });
    p.addHelpOption();
    p.process(app);
    const int total = p.value(tasksOpt).toInt();
    const int batch = std::max(1, p.value(batchOpt).toInt());

    QTemporaryDir tmp;
    EngineOptions options;
    options.dataDir = p.isSet(dirOpt) ? p.value(dirOpt) : tmp.path();
    options.databasePath = p.value(dbOpt);
    Engine engine(options);
    if (auto r = engine.start(); !r) {
        QTextStream(stderr) << "cannot start: " << r.error().message << '\n';
        return 2;
    }
    ModelConfig model;
    model.name = QStringLiteral("bench");
    model.concurrency = p.value(concOpt).toInt();
    model.capacity = std::max<qint64>(total, 1);
    EndpointConfig e;
    e.name = QStringLiteral("sim");
    e.simulation.latencyMs = p.value(latOpt).toDouble();
    model.endpoints.append(e);
    auto saved = engine.upsertModel(model);
    saved.waitForFinished();
    if (!saved.result()) {
        QTextStream(stderr) << "cannot add the model: " << saved.result().error().message << '\n';
        return 2;
    }

    // Inputs prepared up front so the clock measures the engine, not JSON building.
    const auto batches = chatBatches(
        model.name, total, batch, [](int j) { return QStringLiteral("task %1").arg(j); }, [](int j) { return 1 + j % 3; });

    qint64 succeeded = 0, otherFinal = 0;
    qint64 submitDoneNs = 0;
    QElapsedTimer clock;
    QObject::connect(&engine, &Engine::taskEvents, &app, [&](const TaskEvents& events) {
        for (const TaskEvent& ev : events) {
            if (ev.state == TaskState::Succeeded)
                ++succeeded;
            else if (isFinal(ev.state))
                ++otherFinal;
        }
        if (succeeded + otherFinal >= total)
            app.quit();
    });

    qsizetype next = 0;
    std::function<void()> submitNext = [&] {
        if (next >= batches.size()) {
            submitDoneNs = clock.nsecsElapsed();
            return;
        }
        engine.submit(batches.at(next++)).then(&app, [&](const Result<QList<SubmitOutcome>>& r) {
            if (!r) {
                QTextStream(stderr) << "submit failed: " << r.error().message << '\n';
                app.exit(2);
                return;
            }
            submitNext();
        });
    };
    QTimer::singleShot(0, &app, [&] {
        clock.start();
        submitNext();
    });
    const int rc = app.exec();
    const double seconds = static_cast<double>(clock.nsecsElapsed()) / 1e9;
    engine.shutdown(0);
    if (rc != 0)
        return rc;
    QTextStream out(stdout);
    out << "engine tasks=" << total << " batch=" << batch << " concurrency=" << model.concurrency << " latency_ms=" << e.simulation.latencyMs
        << " succeeded=" << succeeded << " other=" << otherFinal << " submit_per_s=" << qRound64(total / (static_cast<double>(submitDoneNs) / 1e9))
        << " seconds=" << seconds << " peak_rss_mb=" << procStatusKb("VmHWM:") / 1024 << '\n';
    out << "tasks_per_s=" << qRound64(total / seconds) << '\n';
    return 0;
}
