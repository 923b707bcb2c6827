#include "modelsview.h"

#include "livestate.h"
#include "modeleditordialog.h"
#include "uiutil.h"
#include "modeltreemodel.h"

#include "client/engineclient.h"

#include <QAction>
#include <QFrame>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMenu>
#include <QMessageBox>
#include <QPushButton>
#include <QStackedWidget>
#include <QStyle>
#include <QToolBar>
#include <QToolButton>
#include <QTreeView>
#include <QVBoxLayout>

namespace llmsched::ui {

namespace {

constexpr int kMaxFittedColumnWidth = 280;
constexpr int kColumnPadding = 12;
constexpr int kToolbarIconSize = 16;

QIcon themeIcon(const QWidget* w, const char* name, QStyle::StandardPixmap fallback)
{
    return QIcon::fromTheme(QString::fromLatin1(name), w->style()->standardIcon(fallback));
}

} // namespace

ModelsView::ModelsView(LiveState& live, QWidget* parent)
    : QWidget(parent)
    , m_live(live)
{
    setObjectName(QStringLiteral("ModelsView"));
    m_model = new ModelTreeModel(this);

    m_addAction = new QAction(themeIcon(this, "list-add", QStyle::SP_FileDialogNewFolder), tr("&Add model…"), this);
    m_addAction->setShortcuts({ QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_N), QKeySequence(Qt::Key_Insert) });
    m_addAction->setToolTip(tr("Add a model and its endpoints (Ctrl+Shift+N)"));
    m_editAction = new QAction(themeIcon(this, "document-edit", QStyle::SP_FileDialogDetailedView), tr("&Edit…"), this);
    m_editAction->setToolTip(tr("Edit the selected model (Enter or double-click)"));
    m_pauseAction = new QAction(this);
    m_pauseAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_P));
    m_deleteAction = new QAction(themeIcon(this, "edit-delete", QStyle::SP_TrashIcon), tr("&Delete…"), this);
    m_deleteAction->setShortcut(QKeySequence::Delete);
    m_deleteAction->setToolTip(tr("Delete the selected model (Del)"));
    for (QAction* a : { m_addAction, m_editAction, m_pauseAction, m_deleteAction }) {
        // Shortcuts act while the view has the focus (other views use Del and Ctrl+P too).
        a->setShortcutContext(Qt::WidgetWithChildrenShortcut);
        addAction(a);
    }
    connect(m_addAction, &QAction::triggered, this, &ModelsView::addModel);
    connect(m_editAction, &QAction::triggered, this, &ModelsView::editCurrent);
    connect(m_pauseAction, &QAction::triggered, this, &ModelsView::togglePauseCurrent);
    connect(m_deleteAction, &QAction::triggered, this, &ModelsView::deleteCurrent);

    auto* toolbar = new QToolBar(this);
    toolbar->setObjectName(QStringLiteral("modelsToolBar"));
    toolbar->setIconSize(QSize(kToolbarIconSize, kToolbarIconSize));
    toolbar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    toolbar->addAction(m_addAction);
    toolbar->addAction(m_editAction);
    toolbar->addAction(m_pauseAction);
    toolbar->addSeparator();
    toolbar->addAction(m_deleteAction);

    m_messageBar = new QFrame(this);
    m_messageBar->setObjectName(QStringLiteral("messageBar"));
    static_cast<QFrame*>(m_messageBar)->setFrameShape(QFrame::StyledPanel);
    m_messageBar->setAutoFillBackground(true);
    {
        QPalette pal = m_messageBar->palette();
        const QColor base = pal.color(QPalette::Window);
        const QColor tint = errorColor();
        pal.setColor(QPalette::Window,
            QColor::fromRgbF(
                base.redF() * 0.85 + tint.redF() * 0.15, base.greenF() * 0.85 + tint.greenF() * 0.15, base.blueF() * 0.85 + tint.blueF() * 0.15));
        m_messageBar->setPalette(pal);
    }
    auto* icon = new QLabel(m_messageBar);
    icon->setPixmap(style()->standardIcon(QStyle::SP_MessageBoxWarning).pixmap(kToolbarIconSize));
    m_messageLabel = new QLabel(m_messageBar);
    m_messageLabel->setWordWrap(true);
    m_messageLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto* close = new QToolButton(m_messageBar);
    close->setAutoRaise(true);
    close->setIcon(style()->standardIcon(QStyle::SP_TitleBarCloseButton));
    close->setToolTip(tr("Dismiss"));
    connect(close, &QToolButton::clicked, m_messageBar, &QWidget::hide);
    auto* barLayout = new QHBoxLayout(m_messageBar);
    barLayout->addWidget(icon, 0, Qt::AlignTop);
    barLayout->addWidget(m_messageLabel, 1);
    barLayout->addWidget(close, 0, Qt::AlignTop);
    m_messageBar->hide();

    m_tree = new QTreeView(this);
    m_tree->setObjectName(QStringLiteral("modelsTree"));
    m_tree->setModel(m_model);
    m_tree->setUniformRowHeights(true);
    m_tree->setAlternatingRowColors(true);
    m_tree->setAllColumnsShowFocus(true);
    m_tree->setSelectionMode(QAbstractItemView::SingleSelection);
    m_tree->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_tree->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_tree->setExpandsOnDoubleClick(false);
    m_tree->setContextMenuPolicy(Qt::CustomContextMenu);
    m_tree->header()->setStretchLastSection(true);
    m_tree->header()->setSectionsMovable(true);
    m_tree->header()->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(m_tree, &QTreeView::activated, this, [this](const QModelIndex& index) {
        openEditor(index.data(ModelTreeModel::ModelNameRole).toString(), index.data(ModelTreeModel::EndpointNameRole).toString());
    });
    connect(m_tree, &QTreeView::customContextMenuRequested, this, &ModelsView::showContextMenu);
    connect(m_tree->header(), &QHeaderView::customContextMenuRequested, this, &ModelsView::showHeaderMenu);
    connect(m_tree->selectionModel(), &QItemSelectionModel::currentRowChanged, this, &ModelsView::updateActions);
    connect(m_model, &QAbstractItemModel::rowsInserted, this, [this](const QModelIndex& under, int first, int last) {
        if (under.isValid())
            return;
        for (int r = first; r <= last; ++r)
            m_tree->expand(m_model->index(r, 0));
    });

    auto* empty = new QWidget(this);
    auto* emptyText = new QLabel(tr("No models yet. A model is a queue with one or more endpoints (servers) to send its tasks to."), empty);
    emptyText->setWordWrap(true);
    emptyText->setAlignment(Qt::AlignCenter);
    auto* emptyAdd = new QPushButton(m_addAction->icon(), tr("Add a model…"), empty);
    connect(emptyAdd, &QPushButton::clicked, this, &ModelsView::addModel);
    auto* emptyLayout = new QVBoxLayout(empty);
    emptyLayout->addStretch(1);
    emptyLayout->addWidget(emptyText);
    emptyLayout->addWidget(emptyAdd, 0, Qt::AlignHCenter);
    emptyLayout->addStretch(2);

    m_pages = new QStackedWidget(this);
    m_pages->addWidget(m_tree);
    m_pages->addWidget(empty);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    layout->addWidget(toolbar);
    layout->addWidget(m_messageBar);
    layout->addWidget(m_pages, 1);

    connect(&m_live, &LiveState::snapshotChanged, this, &ModelsView::onSnapshot);
    onSnapshot(m_live.snapshot());
}

