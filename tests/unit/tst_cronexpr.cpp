// Unit tests for CronExpr (syntax, Vixie day rule, next fire times, time zones and DST) and cronTimeZone.
// Expected instants are written out by hand as UTC ISO strings or built with QDateTime from local wall
// times; the DST expectations were checked against the zoneinfo data with date(1).
// The tables below are long lists of ASCII literals: built like the helper
// tool that checked them, without the project-wide ban on implicit conversion.
#undef QT_NO_CAST_FROM_ASCII
#include "core/cronexpr.h"

#include <QDateTime>
#include <QTest>
#include <QTimeZone>

#include <limits>

using namespace llmsched;

namespace {

// "2026-01-01T00:05:00Z" -> epoch ms.
qint64 utc(const char* iso)
{
    const QDateTime dt = QDateTime::fromString(QString::fromLatin1(iso), Qt::ISODateWithMs);
    if (!dt.isValid() || dt.timeSpec() != Qt::UTC)
        qFatal("bad test timestamp %s", iso);
    return dt.toMSecsSinceEpoch();
}

// An unambiguous local wall time in tz -> epoch ms.
qint64 local(const QTimeZone& tz, int y, int mo, int d, int h, int mi, int s = 0)
{
    return QDateTime(QDate(y, mo, d), QTime(h, mi, s), tz).toMSecsSinceEpoch();
}

QString iso(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(Qt::ISODate);
}

// "none" for no fire time, so a failure prints something readable.
QString isoAt(const std::optional<qint64>& ms)
{
    return ms ? iso(*ms) : QStringLiteral("none");
}

QStringList isoList(const QList<qint64>& times)
{
    QStringList out;
    for (const qint64 t : times)
        out.append(iso(t));
    return out;
}

CronExpr mustParse(const QString& text)
{
    const auto r = CronExpr::parse(text);
    if (!r)
        qFatal("parse failed for '%s': %s", qPrintable(text), qPrintable(r.error().toString()));
    return r.value();
}

QTimeZone zone(const char* id)
{
    const QTimeZone tz(id);
    if (!tz.isValid())
        qFatal("time zone %s is not available", id);
    return tz;
}

QStringList nextIn(const char* expr, const char* zoneId, const char* after, int n)
{
    return isoList(mustParse(QString::fromLatin1(expr)).nextTimes(utc(after), zone(zoneId), n));
}

} // namespace

class TestCronExpr : public QObject
{
    Q_OBJECT

private slots:
    void syntaxForms_data();
    void syntaxForms();
    void metadata();
    void parseErrors_data();
    void parseErrors();
    void nextAfterUtc_data();
    void nextAfterUtc();
    void vixieDayRule();
    void newYorkSeasons();
    void springForwardBerlin();
    void fallBackBerlin();
    void halfHourShiftLordHowe();
    void nextTimesIncreasing();
    void nothingToFire();
    void timeZoneNames();
};

