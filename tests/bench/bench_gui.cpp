// GUI benchmark: first paint of the Queue view over N stored tasks, and the
// longest GUI event-loop stall while the engine runs at full speed under the
// main window (counters, queue following new tasks, charts, models).
//
//   QT_QPA_PLATFORM=offscreen bench_gui --tasks 1000000 --seconds 20
//
// Prints one JSON line with the figures (docs/benchmarks.md).

#include "benchutil.h"
#include "enginetestutil.h"

#include "controlcenter.h"
#include "livestate.h"
#include "mainwindow.h"
#include "queueview.h"
#include "tasktablemodel.h"

#include "engine.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QDeadlineTimer>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>
#include <QTimer>

#include <algorithm>

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
    p.addOptions({ tasksOpt, secondsOpt, dirOpt });
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
    o.dataDirOverride = dataDir;
    o.noApi = true;
    o.settings.demoFeed = false;
    o.settings.firstRun = false;
    ui::ControlCenter center(o);
    QElapsedTimer startup;
    startup.start();
    if (!center.start())
        return 1;
    const qint64 engineStartMs = startup.elapsed();

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
    while (firstPaintMs < 0 && paint.elapsed() < 30'000)
        QCoreApplication::processEvents(QEventLoop::AllEvents, 5);
    watch.onPaint = nullptr;
    // The count of a million rows may land after the first page.
    while (queue->model()->isLoading() && paint.elapsed() < 30'000)
        QCoreApplication::processEvents(QEventLoop::AllEvents, 5);
    const qint64 countKnownMs = paint.elapsed();
    const qint64 rows = queue->model()->rowCount();
    if (firstPaintMs < 0)
        QTextStream(stderr) << "no first paint: rows " << rows << " loading " << queue->model()->isLoading() << " error "
                            << queue->model()->lastError() << '\n';

    // Scroll jumps: to the middle and the end of a million rows (after the
    // view's delayed layout took the new row count).
    QDeadlineTimer settle(100);
    while (!settle.hasExpired())
        QCoreApplication::processEvents(QEventLoop::AllEvents, 5);
    QElapsedTimer jump;
    jump.start();
    queue->table()->scrollTo(queue->model()->index(static_cast<int>(rows / 2), 0));
    while (!queue->model()->taskAt(static_cast<int>(rows / 2)) && jump.elapsed() < 30'000)
        QCoreApplication::processEvents(QEventLoop::AllEvents, 5);
    const qint64 jumpMiddleMs = jump.elapsed();

    jump.restart();
    queue->table()->scrollToBottom();
    while (!queue->model()->taskAt(static_cast<int>(rows - 1)) && jump.elapsed() < 30'000)
        QCoreApplication::processEvents(QEventLoop::AllEvents, 5);
    const qint64 jumpEndMs = jump.elapsed();
    queue->table()->scrollToTop();

    // Stalls: a 5 ms timer on the GUI thread while the engine runs the stored
    // tasks at full speed; switch views now and then so each one renders.
    QList<qint64> gaps;
    QElapsedTimer clock;
    clock.start();
    qint64 last = 0;
    QTimer tick;
    tick.setTimerType(Qt::PreciseTimer);
    tick.setInterval(5);
    std::array<qint64, 5> worstByView {};
    QObject::connect(&tick, &QTimer::timeout, [&] {
        const qint64 now = clock.nsecsElapsed() / 1000;
        gaps.append(now - last);
        qint64& worst = worstByView[static_cast<size_t>(w->currentView())];
        worst = std::max(worst, now - last);
        last = now;
    });
    QTimer views;
    int view = 0;
    QObject::connect(&views, &QTimer::timeout, [&] { w->showView(static_cast<ui::MainWindow::View>(++view % 5)); });
    const qint64 doneBefore = center.live().snapshot()->states[static_cast<int>(TaskState::Succeeded)];
    last = clock.nsecsElapsed() / 1000;
    tick.start();
    views.start(2000);
    QDeadlineTimer deadline(seconds * 1000);
    while (!deadline.hasExpired())
        QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
    tick.stop();
    views.stop();
    const qint64 done = center.live().snapshot()->states[static_cast<int>(TaskState::Succeeded)] - doneBefore;
    std::sort(gaps.begin(), gaps.end());
    const auto pct
        = [&gaps](double q) { return gaps.isEmpty() ? 0 : gaps.at(std::min<qsizetype>(gaps.size() - 1, static_cast<qsizetype>(q * gaps.size()))); };
    const QJsonObject result {
        { QStringLiteral("stored_tasks"), rows },
        { QStringLiteral("engine_start_ms"), engineStartMs },
        { QStringLiteral("queue_first_paint_ms"), firstPaintMs },
        { QStringLiteral("queue_count_known_ms"), countKnownMs },
        { QStringLiteral("scroll_to_middle_ms"), jumpMiddleMs },
        { QStringLiteral("scroll_to_end_ms"), jumpEndMs },
        { QStringLiteral("engine_tasks_per_s_during_stall_test"), static_cast<double>(done) / seconds },
        { QStringLiteral("stall_max_ms"), (pct(1.0) - 5000) / 1000.0 },
        { QStringLiteral("stall_p99_ms"), (pct(0.99) - 5000) / 1000.0 },
        { QStringLiteral("ticks"), gaps.size() },
        { QStringLiteral("stall_max_ms_by_view"),
            QJsonArray { (worstByView[0] - 5000) / 1000.0, (worstByView[1] - 5000) / 1000.0, (worstByView[2] - 5000) / 1000.0,
                (worstByView[3] - 5000) / 1000.0, (worstByView[4] - 5000) / 1000.0 } },
    };
    QTextStream(stdout) << QJsonDocument(result).toJson(QJsonDocument::Compact) << '\n';
    center.shutdown();
    return 0;
}
