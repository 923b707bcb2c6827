#pragma once

#include "api/apiserver.h"
#include "demofeeder.h"
#include "engine.h"
#include "enginehost.h"

#include <QObject>
#include <QTimer>

// Configures the models listed in a JSON config file ({"models": [...]}).
llmsched::VoidResult applyConfigFile(llmsched::Engine& engine, const QString& path);

// The headless host of the engine: logs notifications, prints a status line
// now and then, feeds demo work with --simulate, and drains on a signal.
class Daemon final : public QObject, public llmsched::EngineHost
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(Daemon)

public:
    struct Options
    {
        llmsched::EngineOptions engine;
        QString configFile;
        int drainMs = llmsched::kDefaultDrainMs;
        int statusIntervalMs = 10'000;
        double demoRate = 0; // demo tasks per second
        qint64 exitAfterTasks = 0; // for smoke tests: stop once this many tasks finished
        std::optional<llmsched::ApiOptions> api; // the REST server; none: not served
    };

    explicit Daemon(Options options, QObject* parent = nullptr);
    ~Daemon() override;

    // Starts the engine and applies the config file; returns an error to print.
    llmsched::VoidResult start();
    void requestStop(const QString& why);

    void notify(const llmsched::Notification& notification) override;

signals:
    void finished(int exitCode);

private:
    void printStatus();

    Options m_options;
    llmsched::Engine m_engine;
    std::unique_ptr<llmsched::ApiHost> m_api;
    QTimer m_statusTimer;
    llmsched::DemoFeeder m_demo;
    bool m_stopping = false;
};
