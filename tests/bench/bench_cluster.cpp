// Nodes sharing one PostgreSQL database, measured with real processes:
// llm-schedulerd nodes, fake_upstream as the model server, and the database
// the caller names (tests/bench/run_cluster_bench.sh starts a private one).
//
//   scale:    1, 2 and 3 nodes, each limited to --per-node calls in flight,
//             an upstream that answers after --latency-ms; tasks spread over
//             the nodes' REST APIs; submit-to-succeeded throughput per size.
//   wake:     two nodes; a task submitted on a node that may not run it starts
//             on the other, idle one: created_at -> started_at per probe.
//   failover: three nodes under load, one killed with SIGKILL: how long until
//             its tasks belong to nobody, and until they run elsewhere.
//
// Prints one line of key=value per measurement.

#include "daemonnode.h"
#include "enginetestutil.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QThread>

#include <algorithm>
#include <cstdio>

using llmsched::test::DaemonNode;
using testutil::RawConnection;

namespace {

struct Bench
{
    QString daemon;
    QString upstreamBin;
    QString url;
    QTemporaryDir dir;
    QByteArray token;
    std::unique_ptr<QProcess> upstream;
    quint16 upstreamPort = 0;
    std::vector<DaemonNode> nodes;

    bool startUpstream(int latencyMs)
    {
        upstream = std::make_unique<QProcess>();
        upstream->setProcessChannelMode(QProcess::ForwardedErrorChannel);
        upstream->start(upstreamBin, { QStringLiteral("--latency-ms"), QString::number(latencyMs) });
        if (!upstream->waitForReadyRead(10'000))
            return false;
        const QByteArray line = upstream->readLine().trimmed();
        upstreamPort = static_cast<quint16>(line.mid(5).toUInt());
        return line.startsWith("port=") && upstreamPort != 0;
    }
    void stopUpstream()
    {
        if (upstream) {
            upstream->closeWriteChannel(); // it ends with stdin
            if (!upstream->waitForFinished(10'000))
                upstream->kill();
            upstream.reset();
        }
    }

    qint64 scalar(const QString& sql) const
    {
        RawConnection raw(url);
        const QVariant v = raw.scalar(sql);
        return v.isValid() ? v.toLongLong() : -1;
    }

    void reset() const
    {
        RawConnection raw(url);
        for (const char* table :
            { "task_logs", "tasks", "nodes", "leases", "endpoints", "models", "stats_minute", "stats_minute_endpoint", "stats_slot" })
            raw.exec(QStringLiteral("DELETE FROM %1").arg(QLatin1String(table)));
    }

    QString writeConfig(int concurrency) const
    {
        const QJsonObject endpoint { { QStringLiteral("name"), QStringLiteral("up") }, { QStringLiteral("provider"), QStringLiteral("openai") },
            { QStringLiteral("base_url"), QStringLiteral("http://127.0.0.1:%1/v1").arg(upstreamPort) },
            { QStringLiteral("health_check_interval_ms"), 0 } };
        const QJsonObject model { { QStringLiteral("name"), QStringLiteral("bench") }, { QStringLiteral("concurrency"), concurrency },
            { QStringLiteral("capacity"), 1'000'000 }, { QStringLiteral("endpoints"), QJsonArray { endpoint } } };
        const QString path = dir.filePath(QStringLiteral("config-%1.json").arg(concurrency));
        QFile f(path);
        if (f.open(QIODevice::WriteOnly))
            f.write(QJsonDocument(QJsonObject { { QStringLiteral("models"), QJsonArray { model } } }).toJson());
        return path;
    }

    bool startNodes(int count, int concurrency)
    {
        reset();
        if (token.isEmpty() || scalar(QStringLiteral("SELECT count(*) FROM api_tokens")) == 0)
            token = llmsched::test::createAdminToken(daemon, url, dir.filePath(QStringLiteral("cli")));
        if (token.isEmpty())
            return false;
        const QString config = writeConfig(concurrency);
        for (int i = 0; i < count; ++i) {
            const QString id = QStringLiteral("node-%1").arg(QChar(u'a' + i));
            nodes.push_back(
                DaemonNode::start(daemon, url, config, id, dir.filePath(id), { QStringLiteral("--log-level"), QStringLiteral("warning") }));
        }
        // Up, and every node counts all of them (so the limits are shared).
        QElapsedTimer waited;
        waited.start();
        bool counted = false;
        while (!counted && waited.elapsed() < 60'000) {
            counted = scalar(QStringLiteral("SELECT count(*) FROM nodes WHERE members = %1").arg(count)) == count;
            if (!counted)
                QThread::msleep(50);
        }
        if (!counted)
            return false;
        // A node registers as its engine starts, a moment before its REST API
        // listens: the first submit waits for every node's /health.
        for (const DaemonNode& n : nodes) {
            int status = 0;
            while (waited.elapsed() < 60'000) {
                n.http(token, "GET", QStringLiteral("/health"), {}, &status);
                if (status == 200)
                    break;
                QThread::msleep(50);
            }
            if (status != 200)
                return false;
        }
        return true;
    }

    void stopNodes()
    {
        for (DaemonNode& n : nodes)
            n.stop();
        nodes.clear();
    }

    // Submits `total` tasks in batches, round-robin over the nodes.
    bool submit(int total, int batch, int from = 0)
    {
        int next = 0;
        for (int done = 0; done < total; done += batch) {
            const int n = std::min(batch, total - done);
            QJsonArray tasks;
            for (int i = 0; i < n; ++i)
                tasks.append(QJsonObject { { QStringLiteral("model"), QStringLiteral("bench") },
                    { QStringLiteral("input"),
                        QJsonObject { { QStringLiteral("messages"),
                            QJsonArray { QJsonObject { { QStringLiteral("role"), QStringLiteral("user") },
                                { QStringLiteral("content"), QStringLiteral("task %1").arg(from + done + i) } } } } } } });
            int status = 0;
            nodes[static_cast<size_t>(next++ % nodes.size())].http(token, "POST", QStringLiteral("/api/v1/tasks"),
                QJsonDocument(QJsonObject { { QStringLiteral("tasks"), tasks } }).toJson(QJsonDocument::Compact), &status);
            if (status != 201) {
                std::fprintf(stderr, "bench_cluster: a submit was answered %d\n", status);
                return false;
            }
        }
        return true;
    }

    bool waitSucceeded(qint64 total, int timeoutMs) const
    {
        QElapsedTimer waited;
        waited.start();
        while (waited.elapsed() < timeoutMs) {
            if (scalar(QStringLiteral("SELECT count(*) FROM tasks WHERE state = 5")) >= total)
                return true;
            QThread::msleep(20);
        }
        return false;
    }
};

int runScale(Bench& b, const QList<int>& sizes, int tasks, int perNode, int latencyMs)
{
    if (!b.startUpstream(latencyMs))
        return 1;
    double single = 0;
    for (int size : sizes) {
        if (!b.startNodes(size, perNode * size)) {
            std::fprintf(stderr, "bench_cluster: %d nodes did not come up\n", size);
            return 1;
        }
        QElapsedTimer t;
        t.start();
        if (!b.submit(tasks, 1000) || !b.waitSucceeded(tasks, 600'000)) {
            std::fprintf(stderr, "bench_cluster: the run with %d nodes did not finish\n", size);
            return 1;
        }
        const double seconds = static_cast<double>(t.elapsed()) / 1000.0;
        const double rate = tasks / seconds;
        if (size == 1)
            single = rate;
        const qint64 perNodeMax = b.scalar(QStringLiteral("SELECT count(*) FROM tasks WHERE state = 5"));
        std::printf("mode=scale nodes=%d tasks=%d latency_ms=%d per_node=%d seconds=%.2f tasks_per_s=%.0f speedup=%.2f succeeded=%lld\n", size, tasks,
            latencyMs, perNode, seconds, rate, single > 0 ? rate / single : 0.0, static_cast<long long>(perNodeMax));
        std::fflush(stdout);
        b.stopNodes();
    }
    b.stopUpstream();
    return 0;
}

int runWake(Bench& b, int probes)
{
    // Concurrency 1 over two nodes: node-a has all of it, node-b none, so
    // what node-b is sent waits in the shared queue until node-a claims it.
    if (!b.startUpstream(0) || !b.startNodes(2, 1))
        return 1;
    QList<qint64> waits;
    for (int i = 0; i < probes; ++i) {
        int status = 0;
        const QByteArray body = QJsonDocument(QJsonObject { { QStringLiteral("model"), QStringLiteral("bench") },
                                                  { QStringLiteral("input"),
                                                      QJsonObject { { QStringLiteral("messages"),
                                                          QJsonArray { QJsonObject { { QStringLiteral("role"), QStringLiteral("user") },
                                                              { QStringLiteral("content"), QStringLiteral("probe %1").arg(i) } } } } } } })
                                    .toJson(QJsonDocument::Compact);
        const QJsonObject made = QJsonDocument::fromJson(b.nodes[1].http(b.token, "POST", QStringLiteral("/api/v1/tasks"), body, &status)).object();
        const QString id = made.value(QStringLiteral("id")).toString();
        if (status != 201 || id.isEmpty())
            return 1;
        if (!b.waitSucceeded(i + 1, 30'000))
            return 1;
        RawConnection raw(b.url);
        const qint64 wait = raw.scalar(QStringLiteral("SELECT started_at - created_at FROM tasks WHERE id = '%1'").arg(id)).toLongLong();
        waits.append(wait);
        if (qEnvironmentVariableIsSet("BENCH_VERBOSE"))
            std::fprintf(stderr, "probe %d: %lld ms\n", i, static_cast<long long>(wait));
        QThread::msleep(100); // node-a idle again before the next probe
    }
    std::sort(waits.begin(), waits.end());
    const auto at = [&waits](double q) { return waits.at(std::min<qsizetype>(waits.size() - 1, static_cast<qsizetype>(q * waits.size()))); };
    std::printf("mode=wake probes=%d submit_to_start_ms_p50=%lld p90=%lld max=%lld\n", probes, static_cast<long long>(at(0.5)),
        static_cast<long long>(at(0.9)), static_cast<long long>(waits.constLast()));
    b.stopNodes();
    b.stopUpstream();
    return 0;
}

int runFailover(Bench& b, int tasks, int perNode, int latencyMs)
{
    if (!b.startUpstream(latencyMs) || !b.startNodes(3, perNode * 3))
        return 1;
    if (!b.submit(tasks, 1000))
        return 1;
    // Kill node-b once it runs calls.
    QElapsedTimer waited;
    waited.start();
    while (
        b.scalar(QStringLiteral("SELECT count(*) FROM tasks WHERE state = 3 AND lease_node = 'node-b'")) < perNode / 2 && waited.elapsed() < 60'000)
        QThread::msleep(20);
    b.nodes[1].process->kill();
    b.nodes[1].process->waitForFinished(10'000);
    QElapsedTimer sinceKill;
    sinceKill.start();
    const qint64 owned = b.scalar(QStringLiteral("SELECT count(*) FROM tasks WHERE state < 5 AND lease_node = 'node-b'"));
    const qint64 running = b.scalar(QStringLiteral("SELECT count(*) FROM tasks WHERE state = 3 AND lease_node = 'node-b'"));
    if (running == 0) {
        std::fprintf(stderr, "bench_cluster: node-b ran no call when it was killed (too few tasks?); the failover went unmeasured\n");
        b.stopNodes();
        b.stopUpstream();
        return 1;
    }
    while (b.scalar(QStringLiteral("SELECT count(*) FROM tasks WHERE lease_node = 'node-b'")) > 0 && sinceKill.elapsed() < 120'000)
        QThread::msleep(20);
    const qint64 freedMs = sinceKill.elapsed();
    // The interrupted calls run again elsewhere: their next attempt started.
    while (b.scalar(QStringLiteral("SELECT count(*) FROM task_logs WHERE message LIKE '%node node-b stopped renewing%'")) < running
        && sinceKill.elapsed() < 120'000)
        QThread::msleep(20);
    const bool finished = b.waitSucceeded(tasks, 600'000);
    const qint64 twice = b.scalar(QStringLiteral("SELECT count(*) FROM (SELECT task_seq FROM task_logs WHERE message LIKE 'succeeded in %' "
                                                 "GROUP BY task_seq HAVING count(*) > 1) AS twice"));
    std::printf("mode=failover killed_owned=%lld killed_running=%lld lease_ms=20000 freed_after_ms=%lld all_succeeded=%s succeeded_twice=%lld\n",
        static_cast<long long>(owned), static_cast<long long>(running), static_cast<long long>(freedMs), finished ? "yes" : "no",
        static_cast<long long>(twice));
    b.stopNodes();
    b.stopUpstream();
    return finished && twice == 0 ? 0 : 1;
}

} // namespace

int main(int argc, char* argv[])
{
    QCoreApplication app(argc, argv);
    QCommandLineParser p;
    p.addHelpOption();
    const QCommandLineOption mode(QStringLiteral("mode"), QStringLiteral("scale, wake or failover (default: all three)."), QStringLiteral("mode"));
    const QCommandLineOption database(
        QStringLiteral("database"), QStringLiteral("postgresql:// URL of an existing database (emptied)."), QStringLiteral("url"));
    const QCommandLineOption tasks(
        QStringLiteral("tasks"), QStringLiteral("Tasks per run (default 20000)."), QStringLiteral("n"), QStringLiteral("20000"));
    const QCommandLineOption perNode(
        QStringLiteral("per-node"), QStringLiteral("Calls in flight per node (default 256)."), QStringLiteral("n"), QStringLiteral("256"));
    const QCommandLineOption latency(
        QStringLiteral("latency-ms"), QStringLiteral("Upstream latency (default 200)."), QStringLiteral("ms"), QStringLiteral("200"));
    const QCommandLineOption nodes(
        QStringLiteral("nodes"), QStringLiteral("Cluster sizes for scale (default 1,2,3)."), QStringLiteral("list"), QStringLiteral("1,2,3"));
    const QCommandLineOption failoverTasks(
        QStringLiteral("failover-tasks"), QStringLiteral("Tasks of the failover run (default 20000)."), QStringLiteral("n"), QStringLiteral("20000"));
    const QCommandLineOption probes(
        QStringLiteral("probes"), QStringLiteral("Wake-up probes (default 30)."), QStringLiteral("n"), QStringLiteral("30"));
    p.addOptions({ mode, database, tasks, failoverTasks, perNode, latency, nodes, probes });
    p.process(app);

    Bench b;
    b.url = p.value(database);
    b.daemon = QFileInfo(QCoreApplication::applicationDirPath() + QStringLiteral("/../../app/llm-schedulerd")).absoluteFilePath();
    b.upstreamBin = QFileInfo(QCoreApplication::applicationDirPath() + QStringLiteral("/fake_upstream")).absoluteFilePath();
    if (b.url.isEmpty() || !QFileInfo::exists(b.daemon)) {
        std::fprintf(stderr, "bench_cluster: --database postgresql://... is required, and llm-schedulerd must be built (%s)\n", qPrintable(b.daemon));
        return 2;
    }
    QList<int> sizes;
    for (const QString& s : p.value(nodes).split(QLatin1Char(',')))
        sizes.append(std::clamp(s.toInt(), 1, 8));
    const QString which = p.value(mode);
    int rc = 0;
    if (which.isEmpty() || which == QLatin1String("wake"))
        rc |= runWake(b, p.value(probes).toInt());
    if (which.isEmpty() || which == QLatin1String("scale"))
        rc |= runScale(b, sizes, p.value(tasks).toInt(), p.value(perNode).toInt(), p.value(latency).toInt());
    if (which.isEmpty() || which == QLatin1String("failover"))
        rc |= runFailover(b, p.value(failoverTasks).toInt(), p.value(perNode).toInt(), p.value(latency).toInt());
    return rc;
}
