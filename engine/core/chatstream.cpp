#include "chatstream.h"

#include <QJsonArray>
#include <QJsonDocument>

namespace llmsched {

QByteArray ChatStreamTranslator::chunk(const QByteArray& chatChunk)
{
    const QJsonObject o = QJsonDocument::fromJson(chatChunk).object();
    for (const QJsonValue& cv : o.value(QLatin1String("choices")).toArray()) {
        const QJsonObject choice = cv.toObject();
        if (choice.value(QLatin1String("index")).toInt() != 0)
            continue;
        const QJsonObject delta = choice.value(QLatin1String("delta")).toObject();
        const QString content = delta.value(QLatin1String("content")).toString();
        if (!content.isEmpty())
            text(content);
        for (const QJsonValue& tv : delta.value(QLatin1String("tool_calls")).toArray()) {
            const QJsonObject call = tv.toObject();
            const QJsonObject function = call.value(QLatin1String("function")).toObject();
            tool(call.value(QLatin1String("index")).toInt(), call.value(QLatin1String("id")).toString(),
                function.value(QLatin1String("name")).toString(), function.value(QLatin1String("arguments")).toString());
        }
    }
    return takeOutput();
}

QByteArray ChatStreamTranslator::finish(const QByteArray& completion)
{
    const QJsonObject o = QJsonDocument::fromJson(completion).object();
    const QJsonObject message = o.value(QLatin1String("choices")).toArray().at(0).toObject().value(QLatin1String("message")).toObject();
    // What only the whole answer holds: all of it when nothing was streamed,
    // or the tool calls an upstream gave only at the end.
    const QString content = message.value(QLatin1String("content")).toString();
    if (!m_streamedText && m_toolsOpened == 0 && !content.isEmpty())
        text(content);
    const QJsonArray calls = message.value(QLatin1String("tool_calls")).toArray();
    for (qsizetype i = m_toolsOpened; i < calls.size(); ++i) {
        const QJsonObject call = calls.at(i).toObject();
        const QJsonObject function = call.value(QLatin1String("function")).toObject();
        tool(static_cast<int>(i) + 1000, call.value(QLatin1String("id")).toString(), function.value(QLatin1String("name")).toString(),
            function.value(QLatin1String("arguments")).toString());
    }
    closeOpen();
    end(o);
    return takeOutput();
}

void ChatStreamTranslator::text(const QString& piece)
{
    if (m_open != Block::Text) {
        closeOpen();
        m_open = Block::Text;
        m_text.clear();
        openText();
    }
    m_streamedText = true;
    m_text += piece;
    textDelta(piece);
}

void ChatStreamTranslator::tool(int index, const QString& callId, const QString& name, const QString& arguments)
{
    if (m_open != Block::Tool || index != m_toolIndex) {
        closeOpen();
        m_open = Block::Tool;
        m_toolIndex = index;
        ++m_toolsOpened;
        m_toolId = callId;
        m_toolName = name;
        m_toolArguments.clear();
        openTool(callId, name);
    }
    if (!arguments.isEmpty()) {
        m_toolArguments += arguments;
        toolDelta(arguments);
    }
}

void ChatStreamTranslator::closeOpen()
{
    if (m_open == Block::Text)
        closeText(m_text);
    else if (m_open == Block::Tool)
        closeTool(m_toolId, m_toolName, m_toolArguments);
    if (m_open != Block::None)
        ++m_blocksClosed;
    m_open = Block::None;
}

void ChatStreamTranslator::emitEvent(const QString& name, const QJsonObject& data)
{
    m_out += "event: " + name.toUtf8() + "\ndata: " + QJsonDocument(data).toJson(QJsonDocument::Compact) + "\n\n";
}

QByteArray ChatStreamTranslator::takeOutput()
{
    QByteArray out;
    out.swap(m_out);
    return out;
}

} // namespace llmsched
