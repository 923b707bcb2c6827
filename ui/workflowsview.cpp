#include "workflowsview.h"

#include "glyphicons.h"
#include "jsontable.h"
#include "livestate.h"
#include "schedulesview.h"
#include "templatesview.h"
#include "uiutil.h"
#include "webhooksview.h"
#include "workflowgraphview.h"

#include "client/engineclient.h"
#include "core/task.h"

#include <QAction>
#include <QHBoxLayout>
#include <QLabel>
#include <QMessageBox>
#include <QSplitter>
#include <QTabWidget>
#include <QTableWidget>
#include <QVBoxLayout>
#include <QtConcurrent>

namespace llmsched::ui {

namespace {

constexpr int kRefreshMs = 2000;
constexpr int kShown = 200;

QString stateText(const QString& state)
{
    if (state == QLatin1String("running"))
        return WorkflowsView::tr("running");
    if (state == QLatin1String("succeeded"))
        return WorkflowsView::tr("succeeded");
    if (state == QLatin1String("failed"))
        return WorkflowsView::tr("failed");
    if (state == QLatin1String("cancelled"))
        return WorkflowsView::tr("cancelled");
    return state;
}

QString progressText(const QJsonObject& w)
{
    const QJsonObject c = w.value(QLatin1String("counts")).toObject();
    const qint64 total = c.value(QLatin1String("total")).toInteger();
    const qint64 done = c.value(QLatin1String("succeeded")).toInteger();
    const qint64 failed = c.value(QLatin1String("dead")).toInteger() + c.value(QLatin1String("cancelled")).toInteger();
    QString text = WorkflowsView::tr("%1 / %2 succeeded").arg(Text::count(done), Text::count(total));
    if (failed > 0)
        text += QStringLiteral(", ") + WorkflowsView::tr("%1 failed or cancelled").arg(Text::count(failed));
    return text;
}

} // namespace

WorkflowsView::WorkflowsView(LiveState& live, QWidget* parent)
    : QWidget(parent)
    , m_live(live)
    , m_timer(this)
{
    m_summary = new QLabel(this);
    m_summary->setObjectName(QStringLiteral("workflowsSummary"));
    auto* runsPage = new QWidget(this);
    QAction* refresh = viewAction(runsPage, tr("&Refresh"), QKeySequence(QKeySequence::Refresh), QStringLiteral("view-refresh"));
    refresh->setIcon(glyphIcon(Glyph::Refresh));
    connect(refresh, &QAction::triggered, this, &WorkflowsView::reload);
    m_cancel = viewAction(runsPage, tr("&Cancel workflow"), QKeySequence(QKeySequence::Delete), QStringLiteral("process-stop"));
    m_cancel->setIcon(glyphIcon(Glyph::Cancel));
    connect(m_cancel, &QAction::triggered, this, [this] {
        const QJsonObject w = currentJsonRow(m_runs);
        if (w.isEmpty() || w.value(QLatin1String("state")).toString() != QLatin1String("running"))
            return;
        if (QMessageBox::question(this, tr("Cancel workflow"),
                tr("Cancel %1? Its tasks that have not ended are cancelled.").arg(w.value(QLatin1String("name")).toString()))
            != QMessageBox::Yes)
            return;
        onResult(m_live.client().cancelWorkflow(w.value(QLatin1String("id")).toString()), this, [this](const Result<QJsonObject>& r) {
            if (!r)
                warn(this, tr("Cancel workflow"), r.error().message);
            reload();
        });
    });
    QAction* fit = viewAction(runsPage, tr("&Fit graph"), QKeySequence(Qt::CTRL | Qt::Key_0), QStringLiteral("zoom-fit-best"));

    m_runs = makeJsonTable(
        runsPage, QStringLiteral("workflowsTable"), { tr("Name"), tr("State"), tr("Progress"), tr("Created"), tr("Finished"), tr("Id") });
    m_runs->setColumnWidth(Name, 200);
    m_runs->setColumnWidth(State, 90);
    m_runs->setColumnWidth(Progress, 260);
    m_runs->setColumnWidth(Created, 150);
    m_runs->setColumnWidth(Finished, 150);
    m_empty = new EmptyHint(m_runs);
    connect(m_runs, &QTableWidget::currentCellChanged, this, [this] {
        updateActions();
        loadGraph();
    });
    m_graph = new WorkflowGraphView(runsPage);
    m_graph->setObjectName(QStringLiteral("workflowGraph"));
    connect(fit, &QAction::triggered, m_graph, &WorkflowGraphView::fitAll);
    connect(m_graph, &WorkflowGraphView::taskActivated, this, &WorkflowsView::openTask);

    auto* split = new QSplitter(Qt::Vertical, runsPage);
    split->addWidget(m_runs);
    split->addWidget(m_graph);
    split->setStretchFactor(1, 3);
    auto* runsLayout = new QVBoxLayout(runsPage);
    runsLayout->setContentsMargins(0, 4, 0, 0);
    runsLayout->addLayout(actionBar(runsPage, m_summary, { m_cancel, fit, refresh }));
    runsLayout->addWidget(split, 1);

    m_schedules = new SchedulesPanel(live, this);
    m_templates = new TemplatesPanel(live, this);
    m_webhooks = new WebhooksPanel(live, this);
    m_tabs = new QTabWidget(this);
    m_tabs->setObjectName(QStringLiteral("workflowTabs"));
    m_tabs->setDocumentMode(true);
    m_tabs->addTab(runsPage, tr("&Runs"));
    m_tabs->addTab(m_schedules, tr("&Schedules"));
    m_tabs->addTab(m_templates, tr("&Templates"));
    m_tabs->addTab(m_webhooks, tr("&Webhooks"));
    connect(m_tabs, &QTabWidget::currentChanged, this, [this](int tab) {
        switch (tab) {
        case Schedules:
            m_schedules->reload();
            break;
        case Templates:
            m_templates->reload();
            break;
        case Webhooks:
            m_webhooks->reload();
            break;
        default:
            reload();
        }
    });
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_tabs);