ModelsView::~ModelsView() = default;

QList<QAction*> ModelsView::modelActions() const
{
    return { m_addAction, m_editAction, m_pauseAction, m_deleteAction };
}

void ModelsView::onSnapshot(const std::shared_ptr<const EngineSnapshot>& snapshot)
{
    if (!snapshot)
        return;
    m_model->setSnapshot(snapshot);
    if (!m_selectWhenListed.isEmpty() && m_model->indexOfModel(m_selectWhenListed).isValid())
        selectModel(std::exchange(m_selectWhenListed, QString()));
    const bool hasModels = m_model->rowCount() > 0;
    m_pages->setCurrentIndex(hasModels ? 0 : 1);
    // Fit the columns to the first models, and again when models or endpoints are added.
    int shape = m_model->rowCount();
    for (int r = 0; r < m_model->rowCount(); ++r)
        shape += m_model->rowCount(m_model->index(r, 0));
    if (hasModels && (!m_columnsFitted || shape > m_fittedShape)) {
        m_fittedShape = shape;
        fitColumns();
    }
    updateActions();
}

void ModelsView::fitColumns()
{
    m_columnsFitted = true;
    m_tree->expandAll();
    QHeaderView* header = m_tree->header();
    for (int c = 0; c < ModelTreeModel::ColumnCount - 1; ++c) {
        m_tree->resizeColumnToContents(c);
        // Room for texts that grow after the first fit (latency, rates, "cooling down").
        const int room = m_tree->fontMetrics().horizontalAdvance(QStringLiteral("000,000.0 ms")) + kColumnPadding;
        const int width = std::max({ header->sectionSize(c) + kColumnPadding, header->sectionSizeHint(c), room });
        header->resizeSection(c, std::min(width, kMaxFittedColumnWidth));
    }
}

