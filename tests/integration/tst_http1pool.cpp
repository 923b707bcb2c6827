// Http1Pool against a scripted raw TCP server on 127.0.0.1: the server's bytes,
// closes and delays are written out per test, and it records what the client
// sent on which connection. No sleeps: every wait is on a signal or a QTRY.

#include "providers/http1pool.h"

#include <QDeadlineTimer>
#include <QHostAddress>
#include <QPointer>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>
#include <QtTest>

#include <algorithm>
#include <deque>
#include <functional>
#include <memory>
#include <vector>

using namespace llmsched;

namespace {

constexpr int kWaitMs = 5000;

// ---- The scripted server ------------------------------------------------------

struct ServerConn
{
    int index = 0;
    QTcpSocket* socket = nullptr; // owned by the QTcpServer; kept until the server goes
    QByteArray buffer; // bytes not yet parsed into a request
    QList<QByteArray> requests; // complete requests seen on this connection
    bool closed = false;
};

QByteArray targetOf(const QByteArray& request)
{
    return request.left(request.indexOf("\r\n")).split(' ').value(1);
}

// Accepts every connection, splits what the client sends into requests
// (head + Content-Length body) and hands each to the handler, which writes
// whatever bytes it likes, closes, or does nothing at all.
class ScriptedServer
{
    Q_DISABLE_COPY_MOVE(ScriptedServer)

public:
    using Handler = std::function<void(ServerConn&, const QByteArray& request)>;

    explicit ScriptedServer(Handler handler)
        : m_handler(std::move(handler))
    {
        m_server.setListenBacklogSize(1024);
        m_listening = m_server.listen(QHostAddress::LocalHost, 0);
        QObject::connect(&m_server, &QTcpServer::newConnection, &m_server, [this] { accept(); });
    }
    ~ScriptedServer()
    {
        for (const auto& c : m_conns) {
            c->socket->disconnect();
            c->socket->abort();
        }
    }

    bool isListening() const { return m_listening; }
    quint16 port() const { return m_server.serverPort(); }
    int connectionCount() const { return static_cast<int>(m_conns.size()); }
    ServerConn& conn(int i) { return *m_conns.at(static_cast<size_t>(i)); }
    const QList<QByteArray>& requests() const { return m_requests; }
    int requestsFor(const QByteArray& target) const
    {
        return static_cast<int>(std::count_if(m_requests.cbegin(), m_requests.cend(), [&](const QByteArray& r) { return targetOf(r) == target; }));
    }

    int openNow = 0;
    int maxOpen = 0;

private:
    void accept()
    {
        while (QTcpSocket* s = m_server.nextPendingConnection()) {
            auto owned = std::make_unique<ServerConn>();
            ServerConn* c = owned.get();
            c->index = static_cast<int>(m_conns.size());
            c->socket = s;
            m_conns.push_back(std::move(owned));
            ++openNow;
            maxOpen = std::max(maxOpen, openNow);
            s->setSocketOption(QAbstractSocket::LowDelayOption, 1);
            QObject::connect(s, &QTcpSocket::readyRead, s, [this, c] { read(*c); });
            QObject::connect(s, &QTcpSocket::disconnected, s, [this, c] {
                if (!c->closed) {
                    c->closed = true;
                    --openNow;
                }
            });
            if (s->bytesAvailable() > 0)
                read(*c);
        }
    }

    void read(ServerConn& c)
    {
        c.buffer += c.socket->readAll();
        for (;;) {
            const qsizetype end = c.buffer.indexOf("\r\n\r\n");
            if (end < 0)
                return;
            qsizetype length = 0;
            for (const QByteArray& line : c.buffer.left(end).split('\n')) {
                if (line.toLower().startsWith("content-length:"))
                    length = line.mid(15).trimmed().toLongLong();
            }
            if (c.buffer.size() < end + 4 + length)
                return;
            const QByteArray request = c.buffer.left(end + 4 + length);
            c.buffer.remove(0, end + 4 + length);
            c.requests.append(request);
            m_requests.append(request);
            m_handler(c, request);
            if (c.closed || c.socket->state() != QAbstractSocket::ConnectedState)
                return;
        }
    }

    Handler m_handler;
    bool m_listening = false;
    std::vector<std::unique_ptr<ServerConn>> m_conns;
    QList<QByteArray> m_requests;
    QTcpServer m_server; // last: it and its sockets go before the records above
};

QByteArray okResponse(const QByteArray& body, const QByteArray& extraHeaders = {})
{
    QByteArray out = "HTTP/1.1 200 OK\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\n";
    out += extraHeaders;
    out += "\r\n";
    out += body;
    return out;
}

// Writes one byte per event-loop turn, flushing each, so the client sees the
// response in as many pieces as the loop allows.
void writeByteByByte(QTcpSocket* socket, const QByteArray& bytes)
{
    auto* timer = new QTimer(socket);
    auto pos = std::make_shared<qsizetype>(0);
    QObject::connect(timer, &QTimer::timeout, socket, [timer, socket, bytes, pos] {
        if (*pos >= bytes.size()) {
            timer->stop();
            timer->deleteLater();
            return;
        }
        socket->write(bytes.mid(*pos, 1));
        socket->flush();
        ++*pos;
    });
    timer->start(0);
}

// ---- The client side -----------------------------------------------------------

// One call with its body collected from the onData pieces.
class Probe
{
    Q_DISABLE_COPY_MOVE(Probe)

public:
    explicit Probe(quint16 port, const QByteArray& verb = QByteArrayLiteral("GET"), const QByteArray& path = QByteArrayLiteral("/"),
        const QByteArray& payload = {})
    {
        call->method = verb;
        call->host = QStringLiteral("127.0.0.1");
        call->port = port;
        call->target = path;
        call->body = payload;
        call->onHeaders = [this](Http1Call& c) {
            ++headerCalls;
            statusAtHeaders = c.status;
        };
        call->onData = [this](Http1Call&, const QByteArray& piece) {
            body += piece;
            ++pieces;
        };
        QObject::connect(call.get(), &Http1Call::finished, call.get(), [this] { ++finishedCount; });
    }
    ~Probe()
    {
        call->onHeaders = {};
        call->onData = {};
        QObject::disconnect(call.get(), &Http1Call::finished, nullptr, nullptr);
    }

