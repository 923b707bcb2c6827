// What webhooks cost and how fast they go: N tasks on a zero-latency
// simulated model (durable SQLite), first with no webhook, then with one
// webhook (scope model, task.finished) POSTing to an in-process receiver on
// 127.0.0.1. Prints tasks/s submit-to-done for both, and for the webhook run
// deliveries/s until the last one is delivered and stored.
//
//   bench_webhooks [--tasks 20000] [--concurrency 256]

#include "benchutil.h"
#include "engine.h"
#include "fakellmserver.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QTemporaryDir>
#include <QTextStream>
#include <QTimer>

using namespace llmsched;

namespace {

void spin(int ms)
{
    QEventLoop wait;
    QTimer::singleShot(ms, &wait, &QEventLoop::quit);
    wait.exec();
}

template <typename T> T await(QFuture<T> f)
{
    while (!f.isFinished())
        spin(1);
    return f.result();
}

struct Run
{
    double tasksPerS = 0;
    double deliveriesPerS = 0;
    qint64 delivered = 0;
    qint64 rssMb = 0;
};

Run runOnce(int tasks, int concurrency, const QString& receiverUrl)
{
    QTemporaryDir tmp;
    EngineOptions options;
    options.dataDir = tmp.path();
    options.webhookPrivateHosts = { QStringLiteral("127.0.0.1") };
    Engine engine(options);
    if (auto r = engine.start(); !r)
        qFatal("cannot start: %s", qPrintable(r.error().message));
    if (!await(engine.upsertModel(benchModel(concurrency, tasks + 1000))))
        qFatal("no model");
    QString hook;
    if (!receiverUrl.isEmpty()) {
        auto spec = WebhookSpec::fromJson(QJsonObject { { QStringLiteral("url"), receiverUrl }, { QStringLiteral("scope"), QStringLiteral("model") },
            { QStringLiteral("target"), QStringLiteral("bench") }, { QStringLiteral("events"), QJsonArray { QStringLiteral("task.finished") } } });
        auto created = await(engine.createWebhook(*spec));
        if (!created)
            qFatal("no webhook: %s", qPrintable(created.error().message));
        hook = created->value(QLatin1String("id")).toString();
    }
    qint64 finished = 0;
    QObject::connect(&engine, &Engine::taskEvents, &engine, [&finished](const TaskEvents& events) {
        for (const TaskEvent& e : events)
            finished += isFinal(e.state) ? 1 : 0;
    });
    const auto batches = chatBatches(
        QStringLiteral("bench"), tasks, 1000, [](int j) { return QStringLiteral("task %1").arg(j); }, [](int j) { return j % 10; });
    QElapsedTimer clock;
    clock.start();
    for (const auto& b : batches)
        if (!await(engine.submit(b)))
            qFatal("submit refused");
    while (finished < tasks)
        spin(2);
    Run run;
    run.tasksPerS = tasks * 1000.0 / std::max<qint64>(1, clock.elapsed());
    if (!hook.isEmpty()) {
        // Delivered and stored: the log lists no pending delivery.
        for (;;) {
            auto pending = await(engine.webhookDeliveries(hook, DocQuery { {}, { QStringLiteral("pending") }, 1, {} }));
            if (pending && pending->isEmpty())
                break;
            spin(20);
        }
        run.deliveriesPerS = tasks * 1000.0 / std::max<qint64>(1, clock.elapsed());
        auto all = await(engine.webhookDeliveries(hook, DocQuery { {}, { QStringLiteral("delivered") }, 0, {} }));
        run.delivered = all ? all->size() : 0;
    }
    run.rssMb = procStatusKb("VmHWM:") / 1024;
    engine.shutdown(0);
    return run;
}

} // namespace

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    QCommandLineParser p;
    const QCommandLineOption tasksOpt(QStringLiteral("tasks"), QStringLiteral("tasks per run"), QStringLiteral("n"), QStringLiteral("20000"));
    const QCommandLineOption concOpt(QStringLiteral("concurrency"), QStringLiteral("model concurrency"), QStringLiteral("n"), QStringLiteral("256"));
    p.addOptions({ tasksOpt, concOpt });
    p.addHelpOption();
    p.process(app);
    const int tasks = p.value(tasksOpt).toInt();

    test::FakeLlmServer receiver;
    receiver.setRecordRequests(false);
    test::FakeReply ok;
    ok.status = 204;
    ok.body = QByteArrayLiteral(" ");
    receiver.setDefaultReply(ok);
    if (!receiver.listen())
        qFatal("no receiver");

    QTextStream out(stdout);
    out << "bench_webhooks: " << tasks << " tasks, zero-latency simulated model, SQLite; a webhook (scope model, task.finished) to 127.0.0.1\n";
    const Run plain = runOnce(tasks, p.value(concOpt).toInt(), {});
    const Run hooked = runOnce(tasks, p.value(concOpt).toInt(), receiver.baseUrl() + QStringLiteral("/hook"));
    out << "without webhook: " << qRound(plain.tasksPerS) << " tasks/s\n";
    out << "with webhook:    " << qRound(hooked.tasksPerS) << " tasks/s (" << QString::number(hooked.tasksPerS / plain.tasksPerS, 'f', 2)
        << "x), all " << hooked.delivered << " deliveries stored as delivered at " << qRound(hooked.deliveriesPerS) << " deliveries/s; receiver got "
        << receiver.requestCount() << " POSTs; peak RSS " << hooked.rssMb << " MB\n";
    out << "{\"bench\":\"webhooks\",\"tasks\":" << tasks << ",\"tasks_per_s_plain\":" << qRound(plain.tasksPerS)
        << ",\"tasks_per_s_with_webhook\":" << qRound(hooked.tasksPerS) << ",\"deliveries_per_s\":" << qRound(hooked.deliveriesPerS)
        << ",\"delivered\":" << hooked.delivered << ",\"received\":" << receiver.requestCount() << "}\n";
    return hooked.delivered == tasks && receiver.requestCount() == tasks ? 0 : 1;
}
