// The fake LLM server the other tests and benchmarks lean on: it must speak
// HTTP/1.1 as real clients expect, and its faults must look like real faults.

#include "fakellmserver.h"

#include <memory>
#include <vector>

#include <QDeadlineTimer>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QSignalSpy>
#include <QTcpSocket>
#include <QtTest>

using namespace llmsched::test;

namespace {

constexpr int kWaitMs = 10'000;

struct SseEvent
{
    QByteArray event;
    QByteArray data;
};

QList<SseEvent> parseSse(const QByteArray& body)
{
    QList<SseEvent> events;
    for (const QByteArray& block : body.split('\n')) {
        if (block.isEmpty())
            continue;
        if (block.startsWith("event: ")) {
            events.append(SseEvent { block.mid(7), {} });
        } else if (block.startsWith("data: ")) {
            if (events.isEmpty() || !events.constLast().data.isNull())
                events.append(SseEvent {});
            events.last().data = block.mid(6);
        }
    }
    return events;
}

QJsonObject parseObject(const QByteArray& bytes)
{
    return QJsonDocument::fromJson(bytes).object();
}

QJsonObject chatBody(bool stream = false, bool includeUsage = false)
{
    QJsonObject o {
        { QStringLiteral("model"), QStringLiteral("m1") },
        { QStringLiteral("messages"),
            QJsonArray { QJsonObject { { QStringLiteral("role"), QStringLiteral("user") }, { QStringLiteral("content"), QStringLiteral("hi") } } } },
    };
    if (stream)
        o.insert(QStringLiteral("stream"), true);
    if (includeUsage)
        o.insert(QStringLiteral("stream_options"), QJsonObject { { QStringLiteral("include_usage"), true } });
    return o;
}

QNetworkRequest makeRequest(const QString& url)
{
    QNetworkRequest req { QUrl(url) };
    req.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/json"));
    req.setAttribute(QNetworkRequest::Http2AllowedAttribute, false);
    return req;
}

QNetworkReply* post(QNetworkAccessManager& nam, const QString& url, const QJsonObject& body)
{
    return nam.post(makeRequest(url), QJsonDocument(body).toJson(QJsonDocument::Compact));
}

bool waitFinished(QNetworkReply* reply, int timeoutMs = kWaitMs)
{
    if (reply->isFinished())
        return true;
    QSignalSpy spy(reply, &QNetworkReply::finished);
    return spy.wait(timeoutMs);
}

int statusOf(QNetworkReply* reply)
{
    return reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
}

// Reads from a raw socket until `done` says the bytes so far are complete; runs
// the event loop meanwhile, since the server lives on this thread.
template <typename Pred> bool readUntil(QTcpSocket& socket, QByteArray& into, Pred done, int timeoutMs = kWaitMs)
{
    QSignalSpy readable(&socket, &QTcpSocket::readyRead);
    QDeadlineTimer deadline(timeoutMs);
    into.append(socket.readAll());
    while (!done(into)) {
        if (deadline.hasExpired())
            return false;
        readable.wait(20);
        into.append(socket.readAll());
    }
    return true;
}

} // namespace

class TestFakeServer : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();

    void defaultChatReply();
    void otherRoutes();
    void keepAliveReusesConnection();
    void errorStatusWithRetryAfter();
    void delayHonoured();
    void resetGivesNetworkError();
    void closeMidBodyGivesNetworkError();
    void malformedBodyIsNotJson();
    void openAiStreaming_data();
    void openAiStreaming();
    void anthropicStreaming();
    void rawPiecesAndChunkFraming();
    void clientAbortOfHangingRequest();
    void manyConcurrentDelayedRequests();

private:
    QString url(const QString& path) const { return m_server->baseUrl() + path; }

    std::unique_ptr<FakeLlmServer> m_server;
    std::unique_ptr<QNetworkAccessManager> m_nam;
};

void TestFakeServer::init()
{
    m_server = std::make_unique<FakeLlmServer>();
    QVERIFY(m_server->listen());
    QVERIFY(m_server->port() != 0);
    m_nam = std::make_unique<QNetworkAccessManager>();
}

void TestFakeServer::cleanup()
{
    m_nam.reset();
    m_server.reset();
}

