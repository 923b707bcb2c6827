#include "httpserver.h"

#include "core/filelimit.h"
#include "core/httpheaders.h"
#include "core/logging.h"

#include <QFile>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QSslKey>
#include <QSslServer>
#include <QSslSocket>
#include <QTcpServer>
#include <QTcpSocket>
#include <QUrl>

#include <algorithm>
#include <limits>
#include <optional>

namespace llmsched {

QByteArray HttpRequest::header(const QByteArray& lowerName) const
{
    for (const auto& [name, value] : headers)
        if (name == lowerName)
            return value;
    return {};
}

namespace {
using httpheaders::isFieldValue;
using httpheaders::isToken;

// 1*DIGIT, nothing else (no sign, no spaces), within qint64.
std::optional<qint64> parseContentLength(QByteArrayView s)
{
    if (s.isEmpty() || s.size() > 18 || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return std::nullopt;
    qint64 v = 0;
    for (char c : s)
        v = v * 10 + (c - '0');
    return v;
}

} // namespace

// One client connection: parses requests and writes replies, in order, on
// the server's thread. What it holds is bounded whatever the client does:
// it reads only while no request of its own is being answered and its unsent
// answers are below kMaxQueuedOutputBytes, and never more than one head
// (kMaxHeaderBytes) or one body (the server's body limit) plus a read chunk.
// Unread bytes stay in the socket (Qt's read buffer is capped), so TCP flow
// control stops a client that sends faster than it is answered.
class HttpConnection final : public QObject
{
    Q_OBJECT

public:
    HttpConnection(HttpServer* server, QTcpSocket* socket)
        : QObject(server)
        , m_server(server)
        , m_socket(socket)
        , m_remote(socket->peerAddress())
    {
        socket->setParent(this);
        socket->setReadBufferSize(HttpServer::kReadChunkBytes);
        m_server->countIn(m_remote);
        m_lastActivityMs = m_server->m_clock.elapsed();
        connect(socket, &QTcpSocket::readyRead, this, &HttpConnection::onReadyRead);
        connect(socket, &QTcpSocket::bytesWritten, this, &HttpConnection::onBytesWritten);
        connect(socket, &QTcpSocket::disconnected, this, &HttpConnection::onDisconnected);
    }
    ~HttpConnection() override { m_server->countOut(m_remote); }

    bool isOpen() const { return !m_gone; }

    void write(const QByteArray& bytes)
    {
        if (m_gone)
            return;
        if (m_socket->bytesToWrite() == 0)
            m_lastWriteProgressMs = m_server->m_clock.elapsed(); // the stall clock starts with the first unsent byte
        m_socket->write(bytes);
        m_server->notePeakOutput(m_socket->bytesToWrite());
    }

    // A piece of a streamed answer. A client that does not read its stream
    // would make the server hold every event: past kMaxStreamBacklogBytes of
    // unsent bytes it is disconnected (event-stream clients reconnect).
    void writeStreamed(const QByteArray& bytes)
    {
        if (m_gone || m_closing)
            return;
        if (m_socket->bytesToWrite() + bytes.size() > HttpServer::kMaxStreamBacklogBytes) {
            ++m_server->m_stats.slowClientsDropped;
            m_closing = true;
            m_socket->abort(); // unsent bytes are dropped; disconnected() follows
            return;
        }
        write(bytes);
    }

    // The current reply is complete: close or read the next request.
    void finished(bool close)
    {
        m_current.reset();
        m_busy = false;
        m_lastActivityMs = m_server->m_clock.elapsed();
        if (close || m_closeAfter) {
            closeSoon();
            return;
        }
        // A pipelined request may already be buffered, here or in the socket.
        // Queued: the handler that answered may still be on the stack.
        if (!m_buffer.isEmpty() || m_socket->bytesAvailable() > 0)
            QMetaObject::invokeMethod(this, &HttpConnection::pump, Qt::QueuedConnection);
    }