    const std::shared_ptr<Http1Call> call = std::make_shared<Http1Call>();
    QByteArray body;
    int pieces = 0;
    int headerCalls = 0;
    int statusAtHeaders = 0;
    int finishedCount = 0;
};

QByteArray headerValue(const Http1Call& c, const QByteArray& name)
{
    for (const auto& [n, v] : c.responseHeaders) {
        if (n.compare(name, Qt::CaseInsensitive) == 0)
            return v;
    }
    return {};
}

} // namespace

class TestHttp1Pool : public QObject
{
    Q_OBJECT

private slots:
    // 1. A Content-Length body; the exact request bytes on the wire.
    void contentLengthBody()
    {
        ScriptedServer server([](ServerConn& c, const QByteArray&) {
            c.socket->write("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Reply: 42\r\nContent-Length: 11\r\n\r\nhello world");
        });
        QVERIFY(server.isListening());
        Http1Pool pool;
        Probe p(server.port(), "POST", "/v1/echo?x=1", R"({"a":1})");
        p.call->headers = { { "Content-Type", "application/json" }, { "X-Test", "yes" } };
        QSignalSpy spy(p.call.get(), &Http1Call::finished);
        pool.send(p.call);
        QVERIFY(spy.wait(kWaitMs));
        QCOMPARE(spy.count(), 1);

        QVERIFY(p.call->done);
        QVERIFY2(!p.call->failed, qPrintable(p.call->error));
        QCOMPARE(p.call->status, 200);
        QCOMPARE(p.statusAtHeaders, 200);
        QCOMPARE(p.headerCalls, 1);
        QCOMPARE(p.body, QByteArrayLiteral("hello world"));
        QCOMPARE(headerValue(*p.call, "x-reply"), QByteArrayLiteral("42"));
        QCOMPARE(headerValue(*p.call, "Content-Type"), QByteArrayLiteral("text/plain"));
        QCOMPARE(p.call->responseHeaders.size(), 3);

        QCOMPARE(server.connectionCount(), 1);
        QCOMPARE(server.requests().size(), 1);
        QVERIFY(server.conn(0).buffer.isEmpty()); // nothing beyond the one request
        const QByteArray request = server.requests().first();
        const QByteArray host = "\r\nHost: 127.0.0.1:" + QByteArray::number(server.port()) + "\r\n";
        QVERIFY2(request.startsWith("POST /v1/echo?x=1 HTTP/1.1\r\n"), request.constData());
        QVERIFY2(request.contains(host), request.constData());
        QCOMPARE(request.count("\r\nHost:"), 1);
        QVERIFY2(request.contains("\r\nContent-Length: 7\r\n"), request.constData());
        QCOMPARE(request.count("Content-Length:"), 1);
        QVERIFY2(request.contains("\r\nContent-Type: application/json\r\n"), request.constData());
        QVERIFY2(request.contains("\r\nX-Test: yes\r\n"), request.constData());
        QVERIFY2(request.contains("\r\nAccept: */*\r\n"), request.constData());
        QVERIFY2(request.contains("\r\nUser-Agent: llm-scheduler/" LLMSCHED_VERSION "\r\n"), request.constData());
        QVERIFY2(request.endsWith("\r\n\r\n{\"a\":1}"), request.constData());
        QCOMPARE(request.count("\r\n\r\n"), 1);
    }

    // A GET without a body sends no Content-Length; a caller's Accept replaces the default.
    void getWithoutBody()
    {
        ScriptedServer server([](ServerConn& c, const QByteArray&) { c.socket->write(okResponse("x")); });
        Http1Pool pool;
        Probe p(server.port(), "GET", QByteArray());
        p.call->headers = { { "accept", "text/event-stream" } };
        pool.send(p.call);
        QTRY_VERIFY_WITH_TIMEOUT(p.call->done, kWaitMs);
        QVERIFY(!p.call->failed);
        const QByteArray request = server.requests().value(0);
        QVERIFY2(request.startsWith("GET / HTTP/1.1\r\n"), request.constData()); // empty target → "/"
        QVERIFY2(!request.contains("Content-Length"), request.constData());
        QVERIFY2(request.contains("\r\naccept: text/event-stream\r\n"), request.constData());
        QVERIFY2(!request.contains("*/*"), request.constData());
    }

