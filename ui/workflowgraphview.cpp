#include "workflowgraphview.h"

#include "graphlayout.h"
#include "uiutil.h"

#include <QApplication>
#include <QFontMetricsF>
#include <QGraphicsItem>
#include <QGraphicsScene>
#include <QHelpEvent>
#include <QJsonArray>
#include <QKeyEvent>
#include <QPainter>
#include <QPainterPath>
#include <QSet>
#include <QStyleOptionGraphicsItem>
#include <QToolTip>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>
#include <vector>

namespace llmsched::ui {

namespace {
// Scene geometry, in scene units (one pixel at zoom 1).
constexpr double kNodeWidth = 150;
constexpr double kNodeHeight = 40;
constexpr double kLayerGap = 70; // room for the edges between two layers
constexpr double kRowGap = 14;
constexpr double kPitchY = kNodeHeight + kRowGap;
constexpr double kColumnGap = 10; // between the columns of a wrapped layer
constexpr double kColumnPitch = kNodeWidth + kColumnGap;
constexpr int kWrapRows = 64;
constexpr double kWrapAspect = 1.6;
constexpr double kCorner = 4;
constexpr double kPadding = 8;
constexpr double kSceneMargin = 40;

// Level of detail (the scale of a scene unit on screen). Boxes: from kTextLod
// up rounded and antialiased, with their labels; below, pixel-aligned without
// text (a border while kBorderPixels tall), each pixel drawn once. Edges:
// curves from kCurveLod up; below, straight lines, each pair of pixels once.
constexpr double kTextLod = 0.5;
constexpr double kCurveLod = 0.15;
constexpr int kBorderPixels = 5;

constexpr double kMaxFitZoom = 1.0; // a small graph is not blown up to fill the view
constexpr double kMaxZoom = 4.0;
constexpr double kKeyZoomStep = 1.25;
constexpr double kWheelZoomPerDegree = 1.0015; // per 1/8 degree of angleDelta: 120 -> x1.2
constexpr double kModelFontScale = 0.85;
constexpr int kEdgeAlpha = 110;
constexpr int kBorderDarker = 140;
constexpr qint8 kUnknownState = WorkflowGraphData::kUnknownState;

QColor textOn(const QColor& fill)
{
    // Rec. 601 luma: dark text on light fills, white on dark ones.
    const int luma = (299 * fill.red() + 587 * fill.green() + 114 * fill.blue()) / 1000;
    return luma > 150 ? QColor(0x1e, 0x1e, 0x1e) : QColor(Qt::white);
}

qint8 stateCode(const QJsonValue& v)
{
    const auto s = taskStateFromName(v.toString());
    return s ? static_cast<qint8>(*s) : kUnknownState;
}

qint64 pack(int high, int low)
{
    return (qint64(high) << 32) | quint32(low);
}
} // namespace

// The whole graph in one item: the tasks' data, the layout, and the painting,
// culled to the exposed rectangle through the layout's grid, so that a paint
// costs what is visible. The edges are painted by the view into its cached
// background (they do not change with the states), the boxes by the item.
// Lives on the GUI thread.
class WorkflowGraphItem final : public QGraphicsItem
{
public:
    using Node = WorkflowGraphData::Node;
    using Edge = WorkflowGraphData::Edge;

    explicit WorkflowGraphItem(const QWidget* view)
        : m_view(view)
    {
        setFlag(ItemUsesExtendedStyleOption); // exposedRect: paint only what is asked
        setFonts(view->font());
    }

    QRectF boundingRect() const override { return m_bounds; }

