// A streamed chat answer as Anthropic Messages and OpenAI Responses event
// streams: for an answer with text and a tool call, cut at every split point
// of the text and of the arguments, the events come in the order each API
// defines, and a client that adds them up (as the SDKs do) gets exactly the
// answer the non-streaming call returns. Also: an answer that was not
// streamed at all, tool calls that only the final answer holds, and failure.

#include "core/anthropicdialect.h"
#include "core/responsesdialect.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

#include <algorithm>

using namespace llmsched;

namespace {

struct Event
{
    QString name;
    QJsonObject data;
};

QList<Event> parse(const QByteArray& sse)
{
    QList<Event> out;
    for (const QByteArray& block : sse.split('\n')) {
        if (block.startsWith("event: "))
            out.append({ QString::fromUtf8(block.mid(7)), {} });
        else if (block.startsWith("data: ") && !out.isEmpty())
            out.last().data = QJsonDocument::fromJson(block.mid(6)).object();
    }
    return out;
}

QByteArray compact(const QJsonObject& o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

const QString kText = QStringLiteral("Hello, 世界!");
const QString kArgs = QStringLiteral(R"({"city":"Paris"})");

QJsonObject completion(const QString& text, bool withTool, const QString& finish = {})
{
    QJsonObject message { { QStringLiteral("role"), QStringLiteral("assistant") }, { QStringLiteral("content"), text } };
    if (withTool)
        message.insert(QStringLiteral("tool_calls"),
            QJsonArray { QJsonObject { { QStringLiteral("id"), QStringLiteral("call_1") }, { QStringLiteral("type"), QStringLiteral("function") },
                { QStringLiteral("function"),
                    QJsonObject { { QStringLiteral("name"), QStringLiteral("weather") }, { QStringLiteral("arguments"), kArgs } } } } });
    return { { QStringLiteral("id"), QStringLiteral("chatcmpl-1") }, { QStringLiteral("object"), QStringLiteral("chat.completion") },
        { QStringLiteral("choices"),
            QJsonArray { QJsonObject { { QStringLiteral("index"), 0 }, { QStringLiteral("message"), message },
                { QStringLiteral("finish_reason"),
                    finish.isEmpty() ? (withTool ? QStringLiteral("tool_calls") : QStringLiteral("stop")) : finish } } } },
        { QStringLiteral("usage"), QJsonObject { { QStringLiteral("prompt_tokens"), 12 }, { QStringLiteral("completion_tokens"), 7 } } } };
}

QByteArray textChunk(const QString& piece)
{
    return compact({ { QStringLiteral("choices"),
        QJsonArray {
            QJsonObject { { QStringLiteral("index"), 0 }, { QStringLiteral("delta"), QJsonObject { { QStringLiteral("content"), piece } } } } } } });
}

QByteArray toolChunk(bool first, const QString& arguments)
{
    QJsonObject call { { QStringLiteral("index"), 0 } };
    QJsonObject function { { QStringLiteral("arguments"), arguments } };
    if (first) {
        call.insert(QStringLiteral("id"), QStringLiteral("call_1"));
        function.insert(QStringLiteral("name"), QStringLiteral("weather"));
    }
    call.insert(QStringLiteral("function"), function);
    return compact({ { QStringLiteral("choices"),
        QJsonArray { QJsonObject { { QStringLiteral("index"), 0 },
            { QStringLiteral("delta"), QJsonObject { { QStringLiteral("tool_calls"), QJsonArray { call } } } } } } } });
}

// The chunks of the answer with the text cut at textCut and the arguments at argsCut.
QList<QByteArray> chunks(qsizetype textCut, qsizetype argsCut)
{
    QList<QByteArray> out { compact({ { QStringLiteral("choices"),
        QJsonArray { QJsonObject { { QStringLiteral("index"), 0 },
            { QStringLiteral("delta"),
                QJsonObject { { QStringLiteral("role"), QStringLiteral("assistant") }, { QStringLiteral("content"), QString() } } } } } } }) };
    out.append(textChunk(kText.left(textCut)));
    out.append(textChunk(kText.mid(textCut)));
    out.append(toolChunk(true, QString()));
    out.append(toolChunk(false, kArgs.left(argsCut)));
    out.append(toolChunk(false, kArgs.mid(argsCut)));
    return out;
}

// What the Anthropic SDK's stream accumulator makes of the events; fails the
// test (returns {}) on an event out of order.
QJsonObject accumulateMessage(const QList<Event>& events)
{
    [&] {
        QVERIFY(!events.isEmpty());
        QCOMPARE(events.first().name, QStringLiteral("message_start"));
        QCOMPARE(events.last().name, QStringLiteral("message_stop"));
        QCOMPARE(events.at(events.size() - 2).name, QStringLiteral("message_delta"));
    }();
    QJsonObject message = events.first().data.value(QLatin1String("message")).toObject();
    QJsonArray content;
    int open = -1;
    QStringList partialJson;
    for (const Event& e : events) {
        if (e.data.value(QLatin1String("type")).toString() != e.name)
            return {};
        const int index = e.data.value(QLatin1String("index")).toInt(-1);
        if (e.name == QLatin1String("content_block_start")) {
            if (open != -1 || index != content.size())
                return {};
            open = index;
            content.append(e.data.value(QLatin1String("content_block")));
            partialJson.append(QString());
        } else if (e.name == QLatin1String("content_block_delta")) {
            if (index != open)
                return {};
            QJsonObject block = content.at(index).toObject();
            const QJsonObject delta = e.data.value(QLatin1String("delta")).toObject();
            if (delta.value(QLatin1String("type")).toString() == QLatin1String("text_delta"))
                block.insert(
                    QStringLiteral("text"), QString(block.value(QLatin1String("text")).toString() + delta.value(QLatin1String("text")).toString()));
            else
                partialJson[index] += delta.value(QLatin1String("partial_json")).toString();
            content.replace(index, block);
        } else if (e.name == QLatin1String("content_block_stop")) {
            if (index != open)
                return {};
            QJsonObject block = content.at(index).toObject();
            if (block.value(QLatin1String("type")).toString() == QLatin1String("tool_use"))
                block.insert(QStringLiteral("input"), QJsonDocument::fromJson(partialJson.at(index).toUtf8()).object());
            content.replace(index, block);
            open = -1;
        } else if (e.name == QLatin1String("message_delta")) {
            if (open != -1)
                return {};
            const QJsonObject delta = e.data.value(QLatin1String("delta")).toObject();
            message.insert(QStringLiteral("stop_reason"), delta.value(QLatin1String("stop_reason")));
            message.insert(QStringLiteral("usage"), e.data.value(QLatin1String("usage")));
        }
    }
    message.insert(QStringLiteral("content"), content);
    return message;
}

// The Responses events: checks their order and numbering, adds up the
// deltas, and returns the response of response.completed with its output
// replaced by what the deltas built (so a difference between the two shows).
QJsonObject accumulateResponse(const QList<Event>& events, QJsonArray* streamedOutput)
{
    if (events.size() < 3 || events.at(0).name != QLatin1String("response.created") || events.at(1).name != QLatin1String("response.in_progress"))
        return {};
    QJsonArray output;
    QString text;
    QString arguments;
    for (qsizetype i = 0; i < events.size(); ++i) {
        const Event& e = events.at(i);
        if (e.data.value(QLatin1String("type")).toString() != e.name || e.data.value(QLatin1String("sequence_number")).toInt() != i)
            return {};
        const int index = e.data.value(QLatin1String("output_index")).toInt(-1);
        if (e.name == QLatin1String("response.output_item.added")) {
            if (index != output.size())
                return {};
            output.append(e.data.value(QLatin1String("item")));
            text.clear();
            arguments.clear();
        } else if (e.name == QLatin1String("response.output_text.delta")) {
            text += e.data.value(QLatin1String("delta")).toString();
        } else if (e.name == QLatin1String("response.output_text.done")) {
            if (e.data.value(QLatin1String("text")).toString() != text)
                return {};
        } else if (e.name == QLatin1String("response.function_call_arguments.delta")) {
            arguments += e.data.value(QLatin1String("delta")).toString();
        } else if (e.name == QLatin1String("response.function_call_arguments.done")) {
            if (e.data.value(QLatin1String("arguments")).toString() != arguments)
                return {};
        } else if (e.name == QLatin1String("response.output_item.done")) {
            if (index != output.size() - 1)
                return {};
            output.replace(index, e.data.value(QLatin1String("item")));
        }
    }
    *streamedOutput = output;
    if (events.last().name != QLatin1String("response.completed") && events.last().name != QLatin1String("response.incomplete"))
        return {};
    return events.last().data.value(QLatin1String("response")).toObject();
}

QJsonObject responseShell()
{
    return responses::shell(QStringLiteral("resp_01TEST"), 1, QStringLiteral("m"), QStringLiteral("in_progress"),
        responses::settingsFrom({ { QStringLiteral("model"), QStringLiteral("m") } }), {});
}

} // namespace

class TestChatStream : public QObject
{
    Q_OBJECT

private slots:
    void messagesAtEverySplitPoint();
    void responsesAtEverySplitPoint();
    void answerThatWasNotStreamed();
    void toolCallsOnlyInTheFinalAnswer();
    void cutShortAnswers();
    void failures();
    void responsesRequestTranslation();
    void responsesRequestErrors();
};

void TestChatStream::messagesAtEverySplitPoint()
{
    const QJsonObject whole = completion(kText, true);
    QJsonObject expected = anthropic::messageFrom(whole, QStringLiteral("m"));
    expected.insert(QStringLiteral("id"), QStringLiteral("msg_1"));
    for (qsizetype t = 0; t <= kText.size(); ++t) {
        for (qsizetype a = 0; a <= kArgs.size(); ++a) {
            anthropic::MessageStream stream(QStringLiteral("msg_1"), QStringLiteral("m"));
            QByteArray sse = stream.start();
            for (const QByteArray& c : chunks(t, a))
                sse += stream.chunk(c);
            sse += stream.finish(compact(whole));
            const QList<Event> events = parse(sse);
            const QJsonObject got = accumulateMessage(events);
            if (QTest::currentTestFailed())
                return;
            QVERIFY2(got == expected, qPrintable(QStringLiteral("split at %1/%2: %3").arg(t).arg(a).arg(QString::fromUtf8(compact(got)))));
            // Two blocks, never more: the text and the call.
            QCOMPARE(std::count_if(events.begin(), events.end(), [](const Event& e) { return e.name == QLatin1String("content_block_start"); }), 2);
        }
    }
    QCOMPARE(expected.value(QLatin1String("stop_reason")).toString(), QStringLiteral("tool_use"));
    QCOMPARE(expected.value(QLatin1String("content"))
                 .toArray()
                 .at(1)
                 .toObject()
                 .value(QLatin1String("input"))
                 .toObject()
                 .value(QLatin1String("city"))
                 .toString(),
        QStringLiteral("Paris"));
}

void TestChatStream::responsesAtEverySplitPoint()
{
    const QJsonObject whole = completion(kText, true);
    const QJsonObject expected = responses::completed(responseShell(), whole);
    QCOMPARE(expected.value(QLatin1String("output")).toArray().size(), 2);
    for (qsizetype t = 0; t <= kText.size(); ++t) {
        for (qsizetype a = 0; a <= kArgs.size(); ++a) {
            responses::ResponseStream stream(responseShell());
            QByteArray sse = stream.start();
            for (const QByteArray& c : chunks(t, a))
                sse += stream.chunk(c);
            sse += stream.finish(compact(whole));
            QJsonArray streamed;
            const QJsonObject got = accumulateResponse(parse(sse), &streamed);
            QVERIFY2(got == expected, qPrintable(QStringLiteral("split at %1/%2: %3").arg(t).arg(a).arg(QString::fromUtf8(compact(got)))));
            QCOMPARE(streamed, expected.value(QLatin1String("output")).toArray());
        }
    }
    QCOMPARE(expected.value(QLatin1String("status")).toString(), QStringLiteral("completed"));
    QCOMPARE(expected.value(QLatin1String("usage")).toObject().value(QLatin1String("total_tokens")).toInt(), 19);
}

void TestChatStream::answerThatWasNotStreamed()
{
    // The upstream answered at once (no chunks): the events still carry it all.
    const QJsonObject whole = completion(kText, true);
    anthropic::MessageStream m(QStringLiteral("msg_1"), QStringLiteral("m"));
    QJsonObject expected = anthropic::messageFrom(whole, QStringLiteral("m"));
    expected.insert(QStringLiteral("id"), QStringLiteral("msg_1"));
    QByteArray sse = m.start();
    sse += m.finish(compact(whole));
    QCOMPARE(accumulateMessage(parse(sse)), expected);

    responses::ResponseStream r(responseShell());
    QJsonArray streamed;
    sse = r.start();
    sse += r.finish(compact(whole));
    const QJsonObject got = accumulateResponse(parse(sse), &streamed);
    QCOMPARE(got, responses::completed(responseShell(), whole));
    QCOMPARE(streamed.size(), 2);
}

void TestChatStream::toolCallsOnlyInTheFinalAnswer()
{
    // The Anthropic provider streams text only; its tool calls come with the whole answer.
    const QJsonObject whole = completion(kText, true);
    anthropic::MessageStream m(QStringLiteral("msg_1"), QStringLiteral("m"));
    QByteArray sse = m.start();
    sse += m.chunk(textChunk(kText.left(3)));
    sse += m.chunk(textChunk(kText.mid(3)));
    sse += m.finish(compact(whole));
    QJsonObject expected = anthropic::messageFrom(whole, QStringLiteral("m"));
    expected.insert(QStringLiteral("id"), QStringLiteral("msg_1"));
    QCOMPARE(accumulateMessage(parse(sse)), expected);

    responses::ResponseStream r(responseShell());
    sse = r.start();
    sse += r.chunk(textChunk(kText));
    sse += r.finish(compact(whole));
    QJsonArray streamed;
    QCOMPARE(accumulateResponse(parse(sse), &streamed), responses::completed(responseShell(), whole));
    QCOMPARE(streamed.at(1).toObject().value(QLatin1String("arguments")).toString(), kArgs);
}

void TestChatStream::cutShortAnswers()
{
    const QJsonObject whole = completion(kText, false, QStringLiteral("length"));
    anthropic::MessageStream m(QStringLiteral("msg_1"), QStringLiteral("m"));
    QByteArray sse = m.start();
    sse += m.chunk(textChunk(kText));
    sse += m.finish(compact(whole));
    const QJsonObject message = accumulateMessage(parse(sse));
    QCOMPARE(message.value(QLatin1String("stop_reason")).toString(), QStringLiteral("max_tokens"));

    responses::ResponseStream r(responseShell());
    sse = r.start();
    sse += r.chunk(textChunk(kText));
    sse += r.finish(compact(whole));
    const QList<Event> events = parse(sse);
    QCOMPARE(events.last().name, QStringLiteral("response.incomplete"));
    const QJsonObject response = events.last().data.value(QLatin1String("response")).toObject();
    QCOMPARE(response.value(QLatin1String("status")).toString(), QStringLiteral("incomplete"));
    QCOMPARE(response.value(QLatin1String("incomplete_details")).toObject().value(QLatin1String("reason")).toString(),
        QStringLiteral("max_output_tokens"));
    QCOMPARE(responses::completed(responseShell(), whole).value(QLatin1String("status")).toString(), QStringLiteral("incomplete"));
}

void TestChatStream::failures()
{
    anthropic::MessageStream m(QStringLiteral("msg_1"), QStringLiteral("m"));
    // (each step in turn: the order of operands of + is unspecified)
    QByteArray sse = m.start();
    sse += m.chunk(textChunk(QStringLiteral("par")));
    sse += m.fail(502, QStringLiteral("upstream gone"));
    QList<Event> events = parse(sse);
    QCOMPARE(events.last().name, QStringLiteral("error"));
    QCOMPARE(events.last().data.value(QLatin1String("error")).toObject().value(QLatin1String("type")).toString(), QStringLiteral("api_error"));
    QCOMPARE(events.last().data.value(QLatin1String("error")).toObject().value(QLatin1String("message")).toString(), QStringLiteral("upstream gone"));
    QCOMPARE(anthropic::errorTypeFor(429), QStringLiteral("rate_limit_error"));
    QCOMPARE(anthropic::errorTypeFor(503), QStringLiteral("overloaded_error"));
    QCOMPARE(anthropic::errorTypeFor(400), QStringLiteral("invalid_request_error"));

    responses::ResponseStream r(responseShell());
    sse = r.start();
    sse += r.fail(503, QStringLiteral("cancelled"));
    events = parse(sse);
    QCOMPARE(events.last().name, QStringLiteral("response.failed"));
    const QJsonObject response = events.last().data.value(QLatin1String("response")).toObject();
    QCOMPARE(response.value(QLatin1String("status")).toString(), QStringLiteral("failed"));
    QCOMPARE(response.value(QLatin1String("error")).toObject().value(QLatin1String("message")).toString(), QStringLiteral("cancelled"));
    QCOMPARE(events.last().data.value(QLatin1String("sequence_number")).toInt(), 2);
}

void TestChatStream::responsesRequestTranslation()
{
    const QJsonObject request = QJsonDocument::fromJson(R"({
        "model": "m", "instructions": "be brief", "max_output_tokens": 100, "temperature": 0.2, "metadata": {"k": "v"},
        "input": [
            {"role": "developer", "content": "house rules"},
            {"role": "user", "content": [{"type": "input_text", "text": "look: "}, {"type": "input_image", "image_url": "data:image/png;base64,AA", "detail": "low"}]},
            {"type": "function_call", "call_id": "c1", "name": "weather", "arguments": "{\"city\":\"Paris\"}"},
            {"type": "function_call", "call_id": "c2", "name": "time", "arguments": "{}"},
            {"type": "function_call_output", "call_id": "c1", "output": "18 C"},
            {"type": "reasoning", "summary": []},
            {"role": "assistant", "content": [{"type": "output_text", "text": "It is 18 C."}]}
        ],
        "tools": [{"type": "function", "name": "weather", "parameters": {"type": "object"}, "strict": true}],
        "tool_choice": {"type": "function", "name": "weather"},
        "text": {"format": {"type": "json_schema", "name": "w", "schema": {"type": "object"}}},
        "reasoning": {"effort": "low"}, "stream": true
    })")
                                    .object();
    const auto chat = responses::chatRequestFrom(request);
    QVERIFY2(chat, qPrintable(chat ? QString() : chat.error().message));
    const QJsonArray messages = chat->value(QLatin1String("messages")).toArray();
    QCOMPARE(messages.size(), 6);
    QCOMPARE(messages.at(0).toObject(),
        (QJsonObject { { QStringLiteral("role"), QStringLiteral("system") }, { QStringLiteral("content"), QStringLiteral("be brief") } }));
    QCOMPARE(messages.at(1).toObject().value(QLatin1String("role")).toString(), QStringLiteral("system"));
    const QJsonArray parts = messages.at(2).toObject().value(QLatin1String("content")).toArray();
    QCOMPARE(parts.size(), 2);
    QCOMPARE(parts.at(1).toObject().value(QLatin1String("image_url")).toObject().value(QLatin1String("detail")).toString(), QStringLiteral("low"));
    // Both calls of the turn in one assistant message.
    QCOMPARE(messages.at(3).toObject().value(QLatin1String("tool_calls")).toArray().size(), 2);
    QCOMPARE(messages.at(4).toObject().value(QLatin1String("role")).toString(), QStringLiteral("tool"));
    QCOMPARE(messages.at(4).toObject().value(QLatin1String("tool_call_id")).toString(), QStringLiteral("c1"));
    QCOMPARE(messages.at(5).toObject().value(QLatin1String("content")).toString(), QStringLiteral("It is 18 C."));
    QCOMPARE(chat->value(QLatin1String("max_tokens")).toInt(), 100);
    QCOMPARE(chat->value(QLatin1String("stream")).toBool(), true);
    QCOMPARE(chat->value(QLatin1String("reasoning_effort")).toString(), QStringLiteral("low"));
    QCOMPARE(chat->value(QLatin1String("tools"))
                 .toArray()
                 .at(0)
                 .toObject()
                 .value(QLatin1String("function"))
                 .toObject()
                 .value(QLatin1String("name"))
                 .toString(),
        QStringLiteral("weather"));
    QCOMPARE(chat->value(QLatin1String("tool_choice")).toObject().value(QLatin1String("function")).toObject().value(QLatin1String("name")).toString(),
        QStringLiteral("weather"));
    QCOMPARE(chat->value(QLatin1String("response_format"))
                 .toObject()
                 .value(QLatin1String("json_schema"))
                 .toObject()
                 .value(QLatin1String("name"))
                 .toString(),
        QStringLiteral("w"));
    QVERIFY(!chat->contains(QLatin1String("metadata"))); // echoed in the response, not sent upstream
    // The tools read back as Responses tools for the echo.
    QCOMPARE(responses::toolsOf(*chat).at(0).toObject().value(QLatin1String("name")).toString(), QStringLiteral("weather"));
    const QJsonObject settings = responses::settingsFrom(request);
    QCOMPARE(settings.value(QLatin1String("instructions")).toString(), QStringLiteral("be brief"));
    QCOMPARE(settings.value(QLatin1String("metadata")).toObject().value(QLatin1String("k")).toString(), QStringLiteral("v"));
    QCOMPARE(settings.value(QLatin1String("top_p")).toDouble(), 1.0);