    connect(&live, &LiveState::tasksChanged, this, [this](const TaskEvents& events) { onTasks(events); });
    connect(&live, &LiveState::reloadNeeded, this, [this] {
        if (isVisible())
            reload();
    });
    m_timer.setInterval(kRefreshMs);
    connect(&m_timer, &QTimer::timeout, this, [this] {
        if (m_tabs->currentIndex() == Runs)
            reload();
    });
    updateActions();
}

void WorkflowsView::showEvent(QShowEvent* event)
{
    QWidget::showEvent(event);
    reload();
    m_timer.start();
}

void WorkflowsView::hideEvent(QHideEvent* event)
{
    QWidget::hideEvent(event);
    m_timer.stop();
}

void WorkflowsView::reload()
{
    onResult(m_live.client().workflows(kShown), this, [this](const Result<QJsonArray>& r) {
        if (!r) {
            m_summary->setText(tr("Cannot read the workflows: %1").arg(r.error().message));
            return;
        }
        fillJsonTable(m_runs, *r,
            { [](const QJsonObject& w) {
                 const QString name = w.value(QLatin1String("name")).toString();
                 return name.isEmpty() ? w.value(QLatin1String("id")).toString() : name;
             },
                [](const QJsonObject& w) { return stateText(w.value(QLatin1String("state")).toString()); }, progressText,
                [](const QJsonObject& w) { return isoTime(w.value(QLatin1String("created_at"))); },
                [](const QJsonObject& w) { return isoTime(w.value(QLatin1String("finished_at"))); },
                [](const QJsonObject& w) { return w.value(QLatin1String("id")).toString(); } },
            QStringLiteral("id"));
        for (int row = 0; row < m_runs->rowCount(); ++row) {
            const QString state = jsonRow(m_runs, row).value(QLatin1String("state")).toString();
            const TaskState colour = state == QLatin1String("succeeded") ? TaskState::Succeeded
                : state == QLatin1String("failed")                       ? TaskState::Dead
                : state == QLatin1String("cancelled")                    ? TaskState::Cancelled
                                                                         : TaskState::Running;
            m_runs->item(row, State)->setForeground(stateColor(colour));
        }
        qint64 running = 0;
        for (const QJsonValue& v : *r)
            running += v.toObject().value(QLatin1String("state")).toString() == QLatin1String("running") ? 1 : 0;
        m_summary->setText(
            tr("%n workflow(s)", nullptr, static_cast<int>(r->size())) + QStringLiteral(", ") + tr("%n running", nullptr, static_cast<int>(running)));
        m_empty->setHint(
            r->isEmpty() ? tr("No workflows yet. Submit one with POST /api/v1/workflows, from a template, or on a schedule.") : QString());
        if (m_runs->currentRow() < 0 && m_runs->rowCount() > 0)
            m_runs->selectRow(0);
        updateActions();
        emit loaded();
    });
}

void WorkflowsView::showWorkflow(const QString& id)
{
    m_tabs->setCurrentIndex(Runs);
    const int row = jsonRowOf(m_runs, QStringLiteral("id"), id);
    if (row >= 0)
        m_runs->selectRow(row);
    m_graphId.clear();
    loadGraph();
}

void WorkflowsView::loadGraph()
{
    QString id = currentJsonRow(m_runs).value(QLatin1String("id")).toString();
    if (id.isEmpty() || id == m_graphId)
        return;
    m_graphId = id;
    onResult(m_live.client().workflowGraph(id), this, [this, id](const Result<QJsonObject>& r) {
        if (id != m_graphId)
            return; // another was selected meanwhile
        if (!r) {
            m_summary->setText(tr("Cannot read the graph of %1: %2").arg(id, r.error().message));
            return;
        }
        // Read on a worker thread: 100,000 tasks take a few hundred ms.
        struct Read
        {
            WorkflowGraphData graph;
            QSet<Ulid> tasks;
        };
        auto read = QtConcurrent::run([json = *r] {
            auto out = std::make_shared<Read>();
            out->graph = WorkflowGraphData::fromJson(json);
            out->tasks.reserve(out->graph.nodes.size());
            for (const WorkflowGraphData::Node& n : std::as_const(out->graph.nodes))
                if (auto task = Ulid::fromString(n.id))
                    out->tasks.insert(*task);
            return out;
        });
        onResult(read, this, [this, id](const std::shared_ptr<Read>& done) {
            if (id != m_graphId)
                return;
            m_graphTasks = std::move(done->tasks);
            m_graph->setGraph(std::move(done->graph));
            m_graph->fitAll();
            emit graphLoaded(id);
        });
    });
}

void WorkflowsView::onTasks(const TaskEvents& events)
{
    if (m_graphTasks.isEmpty() || !isVisible())
        return;
    QHash<QString, TaskState> changed;
    for (const TaskEvent& e : events)
        if (m_graphTasks.contains(e.id))
            changed.insert(e.id.toString(), e.state);
    if (!changed.isEmpty())
        m_graph->setStates(changed);
}

void WorkflowsView::updateActions()
{
    m_cancel->setEnabled(currentJsonRow(m_runs).value(QLatin1String("state")).toString() == QLatin1String("running"));
}

} // namespace llmsched::ui