    // 2. Chunked with extensions and a trailer, one byte per write; then the connection is reused.
    void chunkedByteByByteThenReuse()
    {
        const QByteArray chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-A: b\r\n\r\n"
                                   "5;ext=1\r\nhello\r\n"
                                   "6\r\n world\r\n"
                                   "A;name=\"q\"\r\n0123456789\r\n"
                                   "0\r\nX-Trailer: yes\r\n\r\n";
        ScriptedServer server([&](ServerConn& c, const QByteArray& request) {
            if (targetOf(request) == "/chunked")
                writeByteByByte(c.socket, chunked);
            else
                c.socket->write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n");
        });
        Http1Pool pool;
        Probe first(server.port(), "GET", "/chunked");
        QSignalSpy spy(first.call.get(), &Http1Call::finished);
        pool.send(first.call);
        QVERIFY(spy.wait(kWaitMs));
        QVERIFY2(!first.call->failed, qPrintable(first.call->error));
        QCOMPARE(first.call->status, 200);
        QCOMPARE(first.body, QByteArrayLiteral("hello world0123456789"));
        QVERIFY(first.pieces >= 3); // at least one piece per chunk
        QCOMPARE(headerValue(*first.call, "X-A"), QByteArrayLiteral("b"));
        QCOMPARE(pool.openConnections(), 1);
        QCOMPARE(pool.idleConnections(), 1);

        Probe second(server.port(), "GET", "/again");
        QSignalSpy spy2(second.call.get(), &Http1Call::finished);
        pool.send(second.call);
        QVERIFY(spy2.wait(kWaitMs));
        QVERIFY2(!second.call->failed, qPrintable(second.call->error));
        QCOMPARE(second.body, QByteArrayLiteral("abc"));
        QCOMPARE(server.connectionCount(), 1);
        QCOMPARE(server.conn(0).requests.size(), 2);
        QCOMPARE(pool.openConnections(), 1);
        QCOMPARE(pool.idleConnections(), 1);
    }

    // 2b. An answer whose trailers never end is refused once they pass 64 KiB,
    // without buffering the rest (a 30 MB trailer used to cost 60 MB).
    void oversizedTrailersRefused()
    {
        const QByteArray trailerLine = "X-Pad: " + QByteArray(1000, 'p') + "\r\n";
        ScriptedServer server([&](ServerConn& c, const QByteArray&) {
            QByteArray out = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n";
            for (int i = 0; i < 4000; ++i) // ~4 MB of trailers, no end
                out += trailerLine;
            c.socket->write(out);
        });
        Http1Pool pool;
        Probe probe(server.port(), "GET", "/trailers");
        QSignalSpy spy(probe.call.get(), &Http1Call::finished);
        pool.send(probe.call);
        QVERIFY(spy.wait(kWaitMs));
        QVERIFY(probe.call->failed);
        QVERIFY2(probe.call->error.contains(QStringLiteral("trailers")), qPrintable(probe.call->error));
        QCOMPARE(probe.body, QByteArrayLiteral("hello"));
        QCOMPARE(pool.idleConnections(), 0); // never reused
    }

    // 3. HTTP/1.0 without Content-Length: the body runs until close; no reuse.
    void http10BodyUntilClose()
    {
        ScriptedServer server([](ServerConn& c, const QByteArray& request) {
            c.socket->write(QByteArray("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end " + targetOf(request)));
            c.socket->disconnectFromHost();
        });
        Http1Pool pool;
        Probe first(server.port(), "GET", "/one");
        QSignalSpy spy(first.call.get(), &Http1Call::finished);
        pool.send(first.call);
        QVERIFY(spy.wait(kWaitMs));
        QVERIFY2(!first.call->failed, qPrintable(first.call->error));
        QCOMPARE(first.call->status, 200);
        QCOMPARE(first.body, QByteArrayLiteral("until the end /one"));
        QCOMPARE(pool.openConnections(), 0);
        QCOMPARE(pool.idleConnections(), 0);

        Probe second(server.port(), "GET", "/two");
        pool.send(second.call);
        QTRY_VERIFY_WITH_TIMEOUT(second.call->done, kWaitMs);
        QVERIFY2(!second.call->failed, qPrintable(second.call->error));
        QCOMPARE(second.body, QByteArrayLiteral("until the end /two"));
        QCOMPARE(server.connectionCount(), 2);
        QCOMPARE(server.conn(0).requests.size(), 1);
        QCOMPARE(server.conn(1).requests.size(), 1);
    }

    // HTTP/1.0 with Connection: keep-alive and a length may be reused.
    void http10KeepAlive()
    {
        ScriptedServer server(
            [](ServerConn& c, const QByteArray&) { c.socket->write("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok"); });
        Http1Pool pool;
        for (int i = 0; i < 2; ++i) {
            Probe p(server.port());
            pool.send(p.call);
            QTRY_VERIFY_WITH_TIMEOUT(p.call->done, kWaitMs);
            QVERIFY(!p.call->failed);
            QCOMPARE(p.body, QByteArrayLiteral("ok"));
        }
        QCOMPARE(server.connectionCount(), 1);
    }

