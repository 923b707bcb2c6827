#pragma once

// A real engine on a temporary SQLite file plus the GUI's LiveState over it,
// for tests that drive real widgets offscreen.

#include "enginetestutil.h"
#include "client/embeddedclient.h"
#include "livestate.h"
#include "uiutil.h"

#include <QTemporaryDir>

#include <memory>

namespace guitest {

using namespace llmsched;

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
        client = std::make_unique<EmbeddedClient>(*engine);
        live = std::make_unique<ui::LiveState>(*client);
    }
    ~EngineFixture()
    {
        live.reset();
        client.reset();
        if (engine)
            engine->shutdown(2000);
    }

    QString dataDir() const { return m_dir.path(); }

    QTemporaryDir m_dir;
    std::unique_ptr<Engine> engine;
    std::unique_ptr<EngineClient> client;
    std::unique_ptr<ui::LiveState> live;
};

} // namespace guitest
