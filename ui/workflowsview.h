#pragma once

#include "core/enginetypes.h"
#include "core/ulid.h"

#include <QSet>
#include <QTimer>
#include <QWidget>

class QAction;
class QLabel;
class QTabWidget;
class QTableWidget;

namespace llmsched::ui {

class EmptyHint;
class LiveState;
class SchedulesPanel;
class TemplatesPanel;
class WebhooksPanel;
class WorkflowGraphView;

// Workflows and what starts them, in four tabs:
// - Runs: the workflows, newest first (state, progress), and the graph of
//   the selected one, its tasks coloured by state as they change; click a
//   task for its detail; cancel a workflow;
// - Schedules, Templates, Webhooks (schedulesview.h, templatesview.h,
//   webhooksview.h).
class WorkflowsView final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(WorkflowsView)

public:
    enum Tab { Runs, Schedules, Templates, Webhooks };
    enum Column { Name, State, Progress, Created, Finished, Id, ColumnCount };

    explicit WorkflowsView(LiveState& live, QWidget* parent = nullptr);

    QTabWidget* tabs() const { return m_tabs; }
    QTableWidget* runs() const { return m_runs; }
    WorkflowGraphView* graph() const { return m_graph; }
    SchedulesPanel* schedules() const { return m_schedules; }
    TemplatesPanel* templates() const { return m_templates; }
    WebhooksPanel* webhooks() const { return m_webhooks; }
    QAction* cancelAction() const { return m_cancel; }
    void reload();
    // Selects the workflow (when listed) and draws its graph.
    void showWorkflow(const QString& id);

signals:
    void loaded();
    void graphLoaded(const QString& workflowId);
    // Open this task's detail.
    void openTask(const QString& taskId);

protected:
    void showEvent(QShowEvent* event) override;
    void hideEvent(QHideEvent* event) override;

private:
    void loadGraph();
    void onTasks(const TaskEvents& events);
    void updateActions();

    LiveState& m_live;
    QTabWidget* m_tabs = nullptr;
    QTableWidget* m_runs = nullptr;
    QLabel* m_summary = nullptr;
    EmptyHint* m_empty = nullptr;
    WorkflowGraphView* m_graph = nullptr;
    SchedulesPanel* m_schedules = nullptr;
    TemplatesPanel* m_templates = nullptr;
    WebhooksPanel* m_webhooks = nullptr;
    QAction* m_cancel = nullptr;
    QString m_graphId; // the workflow whose graph is drawn
    QSet<Ulid> m_graphTasks; // its tasks, for live updates
    QTimer m_timer;
};

} // namespace llmsched::ui
