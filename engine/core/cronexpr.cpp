#include "cronexpr.h"

#include <QDateTime>

#include <algorithm>
#include <bit>
#include <limits>

namespace llmsched {

namespace {

constexpr qint64 kSecsPerDay = 86400;
// "About five years": enough for every expression that fires at least once a year; leap-day-only
// expressions are found whenever a 29 February lies within the window.
constexpr qint64 kHorizonSecs = (5 * 365 + 2) * kSecsPerDay;
// Open segment ends; far from the qint64 limits so adding offsets cannot overflow.
constexpr qint64 kNoStart = std::numeric_limits<qint64>::min() / 4;
constexpr qint64 kNoEnd = std::numeric_limits<qint64>::max() / 4;
// Supported afterMs range, 0001-01-01 to 9999-12-31 UTC: keeps the millisecond arithmetic far from overflow.
constexpr qint64 kMinAfterMs = -62135596800LL * 1000;
constexpr qint64 kMaxAfterMs = 253402300799LL * 1000;

const char* const kMonthNames[] = { "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC" };
const char* const kWeekdayNames[] = { "SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT" };

struct FieldSpec
{
    const char* name;
    int min;
    int max;
    const char* const* names; // nullptr, or names for min..min+count-1
    int nameCount;
    const char* expected; // for "not a valid value" messages
};

const FieldSpec kSecondField { "second", 0, 59, nullptr, 0, "a number 0-59" };
const FieldSpec kMinuteField { "minute", 0, 59, nullptr, 0, "a number 0-59" };
const FieldSpec kHourField { "hour", 0, 23, nullptr, 0, "a number 0-23" };
const FieldSpec kDayOfMonthField { "day-of-month", 1, 31, nullptr, 0, "a number 1-31" };
const FieldSpec kMonthField { "month", 1, 12, kMonthNames, 12, "a number 1-12 or JAN-DEC" };
// 7 is accepted as a second Sunday and folded onto 0 after parsing.
const FieldSpec kWeekdayField { "day-of-week", 0, 7, kWeekdayNames, 7, "a number 0-7 or SUN-SAT" };

Error fieldError(const FieldSpec& spec, const QString& message)
{
    return Error::invalid(QStringLiteral("cron"), QStringLiteral("%1 field: %2").arg(QLatin1String(spec.name), message));
}

bool isAsciiDigits(QStringView s)
{
    return !s.isEmpty() && std::all_of(s.begin(), s.end(), [](QChar c) { return c >= QLatin1Char('0') && c <= QLatin1Char('9'); });
}

Result<int> parseValue(QStringView token, const FieldSpec& spec)
{
    if (isAsciiDigits(token)) {
        bool ok = false;
        const int v = token.toInt(&ok);
        if (!ok || v < spec.min || v > spec.max)
            return fieldError(spec, QStringLiteral("%1 is out of range %2-%3").arg(token).arg(spec.min).arg(spec.max));
        return v;
    }
    for (int i = 0; i < spec.nameCount; ++i) {
        if (token.compare(QLatin1String(spec.names[i]), Qt::CaseInsensitive) == 0)
            return spec.min + i;
    }
    return fieldError(spec, QStringLiteral("'%1' is not a valid value (expected %2)").arg(token, QLatin1String(spec.expected)));
}

// One comma-separated item: "*", "a", "a-b", each optionally followed by "/step".
Result<quint64> parseItem(QStringView item, const FieldSpec& spec)
{
    QStringView base = item;
    int step = 1;
    bool hasStep = false;
    if (const qsizetype slash = item.indexOf(QLatin1Char('/')); slash >= 0) {
        base = item.left(slash);
        const QStringView stepText = item.mid(slash + 1);
        if (!isAsciiDigits(stepText))
            return fieldError(spec, QStringLiteral("step '%1' in '%2' is not a number").arg(stepText, item));
        const int span = spec.max - spec.min + 1;
        bool ok = false;
        step = stepText.toInt(&ok);
        if (!ok || step < 1 || step > span)
            return fieldError(spec, QStringLiteral("step %1 in '%2' is out of range 1-%3").arg(stepText, item).arg(span));
        hasStep = true;
    }
    if (base.isEmpty())
        return fieldError(spec, QStringLiteral("'%1' has no value before the step").arg(item));

    int lo = spec.min;
    int hi = spec.max;
    if (base != QLatin1String("*")) {
        const qsizetype dash = base.indexOf(QLatin1Char('-'));
        if (dash >= 0 && (dash == 0 || dash == base.size() - 1 || base.indexOf(QLatin1Char('-'), dash + 1) >= 0))
            return fieldError(spec, QStringLiteral("'%1' is not a valid range").arg(base));
        const auto first = parseValue(dash >= 0 ? base.left(dash) : base, spec);
        if (!first)
            return first.error();
        lo = *first;
        if (dash >= 0) {
            const auto last = parseValue(base.mid(dash + 1), spec);
            if (!last)
                return last.error();
            hi = *last;
            // "FRI-SUN": Sunday written as 0 ends a weekday range as if it were 7.
            if (&spec == &kWeekdayField && hi == 0 && lo > 0)
                hi = 7;
            if (lo > hi)
                return fieldError(spec, QStringLiteral("range %1 is reversed (the start must not exceed the end)").arg(base));
        } else if (!hasStep) {
            hi = lo; // a plain value; "a/n" instead runs from a to the field's maximum
        }
    }
    quint64 mask = 0;
    for (int v = lo; v <= hi; v += step)
        mask |= quint64(1) << v;
    return mask;
}

Result<quint64> parseField(const QString& text, const FieldSpec& spec)
{
    quint64 mask = 0;
    for (const QStringView item : QStringView(text).split(QLatin1Char(','))) {
        if (item.isEmpty())
            return fieldError(spec, QStringLiteral("empty list item in '%1'").arg(text));
        const auto bits = parseItem(item, spec);
        if (!bits)
            return bits.error();
        mask |= *bits;
    }
    return mask;
}

std::optional<QString> expandMacro(const QString& macro)
{
    const QString m = macro.toLower();
    if (m == QLatin1String("@yearly") || m == QLatin1String("@annually"))
        return QStringLiteral("0 0 1 1 *");
    if (m == QLatin1String("@monthly"))
        return QStringLiteral("0 0 1 * *");
    if (m == QLatin1String("@weekly"))
        return QStringLiteral("0 0 * * 0");
    if (m == QLatin1String("@daily") || m == QLatin1String("@midnight"))
        return QStringLiteral("0 0 * * *");
    if (m == QLatin1String("@hourly"))
        return QStringLiteral("0 * * * *");
    return std::nullopt;
}

qint64 floorDiv(qint64 a, qint64 b)
{
    return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0);
}

// Howard Hinnant's civil-calendar algorithms (proleptic Gregorian, days since 1970-01-01):
// much cheaper than QDate for the per-day loop.
qint64 daysFromCivil(qint64 y, int m, int d)
{
    y -= m <= 2 ? 1 : 0;
    const qint64 era = (y >= 0 ? y : y - 399) / 400;
    const qint64 yoe = y - era * 400;
    const qint64 doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const qint64 doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void civilFromDays(qint64 days, qint64& year, int& month, int& day)
{
    const qint64 z = days + 719468;
    const qint64 era = (z >= 0 ? z : z - 146096) / 146097;
    const qint64 doe = z - era * 146097;
    const qint64 yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const qint64 doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const qint64 mp = (5 * doy + 2) / 153;
    day = int(doy - (153 * mp + 2) / 5 + 1);
    month = int(mp < 10 ? mp + 3 : mp - 9);
    year = yoe + era * 400 + (month <= 2 ? 1 : 0);
}

// Lowest set bit at or above from, or -1.
int nextBit(quint64 mask, int from)
{
    if (from >= 64)
        return -1;
    const quint64 rest = mask & (~quint64(0) << from);
    return rest ? std::countr_zero(rest) : -1;
}

QDateTime utcAt(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC);
}

// A stretch of real time [start, end) (UTC epoch seconds) with one UTC offset; prevOffset is the offset
// just before start, so offset != prevOffset marks a gap (offset grew) or an overlap (offset shrank).
struct Segment
{
    qint64 start = kNoStart;
    qint64 end = kNoEnd;
    int offset = 0;
    int prevOffset = 0;
    int nextOffset = 0; // offset from end on
};

// Sets seg.end and seg.nextOffset from the first transition strictly after afterSecs.
void findEnd(const QTimeZone& tz, qint64 afterSecs, Segment& seg)
{
    const QTimeZone::OffsetData next = tz.nextTransition(utcAt(afterSecs * 1000));
    if (next.atUtc.isValid()) {
        seg.end = next.atUtc.toSecsSinceEpoch();
        seg.nextOffset = next.offsetFromUtc;
    } else {
        seg.end = kNoEnd;
    }
}

} // namespace

