#include "anthropicdialect.h"

#include <QJsonArray>
#include <QJsonDocument>

namespace llmsched::anthropic {

namespace {

QString textOf(const QJsonValue& content)
{
    if (content.isString())
        return content.toString();
    QString text;
    for (const QJsonValue& bv : content.toArray()) {
        const QJsonObject b = bv.toObject();
        if (b.value(QLatin1String("type")).toString() == QLatin1String("text"))
            text += b.value(QLatin1String("text")).toString();
    }
    return text;
}

QJsonObject imagePart(const QJsonObject& block)
{
    const QJsonObject source = block.value(QLatin1String("source")).toObject();
    const QString url = source.value(QLatin1String("type")).toString() == QLatin1String("base64")
        ? QStringLiteral("data:%1;base64,%2")
              .arg(source.value(QLatin1String("media_type")).toString(), source.value(QLatin1String("data")).toString())
        : source.value(QLatin1String("url")).toString();
    return { { QStringLiteral("type"), QStringLiteral("image_url") },
        { QStringLiteral("image_url"), QJsonObject { { QStringLiteral("url"), url } } } };
}

QJsonObject toolFrom(const QJsonObject& tool)
{
    QJsonObject function { { QStringLiteral("name"), tool.value(QLatin1String("name")) },
        { QStringLiteral("parameters"), tool.value(QLatin1String("input_schema")) } };
    if (tool.contains(QLatin1String("description")))
        function.insert(QStringLiteral("description"), tool.value(QLatin1String("description")));
    return { { QStringLiteral("type"), QStringLiteral("function") }, { QStringLiteral("function"), function } };
}

QJsonValue toolChoiceFrom(const QJsonObject& choice)
{
    const QString type = choice.value(QLatin1String("type")).toString();
    if (type == QLatin1String("any"))
        return QStringLiteral("required");
    if (type == QLatin1String("none"))
        return QStringLiteral("none");
    if (type == QLatin1String("tool"))
        return QJsonObject { { QStringLiteral("type"), QStringLiteral("function") },
            { QStringLiteral("function"), QJsonObject { { QStringLiteral("name"), choice.value(QLatin1String("name")) } } } };
    return QStringLiteral("auto");
}

} // namespace

Result<QJsonObject> chatRequestFrom(const QJsonObject& request)
{
    if (!request.value(QLatin1String("model")).isString() || request.value(QLatin1String("model")).toString().isEmpty())
        return Error::invalid(QStringLiteral("model"), QStringLiteral("model: Field required"));
    const QJsonValue maxTokens = request.value(QLatin1String("max_tokens"));
    if (!maxTokens.isDouble() || maxTokens.toDouble() < 1 || maxTokens.toDouble() != static_cast<double>(maxTokens.toInteger()))
        return Error::invalid(QStringLiteral("max_tokens"), QStringLiteral("max_tokens: Field required (a positive integer)"));
    if (!request.value(QLatin1String("messages")).isArray())
        return Error::invalid(QStringLiteral("messages"), QStringLiteral("messages: Field required"));

    QJsonArray messages;
    const QJsonValue system = request.value(QLatin1String("system"));
    if (!system.isUndefined() && !system.isNull())
        messages.append(QJsonObject { { QStringLiteral("role"), QStringLiteral("system") }, { QStringLiteral("content"), textOf(system) } });
    const QJsonArray in = request.value(QLatin1String("messages")).toArray();
    for (qsizetype i = 0; i < in.size(); ++i) {
        const QJsonObject m = in.at(i).toObject();
        const QString role = m.value(QLatin1String("role")).toString();
        const QString field = QStringLiteral("messages.%1").arg(i);
        if (role != QLatin1String("user") && role != QLatin1String("assistant"))
            return Error::invalid(field + QStringLiteral(".role"), QStringLiteral("%1.role: Input should be 'user' or 'assistant'").arg(field));
        const QJsonValue content = m.value(QLatin1String("content"));
        if (content.isString()) {
            messages.append(QJsonObject { { QStringLiteral("role"), role }, { QStringLiteral("content"), content } });
            continue;
        }
        if (!content.isArray())
            return Error::invalid(field + QStringLiteral(".content"), QStringLiteral("%1.content: Field required").arg(field));
        QJsonArray parts;
        QJsonArray toolCalls;
        QString assistantText;
        const QJsonArray blocks = content.toArray();
        for (qsizetype b = 0; b < blocks.size(); ++b) {
            const QJsonObject block = blocks.at(b).toObject();
            const QString type = block.value(QLatin1String("type")).toString();
            if (type == QLatin1String("text")) {
                if (role == QLatin1String("assistant"))
                    assistantText += block.value(QLatin1String("text")).toString();
                else
                    parts.append(QJsonObject {
                        { QStringLiteral("type"), QStringLiteral("text") }, { QStringLiteral("text"), block.value(QLatin1String("text")) } });
            } else if (type == QLatin1String("image") && role == QLatin1String("user")) {
                parts.append(imagePart(block));
            } else if (type == QLatin1String("tool_use") && role == QLatin1String("assistant")) {
                toolCalls.append(
                    QJsonObject { { QStringLiteral("id"), block.value(QLatin1String("id")) }, { QStringLiteral("type"), QStringLiteral("function") },
                        { QStringLiteral("function"),
                            QJsonObject { { QStringLiteral("name"), block.value(QLatin1String("name")) },
                                { QStringLiteral("arguments"),
                                    QString::fromUtf8(
                                        QJsonDocument(block.value(QLatin1String("input")).toObject()).toJson(QJsonDocument::Compact)) } } } });
            } else if (type == QLatin1String("tool_result") && role == QLatin1String("user")) {
                // The answer to a call of the turn before: a tool message of its own.
                messages.append(QJsonObject { { QStringLiteral("role"), QStringLiteral("tool") },
                    { QStringLiteral("tool_call_id"), block.value(QLatin1String("tool_use_id")) },
                    { QStringLiteral("content"), textOf(block.value(QLatin1String("content"))) } });
            } else if (type == QLatin1String("thinking") || type == QLatin1String("redacted_thinking")) {
                continue; // an earlier turn's reasoning: no other dialect takes it back
            } else {
                return Error::invalid(QStringLiteral("%1.content.%2.type").arg(field).arg(b),
                    QStringLiteral("%1.content.%2: a '%3' block is not accepted in a %4 turn").arg(field).arg(b).arg(type, role));
            }
        }
        if (role == QLatin1String("assistant")) {
            QJsonObject out { { QStringLiteral("role"), role },
                { QStringLiteral("content"), assistantText.isEmpty() && !toolCalls.isEmpty() ? QJsonValue() : QJsonValue(assistantText) } };
            if (!toolCalls.isEmpty())
                out.insert(QStringLiteral("tool_calls"), toolCalls);
            messages.append(out);
        } else if (!parts.isEmpty()) {
            messages.append(QJsonObject { { QStringLiteral("role"), role }, { QStringLiteral("content"), parts } });
        }
    }

    QJsonObject chat { { QStringLiteral("model"), request.value(QLatin1String("model")) }, { QStringLiteral("messages"), messages },
        { QStringLiteral("max_tokens"), maxTokens } };
    for (const char* key : { "temperature", "top_p", "stream" })
        if (request.contains(QLatin1String(key)))
            chat.insert(QLatin1String(key), request.value(QLatin1String(key)));
    if (request.value(QLatin1String("stop_sequences")).isArray())
        chat.insert(QStringLiteral("stop"), request.value(QLatin1String("stop_sequences")));
    if (request.value(QLatin1String("tools")).isArray()) {
        QJsonArray tools;
        for (const QJsonValue& t : request.value(QLatin1String("tools")).toArray())
            tools.append(toolFrom(t.toObject()));
        chat.insert(QStringLiteral("tools"), tools);
    }
    if (request.value(QLatin1String("tool_choice")).isObject())
        chat.insert(QStringLiteral("tool_choice"), toolChoiceFrom(request.value(QLatin1String("tool_choice")).toObject()));
    const QJsonValue user = request.value(QLatin1String("metadata")).toObject().value(QLatin1String("user_id"));
    if (user.isString())
        chat.insert(QStringLiteral("user"), user);
    return chat;
}

QJsonArray toolUseBlocks(const QJsonArray& toolCalls)
{
    QJsonArray blocks;
    for (const QJsonValue& cv : toolCalls) {
        const QJsonObject call = cv.toObject();
        const QJsonObject function = call.value(QLatin1String("function")).toObject();
        blocks.append(QJsonObject { { QStringLiteral("type"), QStringLiteral("tool_use") }, { QStringLiteral("id"), call.value(QLatin1String("id")) },
            { QStringLiteral("name"), function.value(QLatin1String("name")) },
            { QStringLiteral("input"), QJsonDocument::fromJson(function.value(QLatin1String("arguments")).toString().toUtf8()).object() } });
    }
    return blocks;
}

QString stopReasonFrom(const QString& finishReason)
{
    if (finishReason == QLatin1String("length"))
        return QStringLiteral("max_tokens");
    if (finishReason == QLatin1String("tool_calls") || finishReason == QLatin1String("function_call"))
        return QStringLiteral("tool_use");
    if (finishReason == QLatin1String("content_filter"))
        return QStringLiteral("refusal");
    return QStringLiteral("end_turn");
}

QJsonObject messageFrom(const QJsonObject& completion, const QString& model)
{
    const QJsonObject choice = completion.value(QLatin1String("choices")).toArray().at(0).toObject();
    const QJsonObject message = choice.value(QLatin1String("message")).toObject();
    QJsonArray content;
    const QString text = textOf(message.value(QLatin1String("content")));
    if (!text.isEmpty())
        content.append(QJsonObject { { QStringLiteral("type"), QStringLiteral("text") }, { QStringLiteral("text"), text } });
    for (const QJsonValue& block : toolUseBlocks(message.value(QLatin1String("tool_calls")).toArray()))
        content.append(block);
    const QString id = completion.value(QLatin1String("id")).toString();
    const QJsonObject usage = completion.value(QLatin1String("usage")).toObject();
    return {
        { QStringLiteral("id"), id.startsWith(QLatin1String("msg_")) ? id : QStringLiteral("msg_") + id },
        { QStringLiteral("type"), QStringLiteral("message") },
        { QStringLiteral("role"), QStringLiteral("assistant") },
        { QStringLiteral("model"), model },
        { QStringLiteral("content"), content },
        { QStringLiteral("stop_reason"), stopReasonFrom(choice.value(QLatin1String("finish_reason")).toString()) },
        { QStringLiteral("stop_sequence"), QJsonValue() },
        { QStringLiteral("usage"),
            QJsonObject { { QStringLiteral("input_tokens"), usage.value(QLatin1String("prompt_tokens")).toInteger() },
                { QStringLiteral("output_tokens"), usage.value(QLatin1String("completion_tokens")).toInteger() } } },
    };
}

} // namespace llmsched::anthropic

