#include "http1pool.h"

#include "core/echolimits.h"

#include "core/httpheaders.h"
#include "core/timeutil.h"

#include <QHostAddress>
#include <QPointer>
#include <QTcpSocket>

#include <algorithm>

namespace llmsched {

// One keep-alive TCP connection and the response parser for the call on it.
class Http1Connection
{
public:
    Http1Connection(Http1Pool* pool, QString host, QHostAddress address, quint16 port, QString originKey)
        : origin(std::move(originKey))
        , m_pool(pool)
        , m_host(std::move(host))
        , m_address(std::move(address))
        , m_port(port)
        , m_socket(new QTcpSocket(pool))
    {
        QObject::connect(m_socket, &QTcpSocket::connected, m_socket, [this] { onConnected(); });
        QObject::connect(m_socket, &QTcpSocket::readyRead, m_socket, [this] { onReadyRead(); });
        QObject::connect(m_socket, &QTcpSocket::disconnected, m_socket, [this] { onClosed(tr("the server closed the connection")); });
        QObject::connect(m_socket, &QTcpSocket::errorOccurred, m_socket, [this](QAbstractSocket::SocketError e) {
            if (e != QAbstractSocket::RemoteHostClosedError || m_call)
                onClosed(m_socket->errorString());
        });
    }
    ~Http1Connection()
    {
        if (m_call)
            m_call->m_connection = nullptr; // the pool went away under the call: abort() must not reach us
        m_socket->disconnect();
        m_socket->abort();
        delete m_socket;
    }

    static QString tr(const char* s) { return QString::fromLatin1(s); }

    void start(std::shared_ptr<Http1Call> call)
    {
        m_call = std::move(call);
        m_call->m_connection = this;
        ++m_call->m_sendAttempts;
        m_received = false;
        m_phase = Phase::Headers;
        m_in.clear();
        if (m_socket->state() == QAbstractSocket::ConnectedState) {
            writeRequest();
        } else if (m_socket->state() == QAbstractSocket::UnconnectedState) {
            m_connecting = true;
            if (m_address.isNull())
                m_socket->connectToHost(m_host, m_port);
            else
                m_socket->connectToHost(m_address, m_port); // checked before the call: no second DNS answer
        }
    }

    void abortCall()
    {
        if (!m_call)
            return;
        m_connecting = false; // an abort is not a connect failure
        closeWith(QStringLiteral("aborted"), false);
    }

    bool isOpen() const { return !m_closed && m_socket->state() == QAbstractSocket::ConnectedState; }

    const QString origin;
    qint64 idleSinceMs = 0;
    int served = 0;

private:
    enum class Phase { Headers, Fixed, ChunkSize, ChunkData, ChunkCrlf, Trailers, UntilClose };

    void onConnected()
    {
        m_connecting = false;
        m_socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
        if (m_call)
            writeRequest();
    }

    void writeRequest()
    {
        const Http1Call& c = *m_call;
        QByteArray out;
        out.reserve(256 + c.body.size());
        out += c.method;
        out += ' ';
        out += c.target.isEmpty() ? QByteArrayLiteral("/") : c.target;
        out += " HTTP/1.1\r\nHost: ";
        out += m_host.toLatin1();
        if (m_port != 80) {
            out += ':';
            out += QByteArray::number(m_port);
        }
        out += "\r\n";
        bool hasAccept = false;
        for (const auto& [name, value] : c.headers) {
            hasAccept = hasAccept || name.compare("accept", Qt::CaseInsensitive) == 0;
            out += name;
            out += ": ";
            out += value;
            out += "\r\n";
        }
        if (!hasAccept)
            out += "Accept: */*\r\n";
        if (!c.body.isEmpty() || (c.method != "GET" && c.method != "HEAD")) {
            out += "Content-Length: ";
            out += QByteArray::number(c.body.size());
            out += "\r\n";
        }
        out += "User-Agent: llm-scheduler/" LLMSCHED_VERSION "\r\n\r\n";
        out += c.body;
        m_socket->write(out);
        m_socket->flush();
    }

    void onReadyRead()
    {
        if (!m_call) {
            // Data on an idle connection: the server is misbehaving; drop it.
            m_socket->readAll();
            closeWith({}, false);
            return;
        }
        m_in += m_socket->readAll();
        m_received = true;
        parse();
    }

