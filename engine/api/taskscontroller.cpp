#include "taskscontroller.h"

#include "core/echolimits.h"

#include "core/httpstatus.h"

#include "tasklist.h"

#include "engine.h"

#include "core/jsonreader.h"
#include "core/futures.h"

#include <QJsonArray>

namespace llmsched {

namespace {
constexpr int kMaxBatch = 10'000;

// What cancel and retry answer: the id as the engine spells it, and the state it left the task in.
QJsonObject taskStateJson(const CallPtr& c, TaskState state)
{
    return { { QStringLiteral("id"), c->param(0).trimmed().toUpper() }, { QStringLiteral("state"), taskStateName(state) } };
}
} // namespace

TasksController::TasksController(ApiServer& server, Engine& engine)
    : ApiController(server, engine)
{
    addRoute("POST", QStringLiteral("/api/v1/tasks"), Role::Operator, Audit::Yes, [this](const CallPtr& c) { submitTasks(c); });
    addRoute("GET", QStringLiteral("/api/v1/tasks"), Role::Viewer, Audit::No,
        [this](const CallPtr& c) { answerTaskList(this, m_engine, c, TaskListScope::AnyState); });
    // Before /tasks/{id}: the first route that matches takes the request.
    addRoute("GET", QStringLiteral("/api/v1/tasks/count"), Role::Viewer, Audit::No, [this](const CallPtr& c) { answerTaskCount(this, m_engine, c); });
    addRoute("GET", QStringLiteral("/api/v1/tasks/{id}"), Role::Viewer, Audit::No, [this](const CallPtr& c) { getTask(c); });
    addRoute("DELETE", QStringLiteral("/api/v1/tasks/{id}"), Role::Operator, Audit::Yes, [this](const CallPtr& c) { cancelTask(c); });
    addRoute("PATCH", QStringLiteral("/api/v1/tasks/{id}"), Role::Operator, Audit::Yes, [this](const CallPtr& c) { patchTask(c); });
    addRoute("POST", QStringLiteral("/api/v1/tasks/{id}/retry"), Role::Operator, Audit::Yes, [this](const CallPtr& c) { retryTask(c); });
    addRoute("GET", QStringLiteral("/api/v1/tasks/{id}/log"), Role::Viewer, Audit::No, [this](const CallPtr& c) { taskLog(c); });
}

void TasksController::submitTasks(const CallPtr& c)
{
    auto body = c->body();
    if (!body)
        return;
    QJsonArray items;
    bool single = false;
    if (body->isArray()) {
        items = body->toArray();
    } else if (body->toObject().contains(QLatin1String("tasks")) && body->toObject().size() == 1) {
        if (!body->toObject().value(QLatin1String("tasks")).isArray())
            return c->answerError(
                http::UnprocessableEntity, QStringLiteral("invalid_argument"), QStringLiteral("must be an array of tasks"), QStringLiteral("tasks"));
        items = body->toObject().value(QLatin1String("tasks")).toArray();
    } else {
        items.append(*body);
        single = true;
    }
    if (items.isEmpty())
        return c->answerError(
            http::UnprocessableEntity, QStringLiteral("invalid_argument"), QStringLiteral("must hold at least one task"), QStringLiteral("tasks"));
    if (items.size() > kMaxBatch)
        return c->answerError(http::PayloadTooLarge, QStringLiteral("payload_too_large"),
            QStringLiteral("at most %1 tasks per request; send %2 in several").arg(kMaxBatch).arg(items.size()), QStringLiteral("tasks"));
    QList<TaskSpec> specs;
    specs.reserve(items.size());
    for (qsizetype i = 0; i < items.size(); ++i) {
        const QString prefix = single ? QString() : QStringLiteral("tasks[%1]").arg(i);
        if (!items.at(i).isObject())
            return c->answerError(http::UnprocessableEntity, QStringLiteral("invalid_argument"), QStringLiteral("must be a task object"),
                single ? QStringLiteral("task") : prefix);
        auto spec = TaskSpec::fromJson(items.at(i).toObject(), prefix);
        if (!spec)
            return c->answerError(spec.error());
        specs.append(std::move(*spec));
    }
    // The Idempotency-Key header (the IETF draft's name, as Stripe's API uses
    // it) keys a single-task submit the way the body's idempotency_key does.
    if (const QByteArray key = c->request.header("idempotency-key"); !key.isEmpty()) {
        const QString field = QStringLiteral("Idempotency-Key");
        if (!single)
            return c->answerError(http::UnprocessableEntity, QStringLiteral("invalid_argument"),
                QStringLiteral("applies to a single task; give each task of a batch its idempotency_key"), field);
        const QString text = QString::fromUtf8(key);
        if (text.size() > kMaxIdempotencyKeyChars)
            return c->answerError(http::UnprocessableEntity, QStringLiteral("invalid_argument"),
                QStringLiteral("must be at most %1 characters").arg(kMaxIdempotencyKeyChars), field);
        TaskSpec& spec = specs.first();
        if (!spec.idempotencyKey.isEmpty() && spec.idempotencyKey != text)
            return c->answerError(
                http::UnprocessableEntity, QStringLiteral("invalid_argument"), QStringLiteral("differs from the body's idempotency_key"), field);
        spec.idempotencyKey = text;
    }
    c->summary = QStringLiteral("submitted %1 task(s)").arg(specs.size());
    if (m_submits.empty())
        QMetaObject::invokeMethod(this, &TasksController::flushSubmits, Qt::QueuedConnection);
    m_submits.push_back({ c, single });
    m_submitSpecs.append(std::move(specs));
}

void TasksController::flushSubmits()
{
    if (m_submits.empty())
        return;
    std::vector<PendingSubmit> calls = std::move(m_submits);
    m_submits = {};
    onResult(
        m_engine.submitEach(std::exchange(m_submitSpecs, {})), this, [calls = std::move(calls)](const QList<Result<QList<SubmitOutcome>>>& results) {
            for (size_t i = 0; i < calls.size(); ++i) {
                const CallPtr& c = calls[i].call;
                const Result<QList<SubmitOutcome>>& r = results.at(static_cast<qsizetype>(i));
                if (!r) {
                    c->answerError(r.error());
                    continue;
                }
                // Written by hand: a thousand outcomes through QJsonObject and
                // toJson took a third of the REST thread's time for batch submits.
                const auto append = [](QByteArray& out, const SubmitOutcome& o) {
                    out += "{\"id\":\"";
                    o.id.appendTo(out);
                    out += "\",\"state\":\"";
                    out += taskStateKey(o.state);
                    out += o.duplicate ? "\",\"duplicate\":true}" : "\",\"duplicate\":false}";
                };
                QByteArray out;
                if (calls[i].single) {
                    const SubmitOutcome& o = r->constFirst();
                    append(out, o);
                    c->answer(o.duplicate ? http::Ok : http::Created, out);
                    continue;
                }
                out.reserve(16 + r->size() * 72);
                out += "{\"tasks\":[";
                bool allDuplicates = true;
                for (const SubmitOutcome& o : *r) {
                    if (&o != &r->constFirst())
                        out += ',';
                    append(out, o);
                    allDuplicates = allDuplicates && o.duplicate;
                }
                out += "]}";
                c->answer(allDuplicates ? http::Ok : http::Created, out);
            }
        });
}

void TasksController::getTask(const CallPtr& c)
{
    onResult(m_engine.task(c->param(0)), this, [c](const Result<Task>& r) { answerResult(c, r, [](const Task& t) { return t.toJson(true); }); });
}

void TasksController::cancelTask(const CallPtr& c)
{
    c->summary = QStringLiteral("cancel %1").arg(c->param(0).left(kEchoIdChars));
    onResult(m_engine.cancel(c->param(0)), this,
        [c](const Result<TaskState>& r) { answerResult(c, r, [&c](TaskState state) { return taskStateJson(c, state); }); });
}

void TasksController::patchTask(const CallPtr& c)
{
    auto body = c->bodyObject();
    if (!body)
        return;
    ObjectReader r(*body);
    if (!r.has(QStringLiteral("priority")))
        r.fail(QStringLiteral("priority"), QStringLiteral("is required (the only field that can change)"));
    const int priority = static_cast<int>(r.integer(QStringLiteral("priority"), 0, kMinPriority, kMaxPriority));
    if (auto err = r.finish())
        return c->answerError(*err);
    c->summary = QStringLiteral("priority of %1 -> %2").arg(c->param(0).left(kEchoIdChars)).arg(priority);
    onResult(m_engine.setPriority(c->param(0), priority), this, [c, priority](const VoidResult& res) {
        answerResult(c, res, [&c, priority] {
            return QJsonObject { { QStringLiteral("id"), c->param(0).trimmed().toUpper() }, { QStringLiteral("priority"), priority } };
        });
    });
}

void TasksController::retryTask(const CallPtr& c)
{
    c->summary = QStringLiteral("retry %1").arg(c->param(0).left(kEchoIdChars));
    onResult(m_engine.retry(c->param(0)), this,
        [c](const Result<TaskState>& r) { answerResult(c, r, [&c](TaskState state) { return taskStateJson(c, state); }); });
}

void TasksController::taskLog(const CallPtr& c)
{
    onResult(m_engine.taskLog(c->param(0)), this, [c](const Result<QList<TaskLogEntry>>& r) {
        answerResult(c, r, [](const QList<TaskLogEntry>& entries) {
            QJsonArray out;
            for (const TaskLogEntry& e : entries)
                out.append(e.toJson());
            return QJsonObject { { QStringLiteral("log"), out } };
        });
    });
}

} // namespace llmsched