void TestCronExpr::syntaxForms_data()
{
    QTest::addColumn<QString>("expr");
    QTest::addColumn<QString>("after");
    QTest::addColumn<QStringList>("expected");

    // 2026-01-01 is a Thursday.
    const QString start = QStringLiteral("2026-01-01T00:00:00Z");
    QTest::newRow("every minute") << "* * * * *" << start << QStringList { "2026-01-01T00:01:00Z", "2026-01-01T00:02:00Z", "2026-01-01T00:03:00Z" };
    QTest::newRow("number") << "7 * * * *" << start << QStringList { "2026-01-01T00:07:00Z", "2026-01-01T01:07:00Z", "2026-01-01T02:07:00Z" };
    QTest::newRow("range") << "10-12 * * * *" << start
                           << QStringList { "2026-01-01T00:10:00Z", "2026-01-01T00:11:00Z", "2026-01-01T00:12:00Z", "2026-01-01T01:10:00Z" };
    QTest::newRow("list") << "5,20,40 * * * *" << start
                          << QStringList { "2026-01-01T00:05:00Z", "2026-01-01T00:20:00Z", "2026-01-01T00:40:00Z", "2026-01-01T01:05:00Z" };
    QTest::newRow("star step") << "*/20 * * * *" << start << QStringList { "2026-01-01T00:20:00Z", "2026-01-01T00:40:00Z", "2026-01-01T01:00:00Z" };
    QTest::newRow("range step") << "5-20/7 * * * *" << start
                                << QStringList { "2026-01-01T00:05:00Z", "2026-01-01T00:12:00Z", "2026-01-01T00:19:00Z", "2026-01-01T01:05:00Z" };
    QTest::newRow("value step") << "50/4 * * * *" << start
                                << QStringList { "2026-01-01T00:50:00Z", "2026-01-01T00:54:00Z", "2026-01-01T00:58:00Z", "2026-01-01T01:50:00Z" };
    QTest::newRow("mixed list") << "0 8-10/2,17 * * *" << start
                                << QStringList { "2026-01-01T08:00:00Z", "2026-01-01T10:00:00Z", "2026-01-01T17:00:00Z", "2026-01-02T08:00:00Z" };
    const QStringList springSummer { "2026-03-01T00:00:00Z", "2026-06-01T00:00:00Z", "2026-07-01T00:00:00Z", "2026-08-01T00:00:00Z",
        "2027-03-01T00:00:00Z" };
    QTest::newRow("month numbers") << "0 0 1 3,6-8 *" << start << springSummer;
    QTest::newRow("month names, mixed case") << "0 0 1 mar,Jun-AUG *" << start << springSummer;
    QTest::newRow("weekday names") << "0 12 * * MON-fri" << start
                                   << QStringList { "2026-01-01T12:00:00Z", "2026-01-02T12:00:00Z", "2026-01-05T12:00:00Z", "2026-01-06T12:00:00Z" };
    const QStringList sundays { "2026-01-04T00:00:00Z", "2026-01-11T00:00:00Z" };
    QTest::newRow("sunday as 0") << "0 0 * * 0" << start << sundays;
    QTest::newRow("sunday as 7") << "0 0 * * 7" << start << sundays;
    QTest::newRow("sunday as name") << "0 0 * * sun" << start << sundays;
    const QStringList friToSun { "2026-01-02T00:00:00Z", "2026-01-03T00:00:00Z", "2026-01-04T00:00:00Z", "2026-01-09T00:00:00Z" };
    QTest::newRow("weekday range to 7") << "0 0 * * 5-7" << start << friToSun;
    QTest::newRow("weekday range FRI-SUN") << "0 0 * * FRI-SUN" << start << friToSun;
    // 0,3,6 = Sunday, Wednesday, Saturday.
    QTest::newRow("weekday step") << "0 0 * * */3" << start
                                  << QStringList { "2026-01-03T00:00:00Z", "2026-01-04T00:00:00Z", "2026-01-07T00:00:00Z", "2026-01-10T00:00:00Z" };
    QTest::newRow("month and weekday names") << "0 0 * jan thu" << start
                                             << QStringList { "2026-01-08T00:00:00Z", "2026-01-15T00:00:00Z", "2026-01-22T00:00:00Z",
                                                    "2026-01-29T00:00:00Z", "2027-01-07T00:00:00Z" };
    QTest::newRow("day-of-month list") << "0 0 1,15 * *" << start
                                       << QStringList { "2026-01-15T00:00:00Z", "2026-02-01T00:00:00Z", "2026-02-15T00:00:00Z" };
    QTest::newRow("seconds step") << "*/20 * * * * *" << start
                                  << QStringList { "2026-01-01T00:00:20Z", "2026-01-01T00:00:40Z", "2026-01-01T00:01:00Z" };
    QTest::newRow("seconds fixed") << "30 15 10 * * *" << start << QStringList { "2026-01-01T10:15:30Z", "2026-01-02T10:15:30Z" };
    QTest::newRow("extra whitespace") << "  0   12\t* * *  " << start << QStringList { "2026-01-01T12:00:00Z", "2026-01-02T12:00:00Z" };
    const QStringList newYears { "2027-01-01T00:00:00Z", "2028-01-01T00:00:00Z" };
    QTest::newRow("@yearly") << "@yearly" << start << newYears;
    QTest::newRow("@annually") << "@annually" << start << newYears;
    QTest::newRow("@monthly") << "@monthly" << start << QStringList { "2026-02-01T00:00:00Z", "2026-03-01T00:00:00Z" };
    QTest::newRow("@weekly") << "@weekly" << start << sundays;
    const QStringList midnights { "2026-01-02T00:00:00Z", "2026-01-03T00:00:00Z" };
    QTest::newRow("@daily") << "@daily" << start << midnights;
    QTest::newRow("@midnight") << "@midnight" << start << midnights;
    const QStringList hours { "2026-01-01T01:00:00Z", "2026-01-01T02:00:00Z" };
    QTest::newRow("@hourly") << "@hourly" << start << hours;
    QTest::newRow("@HOURLY upper case") << "@HOURLY" << start << hours;
}

