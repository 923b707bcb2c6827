#include "responsesfacade.h"

#include "engine.h"
#include "core/echolimits.h"
#include "core/futures.h"
#include "core/httpstatus.h"
#include "core/responsesdialect.h"

#include <QJsonDocument>

namespace llmsched {

namespace {

const QString kApiLabel = QStringLiteral("api");
const QString kSettingsLabel = QStringLiteral("responses");
const QString kResponsesApi = QStringLiteral("responses");

QString responseIdOf(const QString& taskId)
{
    return QStringLiteral("resp_") + taskId;
}

// A stored task as a Response object.
QJsonObject responseOf(const Task& t)
{
    // Stored: the settings the request gave; the defaults are filled in here.
    const QString given = t.spec.labels.value(kSettingsLabel).toString();
    const QJsonObject settings = responses::settingsFrom(given.isEmpty() ? QJsonObject() : QJsonDocument::fromJson(given.toUtf8()).object());
    const QJsonObject input = QJsonDocument::fromJson(t.spec.input).object();
    QString status;
    switch (t.state) {
    case TaskState::Running:
        status = QStringLiteral("in_progress");
        break;
    case TaskState::Succeeded:
        status = QStringLiteral("completed");
        break;
    case TaskState::Dead:
        status = QStringLiteral("failed");
        break;
    case TaskState::Cancelled:
        status = QStringLiteral("cancelled");
        break;
    default:
        status = QStringLiteral("queued");
    }
    QJsonObject r = responses::shell(responseIdOf(t.id.toString()), t.createdMs / 1000, t.spec.model, status, settings, responses::toolsOf(input));
    if (t.state == TaskState::Succeeded)
        return responses::completed(r, QJsonDocument::fromJson(t.output).object());
    if (t.state == TaskState::Dead)
        return responses::failed(r, QStringLiteral("server_error"), t.error);
    return r;
}

} // namespace

ResponsesFacade::ResponsesFacade(ApiServer& server, Engine& engine, TaskWaiter& waiter)
    : ApiController(server, engine)
    , m_waiter(waiter)
{
    addRoute("POST", QStringLiteral("/v1/responses"), Role::Operator, Audit::No, [this](const CallPtr& c) { create(c); });
    addRoute("GET", QStringLiteral("/v1/responses/{id}"), Role::Viewer, Audit::No, [this](const CallPtr& c) { get(c); });
    addRoute("POST", QStringLiteral("/v1/responses/{id}/cancel"), Role::Operator, Audit::Yes, [this](const CallPtr& c) { cancel(c); });
}

void ResponsesFacade::withTask(const CallPtr& c, const QString& responseId, const QString& param, std::function<void(const Task&)> then)
{
    const auto notFound = [c, responseId, param] {
        c->answerError(http::NotFound, {}, QStringLiteral("No response found with id '%1'.").arg(responseId.left(kEchoValueChars)), param);
    };
    if (!responseId.startsWith(QLatin1String("resp_")) || !Ulid::fromString(QStringView(responseId).mid(5)))
        return notFound();
    onResult(m_engine.task(responseId.mid(5)), this, [c, notFound, then = std::move(then)](const Result<Task>& r) {
        if (!r && r.error().code != ErrorCode::NotFound)
            return c->answerError(r.error());
        if (!r || r->spec.labels.value(kApiLabel).toString() != kResponsesApi)
            return notFound();
        then(*r);
    });
}

void ResponsesFacade::create(const CallPtr& c)
{
    const auto body = c->bodyObject();
    if (!body)
        return;
    const QJsonValue previous = body->value(QLatin1String("previous_response_id"));
    if (!previous.isString() || previous.toString().isEmpty())
        return createAfter(c, *body, {});
    withTask(c, previous.toString(), QStringLiteral("previous_response_id"), [this, c, body = *body](const Task& t) {
        if (t.state != TaskState::Succeeded)
            return c->answerError(http::BadRequest, {},
                QStringLiteral("Previous response '%1' is %2, not completed: there is no answer to continue from.")
                    .arg(responseIdOf(t.id.toString()), taskStateName(t.state)),
                QStringLiteral("previous_response_id"));
        createAfter(c, body, responses::conversationOf(QJsonDocument::fromJson(t.spec.input).object(), QJsonDocument::fromJson(t.output).object()));
    });
}

void ResponsesFacade::createAfter(const CallPtr& c, const QJsonObject& body, const QJsonArray& earlier)
{
    const auto chat = responses::chatRequestFrom(body, earlier);
    if (!chat)
        return c->answerError(http::BadRequest, {}, chat.error().message, chat.error().field);
    const QString model = body.value(QLatin1String("model")).toString();
    if (!modelExists(m_engine, model))
        return c->answerError(http::NotFound, QStringLiteral("model_not_found"),
            QStringLiteral("The model '%1' does not exist").arg(model.left(kEchoValueChars)), QStringLiteral("model"));
    const bool stream = body.value(QLatin1String("stream")).toBool();
    const bool background = body.value(QLatin1String("background")).toBool();
    if (stream && background)
        return c->answerError(http::BadRequest, {},
            QStringLiteral("A background response cannot be streamed here: poll GET /v1/responses/{id} instead."), QStringLiteral("stream"));
    const QJsonObject settings = responses::settingsFrom(body);
    // The task keeps only the settings the request gave (most give none).
    QJsonObject given;
    for (auto it = settings.begin(); it != settings.end(); ++it)
        if (body.contains(it.key()))
            given.insert(it.key(), body.value(it.key()));
    QJsonObject labels { { kApiLabel, kResponsesApi } };
    if (!given.isEmpty())
        labels.insert(kSettingsLabel, QString::fromUtf8(compactJson(given)));
    const auto spec = callTask(c, model, TaskKind::Chat, *chat, labels);
    if (!spec)
        return;
    const QJsonArray tools = responses::toolsOf(*chat);
    const auto shellFor = [model, settings, tools](const QString& taskId, const QString& status) {
        return responses::shell(responseIdOf(taskId), QDateTime::currentSecsSinceEpoch(), model, status, settings, tools);
    };

    if (background) {
        // Answered once stored; the task runs without anyone waiting on this connection.
        return onResult(m_engine.submit({ *spec }), this, [c, shellFor](const Result<QList<SubmitOutcome>>& r) {
            if (!r)
                return answerRefused(c, r.error());
            c->answerJson(http::Ok, shellFor(r->constFirst().id.toString(), QStringLiteral("queued")));
        });
    }

    // The Response as it was queued (its created_at), streamed or completed from there.
    auto response = std::make_shared<QJsonObject>();
    TaskWaiter::Handlers h = translatedCall(
        c, stream, [response](const QString&) { return std::make_unique<responses::ResponseStream>(*response); },
        [response](const TaskOutcome& o) { return responses::completed(*response, QJsonDocument::fromJson(o.output).object()); });
    h.queued = [response, shellFor, beginStream = std::move(h.queued)](const QString& id) {
        *response = shellFor(id, QStringLiteral("in_progress"));
        if (beginStream)
            beginStream(id);
    };
    m_waiter.submit(c, *spec, std::move(h));
}

void ResponsesFacade::get(const CallPtr& c)
{
    withTask(c, c->param(0), {}, [c](const Task& t) { c->answerJson(http::Ok, responseOf(t)); });
}

void ResponsesFacade::cancel(const CallPtr& c)
{
    withTask(c, c->param(0), {}, [this, c](const Task& t) {
        c->summary = QStringLiteral("cancelled response %1").arg(c->param(0));
        onResult(m_engine.cancel(t.id.toString()), this, [this, c, id = t.id.toString()](const Result<TaskState>&) {
            // Whatever the cancel found (it may have finished first), the answer is the response as it is now.
            onResult(m_engine.task(id), this, [c](const Result<Task>& r) {
                if (!r)
                    return c->answerError(r.error());
                c->answerJson(http::Ok, responseOf(*r));
            });
        });
    });
}

} // namespace llmsched
