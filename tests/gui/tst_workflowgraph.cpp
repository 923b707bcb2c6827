// The workflow graph: the layered layout (edges point to later layers, no two
// tasks in one place, the barycenter ordering removes crossings, a cycle or a
// bad index does not hang it) and the view over it, offscreen (a fan-out's
// node count, a click names its task, a state update repaints the task's box
// in the state's colour, fit shows every task, unknown states and a
// 10,000-task graph zoomed out render).

#include "graphlayout.h"
#include "uiutil.h"
#include "workflowgraphview.h"

#include <QApplication>
#include <QHelpEvent>
#include <QJsonArray>
#include <QPaintEvent>
#include <QRandomGenerator>
#include <QSet>
#include <QSignalSpy>
#include <QTest>
#include <QToolTip>

using namespace llmsched;
using ui::GraphEdge;

namespace {

QJsonObject node(const QString& key, const QJsonValue& state, const QString& model = QStringLiteral("demo"))
{
    return { { QStringLiteral("key"), key }, { QStringLiteral("id"), QString(QStringLiteral("t-") + key) }, { QStringLiteral("model"), model },
        { QStringLiteral("state"), state } };
}

QJsonObject edge(const QString& from, const QString& to, bool continueOnFailure = false)
{
    return { { QStringLiteral("from"), from }, { QStringLiteral("to"), to },
        { QStringLiteral("on_failure"), continueOnFailure ? QStringLiteral("continue") : QStringLiteral("cancel") } };
}

QJsonObject graph(const QString& id, const QJsonArray& nodes, const QJsonArray& edges)
{
    return { { QStringLiteral("id"), id }, { QStringLiteral("state"), QStringLiteral("running") }, { QStringLiteral("nodes"), nodes },
        { QStringLiteral("edges"), edges } };
}

// split -> map 0 .. n-1 -> reduce; every fourth mapper continues on failure.
QJsonObject fanOutFanIn(int mappers)
{
    QJsonArray nodes { node(QStringLiteral("split"), QStringLiteral("succeeded")) };
    QJsonArray edges;
    for (int i = 0; i < mappers; ++i) {
        const QString key = QStringLiteral("map-%1").arg(i);
        nodes.append(node(key, i % 2 ? QStringLiteral("running") : QStringLiteral("queued")));
        edges.append(edge(QStringLiteral("split"), key));
        edges.append(edge(key, QStringLiteral("reduce"), i % 4 == 0));
    }
    nodes.append(node(QStringLiteral("reduce"), QStringLiteral("blocked")));
    return graph(QStringLiteral("wf-fan"), nodes, edges);
}

// A random DAG: each node takes up to `parents` parents among the earlier ones.
QList<GraphEdge> randomDag(int n, int parents, quint32 seed)
{
    QRandomGenerator random(seed);
    QList<GraphEdge> edges;
    for (int v = 1; v < n; ++v)
        for (int k = 0; k < parents; ++k)
            edges.append({ static_cast<int>(random.bounded(v)), v });
    return edges;
}

QList<GraphEdge> fanEdges(int mappers)
{
    QList<GraphEdge> edges;
    for (int i = 1; i <= mappers; ++i) {
        edges.append({ 0, i });
        edges.append({ i, mappers + 1 });
    }
    return edges;
}

// Every node has a layer and a row inside it, and no two share both.
void verifyPositions(const ui::GraphLayout& layout, int n)
{
    QCOMPARE(layout.layer.size(), n);
    QCOMPARE(layout.row.size(), n);
    QSet<std::pair<int, int>> places;
    int total = 0;
    for (int size : layout.layerSize)
        total += size;
    QCOMPARE(total, n);
    for (int v = 0; v < n; ++v) {
        QVERIFY(layout.layer.at(v) >= 0 && layout.layer.at(v) < layout.layerCount());
        QVERIFY(layout.row.at(v) >= 0 && layout.row.at(v) < layout.layerSize.at(layout.layer.at(v)));
        places.insert({ layout.layer.at(v), layout.row.at(v) });
    }
    QCOMPARE(places.size(), n);
}

// A point inside a task's box, clear of its text (which starts after the padding).
QPoint insideBox(const ui::WorkflowGraphView& view, const QString& taskId)
{
    const QRect r = view.mapFromScene(view.nodeRect(taskId)).boundingRect();
    return QPoint(r.left() + 4, r.center().y());
}

// The regions a widget painted (its paint events).
class PaintRegions final : public QObject
{
public:
    explicit PaintRegions(QWidget* w) { w->installEventFilter(this); }
    QRegion region;

protected:
    bool eventFilter(QObject* o, QEvent* e) override
    {
        if (e->type() == QEvent::Paint)
            region += static_cast<QPaintEvent*>(e)->region();
        return QObject::eventFilter(o, e);
    }
};

// Runs posted events until a pass paints nothing (an update goes through
// the scene's queued dirty-item pass, then the widget's update request);
// whether anything was painted. Forgets the regions.
bool settle(PaintRegions& painted)
{
    bool any = false;
    for (;;) {
        painted.region = {};
        QCoreApplication::processEvents();
        QCoreApplication::processEvents();
        if (painted.region.isEmpty())
            return any;
        any = true;
    }
}

// Shows `g` in `view` (offscreen) at that size; false when it was not exposed.
bool showGraph(ui::WorkflowGraphView& view, const QJsonObject& g, QSize size = QSize(900, 600))
{
    view.resize(size);
    view.setGraph(g);
    view.show();
    return QTest::qWaitForWindowExposed(&view);
}

QColor pixelAt(ui::WorkflowGraphView& view, QPoint p)
{
    return view.viewport()->grab().toImage().pixelColor(p);
}

} // namespace

