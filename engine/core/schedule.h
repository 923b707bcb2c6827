#pragma once

#include "cronexpr.h"
#include "documents.h"
#include "result.h"

#include <QJsonObject>
#include <QTimeZone>

#include <optional>

namespace llmsched {

inline constexpr QLatin1String kDocSchedule("schedule");

// A schedule (POST /api/v1/schedules, docs/workflows.md): a cron expression
// in a time zone, or a fixed interval, that submits a task or a workflow.
struct ScheduleSpec
{
    QString name;
    QString cron; // 5 fields, or 6 with seconds first; empty when interval
    qint64 intervalMs = 0; // every this long, counted from anchorMs
    QString timezone = QStringLiteral("UTC");
    QJsonObject task; // a body of POST /api/v1/tasks, or
    QJsonObject workflow; // a body of POST /api/v1/workflows
    // After the engine was stopped past a fire time: "skip" (the next one
    // after now) or "run_once" (one run now for all that were missed).
    QString missed = QStringLiteral("skip");
    bool paused = false;

    // Checks everything a fire needs: the cron or interval, the zone, the
    // target (read as its route would read it). Errors name the field.
    static Result<ScheduleSpec> fromJson(const QJsonObject& json);
    QJsonObject toJson() const;
};

// A schedule ready to compute its fire times.
class ScheduleClock
{
public:
    static Result<ScheduleClock> of(const ScheduleSpec& spec, qint64 anchorMs);
    // The first fire time strictly after afterMs; nullopt when none comes.
    std::optional<qint64> nextAfter(qint64 afterMs) const;
    QList<qint64> nextTimes(qint64 afterMs, int n) const;

private:
    CronExpr m_cron;
    QTimeZone m_zone;
    qint64 m_intervalMs = 0;
    qint64 m_anchorMs = 0;
};

// What the API shows of a stored schedule: its spec, state, the last fire and
// its result, and the next fire times (n of them, from nowMs).
QJsonObject scheduleJson(const StoredDoc& doc, qint64 nowMs, int nextCount = 5);

} // namespace llmsched
