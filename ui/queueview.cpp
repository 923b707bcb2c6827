#include "queueview.h"

#include "livestate.h"
#include "tasktablemodel.h"
#include "uiutil.h"

#include "core/jsonl.h"
#include "client/engineclient.h"

#include <QAction>
#include <QCheckBox>
#include <QComboBox>
#include <QClipboard>
#include <QFileDialog>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QPushButton>
#include <QSaveFile>
#include <QScrollBar>
#include <QTableView>
#include <QTimer>
#include <QVBoxLayout>
#include <QtConcurrent>

namespace llmsched::ui {

namespace {

// Answers to a batch of per-task commands, reported once all have come back.
struct BatchTally
{
    int pending = 0;
    int ok = 0;
    QStringList errors;
};

} // namespace

QueueView::QueueView(LiveState& live, QWidget* parent)
    : QWidget(parent)
    , m_live(live)
{
    m_model = new TaskTableModel(live, this);

    m_state = new QComboBox(this);
    m_state->addItem(tr("All states"), QString());
    m_state->addItem(tr("Active"), QStringLiteral("active"));
    for (int s = 0; s < kTaskStateCount; ++s)
        m_state->addItem(Text::state(static_cast<TaskState>(s)), taskStateName(static_cast<TaskState>(s)));
    m_state->setToolTip(tr("Show tasks in this state"));
    m_modelFilter = new QComboBox(this);
    m_modelFilter->addItem(tr("All models"), QString());
    m_modelFilter->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    m_priority = new QComboBox(this);
    m_priority->addItem(tr("Any priority"), -1);
    for (int p = kMinPriority; p <= kMaxPriority; ++p)
        m_priority->addItem(tr("Priority %1").arg(Text::priority(p)), p);
    m_text = new QLineEdit(this);
    m_text->setPlaceholderText(tr("Search ID, error, input, tags, labels; tag:name, label:key=value, batch:id (Ctrl+F)"));
    m_text->setToolTip(tr("Words search the ID, error, input, tags and labels.\n"
                          "tag:name shows tasks with that tag; label:key=value (or label:key) those with that label."));
    m_text->setClearButtonEnabled(true);
    m_follow = new QCheckBox(tr("Follow new tasks"), this);
    m_follow->setChecked(true);
    m_follow->setToolTip(tr("While the list is scrolled to the top and nothing is selected, show new tasks as they arrive"));
    m_countLabel = new QLabel(this);
    m_newTasks = new QPushButton(this);
    m_newTasks->setFlat(true);
    m_newTasks->hide();

    auto* filters = new QHBoxLayout;
    filters->addWidget(m_state);
    filters->addWidget(m_modelFilter);
    filters->addWidget(m_priority);
    filters->addWidget(m_text, 1);
    filters->addWidget(m_follow);

    m_table = new QTableView(this);
    m_table->setModel(m_model);
    setupTaskTable(m_table);
    m_emptyHint = new EmptyHint(m_table);
    m_table->setContextMenuPolicy(Qt::CustomContextMenu);
    m_table->setSortingEnabled(true);
    m_table->horizontalHeader()->setSortIndicator(TaskTableModel::Id, Qt::DescendingOrder);
    m_table->horizontalHeader()->setSectionsMovable(true);
    m_table->horizontalHeader()->setHighlightSections(false);
    // Sized so the columns up to Cost fit a 1280-pixel window beside the sidebar.
    const QList<int> widths = { 215, 100, 105, 85, 70, 145, 80, 100, 70, 75, 90, 110, 150 };
    for (int c = 0; c < widths.size(); ++c)
        m_table->setColumnWidth(c, widths.at(c));

    auto* status = new QHBoxLayout;
    status->addWidget(m_countLabel);
    status->addWidget(m_newTasks);
    status->addStretch(1);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(filters);
    layout->addWidget(m_table, 1);
    layout->addLayout(status);

    const auto makeAction = [this](const QString& text, const QKeySequence& key, const QString& icon) { return viewAction(this, text, key, icon); };
    m_details = makeAction(tr("&Details…"), QKeySequence(Qt::Key_Return), QStringLiteral("document-properties"));
    m_cancel = makeAction(tr("&Cancel tasks"), QKeySequence::Delete, QStringLiteral("process-stop"));
    m_retry = makeAction(tr("&Retry tasks"), QKeySequence(Qt::CTRL | Qt::Key_R), QStringLiteral("view-refresh"));
    m_export = makeAction(tr("&Export selected…"), QKeySequence(Qt::CTRL | Qt::Key_E), QStringLiteral("document-save-as"));
    m_refresh = makeAction(tr("Re&fresh"), QKeySequence::Refresh, QStringLiteral("view-refresh"));
    m_find = makeAction(tr("&Find"), QKeySequence::Find, QStringLiteral("edit-find"));
    m_priorityMenu = new QMenu(tr("Change &priority"), this);
    for (int p = kMinPriority; p <= kMaxPriority; ++p) {
        QAction* a = m_priorityMenu->addAction(Text::priority(p));
        connect(a, &QAction::triggered, this, [this, p] { setPriorityOfSelected(p); });
    }

    connect(m_details, &QAction::triggered, this, [this] {
        const QStringList ids = selectedTaskIds();
        if (!ids.isEmpty())
            emit openTask(ids.constFirst());
    });
    connect(m_cancel, &QAction::triggered, this, &QueueView::cancelSelected);
    connect(m_retry, &QAction::triggered, this, &QueueView::retrySelected);
    connect(m_export, &QAction::triggered, this, &QueueView::exportSelected);
    connect(m_refresh, &QAction::triggered, this, [this] {
        m_keepSelection = selectedTaskIds();
        m_model->refresh();
    });
    connect(m_find, &QAction::triggered, this, [this] {
        m_text->setFocus();
        m_text->selectAll();
    });
    connect(m_table, &QTableView::doubleClicked, this, [this](const QModelIndex& index) {
        const QString id = m_model->taskId(index.row());
        if (!id.isEmpty())
            emit openTask(id);
    });
    connect(m_table, &QWidget::customContextMenuRequested, this, &QueueView::showContextMenu);
    connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this, &QueueView::updateActions);
    connect(m_model, &QAbstractItemModel::dataChanged, this, &QueueView::updateActions); // a selected task ended
    connect(m_table->horizontalHeader(), &QHeaderView::sortIndicatorChanged, this, [this](int column, Qt::SortOrder) {
        // Columns the store cannot order cheaply keep the current order.
        if (!TaskTableModel::isSortable(column)) {
            const TaskFilter f = m_model->filter();
            const int shown = f.order == TaskFilter::Order::State ? TaskTableModel::State
                : f.order == TaskFilter::Order::Model             ? TaskTableModel::Model
                                                                  : TaskTableModel::Id;
            QSignalBlocker block(m_table->horizontalHeader());
            m_table->horizontalHeader()->setSortIndicator(shown, f.newestFirst ? Qt::DescendingOrder : Qt::AscendingOrder);
            emit statusMessage(tr("Tasks can be sorted by ID, created time, model or state"));
        }
    });