QString ModelsView::currentModel() const
{
    return m_tree->currentIndex().data(ModelTreeModel::ModelNameRole).toString();
}

void ModelsView::selectModel(const QString& name)
{
    const QModelIndex index = m_model->indexOfModel(name);
    if (index.isValid())
        m_tree->setCurrentIndex(index);
}

void ModelsView::updateActions()
{
    const QModelIndex current = m_tree->currentIndex();
    const bool has = current.isValid();
    const bool paused = current.data(ModelTreeModel::PausedRole).toBool();
    m_editAction->setEnabled(has);
    m_deleteAction->setEnabled(has);
    m_pauseAction->setEnabled(has);
    if (has && paused) {
        m_pauseAction->setText(tr("&Resume"));
        m_pauseAction->setIcon(themeIcon(this, "media-playback-start", QStyle::SP_MediaPlay));
        m_pauseAction->setToolTip(tr("Resume dispatching the selected model's tasks (Ctrl+P)"));
    } else {
        m_pauseAction->setText(tr("&Pause"));
        m_pauseAction->setIcon(themeIcon(this, "media-playback-pause", QStyle::SP_MediaPause));
        m_pauseAction->setToolTip(tr("Stop dispatching the selected model's tasks; running calls finish (Ctrl+P)"));
    }
}

void ModelsView::showMessage(const QString& text)
{
    m_messageLabel->setText(text);
    m_messageBar->setVisible(!text.isEmpty());
}

QString ModelsView::message() const
{
    return m_messageBar->isHidden() ? QString() : m_messageLabel->text();
}

void ModelsView::addModel()
{
    openEditor();
}

void ModelsView::editCurrent()
{
    const QModelIndex current = m_tree->currentIndex();
    if (current.isValid())
        openEditor(currentModel(), current.data(ModelTreeModel::EndpointNameRole).toString());
}

