// Webhooks on a real engine and store (core/webhook.h, engine/webhookmanager.h),
// delivering over real HTTP to an in-process receiver on 127.0.0.1: the
// signature checked as a receiver would (and recomputed here independently),
// retries with growing waits after 500s, giving up and redelivering, no
// connection at all to a refused address, a restart while a retry waits,
// and which tasks and workflows each scope hears of.

#include "enginetestutil.h"
#include "fakellmserver.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QMessageAuthenticationCode>

using namespace llmsched;
using namespace llmsched::test;
using namespace testutil;

namespace {

WebhookSpec hookSpec(const QJsonObject& json)
{
    auto s = WebhookSpec::fromJson(json);
    if (!s)
        qFatal("webhook refused: %s", qPrintable(s.error().toString()));
    return *s;
}

} // namespace

class TestWebhooks : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();

    void signedDeliveryOfAFinishedTask();
    void retriesAfterServerErrorsWithGrowingWaits();
    void givesUpAfterItsAttemptsThenRedelivers();
    void refusedAddressIsNeverContacted();
    void restartInTheMiddleOfARetry();
    void scopesPickTheirTasksAndWorkflows();
    void stateChangesAndPause();
    void removedWhileAPostIsInFlight();
    void endedDeliveriesGoAfterTheirRetention();
    void refusalsNameTheField_data();
    void refusalsNameTheField();

private:
    void start(bool allowLoopback = true);
    QJsonObject create(const QJsonObject& body);
    QJsonArray deliveries(const QString& hook);
    QJsonObject deliveryOf(const QString& hook, const QString& id);
    QList<FakeRequest> hooksReceived() const { return m_receiver->requests(); }

    std::unique_ptr<EngineFixture> m_fx;
    std::unique_ptr<FakeLlmServer> m_receiver;
    QString m_url;
};

void TestWebhooks::init()
{
    m_receiver = std::make_unique<FakeLlmServer>();
    QVERIFY(m_receiver->listen());
    m_receiver->setRecordRequests(true);
    FakeReply ok;
    ok.body = QByteArrayLiteral("{}");
    m_receiver->setDefaultReply(ok);
    m_url = m_receiver->baseUrl() + QStringLiteral("/hooks/llm");
    m_fx = std::make_unique<EngineFixture>();
}

void TestWebhooks::cleanup()
{
    m_fx.reset();
    m_receiver.reset();
}

void TestWebhooks::start(bool allowLoopback)
{
    m_fx->webhookRetryBaseMs = 50;
    if (allowLoopback)
        m_fx->webhookPrivateHosts = { QStringLiteral("127.0.0.1") };
    QVERIFY(m_fx->start());
    QVERIFY(m_fx->addModel(simModel(QStringLiteral("m"))));
    QVERIFY(m_fx->addModel(simModel(QStringLiteral("other"))));
}

QJsonObject TestWebhooks::create(const QJsonObject& body)
{
    auto r = await(m_fx->engine->createWebhook(hookSpec(body)));
    if (!r)
        qWarning() << "create failed:" << r.error().toString();
    return r ? *r : QJsonObject();
}

QJsonArray TestWebhooks::deliveries(const QString& hook)
{
    auto r = await(m_fx->engine->webhookDeliveries(hook, DocQuery { {}, {}, 0, {} }));
    return r ? *r : QJsonArray();
}

QJsonObject TestWebhooks::deliveryOf(const QString& hook, const QString& id)
{
    auto r = await(m_fx->engine->webhookDelivery(hook, id));
    return r ? *r : QJsonObject();
}

