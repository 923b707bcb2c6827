// Unit tests for SseParser (incremental text/event-stream parsing, WHATWG rules).
#include "providers/sseparser.h"

#include <QByteArrayList>
#include <QRandomGenerator>
#include <QTest>

#include <utility>

using namespace llmsched;

namespace {

// One event as comparable text: "[event][id]data".
QByteArray describe(const SseEvent& e)
{
    return '[' + e.event + "][" + e.id + ']' + e.data;
}

QByteArrayList describe(const std::vector<SseEvent>& events)
{
    QByteArrayList out;
    for (const SseEvent& e : events)
        out.append(describe(e));
    return out;
}

QByteArray ev(const QByteArray& data, const QByteArray& event = {}, const QByteArray& id = {})
{
    return describe(SseEvent { event, data, id });
}

struct Parsed
{
    QByteArrayList events;
    bool pendingAtEnd = false;
};

// Feeds `stream` in pieces that end at the given offsets (ascending), then finishes.
Parsed parseSplit(const QByteArray& stream, const QList<qsizetype>& cuts)
{
    SseParser parser;
    std::vector<SseEvent> out;
    qsizetype from = 0;
    for (qsizetype cut : cuts) {
        parser.feed(QByteArrayView(stream).sliced(from, cut - from), out);
        from = cut;
    }
    parser.feed(QByteArrayView(stream).sliced(from), out);
    return { describe(out), parser.finish() };
}

Parsed parseWhole(const QByteArray& stream)
{
    return parseSplit(stream, {});
}

QByteArray openAiStream()
{
    QByteArray s;
    const QByteArrayList deltas = { "Hel", "lo", ", w\xC3\xB6rld", " \xE2\x82\xAC\xF0\x9F\x98\x80", "!" };
    s += "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,"
         "\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}\n\n";
    for (const QByteArray& d : deltas)
        s += "data: {\"id\":\"chatcmpl-1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" + d + "\"},\"finish_reason\":null}]}\n\n";
    s += ": OPENROUTER PROCESSING\n\n";
    s += "data: {\"id\":\"chatcmpl-1\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],"
         "\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":5,\"total_tokens\":14}}\n\n";
    s += "data: [DONE]\n\n";
    return s;
}

// Anthropic Messages streaming: (event type, data) pairs, each sent as "event:" + "data:".
QList<std::pair<QByteArray, QByteArray>> anthropicEvents()
{
    return {
        { "message_start",
            R"({"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant",)"
            R"("content":[],"model":"claude","usage":{"input_tokens":25,"output_tokens":1}}})" },
        { "content_block_start", R"({"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}})" },
        { "ping", R"({"type": "ping"})" },
        { "content_block_delta", R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}})" },
        { "content_block_delta",
            "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\","
            "\"text\":\" \xC3\xA9t\xC3\xA9\"}}" },
        { "content_block_stop", R"({"type":"content_block_stop","index":0})" },
        { "message_delta", R"({"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":15}})" },
        { "message_stop", R"({"type":"message_stop"})" },
    };
}

QByteArray anthropicStream()
{
    QByteArray s;
    for (const auto& [type, data] : anthropicEvents())
        s += "event: " + type + "\ndata: " + data + "\n\n";
    return s;
}

// Every kind of line end, comments, ids, a BOM, fields without colon, and an unfinished tail.
QByteArray mixedStream()
{
    return "\xEF\xBB\xBF: hello\r\n"
           "retry: 1000\r\n"
           "id: 1\r\n"
           "event: a\r\n"
           "data: first\r\n"
           "data\r\n"
           "data:  two spaces\r\n"
           "\r\n"
           "data: cr only\r"
           "data:x\r"
           "\r"
           "event: no-data\n"
           "\n"
           "id\n"
           "data: lf\n"
           "\n"
           "\r\n\r\n\n\r\r"
           "unknown: field\n"
           "data: last\r\n"
           "\r\n"
           "data: never dispatched\r\n";
}

