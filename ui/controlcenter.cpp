#include "controlcenter.h"

#include "livestate.h"
#include "mainwindow.h"

#include "api/apiserver.h"
#include "client/embeddedclient.h"
#include "client/remoteclient.h"
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
    m_window = std::make_unique<MainWindow>(*m_live, ctx);
    m_window->restoreLayout();
    return {};
}

VoidResult ControlCenter::startRemote()
{
    const QUrl& url = m_options.connectUrl;
    if (!url.isValid() || (url.scheme() != QLatin1String("http") && url.scheme() != QLatin1String("https")) || url.host().isEmpty())
        return Error::invalid(QStringLiteral("connect"), QStringLiteral("%1 is not an http:// or https:// address").arg(url.toDisplayString()));
    auto remote = std::make_unique<RemoteClient>(url, m_options.token);
    remote->start();
    m_client = std::move(remote);
    m_live = std::make_unique<LiveState>(*m_client);
    MainWindow::Context ctx;
    ctx.settings = m_options.settings;
    m_window = std::make_unique<MainWindow>(*m_live, ctx);
    m_window->restoreLayout();
    return {};
}

void ControlCenter::shutdown()
{
    if (isRemote()) {
        if (m_window)
            m_window->saveLayout();
        m_window.reset();
        m_live.reset();
        m_client.reset();
        return;
    }
    if (!m_engine)
        return;
    if (m_window)
        m_window->saveLayout();
    if (m_demo)
        m_demo->setRate(0);
    m_window.reset();
    if (m_api)
        m_api->stop();
    m_engine->shutdown(5000);
    // Imports running on pool threads call the engine until they notice it stopped.
    QThreadPool::globalInstance()->waitForDone();
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
