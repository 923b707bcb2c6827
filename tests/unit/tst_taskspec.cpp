// Unit tests for TaskSpec::fromJson / toJson, parsePriority and Task::toJson.
#include "core/task.h"
#include "core/timeutil.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

using namespace llmsched;

namespace {

QJsonObject chatInput()
{
    return QJsonObject { { QStringLiteral("messages"),
        QJsonArray { QJsonObject { { QStringLiteral("role"), QStringLiteral("user") }, { QStringLiteral("content"), QStringLiteral("Hello") } } } } };
}

QJsonObject chatTask()
{
    return QJsonObject { { QStringLiteral("model"), QStringLiteral("gpt-test") }, { QStringLiteral("input"), chatInput() } };
}

QJsonObject with(QJsonObject o, const QString& key, const QJsonValue& value)
{
    o.insert(key, value);
    return o;
}

QJsonObject without(QJsonObject o, const QString& key)
{
    o.remove(key);
    return o;
}

qint64 utcMs(int y, int mo, int d, int h, int mi, int s, int ms = 0)
{
    return QDateTime(QDate(y, mo, d), QTime(h, mi, s, ms), Qt::UTC).toMSecsSinceEpoch();
}

const QString kUlidA = QStringLiteral("01ARZ3NDEKTSV4RRFFQ69G5FAV");
const QString kUlidB = QStringLiteral("01BX5ZZKBKACTAV9WEVGEMMVRZ");

} // namespace

class TestTaskSpec : public QObject
{
    Q_OBJECT

private slots:
    void validChatTask();
    void parsePriority_data();
    void parsePriority();
    void priorityField_data();
    void priorityField();
    void invalid_data();
    void invalid();
    void validKinds_data();
    void validKinds();
    void pathPrefix_data();
    void pathPrefix();
    void inputLimit();
    void runAt_data();
    void runAt();
    void delayMs();
    void toJsonRoundTrip();
    void taskToJson();
};

void TestTaskSpec::validChatTask()
{
    const auto spec = TaskSpec::fromJson(chatTask());
    QVERIFY2(spec.ok(), qPrintable(spec.ok() ? QString() : spec.error().toString()));
    QCOMPARE(spec->model, QStringLiteral("gpt-test"));
    QCOMPARE(spec->kind, TaskKind::Chat);
    QCOMPARE(spec->priority, kDefaultPriority);
    QCOMPARE(spec->maxAttempts, 0);
    QCOMPARE(spec->timeoutMs, 0);
    QCOMPARE(spec->runAtMs, qint64(0));
    QCOMPARE(spec->deadlineMs, qint64(0));
    QVERIFY(spec->tags.isEmpty());
    QVERIFY(spec->labels.isEmpty());
    QVERIFY(spec->dependsOn.isEmpty());
    // The input is stored as compact JSON of the same object.
    QVERIFY(!spec->input.contains('\n'));
    QCOMPARE(QJsonDocument::fromJson(spec->input).object(), chatInput());
}

void TestTaskSpec::parsePriority_data()
{
    QTest::addColumn<QJsonValue>("value");
    QTest::addColumn<int>("expected"); // -1: rejected

    for (int i = kMinPriority; i <= kMaxPriority; ++i)
        QTest::addRow("int %d", i) << QJsonValue(i) << i;
    QTest::newRow("high") << QJsonValue(QStringLiteral("high")) << 1;
    QTest::newRow("medium") << QJsonValue(QStringLiteral("medium")) << 5;
    QTest::newRow("low") << QJsonValue(QStringLiteral("low")) << 8;
    QTest::newRow("HIGH (case)") << QJsonValue(QStringLiteral("HIGH")) << 1;
    QTest::newRow("\" low \" (spaces)") << QJsonValue(QStringLiteral(" low ")) << 8;
    QTest::newRow("string \"3\"") << QJsonValue(QStringLiteral("3")) << 3;
    QTest::newRow("3.0") << QJsonValue(3.0) << 3;
    QTest::newRow("10") << QJsonValue(10) << -1;
    QTest::newRow("-1") << QJsonValue(-1) << -1;
    QTest::newRow("2.5") << QJsonValue(2.5) << -1;
    QTest::newRow("\"urgent\"") << QJsonValue(QStringLiteral("urgent")) << -1;
    QTest::newRow("\"10\"") << QJsonValue(QStringLiteral("10")) << -1;
    QTest::newRow("\"\"") << QJsonValue(QString()) << -1;
    QTest::newRow("true") << QJsonValue(true) << -1;
    QTest::newRow("false") << QJsonValue(false) << -1;
    QTest::newRow("array") << QJsonValue(QJsonArray { 1 }) << -1;
    QTest::newRow("object") << QJsonValue(QJsonObject {}) << -1;
    QTest::newRow("null") << QJsonValue(QJsonValue::Null) << -1;
    QTest::newRow("1e10") << QJsonValue(1e10) << -1;
}

