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

namespace {

template <typename T> QFuture<Result<T>> refused(Error e)
{
    return QtFuture::makeReadyFuture(Result<T>(std::move(e)));
}

// A future's value mapped by fn, or its error as it is.
template <typename T, typename U, typename F> QFuture<Result<T>> mapResult(QFuture<Result<U>> f, F&& fn)
{
    return f.then([fn = std::forward<F>(fn)](const Result<U>& r) -> Result<T> {
        if (!r)
            return r.error();
        return fn(*r);
    });
}

} // namespace

QFuture<Result<QJsonArray>> EmbeddedClient::workflows(int limit)
{
    return mapResult<QJsonArray>(m_engine.workflows(DocQuery { kDocWorkflow, {}, limit, {} }), [](const QList<WorkflowView>& views) {
        QJsonArray out;
        for (const WorkflowView& v : views)
            out.append(v.toJson(false));
        return out;
    });
}

QFuture<Result<QJsonObject>> EmbeddedClient::workflowGraph(const QString& id)
{
    return m_engine.workflowGraph(id);
}

QFuture<Result<QJsonObject>> EmbeddedClient::cancelWorkflow(const QString& id)
{
    return mapResult<QJsonObject>(m_engine.cancelWorkflow(id), [](const WorkflowView& v) { return v.toJson(false); });
}

QFuture<Result<QJsonArray>> EmbeddedClient::schedules()
{
    return m_engine.schedules(DocQuery { kDocSchedule, {}, 0, {} });
}

QFuture<Result<QJsonObject>> EmbeddedClient::saveSchedule(const QString& id, const QJsonObject& body)
{
    auto spec = ScheduleSpec::fromJson(body);
    if (!spec)
        return refused<QJsonObject>(spec.error());
    return id.isEmpty() ? m_engine.createSchedule(std::move(*spec)) : m_engine.replaceSchedule(id, std::move(*spec));
}

QFuture<VoidResult> EmbeddedClient::deleteSchedule(const QString& id)
{
    return m_engine.deleteSchedule(id);
}

QFuture<Result<QJsonObject>> EmbeddedClient::scheduleAction(const QString& id, ScheduleAction action)
{
    return action == ScheduleAction::Run ? m_engine.runSchedule(id) : m_engine.pauseSchedule(id, action == ScheduleAction::Pause);
}

QFuture<Result<QJsonArray>> EmbeddedClient::templates()
{
    return mapResult<QJsonArray>(m_engine.templates(DocQuery { kDocTemplate, {}, 0, {} }), [](const QList<StoredDoc>& docs) {
        QJsonArray out;
        for (const StoredDoc& d : docs) {
            QJsonObject t = templateJson(d);
            t.remove(QStringLiteral("body"));
            out.append(t);
        }
        return out;
    });
}

QFuture<Result<QJsonObject>> EmbeddedClient::templateVersion(const QString& name, int version)
{
    return mapResult<QJsonObject>(m_engine.templateDoc(name), [version](const StoredDoc& d) -> Result<QJsonObject> {
        if (!llmsched::templateVersion(d, version))
            return Error::notFound(QStringLiteral("template '%1' has no version %2").arg(d.id).arg(version));
        return templateJson(d, version);
    });
}

QFuture<Result<QJsonObject>> EmbeddedClient::putTemplate(const QJsonObject& body)
{
    const QString name = body.value(QLatin1String("name")).toString();
    if (auto problem = templateNameProblem(name))
        return refused<QJsonObject>(Error::invalid(QStringLiteral("name"), *problem));
    auto version = TemplateVersion::fromJson(body);
    if (!version)
        return refused<QJsonObject>(version.error());
    return mapResult<QJsonObject>(m_engine.putTemplate(name, std::move(*version)), [](const StoredDoc& d) { return templateJson(d); });
}

QFuture<VoidResult> EmbeddedClient::deleteTemplate(const QString& name)
{
    return m_engine.deleteTemplate(name);
}

QFuture<Result<QJsonObject>> EmbeddedClient::submitTemplate(const QString& name, const QJsonObject& values, int version)
{
    return mapResult<QJsonObject>(m_engine.submitFromTemplate(name, version, { TemplateRow { 1, values, {} } }, false, true),
        [](const TemplateSubmission& s) { return s.single; });
}

QFuture<Result<QJsonObject>> EmbeddedClient::submitTemplateRows(const QString& name, const QByteArray& content, bool csv, bool skipInvalid)
{
    // The rows are read where the template arrives (a reader thread): CSV
    // cells take the types of its variables.
    Engine* engine = &m_engine;
    return m_engine.templateDoc(name)
        .then([engine, name, content, csv, skipInvalid](const Result<StoredDoc>& d) -> QFuture<Result<TemplateSubmission>> {
            if (!d)
                return QtFuture::makeReadyFuture(Result<TemplateSubmission>(d.error()));
            const auto latest = llmsched::templateVersion(*d);
            if (!latest)
                return QtFuture::makeReadyFuture(
                    Result<TemplateSubmission>(Error::notFound(QStringLiteral("template '%1' has no versions").arg(name))));
            QList<TemplateRow> rows = csv ? templateRowsFromCsv(content, latest->variables) : templateRowsFromJsonl(content);
            return engine->submitFromTemplate(name, latest->version, std::move(rows), skipInvalid, false);
        })
        .unwrap()
        .then([](const Result<TemplateSubmission>& r) -> Result<QJsonObject> {
            if (!r)
                return r.error();
            return QJsonObject { { QStringLiteral("submitted"), r->submitted }, { QStringLiteral("errors"), r->errors },
                { QStringLiteral("refused"), r->refused } };
        });
}

QFuture<Result<QJsonArray>> EmbeddedClient::webhooks()
{
    return m_engine.webhooks();
}

QFuture<Result<QJsonObject>> EmbeddedClient::createWebhook(const QJsonObject& body)
{
    auto spec = WebhookSpec::fromJson(body);
    if (!spec)
        return refused<QJsonObject>(spec.error());
    return m_engine.createWebhook(std::move(*spec));
}

QFuture<VoidResult> EmbeddedClient::deleteWebhook(const QString& id)
{
    return m_engine.deleteWebhook(id);
}

QFuture<Result<QJsonObject>> EmbeddedClient::webhookAction(const QString& id, WebhookAction action)
{
    return action == WebhookAction::Ping ? m_engine.pingWebhook(id) : m_engine.pauseWebhook(id, action == WebhookAction::Pause);
}

QFuture<Result<QJsonArray>> EmbeddedClient::webhookDeliveries(const QString& id, const QString& status, int limit)
{
    return m_engine.webhookDeliveries(id, DocQuery { {}, status.isEmpty() ? QStringList() : QStringList { status }, limit, {} });
}

QFuture<Result<QJsonObject>> EmbeddedClient::webhookDelivery(const QString& id, const QString& deliveryId)
{
    return m_engine.webhookDelivery(id, deliveryId);
}

QFuture<Result<QJsonObject>> EmbeddedClient::redeliverWebhook(const QString& id, const QString& deliveryId)
{
    return m_engine.redeliverWebhook(id, deliveryId);
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
