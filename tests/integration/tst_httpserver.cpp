// The REST server's HTTP layer (HttpServer) against raw client sockets on
// 127.0.0.1: hostile clients (pipelining without reading, junk behind a
// request in progress, event streams nobody reads, connection floods, no file
// descriptors left) cost bounded memory and never stop the server, and request
// framing is RFC 9112 strict. Waits are on signals or QTRY, never sleeps.

#include "api/httpserver.h"

#include <QDeadlineTimer>
#include <QHostAddress>
#include <QSignalSpy>
#include <QTcpSocket>
#include <QTimer>
#include <QtTest>

#include <memory>
#include <vector>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace llmsched;

namespace {

constexpr int kWaitMs = 10'000;

// The most a connection may hold: one head or one body (tests use small
// bodies) plus a read chunk, and the queued-output threshold plus one answer.
constexpr qint64 kInputBound = HttpServer::kMaxHeaderBytes + 4 + 2 * HttpServer::kReadChunkBytes;

QByteArray get(const QByteArray& target)
{
    return "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
}

// Counts whole responses in a byte stream (Content-Length framed ones).
int countResponses(const QByteArray& data, qsizetype* consumed = nullptr)
{
    int n = 0;
    qsizetype from = 0;
    while (true) {
        const qsizetype end = data.indexOf("\r\n\r\n", from);
        if (end < 0)
            break;
        const QByteArray head = data.mid(from, end - from).toLower();
        const qsizetype at = head.indexOf("content-length: ");
        const qint64 length = at < 0 ? 0 : head.mid(at + 16, head.indexOf("\r\n", at) - at - 16).toLongLong();
        if (end + 4 + length > data.size())
            break;
        from = end + 4 + length;
        ++n;
    }
    if (consumed)
        *consumed = from;
    return n;
}

int statusOf(const QByteArray& response)
{
    return response.mid(9, 3).toInt();
}

bool waitFor(const std::function<bool()>& condition)
{
    QDeadlineTimer deadline(kWaitMs);
    while (!condition() && !deadline.hasExpired())
        QTest::qWait(10);
    return condition();
}

// A raw client: writes what it is told, reads only when asked to.
class RawClient
{
public:
    // Qt would read everything the server sends into the socket's buffer:
    // a client that "does not read" must not let it.
    RawClient() { m_socket.setReadBufferSize(16 * 1024); }

    bool connectTo(quint16 port)
    {
        m_socket.connectToHost(QHostAddress::LocalHost, port);
        return m_socket.waitForConnected(kWaitMs);
    }
    void send(const QByteArray& bytes) { m_socket.write(bytes); }
    void startReading()
    {
        m_socket.setReadBufferSize(0);
        QObject::connect(&m_socket, &QTcpSocket::readyRead, &m_socket, [this] { m_data += m_socket.readAll(); });
        m_data += m_socket.readAll();
    }
    // Waits for one whole answer (or the server closing the connection).
    QByteArray readAnswer()
    {
        startReading();
        waitFor([this] { return countResponses(m_data) > 0 || m_socket.state() == QAbstractSocket::UnconnectedState; });
        return m_data;
    }
    bool waitClosed()
    {
        return waitFor([this] { return m_socket.state() == QAbstractSocket::UnconnectedState; });
    }
    const QByteArray& data() const { return m_data; }
    QTcpSocket& socket() { return m_socket; }

private:
    QTcpSocket m_socket;
    QByteArray m_data;
};

// Waits until the client has written nothing for a while: the server has
// stopped taking its bytes (or has taken them all). Waits on the signal.
void waitUntilClientStalls(QTcpSocket& socket)
{
    QSignalSpy written(&socket, &QTcpSocket::bytesWritten);
    while (socket.bytesToWrite() > 0 && written.wait(500))
        written.clear();
}

class RlimitGuard
{
public:
    RlimitGuard() { getrlimit(RLIMIT_NOFILE, &m_saved); }
    ~RlimitGuard() { setrlimit(RLIMIT_NOFILE, &m_saved); }
    bool setSoft(rlim_t soft)
    {
        rlimit l = m_saved;
        l.rlim_cur = soft;
        return setrlimit(RLIMIT_NOFILE, &l) == 0;
    }

private:
    rlimit m_saved {};
};

int highestOpenFd()
{
    int highest = 0;
    for (const QString& name : QDir(QStringLiteral("/proc/self/fd")).entryList(QDir::NoDotAndDotDot | QDir::AllEntries))
        highest = std::max(highest, name.toInt());
    return highest;
}

} // namespace

