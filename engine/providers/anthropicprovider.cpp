#include "anthropicprovider.h"

#include "core/anthropicdialect.h"
#include "core/secrets.h"

#include "openaiprovider.h"

#include <QJsonArray>
#include <QJsonDocument>

namespace llmsched {

namespace {
QString finishReason(const QString& stopReason)
{
    if (stopReason == QLatin1String("max_tokens"))
        return QStringLiteral("length");
    if (stopReason == QLatin1String("tool_use"))
        return QStringLiteral("tool_calls");
    return QStringLiteral("stop"); // end_turn, stop_sequence
}

// An OpenAI image_url part -> an Anthropic image block (a data: URL becomes base64).
QJsonObject imageBlock(const QJsonObject& part)
{
    const QString url = part.value(QLatin1String("image_url")).toObject().value(QLatin1String("url")).toString();
    QJsonObject source;
    if (url.startsWith(QLatin1String("data:")) && url.contains(QLatin1String(";base64,"))) {
        const qsizetype comma = url.indexOf(QLatin1Char(','));
        source = { { QStringLiteral("type"), QStringLiteral("base64") },
            { QStringLiteral("media_type"), url.mid(5, url.indexOf(QLatin1Char(';')) - 5) }, { QStringLiteral("data"), url.mid(comma + 1) } };
    } else {
        source = { { QStringLiteral("type"), QStringLiteral("url") }, { QStringLiteral("url"), url } };
    }
    return { { QStringLiteral("type"), QStringLiteral("image") }, { QStringLiteral("source"), source } };
}

// OpenAI content (string or parts) -> Anthropic content blocks.
QJsonArray blocksOf(const QJsonValue& content)
{
    QJsonArray blocks;
    if (!content.isArray()) {
        const QString text = content.toString();
        if (!text.isEmpty())
            blocks.append(QJsonObject { { QStringLiteral("type"), QStringLiteral("text") }, { QStringLiteral("text"), text } });
        return blocks;
    }
    for (const QJsonValue& pv : content.toArray()) {
        const QJsonObject part = pv.toObject();
        const QString type = part.value(QLatin1String("type")).toString();
        if (type == QLatin1String("text"))
            blocks.append(
                QJsonObject { { QStringLiteral("type"), QStringLiteral("text") }, { QStringLiteral("text"), part.value(QLatin1String("text")) } });
        else if (type == QLatin1String("image_url"))
            blocks.append(imageBlock(part));
        else
            blocks.append(part); // already an Anthropic block (image, document, tool_result...)
    }
    return blocks;
}

// OpenAI content -> Anthropic content: a plain string stays one.
QJsonValue contentOf(const QJsonValue& content)
{
    if (!content.isArray())
        return content.isString() ? content : QJsonValue(content.toString());
    return blocksOf(content);
}

// An assistant turn that called tools: its text, then a tool_use block per call.
QJsonArray assistantBlocks(const QJsonObject& m)
{
    QJsonArray blocks = blocksOf(m.value(QLatin1String("content")));
    for (const QJsonValue& block : anthropic::toolUseBlocks(m.value(QLatin1String("tool_calls")).toArray()))
        blocks.append(block);
    return blocks;
}

// OpenAI tools ({"type": "function", "function": {...}}) -> Anthropic tools;
// tools already in Anthropic's shape pass as they are.
QJsonArray toolsOf(const QJsonArray& tools)
{
    QJsonArray out;
    for (const QJsonValue& tv : tools) {
        const QJsonObject t = tv.toObject();
        if (t.value(QLatin1String("type")).toString() != QLatin1String("function") || !t.contains(QLatin1String("function"))) {
            out.append(t);
            continue;
        }
        const QJsonObject f = t.value(QLatin1String("function")).toObject();
        QJsonObject tool { { QStringLiteral("name"), f.value(QLatin1String("name")) },
            { QStringLiteral("input_schema"),
                f.contains(QLatin1String("parameters")) ? f.value(QLatin1String("parameters"))
                                                        : QJsonValue(QJsonObject { { QStringLiteral("type"), QStringLiteral("object") } }) } };
        if (f.contains(QLatin1String("description")))
            tool.insert(QStringLiteral("description"), f.value(QLatin1String("description")));
        out.append(tool);
    }
    return out;
}

// OpenAI tool_choice -> Anthropic's.
QJsonValue toolChoiceOf(const QJsonValue& choice)
{
    if (choice.isString()) {
        const QString c = choice.toString();
        return QJsonObject { { QStringLiteral("type"),
            c == QLatin1String("required")   ? QStringLiteral("any")
                : c == QLatin1String("none") ? QStringLiteral("none")
                                             : QStringLiteral("auto") } };
    }
    const QJsonObject o = choice.toObject();
    if (o.value(QLatin1String("type")).toString() == QLatin1String("function"))
        return QJsonObject { { QStringLiteral("type"), QStringLiteral("tool") },
            { QStringLiteral("name"), o.value(QLatin1String("function")).toObject().value(QLatin1String("name")) } };
    return choice; // already Anthropic's
}

Usage usageOf(const QJsonObject& u)
{
    Usage usage;
    usage.promptTokens = u.value(QLatin1String("input_tokens")).toInteger() + u.value(QLatin1String("cache_creation_input_tokens")).toInteger()
        + u.value(QLatin1String("cache_read_input_tokens")).toInteger();
    usage.completionTokens = u.value(QLatin1String("output_tokens")).toInteger();
    return usage;
}

QJsonObject usageJson(const Usage& u)
{
    return { { QStringLiteral("prompt_tokens"), u.promptTokens }, { QStringLiteral("completion_tokens"), u.completionTokens },
        { QStringLiteral("total_tokens"), u.promptTokens + u.completionTokens } };
}
} // namespace

QJsonObject AnthropicProvider::translateRequest(const QJsonObject& in, TaskKind kind, const QString& model, int defaultMaxTokens)
{
    QJsonObject out;
    out.insert(QStringLiteral("model"), model);
    QStringList system;
    if (in.value(QLatin1String("system")).isString())
        system.append(in.value(QLatin1String("system")).toString());
    QJsonArray messages;
    if (kind == TaskKind::Completion) {
        messages.append(QJsonObject {
            { QStringLiteral("role"), QStringLiteral("user") }, { QStringLiteral("content"), in.value(QLatin1String("prompt")).toString() } });
    } else {
        for (const QJsonValue& mv : in.value(QLatin1String("messages")).toArray()) {
            const QJsonObject m = mv.toObject();
            const QString role = m.value(QLatin1String("role")).toString();
            if (role == QLatin1String("system") || role == QLatin1String("developer")) {
                const QJsonValue c = m.value(QLatin1String("content"));
                if (c.isString()) {
                    system.append(c.toString());
                } else {
                    for (const QJsonValue& p : c.toArray())
                        system.append(p.toObject().value(QLatin1String("text")).toString());
                }
                continue;
            }
            if (role == QLatin1String("tool")) {
                // A tool's answer is a tool_result block of a user turn; answers
                // to several calls of one turn go together.
                const QJsonObject result { { QStringLiteral("type"), QStringLiteral("tool_result") },
                    { QStringLiteral("tool_use_id"), m.value(QLatin1String("tool_call_id")) },
                    { QStringLiteral("content"), contentOf(m.value(QLatin1String("content"))) } };
                QJsonObject last = messages.isEmpty() ? QJsonObject() : messages.last().toObject();
                if (last.value(QLatin1String("role")).toString() == QLatin1String("user") && last.value(QLatin1String("content")).isArray()
                    && last.value(QLatin1String("content")).toArray().last().toObject().value(QLatin1String("type")).toString()
                        == QLatin1String("tool_result")) {
                    QJsonArray blocks = last.value(QLatin1String("content")).toArray();
                    blocks.append(result);
                    last.insert(QStringLiteral("content"), blocks);
                    messages[messages.size() - 1] = last;
                } else {
                    messages.append(
                        QJsonObject { { QStringLiteral("role"), QStringLiteral("user") }, { QStringLiteral("content"), QJsonArray { result } } });
                }
                continue;
            }
            if (role == QLatin1String("assistant") && m.value(QLatin1String("tool_calls")).isArray()) {
                messages.append(QJsonObject { { QStringLiteral("role"), role }, { QStringLiteral("content"), assistantBlocks(m) } });
                continue;
            }
            messages.append(QJsonObject { { QStringLiteral("role"), role == QLatin1String("assistant") ? role : QStringLiteral("user") },
                { QStringLiteral("content"), contentOf(m.value(QLatin1String("content"))) } });
        }
    }
    out.insert(QStringLiteral("messages"), messages);
    if (!system.isEmpty())
        out.insert(QStringLiteral("system"), system.join(QStringLiteral("\n\n")));
    qint64 maxTokens = defaultMaxTokens;
    for (const QString& k : { QStringLiteral("max_tokens"), QStringLiteral("max_completion_tokens") })
        if (in.value(k).isDouble())
            maxTokens = in.value(k).toInteger();
    out.insert(QStringLiteral("max_tokens"), maxTokens);
    for (const QString& k : { QStringLiteral("temperature"), QStringLiteral("top_p"), QStringLiteral("top_k"), QStringLiteral("stream"),
             QStringLiteral("metadata"), QStringLiteral("stop_sequences"), QStringLiteral("thinking") })
        if (in.contains(k))
            out.insert(k, in.value(k));
    if (in.value(QLatin1String("tools")).isArray())
        out.insert(QStringLiteral("tools"), toolsOf(in.value(QLatin1String("tools")).toArray()));
    if (in.contains(QLatin1String("tool_choice")))
        out.insert(QStringLiteral("tool_choice"), toolChoiceOf(in.value(QLatin1String("tool_choice"))));
    const QJsonValue stop = in.value(QLatin1String("stop"));
    if (stop.isString())
        out.insert(QStringLiteral("stop_sequences"), QJsonArray { stop });
    else if (stop.isArray())
        out.insert(QStringLiteral("stop_sequences"), stop);
    if (in.value(QLatin1String("user")).isString() && !out.contains(QLatin1String("metadata")))
        out.insert(QStringLiteral("metadata"), QJsonObject { { QStringLiteral("user_id"), in.value(QLatin1String("user")) } });
    return out;
}

QJsonObject AnthropicProvider::translateResponse(const QJsonObject& m)
{
    QString text;
    QJsonArray toolCalls;
    for (const QJsonValue& bv : m.value(QLatin1String("content")).toArray()) {
        const QJsonObject b = bv.toObject();
        const QString type = b.value(QLatin1String("type")).toString();
        if (type == QLatin1String("text")) {
            text += b.value(QLatin1String("text")).toString();
        } else if (type == QLatin1String("tool_use")) {
            toolCalls.append(
                QJsonObject { { QStringLiteral("id"), b.value(QLatin1String("id")) }, { QStringLiteral("type"), QStringLiteral("function") },
                    { QStringLiteral("function"),
                        QJsonObject { { QStringLiteral("name"), b.value(QLatin1String("name")) },
                            { QStringLiteral("arguments"),
                                QString::fromUtf8(QJsonDocument(b.value(QLatin1String("input")).toObject()).toJson(QJsonDocument::Compact)) } } } });
        }
    }
    QJsonObject message { { QStringLiteral("role"), QStringLiteral("assistant") }, { QStringLiteral("content"), text } };
    if (!toolCalls.isEmpty())
        message.insert(QStringLiteral("tool_calls"), toolCalls);
    return {
        { QStringLiteral("id"), m.value(QLatin1String("id")) },
        { QStringLiteral("object"), QStringLiteral("chat.completion") },
        { QStringLiteral("model"), m.value(QLatin1String("model")) },
        { QStringLiteral("choices"),
            QJsonArray { QJsonObject { { QStringLiteral("index"), 0 }, { QStringLiteral("message"), message },
                { QStringLiteral("finish_reason"), finishReason(m.value(QLatin1String("stop_reason")).toString()) } } } },
        { QStringLiteral("usage"), usageJson(usageOf(m.value(QLatin1String("usage")).toObject())) },
    };
}

HeaderList AnthropicProvider::authHeaders(const QByteArray& key) const
{
    HeaderList h { { QByteArrayLiteral("anthropic-version"), m_config.anthropicVersion.toUtf8() } };
    if (!key.isEmpty())
        h.append({ QByteArrayLiteral("x-api-key"), key });
    return h;
}

QUrl AnthropicProvider::messagesUrl() const
{
    return endpointUrl(m_config.baseUrl.endsWith(QLatin1String("/v1")) || m_config.baseUrl.endsWith(QLatin1String("/v1/"))
            ? QStringLiteral("/messages")
            : QStringLiteral("/v1/messages"));
}

QUrl AnthropicProvider::healthUrl() const
{
    if (!m_config.healthPath.isEmpty())
        return endpointUrl(m_config.healthPath);
    return endpointUrl(m_config.baseUrl.endsWith(QLatin1String("/v1")) ? QStringLiteral("/models") : QStringLiteral("/v1/models"));
}

QCoro::Task<CallResult> AnthropicProvider::call(CallRequest request, std::shared_ptr<CallControl> control)
{
    if (request.kind == TaskKind::Embedding || request.kind == TaskKind::Http)
        co_return CallResult::failed(FailureKind::Configuration,
            QStringLiteral("%1: Anthropic endpoints serve chat and completion tasks, not %2").arg(name(), taskKindName(request.kind)));
    auto k = co_await key();
    if (!k)
        co_return CallResult::failed(FailureKind::Configuration, QStringLiteral("%1: %2").arg(name(), k.error().message));
    const QByteArray secret = *k;
    const QJsonObject body
        = translateRequest(QJsonDocument::fromJson(request.input).object(), request.kind, request.upstreamModel, m_config.defaultMaxTokens);
    const bool stream = body.value(QLatin1String("stream")).toBool();

    HttpRequestSpec spec = jsonRequest(messagesUrl(), secret, body, stream);

    // Streaming state: rebuilt as an Anthropic message, then translated once.
    QJsonObject message;
    QString text;
    QJsonArray blocks;
    QString toolJson;
    QJsonObject toolBlock;
    Usage usage;
    bool stopped = false;
    int overloaded = 0;
    SseSink sink;
    if (stream) {
        sink = [&](const SseEvent& e, QString* error) {
            QJsonParseError err {};
            const QJsonObject d = QJsonDocument::fromJson(e.data, &err).object();
            if (err.error != QJsonParseError::NoError) {
                *error = QStringLiteral("stream event '%1' is not JSON (%2)").arg(QString::fromUtf8(e.event), err.errorString());
                return false;
            }
            const QString type = d.value(QLatin1String("type")).toString();
            if (type == QLatin1String("message_start")) {
                message = d.value(QLatin1String("message")).toObject();
                usage = usageOf(message.value(QLatin1String("usage")).toObject());
            } else if (type == QLatin1String("content_block_start")) {
                const QJsonObject b = d.value(QLatin1String("content_block")).toObject();
                if (b.value(QLatin1String("type")).toString() == QLatin1String("tool_use")) {
                    toolBlock = b;
                    toolJson.clear();
                }
            } else if (type == QLatin1String("content_block_delta")) {
                const QJsonObject delta = d.value(QLatin1String("delta")).toObject();
                const QString dt = delta.value(QLatin1String("type")).toString();
                if (dt == QLatin1String("text_delta")) {
                    const QString piece = delta.value(QLatin1String("text")).toString();
                    text += piece;
                    const QJsonObject chunk { { QStringLiteral("id"), message.value(QLatin1String("id")) },
                        { QStringLiteral("object"), QStringLiteral("chat.completion.chunk") },
                        { QStringLiteral("model"), message.value(QLatin1String("model")) },
                        { QStringLiteral("choices"),
                            QJsonArray { QJsonObject { { QStringLiteral("index"), 0 },
                                { QStringLiteral("delta"), QJsonObject { { QStringLiteral("content"), piece } } },
                                { QStringLiteral("finish_reason"), QJsonValue() } } } } };
                    emit control->delta(redactSecretBytes(QJsonDocument(chunk).toJson(QJsonDocument::Compact), secret));
                } else if (dt == QLatin1String("input_json_delta")) {
                    toolJson += delta.value(QLatin1String("partial_json")).toString();
                }
            } else if (type == QLatin1String("content_block_stop")) {
                if (!toolBlock.isEmpty()) {
                    toolBlock.insert(QStringLiteral("input"), QJsonDocument::fromJson(toolJson.toUtf8()).object());
                    blocks.append(toolBlock);
                    toolBlock = {};
                }
            } else if (type == QLatin1String("message_delta")) {
                const QJsonObject delta = d.value(QLatin1String("delta")).toObject();
                if (delta.contains(QLatin1String("stop_reason")))
                    message.insert(QStringLiteral("stop_reason"), delta.value(QLatin1String("stop_reason")));
                const QJsonObject u = d.value(QLatin1String("usage")).toObject();
                if (u.contains(QLatin1String("output_tokens")))
                    usage.completionTokens = u.value(QLatin1String("output_tokens")).toInteger();
            } else if (type == QLatin1String("message_stop")) {
                stopped = true;
            } else if (type == QLatin1String("error")) {
                const QJsonObject er = d.value(QLatin1String("error")).toObject();
                if (er.value(QLatin1String("type")).toString() == QLatin1String("overloaded_error")) {
                    overloaded = 529;
                    return true;
                }
                *error = QStringLiteral("the stream reported an error: %1").arg(er.value(QLatin1String("message")).toString());
                return false;
            }
            return true;
        };
    }
    const HttpOutcome o = co_await httpExchange(*m_context.http, std::move(spec), control, sink);
    if (o.aborted || o.transportFailed() || o.status < 200 || o.status >= 300 || o.sinkRejected || o.tooLarge)
        co_return failureFrom(o, *control, name(), secret);
    if (stream) {
        if (overloaded)
            co_return CallResult::failed(FailureKind::HttpStatus, QStringLiteral("%1: overloaded (stream error)").arg(name()), overloaded);
        if (message.isEmpty())
            co_return malformed(name(), QStringLiteral("the event stream carried no message_start"), o.body, secret);
        if (!stopped)
            co_return CallResult::failed(FailureKind::Connection, QStringLiteral("%1: the event stream ended before message_stop").arg(name()));
        if (!text.isEmpty())
            blocks.prepend(QJsonObject { { QStringLiteral("type"), QStringLiteral("text") }, { QStringLiteral("text"), text } });
        message.insert(QStringLiteral("content"), blocks);
        message.insert(QStringLiteral("usage"),
            QJsonObject { { QStringLiteral("input_tokens"), usage.promptTokens }, { QStringLiteral("output_tokens"), usage.completionTokens } });
        co_return CallResult::success(redactSecretBytes(QJsonDocument(translateResponse(message)).toJson(QJsonDocument::Compact), secret), usage);
    }
    QJsonParseError err {};
    const QJsonDocument doc = QJsonDocument::fromJson(o.body, &err);
    if (err.error != QJsonParseError::NoError || !doc.isObject())
        co_return malformed(name(), QStringLiteral("not JSON (%1 at offset %2)").arg(err.errorString()).arg(err.offset), o.body, secret);
    const QJsonObject answer = doc.object();
    if (!answer.value(QLatin1String("content")).isArray())
        co_return malformed(name(), QStringLiteral("no \"content\" array"), o.body, secret);
    co_return CallResult::success(redactSecretBytes(QJsonDocument(translateResponse(answer)).toJson(QJsonDocument::Compact), secret),
        usageOf(answer.value(QLatin1String("usage")).toObject()));
}

} // namespace llmsched
