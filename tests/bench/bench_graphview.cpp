// Workflow graph view benchmark: for each graph, the JSON read (a worker
// thread's part in the app), setGraph (the layered layout: the GUI thread's
// part) and the first paint of a 1280x800 viewport fitted to
// the whole graph, paints at zoom 1 and 0.5 (labels drawn), then live
// updates at zoom 0.5 and fitted: `rounds` setStates() calls of `updates`
// random tasks in random states, each with the repaint it causes, timed as
// the GUI thread would stall on them.
//
//   QT_QPA_PLATFORM=offscreen bench_graphview [--rounds 50] [--updates 1000] [--max-nodes 100000] [--save-images DIR]
//
// Graphs: a 3-stage pipeline (1 -> 998 -> 1), a random DAG of 1,000 tasks and
// ~2,000 edges, and fan-out/fan-in of 10,000 and 100,000 tasks. Prints one
// JSON line per graph (docs/benchmarks.md).

#include "graphlayout.h"
#include "workflowgraphview.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRandomGenerator>
#include <QTextStream>

#include <algorithm>
#include <functional>

using namespace llmsched;

namespace {

constexpr int kViewWidth = 1280;
constexpr int kViewHeight = 800;
constexpr qint64 kRepaintTimeoutMs = 5000;
constexpr quint32 kSeed = 42;
constexpr double kTextZoom = 0.5; // the view's smallest zoom with labels

struct Shape
{
    QString name;
    int nodes = 0;
    QList<ui::GraphEdge> edges;
};

// source -> `middle` tasks -> sink.
Shape fan(const QString& name, int middle)
{
    Shape s { name, middle + 2, {} };
    for (int i = 1; i <= middle; ++i) {
        s.edges.append({ 0, i });
        s.edges.append({ i, middle + 1 });
    }
    return s;
}

// Each task after the first depends on two of the 100 before it: a DAG some
// 40 layers deep with ~2 edges a task.
Shape randomDag(int n)
{
    constexpr int kWindow = 100;
    QRandomGenerator random(kSeed);
    Shape s { QStringLiteral("random_dag"), n, {} };
    for (int v = 1; v < n; ++v) {
        const int a = static_cast<int>(random.bounded(std::max(0, v - kWindow), v));
        const int b = static_cast<int>(random.bounded(std::max(0, v - kWindow), v));
        s.edges.append({ a, v });
        if (b != a)
            s.edges.append({ b, v });
    }
    return s;
}

QString taskId(int i)
{
    return QStringLiteral("0197a8f0-0000-7000-8000-%1").arg(i, 12, 10, QLatin1Char('0'));
}

// The graph as GET /api/v1/workflows/{id}/graph returns it; every third edge
// continues on failure (dashed). `shift` rotates the states (a later look at
// the same workflow).
QJsonObject graphJson(const Shape& s, int shift = 0)
{
    static const char* const kStates[] = { "queued", "running", "succeeded", "blocked" };
    QJsonArray nodes;
    for (int i = 0; i < s.nodes; ++i)
        nodes.append(QJsonObject { { QStringLiteral("key"), QStringLiteral("task-%1").arg(i) }, { QStringLiteral("id"), taskId(i) },
            { QStringLiteral("model"), QStringLiteral("bench") }, { QStringLiteral("state"), QLatin1String(kStates[(i + shift) % 4]) } });
    QJsonArray edges;
    for (int i = 0; i < s.edges.size(); ++i)
        edges.append(QJsonObject { { QStringLiteral("from"), QStringLiteral("task-%1").arg(s.edges.at(i).from) },
            { QStringLiteral("to"), QStringLiteral("task-%1").arg(s.edges.at(i).to) },
            { QStringLiteral("on_failure"), i % 3 == 0 ? QStringLiteral("continue") : QStringLiteral("cancel") } });
    return { { QStringLiteral("id"), s.name }, { QStringLiteral("state"), QStringLiteral("running") }, { QStringLiteral("nodes"), nodes },
        { QStringLiteral("edges"), edges } };
}

// Counts the viewport's paint events.
class PaintCounter final : public QObject
{
public:
    explicit PaintCounter(QWidget* w) { w->installEventFilter(this); }
    int paints = 0;

protected:
    bool eventFilter(QObject* o, QEvent* e) override
    {
        if (e->type() == QEvent::Paint)
            ++paints;
        return QObject::eventFilter(o, e);
    }
};

// Runs posted events until the viewport painted once more (the scene's dirty
// items are processed through a queued call, then the widget is updated).
bool waitForPaint(const PaintCounter& counter, int before)
{
    QElapsedTimer t;
    t.start();
    while (counter.paints == before && t.elapsed() < kRepaintTimeoutMs)
        QCoreApplication::processEvents(QEventLoop::AllEvents);
    return counter.paints > before;
}

double ms(qint64 ns)
{
    return static_cast<double>(ns / 1000) / 1000.0;
}

double timeMs(const std::function<void()>& f)
{
    QElapsedTimer t;
    t.start();
    f();
    return ms(t.nsecsElapsed());
}

// `rounds` setStates() calls of `updates` random tasks in random states, each
// timed alone and up to the end of the repaint it causes (the stall the GUI
// thread would see); the figures are named with `prefix`.
void liveUpdates(
    ui::WorkflowGraphView& view, const PaintCounter& counter, const Shape& s, int rounds, int updates, const QString& prefix, QJsonObject& out)
{
    QRandomGenerator random(kSeed);
    QList<double> setStatesMs;
    QList<double> withRepaintMs;
    int missed = 0;
    for (int r = 0; r < rounds; ++r) {
        QHash<QString, TaskState> states;
        states.reserve(updates);
        for (int i = 0; i < updates; ++i)
            states.insert(taskId(static_cast<int>(random.bounded(s.nodes))), static_cast<TaskState>(random.bounded(kTaskStateCount)));
        QCoreApplication::processEvents(); // nothing left from the round before
        const int before = counter.paints;
        QElapsedTimer t;
        t.start();
        view.setStates(states);
        setStatesMs.append(ms(t.nsecsElapsed()));
        if (!waitForPaint(counter, before))
            ++missed;
        withRepaintMs.append(ms(t.nsecsElapsed()));
    }
    std::sort(setStatesMs.begin(), setStatesMs.end());
    std::sort(withRepaintMs.begin(), withRepaintMs.end());
    const auto median = [](const QList<double>& v) { return v.isEmpty() ? 0.0 : v.at(v.size() / 2); };
    const auto max = [](const QList<double>& v) { return v.isEmpty() ? 0.0 : v.constLast(); };
    out.insert(prefix + QStringLiteral("set_states_median_ms"), median(setStatesMs));
    out.insert(prefix + QStringLiteral("set_states_max_ms"), max(setStatesMs));
    out.insert(prefix + QStringLiteral("set_states_with_repaint_median_ms"), median(withRepaintMs));
    out.insert(prefix + QStringLiteral("set_states_with_repaint_max_ms"), max(withRepaintMs));
    out.insert(prefix + QStringLiteral("rounds_without_repaint"), missed);
}

QJsonObject measure(const Shape& s, int rounds, int updates, const QString& saveDir)
{
    const QJsonObject json = graphJson(s);
    const double layoutMs = timeMs([&] { ui::layoutGraph(s.nodes, s.edges); });
    const ui::GraphLayout layout = ui::layoutGraph(s.nodes, s.edges);

    ui::WorkflowGraphView view;
    view.setFrameShape(QFrame::NoFrame);
    view.resize(kViewWidth, kViewHeight);
    view.show();
    QCoreApplication::processEvents();
    PaintCounter counter(view.viewport());

    // The view fits a new graph: the first paint shows all of it.
    ui::WorkflowGraphData data;
    const double readMs = timeMs([&] { data = ui::WorkflowGraphData::fromJson(json); });
    const double setGraphMs = timeMs([&] { view.setGraph(std::move(data)); });
    QImage image;
    const double firstPaintMs = timeMs([&] { image = view.viewport()->grab().toImage(); });
    const auto save = [&](const char* what) {
        if (!saveDir.isEmpty())
            image.save(QStringLiteral("%1/%2_%3_%4.png").arg(saveDir, s.name).arg(s.nodes).arg(QLatin1String(what)));
    };
    save("fitted");
    const double fittedZoom = view.zoom();
    const QSize painted = image.size();

    // Zoom 1 around the middle task, and around the source, where every edge
    // of a fan-out starts; then zoom 0.5 (the smallest with text: the most
    // labels on screen) around the middle.
    const QPointF middle = view.nodeRect(taskId(s.nodes / 2)).center();
    view.setTransform(QTransform());
    view.centerOn(middle);
    const double paintZoom1Ms = timeMs([&] { image = view.viewport()->grab().toImage(); });
    save("zoom1_middle");
    view.centerOn(view.nodeRect(taskId(0)).center());
    const double paintSourceMs = timeMs([&] { image = view.viewport()->grab().toImage(); });
    save("zoom1_source");
    view.setTransform(QTransform::fromScale(kTextZoom, kTextZoom));
    view.centerOn(middle);
    const double paintTextZoomMs = timeMs([&] { image = view.viewport()->grab().toImage(); });
    save("zoom05_middle");

    // The same workflow again, its states changed (a refresh of the view).
    const QJsonObject later = graphJson(s, 1);
    ui::WorkflowGraphData laterData = ui::WorkflowGraphData::fromJson(later);
    const double setGraphAgainMs = timeMs([&] { view.setGraph(std::move(laterData)); });

    QJsonObject out {
        { QStringLiteral("bench"), QStringLiteral("graphview") },
        { QStringLiteral("graph"), s.name },
        { QStringLiteral("nodes"), s.nodes },
        { QStringLiteral("edges"), s.edges.size() },
        { QStringLiteral("layers"), layout.layerCount() },
        { QStringLiteral("crossings_input_order"), ui::countCrossings(ui::layoutGraph(s.nodes, s.edges, 0), s.edges) },
        { QStringLiteral("crossings"), ui::countCrossings(layout, s.edges) },
        { QStringLiteral("viewport"), QStringLiteral("%1x%2").arg(painted.width()).arg(painted.height()) },
        { QStringLiteral("layout_ms"), layoutMs },
        { QStringLiteral("read_json_ms"), readMs },
        { QStringLiteral("set_graph_ms"), setGraphMs },
        { QStringLiteral("first_paint_fitted_ms"), firstPaintMs },
        { QStringLiteral("set_graph_plus_first_paint_ms"), setGraphMs + firstPaintMs },
        { QStringLiteral("fitted_zoom"), fittedZoom },
        { QStringLiteral("paint_zoom1_middle_ms"), paintZoom1Ms },
        { QStringLiteral("paint_zoom1_source_ms"), paintSourceMs },
        { QStringLiteral("paint_zoom05_middle_ms"), paintTextZoomMs },
        { QStringLiteral("set_graph_again_ms"), setGraphAgainMs },
        { QStringLiteral("update_rounds"), rounds },
        { QStringLiteral("updates_per_round"), updates },
    };
    // Live updates at zoom 0.5 (labels drawn), then fitted (every task on screen).
    liveUpdates(view, counter, s, rounds, updates, QStringLiteral("zoom05_"), out);
    view.fitAll();
    QCoreApplication::processEvents();
    liveUpdates(view, counter, s, rounds, updates, QStringLiteral("fitted_"), out);
    return out;
}

} // namespace