    // 4. Connection: close with a length: the client drops the connection itself.
    void connectionCloseNotReused()
    {
        // The server keeps its end open: only the header tells the client not to reuse it.
        ScriptedServer server([](ServerConn& c, const QByteArray&) { c.socket->write(okResponse("bye", "Connection: close\r\n")); });
        Http1Pool pool;
        Probe first(server.port(), "GET", "/one");
        pool.send(first.call);
        QTRY_VERIFY_WITH_TIMEOUT(first.call->done, kWaitMs);
        QVERIFY2(!first.call->failed, qPrintable(first.call->error));
        QCOMPARE(first.body, QByteArrayLiteral("bye"));
        QCOMPARE(pool.openConnections(), 0);
        QCOMPARE(pool.idleConnections(), 0);

        Probe second(server.port(), "GET", "/two");
        pool.send(second.call);
        QTRY_VERIFY_WITH_TIMEOUT(second.call->done, kWaitMs);
        QVERIFY(!second.call->failed);
        QCOMPARE(server.connectionCount(), 2);
        QCOMPARE(server.conn(0).requests.size(), 1);
        QCOMPARE(server.conn(1).requests.size(), 1);
        QTRY_VERIFY_WITH_TIMEOUT(server.conn(0).closed, kWaitMs); // the pool closed it
    }

    // 5. No body for 204, 304 and HEAD, whatever the length says; the connection stays usable.
    void noBodyResponses()
    {
        ScriptedServer server([](ServerConn& c, const QByteArray& request) {
            const QByteArray target = targetOf(request);
            if (target == "/204")
                c.socket->write("HTTP/1.1 204 No Content\r\nX-N: 1\r\n\r\n");
            else if (target == "/304")
                c.socket->write("HTTP/1.1 304 Not Modified\r\nContent-Length: 50\r\n\r\n");
            else if (target == "/head")
                c.socket->write("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\nContent-Type: text/plain\r\n\r\n");
            else
                c.socket->write(okResponse("after"));
        });
        Http1Pool pool;
        Probe noContent(server.port(), "GET", "/204");
        QSignalSpy spy(noContent.call.get(), &Http1Call::finished);
        pool.send(noContent.call);
        QVERIFY(spy.wait(kWaitMs));
        QVERIFY(!noContent.call->failed);
        QCOMPARE(noContent.call->status, 204);
        QCOMPARE(noContent.body, QByteArray());
        QCOMPARE(headerValue(*noContent.call, "X-N"), QByteArrayLiteral("1"));

        Probe notModified(server.port(), "GET", "/304");
        QSignalSpy spy304(notModified.call.get(), &Http1Call::finished);
        pool.send(notModified.call);
        QVERIFY(spy304.wait(kWaitMs));
        QVERIFY(!notModified.call->failed);
        QCOMPARE(notModified.call->status, 304);

        Probe head(server.port(), "HEAD", "/head");
        QSignalSpy spyHead(head.call.get(), &Http1Call::finished);
        pool.send(head.call);
        QVERIFY(spyHead.wait(kWaitMs));
        QVERIFY(!head.call->failed);
        QCOMPARE(head.call->status, 200);
        QCOMPARE(head.body, QByteArray());
        QCOMPARE(headerValue(*head.call, "Content-Length"), QByteArrayLiteral("1000"));
        QVERIFY2(!server.requests().last().contains("Content-Length"), server.requests().last().constData());

        // Had the client waited for 1000 (or 50) body bytes it would now take
        // this response as that body.
        Probe after(server.port(), "GET", "/after");
        pool.send(after.call);
        QTRY_VERIFY_WITH_TIMEOUT(after.call->done, kWaitMs);
        QVERIFY(!after.call->failed);
        QCOMPARE(after.body, QByteArrayLiteral("after"));
        QCOMPARE(server.connectionCount(), 1);
        QCOMPARE(server.conn(0).requests.size(), 4);
    }

    // 6. Interim 1xx responses are skipped.
    void continueThenOk()
    {
        ScriptedServer server([](ServerConn& c, const QByteArray& request) {
            if (targetOf(request) == "/together") {
                c.socket->write("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nX-Final: 1\r\nContent-Length: 2\r\n\r\nok");
                return;
            }
            c.socket->write("HTTP/1.1 100 Continue\r\nX-Interim: 1\r\n\r\n");
            c.socket->flush();
            QTcpSocket* s = c.socket;
            QTimer::singleShot(20, s, [s] { s->write("HTTP/1.1 200 OK\r\nX-Final: 1\r\nContent-Length: 2\r\n\r\nok"); });
        });
        Http1Pool pool;
        for (const QByteArray& target : { QByteArrayLiteral("/together"), QByteArrayLiteral("/apart") }) {
            Probe p(server.port(), "POST", target, "body");
            QSignalSpy spy(p.call.get(), &Http1Call::finished);
            pool.send(p.call);
            QVERIFY(spy.wait(kWaitMs));
            QVERIFY2(!p.call->failed, qPrintable(p.call->error));
            QCOMPARE(p.call->status, 200);
            QCOMPARE(p.statusAtHeaders, 200);
            QCOMPARE(p.headerCalls, 1);
            QCOMPARE(p.body, QByteArrayLiteral("ok"));
            QCOMPARE(headerValue(*p.call, "X-Final"), QByteArrayLiteral("1"));
            QCOMPARE(headerValue(*p.call, "X-Interim"), QByteArray());
        }
        QCOMPARE(server.connectionCount(), 1);
    }