void TestCronExpr::syntaxForms()
{
    QFETCH(QString, expr);
    QFETCH(QString, after);
    QFETCH(QStringList, expected);

    const auto r = CronExpr::parse(expr);
    QVERIFY2(r.ok(), qPrintable(r ? QString() : r.error().toString()));
    QCOMPARE(isoList(r->nextTimes(utc(qPrintable(after)), QTimeZone::utc(), int(expected.size()))), expected);
}

void TestCronExpr::metadata()
{
    const CronExpr five = mustParse(QStringLiteral("  */5 * * * *\n"));
    QCOMPARE(five.text(), QStringLiteral("*/5 * * * *"));
    QVERIFY(!five.hasSeconds());

    const CronExpr six = mustParse(QStringLiteral("0 */5 * * * *"));
    QCOMPARE(six.text(), QStringLiteral("0 */5 * * * *"));
    QVERIFY(six.hasSeconds());

    const CronExpr macro = mustParse(QStringLiteral(" @Daily "));
    QCOMPARE(macro.text(), QStringLiteral("@Daily"));
    QVERIFY(!macro.hasSeconds());
}

void TestCronExpr::parseErrors_data()
{
    QTest::addColumn<QString>("expr");
    QTest::addColumn<QString>("message");

    QTest::newRow("empty") << ""
                           << "expression is empty";
    QTest::newRow("blank") << "  \t "
                           << "expression is empty";
    QTest::newRow("4 fields") << "* * * *"
                              << "expected 5 or 6 fields, got 4";
    QTest::newRow("7 fields") << "* * * * * * *"
                              << "expected 5 or 6 fields, got 7";
    QTest::newRow("second 60") << "60 * * * * *"
                               << "second field: 60 is out of range 0-59";
    QTest::newRow("minute 61") << "61 * * * *"
                               << "minute field: 61 is out of range 0-59";
    QTest::newRow("hour 24") << "0 24 * * *"
                             << "hour field: 24 is out of range 0-23";
    QTest::newRow("day-of-month 0") << "0 0 0 * *"
                                    << "day-of-month field: 0 is out of range 1-31";
    QTest::newRow("day-of-month 32") << "0 0 32 * *"
                                     << "day-of-month field: 32 is out of range 1-31";
    QTest::newRow("month 13") << "0 0 1 13 *"
                              << "month field: 13 is out of range 1-12";
    QTest::newRow("weekday 8") << "0 0 * * 8"
                               << "day-of-week field: 8 is out of range 0-7";
    QTest::newRow("range end out of range") << "0 20-25 * * *"
                                            << "hour field: 25 is out of range 0-23";
    QTest::newRow("huge number") << "99999999999 * * * *"
                                 << "minute field: 99999999999 is out of range 0-59";
    QTest::newRow("step 0") << "*/0 * * * *"
                            << "minute field: step 0 in '*/0' is out of range 1-60";
    QTest::newRow("step too large") << "0 */25 * * *"
                                    << "hour field: step 25 in '*/25' is out of range 1-24";
    QTest::newRow("step not a number") << "*/x * * * *"
                                       << "minute field: step 'x' in '*/x' is not a number";
    QTest::newRow("empty step") << "0 0 1-10/ * *"
                                << "day-of-month field: step '' in '1-10/' is not a number";
    QTest::newRow("step without value") << "/5 * * * *"
                                        << "minute field: '/5' has no value before the step";
    QTest::newRow("reversed range") << "0 5-3 * * *"
                                    << "hour field: range 5-3 is reversed";
    QTest::newRow("reversed month names") << "0 0 1 DEC-JAN *"
                                          << "month field: range DEC-JAN is reversed";
    QTest::newRow("garbage") << "abc * * * *"
                             << "minute field: 'abc' is not a valid value";
    QTest::newRow("decimal") << "1.5 * * * *"
                             << "minute field: '1.5' is not a valid value";
    QTest::newRow("negative") << "-5 * * * *"
                              << "minute field: '-5' is not a valid range";
    QTest::newRow("open range") << "0 0 * * 1-"
                                << "day-of-week field: '1-' is not a valid range";
    QTest::newRow("double range") << "1-2-3 * * * *"
                                  << "minute field: '1-2-3' is not a valid range";
    QTest::newRow("unknown month name") << "0 0 1 FOO *"
                                        << "month field: 'FOO' is not a valid value";
    QTest::newRow("weekday name as month") << "0 0 1 MON *"
                                           << "month field: 'MON' is not a valid value";
    QTest::newRow("month name as weekday") << "0 0 * * JAN"
                                           << "day-of-week field: 'JAN' is not a valid value";
    QTest::newRow("name in minutes") << "MON * * * *"
                                     << "minute field: 'MON' is not a valid value";
    QTest::newRow("quartz question mark") << "0 0 ? * *"
                                          << "day-of-month field: '?' is not a valid value";
    QTest::newRow("empty list item") << "1,,2 * * * *"
                                     << "minute field: empty list item in '1,,2'";
    QTest::newRow("trailing comma") << "0 0 1, * *"
                                    << "day-of-month field: empty list item in '1,'";
    QTest::newRow("unknown macro") << "@fortnightly"
                                   << "unknown macro '@fortnightly'";
    QTest::newRow("@reboot") << "@reboot"
                             << "unknown macro '@reboot'";
    QTest::newRow("macro with fields") << "@daily 0"
                                       << "unknown macro '@daily 0'";
}