void TestWebhooks::signedDeliveryOfAFinishedTask()
{
    start();
    const QJsonObject hook = create(QJsonObject { { QStringLiteral("url"), m_url }, { QStringLiteral("scope"), QStringLiteral("model") },
        { QStringLiteral("target"), QStringLiteral("m") }, { QStringLiteral("events"), QJsonArray { QStringLiteral("task.finished") } } });
    const QString hookId = hook.value(QLatin1String("id")).toString();
    const QByteArray secret = hook.value(QLatin1String("secret")).toString().toUtf8();
    QVERIFY(!hookId.isEmpty());
    QVERIFY2(secret.startsWith("whsec_") && secret.size() > 40, secret.constData());

    const Ulid id = m_fx->submitOne(spec(QStringLiteral("m"), 5, QStringLiteral("tell me")));
    m_fx->submitOne(spec(QStringLiteral("other"), 5, QStringLiteral("not for this hook")));
    QTRY_COMPARE_WITH_TIMEOUT(m_receiver->requestCount(), 1, 10000);
    const FakeRequest req = hooksReceived().constFirst();
    QCOMPARE(req.method, QByteArrayLiteral("POST"));
    QCOMPARE(req.path, QByteArrayLiteral("/hooks/llm"));
    QCOMPARE(req.headers.value("content-type"), QByteArrayLiteral("application/json"));
    QCOMPARE(req.headers.value("x-llmsched-event"), QByteArrayLiteral("task.finished"));
    QCOMPARE(req.headers.value("x-llmsched-webhook"), hookId.toLatin1());

    // The signature, checked as a receiver would and recomputed here from its parts.
    const QByteArray header = req.headers.value("x-llmsched-signature");
    QVERIFY2(verifyWebhookSignature(secret, header, req.body, QDateTime::currentSecsSinceEpoch()), header.constData());
    const QByteArray t = header.split(',').at(0).mid(2);
    QVERIFY(qAbs(t.toLongLong() - QDateTime::currentSecsSinceEpoch()) < 60);
    const QByteArray mac = QMessageAuthenticationCode::hash(t + '.' + req.body, secret, QCryptographicHash::Sha256).toHex();
    QCOMPARE(header, QByteArrayLiteral("t=") + t + QByteArrayLiteral(",v1=") + mac);
    QVERIFY(!verifyWebhookSignature(QByteArrayLiteral("whsec_not-the-secret-at-all"), header, req.body, QDateTime::currentSecsSinceEpoch()));
    QVERIFY(!verifyWebhookSignature(secret, header, req.body + ' ', QDateTime::currentSecsSinceEpoch()));
    QVERIFY(!verifyWebhookSignature(secret, header, req.body, QDateTime::currentSecsSinceEpoch() + 3600)); // replayed an hour on

    const QJsonObject payload = req.json;
    QCOMPARE(payload.value(QLatin1String("type")).toString(), QStringLiteral("task.finished"));
    QCOMPARE(payload.value(QLatin1String("id")).toString(), QString::fromLatin1(req.headers.value("x-llmsched-delivery")));
    const QJsonObject task = payload.value(QLatin1String("data")).toObject();
    QCOMPARE(task.value(QLatin1String("id")).toString(), id.toString());
    QCOMPARE(task.value(QLatin1String("state")).toString(), QStringLiteral("succeeded"));
    QVERIFY(task.value(QLatin1String("output")).isObject());

    // The log says the same.
    QTRY_COMPARE_WITH_TIMEOUT(deliveries(hookId).first().toObject().value(QLatin1String("status")).toString(), QStringLiteral("delivered"), 5000);
    const QJsonObject d = deliveryOf(hookId, payload.value(QLatin1String("id")).toString());
    QCOMPARE(d.value(QLatin1String("attempts")).toInt(), 1);
    QCOMPARE(d.value(QLatin1String("last_status")).toInt(), 200);
    QCOMPARE(d.value(QLatin1String("subject")).toString(), id.toString());
    QCOMPARE(d.value(QLatin1String("payload")).toObject(), payload);
    QCOMPARE(deliveries(hookId).size(), 1); // the other model's task was not sent

    // The secret is shown once: reads give a hint of it only.
    const auto read = await(m_fx->engine->webhook(hookId));
    QVERIFY(read);
    QVERIFY(!read->contains(QLatin1String("secret")));
    QCOMPARE(read->value(QLatin1String("secret_hint")).toString(), QStringLiteral("...") + QString::fromUtf8(secret.right(4)));
}