    // 7a. The server closes an idle keep-alive connection; the pool notices before the next call.
    void serverClosesIdleConnection()
    {
        ScriptedServer server([](ServerConn& c, const QByteArray& request) {
            c.socket->write(okResponse(targetOf(request)));
            if (targetOf(request) == "/first")
                c.socket->disconnectFromHost();
        });
        Http1Pool pool;
        Probe first(server.port(), "GET", "/first");
        pool.send(first.call);
        QTRY_VERIFY_WITH_TIMEOUT(first.call->done, kWaitMs);
        QVERIFY(!first.call->failed);
        QTRY_VERIFY_WITH_TIMEOUT(server.conn(0).closed, kWaitMs);
        QTRY_COMPARE_WITH_TIMEOUT(pool.openConnections(), 0, kWaitMs);
        QCOMPARE(pool.idleConnections(), 0);

        Probe second(server.port(), "GET", "/second");
        pool.send(second.call);
        QTRY_VERIFY_WITH_TIMEOUT(second.call->done, kWaitMs);
        QVERIFY2(!second.call->failed, qPrintable(second.call->error));
        QCOMPARE(second.body, QByteArrayLiteral("/second"));
        QCOMPARE(server.requestsFor("/second"), 1);
        QCOMPARE(server.connectionCount(), 2);
    }

    // 7b. Same, but the next call is sent before the client can have seen the
    // close: it meets the dead connection and is sent again on a fresh one.
    void serverClosesIdleConnectionRace()
    {
        ScriptedServer server([](ServerConn& c, const QByteArray& request) {
            c.socket->write(okResponse(targetOf(request)));
            if (targetOf(request) == "/first")
                c.socket->disconnectFromHost();
        });
        Http1Pool pool;
        Probe first(server.port(), "GET", "/first");
        Probe second(server.port(), "POST", "/second", "payload");
        QObject::connect(first.call.get(), &Http1Call::finished, first.call.get(), [&] { pool.send(second.call); });
        pool.send(first.call);
        QTRY_VERIFY_WITH_TIMEOUT(second.call->done, kWaitMs);
        QVERIFY(first.call->done);
        QVERIFY(!first.call->failed);
        QVERIFY2(!second.call->failed, qPrintable(second.call->error));
        QCOMPARE(second.call->status, 200);
        QCOMPARE(second.body, QByteArrayLiteral("/second"));
        QCOMPARE(second.finishedCount, 1);
        QCOMPARE(server.requestsFor("/second"), 1);
        QCOMPARE(server.connectionCount(), 2);
        QCOMPARE(server.conn(1).requests.size(), 1);
    }

    // 8. A fresh connection closed after the request without an answer: failure, no resend loop.
    void closeWithoutAnswerOnFreshConnection()
    {
        ScriptedServer server([](ServerConn& c, const QByteArray&) { c.socket->disconnectFromHost(); });
        Http1Pool pool;
        Probe p(server.port(), "POST", "/drop", "x");
        QSignalSpy spy(p.call.get(), &Http1Call::finished);
        pool.send(p.call);
        QVERIFY(spy.wait(kWaitMs));
        QCOMPARE(spy.count(), 1);
        QVERIFY(p.call->failed);
        QVERIFY(!p.call->error.isEmpty());
        QVERIFY(!p.call->connectFailed);
        QCOMPARE(p.call->status, 0);
        QVERIFY2(server.requestsFor("/drop") <= 2, QByteArray::number(server.requestsFor("/drop")).constData());
        QVERIFY(server.connectionCount() <= 2);
        QCOMPARE(pool.openConnections(), 0);
    }

    // 8b. On a reused connection the request is sent once more, and only once.
    void closeWithoutAnswerOnReusedConnection()
    {
        ScriptedServer server([](ServerConn& c, const QByteArray& request) {
            if (targetOf(request) == "/warm")
                c.socket->write(okResponse("warm"));
            else
                c.socket->disconnectFromHost();
        });
        Http1Pool pool;
        Probe warm(server.port(), "GET", "/warm");
        pool.send(warm.call);
        QTRY_VERIFY_WITH_TIMEOUT(warm.call->done, kWaitMs);
        QVERIFY(!warm.call->failed);

        Probe p(server.port(), "POST", "/drop", "x");
        QSignalSpy spy(p.call.get(), &Http1Call::finished);
        pool.send(p.call);
        QVERIFY(spy.wait(kWaitMs));
        QCOMPARE(spy.count(), 1);
        QVERIFY(p.call->failed);
        QVERIFY(!p.call->error.isEmpty());
        QCOMPARE(server.requestsFor("/drop"), 2);
        QCOMPARE(server.connectionCount(), 2);
        QCOMPARE(pool.openConnections(), 0);
    }

    // A body cut short by the close fails (it is not a body-until-close response).
    void truncatedBodyFails()
    {
        ScriptedServer server([](ServerConn& c, const QByteArray&) {
            c.socket->write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial");
            c.socket->disconnectFromHost();
        });
        Http1Pool pool;
        Probe p(server.port());
        pool.send(p.call);
        QTRY_VERIFY_WITH_TIMEOUT(p.call->done, kWaitMs);
        QVERIFY(p.call->failed);
        QCOMPARE(p.call->status, 200);
        QCOMPARE(p.body, QByteArrayLiteral("partial"));
        QCOMPARE(server.requests().size(), 1); // bytes had arrived: never resent
    }