QList<QByteArray> propertyStreams()
{
    return { openAiStream(), anthropicStream(), mixedStream(), QByteArray("data: a\r\n\r\ndata: b\r\r\ndata: c\n\r\n"),
        QByteArray("\xEF\xBB\xBF") + openAiStream() };
}

} // namespace

class TestSseParser : public QObject
{
    Q_OBJECT

private slots:
    void parse_data();
    void parse();
    void crlfSplitAcrossChunks_data();
    void crlfSplitAcrossChunks();
    void emptyChunkKeepsPendingCr();
    void bomSplitAcrossChunks();
    void everySplitPointMatchesWhole();
    void everyTwoSplitPointsMatchWhole();
    void randomPartitionsMatchWhole();
    void oneBytePiecesMatchWhole();
    void finishReportsPending_data();
    void finishReportsPending();
    void finishResetsParser();
    void pendingBytes();
    void longLineInManyChunks();
};

void TestSseParser::parse_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<QByteArrayList>("expected");

    QTest::newRow("empty input") << QByteArray() << QByteArrayList {};
    QTest::newRow("single event") << QByteArray("data: hello\n\n") << QByteArrayList { ev("hello") };
    QTest::newRow("two events") << QByteArray("data: 1\n\ndata: 2\n\n") << QByteArrayList { ev("1"), ev("2") };
    QTest::newRow("multi-line data") << QByteArray("data: a\ndata: b\ndata: c\n\n") << QByteArrayList { ev("a\nb\nc") };
    QTest::newRow("CRLF") << QByteArray("event: x\r\ndata: 1\r\ndata: 2\r\n\r\n") << QByteArrayList { ev("1\n2", "x") };
    QTest::newRow("CR only") << QByteArray("data: 1\rdata: 2\r\rdata: 3\r\r") << QByteArrayList { ev("1\n2"), ev("3") };
    QTest::newRow("mixed line ends") << QByteArray("data: 1\r\ndata: 2\rdata: 3\n\r\n") << QByteArrayList { ev("1\n2\n3") };
    QTest::newRow("comment lines") << QByteArray(": keep-alive\n\ndata: x\n:another\ndata: y\n\n") << QByteArrayList { ev("x\ny") };
    QTest::newRow("comment with colon inside") << QByteArray(":data: no\n\n") << QByteArrayList {};
    QTest::newRow("event and id fields") << QByteArray("event: delta\nid: 42\ndata: {}\n\n") << QByteArrayList { ev("{}", "delta", "42") };
    QTest::newRow("event type resets after dispatch") << QByteArray("event: a\ndata: 1\n\ndata: 2\n\n") << QByteArrayList { ev("1", "a"), ev("2") };
    QTest::newRow("id persists across events") << QByteArray("id: 7\ndata: a\n\ndata: b\n\nid\ndata: c\n\n")
                                               << QByteArrayList { ev("a", {}, "7"), ev("b", {}, "7"), ev("c") };
    QTest::newRow("id set by an event without data") << QByteArray("id: 5\n\ndata: x\n\n") << QByteArrayList { ev("x", {}, "5") };
    QTest::newRow("id with NUL is ignored") << QByteArray("id: 1\ndata: a\n\nid: 2\0x\ndata: b\n\n", 32)
                                            << QByteArrayList { ev("a", {}, "1"), ev("b", {}, "1") };
    QTest::newRow("data without colon") << QByteArray("data\n\n") << QByteArrayList { ev("") };
    QTest::newRow("event without colon") << QByteArray("event: a\nevent\ndata: x\n\n") << QByteArrayList { ev("x") };
    QTest::newRow("data:x") << QByteArray("data:x\n\n") << QByteArrayList { ev("x") };
    QTest::newRow("data: x") << QByteArray("data: x\n\n") << QByteArrayList { ev("x") };
    QTest::newRow("data:  x") << QByteArray("data:  x\n\n") << QByteArrayList { ev(" x") };
    QTest::newRow("data: with trailing space") << QByteArray("data: x \n\n") << QByteArrayList { ev("x ") };
    QTest::newRow("data with colons") << QByteArray("data: a:b: c\n\n") << QByteArrayList { ev("a:b: c") };
    QTest::newRow("event: keeps colons") << QByteArray("event:a:b\ndata: x\n\n") << QByteArrayList { ev("x", "a:b") };
    QTest::newRow("BOM") << QByteArray("\xEF\xBB\xBF"
                                       "data: x\n\n")
                         << QByteArrayList { ev("x") };
    QTest::newRow("only the first BOM is skipped") << QByteArray("\xEF\xBB\xBF\xEF\xBB\xBF"
                                                                 "data: x\n\ndata: y\n\n")
                                                   << QByteArrayList { ev("y") };
    QTest::newRow("BOM later in the stream is data")
        << QByteArray("data: 1\n\ndata: \xEF\xBB\xBF\n\n") << QByteArrayList { ev("1"), ev("\xEF\xBB\xBF") };
    QTest::newRow("partial BOM is a field name") << QByteArray("\xEF\xBB"
                                                               "data: x\n\ndata: y\n\n")
                                                 << QByteArrayList { ev("y") };
    QTest::newRow("empty data line") << QByteArray("data:\n\n") << QByteArrayList { ev("") };
    QTest::newRow("two empty data lines") << QByteArray("data\ndata:\n\n") << QByteArrayList { ev("\n") };
    QTest::newRow("empty data line then text") << QByteArray("data:\ndata: x\n\n") << QByteArrayList { ev("\nx") };
    QTest::newRow("event with no data is not dispatched") << QByteArray("event: ping\n\n") << QByteArrayList {};
    QTest::newRow("blank lines alone") << QByteArray("\n\n\r\n\r\r\n") << QByteArrayList {};
    QTest::newRow("unknown fields and retry ignored") << QByteArray("retry: 10\nfoo: bar\nDATA: no\ndata: y\n\n") << QByteArrayList { ev("y") };
    QTest::newRow("space before colon makes another field") << QByteArray("data : x\n data: y\n\n") << QByteArrayList {};
    QTest::newRow("no final blank line") << QByteArray("data: 1\n\ndata: 2\n") << QByteArrayList { ev("1") };
    QTest::newRow("no final line end") << QByteArray("data: 1\n\ndata: 2") << QByteArrayList { ev("1") };
    QTest::newRow("UTF-8 passes through") << QByteArray("data: gr\xC3\xBC\xC3\x9F \xF0\x9F\x98\x80\n\n")
                                          << QByteArrayList { ev("gr\xC3\xBC\xC3\x9F \xF0\x9F\x98\x80") };

    QByteArrayList openAi;
    openAi << ev("{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,"
                 "\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}");
    for (const QByteArray& d :
        { QByteArray("Hel"), QByteArray("lo"), QByteArray(", w\xC3\xB6rld"), QByteArray(" \xE2\x82\xAC\xF0\x9F\x98\x80"), QByteArray("!") })
        openAi << ev("{\"id\":\"chatcmpl-1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" + d + "\"},\"finish_reason\":null}]}");
    openAi << ev("{\"id\":\"chatcmpl-1\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],"
                 "\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":5,\"total_tokens\":14}}")
           << ev("[DONE]");
    QTest::newRow("OpenAI stream ending in [DONE]") << openAiStream() << openAi;

    QByteArrayList anthropic;
    for (const auto& [type, data] : anthropicEvents())
        anthropic << ev(data, type);
    QTest::newRow("Anthropic stream") << anthropicStream() << anthropic;

    QTest::newRow("mixed stream") << mixedStream()
                                  << QByteArrayList { ev("first\n\n two spaces", "a", "1"), ev("cr only\nx", {}, "1"), ev("lf"), ev("last") };
}

