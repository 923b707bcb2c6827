#pragma once

#include "mainwindow.h"
#include "settings.h"

#include "engine.h"
#include "enginehost.h"

#include <QObject>
#include <QUrl>

#include <memory>

namespace llmsched {
class ApiHost;
class DemoFeeder;
class EmbeddedClient;
class EngineClient;
}

namespace llmsched::ui {

class LiveState;
class MainWindow;

// What llm-scheduler runs: the engine on the chosen data directory, the REST
// server (when enabled and its port is free), the demo feed on a first run,
// and the main window over them. The screenshot tool and tests build it too.
class ControlCenter final : public QObject, public EngineHost
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ControlCenter)

public:
    struct Options
    {
        Settings settings;
        QString dataDirOverride; // --data-dir
        bool forceDemo = false; // --demo
        bool noApi = false; // --no-api
        // --connect: show this llm-schedulerd instead of running an engine here.
        QUrl connectUrl;
        QString token; // for connectUrl (--token-file, or the keychain)
    };

    explicit ControlCenter(Options options, QObject* parent = nullptr);
    ~ControlCenter() override;

    // Starts the engine and the REST server (or connects to the server);
    // an error is for a message box.
    VoidResult start();
    void shutdown();

    // The embedded engine; null when connected to a server.
    Engine* engine() { return m_engine.get(); }
    bool isRemote() const { return !m_options.connectUrl.isEmpty(); }
    EngineClient& client();
    LiveState& live() { return *m_live; }
    MainWindow* window() const { return m_window.get(); }
    QString restAddress() const { return m_restAddress; }

    void notify(const Notification& notification) override;

    // Replaces the window with one showing `url` (empty: this computer's engine).
    void switchTo(const QUrl& url, const QString& token);

signals:
    void engineSwitched();

private:
    VoidResult startRemote();
    void makeWindow(const MainWindow::Context& ctx);
    void offerLocalService();

    Options m_options;
    std::unique_ptr<Engine> m_engine;
    std::unique_ptr<ApiHost> m_api;
    std::unique_ptr<EngineClient> m_client;
    std::unique_ptr<LiveState> m_live;
    std::unique_ptr<DemoFeeder> m_demo;
    std::unique_ptr<MainWindow> m_window;
    QString m_restAddress;
    QString m_restError;
};

} // namespace llmsched::ui
