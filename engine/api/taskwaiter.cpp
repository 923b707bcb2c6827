#include "taskwaiter.h"

#include "engine.h"
#include "core/chatstream.h"
#include "core/echolimits.h"
#include "core/futures.h"
#include "core/httpstatus.h"

namespace llmsched {

TaskWaiter::TaskWaiter(Engine& engine, QObject* parent)
    : QObject(parent)
    , m_engine(engine)
{
    // Straight from the engine thread to this one (one hop).
    connect(&engine, &Engine::taskDelta, this, &TaskWaiter::onTaskDelta);
    connect(&engine, &Engine::taskFinished, this, &TaskWaiter::onTaskFinished);
}

void TaskWaiter::submit(const CallPtr& c, const TaskSpec& spec, Handlers handlers)
{
    ++m_submitting;
    onResult(m_engine.submit({ spec }, true), this, [this, c, handlers = std::move(handlers)](const Result<QList<SubmitOutcome>>& r) {
        --m_submitting;
        if (!r) {
            if (m_submitting == 0)
                m_early.clear();
            return handlers.refused(r.error());
        }
        const QString id = r->constFirst().id.toString();
        const Early early = m_early.take(id);
        if (m_submitting == 0)
            m_early.clear();
        if (!c->reply->connected()) {
            m_engine.cancel(id); // the client left while it was being queued
            return;
        }
        m_waits.insert(id, { c, handlers });
        c->reply->onDisconnect([this, id] {
            if (m_waits.remove(id))
                m_engine.cancel(id);
        });
        if (handlers.queued)
            handlers.queued(id);
        for (const QByteArray& chunk : early.deltas)
            onTaskDelta(id, chunk);
        if (early.outcome)
            onTaskFinished(*early.outcome);
    });
}

void TaskWaiter::onTaskDelta(const QString& id, const QByteArray& chunk)
{
    auto it = m_waits.find(id);
    if (it == m_waits.end()) {
        if (m_submitting > 0 && (m_early.size() < kMaxEarly || m_early.contains(id)))
            m_early[id].deltas.append(chunk);
        return;
    }
    if (it->handlers.delta)
        it->handlers.delta(chunk);
}

void TaskWaiter::onTaskFinished(const TaskOutcome& o)
{
    auto it = m_waits.find(o.id);
    if (it == m_waits.end()) {
        if (m_submitting > 0 && (m_early.size() < kMaxEarly || m_early.contains(o.id)))
            m_early[o.id].outcome = o;
        return;
    }
    const Handlers handlers = std::move(it->handlers);
    m_waits.erase(it);
    handlers.finished(o);
}

} // namespace llmsched

namespace llmsched {

bool modelExists(const Engine& engine, const QString& model)
{
    const QList<ModelConfig> models = engine.models();
    return std::any_of(models.begin(), models.end(), [&model](const ModelConfig& m) { return m.name == model; });
}

std::optional<TaskSpec> callTask(const CallPtr& c, const QString& model, TaskKind kind, const QJsonObject& input, const QJsonObject& labels)
{
    QJsonObject task { { QStringLiteral("model"), model }, { QStringLiteral("kind"), taskKindName(kind) }, { QStringLiteral("input"), input } };
    if (!labels.isEmpty())
        task.insert(QStringLiteral("labels"), labels);
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
        c->answerError(http::BadRequest, QStringLiteral("invalid_request"), spec.error().message, param);
        return std::nullopt;
    }
    return *spec;
}

void answerRefused(const CallPtr& c, const Error& e)
{
    const int status = e.code == ErrorCode::CapacityExceeded ? http::TooManyRequests : httpStatusFor(e.code);
    HttpHeaders extra;
    if (status == http::TooManyRequests || status == http::ServiceUnavailable)
        extra.append({ QByteArrayLiteral("Retry-After"), QByteArrayLiteral("1") });
    c->answerError(status, errorCodeName(e.code), e.message, e.field, extra);
}

int statusOf(const TaskOutcome& o)
{
    if (o.state == TaskState::Cancelled)
        return http::ServiceUnavailable;
    const bool callersFault = http::isClientError(o.httpStatus) && o.httpStatus != http::RequestTimeout && o.httpStatus != http::TooManyRequests;
    return callersFault ? o.httpStatus : http::BadGateway;
}

TaskWaiter::Handlers translatedCall(const CallPtr& c, bool stream,
    std::function<std::unique_ptr<ChatStreamTranslator>(const QString& taskId)> makeStream,
    std::function<QJsonObject(const TaskOutcome& outcome)> whole)
{
    TaskWaiter::Handlers h;
    h.refused = [c](const Error& e) { answerRefused(c, e); };
    auto translator = std::make_shared<std::unique_ptr<ChatStreamTranslator>>();
    if (stream) {
        h.queued = [c, translator, makeStream = std::move(makeStream)](const QString& id) {
            *translator = makeStream(id);
            c->beginStream(http::Ok, QByteArrayLiteral("text/event-stream"), { { QByteArrayLiteral("X-Task-Id"), id.toLatin1() } });
            c->reply->write((*translator)->start());
        };
        h.delta = [c, translator](const QByteArray& chunk) { c->reply->write((*translator)->chunk(chunk)); };
    }
    h.finished = [c, translator, whole = std::move(whole)](const TaskOutcome& o) {
        if (*translator) {
            c->reply->write(o.state == TaskState::Succeeded ? (*translator)->finish(o.output) : (*translator)->fail(statusOf(o), messageOf(o)));
            c->reply->end();
            return;
        }
        if (o.state != TaskState::Succeeded)
            return c->answerError(statusOf(o), {}, messageOf(o));
        c->answerJson(http::Ok, whole(o), { { QByteArrayLiteral("X-Task-Id"), o.id.toLatin1() } });
    };
    return h;
}

QString messageOf(const TaskOutcome& o)
{
    if (o.state == TaskState::Cancelled)
        return o.error.isEmpty() ? QStringLiteral("the task was cancelled") : QStringLiteral("the task was cancelled: %1").arg(o.error);
    return o.error;
}

} // namespace llmsched