class TestWorkflowGraph : public QObject
{
    Q_OBJECT

private slots:
    void layoutEdgesPointForward_data();
    void layoutEdgesPointForward();
    void layoutLongestPath();
    void barycenterReducesCrossings();
    void layoutToleratesCycleAndBadIndex();
    void fanOutFanInNodeCount();
    void sameGraphAgainTakesStates();
    void clickActivatesTask();
    void setStatesRepaintsNode();
    void fitShowsEveryNode();
    void unknownStateRenders();
    void tooltipNamesTask();
    void largeGraphZoomedOut();
};

void TestWorkflowGraph::layoutEdgesPointForward_data()
{
    QTest::addColumn<int>("nodes");
    QTest::addColumn<QList<GraphEdge>>("edges");
    QTest::newRow("fan-out/fan-in") << 102 << fanEdges(100);
    QTest::newRow("random DAG") << 500 << randomDag(500, 2, 7);
    QTest::newRow("dense random DAG") << 200 << randomDag(200, 6, 11);
    QTest::newRow("diamond") << 4 << QList<GraphEdge> { { 0, 1 }, { 0, 2 }, { 1, 3 }, { 2, 3 } };
    QTest::newRow("no edges") << 5 << QList<GraphEdge> {};
}

void TestWorkflowGraph::layoutEdgesPointForward()
{
    QFETCH(int, nodes);
    QFETCH(QList<GraphEdge>, edges);
    const ui::GraphLayout layout = ui::layoutGraph(nodes, edges);
    verifyPositions(layout, nodes);
    for (const GraphEdge& e : edges)
        QVERIFY2(layout.layer.at(e.to) > layout.layer.at(e.from), qPrintable(QStringLiteral("edge %1 -> %2").arg(e.from).arg(e.to)));
}

void TestWorkflowGraph::layoutLongestPath()
{
    // 0 -> 1 -> 2 -> 3 and a shortcut 0 -> 3: 3 is placed by the longest path.
    const ui::GraphLayout layout = ui::layoutGraph(4, { { 0, 1 }, { 1, 2 }, { 2, 3 }, { 0, 3 } });
    QCOMPARE(layout.layer, (QList<int> { 0, 1, 2, 3 }));
    QCOMPARE(layout.layerCount(), 4);
    QCOMPARE(layout.maxLayerSize, 1);
}