Result<CronExpr> CronExpr::parse(const QString& text)
{
    CronExpr e;
    e.m_text = text.trimmed();
    if (e.m_text.isEmpty())
        return Error::invalid(QStringLiteral("cron"), QStringLiteral("expression is empty"));

    QString body = e.m_text;
    if (body.startsWith(QLatin1Char('@'))) {
        const auto expanded = expandMacro(body);
        if (!expanded)
            return Error::invalid(QStringLiteral("cron"),
                QStringLiteral("unknown macro '%1' (expected @yearly, @annually, @monthly, @weekly, @daily, @midnight or @hourly)").arg(body));
        body = *expanded;
    }

    const QStringList fields = body.simplified().split(QLatin1Char(' '), Qt::SkipEmptyParts);
    if (fields.size() != 5 && fields.size() != 6)
        return Error::invalid(QStringLiteral("cron"), QStringLiteral("expected 5 or 6 fields, got %1").arg(fields.size()));
    e.m_hasSeconds = fields.size() == 6;
    const int o = e.m_hasSeconds ? 1 : 0;

    if (e.m_hasSeconds) {
        const auto s = parseField(fields[0], kSecondField);
        if (!s)
            return s.error();
        e.m_seconds = *s;
    } else {
        e.m_seconds = 1; // second 0
    }
    const auto minutes = parseField(fields[o], kMinuteField);
    if (!minutes)
        return minutes.error();
    const auto hours = parseField(fields[o + 1], kHourField);
    if (!hours)
        return hours.error();
    const auto dom = parseField(fields[o + 2], kDayOfMonthField);
    if (!dom)
        return dom.error();
    const auto months = parseField(fields[o + 3], kMonthField);
    if (!months)
        return months.error();
    const auto dow = parseField(fields[o + 4], kWeekdayField);
    if (!dow)
        return dow.error();

    e.m_minutes = *minutes;
    e.m_hours = quint32(*hours);
    e.m_daysOfMonth = quint32(*dom);
    e.m_months = quint16(*months);
    e.m_weekdays = quint8((*dow & 0x7f) | ((*dow >> 7) & 1)); // 7 -> Sunday (0)
    // Vixie cron: a field counts as unrestricted when it starts with '*', steps included.
    e.m_hourStar = fields[o + 1].startsWith(QLatin1Char('*'));
    e.m_domStar = fields[o + 2].startsWith(QLatin1Char('*'));
    e.m_dowStar = fields[o + 4].startsWith(QLatin1Char('*'));
    return e;
}

