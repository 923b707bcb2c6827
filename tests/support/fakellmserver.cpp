#include "fakellmserver.h"

#include <algorithm>
#include <climits>
#include <queue>
#include <unordered_map>
#include <vector>

#include <QDateTime>
#include <QElapsedTimer>
#include <QJsonDocument>
#include <QJsonParseError>
#include <QPointer>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>

namespace llmsched::test {

namespace {

constexpr qsizetype kMaxHeaderBytes = 64 * 1024; // a request head larger than this gets 431
constexpr int kListenBacklog = 4096; // the kernel caps it at net.core.somaxconn
constexpr int kMaxPendingConnections = 1024;
constexpr qint64 kNsPerMs = 1000 * 1000;

enum class Route { Chat, Completions, Embeddings, Models, Messages, Echo };

Route routeFor(const QByteArray& method, QByteArrayView path)
{
    const qsizetype query = path.indexOf('?');
    if (query >= 0)
        path = path.first(query);
    if (path.endsWith("/chat/completions"))
        return Route::Chat;
    if (path.endsWith("/completions"))
        return Route::Completions;
    if (path.endsWith("/embeddings"))
        return Route::Embeddings;
    if (method == "GET" && path.endsWith("/models"))
        return Route::Models;
    if (path.endsWith("/messages"))
        return Route::Messages;
    return Route::Echo;
}

QByteArray reasonPhrase(int status)
{
    switch (status) {
    case 200:
        return QByteArrayLiteral("OK");
    case 400:
        return QByteArrayLiteral("Bad Request");
    case 401:
        return QByteArrayLiteral("Unauthorized");
    case 403:
        return QByteArrayLiteral("Forbidden");
    case 404:
        return QByteArrayLiteral("Not Found");
    case 408:
        return QByteArrayLiteral("Request Timeout");
    case 413:
        return QByteArrayLiteral("Payload Too Large");
    case 429:
        return QByteArrayLiteral("Too Many Requests");
    case 431:
        return QByteArrayLiteral("Request Header Fields Too Large");
    case 500:
        return QByteArrayLiteral("Internal Server Error");
    case 501:
        return QByteArrayLiteral("Not Implemented");
    case 502:
        return QByteArrayLiteral("Bad Gateway");
    case 503:
        return QByteArrayLiteral("Service Unavailable");
    case 504:
        return QByteArrayLiteral("Gateway Timeout");
    case 529:
        return QByteArrayLiteral("Overloaded");
    default:
        return QByteArrayLiteral("Status");
    }
}

// Appends `utf8` as a JSON string literal (with quotes).
void appendJsonString(QByteArray& out, QByteArrayView utf8)
{
    static const char hex[] = "0123456789abcdef";
    out.append('"');
    for (const char c : utf8) {
        const auto u = static_cast<unsigned char>(c);
        switch (c) {
        case '"':
            out.append("\\\"", 2);
            break;
        case '\\':
            out.append("\\\\", 2);
            break;
        case '\n':
            out.append("\\n", 2);
            break;
        case '\r':
            out.append("\\r", 2);
            break;
        case '\t':
            out.append("\\t", 2);
            break;
        default:
            if (u < 0x20) {
                out.append("\\u00", 4);
                out.append(hex[u >> 4]);
                out.append(hex[u & 0xf]);
            } else {
                out.append(c);
            }
        }
    }
    out.append('"');
}

QByteArray jsonString(QByteArrayView utf8)
{
    QByteArray out;
    out.reserve(utf8.size() + 2);
    appendJsonString(out, utf8);
    return out;
}

// Splits text into pieces that each start with the whitespace before a word,
// so that the pieces concatenate back to the text.
QList<QString> splitWords(const QString& text)
{
    QList<QString> words;
    qsizetype start = 0;
    bool seenWord = false;
    for (qsizetype i = 0; i < text.size(); ++i) {
        const bool space = text.at(i).isSpace();
        if (space && seenWord && i > start) {
            words.append(text.mid(start, i - start));
            start = i;
            seenWord = false;
        } else if (!space) {
            seenWord = true;
        }
    }
    if (start < text.size())
        words.append(text.mid(start));
    return words;
}

void appendChunk(QByteArray& out, QByteArrayView data)
{
    if (data.isEmpty())
        return;
    out.append(QByteArray::number(data.size(), 16));
    out.append("\r\n", 2);
    out.append(data.data(), data.size());
    out.append("\r\n", 2);
}

void appendHeaders(QByteArray& out, const QList<QPair<QByteArray, QByteArray>>& headers)
{
    for (const auto& [name, value] : headers) {
        out.append(name);
        out.append(": ", 2);
        out.append(value);
        out.append("\r\n", 2);
    }
}

// Request bits the reply needs after the handler ran (kept while a reply is delayed).
struct PendingReply
{
    FakeReply reply;
    Route route = Route::Echo;
    QByteArray method;
    QByteArray path;
    QByteArray body; // only kept for the echo route
    QByteArray modelJson; // the request's "model" as a JSON string literal
    bool stream = false;
    bool includeUsage = false;
    int number = 0; // the request index, used in generated ids
};

// One accepted socket. Owned by Private; after the socket closes it moves to a
// graveyard that is emptied from the event loop, so pointers held on the stack
// stay valid while a call that closed the socket unwinds.
struct Connection
{
    enum class State {
        Reading, // waiting for (the rest of) a request
        Delayed, // a request waits for its delayMs
        Hanging, // a request is never answered
        Streaming, // SSE pieces remain to be written
        Closing, // we are closing; input is ignored
    };