void TestWorkflowGraph::barycenterReducesCrossings()
{
    // Three sources, each with two children listed in the reverse order of
    // their parents, and a third layer crossed again: the input order has
    // many crossings, the barycenter ordering none.
    //   0 -> 8, 9    1 -> 6, 7    2 -> 4, 5    (layer 1: 4 .. 9)
    //   4 -> 15  5 -> 14  6 -> 13  7 -> 12  8 -> 11  9 -> 10  (layer 2: 10 .. 15)
    QList<GraphEdge> edges { { 0, 8 }, { 0, 9 }, { 1, 6 }, { 1, 7 }, { 2, 4 }, { 2, 5 } };
    for (int i = 4; i <= 9; ++i)
        edges.append({ i, 19 - i });
    // 3 is an isolated source; the input order is node order.
    const ui::GraphLayout input = ui::layoutGraph(16, edges, 0);
    const ui::GraphLayout ordered = ui::layoutGraph(16, edges);
    verifyPositions(ordered, 16);
    const qint64 before = ui::countCrossings(input, edges);
    const qint64 after = ui::countCrossings(ordered, edges);
    QVERIFY2(before >= 12, qPrintable(QString::number(before)));
    QCOMPARE(after, 0);

    // On a random DAG it does not guarantee zero, but it does better.
    const QList<GraphEdge> random = randomDag(300, 2, 3);
    const qint64 randomBefore = ui::countCrossings(ui::layoutGraph(300, random, 0), random);
    const qint64 randomAfter = ui::countCrossings(ui::layoutGraph(300, random), random);
    QVERIFY2(randomAfter < randomBefore, qPrintable(QStringLiteral("%1 -> %2").arg(randomBefore).arg(randomAfter)));
}

void TestWorkflowGraph::layoutToleratesCycleAndBadIndex()
{
    // A cycle 0 -> 1 -> 2 -> 0 fed by 3, a node after it, an index out of
    // range, a negative one and a self-loop: it ends and places every node.
    const QList<GraphEdge> edges { { 3, 0 }, { 0, 1 }, { 1, 2 }, { 2, 0 }, { 2, 4 }, { 4, 99 }, { -1, 2 }, { 5, 5 } };
    const ui::GraphLayout layout = ui::layoutGraph(6, edges);
    verifyPositions(layout, 6);
    QCOMPARE(layout.layer.at(3), 0);
    QVERIFY(layout.layer.at(4) > layout.layer.at(2)); // after the cycle
    QVERIFY(ui::countCrossings(layout, edges) >= 0);
    // A cycle with no way in at all.
    verifyPositions(ui::layoutGraph(3, { { 0, 1 }, { 1, 2 }, { 2, 0 } }), 3);
    QCOMPARE(ui::layoutGraph(0, edges).layerCount(), 0);

    // The view draws such a graph too.
    ui::WorkflowGraphView view;
    view.setGraph(graph(QStringLiteral("wf-cycle"), { node(QStringLiteral("a"), QStringLiteral("queued")), node(QStringLiteral("b"), QJsonValue()) },
        { edge(QStringLiteral("a"), QStringLiteral("b")), edge(QStringLiteral("b"), QStringLiteral("a")),
            edge(QStringLiteral("a"), QStringLiteral("zz")) }));
    QCOMPARE(view.nodeCount(), 2);
    QVERIFY(!view.viewport()->grab().isNull());
}

void TestWorkflowGraph::fanOutFanInNodeCount()
{
    ui::WorkflowGraphView view;
    view.setGraph(fanOutFanIn(250));
    QCOMPARE(view.nodeCount(), 252);
    QCOMPARE(view.workflowId(), QStringLiteral("wf-fan"));
    const QRectF split = view.nodeRect(QStringLiteral("t-split"));
    const QRectF map = view.nodeRect(QStringLiteral("t-map-17"));
    const QRectF reduce = view.nodeRect(QStringLiteral("t-reduce"));
    QVERIFY(!split.isEmpty() && !map.isEmpty() && !reduce.isEmpty());
    QVERIFY(split.right() < map.left()); // left to right
    QVERIFY(map.right() < reduce.left());
    // 250 mappers are one layer wrapped into a block of columns, between the two.
    QSet<double> columns;
    for (int i = 0; i < 250; ++i) {
        const QRectF r = view.nodeRect(QStringLiteral("t-map-%1").arg(i));
        QVERIFY(r.left() > split.right() && r.right() < reduce.left());
        columns.insert(r.left());
    }
    QVERIFY2(columns.size() > 1 && columns.size() < 10, qPrintable(QString::number(columns.size())));
    QVERIFY(view.nodeRect(QStringLiteral("t-nothing")).isEmpty());
    QCOMPARE(view.stateOf(QStringLiteral("t-reduce")), std::optional<TaskState>(TaskState::Blocked));

    view.setGraph(QJsonObject {});
    QCOMPARE(view.nodeCount(), 0);
}