class TestHttpServer : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();

    void pipelinedRequestsUnreadKeepOutputBounded();
    void bytesBehindARequestInProgressStayInTheSocket();
    void unreadEventStreamIsDropped();
    void connectionsPerAddressAreCapped();
    void connectionCapFitsTheFileLimit();
    void acceptResumesWhenFileDescriptorsReturn();
    void framing_data();
    void framing();
    void headLargerThanTheLimitInOneRead();

private:
    std::unique_ptr<HttpServer> m_server;
    quint16 m_port = 0;
    int m_handled = 0;
    std::vector<std::shared_ptr<HttpReply>> m_held; // replies a test answers later
    std::function<void(HttpRequest&, const std::shared_ptr<HttpReply>&)> m_handler;
};

void TestHttpServer::init()
{
    m_handled = 0;
    m_held.clear();
    m_handler = [](HttpRequest& request, const std::shared_ptr<HttpReply>& reply) {
        reply->send(200, "{\"method\":\"" + request.method + "\",\"body\":" + QByteArray::number(request.body.size()) + "}");
    };
    m_server = std::make_unique<HttpServer>();
    m_server->setHandler([this](HttpRequest request, std::shared_ptr<HttpReply> reply) {
        ++m_handled;
        m_handler(request, reply);
    });
    const auto port = m_server->listen(QHostAddress::LocalHost, 0);
    QVERIFY(port);
    m_port = *port;
}

void TestHttpServer::cleanup()
{
    m_held.clear();
    m_server.reset();
}