    // `edgeCount`: the edges the graph named, drawn or not (for sameTasks).
    void setGraph(QList<Node> nodes, const QList<Edge>& edges, qsizetype edgeCount)
    {
        prepareGeometryChange();
        m_nodes = std::move(nodes);
        m_edgeCount = edgeCount;
        m_byTaskId.clear();
        m_byTaskId.reserve(m_nodes.size());
        for (int i = 0; i < m_nodes.size(); ++i)
            m_byTaskId.insert(m_nodes.at(i).id, i);
        QList<GraphEdge> layoutEdges;
        layoutEdges.reserve(edges.size());
        for (const Edge& e : edges)
            layoutEdges.append({ e.from, e.to });
        const GraphLayout layout = layoutGraph(static_cast<int>(m_nodes.size()), layoutEdges);

        // Layers left to right, each centred on y = 0; a wide one wrapped.
        m_layers.assign(static_cast<size_t>(layout.layerCount()), Layer {});
        double left = 0;
        double height = 0;
        int start = 0;
        for (int l = 0; l < layout.layerCount(); ++l) {
            Layer& g = m_layers[static_cast<size_t>(l)];
            g.size = layout.layerSize.at(l);
            g.start = start;
            g.rows = rowsPerColumn(g.size);
            g.columns = (g.size + g.rows - 1) / g.rows;
            g.left = left;
            g.top = -(g.rows * kPitchY - kRowGap) / 2;
            g.right = left + g.columns * kColumnPitch - kColumnGap;
            left = g.right + kLayerGap;
            height = std::max(height, g.rows * kPitchY - kRowGap);
            start += g.size;
        }
        m_order.assign(m_nodes.size(), 0);
        m_pos.assign(m_nodes.size(), QPointF());
        for (int i = 0; i < m_nodes.size(); ++i) {
            Node& n = m_nodes[i];
            n.layer = layout.layer.at(i);
            n.row = layout.row.at(i);
            const Layer& g = m_layers[static_cast<size_t>(n.layer)];
            m_order[static_cast<size_t>(g.start + n.row)] = i;
            m_pos[static_cast<size_t>(i)] = QPointF(g.left + (n.row / g.rows) * kColumnPitch, g.top + (n.row % g.rows) * kPitchY);
        }
        setSegments(edges);
        m_labels.assign(m_nodes.size(), Label {});
        m_bounds = m_layers.empty() ? QRectF() : QRectF(0, -height / 2, m_layers.back().right, height);
        update();
    }

    int nodeCount() const { return static_cast<int>(m_nodes.size()); }
    int indexOf(const QString& taskId) const { return m_byTaskId.value(taskId, -1); }
    const Node& node(int i) const { return m_nodes.at(i); }

    QRectF nodeRect(int i) const { return { m_pos[static_cast<size_t>(i)], QSizeF(kNodeWidth, kNodeHeight) }; }

    // The node at a scene point, or -1: a binary search for the layer, then
    // the layout's grid.
    int nodeAt(QPointF p) const
    {
        const auto layer = std::upper_bound(m_layers.begin(), m_layers.end(), p.x(), [](double x, const Layer& g) { return x < g.left; });
        if (layer == m_layers.begin())
            return -1;
        const Layer& g = *(layer - 1);
        const double x = p.x() - g.left;
        const double y = p.y() - g.top;
        if (y < 0)
            return -1;
        const int column = static_cast<int>(x / kColumnPitch);
        const int row = static_cast<int>(y / kPitchY);
        if (column >= g.columns || row >= g.rows || x - column * kColumnPitch > kNodeWidth || y - row * kPitchY > kNodeHeight)
            return -1;
        const int index = column * g.rows + row;
        return index < g.size ? m_order[static_cast<size_t>(g.start + index)] : -1;
    }

    // Sets a node's state and repaints its box alone; false when it had that state.
    bool setState(int i, qint8 state)
    {
        Node& n = m_nodes[i];
        if (n.state == state)
            return false;
        n.state = state;
        update(nodeRect(i));
        return true;
    }

    // Whether `nodes` and `edgeCount` are this graph's tasks, in order, and
    // the count of its edges: a workflow's graph is fixed at submission, so
    // then only the states can differ.
    bool sameTasks(const QList<Node>& nodes, qsizetype edgeCount) const
    {
        if (nodes.size() != m_nodes.size() || edgeCount != m_edgeCount)
            return false;
        for (qsizetype i = 0; i < nodes.size(); ++i)
            if (nodes.at(i).id != m_nodes.at(i).id || nodes.at(i).key != m_nodes.at(i).key)
                return false;
        return true;
    }

    void setFonts(const QFont& font)
    {
        m_keyFont = font;
        m_modelFont = font;
        if (font.pointSizeF() > 0)
            m_modelFont.setPointSizeF(font.pointSizeF() * kModelFontScale);
        else
            m_modelFont.setPixelSize(std::max(1, static_cast<int>(font.pixelSize() * kModelFontScale)));
        std::fill(m_labels.begin(), m_labels.end(), Label {});
        update();
    }