void TestSseParser::parse()
{
    QFETCH(QByteArray, input);
    QFETCH(QByteArrayList, expected);
    QCOMPARE(parseWhole(input).events, expected);
}

void TestSseParser::crlfSplitAcrossChunks_data()
{
    QTest::addColumn<QByteArrayList>("chunks");
    QTest::addColumn<QByteArrayList>("expected");

    QTest::newRow("between data lines") << QByteArrayList { "data: a\r", "\ndata: b\r\n\r\n" } << QByteArrayList { ev("a\nb") };
    QTest::newRow("in the blank line") << QByteArrayList { "data: a\r\n\r", "\ndata: b\r\n\r\n" } << QByteArrayList { ev("a"), ev("b") };
    QTest::newRow("each CRLF split") << QByteArrayList { "data: a\r", "\n", "data: b\r", "\n\r", "\n" } << QByteArrayList { ev("a\nb") };
    QTest::newRow("CR then other text") << QByteArrayList { "data: a\r", "data: b\r", "\r" } << QByteArrayList { ev("a\nb") };
    QTest::newRow("CR then LF-only blank line") << QByteArrayList { "data: a\r", "\n\n" } << QByteArrayList { ev("a") };
}

void TestSseParser::crlfSplitAcrossChunks()
{
    QFETCH(QByteArrayList, chunks);
    QFETCH(QByteArrayList, expected);
    SseParser parser;
    std::vector<SseEvent> out;
    for (const QByteArray& chunk : chunks)
        parser.feed(chunk, out);
    QCOMPARE(describe(out), expected);
    QVERIFY(!parser.finish());
}