    // Returns when it needs more bytes or the call ended.
    void parse()
    {
        for (;;) {
            switch (m_phase) {
            case Phase::Headers: {
                const qsizetype end = m_in.indexOf("\r\n\r\n");
                if ((end < 0 ? m_in.size() : end) > Http1Pool::kMaxHeaderBytes)
                    return closeWith(QStringLiteral("the response headers are larger than 64 KiB"), false);
                if (end < 0)
                    return;
                if (!parseHead(QByteArrayView(m_in).first(end)))
                    return;
                m_in.remove(0, end + 4);
                if (m_call->status >= 100 && m_call->status < 200) { // 100 Continue and friends: skip
                    m_call->status = 0;
                    m_call->responseHeaders.clear();
                    continue;
                }
                if (m_call->onHeaders) {
                    const std::shared_ptr<Http1Call> keep = m_call; // the callback may abort, and the owner let go
                    keep->onHeaders(*keep);
                }
                if (!m_call)
                    return;
                if (m_noBody)
                    return complete();
                break;
            }
            case Phase::Fixed: {
                const qsizetype n = std::min<qsizetype>(m_in.size(), m_remaining);
                if (n > 0) {
                    deliver(n);
                    if (!m_call)
                        return;
                    m_remaining -= n;
                }
                if (m_remaining == 0)
                    return complete();
                return;
            }
            case Phase::ChunkSize: {
                const qsizetype eol = m_in.indexOf("\r\n");
                if (eol < 0)
                    return m_in.size() > 1024 ? closeWith(QStringLiteral("malformed chunked encoding"), false) : void();
                bool ok = false;
                QByteArray sizeText = m_in.left(eol);
                if (const qsizetype semi = sizeText.indexOf(';'); semi >= 0)
                    sizeText.truncate(semi);
                m_remaining = sizeText.trimmed().toLongLong(&ok, 16);
                m_in.remove(0, eol + 2);
                if (!ok || m_remaining < 0)
                    return closeWith(QStringLiteral("malformed chunked encoding"), false);
                m_phase = m_remaining == 0 ? Phase::Trailers : Phase::ChunkData;
                m_trailerBytes = 0;
                break;
            }
            case Phase::ChunkData: {
                const qsizetype n = std::min<qsizetype>(m_in.size(), m_remaining);
                if (n == 0)
                    return;
                deliver(n);
                if (!m_call)
                    return;
                m_remaining -= n;
                if (m_remaining == 0)
                    m_phase = Phase::ChunkCrlf;
                break;
            }
            case Phase::ChunkCrlf:
                if (m_in.size() < 2)
                    return;
                if (!m_in.startsWith("\r\n"))
                    return closeWith(QStringLiteral("malformed chunked encoding"), false);
                m_in.remove(0, 2);
                m_phase = Phase::ChunkSize;
                break;
            case Phase::Trailers: {
                // Trailers are ignored, and bounded like a head: an upstream
                // must not make the client buffer megabytes of them.
                const qsizetype eol = m_in.indexOf("\r\n");
                if (m_trailerBytes + (eol < 0 ? m_in.size() : eol + 2) > Http1Pool::kMaxHeaderBytes)
                    return closeWith(QStringLiteral("the answer's trailers are larger than 64 KiB"), false);
                if (eol < 0)
                    return;
                m_trailerBytes += eol + 2;
                m_in.remove(0, eol + 2);
                if (eol == 0)
                    return complete();
                break; // a trailer line: ignored
            }
            case Phase::UntilClose:
                if (!m_in.isEmpty())
                    deliver(m_in.size());
                return;
            }
        }
    }

