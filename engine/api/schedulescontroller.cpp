#include "schedulescontroller.h"

#include "apicall.h"
#include "engine.h"

#include "core/futures.h"
#include "core/httpstatus.h"
#include "core/timeutil.h"

#include <QJsonArray>
#include <QUrlQuery>

namespace llmsched {

namespace {

// The body as a schedule, or nothing (answered).
std::optional<ScheduleSpec> specOf(const CallPtr& c)
{
    auto body = c->body();
    if (!body)
        return std::nullopt;
    if (!body->isObject()) {
        c->answerError(http::UnprocessableEntity, QStringLiteral("invalid_argument"), QStringLiteral("must be a schedule object"), {});
        return std::nullopt;
    }
    auto spec = ScheduleSpec::fromJson(body->toObject());
    if (!spec) {
        c->answerError(spec.error());
        return std::nullopt;
    }
    return *spec;
}

} // namespace

SchedulesController::SchedulesController(ApiServer& server, Engine& engine)
    : ApiController(server, engine)
{
    addRoute("POST", QStringLiteral("/api/v1/schedules/preview"), Role::Viewer, Audit::No, [this](const CallPtr& c) { preview(c); });
    addRoute("POST", QStringLiteral("/api/v1/schedules"), Role::Operator, Audit::Yes, [this](const CallPtr& c) { create(c); });
    addRoute("GET", QStringLiteral("/api/v1/schedules"), Role::Viewer, Audit::No, [this](const CallPtr& c) { list(c); });
    addRoute("GET", QStringLiteral("/api/v1/schedules/{id}"), Role::Viewer, Audit::No, [this](const CallPtr& c) { get(c); });
    addRoute("PUT", QStringLiteral("/api/v1/schedules/{id}"), Role::Operator, Audit::Yes, [this](const CallPtr& c) { replace(c); });
    addRoute("DELETE", QStringLiteral("/api/v1/schedules/{id}"), Role::Operator, Audit::Yes, [this](const CallPtr& c) { remove(c); });
    addRoute("POST", QStringLiteral("/api/v1/schedules/{id}/pause"), Role::Operator, Audit::Yes, [this](const CallPtr& c) { pause(c, true); });
    addRoute("POST", QStringLiteral("/api/v1/schedules/{id}/resume"), Role::Operator, Audit::Yes, [this](const CallPtr& c) { pause(c, false); });
    addRoute("POST", QStringLiteral("/api/v1/schedules/{id}/run"), Role::Operator, Audit::Yes, [this](const CallPtr& c) { run(c); });
}

void SchedulesController::create(const CallPtr& c)
{
    auto spec = specOf(c);
    if (!spec)
        return;
    onResult(m_engine.createSchedule(std::move(*spec)), this, [c](const Result<QJsonObject>& r) {
        if (!r)
            return c->answerError(r.error());
        c->summary = QStringLiteral("created schedule %1").arg(r->value(QLatin1String("id")).toString());
        c->answerJson(http::Created, *r);
    });
}

void SchedulesController::list(const CallPtr& c)
{
    const auto limit = queryLimit(c, 100, 1000);
    if (!limit)
        return;
    DocQuery q;
    q.kind = kDocSchedule;
    q.limit = *limit;
    q.after = c->request.query.queryItemValue(QStringLiteral("after"));
    onResult(m_engine.schedules(q), this, [c](const Result<QJsonArray>& r) {
        if (!r)
            return c->answerError(r.error());
        c->answerJson(http::Ok, QJsonObject { { QStringLiteral("schedules"), *r } });
    });
}

void SchedulesController::get(const CallPtr& c)
{
    onResult(m_engine.schedule(c->param(0)), this, [c](const Result<QJsonObject>& r) { answerResult(c, r, [](const QJsonObject& o) { return o; }); });
}

void SchedulesController::replace(const CallPtr& c)
{
    auto spec = specOf(c);
    if (!spec)
        return;
    onResult(m_engine.replaceSchedule(c->param(0), std::move(*spec)), this, [c](const Result<QJsonObject>& r) {
        c->summary = QStringLiteral("replaced schedule %1").arg(c->param(0));
        answerResult(c, r, [](const QJsonObject& o) { return o; });
    });
}

void SchedulesController::remove(const CallPtr& c)
{
    onResult(m_engine.deleteSchedule(c->param(0)), this, [c](const VoidResult& r) {
        c->summary = QStringLiteral("deleted schedule %1").arg(c->param(0));
        answerNoContent(c, r);
    });
}

void SchedulesController::pause(const CallPtr& c, bool paused)
{
    onResult(m_engine.pauseSchedule(c->param(0), paused), this, [c, paused](const Result<QJsonObject>& r) {
        c->summary = QStringLiteral("%1 schedule %2").arg(paused ? QStringLiteral("paused") : QStringLiteral("resumed"), c->param(0));
        answerResult(c, r, [](const QJsonObject& o) { return o; });
    });
}

void SchedulesController::run(const CallPtr& c)
{
    onResult(m_engine.runSchedule(c->param(0)), this, [c](const Result<QJsonObject>& r) {
        c->summary = QStringLiteral("ran schedule %1").arg(c->param(0));
        answerResult(c, r, [](const QJsonObject& o) { return o; });
    });
}

void SchedulesController::preview(const CallPtr& c)
{
    auto body = c->body();
    if (!body)
        return;
    // Only the timing is needed: a placeholder target passes the check.
    QJsonObject o = body->toObject();
    const QJsonValue countValue = o.take(QLatin1String("count"));
    const int count = countValue.isUndefined() ? 5 : countValue.toInt(-1);
    if (count < 1 || count > 100)
        return c->answerError(
            http::UnprocessableEntity, QStringLiteral("invalid_argument"), QStringLiteral("must be an integer 1..100"), QStringLiteral("count"));
    if (!o.contains(QLatin1String("name")))
        o.insert(QStringLiteral("name"), QStringLiteral("preview"));
    if (!o.contains(QLatin1String("task")) && !o.contains(QLatin1String("workflow")))
        o.insert(QStringLiteral("task"),
            QJsonObject { { QStringLiteral("model"), QStringLiteral("preview") },
                { QStringLiteral("input"), QJsonObject { { QStringLiteral("prompt"), QStringLiteral("-") } } },
                { QStringLiteral("kind"), QStringLiteral("completion") } });
    auto spec = ScheduleSpec::fromJson(o);
    if (!spec)
        return c->answerError(spec.error());
    const qint64 now = nowMs();
    auto clock = ScheduleClock::of(*spec, now);
    if (!clock)
        return c->answerError(clock.error());
    QJsonArray times;
    for (qint64 t : clock->nextTimes(now, count))
        times.append(msToIso(t));
    c->answerJson(http::Ok, QJsonObject { { QStringLiteral("next_fire_times"), times }, { QStringLiteral("timezone"), spec->timezone } });
}

} // namespace llmsched
