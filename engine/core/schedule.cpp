#include "schedule.h"

#include "jsonreader.h"
#include "task.h"
#include "timeutil.h"
#include "workflow.h"

#include <QJsonArray>

namespace llmsched {

Result<ScheduleSpec> ScheduleSpec::fromJson(const QJsonObject& json)
{
    ObjectReader r(json);
    ScheduleSpec s;
    s.name = r.requiredString(QStringLiteral("name"), 200);
    s.cron = r.string(QStringLiteral("cron"), {}, 200).trimmed();
    s.intervalMs = r.integer(QStringLiteral("interval_ms"), 0, 1000, 366 * kDayMs);
    s.timezone = r.string(QStringLiteral("timezone"), QStringLiteral("UTC"), 64);
    s.task = r.object(QStringLiteral("task"));
    s.workflow = r.object(QStringLiteral("workflow"));
    s.missed = r.string(QStringLiteral("missed"), QStringLiteral("skip"), 16);
    s.paused = r.boolean(QStringLiteral("paused"), false);
    if (auto err = r.finish())
        return *err;
    if (s.cron.isEmpty() == (s.intervalMs == 0))
        return Error::invalid(QStringLiteral("cron"), QStringLiteral("give either cron (e.g. \"0 3 * * *\") or interval_ms, not both"));
    if (!s.cron.isEmpty()) {
        auto c = CronExpr::parse(s.cron);
        if (!c)
            return c.error();
        auto z = cronTimeZone(s.timezone);
        if (!z)
            return z.error();
        if (!c->nextAfter(nowMs(), *z))
            return Error::invalid(QStringLiteral("cron"), QStringLiteral("'%1' never fires").arg(s.cron));
    }
    if (s.missed != QLatin1String("skip") && s.missed != QLatin1String("run_once"))
        return Error::invalid(QStringLiteral("missed"), QStringLiteral("must be skip or run_once"));
    if (s.task.isEmpty() == s.workflow.isEmpty())
        return Error::invalid(QStringLiteral("task"), QStringLiteral("give either task (a task to submit) or workflow (a workflow to submit)"));
    if (!s.task.isEmpty()) {
        auto t = TaskSpec::fromJson(s.task, QStringLiteral("task"));
        if (!t)
            return t.error();
    } else {
        auto w = WorkflowPlan::fromJson(s.workflow);
        if (!w) {
            Error e = w.error();
            e.field = e.field.isEmpty() ? QStringLiteral("workflow") : QStringLiteral("workflow.") + e.field;
            return e;
        }
    }
    return s;
}

QJsonObject ScheduleSpec::toJson() const
{
    QJsonObject o { { QStringLiteral("name"), name }, { QStringLiteral("timezone"), timezone }, { QStringLiteral("missed"), missed },
        { QStringLiteral("paused"), paused } };
    if (!cron.isEmpty())
        o.insert(QStringLiteral("cron"), cron);
    if (intervalMs > 0)
        o.insert(QStringLiteral("interval_ms"), intervalMs);
    if (!task.isEmpty())
        o.insert(QStringLiteral("task"), task);
    if (!workflow.isEmpty())
        o.insert(QStringLiteral("workflow"), workflow);
    return o;
}

Result<ScheduleClock> ScheduleClock::of(const ScheduleSpec& spec, qint64 anchorMs)
{
    ScheduleClock c;
    c.m_intervalMs = spec.intervalMs;
    c.m_anchorMs = anchorMs;
    if (!spec.cron.isEmpty()) {
        auto cron = CronExpr::parse(spec.cron);
        if (!cron)
            return cron.error();
        auto zone = cronTimeZone(spec.timezone);
        if (!zone)
            return zone.error();
        c.m_cron = *cron;
        c.m_zone = *zone;
    }
    return c;
}

std::optional<qint64> ScheduleClock::nextAfter(qint64 afterMs) const
{
    if (m_intervalMs > 0) {
        // On the grid anchor + k * interval: fire times do not drift with
        // late fires or restarts.
        if (afterMs < m_anchorMs)
            return m_anchorMs;
        return m_anchorMs + ((afterMs - m_anchorMs) / m_intervalMs + 1) * m_intervalMs;
    }
    return m_cron.nextAfter(afterMs, m_zone);
}

QList<qint64> ScheduleClock::nextTimes(qint64 afterMs, int n) const
{
    QList<qint64> out;
    qint64 t = afterMs;
    while (out.size() < n) {
        const auto next = nextAfter(t);
        if (!next)
            break;
        out.append(*next);
        t = *next;
    }
    return out;
}

QJsonObject scheduleJson(const StoredDoc& doc, qint64 now, int nextCount)
{
    const QJsonObject& d = doc.doc;
    QJsonObject o = d.value(QLatin1String("spec")).toObject();
    o.insert(QStringLiteral("id"), doc.id);
    o.insert(QStringLiteral("object"), QStringLiteral("schedule"));
    o.insert(QStringLiteral("state"), doc.status);
    o.insert(QStringLiteral("created_at"), msToIso(doc.createdMs));
    const auto time = [](qint64 ms) { return ms > 0 ? QJsonValue(msToIso(ms)) : QJsonValue(QJsonValue::Null); };
    o.insert(QStringLiteral("last_fire_at"), time(d.value(QLatin1String("last_fire_ms")).toInteger()));
    o.insert(QStringLiteral("last_result"), d.value(QLatin1String("last_result")).isObject() ? d.value(QLatin1String("last_result")) : QJsonValue());
    o.insert(QStringLiteral("fires"), d.value(QLatin1String("fires")).toInteger());
    o.insert(QStringLiteral("skipped"), d.value(QLatin1String("skipped")).toInteger());
    QJsonArray next;
    if (doc.status == QLatin1String("active")) {
        auto spec = ScheduleSpec::fromJson(d.value(QLatin1String("spec")).toObject());
        auto clock = spec ? ScheduleClock::of(*spec, doc.createdMs) : Result<ScheduleClock>(spec.error());
        if (clock) {
            const qint64 from = std::max(now, d.value(QLatin1String("last_fire_ms")).toInteger());
            for (qint64 t : clock->nextTimes(from, nextCount))
                next.append(msToIso(t));
        }
    }
    o.insert(QStringLiteral("next_fire_times"), next);
    return o;
}

} // namespace llmsched