    // 9. Not HTTP at all.
    void garbageStatusLine()
    {
        ScriptedServer server([](ServerConn& c, const QByteArray&) { c.socket->write("FOO 200\r\n\r\n"); });
        Http1Pool pool;
        Probe p(server.port());
        QSignalSpy spy(p.call.get(), &Http1Call::finished);
        pool.send(p.call);
        QVERIFY(spy.wait(kWaitMs));
        QVERIFY(p.call->failed);
        QVERIFY2(p.call->error.contains(QStringLiteral("HTTP")), qPrintable(p.call->error));
        QCOMPARE(p.headerCalls, 0);
        QCOMPARE(pool.openConnections(), 0);
        QTRY_VERIFY_WITH_TIMEOUT(server.conn(0).closed, kWaitMs);
        QCOMPARE(server.requests().size(), 1);
    }

    // 10. Response heads over 64 KiB fail, whether or not their end has arrived.
    void oversizedHeaders_data()
    {
        QTest::addColumn<int>("headerBytes");
        QTest::addColumn<bool>("complete");
        QTest::addColumn<bool>("ok");
        QTest::newRow("70 KiB, never ends") << 70 * 1024 << false << false;
        QTest::newRow("70 KiB, complete") << 70 * 1024 << true << false;
        QTest::newRow("1 MiB, complete") << 1024 * 1024 << true << false;
        QTest::newRow("60 KiB, complete") << 60 * 1024 << true << true;
    }
    void oversizedHeaders()
    {
        QFETCH(int, headerBytes);
        QFETCH(bool, complete);
        QFETCH(bool, ok);
        ScriptedServer server([&](ServerConn& c, const QByteArray&) {
            QByteArray out = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Big: " + QByteArray(headerBytes, 'a') + "\r\n";
            if (complete)
                out += "\r\nok";
            c.socket->write(out);
        });
        Http1Pool pool;
        Probe p(server.port());
        QSignalSpy spy(p.call.get(), &Http1Call::finished);
        pool.send(p.call);
        QVERIFY(spy.wait(kWaitMs));
        QCOMPARE(p.call->failed, !ok);
        if (ok) {
            QCOMPARE(p.body, QByteArrayLiteral("ok"));
            QCOMPARE(headerValue(*p.call, "X-Big").size(), headerBytes);
        } else {
            QVERIFY2(p.call->error.contains(QStringLiteral("64 KiB")), qPrintable(p.call->error));
            QCOMPARE(p.headerCalls, 0);
            QCOMPARE(pool.openConnections(), 0);
        }
    }

    // 11. Nobody listens.
    void connectionRefused()
    {
        quint16 port = 0;
        {
            QTcpServer closed;
            QVERIFY(closed.listen(QHostAddress::LocalHost, 0));
            port = closed.serverPort();
        }
        Http1Pool pool;
        Probe p(port);
        QSignalSpy spy(p.call.get(), &Http1Call::finished);
        pool.send(p.call);
        QVERIFY(spy.wait(kWaitMs));
        QCOMPARE(spy.count(), 1);
        QVERIFY(p.call->failed);
        QVERIFY(p.call->connectFailed);
        QVERIFY(!p.call->error.isEmpty());
        QCOMPARE(pool.openConnections(), 0);
    }

    // 12. abort() while the server sits on the request.
    void abortWhileServerHangs()
    {
        ScriptedServer server([](ServerConn&, const QByteArray&) {});
        Http1Pool pool;
        Probe p(server.port(), "POST", "/hang", "x");
        QSignalSpy spy(p.call.get(), &Http1Call::finished);
        pool.send(p.call);
        QTRY_COMPARE_WITH_TIMEOUT(server.requests().size(), 1, kWaitMs);
        QCOMPARE(pool.openConnections(), 1);
        QCOMPARE(pool.idleConnections(), 0);
        QVERIFY(!p.call->done);

        p.call->abort();
        QCOMPARE(spy.count(), 1);
        QVERIFY(p.call->done);
        QVERIFY(p.call->failed);
        QVERIFY(!p.call->error.isEmpty());
        p.call->abort(); // a second abort is a no-op
        QTRY_VERIFY_WITH_TIMEOUT(server.conn(0).closed, kWaitMs);
        QCOMPARE(spy.count(), 1);
        QCOMPARE(p.finishedCount, 1);
        QCOMPARE(pool.openConnections(), 0);
        QCOMPARE(pool.idleConnections(), 0);
    }

    // abort() before the connection is even up, and on a call never sent.
    void abortEarly()
    {
        ScriptedServer server([](ServerConn& c, const QByteArray&) { c.socket->write(okResponse("x")); });
        Http1Pool pool;
        Probe p(server.port());
        pool.send(p.call);
        p.call->abort(); // still connecting
        QVERIFY(p.call->done);
        QVERIFY(p.call->failed);
        QVERIFY(!p.call->connectFailed); // aborted, not refused
        QCOMPARE(p.finishedCount, 1);
        QCOMPARE(pool.openConnections(), 0);

        Probe unsent(server.port());
        unsent.call->abort();
        QVERIFY(unsent.call->done);
        QVERIFY(unsent.call->failed);
        QCOMPARE(unsent.finishedCount, 1);

        // The pool still works afterwards.
        Probe later(server.port());
        pool.send(later.call);
        QTRY_VERIFY_WITH_TIMEOUT(later.call->done, kWaitMs);
        QVERIFY(!later.call->failed);
        QCOMPARE(p.finishedCount, 1);
    }

