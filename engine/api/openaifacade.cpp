#include "openaifacade.h"

#include "core/echolimits.h"

#include "core/httpstatus.h"

#include "engine.h"
#include "core/futures.h"

#include <QJsonArray>
#include <QJsonDocument>

namespace llmsched {

namespace {
// A non-streaming answer turned into stream chunks, for upstreams (the
// simulated one) that answered at once.
QByteArray chunksFromAnswer(const QByteArray& output, TaskKind kind)
{
    const QJsonObject answer = QJsonDocument::fromJson(output).object();
    QByteArray out;
    const QString object = kind == TaskKind::Completion ? QStringLiteral("text_completion") : QStringLiteral("chat.completion.chunk");
    for (const QJsonValue& cv : answer.value(QLatin1String("choices")).toArray()) {
        const QJsonObject c = cv.toObject();
        QJsonObject choice { { QStringLiteral("index"), c.value(QLatin1String("index")) },
            { QStringLiteral("finish_reason"), c.value(QLatin1String("finish_reason")) } };
        if (kind == TaskKind::Completion)
            choice.insert(QStringLiteral("text"), c.value(QLatin1String("text")));
        else
            choice.insert(QStringLiteral("delta"), c.value(QLatin1String("message")));
        const QJsonObject chunk { { QStringLiteral("id"), answer.value(QLatin1String("id")) }, { QStringLiteral("object"), object },
            { QStringLiteral("created"), answer.value(QLatin1String("created")) }, { QStringLiteral("model"), answer.value(QLatin1String("model")) },
            { QStringLiteral("choices"), QJsonArray { choice } } };
        out += "data: " + QJsonDocument(chunk).toJson(QJsonDocument::Compact) + "\n\n";
    }
    if (answer.contains(QLatin1String("usage"))) {
        const QJsonObject chunk { { QStringLiteral("id"), answer.value(QLatin1String("id")) }, { QStringLiteral("object"), object },
            { QStringLiteral("model"), answer.value(QLatin1String("model")) }, { QStringLiteral("choices"), QJsonArray {} },
            { QStringLiteral("usage"), answer.value(QLatin1String("usage")) } };
        out += "data: " + QJsonDocument(chunk).toJson(QJsonDocument::Compact) + "\n\n";
    }
    return out;
}

} // namespace

OpenAiFacade::OpenAiFacade(ApiServer& server, Engine& engine, TaskWaiter& waiter)
    : ApiController(server, engine)
    , m_waiter(waiter)
{
    addRoute("GET", QStringLiteral("/v1/models"), Role::Viewer, Audit::No, [this](const CallPtr& c) { listModels(c); });
    addRoute("POST", QStringLiteral("/v1/chat/completions"), Role::Operator, Audit::No, [this](const CallPtr& c) { call(c, TaskKind::Chat); });
    addRoute("POST", QStringLiteral("/v1/completions"), Role::Operator, Audit::No, [this](const CallPtr& c) { call(c, TaskKind::Completion); });
    addRoute("POST", QStringLiteral("/v1/embeddings"), Role::Operator, Audit::No, [this](const CallPtr& c) { call(c, TaskKind::Embedding); });
}

void OpenAiFacade::listModels(const CallPtr& c)
{
    QJsonArray data;
    for (const ModelConfig& m : m_engine.models())
        data.append(QJsonObject { { QStringLiteral("id"), m.name }, { QStringLiteral("object"), QStringLiteral("model") },
            { QStringLiteral("created"), 0 }, { QStringLiteral("owned_by"), QStringLiteral("llm-scheduler") } });
    c->answerJson(http::Ok, QJsonObject { { QStringLiteral("object"), QStringLiteral("list") }, { QStringLiteral("data"), data } });
}

void OpenAiFacade::call(const CallPtr& c, TaskKind kind)
{
    const auto body = c->bodyObject();
    if (!body)
        return;
    const QString model = body->value(QLatin1String("model")).toString();
    if (model.isEmpty())
        return c->answerError(http::BadRequest, {}, QStringLiteral("you must provide a model parameter"), QStringLiteral("model"));
    if (!modelExists(m_engine, model))
        return c->answerError(http::NotFound, QStringLiteral("model_not_found"),
            QStringLiteral("The model '%1' does not exist").arg(model.left(kEchoValueChars)), QStringLiteral("model"));
    const auto spec = callTask(c, model, kind, *body);
    if (!spec)
        return;
    const bool stream = kind != TaskKind::Embedding && body->value(QLatin1String("stream")).toBool();
    auto sentDelta = std::make_shared<bool>(false); // the upstream streamed: its answer is already out
    TaskWaiter::Handlers h;
    h.refused = [c](const Error& e) { answerRefused(c, e); };
    if (stream) {
        h.queued = [c](const QString& id) {
            c->beginStream(http::Ok, QByteArrayLiteral("text/event-stream"), { { QByteArrayLiteral("X-Task-Id"), id.toLatin1() } });
        };
        h.delta = [c, sentDelta](const QByteArray& chunk) {
            *sentDelta = true;
            c->reply->write("data: " + chunk + "\n\n");
        };
    }
    h.finished = [c, kind, stream, sentDelta](const TaskOutcome& o) {
        if (stream) {
            if (o.state == TaskState::Succeeded) {
                if (!*sentDelta)
                    c->reply->write(chunksFromAnswer(o.output, kind));
            } else {
                const QJsonObject error { { QStringLiteral("message"), messageOf(o) }, { QStringLiteral("type"), QStringLiteral("upstream_error") } };
                c->reply->write("data: " + compactJson(QJsonObject { { QStringLiteral("error"), error } }) + "\n\n");
            }
            c->reply->write(QByteArrayLiteral("data: [DONE]\n\n"));
            c->reply->end();
            return;
        }
        if (o.state == TaskState::Succeeded)
            return c->answer(http::Ok, o.output, QByteArrayLiteral("application/json"), { { QByteArrayLiteral("X-Task-Id"), o.id.toLatin1() } });
        c->answerError(statusOf(o), {}, messageOf(o));
    };
    m_waiter.submit(c, *spec, std::move(h));
}

} // namespace llmsched