// A client pipelines requests and never reads the answers: the server stops
// parsing while its unsent answers exceed the threshold, and once the client
// reads, every request is answered. (It used to queue answers without limit.)
void TestHttpServer::pipelinedRequestsUnreadKeepOutputBounded()
{
    const QByteArray big(16 * 1024, 'x');
    m_handler = [&big](HttpRequest&, const std::shared_ptr<HttpReply>& reply) { reply->send(200, big, "text/plain"); };
    constexpr int kRequests = 1200; // ~19 MiB of answers: more than the kernel buffers and the threshold
    QByteArray requests;
    for (int i = 0; i < kRequests; ++i)
        requests += get("/r" + QByteArray::number(i));

    RawClient client;
    QVERIFY(client.connectTo(m_port));
    client.send(requests);
    QTRY_VERIFY_WITH_TIMEOUT(m_server->stats().peakOutputBytes > HttpServer::kMaxQueuedOutputBytes, kWaitMs);
    waitUntilClientStalls(client.socket());
    const int handledWhileUnread = m_handled;
    QVERIFY2(handledWhileUnread < kRequests, "the server answered everything into memory");
    QVERIFY2(m_server->stats().peakOutputBytes <= HttpServer::kMaxQueuedOutputBytes + big.size() + 256,
        QByteArray::number(m_server->stats().peakOutputBytes).constData());

    client.startReading();
    QTRY_COMPARE_WITH_TIMEOUT(countResponses(client.data()), kRequests, 60'000);
    QCOMPARE(m_handled, kRequests);
    QVERIFY(m_server->stats().peakOutputBytes <= HttpServer::kMaxQueuedOutputBytes + big.size() + 256);
    QVERIFY(m_server->stats().peakInputBytes <= kInputBound);
}

// While a request is being answered, what the client sends next stays in the
// socket (TCP flow control stops it), not in the server's memory; once the
// answer is sent the pipelined requests are read and answered in order.
void TestHttpServer::bytesBehindARequestInProgressStayInTheSocket()
{
    m_handler = [this](HttpRequest& request, const std::shared_ptr<HttpReply>& reply) {
        if (request.path == QLatin1String("/hold"))
            m_held.push_back(reply);
        else
            reply->send(200, QByteArray::number(request.body.size()), "text/plain");
    };
    constexpr int kBodies = 300; // ~18 MiB behind the held request
    const QByteArray body(60'000, 'b');
    QByteArray after;
    for (int i = 0; i < kBodies; ++i)
        after += "POST /b HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\n\r\n" + body;

    RawClient client;
    QVERIFY(client.connectTo(m_port));
    client.send(get("/hold") + after);
    QTRY_COMPARE_WITH_TIMEOUT(m_held.size(), size_t(1), kWaitMs);
    waitUntilClientStalls(client.socket());
    QCOMPARE(m_handled, 1);
    QVERIFY2(client.socket().bytesToWrite() > 0, "the server read everything behind the held request");
    QVERIFY2(m_server->stats().peakInputBytes <= kInputBound, QByteArray::number(m_server->stats().peakInputBytes).constData());

    m_held.front()->send(200, "held", "text/plain");
    client.startReading();
    QTRY_COMPARE_WITH_TIMEOUT(countResponses(client.data()), kBodies + 1, 60'000);
    QVERIFY(client.data().startsWith("HTTP/1.1 200 OK"));
    QVERIFY(client.data().contains("\r\n\r\nheld"));
    QVERIFY(client.data().endsWith("\r\n\r\n60000"));
    QVERIFY(m_server->stats().peakInputBytes <= kInputBound);
}

// An event stream whose client reads nothing is dropped once its unsent bytes
// pass the backlog limit; the handler learns the client left.
void TestHttpServer::unreadEventStreamIsDropped()
{
    bool left = false;
    const QByteArray piece(256 * 1024, 'e');
    m_handler = [&](HttpRequest&, const std::shared_ptr<HttpReply>& reply) {
        reply->beginStream(200, "text/event-stream");
        reply->onDisconnect([&left] { left = true; });
        auto* timer = new QTimer(m_server.get());
        timer->setInterval(0);
        std::weak_ptr<HttpReply> weak = reply;
        m_held.push_back(reply);
        connect(timer, &QTimer::timeout, timer, [timer, weak, &piece] {
            auto r = weak.lock();
            if (!r || !r->connected()) {
                timer->deleteLater();
                return;
            }
            r->write(piece);
        });
        timer->start();
    };
    RawClient client;
    QVERIFY(client.connectTo(m_port));
    client.send(get("/events"));
    QTRY_VERIFY_WITH_TIMEOUT(left, kWaitMs);
    QCOMPARE(m_server->stats().slowClientsDropped, 1);
    QVERIFY(m_server->stats().peakOutputBytes <= HttpServer::kMaxStreamBacklogBytes);
    client.startReading();
    QVERIFY(client.waitClosed());
}

void TestHttpServer::connectionsPerAddressAreCapped()
{
    m_server->setLimits(100, 60'000, 30'000, 2);
    QCOMPARE(m_server->maxConnectionsPerAddress(), 2);
    RawClient first;
    RawClient second;
    QVERIFY(first.connectTo(m_port));
    QVERIFY(second.connectTo(m_port));
    QTRY_COMPARE_WITH_TIMEOUT(m_server->openConnections(), 2, kWaitMs);

    RawClient third;
    QVERIFY(third.connectTo(m_port));
    const QByteArray refused = third.readAnswer();
    QCOMPARE(statusOf(refused), 503);
    QVERIFY(refused.contains("Retry-After: 1"));
    QVERIFY(refused.contains("from your address"));
    QVERIFY(third.waitClosed());
    QCOMPARE(m_server->stats().refusedPerAddress, 1);

    first.send(get("/ok")); // the two admitted ones are served
    QCOMPARE(statusOf(first.readAnswer()), 200);
    first.socket().abort();
    QTRY_COMPARE_WITH_TIMEOUT(m_server->openConnections(), 1, kWaitMs);
    RawClient fourth;
    QVERIFY(fourth.connectTo(m_port));
    fourth.send(get("/ok"));
    QCOMPARE(statusOf(fourth.readAnswer()), 200);
}

void TestHttpServer::connectionCapFitsTheFileLimit()
{
    RlimitGuard guard;
    QVERIFY(guard.setSoft(1024));
    m_server->setLimits(1'000'000, 60'000, 30'000, 1'000'000);
    QCOMPARE(m_server->maxConnections(), 1024 - HttpServer::kReservedFileDescriptors);
    QCOMPARE(m_server->maxConnectionsPerAddress(), m_server->maxConnections());
}

// With no file descriptor left, accept() fails: the server backs off and
// serves the waiting clients once descriptors are free again. (Qt's
// QTcpServer stops accepting for good after such an error.)
void TestHttpServer::acceptResumesWhenFileDescriptorsReturn()
{
    constexpr int kClients = 3;
    std::vector<int> fds;
    for (int i = 0; i < kClients; ++i) {
        const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        QVERIFY(fd >= 0);
        fds.push_back(fd);
    }
    std::vector<int> fillers; // take every free descriptor below the limit
    const auto closeAll = qScopeGuard([&fds, &fillers] {
        for (int fd : fds)
            ::close(fd);
        for (int fd : fillers)
            ::close(fd);
    });
    {
        RlimitGuard guard;
        QVERIFY(guard.setSoft(static_cast<rlim_t>(highestOpenFd() + 1)));
        for (int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC); fd >= 0; fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC))
            fillers.push_back(fd);
        QCOMPARE(errno, EMFILE); // no new descriptor can be made
        sockaddr_in address {};
        address.sin_family = AF_INET;
        address.sin_port = htons(m_port);
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        const QByteArray request = get("/after-emfile");
        for (int fd : fds) {
            QCOMPARE(::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address),
                0); // completes in the backlog
            QCOMPARE(::send(fd, request.constData(), request.size(), MSG_NOSIGNAL), ssize_t(request.size()));
        }
        QTRY_VERIFY_WITH_TIMEOUT(m_server->stats().acceptErrors > 0, kWaitMs);
        QCOMPARE(m_server->openConnections(), 0);
    } // the limit is back
    for (int fd : fillers)
        ::close(fd);
    fillers.clear();
    for (int fd : fds)
        QCOMPARE(::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK), 0);
    std::vector<QByteArray> answers(fds.size());
    const auto allAnswered = [&] {
        for (size_t i = 0; i < fds.size(); ++i) {
            char buffer[4096];
            const ssize_t n = ::recv(fds[i], buffer, sizeof buffer, 0);
            if (n > 0)
                answers[i].append(buffer, n);
        }
        return std::all_of(answers.begin(), answers.end(), [](const QByteArray& a) { return countResponses(a) == 1; });
    };
    QTRY_VERIFY_WITH_TIMEOUT(allAnswered(), kWaitMs);
    for (const QByteArray& a : answers)
        QCOMPARE(statusOf(a), 200);
    QCOMPARE(m_handled, kClients);
}

