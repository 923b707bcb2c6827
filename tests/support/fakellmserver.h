#pragma once

// An in-process fake LLM server for tests and benchmarks: HTTP/1.1 over a real
// QTcpServer on 127.0.0.1, speaking the OpenAI-compatible and Anthropic dialects
// (and a generic echo for anything else), with fault injection per request.

#include <QByteArray>
#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QPair>
#include <QString>

#include <functional>
#include <memory>

namespace llmsched::test {

// One request as the server received it.
struct FakeRequest
{
    QByteArray method; // "POST"
    QByteArray path; // "/v1/chat/completions" (query string included when sent)
    QHash<QByteArray, QByteArray> headers; // names lower-cased
    QByteArray body;
    QJsonObject json; // the body when it is a JSON object, else empty
    qint64 receivedMs = 0; // QDateTime::currentMSecsSinceEpoch() when the request was complete
    quint64 connectionId = 0; // 1, 2, ... in order of accept
    int index = 0; // 0-based order of arrival over the server's life (or since clear())
};

// What to do with one request.
struct FakeReply
{
    enum class Action {
        Respond, // answer normally (status, headers, body or the generated body)
        Reset, // abort the TCP connection (RST) without answering, after delayMs
        Hang, // never answer; keep the connection open until the client gives up
        CloseMidBody, // send the status line, headers and half of the body, then close
    };
    Action action = Action::Respond;
    int status = 200;
    qint64 delayMs = 0; // before anything is written
    QList<QPair<QByteArray, QByteArray>> headers; // extra response headers, e.g. {"Retry-After", "2"}
    QByteArray body; // when non-empty, sent as-is (Content-Type application/json) instead of a generated body
    bool malformed = false; // status 200 with a truncated JSON body such as {"choices": [{"mess

    // Generated answers (used when body is empty).
    QString text = QStringLiteral("Hello from the fake server."); // assistant content
    int promptTokens = 10; // usage reported
    int completionTokens = 20;

    // Tool calls of a chat answer (after its text; finish_reason "tool_calls").
    // Streamed as OpenAI does: a first chunk with id and name, then the
    // arguments in three pieces.
    struct ToolCall
    {
        QString id;
        QString name;
        QString arguments;
    };
    QList<ToolCall> toolCalls;

    // Streaming: used when the request JSON has "stream": true.
    int chunkBytes = 0; // > 0: cut the SSE byte stream into pieces of this size, regardless of event boundaries
    qint64 chunkDelayMs = 0; // pause between pieces (or between events when chunkBytes is 0)
};

class FakeLlmServer final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(FakeLlmServer)

public:
    using Handler = std::function<FakeReply(const FakeRequest&)>;

    explicit FakeLlmServer(QObject* parent = nullptr);
    ~FakeLlmServer() override;

    // Listens on 127.0.0.1; port 0 picks a free one.
    bool listen(quint16 port = 0);
    quint16 port() const;
    // "http://127.0.0.1:<port>"
    QString baseUrl() const;

    // Decides each reply; without a handler every request gets defaultReply().
    void setHandler(Handler handler);
    void setDefaultReply(const FakeReply& reply);
    const FakeReply& defaultReply() const;

    // Whether to keep the requests (tests) or only count them (benchmarks).
    void setRecordRequests(bool record);
    QList<FakeRequest> requests() const;
    void clear(); // forgets recorded requests and resets every counter

    int requestCount() const; // requests received
    int repliesCompleted() const; // replies fully written
    int inflight() const; // received and not yet answered, reset or abandoned
    int maxInflight() const; // the highest inflight() seen
    int clientAborts() const; // connections the client closed while a reply was pending or being written
    int connectionsAccepted() const;
    int openConnections() const;

signals:
    void requestReceived(int index);
    void clientAborted();

private:
    class Private;
    std::unique_ptr<Private> d;
};

} // namespace llmsched::test
