#include "daemon.h"

#include "core/logging.h"
#include "core/futures.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>

using namespace llmsched;

namespace {
} // namespace

Daemon::Daemon(Options options, QObject* parent)
    : QObject(parent)
    , m_options(std::move(options))
    , m_engine(m_options.engine, this)
    , m_demo(m_engine)
{
    connect(&m_statusTimer, &QTimer::timeout, this, &Daemon::printStatus);
    if (m_options.exitAfterTasks > 0) {
        connect(&m_engine, &Engine::taskEvents, this, [this](const TaskEvents&) {
            const auto snap = m_engine.snapshot();
            const qint64 done = snap->states[static_cast<int>(TaskState::Succeeded)] + snap->states[static_cast<int>(TaskState::Dead)]
                + snap->states[static_cast<int>(TaskState::Cancelled)];
            if (done >= m_options.exitAfterTasks)
                requestStop(QStringLiteral("%1 tasks finished").arg(done));
        });
    }
}

Daemon::~Daemon() = default;

VoidResult Daemon::start()
{
    if (auto r = m_engine.start(); !r)
        return r;
    if (!m_options.configFile.isEmpty()) {
        if (auto r = applyConfigFile(m_engine, m_options.configFile); !r)
            return r;
    }
    if (m_options.api) {
        m_api = std::make_unique<ApiHost>(m_engine, *m_options.api);
        if (auto r = m_api->start(); !r)
            return r.error();
    }
    if (m_options.statusIntervalMs > 0)
        m_statusTimer.start(m_options.statusIntervalMs);
    if (m_options.demoRate > 0)
        m_demo.setRate(m_options.demoRate);
    qCInfo(lcCore).noquote() << "llm-schedulerd" << LLMSCHED_VERSION << "ready; database" << m_engine.databasePath();
    return {};
}

VoidResult applyConfigFile(Engine& engine, const QString& path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return Error::invalid(QStringLiteral("--config"), QStringLiteral("cannot read %1: %2").arg(f.fileName(), f.errorString()));
    QJsonParseError perr;
    const QJsonDocument doc = QJsonDocument::fromJson(f.readAll(), &perr);
    if (perr.error != QJsonParseError::NoError || !doc.isObject())
        return Error::invalid(QStringLiteral("--config"),
            QStringLiteral("%1 is not a JSON object (%2 at offset %3)").arg(f.fileName(), perr.errorString()).arg(perr.offset));
    const QJsonObject root = doc.object();
    for (auto it = root.begin(); it != root.end(); ++it)
        if (it.key() != QLatin1String("models"))
            return Error::invalid(it.key(), QStringLiteral("unknown field in %1").arg(f.fileName()));
    const QJsonArray models = root.value(QLatin1String("models")).toArray();
    for (qsizetype i = 0; i < models.size(); ++i) {
        auto m = ModelConfig::fromJson(models.at(i).toObject(), QStringLiteral("models[%1]").arg(i));
        if (!m)
            return Error::invalid(m.error().field, QStringLiteral("%1 (in %2)").arg(m.error().message, f.fileName()));
        // Whoever may write this file decides where its keys go, as a
        // rebind_key would over REST.
        for (EndpointConfig& e : m->endpoints)
            e.rebindKey = true;
        QFuture<Result<ModelConfig>> saved = engine.upsertModel(*m);
        saved.waitForFinished();
        if (!saved.result())
            return saved.result().error();
        qCInfo(lcCore).noquote() << "model" << m->name << "configured from" << f.fileName();
    }
    return {};
}

void Daemon::requestStop(const QString& why)
{
    if (m_stopping)
        return;
    m_stopping = true;
    m_demo.setRate(0);
    m_statusTimer.stop();
    qCInfo(lcCore).noquote() << "stopping (" << why << "); draining running calls for up to" << m_options.drainMs / 1000 << "s";
    if (m_api)
        m_api->stop(); // no new requests while draining
    onResult(m_engine.stop(m_options.drainMs), this, [this](const VoidResult& r) {
        printStatus();
        m_engine.shutdown(0);
        emit finished(r ? 0 : 1);
    });
}

void Daemon::notify(const Notification& n)
{
    switch (n.kind) {
    case Notification::Kind::Info:
        qCInfo(lcCore).noquote() << n.title << "-" << n.message;
        break;
    case Notification::Kind::Warning:
        qCWarning(lcCore).noquote() << n.title << "-" << n.message;
        break;
    case Notification::Kind::Error:
        qCCritical(lcCore).noquote() << n.title << "-" << n.message;
        break;
    }
}

void Daemon::printStatus()
{
    const auto s = m_engine.snapshot();
    const auto n = [&](TaskState st) { return s->states[static_cast<int>(st)]; };
    qCInfo(lcCore).noquote() << QStringLiteral("queued %1  running %2  waiting %3  succeeded %4  dead %5  cancelled %6  %7 tasks/s%8")
                                    .arg(n(TaskState::Queued))
                                    .arg(n(TaskState::Running))
                                    .arg(n(TaskState::RetryWait) + n(TaskState::Scheduled) + n(TaskState::Blocked))
                                    .arg(n(TaskState::Succeeded))
                                    .arg(n(TaskState::Dead))
                                    .arg(n(TaskState::Cancelled))
                                    .arg(s->tasksPerSecond, 0, 'f', 1)
                                    .arg(s->storeHealthy ? QString() : QStringLiteral("  STORE: ") + s->storeError);
}
