// Unit tests for Ulid (Crockford base32 text form) and UlidGenerator (monotonic ids).
#include "core/ulid.h"

#include <QDateTime>
#include <QRandomGenerator>
#include <QSet>
#include <QTest>

using namespace llmsched;

namespace {

const QString kAlphabet = QStringLiteral("0123456789ABCDEFGHJKMNPQRSTVWXYZ");

Ulid make(quint64 hi, quint64 lo)
{
    Ulid u;
    u.hi = hi;
    u.lo = lo;
    return u;
}

bool isCanonical(const QString& s)
{
    if (s.size() != 26 || s.at(0) > QLatin1Char('7'))
        return false;
    for (QChar c : s)
        if (!kAlphabet.contains(c))
            return false;
    return true;
}

} // namespace

class TestUlid : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void knownVectors_data();
    void knownVectors();
    void toStringFormat();
    void roundTripRandom();
    void roundTripGenerated();
    void lowercaseAccepted();
    void crockfordAliases_data();
    void crockfordAliases();
    void invalid_data();
    void invalid();
    void orderMatchesText();
    void timestampFromParts_data();
    void timestampFromParts();
    void monotonicSameMillisecond();
    void monotonicAcrossMilliseconds();
    void clockStepsBack();
    void generatorTimestamp();
    void nullAndHash();

private:
    // The generator is process-global, so every test that expects the timestamp
    // it passes back uses a strictly later millisecond than any test before.
    qint64 freshMs(qint64 step = 1000) { return m_ms += step; }
    qint64 m_ms = 0;
};

void TestUlid::initTestCase()
{
    m_ms = QDateTime::currentMSecsSinceEpoch();
}

void TestUlid::knownVectors_data()
{
    QTest::addColumn<quint64>("hi");
    QTest::addColumn<quint64>("lo");
    QTest::addColumn<QString>("text");

    // Expected strings computed independently (128-bit integer, 5 bits per char).
    QTest::newRow("zero") << quint64(0) << quint64(0) << QStringLiteral("00000000000000000000000000");
    QTest::newRow("max") << ~quint64(0) << ~quint64(0) << QStringLiteral("7ZZZZZZZZZZZZZZZZZZZZZZZZZ");
    QTest::newRow("ms 1, entropy 1") << quint64(0x10000) << quint64(1) << QStringLiteral("00000000010000000000000001");
    QTest::newRow("2016 timestamp") << quint64(0x1563df36481deadULL) << quint64(0xbeefcafebabe1234ULL)
                                    << QStringLiteral("01ARYZ6S41VTPVXVYAZTXBW4HM");
    QTest::newRow("2026 timestamp") << quint64(0x19b76daa8000123ULL) << quint64(0x456789abcdef0011ULL)
                                    << QStringLiteral("01KDVDNA0004HMASW9NF6YY00H");
}

void TestUlid::knownVectors()
{
    QFETCH(quint64, hi);
    QFETCH(quint64, lo);
    QFETCH(QString, text);
    const Ulid u = make(hi, lo);
    QCOMPARE(u.toString(), text);
    const auto parsed = Ulid::fromString(text);
    QVERIFY(parsed.has_value());
    QCOMPARE(parsed->hi, hi);
    QCOMPARE(parsed->lo, lo);
}

void TestUlid::toStringFormat()
{
    QRandomGenerator rng(7);
    for (int i = 0; i < 1000; ++i) {
        const QString s = make(rng.generate64(), rng.generate64()).toString();
        QVERIFY2(isCanonical(s), qPrintable(s));
    }
}

void TestUlid::roundTripRandom()
{
    // Any 128-bit value has a text form (the first char carries 3 bits).
    QRandomGenerator rng(42);
    for (int i = 0; i < 20000; ++i) {
        const Ulid u = make(rng.generate64(), rng.generate64());
        const auto back = Ulid::fromString(u.toString());
        QVERIFY(back.has_value());
        QVERIFY(*back == u);
        QByteArray appended("x");
        u.appendTo(appended); // the hand-built JSON form is the same text
        QCOMPARE(appended, "x" + u.toString().toLatin1());
    }
}

