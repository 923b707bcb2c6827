#include "controlcenter.h"

#include "livestate.h"
#include "mainwindow.h"

#include "api/apiserver.h"
#include "client/embeddedclient.h"
#include "client/remoteclient.h"
#include "serverlist.h"
#include "uiutil.h"

#include <QMessageBox>
#include "core/logcapture.h"
#include "core/logging.h"
#include "demofeeder.h"

#include <QThreadPool>

namespace llmsched::ui {

ControlCenter::ControlCenter(Options options, QObject* parent)
    : QObject(parent)
    , m_options(std::move(options))
{
    LogCapture::install();
}

ControlCenter::~ControlCenter()
{
    shutdown();
}

VoidResult ControlCenter::start()
{
    if (isRemote())
        return startRemote();
    const Settings& s = m_options.settings;
    EngineOptions eo;
    eo.dataDir = !m_options.dataDirOverride.isEmpty() ? m_options.dataDirOverride : !s.dataDir.isEmpty() ? s.dataDir : defaultDataDir();
    // The demo model exists on a first run (and whenever the demo feed is on),
    // so a new user sees work flowing before configuring a real endpoint.
    const bool demo = m_options.forceDemo || s.firstRun || s.demoFeed;
    eo.simulate = demo;
    eo.webhookPrivateHosts = s.webhookPrivateHosts;
    // The window's event loop comes first when the engine saturates the CPU.
    eo.workerNice = 5;
    m_engine = std::make_unique<Engine>(eo, this);
    if (auto r = m_engine->start(); !r)
        return r;
    if (s.apiEnabled && !m_options.noApi) {
        ApiOptions ao;
        ao.address = QHostAddress(s.apiAddress);
        ao.port = static_cast<quint16>(s.apiPort);
        m_api = std::make_unique<ApiHost>(*m_engine, ao);
        if (auto port = m_api->start(); port) {
            m_restAddress = QStringLiteral("http://%1:%2").arg(s.apiAddress).arg(*port);
        } else {
            m_restError = port.error().message;
            qCWarning(lcApi).noquote() << "REST server not started:" << m_restError;
            m_api.reset();
        }
    }
    m_client = std::make_unique<EmbeddedClient>(*m_engine);
    m_live = std::make_unique<LiveState>(*m_client);
    m_demo = std::make_unique<DemoFeeder>(*m_engine);
    if (demo && (s.demoFeed || m_options.forceDemo))
        m_demo->setRate(s.demoRate);
    Settings saved = s;
    saved.firstRun = false;
    saved.save();
    MainWindow::Context ctx;
    ctx.restAddress = m_restAddress;
    ctx.restError = m_restError;
    ctx.demo = m_demo.get();
    ctx.settings = saved;
    ctx.welcome = s.firstRun;
    ctx.settings.connectUrl.clear();
    ctx.settings.save();
    makeWindow(ctx);
    // Our REST server could not take its port (the installed service holds
    // 8787 by default) or is off: maybe the service is what the operator wants.
    if (!saved.serviceOffered && !m_options.noApi && !m_api)
        offerLocalService();
    return {};
}

void ControlCenter::makeWindow(const MainWindow::Context& ctx)
{
    m_window = std::make_unique<MainWindow>(*m_live, ctx);
    m_window->restoreLayout();
    // Queued: the window that asks is replaced.
    connect(
        m_window.get(), &MainWindow::switchEngine, this, [this](const QUrl& url, const QString& token) { switchTo(url, token); },
        Qt::QueuedConnection);
}

void ControlCenter::offerLocalService()
{
    // The installed service answers on 127.0.0.1:8787: ask once whether to show it.
    onResult(RemoteClient::probe(ServerList::localService(), {}, 1500), this, [this](const Result<ServerInfo>& r) {
        const bool tokenNeeded = !r && r.error().field == QLatin1String("token");
        if ((!r && !tokenNeeded) || !m_window || isRemote())
            return;
        Settings s = Settings::load();
        s.serviceOffered = true;
        s.save();
        m_options.settings.serviceOffered = true;
        m_window->offerService(ServerList::localService(), r ? r->version : QString(), tokenNeeded);
    });
}

void ControlCenter::switchTo(const QUrl& url, const QString& token)
{
    const bool wasVisible = m_window && m_window->isVisible();
    shutdown();
    m_options.connectUrl = url;
    m_options.token = token;
    m_options.settings = Settings::load(); // start() records which engine is shown
    if (auto r = start(); !r) {
        QMessageBox::warning(
            nullptr, QStringLiteral("LLM Scheduler"), MainWindow::tr("Could not show %1:\n\n%2").arg(url.toDisplayString(), r.error().message));
        m_options.connectUrl.clear();
        m_options.token.clear();
        if (auto embedded = start(); !embedded)
            return;
    }
    if (wasVisible && m_window)
        m_window->show();
    emit engineSwitched();
}

VoidResult ControlCenter::startRemote()
{
    const QUrl& url = m_options.connectUrl;
    if (!url.isValid() || (url.scheme() != QLatin1String("http") && url.scheme() != QLatin1String("https")) || url.host().isEmpty())
        return Error::invalid(QStringLiteral("connect"), QStringLiteral("%1 is not an http:// or https:// address").arg(url.toDisplayString()));
    auto remote = std::make_unique<RemoteClient>(url, m_options.token);
    RemoteClient* client = remote.get();
    if (m_options.token.isEmpty()) {
        // The token saved for this server, from the keychain (the window shows "Connecting" meanwhile).
        ServerList::readToken(url, client, [client](const QString& token) {
            client->setToken(token);
            client->start();
        });
    } else {
        client->start();
    }
    m_client = std::move(remote);
    m_live = std::make_unique<LiveState>(*m_client);
    MainWindow::Context ctx;
    ctx.settings = m_options.settings;
    ctx.settings.connectUrl = url.toString();
    ctx.settings.save();
    makeWindow(ctx);
    return {};
}

void ControlCenter::shutdown()
{
    if (!m_client && !m_engine)
        return;
    if (m_window)
        m_window->saveLayout();
    if (m_demo)
        m_demo->setRate(0);
    m_window.reset();
    if (m_api)
        m_api->stop();
    if (m_engine) {
        m_engine->shutdown(5000);
        // Imports running on pool threads call the engine until they notice it stopped.
        QThreadPool::globalInstance()->waitForDone();
    }
    m_api.reset();
    m_live.reset();
    m_client.reset();
    m_demo.reset();
    m_engine.reset();
}

EngineClient& ControlCenter::client()
{
    return *m_client;
}

void ControlCenter::notify(const Notification& notification)
{
    Q_UNUSED(notification); // reaches the window through LiveState::notified
}

} // namespace llmsched::ui
