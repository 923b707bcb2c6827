// Real HTTP calls in flight: the engine against a fake OpenAI-compatible
// upstream in another process (fake_upstream) that answers every request after
// --latency-ms. With 5,000 in flight and 1 s latency the ceiling is 5,000
// completions/s; the gap to it is the engine's and the HTTP client's overhead.
// With --latency-ms 0 it measures how many requests/s one endpoint sustains.
//
//   bench_inflight [--tasks 50000] [--concurrency 5000] [--latency-ms 1000] [--upstream PATH]
//
// Prints completions_per_s (steady state: between 10 % and 90 % of the tasks
// finished), overall_per_s, peak_rss_mb and the peak calls in flight.

#include "benchutil.h"
#include "engine.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTextStream>
#include <QTimer>

#include <sys/resource.h>

using namespace llmsched;

namespace {
void raiseFileLimit()
{
    rlimit rl {};
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}
} // namespace

int main(int argc, char** argv)
{
    if (!qEnvironmentVariableIsSet("QT_NO_GLIB"))
        qputenv("QT_NO_GLIB", "1"); // as llm-schedulerd does
    QCoreApplication app(argc, argv);
    QCommandLineParser p;
    const QCommandLineOption tasksOpt(QStringLiteral("tasks"), QStringLiteral("tasks"), QStringLiteral("n"), QStringLiteral("50000"));
    const QCommandLineOption concOpt(QStringLiteral("concurrency"), QStringLiteral("calls in flight"), QStringLiteral("n"), QStringLiteral("5000"));
    const QCommandLineOption latOpt(QStringLiteral("latency-ms"), QStringLiteral("upstream latency"), QStringLiteral("ms"), QStringLiteral("1000"));
    const QCommandLineOption upOpt(QStringLiteral("upstream"), QStringLiteral("fake_upstream binary"), QStringLiteral("path"));
    const QCommandLineOption batchOpt(QStringLiteral("batch"), QStringLiteral("tasks per submit"), QStringLiteral("n"), QStringLiteral("1000"));
    p.addOptions({ tasksOpt, concOpt, latOpt, upOpt, batchOpt });
    p.addHelpOption();
    p.process(app);
    const int total = p.value(tasksOpt).toInt();
    const int concurrency = p.value(concOpt).toInt();
    const int batch = std::max(1, p.value(batchOpt).toInt());
    raiseFileLimit();

    // The upstream runs in its own process so its memory and CPU are not ours.
    QString upstream = p.value(upOpt);
    if (upstream.isEmpty())
        upstream = QFileInfo(QCoreApplication::applicationDirPath() + QStringLiteral("/fake_upstream")).absoluteFilePath();
    QProcess server;
    server.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    server.start(upstream, { QStringLiteral("--latency-ms"), p.value(latOpt), QStringLiteral("--completion-tokens"), QStringLiteral("20") });
    if (!server.waitForStarted(5000) || !server.waitForReadyRead(5000)) {
        QTextStream(stderr) << "cannot start " << upstream << '\n';
        return 2;
    }
    const QByteArray portLine = server.readLine().trimmed();
    if (!portLine.startsWith("port=")) {
        QTextStream(stderr) << "unexpected upstream output: " << portLine << '\n';
        return 2;
    }
    const QString baseUrl = QStringLiteral("http://127.0.0.1:%1/v1").arg(QString::fromLatin1(portLine.mid(5)));

    QTemporaryDir tmp;
    EngineOptions options;
    options.dataDir = tmp.path();
    Engine engine(options);
    if (auto r = engine.start(); !r) {
        QTextStream(stderr) << "cannot start: " << r.error().message << '\n';
        return 2;
    }
    ModelConfig model;
    model.name = QStringLiteral("bench");
    model.concurrency = concurrency;
    model.capacity = std::max<qint64>(total, 1);
    model.timeoutMs = 60'000;
    EndpointConfig e;
    e.name = QStringLiteral("upstream");
    e.provider = QStringLiteral("openai");
    e.baseUrl = baseUrl;
    e.upstreamModel = QStringLiteral("fake");
    model.endpoints.append(e);
    auto saved = engine.upsertModel(model);
    saved.waitForFinished();
    if (!saved.result()) {
        QTextStream(stderr) << "cannot add the model: " << saved.result().error().message << '\n';
        return 2;
    }

    const auto batches = chatBatches(
        model.name, total, batch, [](int j) { return QStringLiteral("question %1").arg(j); }, [](int) { return kDefaultPriority; });

    qint64 succeeded = 0, failed = 0;
    qint64 at10 = 0, at90 = 0;
    int peakInflight = 0;
    QElapsedTimer clock;
    QObject::connect(&engine, &Engine::taskEvents, &app, [&](const TaskEvents& events) {
        for (const TaskEvent& ev : events) {
            if (ev.state == TaskState::Succeeded)
                ++succeeded;
            else if (isFinal(ev.state))
                ++failed;
        }
        const qint64 done = succeeded + failed;
        if (!at10 && done >= total / 10)
            at10 = clock.nsecsElapsed();
        if (!at90 && done >= total * 9 / 10)
            at90 = clock.nsecsElapsed();
        if (done >= total)
            app.quit();
    });
    QTimer sampler;
    QObject::connect(&sampler, &QTimer::timeout, &app, [&] {
        for (const ModelSnapshot& m : engine.snapshot()->models)
            peakInflight = std::max(peakInflight, m.inflight);
    });
    sampler.start(100);

    qsizetype next = 0;
    std::function<void()> submitNext = [&] {
        if (next >= batches.size())
            return;
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
    QString lastError;
    for (const ModelSnapshot& m : engine.snapshot()->models)
        for (const EndpointSnapshot& es : m.endpoints)
            lastError = es.lastError;
    engine.shutdown(0);
    server.closeWriteChannel(); // stdin EOF ends it
    server.waitForFinished(5000);
    if (rc != 0)
        return rc;
    const double steady = (at90 > at10) ? (total * 0.8) / (static_cast<double>(at90 - at10) / 1e9) : 0;
    QTextStream out(stdout);
    out << "inflight tasks=" << total << " concurrency=" << concurrency << " latency_ms=" << p.value(latOpt) << " succeeded=" << succeeded
        << " failed=" << failed << " seconds=" << seconds << " peak_inflight=" << peakInflight << " overall_per_s=" << qRound64(total / seconds)
        << " peak_rss_mb=" << procStatusKb("VmHWM:") / 1024 << '\n';
    if (failed > 0)
        out << "last_error=" << lastError << '\n';
    out << "completions_per_s=" << qRound64(steady) << '\n';
    return 0;
}