    // A continued conversation: the earlier turns (without their instructions) come first.
    const QJsonArray earlier = responses::conversationOf(*chat, completion(QStringLiteral("Done."), false));
    QCOMPARE(earlier.size(), 5); // user, the calls, a tool answer, assistant (no system messages), plus the answer
    QCOMPARE(earlier.last().toObject().value(QLatin1String("content")).toString(), QStringLiteral("Done."));
    const auto next
        = responses::chatRequestFrom({ { QStringLiteral("model"), QStringLiteral("m") }, { QStringLiteral("input"), QStringLiteral("and?") },
                                         { QStringLiteral("instructions"), QStringLiteral("new") } },
            earlier);
    QVERIFY(next);
    const QJsonArray all = next->value(QLatin1String("messages")).toArray();
    QCOMPARE(all.size(), 7);
    QCOMPARE(all.first().toObject().value(QLatin1String("content")).toString(), QStringLiteral("new"));
    QCOMPARE(all.last().toObject().value(QLatin1String("content")).toString(), QStringLiteral("and?"));
}

void TestChatStream::responsesRequestErrors()
{
    const auto errorOf = [](const char* json) {
        const auto r = responses::chatRequestFrom(QJsonDocument::fromJson(json).object());
        return r ? QString() : r.error().field;
    };
    QCOMPARE(errorOf(R"({"input":"x"})"), QStringLiteral("model"));
    QCOMPARE(errorOf(R"({"model":"m"})"), QStringLiteral("input"));
    QCOMPARE(errorOf(R"({"model":"m","input":7})"), QStringLiteral("input"));
    QCOMPARE(errorOf(R"({"model":"m","input":[{"type":"input_file"}]})"), QStringLiteral("input[0].type"));
    QCOMPARE(errorOf(R"({"model":"m","input":[{"role":"tool","content":"x"}]})"), QStringLiteral("input[0].role"));
    QCOMPARE(errorOf(R"({"model":"m","input":[{"role":"user","content":[{"type":"input_audio"}]}]})"), QStringLiteral("input[0].content[0].type"));
    QCOMPARE(errorOf(R"({"model":"m","input":[{"role":"assistant","content":[{"type":"input_image","image_url":"x"}]}]})"),
        QStringLiteral("input[0].content[0].type"));
    QCOMPARE(errorOf(R"({"model":"m","input":"x","max_output_tokens":3})"), QStringLiteral("max_output_tokens"));
    QCOMPARE(errorOf(R"({"model":"m","input":"x","tools":[{"type":"web_search"}]})"), QStringLiteral("tools[0].type"));
    QCOMPARE(errorOf(R"({"model":"m","input":"x","text":{"format":{"type":"yaml"}}})"), QStringLiteral("text.format.type"));
    QCOMPARE(errorOf(R"({"model":"m","input":"x","metadata":{"k":1}})"), QStringLiteral("metadata.k"));
    QCOMPARE(errorOf(R"({"model":"m","input":"x","instructions":5})"), QStringLiteral("instructions"));
    QCOMPARE(errorOf(R"({"model":"m","input":"x"})"), QString());
}

QTEST_APPLESS_MAIN(TestChatStream)
#include "tst_chatstream.moc"
