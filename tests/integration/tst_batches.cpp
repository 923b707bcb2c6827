// Batches of both Batch APIs on a real engine and store, against an
// in-process fake upstream: validation errors that name the line (and queue
// nothing), a batch run at low priority into output and error files in
// OpenAI's line format, cancel in the middle, the completion window running
// out, a restart in the middle (nothing lost, nothing run twice), and an
// Anthropic batch with a request that cannot run.

#include "enginetestutil.h"
#include "fakellmserver.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QSignalSpy>

using namespace llmsched;
using namespace llmsched::test;
using namespace testutil;

namespace {

const QString kModel = QStringLiteral("gpt-batch");
const QString kOtherModel = QStringLiteral("gpt-other");

QByteArray requestLine(
    const QString& customId, const QString& content, const QString& model = kModel, const QString& url = QStringLiteral("/v1/chat/completions"))
{
    const QJsonObject line { { QStringLiteral("custom_id"), customId }, { QStringLiteral("method"), QStringLiteral("POST") },
        { QStringLiteral("url"), url },
        { QStringLiteral("body"),
            QJsonObject { { QStringLiteral("model"), model },
                { QStringLiteral("messages"),
                    QJsonArray { QJsonObject { { QStringLiteral("role"), QStringLiteral("user") }, { QStringLiteral("content"), content } } } } } } };
    return QJsonDocument(line).toJson(QJsonDocument::Compact) + '\n';
}

QByteArray requestLines(int n, const QString& prefix = QStringLiteral("req"))
{
    QByteArray out;
    for (int i = 0; i < n; ++i)
        out += requestLine(QStringLiteral("%1-%2").arg(prefix).arg(i), QStringLiteral("question %1").arg(i));
    return out;
}

QList<QJsonObject> jsonLines(const QByteArray& content)
{
    QList<QJsonObject> out;
    for (const QByteArray& line : content.split('\n'))
        if (!line.trimmed().isEmpty())
            out.append(QJsonDocument::fromJson(line).object());
    return out;
}

} // namespace

class TestBatches : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();
    void validationErrorsNameTheLine_data();
    void validationErrorsNameTheLine();
    void batchRunsAtLowPriorityIntoOutputAndErrorFiles();
    void outputOfManyPagesKeepsTheLineOrder();
    void cancelInTheMiddle();
    void linesNotRunWithinTheWindowExpire();
    void restartInTheMiddleLosesAndRepeatsNothing();
    void anthropicBatchWithARequestThatCannotRun();

private:
    void startEngine(qint64 windowMs = 0);
    QString upload(const QByteArray& content);
    BatchRecord createBatch(const QString& fileId, const QString& api = QStringLiteral("openai"));
    // Waits until the batch has this status (or any final one), and answers it.
    BatchRecord waitFor(const QString& id, const QStringList& statuses, int timeoutMs = 30000);
    qint64 tasksOf(const BatchRecord& b);
    void addModel(const QString& name, int concurrency);

    std::unique_ptr<FakeLlmServer> m_upstream;
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<EngineFixture> m_f;
};

void TestBatches::init()
{
    m_upstream = std::make_unique<FakeLlmServer>();
    QVERIFY(m_upstream->listen());
    m_dir = std::make_unique<QTemporaryDir>();
    startEngine();
    addModel(kModel, 4);
    addModel(kOtherModel, 4);
}

void TestBatches::cleanup()
{
    m_f.reset();
    m_upstream.reset();
    m_dir.reset();
}

void TestBatches::startEngine(qint64 windowMs)
{
    m_f = std::make_unique<EngineFixture>(m_dir->path());
    m_f->batchWindowMs = windowMs;
    QVERIFY(m_f->start());
}

void TestBatches::addModel(const QString& name, int concurrency)
{
    ModelConfig m;
    m.name = name;
    m.concurrency = concurrency;
    m.retry.maxAttempts = 1;
    EndpointConfig e;
    e.name = QStringLiteral("up");
    e.provider = QStringLiteral("openai");
    e.baseUrl = m_upstream->baseUrl() + QStringLiteral("/v1");
    e.healthCheckIntervalMs = 0;
    m.endpoints.append(e);
    QVERIFY(m_f->addModel(m));
}

QString TestBatches::upload(const QByteArray& content)
{
    StoredFile f;
    f.purpose = QStringLiteral("batch");
    f.filename = QStringLiteral("in.jsonl");
    const auto r = await(m_f->engine->putFile(f, content));
    return r ? r->id : QString();
}