void TestWorkflowGraph::sameGraphAgainTakesStates()
{
    ui::WorkflowGraphView view;
    QVERIFY(showGraph(view, fanOutFanIn(100)));
    view.zoomIn();
    const double zoomed = view.zoom();
    const QRectF reduce = view.nodeRect(QStringLiteral("t-reduce"));

    // The same workflow, later: the reducer runs. Its states are taken, the
    // layout and the zoom kept.
    QJsonObject later = fanOutFanIn(100);
    QJsonArray nodes = later.value(QStringLiteral("nodes")).toArray();
    nodes.replace(nodes.size() - 1, node(QStringLiteral("reduce"), QStringLiteral("running")));
    later.insert(QStringLiteral("nodes"), nodes);
    view.setGraph(later);
    QCOMPARE(view.stateOf(QStringLiteral("t-reduce")), std::optional<TaskState>(TaskState::Running));
    QCOMPARE(view.zoom(), zoomed);
    QCOMPARE(view.nodeRect(QStringLiteral("t-reduce")), reduce);

    // Another workflow is laid out and fitted anew.
    QJsonObject other = fanOutFanIn(10);
    other.insert(QStringLiteral("id"), QStringLiteral("wf-other"));
    view.setGraph(other);
    QCOMPARE(view.nodeCount(), 12);
    QCOMPARE(view.workflowId(), QStringLiteral("wf-other"));
    QVERIFY(view.zoom() != zoomed);
}

void TestWorkflowGraph::clickActivatesTask()
{
    ui::WorkflowGraphView view;
    QVERIFY(showGraph(view, fanOutFanIn(4)));
    QSignalSpy activated(&view, &ui::WorkflowGraphView::taskActivated);

    const QPoint map2 = view.mapFromScene(view.nodeRect(QStringLiteral("t-map-2")).center());
    QCOMPARE(view.taskIdAt(map2), QStringLiteral("t-map-2"));
    QTest::mouseClick(view.viewport(), Qt::LeftButton, Qt::NoModifier, map2);
    QCOMPARE(activated.count(), 1);
    QCOMPARE(activated.first().at(0).toString(), QStringLiteral("t-map-2"));

    // Between the boxes: nothing.
    const QRectF split = view.nodeRect(QStringLiteral("t-split"));
    const QPoint gap = view.mapFromScene(QPointF(split.right() + 20, split.top() - 200));
    QVERIFY(view.taskIdAt(gap).isEmpty());
    QTest::mouseClick(view.viewport(), Qt::LeftButton, Qt::NoModifier, gap);
    QCOMPARE(activated.count(), 1);

    // A drag that starts on a task pans; it does not activate the task.
    QTest::mousePress(view.viewport(), Qt::LeftButton, Qt::NoModifier, map2);
    QTest::mouseMove(view.viewport(), map2 + QPoint(60, 40));
    QTest::mouseRelease(view.viewport(), Qt::LeftButton, Qt::NoModifier, map2 + QPoint(60, 40));
    QCOMPARE(activated.count(), 1);
}

void TestWorkflowGraph::setStatesRepaintsNode()
{
    ui::WorkflowGraphView view;
    QVERIFY(showGraph(view, fanOutFanIn(4)));
    QCOMPARE(view.zoom(), 1.0); // a small graph is not blown up
    const QString id = QStringLiteral("t-map-0");
    const QPoint p = insideBox(view, id);
    QCOMPARE(pixelAt(view, p), ui::stateColor(TaskState::Queued));

    QHash<QString, TaskState> states { { id, TaskState::Dead }, { QStringLiteral("t-not-in-graph"), TaskState::Running } };
    view.setStates(states);
    QCOMPARE(view.stateOf(id), std::optional<TaskState>(TaskState::Dead));
    QTRY_COMPARE(pixelAt(view, p), ui::stateColor(TaskState::Dead));
    QCOMPARE(pixelAt(view, insideBox(view, QStringLiteral("t-map-1"))), ui::stateColor(TaskState::Running));

    // On screen, an update repaints the box alone, not its neighbour. (Qt
    // repaints the whole item on the first update after the view was shown
    // and fitted, above.)
    PaintRegions painted(view.viewport());
    settle(painted);
    view.setStates({ { id, TaskState::Succeeded } });
    const QRect box = view.mapFromScene(view.nodeRect(id)).boundingRect();
    QTRY_VERIFY(painted.region.contains(box));
    QVERIFY(!painted.region.contains(insideBox(view, QStringLiteral("t-map-1"))));
    QCOMPARE(pixelAt(view, p), ui::stateColor(TaskState::Succeeded));

    // The same state again paints nothing.
    settle(painted);
    view.setStates({ { id, TaskState::Succeeded } });
    QVERIFY(!settle(painted));
}

