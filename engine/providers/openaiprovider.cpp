#include "openaiprovider.h"

#include "core/secrets.h"

#include <QJsonDocument>

namespace llmsched {

namespace {
QString pathFor(TaskKind kind)
{
    switch (kind) {
    case TaskKind::Completion:
        return QStringLiteral("/completions");
    case TaskKind::Embedding:
        return QStringLiteral("/embeddings");
    default:
        return QStringLiteral("/chat/completions");
    }
}
} // namespace

bool readOpenAiUsage(const QJsonObject& usage, Usage* out)
{
    if (usage.isEmpty())
        return false;
    out->promptTokens = usage.value(QLatin1String("prompt_tokens")).toInteger();
    out->completionTokens = usage.value(QLatin1String("completion_tokens")).toInteger();
    return true;
}

bool OpenAiStreamAssembler::add(const QByteArray& data, QString* error)
{
    if (data.trimmed() == "[DONE]") {
        m_done = true;
        return true;
    }
    QJsonParseError err {};
    const QJsonDocument doc = QJsonDocument::fromJson(data, &err);
    if (err.error != QJsonParseError::NoError || !doc.isObject()) {
        *error = QStringLiteral("stream chunk %1 is not a JSON object (%2)").arg(m_chunks + 1).arg(err.errorString());
        return false;
    }
    ++m_chunks;
    const QJsonObject o = doc.object();
    if (o.contains(QLatin1String("error"))) {
        *error = QStringLiteral("the stream reported an error: %1")
                     .arg(o.value(QLatin1String("error")).toObject().value(QLatin1String("message")).toString());
        return false;
    }
    if (m_id.isEmpty())
        m_id = o.value(QLatin1String("id")).toString();
    if (m_model.isEmpty())
        m_model = o.value(QLatin1String("model")).toString();
    if (m_created == 0)
        m_created = o.value(QLatin1String("created")).toInteger();
    if (readOpenAiUsage(o.value(QLatin1String("usage")).toObject(), &m_usage))
        m_hasUsage = true;
    const QJsonArray choices = o.value(QLatin1String("choices")).toArray();
    for (const QJsonValue& cv : choices) {
        const QJsonObject c = cv.toObject();
        Choice& choice = m_choices[c.value(QLatin1String("index")).toInt()];
        const QJsonValue fr = c.value(QLatin1String("finish_reason"));
        if (!fr.isNull() && !fr.isUndefined())
            choice.finishReason = fr;
        if (m_kind == TaskKind::Completion) {
            choice.content += c.value(QLatin1String("text")).toString();
            continue;
        }
        const QJsonObject delta = c.value(QLatin1String("delta")).toObject();
        if (delta.contains(QLatin1String("role")))
            choice.role = delta.value(QLatin1String("role")).toString();
        choice.content += delta.value(QLatin1String("content")).toString();
        for (const QJsonValue& tv : delta.value(QLatin1String("tool_calls")).toArray()) {
            const QJsonObject t = tv.toObject();
            QJsonObject& call = choice.toolCalls[t.value(QLatin1String("index")).toInt()];
            for (const QString& k : { QStringLiteral("id"), QStringLiteral("type") })
                if (t.contains(k))
                    call.insert(k, t.value(k));
            const QJsonObject fn = t.value(QLatin1String("function")).toObject();
            QJsonObject have = call.value(QLatin1String("function")).toObject();
            if (fn.contains(QLatin1String("name")))
                have.insert(QStringLiteral("name"), fn.value(QLatin1String("name")));
            const QString arguments = have.value(QLatin1String("arguments")).toString() + fn.value(QLatin1String("arguments")).toString();
            have.insert(QStringLiteral("arguments"), arguments);
            call.insert(QStringLiteral("function"), have);
        }
    }
    return true;
}

QByteArray OpenAiStreamAssembler::result() const
{
    QJsonArray choices;
    for (auto it = m_choices.cbegin(); it != m_choices.cend(); ++it) {
        const Choice& c = it.value();
        QJsonObject choice { { QStringLiteral("index"), it.key() },
            { QStringLiteral("finish_reason"), c.finishReason.isUndefined() ? QJsonValue() : c.finishReason } };
        if (m_kind == TaskKind::Completion) {
            choice.insert(QStringLiteral("text"), c.content);
        } else {
            QJsonObject message { { QStringLiteral("role"), c.role.isEmpty() ? QStringLiteral("assistant") : c.role },
                { QStringLiteral("content"), c.content } };
            if (!c.toolCalls.isEmpty()) {
                QJsonArray calls;
                for (const QJsonObject& t : c.toolCalls)
                    calls.append(t);
                message.insert(QStringLiteral("tool_calls"), calls);
            }
            choice.insert(QStringLiteral("message"), message);
        }
        choices.append(choice);
    }
    QJsonObject out { { QStringLiteral("id"), m_id },
        { QStringLiteral("object"), m_kind == TaskKind::Completion ? QStringLiteral("text_completion") : QStringLiteral("chat.completion") },
        { QStringLiteral("created"), m_created }, { QStringLiteral("model"), m_model }, { QStringLiteral("choices"), choices } };
    if (m_hasUsage) {
        out.insert(QStringLiteral("usage"),
            QJsonObject { { QStringLiteral("prompt_tokens"), m_usage.promptTokens },
                { QStringLiteral("completion_tokens"), m_usage.completionTokens },
                { QStringLiteral("total_tokens"), m_usage.promptTokens + m_usage.completionTokens } });
    }
    return QJsonDocument(out).toJson(QJsonDocument::Compact);
}

HeaderList OpenAiProvider::authHeaders(const QByteArray& key) const
{
    if (key.isEmpty())
        return {};
    return { { QByteArrayLiteral("Authorization"), QByteArrayLiteral("Bearer ") + key } };
}

QUrl OpenAiProvider::healthUrl() const
{
    return endpointUrl(m_config.healthPath.isEmpty() ? QStringLiteral("/models") : m_config.healthPath);
}

QCoro::Task<CallResult> OpenAiProvider::call(CallRequest request, std::shared_ptr<CallControl> control)
{
    if (request.kind == TaskKind::Http)
        co_return CallResult::failed(
            FailureKind::Configuration, QStringLiteral("%1: http tasks need an endpoint with provider \"http\"").arg(name()));
    auto k = co_await key();
    if (!k)
        co_return CallResult::failed(FailureKind::Configuration, QStringLiteral("%1: %2").arg(name(), k.error().message));
    const QByteArray secret = *k;

    QJsonObject body = QJsonDocument::fromJson(request.input).object();
    body.insert(QStringLiteral("model"), request.upstreamModel);
    const bool stream = request.kind != TaskKind::Embedding && body.value(QLatin1String("stream")).toBool();
    if (stream) {
        QJsonObject options = body.value(QLatin1String("stream_options")).toObject();
        options.insert(QStringLiteral("include_usage"), true);
        body.insert(QStringLiteral("stream_options"), options);
    }
    HttpRequestSpec spec = jsonRequest(endpointUrl(pathFor(request.kind)), secret, body, stream);

    OpenAiStreamAssembler assembler(request.kind);
    SseSink sink;
    if (stream) {
        sink = [&assembler, control, &secret](const SseEvent& e, QString* error) {
            if (!assembler.add(e.data, error))
                return false;
            if (!assembler.done())
                emit control->delta(redactSecretBytes(e.data, secret));
            return true;
        };
    }
    const HttpOutcome o = co_await httpExchange(*m_context.http, std::move(spec), control, sink);
    if (o.aborted || o.transportFailed() || o.status < 200 || o.status >= 300 || o.sinkRejected || o.tooLarge)
        co_return failureFrom(o, *control, name(), secret);

    if (stream) {
        if (!assembler.sawChunk())
            co_return malformed(name(), QStringLiteral("the event stream carried no chunks"), o.body, secret);
        if (!assembler.done())
            co_return CallResult::failed(FailureKind::Connection, QStringLiteral("%1: the event stream ended before data: [DONE]").arg(name()));
        co_return CallResult::success(redactSecretBytes(assembler.result(), secret), assembler.usage());
    }
    QJsonParseError err {};
    const QJsonDocument doc = QJsonDocument::fromJson(o.body, &err);
    if (err.error != QJsonParseError::NoError || !doc.isObject())
        co_return malformed(name(), QStringLiteral("not JSON (%1 at offset %2)").arg(err.errorString()).arg(err.offset), o.body, secret);
    const QJsonObject answer = doc.object();
    const QString listKey = request.kind == TaskKind::Embedding ? QStringLiteral("data") : QStringLiteral("choices");
    if (!answer.value(listKey).isArray())
        co_return malformed(name(), QStringLiteral("no \"%1\" array").arg(listKey), o.body, secret);
    Usage usage;
    readOpenAiUsage(answer.value(QLatin1String("usage")).toObject(), &usage);
    co_return CallResult::success(redactSecretBytes(o.body, secret), usage);
}

} // namespace llmsched