void TestWebhooks::retriesAfterServerErrorsWithGrowingWaits()
{
    start();
    m_receiver->setHandler([](const FakeRequest& r) {
        FakeReply reply;
        reply.status = r.index < 3 ? 500 : 200;
        reply.body = r.index < 3 ? QByteArrayLiteral("{\"error\":{\"message\":\"receiver is down\"}}") : QByteArrayLiteral("{}");
        return reply;
    });
    const QString hookId = create(QJsonObject { { QStringLiteral("url"), m_url }, { QStringLiteral("scope"), QStringLiteral("all") } })
                               .value(QLatin1String("id"))
                               .toString();
    const Ulid id = m_fx->submitOne(spec(QStringLiteral("m"), 5, QStringLiteral("retry me")));
    QTRY_COMPARE_WITH_TIMEOUT(m_receiver->requestCount(), 4, 15000);
    const auto reqs = hooksReceived();
    // One delivery, sent four times, the same bytes each time.
    for (const FakeRequest& r : reqs) {
        QCOMPARE(r.headers.value("x-llmsched-delivery"), reqs.at(0).headers.value("x-llmsched-delivery"));
        QCOMPARE(r.body, reqs.at(0).body);
    }
    // Waits of 50, 100, 200 ms (+-20 %): each longer than the one before.
    const qint64 gap1 = reqs.at(1).receivedMs - reqs.at(0).receivedMs;
    const qint64 gap2 = reqs.at(2).receivedMs - reqs.at(1).receivedMs;
    const qint64 gap3 = reqs.at(3).receivedMs - reqs.at(2).receivedMs;
    QVERIFY2(gap1 >= 40 && gap2 >= 80 && gap3 >= 160, qPrintable(QStringLiteral("%1 %2 %3").arg(gap1).arg(gap2).arg(gap3)));

    const QString deliveryId = QString::fromLatin1(reqs.at(0).headers.value("x-llmsched-delivery"));
    QTRY_COMPARE_WITH_TIMEOUT(deliveryOf(hookId, deliveryId).value(QLatin1String("status")).toString(), QStringLiteral("delivered"), 5000);
    const QJsonObject d = deliveryOf(hookId, deliveryId);
    QCOMPARE(d.value(QLatin1String("attempts")).toInt(), 4);
    const QJsonArray log = d.value(QLatin1String("log")).toArray();
    QCOMPARE(log.size(), 4);
    QCOMPARE(log.at(0).toObject().value(QLatin1String("status")).toInt(), 500);
    QVERIFY(log.at(0).toObject().value(QLatin1String("error")).toString().contains(QLatin1String("receiver is down")));
    QCOMPARE(log.at(3).toObject().value(QLatin1String("status")).toInt(), 200);
    QVERIFY(d.value(QLatin1String("last_error")).isNull());
    QCOMPARE(m_fx->lastState(id), TaskState::Succeeded);
}

void TestWebhooks::givesUpAfterItsAttemptsThenRedelivers()
{
    start();
    bool up = false;
    m_receiver->setHandler([&up](const FakeRequest&) {
        FakeReply reply;
        reply.status = up ? 204 : 503;
        return reply;
    });
    const QString hookId = create(
        QJsonObject { { QStringLiteral("url"), m_url }, { QStringLiteral("scope"), QStringLiteral("all") }, { QStringLiteral("max_attempts"), 2 } })
                               .value(QLatin1String("id"))
                               .toString();
    m_fx->submitOne(spec(QStringLiteral("m"), 5, QStringLiteral("doomed")));
    QTRY_COMPARE_WITH_TIMEOUT(deliveries(hookId).size(), 1, 10000);
    const QString deliveryId = deliveries(hookId).first().toObject().value(QLatin1String("id")).toString();
    QTRY_COMPARE_WITH_TIMEOUT(deliveryOf(hookId, deliveryId).value(QLatin1String("status")).toString(), QStringLiteral("failed"), 10000);
    QJsonObject d = deliveryOf(hookId, deliveryId);
    QCOMPARE(d.value(QLatin1String("attempts")).toInt(), 2);
    QCOMPARE(m_receiver->requestCount(), 2);
    QVERIFY(d.value(QLatin1String("last_error")).toString().contains(QLatin1String("HTTP 503")));
    // Listed among the failed ones.
    auto failed = await(m_fx->engine->webhookDeliveries(hookId, DocQuery { {}, { QStringLiteral("failed") }, 0, {} }));
    QVERIFY(failed);
    QCOMPARE(failed->size(), 1);

    // The receiver is back: an operator sends it again.
    up = true;
    auto again = await(m_fx->engine->redeliverWebhook(hookId, deliveryId));
    QVERIFY2(again, again ? "" : qPrintable(again.error().toString()));
    QTRY_COMPARE_WITH_TIMEOUT(deliveryOf(hookId, deliveryId).value(QLatin1String("status")).toString(), QStringLiteral("delivered"), 10000);
    QCOMPARE(m_receiver->requestCount(), 3);
    // A pending or delivered one is not sent again by mistake while pending.
    QCOMPARE(await(m_fx->engine->redeliverWebhook(hookId, QStringLiteral("01NOSUCHDELIVERY0000000000"))).error().code, ErrorCode::NotFound);
}