    m_textDebounce = new QTimer(this);
    m_textDebounce->setSingleShot(true);
    m_textDebounce->setInterval(300);
    connect(m_textDebounce, &QTimer::timeout, this, &QueueView::applyFilter);
    connect(m_text, &QLineEdit::textChanged, m_textDebounce, qOverload<>(&QTimer::start));
    connect(m_text, &QLineEdit::returnPressed, this, &QueueView::applyFilter);
    for (QComboBox* c : { m_state, m_modelFilter, m_priority })
        connect(c, &QComboBox::activated, this, &QueueView::applyFilter);

    connect(m_model, &TaskTableModel::countChanged, this, &QueueView::updateCountLabel);
    connect(m_model, &TaskTableModel::loadingChanged, this, &QueueView::updateCountLabel);
    connect(m_model, &TaskTableModel::newTasksChanged, this, &QueueView::updateCountLabel);
    connect(m_model, &TaskTableModel::loadFailed, this,
        [this](const QString& message) { emit statusMessage(tr("Could not read tasks: %1").arg(message)); });
    connect(m_model, &TaskTableModel::pageLoaded, this, [this] {
        if (m_keepSelection.isEmpty())
            return;
        QItemSelection sel;
        QStringList missing;
        for (const QString& id : std::as_const(m_keepSelection)) {
            const int row = m_model->rowOfTask(id);
            if (row >= 0)
                sel.select(m_model->index(row, 0), m_model->index(row, TaskTableModel::ColumnCount - 1));
            else
                missing.append(id);
        }
        if (!sel.isEmpty())
            m_table->selectionModel()->select(sel, QItemSelectionModel::ClearAndSelect);
        m_keepSelection = missing;
    });
    connect(m_newTasks, &QPushButton::clicked, m_refresh, &QAction::trigger);
    connect(&live, &LiveState::snapshotChanged, this, &QueueView::fillModels);

