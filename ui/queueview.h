#pragma once

#include <QWidget>

class QAction;
class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QMenu;
class QPushButton;
class QTableView;
class QTimer;

namespace llmsched::ui {

class EmptyHint;

class LiveState;
class TaskTableModel;

// The Queue: every task, newest first, filtered by state, model, priority and
// text; multi-select cancel, retry and change of priority; double-click opens
// the task. Follows new tasks while scrolled to the top with nothing selected,
// else offers them behind a "new tasks" button.
class QueueView final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(QueueView)

public:
    explicit QueueView(LiveState& live, QWidget* parent = nullptr);

    TaskTableModel* model() const { return m_model; }
    QTableView* table() const { return m_table; }

    // Actions for the main window's menus and toolbar (they act on the selection).
    QAction* detailsAction() const { return m_details; }
    QAction* cancelAction() const { return m_cancel; }
    QAction* retryAction() const { return m_retry; }
    QMenu* priorityMenu() const { return m_priorityMenu; }
    QAction* exportAction() const { return m_export; }
    QAction* refreshAction() const { return m_refresh; }
    QAction* findAction() const { return m_find; }

    QStringList selectedTaskIds() const;
    // Writes these tasks (with input and output) as JSONL, off the GUI thread.
    void exportTo(const QStringList& ids, const QString& path);
    // Sets the state filter by its combo index data (for the counter strip's shortcuts).
    void showStates(const QString& key);
    // The lines of one batch (every state): the text filter "batch:<id>".
    void showBatch(const QString& batchId);

    QByteArray saveHeaderState() const;
    void restoreHeaderState(const QByteArray& state);

signals:
    void statusMessage(const QString& message);
    void openTask(const QString& id);
    // count -1: the file could not be written.
    void exported(int count, const QString& path);

private:
    void applyFilter();
    void updateActions();
    void updateCountLabel();
    void followTick();
    void cancelSelected();
    void retrySelected();
    void setPriorityOfSelected(int priority);
    void exportSelected();
    void showContextMenu(const QPoint& pos);
    void fillModels();

    LiveState& m_live;
    TaskTableModel* m_model = nullptr;
    QTableView* m_table = nullptr;
    QComboBox* m_state = nullptr;
    QComboBox* m_modelFilter = nullptr;
    QComboBox* m_priority = nullptr;
    QLineEdit* m_text = nullptr;
    QCheckBox* m_follow = nullptr;
    QLabel* m_countLabel = nullptr;
    EmptyHint* m_emptyHint = nullptr;
    QPushButton* m_newTasks = nullptr;
    QTimer* m_textDebounce = nullptr;
    QTimer* m_followTimer = nullptr;
    QAction* m_details = nullptr;
    QAction* m_cancel = nullptr;
    QAction* m_retry = nullptr;
    QMenu* m_priorityMenu = nullptr;
    QAction* m_export = nullptr;
    QAction* m_refresh = nullptr;
    QAction* m_find = nullptr;
    QStringList m_keepSelection; // ids to select again after a refresh
};

} // namespace llmsched::ui
