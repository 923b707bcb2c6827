// A batch of the OpenAI Batch API end to end, over the REST API: upload an
// N-line file (POST /v1/files), create the batch, poll it until completed,
// download the output file; against a zero-latency simulated model on a
// durable SQLite store. Prints lines_per_s and the server's peak RSS.
//
// The server (engine and REST API) runs in this process; the HTTP client runs
// in a child process (this program again, with --client-of), as a user's
// client would, so the server's peak RSS is its own and not the client's
// copies of the file, the form and the output.
//
// With --interactive K, K chat calls go through /v1/chat/completions one
// after another while the batch runs (and, for comparison, K more with no
// batch running first). Reported as p50/p99: their queue waits (started -
// queued, from the stored tasks) and their round trips as the client saw
// them. Interactive work must not wait behind a batch.
//
//   bench_batch [--lines 50000] [--concurrency 256] [--interactive 200]

#include "benchutil.h"
#include "engine.h"

#include "api/apiserver.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QTemporaryDir>
#include <QTextStream>
#include <QTimer>

#include <algorithm>

#include <csignal>
#include <sys/prctl.h>

using namespace llmsched;

namespace {

struct Http
{
    QNetworkAccessManager nam;
    QString base;
    QByteArray token;

    QByteArray send(const QByteArray& method, const QString& path, const QByteArray& body = {}, const QByteArray& type = "application/json",
        QNetworkReply** kept = nullptr)
    {
        QNetworkRequest r(QUrl(base + path));
        r.setRawHeader("Authorization", "Bearer " + token);
        if (!body.isEmpty())
            r.setRawHeader("Content-Type", type);
        QNetworkReply* reply = nam.sendCustomRequest(r, method, body);
        QEventLoop loop;
        QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
        if (!reply->isFinished())
            loop.exec();
        const QByteArray out = reply->readAll();
        if (kept)
            *kept = reply;
        else
            reply->deleteLater();
        return out;
    }
    QJsonObject json(const QByteArray& method, const QString& path, const QByteArray& body = {}, const QByteArray& type = "application/json")
    {
        return QJsonDocument::fromJson(send(method, path, body, type)).object();
    }
};

double percentile(QList<double> v, double p)
{
    if (v.isEmpty())
        return 0;
    std::sort(v.begin(), v.end());
    return v.at(std::min<qsizetype>(v.size() - 1, static_cast<qsizetype>(p * static_cast<double>(v.size()))));
}

void pause(int ms)
{
    QEventLoop loop;
    QTimer::singleShot(ms, &loop, &QEventLoop::quit);
    loop.exec();
}

// Client side: K chat calls one after another, 50 a second as a person's tools
// would send them, while keepGoing(). Prints "call <phase> <task id> <round trip ms>".
void interactiveCalls(QTextStream& out, const char* phase, Http& http, int k, const std::function<bool()>& keepGoing)
{
    const QByteArray body = R"({"model":"bench","messages":[{"role":"user","content":"interactive"}]})";
    for (int i = 0; i < k && keepGoing(); ++i) {
        QElapsedTimer roundTrip;
        roundTrip.start();
        QNetworkReply* reply = nullptr;
        http.send("POST", QStringLiteral("/v1/chat/completions"), body, "application/json", &reply);
        out << "call " << phase << ' ' << reply->rawHeader("X-Task-Id") << ' ' << static_cast<double>(roundTrip.nsecsElapsed()) / 1e6 << '\n';
        reply->deleteLater();
        pause(20);
    }
}

// The client process: everything a user's program would do, timed.
int runClient(const QString& base, const QByteArray& token, int lines, int interactive)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL); // a server that crashed leaves no client waiting on it
    QTextStream out(stdout);
    Http http;
    http.base = base;
    http.token = token;
    if (interactive > 0)
        interactiveCalls(out, "idle", http, interactive, [] { return true; });

    // The input, built before the clock starts.
    QByteArray content;
    content.reserve(static_cast<qsizetype>(lines) * 150);
    for (int i = 0; i < lines; ++i)
        content += R"({"custom_id":"line-)" + QByteArray::number(i)
            + R"(","method":"POST","url":"/v1/chat/completions","body":{"model":"bench","messages":[{"role":"user","content":"question )"
            + QByteArray::number(i) + R"("}]}})" + '\n';
    QByteArray form = "--B\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n--B\r\nContent-Disposition: form-data; name=\"file\"; "
                      "filename=\"in.jsonl\"\r\n\r\n"
        + content + "\r\n--B--\r\n";
    content = {};

    QElapsedTimer clock;
    clock.start();
    const QJsonObject file = http.json("POST", QStringLiteral("/v1/files"), form, "multipart/form-data; boundary=B");
    form = {};
    out << "upload_s " << static_cast<double>(clock.nsecsElapsed()) / 1e9 << '\n';
    const QByteArray create = "{\"input_file_id\":\"" + file.value(QLatin1String("id")).toString().toLatin1()
        + "\",\"endpoint\":\"/v1/chat/completions\",\"completion_window\":\"24h\"}";
    const QString batchId = http.json("POST", QStringLiteral("/v1/batches"), create).value(QLatin1String("id")).toString();
    if (batchId.isEmpty()) {
        QTextStream(stderr) << "the batch was not created\n";
        return 2;
    }
    if (interactive > 0)
        interactiveCalls(out, "busy", http, interactive, [&] {
            const QString status = http.json("GET", QStringLiteral("/v1/batches/") + batchId).value(QLatin1String("status")).toString();
            return status == QLatin1String("validating") || status == QLatin1String("in_progress");
        });
    QJsonObject batch;
    for (bool done = false; !done;) {
        batch = http.json("GET", QStringLiteral("/v1/batches/") + batchId);
        const QString status = batch.value(QLatin1String("status")).toString();
        done = status == QLatin1String("completed") || status == QLatin1String("failed") || status == QLatin1String("cancelled")
            || status == QLatin1String("expired");
        if (!done)
            pause(20);
    }
    const QByteArray output = http.send("GET", QStringLiteral("/v1/files/%1/content").arg(batch.value(QLatin1String("output_file_id")).toString()));
    const double seconds = static_cast<double>(clock.nsecsElapsed()) / 1e9;
    const QJsonObject counts = batch.value(QLatin1String("request_counts")).toObject();
    out << "status " << batch.value(QLatin1String("status")).toString() << '\n'
        << "completed " << counts.value(QLatin1String("completed")).toInteger() << '\n'
        << "failed " << counts.value(QLatin1String("failed")).toInteger() << '\n'
        << "output_lines " << output.count('\n') << '\n'
        << "seconds " << seconds << '\n'
        << "client_peak_rss_mb " << procStatusKb("VmHWM:") / 1024 << '\n';
    return 0;
}

