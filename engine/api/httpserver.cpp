#include "httpserver.h"

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

namespace llmsched {

QByteArray HttpRequest::header(const QByteArray& lowerName) const
{
    for (const auto& [name, value] : headers)
        if (name == lowerName)
            return value;
    return {};
}

// One client connection: parses requests and writes replies, in order.
class HttpConnection final : public QObject
{
    Q_OBJECT

public:
    HttpConnection(HttpServer* server, QTcpSocket* socket)
        : QObject(server)
        , m_server(server)
        , m_socket(socket)
    {
        socket->setParent(this);
        ++m_server->m_connections;
        m_lastActivityMs = m_server->m_clock.elapsed();
        connect(socket, &QTcpSocket::readyRead, this, &HttpConnection::onReadyRead);
        connect(socket, &QTcpSocket::disconnected, this, &HttpConnection::onDisconnected);
    }
    ~HttpConnection() override { --m_server->m_connections; }

    bool isOpen() const { return !m_gone; }

    void write(const QByteArray& bytes)
    {
        if (!m_gone)
            m_socket->write(bytes);
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
        // A pipelined request may already be buffered.
        if (!m_buffer.isEmpty())
            QMetaObject::invokeMethod(this, &HttpConnection::parse, Qt::QueuedConnection);
    }

private:
    void onReadyRead()
    {
        // Straight into the connection's buffer, which keeps its capacity:
        // readAll() allocated (and freed) 16 KiB per request.
        const qint64 available = m_socket->bytesAvailable();
        if (available <= 0)
            return;
        m_lastActivityMs = m_server->m_clock.elapsed();
        if (m_buffer.isEmpty() && !m_haveHead && !m_busy)
            m_requestStartMs = m_lastActivityMs; // the first byte of a request
        const qsizetype at = m_buffer.size();
        m_buffer.resize(at + available);
        const qint64 got = m_socket->read(m_buffer.data() + at, available);
        m_buffer.resize(at + std::max<qint64>(got, 0));
        parse();
    }

public:
    // Called about once a second by the server.
    void checkTimeouts(qint64 nowMs)
    {
        if (m_gone || m_closing || m_busy)
            return;
        const bool partial = m_haveHead || !m_buffer.isEmpty();
        if (partial && nowMs - m_requestStartMs >= m_server->m_requestTimeoutMs)
            reject(408, "the request did not arrive in time");
        else if (!partial && nowMs - m_lastActivityMs >= m_server->m_idleTimeoutMs)
            closeSoon();
    }

private:
    void parse()
    {
        if (m_gone || m_busy)
            return; // one request at a time
        if (!m_haveHead) {
            const qsizetype end = m_buffer.indexOf("\r\n\r\n");
            if (end < 0) {
                if (m_buffer.size() > HttpServer::kMaxHeaderBytes)
                    return reject(431, "request headers are larger than 64 KiB");
                return;
            }
            if (!parseHead(QByteArrayView(m_buffer).first(end)))
                return;
            m_buffer.remove(0, end + 4);
            m_haveHead = true;
            if (m_expectContinue && m_contentLength > 0 && m_buffer.size() < m_contentLength)
                m_socket->write("HTTP/1.1 100 Continue\r\n\r\n");
        }
        if (m_buffer.size() < m_contentLength)
            return;
        m_request.body = m_buffer.left(m_contentLength);
        m_buffer.remove(0, m_contentLength);
        m_haveHead = false;
        auto reply = std::make_shared<HttpReply>(this);
        m_current = reply;
        m_busy = true;
        HttpRequest request = std::move(m_request);
        m_request = {};
        m_requestStartMs = m_lastActivityMs; // a pipelined request already buffered starts now
        if (m_server->m_handler)
            m_server->m_handler(std::move(request), reply);
        else
            reply->send(404, QByteArrayLiteral("{}"));
    }