void TestWebhooks::refusedAddressIsNeverContacted()
{
    start(false); // loopback not allowed
    const QString loopback = create(QJsonObject { { QStringLiteral("url"), m_url }, { QStringLiteral("scope"), QStringLiteral("all") } })
                                 .value(QLatin1String("id"))
                                 .toString();
    const QString metadata = create(QJsonObject { { QStringLiteral("url"), QStringLiteral("http://169.254.169.254/latest/meta-data/") },
                                        { QStringLiteral("scope"), QStringLiteral("all") } })
                                 .value(QLatin1String("id"))
                                 .toString();
    m_fx->submitOne(spec(QStringLiteral("m"), 5, QStringLiteral("hi")));
    for (const auto& [hook, scope] : { std::pair { loopback, QStringLiteral("loopback") }, std::pair { metadata, QStringLiteral("link-local") } }) {
        QTRY_COMPARE_WITH_TIMEOUT(deliveries(hook).size(), 1, 10000);
        const QString id = deliveries(hook).first().toObject().value(QLatin1String("id")).toString();
        QTRY_COMPARE_WITH_TIMEOUT(deliveryOf(hook, id).value(QLatin1String("status")).toString(), QStringLiteral("failed"), 10000);
        const QJsonObject d = deliveryOf(hook, id);
        QCOMPARE(d.value(QLatin1String("attempts")).toInt(), 1); // refused: not retried
        const QString error = d.value(QLatin1String("last_error")).toString();
        QVERIFY2(error.startsWith(QLatin1String("refused:")) && error.contains(scope) && error.contains(QLatin1String("--webhook-allow-host")),
            qPrintable(error));
    }
    QCOMPARE(m_receiver->requestCount(), 0);
    QCOMPARE(m_receiver->connectionsAccepted(), 0);
}

void TestWebhooks::restartInTheMiddleOfARetry()
{
    start();
    m_receiver->setHandler([](const FakeRequest&) {
        FakeReply reply;
        reply.status = 500;
        return reply;
    });
    const QString hookId = create(QJsonObject { { QStringLiteral("url"), m_url }, { QStringLiteral("scope"), QStringLiteral("all") } })
                               .value(QLatin1String("id"))
                               .toString();
    m_fx->stop();
    m_fx->webhookRetryBaseMs = 1000; // the retry waits while the engine restarts
    QVERIFY(m_fx->start());
    m_fx->submitOne(spec(QStringLiteral("m"), 5, QStringLiteral("survive a restart")));
    QTRY_COMPARE_WITH_TIMEOUT(m_receiver->requestCount(), 1, 10000);
    QTRY_COMPARE_WITH_TIMEOUT(deliveries(hookId).first().toObject().value(QLatin1String("attempts")).toInt(), 1, 5000);
    const QString deliveryId = deliveries(hookId).first().toObject().value(QLatin1String("id")).toString();
    QCOMPARE(deliveries(hookId).first().toObject().value(QLatin1String("status")).toString(), QStringLiteral("pending"));
    m_fx->stop();

    m_receiver->setHandler([](const FakeRequest&) { return FakeReply {}; });
    QVERIFY(m_fx->start());
    QTRY_COMPARE_WITH_TIMEOUT(deliveryOf(hookId, deliveryId).value(QLatin1String("status")).toString(), QStringLiteral("delivered"), 15000);
    QCOMPARE(deliveryOf(hookId, deliveryId).value(QLatin1String("attempts")).toInt(), 2);
    QCOMPARE(m_receiver->requestCount(), 2);
    QCOMPARE(hooksReceived().at(1).headers.value("x-llmsched-delivery"), deliveryId.toLatin1());
    QCOMPARE(deliveries(hookId).size(), 1); // the task's end was not told twice
}