void TestTaskSpec::parsePriority()
{
    QFETCH(QJsonValue, value);
    QFETCH(int, expected);
    const std::optional<int> p = llmsched::parsePriority(value);
    if (expected < 0) {
        QVERIFY(!p.has_value());
    } else {
        QVERIFY(p.has_value());
        QCOMPARE(*p, expected);
    }
}

void TestTaskSpec::priorityField_data()
{
    QTest::addColumn<QJsonValue>("value");
    QTest::addColumn<int>("expected"); // -1: rejected with field "priority"

    QTest::newRow("0") << QJsonValue(0) << 0;
    QTest::newRow("9") << QJsonValue(9) << 9;
    QTest::newRow("high") << QJsonValue(QStringLiteral("high")) << 1;
    QTest::newRow("medium") << QJsonValue(QStringLiteral("medium")) << 5;
    QTest::newRow("low") << QJsonValue(QStringLiteral("low")) << 8;
    QTest::newRow("null: default") << QJsonValue(QJsonValue::Null) << kDefaultPriority;
    QTest::newRow("10") << QJsonValue(10) << -1;
    QTest::newRow("-1") << QJsonValue(-1) << -1;
    QTest::newRow("2.5") << QJsonValue(2.5) << -1;
    QTest::newRow("urgent") << QJsonValue(QStringLiteral("urgent")) << -1;
    QTest::newRow("true") << QJsonValue(true) << -1;
}

void TestTaskSpec::priorityField()
{
    QFETCH(QJsonValue, value);
    QFETCH(int, expected);
    const auto spec = TaskSpec::fromJson(with(chatTask(), QStringLiteral("priority"), value));
    if (expected < 0) {
        QVERIFY(!spec.ok());
        QCOMPARE(spec.error().code, ErrorCode::InvalidArgument);
        QCOMPARE(spec.error().field, QStringLiteral("priority"));
        QVERIFY(!spec.error().message.isEmpty());
    } else {
        QVERIFY2(spec.ok(), qPrintable(spec.ok() ? QString() : spec.error().toString()));
        QCOMPARE(spec->priority, expected);
    }
}

