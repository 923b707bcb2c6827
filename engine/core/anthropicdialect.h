#pragma once

#include "chatstream.h"
#include "result.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QString>

namespace llmsched::anthropic {

// Anthropic's Messages API in terms of the chat completions input every task
// runs on (the Anthropic provider turns that back into a Messages call; the
// others send it as is), so a Messages client can call any model.

// A Messages request (POST /v1/messages) -> a chat completions input, or
// what is wrong with it (field, message) as Anthropic's API would say.
// Translated: system, messages with text, image, tool_use and tool_result
// blocks, max_tokens, stop_sequences, temperature, top_p, tools,
// tool_choice, metadata.user_id, stream. Dropped: top_k (OpenAI refuses it)
// and thinking blocks of earlier turns.
Result<QJsonObject> chatRequestFrom(const QJsonObject& request);

// A chat completion (a task's output) -> a Message, named for `model`.
QJsonObject messageFrom(const QJsonObject& completion, const QString& model);

// An assistant's chat tool_calls -> Anthropic tool_use blocks (also what the
// Anthropic provider sends for an earlier turn's calls).
QJsonArray toolUseBlocks(const QJsonArray& toolCalls);

// finish_reason -> stop_reason.
QString stopReasonFrom(const QString& finishReason);

// The error type Anthropic's API names for an HTTP status
// (invalid_request_error, authentication_error, ..., overloaded_error).
QString errorTypeFor(int httpStatus);
// {"type": "error", "error": {"type", "message"}}
QJsonObject errorBody(int httpStatus, const QString& message);

// A streamed chat answer as a Messages event stream: message_start, then per
// block content_block_start, content_block_delta (text_delta or
// input_json_delta) ..., content_block_stop, then message_delta (stop_reason,
// usage) and message_stop; a failure is an `error` event.
class MessageStream final : public ChatStreamTranslator
{
public:
    MessageStream(QString id, QString model);
    QByteArray start() override;
    QByteArray fail(int httpStatus, const QString& message) override;

protected:
    void openText() override;
    void textDelta(const QString& text) override;
    void closeText(const QString& text) override;
    void openTool(const QString& callId, const QString& name) override;
    void toolDelta(const QString& arguments) override;
    void closeTool(const QString& callId, const QString& name, const QString& arguments) override;
    void end(const QJsonObject& completion) override;

private:
    void delta(const QJsonObject& delta);
    void stop();

    QString m_id;
    QString m_model;
};

} // namespace llmsched::anthropic