void TestWebhooks::scopesPickTheirTasksAndWorkflows()
{
    start();
    const QJsonArray both { QStringLiteral("task.finished"), QStringLiteral("workflow.finished") };
    const QString named
        = create(QJsonObject { { QStringLiteral("url"), m_url }, { QStringLiteral("events"), both } }).value(QLatin1String("id")).toString();
    const QString onlyWorkflows = create(QJsonObject { { QStringLiteral("url"), m_url }, { QStringLiteral("scope"), QStringLiteral("all") },
                                             { QStringLiteral("events"), QJsonArray { QStringLiteral("workflow.finished") } } })
                                      .value(QLatin1String("id"))
                                      .toString();

    // A plain task naming the webhook, and one that does not.
    TaskSpec tagged = spec(QStringLiteral("m"), 5, QStringLiteral("tagged"));
    tagged.labels.insert(QStringLiteral("webhook"), named);
    const Ulid taggedId = m_fx->submitOne(tagged);
    m_fx->submitOne(spec(QStringLiteral("m"), 5, QStringLiteral("untagged")));

    // A workflow naming it: its two tasks and its end.
    auto plan = WorkflowPlan::fromJson(QJsonDocument::fromJson(QStringLiteral(R"({"name": "wf", "webhook": "%1", "tasks": [
        {"key": "a", "model": "m", "input": {"messages": [{"role": "user", "content": "a"}]}},
        {"key": "b", "model": "m", "depends_on": ["a"], "input": {"messages": [{"role": "user", "content": "b"}]}}]})")
                                                                   .arg(named)
                                                                   .toUtf8())
                                           .object());
    QVERIFY2(plan, plan ? "" : qPrintable(plan.error().toString()));
    auto wf = await(m_fx->engine->createWorkflow(*plan));
    QVERIFY(wf);
    const QString wfId = wf->doc.id;

    QTRY_COMPARE_WITH_TIMEOUT(deliveries(named).size(), 4, 10000);
    QTRY_COMPARE_WITH_TIMEOUT(deliveries(onlyWorkflows).size(), 1, 10000);
    QMultiHash<QString, QString> told; // event -> subject
    for (const QJsonValue& v : deliveries(named))
        told.insert(v.toObject().value(QLatin1String("event")).toString(), v.toObject().value(QLatin1String("subject")).toString());
    QCOMPARE(told.values(QStringLiteral("workflow.finished")), QStringList { wfId });
    QStringList tasks = told.values(QStringLiteral("task.finished"));
    QCOMPARE(tasks.size(), 3);
    QVERIFY(tasks.contains(taggedId.toString()));
    QCOMPARE(deliveries(onlyWorkflows).first().toObject().value(QLatin1String("subject")).toString(), wfId);

    // The workflow's payload: its state and counts.
    QTRY_COMPARE_WITH_TIMEOUT(m_receiver->requestCount(), 5, 10000);
    bool sawWorkflow = false;
    for (const FakeRequest& r : hooksReceived()) {
        if (r.json.value(QLatin1String("type")).toString() != QLatin1String("workflow.finished"))
            continue;
        sawWorkflow = true;
        const QJsonObject data = r.json.value(QLatin1String("data")).toObject();
        QCOMPARE(data.value(QLatin1String("id")).toString(), wfId);
        QCOMPARE(data.value(QLatin1String("state")).toString(), QStringLiteral("succeeded"));
        QCOMPARE(data.value(QLatin1String("counts")).toObject().value(QLatin1String("succeeded")).toInt(), 2);
    }
    QVERIFY(sawWorkflow);
}