BatchRecord TestBatches::createBatch(const QString& fileId, const QString& api)
{
    BatchRecord request;
    request.api = api;
    request.endpoint = QStringLiteral("/v1/chat/completions");
    request.inputFileId = fileId;
    request.priority = kLowPriority;
    const auto r = await(m_f->engine->createBatch(request));
    return r ? *r : BatchRecord {};
}

BatchRecord TestBatches::waitFor(const QString& id, const QStringList& statuses, int timeoutMs)
{
    // The caller checks the status it gets: a batch that ended otherwise fails there, naming it.
    BatchRecord b;
    (void)QTest::qWaitFor(
        [&] {
            const auto r = await(m_f->engine->batch(id));
            if (r)
                b = *r;
            return r && (statuses.contains(b.status) || !b.active());
        },
        timeoutMs);
    return b;
}

qint64 TestBatches::tasksOf(const BatchRecord& b)
{
    TaskFilter f;
    f.parent = b.group;
    const auto n = await(m_f->engine->countTasks(f));
    return n ? *n : -1;
}

void TestBatches::validationErrorsNameTheLine_data()
{
    QTest::addColumn<QByteArray>("content");
    QTest::addColumn<QString>("code");
    QTest::addColumn<qint64>("line");
    const QByteArray ok = requestLine(QStringLiteral("a"), QStringLiteral("x"));
    QTest::newRow("not JSON") << QByteArray(ok + "{\"custom_id\": \n") << QStringLiteral("invalid_json_line") << qint64(2);
    QTest::newRow("custom_id twice") << QByteArray(ok + requestLine(QStringLiteral("b"), QStringLiteral("y")) + ok)
                                     << QStringLiteral("duplicate_custom_id") << qint64(3);
    QTest::newRow("no custom_id") << QByteArray(ok + R"({"method":"POST","url":"/v1/chat/completions","body":{}})" + "\n")
                                  << QStringLiteral("missing_required_parameter") << qint64(2);
    QTest::newRow("another url") << QByteArray(ok + requestLine(QStringLiteral("b"), QStringLiteral("y"), kModel, QStringLiteral("/v1/embeddings")))
                                 << QStringLiteral("mismatched_endpoint") << qint64(2);
    QTest::newRow("another model") << QByteArray(ok + requestLine(QStringLiteral("b"), QStringLiteral("y"), kOtherModel))
                                   << QStringLiteral("mismatched_model") << qint64(2);
    QTest::newRow("unknown model") << requestLine(QStringLiteral("a"), QStringLiteral("x"), QStringLiteral("gpt-nope"))
                                   << QStringLiteral("model_not_found") << qint64(1);
    QTest::newRow("GET") << QByteArray(ok).replace("\"POST\"", "\"GET\"") << QStringLiteral("invalid_method") << qint64(1);
    // A file over 1 MB is read in slices, one per core: the checks hold across them.
    QTest::newRow("custom_id twice, slices apart") << QByteArray(requestLines(20'000) + requestLine(QStringLiteral("req-3"), QStringLiteral("again")))
                                                   << QStringLiteral("duplicate_custom_id") << qint64(20'001);
    QTest::newRow("another model, slices apart") << QByteArray(
        requestLines(20'000) + requestLine(QStringLiteral("z"), QStringLiteral("y"), kOtherModel))
                                                 << QStringLiteral("mismatched_model") << qint64(20'001);
    QTest::newRow("empty") << QByteArray("\n\n") << QStringLiteral("empty_file") << qint64(0);
    QTest::newRow("50,001 lines") << requestLines(50'001) << QStringLiteral("too_many_requests") << qint64(0);
}

void TestBatches::validationErrorsNameTheLine()
{
    QFETCH(QByteArray, content);
    QFETCH(QString, code);
    QFETCH(qint64, line);
    const BatchRecord created = createBatch(upload(content));
    QCOMPARE(created.status, QStringLiteral("validating"));
    const BatchRecord b = waitFor(created.id, { QStringLiteral("failed") });
    QCOMPARE(b.status, QStringLiteral("failed"));
    QVERIFY(b.failedMs > 0);
    QVERIFY(!b.errors.isEmpty());
    QCOMPARE(b.errors.first().code, code);
    QCOMPARE(b.errors.first().line, line);
    QVERIFY(!b.errors.first().message.isEmpty());
    QCOMPARE(tasksOf(b), 0); // nothing was queued
    QCOMPARE(m_upstream->requestCount(), 0);
}

void TestBatches::batchRunsAtLowPriorityIntoOutputAndErrorFiles()
{
    // One line the upstream refuses: it ends in the error file.
    m_upstream->setHandler([](const FakeRequest& r) {
        FakeReply reply;
        if (r.body.contains("refuse me")) {
            reply.status = 400;
            reply.body = R"({"error":{"message":"content policy","type":"invalid_request_error"}})";
        } else {
            reply.text = QStringLiteral("answer to ")
                + r.json.value(QLatin1String("messages")).toArray().at(0).toObject().value(QLatin1String("content")).toString();
        }
        return reply;
    });
    const QByteArray content = requestLines(20) + requestLine(QStringLiteral("bad"), QStringLiteral("refuse me"));
    const BatchRecord created = createBatch(upload(content));
    const BatchRecord b = waitFor(created.id, { QStringLiteral("completed") });
    QCOMPARE(b.status, QStringLiteral("completed"));
    QCOMPARE(b.total, 21);
    QCOMPARE(b.succeeded, 20);
    QCOMPARE(b.failed, 1);
    QVERIFY(b.inProgressMs >= b.createdMs && b.finalizingMs >= b.inProgressMs && b.completedMs >= b.finalizingMs);
    QCOMPARE(tasksOf(b), 21);

    // Its lines are ordinary tasks of its group, low priority, with their custom_id.
    TaskFilter f;
    f.parent = b.group;
    f.limit = 100;
    const auto page = await(m_f->engine->tasks(f));
    QVERIFY(page);
    for (const Task& t : page->tasks) {
        QCOMPARE(t.spec.priority, kLowPriority);
        QVERIFY(!t.spec.labels.value(QLatin1String("custom_id")).toString().isEmpty());
        QCOMPARE(t.spec.labels.value(QLatin1String("batch")).toString(), b.id);
    }

    const auto output = await(m_f->engine->fileContent(b.outputFileId));
    QVERIFY(output);
    const QList<QJsonObject> lines = jsonLines(*output);
    QCOMPARE(lines.size(), 20);
    QSet<QString> ids;
    for (const QJsonObject& line : lines) {
        const QString customId = line.value(QLatin1String("custom_id")).toString();
        ids.insert(customId);
        QVERIFY(line.value(QLatin1String("id")).toString().startsWith(QLatin1String("batch_req_")));
        const QJsonObject response = line.value(QLatin1String("response")).toObject();
        QCOMPARE(response.value(QLatin1String("status_code")).toInt(), 200);
        // Each answer belongs to its own request.
        const QString n = customId.section(QLatin1Char('-'), 1);
        QCOMPARE(firstContent(response.value(QLatin1String("body")).toObject()), QStringLiteral("answer to question ") + n);
        QVERIFY(line.value(QLatin1String("error")).isNull());
    }
    QCOMPARE(ids.size(), 20);
    const auto errors = await(m_f->engine->fileContent(b.errorFileId));
    QVERIFY(errors);
    const QList<QJsonObject> errorLines = jsonLines(*errors);
    QCOMPARE(errorLines.size(), 1);
    QCOMPARE(errorLines.first().value(QLatin1String("custom_id")).toString(), QStringLiteral("bad"));
    QVERIFY(errorLines.first()
                .value(QLatin1String("response"))
                .toObject()
                .value(QLatin1String("body"))
                .toObject()
                .value(QLatin1String("error"))
                .toObject()
                .value(QLatin1String("message"))
                .toString()
                .contains(QLatin1String("content policy")));
    const auto outputFile = await(m_f->engine->file(b.outputFileId));
    QVERIFY(outputFile);
    QCOMPARE(outputFile->purpose, QStringLiteral("batch_output"));
    QCOMPARE(outputFile->bytes, output->size());
}

void TestBatches::outputOfManyPagesKeepsTheLineOrder()
{
    // The output file is written a page of tasks at a time while the next page
    // is read: 12,001 lines (three pages) come out once each, in line order.
    ModelConfig m;
    m.name = QStringLiteral("sim-batch");
    m.concurrency = 64;
    EndpointConfig sim; // simulated, answering at once
    sim.name = QStringLiteral("sim");
    m.endpoints.append(sim);
    QVERIFY(m_f->addModel(m));
    constexpr int kLines = 12'001;
    QByteArray content;
    for (int i = 0; i < kLines; ++i)
        content += requestLine(QStringLiteral("line-%1").arg(i), QStringLiteral("q"), m.name);
    const BatchRecord created = createBatch(upload(content));
    const BatchRecord b = waitFor(created.id, { QStringLiteral("completed") }, 120000);
    QCOMPARE(b.status, QStringLiteral("completed"));
    QCOMPARE(b.succeeded, kLines);
    const auto output = await(m_f->engine->fileContent(b.outputFileId));
    QVERIFY(output);
    const QList<QJsonObject> lines = jsonLines(*output);
    QCOMPARE(lines.size(), kLines);
    for (int i = 0; i < kLines; ++i)
        QCOMPARE(lines.at(i).value(QLatin1String("custom_id")).toString(), QStringLiteral("line-%1").arg(i));
}

void TestBatches::cancelInTheMiddle()
{
    FakeReply hang;
    hang.action = FakeReply::Action::Hang;
    m_upstream->setDefaultReply(hang);
    QSignalSpy received(m_upstream.get(), &FakeLlmServer::requestReceived);
    const BatchRecord created = createBatch(upload(requestLines(12)));
    QTRY_COMPARE_WITH_TIMEOUT(received.count(), 4, 20000); // the model's 4 slots are busy, 8 lines wait
    const auto cancelling = await(m_f->engine->cancelBatch(created.id));
    QVERIFY(cancelling);
    QCOMPARE(cancelling->status, QStringLiteral("cancelling"));
    QVERIFY(cancelling->cancellingMs > 0);
    const BatchRecord b = waitFor(created.id, { QStringLiteral("cancelled") });
    QCOMPARE(b.status, QStringLiteral("cancelled"));
    QCOMPARE(b.cancelled, 12);
    QCOMPARE(b.succeeded, 0);
    QTRY_COMPARE_WITH_TIMEOUT(m_upstream->clientAborts(), 4, 10000); // the running calls were stopped
    QVERIFY(b.outputFileId.isEmpty());
    const QList<QJsonObject> lines = jsonLines(*await(m_f->engine->fileContent(b.errorFileId)));
    QCOMPARE(lines.size(), 12);
    for (const QJsonObject& line : lines)
        QCOMPARE(line.value(QLatin1String("error")).toObject().value(QLatin1String("code")).toString(), QStringLiteral("batch_cancelled"));
    QCOMPARE(m_upstream->requestCount(), 4); // the waiting lines never ran
}

void TestBatches::linesNotRunWithinTheWindowExpire()
{
    m_f.reset();
    startEngine(2000);
    // Two lines answer, the rest hang until the window closes.
    m_upstream->setHandler([](const FakeRequest& r) {
        FakeReply reply;
        if (!r.body.contains("question 0") && !r.body.contains("question 1"))
            reply.action = FakeReply::Action::Hang;
        return reply;
    });
    const BatchRecord created = createBatch(upload(requestLines(8)));
    QVERIFY(created.expiresMs - created.createdMs == 2000);
    const BatchRecord b = waitFor(created.id, { QStringLiteral("expired") });
    QCOMPARE(b.status, QStringLiteral("expired"));
    QVERIFY(b.expiredMs >= created.expiresMs);
    QCOMPARE(b.succeeded, 2);
    QCOMPARE(b.expired, 6);
    QCOMPARE(jsonLines(*await(m_f->engine->fileContent(b.outputFileId))).size(), 2);
    const QList<QJsonObject> errors = jsonLines(*await(m_f->engine->fileContent(b.errorFileId)));
    QCOMPARE(errors.size(), 6);
    for (const QJsonObject& line : errors) {
        QCOMPARE(line.value(QLatin1String("error")).toObject().value(QLatin1String("code")).toString(), QStringLiteral("batch_expired"));
        QVERIFY(line.value(QLatin1String("response")).isNull());
    }
}

void TestBatches::restartInTheMiddleLosesAndRepeatsNothing()
{
    FakeReply slow;
    slow.delayMs = 40;
    m_upstream->setDefaultReply(slow);
    const BatchRecord created = createBatch(upload(requestLines(60)));
    QTRY_VERIFY_WITH_TIMEOUT(await(m_f->engine->batch(created.id))->succeeded >= 8, 20000);
    m_f.reset(); // stops without waiting: the running calls go back to the queue
    const int before = m_upstream->requestCount();
    QVERIFY(before < 60);
    startEngine();
    const BatchRecord b = waitFor(created.id, { QStringLiteral("completed") });
    QCOMPARE(b.status, QStringLiteral("completed"));
    QCOMPARE(b.succeeded, 60);
    QCOMPARE(tasksOf(b), 60); // no line queued twice
    const QList<QJsonObject> lines = jsonLines(*await(m_f->engine->fileContent(b.outputFileId)));
    QCOMPARE(lines.size(), 60);
    QSet<QString> ids;
    for (const QJsonObject& line : lines)
        ids.insert(line.value(QLatin1String("custom_id")).toString());
    QCOMPARE(ids.size(), 60);
    // Only calls cut off by the stop ran again (at most the model's 4 slots).
    QVERIFY2(m_upstream->requestCount() <= 64, qPrintable(QString::number(m_upstream->requestCount())));
}

void TestBatches::anthropicBatchWithARequestThatCannotRun()
{
    QByteArray lines;
    for (const auto& [id, params] : QList<std::pair<QString, QByteArray>> {
             { QStringLiteral("one"), R"({"model":"gpt-batch","max_tokens":32,"messages":[{"role":"user","content":"hi"}]})" },
             { QStringLiteral("no-max"), R"({"model":"gpt-batch","messages":[{"role":"user","content":"hi"}]})" },
             { QStringLiteral("two"), R"({"model":"gpt-other","max_tokens":32,"system":"brief","messages":[{"role":"user","content":"yo"}]})" },
             { QStringLiteral("nowhere"), R"({"model":"claude-nope","max_tokens":32,"messages":[{"role":"user","content":"hi"}]})" } })
        lines += "{\"custom_id\":\"" + id.toLatin1() + "\",\"params\":" + params + "}\n";
    StoredFile input;
    input.purpose = QStringLiteral("anthropic_batch");
    input.filename = QStringLiteral("requests.jsonl");
    const auto file = await(m_f->engine->putFile(input, lines));
    QVERIFY(file);
    const BatchRecord created = createBatch(file->id, QStringLiteral("anthropic"));
    QVERIFY(created.id.startsWith(QLatin1String("msgbatch_")));
    const BatchRecord b = waitFor(created.id, { QStringLiteral("completed") });
    QCOMPARE(b.status, QStringLiteral("completed"));
    QCOMPARE(b.total, 4);
    QCOMPARE(b.succeeded, 2); // two models in one batch: Anthropic allows it
    QCOMPARE(b.failed, 2);
    QCOMPARE(tasksOf(b), 2);
    QHash<QString, QJsonObject> results;
    for (const QJsonObject& line : jsonLines(*await(m_f->engine->fileContent(b.outputFileId))))
        results.insert(line.value(QLatin1String("custom_id")).toString(), line.value(QLatin1String("result")).toObject());
    QCOMPARE(results.size(), 4);
    QCOMPARE(results.value(QStringLiteral("one")).value(QLatin1String("type")).toString(), QStringLiteral("succeeded"));
    const QJsonObject message = results.value(QStringLiteral("two")).value(QLatin1String("message")).toObject();
    QCOMPARE(message.value(QLatin1String("type")).toString(), QStringLiteral("message"));
    QCOMPARE(message.value(QLatin1String("model")).toString(), QStringLiteral("gpt-other"));
    QCOMPARE(message.value(QLatin1String("content")).toArray().at(0).toObject().value(QLatin1String("text")).toString(),
        QStringLiteral("Hello from the fake server."));
    QCOMPARE(results.value(QStringLiteral("no-max")).value(QLatin1String("type")).toString(), QStringLiteral("errored"));
    QCOMPARE(results.value(QStringLiteral("no-max"))
                 .value(QLatin1String("error"))
                 .toObject()
                 .value(QLatin1String("error"))
                 .toObject()
                 .value(QLatin1String("type"))
                 .toString(),
        QStringLiteral("invalid_request_error"));
    QCOMPARE(results.value(QStringLiteral("nowhere"))
                 .value(QLatin1String("error"))
                 .toObject()
                 .value(QLatin1String("error"))
                 .toObject()
                 .value(QLatin1String("type"))
                 .toString(),
        QStringLiteral("not_found_error"));
    // What went upstream for "two": the system prompt first.
    bool sawSystem = false;
    for (const FakeRequest& r : m_upstream->requests())
        sawSystem = sawSystem
            || r.json.value(QLatin1String("messages")).toArray().at(0).toObject().value(QLatin1String("content")).toString()
                == QLatin1String("brief");
    QVERIFY(sawSystem);
}

QTEST_GUILESS_MAIN(TestBatches)
#include "tst_batches.moc"
