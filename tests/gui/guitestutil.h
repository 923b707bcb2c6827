#pragma once

// A real engine on a temporary SQLite file plus the GUI's LiveState over it,
// for tests that drive real widgets offscreen. With LLMSCHED_GUI_ENGINE=remote
// (the gui.*_remote tests) the views see the engine the way a GUI connected
// to an llm-schedulerd does: through a REST server on 127.0.0.1 and a
// RemoteClient; the test itself still reaches the engine directly.

#include "enginetestutil.h"
#include "api/apiserver.h"
#include "client/embeddedclient.h"
#include "client/remoteclient.h"
#include "livestate.h"
#include "uiutil.h"

#include <QTemporaryDir>

#include <memory>

namespace guitest {

using namespace llmsched;

// The child widget of that object name; the test stops when there is none.
template <typename T> T* child(QObject* parent, const char* name)
{
    T* w = parent->findChild<T*>(QString::fromLatin1(name));
    if (!w)
        qFatal("no child %s", name);
    return w;
}

class EngineFixture
{
public:
    // Starts an engine with the given models (default: one simulated model "sim").
    explicit EngineFixture(QList<ModelConfig> models = { testutil::simModel(QStringLiteral("sim"), 5) }, bool dispatch = true)
    {
        EngineOptions o;
        o.dataDir = m_dir.path();
        o.dispatch = dispatch;
        engine = std::make_unique<Engine>(o);
        const auto started = engine->start();
        if (!started)
            qFatal("engine did not start: %s", qPrintable(started.error().message));
        for (const ModelConfig& m : models) {
            const auto r = testutil::await(engine->upsertModel(m));
            if (!r)
                qFatal("model refused: %s", qPrintable(r.error().message));
        }
        if (remote()) {
            auto rc = std::make_unique<RemoteClient>(QUrl(serve()), adminToken);
            rc->start();
            // Connected, with the models' configurations known, as a window would be a moment after start.
            QDeadlineTimer deadline(10'000);
            while ((rc->link() != EngineClient::Link::Online || rc->models().size() != models.size()) && !deadline.hasExpired())
                QCoreApplication::processEvents(QEventLoop::AllEvents, 10);
            if (rc->link() != EngineClient::Link::Online)
                qFatal("the remote client did not connect");
            client = std::move(rc);
        } else {
            client = std::make_unique<EmbeddedClient>(*engine);
        }
        live = std::make_unique<ui::LiveState>(*client);
    }
    ~EngineFixture()
    {
        live.reset();
        client.reset();
        api.reset();
        if (engine)
            engine->shutdown(2000);
    }

    QString dataDir() const { return m_dir.path(); }
    // Serves the engine's REST API on 127.0.0.1 (once) with an admin token; its URL.
    QString serve()
    {
        if (!api) {
            // The token first: a server reads its tokens as it starts (later ones reach it a moment after).
            adminToken = testutil::await(engine->createToken(QStringLiteral("gui-test"), Role::Admin))->secret;
            ApiOptions ao;
            ao.port = 0;
            api = std::make_unique<ApiHost>(*engine, ao);
            const auto port = api->start();
            if (!port)
                qFatal("REST server did not start: %s", qPrintable(port.error().message));
            url = QStringLiteral("http://127.0.0.1:%1").arg(*port);
        }
        return url;
    }
    static bool remote() { return qEnvironmentVariable("LLMSCHED_GUI_ENGINE") == QLatin1String("remote"); }

    QTemporaryDir m_dir;
    std::unique_ptr<Engine> engine;
    std::unique_ptr<ApiHost> api; // see serve()
    QString url;
    QString adminToken;
    std::unique_ptr<EngineClient> client;
    std::unique_ptr<ui::LiveState> live;
};

} // namespace guitest