void TestFakeServer::defaultChatReply()
{
    QSignalSpy received(m_server.get(), &FakeLlmServer::requestReceived);
    std::unique_ptr<QNetworkReply> reply(post(*m_nam, url(QStringLiteral("/v1/chat/completions")), chatBody()));
    QVERIFY(waitFinished(reply.get()));
    QCOMPARE(reply->error(), QNetworkReply::NoError);
    QCOMPARE(statusOf(reply.get()), 200);

    QJsonParseError error {};
    const QJsonObject o = QJsonDocument::fromJson(reply->readAll(), &error).object();
    QCOMPARE(error.error, QJsonParseError::NoError);
    QCOMPARE(o.value(QLatin1String("object")).toString(), QStringLiteral("chat.completion"));
    QCOMPARE(o.value(QLatin1String("model")).toString(), QStringLiteral("m1"));
    const QJsonObject choice = o.value(QLatin1String("choices")).toArray().at(0).toObject();
    QCOMPARE(choice.value(QLatin1String("message")).toObject().value(QLatin1String("content")).toString(), FakeReply().text);
    QCOMPARE(choice.value(QLatin1String("finish_reason")).toString(), QStringLiteral("stop"));
    const QJsonObject usage = o.value(QLatin1String("usage")).toObject();
    QCOMPARE(usage.value(QLatin1String("prompt_tokens")).toInt(), 10);
    QCOMPARE(usage.value(QLatin1String("completion_tokens")).toInt(), 20);
    QCOMPARE(usage.value(QLatin1String("total_tokens")).toInt(), 30);

    QCOMPARE(received.size(), 1);
    QCOMPARE(received.at(0).at(0).toInt(), 0);
    QCOMPARE(m_server->requestCount(), 1);
    QCOMPARE(m_server->repliesCompleted(), 1);
    QCOMPARE(m_server->inflight(), 0);
    const QList<FakeRequest> requests = m_server->requests();
    QCOMPARE(requests.size(), 1);
    QCOMPARE(requests.at(0).method, QByteArrayLiteral("POST"));
    QCOMPARE(requests.at(0).path, QByteArrayLiteral("/v1/chat/completions"));
    QCOMPARE(requests.at(0).headers.value(QByteArrayLiteral("content-type")), QByteArrayLiteral("application/json"));
    QCOMPARE(requests.at(0).json.value(QLatin1String("model")).toString(), QStringLiteral("m1"));
    QCOMPARE(requests.at(0).connectionId, quint64(1));
}

void TestFakeServer::otherRoutes()
{
    std::unique_ptr<QNetworkReply> models(m_nam->get(makeRequest(url(QStringLiteral("/v1/models")))));
    QVERIFY(waitFinished(models.get()));
    const QJsonObject m = parseObject(models->readAll());
    QCOMPARE(m.value(QLatin1String("data")).toArray().at(0).toObject().value(QLatin1String("id")).toString(), QStringLiteral("fake-model"));

    std::unique_ptr<QNetworkReply> emb(post(*m_nam, url(QStringLiteral("/v1/embeddings")), { { QStringLiteral("model"), QStringLiteral("e1") } }));
    QVERIFY(waitFinished(emb.get()));
    const QJsonObject e = parseObject(emb->readAll());
    QCOMPARE(e.value(QLatin1String("data")).toArray().at(0).toObject().value(QLatin1String("embedding")).toArray().size(), 3);
    QCOMPARE(e.value(QLatin1String("model")).toString(), QStringLiteral("e1"));

    std::unique_ptr<QNetworkReply> text(post(*m_nam, url(QStringLiteral("/v1/completions")), { { QStringLiteral("prompt"), QStringLiteral("x") } }));
    QVERIFY(waitFinished(text.get()));
    const QJsonObject t = parseObject(text->readAll());
    QCOMPARE(t.value(QLatin1String("object")).toString(), QStringLiteral("text_completion"));
    QCOMPARE(t.value(QLatin1String("choices")).toArray().at(0).toObject().value(QLatin1String("text")).toString(), FakeReply().text);

    std::unique_ptr<QNetworkReply> msg(post(*m_nam, url(QStringLiteral("/v1/messages")), { { QStringLiteral("model"), QStringLiteral("claude") } }));
    QVERIFY(waitFinished(msg.get()));
    const QJsonObject a = parseObject(msg->readAll());
    QCOMPARE(a.value(QLatin1String("type")).toString(), QStringLiteral("message"));
    QCOMPARE(a.value(QLatin1String("content")).toArray().at(0).toObject().value(QLatin1String("text")).toString(), FakeReply().text);
    QCOMPARE(a.value(QLatin1String("usage")).toObject().value(QLatin1String("output_tokens")).toInt(), 20);

    std::unique_ptr<QNetworkReply> echo(post(*m_nam, url(QStringLiteral("/hooks/x?a=1")), { { QStringLiteral("k"), 5 } }));
    QVERIFY(waitFinished(echo.get()));
    const QJsonObject x = parseObject(echo->readAll());
    QCOMPARE(x.value(QLatin1String("method")).toString(), QStringLiteral("POST"));
    QCOMPARE(x.value(QLatin1String("path")).toString(), QStringLiteral("/hooks/x?a=1"));
    QCOMPARE(x.value(QLatin1String("body")).toObject().value(QLatin1String("k")).toInt(), 5);
}