struct Calls
{
    QList<double> waits, roundTrips;
};

void report(QTextStream& out, const char* name, const Calls& calls)
{
    out << name << " calls=" << calls.roundTrips.size() << " wait_p50_ms=" << percentile(calls.waits, 0.5)
        << " wait_p99_ms=" << percentile(calls.waits, 0.99) << " round_trip_p50_ms=" << percentile(calls.roundTrips, 0.5)
        << " round_trip_p99_ms=" << percentile(calls.roundTrips, 0.99) << '\n';
}

} // namespace

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    QCommandLineParser p;
    const QCommandLineOption linesOpt(QStringLiteral("lines"), QStringLiteral("batch lines"), QStringLiteral("n"), QStringLiteral("50000"));
    const QCommandLineOption concOpt(QStringLiteral("concurrency"), QStringLiteral("model concurrency"), QStringLiteral("n"), QStringLiteral("256"));
    const QCommandLineOption interOpt(
        QStringLiteral("interactive"), QStringLiteral("chat calls during the batch (and as many without)"), QStringLiteral("n"), QStringLiteral("0"));
    const QCommandLineOption clientOpt(QStringLiteral("client-of"), QStringLiteral("run as the client of this server"), QStringLiteral("url"));
    const QCommandLineOption tokenOpt(QStringLiteral("token"), QStringLiteral("the client's API token"), QStringLiteral("token"));
    p.addOptions({ linesOpt, concOpt, interOpt, clientOpt, tokenOpt });
    p.addHelpOption();
    p.process(app);
    const int lines = p.value(linesOpt).toInt();
    const int interactive = p.value(interOpt).toInt();
    if (p.isSet(clientOpt))
        return runClient(p.value(clientOpt), p.value(tokenOpt).toLatin1(), lines, interactive);

    QTemporaryDir tmp;
    EngineOptions options;
    options.dataDir = tmp.path();
    Engine engine(options);
    if (auto r = engine.start(); !r) {
        QTextStream(stderr) << "cannot start: " << r.error().message << '\n';
        return 2;
    }
    const ModelConfig model = benchModel(p.value(concOpt).toInt(), lines + 10'000);
    auto saved = engine.upsertModel(model);
    saved.waitForFinished();
    auto token = engine.createToken(QStringLiteral("bench"), Role::Operator);
    token.waitForFinished();
    ApiOptions ao;
    ao.port = 0;
    ApiHost api(engine, ao);
    const auto port = api.start();
    if (!saved.result() || !token.result() || !port) {
        QTextStream(stderr) << "cannot set up the model, token or API\n";
        return 2;
    }

    QProcess client;
    client.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    client.start(QCoreApplication::applicationFilePath(),
        { QStringLiteral("--client-of"), QStringLiteral("http://127.0.0.1:%1").arg(*port), QStringLiteral("--token"), token.result()->secret,
            QStringLiteral("--lines"), QString::number(lines), QStringLiteral("--interactive"), QString::number(interactive) });
    QEventLoop loop;
    QObject::connect(&client, &QProcess::finished, &loop, &QEventLoop::quit);
    if (client.state() != QProcess::NotRunning)
        loop.exec();
    if (client.exitStatus() != QProcess::NormalExit || client.exitCode() != 0) {
        QTextStream(stderr) << "the client failed (exit code " << client.exitCode() << ")\n";
        return 2;
    }

    QHash<QByteArray, QByteArray> figures;
    Calls idle, busy;
    for (const QByteArray& line : client.readAllStandardOutput().split('\n')) {
        const QList<QByteArray> words = line.split(' ');
        if (words.size() == 4 && words[0] == "call") {
            Calls& calls = words[1] == "idle" ? idle : busy;
            calls.roundTrips.append(words[3].toDouble());
            auto t = engine.task(QString::fromLatin1(words[2]));
            t.waitForFinished();
            if (t.result() && t.result()->startedMs > 0)
                calls.waits.append(static_cast<double>(t.result()->startedMs - t.result()->queuedMs));
        } else if (words.size() == 2) {
            figures.insert(words[0], words[1]);
        }
    }
    api.stop();
    engine.shutdown(0);

    QTextStream out(stdout);
    const double seconds = figures.value("seconds").toDouble();
    if (interactive > 0)
        report(out, "interactive_without_batch", idle);
    out << "batch lines=" << lines << " status=" << figures.value("status") << " completed=" << figures.value("completed")
        << " failed=" << figures.value("failed") << " output_lines=" << figures.value("output_lines") << " upload_s=" << figures.value("upload_s")
        << " seconds=" << seconds << " peak_rss_mb=" << procStatusKb("VmHWM:") / 1024 << " client_peak_rss_mb=" << figures.value("client_peak_rss_mb")
        << '\n';
    if (interactive > 0)
        report(out, "interactive_during_batch", busy);
    out << "lines_per_s=" << (seconds > 0 ? qRound64(lines / seconds) : 0) << '\n';
    return figures.value("output_lines").toLongLong() == lines ? 0 : 1;
}
