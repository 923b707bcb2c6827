// A batch of the OpenAI Batch API end to end, over the REST API: upload an
// N-line file (POST /v1/files), create the batch, poll it until completed,
// download the output file; against a zero-latency simulated model on a
// durable SQLite store. Prints lines_per_s and peak RSS.
//
// With --interactive K, K chat calls go through /v1/chat/completions one
// after another while the batch runs (and, for comparison, K more with no
// batch running first), and their queue waits (started - queued, from the
// stored tasks) are reported as p50/p99: interactive work must not wait
// behind a batch.
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
#include <QTemporaryDir>
#include <QTextStream>
#include <QTimer>

#include <algorithm>

using namespace llmsched;

namespace {

struct Http
{
    QNetworkAccessManager nam;
    QString base;
    QByteArray token;

    QByteArray send(const QByteArray& method, const QString& path, const QByteArray& body = {}, const QByteArray& type = "application/json",
        int* status = nullptr)
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
        if (status)
            *status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        const QByteArray out = reply->readAll();
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

// K chat calls one after another; their queue waits in ms, from the stored tasks.
QList<double> interactiveWaits(Engine& engine, Http& http, int k, const std::function<bool()>& keepGoing)
{
    QList<double> waits;
    const QByteArray body = R"({"model":"bench","messages":[{"role":"user","content":"interactive"}]})";
    for (int i = 0; i < k && keepGoing(); ++i) {
        QNetworkRequest r(QUrl(http.base + QStringLiteral("/v1/chat/completions")));
        r.setRawHeader("Authorization", "Bearer " + http.token);
        r.setRawHeader("Content-Type", "application/json");
        QNetworkReply* reply = http.nam.post(r, body);
        QEventLoop loop;
        QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
        if (!reply->isFinished())
            loop.exec();
        const QString id = QString::fromLatin1(reply->rawHeader("X-Task-Id"));
        reply->deleteLater();
        auto t = engine.task(id);
        t.waitForFinished();
        if (t.result() && t.result()->startedMs > 0)
            waits.append(static_cast<double>(t.result()->startedMs - t.result()->queuedMs));
        QEventLoop pause; // 50 calls a second, as a person's tools would send them
        QTimer::singleShot(20, &pause, &QEventLoop::quit);
        pause.exec();
    }
    return waits;
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
    p.addOptions({ linesOpt, concOpt, interOpt });
    p.addHelpOption();
    p.process(app);
    const int lines = p.value(linesOpt).toInt();
    const int interactive = p.value(interOpt).toInt();

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
    Http http;
    http.base = QStringLiteral("http://127.0.0.1:%1").arg(*port);
    http.token = token.result()->secret.toLatin1();

    QTextStream out(stdout);
    QList<double> idleWaits;
    if (interactive > 0) {
        idleWaits = interactiveWaits(engine, http, interactive, [] { return true; });
        out << "interactive_without_batch calls=" << idleWaits.size() << " wait_p50_ms=" << percentile(idleWaits, 0.5)
            << " wait_p99_ms=" << percentile(idleWaits, 0.99) << '\n';
    }

    // The input, built before the clock starts.
    QByteArray content;
    content.reserve(static_cast<qsizetype>(lines) * 150);
    for (int i = 0; i < lines; ++i)
        content += R"({"custom_id":"line-)" + QByteArray::number(i)
            + R"(","method":"POST","url":"/v1/chat/completions","body":{"model":"bench","messages":[{"role":"user","content":"question )"
            + QByteArray::number(i) + R"("}]}})" + '\n';
    const QByteArray form
        = "--B\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n--B\r\nContent-Disposition: form-data; name=\"file\"; "
          "filename=\"in.jsonl\"\r\n\r\n"
        + content + "\r\n--B--\r\n";

    QElapsedTimer clock;
    clock.start();
    const QJsonObject file = http.json("POST", QStringLiteral("/v1/files"), form, "multipart/form-data; boundary=B");
    const double uploadS = static_cast<double>(clock.nsecsElapsed()) / 1e9;
    const QByteArray create = "{\"input_file_id\":\"" + file.value(QLatin1String("id")).toString().toLatin1()
        + "\",\"endpoint\":\"/v1/chat/completions\",\"completion_window\":\"24h\"}";
    const QString batchId = http.json("POST", QStringLiteral("/v1/batches"), create).value(QLatin1String("id")).toString();
    if (batchId.isEmpty()) {
        QTextStream(stderr) << "the batch was not created\n";
        return 2;
    }
    QJsonObject batch;
    bool done = false;
    QList<double> busyWaits;
    if (interactive > 0)
        busyWaits = interactiveWaits(engine, http, interactive, [&] {
            const QString status = http.json("GET", QStringLiteral("/v1/batches/") + batchId).value(QLatin1String("status")).toString();
            return status == QLatin1String("validating") || status == QLatin1String("in_progress");
        });
    while (!done) {
        batch = http.json("GET", QStringLiteral("/v1/batches/") + batchId);
        const QString status = batch.value(QLatin1String("status")).toString();
        done = status == QLatin1String("completed") || status == QLatin1String("failed") || status == QLatin1String("cancelled")
            || status == QLatin1String("expired");
        if (!done) {
            QEventLoop pause;
            QTimer::singleShot(20, &pause, &QEventLoop::quit);
            pause.exec();
        }
    }
    const QByteArray output = http.send("GET", QStringLiteral("/v1/files/%1/content").arg(batch.value(QLatin1String("output_file_id")).toString()));
    const double seconds = static_cast<double>(clock.nsecsElapsed()) / 1e9;
    const qint64 outputLines = output.count('\n');
    api.stop();
    engine.shutdown(0);

    const QJsonObject counts = batch.value(QLatin1String("request_counts")).toObject();
    out << "batch lines=" << lines << " status=" << batch.value(QLatin1String("status")).toString()
        << " completed=" << counts.value(QLatin1String("completed")).toInteger() << " failed=" << counts.value(QLatin1String("failed")).toInteger()
        << " output_lines=" << outputLines << " upload_s=" << uploadS << " seconds=" << seconds << " peak_rss_mb=" << procStatusKb("VmHWM:") / 1024
        << '\n';
    if (interactive > 0)
        out << "interactive_during_batch calls=" << busyWaits.size() << " wait_p50_ms=" << percentile(busyWaits, 0.5)
            << " wait_p99_ms=" << percentile(busyWaits, 0.99) << '\n';
    out << "lines_per_s=" << qRound64(lines / seconds) << '\n';
    return outputLines == lines ? 0 : 1;
}