void TestSseParser::emptyChunkKeepsPendingCr()
{
    SseParser parser;
    std::vector<SseEvent> out;
    parser.feed("data: a\r", out);
    parser.feed(QByteArrayView(), out);
    parser.feed("\ndata: b\r\n\r\n", out);
    QCOMPARE(describe(out), QByteArrayList { ev("a\nb") });
}

void TestSseParser::bomSplitAcrossChunks()
{
    SseParser parser;
    std::vector<SseEvent> out;
    parser.feed("\xEF", out);
    parser.feed(QByteArrayView(), out);
    parser.feed("\xBB", out);
    parser.feed("\xBF", out);
    parser.feed("data: x\n\n", out);
    QCOMPARE(describe(out), QByteArrayList { ev("x") });
}

void TestSseParser::everySplitPointMatchesWhole()
{
    for (const QByteArray& stream : propertyStreams()) {
        const Parsed whole = parseWhole(stream);
        QVERIFY(!whole.events.isEmpty());
        for (qsizetype cut = 0; cut <= stream.size(); ++cut) {
            const Parsed split = parseSplit(stream, { cut });
            QVERIFY2(split.events == whole.events, qPrintable(QStringLiteral("split at %1").arg(cut)));
            QCOMPARE(split.pendingAtEnd, whole.pendingAtEnd);
        }
    }
}

void TestSseParser::everyTwoSplitPointsMatchWhole()
{
    // Three pieces: catches state that survives one boundary but not two (BOM, CR).
    const QByteArray stream = mixedStream();
    const Parsed whole = parseWhole(stream);
    for (qsizetype a = 0; a <= stream.size(); ++a) {
        for (qsizetype b = a; b <= stream.size(); ++b) {
            const Parsed split = parseSplit(stream, { a, b });
            if (split.events != whole.events || split.pendingAtEnd != whole.pendingAtEnd)
                QFAIL(qPrintable(QStringLiteral("split at %1 and %2").arg(a).arg(b)));
        }
    }
}

void TestSseParser::randomPartitionsMatchWhole()
{
    QRandomGenerator rng(20240611);
    for (const QByteArray& stream : propertyStreams()) {
        const Parsed whole = parseWhole(stream);
        for (int maxPiece = 1; maxPiece <= 64; maxPiece *= 2) {
            for (int round = 0; round < 50; ++round) {
                QList<qsizetype> cuts;
                qsizetype at = 0;
                while (true) {
                    at += rng.bounded(1, maxPiece + 1);
                    if (at >= stream.size())
                        break;
                    cuts.append(at);
                }
                const Parsed split = parseSplit(stream, cuts);
                QVERIFY2(split.events == whole.events, qPrintable(QStringLiteral("pieces up to %1 bytes, round %2").arg(maxPiece).arg(round)));
                QCOMPARE(split.pendingAtEnd, whole.pendingAtEnd);
            }
        }
    }
}

