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

// OpenAI's error shape, which the SDKs turn into their own exceptions; they
// retry a 429 or 503 after Retry-After.
void answerOpenAiError(const CallPtr& c, int status, const QString& type, const QString& message, const QString& param = {}, const QString& code = {})
{
    const QJsonObject error { { QStringLiteral("message"), message }, { QStringLiteral("type"), type },
        { QStringLiteral("param"), param.isEmpty() ? QJsonValue() : QJsonValue(param) },
        { QStringLiteral("code"), code.isEmpty() ? QJsonValue() : QJsonValue(code) } };
    HttpHeaders extra;
    if (status == http::TooManyRequests || status == http::ServiceUnavailable)
        extra.append({ QByteArrayLiteral("Retry-After"), QByteArrayLiteral("1") });
    c->answerJson(status, QJsonObject { { QStringLiteral("error"), error } }, extra);
}
} // namespace

OpenAiFacade::OpenAiFacade(ApiServer& server, Engine& engine)
    : ApiController(server, engine)
{
    // Straight from the engine thread to this one (one hop).
    connect(&engine, &Engine::taskDelta, this, &OpenAiFacade::onTaskDelta);
    connect(&engine, &Engine::taskFinished, this, &OpenAiFacade::onTaskFinished);
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
    if (!c->request.header("content-type").toLower().startsWith("application/json"))
        return answerOpenAiError(c, http::UnsupportedMediaType, QStringLiteral("invalid_request_error"),
            QStringLiteral("send the body as Content-Type: application/json"));
    QJsonParseError err {};
    const QJsonDocument doc = QJsonDocument::fromJson(c->request.body, &err);
    if (err.error != QJsonParseError::NoError || !doc.isObject())
        return answerOpenAiError(c, http::BadRequest, QStringLiteral("invalid_request_error"),
            QStringLiteral("the body is not a JSON object (%1 at offset %2)").arg(err.errorString()).arg(err.offset));
    const QJsonObject body = doc.object();
    const QString model = body.value(QLatin1String("model")).toString();
    if (model.isEmpty())
        return answerOpenAiError(c, http::BadRequest, QStringLiteral("invalid_request_error"), QStringLiteral("you must provide a model parameter"),
            QStringLiteral("model"));
    bool known = false;
    for (const ModelConfig& m : m_engine.models())
        known = known || m.name == model;
    if (!known)
        return answerOpenAiError(c, http::NotFound, QStringLiteral("invalid_request_error"),
            QStringLiteral("The model '%1' does not exist").arg(model.left(kEchoValueChars)), QStringLiteral("model"),
            QStringLiteral("model_not_found"));
    QJsonObject task { { QStringLiteral("model"), model }, { QStringLiteral("kind"), taskKindName(kind) }, { QStringLiteral("input"), body } };
    const QByteArray priority = c->request.header("x-priority");
    if (!priority.isEmpty()) {
        bool isNumber = false;
        const int p = priority.toInt(&isNumber);
        task.insert(QStringLiteral("priority"), isNumber ? QJsonValue(p) : QJsonValue(QString::fromLatin1(priority)));
    } else {
        task.insert(QStringLiteral("priority"), QStringLiteral("high"));
    }
    auto spec = TaskSpec::fromJson(task);
    if (!spec) {
        QString param = spec.error().field;
        if (param.startsWith(QLatin1String("input.")))
            param = param.mid(6);
        if (param == QLatin1String("priority"))
            param = QStringLiteral("X-Priority");
        return answerOpenAiError(c, http::BadRequest, QStringLiteral("invalid_request_error"), spec.error().message, param);
    }
    const bool stream = kind != TaskKind::Embedding && body.value(QLatin1String("stream")).toBool();
    ++m_submitting;
    onResult(m_engine.submit({ *spec }, true), this, [this, c, kind, stream](const Result<QList<SubmitOutcome>>& r) {
        --m_submitting;
        if (!r) {
            if (m_submitting == 0)
                m_early.clear();
            const int status = r.error().code == ErrorCode::CapacityExceeded ? http::TooManyRequests : httpStatusFor(r.error().code);
            return answerOpenAiError(
                c, status, status == http::TooManyRequests ? QStringLiteral("rate_limit_error") : QStringLiteral("server_error"), r.error().message);
        }
        const QString id = r->constFirst().id.toString();
        const Early early = m_early.take(id);
        if (m_submitting == 0)
            m_early.clear();
        if (!c->reply->connected()) {
            m_engine.cancel(id); // the client left while it was being queued
            return;
        }
        m_waits.insert(id, { c, kind, stream, false });
        c->reply->onDisconnect([this, id] {
            if (m_waits.remove(id))
                m_engine.cancel(id);
        });
        if (stream) {
            c->beginStream(http::Ok, QByteArrayLiteral("text/event-stream"), { { QByteArrayLiteral("X-Task-Id"), id.toLatin1() } });
        }
        for (const QByteArray& chunk : early.deltas)
            onTaskDelta(id, chunk);
        if (early.outcome)
            onTaskFinished(*early.outcome);
    });
}