void TestCronExpr::parseErrors()
{
    QFETCH(QString, expr);
    QFETCH(QString, message);

    const auto r = CronExpr::parse(expr);
    QVERIFY(!r.ok());
    QCOMPARE(r.error().code, ErrorCode::InvalidArgument);
    QCOMPARE(r.error().field, QStringLiteral("cron"));
    QVERIFY2(r.error().message.contains(message), qPrintable(r.error().message));
}

void TestCronExpr::nextAfterUtc_data()
{
    QTest::addColumn<QString>("expr");
    QTest::addColumn<QString>("after");
    QTest::addColumn<QString>("expected"); // empty: no fire time

    QTest::newRow("every minute, mid-second") << "* * * * *"
                                              << "2026-05-10T10:20:30.500Z"
                                              << "2026-05-10T10:21:00Z";
    QTest::newRow("*/15") << "*/15 * * * *"
                          << "2026-05-10T10:46:00Z"
                          << "2026-05-10T11:00:00Z";
    QTest::newRow("*/15 across midnight") << "*/15 * * * *"
                                          << "2026-05-10T23:59:59Z"
                                          << "2026-05-11T00:00:00Z";
    QTest::newRow("h:m later today") << "30 14 * * *"
                                     << "2026-05-10T09:00:00Z"
                                     << "2026-05-10T14:30:00Z";
    QTest::newRow("h:m tomorrow") << "30 14 * * *"
                                  << "2026-05-10T15:00:00Z"
                                  << "2026-05-11T14:30:00Z";
    QTest::newRow("exactly at a fire time") << "30 14 * * *"
                                            << "2026-05-10T14:30:00.000Z"
                                            << "2026-05-11T14:30:00Z";
    QTest::newRow("1 ms before a fire time") << "30 14 * * *"
                                             << "2026-05-10T14:29:59.999Z"
                                             << "2026-05-10T14:30:00Z";
    QTest::newRow("half a second after") << "30 14 * * *"
                                         << "2026-05-10T14:30:00.500Z"
                                         << "2026-05-11T14:30:00Z";
    QTest::newRow("seconds, exactly at one") << "*/10 * * * * *"
                                             << "2026-05-10T10:00:10.000Z"
                                             << "2026-05-10T10:00:20Z";
    QTest::newRow("seconds, minute carry") << "15,45 * * * * *"
                                           << "2026-05-10T10:00:50Z"
                                           << "2026-05-10T10:01:15Z";
    QTest::newRow("seconds with fixed minute") << "5 30 * * * *"
                                               << "2026-05-10T10:30:05Z"
                                               << "2026-05-10T11:30:05Z";
    QTest::newRow("31st skips short months") << "0 0 31 * *"
                                             << "2026-01-31T01:00:00Z"
                                             << "2026-03-31T00:00:00Z";
    QTest::newRow("30 Feb never") << "0 0 30 2 *"
                                  << "2026-01-01T00:00:00Z"
                                  << "";
    QTest::newRow("31 Apr never") << "0 0 31 4 *"
                                  << "2026-01-01T00:00:00Z"
                                  << "";
    QTest::newRow("31st of 30-day months never") << "0 0 31 4,6,9,11 *"
                                                 << "2026-01-01T00:00:00Z"
                                                 << "";
    QTest::newRow("leap day") << "0 0 29 2 *"
                              << "2026-01-01T00:00:00Z"
                              << "2028-02-29T00:00:00Z";
    QTest::newRow("leap day after leap day") << "0 0 29 2 *"
                                             << "2028-02-29T00:00:00Z"
                                             << "2032-02-29T00:00:00Z";
    QTest::newRow("leap day, same year") << "0 12 29 2 *"
                                         << "2028-02-29T11:00:00Z"
                                         << "2028-02-29T12:00:00Z";
    QTest::newRow("year rollover") << "0 0 1 1 *"
                                   << "2026-12-31T23:59:59Z"
                                   << "2027-01-01T00:00:00Z";
    QTest::newRow("every minute over new year") << "* * * * *"
                                                << "2026-12-31T23:59:30Z"
                                                << "2027-01-01T00:00:00Z";
    QTest::newRow("last minute of year, next year") << "59 23 31 12 *"
                                                    << "2026-12-31T23:59:00Z"
                                                    << "2027-12-31T23:59:00Z";
    QTest::newRow("last second of year") << "59 59 23 31 12 *"
                                         << "2026-06-01T00:00:00Z"
                                         << "2026-12-31T23:59:59Z";
    QTest::newRow("before the epoch") << "0 0 * * *"
                                      << "1969-12-31T12:00:00Z"
                                      << "1970-01-01T00:00:00Z";
    QTest::newRow("negative ms fraction") << "* * * * * *"
                                          << "1969-12-31T23:59:59.500Z"
                                          << "1970-01-01T00:00:00Z";
    QTest::newRow("weekday only") << "0 9 * * 5"
                                  << "2026-01-01T10:00:00Z"
                                  << "2026-01-02T09:00:00Z";
    QTest::newRow("month only") << "0 0 * 11 *"
                                << "2026-01-01T00:00:00Z"
                                << "2026-11-01T00:00:00Z";
}