void TestSseParser::oneBytePiecesMatchWhole()
{
    for (const QByteArray& stream : propertyStreams()) {
        const Parsed whole = parseWhole(stream);
        SseParser parser;
        std::vector<SseEvent> out;
        for (char c : stream)
            parser.feed(QByteArrayView(&c, 1), out);
        QCOMPARE(describe(out), whole.events);
        QCOMPARE(parser.finish(), whole.pendingAtEnd);
    }
}

void TestSseParser::finishReportsPending_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<bool>("pending");

    QTest::newRow("nothing") << QByteArray() << false;
    QTest::newRow("complete event") << QByteArray("data: x\n\n") << false;
    QTest::newRow("complete event, CR end") << QByteArray("data: x\r\r") << false;
    QTest::newRow("comment only") << QByteArray(": hi\n") << false;
    QTest::newRow("OpenAI stream") << openAiStream() << false;
    QTest::newRow("partial line") << QByteArray("data: x\n\ndata: y") << true;
    QTest::newRow("event not closed") << QByteArray("data: x\n") << true;
    QTest::newRow("event type not closed") << QByteArray("event: x\n") << true;
    QTest::newRow("partial BOM") << QByteArray("\xEF\xBB") << true;
}

void TestSseParser::finishReportsPending()
{
    QFETCH(QByteArray, input);
    QFETCH(bool, pending);
    SseParser parser;
    std::vector<SseEvent> out;
    parser.feed(input, out);
    QCOMPARE(parser.finish(), pending);
    QCOMPARE(parser.finish(), false); // finish() resets
    QCOMPARE(parser.pendingBytes(), 0);
}

void TestSseParser::finishResetsParser()
{
    SseParser parser;
    std::vector<SseEvent> out;
    parser.feed("id: 9\ndata: a\n\ndata: unfinished\r", out);
    QVERIFY(parser.finish());
    QCOMPARE(describe(out), QByteArrayList { ev("a", {}, "9") });

    // A new stream: the BOM is skipped again, the id is gone, a leading '\n' is a blank line.
    out.clear();
    parser.feed("\xEF\xBB\xBF"
                "data: b\n\n",
        out);
    QCOMPARE(describe(out), QByteArrayList { ev("b") });

    out.clear();
    parser.feed("data: c\r", out);
    parser.reset();
    parser.feed("\ndata: d\n\n", out);
    QCOMPARE(describe(out), QByteArrayList { ev("d") });
}

void TestSseParser::pendingBytes()
{
    SseParser parser;
    std::vector<SseEvent> out;
    QCOMPARE(parser.pendingBytes(), 0);
    parser.feed("data: abc", out);
    QCOMPARE(parser.pendingBytes(), 9); // the partial line
    parser.feed("\n", out);
    QCOMPARE(parser.pendingBytes(), 3); // the event's data so far
    parser.feed("data: de\n", out);
    QCOMPARE(parser.pendingBytes(), 6); // "abc\nde"
    parser.feed("\n", out);
    QCOMPARE(parser.pendingBytes(), 0);
    QCOMPARE(out.size(), size_t(1));
    QCOMPARE(out.front().data, QByteArray("abc\nde"));
}

void TestSseParser::longLineInManyChunks()
{
    const QByteArray payload(1 << 20, 'x');
    const QByteArray stream = "data: " + payload + "\r\n\r\n";
    SseParser parser;
    std::vector<SseEvent> out;
    for (qsizetype at = 0; at < stream.size(); at += 4096)
        parser.feed(QByteArrayView(stream).sliced(at, std::min<qsizetype>(4096, stream.size() - at)), out);
    QCOMPARE(out.size(), size_t(1));
    QCOMPARE(out.front().data, payload);
    QCOMPARE(parser.pendingBytes(), 0);
}

QTEST_GUILESS_MAIN(TestSseParser)
#include "tst_sseparser.moc"
