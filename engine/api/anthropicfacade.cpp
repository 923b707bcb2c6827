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
    m_waiter.submit(c, *spec,
        translatedCall(
            c, stream, [model](const QString& id) { return std::make_unique<anthropic::MessageStream>(QStringLiteral("msg_") + id, model); },
            [model](const TaskOutcome& o) {
                QJsonObject message = anthropic::messageFrom(QJsonDocument::fromJson(o.output).object(), model);
                message.insert(QStringLiteral("id"), QString(QStringLiteral("msg_") + o.id));
                return message;
            }));
}

} // namespace llmsched