ModelEditorDialog* ModelsView::openEditor(const QString& model, const QString& endpoint)
{
    if (QPointer<ModelEditorDialog> open = m_editors.value(model)) {
        if (!endpoint.isEmpty()) {
            open->showEndpointsTab();
            open->selectEndpoint(endpoint);
        }
        open->raise();
        open->activateWindow();
        return open;
    }
    std::optional<ModelConfig> config;
    if (!model.isEmpty()) {
        const ModelSnapshot* snap = m_model->modelAt(m_model->indexOfModel(model));
        if (!snap) {
            showMessage(tr("The model “%1” no longer exists.").arg(model));
            return nullptr;
        }
        config = snap->config;
    }
    auto* dialog = new ModelEditorDialog(m_live.client(), config, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    if (!endpoint.isEmpty()) {
        dialog->showEndpointsTab();
        dialog->selectEndpoint(endpoint);
    }
    connect(dialog, &ModelEditorDialog::saved, this, [this](const ModelConfig& saved) {
        showMessage({});
        m_live.flush();
        // Selected once the live state lists it (at once for the embedded
        // engine; a remote one reports it with its next statistics).
        m_selectWhenListed = saved.name;
        if (m_model->indexOfModel(saved.name).isValid()) {
            selectModel(saved.name);
            m_selectWhenListed.clear();
        }
    });
    m_editors.insert(model, dialog);
    dialog->open();
    return dialog;
}

void ModelsView::togglePauseCurrent()
{
    const QString name = currentModel();
    if (name.isEmpty())
        return;
    const bool pause = !m_tree->currentIndex().data(ModelTreeModel::PausedRole).toBool();
    m_pauseAction->setEnabled(false);
    onResult(m_live.client().setModelPaused(name, pause), this, [this, name, pause](const VoidResult& r) {
        if (!r)
            showMessage((pause ? tr("Could not pause “%1”: %2") : tr("Could not resume “%1”: %2")).arg(name, r.error().message));
        else
            m_live.flush();
        updateActions();
    });
}

void ModelsView::deleteCurrent()
{
    const QString name = currentModel();
    if (name.isEmpty())
        return;
    auto* box = new QMessageBox(QMessageBox::Question, tr("Delete model"), tr("Delete the model “%1”?").arg(name), QMessageBox::Cancel, this);
    box->setObjectName(QStringLiteral("confirmDelete"));
    box->setInformativeText(tr("Its settings and endpoints are removed. A model with unfinished tasks cannot be "
                               "deleted: cancel them or let them finish first."));
    QPushButton* remove = box->addButton(tr("Delete"), QMessageBox::DestructiveRole);
    box->setDefaultButton(QMessageBox::Cancel);
    box->setAttribute(Qt::WA_DeleteOnClose);
    connect(box, &QMessageBox::finished, this, [this, box, remove, name] {
        if (box->clickedButton() != remove)
            return;
        onResult(m_live.client().removeModel(name), this, [this, name](const VoidResult& r) {
            if (!r)
                showMessage(tr("Could not delete “%1”: %2").arg(name, r.error().message));
            else
                showMessage({});
            m_live.flush();
        });
    });
    box->open();
}

void ModelsView::showContextMenu(const QPoint& pos)
{
    const QModelIndex index = m_tree->indexAt(pos);
    if (index.isValid())
        m_tree->setCurrentIndex(index);
    QMenu menu(this);
    if (index.isValid()) {
        menu.addAction(m_editAction);
        menu.addAction(m_pauseAction);
        menu.addSeparator();
        menu.addAction(m_deleteAction);
        menu.addSeparator();
    }
    menu.addAction(m_addAction);
    menu.addSeparator();
    menu.addAction(tr("Expand all"), m_tree, &QTreeView::expandAll);
    menu.addAction(tr("Collapse all"), m_tree, &QTreeView::collapseAll);
    menu.exec(m_tree->viewport()->mapToGlobal(pos));
}

void ModelsView::showHeaderMenu(const QPoint& pos)
{
    QHeaderView* header = m_tree->header();
    QMenu menu(this);
    for (int c = 1; c < ModelTreeModel::ColumnCount; ++c) {
        QAction* a = menu.addAction(m_model->headerData(c, Qt::Horizontal).toString());
        a->setCheckable(true);
        a->setChecked(!header->isSectionHidden(c));
        connect(a, &QAction::toggled, header, [header, c](bool on) { header->setSectionHidden(c, !on); });
    }
    menu.exec(header->mapToGlobal(pos));
}

} // namespace llmsched::ui