    // abort() from inside onHeaders or onData, with the only other owner letting
    // go in finished(): neither the call nor the running callback may be gone
    // before the callback returns (ASan).
    void abortFromCallbackWhileOwnerLetsGo_data()
    {
        QTest::addColumn<bool>("inHeaders");
        QTest::newRow("onHeaders") << true;
        QTest::newRow("onData") << false;
    }
    void abortFromCallbackWhileOwnerLetsGo()
    {
        QFETCH(bool, inHeaders);
        ScriptedServer server([](ServerConn& c, const QByteArray&) { c.socket->write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nfirst piece"); });
        Http1Pool pool;
        auto call = std::make_shared<Http1Call>();
        const std::weak_ptr<Http1Call> weak = call;
        Http1Call* raw = call.get();
        call->method = "GET";
        call->host = QStringLiteral("127.0.0.1");
        call->port = server.port();
        call->target = "/";
        int pieces = 0;
        int afterAbort = 0;
        int finished = 0;
        bool failed = false;
        if (inHeaders) {
            call->onHeaders = [raw, &afterAbort](Http1Call&) {
                raw->abort();
                ++afterAbort; // reads this lambda's captures
            };
        }
        call->onData = [raw, &pieces, &afterAbort](Http1Call&, const QByteArray&) {
            ++pieces;
            raw->abort();
            ++afterAbort;
        };
        QObject::connect(raw, &Http1Call::finished, raw, [&] {
            ++finished;
            failed = call->failed;
            call.reset();
        });
        pool.send(call);
        QTRY_VERIFY_WITH_TIMEOUT(finished > 0, kWaitMs);
        QCOMPARE(finished, 1);
        QCOMPARE(pieces, inHeaders ? 0 : 1);
        QCOMPARE(afterAbort, 1);
        QVERIFY(failed);
        QVERIFY(weak.expired());
        QTRY_VERIFY_WITH_TIMEOUT(server.conn(0).closed, kWaitMs);
        QCOMPARE(pool.openConnections(), 0);
    }

    // The same from outside any callback.
    void abortWhileOwnerLetsGoInFinished()
    {
        ScriptedServer server([](ServerConn&, const QByteArray&) {});
        Http1Pool pool;
        auto call = std::make_shared<Http1Call>();
        const std::weak_ptr<Http1Call> weak = call;
        Http1Call* raw = call.get();
        call->method = "GET";
        call->host = QStringLiteral("127.0.0.1");
        call->port = server.port();
        int finished = 0;
        QObject::connect(raw, &Http1Call::finished, raw, [&] {
            ++finished;
            call.reset();
        });
        pool.send(call);
        QTRY_COMPARE_WITH_TIMEOUT(server.requests().size(), 1, kWaitMs);
        raw->abort();
        QCOMPARE(finished, 1);
        QVERIFY(weak.expired());
    }

    // The pool goes away with a call in flight; aborting the call later is safe.
    void poolDestroyedWithCallInFlight()
    {
        ScriptedServer server([](ServerConn&, const QByteArray&) {});
        auto pool = std::make_unique<Http1Pool>();
        Probe p(server.port());
        pool->send(p.call);
        QTRY_COMPARE_WITH_TIMEOUT(server.requests().size(), 1, kWaitMs);
        pool.reset();
        QTRY_VERIFY_WITH_TIMEOUT(server.conn(0).closed, kWaitMs);
        p.call->abort();
        QVERIFY(p.call->done);
        QVERIFY(p.call->failed);
        QCOMPARE(p.finishedCount, 1);
    }

    // Bytes beyond the response: the connection is not reused.
    void extraBytesAfterResponse()
    {
        ScriptedServer server([](ServerConn& c, const QByteArray&) { c.socket->write(QByteArray(okResponse("ok") + "JUNK")); });
        Http1Pool pool;
        for (int i = 0; i < 2; ++i) {
            Probe p(server.port());
            pool.send(p.call);
            QTRY_VERIFY_WITH_TIMEOUT(p.call->done, kWaitMs);
            QVERIFY(!p.call->failed);
            QCOMPARE(p.body, QByteArrayLiteral("ok"));
        }
        QCOMPARE(server.connectionCount(), 2);
    }

    // 13. Many calls at once: one connection each, no per-host cap.
    void manyConcurrentCalls()
    {
        struct Pending
        {
            QPointer<QTcpSocket> socket;
            QByteArray target;
            QDeadlineTimer due;
        };
        std::deque<Pending> queue;
        int maxPending = 0;
        ScriptedServer server([&](ServerConn& c, const QByteArray& request) {
            queue.push_back({ c.socket, targetOf(request), QDeadlineTimer(50, Qt::PreciseTimer) });
            maxPending = std::max(maxPending, static_cast<int>(queue.size()));
        });
        QTimer answer;
        answer.setInterval(5);
        QObject::connect(&answer, &QTimer::timeout, &answer, [&] {
            while (!queue.empty() && queue.front().due.hasExpired()) {
                const Pending p = queue.front();
                queue.pop_front();
                if (p.socket)
                    p.socket->write(okResponse(p.target.mid(3))); // "/c/17" → "17"
            }
        });
        answer.start();

        Http1Pool pool;
        constexpr int kCalls = 200;
        std::vector<std::unique_ptr<Probe>> probes;
        for (int i = 0; i < kCalls; ++i) {
            probes.push_back(std::make_unique<Probe>(server.port(), "GET", "/c/" + QByteArray::number(i)));
            pool.send(probes.back()->call);
        }
        QCOMPARE(pool.openConnections(), kCalls);
        QCOMPARE(pool.idleConnections(), 0);
        const auto allDone = [&] { return std::all_of(probes.cbegin(), probes.cend(), [](const auto& p) { return p->call->done; }); };
        QTRY_VERIFY_WITH_TIMEOUT(allDone(), 20'000);
        for (int i = 0; i < kCalls; ++i) {
            const Probe& p = *probes[static_cast<size_t>(i)];
            QVERIFY2(!p.call->failed, qPrintable(p.call->error));
            QCOMPARE(p.call->status, 200);
            QCOMPARE(p.body, QByteArray::number(i));
            QCOMPARE(p.finishedCount, 1);
        }
        qInfo("server: %d connections, at most %d open and %d requests waiting at once", server.connectionCount(), server.maxOpen, maxPending);
        QVERIFY2(server.maxOpen >= 150, QByteArray::number(server.maxOpen).constData());
        QVERIFY2(maxPending >= 150, QByteArray::number(maxPending).constData()); // in flight together, not queued in the client
        QCOMPARE(server.connectionCount(), kCalls);
        QCOMPARE(server.requests().size(), kCalls);
        QCOMPARE(pool.openConnections(), kCalls);
        QCOMPARE(pool.idleConnections(), kCalls);
    }

    // 14. Open/idle bookkeeping through reuse, concurrency and server closes.
    void bookkeeping()
    {
        // Holds answers until `batch` requests wait, then answers them all.
        int batch = 1;
        QList<QPointer<QTcpSocket>> waiting;
        ScriptedServer server([&](ServerConn& c, const QByteArray&) {
            waiting.append(c.socket);
            if (waiting.size() < batch)
                return;
            for (const auto& s : std::as_const(waiting)) {
                if (s)
                    s->write(okResponse("ok"));
            }
            waiting.clear();
        });
        Http1Pool pool;
        QCOMPARE(pool.openConnections(), 0);
        QCOMPARE(pool.idleConnections(), 0);

        for (int i = 0; i < 3; ++i) {
            Probe p(server.port());
            pool.send(p.call);
            QCOMPARE(pool.openConnections(), 1);
            QCOMPARE(pool.idleConnections(), 0); // taken while busy
            QTRY_VERIFY_WITH_TIMEOUT(p.call->done, kWaitMs);
            QVERIFY(!p.call->failed);
            QCOMPARE(pool.openConnections(), 1);
            QCOMPARE(pool.idleConnections(), 1);
        }
        QCOMPARE(server.connectionCount(), 1);

        batch = 5;
        {
            std::vector<std::unique_ptr<Probe>> probes;
            for (int i = 0; i < batch; ++i) {
                probes.push_back(std::make_unique<Probe>(server.port()));
                pool.send(probes.back()->call);
            }
            QCOMPARE(pool.openConnections(), 5); // the idle one plus four new
            QCOMPARE(pool.idleConnections(), 0);
            QTRY_VERIFY_WITH_TIMEOUT(std::all_of(probes.cbegin(), probes.cend(), [](const auto& p) { return p->call->done; }), kWaitMs);
            for (const auto& p : probes)
                QVERIFY(!p->call->failed);
        }
        QCOMPARE(server.connectionCount(), 5);
        QCOMPARE(pool.openConnections(), 5);
        QCOMPARE(pool.idleConnections(), 5);

        // Three calls after the burst reuse idle connections and open none.
        batch = 1;
        for (int i = 0; i < 3; ++i) {
            Probe p(server.port());
            pool.send(p.call);
            QTRY_VERIFY_WITH_TIMEOUT(p.call->done, kWaitMs);
            QVERIFY(!p.call->failed);
        }
        QCOMPARE(server.connectionCount(), 5);
        QCOMPARE(pool.openConnections(), 5);
        QCOMPARE(pool.idleConnections(), 5);

        // The server closes two of them: the pool forgets exactly those.
        server.conn(0).socket->disconnectFromHost();
        server.conn(3).socket->disconnectFromHost();
        QTRY_COMPARE_WITH_TIMEOUT(pool.openConnections(), 3, kWaitMs);
        QCOMPARE(pool.idleConnections(), 3);

        // And all of them.
        for (int i = 0; i < server.connectionCount(); ++i)
            server.conn(i).socket->disconnectFromHost();
        QTRY_COMPARE_WITH_TIMEOUT(pool.openConnections(), 0, kWaitMs);
        QCOMPARE(pool.idleConnections(), 0);
    }
};

QTEST_GUILESS_MAIN(TestHttp1Pool)
#include "tst_http1pool.moc"
