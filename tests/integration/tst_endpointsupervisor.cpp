// EndpointSupervisor alone: what each ended call teaches an endpoint (tokens,
// latency, cooldown, adaptive limit, circuit), what the operator is told when
// a circuit opens or closes, and health checks against a real fake server on
// 127.0.0.1 (failing, recovering, hanging through a stop).

#include "fakellmserver.h"
#include "providers/httpclientpool.h"
#include "sched/endpointsupervisor.h"

#include "core/secrets.h"
#include "core/timeutil.h"

#include <QFuture>
#include <QSignalSpy>
#include <QTest>

#include <QCoro/QCoroTask>

using namespace llmsched;
using namespace llmsched::test;

namespace {

constexpr qint64 kT0 = 1'000'000;

CallResult httpFailure(int status, std::optional<qint64> retryAfterMs = std::nullopt)
{
    CallResult r = CallResult::failed(FailureKind::HttpStatus, QStringLiteral("HTTP %1 from upstream").arg(status), status);
    r.retryAfterMs = retryAfterMs;
    return r;
}

CallResult success(qint64 prompt, qint64 completion)
{
    Usage u;
    u.promptTokens = prompt;
    u.completionTokens = completion;
    return CallResult::success(QByteArrayLiteral("{}"), u);
}

// One model "m" with one endpoint, built the way the scheduler builds it.
struct Fixture
{
    HttpClientPool http;
    SecretStore secrets;
    std::unique_ptr<EndpointPool> pool;
    EndpointSupervisor supervisor;
    QSignalSpy notes { &supervisor, &EndpointSupervisor::notification };
    QSignalSpy wakes { &supervisor, &EndpointSupervisor::wakeAt };
    QSignalSpy available { &supervisor, &EndpointSupervisor::endpointsAvailable };

    explicit Fixture(EndpointConfig e)
        : supervisor([this](const auto& visit) {
            if (pool)
                visit(QStringLiteral("m"), *pool);
        })
    {
        ModelConfig m;
        m.name = QStringLiteral("m");
        m.concurrency = 8;
        m.endpoints = { std::move(e) };
        auto r = EndpointPool::create(m, ProviderContext { &http, &secrets });
        if (!r)
            qFatal("%s", qPrintable(r.error().toString()));
        pool = std::move(r).value();
    }
    EndpointRuntime& e() { return *pool->at(0); }

    // A call that reached the endpoint and ended with `r`, holding `reserved` tokens.
    void ended(const CallResult& r, qint64 now, qint64 reserved = 0, qint64 tookMs = 50)
    {
        e().circuit.onStart(now);
        const TpmLimiter::Ticket ticket = e().tpm.reserve(now, reserved);
        supervisor.callEnded(QStringLiteral("m"), e(), { &r, ticket, reserved, tookMs }, now);
    }
};

EndpointConfig simulated()
{
    EndpointConfig e;
    e.name = QStringLiteral("e0");
    e.provider = QStringLiteral("simulated");
    e.healthCheckIntervalMs = 0;
    return e;
}

EndpointConfig openAiAt(const FakeLlmServer& server, qint64 healthEveryMs)
{
    EndpointConfig e;
    e.name = QStringLiteral("e0");
    e.provider = QStringLiteral("openai");
    e.baseUrl = server.baseUrl() + QStringLiteral("/v1");
    e.upstreamModel = QStringLiteral("upstream-model");
    e.healthCheckIntervalMs = healthEveryMs;
    return e;
}

Notification noteAt(const QSignalSpy& spy, int i)
{
    return spy.at(i).at(0).value<Notification>();
}

} // namespace