    quint64 id = 0;
    QTcpSocket* socket = nullptr;
    QByteArray buffer;
    qsizetype headerScan = 0; // where to resume looking for the end of the head
    State state = State::Reading;
    bool closeAfterReply = false;
    bool closed = false;
    bool processing = false; // inside processBuffer(); replies finished there do not recurse into it
    bool continueSent = false; // "100 Continue" answered for the request being read
    quint64 generation = 0; // bumped per request; timer entries carry it
    PendingReply pending;
    QList<QByteArray> pieces; // framed HTTP chunks still to write
    qsizetype nextPiece = 0;
};

struct TimerEntry
{
    qint64 dueNs = 0;
    quint64 seq = 0; // ties broken in insertion order
    quint64 connectionId = 0;
    quint64 generation = 0;
};

struct LaterFirst
{
    bool operator()(const TimerEntry& a, const TimerEntry& b) const { return a.dueNs != b.dueNs ? a.dueNs > b.dueNs : a.seq > b.seq; }
};

} // namespace

// Lives on the server's thread; everything here is touched only from it.
class FakeLlmServer::Private
{
public:
    explicit Private(FakeLlmServer* qq)
        : q(qq)
    {
        clock.start();
        timer.setSingleShot(true);
        timer.setTimerType(Qt::PreciseTimer);
        QObject::connect(&timer, &QTimer::timeout, q, [this] { onTimer(); });
        server.setMaxPendingConnections(kMaxPendingConnections);
        server.setListenBacklogSize(kListenBacklog);
        QObject::connect(&server, &QTcpServer::newConnection, q, [this] { onNewConnection(); });
    }

    void onNewConnection();
    void onReadyRead(quint64 id);
    void onClosed(quint64 id);
    void processBuffer(Connection* c);
    bool parseOne(Connection* c, FakeRequest& req);
    void handleRequest(Connection* c, FakeRequest&& req);
    void startReply(Connection* c);
    void writeNextPieces(Connection* c);
    void finishReply(Connection* c, bool completed);
    void sendSimple(Connection* c, int status, const QByteArray& body, bool close);
    void schedule(Connection* c, qint64 delayMs);
    void armTimer();
    void onTimer();
    void purgeDead();
    void setInflight(int value);

    QByteArray generatedBody(const PendingReply& p);
    QByteArray streamBytes(const PendingReply& p, QList<QByteArray>* events);
    const QByteArray& escapedText(const QString& text);

    FakeLlmServer* q;
    QTcpServer server;
    std::unordered_map<quint64, std::unique_ptr<Connection>> connections;
    std::vector<std::unique_ptr<Connection>> dead;
    bool purgeQueued = false;

    std::priority_queue<TimerEntry, std::vector<TimerEntry>, LaterFirst> heap;
    quint64 timerSeq = 0;
    qint64 armedDueNs = -1; // -1: the timer is idle
    QElapsedTimer clock;
    QTimer timer;

    Handler handler;
    FakeReply defaultReply;
    bool record = true;
    QList<FakeRequest> requests;

    quint64 nextConnectionId = 0;
    int requestCount = 0;
    int repliesCompleted = 0;
    int inflight = 0;
    int maxInflight = 0;
    int clientAborts = 0;
    int connectionsAccepted = 0;