void TestTaskSpec::invalid_data()
{
    QTest::addColumn<QJsonObject>("json");
    QTest::addColumn<QString>("field");

    const QJsonObject base = chatTask();
    const auto kind = [&](const char* k, const QJsonObject& input) {
        return with(with(base, QStringLiteral("kind"), QLatin1String(k)), QStringLiteral("input"), input);
    };

    QTest::newRow("missing model") << without(base, QStringLiteral("model")) << QStringLiteral("model");
    QTest::newRow("null model") << with(base, QStringLiteral("model"), QJsonValue::Null) << QStringLiteral("model");
    QTest::newRow("empty model") << with(base, QStringLiteral("model"), QStringLiteral("  ")) << QStringLiteral("model");
    QTest::newRow("model as number") << with(base, QStringLiteral("model"), 42) << QStringLiteral("model");
    QTest::newRow("model too long") << with(base, QStringLiteral("model"), QString(129, QLatin1Char('m'))) << QStringLiteral("model");
    QTest::newRow("missing input") << without(base, QStringLiteral("input")) << QStringLiteral("input");
    QTest::newRow("input not an object") << with(base, QStringLiteral("input"), QStringLiteral("hi")) << QStringLiteral("input");
    QTest::newRow("unknown field") << with(base, QStringLiteral("colour"), QStringLiteral("red")) << QStringLiteral("colour");
    QTest::newRow("unknown kind") << with(base, QStringLiteral("kind"), QStringLiteral("video")) << QStringLiteral("kind");
    QTest::newRow("tags not an array") << with(base, QStringLiteral("tags"), QStringLiteral("a,b")) << QStringLiteral("tags");
    QTest::newRow("tag not a string") << with(base, QStringLiteral("tags"), QJsonArray { QStringLiteral("a"), 2 }) << QStringLiteral("tags[1]");
    QTest::newRow("labels not an object") << with(base, QStringLiteral("labels"), QJsonArray {}) << QStringLiteral("labels");
    QTest::newRow("label not a string") << with(
        base, QStringLiteral("labels"), QJsonObject { { QStringLiteral("a"), QStringLiteral("ok") }, { QStringLiteral("x"), 1 } })
                                        << QStringLiteral("labels.x");
    QTest::newRow("chat without messages") << with(base, QStringLiteral("input"), QJsonObject {}) << QStringLiteral("input.messages");
    QTest::newRow("chat with empty messages") << with(base, QStringLiteral("input"), QJsonObject { { QStringLiteral("messages"), QJsonArray {} } })
                                              << QStringLiteral("input.messages");
    QTest::newRow("chat messages not an array") << with(
        base, QStringLiteral("input"), QJsonObject { { QStringLiteral("messages"), QStringLiteral("hi") } })
                                                << QStringLiteral("input.messages");
    QTest::newRow("completion without prompt") << kind("completion", chatInput()) << QStringLiteral("input.prompt");
    QTest::newRow("completion with numeric prompt")
        << kind("completion", QJsonObject { { QStringLiteral("prompt"), 3 } }) << QStringLiteral("input.prompt");
    QTest::newRow("embedding without input") << kind("embedding", QJsonObject { { QStringLiteral("text"), QStringLiteral("x") } })
                                             << QStringLiteral("input.input");
    QTest::newRow("http without url") << kind("http", QJsonObject { { QStringLiteral("method"), QStringLiteral("GET") } })
                                      << QStringLiteral("input.url");
    QTest::newRow("invalid run_at") << with(base, QStringLiteral("run_at"), QStringLiteral("tomorrow")) << QStringLiteral("run_at");
    QTest::newRow("run_at as number") << with(base, QStringLiteral("run_at"), 1'700'000'000'000.0) << QStringLiteral("run_at");
    QTest::newRow("invalid deadline") << with(base, QStringLiteral("deadline"), QStringLiteral("2026-13-45T99:00:00Z")) << QStringLiteral("deadline");
    QTest::newRow("delay_ms with run_at") << with(with(base, QStringLiteral("run_at"), QStringLiteral("2030-01-01T00:00:00Z")),
        QStringLiteral("delay_ms"), 1000) << QStringLiteral("delay_ms");
    QTest::newRow("negative delay_ms") << with(base, QStringLiteral("delay_ms"), -5) << QStringLiteral("delay_ms");
    QTest::newRow("max_attempts 0") << with(base, QStringLiteral("max_attempts"), 0) << QStringLiteral("max_attempts");
    QTest::newRow("max_attempts 1.5") << with(base, QStringLiteral("max_attempts"), 1.5) << QStringLiteral("max_attempts");
    QTest::newRow("timeout_ms as string") << with(base, QStringLiteral("timeout_ms"), QStringLiteral("10")) << QStringLiteral("timeout_ms");
    QTest::newRow("depends_on non-ULID") << with(base, QStringLiteral("depends_on"), QJsonArray { kUlidA, QStringLiteral("not-a-ulid") })
                                         << QStringLiteral("depends_on[1]");
    QTest::newRow("depends_on 26 chars with U") << with(
        base, QStringLiteral("depends_on"), QJsonArray { QStringLiteral("01ARZ3NDEKTSV4RRFFQ69G5FAU") })
                                                << QStringLiteral("depends_on[0]");
    QTest::newRow("depends_on not an array") << with(base, QStringLiteral("depends_on"), kUlidA) << QStringLiteral("depends_on");
    QTest::newRow("parent non-ULID") << with(base, QStringLiteral("parent"), QStringLiteral("parent-1")) << QStringLiteral("parent");
}