    bool parseHead(QByteArrayView head)
    {
        const QList<QByteArrayView> lines = [&] {
            QList<QByteArrayView> out;
            qsizetype from = 0;
            while (from <= head.size()) {
                qsizetype eol = QByteArrayView(head).sliced(from).indexOf("\r\n");
                if (eol < 0) {
                    out.append(head.sliced(from));
                    break;
                }
                out.append(head.sliced(from, eol));
                from += eol + 2;
            }
            return out;
        }();
        const QByteArrayView statusLine = lines.value(0);
        if (!statusLine.startsWith("HTTP/1.") || statusLine.size() < 12) {
            closeWith(QStringLiteral("the server did not answer with HTTP/1.x"), false);
            return false;
        }
        const bool http10 = statusLine.startsWith("HTTP/1.0");
        bool ok = false;
        m_call->status = statusLine.sliced(9, 3).toInt(&ok);
        if (!ok) {
            closeWith(QStringLiteral("malformed HTTP status line"), false);
            return false;
        }
        qint64 length = -1;
        bool chunked = false;
        m_keepAlive = !http10;
        for (qsizetype i = 1; i < lines.size(); ++i) {
            const QByteArrayView line = lines.at(i);
            const qsizetype colon = line.indexOf(':');
            if (colon <= 0)
                continue;
            const QByteArray name = line.first(colon).trimmed().toByteArray();
            const QByteArray value = line.sliced(colon + 1).trimmed().toByteArray();
            if (name.compare("content-length", Qt::CaseInsensitive) == 0)
                length = value.toLongLong();
            else if (name.compare("transfer-encoding", Qt::CaseInsensitive) == 0)
                chunked = value.toLower().contains("chunked");
            else if (name.compare("connection", Qt::CaseInsensitive) == 0)
                m_keepAlive = value.toLower().contains("keep-alive") || (!http10 && !value.toLower().contains("close"));
            m_call->responseHeaders.append({ name, value });
        }
        const int s = m_call->status;
        m_noBody = m_call->method == "HEAD" || s == 204 || s == 304 || (s >= 100 && s < 200);
        if (chunked) {
            m_phase = Phase::ChunkSize;
        } else if (length >= 0) {
            m_phase = Phase::Fixed;
            m_remaining = length;
            m_noBody = m_noBody || length == 0;
        } else if (!m_noBody) {
            m_phase = Phase::UntilClose;
            m_keepAlive = false;
        }
        return true;
    }

    void deliver(qsizetype n)
    {
        const QByteArray piece = m_in.left(n);
        m_in.remove(0, n);
        if (m_call->onData) {
            const std::shared_ptr<Http1Call> keep = m_call; // the callback may abort, and the owner let go
            keep->onData(*keep, piece);
        }
    }

    void complete()
    {
        auto call = std::move(m_call);
        m_call.reset();
        call->m_connection = nullptr;
        ++served;
        const bool reusable = m_keepAlive && m_in.isEmpty() && isOpen();
        m_pool->release(this, reusable); // may delete us later (deferred), never now
        call->finish(true);
    }

    void onClosed(const QString& why)
    {
        if (m_closed)
            return;
        if (m_call && m_phase == Phase::UntilClose && m_call->status > 0) {
            // The body ended with the connection.
            if (m_socket->bytesAvailable() > 0) {
                m_in += m_socket->readAll();
                parse();
            }
            m_closed = true;
            auto call = std::move(m_call);
            m_call.reset();
            call->m_connection = nullptr;
            m_pool->release(this, false);
            call->finish(true);
            return;
        }
        closeWith(why, true);
    }

    // Closes the connection; a call on it fails, or is sent again on a new
    // connection when this was a reused one that broke before any answer.
    void closeWith(const QString& why, bool mayResend)
    {
        if (m_closed)
            return;
        m_closed = true;
        const bool connectFailed = m_connecting;
        m_socket->disconnect();
        m_socket->abort();
        auto call = std::move(m_call);
        m_call.reset();
        m_pool->release(this, false);
        if (!call)
            return;
        call->m_connection = nullptr;
        if (mayResend && !m_received && served > 0 && call->m_sendAttempts < 2) {
            m_pool->send(call); // the server dropped an idle keep-alive connection
            return;
        }
        call->connectFailed = connectFailed;
        call->finish(false, why);
    }

