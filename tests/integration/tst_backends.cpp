// The store interface on both back ends: the same operations give the same
// answers on SQLite (integration.backends) and on PostgreSQL
// (integration.backends_pg, LLMSCHED_TEST_BACKEND=postgres). The PostgreSQL
// run also checks what only a server has: a wrong password, an unreachable
// server, a missing database, a restart under load.
#include "enginetestutil.h"

#include "core/apitoken.h"
#include "core/timeutil.h"
#include "store/migrations.h"
#include "store/store.h"

#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QUrl>
#include <QtTest>

using namespace llmsched;
using namespace testutil;

namespace {

NewTaskRow row(qint64 seq, const QString& model, int priority = 5)
{
    NewTaskRow r;
    r.seq = seq;
    r.id = UlidGenerator::next();
    r.spec = spec(model, priority, QStringLiteral("task %1 — “quoted” 100%_done").arg(seq));
    r.maxAttempts = 3;
    r.timeoutMs = 60'000;
    r.createdMs = 1'700'000'000'000 + seq;
    r.queuedMs = r.createdMs;
    return r;
}

// Inserts rows and waits for their outcome.
InsertOutcome insert(Store& store, std::vector<NewTaskRow> rows)
{
    auto promise = std::make_shared<QPromise<InsertOutcome>>();
    promise->start();
    QFuture<InsertOutcome> f = promise->future();
    store.insertTasks(std::move(rows), [promise](std::vector<NewTaskRow>, InsertOutcome outcome) {
        promise->addResult(std::move(outcome));
        promise->finish();
    });
    return await(f);
}

QList<qint64> seqsOf(const Result<TaskPage>& page)
{
    QList<qint64> out;
    if (page)
        for (const Task& t : page->tasks)
            out.append(t.seq);
    return out;
}

// A PostgreSQL server of the test's own (scripts/start-postgres.sh), so the
// other *_pg tests running beside it keep theirs: engines made while it lives
// use it. run("--restart"), run("--pause"), run("--resume") act on it.
class OwnServer
{
public:
    OwnServer()
        : m_dir(QStringLiteral("/tmp/llmsched-pg-own-XXXXXX"))
        , m_shared(qgetenv("LLMSCHED_TEST_PG_DIR"))
    {
        m_ok = run({});
        qputenv("LLMSCHED_TEST_PG_DIR", m_dir.path().toLocal8Bit());
    }
    ~OwnServer()
    {
        qputenv("LLMSCHED_TEST_PG_DIR", m_shared);
        run(QStringLiteral("--stop"));
    }
    OwnServer(const OwnServer&) = delete;
    OwnServer& operator=(const OwnServer&) = delete;

    bool ok() const { return m_ok; }
    QString path() const { return m_dir.path(); }
    QStringList arguments(const QString& flag) const
    {
        QStringList args { QStringLiteral(LLMSCHED_SOURCE_DIR "/scripts/start-postgres.sh") };
        if (!flag.isEmpty())
            args << flag;
        return args << m_dir.path();
    }
    bool run(const QString& flag) const
    {
        QProcess p;
        p.start(QStringLiteral("bash"), arguments(flag));
        return p.waitForFinished(120'000) && p.exitCode() == 0;
    }

private:
    QTemporaryDir m_dir;
    QByteArray m_shared;
    bool m_ok = false;
};

} // namespace

class TestBackends : public QObject
{
    Q_OBJECT

    // A fresh database of the back end under test.
    QString freshDatabase()
    {
        m_dirs.push_back(std::make_unique<QTemporaryDir>());
        const QString dir = m_dirs.back()->path();
        return testsOnPostgres() ? postgresDatabaseFor(dir) : dir + QStringLiteral("/llm-scheduler.db");
    }
    std::unique_ptr<Store> open(const QString& where, const QString& node = QStringLiteral("node-a"))
    {
        auto store = Store::open({ where, node, 2 });
        if (!store) {
            qWarning() << store.error().message;
            return nullptr;
        }
        return std::move(*store);
    }