void TestUlid::roundTripGenerated()
{
    for (int i = 0; i < 20000; ++i) {
        const Ulid u = UlidGenerator::next(freshMs(i % 3 == 0 ? 1 : 0));
        QVERIFY(!u.isNull());
        const QString s = u.toString();
        QVERIFY(isCanonical(s));
        const auto back = Ulid::fromString(s);
        QVERIFY(back.has_value());
        QVERIFY(*back == u);
    }
}

void TestUlid::lowercaseAccepted()
{
    const Ulid u = make(0x1563df36481deadULL, 0xbeefcafebabe1234ULL);
    const auto lower = Ulid::fromString(QStringLiteral("01aryz6s41vtpvxvyaztxbw4hm"));
    QVERIFY(lower.has_value());
    QVERIFY(*lower == u);
    const auto mixed = Ulid::fromString(QStringLiteral("01ArYz6S41vTpVxVyAzTxBw4Hm"));
    QVERIFY(mixed.has_value());
    QVERIFY(*mixed == u);
    // The canonical form is upper case.
    QCOMPARE(lower->toString(), QStringLiteral("01ARYZ6S41VTPVXVYAZTXBW4HM"));
}

void TestUlid::crockfordAliases_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("canonical");
    QTest::newRow("I is 1") << QStringLiteral("0000000000000000000000000I") << QStringLiteral("00000000000000000000000001");
    QTest::newRow("i is 1") << QStringLiteral("0000000000000000000000000i") << QStringLiteral("00000000000000000000000001");
    QTest::newRow("L is 1") << QStringLiteral("0000000000000000000000000L") << QStringLiteral("00000000000000000000000001");
    QTest::newRow("O is 0") << QStringLiteral("O000000000000000000000000O") << QStringLiteral("00000000000000000000000000");
}

void TestUlid::crockfordAliases()
{
    QFETCH(QString, text);
    QFETCH(QString, canonical);
    const auto u = Ulid::fromString(text);
    QVERIFY(u.has_value());
    QCOMPARE(u->toString(), canonical);
}

void TestUlid::invalid_data()
{
    QTest::addColumn<QString>("text");
    QTest::newRow("empty") << QString();
    QTest::newRow("25 chars") << QStringLiteral("01ARYZ6S41VTPVXVYAZTXBW4H");
    QTest::newRow("27 chars") << QStringLiteral("01ARYZ6S41VTPVXVYAZTXBW4HMM");
    QTest::newRow("U excluded") << QStringLiteral("01ARYZ6S41VTPVXVYAZTXBW4HU");
    QTest::newRow("u excluded") << QStringLiteral("01ARYZ6S41VTPVXVYAZTXBW4Hu");
    QTest::newRow("punctuation") << QStringLiteral("01ARYZ6S41-TPVXVYAZTXBW4HM");
    QTest::newRow("space") << QStringLiteral("01ARYZ6S41 TPVXVYAZTXBW4HM");
    QTest::newRow("non-ASCII") << QStringLiteral("01ARYZ6S41\u00c9TPVXVYAZTXBW4HM");
    QTest::newRow("first char 8") << QStringLiteral("81ARYZ6S41VTPVXVYAZTXBW4HM");
    QTest::newRow("first char Z") << QStringLiteral("Z1ARYZ6S41VTPVXVYAZTXBW4HM");
    QTest::newRow("first char z") << QStringLiteral("z1ARYZ6S41VTPVXVYAZTXBW4HM");
    QTest::newRow("overflow 8ZZ..") << QStringLiteral("8ZZZZZZZZZZZZZZZZZZZZZZZZZ");
    QTest::newRow("leading space") << QStringLiteral(" 01ARYZ6S41VTPVXVYAZTXBW4H");
}

void TestUlid::invalid()
{
    QFETCH(QString, text);
    QVERIFY(!Ulid::fromString(text).has_value());
}

void TestUlid::orderMatchesText()
{
    // Sorting ids sorts their text, so ids stored as text keep submit order.
    QRandomGenerator rng(99);
    for (int i = 0; i < 5000; ++i) {
        const Ulid a = make(rng.generate64() >> (rng.bounded(3) * 20), rng.generate64());
        const Ulid b = make(rng.bounded(2) ? a.hi : rng.generate64(), rng.generate64());
        const bool less = a < b;
        const int cmp = QString::compare(a.toString(), b.toString());
        QCOMPARE(less, cmp < 0);
        QCOMPARE(a == b, cmp == 0);
    }
}

