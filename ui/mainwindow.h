#pragma once

#include <QMainWindow>

class QListWidget;
class QStackedWidget;

namespace llmsched::ui {

class LiveState;

// The control center's main window: a counter strip over a navigation list
// and the views (Queue, Models, Statistics, Dead letters, Logs).
class MainWindow final : public QMainWindow
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(MainWindow)

public:
    enum class View { Queue, Models, Statistics, DeadLetters, Logs };

    explicit MainWindow(LiveState& live, QWidget* parent = nullptr);

    void showView(View view);
    QWidget* view(View view) const;

private:
    LiveState& m_live;
    QListWidget* m_nav = nullptr;
    QStackedWidget* m_stack = nullptr;
};

} // namespace llmsched::ui