    bool parseHead(QByteArrayView head)
    {
        m_request = {};
        m_request.remote = m_socket->peerAddress();
        m_contentLength = 0;
        m_expectContinue = false;
        m_closeAfter = false;
        qsizetype lineEnd = head.indexOf("\r\n");
        const QByteArrayView requestLine = lineEnd < 0 ? head : head.first(lineEnd);
        const qsizetype sp1 = requestLine.indexOf(' ');
        const qsizetype sp2 = sp1 < 0 ? -1 : requestLine.lastIndexOf(' ');
        if (sp1 <= 0 || sp2 <= sp1) {
            reject(400, "malformed request line");
            return false;
        }
        m_request.method = requestLine.first(sp1).toByteArray().toUpper();
        const QByteArray target = requestLine.sliced(sp1 + 1, sp2 - sp1 - 1).toByteArray();
        const QByteArrayView version = requestLine.sliced(sp2 + 1);
        if (!version.startsWith("HTTP/1.")) {
            reject(505, "only HTTP/1.x is served");
            return false;
        }
        const bool http10 = version == "HTTP/1.0";
        m_closeAfter = http10;
        const QUrl url = QUrl::fromEncoded(target, QUrl::StrictMode);
        if (!url.isValid() || !target.startsWith('/')) {
            reject(400, "malformed request target");
            return false;
        }
        m_request.path = url.path(QUrl::FullyEncoded); // segments are decoded by the router: names may hold '/'

        m_request.query = QUrlQuery(url);
        bool chunked = false;
        qsizetype from = lineEnd < 0 ? head.size() : lineEnd + 2;
        while (from < head.size()) {
            qsizetype eol = head.sliced(from).indexOf("\r\n");
            const QByteArrayView line = eol < 0 ? head.sliced(from) : head.sliced(from, eol);
            from = eol < 0 ? head.size() : from + eol + 2;
            const qsizetype colon = line.indexOf(':');
            if (colon <= 0) {
                reject(400, "malformed header line");
                return false;
            }
            const QByteArray name = line.first(colon).trimmed().toByteArray().toLower();
            const QByteArray value = line.sliced(colon + 1).trimmed().toByteArray();
            if (name == "content-length") {
                bool ok = false;
                m_contentLength = value.toLongLong(&ok);
                if (!ok || m_contentLength < 0) {
                    reject(400, "malformed Content-Length");
                    return false;
                }
            } else if (name == "transfer-encoding") {
                chunked = value.toLower().contains("chunked");
            } else if (name == "connection") {
                const QByteArray v = value.toLower();
                if (v.contains("close"))
                    m_closeAfter = true;
                else if (v.contains("keep-alive"))
                    m_closeAfter = false;
            } else if (name == "expect") {
                m_expectContinue = value.toLower() == "100-continue";
            }
            m_request.headers.append({ name, value });
        }
        if (chunked) {
            reject(411, "send the body with a Content-Length (chunked request bodies are not accepted)");
            return false;
        }
        if (m_contentLength > m_server->m_maxBodyBytes) {
            reject(413, QByteArray("the body is larger than the limit of ") + QByteArray::number(m_server->m_maxBodyBytes) + " bytes");
            return false;
        }
        return true;
    }

    // Answers a request that cannot be read and closes: its body was not read.
    void reject(int status, const QByteArray& message)
    {
        static const QHash<int, QByteArray> codes = { { 400, "bad_request" }, { 408, "request_timeout" }, { 411, "length_required" },
            { 413, "payload_too_large" },
            { 431, "headers_too_large" }, { 505, "http_version_not_supported" } };
        const QByteArray body = "{\"error\":{\"code\":\"" + codes.value(status, "bad_request") + "\",\"message\":\"" + message
            + "\",\"field\":null}}";
        QByteArray out = "HTTP/1.1 " + QByteArray::number(status) + ' ' + HttpServer::reasonPhrase(status)
            + "\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\n\r\n" + body;
        m_socket->write(out);
        m_buffer.clear();
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
    QByteArray m_buffer;
    HttpRequest m_request;
    qint64 m_contentLength = 0;
    bool m_haveHead = false;
    bool m_expectContinue = false;
    bool m_closeAfter = false;
    bool m_closing = false;
    bool m_gone = false;
    bool m_busy = false;
    qint64 m_lastActivityMs = 0;
    qint64 m_requestStartMs = 0;
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
    out += "\r\nContent-Length: ";
    out += QByteArray::number(body.size());
    out += "\r\n";
    for (const auto& [name, value] : extra) {
        out += name;
        out += ": ";
        out += value;
        out += "\r\n";
    }
    out += "\r\n";
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
    if (m_state != State::Streaming || piece.isEmpty() || !connected())
        return;
    m_connection->write(QByteArray::number(piece.size(), 16) + "\r\n" + piece + "\r\n");
}

void HttpReply::end()
{
    if (m_state != State::Streaming)
        return;
    m_state = State::Done;
    if (!connected())
        return;
    HttpConnection* c = m_connection;
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

void HttpServer::setLimits(int maxConnections, int idleTimeoutMs, int requestTimeoutMs)
{
    m_maxConnections = std::max(1, maxConnections);
    m_idleTimeoutMs = std::max(1, idleTimeoutMs);
    m_requestTimeoutMs = std::max(1, requestTimeoutMs);
    m_sweepTimer->setInterval(std::clamp(std::min(m_idleTimeoutMs, m_requestTimeoutMs) / 4, 10, 1000));
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
            return Error::invalid(QStringLiteral("tls_certificate"), QStringLiteral("cannot read %1: %2").arg(certificatePath, certFile.errorString()));
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
    m_server->setMaxPendingConnections(1024);
    connect(m_server, &QTcpServer::pendingConnectionAvailable, this, &HttpServer::accept);
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
    while (QTcpSocket* socket = m_server->nextPendingConnection()) {
        if (m_connections >= m_maxConnections) {
            static const QByteArray body = "{\"error\":{\"code\":\"unavailable\",\"message\":\"too many open connections; "
                                           "retry shortly or reuse a keep-alive connection\",\"field\":null}}";
            socket->setParent(this);
            connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
            socket->write("HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: 1\r\nConnection: close\r\n"
                          "Content-Length: "
                + QByteArray::number(body.size()) + "\r\n\r\n" + body);
            socket->disconnectFromHost();
            continue;
        }
        socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
        new HttpConnection(this, socket);
    }
}

QByteArray HttpServer::reasonPhrase(int status)
{
    switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 411: return "Length Required";
    case 413: return "Payload Too Large";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Entity";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "Status";
    }
}

} // namespace llmsched

#include "httpserver.moc"
