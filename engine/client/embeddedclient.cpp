#include "embeddedclient.h"

#include "engine.h"

namespace llmsched {

QList<ModelConfig> EngineClient::models() const
{
    QList<ModelConfig> out;
    if (const auto snap = snapshot())
        for (const ModelSnapshot& m : snap->models)
            out.append(m.config);
    return out;
}

EmbeddedClient::EmbeddedClient(Engine& engine, QObject* parent)
    : EngineClient(parent)
    , m_engine(engine)
{
    connect(&engine, &Engine::taskEvents, this, &EngineClient::taskEvents);
    connect(&engine, &Engine::notification, this, &EngineClient::notification);
}

QString EmbeddedClient::location() const
{
    return m_engine.databasePath();
}

qint64 EmbeddedClient::storeSizeBytes() const
{
    return m_engine.storeSizeBytes();
}

std::shared_ptr<const EngineSnapshot> EmbeddedClient::snapshot() const
{
    return m_engine.snapshot();
}

QFuture<Result<QList<SubmitOutcome>>> EmbeddedClient::submit(QList<TaskSpec> specs)
{
    return m_engine.submit(std::move(specs));
}

QFuture<Result<TaskState>> EmbeddedClient::cancel(const QString& id)
{
    return m_engine.cancel(id);
}

QFuture<VoidResult> EmbeddedClient::setPriority(const QString& id, int priority)
{
    return m_engine.setPriority(id, priority);
}

QFuture<Result<TaskState>> EmbeddedClient::retry(const QString& id)
{
    return m_engine.retry(id);
}

QFuture<Result<qint64>> EmbeddedClient::requeueDead(const QString& model)
{
    return m_engine.requeueDead(model);
}

QFuture<Result<qint64>> EmbeddedClient::purge(TaskState state, const QString& model)
{
    return m_engine.purge(state, model);
}

QFuture<Result<Task>> EmbeddedClient::task(const QString& id)
{
    return m_engine.task(id);
}

QFuture<Result<TaskPage>> EmbeddedClient::tasks(const TaskFilter& filter)
{
    return m_engine.tasks(filter);
}

QFuture<Result<qint64>> EmbeddedClient::countTasks(const TaskFilter& filter)
{
    return m_engine.countTasks(filter);
}

QFuture<Result<QList<TaskLogEntry>>> EmbeddedClient::taskLog(const QString& id)
{
    return m_engine.taskLog(id);
}

QFuture<Result<QList<NodeInfo>>> EmbeddedClient::nodes()
{
    return m_engine.nodes();
}

QFuture<Result<QList<BatchRecord>>> EmbeddedClient::batches(int limit)
{
    return m_engine.batches({}, limit);
}

QFuture<Result<BatchRecord>> EmbeddedClient::cancelBatch(const QString& id)
{
    return m_engine.cancelBatch(id);
}

QFuture<Result<QByteArray>> EmbeddedClient::fileContent(const QString& id)
{
    return m_engine.fileContent(id);
}

QFuture<Result<QList<MinuteStats>>> EmbeddedClient::statsMinutes(const StatsQuery& query)
{
    return m_engine.statsMinutes(query);
}

QFuture<Result<ModelConfig>> EmbeddedClient::upsertModel(const ModelConfig& model)
{
    return m_engine.upsertModel(model);
}

QFuture<VoidResult> EmbeddedClient::removeModel(const QString& name)
{
    return m_engine.removeModel(name);
}

QFuture<VoidResult> EmbeddedClient::setModelPaused(const QString& name, bool paused)
{
    return m_engine.setModelPaused(name, paused);
}

QFuture<VoidResult> EmbeddedClient::setPaused(bool paused)
{
    return m_engine.setPaused(paused);
}

QFuture<Result<QList<EndpointTestResult>>> EmbeddedClient::testConnection(const ModelConfig& model)
{
    return m_engine.testConnection(model);
}

QFuture<VoidResult> EmbeddedClient::storeSecret(const QString& name, const QByteArray& value)
{
    return m_engine.storeSecret(name, value);
}

QFuture<Result<NewToken>> EmbeddedClient::createToken(const QString& name, Role role)
{
    return m_engine.createToken(name, role);
}

QFuture<Result<QList<ApiToken>>> EmbeddedClient::apiTokens()
{
    return m_engine.apiTokens();
}

QFuture<VoidResult> EmbeddedClient::revokeToken(const QString& id)
{
    return m_engine.revokeToken(id);
}

} // namespace llmsched
