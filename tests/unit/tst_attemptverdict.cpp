// decideAttempt: what becomes of a task when one attempt's call ends, one row
// per rule (success, retryable, not retryable, Retry-After, timeout, deadline,
// last attempt, cancelled, interrupted, streamed, failover).
#include "sched/attemptverdict.h"

#include <QtTest>

using namespace llmsched;

Q_DECLARE_METATYPE(AttemptVerdict::Next)

namespace {

constexpr qint64 kNow = 1'000'000;

// 1 s, doubling, no jitter: attempt n waits 2^(n-1) s.
RetryPolicy policy()
{
    RetryPolicy p;
    p.maxAttempts = 3;
    p.initialDelayMs = 1000;
    p.factor = 2;
    p.maxDelayMs = 60'000;
    p.jitter = 0;
    return p;
}

AttemptFacts failed(FailureKind kind, int status = 0, int attempts = 1)
{
    AttemptFacts f;
    f.failure = kind;
    f.httpStatus = status;
    f.error = QStringLiteral("upstream said no");
    f.attempts = attempts;
    f.maxAttempts = 3;
    f.timeoutMs = 30'000;
    f.nowMs = kNow;
    return f;
}

} // namespace

class TestAttemptVerdict : public QObject
{
    Q_OBJECT

private slots:
    void verdicts_data();
    void verdicts();
    void jitterScalesTheBackOff();
};

void TestAttemptVerdict::verdicts_data()
{
    QTest::addColumn<AttemptFacts>("facts");
    QTest::addColumn<AttemptVerdict::Next>("next");
    QTest::addColumn<bool>("retryable");
    QTest::addColumn<bool>("failover");
    QTest::addColumn<qint64>("delayMs");
    QTest::addColumn<QString>("errorContains");

    using N = AttemptVerdict::Next;
    AttemptFacts ok;
    ok.ok = true;
    ok.attempts = 1;
    ok.nowMs = kNow;
    QTest::newRow("success") << ok << N::Succeed << false << false << qint64(0) << QString();

    QTest::newRow("5xx, first attempt: back off 1 s")
        << failed(FailureKind::HttpStatus, 503) << N::Retry << true << false << qint64(1000) << QStringLiteral("upstream said no");
    QTest::newRow("5xx, second attempt: back off 2 s")
        << failed(FailureKind::HttpStatus, 500, 2) << N::Retry << true << false << qint64(2000) << QStringLiteral("upstream said no");
    QTest::newRow("connection error retries") << failed(FailureKind::Connection) << N::Retry << true << false << qint64(1000) << QString();
    QTest::newRow("408 retries") << failed(FailureKind::HttpStatus, 408) << N::Retry << true << false << qint64(1000) << QString();

    AttemptFacts retryAfter = failed(FailureKind::HttpStatus, 429);
    retryAfter.retryAfterMs = 7000;
    QTest::newRow("429 with Retry-After waits what it says") << retryAfter << N::Retry << true << false << qint64(7000) << QString();

    QTest::newRow("400 is not retryable") << failed(FailureKind::HttpStatus, 400) << N::Dead << false << false << qint64(0)
                                          << QStringLiteral("upstream said no");
    QTest::newRow("401 is not retryable") << failed(FailureKind::HttpStatus, 401) << N::Dead << false << false << qint64(0) << QString();
    QTest::newRow("malformed answer is not retryable")
        << failed(FailureKind::MalformedResponse) << N::Dead << false << false << qint64(0) << QString();
    QTest::newRow("configuration error is not retryable")
        << failed(FailureKind::Configuration) << N::Dead << false << false << qint64(0) << QString();

    QTest::newRow("timeout retries, error names the limit")
        << failed(FailureKind::Timeout) << N::Retry << true << false << qint64(1000) << QStringLiteral("timed out after 30.0 s");
    QTest::newRow("last attempt is dead") << failed(FailureKind::HttpStatus, 503, 3) << N::Dead << true << false << qint64(0)
                                          << QStringLiteral("upstream said no");

    AttemptFacts deadline = failed(FailureKind::HttpStatus, 503);
    deadline.deadlineMs = kNow + 500; // the 1 s back-off ends after it
    QTest::newRow("deadline before the retry is dead")
        << deadline << N::Dead << true << false << qint64(0) << QStringLiteral("the deadline leaves no time for another attempt");
    AttemptFacts roomy = failed(FailureKind::HttpStatus, 503);
    roomy.deadlineMs = kNow + 1000; // exactly enough
    QTest::newRow("deadline at the retry still retries") << roomy << N::Retry << true << false << qint64(1000) << QString();

    AttemptFacts failover = failed(FailureKind::HttpStatus, 503);
    failover.canFailOver = true;
    QTest::newRow("another endpoint: fail over at once") << failover << N::Retry << true << true << qint64(0) << QString();
    AttemptFacts failoverLate = failover;
    failoverLate.deadlineMs = kNow - 1; // already past
    QTest::newRow("deadline passed: no failover either")
        << failoverLate << N::Dead << true << false << qint64(0) << QStringLiteral("deadline leaves no time");

    AttemptFacts streamed = failed(FailureKind::Connection);
    streamed.streamedToCaller = true;
    QTest::newRow("streamed to the caller: not retried")
        << streamed << N::Dead << true << false << qint64(0) << QStringLiteral("already streamed to the caller");

    QTest::newRow("cancelled mid-call") << failed(FailureKind::Cancelled) << N::Cancel << false << false << qint64(0) << QString();
    QTest::newRow("interrupted by shutdown") << failed(FailureKind::Interrupted, 0, 3) << N::Requeue << false << false << qint64(0) << QString();

    AttemptFacts silent = failed(FailureKind::Connection, 0, 3);
    silent.error.clear();
    QTest::newRow("a failure without a message says failed") << silent << N::Dead << true << false << qint64(0) << QStringLiteral("failed");
}

void TestAttemptVerdict::verdicts()
{
    QFETCH(AttemptFacts, facts);
    QFETCH(AttemptVerdict::Next, next);
    QFETCH(bool, retryable);
    QFETCH(bool, failover);
    QFETCH(qint64, delayMs);
    QFETCH(QString, errorContains);

    const AttemptVerdict v = decideAttempt(facts, policy());
    QCOMPARE(v.next, next);
    QCOMPARE(v.retryable, retryable);
    QCOMPARE(v.failover, failover);
    QCOMPARE(v.delayMs, delayMs);
    if (next == AttemptVerdict::Next::Retry)
        QCOMPARE(v.dueMs, kNow + delayMs);
    if (!errorContains.isEmpty())
        QVERIFY2(v.error.contains(errorContains), qPrintable(v.error));
    if (next == AttemptVerdict::Next::Retry || next == AttemptVerdict::Next::Dead)
        QVERIFY(!v.error.isEmpty());
}

void TestAttemptVerdict::jitterScalesTheBackOff()
{
    RetryPolicy p = policy();
    p.jitter = 0.5;
    AttemptFacts f = failed(FailureKind::HttpStatus, 502, 2); // base 2 s
    f.random01 = 0;
    QCOMPARE(decideAttempt(f, p).delayMs, qint64(2000));
    f.random01 = 0.5;
    QCOMPARE(decideAttempt(f, p).delayMs, qint64(1500));
    f.random01 = 0.999;
    QVERIFY(decideAttempt(f, p).delayMs > 1000);
}

QTEST_GUILESS_MAIN(TestAttemptVerdict)
#include "tst_attemptverdict.moc"