    void paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget*) override
    {
        const double lod = QStyleOptionGraphicsItem::levelOfDetailFromTransform(painter->worldTransform());
        painter->save();
        if (lod >= kTextLod)
            paintBoxes(painter, option->exposedRect);
        else
            paintPixels(painter, option->exposedRect);
        painter->restore();
    }

    // The edges that meet `exposed` (scene coordinates): curves from a
    // parent's right side to a child's left side, or zoomed out straight
    // lines, one per pair of device pixels.
    void paintEdges(QPainter* painter, const QRectF& exposed) const
    {
        const double lod = QStyleOptionGraphicsItem::levelOfDetailFromTransform(painter->worldTransform());
        QColor color = m_view->palette().color(QPalette::Text);
        color.setAlpha(kEdgeAlpha);
        QPen solid(color, 1.0);
        solid.setCosmetic(true);
        QPen dashed = solid;
        dashed.setStyle(Qt::DashLine);
        const bool curves = lod >= kCurveLod;
        const QTransform& toDevice = painter->worldTransform();
        QPainterPath solidPath;
        QPainterPath dashedPath;
        std::vector<QLineF> solidLines;
        std::vector<QLineF> dashedLines;
        QSet<std::pair<qint64, qint64>> drawn;
        for (const Segment& e : m_segments) {
            if (!e.box.intersects(exposed))
                continue;
            if (curves) {
                // A backward edge (only in a cycle) bows out past both ends.
                const double bend = std::max(std::abs(e.p1.x() - e.p0.x()) / 2, kLayerGap / 2);
                QPainterPath& path = e.dashed ? dashedPath : solidPath;
                path.moveTo(e.p0);
                path.cubicTo(e.p0 + QPointF(bend, 0), e.p1 - QPointF(bend, 0), e.p1);
                continue;
            }
            const QPoint d0 = toDevice.map(e.p0).toPoint();
            const QPoint d1 = toDevice.map(e.p1).toPoint();
            const std::pair<qint64, qint64> key(pack(d0.x(), d0.y()), pack(d1.x(), d1.y()));
            if (drawn.contains(key))
                continue;
            drawn.insert(key);
            (e.dashed ? dashedLines : solidLines).emplace_back(e.p0, e.p1);
        }
        painter->save();
        painter->setBrush(Qt::NoBrush);
        painter->setRenderHint(QPainter::Antialiasing, curves);
        painter->setPen(solid);
        if (curves)
            painter->drawPath(solidPath);
        else
            painter->drawLines(solidLines.data(), static_cast<int>(solidLines.size()));
        painter->setPen(dashed);
        if (curves)
            painter->drawPath(dashedPath);
        else
            painter->drawLines(dashedLines.data(), static_cast<int>(dashedLines.size()));
        painter->restore();
    }

private:
    // Where a layer's nodes are: `columns` columns of `rows` boxes from
    // (left, top), in row order down each column.
    struct Layer
    {
        double left = 0;
        double right = 0;
        double top = 0;
        int start = 0; // into m_order
        int size = 0;
        int rows = 1;
        int columns = 1;
    };
    // An edge as drawn, with the bounds of its curve.
    struct Segment
    {
        QPointF p0;
        QPointF p1;
        QRectF box;
        bool dashed = false;
    };
    // A node's labels, elided to the box once (per font) when first drawn.
    struct Label
    {
        QString key;
        QString model;
        bool ready = false;
    };

    // A layer taller than kWrapRows boxes (a fan-out) is wrapped into a block
    // about as wide as the view is (kWrapAspect), not one column a whole
    // fan-out tall: 100,000 tasks fitted to the view are then boxes of a few
    // pixels, not a line one pixel wide.
    static int rowsPerColumn(int size)
    {
        if (size <= kWrapRows)
            return std::max(1, size);
        const double square = std::sqrt(size * kColumnPitch / (kWrapAspect * kPitchY));
        return std::max(kWrapRows, static_cast<int>(std::ceil(square)));
    }