void TestFakeServer::keepAliveReusesConnection()
{
    for (int i = 0; i < 2; ++i) {
        std::unique_ptr<QNetworkReply> reply(post(*m_nam, url(QStringLiteral("/v1/chat/completions")), chatBody()));
        QVERIFY(waitFinished(reply.get()));
        QCOMPARE(reply->error(), QNetworkReply::NoError);
    }
    QCOMPARE(m_server->requestCount(), 2);
    QCOMPARE(m_server->connectionsAccepted(), 1);
    QCOMPARE(m_server->openConnections(), 1);
    QCOMPARE(m_server->requests().at(1).index, 1);
    QCOMPARE(m_server->requests().at(1).connectionId, quint64(1));
}

void TestFakeServer::errorStatusWithRetryAfter()
{
    FakeReply r;
    r.status = 429;
    r.headers = { { QByteArrayLiteral("Retry-After"), QByteArrayLiteral("2") } };
    m_server->setDefaultReply(r);
    std::unique_ptr<QNetworkReply> reply(post(*m_nam, url(QStringLiteral("/v1/chat/completions")), chatBody()));
    QVERIFY(waitFinished(reply.get()));
    QCOMPARE(statusOf(reply.get()), 429);
    QVERIFY(reply->hasRawHeader("Retry-After"));
    QCOMPARE(reply->rawHeader("Retry-After"), QByteArrayLiteral("2"));
    const QJsonObject err = parseObject(reply->readAll()).value(QLatin1String("error")).toObject();
    QCOMPARE(err.value(QLatin1String("message")).toString(), QStringLiteral("fake error 429"));
    QCOMPARE(m_server->repliesCompleted(), 1);
}

void TestFakeServer::delayHonoured()
{
    constexpr qint64 kDelay = 300;
    FakeReply r;
    r.delayMs = kDelay;
    m_server->setDefaultReply(r);
    QElapsedTimer t;
    t.start();
    std::unique_ptr<QNetworkReply> reply(post(*m_nam, url(QStringLiteral("/v1/chat/completions")), chatBody()));
    QTRY_COMPARE(m_server->inflight(), 1);
    QVERIFY(waitFinished(reply.get()));
    QVERIFY2(t.elapsed() >= kDelay, qPrintable(QString::number(t.elapsed())));
    QCOMPARE(reply->error(), QNetworkReply::NoError);
    QCOMPARE(m_server->inflight(), 0);
    QCOMPARE(m_server->maxInflight(), 1);
}

void TestFakeServer::resetGivesNetworkError()
{
    FakeReply r;
    r.action = FakeReply::Action::Reset;
    r.delayMs = 20;
    m_server->setDefaultReply(r);
    std::unique_ptr<QNetworkReply> reply(post(*m_nam, url(QStringLiteral("/v1/chat/completions")), chatBody()));
    QVERIFY(waitFinished(reply.get()));
    QVERIFY2(reply->error() != QNetworkReply::NoError, "a reset must surface as a network error");
    QVERIFY(m_server->requestCount() >= 1); // Qt may resend once on a fresh connection
    QCOMPARE(m_server->repliesCompleted(), 0);
    QTRY_COMPARE(m_server->inflight(), 0);
    QTRY_COMPARE(m_server->openConnections(), 0);
    QCOMPARE(m_server->clientAborts(), 0);
}

