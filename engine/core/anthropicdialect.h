#pragma once

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

} // namespace llmsched::anthropic
