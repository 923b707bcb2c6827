#pragma once

#include <QWidget>

class QAction;
class QComboBox;
class QLabel;
class QTableView;

namespace llmsched::ui {

class LiveState;
class TaskTableModel;

// The dead-letter queue: tasks that used up their attempts or failed for
// good, with their last error; requeue the selection or everything, purge.
class DeadLettersView final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(DeadLettersView)

public:
    explicit DeadLettersView(LiveState& live, QWidget* parent = nullptr);

    TaskTableModel* model() const { return m_model; }
    QTableView* table() const { return m_table; }
    QAction* requeueSelectedAction() const { return m_requeueSelected; }
    QAction* requeueAllAction() const { return m_requeueAll; }
    QAction* purgeAction() const { return m_purge; }

    // Purges without asking (tests); the action asks first.
    void purgeNow();

signals:
    void statusMessage(const QString& message);
    void openTask(const QString& id);

protected:
    void showEvent(QShowEvent* event) override;

private:
    QString modelFilter() const;
    void applyFilter();

    LiveState& m_live;
    TaskTableModel* m_model = nullptr;
    QTableView* m_table = nullptr;
    QComboBox* m_modelCombo = nullptr;
    QLabel* m_count = nullptr;
    QAction* m_requeueSelected = nullptr;
    QAction* m_requeueAll = nullptr;
    QAction* m_purge = nullptr;
    bool m_stale = false; // tasks died while hidden
};

} // namespace llmsched::ui