    // An edge leaves its parent's layer on the right and enters its child's
    // on the left, at the rows of the two boxes. In a one-column layer that
    // is the box's side; a wrapped layer is met at the side of its block, so
    // a fan-out of 10,000 edges is drawn as one curve per row of the block
    // (the edges of one row coincide and are drawn once; one is dashed only
    // when all of them are).
    void setSegments(const QList<Edge>& edges)
    {
        m_segments.clear();
        QHash<std::pair<qint64, qint64>, int> byEnds;
        for (const Edge& e : edges) {
            const Node& from = m_nodes.at(e.from);
            const Node& to = m_nodes.at(e.to);
            const Layer& a = m_layers[static_cast<size_t>(from.layer)];
            const Layer& b = m_layers[static_cast<size_t>(to.layer)];
            const std::pair<qint64, qint64> ends(pack(from.layer, from.row % a.rows), pack(to.layer, to.row % b.rows));
            const auto known = byEnds.constFind(ends);
            if (known != byEnds.constEnd()) {
                m_segments[static_cast<size_t>(known.value())].dashed &= e.dashed;
                continue;
            }
            byEnds.insert(ends, static_cast<int>(m_segments.size()));
            Segment s;
            s.p0 = QPointF(a.right, m_pos[static_cast<size_t>(e.from)].y() + kNodeHeight / 2);
            s.p1 = QPointF(b.left, m_pos[static_cast<size_t>(e.to)].y() + kNodeHeight / 2);
            const double bend = std::max(std::abs(s.p1.x() - s.p0.x()) / 2, kLayerGap / 2);
            s.box = QRectF(QPointF(std::min(s.p0.x(), s.p1.x() - bend), std::min(s.p0.y(), s.p1.y())),
                QPointF(std::max(s.p1.x(), s.p0.x() + bend), std::max(s.p0.y(), s.p1.y())))
                        .adjusted(-1, -1, 1, 1);
            s.dashed = e.dashed;
            m_segments.push_back(s);
        }
    }

    // Calls f(node index) for the nodes whose box meets `r`, layer by layer,
    // down each column.
    template <typename F> void forEachNodeIn(const QRectF& r, F&& f) const
    {
        const auto clampTo = [](double v, int lo, int hi) { return static_cast<int>(std::clamp(v, double(lo), double(hi))); };
        auto layer = std::lower_bound(m_layers.begin(), m_layers.end(), r.left(), [](const Layer& g, double x) { return g.right < x; });
        for (; layer != m_layers.end() && layer->left <= r.right(); ++layer) {
            const Layer& g = *layer;
            const int c0 = clampTo(std::ceil((r.left() - kNodeWidth - g.left) / kColumnPitch), 0, g.columns);
            const int c1 = clampTo(std::floor((r.right() - g.left) / kColumnPitch), -1, g.columns - 1);
            const int r0 = clampTo(std::ceil((r.top() - kNodeHeight - g.top) / kPitchY), 0, g.rows);
            const int r1 = clampTo(std::floor((r.bottom() - g.top) / kPitchY), -1, g.rows - 1);
            const int* order = m_order.data() + g.start;
            for (int column = c0; column <= c1; ++column) {
                const int first = column * g.rows;
                const int last = std::min(first + r1, g.size - 1);
                for (int index = first + r0; index <= last; ++index)
                    f(order[index]);
            }
        }
    }

    QColor fillOf(const Node& n, const QPalette& palette) const
    {
        return n.state == kUnknownState ? palette.color(QPalette::Button) : stateColor(static_cast<TaskState>(n.state));
    }

    const Label& label(int i)
    {
        Label& l = m_labels[static_cast<size_t>(i)];
        if (!l.ready) {
            const Node& n = m_nodes.at(i);
            const double width = kNodeWidth - 2 * kPadding;
            l.key = QFontMetricsF(m_keyFont).elidedText(n.key, Qt::ElideMiddle, width);
            l.model = QFontMetricsF(m_modelFont).elidedText(n.model, Qt::ElideRight, width);
            l.ready = true;
        }
        return l;
    }

