#include "anthropicfacade.h"

#include "core/anthropicdialect.h"
#include "core/echolimits.h"
#include "core/httpstatus.h"

#include <QJsonDocument>

namespace llmsched {

AnthropicFacade::AnthropicFacade(ApiServer& server, Engine& engine, TaskWaiter& waiter)
    : ApiController(server, engine)
    , m_waiter(waiter)
{
    addRoute("POST", QStringLiteral("/v1/messages"), Role::Operator, Audit::No, [this](const CallPtr& c) { createMessage(c); });
}

void AnthropicFacade::createMessage(const CallPtr& c)
{
    const auto body = c->bodyObject();
    if (!body)
        return;
    const auto chat = anthropic::chatRequestFrom(*body);
    if (!chat)
        return c->answerError(http::BadRequest, {}, chat.error().message, chat.error().field);
    const QString model = body->value(QLatin1String("model")).toString();
    if (!modelExists(m_engine, model))
        return c->answerError(http::NotFound, {}, QStringLiteral("model: %1").arg(model.left(kEchoValueChars)), QStringLiteral("model"));
    const auto spec = callTask(c, model, TaskKind::Chat, *chat, { { QStringLiteral("api"), QStringLiteral("messages") } });
    if (!spec)
        return;
    const bool stream = body->value(QLatin1String("stream")).toBool();
    TaskWaiter::Handlers h;
    h.refused = [c](const Error& e) { answerRefused(c, e); };
    auto translator = std::make_shared<std::unique_ptr<anthropic::MessageStream>>();
    if (stream) {
        h.queued = [c, translator, model](const QString& id) {
            *translator = std::make_unique<anthropic::MessageStream>(QStringLiteral("msg_") + id, model);
            c->beginStream(http::Ok, QByteArrayLiteral("text/event-stream"), { { QByteArrayLiteral("X-Task-Id"), id.toLatin1() } });
            c->reply->write((*translator)->start());
        };
        h.delta = [c, translator](const QByteArray& chunk) { c->reply->write((*translator)->chunk(chunk)); };
    }
    h.finished = [c, translator, model](const TaskOutcome& o) {
        if (*translator) {
            c->reply->write(o.state == TaskState::Succeeded ? (*translator)->finish(o.output) : (*translator)->fail(statusOf(o), messageOf(o)));
            c->reply->end();
            return;
        }
        if (o.state != TaskState::Succeeded)
            return c->answerError(statusOf(o), {}, messageOf(o));
        QJsonObject message = anthropic::messageFrom(QJsonDocument::fromJson(o.output).object(), model);
        message.insert(QStringLiteral("id"), QString(QStringLiteral("msg_") + o.id));
        c->answerJson(http::Ok, message, { { QByteArrayLiteral("X-Task-Id"), o.id.toLatin1() } });
    };
    m_waiter.submit(c, *spec, std::move(h));
}

} // namespace llmsched