    std::vector<std::unique_ptr<QTemporaryDir>> m_dirs;

private slots:
    void tasksKeepEveryColumn();
    void filtersFindTheSameTasks();
    void idempotencyKeyFindsTheFirstTask();
    void updatesMergeAndLogsKeepTheirOrder();
    void textWithQuotesBracesAndNullComesBackAsWritten();
    void modelsSettingsMinutesTokensAndAudit();
    void filesKeepTheirBytesAndAgeOut();
    void recoveryAndPurge();
    void nodeRegistryForgetsLongGoneNodes();
    void locationNeverShowsThePassword();
    void badUrlsAndServersAreNamedNotThePassword();
    void newerSchemaIsRefused();
    void serverRestartLosesNoAcknowledgedTask();
    void submitsTheServerCannotNumberAreRefusedWhole();
    void migrateCopiesASqliteStoreAllOrNothing();
};

void TestBackends::tasksKeepEveryColumn()
{
    const QString where = freshDatabase();
    auto store = open(where);
    QVERIFY(store);
    NewTaskRow full = row(1, QStringLiteral("m"), 8);
    full.spec.runAtMs = 1'800'000'000'000;
    full.spec.deadlineMs = 1'900'000'000'000;
    full.spec.tags = { QStringLiteral("nightly"), QStringLiteral("ü-tag") };
    full.spec.labels = QJsonObject { { QStringLiteral("team"), QStringLiteral("search") }, { QStringLiteral("run"), QStringLiteral("7") } };
    full.spec.parentId = QStringLiteral("01PARENT");
    full.spec.dependsOn = { QStringLiteral("01DEP") };
    full.spec.sessionKey = QStringLiteral("s-1");
    full.state = TaskState::Blocked;
    const InsertOutcome out = insert(*store, { full, row(2, QStringLiteral("m")) });
    QVERIFY2(out.status, qPrintable(out.status ? QString() : out.status.error().message));
    QCOMPARE(out.items.size(), size_t(2));

    const Result<Task> t = await(store->task(full.id.toString()));
    QVERIFY2(t, qPrintable(t ? QString() : t.error().message));
    QCOMPARE(t->seq, qint64(1));
    QCOMPARE(t->spec.priority, 8);
    QCOMPARE(t->state, TaskState::Blocked);
    QCOMPARE(t->spec.input, full.spec.input); // the non-ASCII input comes back byte for byte
    QCOMPARE(t->spec.runAtMs, full.spec.runAtMs);
    QCOMPARE(t->spec.deadlineMs, full.spec.deadlineMs);
    QCOMPARE(t->spec.tags, full.spec.tags);
    QCOMPARE(t->spec.labels, full.spec.labels);
    QCOMPARE(t->spec.dependsOn, full.spec.dependsOn);
    QCOMPARE(t->spec.sessionKey, full.spec.sessionKey);
    QCOMPARE(t->createdMs, full.createdMs);

    const auto active = store->loadActiveNow();
    QVERIFY(active);
    QCOMPARE(active->size(), size_t(2));
    QCOMPARE(active->at(1).dependsOn, full.spec.dependsOn); // blocked rows carry their dependencies
    QCOMPARE(*store->maxSeqNow(), qint64(2));

    const auto bySeq = await(store->tasksBySeq({ 1, 2, 99 }));
    QVERIFY(bySeq);
    QCOMPARE(bySeq->size(), 2);
    QCOMPARE(bySeq->value(2).spec.input, row(2, QStringLiteral("m")).spec.input);
    const auto states = await(store->taskStates({ full.id.toString(), QStringLiteral("01NOSUCHTASK") }));
    QVERIFY(states);
    QCOMPARE(states->size(), 1);
    QCOMPARE(states->value(full.id.toString()), TaskState::Blocked);
    QCOMPARE(await(store->task(QStringLiteral("01NOSUCHTASK"))).error().code, ErrorCode::NotFound);

    // Reopened: everything is still there.
    store.reset();
    store = open(where);
    QVERIFY(store);
    QCOMPARE(await(store->task(full.id.toString()))->spec.labels, full.spec.labels);
}

void TestBackends::filtersFindTheSameTasks()
{
    auto store = open(freshDatabase());
    QVERIFY(store);
    std::vector<NewTaskRow> rows;
    for (int i = 1; i <= 30; ++i) {
        NewTaskRow r = row(i, i % 3 == 0 ? QStringLiteral("other") : QStringLiteral("m"), i % 2 ? 5 : 8);
        if (i % 5 == 0)
            r.spec.tags = { QStringLiteral("five") };
        if (i % 7 == 0)
            r.spec.labels = QJsonObject { { QStringLiteral("team"), i == 14 ? QStringLiteral("ads") : QStringLiteral("search") } };
        rows.push_back(std::move(r));
    }
    QVERIFY(insert(*store, std::move(rows)).status);

    const auto seqs = [&](TaskFilter f) {
        f.limit = 100;
        f.newestFirst = false;
        return seqsOf(await(store->tasks(f)));
    };
    TaskFilter f;
    f.tag = QStringLiteral("five");
    QCOMPARE(seqs(f), (QList<qint64> { 5, 10, 15, 20, 25, 30 }));
    QCOMPARE(*await(store->countTasks(f)), qint64(6));
    f = {};
    f.label = QStringLiteral("team");
    QCOMPARE(seqs(f), (QList<qint64> { 7, 14, 21, 28 }));
    f.label = QStringLiteral("team=search");
    QCOMPARE(seqs(f), (QList<qint64> { 7, 21, 28 }));
    f = {};
    f.model = QStringLiteral("other");
    f.priority = 8;
    QCOMPARE(seqs(f), (QList<qint64> { 6, 12, 18, 24, 30 }));
    // Text search treats % and _ literally.
    f = {};
    f.text = QStringLiteral("task 2 — ");
    QCOMPARE(seqs(f), (QList<qint64> { 2 }));
    f.text = QStringLiteral("100%_done");
    QCOMPARE(*await(store->countTasks(f)), qint64(30));
    f.text = QStringLiteral("100_%done");
    QCOMPARE(*await(store->countTasks(f)), qint64(0));
    f = {};
    f.text = QStringLiteral("search");
    QCOMPARE(seqs(f), (QList<qint64> { 7, 21, 28 })); // labels are searched too

    // Paging: cursor, offset, newest first, order by model.
    f = {};
    f.limit = 10;
    f.newestFirst = false;
    const auto first = await(store->tasks(f));
    QVERIFY(first);
    QCOMPARE(first->tasks.size(), 10);
    QCOMPARE(first->nextCursor, qint64(10));
    f.cursor = first->nextCursor;
    QCOMPARE(seqsOf(await(store->tasks(f))).value(0), qint64(11));
    f = {};
    f.newestFirst = true;
    f.offset = 2;
    f.limit = 2;
    QCOMPARE(seqsOf(await(store->tasks(f))), (QList<qint64> { 28, 27 }));
    f = {};
    f.order = TaskFilter::Order::Model;
    f.limit = 1;
    f.newestFirst = true;
    QCOMPARE(await(store->tasks(f))->tasks.value(0).spec.model, QStringLiteral("other"));
}

void TestBackends::idempotencyKeyFindsTheFirstTask()
{
    auto store = open(freshDatabase());
    QVERIFY(store);
    NewTaskRow a = row(1, QStringLiteral("m"));
    a.spec.idempotencyKey = QStringLiteral("order-42");
    NewTaskRow b = row(2, QStringLiteral("m"));
    b.spec.idempotencyKey = QStringLiteral("order-42"); // the same key within one insert
    NewTaskRow c = row(3, QStringLiteral("other"));
    c.spec.idempotencyKey = QStringLiteral("order-42"); // keys are per model
    const InsertOutcome out = insert(*store, { a, b, c });
    QVERIFY(out.status);
    QVERIFY(!out.items[0].duplicate);
    QVERIFY(out.items[1].duplicate);
    QCOMPARE(out.items[1].id, a.id);
    QVERIFY(!out.items[2].duplicate);
    NewTaskRow again = row(4, QStringLiteral("m"));
    again.spec.idempotencyKey = QStringLiteral("order-42");
    const InsertOutcome later = insert(*store, { again });
    QVERIFY(later.items[0].duplicate);
    QCOMPARE(later.items[0].seq, qint64(1));
    QCOMPARE(*await(store->countTasks({})), qint64(2));
}

void TestBackends::updatesMergeAndLogsKeepTheirOrder()
{
    auto store = open(freshDatabase());
    QVERIFY(store);
    std::vector<NewTaskRow> rows;
    for (int i = 1; i <= 200; ++i)
        rows.push_back(row(i, QStringLiteral("m")));
    QVERIFY(insert(*store, std::move(rows)).status);

    // Started and finished in the same batch (merged), each with two log lines.
    for (int i = 1; i <= 200; ++i) {
        TaskUpdate start;
        start.seq = i;
        start.fields = TaskUpdate::State | TaskUpdate::Attempts | TaskUpdate::StartedAt | TaskUpdate::Endpoint | TaskUpdate::Lease;
        start.state = TaskState::Running;
        start.attempts = 1;
        start.startedMs = 1000 + i;
        start.endpoint = QStringLiteral("ep");
        start.leaseNode = QStringLiteral("node-a");
        store->updateWithLog(start, { i, { 1000 + i, LogLevel::Info, QStringLiteral("started"), {} } });
        TaskUpdate done;
        done.seq = i;
        done.fields = TaskUpdate::State | TaskUpdate::Output | TaskUpdate::UsageCost | TaskUpdate::FinishedAt | TaskUpdate::Lease;
        done.state = i % 2 ? TaskState::Succeeded : TaskState::Dead;
        done.output = QByteArrayLiteral("{\"answer\":\"é 42\"}");
        done.usage.promptTokens = 10;
        done.usage.completionTokens = i;
        done.costUsd = 0.001 * i;
        done.finishedMs = 2000 + i;
        store->updateWithLog(done, { i, { 2000 + i, LogLevel::Warning, QStringLiteral("finished"), QJsonObject { { QStringLiteral("n"), i } } } });
    }
    QVERIFY(store->flush());
    const auto t = await(store->tasksBySeq({ 7 }));
    QVERIFY(t);
    const Task& seven = t->value(7);
    QCOMPARE(seven.state, TaskState::Succeeded);
    QCOMPARE(seven.attempts, 1);
    QCOMPARE(seven.output, QByteArrayLiteral("{\"answer\":\"é 42\"}"));
    QCOMPARE(seven.usage.completionTokens, qint64(7));
    QCOMPARE(seven.costUsd, 0.007);
    QCOMPARE(seven.startedMs, qint64(1007));
    QCOMPARE(seven.finishedMs, qint64(2007));
    QCOMPARE(seven.endpoint, QStringLiteral("ep"));
    const auto log = await(store->taskLog(seven.id.toString()));
    QVERIFY(log);
    QCOMPARE(log->size(), 2);
    QCOMPARE(log->at(0).message, QStringLiteral("started"));
    QCOMPARE(log->at(1).level, LogLevel::Warning);
    QCOMPARE(log->at(1).data.value(QLatin1String("n")).toInt(), 7);

    const auto counts = store->finishedCountsNow();
    QVERIFY(counts);
    QCOMPARE(counts->value(QStringLiteral("m"))[static_cast<size_t>(TaskState::Succeeded)], qint64(100));
    QCOMPARE(counts->value(QStringLiteral("m"))[static_cast<size_t>(TaskState::Dead)], qint64(100));
    QVERIFY(store->loadActiveNow()->empty());
}

// PostgreSQL's writer sends a batch as array literals (PgArrays): every
// character that means something inside one must come back as written, and a
// batch larger than one statement's rows must arrive whole.
void TestBackends::textWithQuotesBracesAndNullComesBackAsWritten()
{
    auto store = open(freshDatabase());
    QVERIFY(store);
    const QString tricky = QStringLiteral("say \"hi\", {x} \\ back\\slash, NULL, 'quote'\n\ttab 汉字 😀");
    const QByteArray trickyJson = QJsonDocument(QJsonObject { { QStringLiteral("text"), tricky } }).toJson(QJsonDocument::Compact);
    NewTaskRow plain = row(1, QStringLiteral("m"));
    plain.spec.input = trickyJson;
    NewTaskRow full = row(2, QStringLiteral("m"));
    full.spec.input = trickyJson;
    full.spec.tags = { QStringLiteral("a,b"), QStringLiteral("{c}"), QStringLiteral("NULL"), QStringLiteral("d\"e\\") };
    full.spec.labels = QJsonObject { { QStringLiteral("k\"ey"), tricky } };
    full.spec.sessionKey = QStringLiteral("NULL");
    std::vector<NewTaskRow> rows { plain, full };
    for (int i = 3; i <= 9000; ++i) // more than one statement's rows (kArrayRows)
        rows.push_back(row(i, QStringLiteral("bulk")));
    QVERIFY(insert(*store, std::move(rows)).status);

    TaskUpdate done;
    done.seq = 2;
    done.fields = TaskUpdate::State | TaskUpdate::Output | TaskUpdate::ErrorText | TaskUpdate::FinishedAt;
    done.state = TaskState::Dead;
    done.output = trickyJson;
    done.error = tricky;
    done.finishedMs = 5000;
    store->updateWithLog(done, { 2, { 5000, LogLevel::Error, tricky, QJsonObject { { QStringLiteral("why"), tricky } } } });
    QVERIFY(store->flush());

    const auto t = await(store->tasksBySeq({ 1, 2, 9000 }));
    QVERIFY(t);
    QCOMPARE(t->size(), 3);
    QCOMPARE(t->value(1).spec.input, trickyJson);
    const Task& two = t->value(2);
    QCOMPARE(two.spec.input, trickyJson);
    QCOMPARE(two.spec.tags, full.spec.tags);
    QCOMPARE(two.spec.labels, full.spec.labels);
    QCOMPARE(two.spec.sessionKey, QStringLiteral("NULL"));
    QCOMPARE(two.output, trickyJson);
    QCOMPARE(two.error, tricky);
    QCOMPARE(two.state, TaskState::Dead);
    QCOMPARE(t->value(9000).spec.input, row(9000, QStringLiteral("bulk")).spec.input);
    const auto log = await(store->taskLog(two.id.toString()));
    QVERIFY(log);
    QCOMPARE(log->size(), 1);
    QCOMPARE(log->at(0).message, tricky);
    QCOMPARE(log->at(0).data.value(QLatin1String("why")).toString(), tricky);
    QCOMPARE(store->loadActiveNow()->size(), size_t(8999));
}

// Batch files: every byte back (NUL, invalid UTF-8, CRLF), listed newest
// first by purpose and page, deleted by id, and by age (the retention setting)
// for the purposes named only.
void TestBackends::filesKeepTheirBytesAndAgeOut()
{
    auto store = open(freshDatabase());
    QVERIFY(store);
    QByteArray bytes("line one\r\n\0\xff\xfe{\"a\":1}\n", 22);
    bytes += QByteArray(300'000, 'x');
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    const auto file = [](const QString& id, const QString& purpose, qint64 createdMs) {
        StoredFile f;
        f.id = id;
        f.purpose = purpose;
        f.filename = id + QStringLiteral(".jsonl");
        f.createdMs = createdMs;
        return f;
    };
    StoredFile old = file(QStringLiteral("file-old"), QStringLiteral("batch"), now - 40LL * 24 * 3'600'000);
    old.bytes = bytes.size();
    QVERIFY(await(store->putFile(old, bytes)));
    QVERIFY(await(store->putFile(file(QStringLiteral("file-new"), QStringLiteral("batch"), now), "new")));
    QVERIFY(await(store->putFile(file(QStringLiteral("file-out"), QStringLiteral("batch_output"), now - 40LL * 24 * 3'600'000), "out")));
    QVERIFY(await(store->putFile(file(QStringLiteral("file-kept"), QStringLiteral("something_else"), now - 40LL * 24 * 3'600'000), "kept")));

    const auto content = await(store->fileContent(QStringLiteral("file-old")));
    QVERIFY(content);
    QCOMPARE(*content, bytes);
    const auto info = await(store->file(QStringLiteral("file-old")));
    QVERIFY(info);
    QCOMPARE(info->bytes, bytes.size());
    QCOMPARE(info->createdMs, old.createdMs);

    const auto batchFiles = await(store->files({ QStringLiteral("batch") }, 10, {}));
    QVERIFY(batchFiles);
    QCOMPARE(batchFiles->size(), 2);
    QCOMPARE(batchFiles->first().id, QStringLiteral("file-new")); // newest first
    const auto page2 = await(store->files({ QStringLiteral("batch") }, 10, QStringLiteral("file-new")));
    QVERIFY(page2);
    QCOMPARE(page2->size(), 1);
    QCOMPARE(page2->first().id, QStringLiteral("file-old"));

    const auto aged = await(store->deleteFilesBefore({ QStringLiteral("batch"), QStringLiteral("batch_output") }, now - 30LL * 24 * 3'600'000));
    QVERIFY(aged);
    QCOMPARE(*aged, 2); // file-old and file-out; file-new is young, file-kept of another purpose
    QCOMPARE(await(store->file(QStringLiteral("file-old"))).error().code, ErrorCode::NotFound);
    QVERIFY(await(store->file(QStringLiteral("file-new"))));
    QVERIFY(await(store->file(QStringLiteral("file-kept"))));
    QVERIFY(await(store->deleteFile(QStringLiteral("file-new"))));
    QCOMPARE(await(store->deleteFile(QStringLiteral("file-new"))).error().code, ErrorCode::NotFound);
}

void TestBackends::modelsSettingsMinutesTokensAndAudit()
{
    const QString where = freshDatabase();
    auto store = open(where);
    QVERIFY(store);
    ModelConfig m = simModel(QStringLiteral("chat.v2"), 5, 7);
    QVERIFY(await(store->upsertModel(m)));
    m.concurrency = 9;
    QVERIFY(await(store->upsertModel(m))); // an update, not a second row
    QVERIFY(await(store->upsertModel(simModel(QStringLiteral("gone")))));
    QVERIFY(await(store->deleteModel(QStringLiteral("gone"))));
    QVERIFY(await(store->setSetting(QStringLiteral("paused"), QStringLiteral("1"))));
    QVERIFY(await(store->setSetting(QStringLiteral("paused"), QStringLiteral("0"))));

    const qint64 minute = 1'700'000'040'000;
    for (int round = 0; round < 2; ++round) {
        MinuteStats s;
        s.minuteMs = minute;
        s.model = QStringLiteral("chat.v2");
        s.counters.succeeded = 3;
        s.counters.costUsd = 0.25;
        s.latency.record(0.5 + round);
        // The same minute of one endpoint of it: its own row, beside the model's.
        MinuteStats e = s;
        e.endpoint = QStringLiteral("eu-west");
        e.counters.succeeded = 2;
        e.latency = {};
        e.latency.record(0.25);
        store->addStatsMinutes({ s, e });
    }
    const NewToken token = *await(store->createToken(QStringLiteral("ci"), Role::Operator));
    store->touchTokens({ { token.token.id, 1234 } });
    store->appendAudit({ { 5000, token.token.id, QStringLiteral("POST"), QStringLiteral("/api/v1/tasks"), 201, QStringLiteral("127.0.0.1"),
        QStringLiteral("1 task") } });
    QVERIFY(store->flush());

    store.reset();
    store = open(where);
    QVERIFY(store);
    const auto models = store->loadModelsNow();
    QVERIFY(models);
    QCOMPARE(models->size(), 1);
    QCOMPARE(models->constFirst().name, QStringLiteral("chat.v2"));
    QCOMPARE(models->constFirst().concurrency, 9);
    QCOMPARE(*store->settingNow(QStringLiteral("paused")), QStringLiteral("0"));
    const auto minutes = await(store->statsMinutes({ minute, minute + 60'000 }));
    QVERIFY(minutes);
    QCOMPARE(minutes->size(), 1);
    QCOMPARE(minutes->constFirst().counters.succeeded, qint64(6)); // added to, not replaced
    QCOMPARE(minutes->constFirst().latency.count(), qint64(2));
    QCOMPARE(minutes->constFirst().latency.observedRange()->high, 1.5);
    QVERIFY(minutes->constFirst().endpoint.isEmpty());
    const auto endpoints = await(store->statsMinutes({ minute, minute + 60'000, QStringLiteral("chat.v2"), StatsRows::Endpoints }));
    QVERIFY(endpoints);
    QCOMPARE(endpoints->size(), 1);
    QCOMPARE(endpoints->constFirst().endpoint, QStringLiteral("eu-west"));
    QCOMPARE(endpoints->constFirst().model, QStringLiteral("chat.v2"));
    QCOMPARE(endpoints->constFirst().counters.succeeded, qint64(4));
    QCOMPARE(endpoints->constFirst().latency.count(), qint64(2));
    QCOMPARE(endpoints->constFirst().latency.observedRange()->high, 0.25);
    QVERIFY(await(store->statsMinutes({ minute, minute + 60'000, QStringLiteral("other"), StatsRows::Endpoints }))->isEmpty());

    // 10-second slots: models' and endpoints' apart, kept two hours.
    MinuteStats slot;
    slot.spanMs = kStatsSlotMs;
    slot.minuteMs = minute;
    slot.model = QStringLiteral("chat.v2");
    slot.counters.succeeded = 5;
    slot.latency.record(0.1);
    MinuteStats slotHere = slot;
    slotHere.endpoint = QStringLiteral("eu-west");
    slotHere.counters.succeeded = 2;
    store->addStatsMinutes({ slot, slotHere });
    store->addStatsMinutes({ slot }); // the same slot again (a stop and a restart): added to
    QVERIFY(store->flush());
    const StatsQuery slotModels { minute, minute + 60'000, QStringLiteral("chat.v2"), StatsRows::Models, kStatsSlotMs };
    const StatsQuery slotEndpoints { minute, minute + 60'000, QStringLiteral("chat.v2"), StatsRows::Endpoints, kStatsSlotMs };
    auto stored = await(store->statsMinutes(slotModels));
    QVERIFY(stored);
    QCOMPARE(stored->size(), 1);
    QCOMPARE(stored->constFirst().spanMs, kStatsSlotMs);
    QCOMPARE(stored->constFirst().counters.succeeded, qint64(10));
    QCOMPARE(stored->constFirst().latency.count(), qint64(2));
    QVERIFY(stored->constFirst().endpoint.isEmpty());
    stored = await(store->statsMinutes(slotEndpoints));
    QVERIFY(stored);
    QCOMPARE(stored->size(), 1);
    QCOMPARE(stored->constFirst().endpoint, QStringLiteral("eu-west"));
    QCOMPARE(stored->constFirst().counters.succeeded, qint64(2));
    // The minutes are untouched by slots.
    QCOMPARE(await(store->statsMinutes({ minute, minute + 60'000 }))->constFirst().counters.succeeded, qint64(6));
    // A slot two hours later clears the old ones.
    MinuteStats later = slot;
    later.minuteMs = minute + kStatsSlotsKeptMs + kStatsSlotMs;
    store->addStatsMinutes({ later });
    QVERIFY(store->flush());
    QVERIFY(await(store->statsMinutes(slotModels))->isEmpty());
    QVERIFY(await(store->statsMinutes(slotEndpoints))->isEmpty());
    QCOMPARE(store->costSinceNow(minute)->value(QStringLiteral("chat.v2")), 0.5);

    const auto active = await(store->activeTokens());
    QVERIFY(active);
    QCOMPARE(active->size(), 1);
    QCOMPARE(active->constBegin().value().lastUsedMs, qint64(1234));
    QCOMPARE(active->constBegin().key(), hashTokenSecret(token.secret));
    const auto audit = await(store->auditLog(0, 10));
    QVERIFY(audit);
    QCOMPARE(audit->size(), 1);
    QCOMPARE(audit->constFirst().summary, QStringLiteral("1 task"));
    QVERIFY(await(store->revokeToken(token.token.id)));
    QCOMPARE(await(store->activeTokens())->size(), 0);
    QCOMPARE(await(store->revokeToken(token.token.id)).error().code, ErrorCode::NotFound);
}

void TestBackends::recoveryAndPurge()
{
    const QString where = freshDatabase();
    auto store = open(where, QStringLiteral("node-a"));
    QVERIFY(store);
    std::vector<NewTaskRow> rows;
    for (int i = 1; i <= 4; ++i)
        rows.push_back(row(i, QStringLiteral("m")));
    QVERIFY(insert(*store, std::move(rows)).status);
    for (int i = 1; i <= 3; ++i) {
        TaskUpdate u;
        u.seq = i;
        u.fields = TaskUpdate::State | TaskUpdate::Attempts | TaskUpdate::Lease;
        u.state = TaskState::Running;
        u.attempts = i == 3 ? 3 : 1; // the third was on its last attempt
        u.leaseNode = QStringLiteral("node-a");
        store->updateWithLog(u, { i, { 1, LogLevel::Info, QStringLiteral("started"), {} } });
    }
    QVERIFY(store->flush());
    store.reset();

    // The node comes back: its running tasks are queued again (or dead on
    // their last attempt), with a line in their log.
    store = open(where, QStringLiteral("node-a"));
    QVERIFY(store);
    QCOMPARE(*await(store->recoverInterrupted(QStringLiteral("test restart"))), qint64(3));
    const auto t = *await(store->tasksBySeq({ 1, 3 }));
    QCOMPARE(t.value(1).state, TaskState::Queued);
    QCOMPARE(t.value(3).state, TaskState::Dead);
    QVERIFY(t.value(3).error.contains(QLatin1String("test restart")));
    const auto log = *await(store->taskLog(t.value(1).id.toString()));
    QVERIFY(log.constLast().message.contains(QLatin1String("interrupted (test restart); queued again")));

    QCOMPARE(*await(store->purgeTasks(TaskState::Dead, QString(), 0)), qint64(1));
    QCOMPARE(*await(store->countTasks({})), qint64(3));
    QCOMPARE(await(store->taskLog(t.value(3).id.toString())).error().code, ErrorCode::NotFound);
    QCOMPARE(await(store->purgeTasks(TaskState::Queued, QString(), 0)).error().code, ErrorCode::InvalidArgument);
}

// Each heartbeat renews the node's row; a node whose lease ran out stays
// listed, offline, for a day, then the next heartbeat of any node forgets it.
void TestBackends::nodeRegistryForgetsLongGoneNodes()
{
    auto store = open(freshDatabase(), QStringLiteral("node-a"));
    QVERIFY(store);
    const qint64 now = nowMs();
    const auto node = [](const QString& id, qint64 heartbeatMs) {
        NodeInfo n;
        n.id = id;
        n.host = QStringLiteral("host-") + id;
        n.pid = 7;
        n.version = QStringLiteral("0.1.0");
        n.startedMs = heartbeatMs - 60'000;
        n.heartbeatMs = heartbeatMs;
        n.leaseExpiresMs = heartbeatMs + 30'000;
        n.running = 3;
        n.tasksPerSecond = 1.5;
        return n;
    };
    const qint64 day = 24LL * 3600 * 1000;
    store->heartbeat(node(QStringLiteral("gone-long-ago"), now - day - 60'000)); // lease ran out a day and 30 s ago
    store->heartbeat(node(QStringLiteral("gone-lately"), now - 120'000)); // ran out 90 s ago: kept, offline
    QVERIFY(store->flush());
    QCOMPARE(await(store->nodes())->size(), 2); // the second heartbeat's time is the one that counts
    store->heartbeat(node(QStringLiteral("node-a"), now));
    QVERIFY(store->flush());
    const QList<NodeInfo> nodes = *await(store->nodes());
    QStringList ids;
    for (const NodeInfo& n : nodes)
        ids.append(n.id);
    ids.sort();
    QCOMPARE(ids, QStringList({ QStringLiteral("gone-lately"), QStringLiteral("node-a") }));
    for (const NodeInfo& n : nodes) {
        QCOMPARE(n.online(now), n.id == QLatin1String("node-a"));
        QCOMPARE(n.host, QStringLiteral("host-") + n.id);
        QCOMPARE(n.running, qint64(3));
        QCOMPARE(n.tasksPerSecond, 1.5);
    }
}

void TestBackends::locationNeverShowsThePassword()
{
    if (!testsOnPostgres())
        QSKIP("PostgreSQL only (integration.backends_pg)");
    const QString where = freshDatabase();
    auto store = open(where);
    QVERIFY(store);
    QVERIFY(!store->location().contains(QUrl(where).password()));
    QVERIFY(store->location().startsWith(QLatin1String("postgresql://llmsched@127.0.0.1:")));
    // A second node shares the database with the first.
    auto second = Store::open({ where, QStringLiteral("node-b"), 1 });
    QVERIFY2(second, qPrintable(second ? QString() : second.error().message));
    QVERIFY((*second)->shared());
}

void TestBackends::badUrlsAndServersAreNamedNotThePassword()
{
    if (!testsOnPostgres())
        QSKIP("PostgreSQL only (integration.backends_pg)");
    const QUrl base(postgresBaseUrl());
    const QString secret = QStringLiteral("s3cret-Pa55");
    struct Case
    {
        QString url;
        QString expected;
    };
    QUrl wrongPassword = base;
    wrongPassword.setPassword(secret);
    QUrl unreachable = base;
    unreachable.setPort(1);
    unreachable.setPassword(secret);
    QUrl missing = base;
    missing.setPath(QStringLiteral("/no_such_db"));
    const QList<Case> cases = {
        { wrongPassword.toString(), QStringLiteral("password authentication failed") },
        { unreachable.toString(), QStringLiteral("on 127.0.0.1:1") },
        { missing.toString(), QStringLiteral("\"no_such_db\"") },
        { QStringLiteral("postgresql://u:%1@/db").arg(secret), QStringLiteral("names no host") },
        { QStringLiteral("postgresql://u:%1@127.0.0.1:5432").arg(secret), QStringLiteral("names no database") },
        { QStringLiteral("postgresql://u:%1@127.0.0.1/db?sslmod=require").arg(secret), QStringLiteral("unknown option 'sslmod'") },
    };
    for (const Case& c : cases) {
        auto store = Store::open({ c.url, QStringLiteral("n"), 1 });
        QVERIFY2(!store, qPrintable(c.url));
        const QString message = store.error().message;
        QVERIFY2(message.contains(c.expected), qPrintable(message));
        QVERIFY2(!message.contains(secret), qPrintable(message));
    }
    // The engine names the database without the password too.
    EngineOptions o;
    o.databasePath = wrongPassword.toString();
    Engine engine(o);
    QVERIFY(!engine.databasePath().contains(secret));
    const VoidResult r = engine.start();
    QVERIFY(!r);
    QVERIFY(r.error().message.contains(QLatin1String("cannot connect to PostgreSQL database \"llmsched\" on 127.0.0.1:")));
    QVERIFY(!r.error().message.contains(secret));
}

void TestBackends::newerSchemaIsRefused()
{
    const QString where = freshDatabase();
    {
        auto store = open(where);
        QVERIFY(store);
    }
    {
        RawConnection raw(where);
        QVERIFY(raw.isOpen());
        QVERIFY(raw.exec(QStringLiteral("INSERT INTO schema_version (version, description, applied_at) VALUES (99, 'future', 0)")));
    }
    auto store = Store::open({ where, QStringLiteral("n"), 1 });
    QVERIFY(!store);
    QVERIFY2(store.error().message.contains(QLatin1String("schema version 99, newer than this build supports")), qPrintable(store.error().message));
    RawConnection raw(where);
    QCOMPARE(raw.scalar(QStringLiteral("SELECT count(*) FROM schema_version")).toInt(), latestSchemaVersion() + 1); // left as it was
}

void TestBackends::serverRestartLosesNoAcknowledgedTask()
{
    if (!testsOnPostgres())
        QSKIP("PostgreSQL only (integration.backends_pg)");
    // The server restarts while an engine submits and runs tasks: every
    // acknowledged task still ends succeeded; the connections come back.
    OwnServer server;
    QVERIFY(server.ok());
    EngineFixture f;
    QFile port(server.path() + QStringLiteral("/port"));
    QVERIFY(port.open(QIODevice::ReadOnly));
    QCOMPARE(QUrl(f.dbPath()).port(), port.readAll().trimmed().toInt()); // on the server restarted below
    QVERIFY(f.start());
    QVERIFY(f.addModel(simModel(QStringLiteral("m"), 20, 8)));
    QList<Ulid> acknowledged;
    for (int i = 0; i < 20; ++i)
        for (const SubmitOutcome& o : f.submit({ spec(QStringLiteral("m")), spec(QStringLiteral("m")) }))
            acknowledged.append(o.id);
    QProcess restart;
    restart.start(QStringLiteral("bash"), server.arguments(QStringLiteral("--restart")));
    // Submits while it restarts: refused (503) or acknowledged, never lost.
    while (restart.state() != QProcess::NotRunning) {
        const auto r = await(f.engine->submit({ spec(QStringLiteral("m")) }));
        if (r)
            acknowledged.append(r->constFirst().id);
        restart.waitForFinished(20);
    }
    QCOMPARE(restart.exitCode(), 0);
    for (int i = 0; i < 20; ++i) {
        const auto r = await(f.engine->submit({ spec(QStringLiteral("m")) }));
        if (r)
            acknowledged.append(r->constFirst().id);
    }
    QTRY_VERIFY_WITH_TIMEOUT(f.engine->snapshot()->storeHealthy, 30000);
    TaskFilter done;
    done.states = { TaskState::Succeeded };
    const auto succeeded = [&] {
        const Result<qint64> n = await(f.engine->countTasks(done));
        return n ? *n : qint64(-1);
    };
    QTRY_COMPARE_WITH_TIMEOUT(succeeded(), qint64(acknowledged.size()), 60000);
    for (const Ulid& id : std::as_const(acknowledged))
        QCOMPARE(await(f.engine->task(id.toString()))->state, TaskState::Succeeded);
}

void TestBackends::submitsTheServerCannotNumberAreRefusedWhole()
{
    if (!testsOnPostgres())
        QSKIP("PostgreSQL only (integration.backends_pg)");
    // Nodes sharing a database number tasks from blocks the server hands out.
    // A burst larger than the blocks in hand while the server is down is
    // refused before anything is numbered, and stores nothing.
    OwnServer server;
    QVERIFY(server.ok());
    EngineFixture f;
    QVERIFY(f.start());
    QVERIFY(f.addModel(simModel(QStringLiteral("m"), 0, 8)));
    QCOMPARE(f.submit({ spec(QStringLiteral("m")) }).size(), 1);
    QVERIFY(server.run(QStringLiteral("--pause")));
    const QList<TaskSpec> burst(9'000, spec(QStringLiteral("m"))); // more than the two blocks of 4,096 fetched ahead
    const auto refused = await(f.engine->submit(burst));
    QVERIFY(!refused);
    QCOMPARE(refused.error().code, ErrorCode::Unavailable);
    QVERIFY2(refused.error().message.contains(QLatin1String("cannot number new tasks")), qPrintable(refused.error().message));
    QVERIFY(server.run(QStringLiteral("--resume")));
    // The connections come back: a submit may still meet a dead one first,
    // and is then refused and stores nothing.
    qint64 expected = 1;
    if (const auto first = await(f.engine->submit(burst)); first)
        expected += burst.size();
    else
        QVERIFY2(first.error().code == ErrorCode::StoreError, qPrintable(first.error().toString()));
    QTRY_VERIFY_WITH_TIMEOUT(f.engine->snapshot()->storeHealthy, 30'000);
    RawConnection counter(f.dbPath());
    QCOMPARE(counter.scalar(QStringLiteral("SELECT count(*) FROM tasks")).toLongLong(), expected);
    if (expected == 1) {
        QVERIFY(await(f.engine->submit(burst)).ok());
        expected += burst.size();
    }
    RawConnection raw(f.dbPath());
    QVERIFY(raw.isOpen());
    QCOMPARE(raw.scalar(QStringLiteral("SELECT count(*) FROM tasks")).toLongLong(), expected);
    QCOMPARE(raw.scalar(QStringLiteral("SELECT min(seq) FROM tasks")).toLongLong() > 0, true);
}

void TestBackends::migrateCopiesASqliteStoreAllOrNothing()
{
    if (!testsOnPostgres())
        QSKIP("PostgreSQL only (integration.backends_pg)");
    // A SQLite store with history: tasks in several states, their logs, a
    // model, a token, an audit entry, a statistics minute.
    QTemporaryDir dir;
    const QString file = dir.filePath(QStringLiteral("llm-scheduler.db"));
    std::vector<NewTaskRow> rows;
    QString tokenId;
    {
        auto sqlite = open(file);
        QVERIFY(sqlite);
        for (int i = 1; i <= 300; ++i) {
            NewTaskRow r = row(i, QStringLiteral("m"), i % 10);
            if (i % 3 == 0)
                r.spec.tags = { QStringLiteral("t%1").arg(i % 2) };
            rows.push_back(r);
        }
        QVERIFY(insert(*sqlite, rows).status);
        for (int i = 1; i <= 100; ++i) {
            TaskUpdate u;
            u.seq = i;
            u.fields = TaskUpdate::State | TaskUpdate::Output | TaskUpdate::FinishedAt;
            u.state = TaskState::Succeeded;
            u.output = QByteArrayLiteral("{\"ok\":\"ü\"}");
            u.finishedMs = 5000 + i;
            sqlite->updateWithLog(u, { i, { 5000 + i, LogLevel::Info, QStringLiteral("done %1").arg(i), {} } });
        }
        QVERIFY(await(sqlite->upsertModel(simModel(QStringLiteral("m")))));
        tokenId = await(sqlite->createToken(QStringLiteral("ops"), Role::Admin))->token.id;
        sqlite->appendAudit({ { 7000, tokenId, QStringLiteral("DELETE"), QStringLiteral("/api/v1/tasks/x"), 200, QStringLiteral("::1"), {} } });
        MinuteStats m;
        m.minuteMs = 1'700'000'040'000;
        m.model = QStringLiteral("m");
        m.counters.succeeded = 100;
        sqlite->addStatsMinutes({ m });
        QVERIFY(sqlite->flush());
    }

    const QString target = freshDatabase();
    const Result<StoreCopyReport> copied = Store::copySqliteToPostgres(file, target, false);
    QVERIFY2(copied, qPrintable(copied ? QString() : copied.error().message));
    QCOMPARE(copied->rows.value(3), (std::pair<QString, qint64>(QStringLiteral("tasks"), 300)));
    QCOMPARE(copied->rows.value(4), (std::pair<QString, qint64>(QStringLiteral("task_logs"), 100)));
    {
        auto pg = open(target);
        QVERIFY(pg);
        QCOMPARE(*await(pg->countTasks({})), qint64(300));
        const Task t = *await(pg->task(rows[2].id.toString()));
        QCOMPARE(t.spec.input, rows[2].spec.input);
        QCOMPARE(t.spec.tags, QStringList { QStringLiteral("t1") });
        QCOMPARE(t.state, TaskState::Succeeded);
        QCOMPARE(t.output, QByteArrayLiteral("{\"ok\":\"ü\"}"));
        QCOMPARE(await(pg->taskLog(t.id.toString()))->value(0).message, QStringLiteral("done 3"));
        // Unfinished, and no node's yet: the first node to run claims them.
        TaskFilter unfinished;
        unfinished.states = { TaskState::Queued, TaskState::Scheduled, TaskState::Blocked, TaskState::Running, TaskState::RetryWait };
        QCOMPARE(*await(pg->countTasks(unfinished)), qint64(200));
        QCOMPARE(pg->loadActiveNow()->size(), size_t(0));
        QCOMPARE(pg->loadModelsNow()->value(0).name, QStringLiteral("m"));
        QCOMPARE(await(pg->apiTokens())->value(0).id, tokenId);
        QCOMPARE(await(pg->auditLog(0, 10))->value(0).path, QStringLiteral("/api/v1/tasks/x"));
        QCOMPARE(await(pg->statsMinutes({ 0, 1'800'000'000'000 }))->value(0).counters.succeeded, qint64(100));
        // While a node runs on it (its registry lease holds), the target is not touched.
        NodeInfo node;
        node.id = QStringLiteral("node-a");
        node.host = QStringLiteral("here");
        node.startedMs = node.heartbeatMs = nowMs();
        node.leaseExpiresMs = node.heartbeatMs + 60'000;
        QVERIFY(await(pg->heartbeat(node)).ok());
        const auto busy = Store::copySqliteToPostgres(file, target, true);
        QVERIFY(!busy);
        QVERIFY2(busy.error().message.contains(QLatin1String("node is running")), qPrintable(busy.error().message));
        QVERIFY(await(pg->removeNode(node.id)).ok());
    }
    // A target that holds a store is refused, and left as it was...
    const auto again = Store::copySqliteToPostgres(file, target, false);
    QVERIFY(!again);
    QVERIFY2(again.error().message.contains(QLatin1String("already holds a store (1 models")), qPrintable(again.error().message));
    QVERIFY(!again.error().message.contains(QUrl(target).password()));
    // ... unless told to replace it.
    const auto replaced = Store::copySqliteToPostgres(file, target, true);
    QVERIFY(replaced);
    QCOMPARE(replaced->total(), copied->total());
    RawConnection raw(target);
    QCOMPARE(raw.scalar(QStringLiteral("SELECT count(*) FROM tasks")).toInt(), 300);
    QCOMPARE(raw.scalar(QStringLiteral("SELECT count(*) FROM task_logs")).toInt(), 100);
    // A source that does not exist: nothing happens.
    const auto missing = Store::copySqliteToPostgres(dir.filePath(QStringLiteral("nope.db")), target, true);
    QVERIFY(!missing);
    QCOMPARE(missing.error().code, ErrorCode::NotFound);
    QCOMPARE(raw.scalar(QStringLiteral("SELECT count(*) FROM tasks")).toInt(), 300);
}

QTEST_GUILESS_MAIN(TestBackends)
#include "tst_backends.moc"