    // Readable zoom: rounded boxes, the key over the model.
    void paintBoxes(QPainter* painter, const QRectF& exposed)
    {
        const QPalette palette = m_view->palette();
        painter->setRenderHint(QPainter::Antialiasing, true);
        const double keyHeight = QFontMetricsF(m_keyFont).height();
        const double modelHeight = QFontMetricsF(m_modelFont).height();
        const double textTop = (kNodeHeight - keyHeight - modelHeight) / 2;
        const double width = kNodeWidth - 2 * kPadding;
        forEachNodeIn(exposed, [&](int i) {
            const Node& n = m_nodes.at(i);
            const QRectF r = nodeRect(i);
            const QColor fill = fillOf(n, palette);
            QPen border(fill.darker(kBorderDarker), 1.0);
            border.setCosmetic(true);
            painter->setPen(border);
            painter->setBrush(fill);
            painter->drawRoundedRect(r.adjusted(0.5, 0.5, -0.5, -0.5), kCorner, kCorner);
            const Label& l = label(i);
            painter->setPen(n.state == kUnknownState ? palette.color(QPalette::ButtonText) : textOn(fill));
            const double left = r.left() + kPadding;
            painter->setFont(m_keyFont);
            if (l.model.isEmpty()) {
                painter->drawText(QRectF(left, r.top(), width, kNodeHeight), Qt::AlignLeft | Qt::AlignVCenter, l.key);
                return;
            }
            painter->drawText(QRectF(left, r.top() + textTop, width, keyHeight), Qt::AlignLeft | Qt::AlignVCenter, l.key);
            painter->setFont(m_modelFont);
            painter->drawText(QRectF(left, r.top() + textTop + keyHeight, width, modelHeight), Qt::AlignLeft | Qt::AlignVCenter, l.model);
        });
    }

    // Zoomed out: each box a device-aligned rectangle of at least one pixel,
    // with a border while it is tall enough, drawn once per pixel of its layer.
    void paintPixels(QPainter* painter, const QRectF& exposed) const
    {
        const QPalette palette = m_view->palette();
        const QTransform toDevice = painter->worldTransform();
        painter->resetTransform();
        painter->setRenderHint(QPainter::Antialiasing, false);
        QRect last;
        qint8 lastState = kUnknownState;
        forEachNodeIn(exposed, [&](int i) {
            const Node& n = m_nodes.at(i);
            const QRectF d = toDevice.mapRect(nodeRect(i));
            const QRect px(QPoint(static_cast<int>(std::lround(d.left())), static_cast<int>(std::lround(d.top()))),
                QSize(std::max(1, static_cast<int>(std::lround(d.width()))), std::max(1, static_cast<int>(std::lround(d.height())))));
            if (n.state == lastState && last.contains(px))
                return;
            const QColor fill = fillOf(n, palette);
            if (px.height() >= kBorderPixels) {
                painter->fillRect(px, fill.darker(kBorderDarker));
                painter->fillRect(px.adjusted(1, 1, -1, -1), fill);
            } else {
                painter->fillRect(px, fill);
            }
            lastState = n.state;
            last = px;
        });
    }

    const QWidget* m_view; // its palette for text, edges and unknown states
    QList<Node> m_nodes;
    qsizetype m_edgeCount = 0;
    QHash<QString, int> m_byTaskId;
    std::vector<Layer> m_layers; // left to right
    std::vector<int> m_order; // node indices, layer by layer, in row order
    std::vector<QPointF> m_pos; // by node: its box's top left
    std::vector<Segment> m_segments;
    std::vector<Label> m_labels; // by node
    QFont m_keyFont;
    QFont m_modelFont;
    QRectF m_bounds;
};

WorkflowGraphView::WorkflowGraphView(QWidget* parent)
    : QGraphicsView(parent)
{
    m_scene = new QGraphicsScene(this);
    m_scene->setItemIndexMethod(QGraphicsScene::NoIndex); // one item: nothing to index
    m_item = new WorkflowGraphItem(this);
    m_scene->addItem(m_item);
    setScene(m_scene);
    setDragMode(ScrollHandDrag);
    setTransformationAnchor(AnchorUnderMouse);
    setResizeAnchor(AnchorViewCenter);
    setFocusPolicy(Qt::StrongFocus);
    // The edges are drawn as the background: a state update repaints boxes
    // over the cached edges; zooming redraws them, scrolling only the strip
    // that comes into view.
    setCacheMode(CacheBackground);
}

WorkflowGraphView::~WorkflowGraphView() = default;

