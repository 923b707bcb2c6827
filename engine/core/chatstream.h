#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QString>

namespace llmsched {

// Turns a chat completions answer, streamed as chat.completion.chunk objects
// or given whole, into the event stream of another API (Anthropic Messages,
// OpenAI Responses). The chunks are read as a sequence of blocks: text, then
// tool calls one after the other, as every OpenAI-compatible server sends
// them. The subclass says what each step looks like on its wire.
//
// Use: start() once, chunk() for every upstream chunk (possibly none), then
// finish() with the assembled completion, or fail(). finish() fills in what
// the chunks did not carry (an upstream that answered without streaming, or
// tool calls that only the final answer holds), so the events always add up
// to the same answer the non-streaming call returns. Only the first choice is
// read: neither API has more than one.
class ChatStreamTranslator
{
public:
    virtual ~ChatStreamTranslator() = default;

    virtual QByteArray start() = 0;
    QByteArray chunk(const QByteArray& chatChunk);
    QByteArray finish(const QByteArray& completion);
    // The call failed: the error event of this API, and the stream's end.
    virtual QByteArray fail(int httpStatus, const QString& message) = 0;

protected:
    virtual void openText() = 0;
    virtual void textDelta(const QString& text) = 0;
    virtual void closeText(const QString& text) = 0; // the block's whole text
    virtual void openTool(const QString& callId, const QString& name) = 0;
    virtual void toolDelta(const QString& arguments) = 0;
    virtual void closeTool(const QString& callId, const QString& name, const QString& arguments) = 0;
    // After the last block: finish_reason and usage come from the completion.
    virtual void end(const QJsonObject& completion) = 0;

    // One server-sent event with a name (both APIs name theirs).
    void emitEvent(const QString& name, const QJsonObject& data);
    QByteArray takeOutput();

    int blocksClosed() const { return m_blocksClosed; }

private:
    enum class Block { None, Text, Tool };
    void closeOpen();
    void text(const QString& piece);
    void tool(int index, const QString& callId, const QString& name, const QString& arguments);

    QByteArray m_out;
    Block m_open = Block::None;
    QString m_text; // of the open text block
    bool m_streamedText = false;
    int m_toolIndex = -1; // the open tool call's index in the chat answer
    int m_toolsOpened = 0;
    QString m_toolId, m_toolName, m_toolArguments;
    int m_blocksClosed = 0;
};

} // namespace llmsched
