#pragma once

#include "chatstream.h"
#include "result.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QString>

namespace llmsched::responses {

// OpenAI's Responses API in terms of the chat completions input every task
// runs on, so a Responses client can call any model (the Anthropic provider
// turns the chat input into a Messages call; the others send it as is).

// A Responses request (POST /v1/responses) -> a chat completions input, or
// what is wrong with it (field, message). Translated: input (a string, or
// message / function_call / function_call_output items with input_text,
// output_text and input_image parts), instructions (a system message first),
// max_output_tokens, temperature, top_p, tools (function tools),
// tool_choice, parallel_tool_calls, text.format (response_format),
// reasoning.effort, user, stream. `earlier` is the conversation a
// previous_response_id names (conversationOf), put before the new input.
Result<QJsonObject> chatRequestFrom(const QJsonObject& request, const QJsonArray& earlier = {});

// The settings of a request that its Response objects repeat, with the
// defaults OpenAI fills in (instructions, max_output_tokens, metadata,
// temperature, top_p, tool_choice, parallel_tool_calls, text, reasoning,
// previous_response_id, store, background, truncation, user). Without tools:
// toolsOf() reads them back from the chat input.
QJsonObject settingsFrom(const QJsonObject& request);
// A chat input's function tools as Responses tools.
QJsonArray toolsOf(const QJsonObject& chatInput);

// A Response object without output: id, object, created_at (seconds), model,
// status, the settings, output [], usage null, error null.
QJsonObject shell(
    const QString& id, qint64 createdAtSeconds, const QString& model, const QString& status, const QJsonObject& settings, const QJsonArray& tools);
// A finished Response: the shell with the completion's output items (a
// message with output_text, then one function_call per tool call), status
// completed (or incomplete, with incomplete_details, when the answer was cut
// short) and usage. Item ids derive from the response id.
QJsonObject completed(QJsonObject response, const QJsonObject& completion);
// A failed Response: status failed, error {code, message}.
QJsonObject failed(QJsonObject response, const QString& code, const QString& message);

// The chat messages of a finished call, its answer included and its system
// messages left out (instructions do not carry over), to continue from.
QJsonArray conversationOf(const QJsonObject& chatInput, const QJsonObject& completion);

// A streamed chat answer as a Responses event stream: response.created,
// response.in_progress, then per item response.output_item.added,
// (response.content_part.added, response.output_text.delta ...,
// response.output_text.done, response.content_part.done) or
// (response.function_call_arguments.delta ..., .done),
// response.output_item.done, and at the end response.completed (or
// response.incomplete) with usage; a failure is response.failed. Every event
// carries its sequence_number.
class ResponseStream final : public ChatStreamTranslator
{
public:
    explicit ResponseStream(QJsonObject response); // a shell
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
    void event(const QString& type, QJsonObject data);

    QJsonObject m_response;
    QJsonArray m_output;
    int m_sequence = 0;
};

} // namespace llmsched::responses
