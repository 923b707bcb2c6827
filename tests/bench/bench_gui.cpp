// GUI benchmark: first paint of the Queue view over N stored tasks, and the
// longest GUI event-loop stall while the engine runs at full speed under the
// main window (counters, queue following new tasks, charts, models).
//
//   QT_QPA_PLATFORM=offscreen bench_gui --tasks 1000000 --seconds 20
//
// With --remote the same store is run by a real llm-schedulerd on loopback
// and the window connects to it (as `llm-scheduler --connect`); the same
// figures are taken, then the daemon is restarted and the time from its
// /health answering again to the window being live again is measured.
//
// Prints one JSON line with the figures (docs/benchmarks.md).

#include "benchutil.h"
#include "enginetestutil.h"

#include "controlcenter.h"
#include "livestate.h"
#include "mainwindow.h"
#include "queueview.h"
#include "tasktablemodel.h"

#include "client/engineclient.h"
#include "engine.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QProcess>
#include <QStandardPaths>
#include <QTableView>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTimer>

#include <algorithm>
#include <functional>

using namespace llmsched;
using testutil::await;

namespace {

// Fills the store with `n` queued tasks of `model` without running them.
bool fill(const QString& dataDir, const QString& model, int n)
{
    EngineOptions o;
    o.dataDir = dataDir;
    o.dispatch = false;
    Engine engine(o);
    if (!engine.start())
        return false;
    ModelConfig m;
    m.name = model;
    m.concurrency = 64;
    EndpointConfig e;
    e.name = QStringLiteral("sim");
    m.endpoints.append(e);
    if (!await(engine.upsertModel(m)))
        return false;
    constexpr int kBatch = 10'000;
    QElapsedTimer t;
    t.start();
    for (int i = 0; i < n; i += kBatch) {
        const auto batches = chatBatches(
            model, std::min(kBatch, n - i), kBatch, [i](int j) { return QStringLiteral("task %1").arg(i + j); }, [](int j) { return j % 10; });
        if (!await(engine.submit(batches.constFirst())))
            return false;
    }
    QTextStream(stderr) << "filled " << n << " tasks in " << t.elapsed() << " ms\n";
    engine.shutdown(1000);
    return true;
}

// Paint events of a widget after a moment, to time the first paint with rows.
class PaintWatch final : public QObject
{
public:
    explicit PaintWatch(QWidget* w) { w->installEventFilter(this); }
    std::function<void()> onPaint;

protected:
    bool eventFilter(QObject* o, QEvent* e) override
    {
        if (e->type() == QEvent::Paint && onPaint)
            QTimer::singleShot(0, this, onPaint); // after the paint finished
        return QObject::eventFilter(o, e);
    }
};

// Runs the event loop (blocking in it as the application does, not spinning)
// until `done` or `timeoutMs` passed; false on timeout. `done` is checked
// every 2 ms.
bool spinUntil(const std::function<bool()>& done, qint64 timeoutMs)
{
    if (done())
        return true;
    QEventLoop loop;
    QTimer check;
    check.setTimerType(Qt::PreciseTimer);
    QObject::connect(&check, &QTimer::timeout, &loop, [&] {
        if (done())
            loop.quit();
    });
    check.start(2);
    QTimer::singleShot(std::max<qint64>(0, timeoutMs), &loop, &QEventLoop::quit);
    loop.exec();
    return done();
}

qint64 succeeded(ui::ControlCenter& center)
{
    const auto s = center.live().snapshot();
    return s ? s->states[static_cast<int>(TaskState::Succeeded)] : 0;
}

// The figures of the window over `center`, whichever engine it shows: first
// paint, count known and scroll jumps of the Queue view, then the GUI thread's
// stalls while the engine runs the stored tasks at full speed.
QJsonObject measureWindow(ui::ControlCenter& center, int seconds)
{
    // First paint: from showing the window to the first paint of the queue
    // with its first page of rows on screen.
    ui::MainWindow* w = center.window();
    w->showView(ui::MainWindow::View::Queue); // not the view a previous run left open
    ui::QueueView* queue = w->queueView();
    w->resize(1280, 800);
    QElapsedTimer paint;
    qint64 firstPaintMs = -1;
    PaintWatch watch(queue->table()->viewport());
    watch.onPaint = [&] {
        if (firstPaintMs < 0 && queue->model()->taskAt(0))
            firstPaintMs = paint.elapsed();
    };
    paint.start();
    w->show();
    spinUntil([&] { return firstPaintMs >= 0; }, 30'000);
    watch.onPaint = nullptr;
    // The count of a million rows may land after the first page.
    spinUntil([&] { return !queue->model()->isLoading(); }, 30'000 - paint.elapsed());
    const qint64 countKnownMs = paint.elapsed();
    const qint64 rows = queue->model()->rowCount();
    if (firstPaintMs < 0)
        QTextStream(stderr) << "no first paint: rows " << rows << " loading " << queue->model()->isLoading() << " error "
                            << queue->model()->lastError() << '\n';

    // Scroll jumps: to the middle and the end of a million rows (after the
    // view's delayed layout took the new row count).
    spinUntil([] { return false; }, 100);
    QElapsedTimer jump;
    jump.start();
    queue->table()->scrollTo(queue->model()->index(static_cast<int>(rows / 2), 0));
    spinUntil([&] { return queue->model()->taskAt(static_cast<int>(rows / 2)) != nullptr; }, 30'000);
    const qint64 jumpMiddleMs = jump.elapsed();

    jump.restart();
    queue->table()->scrollToBottom();
    spinUntil([&] { return queue->model()->taskAt(static_cast<int>(rows - 1)) != nullptr; }, 30'000);
    const qint64 jumpEndMs = jump.elapsed();
    queue->table()->scrollToTop();

    // Stalls: a 5 ms timer on the GUI thread while the engine runs the stored
    // tasks at full speed; switch views now and then so each one renders.
    // A gap that begins within kSwitchSettleMs of a switch is the switch's
    // cost (the user asked for a view and waits for it to appear), counted
    // apart from the gaps of a window that only follows the engine live.
    constexpr qint64 kSwitchSettleUs = 500'000;
    QList<qint64> gaps;
    QList<qint64> following; // gaps outside a switch's settling time
    qint64 switchWorst = 0;
    qint64 lastSwitch = -kSwitchSettleUs;
    QElapsedTimer clock;
    clock.start();
    qint64 last = 0;
    QTimer tick;
    tick.setTimerType(Qt::PreciseTimer);
    tick.setInterval(5);
    std::array<qint64, ui::MainWindow::kViewCount> worstByView {};
    QObject::connect(&tick, &QTimer::timeout, [&] {
        const qint64 now = clock.nsecsElapsed() / 1000;
        gaps.append(now - last);
        qint64& worst = worstByView[static_cast<size_t>(w->currentView())];
        worst = std::max(worst, now - last);
        if (last - lastSwitch < kSwitchSettleUs)
            switchWorst = std::max(switchWorst, now - last);
        else
            following.append(now - last);
        last = now;
    });
    QTimer views;
    int view = 0;
    QObject::connect(&views, &QTimer::timeout, [&] {
        lastSwitch = clock.nsecsElapsed() / 1000;
        w->showView(static_cast<ui::MainWindow::View>(++view % ui::MainWindow::kViewCount));
    });
    const qint64 doneBefore = succeeded(center);
    last = clock.nsecsElapsed() / 1000;
    tick.start();
    views.start(2000);
    spinUntil([] { return false; }, seconds * 1000);
    tick.stop();
    views.stop();
    w->showView(ui::MainWindow::View::Queue);
    const qint64 done = succeeded(center) - doneBefore;
    std::sort(gaps.begin(), gaps.end());
    std::sort(following.begin(), following.end());
    const auto pctOf = [](const QList<qint64>& sorted, double q) {
        return sorted.isEmpty() ? 0 : sorted.at(std::min<qsizetype>(sorted.size() - 1, static_cast<qsizetype>(q * sorted.size())));
    };
    const auto pct = [&](double q) { return pctOf(gaps, q); };
    const auto beyondTimer = [](qint64 us) { return (us - 5000) / 1000.0; };
    QJsonArray byView;
    for (qint64 worst : worstByView)
        byView.append(beyondTimer(worst));
    return {
        { QStringLiteral("stored_tasks"), rows },
        { QStringLiteral("queue_first_paint_ms"), firstPaintMs },
        { QStringLiteral("queue_count_known_ms"), countKnownMs },
        { QStringLiteral("scroll_to_middle_ms"), jumpMiddleMs },
        { QStringLiteral("scroll_to_end_ms"), jumpEndMs },
        { QStringLiteral("engine_tasks_per_s_during_stall_test"), static_cast<double>(done) / seconds },
        { QStringLiteral("stall_max_ms"), beyondTimer(pct(1.0)) },
        { QStringLiteral("stall_p99_ms"), beyondTimer(pct(0.99)) },
        { QStringLiteral("stall_max_ms_following_live"), beyondTimer(pctOf(following, 1.0)) },
        { QStringLiteral("stall_p99_ms_following_live"), beyondTimer(pctOf(following, 0.99)) },
        { QStringLiteral("view_switch_max_ms"), beyondTimer(switchWorst) },
        { QStringLiteral("ticks"), gaps.size() },
        { QStringLiteral("stall_max_ms_by_view"), byView },
    };
}

// A real llm-schedulerd on the bench's store, on a free loopback port; its
// log (with the time since its start on each line) goes to DIR/bench-daemon.log.
class Daemon
{
public:
    Daemon(QString program, QString dataDir)
        : m_program(std::move(program))
        , m_dataDir(std::move(dataDir))
    {
        QTcpServer probe;
        probe.listen(QHostAddress::LocalHost, 0);
        m_port = probe.serverPort();
        m_url = QUrl(QStringLiteral("http://127.0.0.1:%1").arg(m_port));
    }
    ~Daemon() { stop(); }

    QUrl url() const { return m_url; }

    // An admin token from `llm-schedulerd token create` (the secret is its stdout).
    QString createToken() const
    {
        QProcess p;
        p.setProcessChannelMode(QProcess::SeparateChannels);
        p.start(m_program,
            { QStringLiteral("-d"), m_dataDir, QStringLiteral("token"), QStringLiteral("create"), QStringLiteral("--role"), QStringLiteral("admin"),
                QStringLiteral("--name"), QStringLiteral("bench") });
        if (!p.waitForFinished(120'000) || p.exitCode() != 0) {
            QTextStream(stderr) << "token create failed (" << p.errorString() << "): " << p.readAllStandardError() << '\n';
            return {};
        }
        return QString::fromUtf8(p.readAllStandardOutput()).trimmed();
    }

    void start()
    {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("QT_MESSAGE_PATTERN"), QStringLiteral("%{time process} %{category}: %{message}"));
        m_process.setProcessEnvironment(env);
        m_process.setProcessChannelMode(QProcess::MergedChannels);
        m_process.setStandardOutputFile(m_dataDir + QStringLiteral("/bench-daemon.log"), QIODevice::Append);
        m_process.start(m_program,
            { QStringLiteral("-d"), m_dataDir, QStringLiteral("--simulate"), QStringLiteral("--demo-rate"), QStringLiteral("0"),
                QStringLiteral("--port"), QString::number(m_port), QStringLiteral("--status-interval"), QStringLiteral("0"),
                QStringLiteral("--drain-timeout"), QStringLiteral("5") });
    }

    // Polls GET /health every 5 ms; the time it first answered 200 on
    // `clock`, or -1 when it did not within `timeoutMs` (or the process ended).
    qint64 waitHealthy(const QElapsedTimer& clock, qint64 timeoutMs)
    {
        QUrl health = m_url;
        health.setPath(QStringLiteral("/health"));
        qint64 answered = -1;
        bool inFlight = false;
        QTimer poll;
        poll.setInterval(5);
        QObject::connect(&poll, &QTimer::timeout, [&] {
            if (inFlight)
                return;
            QNetworkRequest r(health);
            r.setTransferTimeout(1000);
            QNetworkReply* reply = m_net.get(r);
            inFlight = true;
            QObject::connect(reply, &QNetworkReply::finished, reply, [&, reply] {
                inFlight = false;
                if (answered < 0 && reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt() == 200)
                    answered = clock.elapsed();
                reply->deleteLater();
            });
        });
        poll.start();
        spinUntil([&] { return answered >= 0 || m_process.state() == QProcess::NotRunning; }, timeoutMs);
        poll.stop();
        spinUntil([&] { return !inFlight; }, 2000);
        return answered;
    }

    // SIGTERM, then waits for the exit (the daemon drains for at most 5 s).
    void stop()
    {
        if (m_process.state() == QProcess::NotRunning)
            return;
        m_process.terminate();
        if (!m_process.waitForFinished(30'000)) {
            m_process.kill();
            m_process.waitForFinished();
        }
    }

private:
    QString m_program;
    QString m_dataDir;
    quint16 m_port = 0;
    QUrl m_url;
    QProcess m_process;
    QNetworkAccessManager m_net;
};

// Restarts the daemon under a connected window: from GET /health answering
// again to the client's link Online, and to the first snapshot or task events
// reaching the window after it (through LiveState, as the views get them).
QJsonObject measureReconnect(ui::ControlCenter& center, Daemon& daemon)
{
    QElapsedTimer clock;
    clock.start();
    qint64 onlineAt = -1;
    qint64 liveAt = -1;
    QObject guard;
    QObject::connect(&center.client(), &EngineClient::linkChanged, &guard, [&](EngineClient::Link link) {
        if (link == EngineClient::Link::Online && onlineAt < 0)
            onlineAt = clock.elapsed();
    });
    const auto seen = [&] {
        if (onlineAt >= 0 && liveAt < 0)
            liveAt = clock.elapsed();
    };
    QObject::connect(&center.live(), &ui::LiveState::snapshotChanged, &guard, seen);
    QObject::connect(&center.live(), &ui::LiveState::tasksChanged, &guard, seen);
    daemon.stop();
    const qint64 stoppedAt = clock.elapsed();
    spinUntil([&] { return center.client().link() != EngineClient::Link::Online; }, 10'000);
    onlineAt = -1; // only the link after the restart counts
    daemon.start();
    const qint64 healthAt = daemon.waitHealthy(clock, 120'000);
    spinUntil([&] { return liveAt >= 0; }, 30'000);
    const auto since = [healthAt](qint64 t) { return t < 0 || healthAt < 0 ? -1 : t - healthAt; };
    return {
        { QStringLiteral("daemon_stop_ms"), stoppedAt },
        { QStringLiteral("daemon_restart_to_health_ms"), healthAt < 0 ? -1 : healthAt - stoppedAt },
        { QStringLiteral("reconnect_online_after_health_ms"), since(onlineAt) },
        { QStringLiteral("reconnect_live_after_health_ms"), since(liveAt) },
    };
}

} // namespace

int main(int argc, char** argv)
{
    QStandardPaths::setTestModeEnabled(true);
    QApplication app(argc, argv);
    QCommandLineParser p;
    QCommandLineOption tasksOpt(QStringLiteral("tasks"), QStringLiteral("Stored tasks."), QStringLiteral("N"), QStringLiteral("1000000"));
    QCommandLineOption secondsOpt(QStringLiteral("seconds"), QStringLiteral("Stall measurement length."), QStringLiteral("S"), QStringLiteral("20"));
    QCommandLineOption dirOpt(
        QStringLiteral("data-dir"), QStringLiteral("Keep the data here (filled on the first run, reused after)."), QStringLiteral("DIR"));
    QCommandLineOption remoteOpt(
        QStringLiteral("remote"), QStringLiteral("Run the store in an llm-schedulerd on loopback and connect the window to it; then restart it."));
    QCommandLineOption daemonOpt(QStringLiteral("daemon"),
        QStringLiteral("The llm-schedulerd for --remote (default: the build's app/llm-schedulerd)."), QStringLiteral("PATH"),
        QCoreApplication::applicationDirPath() + QStringLiteral("/../../app/llm-schedulerd"));
    p.addOptions({ tasksOpt, secondsOpt, dirOpt, remoteOpt, daemonOpt });
    p.addHelpOption();
    p.process(app);
    const int tasks = p.value(tasksOpt).toInt();
    const int seconds = p.value(secondsOpt).toInt();
    QTemporaryDir tmp;
    const QString dataDir = p.isSet(dirOpt) ? p.value(dirOpt) : tmp.path();
    const QString model = QStringLiteral("bench");
    if (!QFileInfo::exists(dataDir + QLatin1Char('/') + kDatabaseFileName) && !fill(dataDir, model, tasks))
        return 1;

    ui::ControlCenter::Options o;
    o.settings.demoFeed = false;
    o.settings.firstRun = false;
    std::unique_ptr<Daemon> daemon;
    QElapsedTimer startup;
    qint64 daemonStartMs = -1;
    if (p.isSet(remoteOpt)) {
        daemon = std::make_unique<Daemon>(QFileInfo(p.value(daemonOpt)).absoluteFilePath(), dataDir);
        o.token = daemon->createToken();
        if (o.token.isEmpty())
            return 1;
        o.connectUrl = daemon->url();
        startup.start();
        daemon->start();
        daemonStartMs = daemon->waitHealthy(startup, 120'000);
        if (daemonStartMs < 0) {
            QTextStream(stderr) << "llm-schedulerd did not answer /health; see " << dataDir << "/bench-daemon.log\n";
            return 1;
        }
    } else {
        o.dataDirOverride = dataDir;
        o.noApi = true;
    }
    ui::ControlCenter center(o);
    startup.restart();
    if (auto r = center.start(); !r) {
        QTextStream(stderr) << "start failed: " << r.error().toString() << '\n';
        return 1;
    }
    const qint64 engineStartMs = startup.elapsed();

    QJsonObject result = measureWindow(center, seconds);
    result.insert(QStringLiteral("mode"), daemon ? QStringLiteral("remote") : QStringLiteral("embedded"));
    result.insert(QStringLiteral("engine_start_ms"), daemon ? daemonStartMs : engineStartMs);
    if (daemon) {
        const QJsonObject reconnect = measureReconnect(center, *daemon);
        for (auto it = reconnect.begin(); it != reconnect.end(); ++it)
            result.insert(it.key(), it.value());
    }
    QTextStream(stdout) << QJsonDocument(result).toJson(QJsonDocument::Compact) << '\n';
    center.shutdown();
    return 0;
}