    m_followTimer = new QTimer(this);
    m_followTimer->setInterval(1000);
    connect(m_followTimer, &QTimer::timeout, this, &QueueView::followTick);
    m_followTimer->start();

    fillModels();
    updateActions();
    m_model->setFilter(m_model->filter());
}

void QueueView::fillModels()
{
    if (const auto snap = m_live.snapshot())
        syncModelCombo(m_modelFilter, *snap);
}

void QueueView::showStates(const QString& key)
{
    const int i = m_state->findData(key);
    if (i >= 0 && i != m_state->currentIndex()) {
        m_state->setCurrentIndex(i);
        applyFilter();
    }
}

void QueueView::showBatch(const QString& batchId)
{
    const int all = m_state->findData(QString());
    if (all >= 0)
        m_state->setCurrentIndex(all);
    m_text->setText(QStringLiteral("batch:") + batchId);
    applyFilter();
}

void QueueView::applyFilter()
{
    m_textDebounce->stop();
    TaskFilter f = m_model->filter();
    const QString state = m_state->currentData().toString();
    f.states.clear();
    if (state == QLatin1String("active"))
        f.states = { TaskState::Queued, TaskState::Scheduled, TaskState::Blocked, TaskState::Running, TaskState::RetryWait };
    else if (auto s = taskStateFromName(state))
        f.states = { *s };
    f.model = m_modelFilter->currentData().toString();
    f.priority = m_priority->currentData().toInt();
    // "tag:x", "label:k=v" and "batch:id" words filter on those; the rest is searched for.
    f.tag.clear();
    f.label.clear();
    f.parent.clear();
    QStringList words;
    for (const QString& word : m_text->text().split(QLatin1Char(' '), Qt::SkipEmptyParts)) {
        if (word.startsWith(QLatin1String("batch:")) && word.size() > 6)
            f.parent = word.mid(6).section(QLatin1Char('_'), -1); // a batch's lines are the tasks of its group: the id after the prefix
        else if (word.startsWith(QLatin1String("tag:")) && word.size() > 4)
            f.tag = word.mid(4);
        else if (word.startsWith(QLatin1String("label:")) && word.size() > 6)
            f.label = word.mid(6);
        else
            words.append(word);
    }
    f.text = words.join(QLatin1Char(' '));
    m_keepSelection.clear();
    m_model->setFilter(f);
}

void QueueView::updateCountLabel()
{
    const qint64 n = m_model->rowCount();
    QString text = tr("%n task(s)", nullptr, static_cast<int>(std::min<qint64>(n, std::numeric_limits<int>::max())));
    text.replace(QString::number(n), Text::count(n));
    if (m_model->isLoading())
        text += QStringLiteral(" · ") + tr("loading…");
    m_countLabel->setText(text);
    QString hint;
    if (n == 0 && !m_model->isLoading()) {
        QStringList filters;
        if (!m_text->text().trimmed().isEmpty())
            filters << QStringLiteral("\u201c%1\u201d").arg(m_text->text().trimmed());
        for (QComboBox* c : { m_state, m_modelFilter, m_priority })
            if (c->currentIndex() > 0)
                filters << c->currentText();
        hint = filters.isEmpty() ? tr("No tasks yet. Submit one (%1) or import a file of tasks (%2).")
                                       .arg(QKeySequence(QKeySequence::New).toString(QKeySequence::NativeText),
                                           QKeySequence(Qt::CTRL | Qt::Key_I).toString(QKeySequence::NativeText))
                                 : tr("No tasks match %1.").arg(filters.join(QStringLiteral(" \u00b7 ")));
    }
    m_emptyHint->setHint(hint);
    const qint64 fresh = m_model->newTasks();
    m_newTasks->setVisible(fresh > 0 && !m_follow->isChecked());
    if (fresh > 0)
        m_newTasks->setText(tr("%1 new · show (F5)").arg(Text::count(fresh)));
}