    Http1Pool* m_pool;
    QString m_host;
    QHostAddress m_address; // null: resolve m_host
    qint64 m_trailerBytes = 0; // of the answer being read
    quint16 m_port;
    QTcpSocket* m_socket;
    std::shared_ptr<Http1Call> m_call;
    QByteArray m_in;
    Phase m_phase = Phase::Headers;
    qint64 m_remaining = 0;
    bool m_keepAlive = true;
    bool m_noBody = false;
    bool m_received = false;
    bool m_connecting = false;
    bool m_closed = false;
};

// ---- Http1Call -------------------------------------------------------------------

Http1Call::~Http1Call() = default;

void Http1Call::abort()
{
    if (done)
        return;
    // Closing the connection finishes us, and a finished() slot may drop the
    // last owner: touch nothing once we are gone.
    const QPointer<Http1Call> self(this);
    if (m_connection)
        m_connection->abortCall();
    if (self && !done)
        finish(false, QStringLiteral("aborted"));
}

void Http1Call::finish(bool ok, const QString& why)
{
    if (done)
        return;
    done = true;
    failed = !ok;
    error = why;
    m_connection = nullptr;
    emit finished();
}

// ---- Http1Pool -------------------------------------------------------------------

Http1Pool::Http1Pool(QObject* parent)
    : QObject(parent)
    , m_idleTimer(this)
    , m_reaper(this)
{
    m_idleTimer.setInterval(kIdleTimeoutMs / 3);
    connect(&m_idleTimer, &QTimer::timeout, this, &Http1Pool::closeIdle);
    m_idleTimer.start();
    m_reaper.setSingleShot(true);
    connect(&m_reaper, &QTimer::timeout, this, [this] { m_dead.clear(); });
}

Http1Pool::~Http1Pool()
{
    m_idle.clear();
    m_dead.clear();
    m_all.clear();
}

QString Http1Pool::originKey(const QString& host, quint16 port, const QHostAddress& address)
{
    QString key = host + QLatin1Char(':') + QString::number(port);
    if (!address.isNull())
        key += QLatin1Char('@') + address.toString(); // a pinned address is its own origin
    return key;
}

int Http1Pool::idleConnections() const
{
    int n = 0;
    for (const auto& list : m_idle)
        n += static_cast<int>(list.size());
    return n;
}

void Http1Pool::send(const std::shared_ptr<Http1Call>& call)
{
    // Nothing that could end a header line early reaches the socket, and the
    // framing headers are this client's alone (tasks are checked at submit;
    // this guards every other path).
    for (const auto& [name, value] : std::as_const(call->headers)) {
        if (!httpheaders::isToken(name) || !httpheaders::isFieldValue(value) || httpheaders::isFramingHeader(name)) {
            call->finish(false,
                QStringLiteral("refused to send header '%1': invalid name or value, or a framing header")
                    .arg(QString::fromLatin1(name.left(kEchoNameChars))));
            return;
        }
    }
    if (!httpheaders::isToken(call->method) || !httpheaders::isFieldValue(call->target) || call->target.contains(' ')) {
        call->finish(false, QStringLiteral("refused to send a malformed method or target"));
        return;
    }
    const QString key = originKey(call->host, call->port, call->address);
    Http1Connection* c = nullptr;
    // A resent call (its first connection broke) never takes another idle one.
    if (call->m_sendAttempts == 0) {
        auto it = m_idle.find(key);
        while (it != m_idle.end() && !it->empty() && !c) {
            Http1Connection* candidate = it->back();
            it->pop_back();
            if (candidate->isOpen())
                c = candidate;
            else
                release(candidate, false);
        }
    }
    if (!c) {
        auto owned = std::make_unique<Http1Connection>(this, call->host, call->address, call->port, key);
        c = owned.get();
        m_all.push_back(std::move(owned));
    }
    c->start(call);
}

void Http1Pool::release(Http1Connection* c, bool reusable)
{
    if (reusable) {
        c->idleSinceMs = nowMs();
        m_idle[c->origin].push_back(c);
        return;
    }
    // Closed: forget it, delete it after the current event (we may be inside its socket's signal).
    auto idle = m_idle.find(c->origin);
    if (idle != m_idle.end())
        idle->erase(std::remove(idle->begin(), idle->end(), c), idle->end());
    for (size_t i = 0; i < m_all.size(); ++i) {
        if (m_all[i].get() == c) {
            m_dead.push_back(std::move(m_all[i]));
            m_all[i] = std::move(m_all.back());
            m_all.pop_back();
            break;
        }
    }
    if (!m_reaper.isActive())
        m_reaper.start(0);
}

void Http1Pool::closeIdle()
{
    const qint64 cutoff = nowMs() - kIdleTimeoutMs;
    for (auto it = m_idle.begin(); it != m_idle.end(); ++it) {
        std::vector<Http1Connection*> keep;
        std::vector<Http1Connection*> drop;
        for (Http1Connection* c : *it)
            (c->idleSinceMs < cutoff || !c->isOpen() ? drop : keep).push_back(c);
        *it = std::move(keep);
        for (Http1Connection* c : drop)
            release(c, false);
    }
}

} // namespace llmsched