void TestCronExpr::nextAfterUtc()
{
    QFETCH(QString, expr);
    QFETCH(QString, after);
    QFETCH(QString, expected);

    const auto next = mustParse(expr).nextAfter(utc(qPrintable(after)), QTimeZone::utc());
    if (expected.isEmpty()) {
        QVERIFY2(!next.has_value(), qPrintable(next ? iso(*next) : QString()));
    } else {
        QVERIFY(next.has_value());
        QCOMPARE(iso(*next), expected);
        QCOMPARE(*next, utc(qPrintable(expected)));
    }
}

void TestCronExpr::vixieDayRule()
{
    // Both restricted: the 1st of the month OR any Monday (2026-02-01 and 2026-03-01 are Sundays).
    QCOMPARE(nextIn("0 0 1 * MON", "UTC", "2026-01-31T12:00:00Z", 7),
        (QStringList { "2026-02-01T00:00:00Z", "2026-02-02T00:00:00Z", "2026-02-09T00:00:00Z", "2026-02-16T00:00:00Z", "2026-02-23T00:00:00Z",
            "2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z" }));
    // Friday the 13th is not special: every 13th plus every Friday.
    QCOMPARE(nextIn("0 0 13 * 5", "UTC", "2026-03-01T00:00:00Z", 4),
        (QStringList { "2026-03-06T00:00:00Z", "2026-03-13T00:00:00Z", "2026-03-20T00:00:00Z", "2026-03-27T00:00:00Z" }));
    QCOMPARE(nextIn("0 0 13 * 5", "UTC", "2026-03-28T00:00:00Z", 3),
        (QStringList { "2026-04-03T00:00:00Z", "2026-04-10T00:00:00Z", "2026-04-13T00:00:00Z" }));
    // Day-of-week '*': only the day of month counts.
    QCOMPARE(nextIn("0 0 13 * *", "UTC", "2026-03-01T00:00:00Z", 2), (QStringList { "2026-03-13T00:00:00Z", "2026-04-13T00:00:00Z" }));
    // "*/2" starts with '*', so (as in Vixie cron) both fields must match: odd days that are Mondays.
    QCOMPARE(nextIn("0 0 */2 * MON", "UTC", "2026-01-01T00:00:00Z", 3),
        (QStringList { "2026-01-05T00:00:00Z", "2026-01-19T00:00:00Z", "2026-02-09T00:00:00Z" }));
}