void TestHttpServer::framing_data()
{
    QTest::addColumn<QByteArray>("request");
    QTest::addColumn<int>("status");

    const QByteArray post = "POST /x HTTP/1.1\r\nHost: h\r\n";
    static const char kNulHeader[] = "GET /x HTTP/1.1\r\nHost: h\r\nX-A: a\0b\r\n\r\n";
    const QByteArray withNul(kNulHeader, sizeof kNulHeader - 1);
    QTest::newRow("plain") << QByteArray(post + "Content-Length: 3\r\n\r\nabc") << 200;
    QTest::newRow("equal lengths twice") << QByteArray(post + "Content-Length: 3\r\nContent-Length: 3\r\n\r\nabc") << 200;
    QTest::newRow("equal lengths as a list") << QByteArray(post + "Content-Length: 3, 3\r\n\r\nabc") << 200;
    QTest::newRow("HTTP/1.0 without Host") << QByteArray("GET /x HTTP/1.0\r\n\r\n") << 200;
    QTest::newRow("tab around a value") << QByteArray("GET /x HTTP/1.1\r\nHost:\th\t\r\n\r\n") << 200;
    QTest::newRow("conflicting lengths") << QByteArray(post + "Content-Length: 3\r\nContent-Length: 5\r\n\r\nabcde") << 400;
    QTest::newRow("conflicting list") << QByteArray(post + "Content-Length: 3, 5\r\n\r\nabcde") << 400;
    QTest::newRow("signed length") << QByteArray(post + "Content-Length: +3\r\n\r\nabc") << 400;
    QTest::newRow("negative length") << QByteArray(post + "Content-Length: -3\r\n\r\n") << 400;
    QTest::newRow("hex length") << QByteArray(post + "Content-Length: 0x3\r\n\r\nabc") << 400;
    QTest::newRow("space before colon") << QByteArray(post + "Content-Length : 3\r\n\r\nabc") << 400;
    QTest::newRow("obs-fold") << QByteArray("GET /x HTTP/1.1\r\nHost: h\r\nX-A: a\r\n b\r\n\r\n") << 400;
    QTest::newRow("bare LF in the request line") << QByteArray("GET /x HTTP/1.1\nHost: h\r\n\r\n") << 400;
    QTest::newRow("bare LF in a header") << QByteArray("GET /x HTTP/1.1\r\nHost: h\nX-A: a\r\n\r\n") << 400;
    QTest::newRow("bare CR in a header") << QByteArray("GET /x HTTP/1.1\r\nHost: h\rX-A: a\r\n\r\n") << 400;
    QTest::newRow("NUL in a header") << withNul << 400;
    QTest::newRow("no Host") << QByteArray("GET /x HTTP/1.1\r\n\r\n") << 400;
    QTest::newRow("two Hosts") << QByteArray("GET /x HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n") << 400;
    QTest::newRow("double space") << QByteArray("GET  /x HTTP/1.1\r\nHost: h\r\n\r\n") << 400;
    QTest::newRow("bad method") << QByteArray("G(T /x HTTP/1.1\r\nHost: h\r\n\r\n") << 400;
    QTest::newRow("HTTP/1.9") << QByteArray("GET /x HTTP/1.9\r\nHost: h\r\n\r\n") << 505;
    QTest::newRow("HTTP/2.0") << QByteArray("GET /x HTTP/2.0\r\nHost: h\r\n\r\n") << 505;
    QTest::newRow("HTTP/1") << QByteArray("GET /x HTTP/1\r\nHost: h\r\n\r\n") << 400;
    QTest::newRow("chunked") << QByteArray(post + "Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n") << 411;
    QTest::newRow("chunked then identity") << QByteArray(post + "Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n") << 501;
    QTest::newRow("unknown coding") << QByteArray(post + "Transfer-Encoding: gzip\r\n\r\n") << 501;
    QTest::newRow("chunked and a length") << QByteArray(post + "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\nabc") << 400;
}

