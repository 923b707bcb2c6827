#include "deadlettersview.h"

#include "livestate.h"
#include "tasktablemodel.h"
#include "uiutil.h"

#include "client/engineclient.h"

#include <QAction>

#include <climits>
#include <utility>
#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMenu>
#include <QMessageBox>
#include <QTableView>
#include <QToolButton>
#include <QVBoxLayout>

namespace llmsched::ui {

DeadLettersView::DeadLettersView(LiveState& live, QWidget* parent)
    : QWidget(parent)
    , m_live(live)
{
    m_model = new TaskTableModel(live, this);
    m_modelCombo = new QComboBox(this);
    m_modelCombo->addItem(tr("All models"), QString());
    m_modelCombo->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    m_count = new QLabel(this);

    const auto makeAction = [this](const QString& text, const QKeySequence& key, const QString& icon) { return viewAction(this, text, key, icon); };
    m_requeueSelected = makeAction(tr("&Requeue selected"), QKeySequence(Qt::CTRL | Qt::Key_R), QStringLiteral("edit-redo"));
    m_requeueAll = makeAction(tr("Requeue &all"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_R), QStringLiteral("edit-redo"));
    m_purge = makeAction(tr("&Purge…"), QKeySequence(Qt::SHIFT | Qt::Key_Delete), QStringLiteral("edit-delete"));

    auto* bar = new QHBoxLayout;
    bar->addWidget(m_modelCombo);
    for (QAction* a : { m_requeueSelected, m_requeueAll, m_purge }) {
        auto* b = new QToolButton(this);
        b->setDefaultAction(a);
        b->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
        bar->addWidget(b);
    }
    bar->addStretch(1);
    bar->addWidget(m_count);

    m_table = new QTableView(this);
    m_table->setModel(m_model);
    setupTaskTable(m_table);
    for (int c : { TaskTableModel::State, TaskTableModel::Duration, TaskTableModel::Tokens, TaskTableModel::Cost })
        m_table->hideColumn(c);
    m_table->setColumnWidth(TaskTableModel::Id, 250);
    m_table->setColumnWidth(TaskTableModel::Created, 150);
    m_table->setContextMenuPolicy(Qt::ActionsContextMenu);
    m_table->addActions({ m_requeueSelected, m_requeueAll, m_purge });

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(bar);
    layout->addWidget(m_table, 1);

    connect(m_table, &QTableView::doubleClicked, this, [this](const QModelIndex& i) {
        const QString id = m_model->taskId(i.row());
        if (!id.isEmpty())
            emit openTask(id);
    });
    connect(m_modelCombo, &QComboBox::activated, this, &DeadLettersView::applyFilter);
    auto* empty = new EmptyHint(m_table);
    connect(m_model, &TaskTableModel::countChanged, this, [this, empty](qint64 n) {
        m_count->setText(tr("%Ln dead task(s)", nullptr, static_cast<int>(std::min<qint64>(n, INT_MAX))));
        empty->setHint(n > 0 ? QString() : tr("No dead letters. A task that fails all its attempts lands here, to be requeued or purged."));
        m_requeueAll->setEnabled(n > 0);
        m_purge->setEnabled(n > 0);
    });
    auto updateSelection = [this] { m_requeueSelected->setEnabled(m_table->selectionModel()->hasSelection()); };
    connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this, updateSelection);
    updateSelection();

    connect(m_requeueSelected, &QAction::triggered, this, [this] {
        const QModelIndexList rows = m_table->selectionModel()->selectedRows();
        auto left = std::make_shared<int>(0);
        auto ok = std::make_shared<int>(0);
        for (const QModelIndex& i : rows) {
            const QString id = m_model->taskId(i.row());
            if (id.isEmpty())
                continue;
            ++*left;
            onResult(m_live.client().retry(id), this, [this, left, ok](const Result<TaskState>& r) {
                if (r)
                    ++*ok;
                if (--*left == 0) {
                    emit statusMessage(tr("Requeued %n task(s)", nullptr, *ok));
                    m_model->refresh();
                }
            });
        }
    });
    connect(m_requeueAll, &QAction::triggered, this, [this] {
        onResult(m_live.client().requeueDead(modelFilter()), this, [this](const Result<qint64>& r) {
            emit statusMessage(r ? tr("Requeued %Ln dead task(s)", nullptr, static_cast<int>(std::min<qint64>(*r, INT_MAX)))
                                 : tr("Requeue failed: %1").arg(r.error().message));
            m_model->refresh();
        });
    });
    connect(m_purge, &QAction::triggered, this, [this] {
        const QString scope = modelFilter().isEmpty() ? tr("all models") : modelFilter();
        if (QMessageBox::question(this, tr("Purge dead letters"),
                tr("Delete the %1 dead tasks of %2 for good? Their input, output and logs are removed.").arg(Text::count(m_model->rowCount()), scope))
            == QMessageBox::Yes)
            purgeNow();
    });

    // Dead letters only ever grow from events; refresh when the count moves.
    connect(&live, &LiveState::tasksChanged, this, [this](const TaskEvents& events) {
        const QString model = modelFilter();
        for (const TaskEvent& e : events) {
            if (e.state == TaskState::Dead && (model.isEmpty() || e.model == model)) {
                if (isVisible())
                    m_model->refresh();
                else
                    m_stale = true; // refreshed when shown
                return;
            }
        }
    });
    connect(&live, &LiveState::snapshotChanged, this, [this](const std::shared_ptr<const EngineSnapshot>& s) { syncModelCombo(m_modelCombo, *s); });
    applyFilter();
}

void DeadLettersView::showEvent(QShowEvent* event)
{
    QWidget::showEvent(event);
    if (std::exchange(m_stale, false))
        m_model->refresh();
}

QString DeadLettersView::modelFilter() const
{
    return m_modelCombo->currentData().toString();
}

void DeadLettersView::applyFilter()
{
    TaskFilter f;
    f.states = { TaskState::Dead };
    f.model = modelFilter();
    m_model->setFilter(f);
}

void DeadLettersView::purgeNow()
{
    onResult(m_live.client().purge(TaskState::Dead, modelFilter()), this, [this](const Result<qint64>& r) {
        emit statusMessage(r ? tr("Purged %Ln dead task(s)", nullptr, static_cast<int>(std::min<qint64>(*r, INT_MAX)))
                             : tr("Purge failed: %1").arg(r.error().message));
        m_model->refresh();
    });
}

} // namespace llmsched::ui