void TestCronExpr::newYorkSeasons()
{
    const QTimeZone ny = zone("America/New_York");
    const CronExpr nine = mustParse(QStringLiteral("0 9 * * *"));

    QCOMPARE(isoAt(nine.nextAfter(utc("2026-01-15T00:00:00Z"), ny)), iso(utc("2026-01-15T14:00:00Z")));
    QCOMPARE(isoAt(nine.nextAfter(utc("2026-07-15T00:00:00Z"), ny)), iso(utc("2026-07-15T13:00:00Z")));
    QCOMPARE(isoAt(nine.nextAfter(utc("2026-07-15T00:00:00Z"), ny)), iso(local(ny, 2026, 7, 15, 9, 0)));
    // Across the 2026-03-08 and 2026-11-01 switches the wall time stays 09:00.
    QCOMPARE(isoList(nine.nextTimes(utc("2026-03-06T15:00:00Z"), ny, 3)),
        (QStringList { "2026-03-07T14:00:00Z", "2026-03-08T13:00:00Z", "2026-03-09T13:00:00Z" }));
    QCOMPARE(isoList(nine.nextTimes(utc("2026-10-31T00:00:00Z"), ny, 3)),
        (QStringList { "2026-10-31T13:00:00Z", "2026-11-01T14:00:00Z", "2026-11-02T14:00:00Z" }));
    QCOMPARE(isoAt(nine.nextAfter(utc("2026-11-01T13:30:00Z"), ny)), iso(local(ny, 2026, 11, 1, 9, 0)));
}

void TestCronExpr::springForwardBerlin()
{
    // 2026-03-29: 02:00 CET (01:00Z) jumps to 03:00 CEST; 02:xx local does not exist.
    const QTimeZone berlin = zone("Europe/Berlin");

    // A job in the skipped hour fires once when the gap ends (03:00 CEST = 01:00Z), then at 02:30 as usual.
    QCOMPARE(nextIn("30 2 * * *", "Europe/Berlin", "2026-03-27T12:00:00Z", 3),
        (QStringList { "2026-03-28T01:30:00Z", "2026-03-29T01:00:00Z", "2026-03-30T00:30:00Z" }));
    QCOMPARE(isoAt(mustParse(QStringLiteral("30 2 * * *")).nextAfter(utc("2026-03-29T00:30:00Z"), berlin)), iso(local(berlin, 2026, 3, 29, 3, 0)));
    QCOMPARE(isoAt(mustParse(QStringLiteral("30 2 * * *")).nextAfter(utc("2026-03-29T01:00:00Z"), berlin)), iso(local(berlin, 2026, 3, 30, 2, 30)));

    // Wildcard hours have no fire times in the gap and are not shifted.
    QCOMPARE(nextIn("*/30 * * * *", "Europe/Berlin", "2026-03-28T23:59:59Z", 5),
        (QStringList { "2026-03-29T00:00:00Z", "2026-03-29T00:30:00Z", "2026-03-29T01:00:00Z", "2026-03-29T01:30:00Z", "2026-03-29T02:00:00Z" }));
    const QList<qint64> halfHours = mustParse(QStringLiteral("*/30 * * * *")).nextTimes(local(berlin, 2026, 3, 29, 1, 0) - 1, berlin, 4);
    QCOMPARE(halfHours,
        (QList<qint64> { local(berlin, 2026, 3, 29, 1, 0), local(berlin, 2026, 3, 29, 1, 30), local(berlin, 2026, 3, 29, 3, 0),
            local(berlin, 2026, 3, 29, 3, 30) }));

    // Several skipped matches collapse into one firing.
    QCOMPARE(nextIn("0,30 2 * * *", "Europe/Berlin", "2026-03-28T12:00:00Z", 3),
        (QStringList { "2026-03-29T01:00:00Z", "2026-03-30T00:00:00Z", "2026-03-30T00:30:00Z" }));
    QCOMPARE(nextIn("* 2 * * *", "Europe/Berlin", "2026-03-29T00:00:00Z", 3),
        (QStringList { "2026-03-29T01:00:00Z", "2026-03-30T00:00:00Z", "2026-03-30T00:01:00Z" }));
    // A job at 03:00 fires once at 03:00, not twice.
    QCOMPARE(nextIn("0 3 * * *", "Europe/Berlin", "2026-03-28T12:00:00Z", 2), (QStringList { "2026-03-29T01:00:00Z", "2026-03-30T01:00:00Z" }));
    // Sydney moves forward on 2026-10-04 at 02:00 AEST (16:00Z the day before).
    QCOMPARE(nextIn("30 2 * * *", "Australia/Sydney", "2026-10-03T00:00:00Z", 2), (QStringList { "2026-10-03T16:00:00Z", "2026-10-04T15:30:00Z" }));
}