void TestTaskSpec::invalid()
{
    QFETCH(QJsonObject, json);
    QFETCH(QString, field);
    const auto spec = TaskSpec::fromJson(json);
    QVERIFY2(!spec.ok(), "the task must be rejected");
    QCOMPARE(spec.error().code, ErrorCode::InvalidArgument);
    QCOMPARE(spec.error().field, field);
    QVERIFY(!spec.error().message.isEmpty());
    QVERIFY(spec.error().toString().startsWith(field + QStringLiteral(": ")));
}

void TestTaskSpec::validKinds_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QJsonObject>("input");
    QTest::addColumn<int>("expectedKind");

    QTest::newRow("chat") << QStringLiteral("chat") << chatInput() << int(TaskKind::Chat);
    QTest::newRow("completion string") << QStringLiteral("completion") << QJsonObject { { QStringLiteral("prompt"), QStringLiteral("Once") } }
                                       << int(TaskKind::Completion);
    QTest::newRow("completion array") << QStringLiteral("completion")
                                      << QJsonObject { { QStringLiteral("prompt"), QJsonArray { QStringLiteral("a") } } }
                                      << int(TaskKind::Completion);
    QTest::newRow("embedding") << QStringLiteral("embedding") << QJsonObject { { QStringLiteral("input"), QStringLiteral("text") } }
                               << int(TaskKind::Embedding);
    QTest::newRow("http") << QStringLiteral("http") << QJsonObject { { QStringLiteral("url"), QStringLiteral("https://example.com/x") } }
                          << int(TaskKind::Http);
}

void TestTaskSpec::validKinds()
{
    QFETCH(QString, kind);
    QFETCH(QJsonObject, input);
    QFETCH(int, expectedKind);
    QJsonObject json = chatTask();
    json.insert(QStringLiteral("kind"), kind);
    json.insert(QStringLiteral("input"), input);
    const auto spec = TaskSpec::fromJson(json);
    QVERIFY2(spec.ok(), qPrintable(spec.ok() ? QString() : spec.error().toString()));
    QCOMPARE(int(spec->kind), expectedKind);
    QCOMPARE(taskKindName(spec->kind), kind);
    QCOMPARE(QJsonDocument::fromJson(spec->input).object(), input);
}

void TestTaskSpec::pathPrefix_data()
{
    QTest::addColumn<QJsonObject>("json");
    QTest::addColumn<QString>("prefix");
    QTest::addColumn<QString>("field");

    QTest::newRow("priority") << with(chatTask(), QStringLiteral("priority"), 10) << QStringLiteral("tasks[3]")
                              << QStringLiteral("tasks[3].priority");
    QTest::newRow("model") << without(chatTask(), QStringLiteral("model")) << QStringLiteral("tasks[0]") << QStringLiteral("tasks[0].model");
    QTest::newRow("input.messages") << with(chatTask(), QStringLiteral("input"), QJsonObject {}) << QStringLiteral("tasks[12]")
                                    << QStringLiteral("tasks[12].input.messages");
    QTest::newRow("labels.x") << with(chatTask(), QStringLiteral("labels"), QJsonObject { { QStringLiteral("x"), true } })
                              << QStringLiteral("tasks[1]") << QStringLiteral("tasks[1].labels.x");
    QTest::newRow("unknown field") << with(chatTask(), QStringLiteral("bogus"), 1) << QStringLiteral("tasks[7]") << QStringLiteral("tasks[7].bogus");
    QTest::newRow("depends_on[0]") << with(chatTask(), QStringLiteral("depends_on"), QJsonArray { QStringLiteral("x") }) << QStringLiteral("tasks[2]")
                                   << QStringLiteral("tasks[2].depends_on[0]");
}

void TestTaskSpec::pathPrefix()
{
    QFETCH(QJsonObject, json);
    QFETCH(QString, prefix);
    QFETCH(QString, field);
    const auto spec = TaskSpec::fromJson(json, prefix);
    QVERIFY(!spec.ok());
    QCOMPARE(spec.error().field, field);
}