void TestWorkflowGraph::fitShowsEveryNode()
{
    ui::WorkflowGraphView view;
    view.resize(800, 500);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    QJsonArray nodes;
    QJsonArray edges;
    const QList<GraphEdge> dag = randomDag(300, 2, 5);
    for (int i = 0; i < 300; ++i)
        nodes.append(node(QStringLiteral("n%1").arg(i), QStringLiteral("queued")));
    for (const GraphEdge& e : dag)
        edges.append(edge(QStringLiteral("n%1").arg(e.from), QStringLiteral("n%1").arg(e.to)));
    view.setGraph(graph(QStringLiteral("wf-random"), nodes, edges));
    const auto everyNodeShown = [&] {
        const QRect room = view.viewport()->rect();
        for (int i = 0; i < 300; ++i)
            if (!room.contains(view.mapFromScene(view.nodeRect(QStringLiteral("t-n%1").arg(i))).boundingRect()))
                return false;
        return true;
    };
    QVERIFY(everyNodeShown()); // a new graph is fitted
    const double fitted = view.zoom();
    QVERIFY(fitted < 1.0);

    QTest::keyClick(&view, Qt::Key_Plus, Qt::ControlModifier);
    QVERIFY(view.zoom() > fitted);
    QTest::keyClick(&view, Qt::Key_Plus, Qt::ControlModifier);
    QVERIFY(!everyNodeShown());
    view.fitAll();
    QCOMPARE(view.zoom(), fitted);
    QVERIFY(everyNodeShown());

    QTest::keyClick(&view, Qt::Key_Minus, Qt::ControlModifier);
    QVERIFY(view.zoom() < fitted);
    QTest::keyClick(&view, Qt::Key_0, Qt::ControlModifier);
    QCOMPARE(view.zoom(), fitted);

    // The wheel zooms around the cursor; F fits again; the same graph again keeps the zoom.
    const QPoint cursor = view.viewport()->rect().center() + QPoint(100, 50);
    QWheelEvent wheel(cursor, view.viewport()->mapToGlobal(cursor), {}, QPoint(0, 240), Qt::NoButton, Qt::NoModifier, Qt::NoScrollPhase, false);
    QApplication::sendEvent(view.viewport(), &wheel);
    const double zoomed = view.zoom();
    QVERIFY(zoomed > fitted);
    view.setGraph(graph(QStringLiteral("wf-random"), nodes, edges));
    QCOMPARE(view.zoom(), zoomed);
    QTest::keyClick(&view, Qt::Key_F);
    QCOMPARE(view.zoom(), fitted);
    QVERIFY(everyNodeShown());

    // Fitted, a resize fits again.
    view.resize(600, 900);
    QTRY_VERIFY(view.zoom() != fitted);
    QVERIFY(everyNodeShown());
}