WorkflowGraphData WorkflowGraphData::fromJson(const QJsonObject& graph)
{
    WorkflowGraphData g;
    const QJsonArray nodesJson = graph.value(QLatin1String("nodes")).toArray();
    const QJsonArray edgesJson = graph.value(QLatin1String("edges")).toArray();
    g.id = graph.value(QLatin1String("id")).toString();
    g.nodes.reserve(nodesJson.size());
    for (const QJsonValue& v : nodesJson) {
        const QJsonObject o = v.toObject();
        Node n;
        n.key = o.value(QLatin1String("key")).toString();
        n.id = o.value(QLatin1String("id")).toString();
        n.model = o.value(QLatin1String("model")).toString();
        n.state = stateCode(o.value(QLatin1String("state")));
        g.nodes.append(std::move(n));
    }
    QHash<QString, int> byKey;
    byKey.reserve(g.nodes.size());
    for (int i = 0; i < g.nodes.size(); ++i)
        byKey.insert(g.nodes.at(i).key, i); // a repeated key names its last node
    g.edgesNamed = edgesJson.size();
    g.edges.reserve(edgesJson.size());
    for (const QJsonValue& v : edgesJson) {
        const QJsonObject o = v.toObject();
        const int from = byKey.value(o.value(QLatin1String("from")).toString(), -1);
        const int to = byKey.value(o.value(QLatin1String("to")).toString(), -1);
        if (from < 0 || to < 0 || from == to)
            continue; // names no node of the graph
        g.edges.append({ from, to, o.value(QLatin1String("on_failure")).toString() == QLatin1String("continue") });
    }
    return g;
}

void WorkflowGraphView::setGraph(WorkflowGraphData graph)
{
    if (!graph.id.isEmpty() && graph.id == m_workflowId && m_item->sameTasks(graph.nodes, graph.edgesNamed)) {
        // The same workflow again: its states, repainting the boxes that changed.
        for (int i = 0; i < graph.nodes.size(); ++i)
            m_item->setState(i, graph.nodes.at(i).state);
        return;
    }
    m_workflowId = graph.id;
    m_item->setGraph(std::move(graph.nodes), graph.edges, graph.edgesNamed);
    resetCachedContent(); // the edges
    m_scene->setSceneRect(m_item->boundingRect().adjusted(-kSceneMargin, -kSceneMargin, kSceneMargin, kSceneMargin));
    fitAll();
}

void WorkflowGraphView::setStates(const QHash<QString, TaskState>& byTaskId)
{
    for (auto it = byTaskId.begin(); it != byTaskId.end(); ++it) {
        const int i = m_item->indexOf(it.key());
        if (i >= 0)
            m_item->setState(i, static_cast<qint8>(it.value()));
    }
}

int WorkflowGraphView::nodeCount() const
{
    return m_item->nodeCount();
}

std::optional<TaskState> WorkflowGraphView::stateOf(const QString& taskId) const
{
    const int i = m_item->indexOf(taskId);
    if (i < 0 || m_item->node(i).state == kUnknownState)
        return std::nullopt;
    return static_cast<TaskState>(m_item->node(i).state);
}

QString WorkflowGraphView::taskIdAt(QPoint viewPos) const
{
    const int i = m_item->nodeAt(mapToScene(viewPos));
    return i >= 0 ? m_item->node(i).id : QString();
}

QRectF WorkflowGraphView::nodeRect(const QString& taskId) const
{
    const int i = m_item->indexOf(taskId);
    return i >= 0 ? m_item->nodeRect(i) : QRectF();
}

double WorkflowGraphView::zoom() const
{
    return transform().m11();
}

double WorkflowGraphView::fitScale() const
{
    // The whole scene rectangle (the graph and its margin) in the viewport,
    // a pixel to spare on each side so that no scroll bar appears.
    const QRectF bounds = sceneRect();
    const QRectF room = QRectF(viewport()->rect()).adjusted(1, 1, -1, -1);
    if (m_item->nodeCount() == 0 || bounds.isEmpty() || room.isEmpty())
        return kMaxFitZoom;
    return std::min({ room.width() / bounds.width(), room.height() / bounds.height(), kMaxFitZoom });
}

void WorkflowGraphView::fitAll()
{
    const double s = fitScale();
    setTransform(QTransform::fromScale(s, s));
    centerOn(m_item->boundingRect().center());
    m_fitted = true;
    m_fittedTransform = transform();
}

void WorkflowGraphView::zoomIn()
{
    zoomBy(kKeyZoomStep, AnchorViewCenter);
}

void WorkflowGraphView::zoomOut()
{
    zoomBy(1 / kKeyZoomStep, AnchorViewCenter);
}

