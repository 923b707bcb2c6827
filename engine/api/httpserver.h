#pragma once

#include "core/result.h"

#include <QByteArray>
#include <QElapsedTimer>
#include <QHash>
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
    void send(
        int status, const QByteArray& body, const QByteArray& contentType = QByteArrayLiteral("application/json"), const HttpHeaders& extra = {});
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
    bool m_head = false; // answers a HEAD request: the head only (RFC 9110 9.3.2)
};

// A small HTTP/1.1 server on QTcpServer (or QSslServer): keep-alive, one
// request at a time per connection (pipelined requests wait their turn),
// Expect: 100-continue, bodies limited before they are read (413), header
// size limit (431), strict RFC 9112 framing, chunked streaming responses, and
// a disconnect callback so an abandoned call can be cancelled.
//
// Hostile clients cost bounded memory: a connection reads only while none of
// its requests is being answered and while its unsent answers stay below
// kMaxQueuedOutputBytes; it never buffers more than one head or one body (plus
// a read chunk); a streamed answer whose client stops reading is dropped past
// kMaxStreamBacklogBytes; connections are capped in all and per client
// address, and the cap stays below the process's open-file limit.
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
    static constexpr qint64 kReadChunkBytes = 64 * 1024; // also the cap of Qt's socket read buffer
    static constexpr qint64 kMaxQueuedOutputBytes = 1024 * 1024; // stop parsing pipelined requests above this
    static constexpr qint64 kMaxStreamBacklogBytes = 8 * 1024 * 1024; // a stream's client is dropped above this
    // File descriptors kept for everything but clients: the store, logs,
    // upstream connections, the keychain.
    static constexpr int kReservedFileDescriptors = 256;
    static constexpr int kDefaultMaxConnectionsPerAddress = 512;

    // What the server has refused or dropped, and the most it ever buffered
    // for one connection (a regression check for hostile clients; /metrics).
    struct Stats
    {
        qint64 refusedOverLimit = 0; // beyond maxConnections
        qint64 refusedPerAddress = 0; // beyond maxConnectionsPerAddress
        qint64 acceptErrors = 0; // accept() failed (e.g. out of file descriptors)
        qint64 slowClientsDropped = 0; // stopped reading their answers
        qint64 peakInputBytes = 0; // buffered unread request bytes of one connection
        qint64 peakOutputBytes = 0; // unsent answer bytes of one connection
    };

    explicit HttpServer(QObject* parent = nullptr);
    ~HttpServer() override;

    void setHandler(Handler handler) { m_handler = std::move(handler); }
    void setMaxBodyBytes(qint64 bytes) { m_maxBodyBytes = bytes; }
    qint64 maxBodyBytes() const { return m_maxBodyBytes; }
    // A larger (or smaller) limit for the bodies of one method and path (file uploads).
    void setBodyLimit(const QByteArray& method, const QString& path, qint64 bytes) { m_bodyLimits.insert(method + ' ' + path.toUtf8(), bytes); }
    qint64 bodyLimitFor(const QByteArray& method, const QString& path) const
    {
        return m_bodyLimits.isEmpty() ? m_maxBodyBytes : m_bodyLimits.value(method + ' ' + path.toUtf8(), m_maxBodyBytes);
    }
    // Connections beyond maxConnections (or beyond maxPerAddress from one
    // client address) get a 503 and are closed. maxConnections is lowered to
    // fit the open-file limit. A keep-alive connection with no request for
    // idleTimeoutMs is closed; a request whose head and body have not all
    // arrived within requestTimeoutMs of its first byte gets a 408, and a
    // client that reads none of its pending answers for as long is dropped
    // (slow or stalled clients must not hold a connection forever). Requests
    // being answered or streamed are never timed out here.
    void setLimits(int maxConnections, int idleTimeoutMs, int requestTimeoutMs, int maxPerAddress = kDefaultMaxConnectionsPerAddress);
    int maxConnections() const { return m_maxConnections; }
    int maxConnectionsPerAddress() const { return m_maxPerAddress; }
    // TLS when both paths are given (PEM).
    Result<quint16> listen(const QHostAddress& address, quint16 port, const QString& certificatePath = {}, const QString& keyPath = {});
    quint16 port() const;
    int openConnections() const { return m_connections; }
    const Stats& stats() const { return m_stats; }

    static QByteArray reasonPhrase(int status);
    // The number of client connections the open-file limit leaves room for.
    static int connectionsAllowedByFileLimit();

private:
    friend class HttpConnection;
    void applyConnectionLimits();
    void accept();
    void onAcceptError();
    void refuse(QTcpSocket* socket, const QByteArray& message);
    void sweep();
    void countIn(const QHostAddress& address);
    void countOut(const QHostAddress& address);
    void notePeakInput(qint64 bytes) { m_stats.peakInputBytes = std::max(m_stats.peakInputBytes, bytes); }
    void notePeakOutput(qint64 bytes) { m_stats.peakOutputBytes = std::max(m_stats.peakOutputBytes, bytes); }

    QTcpServer* m_server = nullptr;
    Handler m_handler;
    qint64 m_maxBodyBytes = 16LL * 1024 * 1024;
    QHash<QByteArray, qint64> m_bodyLimits; // "METHOD /path" -> bytes
    int m_connections = 0;
    QHash<QHostAddress, int> m_perAddress;
    int m_requestedMaxConnections = 4096;
    int m_requestedMaxPerAddress = kDefaultMaxConnectionsPerAddress;
    int m_maxConnections = 4096; // the requested ones, within the open-file limit
    int m_maxPerAddress = kDefaultMaxConnectionsPerAddress;
    int m_idleTimeoutMs = 75'000;
    int m_requestTimeoutMs = 30'000;
    int m_acceptBackoffMs = 0;
    qint64 m_acceptErrorWarnedMs = -1;
    Stats m_stats;
    QElapsedTimer m_clock;
    QTimer* m_sweepTimer = nullptr;
};

} // namespace llmsched