int main(int argc, char** argv)
{
    QApplication app(argc, argv);
    QCommandLineParser p;
    QCommandLineOption roundsOpt(QStringLiteral("rounds"), QStringLiteral("Live update rounds."), QStringLiteral("N"), QStringLiteral("50"));
    QCommandLineOption updatesOpt(QStringLiteral("updates"), QStringLiteral("Tasks updated a round."), QStringLiteral("N"), QStringLiteral("1000"));
    QCommandLineOption maxOpt(
        QStringLiteral("max-nodes"), QStringLiteral("Skip the graphs larger than this."), QStringLiteral("N"), QStringLiteral("100000"));
    QCommandLineOption saveOpt(QStringLiteral("save-images"), QStringLiteral("Save the painted viewports as PNG files here."), QStringLiteral("DIR"));
    p.addOptions({ roundsOpt, updatesOpt, maxOpt, saveOpt });
    p.addHelpOption();
    p.process(app);
    const int rounds = p.value(roundsOpt).toInt();
    const int updates = p.value(updatesOpt).toInt();
    const int maxNodes = p.value(maxOpt).toInt();

    const QList<Shape> shapes { fan(QStringLiteral("pipeline"), 998), randomDag(1000), fan(QStringLiteral("fan_out_fan_in"), 9998),
        fan(QStringLiteral("fan_out_fan_in"), 99'998) };
    QTextStream out(stdout);
    for (const Shape& s : shapes)
        if (s.nodes <= maxNodes)
            out << QJsonDocument(measure(s, rounds, updates, p.value(saveOpt))).toJson(QJsonDocument::Compact) << Qt::endl;
    return 0;
}
