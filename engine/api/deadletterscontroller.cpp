#include "deadletterscontroller.h"

#include "core/httpstatus.h"

#include "tasklist.h"

#include "engine.h"

#include "core/jsonreader.h"
#include "core/timeutil.h"
#include "core/futures.h"

namespace llmsched {

DeadLettersController::DeadLettersController(ApiServer& server, Engine& engine)
    : ApiController(server, engine)
{
    addRoute("GET", QStringLiteral("/api/v1/dead-letters"), Role::Viewer, Audit::No,
        [this](const CallPtr& c) { answerTaskList(this, m_engine, c, TaskListScope::DeadLetters); });
    addRoute("POST", QStringLiteral("/api/v1/dead-letters/requeue"), Role::Operator, Audit::Yes, [this](const CallPtr& c) { requeue(c); });
    addRoute("POST", QStringLiteral("/api/v1/dead-letters/purge"), Role::Operator, Audit::Yes, [this](const CallPtr& c) { purge(c); });
}

void DeadLettersController::requeue(const CallPtr& c)
{
    const auto body = c->optionalBodyObject();
    if (!body)
        return;
    ObjectReader r(*body);
    const QString model = r.string(QStringLiteral("model"), {}, 128);
    const int limit = static_cast<int>(r.integer(QStringLiteral("limit"), 10'000, 1, 10'000));
    if (auto err = r.finish())
        return c->answerError(*err);
    onResult(m_engine.requeueDead(model, limit), this, [c](const Result<qint64>& n) {
        if (n)
            c->summary = QStringLiteral("requeued %1 dead tasks").arg(*n);
        answerResult(c, n, [](qint64 count) { return QJsonObject { { QStringLiteral("requeued"), count } }; });
    });
}

void DeadLettersController::purge(const CallPtr& c)
{
    const auto body = c->optionalBodyObject();
    if (!body)
        return;
    ObjectReader r(*body);
    const QString model = r.string(QStringLiteral("model"), {}, 128);
    const QString olderThan = r.string(QStringLiteral("older_than"), {}, 64);
    if (auto err = r.finish())
        return c->answerError(*err);
    qint64 beforeMs = 0;
    if (!olderThan.isEmpty()) {
        auto ms = isoToMs(olderThan);
        if (!ms)
            return c->answerError(http::UnprocessableEntity, QStringLiteral("invalid_argument"), QStringLiteral("must be an ISO 8601 time"),
                QStringLiteral("older_than"));
        beforeMs = *ms;
    }
    onResult(m_engine.purge(TaskState::Dead, model, beforeMs), this, [c](const Result<qint64>& n) {
        if (n)
            c->summary = QStringLiteral("purged %1 dead tasks").arg(*n);
        answerResult(c, n, [](qint64 count) { return QJsonObject { { QStringLiteral("purged"), count } }; });
    });
}

} // namespace llmsched