void TestFakeServer::closeMidBodyGivesNetworkError()
{
    FakeReply r;
    r.action = FakeReply::Action::CloseMidBody;
    m_server->setDefaultReply(r);
    std::unique_ptr<QNetworkReply> reply(post(*m_nam, url(QStringLiteral("/v1/chat/completions")), chatBody()));
    QVERIFY(waitFinished(reply.get()));
    QVERIFY(reply->error() != QNetworkReply::NoError);
    QCOMPARE(m_server->repliesCompleted(), 0);
    QTRY_COMPARE(m_server->inflight(), 0);
}

void TestFakeServer::malformedBodyIsNotJson()
{
    FakeReply r;
    r.malformed = true;
    m_server->setDefaultReply(r);
    std::unique_ptr<QNetworkReply> reply(post(*m_nam, url(QStringLiteral("/v1/chat/completions")), chatBody()));
    QVERIFY(waitFinished(reply.get()));
    QCOMPARE(reply->error(), QNetworkReply::NoError);
    QCOMPARE(statusOf(reply.get()), 200);
    const QByteArray body = reply->readAll();
    QVERIFY(!body.isEmpty());
    QJsonParseError error {};
    QJsonDocument::fromJson(body, &error);
    QVERIFY(error.error != QJsonParseError::NoError);
}

void TestFakeServer::openAiStreaming_data()
{
    QTest::addColumn<int>("chunkBytes");
    QTest::addColumn<bool>("includeUsage");
    QTest::newRow("7-byte pieces, usage") << 7 << true;
    QTest::newRow("7-byte pieces, no usage") << 7 << false;
    QTest::newRow("event per chunk, usage") << 0 << true;
}

void TestFakeServer::openAiStreaming()
{
    QFETCH(int, chunkBytes);
    QFETCH(bool, includeUsage);
    FakeReply r;
    r.text = QStringLiteral("one two  three");
    r.chunkBytes = chunkBytes;
    r.chunkDelayMs = 1;
    m_server->setDefaultReply(r);
    std::unique_ptr<QNetworkReply> reply(post(*m_nam, url(QStringLiteral("/v1/chat/completions")), chatBody(true, includeUsage)));
    QVERIFY(waitFinished(reply.get()));
    QCOMPARE(reply->error(), QNetworkReply::NoError);
    QVERIFY(reply->header(QNetworkRequest::ContentTypeHeader).toString().startsWith(QLatin1String("text/event-stream")));

    const QByteArray body = reply->readAll();
    QVERIFY(body.endsWith("data: [DONE]\n\n"));
    const QList<SseEvent> events = parseSse(body);
    QVERIFY(events.size() >= 3);
    QString text;
    bool sawStop = false;
    bool sawUsage = false;
    for (qsizetype i = 0; i + 1 < events.size(); ++i) {
        const QJsonObject o = parseObject(events.at(i).data);
        QCOMPARE(o.value(QLatin1String("object")).toString(), QStringLiteral("chat.completion.chunk"));
        const QJsonArray choices = o.value(QLatin1String("choices")).toArray();
        if (choices.isEmpty()) {
            QVERIFY(!sawUsage);
            sawUsage = true;
            QCOMPARE(o.value(QLatin1String("usage")).toObject().value(QLatin1String("total_tokens")).toInt(), 30);
            continue;
        }
        const QJsonObject choice = choices.at(0).toObject();
        const QJsonObject delta = choice.value(QLatin1String("delta")).toObject();
        if (i == 0)
            QCOMPARE(delta.value(QLatin1String("role")).toString(), QStringLiteral("assistant"));
        text += delta.value(QLatin1String("content")).toString();
        if (choice.value(QLatin1String("finish_reason")).toString() == QLatin1String("stop")) {
            QVERIFY(delta.isEmpty());
            sawStop = true;
        }
    }
    QCOMPARE(text, r.text);
    QCOMPARE(events.size(), 3 + 1 + 1 + (includeUsage ? 1 : 0)); // three words, stop, [DONE], usage
    QVERIFY(sawStop);
    QCOMPARE(sawUsage, includeUsage);
    QCOMPARE(events.constLast().data, QByteArrayLiteral("[DONE]"));
    QCOMPARE(m_server->repliesCompleted(), 1);
    QCOMPARE(m_server->inflight(), 0);
}

