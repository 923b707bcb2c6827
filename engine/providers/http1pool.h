#pragma once

#include <QByteArray>
#include <QHash>
#include <QHostAddress>
#include <QList>
#include <QObject>
#include <QPair>
#include <QString>
#include <QTimer>

#include <functional>
#include <memory>
#include <vector>

class QTcpSocket;

namespace llmsched {

class Http1Connection;

// One request/response over a pooled connection. The pool calls back on the
// engine thread: onHeaders once, onData for each piece of the decoded body,
// then finished() exactly once.
class Http1Call final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(Http1Call)

public:
    Http1Call() = default;
    ~Http1Call() override;

    // Request
    QByteArray method;
    QString host;
    QHostAddress address; // when set, connect here instead of resolving host (sent as Host)
    quint16 port = 80;
    QByteArray target; // path and query
    QList<QPair<QByteArray, QByteArray>> headers;
    QByteArray body;

    // Response
    int status = 0;
    QList<QPair<QByteArray, QByteArray>> responseHeaders;
    bool done = false;
    bool failed = false;
    bool connectFailed = false; // never connected (refused, unreachable)
    QString error;

    std::function<void(Http1Call&)> onHeaders;
    std::function<void(Http1Call&, const QByteArray&)> onData;

    // Stops the exchange: the connection is closed (never reused); finished() follows.
    void abort();

signals:
    void finished();

private:
    friend class Http1Connection;
    friend class Http1Pool;
    void finish(bool ok, const QString& why = {});
    Http1Connection* m_connection = nullptr;
    int m_sendAttempts = 0;
};

// A keep-alive HTTP/1.1 client for cleartext origins, on the engine thread
// without any thread hops: every call gets an idle connection to its origin or
// a new one, so thousands of calls can be in flight to one local server
// (vLLM, Ollama, llama.cpp, LM Studio). A request that meets a connection the
// server closed while it sat idle is sent once more on a fresh one.
// QNetworkAccessManager keeps serving https (TLS, HTTP/2, proxies).
class Http1Pool final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(Http1Pool)

public:
    static constexpr int kIdleTimeoutMs = 30'000;
    static constexpr qsizetype kMaxHeaderBytes = 64 * 1024;

    explicit Http1Pool(QObject* parent = nullptr);
    ~Http1Pool() override;

    void send(const std::shared_ptr<Http1Call>& call);

    int openConnections() const { return static_cast<int>(m_all.size()); }
    int idleConnections() const;

private:
    friend class Http1Connection;
    void release(Http1Connection* c, bool reusable);
    void closeIdle();
    static QString originKey(const QString& host, quint16 port, const QHostAddress& address);

    QHash<QString, std::vector<Http1Connection*>> m_idle; // LIFO: warm connections first
    std::vector<std::unique_ptr<Http1Connection>> m_all;
    std::vector<std::unique_ptr<Http1Connection>> m_dead; // closed; deleted once the event that closed them is over
    QTimer m_idleTimer;
    QTimer m_reaper;
};

} // namespace llmsched