void WorkflowGraphView::zoomBy(double factor, ViewportAnchor anchor)
{
    // Out to half the fitted scale, at most, so the graph cannot be lost.
    const double minZoom = fitScale() / 2;
    const double target = std::clamp(zoom() * factor, std::min(minZoom, kMaxZoom), kMaxZoom);
    if (qFuzzyCompare(target, zoom()))
        return;
    const ViewportAnchor previous = transformationAnchor();
    setTransformationAnchor(anchor);
    scale(target / zoom(), target / zoom());
    setTransformationAnchor(previous);
    m_fitted = false;
}

void WorkflowGraphView::wheelEvent(QWheelEvent* event)
{
    const int delta = event->angleDelta().y();
    if (delta == 0) {
        QGraphicsView::wheelEvent(event);
        return;
    }
    zoomBy(std::pow(kWheelZoomPerDegree, delta), AnchorUnderMouse);
    event->accept();
}

void WorkflowGraphView::keyPressEvent(QKeyEvent* event)
{
    const bool ctrl = event->modifiers() & Qt::ControlModifier;
    const bool plain = (event->modifiers() & ~Qt::KeypadModifier) == Qt::NoModifier;
    const int key = event->key();
    if (event->matches(QKeySequence::ZoomIn) || (ctrl && (key == Qt::Key_Plus || key == Qt::Key_Equal)))
        zoomIn();
    else if (event->matches(QKeySequence::ZoomOut) || (ctrl && key == Qt::Key_Minus))
        zoomOut();
    else if ((ctrl && key == Qt::Key_0) || (plain && key == Qt::Key_F))
        fitAll();
    else {
        QGraphicsView::keyPressEvent(event);
        return;
    }
    event->accept();
}

void WorkflowGraphView::mousePressEvent(QMouseEvent* event)
{
    if (event->button() == Qt::LeftButton) {
        m_pressPos = event->position().toPoint();
        m_pressed = true;
    }
    QGraphicsView::mousePressEvent(event);
}

void WorkflowGraphView::mouseReleaseEvent(QMouseEvent* event)
{
    QGraphicsView::mouseReleaseEvent(event);
    if (event->button() != Qt::LeftButton || !m_pressed)
        return;
    m_pressed = false;
    const QPoint pos = event->position().toPoint();
    if ((pos - m_pressPos).manhattanLength() >= QApplication::startDragDistance())
        return; // a drag that panned
    const QString id = taskIdAt(pos);
    if (!id.isEmpty())
        emit taskActivated(id);
}

bool WorkflowGraphView::isFitted() const
{
    // Zoomed through QGraphicsView's own API (setTransform, scale) counts too.
    return m_fitted && transform() == m_fittedTransform;
}

// Also called when the viewport is resized (scroll bars shown or hidden).
void WorkflowGraphView::resizeEvent(QResizeEvent* event)
{
    QGraphicsView::resizeEvent(event);
    if (isFitted())
        fitAll();
}

void WorkflowGraphView::showEvent(QShowEvent* event)
{
    QGraphicsView::showEvent(event);
    if (isFitted())
        fitAll();
}

void WorkflowGraphView::changeEvent(QEvent* event)
{
    QGraphicsView::changeEvent(event);
    if (event->type() == QEvent::FontChange)
        m_item->setFonts(font());
    else if (event->type() == QEvent::PaletteChange) {
        resetCachedContent();
        m_item->update();
    }
}

void WorkflowGraphView::drawBackground(QPainter* painter, const QRectF& rect)
{
    QGraphicsView::drawBackground(painter, rect);
    m_item->paintEdges(painter, rect);
}

bool WorkflowGraphView::viewportEvent(QEvent* event)
{
    if (event->type() != QEvent::ToolTip)
        return QGraphicsView::viewportEvent(event);
    const auto* help = static_cast<QHelpEvent*>(event);
    const int i = m_item->nodeAt(mapToScene(help->pos()));
    if (i < 0) {
        QToolTip::hideText();
        event->ignore();
        return true;
    }
    const WorkflowGraphItem::Node& n = m_item->node(i);
    const QString state = n.state == kUnknownState ? tr("unknown") : Text::state(static_cast<TaskState>(n.state));
    const QString model = n.model.isEmpty() ? tr("none") : n.model;
    QToolTip::showText(help->globalPos(), tr("%1\nTask: %2\nModel: %3\nState: %4").arg(n.key, n.id, model, state), viewport(),
        mapFromScene(m_item->nodeRect(i)).boundingRect());
    return true;
}

} // namespace llmsched::ui