void QueueView::followTick()
{
    if (m_model->newTasks() <= 0 || m_model->isLoading())
        return;
    const TaskFilter f = m_model->filter();
    const bool atTop = m_table->verticalScrollBar()->value() == 0;
    const bool following
        = m_follow->isChecked() && f.newestFirst && f.order == TaskFilter::Order::Seq && atTop && !m_table->selectionModel()->hasSelection();
    if (following)
        m_model->refresh();
    else
        m_newTasks->setVisible(true);
}

QStringList QueueView::selectedTaskIds() const
{
    QStringList ids;
    const QModelIndexList rows = m_table->selectionModel()->selectedRows();
    ids.reserve(rows.size());
    for (const QModelIndex& i : rows) {
        const QString id = m_model->taskId(i.row());
        if (!id.isEmpty())
            ids.append(id);
    }
    return ids;
}

void QueueView::updateActions()
{
    // Cancel, priority and retry only where they apply to a selected task;
    // rows not loaded yet, or past a thousand (a select-all of a million),
    // count as applicable (the engine says no otherwise).
    const QItemSelection selection = m_table->selectionModel()->selection();
    qint64 rows = 0;
    for (const QItemSelectionRange& r : selection)
        rows += r.height();
    const bool any = rows > 0;
    bool unfinished = rows > 1000, retryable = rows > 1000;
    for (qsizetype k = 0; k < selection.size() && rows <= 1000; ++k) {
        for (int row = selection.at(k).top(); row <= selection.at(k).bottom(); ++row) {
            const QVariant state = m_model->index(row, 0).data(TaskTableModel::StateRole);
            const auto s = static_cast<TaskState>(state.toInt());
            unfinished |= !state.isValid() || !isFinal(s);
            retryable |= !state.isValid() || canRetry(s);
        }
    }
    for (QAction* a : { m_details, m_export })
        a->setEnabled(any);
    m_cancel->setEnabled(unfinished);
    m_retry->setEnabled(retryable);
    m_priorityMenu->setEnabled(unfinished);
}

void QueueView::showContextMenu(const QPoint& pos)
{
    QMenu menu(this);
    menu.addAction(m_details);
    menu.addSeparator();
    menu.addAction(m_cancel);
    menu.addAction(m_retry);
    menu.addMenu(m_priorityMenu);
    menu.addSeparator();
    QAction* copy = menu.addAction(QIcon::fromTheme(QStringLiteral("edit-copy")), tr("Copy ID"));
    copy->setEnabled(m_table->selectionModel()->hasSelection());
    connect(copy, &QAction::triggered, this, [this] { QGuiApplication::clipboard()->setText(selectedTaskIds().join(QLatin1Char('\n'))); });
    menu.addAction(m_export);
    menu.exec(m_table->viewport()->mapToGlobal(pos));
}

namespace {

// Runs `command` for every id and reports a summary once all answered.
template <typename F> void forEachTask(QueueView* view, const QStringList& ids, F command, std::function<QString(const BatchTally&)> summary)
{
    if (ids.isEmpty())
        return;
    auto tally = std::make_shared<BatchTally>();
    tally->pending = static_cast<int>(ids.size());
    for (const QString& id : ids) {
        using Answer = typename FutureValue<std::invoke_result_t<F, const QString&>>::type;
        onResult(command(id), view, [view, tally, summary](const Answer& r) {
            if (r)
                ++tally->ok;
            else
                tally->errors.append(r.error().message);
            if (--tally->pending == 0)
                emit view->statusMessage(summary(*tally));
        });
    }
}

QString withErrors(QString text, const BatchTally& t)
{
    if (!t.errors.isEmpty())
        text += QStringLiteral(" — ") + QueueView::tr("%n failed: %1", nullptr, static_cast<int>(t.errors.size())).arg(t.errors.constFirst());
    return text;
}

} // namespace

