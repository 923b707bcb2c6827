#pragma once

#include "core/result.h"

#include <QByteArray>
#include <QElapsedTimer>
#include <QHostAddress>
#include <QList>
#include <QObject>
#include <QPair>
#include <QPointer>
#include <QString>
#include <QTimer>
#include <QUrlQuery>

#include <functional>
#include <memory>

class QTcpServer;
class QTcpSocket;

namespace llmsched {

using HttpHeaders = QList<QPair<QByteArray, QByteArray>>;

struct HttpRequest
{
    QByteArray method; // upper case
    QString path; // percent-encoded, no query (decode per segment)
    QUrlQuery query;
    HttpHeaders headers; // names lower-cased
    QByteArray body;
    QHostAddress remote;
    QByteArray header(const QByteArray& lowerName) const;
};

class HttpConnection;

// Answers one request. Valid after the handler returns (answers may come from
// a future); writing after the client left does nothing. Either send() once,
// or beginStream(), write()..., end().
class HttpReply
{
public:
    explicit HttpReply(HttpConnection* connection);
    ~HttpReply();

    bool connected() const;
    bool answered() const { return m_state != State::Pending; }
    int status() const { return m_status; }
    void send(int status, const QByteArray& body, const QByteArray& contentType = QByteArrayLiteral("application/json"),
        const HttpHeaders& extra = {});
    // A chunked response of unknown length (server-sent events).
    void beginStream(int status, const QByteArray& contentType, const HttpHeaders& extra = {});
    void write(const QByteArray& piece);
    void end();
    // Called once if the client disconnects before end()/send().
    void onDisconnect(std::function<void()> callback) { m_onDisconnect = std::move(callback); }

private:
    friend class HttpConnection;
    enum class State { Pending, Streaming, Done };
    void clientLeft();
    QPointer<HttpConnection> m_connection;
    std::function<void()> m_onDisconnect;
    State m_state = State::Pending;
    int m_status = 0;
};

// A small HTTP/1.1 server on QTcpServer (or QSslServer): keep-alive, one
// request at a time per connection (pipelined requests wait their turn),
// Expect: 100-continue, bodies limited before they are read (413), header
// size limit (431), chunked streaming responses, and a disconnect callback so
// an abandoned call can be cancelled.
//
// Why not Qt HttpServer 6.4: a technical preview that reads whole bodies
// before any check, has no way to learn that the client left while an answer
// is pending (its responder keeps a raw socket pointer), and no tested
// streaming path; the engine needs all three.
class HttpServer final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(HttpServer)

public:
    using Handler = std::function<void(HttpRequest request, std::shared_ptr<HttpReply> reply)>;
    static constexpr qsizetype kMaxHeaderBytes = 64 * 1024;

    explicit HttpServer(QObject* parent = nullptr);
    ~HttpServer() override;

    void setHandler(Handler handler) { m_handler = std::move(handler); }
    void setMaxBodyBytes(qint64 bytes) { m_maxBodyBytes = bytes; }
    qint64 maxBodyBytes() const { return m_maxBodyBytes; }
    // Connections beyond maxConnections get a 503 and are closed. A keep-alive
    // connection with no request for idleTimeoutMs is closed; a request whose
    // head and body have not all arrived within requestTimeoutMs of its first
    // byte gets a 408 (slow or stalled clients must not hold a connection
    // forever). Requests being answered or streamed are never timed out here.
    void setLimits(int maxConnections, int idleTimeoutMs, int requestTimeoutMs);
    // TLS when both paths are given (PEM).
    Result<quint16> listen(const QHostAddress& address, quint16 port, const QString& certificatePath = {}, const QString& keyPath = {});
    quint16 port() const;
    int openConnections() const { return m_connections; }

    static QByteArray reasonPhrase(int status);

private:
    friend class HttpConnection;
    void accept();
    void sweep();

    QTcpServer* m_server = nullptr;
    Handler m_handler;
    qint64 m_maxBodyBytes = 16LL * 1024 * 1024;
    int m_connections = 0;
    int m_maxConnections = 4096;
    int m_idleTimeoutMs = 75'000;
    int m_requestTimeoutMs = 30'000;
    QElapsedTimer m_clock;
    QTimer* m_sweepTimer = nullptr;
};

} // namespace llmsched
