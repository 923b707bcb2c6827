#pragma once

#include "core/task.h"

#include <QDialog>

class QLabel;
class QPlainTextEdit;
class QPushButton;
class QTreeWidget;

namespace llmsched::ui {

class LiveState;

// One task: its state and figures, input and output as formatted JSON and the
// timeline of its log. Reloads when the task changes state.
class TaskDetailDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(TaskDetailDialog)

public:
    TaskDetailDialog(LiveState& live, const QString& id, QWidget* parent = nullptr);

    void reload();

signals:
    void loaded();

private:
    void showTask(const Task& task);
    void showLog(const QList<TaskLogEntry>& log);
    void failed(const QString& message);

    LiveState& m_live;
    QString m_id;
    QLabel* m_summary = nullptr;
    QPlainTextEdit* m_input = nullptr;
    QPlainTextEdit* m_output = nullptr;
    QTreeWidget* m_timeline = nullptr;
    QPushButton* m_cancel = nullptr;
    QPushButton* m_retry = nullptr;
};

} // namespace llmsched::ui