void TestCronExpr::fallBackBerlin()
{
    // 2026-10-25: 03:00 CEST (01:00Z) goes back to 02:00 CET; 02:xx local happens at 00:xxZ and again at 01:xxZ.
    const QTimeZone berlin = zone("Europe/Berlin");

    // A fixed hour fires at the first occurrence only.
    QCOMPARE(nextIn("30 2 * * *", "Europe/Berlin", "2026-10-24T12:00:00Z", 2), (QStringList { "2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z" }));
    QCOMPARE(isoAt(mustParse(QStringLiteral("30 2 * * *")).nextAfter(utc("2026-10-25T00:30:00Z"), berlin)), iso(local(berlin, 2026, 10, 26, 2, 30)));
    // Starting inside the repeated hour: that day's run is already done.
    QCOMPARE(isoAt(mustParse(QStringLiteral("30 2 * * *")).nextAfter(utc("2026-10-25T01:10:00Z"), berlin)), iso(local(berlin, 2026, 10, 26, 2, 30)));
    QCOMPARE(nextIn("0,30 2 * * *", "Europe/Berlin", "2026-10-24T12:00:00Z", 3),
        (QStringList { "2026-10-25T00:00:00Z", "2026-10-25T00:30:00Z", "2026-10-26T01:00:00Z" }));
    QCOMPARE(nextIn("*/10 2 * * *", "Europe/Berlin", "2026-10-24T12:00:00Z", 7),
        (QStringList { "2026-10-25T00:00:00Z", "2026-10-25T00:10:00Z", "2026-10-25T00:20:00Z", "2026-10-25T00:30:00Z", "2026-10-25T00:40:00Z",
            "2026-10-25T00:50:00Z", "2026-10-26T01:00:00Z" }));

    // Wildcard hours fire in both occurrences.
    QCOMPARE(nextIn("0 * * * *", "Europe/Berlin", "2026-10-24T23:30:00Z", 4),
        (QStringList { "2026-10-25T00:00:00Z", "2026-10-25T01:00:00Z", "2026-10-25T02:00:00Z", "2026-10-25T03:00:00Z" }));
    QCOMPARE(nextIn("*/30 * * * *", "Europe/Berlin", "2026-10-24T23:59:00Z", 5),
        (QStringList { "2026-10-25T00:00:00Z", "2026-10-25T00:30:00Z", "2026-10-25T01:00:00Z", "2026-10-25T01:30:00Z", "2026-10-25T02:00:00Z" }));
    QCOMPARE(nextIn("@hourly", "Europe/Berlin", "2026-10-25T00:00:00Z", 1), (QStringList { "2026-10-25T01:00:00Z" }));
}

void TestCronExpr::halfHourShiftLordHowe()
{
    // Lord Howe Island moves 30 minutes (+10:30 standard, +11 summer): 02:00 -> 02:30 on 2026-10-04 (15:30Z), 02:00 -> 01:30 on 2026-04-05 (15:00Z).
    QCOMPARE(nextIn("15 2 * * *", "Australia/Lord_Howe", "2026-10-03T12:00:00Z", 1), (QStringList { "2026-10-03T15:30:00Z" }));
    QCOMPARE(nextIn("45 2 * * *", "Australia/Lord_Howe", "2026-10-03T12:00:00Z", 1), (QStringList { "2026-10-03T15:45:00Z" }));
    QCOMPARE(
        nextIn("45 1 * * *", "Australia/Lord_Howe", "2026-04-04T12:00:00Z", 2), (QStringList { "2026-04-04T14:45:00Z", "2026-04-05T15:15:00Z" }));
    QCOMPARE(nextIn("*/15 * * * *", "Australia/Lord_Howe", "2026-04-04T14:29:00Z", 5),
        (QStringList { "2026-04-04T14:30:00Z", "2026-04-04T14:45:00Z", "2026-04-04T15:00:00Z", "2026-04-04T15:15:00Z", "2026-04-04T15:30:00Z" }));
}