namespace llmsched::anthropic {

QString errorTypeFor(int httpStatus)
{
    switch (httpStatus) {
    case 401:
        return QStringLiteral("authentication_error");
    case 403:
        return QStringLiteral("permission_error");
    case 404:
        return QStringLiteral("not_found_error");
    case 413:
        return QStringLiteral("request_too_large");
    case 429:
        return QStringLiteral("rate_limit_error");
    case 503:
    case 529:
        return QStringLiteral("overloaded_error");
    default:
        return httpStatus >= 500 ? QStringLiteral("api_error") : QStringLiteral("invalid_request_error");
    }
}

QJsonObject errorBody(int httpStatus, const QString& message)
{
    return { { QStringLiteral("type"), QStringLiteral("error") },
        { QStringLiteral("error"), QJsonObject { { QStringLiteral("type"), errorTypeFor(httpStatus) }, { QStringLiteral("message"), message } } } };
}

MessageStream::MessageStream(QString id, QString model)
    : m_id(std::move(id))
    , m_model(std::move(model))
{
}

QByteArray MessageStream::start()
{
    const QJsonObject message { { QStringLiteral("id"), m_id }, { QStringLiteral("type"), QStringLiteral("message") },
        { QStringLiteral("role"), QStringLiteral("assistant") }, { QStringLiteral("model"), m_model }, { QStringLiteral("content"), QJsonArray {} },
        { QStringLiteral("stop_reason"), QJsonValue() }, { QStringLiteral("stop_sequence"), QJsonValue() },
        { QStringLiteral("usage"), QJsonObject { { QStringLiteral("input_tokens"), 0 }, { QStringLiteral("output_tokens"), 0 } } } };
    emitEvent(
        QStringLiteral("message_start"), { { QStringLiteral("type"), QStringLiteral("message_start") }, { QStringLiteral("message"), message } });
    return takeOutput();
}

QByteArray MessageStream::fail(int httpStatus, const QString& message)
{
    emitEvent(QStringLiteral("error"), errorBody(httpStatus, message));
    return takeOutput();
}

void MessageStream::openText()
{
    emitEvent(QStringLiteral("content_block_start"),
        { { QStringLiteral("type"), QStringLiteral("content_block_start") }, { QStringLiteral("index"), blocksClosed() },
            { QStringLiteral("content_block"),
                QJsonObject { { QStringLiteral("type"), QStringLiteral("text") }, { QStringLiteral("text"), QString() } } } });
}

void MessageStream::textDelta(const QString& text)
{
    delta({ { QStringLiteral("type"), QStringLiteral("text_delta") }, { QStringLiteral("text"), text } });
}

void MessageStream::closeText(const QString&)
{
    stop();
}

void MessageStream::openTool(const QString& callId, const QString& name)
{
    emitEvent(QStringLiteral("content_block_start"),
        { { QStringLiteral("type"), QStringLiteral("content_block_start") }, { QStringLiteral("index"), blocksClosed() },
            { QStringLiteral("content_block"),
                QJsonObject { { QStringLiteral("type"), QStringLiteral("tool_use") }, { QStringLiteral("id"), callId },
                    { QStringLiteral("name"), name }, { QStringLiteral("input"), QJsonObject {} } } } });
}

void MessageStream::toolDelta(const QString& arguments)
{
    delta({ { QStringLiteral("type"), QStringLiteral("input_json_delta") }, { QStringLiteral("partial_json"), arguments } });
}

void MessageStream::closeTool(const QString&, const QString&, const QString&)
{
    stop();
}

void MessageStream::end(const QJsonObject& completion)
{
    const QJsonObject choice = completion.value(QLatin1String("choices")).toArray().at(0).toObject();
    const QJsonObject usage = completion.value(QLatin1String("usage")).toObject();
    emitEvent(QStringLiteral("message_delta"),
        { { QStringLiteral("type"), QStringLiteral("message_delta") },
            { QStringLiteral("delta"),
                QJsonObject { { QStringLiteral("stop_reason"), stopReasonFrom(choice.value(QLatin1String("finish_reason")).toString()) },
                    { QStringLiteral("stop_sequence"), QJsonValue() } } },
            { QStringLiteral("usage"),
                QJsonObject { { QStringLiteral("input_tokens"), usage.value(QLatin1String("prompt_tokens")).toInteger() },
                    { QStringLiteral("output_tokens"), usage.value(QLatin1String("completion_tokens")).toInteger() } } } });
    emitEvent(QStringLiteral("message_stop"), { { QStringLiteral("type"), QStringLiteral("message_stop") } });
}

void MessageStream::delta(const QJsonObject& delta)
{
    emitEvent(QStringLiteral("content_block_delta"),
        { { QStringLiteral("type"), QStringLiteral("content_block_delta") }, { QStringLiteral("index"), blocksClosed() },
            { QStringLiteral("delta"), delta } });
}

void MessageStream::stop()
{
    emitEvent(QStringLiteral("content_block_stop"),
        { { QStringLiteral("type"), QStringLiteral("content_block_stop") }, { QStringLiteral("index"), blocksClosed() } });
}

} // namespace llmsched::anthropic