void TestHttpServer::framing()
{
    QFETCH(QByteArray, request);
    QFETCH(int, status);
    RawClient client;
    QVERIFY(client.connectTo(m_port));
    client.send(request);
    const QByteArray answer = client.readAnswer();
    QVERIFY2(statusOf(answer) == status, answer.left(300).constData());
    if (status != 200) {
        QCOMPARE(m_handled, 0); // refused before any handler saw it
        QVERIFY(client.waitClosed());
    } else if (request.startsWith("POST")) {
        QVERIFY2(answer.contains("\"body\":3"), answer.constData());
    }
}

// A head over the limit is refused even when all of it arrives at once.
void TestHttpServer::headLargerThanTheLimitInOneRead()
{
    const QByteArray request = "GET /x HTTP/1.1\r\nHost: h\r\nX-Big: " + QByteArray(70 * 1024, 'a') + "\r\n\r\n";
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, m_port);
    QVERIFY(socket.waitForConnected(kWaitMs));
    socket.write(request);
    QVERIFY(socket.waitForBytesWritten(kWaitMs));
    QByteArray answer;
    QTRY_VERIFY_WITH_TIMEOUT((answer += socket.readAll(), countResponses(answer) == 1), kWaitMs);
    QCOMPARE(statusOf(answer), 431);
    QCOMPARE(m_handled, 0);
}

QTEST_MAIN(TestHttpServer)
#include "tst_httpserver.moc"