void TestTaskSpec::inputLimit()
{
    const QByteArray compact = QJsonDocument(chatInput()).toJson(QJsonDocument::Compact);
    TaskLimits limits;

    limits.maxInputBytes = compact.size(); // exactly at the limit: accepted
    auto spec = TaskSpec::fromJson(chatTask(), {}, limits);
    QVERIFY(spec.ok());
    QCOMPARE(spec->input, compact);

    limits.maxInputBytes = compact.size() - 1;
    spec = TaskSpec::fromJson(chatTask(), {}, limits);
    QVERIFY(!spec.ok());
    QCOMPARE(spec.error().field, QStringLiteral("input"));

    limits.maxInputBytes = 16;
    spec = TaskSpec::fromJson(chatTask(), QStringLiteral("tasks[5]"), limits);
    QVERIFY(!spec.ok());
    QCOMPARE(spec.error().field, QStringLiteral("tasks[5].input"));
}

void TestTaskSpec::runAt_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<qint64>("expected");

    QTest::newRow("Z") << QStringLiteral("2026-01-31T12:00:00Z") << utcMs(2026, 1, 31, 12, 0, 0);
    QTest::newRow("Z with ms") << QStringLiteral("2026-01-31T12:00:00.250Z") << utcMs(2026, 1, 31, 12, 0, 0, 250);
    QTest::newRow("+02:00") << QStringLiteral("2026-01-31T14:00:00+02:00") << utcMs(2026, 1, 31, 12, 0, 0);
    QTest::newRow("-05:30") << QStringLiteral("2026-01-31T06:30:00-05:30") << utcMs(2026, 1, 31, 12, 0, 0);
    QTest::newRow("no offset is UTC") << QStringLiteral("2026-01-31T12:00:00") << utcMs(2026, 1, 31, 12, 0, 0);
    QTest::newRow("far future") << QStringLiteral("2099-12-31T23:59:59Z") << utcMs(2099, 12, 31, 23, 59, 59);
}

void TestTaskSpec::runAt()
{
    QFETCH(QString, text);
    QFETCH(qint64, expected);
    const auto spec = TaskSpec::fromJson(with(chatTask(), QStringLiteral("run_at"), text));
    QVERIFY2(spec.ok(), qPrintable(spec.ok() ? QString() : spec.error().toString()));
    QCOMPARE(spec->runAtMs, expected);

    const auto dl = TaskSpec::fromJson(with(chatTask(), QStringLiteral("deadline"), text));
    QVERIFY(dl.ok());
    QCOMPARE(dl->deadlineMs, expected);
    QCOMPARE(dl->runAtMs, qint64(0));
}