void TestCronExpr::nextTimesIncreasing()
{
    // From Friday 2026-06-05 18:00 CEST the next runs are on Monday morning.
    const QTimeZone berlin = zone("Europe/Berlin");
    const QList<qint64> times = mustParse(QStringLiteral("*/7 9-17 * * 1-5")).nextTimes(utc("2026-06-05T16:00:00Z"), berlin, 5);
    QCOMPARE(times.size(), 5);
    for (int i = 1; i < times.size(); ++i)
        QVERIFY2(times[i] > times[i - 1], qPrintable(iso(times[i])));
    QCOMPARE(times,
        (QList<qint64> { local(berlin, 2026, 6, 8, 9, 0), local(berlin, 2026, 6, 8, 9, 7), local(berlin, 2026, 6, 8, 9, 14),
            local(berlin, 2026, 6, 8, 9, 21), local(berlin, 2026, 6, 8, 9, 28) }));

    QVERIFY(mustParse(QStringLiteral("* * * * *")).nextTimes(utc("2026-01-01T00:00:00Z"), berlin, 0).isEmpty());
    QCOMPARE(nextIn("0 0 29 2 *", "UTC", "2026-01-01T00:00:00Z", 3),
        (QStringList { "2028-02-29T00:00:00Z", "2032-02-29T00:00:00Z", "2036-02-29T00:00:00Z" }));
}

void TestCronExpr::nothingToFire()
{
    QVERIFY(mustParse(QStringLiteral("0 0 30 2 *")).nextTimes(utc("2026-01-01T00:00:00Z"), zone("Europe/Berlin"), 3).isEmpty());
    QVERIFY(!mustParse(QStringLiteral("* * * * *")).nextAfter(utc("2026-01-01T00:00:00Z"), QTimeZone()).has_value());
    QVERIFY(!CronExpr().nextAfter(utc("2026-01-01T00:00:00Z"), QTimeZone::utc()).has_value());
    QVERIFY(!mustParse(QStringLiteral("* * * * *")).nextAfter(std::numeric_limits<qint64>::max(), QTimeZone::utc()).has_value());
}

void TestCronExpr::timeZoneNames()
{
    const auto berlin = cronTimeZone(QStringLiteral("Europe/Berlin"));
    QVERIFY(berlin.ok());
    QCOMPARE(berlin->id(), QByteArray("Europe/Berlin"));
    QCOMPARE(berlin->offsetFromUtc(QDateTime::fromMSecsSinceEpoch(utc("2026-07-01T00:00:00Z"), Qt::UTC)), 7200);

    for (const QString& name : { QString(), QStringLiteral("UTC"), QStringLiteral(" UTC ") }) {
        const auto tz = cronTimeZone(name);
        QVERIFY2(tz.ok(), qPrintable(name));
        QVERIFY(tz->isValid());
        QCOMPARE(tz->offsetFromUtc(QDateTime::fromMSecsSinceEpoch(utc("2026-07-01T00:00:00Z"), Qt::UTC)), 0);
    }

    const auto unknown = cronTimeZone(QStringLiteral("Mars/Olympus_Mons"));
    QVERIFY(!unknown.ok());
    QCOMPARE(unknown.error().code, ErrorCode::InvalidArgument);
    QCOMPARE(unknown.error().field, QStringLiteral("timezone"));
    QCOMPARE(unknown.error().message, QStringLiteral("unknown time zone 'Mars/Olympus_Mons'"));

    const auto traversal = cronTimeZone(QStringLiteral("../../etc/passwd"));
    QVERIFY(!traversal.ok());
    QCOMPARE(traversal.error().field, QStringLiteral("timezone"));
}

QTEST_GUILESS_MAIN(TestCronExpr)
#include "tst_cronexpr.moc"
