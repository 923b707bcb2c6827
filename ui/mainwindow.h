#pragma once

#include "settings.h"

#include <QMainWindow>

#include <memory>

class QAction;
class QLabel;
class QListWidget;
class QStackedWidget;
class QSystemTrayIcon;

namespace llmsched {
class DemoFeeder;
struct EngineSnapshot;
struct Notification;
}

namespace llmsched::ui {

class CounterStrip;
class DeadLettersView;
class LiveState;
class LogsView;
class NodesView;
class BatchesView;
class ModelsView;
class QueueView;
class WorkflowsView;
class StatisticsView;

// The control center's main window: the counter strip over a navigation list
// and the views (Queue, Models, Statistics, Dead letters, Logs), with menus,
// a toolbar, a status line (engine state, REST address, store size) and a
// tray icon for notifications.
class MainWindow final : public QMainWindow
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(MainWindow)

public:
    enum class View { Queue, Models, Statistics, DeadLetters, Logs, Nodes, Batches, Workflows };
    static constexpr int kViewCount = 8;

    struct Context
    {
        QString restAddress; // empty: not serving
        QString restError; // why not, when it failed to start
        DemoFeeder* demo = nullptr;
        Settings settings;
        bool welcome = false; // the first run: say what the demo is and where to start
    };

    MainWindow(LiveState& live, Context context, QWidget* parent = nullptr);
    ~MainWindow() override;

    void showView(View view);
    View currentView() const;
    QWidget* view(View view) const;
    QueueView* queueView() const { return m_queue; }
    ModelsView* modelsView() const { return m_models; }
    StatisticsView* statisticsView() const { return m_stats; }
    DeadLettersView* deadLettersView() const { return m_dead; }
    LogsView* logsView() const { return m_logs; }
    NodesView* nodesView() const { return m_nodes; }
    BatchesView* batchesView() const { return m_batches; }
    CounterStrip* counterStrip() const { return m_counters; }

    void openSubmitDialog();
    void openImport(const QString& path = {});
    QWidget* welcomePanel() const { return m_welcome; } // null after the first run
    QAction* pauseAction() const { return m_pause; }
    void openTask(const QString& id);
    void openSettings();
    // File > Connect to server; `add`: a server to select (added when new).
    void openConnect(const QUrl& add = {});
    // Asks whether to show the llm-schedulerd found at `url` instead (once).
    void offerService(const QUrl& url, const QString& version, bool tokenNeeded);

    void saveLayout() const;
    void restoreLayout();

signals:
    // The operator changed preferences (already saved).
    void settingsChanged(const llmsched::ui::Settings& settings);
    // The operator chose another engine to show: `url` (empty: this computer's).
    void switchEngine(const QUrl& url, const QString& token);

protected:
    void closeEvent(QCloseEvent* event) override;

private:
    void buildMenus();
    QWidget* buildWelcome(QWidget* parent);
    void updateStatus(const std::shared_ptr<const EngineSnapshot>& snapshot);
    // The title says which engine is shown: this computer's database, or the server.
    void updateTitle();
    void onNotification(const Notification& n);
    void togglePause();
    void deliverStatus(const QString& message);

    LiveState& m_live;
    Context m_context;
    CounterStrip* m_counters = nullptr;
    QListWidget* m_nav = nullptr;
    QStackedWidget* m_stack = nullptr;
    QueueView* m_queue = nullptr;
    ModelsView* m_models = nullptr;
    StatisticsView* m_stats = nullptr;
    DeadLettersView* m_dead = nullptr;
    LogsView* m_logs = nullptr;
    NodesView* m_nodes = nullptr;
    BatchesView* m_batches = nullptr;
    WorkflowsView* m_workflows = nullptr;
    QLabel* m_engineState = nullptr;
    QLabel* m_restState = nullptr;
    QLabel* m_storeSize = nullptr;
    QAction* m_pause = nullptr;
    QAction* m_demo = nullptr;
    QWidget* m_welcome = nullptr;
    QSystemTrayIcon* m_tray = nullptr;
    qint64 m_lastDead = -1;
    qint64 m_lastDeadNotifyMs = 0;
};

} // namespace llmsched::ui