void TestTaskSpec::delayMs()
{
    const qint64 before = nowMs();
    const auto spec = TaskSpec::fromJson(with(chatTask(), QStringLiteral("delay_ms"), 60'000));
    const qint64 after = nowMs();
    QVERIFY(spec.ok());
    QVERIFY(spec->runAtMs >= before + 60'000);
    QVERIFY(spec->runAtMs <= after + 60'000);

    // delay_ms 0 together with run_at is no conflict: nothing is delayed.
    const auto zero
        = TaskSpec::fromJson(with(with(chatTask(), QStringLiteral("delay_ms"), 0), QStringLiteral("run_at"), QStringLiteral("2030-01-01T00:00:00Z")));
    QVERIFY(zero.ok());
    QCOMPARE(zero->runAtMs, utcMs(2030, 1, 1, 0, 0, 0));
}

void TestTaskSpec::toJsonRoundTrip()
{
    QJsonObject json = chatTask();
    json.insert(QStringLiteral("kind"), QStringLiteral("chat"));
    json.insert(QStringLiteral("priority"), QStringLiteral("high"));
    json.insert(QStringLiteral("max_attempts"), 4);
    json.insert(QStringLiteral("timeout_ms"), 30'000);
    json.insert(QStringLiteral("run_at"), QStringLiteral("2030-06-01T08:00:00.125Z"));
    json.insert(QStringLiteral("deadline"), QStringLiteral("2030-06-02T08:00:00Z"));
    json.insert(QStringLiteral("idempotency_key"), QStringLiteral("key-1"));
    json.insert(QStringLiteral("tags"), QJsonArray { QStringLiteral("a"), QStringLiteral("b") });
    json.insert(QStringLiteral("labels"), QJsonObject { { QStringLiteral("team"), QStringLiteral("x") } });
    json.insert(QStringLiteral("parent"), kUlidA);
    json.insert(QStringLiteral("depends_on"), QJsonArray { kUlidA, kUlidB.toLower() });
    json.insert(QStringLiteral("session_key"), QStringLiteral("s-9"));

    const auto first = TaskSpec::fromJson(json);
    QVERIFY2(first.ok(), qPrintable(first.ok() ? QString() : first.error().toString()));
    QCOMPARE(first->priority, 1);

    const QJsonObject out = first->toJson();
    QCOMPARE(out.value(QStringLiteral("priority")).toInt(), 1);
    QCOMPARE(out.value(QStringLiteral("model")).toString(), QStringLiteral("gpt-test"));
    QCOMPARE(out.value(QStringLiteral("input")).toObject(), chatInput());

    const auto second = TaskSpec::fromJson(out);
    QVERIFY2(second.ok(), qPrintable(second.ok() ? QString() : second.error().toString()));
    const TaskSpec& a = *first;
    const TaskSpec& b = *second;
    QCOMPARE(b.model, a.model);
    QCOMPARE(b.kind, a.kind);
    QCOMPARE(b.input, a.input);
    QCOMPARE(b.priority, a.priority);
    QCOMPARE(b.maxAttempts, 4);
    QCOMPARE(b.timeoutMs, 30'000);
    QCOMPARE(b.runAtMs, utcMs(2030, 6, 1, 8, 0, 0, 125));
    QCOMPARE(b.runAtMs, a.runAtMs);
    QCOMPARE(b.deadlineMs, a.deadlineMs);
    QCOMPARE(b.idempotencyKey, a.idempotencyKey);
    QCOMPARE(b.tags, a.tags);
    QCOMPARE(b.labels, a.labels);
    QCOMPARE(b.parentId, a.parentId);
    QCOMPARE(b.dependsOn, a.dependsOn);
    QCOMPARE(b.sessionKey, a.sessionKey);
    QCOMPARE(b.toJson(), out);

    // Defaults are not written out.
    const QJsonObject minimal = TaskSpec::fromJson(chatTask())->toJson();
    QVERIFY(!minimal.contains(QStringLiteral("run_at")));
    QVERIFY(!minimal.contains(QStringLiteral("max_attempts")));
    QVERIFY(!minimal.contains(QStringLiteral("tags")));
    QCOMPARE(minimal.value(QStringLiteral("priority")).toInt(), kDefaultPriority);
}

void TestTaskSpec::taskToJson()
{
    Task t;
    t.id = Ulid::fromString(kUlidA).value();
    t.spec = *TaskSpec::fromJson(with(chatTask(), QStringLiteral("priority"), 2));
    t.state = TaskState::RetryWait;
    t.attempts = 1;
    t.usage.promptTokens = 12;
    t.usage.completionTokens = 34;
    t.output = QByteArrayLiteral("{\"text\":\"hi\"}");

    const QJsonObject o = t.toJson();
    for (const char* key : { "id", "state", "priority", "usage", "model", "kind", "input", "output", "attempts" })
        QVERIFY2(o.contains(QLatin1String(key)), key);
    QCOMPARE(o.value(QStringLiteral("id")).toString(), kUlidA);
    QCOMPARE(o.value(QStringLiteral("state")).toString(), QStringLiteral("retry_wait"));
    QCOMPARE(o.value(QStringLiteral("priority")).toInt(), 2);
    const QJsonObject usage = o.value(QStringLiteral("usage")).toObject();
    QCOMPARE(usage.value(QStringLiteral("prompt_tokens")).toInteger(), qint64(12));
    QCOMPARE(usage.value(QStringLiteral("completion_tokens")).toInteger(), qint64(34));
    QCOMPARE(o.value(QStringLiteral("output")).toObject().value(QStringLiteral("text")).toString(), QStringLiteral("hi"));
    QVERIFY(o.value(QStringLiteral("error")).isNull());
    QVERIFY(o.value(QStringLiteral("run_at")).isNull());

    QVERIFY(!t.toJson(false).contains(QStringLiteral("input")));

    // State names round trip.
    for (int s = 0; s < kTaskStateCount; ++s) {
        const auto state = static_cast<TaskState>(s);
        QVERIFY(taskStateFromName(taskStateName(state)) == state);
    }
}

QTEST_GUILESS_MAIN(TestTaskSpec)
#include "tst_taskspec.moc"
