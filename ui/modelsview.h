#pragma once

#include "core/enginetypes.h"

#include <QHash>
#include <QPointer>
#include <QWidget>

#include <memory>

class QAction;
class QLabel;
class QStackedWidget;
class QTreeView;

namespace llmsched::ui {

class LiveState;
class ModelEditorDialog;
class ModelTreeModel;

// The Models view: every model with its endpoints and their live figures
// (health, circuit, in flight against the limit, RPM/TPM use, latency, cost
// today), fed by LiveState::snapshotChanged, and the actions on them: add,
// edit (ModelEditorDialog), pause/resume and delete. The actions act while the
// view has the focus; the main window may also put them in its menus.
// Lives on the GUI thread.
class ModelsView final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ModelsView)

public:
    explicit ModelsView(LiveState& live, QWidget* parent = nullptr);
    ~ModelsView() override;

    QAction* addModelAction() const { return m_addAction; }
    QAction* editAction() const { return m_editAction; }
    QAction* pauseAction() const { return m_pauseAction; } // pauses or resumes the selected model
    QAction* deleteAction() const { return m_deleteAction; }
    QList<QAction*> modelActions() const;

    QTreeView* tree() const { return m_tree; }
    ModelTreeModel* treeModel() const { return m_model; }
    // The selected model (also when one of its endpoints is selected), or empty.
    QString currentModel() const;
    void selectModel(const QString& name);

    // Opens the editor for `model` (empty: a new model), showing `endpoint`
    // when given; an editor already open for the model is raised instead.
    ModelEditorDialog* openEditor(const QString& model = {}, const QString& endpoint = {});
    // What the message bar says (refused actions), empty when hidden.
    QString message() const;

public slots:
    void addModel();
    void editCurrent();
    void togglePauseCurrent();
    void deleteCurrent();

private:
    void onSnapshot(const std::shared_ptr<const EngineSnapshot>& snapshot);
    void updateActions();
    void showMessage(const QString& text);
    void showContextMenu(const QPoint& pos);
    void showHeaderMenu(const QPoint& pos);
    void fitColumns();

    LiveState& m_live;
    ModelTreeModel* m_model = nullptr;
    QTreeView* m_tree = nullptr;
    QStackedWidget* m_pages = nullptr;
    QWidget* m_messageBar = nullptr;
    QLabel* m_messageLabel = nullptr;
    QAction* m_addAction = nullptr;
    QAction* m_editAction = nullptr;
    QAction* m_pauseAction = nullptr;
    QAction* m_deleteAction = nullptr;
    QHash<QString, QPointer<ModelEditorDialog>> m_editors; // by model name; "" for new models
    QString m_selectWhenListed; // a model just saved, selected once the live state lists it
    bool m_columnsFitted = false;
    int m_fittedShape = 0; // models + endpoints when the columns were last fitted
};

} // namespace llmsched::ui