class TestEndpointSupervisor : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { qRegisterMetaType<Notification>(); }

    void serverErrorsOpenTheCircuitAndSayWhy()
    {
        Fixture f(simulated());
        const int threshold = f.e().config.circuit.failureThreshold;
        for (int i = 0; i < threshold; ++i)
            f.ended(httpFailure(502), kT0 + i);
        QCOMPARE(f.e().calls, qint64(threshold));
        QCOMPARE(f.e().failures, qint64(threshold));
        QCOMPARE(f.e().lastError, QStringLiteral("HTTP 502 from upstream"));
        QCOMPARE(f.e().circuit.state(kT0 + threshold), CircuitBreaker::State::Open);
        QCOMPARE(f.notes.size(), 1);
        const Notification n = noteAt(f.notes, 0);
        QCOMPARE(n.kind, Notification::Kind::Warning);
        QCOMPARE(n.title, QStringLiteral("Endpoint circuit opened"));
        QVERIFY2(n.message.contains(QStringLiteral("after %1 failures").arg(threshold)), qPrintable(n.message));
        QVERIFY2(n.message.contains(QStringLiteral("HTTP 502 from upstream")), qPrintable(n.message));
        // The scheduler is woken when the endpoint may take calls again.
        QCOMPARE(f.wakes.size(), 1);
        QCOMPARE(f.wakes.at(0).at(0).toLongLong(), f.e().circuit.openUntilMs());
    }

    void openCircuitHalfOpensOnTheHealthTickThenClosesOnSuccess()
    {
        Fixture f(simulated());
        for (int i = 0; i < f.e().config.circuit.failureThreshold; ++i)
            f.ended(httpFailure(500), kT0);
        const qint64 reopen = f.e().circuit.openUntilMs();
        f.supervisor.checkHealthDue(reopen - 1);
        QCOMPARE(f.available.size(), 0);
        f.supervisor.checkHealthDue(reopen);
        QCOMPARE(f.available.size(), 1); // half-open: a probe may go
        QCOMPARE(f.e().circuit.state(reopen), CircuitBreaker::State::HalfOpen);

        f.ended(success(10, 20), reopen + 1);
        QCOMPARE(f.e().circuit.state(reopen + 1), CircuitBreaker::State::Closed);
        QCOMPARE(f.available.size(), 2);
        const Notification n = noteAt(f.notes, f.notes.size() - 1);
        QCOMPARE(n.kind, Notification::Kind::Info);
        QCOMPARE(n.title, QStringLiteral("Endpoint recovered"));
    }

    void rateLimitsCoolDownAndCutConcurrencyWithoutCountingAgainstHealth()
    {
        Fixture f(simulated());
        const int before = f.e().limit();
        QVERIFY(before > 1);
        for (int i = 0; i < 20; ++i)
            f.ended(httpFailure(429, 3000), kT0 + i * 1000);
        QCOMPARE(f.e().cooldownUntilMs, kT0 + 19 * 1000 + 3000);
        QVERIFY2(f.e().limit() < before, qPrintable(QStringLiteral("%1 -> %2").arg(before).arg(f.e().limit())));
        QCOMPARE(f.e().circuit.state(kT0 + 20'000), CircuitBreaker::State::Closed);
        QCOMPARE(f.notes.size(), 0);
    }

    void clientErrorsAndOurOwnStopsDoNotOpenIt()
    {
        Fixture f(simulated());
        for (int i = 0; i < 20; ++i) {
            f.ended(httpFailure(400), kT0 + i);
            f.ended(CallResult::failed(FailureKind::Cancelled, QStringLiteral("cancelled")), kT0 + i);
            f.ended(CallResult::failed(FailureKind::Interrupted, QStringLiteral("interrupted")), kT0 + i);
        }
        QCOMPARE(f.e().circuit.state(kT0 + 20), CircuitBreaker::State::Closed);
        QCOMPARE(f.e().failures, qint64(20)); // the 400s; our own stops are not the endpoint's failures
        QCOMPARE(f.e().lastError, QStringLiteral("HTTP 400 from upstream"));
        QCOMPARE(f.notes.size(), 0);
    }

    void tokensAreSettledByWhatTheCallUsed()
    {
        EndpointConfig e = simulated();
        e.tpm = 100'000;
        Fixture f(e);
        f.ended(success(300, 200), kT0, 1000);
        QCOMPARE(f.e().tpm.used(kT0), qint64(500)); // what it reported, not the estimate
        f.ended(httpFailure(400), kT0, 1000);
        QCOMPARE(f.e().tpm.used(kT0), qint64(500)); // refused: used nothing
        f.ended(httpFailure(500), kT0, 1000);
        QCOMPARE(f.e().tpm.used(kT0), qint64(1500)); // may have run: keeps the reservation
        // A call that never reached the endpoint keeps its reservation and is no call.
        const qint64 calls = f.e().calls;
        const TpmLimiter::Ticket t = f.e().tpm.reserve(kT0, 700);
        f.supervisor.callEnded(QStringLiteral("m"), f.e(), { nullptr, t, 700, 0 }, kT0);
        QCOMPARE(f.e().tpm.used(kT0), qint64(2200));
        QCOMPARE(f.e().calls, calls);
    }

    void latencyAndCompletionSizeLearnOnlyFromSuccesses()
    {
        Fixture f(simulated());
        f.ended(httpFailure(500), kT0, 0, 5000);
        QCOMPARE(f.e().latencyMs.samples(), qint64(0));
        f.ended(success(10, 40), kT0, 0, 120);
        QCOMPARE(f.e().latencyMs.value(), 120.0);
        QCOMPARE(f.e().completionTokens.value(), 40.0);
    }

    void failedHealthCheckOpensAndPassingOneCloses()
    {
        FakeLlmServer server;
        QVERIFY(server.listen());
        bool healthy = false;
        server.setHandler([&healthy](const FakeRequest&) {
            FakeReply r;
            r.status = healthy ? 200 : 503;
            r.body = healthy ? QByteArrayLiteral("{\"data\":[]}") : QByteArrayLiteral("{\"error\":{\"message\":\"down for maintenance\"}}");
            return r;
        });
        Fixture f(openAiAt(server, 100));
        f.supervisor.start();
        QTRY_COMPARE_WITH_TIMEOUT(f.notes.size(), 1, 10'000);
        QCOMPARE(noteAt(f.notes, 0).title, QStringLiteral("Endpoint circuit opened"));
        QVERIFY2(noteAt(f.notes, 0).message.contains(QStringLiteral("after a failed health check")), qPrintable(noteAt(f.notes, 0).message));
        QVERIFY(!f.e().healthy);
        QCOMPARE(f.e().circuit.state(nowMs()), CircuitBreaker::State::Open);

        // A passing check lets probes through (half-open) at the next tick;
        // the first call that succeeds closes the circuit.
        healthy = true;
        QTRY_VERIFY_WITH_TIMEOUT(f.e().healthy, 10'000);
        QTRY_VERIFY_WITH_TIMEOUT(f.available.size() >= 1, 5000);
        QCOMPARE(f.e().circuit.state(nowMs()), CircuitBreaker::State::HalfOpen);
        f.ended(success(10, 20), nowMs());
        QCOMPARE(f.e().circuit.state(nowMs()), CircuitBreaker::State::Closed);
        QCOMPARE(noteAt(f.notes, f.notes.size() - 1).title, QStringLiteral("Endpoint recovered"));
        QVERIFY(server.requestCount() >= 2);
        f.supervisor.stop();
    }

    void stopInterruptsAHangingCheck()
    {
        FakeLlmServer server;
        QVERIFY(server.listen());
        server.setHandler([](const FakeRequest&) {
            FakeReply r;
            r.action = FakeReply::Action::Hang;
            return r;
        });
        Fixture f(openAiAt(server, 100));
        QSignalSpy finished(&f.supervisor, &EndpointSupervisor::checksFinished);
        f.supervisor.start();
        QTRY_VERIFY(f.supervisor.busy());
        QTRY_COMPARE(server.requestCount(), 1);
        f.supervisor.stop();
        QTRY_COMPARE(finished.size(), 1);
        QVERIFY(!f.supervisor.busy());
        QCOMPARE(f.notes.size(), 0); // an interrupted check says nothing about the endpoint
    }

    void connectionTestReportsEachEndpoint()
    {
        FakeLlmServer server;
        QVERIFY(server.listen());
        Fixture f(openAiAt(server, 0));
        ModelConfig m;
        m.name = QStringLiteral("candidate");
        m.concurrency = 4;
        EndpointConfig dead = openAiAt(server, 0);
        dead.name = QStringLiteral("dead");
        dead.baseUrl = QStringLiteral("http://127.0.0.1:1/v1"); // nothing listens on port 1
        EndpointConfig local = simulated();
        local.name = QStringLiteral("local");
        m.endpoints = { openAiAt(server, 0), dead, local };
        auto pool = EndpointPool::create(m, ProviderContext { &f.http, &f.secrets });
        QVERIFY(pool);
        auto reply = makeReply<Result<QList<EndpointTestResult>>>();
        f.supervisor.testConnection(std::shared_ptr<EndpointPool>(std::move(*pool)), reply);
        QTRY_VERIFY_WITH_TIMEOUT(reply->future().isFinished(), 15'000);
        const auto results = reply->future().result();
        QVERIFY(results);
        QCOMPARE(results->size(), 3);
        QVERIFY(results->at(0).checked && results->at(0).ok);
        QVERIFY(results->at(1).checked && !results->at(1).ok);
        QVERIFY(!results->at(1).message.isEmpty());
        QVERIFY(!results->at(2).checked && results->at(2).ok); // nothing to contact
        QCOMPARE(server.requestCount(), 1);
    }
};

QTEST_GUILESS_MAIN(TestEndpointSupervisor)
#include "tst_endpointsupervisor.moc"