bool CronExpr::dayMatches(int month, int day, int weekday) const
{
    if (!((m_months >> month) & 1))
        return false;
    const bool domOk = (m_daysOfMonth >> day) & 1;
    const bool dowOk = (m_weekdays >> weekday) & 1;
    return (m_domStar || m_dowStar) ? (domOk && dowOk) : (domOk || dowOk);
}

int CronExpr::firstTimeOfDay(int secondOfDay) const
{
    const int h0 = secondOfDay / 3600;
    const int m0 = secondOfDay / 60 % 60;
    const int s0 = secondOfDay % 60;
    for (int h = nextBit(m_hours, h0); h >= 0 && h < 24; h = nextBit(m_hours, h + 1)) {
        for (int mi = nextBit(m_minutes, h == h0 ? m0 : 0); mi >= 0 && mi < 60; mi = nextBit(m_minutes, mi + 1)) {
            const int s = nextBit(m_seconds, (h == h0 && mi == m0) ? s0 : 0);
            if (s >= 0 && s < 60)
                return h * 3600 + mi * 60 + s;
        }
    }
    return -1;
}

std::optional<qint64> CronExpr::firstLocalMatch(qint64 fromLocal, qint64 toLocal) const
{
    qint64 day = floorDiv(fromLocal, kSecsPerDay);
    int secondOfDay = int(fromLocal - day * kSecsPerDay);
    while (day * kSecsPerDay < toLocal) {
        qint64 y = 0;
        int m = 0;
        int d = 0;
        civilFromDays(day, y, m, d);
        if (!((m_months >> m) & 1)) {
            // Skip to the 1st of the next allowed month instead of walking its days.
            const int nextMonth = nextBit(m_months, m + 1);
            day = nextMonth > 0 && nextMonth <= 12 ? daysFromCivil(y, nextMonth, 1) : daysFromCivil(y + 1, nextBit(m_months, 1), 1);
            secondOfDay = 0;
            continue;
        }
        const int weekday = int(day + 4 - floorDiv(day + 4, 7) * 7); // 1970-01-01 was a Thursday (4)
        if (dayMatches(m, d, weekday)) {
            const int tod = firstTimeOfDay(secondOfDay);
            if (tod >= 0) {
                const qint64 local = day * kSecsPerDay + tod;
                return local < toLocal ? std::optional<qint64>(local) : std::nullopt;
            }
        }
        ++day;
        secondOfDay = 0;
    }
    return std::nullopt;
}