void TestWebhooks::stateChangesAndPause()
{
    start();
    const QString hookId
        = create(QJsonObject { { QStringLiteral("url"), m_url }, { QStringLiteral("scope"), QStringLiteral("model") },
                     { QStringLiteral("target"), QStringLiteral("m") }, { QStringLiteral("events"), QJsonArray { QStringLiteral("task.state") } } })
              .value(QLatin1String("id"))
              .toString();
    const Ulid id = m_fx->submitOne(spec(QStringLiteral("m"), 5, QStringLiteral("watch me")));
    QTRY_COMPARE_WITH_TIMEOUT(m_receiver->requestCount(), 2, 10000); // running, succeeded
    QSet<QString> states;
    for (const FakeRequest& r : hooksReceived()) {
        QCOMPARE(r.json.value(QLatin1String("type")).toString(), QStringLiteral("task.state"));
        const QJsonObject data = r.json.value(QLatin1String("data")).toObject();
        QCOMPARE(data.value(QLatin1String("id")).toString(), id.toString());
        states.insert(data.value(QLatin1String("state")).toString());
    }
    QCOMPARE(states, (QSet<QString> { QStringLiteral("running"), QStringLiteral("succeeded") }));

    // Paused: nothing is owed while it is.
    QVERIFY(await(m_fx->engine->pauseWebhook(hookId, true)));
    const Ulid quiet = m_fx->submitOne(spec(QStringLiteral("m"), 5, QStringLiteral("while paused")));
    QTRY_COMPARE_WITH_TIMEOUT(m_fx->lastState(quiet), TaskState::Succeeded, 10000);
    // A ping goes through the same path and shows the hook works; it is not a task change.
    auto resumed = await(m_fx->engine->pauseWebhook(hookId, false));
    QVERIFY(resumed);
    QCOMPARE(resumed->value(QLatin1String("paused")).toBool(), false);
    QVERIFY(await(m_fx->engine->pingWebhook(hookId)));
    QTRY_COMPARE_WITH_TIMEOUT(m_receiver->requestCount(), 3, 10000);
    QCOMPARE(hooksReceived().constLast().json.value(QLatin1String("type")).toString(), QStringLiteral("ping"));
    QCOMPARE(deliveries(hookId).size(), 3);

    // Removed: it hears of nothing more; its log stays readable.
    QVERIFY(await(m_fx->engine->deleteWebhook(hookId)));
    QCOMPARE(await(m_fx->engine->webhook(hookId)).error().code, ErrorCode::NotFound);
    const Ulid after = m_fx->submitOne(spec(QStringLiteral("m"), 5, QStringLiteral("after removal")));
    QTRY_COMPARE_WITH_TIMEOUT(m_fx->lastState(after), TaskState::Succeeded, 10000);
    QCOMPARE(m_receiver->requestCount(), 3);
}

void TestWebhooks::removedWhileAPostIsInFlight()
{
    start();
    FakeReply hang;
    hang.action = FakeReply::Action::Hang;
    m_receiver->setDefaultReply(hang);
    const QString hookId = create(QJsonObject { { QStringLiteral("url"), m_url }, { QStringLiteral("scope"), QStringLiteral("all") } })
                               .value(QLatin1String("id"))
                               .toString();
    m_fx->submitOne(spec(QStringLiteral("m"), 5, QStringLiteral("the receiver never answers")));
    QTRY_COMPARE_WITH_TIMEOUT(m_receiver->requestCount(), 1, 10000);
    QCOMPARE(m_receiver->inflight(), 1);
    // Removed with its POST open: the call is dropped, nothing more is sent.
    QVERIFY(await(m_fx->engine->deleteWebhook(hookId)));
    QTRY_COMPARE_WITH_TIMEOUT(m_receiver->clientAborts(), 1, 10000);
    const Ulid after = m_fx->submitOne(spec(QStringLiteral("m"), 5, QStringLiteral("after removal")));
    QTRY_COMPARE_WITH_TIMEOUT(m_fx->lastState(after), TaskState::Succeeded, 10000);
    QCOMPARE(m_receiver->requestCount(), 1);
    // The delivery is still in the store, readable by its id.
    const QString deliveryId = QString::fromLatin1(hooksReceived().constFirst().headers.value("x-llmsched-delivery"));
    QCOMPARE(deliveryOf(hookId, deliveryId).value(QLatin1String("event")).toString(), QStringLiteral("task.finished"));
}

