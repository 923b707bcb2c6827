// Anthropic's Messages API in terms of chat completions (core/anthropicdialect)
// and back through the Anthropic provider: a Messages client can call any
// model, and one on an Anthropic endpoint gets its request as it wrote it.
#include "core/anthropicdialect.h"
#include "providers/anthropicprovider.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QtTest>

using namespace llmsched;

namespace {
QJsonObject parse(const char* json)
{
    return QJsonDocument::fromJson(QByteArray(json)).object();
}

// A conversation with every block kind the translation takes.
const char* kToolConversation = R"({
  "model": "claude", "max_tokens": 300, "system": "Be brief.", "temperature": 0.2, "stop_sequences": ["END"],
  "metadata": {"user_id": "u-7"}, "top_k": 5,
  "tools": [{"name": "weather", "description": "Weather in a city",
             "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}}}],
  "tool_choice": {"type": "tool", "name": "weather"},
  "messages": [
    {"role": "user", "content": [{"type": "text", "text": "Paris?"},
                                 {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="}}]},
    {"role": "assistant", "content": [{"type": "thinking", "thinking": "...", "signature": "s"},
                                      {"type": "text", "text": "Checking."},
                                      {"type": "tool_use", "id": "toolu_1", "name": "weather", "input": {"city": "Paris"}}]},
    {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": "18 C"},
                                 {"type": "text", "text": "And tomorrow?"}]}
  ]})";
} // namespace

class TestAnthropicDialect : public QObject
{
    Q_OBJECT

private slots:
    void plainRequest();
    void toolsImagesAndResults();
    void throughTheProviderItComesBackAsWritten();
    void badRequestsNameTheField_data();
    void badRequestsNameTheField();
    void answerBecomesAMessage();
};

void TestAnthropicDialect::plainRequest()
{
    const auto chat
        = anthropic::chatRequestFrom(parse(R"({"model": "m", "max_tokens": 64, "system": [{"type": "text", "text": "Be brief."}], "stream": true,
                  "messages": [{"role": "user", "content": "Hello"}]})"));
    QVERIFY(chat);
    QCOMPARE(chat->value(QLatin1String("model")).toString(), QStringLiteral("m"));
    QCOMPARE(chat->value(QLatin1String("max_tokens")).toInt(), 64);
    QVERIFY(chat->value(QLatin1String("stream")).toBool());
    const QJsonArray messages = chat->value(QLatin1String("messages")).toArray();
    QCOMPARE(messages.size(), 2);
    QCOMPARE(messages.at(0).toObject().value(QLatin1String("role")).toString(), QStringLiteral("system"));
    QCOMPARE(messages.at(0).toObject().value(QLatin1String("content")).toString(), QStringLiteral("Be brief."));
    QCOMPARE(messages.at(1).toObject().value(QLatin1String("content")).toString(), QStringLiteral("Hello"));
}

void TestAnthropicDialect::toolsImagesAndResults()
{
    const auto chat = anthropic::chatRequestFrom(parse(kToolConversation));
    QVERIFY2(chat, qPrintable(chat ? QString() : chat.error().message));
    QCOMPARE(chat->value(QLatin1String("stop")).toArray(), QJsonArray { QStringLiteral("END") });
    QCOMPARE(chat->value(QLatin1String("user")).toString(), QStringLiteral("u-7"));
    QVERIFY(!chat->contains(QLatin1String("top_k"))); // OpenAI refuses it
    const QJsonObject tool = chat->value(QLatin1String("tools")).toArray().at(0).toObject();
    QCOMPARE(tool.value(QLatin1String("type")).toString(), QStringLiteral("function"));
    QCOMPARE(tool.value(QLatin1String("function")).toObject().value(QLatin1String("parameters")).toObject().value(QLatin1String("type")).toString(),
        QStringLiteral("object"));
    QCOMPARE(chat->value(QLatin1String("tool_choice")).toObject().value(QLatin1String("function")).toObject().value(QLatin1String("name")).toString(),
        QStringLiteral("weather"));

    const QJsonArray m = chat->value(QLatin1String("messages")).toArray();
    QCOMPARE(m.size(), 5); // system, user, assistant, tool, user
    const QJsonObject image = m.at(1).toObject().value(QLatin1String("content")).toArray().at(1).toObject();
    QCOMPARE(image.value(QLatin1String("image_url")).toObject().value(QLatin1String("url")).toString(),
        QStringLiteral("data:image/png;base64,iVBORw0KGgo="));
    const QJsonObject assistant = m.at(2).toObject();
    QCOMPARE(assistant.value(QLatin1String("content")).toString(), QStringLiteral("Checking.")); // the thinking block is left out
    const QJsonObject call = assistant.value(QLatin1String("tool_calls")).toArray().at(0).toObject();
    QCOMPARE(call.value(QLatin1String("id")).toString(), QStringLiteral("toolu_1"));
    QCOMPARE(QJsonDocument::fromJson(call.value(QLatin1String("function")).toObject().value(QLatin1String("arguments")).toString().toUtf8())
                 .object()
                 .value(QLatin1String("city"))
                 .toString(),
        QStringLiteral("Paris"));
    QCOMPARE(m.at(3).toObject().value(QLatin1String("role")).toString(), QStringLiteral("tool"));
    QCOMPARE(m.at(3).toObject().value(QLatin1String("tool_call_id")).toString(), QStringLiteral("toolu_1"));
    QCOMPARE(m.at(3).toObject().value(QLatin1String("content")).toString(), QStringLiteral("18 C"));
    QCOMPARE(m.at(4).toObject().value(QLatin1String("content")).toArray().at(0).toObject().value(QLatin1String("text")).toString(),
        QStringLiteral("And tomorrow?"));
}

void TestAnthropicDialect::throughTheProviderItComesBackAsWritten()
{
    // Messages -> chat (the task's input) -> the Anthropic provider's request.
    const QJsonObject original = parse(kToolConversation);
    const auto chat = anthropic::chatRequestFrom(original);
    QVERIFY(chat);
    const QJsonObject sent = AnthropicProvider::translateRequest(*chat, TaskKind::Chat, QStringLiteral("claude-x"), 1024);
    QCOMPARE(sent.value(QLatin1String("system")).toString(), QStringLiteral("Be brief."));
    QCOMPARE(sent.value(QLatin1String("max_tokens")).toInt(), 300);
    QCOMPARE(sent.value(QLatin1String("stop_sequences")), original.value(QLatin1String("stop_sequences")));
    QCOMPARE(sent.value(QLatin1String("tools")), original.value(QLatin1String("tools")));
    QCOMPARE(sent.value(QLatin1String("tool_choice")), original.value(QLatin1String("tool_choice")));
    QCOMPARE(sent.value(QLatin1String("metadata")).toObject().value(QLatin1String("user_id")).toString(), QStringLiteral("u-7"));
    const QJsonArray m = sent.value(QLatin1String("messages")).toArray();
    QCOMPARE(m.size(), 4); // user, assistant, the tool's answer, the next question
    QCOMPARE(m.at(0).toObject().value(QLatin1String("content")),
        original.value(QLatin1String("messages")).toArray().at(0).toObject().value(QLatin1String("content")));
    const QJsonArray assistant = m.at(1).toObject().value(QLatin1String("content")).toArray();
    QCOMPARE(assistant.size(), 2); // text and tool_use (the thinking block stays out)
    QCOMPARE(assistant.at(1).toObject(),
        original.value(QLatin1String("messages")).toArray().at(1).toObject().value(QLatin1String("content")).toArray().at(2).toObject());
    const QJsonArray result = m.at(2).toObject().value(QLatin1String("content")).toArray();
    QCOMPARE(result.at(0).toObject().value(QLatin1String("type")).toString(), QStringLiteral("tool_result"));
    QCOMPARE(result.at(0).toObject().value(QLatin1String("tool_use_id")).toString(), QStringLiteral("toolu_1"));
    QCOMPARE(m.at(3).toObject().value(QLatin1String("role")).toString(), QStringLiteral("user"));
}

void TestAnthropicDialect::badRequestsNameTheField_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("field");
    QTest::newRow("no model") << QByteArray(R"({"max_tokens": 5, "messages": []})") << QStringLiteral("model");
    QTest::newRow("no max_tokens") << QByteArray(R"({"model": "m", "messages": []})") << QStringLiteral("max_tokens");
    QTest::newRow("zero max_tokens") << QByteArray(R"({"model": "m", "max_tokens": 0, "messages": []})") << QStringLiteral("max_tokens");
    QTest::newRow("no messages") << QByteArray(R"({"model": "m", "max_tokens": 5})") << QStringLiteral("messages");
    QTest::newRow("bad role") << QByteArray(R"({"model": "m", "max_tokens": 5, "messages": [{"role": "system", "content": "x"}]})")
                              << QStringLiteral("messages.0.role");
    QTest::newRow("unknown block") << QByteArray(R"({"model": "m", "max_tokens": 5, "messages": [{"role": "user", "content": [{"type": "video"}]}]})")
                                   << QStringLiteral("messages.0.content.0.type");
}

void TestAnthropicDialect::badRequestsNameTheField()
{
    QFETCH(QByteArray, body);
    QFETCH(QString, field);
    const auto chat = anthropic::chatRequestFrom(QJsonDocument::fromJson(body).object());
    QVERIFY(!chat);
    QCOMPARE(chat.error().code, ErrorCode::InvalidArgument);
    QCOMPARE(chat.error().field, field);
}

void TestAnthropicDialect::answerBecomesAMessage()
{
    const QJsonObject completion = parse(R"({"id": "chatcmpl-9", "object": "chat.completion", "model": "gpt-x",
        "choices": [{"index": 0, "finish_reason": "tool_calls", "message": {"role": "assistant", "content": "Let me look.",
            "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "weather", "arguments": "{\"city\":\"Rome\"}"}}]}}],
        "usage": {"prompt_tokens": 21, "completion_tokens": 9, "total_tokens": 30}})");
    const QJsonObject m = anthropic::messageFrom(completion, QStringLiteral("claude"));
    QCOMPARE(m.value(QLatin1String("id")).toString(), QStringLiteral("msg_chatcmpl-9"));
    QCOMPARE(m.value(QLatin1String("type")).toString(), QStringLiteral("message"));
    QCOMPARE(m.value(QLatin1String("model")).toString(), QStringLiteral("claude"));
    QCOMPARE(m.value(QLatin1String("stop_reason")).toString(), QStringLiteral("tool_use"));
    const QJsonArray content = m.value(QLatin1String("content")).toArray();
    QCOMPARE(content.size(), 2);
    QCOMPARE(content.at(0).toObject().value(QLatin1String("text")).toString(), QStringLiteral("Let me look."));
    QCOMPARE(content.at(1).toObject().value(QLatin1String("type")).toString(), QStringLiteral("tool_use"));
    QCOMPARE(content.at(1).toObject().value(QLatin1String("input")).toObject().value(QLatin1String("city")).toString(), QStringLiteral("Rome"));
    QCOMPARE(m.value(QLatin1String("usage")).toObject().value(QLatin1String("input_tokens")).toInt(), 21);
    QCOMPARE(m.value(QLatin1String("usage")).toObject().value(QLatin1String("output_tokens")).toInt(), 9);
    QCOMPARE(anthropic::stopReasonFrom(QStringLiteral("length")), QStringLiteral("max_tokens"));
    QCOMPARE(anthropic::stopReasonFrom(QStringLiteral("stop")), QStringLiteral("end_turn"));
}

QTEST_GUILESS_MAIN(TestAnthropicDialect)
#include "tst_anthropicdialect.moc"