void TestUlid::timestampFromParts_data()
{
    QTest::addColumn<qint64>("ms");
    QTest::newRow("0") << qint64(0);
    QTest::newRow("1") << qint64(1);
    QTest::newRow("2016") << qint64(1469918176385);
    QTest::newRow("2026") << qint64(1767225600000);
    QTest::newRow("max 48 bits") << qint64(0xFFFFFFFFFFFFLL);
}

void TestUlid::timestampFromParts()
{
    QFETCH(qint64, ms);
    const Ulid u = make((static_cast<quint64>(ms) << 16) | 0xABCD, ~quint64(0));
    QCOMPARE(u.timestampMs(), ms);
    QCOMPARE(Ulid::fromString(u.toString())->timestampMs(), ms);
}

void TestUlid::monotonicSameMillisecond()
{
    const qint64 ms = freshMs();
    Ulid previous = UlidGenerator::next(ms);
    QCOMPARE(previous.timestampMs(), ms);
    QSet<Ulid> seen;
    seen.reserve(100'000);
    seen.insert(previous);
    for (int i = 1; i < 100'000; ++i) {
        const Ulid u = UlidGenerator::next(ms);
        if (!(previous < u))
            QFAIL(qPrintable(QStringLiteral("id %1 (%2) is not above %3").arg(i).arg(u.toString(), previous.toString())));
        if (u.timestampMs() != ms)
            QFAIL(qPrintable(QStringLiteral("id %1 has timestamp %2, expected %3").arg(i).arg(u.timestampMs()).arg(ms)));
        seen.insert(u);
        previous = u;
    }
    QCOMPARE(seen.size(), 100'000);
    // The text form is ordered too.
    QVERIFY(UlidGenerator::next(ms).toString() > previous.toString());
}

void TestUlid::monotonicAcrossMilliseconds()
{
    const qint64 start = freshMs();
    Ulid previous = UlidGenerator::next(start);
    for (qint64 ms = start; ms < start + 2000; ++ms) {
        // A few ids per millisecond, then the clock moves on.
        for (int k = 0; k < 5; ++k) {
            const Ulid u = UlidGenerator::next(ms);
            if (!(previous < u))
                QFAIL(qPrintable(QStringLiteral("not increasing at ms %1").arg(ms)));
            QCOMPARE(u.timestampMs(), ms);
            previous = u;
        }
    }
    m_ms = start + 2000;
}

void TestUlid::clockStepsBack()
{
    const qint64 ms = freshMs();
    const Ulid a = UlidGenerator::next(ms);
    const Ulid b = UlidGenerator::next(ms - 500); // clock stepped back
    QVERIFY(a < b);
    QCOMPARE(b.timestampMs(), ms); // keeps the last timestamp
    const Ulid c = UlidGenerator::next(ms + 1);
    QVERIFY(b < c);
    QCOMPARE(c.timestampMs(), ms + 1);
    m_ms = ms + 1;
}

void TestUlid::generatorTimestamp()
{
    for (int i = 0; i < 50; ++i) {
        const qint64 ms = freshMs(1 + i * 37);
        QCOMPARE(UlidGenerator::next(ms).timestampMs(), ms);
    }
}

void TestUlid::nullAndHash()
{
    QVERIFY(Ulid {}.isNull());
    QVERIFY(!make(0, 1).isNull());
    QVERIFY(!make(1, 0).isNull());
    const Ulid a = make(0x1563df36481deadULL, 0xbeefcafebabe1234ULL);
    const Ulid b = *Ulid::fromString(a.toString());
    QCOMPARE(qHash(a), qHash(b));
    QCOMPARE(qHash(a, 17), qHash(b, 17));
    QVERIFY(a == b);
    QVERIFY(!(a == make(a.hi, a.lo + 1)));
    QVERIFY(a < make(a.hi, a.lo + 1));
    QVERIFY(make(a.hi, ~quint64(0)) < make(a.hi + 1, 0));
}

QTEST_GUILESS_MAIN(TestUlid)
#include "tst_ulid.moc"