    // Called about once a second by the server.
    void checkTimeouts(qint64 nowMs)
    {
        if (m_gone)
            return;
        // Answers the client does not read: it is not reading at all.
        if (m_socket->bytesToWrite() > 0 && nowMs - m_lastWriteProgressMs >= m_server->m_requestTimeoutMs) {
            ++m_server->m_stats.slowClientsDropped;
            m_closing = true;
            m_socket->abort();
            return;
        }
        if (m_busy || m_closing)
            return;
        const bool partial = m_haveHead || !m_buffer.isEmpty();
        if (partial && nowMs - m_requestStartMs >= m_server->m_requestTimeoutMs)
            reject(408, "the request did not arrive in time");
        else if (!partial && nowMs - m_lastActivityMs >= m_server->m_idleTimeoutMs)
            closeSoon();
    }

private:
    void onReadyRead()
    {
        m_lastActivityMs = m_server->m_clock.elapsed();
        pump();
    }

    void onBytesWritten()
    {
        m_lastWriteProgressMs = m_server->m_clock.elapsed();
        if (m_waitingForDrain && m_socket->bytesToWrite() <= HttpServer::kMaxQueuedOutputBytes / 2) {
            m_waitingForDrain = false;
            pump();
        }
    }

    // Reads and parses until a request is being handled, the client's unsent
    // answers pile up, or the socket has nothing more.
    void pump()
    {
        while (!m_gone && !m_closing && !m_busy) {
            if (m_socket->bytesToWrite() > HttpServer::kMaxQueuedOutputBytes) {
                m_waitingForDrain = true; // onBytesWritten resumes
                return;
            }
            if (parse())
                continue; // dispatched (or rejected): the loop re-checks
            if (!readMore())
                return;
        }
    }

    // Straight into the connection's buffer, which keeps its capacity, but
    // never past what the request being parsed may need.
    bool readMore()
    {
        const qint64 available = m_socket->bytesAvailable();
        if (available <= 0)
            return false;
        const qint64 room = m_haveHead ? std::max<qint64>(m_contentLength - m_buffer.size(), HttpServer::kReadChunkBytes)
                                       : HttpServer::kMaxHeaderBytes + 4 - m_buffer.size();
        if (room <= 0)
            return false; // parse() has answered 431 already
        if (m_buffer.isEmpty() && !m_haveHead)
            m_requestStartMs = m_server->m_clock.elapsed(); // the first byte of a request
        const qint64 want = std::min(available, room);
        const qsizetype at = m_buffer.size();
        m_buffer.resize(at + want);
        const qint64 got = m_socket->read(m_buffer.data() + at, want);
        m_buffer.resize(at + std::max<qint64>(got, 0));
        m_server->notePeakInput(m_buffer.size() + m_socket->bytesAvailable());
        return got > 0;
    }

    // Returns true when it dispatched a request or rejected the connection;
    // false when it needs more bytes.
    bool parse()
    {
        if (!m_haveHead) {
            const qsizetype end = m_buffer.indexOf("\r\n\r\n");
            if (end > HttpServer::kMaxHeaderBytes || (end < 0 && m_buffer.size() >= HttpServer::kMaxHeaderBytes + 4)) {
                reject(431, "request headers are larger than 64 KiB");
                return true;
            }
            if (end < 0)
                return false;
            if (!parseHead(QByteArrayView(m_buffer).first(end)))
                return true;
            m_buffer.remove(0, end + 4);
            m_haveHead = true;
            if (m_expectContinue && m_contentLength > 0 && m_buffer.size() < m_contentLength)
                m_socket->write("HTTP/1.1 100 Continue\r\n\r\n");
        }
        if (m_buffer.size() < m_contentLength)
            return false;
        m_request.body = m_buffer.left(m_contentLength);
        m_buffer.remove(0, m_contentLength);
        m_haveHead = false;
        auto reply = std::make_shared<HttpReply>(this);
        reply->m_head = m_request.method == "HEAD";
        m_current = reply;
        m_busy = true;
        HttpRequest request = std::move(m_request);
        m_request = {};
        m_requestStartMs = m_server->m_clock.elapsed(); // a pipelined request already buffered starts now
        if (m_server->m_handler)
            m_server->m_handler(std::move(request), reply);
        else
            reply->send(404, QByteArrayLiteral("{}"));
        return true;
    }

