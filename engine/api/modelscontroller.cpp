#include "modelscontroller.h"

#include "core/echolimits.h"

#include "core/httpstatus.h"

#include "core/wirejson.h"

#include "engine.h"

#include "core/jsonreader.h"
#include "core/futures.h"

#include <QJsonArray>

namespace llmsched {

namespace {
QJsonObject modelJson(const ModelConfig& config, const EngineSnapshot& s)
{
    QJsonObject o = config.toJson();
    for (const ModelSnapshot& m : s.models)
        if (m.name == config.name)
            o.insert(QStringLiteral("live"), modelLiveJson(m));
    return o;
}

// A request the engine refused as asked (a bad field, no such model or
// endpoint, a name taken) did nothing: its audit row carries no summary, as
// when the handler refuses it itself.
bool refusedAsAsked(const Error& e)
{
    return e.code == ErrorCode::InvalidArgument || e.code == ErrorCode::NotFound || e.code == ErrorCode::Conflict;
}
} // namespace

ModelsController::ModelsController(ApiServer& server, Engine& engine)
    : ApiController(server, engine)
{
    const QString model = QStringLiteral("/api/v1/models/{name}");
    const QString endpoint = QStringLiteral("/api/v1/models/{name}/endpoints/{endpoint}");
    addRoute("GET", QStringLiteral("/api/v1/models"), Role::Viewer, Audit::No, [this](const CallPtr& c) { listModels(c); });
    // A model's endpoints asked whether they answer, before it is saved (the
    // model editor's Test button). Admin: it sends the keys the model names.
    addRoute("POST", QStringLiteral("/api/v1/models/test"), Role::Admin, Audit::Yes, [this](const CallPtr& c) { testModel(c); });
    addRoute("POST", QStringLiteral("/api/v1/models"), Role::Admin, Audit::Yes, [this](const CallPtr& c) { putModel(c, true); });
    addRoute("GET", model, Role::Viewer, Audit::No, [this](const CallPtr& c) { getModel(c); });
    addRoute("PUT", model, Role::Admin, Audit::Yes, [this](const CallPtr& c) { putModel(c, false); });
    addRoute("DELETE", model, Role::Admin, Audit::Yes, [this](const CallPtr& c) { deleteModel(c); });
    addRoute("POST", model + QStringLiteral("/pause"), Role::Operator, Audit::Yes, [this](const CallPtr& c) { pauseModel(c, true); });
    addRoute("POST", model + QStringLiteral("/resume"), Role::Operator, Audit::Yes, [this](const CallPtr& c) { pauseModel(c, false); });
    addRoute("GET", model + QStringLiteral("/endpoints"), Role::Viewer, Audit::No, [this](const CallPtr& c) { listEndpoints(c); });
    addRoute("POST", model + QStringLiteral("/endpoints"), Role::Admin, Audit::Yes, [this](const CallPtr& c) { putEndpoint(c, true); });
    addRoute("GET", endpoint, Role::Viewer, Audit::No, [this](const CallPtr& c) { getEndpoint(c); });
    addRoute("PUT", endpoint, Role::Admin, Audit::Yes, [this](const CallPtr& c) { putEndpoint(c, false); });
    addRoute("DELETE", endpoint, Role::Admin, Audit::Yes, [this](const CallPtr& c) { deleteEndpoint(c); });
}

std::optional<ModelConfig> ModelsController::pathModel(const CallPtr& c) const
{
    auto m = m_engine.model(c->param(0));
    if (!m)
        c->answerError(http::NotFound, QStringLiteral("not_found"), QStringLiteral("no model named '%1'").arg(c->param(0).left(kEchoValueChars)));
    return m;
}

void ModelsController::listModels(const CallPtr& c)
{
    const auto s = m_engine.snapshot();
    QJsonArray out;
    for (const ModelConfig& m : m_engine.models())
        out.append(modelJson(m, *s));
    c->answerJson(http::Ok, QJsonObject { { QStringLiteral("models"), out } });
}

void ModelsController::getModel(const CallPtr& c)
{
    if (const auto m = pathModel(c))
        c->answerJson(http::Ok, modelJson(*m, *m_engine.snapshot()));
}

void ModelsController::putModel(const CallPtr& c, bool create)
{
    auto body = c->bodyObject();
    if (!body)
        return;
    QJsonObject json = *body;
    if (!create) {
        if (json.contains(QLatin1String("name")) && json.value(QLatin1String("name")).toString() != c->param(0))
            return c->answerError(http::UnprocessableEntity, QStringLiteral("invalid_argument"),
                QStringLiteral("differs from the name in the path; models are not renamed"), QStringLiteral("name"));
        json.insert(QStringLiteral("name"), c->param(0));
    }
    json.remove(QStringLiteral("live")); // what GET returned may be sent back
    auto config = ModelConfig::fromJson(json);
    if (!config)
        return c->answerError(config.error());
    const bool exists = m_engine.model(config->name).has_value();
    if (create && exists)
        return c->answerError(http::Conflict, QStringLiteral("conflict"),
            QStringLiteral("model '%1' exists; PUT /api/v1/models/%1 replaces it").arg(config->name), QStringLiteral("name"));
    c->summary = QStringLiteral("%1 model %2").arg(exists ? QStringLiteral("replaced") : QStringLiteral("created"), config->name);
    onResult(m_engine.upsertModel(*config), this, [this, c, exists](const Result<ModelConfig>& r) {
        answerResult(
            c, r, [this](const ModelConfig& m) { return modelJson(m, *m_engine.snapshot()); }, exists ? http::Ok : http::Created);
    });
}

void ModelsController::testModel(const CallPtr& c)
{
    auto body = c->bodyObject();
    if (!body)
        return;
    QJsonObject json = *body;
    json.remove(QStringLiteral("live"));
    auto config = ModelConfig::fromJson(json);
    if (!config)
        return c->answerError(config.error());
    c->summary = QStringLiteral("tested model %1").arg(config->name);
    onResult(m_engine.testConnection(*config), this, [c](const Result<QList<EndpointTestResult>>& r) {
        answerResult(c, r, [](const QList<EndpointTestResult>& results) {
            QJsonArray out;
            for (const EndpointTestResult& e : results)
                out.append(endpointTestJson(e));
            return QJsonObject { { QStringLiteral("results"), out } };
        });
    });
}

void ModelsController::deleteModel(const CallPtr& c)
{
    c->summary = QStringLiteral("deleted model %1").arg(c->param(0).left(kEchoValueChars));
    onResult(m_engine.removeModel(c->param(0)), this, [c](const VoidResult& r) { answerNoContent(c, r); });
}

void ModelsController::pauseModel(const CallPtr& c, bool pause)
{
    c->summary = QStringLiteral("%1 model %2").arg(pause ? QStringLiteral("paused") : QStringLiteral("resumed"), c->param(0).left(kEchoValueChars));
    onResult(m_engine.setModelPaused(c->param(0), pause), this, [c, pause](const VoidResult& r) {
        answerResult(c, r, [&c, pause] { return QJsonObject { { QStringLiteral("name"), c->param(0) }, { QStringLiteral("paused"), pause } }; });
    });
}

void ModelsController::listEndpoints(const CallPtr& c)
{
    const auto m = pathModel(c);
    if (!m)
        return;
    QJsonArray out;
    for (const EndpointConfig& e : m->endpoints)
        out.append(e.toJson());
    c->answerJson(http::Ok, QJsonObject { { QStringLiteral("endpoints"), out } });
}

void ModelsController::getEndpoint(const CallPtr& c)
{
    const auto m = pathModel(c);
    if (!m)
        return;
    for (const EndpointConfig& e : m->endpoints)
        if (e.name == c->param(1))
            return c->answerJson(http::Ok, e.toJson());
    c->answerError(http::NotFound, QStringLiteral("not_found"),
        QStringLiteral("model '%1' has no endpoint '%2'").arg(m->name, c->param(1).left(kEchoValueChars)));
}

void ModelsController::putEndpoint(const CallPtr& c, bool create)
{
    auto body = c->bodyObject();
    if (!body)
        return;
    const auto m = pathModel(c);
    if (!m)
        return;
    QJsonObject json = *body;
    if (!create) {
        if (json.contains(QLatin1String("name")) && json.value(QLatin1String("name")).toString() != c->param(1))
            return c->answerError(http::UnprocessableEntity, QStringLiteral("invalid_argument"), QStringLiteral("differs from the name in the path"),
                QStringLiteral("name"));
        json.insert(QStringLiteral("name"), c->param(1));
    }
    const QString name = json.value(QLatin1String("name")).toString();
    if (name.isEmpty())
        return c->answerError(http::UnprocessableEntity, QStringLiteral("invalid_argument"), QStringLiteral("is required"), QStringLiteral("name"));
    // The model as it stands decides the status (201 added, 200 replaced) and
    // names a bad field by the endpoint's place in the model
    // ("endpoints[2].weight"), as when the whole model is sent. A name taken
    // is a 409 whatever else the body holds, hence checked before the body is
    // read (Engine::upsertEndpoint checks it again, for other callers).
    qsizetype at = -1;
    for (qsizetype i = 0; i < m->endpoints.size(); ++i)
        if (m->endpoints.at(i).name == name)
            at = i;
    const bool existed = at >= 0;
    if (create && existed)
        return c->answerError(http::Conflict, QStringLiteral("conflict"),
            QStringLiteral("model '%1' already has an endpoint '%2'").arg(m->name, name), QStringLiteral("name"));
    ObjectReader reader(json, QStringLiteral("endpoints[%1]").arg(existed ? at : m->endpoints.size()));
    const EndpointConfig endpoint = EndpointConfig::read(reader);
    if (auto err = reader.finish())
        return c->answerError(*err);
    onResult(m_engine.upsertEndpoint(m->name, endpoint, create), this, [c, name, model = m->name, existed](const Result<ModelConfig>& r) {
        if (r || !refusedAsAsked(r.error()))
            c->summary = QStringLiteral("%1 endpoint %2 of %3").arg(existed ? QStringLiteral("replaced") : QStringLiteral("added"), name, model);
        if (!r)
            return c->answerError(r.error());
        for (const EndpointConfig& e : r->endpoints)
            if (e.name == name)
                return c->answerJson(existed ? http::Ok : http::Created, e.toJson());
        c->answerError(http::InternalServerError, QStringLiteral("internal"), QStringLiteral("the endpoint was not kept"));
    });
}

void ModelsController::deleteEndpoint(const CallPtr& c)
{
    onResult(m_engine.removeEndpoint(c->param(0), c->param(1)), this, [c](const Result<ModelConfig>& r) {
        if (r || !refusedAsAsked(r.error()))
            c->summary = QStringLiteral("removed endpoint %1 of %2").arg(c->param(1), c->param(0));
        answerNoContent(c, r);
    });
}

} // namespace llmsched