void TestWorkflowGraph::unknownStateRenders()
{
    ui::WorkflowGraphView view;
    QJsonArray nodes { node(QStringLiteral("null"), QJsonValue()), node(QStringLiteral("bogus"), QStringLiteral("retrying")),
        node(QStringLiteral("number"), 3), node(QStringLiteral("ok"), QStringLiteral("retry_wait"), QString()) };
    QJsonObject absent { { QStringLiteral("key"), QStringLiteral("absent") }, { QStringLiteral("id"), QStringLiteral("t-absent") } };
    nodes.append(absent);
    QVERIFY(showGraph(view,
        graph(QStringLiteral("wf-odd"), nodes,
            { edge(QStringLiteral("null"), QStringLiteral("bogus"), true), edge(QStringLiteral("bogus"), QStringLiteral("ok")),
                edge(QStringLiteral("absent"), QStringLiteral("ok")) })));
    QCOMPARE(view.nodeCount(), 5);
    for (const char* key : { "null", "bogus", "number", "absent" })
        QVERIFY2(!view.stateOf(QStringLiteral("t-") + QLatin1String(key)), key);
    QCOMPARE(view.stateOf(QStringLiteral("t-ok")), std::optional<TaskState>(TaskState::RetryWait));
    QCOMPARE(pixelAt(view, insideBox(view, QStringLiteral("t-absent"))), view.palette().color(QPalette::Button));
    QCOMPARE(pixelAt(view, insideBox(view, QStringLiteral("t-ok"))), ui::stateColor(TaskState::RetryWait));
    // A dark palette repaints the neutral boxes in its colours.
    QPalette dark = view.palette();
    dark.setColor(QPalette::Base, QColor(0x1e, 0x1e, 0x1e));
    dark.setColor(QPalette::Text, QColor(0xe0, 0xe0, 0xe0));
    dark.setColor(QPalette::Button, QColor(0x3a, 0x3a, 0x3a));
    dark.setColor(QPalette::ButtonText, QColor(0xf0, 0xf0, 0xf0));
    view.setPalette(dark);
    QTRY_COMPARE(pixelAt(view, insideBox(view, QStringLiteral("t-absent"))), QColor(0x3a, 0x3a, 0x3a));
    QCOMPARE(pixelAt(view, insideBox(view, QStringLiteral("t-ok"))), ui::stateColor(TaskState::RetryWait));
    // Zoomed out as far as it goes (boxes without text, then pixels).
    for (int i = 0; i < 20; ++i)
        view.zoomOut();
    QVERIFY(!view.viewport()->grab().isNull());
}

void TestWorkflowGraph::tooltipNamesTask()
{
    ui::WorkflowGraphView view;
    QVERIFY(showGraph(view, fanOutFanIn(3)));
    const QPoint p = view.mapFromScene(view.nodeRect(QStringLiteral("t-reduce")).center());
    QHelpEvent help(QEvent::ToolTip, p, view.viewport()->mapToGlobal(p));
    QApplication::sendEvent(view.viewport(), &help);
    QTRY_VERIFY(QToolTip::isVisible());
    const QString text = QToolTip::text();
    QVERIFY2(text.contains(QStringLiteral("reduce")) && text.contains(QStringLiteral("t-reduce")) && text.contains(QStringLiteral("demo")),
        qPrintable(text));
    QVERIFY2(text.contains(ui::Text::state(TaskState::Blocked)), qPrintable(text));
}

void TestWorkflowGraph::largeGraphZoomedOut()
{
    ui::WorkflowGraphView view;
    view.resize(1280, 800);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    view.setGraph(fanOutFanIn(9998));
    QCOMPARE(view.nodeCount(), 10'000);
    QVERIFY(view.zoom() < 0.15); // fitted: drawn as pixels
    const QImage image = view.viewport()->grab().toImage();
    QVERIFY(!image.isNull());
    QCOMPARE(view.taskIdAt(view.mapFromScene(view.nodeRect(QStringLiteral("t-reduce")).center())), QStringLiteral("t-reduce"));
    // The reducer's pixel has its colour even though thousands of edges end there.
    const QPoint reduce = view.mapFromScene(view.nodeRect(QStringLiteral("t-reduce")).center());
    QCOMPARE(image.pixelColor(reduce), ui::stateColor(TaskState::Blocked));
    QHash<QString, TaskState> all;
    for (int i = 0; i < 9998; ++i)
        all.insert(QStringLiteral("t-map-%1").arg(i), TaskState::Succeeded);
    view.setStates(all);
    QCOMPARE(view.stateOf(QStringLiteral("t-map-9000")), std::optional<TaskState>(TaskState::Succeeded));
    QVERIFY(!view.viewport()->grab().isNull());
}

QTEST_MAIN(TestWorkflowGraph)
#include "tst_workflowgraph.moc"