void OpenAiFacade::onTaskDelta(const QString& id, const QByteArray& chunk)
{
    auto it = m_waits.find(id);
    if (it == m_waits.end()) {
        if (m_submitting > 0 && (m_early.size() < kMaxEarly || m_early.contains(id)))
            m_early[id].deltas.append(chunk);
        return;
    }
    if (!it->stream)
        return;
    it->sentDelta = true;
    it->call->reply->write("data: " + chunk + "\n\n");
}

void OpenAiFacade::onTaskFinished(const TaskOutcome& o)
{
    auto it = m_waits.find(o.id);
    if (it == m_waits.end()) {
        if (m_submitting > 0 && (m_early.size() < kMaxEarly || m_early.contains(o.id)))
            m_early[o.id].outcome = o;
        return;
    }
    const Wait w = *it;
    m_waits.erase(it);
    const CallPtr& c = w.call;
    if (w.stream) {
        if (o.state == TaskState::Succeeded) {
            if (!w.sentDelta)
                c->reply->write(chunksFromAnswer(o.output, w.kind));
        } else {
            const QString message = o.state == TaskState::Dead ? o.error
                : o.error.isEmpty()                            ? QStringLiteral("the task was cancelled")
                                                               : QStringLiteral("the task was cancelled: %1").arg(o.error);
            const QJsonObject error { { QStringLiteral("message"), message }, { QStringLiteral("type"), QStringLiteral("upstream_error") } };
            c->reply->write("data: " + QJsonDocument(QJsonObject { { QStringLiteral("error"), error } }).toJson(QJsonDocument::Compact) + "\n\n");
        }
        c->reply->write(QByteArrayLiteral("data: [DONE]\n\n"));
        c->reply->end();
        return;
    }
    if (o.state == TaskState::Succeeded)
        return c->answer(http::Ok, o.output, QByteArrayLiteral("application/json"), { { QByteArrayLiteral("X-Task-Id"), o.id.toLatin1() } });
    if (o.state == TaskState::Cancelled)
        return answerOpenAiError(
            c, http::ServiceUnavailable, QStringLiteral("server_error"), QStringLiteral("the task was cancelled: %1").arg(o.error));
    // Dead: the upstream's own 4xx goes back as is (the request's fault); anything else is a bad gateway.
    const bool callersFault = http::isClientError(o.httpStatus) && o.httpStatus != http::RequestTimeout && o.httpStatus != http::TooManyRequests;
    const int status = callersFault ? o.httpStatus : http::BadGateway;
    answerOpenAiError(c, status, status == http::BadGateway ? QStringLiteral("upstream_error") : QStringLiteral("invalid_request_error"), o.error);
}

} // namespace llmsched
