// A workflow end to end over the REST API: POST /api/v1/workflows with a
// fan-out of N tasks behind one root and a fan-in of one behind them all
// (N + 2 tasks), against a zero-latency simulated model on a durable SQLite
// store; the clock runs from the POST until the workflow reads succeeded.
// Prints tasks_per_s (N + 2 over that time), the POST's own time, and the
// time from the last map's end to the reduce's end (the fan-in's wake-up).
//
//   bench_workflow [--width 10000] [--runs 3] [--concurrency 256]

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

using namespace llmsched;

namespace {

QByteArray workflowBody(int width)
{
    QJsonArray tasks;
    const auto task = [](const QString& key, const QJsonArray& deps, const QString& text) {
        QJsonObject o { { QStringLiteral("key"), key },
            { QStringLiteral("input"),
                QJsonObject { { QStringLiteral("messages"),
                    QJsonArray { QJsonObject { { QStringLiteral("role"), QStringLiteral("user") }, { QStringLiteral("content"), text } } } } } } };
        if (!deps.isEmpty())
            o.insert(QStringLiteral("depends_on"), deps);
        return o;
    };
    tasks.append(task(QStringLiteral("split"), {}, QStringLiteral("split the work")));
    QJsonArray maps;
    for (int i = 0; i < width; ++i) {
        tasks.append(task(QStringLiteral("map-%1").arg(i), { QStringLiteral("split") }, QStringLiteral("part %1").arg(i)));
        maps.append(QStringLiteral("map-%1").arg(i));
    }
    tasks.append(task(QStringLiteral("reduce"), maps, QStringLiteral("combine: {{steps.map-0.output.choices[0].message.content}}")));
    return QJsonDocument(QJsonObject { { QStringLiteral("name"), QStringLiteral("bench") }, { QStringLiteral("model"), QStringLiteral("bench") },
                             { QStringLiteral("tasks"), tasks } })
        .toJson(QJsonDocument::Compact);
}

} // namespace

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    QCommandLineParser p;
    const QCommandLineOption widthOpt(QStringLiteral("width"), QStringLiteral("tasks of the fan-out"), QStringLiteral("n"), QStringLiteral("10000"));
    const QCommandLineOption runsOpt(
        QStringLiteral("runs"), QStringLiteral("workflows, one after another"), QStringLiteral("n"), QStringLiteral("3"));
    const QCommandLineOption concOpt(QStringLiteral("concurrency"), QStringLiteral("model concurrency"), QStringLiteral("n"), QStringLiteral("256"));
    p.addOptions({ widthOpt, runsOpt, concOpt });
    p.addHelpOption();
    p.process(app);
    const int width = p.value(widthOpt).toInt();
    const int runs = p.value(runsOpt).toInt();

    QTemporaryDir tmp;
    EngineOptions options;
    options.dataDir = tmp.path();
    Engine engine(options);
    if (auto r = engine.start(); !r) {
        QTextStream(stderr) << "cannot start: " << r.error().message << '\n';
        return 2;
    }
    const ModelConfig model = benchModel(p.value(concOpt).toInt(), (width + 2) * runs + 10'000);
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
    QNetworkAccessManager nam;
    const QString base = QStringLiteral("http://127.0.0.1:%1").arg(*port);
    const QByteArray bearer = "Bearer " + token.result()->secret.toLatin1();
    const auto send = [&](const QByteArray& method, const QString& path, const QByteArray& body, int* status) {
        QNetworkRequest r(QUrl(base + path));
        r.setRawHeader("Authorization", bearer);
        r.setRawHeader("Content-Type", "application/json");
        QNetworkReply* reply = nam.sendCustomRequest(r, method, body);
        QEventLoop loop;
        QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
        if (!reply->isFinished())
            loop.exec();
        *status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        const QJsonObject o = QJsonDocument::fromJson(reply->readAll()).object();
        reply->deleteLater();
        return o;
    };

    // Task ends as the engine commits them: the last map's and the reduce's.
    qint64 lastMapEndMs = 0, reduceEndMs = 0;
    QString reduceId;
    QObject::connect(&engine, &Engine::taskEvents, &app, [&](const TaskEvents& events) {
        for (const TaskEvent& ev : events) {
            if (ev.state != TaskState::Succeeded)
                continue;
            if (ev.id.toString() == reduceId)
                reduceEndMs = ev.timeMs;
            else
                lastMapEndMs = std::max(lastMapEndMs, ev.timeMs);
        }
    });

    const QByteArray body = workflowBody(width); // built before the clock starts
    QTextStream out(stdout);
    out << "bench_workflow: fan-out " << width << " + fan-in 1 (" << width + 2 << " tasks), " << runs << " run(s), concurrency " << model.concurrency
        << ", SQLite, zero-latency simulated model\n";
    QList<double> rates;
    for (int run = 0; run < runs; ++run) {
        lastMapEndMs = reduceEndMs = 0;
        reduceId.clear();
        QElapsedTimer clock;
        clock.start();
        int status = 0;
        const QJsonObject created = send("POST", QStringLiteral("/api/v1/workflows"), body, &status);
        const qint64 postMs = clock.elapsed();
        if (status != 201) {
            out << "POST answered " << status << ": " << QJsonDocument(created).toJson(QJsonDocument::Compact) << '\n';
            return 1;
        }
        reduceId = created.value(QLatin1String("tasks")).toObject().value(QLatin1String("reduce")).toString();
        const QString id = created.value(QLatin1String("id")).toString();
        QString state;
        while (state != QLatin1String("succeeded")) {
            if (reduceEndMs == 0) {
                QEventLoop wait;
                QTimer::singleShot(2, &wait, &QEventLoop::quit);
                wait.exec();
                continue;
            }
            state = send("GET", QStringLiteral("/api/v1/workflows/") + id, {}, &status).value(QLatin1String("state")).toString();
            if (state == QLatin1String("failed") || state == QLatin1String("cancelled")) {
                out << "workflow ended " << state << '\n';
                return 1;
            }
        }
        const double seconds = static_cast<double>(clock.elapsed()) / 1000.0;
        const double rate = (width + 2) / seconds;
        rates.append(rate);
        out << QStringLiteral("run %1: %2 s submit-to-done, %3 tasks/s; POST %4 ms; fan-in wake-up %5 ms\n")
                   .arg(run + 1)
                   .arg(seconds, 0, 'f', 3)
                   .arg(rate, 0, 'f', 0)
                   .arg(postMs)
                   .arg(reduceEndMs - lastMapEndMs);
        out.flush();
    }
    std::sort(rates.begin(), rates.end());
    out << QStringLiteral("tasks_per_s median %1\n").arg(rates.at(rates.size() / 2), 0, 'f', 0);
    api.stop();
    engine.shutdown(0);
    return 0;
}