void TestWebhooks::endedDeliveriesGoAfterTheirRetention()
{
    // Ended deliveries (delivered or failed) are deleted once their retention
    // is over, those of a removed webhook too; a pending one is kept. Here
    // the engine restarts with a retention of 1 ms and purges as it starts.
    start();
    const auto hookFor = [this](const QString& url, const QString& model) {
        return create(QJsonObject { { QStringLiteral("url"), url }, { QStringLiteral("scope"), QStringLiteral("model") },
                          { QStringLiteral("target"), model }, { QStringLiteral("events"), QJsonArray { QStringLiteral("task.finished") } } })
            .value(QLatin1String("id"))
            .toString();
    };
    FakeLlmServer hanging;
    QVERIFY(hanging.listen());
    FakeReply hang;
    hang.action = FakeReply::Action::Hang;
    hanging.setDefaultReply(hang);
    const QString kept = hookFor(m_url, QStringLiteral("m"));
    const QString pending = hookFor(hanging.baseUrl() + QStringLiteral("/hooks/never"), QStringLiteral("other"));
    m_fx->submitOne(spec(QStringLiteral("m"), 5, QStringLiteral("one")));
    m_fx->submitOne(spec(QStringLiteral("other"), 5, QStringLiteral("two")));
    QTRY_COMPARE_WITH_TIMEOUT(m_receiver->requestCount(), 1, 10000);
    QTRY_COMPARE_WITH_TIMEOUT(hanging.requestCount(), 1, 10000);
    const auto statusOf = [this](const QString& hook) {
        const QJsonArray d = deliveries(hook);
        return d.size() == 1 ? d.at(0).toObject().value(QLatin1String("status")).toString() : QString::number(d.size());
    };
    QTRY_COMPARE_WITH_TIMEOUT(statusOf(kept), QStringLiteral("delivered"), 10000);
    QCOMPARE(statusOf(pending), QStringLiteral("pending"));
    const QString deliveredId = deliveries(kept).at(0).toObject().value(QLatin1String("id")).toString();
    // A removed webhook's delivery: readable by its id until its retention ends.
    const QString removed = hookFor(m_url, QStringLiteral("m"));
    m_fx->submitOne(spec(QStringLiteral("m"), 5, QStringLiteral("three")));
    QTRY_COMPARE_WITH_TIMEOUT(m_receiver->requestCount(), 3, 10000); // "three" to both hooks on m
    QTRY_COMPARE_WITH_TIMEOUT(statusOf(removed), QStringLiteral("delivered"), 10000);
    const QString removedDelivery = deliveries(removed).at(0).toObject().value(QLatin1String("id")).toString();
    QVERIFY(await(m_fx->engine->deleteWebhook(removed)));
    QCOMPARE(deliveryOf(removed, removedDelivery).value(QLatin1String("status")).toString(), QStringLiteral("delivered"));

    m_fx->stop();
    m_fx->webhookDeliveryRetentionMs = 1;
    QVERIFY(m_fx->start());
    QTRY_VERIFY_WITH_TIMEOUT(deliveries(kept).isEmpty(), 10000);
    QVERIFY(deliveryOf(kept, deliveredId).isEmpty());
    QVERIFY(deliveryOf(removed, removedDelivery).isEmpty());
    QCOMPARE(statusOf(pending), QStringLiteral("pending"));
}

void TestWebhooks::refusalsNameTheField_data()
{
    QTest::addColumn<QString>("body");
    QTest::addColumn<QString>("field");
    QTest::newRow("no url") << R"({"scope": "all"})"
                            << "url";
    QTest::newRow("ftp url") << R"({"url": "ftp://example.com/x"})"
                             << "url";
    QTest::newRow("credentials") << R"({"url": "https://user:pw@example.com/x"})"
                                 << "url";
    QTest::newRow("unknown event") << R"({"url": "https://example.com/x", "events": ["task.finished", "task.exploded"]})"
                                   << "events[1]";
    QTest::newRow("no events") << R"({"url": "https://example.com/x", "events": []})"
                               << "events";
    QTest::newRow("unknown scope") << R"({"url": "https://example.com/x", "scope": "galaxy"})"
                                   << "scope";
    QTest::newRow("scope without target") << R"({"url": "https://example.com/x", "scope": "model"})"
                                          << "target";
    QTest::newRow("target without scope") << R"({"url": "https://example.com/x", "target": "m"})"
                                          << "target";
    QTest::newRow("short secret") << R"({"url": "https://example.com/x", "secret": "abc"})"
                                  << "secret";
    QTest::newRow("attempts") << R"({"url": "https://example.com/x", "max_attempts": 0})"
                              << "max_attempts";
    QTest::newRow("unknown field") << R"({"url": "https://example.com/x", "retries": 3})"
                                   << "retries";
}

void TestWebhooks::refusalsNameTheField()
{
    QFETCH(QString, body);
    QFETCH(QString, field);
    const auto r = WebhookSpec::fromJson(QJsonDocument::fromJson(body.toUtf8()).object());
    QVERIFY(!r);
    QCOMPARE(r.error().code, ErrorCode::InvalidArgument);
    QCOMPARE(r.error().field, field);
}

QTEST_GUILESS_MAIN(TestWebhooks)
#include "tst_webhooks.moc"
