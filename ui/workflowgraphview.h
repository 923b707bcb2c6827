#pragma once

#include "core/task.h"

#include <QGraphicsView>
#include <QHash>
#include <QJsonObject>
#include <QString>

#include <optional>

namespace llmsched::ui {

class WorkflowGraphItem;

// The graph of GET /api/v1/workflows/{id}/graph: {"id", "state", "nodes":
// [{"key", "id", "model", "state"}], "edges": [{"from", "to", "on_failure"}]}
// (edges name node keys), read out of its JSON. A state that is null or not a
// task state's name reads as kUnknownState (drawn neutral). Reading 100,000 tasks takes
// a few hundred ms, so WorkflowsView does it on a worker thread; any thread.
struct WorkflowGraphData
{
    static constexpr qint8 kUnknownState = -1;
    struct Node
    {
        QString key;
        QString id;
        QString model;
        qint8 state = kUnknownState;
        int layer = 0; // set by the layout
        int row = 0;
    };
    struct Edge
    {
        int from = 0;
        int to = 0;
        bool dashed = false; // the child runs on the parent's failure too
    };
    QString id;
    QList<Node> nodes;
    QList<Edge> edges; // the edges between two nodes of the graph
    qsizetype edgesNamed = 0; // all the edges the graph named, drawn or not

    static WorkflowGraphData fromJson(const QJsonObject& graph);
};

// The graph of one workflow, laid out left to right (graphlayout.h): a box
// per task, filled with the colour of its state, with its key and its model;
// an edge per dependency, dashed when the child runs on the parent's failure
// ("on_failure": "continue"). A layer of more than 64 tasks (a fan-out) is
// wrapped into a block of columns, its edges meeting the block's side at each
// row. Owns its scene and the one item that draws the whole graph (no item
// per task, so 100,000 tasks cost arrays, not objects); the edges are drawn
// into the view's cached background. Lives on the GUI thread.
//
// Wheel: zoom around the cursor. Ctrl++ / Ctrl+-: zoom in and out; Ctrl+0 or
// F: fit the graph to the view. Drag: pan. A click on a task (press and
// release without dragging) emits taskActivated; hovering one shows its key,
// task id, model and state. Zoomed out, tasks are drawn as boxes without text
// and edges as lines, one per pixel.
class WorkflowGraphView final : public QGraphicsView
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(WorkflowGraphView)

public:
    explicit WorkflowGraphView(QWidget* parent = nullptr);
    ~WorkflowGraphView() override;

    // Shows a workflow's graph. A new graph is laid out and fitted to the
    // view (on the GUI thread: 100,000 tasks ~75 ms); the same workflow's
    // graph again (the same tasks in the same order) only takes the states
    // and keeps the zoom. Between two, follow the tasks with setStates.
    void setGraph(WorkflowGraphData graph);
    // The same from the graph's JSON, read here (see WorkflowGraphData).
    void setGraph(const QJsonObject& graph) { setGraph(WorkflowGraphData::fromJson(graph)); }
    // Live updates by task id; tasks not in the graph are skipped and only the
    // tasks whose state changed are repainted.
    void setStates(const QHash<QString, TaskState>& byTaskId);

    int nodeCount() const;
    QString workflowId() const { return m_workflowId; }
    // The state of a task of the graph (none: unknown or not in the graph).
    std::optional<TaskState> stateOf(const QString& taskId) const;
    // The task under a point of the viewport (empty: none).
    QString taskIdAt(QPoint viewPos) const;
    // A task's box in scene coordinates (empty: not in the graph).
    QRectF nodeRect(const QString& taskId) const;
    // The scale of the view (1: a box is drawn at its natural size).
    double zoom() const;

public slots:
    void fitAll();
    void zoomIn();
    void zoomOut();

signals:
    void taskActivated(const QString& taskId);

protected:
    void wheelEvent(QWheelEvent* event) override;
    void keyPressEvent(QKeyEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;
    void showEvent(QShowEvent* event) override;
    void changeEvent(QEvent* event) override;
    bool viewportEvent(QEvent* event) override;
    void drawBackground(QPainter* painter, const QRectF& rect) override;

private:
    void zoomBy(double factor, ViewportAnchor anchor);
    double fitScale() const;
    bool isFitted() const;

    QGraphicsScene* m_scene = nullptr;
    WorkflowGraphItem* m_item = nullptr;
    QString m_workflowId;
    QPoint m_pressPos;
    bool m_pressed = false;
    // Fitted until the user zooms: a resize or a new graph fits again.
    bool m_fitted = true;
    QTransform m_fittedTransform;
};

} // namespace llmsched::ui
