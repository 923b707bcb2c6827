#include "mainwindow.h"

#include "connectdialog.h"
#include "counterstrip.h"
#include "deadlettersview.h"
#include "importdialog.h"
#include "livestate.h"
#include "logsview.h"
#include "nodesview.h"
#include "batchesview.h"
#include "modelsview.h"
#include "queueview.h"
#include "workflowsview.h"
#include "settingsdialog.h"
#include "statisticsview.h"
#include "submitdialog.h"
#include "taskdetaildialog.h"
#include "tasktablemodel.h"
#include "uiutil.h"

#include "demofeeder.h"
#include "glyphicons.h"
#include "client/engineclient.h"

#include <QAction>
#include <QAbstractButton>
#include <QApplication>
#include <QPushButton>
#include <QCloseEvent>
#include <QDateTime>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFrame>
#include <QLocale>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QMenuBar>
#include <QMessageBox>
#include <QSettings>
#include <QSplitter>
#include <QStackedWidget>
#include <QStatusBar>
#include <QSystemTrayIcon>
#include <QToolBar>
#include <QVBoxLayout>

namespace llmsched::ui {

namespace {
constexpr qint64 kDeadNotifyEveryMs = 60'000;
}

MainWindow::MainWindow(LiveState& live, Context context, QWidget* parent)
    : QMainWindow(parent)
    , m_live(live)
    , m_context(std::move(context))
{
    setWindowTitle(tr("LLM Scheduler"));
    setObjectName(QStringLiteral("MainWindow"));
    auto* central = new QWidget(this);
    m_counters = new CounterStrip(live, central);
    m_nav = new QListWidget(central);
    m_nav->setObjectName(QStringLiteral("navigation"));
    m_stack = new QStackedWidget(central);
    m_queue = new QueueView(live, m_stack);
    m_models = new ModelsView(live, m_stack);
    m_stats = new StatisticsView(live, m_stack);
    m_dead = new DeadLettersView(live, m_stack);
    m_logs = new LogsView(&m_live, m_stack);
    m_nodes = new NodesView(live, m_stack);
    m_batches = new BatchesView(live, m_stack);
    m_workflows = new WorkflowsView(live, m_stack);
    const std::array<QWidget*, kViewCount> views = { m_queue, m_models, m_stats, m_dead, m_logs, m_nodes, m_batches, m_workflows };
    const QStringList names
        = { tr("Queue"), tr("Models"), tr("Statistics"), tr("Dead letters"), tr("Logs"), tr("Nodes"), tr("Batches"), tr("Workflows") };
    const std::array<Glyph, kViewCount> icons
        = { Glyph::Queue, Glyph::Models, Glyph::Statistics, Glyph::DeadLetters, Glyph::Logs, Glyph::Nodes, Glyph::Batches, Glyph::Workflows };
    for (int i = 0; i < kViewCount; ++i) {
        m_stack->addWidget(views.at(i));
        auto* item = new QListWidgetItem(glyphIcon(icons.at(i)), names.at(i), m_nav);
        item->setToolTip(tr("%1 (Ctrl+%2)").arg(names.at(i)).arg(i + 1));
    }
    int navWidth = 0;
    for (const QString& n : names)
        navWidth = std::max(navWidth, m_nav->fontMetrics().horizontalAdvance(n));
    m_nav->setFixedWidth(navWidth + 56);
    m_nav->setSpacing(2);
    m_nav->setFrameShape(QFrame::NoFrame);
    connect(m_nav, &QListWidget::currentRowChanged, m_stack, &QStackedWidget::setCurrentIndex);
    connect(m_stack, &QStackedWidget::currentChanged, this, [this](int i) {
        if (QWidget* w = m_stack->widget(i))
            w->setFocus();
    });
    m_nav->setCurrentRow(0);

    auto* body = new QHBoxLayout;
    body->addWidget(m_nav);
    body->addWidget(m_stack, 1);
    auto* layout = new QVBoxLayout(central);
    layout->addWidget(m_counters);
    if (m_context.welcome)
        layout->addWidget(buildWelcome(central));
    layout->addLayout(body, 1);
    setCentralWidget(central);

    connect(m_counters, &CounterStrip::showStates, this, [this](const QString& key) {
        if (key == taskStateName(TaskState::Dead)) {
            showView(View::DeadLetters);
            return;
        }
        showView(View::Queue);
        m_queue->showStates(key);
    });
    connect(m_queue, &QueueView::statusMessage, this, &MainWindow::deliverStatus);
    connect(m_batches, &BatchesView::showLines, this, [this](const QString& batchId) {
        showView(View::Queue);
        m_queue->showBatch(batchId);
    });
    connect(m_dead, &DeadLettersView::statusMessage, this, &MainWindow::deliverStatus);
    connect(m_queue, &QueueView::openTask, this, &MainWindow::openTask);
    connect(m_dead, &DeadLettersView::openTask, this, &MainWindow::openTask);
    connect(m_workflows, &WorkflowsView::openTask, this, &MainWindow::openTask);

    m_engineState = new QLabel(this);
    m_restState = new QLabel(this);
    m_storeSize = new QLabel(this);
    statusBar()->addPermanentWidget(m_engineState);
    statusBar()->addPermanentWidget(m_restState);
    statusBar()->addPermanentWidget(m_storeSize);
    if (live.client().isRemote()) {
        m_restState->hide(); // the server's own REST API is the one this window uses
    } else if (!m_context.restAddress.isEmpty()) {
        m_restState->setText(tr("REST: %1").arg(m_context.restAddress));
        m_restState->setToolTip(tr("REST API and OpenAI-compatible endpoint (%1/v1)").arg(m_context.restAddress));
    } else {
        m_restState->setText(m_context.restError.isEmpty() ? tr("REST: off") : tr("REST: not serving"));
        m_restState->setToolTip(m_context.restError);
    }

    buildMenus();

    if (QSystemTrayIcon::isSystemTrayAvailable()) {
        m_tray = new QSystemTrayIcon(windowIcon().isNull() ? QApplication::windowIcon() : windowIcon(), this);
        m_tray->setToolTip(tr("LLM Scheduler"));
        auto* menu = new QMenu(this);
        menu->addAction(tr("Show window"), this, [this] {
            showNormal();
            raise();
            activateWindow();
        });
        menu->addAction(m_pause);
        menu->addSeparator();
        menu->addAction(tr("Quit"), qApp, &QApplication::quit);
        m_tray->setContextMenu(menu);
        connect(m_tray, &QSystemTrayIcon::activated, this, [this](QSystemTrayIcon::ActivationReason r) {
            if (r == QSystemTrayIcon::Trigger)
                isVisible() && !isMinimized() ? hide() : (showNormal(), raise(), activateWindow());
        });
        m_tray->show();
    }

    connect(&live, &LiveState::snapshotChanged, this, &MainWindow::updateStatus);
    connect(&live, &LiveState::reloadNeeded, this, [this] {
        m_queue->model()->refresh();
        m_dead->model()->refresh();
    });
    connect(&live.client(), &EngineClient::linkChanged, this, [this] {
        if (auto s = m_live.snapshot())
            updateStatus(s);
        updateTitle();
    });
    updateTitle();
    connect(&live, &LiveState::notified, this, &MainWindow::onNotification);
    if (auto s = live.snapshot())
        updateStatus(s);
    resize(1280, 800);
}

MainWindow::~MainWindow() = default;

// A panel above the views on the first run: what the moving numbers are, and
// the three ways to start real work. Closes with its button.
QWidget* MainWindow::buildWelcome(QWidget* parent)
{
    auto* panel = new QFrame(parent);
    panel->setObjectName(QStringLiteral("welcome"));
    panel->setFrameShape(QFrame::StyledPanel);
    panel->setAutoFillBackground(true);
    panel->setBackgroundRole(QPalette::AlternateBase);
    auto* title = new QLabel(tr("<b>Welcome to LLM Scheduler</b>"), panel);
    const double rate = m_context.demo && m_context.demo->isRunning() ? m_context.settings.demoRate : 0;
    auto* text = new QLabel(rate > 0 ? tr("What moves here is a demo: the model “demo” is simulated on this computer (no API key, nothing sent "
                                          "anywhere) and the demo feed gives it %1 tasks a second. Turn the feed off with Demo feed in the "
                                          "toolbar. To run real work, add a model with your endpoint, then submit or import tasks.")
                                           .arg(QLocale().toString(rate))
                                     : tr("The model “demo” is simulated on this computer (no API key, nothing sent anywhere). "
                                          "To run real work, add a model with your endpoint, then submit or import tasks."),
        panel);
    text->setObjectName(QStringLiteral("welcomeText"));
    text->setWordWrap(true);
    auto* addModel = new QPushButton(QIcon::fromTheme(QStringLiteral("list-add")), tr("Add a model…"), panel);
    addModel->setObjectName(QStringLiteral("welcomeAddModel"));
    auto* submit = new QPushButton(QIcon::fromTheme(QStringLiteral("document-new")), tr("Submit a task…"), panel);
    submit->setObjectName(QStringLiteral("welcomeSubmit"));
    auto* import = new QPushButton(QIcon::fromTheme(QStringLiteral("document-import")), tr("Import a file of tasks…"), panel);
    import->setObjectName(QStringLiteral("welcomeImport"));
    auto* close = new QPushButton(tr("Close"), panel);
    close->setObjectName(QStringLiteral("welcomeClose"));
    close->setFlat(true);
    connect(addModel, &QPushButton::clicked, this, [this] {
        showView(View::Models);
        m_models->addModelAction()->trigger();
    });
    connect(submit, &QPushButton::clicked, this, [this] { openSubmitDialog(); });
    connect(import, &QPushButton::clicked, this, [this] { openImport(); });
    connect(close, &QPushButton::clicked, panel, &QWidget::hide);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(addModel);
    buttons->addWidget(submit);
    buttons->addWidget(import);
    buttons->addStretch(1);
    buttons->addWidget(close);
    auto* layout = new QVBoxLayout(panel);
    layout->addWidget(title);
    layout->addWidget(text);
    layout->addLayout(buttons);
    m_welcome = panel;
    return panel;
}

void MainWindow::buildMenus()
{
    auto action = [this](const QString& text, const QKeySequence& key, const QString& icon, auto slot) {
        auto* a = new QAction(QIcon::fromTheme(icon), text, this);
        a->setShortcut(key);
        connect(a, &QAction::triggered, this, slot);
        return a;
    };
    QAction* submit = action(tr("&Submit task…"), QKeySequence::New, QStringLiteral("list-add"), [this] { openSubmitDialog(); });
    QAction* import = action(tr("&Import JSONL…"), QKeySequence(Qt::CTRL | Qt::Key_I), QStringLiteral("document-import"), [this] { openImport(); });
    QAction* settings = action(tr("Se&ttings…"), QKeySequence::Preferences, QStringLiteral("configure"), [this] { openSettings(); });
    if (settings->shortcut().isEmpty())
        settings->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Comma));
    QAction* quit = action(tr("&Quit"), QKeySequence::Quit, QStringLiteral("application-exit"), [] { QApplication::quit(); });
    if (quit->shortcut().isEmpty())
        quit->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Q));
    m_pause
        = action(tr("&Pause all"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_P), QStringLiteral("media-playback-pause"), [this] { togglePause(); });
    m_pause->setIcon(glyphIcon(Glyph::Pause));
    m_demo = action(tr("&Demo feed"), QKeySequence(), QString(), [this] {
        if (m_context.demo)
            m_context.demo->setRate(m_demo->isChecked() ? std::max(0.1, m_context.settings.demoRate) : 0);
        m_context.settings.demoFeed = m_demo->isChecked();
        m_context.settings.save();
    });
    m_demo->setCheckable(true);
    m_demo->setChecked(m_context.demo && m_context.demo->isRunning());
    m_demo->setEnabled(m_context.demo != nullptr);
    m_demo->setToolTip(tr("Keep feeding the simulated demo model with tasks"));

    QMenu* file = menuBar()->addMenu(tr("&File"));
    file->addAction(submit);
    file->addAction(import);
    file->addAction(m_queue->exportAction());
    file->addSeparator();
    QAction* connectTo = action(
        tr("&Connect to server…"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_O), QStringLiteral("network-connect"), [this] { openConnect(); });
    QAction* disconnect = action(tr("&Disconnect"), QKeySequence(), QStringLiteral("network-disconnect"), [this] { emit switchEngine({}, {}); });
    disconnect->setToolTip(tr("Show this computer's embedded engine again"));
    disconnect->setEnabled(m_live.client().isRemote());
    file->addAction(connectTo);
    file->addAction(disconnect);
    file->addSeparator();
    file->addAction(settings);
    file->addSeparator();
    file->addAction(quit);

    QMenu* tasks = menuBar()->addMenu(tr("&Tasks"));
    tasks->addAction(m_queue->detailsAction());
    tasks->addAction(m_queue->cancelAction());
    tasks->addAction(m_queue->retryAction());
    tasks->addMenu(m_queue->priorityMenu());
    tasks->addSeparator();
    tasks->addAction(m_queue->findAction());
    tasks->addAction(m_queue->refreshAction());
    tasks->addSeparator();
    tasks->addAction(m_dead->requeueAllAction());
    tasks->addAction(m_dead->purgeAction());

    QMenu* engine = menuBar()->addMenu(tr("&Engine"));
    engine->addAction(m_pause);
    engine->addAction(m_demo);
    if (!m_models->actions().isEmpty()) {
        engine->addSeparator();
        engine->addActions(m_models->actions());
    }

    QMenu* view = menuBar()->addMenu(tr("&View"));
    const QStringList names
        = { tr("&Queue"), tr("&Models"), tr("&Statistics"), tr("&Dead letters"), tr("&Logs"), tr("&Nodes"), tr("&Batches"), tr("&Workflows") };
    for (int i = 0; i < names.size(); ++i) {
        QAction* a = view->addAction(names.at(i));
        a->setShortcut(QKeySequence(Qt::CTRL | (Qt::Key_1 + i)));
        connect(a, &QAction::triggered, this, [this, i] { showView(static_cast<View>(i)); });
    }

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&Keyboard shortcuts"), this, [this] {
        QMessageBox::information(this, tr("Keyboard shortcuts"),
            tr("<table>"
               "<tr><td><b>Ctrl+1…8</b></td><td>Queue, Models, Statistics, Dead letters, Logs, Nodes, Batches, Workflows</td></tr>"
               "<tr><td><b>Ctrl+N</b></td><td>Submit a task</td></tr>"
               "<tr><td><b>Ctrl+I</b></td><td>Import tasks from JSONL</td></tr>"
               "<tr><td><b>Ctrl+F</b></td><td>Search the queue</td></tr>"
               "<tr><td><b>Enter</b></td><td>Open the selected task</td></tr>"
               "<tr><td><b>Delete</b></td><td>Cancel the selected tasks</td></tr>"
               "<tr><td><b>Ctrl+R</b></td><td>Retry / requeue the selected tasks</td></tr>"
               "<tr><td><b>Ctrl+E</b></td><td>Export the selected tasks</td></tr>"
               "<tr><td><b>F5</b></td><td>Refresh the queue</td></tr>"
               "<tr><td><b>Ctrl+Shift+P</b></td><td>Pause or resume all dispatching</td></tr>"
               "<tr><th colspan=2 align=left>Workflows</th></tr>"
               "<tr><td><b>Ctrl+Tab</b></td><td>Runs, Schedules, Templates, Webhooks</td></tr>"
               "<tr><td><b>Insert</b></td><td>A new schedule, template or webhook</td></tr>"
               "<tr><td><b>Enter</b></td><td>Edit the schedule; submit the template</td></tr>"
               "<tr><td><b>Ctrl+P</b></td><td>Pause or resume the schedule or webhook</td></tr>"
               "<tr><td><b>Ctrl+Shift+R</b></td><td>Run the schedule now</td></tr>"
               "<tr><td><b>Ctrl+Shift+I</b></td><td>Submit the template once per row of a CSV or JSONL file</td></tr>"
               "<tr><td><b>Wheel, Ctrl++ / Ctrl+-</b></td><td>Zoom the graph; drag to pan</td></tr>"
               "<tr><td><b>F, Ctrl+0</b></td><td>Fit the graph</td></tr>"
               "</table>"));
    });
    help->addAction(tr("&About LLM Scheduler"), this, [this] {
        QMessageBox::about(this, tr("About LLM Scheduler"),
            tr("<h3>LLM Scheduler %1</h3><p>Queues, schedules and runs large volumes of LLM calls within each endpoint's limits.</p>"
               "<p>Database: %2</p>")
                .arg(QApplication::applicationVersion(), m_live.client().location().toHtmlEscaped()));
    });

    QToolBar* bar = addToolBar(tr("Main"));
    bar->setObjectName(QStringLiteral("mainToolBar"));
    bar->setMovable(false);
    bar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    submit->setIcon(glyphIcon(Glyph::Add));
    import->setIcon(glyphIcon(Glyph::Import));
    m_queue->cancelAction()->setIcon(glyphIcon(Glyph::Cancel));
    m_queue->retryAction()->setIcon(glyphIcon(Glyph::Retry));
    m_queue->refreshAction()->setIcon(glyphIcon(Glyph::Refresh));
    bar->addAction(submit);
    bar->addAction(import);
    bar->addSeparator();
    bar->addAction(m_queue->cancelAction());
    bar->addAction(m_queue->retryAction());
    bar->addAction(m_queue->refreshAction());
    bar->addSeparator();
    bar->addAction(m_pause);
    // A button shows the action's words without the mnemonic: Qt drops "&"
    // but not the "(&S)" that CJK translations append, nor the "…".
    for (QAction* a : bar->actions()) {
        const auto plain = [a] { a->setIconText(Text::withoutMnemonic(a->text())); };
        plain();
        connect(a, &QAction::changed, a, plain);
    }
}

