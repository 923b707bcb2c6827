// Unit tests for JsonlReader (chunked JSONL import) and taskToJsonLine.
#include "core/jsonl.h"

#include <QBuffer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

using namespace llmsched;

namespace {

QByteArray task(const QByteArray& model, int priority = 5)
{
    return "{\"model\":\"" + model + "\",\"priority\":" + QByteArray::number(priority)
        + ",\"input\":{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}}";
}

struct ReadAll
{
    QList<TaskSpec> specs;
    QList<qint64> lines;
    QList<JsonlError> errors;
    int chunks = 0;
};

ReadAll readAll(const QByteArray& data, int maxTasks, TaskLimits limits = {})
{
    QBuffer buffer;
    buffer.setData(data);
    buffer.open(QIODevice::ReadOnly);
    JsonlReader reader(&buffer, limits);
    ReadAll all;
    while (!reader.atEnd()) {
        JsonlReader::Chunk c = reader.next(maxTasks);
        all.specs += c.specs;
        all.lines += c.lines;
        all.errors += c.errors;
        ++all.chunks;
        if (all.chunks > 100'000)
            break; // no progress: fail below rather than hang
    }
    return all;
}

QList<qint64> errorLines(const QList<JsonlError>& errors)
{
    QList<qint64> out;
    for (const JsonlError& e : errors)
        out.append(e.line);
    return out;
}

QStringList models(const QList<TaskSpec>& specs)
{
    QStringList out;
    for (const TaskSpec& s : specs)
        out.append(s.model);
    return out;
}

} // namespace

class TestJsonl : public QObject
{
    Q_OBJECT

private slots:
    void emptyInput();
    void validLines_data();
    void validLines();
    void errorsKeepLineNumbers();
    void errorKinds_data();
    void errorKinds();
    void chunking_data();
    void chunking();
    void overlongLine_data();
    void overlongLine();
    void inputLimit();
    void taskToJsonLine();
    void submitChunkRejectsOnlyBadLines();
    void submitChunkStopsOnAWholeChunkError();
    void copyLinesKeepsThemAsTheyWere();
};

void TestJsonl::emptyInput()
{
    QBuffer buffer;
    buffer.open(QIODevice::ReadOnly);
    JsonlReader reader(&buffer);
    QVERIFY(reader.atEnd());
    const JsonlReader::Chunk c = reader.next(10);
    QVERIFY(c.specs.isEmpty());
    QVERIFY(c.errors.isEmpty());
    QCOMPARE(reader.linesRead(), qint64(0));
}

void TestJsonl::validLines_data()
{
    QTest::addColumn<QByteArray>("data");
    QTest::addColumn<QStringList>("models");
    QTest::addColumn<QList<qint64>>("lines");

    QTest::newRow("three lines") << QByteArray(task("a") + '\n' + task("b") + '\n' + task("c") + '\n')
                                 << QStringList { QStringLiteral("a"), QStringLiteral("b"), QStringLiteral("c") } << QList<qint64> { 1, 2, 3 };
    QTest::newRow("no final newline") << QByteArray(task("a") + '\n' + task("b")) << QStringList { QStringLiteral("a"), QStringLiteral("b") }
                                      << QList<qint64> { 1, 2 };
    QTest::newRow("blank and comment lines") << QByteArray(
        "# header comment\n\n" + task("a") + "\n   \n\t\n  # indented comment\n" + task("b") + "\n\n")
                                             << QStringList { QStringLiteral("a"), QStringLiteral("b") } << QList<qint64> { 3, 7 };
    QTest::newRow("CRLF") << QByteArray(task("a") + "\r\n\r\n" + task("b") + "\r\n") << QStringList { QStringLiteral("a"), QStringLiteral("b") }
                          << QList<qint64> { 1, 3 };
    QTest::newRow("surrounding spaces") << QByteArray("   " + task("a") + "   \n") << QStringList { QStringLiteral("a") } << QList<qint64> { 1 };
    QTest::newRow("only comments") << QByteArray("# a\n#b\n\n") << QStringList {} << QList<qint64> {};
}

void TestJsonl::validLines()
{
    QFETCH(QByteArray, data);
    QFETCH(QStringList, models);
    QFETCH(QList<qint64>, lines);
    const ReadAll all = readAll(data, 1000);
    QVERIFY2(all.errors.isEmpty(), all.errors.isEmpty() ? "" : qPrintable(all.errors.first().toString()));
    QCOMPARE(::models(all.specs), models);
    QCOMPARE(all.lines, lines);
}

void TestJsonl::errorsKeepLineNumbers()
{
    QByteArray data;
    data += task("one", 1) + '\n'; // 1
    data += "{\"model\": \"x\", \n"; // 2: invalid JSON
    data += '\n'; // 3: blank
    data += "[1, 2, 3]\n"; // 4: not an object
    data += "# comment\n"; // 5
    data += "{\"priority\": 3, \"input\": {\"messages\": [1]}}\n"; // 6: no model
    data += task("seven", 7) + '\n'; // 7
    data += "   \n"; // 8
    data += task("nine", 12) + '\n'; // 9: priority 12
    data += "42\n"; // 10: not an object
    data += task("eleven", 0); // 11, no final newline

    QBuffer buffer(&data);
    buffer.open(QIODevice::ReadOnly);
    JsonlReader reader(&buffer);
    const JsonlReader::Chunk c = reader.next(100);
    QVERIFY(reader.atEnd());
    QCOMPARE(reader.linesRead(), qint64(11));
    QCOMPARE(reader.bytesRead(), qint64(data.size()));

    QCOMPARE(::models(c.specs), (QStringList { QStringLiteral("one"), QStringLiteral("seven"), QStringLiteral("eleven") }));
    QCOMPARE(c.lines, (QList<qint64> { 1, 7, 11 }));
    QCOMPARE(c.specs.at(0).priority, 1);
    QCOMPARE(c.specs.at(1).priority, 7);
    QCOMPARE(c.specs.at(2).priority, 0);

    QCOMPARE(errorLines(c.errors), (QList<qint64> { 2, 4, 6, 9, 10 }));
    for (const JsonlError& e : c.errors) {
        QCOMPARE(e.error.code, ErrorCode::InvalidArgument);
        QVERIFY(e.toString().startsWith(QStringLiteral("line %1: ").arg(e.line)));
    }
    QCOMPARE(c.errors.at(2).error.field, QStringLiteral("model"));
    QCOMPARE(c.errors.at(3).error.field, QStringLiteral("priority"));
}

void TestJsonl::errorKinds_data()
{
    QTest::addColumn<QByteArray>("line");
    QTest::addColumn<QString>("field");

    QTest::newRow("truncated JSON") << QByteArray("{\"model\":") << QString();
    QTest::newRow("garbage") << QByteArray("hello world") << QString();
    QTest::newRow("array") << QByteArray("[]") << QString();
    QTest::newRow("string") << QByteArray("\"task\"") << QString();
    QTest::newRow("two objects on one line") << QByteArray(task("a") + task("b")) << QString();
    QTest::newRow("unknown field") << QByteArray("{\"model\":\"m\",\"input\":{\"messages\":[1]},\"foo\":1}") << QStringLiteral("foo");
    QTest::newRow("chat without messages") << QByteArray("{\"model\":\"m\",\"input\":{}}") << QStringLiteral("input.messages");
}

void TestJsonl::errorKinds()
{
    QFETCH(QByteArray, line);
    QFETCH(QString, field);
    // The bad line sits between two good ones.
    const ReadAll all = readAll(task("before") + '\n' + line + '\n' + task("after") + '\n', 10);
    QCOMPARE(::models(all.specs), (QStringList { QStringLiteral("before"), QStringLiteral("after") }));
    QCOMPARE(all.lines, (QList<qint64> { 1, 3 }));
    QCOMPARE(all.errors.size(), 1);
    QCOMPARE(all.errors.at(0).line, qint64(2));
    QCOMPARE(all.errors.at(0).error.field, field);
    QVERIFY(!all.errors.at(0).error.message.isEmpty());
}

void TestJsonl::chunking_data()
{
    QTest::addColumn<int>("total");
    QTest::addColumn<int>("maxTasks");
    QTest::newRow("25 by 10") << 25 << 10;
    QTest::newRow("30 by 10") << 30 << 10;
    QTest::newRow("7 by 1") << 7 << 1;
    QTest::newRow("5 by 100") << 5 << 100;
    QTest::newRow("1000 by 64") << 1000 << 64;
}

void TestJsonl::chunking()
{
    QFETCH(int, total);
    QFETCH(int, maxTasks);

    // Every fourth line is a comment and every seventh an invalid line, so line
    // numbers and task indexes diverge.
    QByteArray data;
    QList<qint64> expectedLines;
    QList<qint64> expectedErrors;
    qint64 line = 0;
    for (int i = 0; i < total; ++i) {
        if (i % 4 == 0) {
            data += "# comment\n";
            ++line;
        }
        if (i % 7 == 3) {
            data += "{bad json\n";
            expectedErrors.append(++line);
        }
        data += task("m" + QByteArray::number(i)) + '\n';
        expectedLines.append(++line);
    }

    QBuffer buffer(&data);
    buffer.open(QIODevice::ReadOnly);
    JsonlReader reader(&buffer);
    QList<TaskSpec> specs;
    QList<qint64> lines;
    QList<qint64> errors;
    int chunks = 0;
    while (!reader.atEnd()) {
        const JsonlReader::Chunk c = reader.next(maxTasks);
        QVERIFY(c.specs.size() <= maxTasks);
        QCOMPARE(c.lines.size(), c.specs.size());
        // Only the last chunk may be short.
        if (!reader.atEnd())
            QCOMPARE(c.specs.size(), qsizetype(maxTasks));
        specs += c.specs;
        lines += c.lines;
        errors += errorLines(c.errors);
        QVERIFY(++chunks <= total + 1);
    }
    QCOMPARE(specs.size(), qsizetype(total));
    QCOMPARE(chunks, (total + maxTasks - 1) / maxTasks);
    for (int i = 0; i < total; ++i)
        QCOMPARE(specs.at(i).model, QStringLiteral("m%1").arg(i));
    QCOMPARE(lines, expectedLines);
    QCOMPARE(errors, expectedErrors);
    QCOMPARE(reader.linesRead(), line);
    // A further call after the end returns nothing.
    const JsonlReader::Chunk after = reader.next(maxTasks);
    QVERIFY(after.specs.isEmpty());
    QVERIFY(after.errors.isEmpty());
}

void TestJsonl::overlongLine_data()
{
    QTest::addColumn<bool>("lastLine");
    QTest::addColumn<bool>("finalNewline");
    QTest::newRow("in the middle") << false << true;
    QTest::newRow("last, with newline") << true << true;
    QTest::newRow("last, without newline") << true << false;
}

void TestJsonl::overlongLine()
{
    QFETCH(bool, lastLine);
    QFETCH(bool, finalNewline);

    TaskLimits limits;
    limits.maxInputBytes = 100; // lines longer than 100 + 64 KiB are rejected unread
    const qint64 maxLine = limits.maxInputBytes + 64 * 1024;

    // A syntactically valid task whose line is far too long.
    const QByteArray huge = "{\"model\":\"big\",\"input\":{\"messages\":[{\"role\":\"user\",\"content\":\"" + QByteArray(3 * maxLine, 'x') + "\"}]}}";
    QByteArray data = task("first") + '\n';
    QList<qint64> expectedLines { 1 };
    QStringList expectedModels { QStringLiteral("first") };
    if (lastLine) {
        data += task("second") + '\n' + huge;
        if (finalNewline)
            data += '\n';
        expectedLines << 2;
        expectedModels << QStringLiteral("second");
    } else {
        data += huge + '\n' + task("third") + '\n' + task("fourth") + '\n';
        expectedLines << 3 << 4;
        expectedModels << QStringLiteral("third") << QStringLiteral("fourth");
    }
    const qint64 hugeLineNumber = lastLine ? 3 : 2;

    const ReadAll all = readAll(data, 10, limits);
    QCOMPARE(::models(all.specs), expectedModels);
    QCOMPARE(all.lines, expectedLines);
    QCOMPARE(all.errors.size(), 1);
    QCOMPARE(all.errors.at(0).line, hugeLineNumber);
    QVERIFY2(all.errors.at(0).error.message.contains(QStringLiteral("longer")), qPrintable(all.errors.at(0).error.message));
}

void TestJsonl::inputLimit()
{
    // Within the line limit but over the input limit: rejected as a task error on "input".
    TaskLimits limits;
    limits.maxInputBytes = 64;
    const QByteArray big = "{\"model\":\"m\",\"input\":{\"messages\":[{\"content\":\"" + QByteArray(200, 'y') + "\"}]}}";
    const ReadAll all = readAll(task("ok") + '\n' + big + '\n' + task("ok2") + '\n', 10, limits);
    QCOMPARE(::models(all.specs), (QStringList { QStringLiteral("ok"), QStringLiteral("ok2") }));
    QCOMPARE(all.errors.size(), 1);
    QCOMPARE(all.errors.at(0).line, qint64(2));
    QCOMPARE(all.errors.at(0).error.field, QStringLiteral("input"));
}

void TestJsonl::taskToJsonLine()
{
    Task t;
    t.id = UlidGenerator::next();
    t.spec.model = QStringLiteral("m");
    t.spec.input = QByteArrayLiteral("{\"messages\":[{\"role\":\"user\",\"content\":\"multi\\nline\"}]}");
    t.state = TaskState::Succeeded;
    const QByteArray line = llmsched::taskToJsonLine(t);
    QVERIFY(line.endsWith('\n'));
    QCOMPARE(line.count('\n'), 1); // exactly one line, even with newlines in the content
    QJsonParseError err;
    const QJsonDocument doc = QJsonDocument::fromJson(line, &err);
    QCOMPARE(err.error, QJsonParseError::NoError);
    QVERIFY(doc.isObject());
    QCOMPARE(doc.object().value(QStringLiteral("id")).toString(), t.id.toString());
    QCOMPARE(doc.object().value(QStringLiteral("state")).toString(), QStringLiteral("succeeded"));
    QCOMPARE(doc.object().value(QStringLiteral("input")).toObject().value(QStringLiteral("messages")).toArray().size(), qsizetype(1));
}

namespace {

// An engine's submit as far as submitChunk sees it: knows models "a" and "b",
// refuses the first task it cannot take as tasks[i].field, as the scheduler does.
struct FakeSubmit
{
    int calls = 0;
    Result<QList<SubmitOutcome>> operator()(const QList<TaskSpec>& specs)
    {
        ++calls;
        for (qsizetype i = 0; i < specs.size(); ++i) {
            if (specs.at(i).model != QLatin1String("a") && specs.at(i).model != QLatin1String("b"))
                return Error::invalid(specs.size() > 1 ? QStringLiteral("tasks[%1].model").arg(i) : QStringLiteral("model"),
                    QStringLiteral("unknown model '%1'").arg(specs.at(i).model));
        }
        return QList<SubmitOutcome>(specs.size());
    }
};

JsonlReader::Chunk chunkOf(std::initializer_list<const char*> models)
{
    JsonlReader::Chunk c;
    for (const char* model : models) {
        TaskSpec s;
        s.model = QString::fromLatin1(model);
        c.lines.append(10 + c.specs.size());
        c.specs.append(s);
    }
    return c;
}

} // namespace

void TestJsonl::submitChunkRejectsOnlyBadLines()
{
    FakeSubmit submit;
    const ChunkOutcome o = submitChunk(chunkOf({ "a", "x", "b", "y", "x", "a" }), std::ref(submit));
    QCOMPARE(o.imported, 3);
    QVERIFY(!o.stopped);
    QCOMPARE(o.rejected.size(), 3);
    QCOMPARE(o.rejected.at(0).line, 11);
    QCOMPARE(o.rejected.at(1).line, 13);
    QCOMPARE(o.rejected.at(2).line, 14);
    QCOMPARE(o.rejected.at(0).toString(), QStringLiteral("line 11: model: unknown model 'x'"));
    QCOMPARE(o.rejected.at(1).toString(), QStringLiteral("line 13: model: unknown model 'y'"));
    QCOMPARE(submit.calls, 3); // one retry per unknown model, not per line

    FakeSubmit single;
    const ChunkOutcome one = submitChunk(chunkOf({ "z" }), std::ref(single));
    QCOMPARE(one.imported, 0);
    QCOMPARE(one.rejected.size(), 1);
    QCOMPARE(one.rejected.at(0).line, 10);
}

void TestJsonl::submitChunkStopsOnAWholeChunkError()
{
    int calls = 0;
    const ChunkOutcome o = submitChunk(chunkOf({ "a", "b" }), [&calls](const QList<TaskSpec>&) -> Result<QList<SubmitOutcome>> {
        ++calls;
        return Error { ErrorCode::CapacityExceeded, QStringLiteral("the queue of model 'a' is full"), QStringLiteral("model") };
    });
    QCOMPARE(calls, 1);
    QCOMPARE(o.imported, 0);
    QVERIFY(o.rejected.isEmpty());
    QVERIFY(o.stopped);
    QCOMPARE(o.stopped->code, ErrorCode::CapacityExceeded);
    QCOMPARE(o.stoppedAtLine, 10);
}

void TestJsonl::copyLinesKeepsThemAsTheyWere()
{
    const QByteArray longLine = QByteArray(200'000, 'x'); // longer than one read
    const QByteArray data = "one\n" + longLine + "\nthree\r\n\nfive";
    const auto copy = [&data](const QList<qint64>& lines) {
        QBuffer in, out;
        in.setData(data);
        in.open(QIODevice::ReadOnly);
        out.open(QIODevice::WriteOnly);
        const auto n = copyLines(in, out, lines);
        return std::make_pair(n ? *n : -1, out.data());
    };
    QCOMPARE(copy({ 1, 3 }), std::make_pair(qint64(2), QByteArray("one\nthree\r\n")));
    QCOMPARE(copy({ 2, 5 }), std::make_pair(qint64(2), QByteArray(longLine + "\nfive\n")));
    QCOMPARE(copy({ 4 }), std::make_pair(qint64(1), QByteArray("\n")));
    QCOMPARE(copy({}), std::make_pair(qint64(0), QByteArray()));
    QCOMPARE(copy({ 9 }), std::make_pair(qint64(0), QByteArray()));
}

QTEST_GUILESS_MAIN(TestJsonl)
#include "tst_jsonl.moc"
