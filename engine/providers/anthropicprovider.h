#pragma once

#include "httpproviderbase.h"

#include <QJsonObject>

namespace llmsched {

// Anthropic Messages API (POST {base_url}/v1/messages, x-api-key,
// anthropic-version). Tasks are written once in the OpenAI chat shape and
// translated: system messages become "system", max_tokens/max_completion_tokens
// map to max_tokens (default_max_tokens when absent), stop to stop_sequences;
// Anthropic-only fields (system, top_k, tools, tool_choice, metadata,
// stop_sequences, thinking) pass through. Answers come back in the OpenAI
// chat.completion shape, usage as prompt/completion tokens, so a model may mix
// OpenAI and Anthropic endpoints. Streaming deltas are OpenAI-style chunks.
class AnthropicProvider final : public HttpProviderBase
{
public:
    using HttpProviderBase::HttpProviderBase;
    QCoro::Task<CallResult> call(CallRequest request, std::shared_ptr<CallControl> control) override;

    // Exposed for unit tests.
    static QJsonObject translateRequest(const QJsonObject& openAi, TaskKind kind, const QString& model, int defaultMaxTokens);
    static QJsonObject translateResponse(const QJsonObject& message);

protected:
    HeaderList authHeaders(const QByteArray& key) const override;
    QUrl healthUrl() const override;

private:
    QUrl messagesUrl() const;
};

} // namespace llmsched