    // RFC 9112 framing, strictly: a request that two parsers could read two
    // ways (behind a proxy, a smuggled request) is refused, not guessed at.
    bool parseHead(QByteArrayView head)
    {
        m_request = {};
        m_request.remote = m_remote;
        m_contentLength = 0;
        m_expectContinue = false;
        m_closeAfter = false;
        const qsizetype lineEnd = head.indexOf("\r\n");
        const QByteArrayView requestLine = lineEnd < 0 ? head : head.first(lineEnd);
        const qsizetype sp1 = requestLine.indexOf(' ');
        const qsizetype sp2 = sp1 < 0 ? -1 : requestLine.indexOf(' ', sp1 + 1);
        if (sp1 <= 0 || sp2 <= sp1 + 1 || requestLine.indexOf(' ', sp2 + 1) >= 0 || !isToken(requestLine.first(sp1))) {
            reject(400, "malformed request line");
            return false;
        }
        const QByteArrayView version = requestLine.sliced(sp2 + 1);
        const bool versionShaped = version.size() == 8 && version.startsWith("HTTP/") && std::isdigit(static_cast<unsigned char>(version[5]))
            && version[6] == '.' && std::isdigit(static_cast<unsigned char>(version[7]));
        if (!versionShaped) {
            reject(400, "malformed request line");
            return false;
        }
        if (version != "HTTP/1.1" && version != "HTTP/1.0") {
            reject(505, "only HTTP/1.1 and HTTP/1.0 are served");
            return false;
        }
        const bool http10 = version == "HTTP/1.0";
        m_closeAfter = http10;
        m_request.method = requestLine.first(sp1).toByteArray().toUpper();
        const QByteArray target = requestLine.sliced(sp1 + 1, sp2 - sp1 - 1).toByteArray();
        const QUrl url = QUrl::fromEncoded(target, QUrl::StrictMode);
        if (!url.isValid() || !target.startsWith('/') || !isFieldValue(target)) {
            reject(400, "malformed request target");
            return false;
        }
        m_request.path = url.path(QUrl::FullyEncoded); // segments are decoded by the router: names may hold '/'
        m_request.query = QUrlQuery(url);

        std::optional<qint64> contentLength;
        QList<QByteArray> codings;
        int hosts = 0;
        qsizetype from = lineEnd < 0 ? head.size() : lineEnd + 2;
        while (from < head.size()) {
            const qsizetype eol = head.sliced(from).indexOf("\r\n");
            const QByteArrayView line = eol < 0 ? head.sliced(from) : head.sliced(from, eol);
            from = eol < 0 ? head.size() : from + eol + 2;
            const qsizetype colon = line.indexOf(':');
            // No whitespace before the colon, no obsolete line folding, no bare CR or LF, no NUL.
            if (colon <= 0 || !isToken(line.first(colon))) {
                reject(400, "malformed header line");
                return false;
            }
            const QByteArrayView rawValue = line.sliced(colon + 1);
            if (!isFieldValue(rawValue)) {
                reject(400, "a header holds a control character (CR, LF and NUL are not allowed in header values)");
                return false;
            }
            const QByteArray name = line.first(colon).toByteArray().toLower();
            const QByteArray value = rawValue.trimmed().toByteArray();
            if (name == "content-length") {
                // A list of equal values is one length; anything else is two readings of one request.
                for (const QByteArray& part : value.split(',')) {
                    const auto length = parseContentLength(QByteArrayView(part).trimmed());
                    if (!length || (contentLength && *contentLength != *length)) {
                        reject(400, "malformed or conflicting Content-Length");
                        return false;
                    }
                    contentLength = length;
                }
            } else if (name == "transfer-encoding") {
                for (const QByteArray& part : value.split(','))
                    codings.append(part.trimmed().toLower());
            } else if (name == "host") {
                ++hosts;
            } else if (name == "connection") {
                const QByteArray v = value.toLower();
                if (v.contains("close"))
                    m_closeAfter = true;
                else if (v.contains("keep-alive"))
                    m_closeAfter = false;
            } else if (name == "expect") {
                m_expectContinue = !http10 && value.toLower() == "100-continue"; // HTTP/1.0: ignored (RFC 9110 10.1.1)
            }
            m_request.headers.append({ name, value });
        }
        if (!http10 && hosts != 1) {
            reject(400, "an HTTP/1.1 request has exactly one Host header");
            return false;
        }
        if (!codings.isEmpty()) {
            for (const QByteArray& coding : std::as_const(codings)) {
                if (coding != "chunked") {
                    reject(501, "unknown transfer coding '" + coding.left(64) + "'; send the body with a Content-Length");
                    return false;
                }
            }
            if (contentLength || http10) {
                reject(400, "Transfer-Encoding together with Content-Length (or in HTTP/1.0) is ambiguous");
                return false;
            }
            reject(411, "send the body with a Content-Length (chunked request bodies are not accepted)");
            return false;
        }
        m_contentLength = contentLength.value_or(0);
        if (const qint64 limit = m_server->bodyLimitFor(m_request.method, m_request.path); m_contentLength > limit) {
            reject(413, QByteArray("the body is larger than the limit of ") + QByteArray::number(limit) + " bytes");
            return false;
        }
        return true;
    }