void MainWindow::deliverStatus(const QString& message)
{
    statusBar()->showMessage(message, 8000);
}

void MainWindow::showView(View v)
{
    m_nav->setCurrentRow(static_cast<int>(v));
}

MainWindow::View MainWindow::currentView() const
{
    return static_cast<View>(m_stack->currentIndex());
}

QWidget* MainWindow::view(View v) const
{
    return m_stack->widget(static_cast<int>(v));
}

void MainWindow::updateTitle()
{
    const EngineClient& c = m_live.client();
    if (!c.isRemote()) {
        setWindowTitle(tr("%1 (this computer)").arg(QDir::toNativeSeparators(c.location())));
        return;
    }
    setWindowTitle(c.serverVersion().isEmpty() ? c.location() : tr("%1 (llm-schedulerd %2)").arg(c.location(), c.serverVersion()));
}

void MainWindow::updateStatus(const std::shared_ptr<const EngineSnapshot>& s)
{
    const EngineClient& client = m_live.client();
    QString state;
    if (client.link() == EngineClient::Link::Connecting)
        state = tr("Connecting to %1…").arg(client.location());
    else if (client.link() == EngineClient::Link::Reconnecting)
        state = tr("Reconnecting to %1…").arg(client.location());
    else if (client.link() == EngineClient::Link::Refused)
        state = tr("%1 refuses the token: File > Connect to server").arg(client.location());
    else if (!s->storeHealthy)
        state = tr("Store error: %1").arg(s->storeError);
    else if (s->paused)
        state = tr("Paused");
    else
        state = tr("Running · %1").arg(Text::rate(s->tasksPerSecond));
    m_engineState->setText(state);
    const bool trouble = !s->storeHealthy || client.link() != EngineClient::Link::Online;
    m_engineState->setStyleSheet(trouble ? QStringLiteral("color: %1").arg(stateColor(TaskState::Dead).name()) : QString());
    if (client.isRemote()) {
        m_storeSize->setText(tr("Server: %1").arg(client.location()));
        m_storeSize->setToolTip(client.serverVersion().isEmpty() ? QString() : tr("llm-schedulerd %1").arg(client.serverVersion()));
    } else {
        m_storeSize->setText(tr("Store: %1").arg(Text::bytes(client.storeSizeBytes())));
        m_storeSize->setToolTip(client.location());
    }
    m_pause->setText(s->paused ? tr("&Resume all") : tr("&Pause all"));
    m_pause->setIcon(glyphIcon(s->paused ? Glyph::Resume : Glyph::Pause));

    const qint64 dead = s->states[static_cast<int>(TaskState::Dead)];
    if (m_lastDead >= 0 && dead > m_lastDead && m_tray && m_context.settings.trayNotifications) {
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        if (now - m_lastDeadNotifyMs >= kDeadNotifyEveryMs) {
            m_lastDeadNotifyMs = now;
            m_tray->showMessage(tr("Dead letters growing"),
                tr("%n task(s) moved to the dead-letter queue", nullptr, static_cast<int>(dead - m_lastDead)), QSystemTrayIcon::Warning);
        }
    }
    m_lastDead = dead;
}