    QString cachedText;
    QByteArray cachedEscapedText;
};

void FakeLlmServer::Private::onNewConnection()
{
    while (QTcpSocket* socket = server.nextPendingConnection()) {
        auto c = std::make_unique<Connection>();
        c->id = ++nextConnectionId;
        c->socket = socket;
        socket->setParent(q);
        const quint64 id = c->id;
        QObject::connect(socket, &QTcpSocket::readyRead, q, [this, id] { onReadyRead(id); });
        QObject::connect(socket, &QTcpSocket::disconnected, q, [this, id] { onClosed(id); });
        QObject::connect(socket, &QTcpSocket::errorOccurred, q, [this, id] { onClosed(id); });
        connections.emplace(id, std::move(c));
        ++connectionsAccepted;
        onReadyRead(id); // bytes may already be waiting
    }
}

void FakeLlmServer::Private::onReadyRead(quint64 id)
{
    const auto it = connections.find(id);
    if (it == connections.end())
        return;
    Connection* c = it->second.get();
    if (c->closed)
        return;
    const QByteArray bytes = c->socket->readAll();
    if (c->state == Connection::State::Closing || bytes.isEmpty())
        return;
    c->buffer.append(bytes);
    if (c->state == Connection::State::Reading)
        processBuffer(c);
}

void FakeLlmServer::Private::onClosed(quint64 id)
{
    const auto it = connections.find(id);
    if (it == connections.end())
        return;
    Connection* c = it->second.get();
    c->closed = true;
    const bool pending = c->state == Connection::State::Delayed || c->state == Connection::State::Hanging || c->state == Connection::State::Streaming;
    c->state = Connection::State::Closing;
    c->pieces.clear();
    QTcpSocket* socket = c->socket;
    QObject::disconnect(socket, nullptr, q, nullptr);
    socket->deleteLater();
    dead.push_back(std::move(it->second));
    connections.erase(it);
    if (!purgeQueued) {
        purgeQueued = true;
        QMetaObject::invokeMethod(
            q, [this] { purgeDead(); }, Qt::QueuedConnection);
    }
    if (pending) {
        setInflight(inflight - 1);
        ++clientAborts;
        emit q->clientAborted();
    }
}

void FakeLlmServer::Private::purgeDead()
{
    purgeQueued = false;
    dead.clear();
}

void FakeLlmServer::Private::setInflight(int value)
{
    inflight = value;
    maxInflight = std::max(maxInflight, inflight);
}

void FakeLlmServer::Private::processBuffer(Connection* c)
{
    if (c->processing)
        return; // the loop below picks up the next request
    c->processing = true;
    while (!c->closed && c->state == Connection::State::Reading && !c->buffer.isEmpty()) {
        FakeRequest req;
        if (!parseOne(c, req))
            break;
        handleRequest(c, std::move(req));
    }
    c->processing = false;
}

// Takes one complete request off the front of the buffer; false when more bytes
// are needed or the request was refused (then the connection is closing).
bool FakeLlmServer::Private::parseOne(Connection* c, FakeRequest& req)
{
    QByteArray& buf = c->buffer;
    const qsizetype headEnd = buf.indexOf("\r\n\r\n", std::max<qsizetype>(0, c->headerScan - 3));
    if (headEnd < 0) {
        c->headerScan = buf.size();
        if (buf.size() > kMaxHeaderBytes)
            sendSimple(c, 431, QByteArrayLiteral(R"({"error":{"message":"request head too large","type":"fake"}})"), true);
        return false;
    }

    const QByteArrayView head(buf.constData(), headEnd);
    qsizetype lineEnd = head.indexOf("\r\n");
    if (lineEnd < 0)
        lineEnd = head.size();
    const QByteArrayView requestLine = head.first(lineEnd);
    const qsizetype sp1 = requestLine.indexOf(' ');
    const qsizetype sp2 = sp1 < 0 ? -1 : requestLine.indexOf(' ', sp1 + 1);
    if (sp1 <= 0 || sp2 <= sp1 + 1) {
        sendSimple(c, 400, QByteArrayLiteral(R"({"error":{"message":"bad request line","type":"fake"}})"), true);
        return false;
    }
    req.method = requestLine.first(sp1).toByteArray();
    req.path = requestLine.sliced(sp1 + 1, sp2 - sp1 - 1).toByteArray();
    const QByteArrayView version = requestLine.sliced(sp2 + 1);

    qsizetype pos = lineEnd + 2;
    while (pos < head.size()) {
        qsizetype end = head.indexOf("\r\n", pos);
        if (end < 0)
            end = head.size();
        const QByteArrayView line = head.sliced(pos, end - pos);
        const qsizetype colon = line.indexOf(':');
        if (colon > 0)
            req.headers.insert(line.first(colon).trimmed().toByteArray().toLower(), line.sliced(colon + 1).trimmed().toByteArray());
        pos = end + 2;
    }

    if (req.headers.contains(QByteArrayLiteral("transfer-encoding"))) {
        sendSimple(c, 501, QByteArrayLiteral(R"({"error":{"message":"chunked requests are not supported","type":"fake"}})"), true);
        return false;
    }
    qint64 length = 0;
    const auto cl = req.headers.constFind(QByteArrayLiteral("content-length"));
    if (cl != req.headers.constEnd()) {
        bool ok = false;
        length = cl->toLongLong(&ok);
        if (!ok || length < 0) {
            sendSimple(c, 400, QByteArrayLiteral(R"({"error":{"message":"bad content-length","type":"fake"}})"), true);
            return false;
        }
    }
    const qsizetype bodyStart = headEnd + 4;
    if (buf.size() - bodyStart < length) {
        if (!c->continueSent && req.headers.value(QByteArrayLiteral("expect")).toLower() == "100-continue") {
            c->continueSent = true;
            c->socket->write(QByteArrayLiteral("HTTP/1.1 100 Continue\r\n\r\n"));
        }
        c->headerScan = headEnd; // parse the head again when the body is complete
        return false; // wait for the rest of the body
    }

    req.body = buf.mid(bodyStart, static_cast<qsizetype>(length));
    const QByteArray connectionHeader = req.headers.value(QByteArrayLiteral("connection")).toLower();
    if (version == "HTTP/1.0")
        c->closeAfterReply = !connectionHeader.contains("keep-alive");
    else
        c->closeAfterReply = connectionHeader.contains("close");
    buf.remove(0, bodyStart + static_cast<qsizetype>(length));
    c->headerScan = 0;
    c->continueSent = false;
    return true;
}

void FakeLlmServer::Private::handleRequest(Connection* c, FakeRequest&& req)
{
    if (!req.body.isEmpty()) {
        const QJsonDocument doc = QJsonDocument::fromJson(req.body);
        if (doc.isObject())
            req.json = doc.object();
    }
    req.receivedMs = QDateTime::currentMSecsSinceEpoch();
    req.connectionId = c->id;
    req.index = requestCount++;
    setInflight(inflight + 1);
    ++c->generation;
    c->state = Connection::State::Delayed; // pending until the handler's reply is acted on
    if (record)
        requests.append(req);
    emit q->requestReceived(req.index);
    if (c->closed)
        return;

    PendingReply& p = c->pending;
    p.reply = handler ? handler(req) : defaultReply;
    if (c->closed)
        return;
    p.route = routeFor(req.method, req.path);
    p.method = req.method;
    p.path = req.path;
    p.body = p.route == Route::Echo ? req.body : QByteArray();
    const QJsonValue model = req.json.value(QLatin1String("model"));
    p.modelJson = model.isString() ? jsonString(model.toString().toUtf8()) : QByteArrayLiteral("\"fake-model\"");
    p.stream = req.json.value(QLatin1String("stream")).toBool();
    p.includeUsage = req.json.value(QLatin1String("stream_options")).toObject().value(QLatin1String("include_usage")).toBool();
    p.number = req.index;

    if (p.reply.action == FakeReply::Action::Hang) {
        c->state = Connection::State::Hanging;
        return;
    }
    if (p.reply.delayMs > 0) {
        schedule(c, p.reply.delayMs);
        return;
    }
    startReply(c);
}

void FakeLlmServer::Private::schedule(Connection* c, qint64 delayMs)
{
    heap.push(TimerEntry { clock.nsecsElapsed() + delayMs * kNsPerMs, ++timerSeq, c->id, c->generation });
    armTimer();
}

void FakeLlmServer::Private::armTimer()
{
    if (heap.empty()) {
        timer.stop();
        armedDueNs = -1;
        return;
    }
    const qint64 due = heap.top().dueNs;
    if (armedDueNs >= 0 && armedDueNs <= due && timer.isActive())
        return; // already armed for this entry or an earlier one
    const qint64 waitNs = std::max<qint64>(0, due - clock.nsecsElapsed());
    timer.start(static_cast<int>(std::min<qint64>((waitNs + kNsPerMs - 1) / kNsPerMs, INT_MAX)));
    armedDueNs = due;
}

void FakeLlmServer::Private::onTimer()
{
    armedDueNs = -1;
    const qint64 now = clock.nsecsElapsed();
    while (!heap.empty() && heap.top().dueNs <= now) {
        const TimerEntry e = heap.top();
        heap.pop();
        const auto it = connections.find(e.connectionId);
        if (it == connections.end())
            continue; // the connection is gone
        Connection* c = it->second.get();
        if (c->closed || c->generation != e.generation)
            continue;
        if (c->state == Connection::State::Delayed)
            startReply(c);
        else if (c->state == Connection::State::Streaming)
            writeNextPieces(c);
    }
    armTimer();
}

const QByteArray& FakeLlmServer::Private::escapedText(const QString& text)
{
    if (cachedEscapedText.isEmpty() || text != cachedText) {
        cachedText = text;
        cachedEscapedText = jsonString(text.toUtf8());
    }
    return cachedEscapedText;
}

QByteArray FakeLlmServer::Private::generatedBody(const PendingReply& p)
{
    const FakeReply& r = p.reply;
    const QByteArray prompt = QByteArray::number(r.promptTokens);
    const QByteArray completion = QByteArray::number(r.completionTokens);
    QByteArray out;
    out.reserve(320 + r.text.size());
    switch (p.route) {
    case Route::Chat:
    case Route::Completions: {
        const bool chat = p.route == Route::Chat;
        out.append(chat ? R"({"id":"chatcmpl-fake-)" : R"({"id":"cmpl-fake-)");
        out.append(QByteArray::number(p.number));
        out.append(chat ? R"(","object":"chat.completion","created":)" : R"(","object":"text_completion","created":)");
        out.append(QByteArray::number(QDateTime::currentSecsSinceEpoch()));
        out.append(R"(,"model":)");
        out.append(p.modelJson);
        out.append(chat ? R"(,"choices":[{"index":0,"message":{"role":"assistant","content":)" : R"(,"choices":[{"index":0,"text":)");
        out.append(escapedText(r.text));
        if (chat && !r.toolCalls.isEmpty()) {
            out.append(R"(,"tool_calls":[)");
            for (qsizetype i = 0; i < r.toolCalls.size(); ++i) {
                const FakeReply::ToolCall& t = r.toolCalls.at(i);
                out.append(i ? "," : "");
                out.append(R"({"id":)" + jsonString(t.id.toUtf8()) + R"(,"type":"function","function":{"name":)" + jsonString(t.name.toUtf8())
                    + R"(,"arguments":)" + jsonString(t.arguments.toUtf8()) + "}}");
            }
            out.append("]");
        }
        const QByteArray finish = chat && !r.toolCalls.isEmpty() ? QByteArrayLiteral("tool_calls") : QByteArrayLiteral("stop");
        out.append(chat ? R"(},"finish_reason":")" + finish + R"("}],"usage":{"prompt_tokens":)"
                        : QByteArray(R"(,"finish_reason":"stop"}],"usage":{"prompt_tokens":)"));
        out.append(prompt);
        out.append(R"(,"completion_tokens":)");
        out.append(completion);
        out.append(R"(,"total_tokens":)");
        out.append(QByteArray::number(qint64(r.promptTokens) + r.completionTokens));
        out.append("}}");
        break;
    }
    case Route::Embeddings:
        out.append(R"({"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.1,0.2,0.3]}],"model":)");
        out.append(p.modelJson);
        out.append(R"(,"usage":{"prompt_tokens":)");
        out.append(prompt);
        out.append(R"(,"total_tokens":)");
        out.append(prompt);
        out.append("}}");
        break;
    case Route::Models:
        out.append(R"({"object":"list","data":[{"id":"fake-model","object":"model"}]})");
        break;
    case Route::Messages:
        out.append(R"({"id":"msg_fake_)");
        out.append(QByteArray::number(p.number));
        out.append(R"(","type":"message","role":"assistant","model":)");
        out.append(p.modelJson);
        out.append(R"(,"content":[{"type":"text","text":)");
        out.append(escapedText(r.text));
        out.append(R"(}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":)");
        out.append(prompt);
        out.append(R"(,"output_tokens":)");
        out.append(completion);
        out.append("}}");
        break;
    case Route::Echo: {
        out.append(R"({"method":)");
        appendJsonString(out, p.method);
        out.append(R"(,"path":)");
        appendJsonString(out, p.path);
        out.append(R"(,"body":)");
        QJsonParseError error {};
        QJsonDocument::fromJson(p.body, &error);
        if (!p.body.isEmpty() && error.error == QJsonParseError::NoError)
            out.append(p.body);
        else
            appendJsonString(out, p.body);
        out.append('}');
        break;
    }
    }
    return out;
}