void TestFakeServer::anthropicStreaming()
{
    FakeReply r;
    r.text = QStringLiteral("Bonjour le \"monde\"");
    r.promptTokens = 7;
    r.completionTokens = 3;
    r.chunkBytes = 5;
    m_server->setDefaultReply(r);
    QJsonObject body { { QStringLiteral("model"), QStringLiteral("claude-x") }, { QStringLiteral("stream"), true } };
    std::unique_ptr<QNetworkReply> reply(post(*m_nam, url(QStringLiteral("/v1/messages")), body));
    QVERIFY(waitFinished(reply.get()));
    QCOMPARE(reply->error(), QNetworkReply::NoError);
    const QList<SseEvent> events = parseSse(reply->readAll());
    QVERIFY(events.size() >= 6);
    QCOMPARE(events.constFirst().event, QByteArrayLiteral("message_start"));
    const QJsonObject start = parseObject(events.constFirst().data).value(QLatin1String("message")).toObject();
    QCOMPARE(start.value(QLatin1String("model")).toString(), QStringLiteral("claude-x"));
    QCOMPARE(start.value(QLatin1String("usage")).toObject().value(QLatin1String("input_tokens")).toInt(), 7);
    QCOMPARE(events.at(1).event, QByteArrayLiteral("content_block_start"));
    QString text;
    qsizetype i = 2;
    for (; i < events.size() && events.at(i).event == "content_block_delta"; ++i) {
        const QJsonObject delta = parseObject(events.at(i).data).value(QLatin1String("delta")).toObject();
        QCOMPARE(delta.value(QLatin1String("type")).toString(), QStringLiteral("text_delta"));
        text += delta.value(QLatin1String("text")).toString();
    }
    QCOMPARE(text, r.text);
    QCOMPARE(i, 2 + 3);
    QCOMPARE(events.size(), i + 3);
    QCOMPARE(events.at(i).event, QByteArrayLiteral("content_block_stop"));
    QCOMPARE(events.at(i + 1).event, QByteArrayLiteral("message_delta"));
    const QJsonObject md = parseObject(events.at(i + 1).data);
    QCOMPARE(md.value(QLatin1String("delta")).toObject().value(QLatin1String("stop_reason")).toString(), QStringLiteral("end_turn"));
    QCOMPARE(md.value(QLatin1String("usage")).toObject().value(QLatin1String("output_tokens")).toInt(), 3);
    QCOMPARE(events.at(i + 2).event, QByteArrayLiteral("message_stop"));
}