void MainWindow::onNotification(const Notification& n)
{
    statusBar()->showMessage(n.title + QStringLiteral(": ") + n.message, 10'000);
    if (!m_tray || !m_context.settings.trayNotifications || n.kind == Notification::Kind::Info)
        return;
    m_tray->showMessage(n.title, n.message, n.kind == Notification::Kind::Error ? QSystemTrayIcon::Critical : QSystemTrayIcon::Warning);
}

void MainWindow::togglePause()
{
    const auto s = m_live.snapshot();
    const bool pause = !(s && s->paused);
    onResult(m_live.client().setPaused(pause), this, [this, pause](const VoidResult& r) {
        statusBar()->showMessage(r ? (pause ? tr("Dispatching paused; running calls finish") : tr("Dispatching resumed")) : r.error().message, 6000);
        m_live.flush();
    });
}

void MainWindow::openSubmitDialog()
{
    auto* d = new SubmitDialog(m_live, this);
    d->setAttribute(Qt::WA_DeleteOnClose);
    connect(d, &SubmitDialog::submitted, this, [this](const QStringList& ids) {
        statusBar()->showMessage(tr("Submitted %n task(s)", nullptr, static_cast<int>(ids.size())), 6000);
        m_queue->model()->refresh();
    });
    d->open();
}

void MainWindow::openImport(const QString& given)
{
    const QString path = given.isEmpty() ? QFileDialog::getOpenFileName(this, tr("Import tasks"), Settings::importFolder(),
                             tr("Tasks or template values (*.jsonl *.ndjson *.json *.csv);;All files (*)"))
                                         : given;
    if (path.isEmpty())
        return;
    Settings::setImportFolder(QFileInfo(path).absolutePath());
    auto* d = new ImportDialog(m_live, path, this);
    d->setAttribute(Qt::WA_DeleteOnClose);
    connect(d, &ImportDialog::finished, this, [this](const ImportReport& r) {
        statusBar()->showMessage(tr("Imported %Ln task(s)", nullptr, static_cast<int>(std::min<qint64>(r.imported, INT_MAX))) + QStringLiteral(", ")
                + tr("%Ln line(s) rejected", nullptr, static_cast<int>(std::min<qint64>(r.rejected, INT_MAX))),
            8000);
        m_queue->model()->refresh();
    });
    d->open(); // shows a preview; Import starts it
}

void MainWindow::openTask(const QString& id)
{
    auto* d = new TaskDetailDialog(m_live, id, this);
    d->show();
}

void MainWindow::openSettings()
{
    auto* d = new SettingsDialog(m_live, m_context.settings, m_context.restAddress, m_context.restError, this);
    d->setAttribute(Qt::WA_DeleteOnClose);
    connect(d, &QDialog::accepted, this, [this, d] {
        m_context.settings = d->settings();
        m_context.settings.save();
        applyTheme(*qApp, m_context.settings.theme);
        if (m_context.demo) {
            m_context.demo->setRate(m_context.settings.demoFeed ? m_context.settings.demoRate : 0);
            m_demo->setChecked(m_context.settings.demoFeed);
        }
        emit settingsChanged(m_context.settings);
    });
    d->open();
}

void MainWindow::openConnect(const QUrl& add)
{
    auto* d = new ConnectDialog(m_live.client().isRemote() ? QUrl(m_live.client().location()) : QUrl(), this);
    if (!add.isEmpty())
        d->selectOrAdd(add);
    connect(d, &ConnectDialog::connectRequested, this, &MainWindow::switchEngine);
    d->open();
}

void MainWindow::offerService(const QUrl& url, const QString& version, bool tokenNeeded)
{
    auto* box = new QMessageBox(QMessageBox::Question, tr("LLM Scheduler service found"),
        tr("%1 is running on this computer (%2). Show its queue instead of a separate engine in this window?")
            .arg(version.isEmpty() ? QStringLiteral("llm-schedulerd") : QStringLiteral("llm-schedulerd ") + version, url.toDisplayString()),
        QMessageBox::NoButton, this);
    box->setObjectName(QStringLiteral("offerService"));
    box->setInformativeText(tokenNeeded ? tr("It asks for an API token: create one with \"llm-schedulerd token create --role admin\" and enter it "
                                             "in File > Connect to server, which opens next.")
                                        : tr("You can switch at any time with File > Connect to server."));
    QPushButton* yes = box->addButton(tr("&Connect to the service"), QMessageBox::AcceptRole);
    box->addButton(tr("&Keep this window's engine"), QMessageBox::RejectRole);
    box->setDefaultButton(yes);
    box->setAttribute(Qt::WA_DeleteOnClose);
    connect(box, &QMessageBox::buttonClicked, this, [this, box, yes, url, tokenNeeded](QAbstractButton* b) {
        if (b != yes)
            return;
        box->close();
        ServerList::readToken(url, this, [this, url, tokenNeeded](const QString& token) {
            if (tokenNeeded && token.isEmpty())
                return openConnect(url);
            emit switchEngine(url, token);
        });
    });
    box->open();
}

void MainWindow::saveLayout() const
{
    QSettings s;
    s.setValue(QStringLiteral("window/geometry"), saveGeometry());
    s.setValue(QStringLiteral("window/state"), saveState());
    s.setValue(QStringLiteral("window/view"), static_cast<int>(currentView()));
    s.setValue(QStringLiteral("queue/header"), m_queue->saveHeaderState());
}

void MainWindow::restoreLayout()
{
    QSettings s;
    restoreGeometry(s.value(QStringLiteral("window/geometry")).toByteArray());
    restoreState(s.value(QStringLiteral("window/state")).toByteArray());
    m_queue->restoreHeaderState(s.value(QStringLiteral("queue/header")).toByteArray());
    showView(static_cast<View>(std::clamp(s.value(QStringLiteral("window/view"), 0).toInt(), 0, kViewCount - 1)));
}

void MainWindow::closeEvent(QCloseEvent* event)
{
    saveLayout();
    event->accept();
}

} // namespace llmsched::ui