    // Answers a request that cannot be read and closes: its body was not read.
    void reject(int status, const QByteArray& message)
    {
        static const QHash<int, QByteArray> codes = { { 400, "bad_request" }, { 408, "request_timeout" }, { 411, "length_required" },
            { 413, "payload_too_large" }, { 431, "headers_too_large" }, { 501, "not_implemented" }, { 505, "http_version_not_supported" } };
        const QByteArray body
            = "{\"error\":{\"code\":\"" + codes.value(status, "bad_request") + "\",\"message\":\"" + message + "\",\"field\":null}}";
        QByteArray out = "HTTP/1.1 " + QByteArray::number(status) + ' ' + HttpServer::reasonPhrase(status)
            + "\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\n\r\n" + body;
        write(out);
        m_buffer.clear();
        m_buffer.squeeze();
        closeSoon();
    }

    void closeSoon()
    {
        m_closing = true;
        m_socket->disconnectFromHost(); // flushes what is written first
    }

    void onDisconnected()
    {
        m_gone = true;
        if (auto r = m_current.lock())
            r->clientLeft();
        m_current.reset();
        deleteLater();
    }

    HttpServer* m_server;
    QTcpSocket* m_socket;
    const QHostAddress m_remote;
    QByteArray m_buffer;
    HttpRequest m_request;
    qint64 m_contentLength = 0;
    bool m_haveHead = false;
    bool m_expectContinue = false;
    bool m_closeAfter = false;
    bool m_closing = false;
    bool m_gone = false;
    bool m_busy = false;
    bool m_waitingForDrain = false;
    qint64 m_lastActivityMs = 0;
    qint64 m_requestStartMs = 0;
    qint64 m_lastWriteProgressMs = 0;
    std::weak_ptr<HttpReply> m_current;
};

// ---- HttpReply -------------------------------------------------------------------

HttpReply::HttpReply(HttpConnection* connection)
    : m_connection(connection)
{
}

HttpReply::~HttpReply()
{
    // Dropped without an answer (a handler bug): do not leave the client hanging.
    if (m_state == State::Pending && m_connection && m_connection->isOpen()) {
        static const QByteArray body = "{\"error\":{\"code\":\"internal\",\"message\":\"the request was dropped\",\"field\":null}}";
        m_connection->write("HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\nContent-Length: "
            + QByteArray::number(body.size()) + "\r\n\r\n" + body);
        m_connection->finished(true);
    } else if (m_state == State::Streaming && m_connection && m_connection->isOpen()) {
        end();
    }
}

bool HttpReply::connected() const
{
    return m_connection && m_connection->isOpen();
}

void HttpReply::send(int status, const QByteArray& body, const QByteArray& contentType, const HttpHeaders& extra)
{
    if (m_state != State::Pending)
        return;
    m_state = State::Done;
    m_status = status;
    if (!connected())
        return;
    QByteArray out;
    out.reserve(160 + body.size());
    out += "HTTP/1.1 ";
    out += QByteArray::number(status);
    out += ' ';
    out += HttpServer::reasonPhrase(status);
    out += "\r\nContent-Type: ";
    out += contentType;
    if (status != 204) { // RFC 9110 8.6: no Content-Length on a 204
        out += "\r\nContent-Length: ";
        out += QByteArray::number(body.size());
    }
    out += "\r\n";
    for (const auto& [name, value] : extra) {
        out += name;
        out += ": ";
        out += value;
        out += "\r\n";
    }
    out += "\r\n";
    if (!m_head && status != 204) // a HEAD answer's length is that of the body it leaves out
        out += body;
    HttpConnection* c = m_connection;
    c->write(out);
    c->finished(false);
}

void HttpReply::beginStream(int status, const QByteArray& contentType, const HttpHeaders& extra)
{
    if (m_state != State::Pending)
        return;
    m_state = State::Streaming;
    m_status = status;
    if (!connected())
        return;
    QByteArray out = "HTTP/1.1 " + QByteArray::number(status) + ' ' + HttpServer::reasonPhrase(status) + "\r\nContent-Type: " + contentType
        + "\r\nTransfer-Encoding: chunked\r\nCache-Control: no-cache\r\n";
    for (const auto& [name, value] : extra)
        out += name + ": " + value + "\r\n";
    out += "\r\n";
    m_connection->write(out);
}

void HttpReply::write(const QByteArray& piece)
{
    if (m_state != State::Streaming || piece.isEmpty() || !connected() || m_head)
        return;
    m_connection->writeStreamed(QByteArray::number(piece.size(), 16) + "\r\n" + piece + "\r\n");
}

void HttpReply::end()
{
    if (m_state != State::Streaming)
        return;
    m_state = State::Done;
    if (!connected())
        return;
    HttpConnection* c = m_connection;
    if (!m_head)
        c->write(QByteArrayLiteral("0\r\n\r\n"));
    c->finished(false);
}

void HttpReply::clientLeft()
{
    if (m_state == State::Done)
        return;
    auto callback = std::move(m_onDisconnect);
    m_onDisconnect = {};
    if (callback)
        callback();
}

// ---- HttpServer ------------------------------------------------------------------

HttpServer::HttpServer(QObject* parent)
    : QObject(parent)
    , m_sweepTimer(new QTimer(this))
{
    m_clock.start();
    m_sweepTimer->setInterval(1000);
    connect(m_sweepTimer, &QTimer::timeout, this, &HttpServer::sweep);
    m_sweepTimer->start();
}

void HttpServer::setLimits(int maxConnections, int idleTimeoutMs, int requestTimeoutMs, int maxPerAddress)
{
    m_requestedMaxConnections = std::max(1, maxConnections);
    m_requestedMaxPerAddress = std::max(1, maxPerAddress);
    applyConnectionLimits();
    m_idleTimeoutMs = std::max(1, idleTimeoutMs);
    m_requestTimeoutMs = std::max(1, requestTimeoutMs);
    m_sweepTimer->setInterval(std::clamp(std::min(m_idleTimeoutMs, m_requestTimeoutMs) / 4, 10, 1000));
}

void HttpServer::applyConnectionLimits()
{
    const int fileLimit = connectionsAllowedByFileLimit();
    m_maxConnections = std::clamp(m_requestedMaxConnections, 1, std::max(1, fileLimit));
    if (m_maxConnections < m_requestedMaxConnections && m_server)
        qCWarning(lcApi).noquote() << QStringLiteral("at most %1 connections fit the open-file limit (%2 asked); "
                                                     "raise the limit (ulimit -n, LimitNOFILE=) to serve more")
                                          .arg(m_maxConnections)
                                          .arg(m_requestedMaxConnections);
    m_maxPerAddress = std::clamp(m_requestedMaxPerAddress, 1, m_maxConnections);
}

int HttpServer::connectionsAllowedByFileLimit()
{
    const long long limit = openFileLimit();
    if (limit < 0)
        return std::numeric_limits<int>::max();
    return static_cast<int>(
        std::min<long long>(std::max<long long>(limit, kReservedFileDescriptors * 2) - kReservedFileDescriptors, std::numeric_limits<int>::max()));
}

void HttpServer::countIn(const QHostAddress& address)
{
    ++m_connections;
    ++m_perAddress[address];
}

void HttpServer::countOut(const QHostAddress& address)
{
    --m_connections;
    const auto it = m_perAddress.find(address);
    if (it != m_perAddress.end() && --it.value() <= 0)
        m_perAddress.erase(it);
}

void HttpServer::sweep()
{
    const qint64 now = m_clock.elapsed();
    for (HttpConnection* c : findChildren<HttpConnection*>(Qt::FindDirectChildrenOnly))
        c->checkTimeouts(now);
}

HttpServer::~HttpServer()
{
    // Connections count themselves out of m_connections when destroyed: delete
    // them while this object is still whole, not later in ~QObject (UB).
    qDeleteAll(findChildren<HttpConnection*>(Qt::FindDirectChildrenOnly));
}

Result<quint16> HttpServer::listen(const QHostAddress& address, quint16 port, const QString& certificatePath, const QString& keyPath)
{
    if (certificatePath.isEmpty() != keyPath.isEmpty())
        return Error::invalid(QStringLiteral("tls"), QStringLiteral("give both a certificate and a key, or neither"));
    if (!certificatePath.isEmpty()) {
        QFile certFile(certificatePath);
        QFile keyFile(keyPath);
        if (!certFile.open(QIODevice::ReadOnly))
            return Error::invalid(
                QStringLiteral("tls_certificate"), QStringLiteral("cannot read %1: %2").arg(certificatePath, certFile.errorString()));
        if (!keyFile.open(QIODevice::ReadOnly))
            return Error::invalid(QStringLiteral("tls_key"), QStringLiteral("cannot read %1: %2").arg(keyPath, keyFile.errorString()));
        const QList<QSslCertificate> chain = QSslCertificate::fromData(certFile.readAll(), QSsl::Pem);
        const QByteArray keyData = keyFile.readAll();
        QSslKey key(keyData, QSsl::Rsa, QSsl::Pem);
        if (key.isNull())
            key = QSslKey(keyData, QSsl::Ec, QSsl::Pem);
        if (chain.isEmpty())
            return Error::invalid(QStringLiteral("tls_certificate"), QStringLiteral("%1 holds no PEM certificate").arg(certificatePath));
        if (key.isNull())
            return Error::invalid(QStringLiteral("tls_key"), QStringLiteral("%1 holds no PEM RSA or EC private key").arg(keyPath));
        QSslConfiguration config = QSslConfiguration::defaultConfiguration();
        config.setLocalCertificateChain(chain);
        config.setPrivateKey(key);
        config.setPeerVerifyMode(QSslSocket::VerifyNone);
        auto* ssl = new QSslServer(this);
        ssl->setSslConfiguration(config);
        m_server = ssl;
    } else {
        m_server = new QTcpServer(this);
    }
    raiseOpenFileLimit();
    applyConnectionLimits();
    m_server->setMaxPendingConnections(1024);
    connect(m_server, &QTcpServer::pendingConnectionAvailable, this, &HttpServer::accept);
    connect(m_server, &QTcpServer::acceptError, this, &HttpServer::onAcceptError);
    if (!m_server->listen(address, port))
        return Error::unavailable(QStringLiteral("cannot listen on %1:%2: %3").arg(address.toString()).arg(port).arg(m_server->errorString()));
    return m_server->serverPort();
}

quint16 HttpServer::port() const
{
    return m_server ? m_server->serverPort() : 0;
}

void HttpServer::accept()
{
    m_acceptBackoffMs = 0; // accepting works again
    while (QTcpSocket* socket = m_server->nextPendingConnection()) {
        if (m_connections >= m_maxConnections) {
            ++m_stats.refusedOverLimit;
            refuse(socket, "too many open connections; retry shortly or reuse a keep-alive connection");
            continue;
        }
        if (m_perAddress.value(socket->peerAddress()) >= m_maxPerAddress) {
            ++m_stats.refusedPerAddress;
            refuse(socket,
                "too many open connections from your address; retry shortly or reuse a keep-alive "
                "connection");
            continue;
        }
        socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
        new HttpConnection(this, socket);
    }
}

void HttpServer::refuse(QTcpSocket* socket, const QByteArray& message)
{
    const QByteArray body = "{\"error\":{\"code\":\"unavailable\",\"message\":\"" + message + "\",\"field\":null}}";
    socket->setParent(this);
    connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
    // A refused client that never reads must not keep its socket either.
    QTimer::singleShot(m_requestTimeoutMs, socket, [socket] { socket->abort(); });
    socket->write("HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: "
                  "1\r\nConnection: close\r\n"
                  "Content-Length: "
        + QByteArray::number(body.size()) + "\r\n\r\n" + body);
    socket->disconnectFromHost();
}

// accept() failed, typically with no file descriptor left (EMFILE/ENFILE).
// QTcpServer then stops accepting for good; and a listening socket polled
// while its backlog cannot be drained would spin. Pause, back off (up to a
// second) and try again, so the server serves again once descriptors free up.
void HttpServer::onAcceptError()
{
    ++m_stats.acceptErrors;
    m_server->pauseAccepting();
    m_acceptBackoffMs = std::clamp(m_acceptBackoffMs * 2, 50, 1000);
    const qint64 now = m_clock.elapsed();
    if (m_acceptErrorWarnedMs < 0 || now - m_acceptErrorWarnedMs >= 60'000) {
        m_acceptErrorWarnedMs = now;
        qCWarning(lcApi).noquote()
            << QStringLiteral("cannot accept connections: %1 (%2 open); retrying").arg(m_server->errorString()).arg(m_connections);
    }
    QTimer::singleShot(m_acceptBackoffMs, this, [this] {
        if (!m_server)
            return;
        m_server->resumeAccepting();
        accept(); // connections Qt queued before the error
    });
}

QByteArray HttpServer::reasonPhrase(int status)
{
    switch (status) {
    case 100:
        return "Continue";
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 202:
        return "Accepted";
    case 204:
        return "No Content";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 408:
        return "Request Timeout";
    case 409:
        return "Conflict";
    case 411:
        return "Length Required";
    case 413:
        return "Payload Too Large";
    case 415:
        return "Unsupported Media Type";
    case 421:
        return "Misdirected Request";
    case 422:
        return "Unprocessable Entity";
    case 429:
        return "Too Many Requests";
    case 431:
        return "Request Header Fields Too Large";
    case 500:
        return "Internal Server Error";
    case 501:
        return "Not Implemented";
    case 503:
        return "Service Unavailable";
    case 505:
        return "HTTP Version Not Supported";
    default:
        return "Status";
    }
}

} // namespace llmsched

#include "httpserver.moc"
