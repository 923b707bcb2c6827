#pragma once

#include "httpproviderbase.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QMap>

namespace llmsched {

// Collects OpenAI chat/completion stream chunks into the answer a
// non-streaming call would have returned (content, tool calls, finish reason,
// usage from the include_usage chunk).
class OpenAiStreamAssembler
{
public:
    explicit OpenAiStreamAssembler(TaskKind kind)
        : m_kind(kind)
    {
    }
    // Returns false with *error set when a chunk is not valid JSON.
    bool add(const QByteArray& data, QString* error);
    bool done() const { return m_done; }
    bool sawChunk() const { return m_chunks > 0; }
    Usage usage() const { return m_usage; }
    bool hasUsage() const { return m_hasUsage; }
    QByteArray result() const;

private:
    struct Choice
    {
        QString role;
        QString content;
        QJsonValue finishReason;
        QMap<int, QJsonObject> toolCalls; // by index; function.arguments appended
    };
    TaskKind m_kind;
    QString m_id;
    QString m_model;
    qint64 m_created = 0;
    QMap<int, Choice> m_choices;
    Usage m_usage;
    bool m_hasUsage = false;
    bool m_done = false;
    int m_chunks = 0;
};

// OpenAI-compatible servers: OpenAI, vLLM, Ollama, llama.cpp server, LM Studio.
// base_url includes the version path (https://api.openai.com/v1,
// http://127.0.0.1:11434/v1); the task input is the request body, with
// "model" set to the endpoint's upstream model. A task asking for
// "stream": true is streamed (deltas go to CallControl::delta) and stored as
// the assembled answer; usage is requested with stream_options.include_usage.
class OpenAiProvider final : public HttpProviderBase
{
public:
    using HttpProviderBase::HttpProviderBase;
    QCoro::Task<CallResult> call(CallRequest request, std::shared_ptr<CallControl> control) override;

protected:
    HeaderList authHeaders(const QByteArray& key) const override;
    QUrl healthUrl() const override;
};

// Reads an OpenAI usage object; false when there is none.
bool readOpenAiUsage(const QJsonObject& usage, Usage* out);

} // namespace llmsched
