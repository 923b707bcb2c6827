#include "responsesdialect.h"

#include <QJsonDocument>

namespace llmsched::responses {

namespace {

constexpr qsizetype kMaxMetadataPairs = 16;
constexpr qsizetype kMaxMetadataKeyChars = 64;
constexpr qsizetype kMaxMetadataValueChars = 512;

Error invalid(const QString& param, const QString& message)
{
    return Error::invalid(param, message);
}

QString textOfParts(const QJsonValue& content)
{
    if (content.isString())
        return content.toString();
    QString text;
    for (const QJsonValue& pv : content.toArray()) {
        const QJsonObject p = pv.toObject();
        text += p.value(QLatin1String("text")).toString();
        text += p.value(QLatin1String("refusal")).toString();
    }
    return text;
}

// A message item's content as chat content: a string, or parts for a user turn with images.
Result<QJsonValue> contentFrom(const QJsonValue& content, const QString& role, const QString& field)
{
    if (content.isString())
        return QJsonValue(content);
    if (!content.isArray())
        return invalid(field, QStringLiteral("Invalid type for '%1': expected a string or an array of content parts.").arg(field));
    const QJsonArray in = content.toArray();
    bool images = false;
    for (qsizetype i = 0; i < in.size(); ++i) {
        const QString type = in.at(i).toObject().value(QLatin1String("type")).toString();
        const QString partField = QStringLiteral("%1[%2].type").arg(field).arg(i);
        if (type == QLatin1String("input_image")) {
            if (role != QLatin1String("user"))
                return invalid(partField, QStringLiteral("Invalid value: 'input_image'. Images are accepted in user messages only."));
            images = true;
        } else if (type != QLatin1String("input_text") && type != QLatin1String("output_text") && type != QLatin1String("text")
            && type != QLatin1String("refusal")) {
            return invalid(partField,
                QStringLiteral("Invalid value: '%1'. Supported values are: 'input_text', 'input_image', 'output_text' and 'refusal' "
                               "(files and audio do not run here).")
                    .arg(type));
        }
    }
    if (!images)
        return QJsonValue(textOfParts(content));
    QJsonArray parts;
    for (const QJsonValue& pv : in) {
        const QJsonObject p = pv.toObject();
        if (p.value(QLatin1String("type")).toString() == QLatin1String("input_image")) {
            QJsonObject image { { QStringLiteral("url"), p.value(QLatin1String("image_url")) } };
            if (p.contains(QLatin1String("detail")))
                image.insert(QStringLiteral("detail"), p.value(QLatin1String("detail")));
            parts.append(QJsonObject { { QStringLiteral("type"), QStringLiteral("image_url") }, { QStringLiteral("image_url"), image } });
        } else {
            parts.append(
                QJsonObject { { QStringLiteral("type"), QStringLiteral("text") }, { QStringLiteral("text"), p.value(QLatin1String("text")) } });
        }
    }
    return QJsonValue(parts);
}

Result<QJsonArray> messagesFrom(const QJsonValue& input)
{
    QJsonArray messages;
    if (input.isString()) {
        messages.append(QJsonObject { { QStringLiteral("role"), QStringLiteral("user") }, { QStringLiteral("content"), input } });
        return messages;
    }
    if (!input.isArray())
        return invalid(QStringLiteral("input"), QStringLiteral("Invalid type for 'input': expected a string or an array of input items."));
    const QJsonArray items = input.toArray();
    for (qsizetype i = 0; i < items.size(); ++i) {
        const QJsonObject item = items.at(i).toObject();
        const QString field = QStringLiteral("input[%1]").arg(i);
        const QString type = item.value(QLatin1String("type")).toString(QStringLiteral("message"));
        if (type == QLatin1String("message")) {
            QString role = item.value(QLatin1String("role")).toString();
            if (role == QLatin1String("developer"))
                role = QStringLiteral("system");
            if (role != QLatin1String("user") && role != QLatin1String("assistant") && role != QLatin1String("system"))
                return invalid(field + QStringLiteral(".role"),
                    QStringLiteral("Invalid value: '%1'. Supported values are: 'user', 'assistant', 'system' and 'developer'.")
                        .arg(item.value(QLatin1String("role")).toString()));
            auto content = contentFrom(item.value(QLatin1String("content")), role, field + QStringLiteral(".content"));
            if (!content)
                return content.error();
            messages.append(QJsonObject { { QStringLiteral("role"), role }, { QStringLiteral("content"), *content } });
        } else if (type == QLatin1String("function_call")) {
            const QJsonObject call { { QStringLiteral("id"), item.value(QLatin1String("call_id")) },
                { QStringLiteral("type"), QStringLiteral("function") },
                { QStringLiteral("function"),
                    QJsonObject { { QStringLiteral("name"), item.value(QLatin1String("name")) },
                        { QStringLiteral("arguments"), item.value(QLatin1String("arguments")) } } } };
            // Calls of one turn join its assistant message.
            QJsonObject last = messages.isEmpty() ? QJsonObject() : messages.last().toObject();
            if (last.value(QLatin1String("role")).toString() == QLatin1String("assistant")) {
                QJsonArray calls = last.value(QLatin1String("tool_calls")).toArray();
                calls.append(call);
                last.insert(QStringLiteral("tool_calls"), calls);
                messages.replace(messages.size() - 1, last);
            } else {
                messages.append(QJsonObject { { QStringLiteral("role"), QStringLiteral("assistant") }, { QStringLiteral("content"), QJsonValue() },
                    { QStringLiteral("tool_calls"), QJsonArray { call } } });
            }
        } else if (type == QLatin1String("function_call_output")) {
            messages.append(QJsonObject { { QStringLiteral("role"), QStringLiteral("tool") },
                { QStringLiteral("tool_call_id"), item.value(QLatin1String("call_id")) },
                { QStringLiteral("content"), textOfParts(item.value(QLatin1String("output"))) } });
        } else if (type == QLatin1String("reasoning")) {
            continue; // an earlier turn's reasoning: chat models take none back
        } else {
            return invalid(field + QStringLiteral(".type"),
                QStringLiteral("Invalid value: '%1'. Supported values are: 'message', 'function_call', 'function_call_output' and 'reasoning'.")
                    .arg(type));
        }
    }
    return messages;
}

} // namespace

Result<QJsonObject> chatRequestFrom(const QJsonObject& request, const QJsonArray& earlier)
{
    const QJsonValue model = request.value(QLatin1String("model"));
    if (!model.isString() || model.toString().isEmpty())
        return invalid(QStringLiteral("model"), QStringLiteral("Missing required parameter: 'model'."));
    const QJsonValue input = request.value(QLatin1String("input"));
    if (input.isUndefined() && earlier.isEmpty())
        return invalid(QStringLiteral("input"), QStringLiteral("Missing required parameter: 'input'."));
    auto newMessages = input.isUndefined() ? Result<QJsonArray>(QJsonArray {}) : messagesFrom(input);
    if (!newMessages)
        return newMessages.error();

    QJsonArray messages;
    const QJsonValue instructions = request.value(QLatin1String("instructions"));
    if (instructions.isString() && !instructions.toString().isEmpty())
        messages.append(QJsonObject { { QStringLiteral("role"), QStringLiteral("system") }, { QStringLiteral("content"), instructions } });
    else if (!instructions.isUndefined() && !instructions.isNull() && !instructions.isString())
        return invalid(QStringLiteral("instructions"), QStringLiteral("Invalid type for 'instructions': expected a string."));
    for (const QJsonValue& m : earlier)
        messages.append(m);
    for (const QJsonValue& m : *newMessages)
        messages.append(m);

    QJsonObject chat { { QStringLiteral("model"), model }, { QStringLiteral("messages"), messages } };
    const QJsonValue maxTokens = request.value(QLatin1String("max_output_tokens"));
    if (!maxTokens.isUndefined() && !maxTokens.isNull()) {
        if (!maxTokens.isDouble() || maxTokens.toDouble() < 16 || maxTokens.toDouble() != static_cast<double>(maxTokens.toInteger()))
            return invalid(QStringLiteral("max_output_tokens"),
                QStringLiteral("Invalid 'max_output_tokens': integer below minimum value. Expected an integer of at least 16."));
        chat.insert(QStringLiteral("max_tokens"), maxTokens);
    }
    for (const char* key : { "temperature", "top_p", "parallel_tool_calls", "user", "stream" })
        if (request.contains(QLatin1String(key)) && !request.value(QLatin1String(key)).isNull())
            chat.insert(QLatin1String(key), request.value(QLatin1String(key)));

    const QJsonValue metadata = request.value(QLatin1String("metadata"));
    if (!metadata.isUndefined() && !metadata.isNull()) {
        const QJsonObject pairs = metadata.toObject();
        if (!metadata.isObject() || pairs.size() > kMaxMetadataPairs)
            return invalid(QStringLiteral("metadata"), QStringLiteral("Invalid 'metadata': expected an object of at most 16 string values."));
        for (auto it = pairs.begin(); it != pairs.end(); ++it)
            if (it.key().size() > kMaxMetadataKeyChars || !it.value().isString() || it.value().toString().size() > kMaxMetadataValueChars)
                return invalid(QStringLiteral("metadata.") + it.key(),
                    QStringLiteral("Invalid 'metadata': keys are at most 64 characters, values strings of at most 512."));
    }

    const QJsonArray tools = request.value(QLatin1String("tools")).toArray();
    QJsonArray chatTools;
    for (qsizetype i = 0; i < tools.size(); ++i) {
        const QJsonObject t = tools.at(i).toObject();
        if (t.value(QLatin1String("type")).toString() != QLatin1String("function"))
            return invalid(QStringLiteral("tools[%1].type").arg(i),
                QStringLiteral("Invalid value: '%1'. Only function tools run here (built-in tools are OpenAI's own).")
                    .arg(t.value(QLatin1String("type")).toString()));
        QJsonObject function { { QStringLiteral("name"), t.value(QLatin1String("name")) } };
        for (const char* key : { "description", "parameters", "strict" })
            if (t.contains(QLatin1String(key)) && !t.value(QLatin1String(key)).isNull())
                function.insert(QLatin1String(key), t.value(QLatin1String(key)));
        chatTools.append(QJsonObject { { QStringLiteral("type"), QStringLiteral("function") }, { QStringLiteral("function"), function } });
    }
    if (!chatTools.isEmpty())
        chat.insert(QStringLiteral("tools"), chatTools);
    const QJsonValue toolChoice = request.value(QLatin1String("tool_choice"));
    if (toolChoice.isString()) {
        chat.insert(QStringLiteral("tool_choice"), toolChoice);
    } else if (toolChoice.isObject()) {
        const QJsonObject choice = toolChoice.toObject();
        if (choice.value(QLatin1String("type")).toString() != QLatin1String("function"))
            return invalid(QStringLiteral("tool_choice.type"), QStringLiteral("Invalid value: only a function can be a forced tool choice here."));
        chat.insert(QStringLiteral("tool_choice"),
            QJsonObject { { QStringLiteral("type"), QStringLiteral("function") },
                { QStringLiteral("function"), QJsonObject { { QStringLiteral("name"), choice.value(QLatin1String("name")) } } } });
    }

    const QJsonObject format = request.value(QLatin1String("text")).toObject().value(QLatin1String("format")).toObject();
    const QString formatType = format.value(QLatin1String("type")).toString();
    if (formatType == QLatin1String("json_object")) {
        chat.insert(QStringLiteral("response_format"), QJsonObject { { QStringLiteral("type"), QStringLiteral("json_object") } });
    } else if (formatType == QLatin1String("json_schema")) {
        QJsonObject schema;
        for (const char* key : { "name", "schema", "strict", "description" })
            if (format.contains(QLatin1String(key)))
                schema.insert(QLatin1String(key), format.value(QLatin1String(key)));
        chat.insert(QStringLiteral("response_format"),
            QJsonObject { { QStringLiteral("type"), QStringLiteral("json_schema") }, { QStringLiteral("json_schema"), schema } });
    } else if (!formatType.isEmpty() && formatType != QLatin1String("text")) {
        return invalid(QStringLiteral("text.format.type"),
            QStringLiteral("Invalid value: '%1'. Supported values are: 'text', 'json_object' and 'json_schema'.").arg(formatType));
    }
    const QJsonValue effort = request.value(QLatin1String("reasoning")).toObject().value(QLatin1String("effort"));
    if (effort.isString())
        chat.insert(QStringLiteral("reasoning_effort"), effort);
    return chat;
}

QJsonObject settingsFrom(const QJsonObject& request)
{
    const auto orDefault = [&request](const char* key, const QJsonValue& fallback) {
        const QJsonValue v = request.value(QLatin1String(key));
        return v.isUndefined() || v.isNull() ? fallback : v;
    };
    return {
        { QStringLiteral("instructions"), orDefault("instructions", QJsonValue()) },
        { QStringLiteral("max_output_tokens"), orDefault("max_output_tokens", QJsonValue()) },
        { QStringLiteral("metadata"), orDefault("metadata", QJsonObject {}) },
        { QStringLiteral("temperature"), orDefault("temperature", 1.0) },
        { QStringLiteral("top_p"), orDefault("top_p", 1.0) },
        { QStringLiteral("tool_choice"), orDefault("tool_choice", QStringLiteral("auto")) },
        { QStringLiteral("parallel_tool_calls"), orDefault("parallel_tool_calls", true) },
        { QStringLiteral("text"),
            orDefault("text", QJsonObject { { QStringLiteral("format"), QJsonObject { { QStringLiteral("type"), QStringLiteral("text") } } } }) },
        { QStringLiteral("reasoning"),
            orDefault("reasoning", QJsonObject { { QStringLiteral("effort"), QJsonValue() }, { QStringLiteral("summary"), QJsonValue() } }) },
        { QStringLiteral("previous_response_id"), orDefault("previous_response_id", QJsonValue()) },
        { QStringLiteral("store"), orDefault("store", true) },
        { QStringLiteral("background"), orDefault("background", false) },
        { QStringLiteral("truncation"), orDefault("truncation", QStringLiteral("disabled")) },
        { QStringLiteral("user"), orDefault("user", QJsonValue()) },
    };
}

QJsonArray toolsOf(const QJsonObject& chatInput)
{
    QJsonArray tools;
    for (const QJsonValue& tv : chatInput.value(QLatin1String("tools")).toArray()) {
        const QJsonObject function = tv.toObject().value(QLatin1String("function")).toObject();
        QJsonObject tool { { QStringLiteral("type"), QStringLiteral("function") }, { QStringLiteral("name"), function.value(QLatin1String("name")) },
            { QStringLiteral("description"), function.value(QLatin1String("description")) },
            { QStringLiteral("parameters"), function.value(QLatin1String("parameters")) },
            { QStringLiteral("strict"), function.value(QLatin1String("strict")).toBool(true) } };
        tools.append(tool);
    }
    return tools;
}

QJsonObject shell(
    const QString& id, qint64 createdAtSeconds, const QString& model, const QString& status, const QJsonObject& settings, const QJsonArray& tools)
{
    QJsonObject r = settings;
    r.insert(QStringLiteral("id"), id);
    r.insert(QStringLiteral("object"), QStringLiteral("response"));
    r.insert(QStringLiteral("created_at"), createdAtSeconds);
    r.insert(QStringLiteral("model"), model);
    r.insert(QStringLiteral("status"), status);
    r.insert(QStringLiteral("error"), QJsonValue());
    r.insert(QStringLiteral("incomplete_details"), QJsonValue());
    r.insert(QStringLiteral("output"), QJsonArray {});
    r.insert(QStringLiteral("tools"), tools);
    r.insert(QStringLiteral("usage"), QJsonValue());
    return r;
}

namespace {

QString itemIdFor(const QJsonObject& response, const char* prefix, qsizetype index)
{
    QString base = response.value(QLatin1String("id")).toString();
    if (base.startsWith(QLatin1String("resp_")))
        base = base.mid(5);
    return QStringLiteral("%1_%2_%3").arg(QLatin1String(prefix), base).arg(index);
}

QJsonObject textItem(const QString& id, const QString& text, const QString& status)
{
    return { { QStringLiteral("type"), QStringLiteral("message") }, { QStringLiteral("id"), id }, { QStringLiteral("status"), status },
        { QStringLiteral("role"), QStringLiteral("assistant") },
        { QStringLiteral("content"),
            QJsonArray { QJsonObject { { QStringLiteral("type"), QStringLiteral("output_text") }, { QStringLiteral("text"), text },
                { QStringLiteral("annotations"), QJsonArray {} } } } } };
}

QJsonObject callItem(const QString& id, const QString& callId, const QString& name, const QString& arguments, const QString& status)
{
    return { { QStringLiteral("type"), QStringLiteral("function_call") }, { QStringLiteral("id"), id }, { QStringLiteral("call_id"), callId },
        { QStringLiteral("name"), name }, { QStringLiteral("arguments"), arguments }, { QStringLiteral("status"), status } };
}

QJsonObject usageFrom(const QJsonObject& chatUsage)
{
    const qint64 in = chatUsage.value(QLatin1String("prompt_tokens")).toInteger();
    const qint64 out = chatUsage.value(QLatin1String("completion_tokens")).toInteger();
    return { { QStringLiteral("input_tokens"), in },
        { QStringLiteral("input_tokens_details"),
            QJsonObject { { QStringLiteral("cached_tokens"),
                chatUsage.value(QLatin1String("prompt_tokens_details")).toObject().value(QLatin1String("cached_tokens")).toInteger() } } },
        { QStringLiteral("output_tokens"), out },
        { QStringLiteral("output_tokens_details"),
            QJsonObject { { QStringLiteral("reasoning_tokens"),
                chatUsage.value(QLatin1String("completion_tokens_details")).toObject().value(QLatin1String("reasoning_tokens")).toInteger() } } },
        { QStringLiteral("total_tokens"), in + out } };
}

// status and incomplete_details from the completion's finish_reason.
void setFinish(QJsonObject& response, const QJsonObject& completion)
{
    const QString finish = completion.value(QLatin1String("choices")).toArray().at(0).toObject().value(QLatin1String("finish_reason")).toString();
    const QString reason = finish == QLatin1String("length") ? QStringLiteral("max_output_tokens")
        : finish == QLatin1String("content_filter")          ? QStringLiteral("content_filter")
                                                             : QString();
    response.insert(QStringLiteral("status"), reason.isEmpty() ? QStringLiteral("completed") : QStringLiteral("incomplete"));
    response.insert(
        QStringLiteral("incomplete_details"), reason.isEmpty() ? QJsonValue() : QJsonValue(QJsonObject { { QStringLiteral("reason"), reason } }));
    response.insert(QStringLiteral("usage"), usageFrom(completion.value(QLatin1String("usage")).toObject()));
}

} // namespace

QJsonObject completed(QJsonObject response, const QJsonObject& completion)
{
    const QJsonObject message = completion.value(QLatin1String("choices")).toArray().at(0).toObject().value(QLatin1String("message")).toObject();
    QJsonArray output;
    const QString text = message.value(QLatin1String("content")).toString();
    if (!text.isEmpty())
        output.append(textItem(itemIdFor(response, "msg", output.size()), text, QStringLiteral("completed")));
    for (const QJsonValue& cv : message.value(QLatin1String("tool_calls")).toArray()) {
        const QJsonObject call = cv.toObject();
        const QJsonObject function = call.value(QLatin1String("function")).toObject();
        output.append(callItem(itemIdFor(response, "fc", output.size()), call.value(QLatin1String("id")).toString(),
            function.value(QLatin1String("name")).toString(), function.value(QLatin1String("arguments")).toString(), QStringLiteral("completed")));
    }
    response.insert(QStringLiteral("output"), output);
    setFinish(response, completion);
    return response;
}

QJsonObject failed(QJsonObject response, const QString& code, const QString& message)
{
    response.insert(QStringLiteral("status"), QStringLiteral("failed"));
    response.insert(QStringLiteral("error"), QJsonObject { { QStringLiteral("code"), code }, { QStringLiteral("message"), message } });
    return response;
}

QJsonArray conversationOf(const QJsonObject& chatInput, const QJsonObject& completion)
{
    QJsonArray messages;
    for (const QJsonValue& m : chatInput.value(QLatin1String("messages")).toArray())
        if (m.toObject().value(QLatin1String("role")).toString() != QLatin1String("system"))
            messages.append(m);
    QJsonObject answer = completion.value(QLatin1String("choices")).toArray().at(0).toObject().value(QLatin1String("message")).toObject();
    if (!answer.isEmpty()) {
        answer.insert(QStringLiteral("role"), QStringLiteral("assistant"));
        messages.append(answer);
    }
    return messages;
}

// ---- ResponseStream ----------------------------------------------------------------------

ResponseStream::ResponseStream(QJsonObject response)
    : m_response(std::move(response))
{
}

void ResponseStream::event(const QString& type, QJsonObject data)
{
    data.insert(QStringLiteral("type"), type);
    data.insert(QStringLiteral("sequence_number"), m_sequence++);
    emitEvent(type, data);
}

QByteArray ResponseStream::start()
{
    QJsonObject r = m_response;
    r.insert(QStringLiteral("status"), QStringLiteral("in_progress"));
    event(QStringLiteral("response.created"), { { QStringLiteral("response"), r } });
    event(QStringLiteral("response.in_progress"), { { QStringLiteral("response"), r } });
    return takeOutput();
}

QByteArray ResponseStream::fail(int, const QString& message)
{
    event(QStringLiteral("response.failed"), { { QStringLiteral("response"), failed(m_response, QStringLiteral("server_error"), message) } });
    return takeOutput();
}

void ResponseStream::openText()
{
    const int index = blocksClosed();
    const QString id = itemIdFor(m_response, "msg", index);
    QJsonObject item = textItem(id, QString(), QStringLiteral("in_progress"));
    item.insert(QStringLiteral("content"), QJsonArray {});
    event(QStringLiteral("response.output_item.added"), { { QStringLiteral("output_index"), index }, { QStringLiteral("item"), item } });
    event(QStringLiteral("response.content_part.added"),
        { { QStringLiteral("item_id"), id }, { QStringLiteral("output_index"), index }, { QStringLiteral("content_index"), 0 },
            { QStringLiteral("part"),
                QJsonObject { { QStringLiteral("type"), QStringLiteral("output_text") }, { QStringLiteral("text"), QString() },
                    { QStringLiteral("annotations"), QJsonArray {} } } } });
}

void ResponseStream::textDelta(const QString& text)
{
    const int index = blocksClosed();
    event(QStringLiteral("response.output_text.delta"),
        { { QStringLiteral("item_id"), itemIdFor(m_response, "msg", index) }, { QStringLiteral("output_index"), index },
            { QStringLiteral("content_index"), 0 }, { QStringLiteral("delta"), text }, { QStringLiteral("logprobs"), QJsonArray {} } });
}

void ResponseStream::closeText(const QString& text)
{
    const int index = blocksClosed();
    const QString id = itemIdFor(m_response, "msg", index);
    const QJsonObject item = textItem(id, text, QStringLiteral("completed"));
    event(QStringLiteral("response.output_text.done"),
        { { QStringLiteral("item_id"), id }, { QStringLiteral("output_index"), index }, { QStringLiteral("content_index"), 0 },
            { QStringLiteral("text"), text }, { QStringLiteral("logprobs"), QJsonArray {} } });
    event(QStringLiteral("response.content_part.done"),
        { { QStringLiteral("item_id"), id }, { QStringLiteral("output_index"), index }, { QStringLiteral("content_index"), 0 },
            { QStringLiteral("part"), item.value(QLatin1String("content")).toArray().at(0) } });
    event(QStringLiteral("response.output_item.done"), { { QStringLiteral("output_index"), index }, { QStringLiteral("item"), item } });
    m_output.append(item);
}

void ResponseStream::openTool(const QString& callId, const QString& name)
{
    const int index = blocksClosed();
    event(QStringLiteral("response.output_item.added"),
        { { QStringLiteral("output_index"), index },
            { QStringLiteral("item"), callItem(itemIdFor(m_response, "fc", index), callId, name, QString(), QStringLiteral("in_progress")) } });
}

void ResponseStream::toolDelta(const QString& arguments)
{
    const int index = blocksClosed();
    event(QStringLiteral("response.function_call_arguments.delta"),
        { { QStringLiteral("item_id"), itemIdFor(m_response, "fc", index) }, { QStringLiteral("output_index"), index },
            { QStringLiteral("delta"), arguments } });
}

void ResponseStream::closeTool(const QString& callId, const QString& name, const QString& arguments)
{
    const int index = blocksClosed();
    const QString id = itemIdFor(m_response, "fc", index);
    event(QStringLiteral("response.function_call_arguments.done"),
        { { QStringLiteral("item_id"), id }, { QStringLiteral("output_index"), index }, { QStringLiteral("name"), name },
            { QStringLiteral("arguments"), arguments } });
    const QJsonObject item = callItem(id, callId, name, arguments, QStringLiteral("completed"));
    event(QStringLiteral("response.output_item.done"), { { QStringLiteral("output_index"), index }, { QStringLiteral("item"), item } });
    m_output.append(item);
}

void ResponseStream::end(const QJsonObject& completion)
{
    QJsonObject r = m_response;
    r.insert(QStringLiteral("output"), m_output);
    setFinish(r, completion);
    const QString status = r.value(QLatin1String("status")).toString();
    event(status == QLatin1String("incomplete") ? QStringLiteral("response.incomplete") : QStringLiteral("response.completed"),
        { { QStringLiteral("response"), r } });
}

} // namespace llmsched::responses