std::optional<qint64> CronExpr::nextAfterSecs(qint64 afterSecs, const QTimeZone& tz) const
{
    const qint64 t = afterSecs + 1;
    const qint64 horizon = t + kHorizonSecs;

    Segment seg;
    const QTimeZone::OffsetData prev = tz.previousTransition(utcAt(t * 1000 + 1)); // transition at or before t
    if (prev.atUtc.isValid()) {
        seg.start = prev.atUtc.toSecsSinceEpoch();
        seg.offset = prev.offsetFromUtc;
        seg.prevOffset = tz.offsetFromUtc(utcAt(seg.start * 1000 - 1));
    } else {
        seg.offset = tz.offsetFromUtc(utcAt(t * 1000));
        seg.prevOffset = seg.offset;
    }
    findEnd(tz, t, seg);

    for (;;) {
        // Spring forward: a fixed-hour job due in the skipped wall-clock range fires once when the gap ends.
        if (!m_hourStar && seg.offset > seg.prevOffset && seg.start >= t && seg.start < horizon
            && firstLocalMatch(seg.start + seg.prevOffset, seg.start + seg.offset))
            return seg.start;

        qint64 from = std::max(t, seg.start);
        // Fall back: the wall times repeated at the start of this segment already fired for fixed-hour jobs.
        if (!m_hourStar && seg.offset < seg.prevOffset)
            from = std::max(from, seg.start + (seg.prevOffset - seg.offset));
        const qint64 to = std::min(seg.end, horizon);
        if (from < to) {
            if (const auto local = firstLocalMatch(from + seg.offset, to + seg.offset))
                return *local - seg.offset;
        }
        if (seg.end >= horizon)
            return std::nullopt;

        seg.start = seg.end;
        seg.prevOffset = seg.offset;
        seg.offset = seg.nextOffset;
        findEnd(tz, seg.start, seg);
    }
}

std::optional<qint64> CronExpr::nextAfter(qint64 afterMs, const QTimeZone& tz) const
{
    if (afterMs < kMinAfterMs || afterMs > kMaxAfterMs || !tz.isValid() || !m_seconds || !m_minutes || !m_hours || !m_months
        || (!m_daysOfMonth && !m_weekdays))
        return std::nullopt;
    const auto secs = nextAfterSecs(floorDiv(afterMs, 1000), tz);
    if (!secs)
        return std::nullopt;
    return *secs * 1000;
}

QList<qint64> CronExpr::nextTimes(qint64 afterMs, const QTimeZone& tz, int n) const
{
    QList<qint64> out;
    if (n <= 0)
        return out;
    out.reserve(n);
    qint64 at = afterMs;
    while (out.size() < n) {
        const auto next = nextAfter(at, tz);
        if (!next)
            break;
        out.append(*next);
        at = *next;
    }
    return out;
}

Result<QTimeZone> cronTimeZone(const QString& name)
{
    const QString id = name.trimmed();
    if (id.isEmpty() || id == QLatin1String("UTC"))
        return QTimeZone::utc();
    // IANA ids are plain path-like names; refuse anything else before it reaches the zoneinfo lookup.
    const bool plain = !id.contains(QLatin1String("..")) && std::all_of(id.begin(), id.end(), [](QChar c) {
        return (c >= QLatin1Char('a') && c <= QLatin1Char('z')) || (c >= QLatin1Char('A') && c <= QLatin1Char('Z'))
            || (c >= QLatin1Char('0') && c <= QLatin1Char('9')) || c == QLatin1Char('/') || c == QLatin1Char('_') || c == QLatin1Char('-')
            || c == QLatin1Char('+') || c == QLatin1Char(':');
    });
    QTimeZone tz = plain ? QTimeZone(id.toUtf8()) : QTimeZone();
    if (!tz.isValid())
        return Error::invalid(QStringLiteral("timezone"), QStringLiteral("unknown time zone '%1'").arg(id));
    return tz;
}

} // namespace llmsched
