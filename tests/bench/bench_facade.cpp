// Added latency of the OpenAI facade: the same chat completion sent N times
// straight to a fake upstream (fake_upstream, another process, answering at
// once) and N times through /v1/chat/completions of an engine + REST server
// in this process (queued, stored, dispatched, answered). Sequential requests
// over keep-alive connections; prints p50/p99 of both and of the difference.
//
// --api responses or messages sends the same question through
// /v1/responses or /v1/messages instead (translated to a chat completion and
// back).
//
//   bench_facade [--requests 5000] [--upstream PATH] [--api chat|responses|messages]

#include "api/apiserver.h"
#include "benchutil.h"
#include "engine.h"
#include "providers/http1pool.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTextStream>

#include <algorithm>

using namespace llmsched;

namespace {
double percentile(std::vector<double> v, double p)
{
    if (v.empty())
        return 0;
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

// Sends one request and waits for its answer; returns microseconds, or -1.
double timedCall(Http1Pool& pool, quint16 port, const QByteArray& path, const QByteArray& body, const QByteArray& token)
{
    auto call = std::make_shared<Http1Call>();
    call->method = "POST";
    call->host = QStringLiteral("127.0.0.1");
    call->port = port;
    call->target = path;
    call->headers = { { "Content-Type", "application/json" } };
    if (!token.isEmpty())
        call->headers.append({ "Authorization", "Bearer " + token });
    call->body = body;
    QElapsedTimer t;
    t.start();
    QEventLoop loop;
    QObject::connect(call.get(), &Http1Call::finished, &loop, &QEventLoop::quit);
    pool.send(call);
    if (!call->done)
        loop.exec();
    const double us = static_cast<double>(t.nsecsElapsed()) / 1000.0;
    return call->failed || call->status != 200 ? -1 : us;
}
} // namespace

int main(int argc, char** argv)
{
    if (!qEnvironmentVariableIsSet("QT_NO_GLIB"))
        qputenv("QT_NO_GLIB", "1");
    QCoreApplication app(argc, argv);
    QCommandLineParser p;
    const QCommandLineOption reqOpt(QStringLiteral("requests"), QStringLiteral("requests each way"), QStringLiteral("n"), QStringLiteral("5000"));
    const QCommandLineOption upOpt(QStringLiteral("upstream"), QStringLiteral("fake_upstream binary"), QStringLiteral("path"));
    const QCommandLineOption apiOpt(
        QStringLiteral("api"), QStringLiteral("chat, responses or messages"), QStringLiteral("api"), QStringLiteral("chat"));
    p.addOptions({ reqOpt, upOpt, apiOpt });
    p.addHelpOption();
    p.process(app);
    const int n = p.value(reqOpt).toInt();

    QString upstream = p.value(upOpt);
    if (upstream.isEmpty())
        upstream = QFileInfo(QCoreApplication::applicationDirPath() + QStringLiteral("/fake_upstream")).absoluteFilePath();
    QProcess server;
    server.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    server.start(upstream, { QStringLiteral("--latency-ms"), QStringLiteral("0") });
    if (!server.waitForStarted(5000) || !server.waitForReadyRead(5000))
        return 2;
    const quint16 upstreamPort = static_cast<quint16>(server.readLine().trimmed().mid(5).toInt());

    QTemporaryDir tmp;
    EngineOptions options;
    options.dataDir = tmp.path();
    Engine engine(options);
    if (auto r = engine.start(); !r)
        return 2;
    ModelConfig model;
    model.name = QStringLiteral("bench");
    model.concurrency = 64;
    EndpointConfig e;
    e.name = QStringLiteral("up");
    e.provider = QStringLiteral("openai");
    e.baseUrl = QStringLiteral("http://127.0.0.1:%1/v1").arg(upstreamPort);
    e.healthCheckIntervalMs = 0;
    model.endpoints.append(e);
    auto saved = engine.upsertModel(model);
    saved.waitForFinished();
    auto token = engine.createToken(QStringLiteral("bench"), Role::Operator);
    token.waitForFinished();
    const QByteArray secret = token.result()->secret.toLatin1();
    ApiOptions ao;
    ao.port = 0;
    ApiHost api(engine, ao);
    const auto apiPort = api.start();
    if (!apiPort)
        return 2;

    const QByteArray direct = QJsonDocument(QJsonObject { { QStringLiteral("model"), QStringLiteral("fake") },
                                                { QStringLiteral("messages"),
                                                    QJsonArray { QJsonObject { { QStringLiteral("role"), QStringLiteral("user") },
                                                        { QStringLiteral("content"), QStringLiteral("hi") } } } } })
                                  .toJson(QJsonDocument::Compact);
    QJsonObject viaBody = QJsonDocument::fromJson(direct).object();
    viaBody.insert(QStringLiteral("model"), QStringLiteral("bench"));
    const QString dialect = p.value(apiOpt);
    QByteArray viaPath = "/v1/chat/completions";
    if (dialect == QLatin1String("responses")) {
        viaPath = "/v1/responses";
        viaBody = { { QStringLiteral("model"), QStringLiteral("bench") }, { QStringLiteral("input"), QStringLiteral("hi") } };
    } else if (dialect == QLatin1String("messages")) {
        viaPath = "/v1/messages";
        viaBody.insert(QStringLiteral("max_tokens"), 64);
    }
    const QByteArray via = QJsonDocument(viaBody).toJson(QJsonDocument::Compact);

    Http1Pool pool;
    std::vector<double> directUs, facadeUs;
    int failures = 0;
    for (int i = 0; i < 200; ++i) { // warm both paths
        timedCall(pool, upstreamPort, "/v1/chat/completions", direct, {});
        timedCall(pool, *apiPort, viaPath, via, secret);
    }
    for (int i = 0; i < n; ++i) {
        const double d = timedCall(pool, upstreamPort, "/v1/chat/completions", direct, {});
        const double f = timedCall(pool, *apiPort, viaPath, via, secret);
        if (d < 0 || f < 0) {
            ++failures;
            continue;
        }
        directUs.push_back(d);
        facadeUs.push_back(f);
    }
    api.stop();
    engine.shutdown(0);
    server.closeWriteChannel();
    server.waitForFinished(5000);
    const double d50 = percentile(directUs, 0.5), d99 = percentile(directUs, 0.99);
    const double f50 = percentile(facadeUs, 0.5), f99 = percentile(facadeUs, 0.99);
    QTextStream out(stdout);
    out << "facade api=" << dialect << " requests=" << n << " failures=" << failures << " direct_p50_ms=" << d50 / 1000
        << " direct_p99_ms=" << d99 / 1000 << " facade_p50_ms=" << f50 / 1000 << " facade_p99_ms=" << f99 / 1000 << '\n';
    out << "added_p50_ms=" << (f50 - d50) / 1000 << '\n';
    out << "added_p99_ms=" << (f99 - d99) / 1000 << '\n';
    return failures > 0 ? 1 : 0;
}