// The SSE events of a streamed answer, each ending in "\n\n".
QByteArray FakeLlmServer::Private::streamBytes(const PendingReply& p, QList<QByteArray>* events)
{
    const FakeReply& r = p.reply;
    const QList<QString> words = splitWords(r.text);
    const QByteArray prompt = QByteArray::number(r.promptTokens);
    const QByteArray completion = QByteArray::number(r.completionTokens);
    const QByteArray number = QByteArray::number(p.number);
    QByteArray all;

    auto emitEvent = [&](const QByteArray& event) {
        all.append(event);
        events->append(event);
    };

    if (p.route == Route::Messages) {
        emitEvent(QByteArrayLiteral("event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_fake_") + number
            + QByteArrayLiteral(R"(","type":"message","role":"assistant","model":)") + p.modelJson
            + QByteArrayLiteral(R"(,"content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":)") + prompt
            + QByteArrayLiteral(",\"output_tokens\":1}}}\n\n"));
        emitEvent(QByteArrayLiteral("event: content_block_start\ndata: "
                                    "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n"));
        for (const QString& word : words) {
            emitEvent(
                QByteArrayLiteral(
                    "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":")
                + jsonString(word.toUtf8()) + QByteArrayLiteral("}}\n\n"));
        }
        emitEvent(QByteArrayLiteral("event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n"));
        emitEvent(QByteArrayLiteral(
                      "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},"
                      "\"usage\":{\"output_tokens\":")
            + completion + QByteArrayLiteral("}}\n\n"));
        emitEvent(QByteArrayLiteral("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"));
        return all;
    }

    const bool chat = p.route == Route::Chat;
    const QByteArray head = (chat ? QByteArrayLiteral("data: {\"id\":\"chatcmpl-fake-") : QByteArrayLiteral("data: {\"id\":\"cmpl-fake-")) + number
        + (chat ? QByteArrayLiteral(R"(","object":"chat.completion.chunk","created":)")
                : QByteArrayLiteral(R"(","object":"text_completion","created":)"))
        + QByteArray::number(QDateTime::currentSecsSinceEpoch()) + QByteArrayLiteral(R"(,"model":)") + p.modelJson;
    auto piece
        = [&](const QByteArray& choice) -> QByteArray { return head + QByteArrayLiteral(R"(,"choices":[)") + choice + QByteArrayLiteral("]}\n\n"); };

    QList<QString> pieces = words;
    if (pieces.isEmpty())
        pieces.append(QString());
    for (qsizetype i = 0; i < pieces.size(); ++i) {
        const QByteArray content = jsonString(pieces.at(i).toUtf8());
        if (chat) {
            emitEvent(piece(QByteArrayLiteral(R"({"index":0,"delta":{)") + (i == 0 ? QByteArrayLiteral(R"("role":"assistant",)") : QByteArray())
                + QByteArrayLiteral(R"("content":)") + content + QByteArrayLiteral(R"(},"finish_reason":null})")));
        } else {
            emitEvent(piece(QByteArrayLiteral(R"({"index":0,"text":)") + content + QByteArrayLiteral(R"(,"finish_reason":null})")));
        }
    }
    for (qsizetype i = 0; chat && i < r.toolCalls.size(); ++i) {
        const FakeReply::ToolCall& t = r.toolCalls.at(i);
        const QByteArray index = QByteArray::number(i);
        emitEvent(piece(R"({"index":0,"delta":{"tool_calls":[{"index":)" + index + R"(,"id":)" + jsonString(t.id.toUtf8())
            + R"(,"type":"function","function":{"name":)" + jsonString(t.name.toUtf8()) + R"(,"arguments":""}}]},"finish_reason":null})"));
        const qsizetype third = (t.arguments.size() + 2) / 3;
        for (qsizetype from = 0; from < t.arguments.size(); from += third)
            emitEvent(piece(R"({"index":0,"delta":{"tool_calls":[{"index":)" + index + R"(,"function":{"arguments":)"
                + jsonString(t.arguments.mid(from, third).toUtf8()) + R"(}}]},"finish_reason":null})"));
    }
    emitEvent(piece(chat ? (r.toolCalls.isEmpty() ? QByteArrayLiteral(R"({"index":0,"delta":{},"finish_reason":"stop"})")
                                                  : QByteArrayLiteral(R"({"index":0,"delta":{},"finish_reason":"tool_calls"})"))
                         : QByteArrayLiteral(R"({"index":0,"text":"","finish_reason":"stop"})")));
    if (p.includeUsage) {
        emitEvent(head + QByteArrayLiteral(R"(,"choices":[],"usage":{"prompt_tokens":)") + prompt + QByteArrayLiteral(R"(,"completion_tokens":)")
            + completion + QByteArrayLiteral(R"(,"total_tokens":)") + QByteArray::number(qint64(r.promptTokens) + r.completionTokens)
            + QByteArrayLiteral("}}\n\n"));
    }
    emitEvent(QByteArrayLiteral("data: [DONE]\n\n"));
    return all;
}

void FakeLlmServer::Private::startReply(Connection* c)
{
    PendingReply& p = c->pending;
    const FakeReply& r = p.reply;

    if (r.action == FakeReply::Action::Reset) {
        finishReply(c, false);
        c->state = Connection::State::Closing;
        const quint64 id = c->id;
        c->socket->abort(); // emits disconnected(), which retires the connection
        onClosed(id); // in case it did not
        return;
    }
    if (r.action == FakeReply::Action::Hang) {
        c->state = Connection::State::Hanging;
        return;
    }

    const bool streaming = r.status == 200 && r.body.isEmpty() && !r.malformed && p.stream
        && (p.route == Route::Chat || p.route == Route::Completions || p.route == Route::Messages);

    QByteArray out;
    out.reserve(512);
    out.append("HTTP/1.1 ");
    out.append(QByteArray::number(r.status));
    out.append(' ');
    out.append(reasonPhrase(r.status));
    out.append("\r\n");

    if (streaming) {
        out.append("Content-Type: text/event-stream\r\nCache-Control: no-cache\r\nTransfer-Encoding: chunked\r\n");
        appendHeaders(out, r.headers);
        if (c->closeAfterReply)
            out.append("Connection: close\r\n");
        out.append("\r\n");

        QList<QByteArray> events;
        const QByteArray all = streamBytes(p, &events);
        c->pieces.clear();
        if (r.chunkBytes > 0) {
            for (qsizetype at = 0; at < all.size(); at += r.chunkBytes) {
                QByteArray framed;
                appendChunk(framed, QByteArrayView(all).sliced(at, std::min<qsizetype>(r.chunkBytes, all.size() - at)));
                c->pieces.append(framed);
            }
        } else {
            for (const QByteArray& event : std::as_const(events)) {
                QByteArray framed;
                appendChunk(framed, event);
                c->pieces.append(framed);
            }
        }
        if (r.action == FakeReply::Action::CloseMidBody) // the stream breaks off halfway, before its end
            c->pieces.resize(std::max<qsizetype>(1, c->pieces.size() / 2));
        c->nextPiece = 0;
        c->state = Connection::State::Streaming;
        c->socket->write(out);
        writeNextPieces(c);
        return;
    }

    QByteArray body;
    if (!r.body.isEmpty()) {
        body = r.body;
    } else if (r.status != 200) {
        body = QByteArrayLiteral(R"({"error":{"message":"fake error )") + QByteArray::number(r.status) + QByteArrayLiteral(R"(","type":"fake"}})");
    } else {
        body = generatedBody(p);
        if (r.malformed)
            body.truncate(std::max<qsizetype>(1, body.size() / 2));
    }

    out.append("Content-Type: application/json\r\nContent-Length: ");
    out.append(QByteArray::number(body.size()));
    out.append("\r\n");
    appendHeaders(out, r.headers);
    const bool midBody = r.action == FakeReply::Action::CloseMidBody;
    if (c->closeAfterReply || midBody)
        out.append("Connection: close\r\n");
    out.append("\r\n");
    if (midBody) {
        out.append(body.constData(), body.size() / 2);
        c->socket->write(out);
        finishReply(c, false);
        c->state = Connection::State::Closing;
        c->socket->disconnectFromHost();
        return;
    }
    out.append(body);
    c->socket->write(out);
    finishReply(c, true);
}

void FakeLlmServer::Private::writeNextPieces(Connection* c)
{
    const qint64 gap = c->pending.reply.chunkDelayMs;
    while (c->nextPiece < c->pieces.size()) {
        c->socket->write(c->pieces.at(c->nextPiece++));
        if (gap > 0 && c->nextPiece < c->pieces.size()) {
            schedule(c, gap);
            return;
        }
    }
    c->pieces.clear();
    if (c->pending.reply.action == FakeReply::Action::CloseMidBody) {
        finishReply(c, false);
        c->state = Connection::State::Closing;
        c->socket->disconnectFromHost();
        return;
    }
    c->socket->write(QByteArrayLiteral("0\r\n\r\n"));
    finishReply(c, true);
}

// The current request is done (answered, reset or cut): the connection goes back
// to reading unless it closes.
void FakeLlmServer::Private::finishReply(Connection* c, bool completed)
{
    setInflight(inflight - 1);
    if (completed)
        ++repliesCompleted;
    c->pending = PendingReply();
    c->state = Connection::State::Reading;
    if (!completed)
        return; // the caller closes the connection
    if (c->closeAfterReply) {
        c->state = Connection::State::Closing;
        c->socket->disconnectFromHost();
        return;
    }
    processBuffer(c); // a pipelined request may be waiting
}

// A reply to a request we refuse to parse; the connection closes after it.
void FakeLlmServer::Private::sendSimple(Connection* c, int status, const QByteArray& body, bool close)
{
    QByteArray out = QByteArrayLiteral("HTTP/1.1 ") + QByteArray::number(status) + ' ' + reasonPhrase(status)
        + QByteArrayLiteral("\r\nContent-Type: application/json\r\nContent-Length: ") + QByteArray::number(body.size())
        + (close ? QByteArrayLiteral("\r\nConnection: close\r\n\r\n") : QByteArrayLiteral("\r\n\r\n")) + body;
    c->socket->write(out);
    c->buffer.clear();
    if (close) {
        c->state = Connection::State::Closing;
        c->socket->disconnectFromHost();
    }
}

FakeLlmServer::FakeLlmServer(QObject* parent)
    : QObject(parent)
    , d(std::make_unique<Private>(this))
{
}

FakeLlmServer::~FakeLlmServer()
{
    d->timer.stop();
    d->server.close();
    // Sockets are children of this object; silence them before Private goes.
    for (auto& [id, c] : d->connections) {
        QObject::disconnect(c->socket, nullptr, this, nullptr);
        delete c->socket;
    }
    d->connections.clear();
    d->dead.clear();
}

bool FakeLlmServer::listen(quint16 port)
{
    return d->server.listen(QHostAddress::LocalHost, port);
}

quint16 FakeLlmServer::port() const
{
    return d->server.serverPort();
}

QString FakeLlmServer::baseUrl() const
{
    return QStringLiteral("http://127.0.0.1:%1").arg(port());
}

void FakeLlmServer::setHandler(Handler handler)
{
    d->handler = std::move(handler);
}

void FakeLlmServer::setDefaultReply(const FakeReply& reply)
{
    d->defaultReply = reply;
}

const FakeReply& FakeLlmServer::defaultReply() const
{
    return d->defaultReply;
}

void FakeLlmServer::setRecordRequests(bool record)
{
    d->record = record;
    if (!record)
        d->requests.clear();
}

QList<FakeRequest> FakeLlmServer::requests() const
{
    return d->requests;
}

void FakeLlmServer::clear()
{
    d->requests.clear();
    d->requestCount = 0;
    d->repliesCompleted = 0;
    d->maxInflight = d->inflight; // inflight describes the present, so it stays
    d->clientAborts = 0;
    d->connectionsAccepted = 0;
}

int FakeLlmServer::requestCount() const
{
    return d->requestCount;
}

int FakeLlmServer::repliesCompleted() const
{
    return d->repliesCompleted;
}

int FakeLlmServer::inflight() const
{
    return d->inflight;
}

int FakeLlmServer::maxInflight() const
{
    return d->maxInflight;
}

int FakeLlmServer::clientAborts() const
{
    return d->clientAborts;
}

int FakeLlmServer::connectionsAccepted() const
{
    return d->connectionsAccepted;
}

int FakeLlmServer::openConnections() const
{
    return static_cast<int>(d->connections.size());
}

} // namespace llmsched::test