void QueueView::cancelSelected()
{
    EngineClient& engine = m_live.client();
    forEachTask(
        this, selectedTaskIds(), [&engine](const QString& id) { return engine.cancel(id); },
        [](const BatchTally& t) { return withErrors(tr("Cancelled %n task(s)", nullptr, t.ok), t); });
}

void QueueView::retrySelected()
{
    EngineClient& engine = m_live.client();
    forEachTask(
        this, selectedTaskIds(), [&engine](const QString& id) { return engine.retry(id); },
        [](const BatchTally& t) { return withErrors(tr("Queued %n task(s) again", nullptr, t.ok), t); });
}

void QueueView::setPriorityOfSelected(int priority)
{
    EngineClient& engine = m_live.client();
    forEachTask(
        this, selectedTaskIds(), [&engine, priority](const QString& id) { return engine.setPriority(id, priority); },
        [priority](const BatchTally& t) { return withErrors(tr("Set priority %1 on %n task(s)", nullptr, t.ok).arg(Text::priority(priority)), t); });
}

void QueueView::exportSelected()
{
    const QStringList ids = selectedTaskIds();
    if (ids.isEmpty())
        return;
    const QString path
        = QFileDialog::getSaveFileName(this, tr("Export tasks"), QStringLiteral("tasks.jsonl"), tr("JSON Lines (*.jsonl);;All files (*)"));
    if (!path.isEmpty())
        exportTo(ids, path);
}

void QueueView::exportTo(const QStringList& ids, const QString& path)
{
    struct Export
    {
        int pending = 0;
        QList<Task> tasks;
        QStringList errors;
    };
    auto ex = std::make_shared<Export>();
    ex->pending = static_cast<int>(ids.size());
    for (const QString& id : ids) {
        onResult(m_live.client().task(id), this, [this, ex, path](const Result<Task>& r) {
            if (r)
                ex->tasks.append(*r);
            else
                ex->errors.append(r.error().message);
            if (--ex->pending > 0)
                return;
            // Writing may be slow (network drives): off the GUI thread.
            onResult(QtConcurrent::run([tasks = ex->tasks, path]() -> QString {
                QSaveFile f(path);
                if (!f.open(QIODevice::WriteOnly))
                    return f.errorString();
                for (const Task& t : tasks)
                    f.write(taskToJsonLine(t));
                return f.commit() ? QString() : f.errorString();
            }),
                this, [this, n = ex->tasks.size(), errors = ex->errors, path](const QString& error) {
                    if (!error.isEmpty())
                        emit statusMessage(tr("Could not write %1: %2").arg(path, error));
                    else if (!errors.isEmpty())
                        emit statusMessage(
                            tr("Exported %n task(s) to %1; %2 could not be read", nullptr, static_cast<int>(n)).arg(path).arg(errors.size()));
                    else
                        emit statusMessage(tr("Exported %n task(s) to %1", nullptr, static_cast<int>(n)).arg(path));
                    emit exported(error.isEmpty() ? static_cast<int>(n) : -1, path);
                });
        });
    }
}

// The header's state is kept with its column count in front ("14:..."): a
// state saved before a column was added is not applied to the new columns.
QByteArray QueueView::saveHeaderState() const
{
    return QByteArray::number(int(TaskTableModel::ColumnCount)) + ':' + m_table->horizontalHeader()->saveState();
}

void QueueView::restoreHeaderState(const QByteArray& state)
{
    const qsizetype colon = state.indexOf(':');
    if (colon > 0 && state.left(colon) == QByteArray::number(int(TaskTableModel::ColumnCount)))
        m_table->horizontalHeader()->restoreState(state.mid(colon + 1));
}

} // namespace llmsched::ui