// Below QNAM: a request written in pieces, the HTTP chunk sizes, then keep-alive
// followed by "Connection: close".
void TestFakeServer::rawPiecesAndChunkFraming()
{
    FakeReply r;
    r.chunkBytes = 7;
    m_server->setDefaultReply(r);

    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, m_server->port());
    QVERIFY(socket.waitForConnected(kWaitMs));
    const QByteArray body = QByteArrayLiteral(R"({"model":"m","stream":true})");
    const QByteArray request
        = QByteArrayLiteral("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ")
        + QByteArray::number(body.size()) + QByteArrayLiteral("\r\n\r\n") + body;
    for (qsizetype at = 0; at < request.size(); at += 20) {
        socket.write(request.mid(at, 20));
        QVERIFY(socket.waitForBytesWritten(kWaitMs));
        QCoreApplication::processEvents(); // lets the server read this piece on its own
        if (at + 20 < request.size())
            QCOMPARE(m_server->requestCount(), 0);
    }

    QByteArray raw;
    QVERIFY(readUntil(socket, raw, [](const QByteArray& b) { return b.endsWith("\r\n0\r\n\r\n"); }));
    const qsizetype headEnd = raw.indexOf("\r\n\r\n");
    QVERIFY(headEnd > 0);
    const QByteArray head = raw.left(headEnd).toLower();
    QVERIFY(head.startsWith("http/1.1 200 ok"));
    QVERIFY(head.contains("transfer-encoding: chunked"));
    QVERIFY(head.contains("content-type: text/event-stream"));

    QByteArray sse;
    QList<qsizetype> sizes;
    qsizetype pos = headEnd + 4;
    for (;;) {
        const qsizetype eol = raw.indexOf("\r\n", pos);
        QVERIFY(eol > pos);
        bool ok = false;
        const qsizetype size = raw.mid(pos, eol - pos).toLongLong(&ok, 16);
        QVERIFY(ok);
        if (size == 0)
            break;
        sizes.append(size);
        sse.append(raw.mid(eol + 2, size));
        QCOMPARE(raw.mid(eol + 2 + size, 2), QByteArrayLiteral("\r\n"));
        pos = eol + 2 + size + 2;
    }
    QVERIFY(sizes.size() > 2);
    for (qsizetype i = 0; i + 1 < sizes.size(); ++i)
        QCOMPARE(sizes.at(i), qsizetype(7));
    QVERIFY(sizes.constLast() <= 7);
    QVERIFY(sse.startsWith("data: {"));
    QVERIFY(sse.endsWith("data: [DONE]\n\n"));

    // The same connection serves another request, then closes as asked.
    socket.write(QByteArrayLiteral("GET /v1/models HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
    QByteArray second;
    QVERIFY(readUntil(socket, second, [&socket](const QByteArray&) { return socket.state() == QAbstractSocket::UnconnectedState; }));
    QVERIFY(second.startsWith("HTTP/1.1 200 OK\r\n"));
    QVERIFY(second.endsWith(R"({"object":"list","data":[{"id":"fake-model","object":"model"}]})"));
    QCOMPARE(m_server->requestCount(), 2);
    QCOMPARE(m_server->connectionsAccepted(), 1);
    QTRY_COMPARE(m_server->openConnections(), 0);
}

void TestFakeServer::clientAbortOfHangingRequest()
{
    FakeReply r;
    r.action = FakeReply::Action::Hang;
    m_server->setDefaultReply(r);
    QSignalSpy aborted(m_server.get(), &FakeLlmServer::clientAborted);
    QSignalSpy received(m_server.get(), &FakeLlmServer::requestReceived);
    std::unique_ptr<QNetworkReply> reply(post(*m_nam, url(QStringLiteral("/v1/chat/completions")), chatBody()));
    QVERIFY(received.wait(kWaitMs));
    QCOMPARE(m_server->inflight(), 1);
    reply->abort();
    QVERIFY(aborted.wait(kWaitMs));
    QCOMPARE(m_server->clientAborts(), 1);
    QCOMPARE(m_server->inflight(), 0);
    QCOMPARE(m_server->repliesCompleted(), 0);
    QTRY_COMPARE(m_server->openConnections(), 0);
}

void TestFakeServer::manyConcurrentDelayedRequests()
{
    constexpr int kRequests = 200;
    constexpr int kManagers = 40; // Qt opens at most 6 connections per host per manager
    FakeReply r;
    r.delayMs = 200;
    m_server->setDefaultReply(r);
    m_server->setRecordRequests(false);

    std::vector<std::unique_ptr<QNetworkAccessManager>> managers;
    for (int i = 0; i < kManagers; ++i)
        managers.push_back(std::make_unique<QNetworkAccessManager>());
    std::vector<std::unique_ptr<QNetworkReply>> replies;
    int finished = 0;
    for (int i = 0; i < kRequests; ++i) {
        QNetworkReply* reply = post(*managers[static_cast<size_t>(i % kManagers)], url(QStringLiteral("/v1/chat/completions")), chatBody());
        connect(reply, &QNetworkReply::finished, this, [&finished] { ++finished; });
        replies.emplace_back(reply);
    }
    QTRY_COMPARE_WITH_TIMEOUT(finished, kRequests, 30'000);
    for (const auto& reply : replies)
        QCOMPARE(reply->error(), QNetworkReply::NoError);
    QCOMPARE(m_server->requestCount(), kRequests);
    QCOMPARE(m_server->repliesCompleted(), kRequests);
    QVERIFY2(m_server->maxInflight() >= 150, qPrintable(QString::number(m_server->maxInflight())));
    QCOMPARE(m_server->inflight(), 0);
    QVERIFY(m_server->requests().isEmpty());
}

QTEST_GUILESS_MAIN(TestFakeServer)
#include "tst_fakeserver.moc"
