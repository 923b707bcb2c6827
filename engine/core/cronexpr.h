#pragma once

#include "core/result.h"

#include <QList>
#include <QString>
#include <QTimeZone>

#include <optional>

namespace llmsched {

// A parsed cron expression: "m h dom mon dow" or, with seconds first, "s m h dom mon dow".
//
// Syntax: '*', numbers, ranges a-b, lists a,b,c, steps */n, a-b/n and a/n (a through the field's maximum),
// month names JAN-DEC and weekday names SUN-SAT (case-insensitive; 0 and 7 are both Sunday, and a weekday
// range may end in Sunday, e.g. FRI-SUN), macros @yearly @annually @monthly @weekly @daily @midnight @hourly.
// Step sizes must lie between 1 and the field's span (e.g. 1-60 for minutes).
//
// Day rule (Vixie cron): a day-of-month or day-of-week field is "unrestricted" when it starts with '*' (so
// "*/2" counts as unrestricted, as in Vixie cron). When both are restricted a day matches if EITHER field
// matches ("0 0 1 * MON" = the 1st of each month and every Monday); otherwise both must match.
//
// Time zones and daylight saving time. A daily job must neither be lost nor doubled by a DST switch, while
// interval jobs keep following real time. The hour field decides which kind a job is: it is "fixed" unless it
// starts with '*', so "0 2 * * *", "*/10 2 * * *" and "0 1-3 * * *" have fixed hours, "0 * * * *" and
// "0 */2 * * *" do not. (Debian's Vixie cron also counts a '*' minute field as wildcard; here only the hour counts.)
// - Fields are matched against local wall-clock time in the zone.
// - Spring forward (local times that do not exist, e.g. 02:00-02:59 on the day Europe/Berlin jumps from
//   02:00 to 03:00): a fixed-hour job with any match in the skipped range fires exactly once, at the instant
//   the gap ends (03:00 local), so the day is never silently skipped. A wildcard-hour job simply has no fire
//   times in the gap; its later matches are not shifted.
// - Fall back (local times that occur twice, e.g. 02:00-02:59 on the day Europe/Berlin goes from 03:00 back
//   to 02:00): a fixed-hour job fires only at the FIRST occurrence of each matching wall time; a wildcard-hour
//   job fires at both occurrences, because they are different real instants.
// Fire times are whole seconds; nextAfter() looks ahead about five years.
class CronExpr
{
public:
    // Matches nothing; obtain real expressions from parse().
    CronExpr() = default;

    // Errors are Error::invalid("cron", ...) with a message naming the field and value, e.g.
    // "minute field: 61 is out of range 0-59" or "expected 5 or 6 fields, got 4".
    static Result<CronExpr> parse(const QString& text);

    // The first fire time strictly after afterMs (UTC epoch ms), as UTC epoch ms; nullopt when there is none
    // within about five years (e.g. "0 0 30 2 *"), tz is invalid, or afterMs lies outside the years 1-9999.
    std::optional<qint64> nextAfter(qint64 afterMs, const QTimeZone& tz) const;
    // Up to n successive fire times after afterMs (fewer when the expression runs out within the horizon).
    QList<qint64> nextTimes(qint64 afterMs, const QTimeZone& tz, int n) const;

    QString text() const { return m_text; } // as given, trimmed
    bool hasSeconds() const { return m_hasSeconds; }

private:
    bool dayMatches(int month, int day, int weekday) const;
    // Seconds of the first matching time of day at or after secondOfDay, or -1.
    int firstTimeOfDay(int secondOfDay) const;
    // First matching local wall time (seconds since the local epoch) in [fromLocal, toLocal), or nullopt.
    std::optional<qint64> firstLocalMatch(qint64 fromLocal, qint64 toLocal) const;
    std::optional<qint64> nextAfterSecs(qint64 afterSecs, const QTimeZone& tz) const;

    // Bit i set = value i allowed.
    quint64 m_seconds = 0; // 0-59
    quint64 m_minutes = 0; // 0-59
    quint32 m_hours = 0; // 0-23
    quint32 m_daysOfMonth = 0; // 1-31
    quint16 m_months = 0; // 1-12
    quint8 m_weekdays = 0; // 0-6, Sunday = 0
    bool m_domStar = false;
    bool m_dowStar = false;
    bool m_hourStar = false;
    bool m_hasSeconds = false;
    QString m_text;
};

// Resolves an IANA zone name ("Europe/Berlin", "UTC"; empty means UTC).
// Error::invalid("timezone", "unknown time zone 'X'") when the name is unknown.
Result<QTimeZone> cronTimeZone(const QString& name);

} // namespace llmsched
