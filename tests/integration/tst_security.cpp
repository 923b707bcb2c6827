// Security checks of the REST server and the daemon, over real sockets on
// loopback:
//  - secrets never leak: provider keys set up the way operators do (env:,
//    file:, the REST secrets route, and pasted where they do not belong) and
//    API tokens are searched for in every API answer, the event stream, the
//    process's log output, what upstreams received (tokens) and the database
//    files, while upstreams succeed, echo what they were sent, fail with the
//    key in their bodies and stream;
//  - every route in docs/openapi.yaml answers 401 without a valid token and
//    403 to a token below the role it documents, and lets that role in;
//  - the daemon listens on loopback unless told otherwise;
//  - HTTPS works with a configured certificate, and plain HTTP gets no data there.

#include "enginetestutil.h"
#include "fakellmserver.h"

#include "api/apiserver.h"
#include "core/apitoken.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QMutex>
#include <QNetworkAccessManager>
#include <QNetworkInterface>
#include <QNetworkReply>
#include <QProcess>
#include <QRegularExpression>
#include <QLoggingCategory>
#include <QScopeGuard>
#include <QSignalSpy>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QSslSocket>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTimer>
#include <QtEndian>

#include <algorithm>
#include <functional>

#ifdef Q_OS_LINUX
#include <unistd.h>
#endif

using namespace llmsched;
using namespace llmsched::test;
using namespace testutil;

namespace {

constexpr int kWaitMs = 15000;

// Provider keys, each reaching the engine by a different path. Distinctive, so
// that a match anywhere is a leak; only characters that JSON, URLs and HTTP
// headers carry as they are.
const QByteArray kEnvKey = QByteArrayLiteral("sk-proj-SECTESTenv7Qm2Vx9Lp4Rt8Wz3Yb6N"); // api_key_ref env:NAME
const QByteArray kFileKey = QByteArrayLiteral("sk-ant-SECTESTfile5Hc1Jd8Kf3Lg6Mh9Np2Q"); // api_key_ref file:/path (0600)
const QByteArray kPastedKey = QByteArrayLiteral("sk-SECTESTpasted4Xy7Zw1Av5Bu8Ct2Ds6E"); // sent where a key is not accepted
const QByteArray kRouteKey = QByteArrayLiteral("sk-SECTESTroute3Fe9Gd2Hc5Jb8Ka1Lz0M"); // PUT /api/v1/secrets bodies
// A well-formed API token that was never issued.
const QByteArray kBogusToken = QByteArrayLiteral("llms_SECTESTbogus3w5E7r9T1y3U5i7O9p1A3s5D7f9G1h2J");
const char kEnvName[] = "LLMSCHED_SECURITY_TEST_KEY";

// ---- searching for secrets ------------------------------------------------------------------

struct Needle
{
    QString label;
    QByteArray value;
};

struct Haystack
{
    QString where;
    QByteArray bytes;
};

// JSON text in which every character of s is a \u escape.
QByteArray jsonEscapedEveryChar(const QByteArray& s)
{
    QByteArray out;
    for (const char ch : s)
        out += "\\u" + QByteArray::number(static_cast<uchar>(ch), 16).rightJustified(4, '0');
    return out;
}

// The forms in which a secret could show up: whole, cut to its first or last
// 16 bytes (a truncated echo), base64 (standard and URL-safe), UTF-16 and
// JSON-escaped (as text, and as that text inside a JSON string).
QList<QPair<QString, QByteArray>> leakForms(const QByteArray& secret)
{
    QByteArray utf16;
    for (const char ch : secret) {
        utf16.append(ch);
        utf16.append('\0');
    }
    return { { QStringLiteral("whole"), secret }, { QStringLiteral("first 16 bytes"), secret.left(16) },
        { QStringLiteral("last 16 bytes"), secret.right(16) }, { QStringLiteral("base64"), secret.toBase64() },
        { QStringLiteral("base64url"), secret.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals) },
        { QStringLiteral("UTF-16"), utf16 }, { QStringLiteral("JSON-escaped"), jsonEscapedEveryChar(secret) },
        { QStringLiteral("JSON-escaped, inside a JSON string"), jsonEscapedEveryChar(secret).replace("\\", "\\\\") } };
}

QString printable(const QByteArray& bytes)
{
    QString out;
    for (const char ch : bytes)
        out.append(ch >= 0x20 && ch < 0x7f ? QLatin1Char(ch) : QLatin1Char('.'));
    return out;
}

// Every place a needle shows up in some form (the first form found), with some context around it.
QStringList findLeaks(const QList<Haystack>& haystacks, const QList<Needle>& needles)
{
    QStringList out;
    for (const Haystack& h : haystacks) {
        for (const Needle& n : needles) {
            for (const auto& [form, bytes] : leakForms(n.value)) {
                const qsizetype at = h.bytes.indexOf(bytes);
                if (at >= 0) {
                    out.append(QStringLiteral("%1 (%2) in %3: ...%4...")
                                   .arg(n.label, form, h.where, printable(h.bytes.mid(std::max<qsizetype>(0, at - 80), bytes.size() + 160))));
                    break; // one report per secret and place
                }
            }
        }
    }
    return out;
}

// Reports each leak in a warning of its own (a failure message holds about
// 1,000 characters); true when there is none.
bool noLeaks(const QStringList& leaks)
{
    for (const QString& leak : leaks)
        qWarning().noquote() << "leak:" << leak;
    return leaks.isEmpty();
}

QString leakSummary(const QStringList& leaks)
{
    return QStringLiteral("%1 leak(s), each in a warning above; the first: %2").arg(leaks.size()).arg(leaks.value(0).left(500));
}

// Every file under dir, read raw (the database, its WAL and whatever else the store wrote).
QList<Haystack> filesUnder(const QString& dir)
{
    QList<Haystack> out;
    QDirIterator it(dir, QDir::Files | QDir::Hidden | QDir::System, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        QFile f(it.next());
        if (f.open(QIODevice::ReadOnly))
            out.append({ QStringLiteral("file ") + f.fileName(), f.readAll() });
    }
    return out;
}

// ---- the process's log -----------------------------------------------------------------------

QMutex g_logMutex;
QStringList g_log;
QtMessageHandler g_previousHandler = nullptr;

void captureLog(QtMsgType type, const QMessageLogContext& context, const QString& message)
{
    {
        QMutexLocker lock(&g_logMutex);
        g_log.append(QString::fromLatin1(context.category ? context.category : "default") + QLatin1String(": ") + message);
    }
    if (type != QtDebugMsg && g_previousHandler)
        g_previousHandler(type, context, message);
}

QStringList capturedLog()
{
    QMutexLocker lock(&g_logMutex);
    return g_log;
}

// ---- HTTP over raw sockets ----------------------------------------------------------------------

struct Answer
{
    QString request; // "GET /api/v1/tasks"
    int status = 0;
    QByteArray head;
    QByteArray body; // de-chunked
    bool complete = false;
    bool showsNewToken = false; // the one answer that may carry a token's secret: its creation

    QJsonObject json() const { return QJsonDocument::fromJson(body).object(); }
    QString errorCode() const { return json().value(QLatin1String("error")).toObject().value(QLatin1String("code")).toString(); }
    QByteArray header(const QByteArray& lowerName) const
    {
        for (const QByteArray& line : head.split('\n'))
            if (line.toLower().startsWith(QByteArray(lowerName + ':')))
                return line.mid(lowerName.size() + 1).trimmed();
        return {};
    }
    QString text() const { return request + QStringLiteral(" -> ") + QString::number(status) + QLatin1Char(' ') + printable(body.left(400)); }
};

// One HTTP response from the bytes received so far: status, head, and as much
// of the body as has arrived (chunks decoded).
Answer parseAnswer(const QByteArray& data)
{
    Answer a;
    const qsizetype end = data.indexOf("\r\n\r\n");
    if (end < 0)
        return a;
    a.head = data.left(end);
    a.status = a.head.left(a.head.indexOf("\r\n")).split(' ').value(1).toInt();
    const QByteArray rest = data.mid(end + 4);
    if (a.head.toLower().contains("transfer-encoding: chunked")) {
        qsizetype pos = 0;
        while (true) {
            const qsizetype eol = rest.indexOf("\r\n", pos);
            if (eol < 0)
                break;
            bool ok = false;
            const qsizetype size = rest.mid(pos, eol - pos).toLongLong(&ok, 16);
            if (!ok || rest.size() < eol + 2 + size + 2)
                break;
            if (size == 0) {
                a.complete = true;
                break;
            }
            a.body += rest.mid(eol + 2, size);
            pos = eol + 2 + size + 2;
        }
        return a;
    }
    const qsizetype length = a.header("content-length").toLongLong();
    a.body = rest.left(length);
    a.complete = rest.size() >= length;
    return a;
}

QByteArray requestBytes(const QByteArray& method, const QString& path, const QByteArray& token, const QByteArray& body)
{
    QByteArray out = method + ' ' + path.toLatin1() + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
    if (!token.isEmpty())
        out += "Authorization: Bearer " + token + "\r\n";
    if (!body.isEmpty())
        out += "Content-Type: application/json\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\n";
    return out + "\r\n" + body;
}

// A connection that collects whatever the server sends.
class RawSocket
{
public:
    RawSocket()
    {
        QObject::connect(&m_socket, &QTcpSocket::readyRead, &m_socket, [this] { m_data += m_socket.readAll(); });
    }
    void open(quint16 port, const QByteArray& bytes)
    {
        m_socket.connectToHost(QHostAddress::LocalHost, port);
        m_socket.write(bytes);
    }
    // Runs the event loop until cond holds or the server closed the connection.
    void waitFor(const std::function<bool()>& cond, int timeoutMs = kWaitMs)
    {
        QEventLoop loop;
        QTimer deadline;
        deadline.setSingleShot(true);
        QObject::connect(&deadline, &QTimer::timeout, &loop, &QEventLoop::quit);
        QObject::connect(&m_socket, &QIODevice::readyRead, &loop, &QEventLoop::quit);
        QObject::connect(&m_socket, &QAbstractSocket::stateChanged, &loop, &QEventLoop::quit);
        deadline.start(timeoutMs);
        while (!cond() && m_socket.state() != QAbstractSocket::UnconnectedState && deadline.isActive())
            loop.exec();
        m_data += m_socket.readAll();
    }
    void close() { m_socket.abort(); }
    QByteArray data() const { return m_data; }
    QTcpSocket& socket() { return m_socket; }

private:
    QTcpSocket m_socket;
    QByteArray m_data;
};

// One request on a connection of its own; the answer is complete when its
// body is (streams included) or, for /api/v1/events (which never ends), once
// its head arrived.
Answer rawCall(quint16 port, const QByteArray& method, const QString& path, const QByteArray& token = {}, const QByteArray& body = {})
{
    RawSocket c;
    c.open(port, requestBytes(method, path, token, body));
    const bool endless = path.startsWith(QLatin1String("/api/v1/events"));
    c.waitFor([&c, endless] {
        const Answer a = parseAnswer(c.data());
        return a.complete || (endless && a.status != 0);
    });
    Answer a = parseAnswer(c.data());
    a.request = QString::fromLatin1(method) + QLatin1Char(' ') + path;
    return a;
}

// ---- the upstream ---------------------------------------------------------------------------------

QByteArray headerDump(const FakeRequest& r)
{
    QList<QByteArray> names = r.headers.keys();
    std::sort(names.begin(), names.end());
    QByteArray out;
    for (const QByteArray& n : names)
        out += n + ": " + r.headers.value(n) + "; ";
    return out;
}

// The key as the upstream received it, whichever header carried it.
QByteArray receivedKey(const FakeRequest& r)
{
    const QByteArray auth = r.headers.value("authorization");
    return auth.startsWith("Bearer ") ? auth.mid(7) : r.headers.value("x-api-key");
}

// What the fake upstream does, chosen by path and by a word in the prompt.
FakeReply upstreamReply(const FakeRequest& r)
{
    FakeReply reply;
    const QByteArray seen = "headers: " + headerDump(r) + "body: " + r.body;
    const QByteArray key = receivedKey(r);
    if (r.path.startsWith("/broken") || r.path.startsWith("/unhealthy")) {
        if (r.method == "GET" || r.body.contains("mode-401")) {
            reply.status = 401;
            reply.body = R"({"error":{"message":"Incorrect API key provided: )" + key + R"(. Find your key at https://example.invalid/keys."}})";
        } else if (r.body.contains("mode-500")) {
            reply.status = 500;
            reply.body = "upstream crashed (key " + jsonEscapedEveryChar(key) + ") while handling " + seen; // not JSON
        } else if (r.body.contains("mode-truncated")) {
            reply.status = 403;
            reply.body = R"({"error":{"message":"key )" + key.left(20) + "*****" + key.right(4) + R"( may not use this model"}})";
        } else { // a 200 that is not the dialect's JSON
            reply.body = "you sent " + seen;
        }
        return reply;
    }
    if (r.path.startsWith("/echo")) { // generic HTTP tasks
        QJsonObject headers;
        for (auto it = r.headers.cbegin(); it != r.headers.cend(); ++it)
            headers.insert(QString::fromLatin1(it.key()), QString::fromLatin1(it.value()));
        reply.body = QJsonDocument(QJsonObject { { QStringLiteral("headers"), headers }, { QStringLiteral("body"), QString::fromUtf8(r.body) } })
                         .toJson(QJsonDocument::Compact);
        reply.headers = { { QByteArrayLiteral("X-Echo"), r.headers.value("authorization") } };
        return reply;
    }
    if (r.body.contains("mode-escaped")) { // the key in the answer, spelt with JSON escapes
        reply.body = R"({"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"upstream-model","choices":[{"index":0,)"
                     R"("message":{"role":"assistant","content":"your key is )"
            + jsonEscapedEveryChar(key) + R"("},"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}})";
        return reply;
    }
    // Success: the generated answer (OpenAI or Anthropic by path, streamed when
    // asked, cut into 7-byte pieces) says what the upstream received.
    reply.text = QString::fromUtf8("you sent " + seen);
    reply.chunkBytes = 7;
    return reply;
}

QByteArray toBytes(const QJsonObject& o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

QJsonObject endpointJson(const QString& provider, const QString& baseUrl, const QString& keyRef)
{
    return { { QStringLiteral("name"), QStringLiteral("up") }, { QStringLiteral("provider"), provider }, { QStringLiteral("base_url"), baseUrl },
        { QStringLiteral("api_key_ref"), keyRef }, { QStringLiteral("upstream_model"), QStringLiteral("upstream-model") },
        { QStringLiteral("health_check_interval_ms"), 0 } };
}

QJsonObject modelJson(const QString& name, const QJsonObject& endpoint)
{
    return { { QStringLiteral("name"), name }, { QStringLiteral("concurrency"), 4 },
        { QStringLiteral("retry"),
            QJsonObject { { QStringLiteral("max_attempts"), 2 }, { QStringLiteral("initial_delay_ms"), 10 }, { QStringLiteral("max_delay_ms"), 50 },
                { QStringLiteral("jitter"), 0 } } },
        { QStringLiteral("endpoints"), QJsonArray { endpoint } } };
}

QJsonObject promptInput(const QString& word, bool stream = false)
{
    QJsonObject input { { QStringLiteral("messages"),
        QJsonArray { QJsonObject {
            { QStringLiteral("role"), QStringLiteral("user") }, { QStringLiteral("content"), QString(QStringLiteral("please ") + word) } } } } };
    if (stream)
        input.insert(QStringLiteral("stream"), true);
    return input;
}

// ---- docs/openapi.yaml ----------------------------------------------------------------------

struct DocumentedRoute
{
    QString method; // "GET"
    QString path; // "/api/v1/tasks/{id}"
    QString summary;
    bool isPublic = false; // security: []
    std::optional<Role> role; // from "(viewer)", "(operator)" or "(admin)" in the summary
};

// Paths sit at two spaces under "paths:", methods at four, their summary (one
// line or a "|" block) and security at six.
QList<DocumentedRoute> documentedRoutes()
{
    QFile spec(QStringLiteral(LLMSCHED_SOURCE_DIR "/docs/openapi.yaml"));
    if (!spec.open(QIODevice::ReadOnly))
        return {};
    static const QRegularExpression pathLine(QStringLiteral("^  (/[^:\\s]*):\\s*$"));
    static const QRegularExpression methodLine(QStringLiteral("^    (get|put|post|patch|delete|head|options):\\s*$"));
    static const QRegularExpression summaryLine(QStringLiteral("^      summary:\\s*(.*)$"));
    static const QRegularExpression publicLine(QStringLiteral("^      security:\\s*\\[\\s*\\]\\s*$"));
    static const QRegularExpression roleWord(QStringLiteral("\\((viewer|operator|admin)\\b"));
    QList<DocumentedRoute> out;
    QString path;
    bool inPaths = false;
    bool inRoute = false;
    bool inSummaryBlock = false;
    for (const QByteArray& raw : spec.readAll().split('\n')) {
        const QString line = QString::fromUtf8(raw);
        if (line.startsWith(QLatin1String("paths:"))) {
            inPaths = true;
            continue;
        }
        if (!inPaths)
            continue;
        if (!line.isEmpty() && !line.startsWith(QLatin1Char(' ')))
            break; // the next top-level section
        if (inSummaryBlock) {
            if (line.startsWith(QLatin1String("        "))) {
                out.last().summary += QLatin1Char(' ') + line.trimmed();
                continue;
            }
            inSummaryBlock = false;
        }
        if (const auto m = pathLine.match(line); m.hasMatch()) {
            path = m.captured(1);
            inRoute = false;
        } else if (const auto mm = methodLine.match(line); mm.hasMatch() && !path.isEmpty()) {
            out.append({ mm.captured(1).toUpper(), path, {}, false, std::nullopt });
            inRoute = true;
        } else if (const auto s = summaryLine.match(line); s.hasMatch() && inRoute) {
            const QString text = s.captured(1).trimmed();
            inSummaryBlock = text == QLatin1String("|") || text == QLatin1String(">");
            out.last().summary = inSummaryBlock ? QString() : text;
        } else if (publicLine.match(line).hasMatch() && inRoute) {
            out.last().isPublic = true;
        }
    }
    for (DocumentedRoute& r : out)
        if (const auto m = roleWord.match(r.summary); m.hasMatch())
            r.role = roleFromName(m.captured(1));
    return out;
}

// A path of the route with its parameters filled in by values that name
// nothing, so that a request that gets through changes nothing; secret names
// the keychain would refuse, so that the OS keychain is never touched.
QString probePath(const QString& pattern)
{
    QString path = pattern;
    if (path.startsWith(QLatin1String("/api/v1/secrets/")))
        path.replace(QLatin1String("{name}"), QLatin1String("bad%20name"));
    static const QRegularExpression param(QStringLiteral("\\{(\\w+)\\}"));
    return path.replace(param, QStringLiteral("no-such-\\1"));
}

} // namespace

class TestSecurity : public QObject
{
    Q_OBJECT

private slots:
    void searcherFindsPlantedSecrets();
    void secretsNeverLeak();
    void documentedRoutesRequireTheirRole();
    void defaultBindIsLoopback();
    void tlsServesHttpsOnly();
    void keyReferencesStayPut();
};

// Review item 5: an admin may name only the variables and key directories the
// daemon allows, and a reference's key goes to a new server only on an
// explicit "rebind_key": true; refused saves change nothing.
void TestSecurity::keyReferencesStayPut()
{
    EngineFixture f;
    QVERIFY(f.start());
    const auto admin = await(f.engine->createToken(QStringLiteral("admin"), Role::Admin));
    QVERIFY(admin);
    const QByteArray token = admin->secret.toLatin1();
    ApiOptions options;
    options.port = 0;
    ApiHost host(*f.engine, options);
    const auto port = host.start();
    QVERIFY(port);
    const auto call
        = [&](const QByteArray& method, const QString& path, const QJsonObject& body) { return rawCall(*port, method, path, token, toBytes(body)); };
    const QString ref = QStringLiteral("env:LLMSCHED_TST_STAYPUT");

    // Outside the policy: any variable, any file.
    for (const QString& bad : { QStringLiteral("env:HOME"), QStringLiteral("env:AWS_SECRET_ACCESS_KEY"), QStringLiteral("file:/etc/shadow"),
             QString(QStringLiteral("file:") + f.dir() + QStringLiteral("/../x.key")) }) {
        const Answer refused = call("POST", QStringLiteral("/api/v1/models"),
            modelJson(QStringLiteral("m"), endpointJson(QStringLiteral("openai"), QStringLiteral("https://a.example.com/v1"), bad)));
        QVERIFY2(refused.status == 422, qPrintable(refused.text()));
        QCOMPARE(refused.json().value(QLatin1String("error")).toObject().value(QLatin1String("field")).toString(),
            QStringLiteral("endpoints[0].api_key_ref"));
    }
    QVERIFY(f.engine->models().isEmpty());
    // A key file in the data directory is fine.
    const Answer inData = call("POST", QStringLiteral("/api/v1/models"),
        modelJson(QStringLiteral("filed"),
            endpointJson(
                QStringLiteral("openai"), QStringLiteral("https://a.example.com/v1"), QStringLiteral("file:") + f.dir() + QStringLiteral("/a.key"))));
    QVERIFY2(inData.status == 201, qPrintable(inData.text()));

    // A reference no endpoint uses yet: naming it is the decision.
    const Answer created = call("POST", QStringLiteral("/api/v1/models"),
        modelJson(QStringLiteral("m"), endpointJson(QStringLiteral("openai"), QStringLiteral("https://a.example.com/v1"), ref)));
    QVERIFY2(created.status == 201, qPrintable(created.text()));
    // Same origin, another path: fine.
    const Answer samePlace = call("PUT", QStringLiteral("/api/v1/models/m"),
        modelJson(QStringLiteral("m"), endpointJson(QStringLiteral("openai"), QStringLiteral("https://a.example.com:443/v2"), ref)));
    QVERIFY2(samePlace.status == 200, qPrintable(samePlace.text()));
    // Elsewhere, by PUT of the model, by PUT of the endpoint, or by a new model reusing the reference: refused.
    const QJsonObject moved = endpointJson(QStringLiteral("openai"), QStringLiteral("https://collector.example.net/v1"), ref);
    for (const auto& [method, path, body] :
        { std::tuple { QByteArray("PUT"), QStringLiteral("/api/v1/models/m"), modelJson(QStringLiteral("m"), moved) },
            std::tuple { QByteArray("PUT"), QStringLiteral("/api/v1/models/m/endpoints/up"), moved },
            std::tuple { QByteArray("POST"), QStringLiteral("/api/v1/models"), modelJson(QStringLiteral("copy"), moved) } }) {
        const Answer refused = call(method, path, body);
        QVERIFY2(refused.status == 422, qPrintable(refused.text()));
        const QJsonObject error = refused.json().value(QLatin1String("error")).toObject();
        QCOMPARE(error.value(QLatin1String("field")).toString(), QStringLiteral("endpoints[0].rebind_key"));
        QVERIFY2(error.value(QLatin1String("message")).toString().contains(QStringLiteral("https://a.example.com:443")), qPrintable(refused.text()));
        QVERIFY2(error.value(QLatin1String("message")).toString().contains(QStringLiteral("https://collector.example.net:443")),
            qPrintable(refused.text()));
    }
    QCOMPARE(f.engine->model(QStringLiteral("m"))->endpoints.at(0).baseUrl, QStringLiteral("https://a.example.com:443/v2"));
    QVERIFY(!f.engine->model(QStringLiteral("copy")));
    // Said explicitly, it is saved; rebind_key is not kept, so the next move asks again.
    QJsonObject rebound = moved;
    rebound.insert(QStringLiteral("rebind_key"), true);
    const Answer saved = call("PUT", QStringLiteral("/api/v1/models/m"), modelJson(QStringLiteral("m"), rebound));
    QVERIFY2(saved.status == 200, qPrintable(saved.text()));
    QVERIFY(!saved.text().contains(QStringLiteral("rebind_key")));
    QCOMPARE(f.engine->model(QStringLiteral("m"))->endpoints.at(0).baseUrl, QStringLiteral("https://collector.example.net/v1"));
    const Answer again = call("PUT", QStringLiteral("/api/v1/models/m"),
        modelJson(QStringLiteral("m"), endpointJson(QStringLiteral("openai"), QStringLiteral("http://third.example.org/v1"), ref)));
    QCOMPARE(again.status, 422);
}

// ---- the searcher itself --------------------------------------------------------------------------

void TestSecurity::searcherFindsPlantedSecrets()
{
    const QList<Needle> needles { { QStringLiteral("key"), kEnvKey } };
    const QByteArray noise(300, 'x');
    // Each form, planted in the middle of other bytes, is found.
    for (const auto& [form, bytes] : leakForms(kEnvKey)) {
        const QStringList found = findLeaks({ { QStringLiteral("blob"), noise + bytes + noise } }, needles);
        QVERIFY2(found.size() == 1, qPrintable(form));
        QVERIFY2(found.constFirst().contains(QStringLiteral("in blob")), qPrintable(found.constFirst()));
    }
    // Through the answer parser: a key cut in two by chunked framing is found once decoded.
    const QByteArray chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + QByteArray::number(10, 16) + "\r\n" + kEnvKey.left(10)
        + "\r\n" + QByteArray::number(kEnvKey.size() - 10, 16) + "\r\n" + kEnvKey.mid(10) + "\r\n0\r\n\r\n";
    QVERIFY(!chunked.contains(kEnvKey));
    const Answer parsed = parseAnswer(chunked);
    QVERIFY(parsed.complete);
    QCOMPARE(findLeaks({ { QStringLiteral("answer"), parsed.body } }, needles).size(), 1);
    // In a file on disk.
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QFile f(dir.filePath(QStringLiteral("sub/file.db-wal")));
    QVERIFY(QDir(dir.path()).mkpath(QStringLiteral("sub")));
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(noise + kEnvKey + noise);
    f.close();
    QCOMPARE(findLeaks(filesUnder(dir.path()), needles).size(), 1);
    // A redacted or masked key is not a leak.
    QVERIFY(findLeaks({ { QStringLiteral("redacted"), "Bearer ***; masked sk-…Yb6N" } }, needles).isEmpty());
}

// ---- secrets ------------------------------------------------------------------------------------------

void TestSecurity::secretsNeverLeak()
{
    // The log from here on, debug lines included.
    QLoggingCategory::setFilterRules(QStringLiteral("llmsched.*=true\nqt.network.*=true"));
    {
        QMutexLocker lock(&g_logMutex);
        g_log.clear();
    }
    g_previousHandler = qInstallMessageHandler(captureLog);
    const auto restoreLog = qScopeGuard([] {
        qInstallMessageHandler(g_previousHandler);
        QLoggingCategory::setFilterRules(QString());
    });

    // Keys where operators put them: the environment and a 0600 file.
    qputenv(kEnvName, kEnvKey);
    const auto unsetEnv = qScopeGuard([] { qunsetenv(kEnvName); });
    QTemporaryDir keyDir;
    QVERIFY(keyDir.isValid());
    const QString keyFile = keyDir.filePath(QStringLiteral("anthropic.key"));
    {
        QFile f(keyFile);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(kFileKey + "\n");
        f.close();
        QVERIFY(f.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner));
    }

    FakeLlmServer upstream;
    QVERIFY(upstream.listen());
    upstream.setHandler(upstreamReply);

    auto f = std::make_unique<EngineFixture>();
    f->keyDirs = { keyDir.path() };
    QVERIFY(f->start());
    const QString dataDir = f->dir();
    // The first admin token as the CLI makes it; the others through the API.
    const auto admin = await(f->engine->createToken(QStringLiteral("admin"), Role::Admin));
    QVERIFY(admin);
    const QByteArray adminToken = admin->secret.toLatin1();
    ApiOptions options;
    options.port = 0;
    auto host = std::make_unique<ApiHost>(*f->engine, options);
    const auto port = host->start();
    QVERIFY2(port, port ? "" : qPrintable(port.error().message));

    QList<Answer> answers;
    const auto call = [&](const QByteArray& method, const QString& path, const QByteArray& token, const QByteArray& body = {}) {
        answers.append(rawCall(*port, method, path, token, body));
        return answers.constLast();
    };

    QByteArray tokens[2];
    const char* roles[2] = { "viewer", "operator" };
    for (int i = 0; i < 2; ++i) {
        Answer created = call("POST", QStringLiteral("/api/v1/tokens"), adminToken,
            toBytes({ { QStringLiteral("name"), QLatin1String(roles[i]) }, { QStringLiteral("role"), QLatin1String(roles[i]) } }));
        QVERIFY2(created.status == 201, qPrintable(created.text()));
        tokens[i] = created.json().value(QLatin1String("token")).toString().toLatin1();
        QVERIFY(tokens[i].startsWith("llms_"));
        answers.last().showsNewToken = true;
    }
    const QByteArray viewerToken = tokens[0];
    const QByteArray operatorToken = tokens[1];

    // A viewer follows the event stream throughout.
    RawSocket events;
    events.open(*port, requestBytes("GET", QStringLiteral("/api/v1/events"), viewerToken, {}));
    events.waitFor([&events] { return parseAnswer(events.data()).status != 0; });
    QCOMPARE(parseAnswer(events.data()).status, 200);

    // Keys where they do not belong are refused without being repeated.
    const QJsonObject pasted = endpointJson(QStringLiteral("openai"), upstream.baseUrl() + QStringLiteral("/v1"), {});
    QJsonObject withKey = pasted;
    withKey.remove(QStringLiteral("api_key_ref"));
    withKey.insert(QStringLiteral("api_key"), QString::fromLatin1(kPastedKey));
    QJsonObject keyAsRef = pasted;
    keyAsRef.insert(QStringLiteral("api_key_ref"), QString::fromLatin1(kPastedKey));
    for (const QJsonObject& e : { withKey, keyAsRef }) {
        const Answer refused = call("POST", QStringLiteral("/api/v1/models"), adminToken, toBytes(modelJson(QStringLiteral("pasted"), e)));
        QVERIFY2(refused.status == 422, qPrintable(refused.text()));
    }
    // The REST secrets route, refused before the OS keychain is reached (a bad
    // name, an unknown field): the value is never repeated.
    for (const auto& [name, body] :
        { std::pair { QStringLiteral("bad%20name"), QJsonObject { { QStringLiteral("value"), QString::fromLatin1(kRouteKey) } } },
            std::pair { QStringLiteral("sectest"),
                QJsonObject {
                    { QStringLiteral("value"), QString::fromLatin1(kRouteKey) }, { QStringLiteral("note"), QString::fromLatin1(kRouteKey) } } },
            std::pair { QStringLiteral("sectest"), QJsonObject { { QStringLiteral("key"), QString::fromLatin1(kRouteKey) } } } }) {
        const Answer refused = call("PUT", QStringLiteral("/api/v1/secrets/") + name, adminToken, toBytes(body));
        QVERIFY2(refused.status == 422, qPrintable(refused.text()));
    }
    // A token nobody issued.
    QCOMPARE(call("GET", QStringLiteral("/api/v1/tasks"), kBogusToken).status, 401);

    // Models whose keys come from env: and file:, created through the API.
    const QString envRef = QStringLiteral("env:") + QLatin1String(kEnvName);
    const QString fileRef = QStringLiteral("file:") + keyFile;
    const QString base = upstream.baseUrl();
    QJsonObject unhealthy = endpointJson(QStringLiteral("openai"), base + QStringLiteral("/unhealthy/v1"), envRef);
    unhealthy.insert(QStringLiteral("health_check_interval_ms"), 100);
    // Opens at the first failure, so that its notification shows the upstream's error.
    QJsonObject broken = endpointJson(QStringLiteral("openai"), base + QStringLiteral("/broken/v1"), envRef);
    broken.insert(QStringLiteral("circuit"), QJsonObject { { QStringLiteral("failure_threshold"), 1 }, { QStringLiteral("open_ms"), 100 } });
    const QList<QPair<QString, QJsonObject>> models {
        { QStringLiteral("gpt"), endpointJson(QStringLiteral("openai"), base + QStringLiteral("/v1"), envRef) },
        { QStringLiteral("broken"), broken },
        { QStringLiteral("unhealthy"), unhealthy },
        { QStringLiteral("claude"), endpointJson(QStringLiteral("anthropic"), base, fileRef) },
        { QStringLiteral("hooks"), endpointJson(QStringLiteral("http"), base, envRef) },
    };
    for (const auto& [name, endpoint] : models) {
        const Answer created = call("POST", QStringLiteral("/api/v1/models"), adminToken, toBytes(modelJson(name, endpoint)));
        QVERIFY2(created.status == 201, qPrintable(created.text()));
    }
    // Endpoints that take a pasted key are refused too.
    QJsonObject named = withKey;
    named.insert(QStringLiteral("name"), QStringLiteral("up"));
    Answer refusedEndpoint = call("PUT", QStringLiteral("/api/v1/models/gpt/endpoints/up"), adminToken, toBytes(named));
    QVERIFY2(refusedEndpoint.status == 422, qPrintable(refusedEndpoint.text()));
    named = keyAsRef;
    named.insert(QStringLiteral("name"), QStringLiteral("second"));
    refusedEndpoint = call("POST", QStringLiteral("/api/v1/models/gpt/endpoints"), adminToken, toBytes(named));
    QVERIFY2(refusedEndpoint.status == 422, qPrintable(refusedEndpoint.text()));

    // Tasks: success, echo, streams, failures with the key in the body.
    QStringList ids;
    const auto submit = [&](const QString& model, const QJsonObject& input, const QString& kind = {}) {
        QJsonObject task { { QStringLiteral("model"), model }, { QStringLiteral("input"), input } };
        if (!kind.isEmpty())
            task.insert(QStringLiteral("kind"), kind);
        const Answer a = call("POST", QStringLiteral("/api/v1/tasks"), operatorToken, toBytes(task));
        if (a.status != 201)
            qWarning() << "submit failed:" << a.text();
        ids.append(a.json().value(QLatin1String("id")).toString());
        return ids.constLast();
    };
    const QString echoed = submit(QStringLiteral("gpt"), promptInput(QStringLiteral("mode-echo")));
    const QString streamed = submit(QStringLiteral("gpt"), promptInput(QStringLiteral("mode-echo"), true));
    const QString escaped = submit(QStringLiteral("gpt"), promptInput(QStringLiteral("mode-escaped")));
    const QString rejected = submit(QStringLiteral("broken"), promptInput(QStringLiteral("mode-401")));
    submit(QStringLiteral("broken"), promptInput(QStringLiteral("mode-500")));
    submit(QStringLiteral("broken"), promptInput(QStringLiteral("mode-truncated")));
    submit(QStringLiteral("broken"), promptInput(QStringLiteral("mode-raw")));
    const QString anthropic = submit(QStringLiteral("claude"), promptInput(QStringLiteral("mode-echo")));
    submit(QStringLiteral("claude"), promptInput(QStringLiteral("mode-echo"), true));
    const QString hook = submit(QStringLiteral("hooks"),
        { { QStringLiteral("url"), QStringLiteral("/echo") }, { QStringLiteral("method"), QStringLiteral("POST") },
            { QStringLiteral("body"), QJsonObject { { QStringLiteral("q"), QStringLiteral("mode-echo") } } } },
        QStringLiteral("http"));
    for (const QString& id : std::as_const(ids))
        QVERIFY2(!id.isEmpty(), "a submit failed");

    // The OpenAI facade: whole, streamed, and failing upstream.
    const auto facadeBody = [](const QString& model, const QString& word, bool stream) {
        QJsonObject body = promptInput(word, stream);
        body.insert(QStringLiteral("model"), model);
        return toBytes(body);
    };
    const Answer facadeWhole
        = call("POST", QStringLiteral("/v1/chat/completions"), operatorToken, facadeBody(QStringLiteral("gpt"), QStringLiteral("mode-echo"), false));
    QVERIFY2(facadeWhole.status == 200, qPrintable(facadeWhole.text()));
    const Answer facadeStream
        = call("POST", QStringLiteral("/v1/chat/completions"), operatorToken, facadeBody(QStringLiteral("gpt"), QStringLiteral("mode-echo"), true));
    QVERIFY2(facadeStream.status == 200 && facadeStream.body.contains("data: [DONE]"), qPrintable(facadeStream.text()));
    const Answer facadeEscaped = call(
        "POST", QStringLiteral("/v1/chat/completions"), operatorToken, facadeBody(QStringLiteral("gpt"), QStringLiteral("mode-escaped"), false));
    QVERIFY2(facadeEscaped.status == 200, qPrintable(facadeEscaped.text()));
    const Answer facadeFailed = call(
        "POST", QStringLiteral("/v1/chat/completions"), operatorToken, facadeBody(QStringLiteral("broken"), QStringLiteral("mode-401"), false));
    QVERIFY2(facadeFailed.status >= 400, qPrintable(facadeFailed.text()));
    for (const Answer* a : { &facadeWhole, &facadeStream, &facadeEscaped, &facadeFailed }) {
        const QString id = QString::fromLatin1(a->header("x-task-id"));
        if (!id.isEmpty())
            ids.append(id);
    }

    for (const QString& id : std::as_const(ids)) {
        const Ulid ulid = Ulid::fromString(id).value_or(Ulid {});
        QTRY_VERIFY_WITH_TIMEOUT(isFinal(f->lastState(ulid)), kWaitMs);
    }
    // The unhealthy endpoint was probed and its circuit opened; the broken one's too.
    QTRY_VERIFY_WITH_TIMEOUT(call("GET", QStringLiteral("/api/v1/system/logs"), viewerToken).body.contains("unhealthy"), kWaitMs);
    QTRY_VERIFY_WITH_TIMEOUT(call("GET", QStringLiteral("/api/v1/system/logs"), viewerToken).body.contains("model broken"), kWaitMs);

    // What the upstream received: the keys (so the searches below can find
    // them) and never an API token.
    QList<Haystack> received;
    bool sawEnvKey = false;
    bool sawFileKey = false;
    for (const FakeRequest& r : upstream.requests()) {
        received.append({ QStringLiteral("upstream request %1 %2").arg(QString::fromLatin1(r.method), QString::fromLatin1(r.path)),
            r.method + ' ' + r.path + '\n' + headerDump(r) + '\n' + r.body });
        sawEnvKey = sawEnvKey || r.headers.value("authorization") == "Bearer " + kEnvKey;
        sawFileKey = sawFileKey || r.headers.value("x-api-key") == kFileKey;
    }
    QVERIFY(sawEnvKey);
    QVERIFY(sawFileKey);
    QVERIFY(!findLeaks(received, { { QStringLiteral("env key"), kEnvKey } }).isEmpty()); // the searcher works on these bytes
    const QList<Needle> tokenNeedles { { QStringLiteral("admin token"), adminToken }, { QStringLiteral("viewer token"), viewerToken },
        { QStringLiteral("operator token"), operatorToken }, { QStringLiteral("unissued token"), kBogusToken } };
    const QStringList forwarded = findLeaks(received, tokenNeedles);
    QVERIFY2(noLeaks(forwarded), qPrintable(leakSummary(forwarded)));

    // Everything a client can read back.
    for (const QString& id : std::as_const(ids)) {
        QCOMPARE(call("GET", QStringLiteral("/api/v1/tasks/") + id, viewerToken).status, 200);
        QCOMPARE(call("GET", QStringLiteral("/api/v1/tasks/%1/log").arg(id), viewerToken).status, 200);
    }
    for (const QString& path : { QStringLiteral("/api/v1/tasks?include_input=true&limit=1000"), QStringLiteral("/api/v1/dead-letters?limit=1000"),
             QStringLiteral("/metrics"), QStringLiteral("/api/v1/system/logs"), QStringLiteral("/api/v1/system/stats"),
             QStringLiteral("/api/v1/models"), QStringLiteral("/v1/models") })
        QCOMPARE(call("GET", path, viewerToken).status, 200);
    for (const auto& [name, endpoint] : models) {
        QCOMPARE(call("GET", QStringLiteral("/api/v1/models/") + name, viewerToken).status, 200);
        QCOMPARE(call("GET", QStringLiteral("/api/v1/models/%1/endpoints").arg(name), viewerToken).status, 200);
        QCOMPARE(call("GET", QStringLiteral("/api/v1/models/%1/endpoints/up").arg(name), viewerToken).status, 200);
    }
    const Answer audit = call("GET", QStringLiteral("/api/v1/system/audit?limit=10000"), adminToken);
    QCOMPARE(audit.status, 200);
    QVERIFY2(audit.body.contains("/api/v1/secrets/sectest") && audit.body.contains("/api/v1/models"), qPrintable(audit.text()));
    const Answer tokenList = call("GET", QStringLiteral("/api/v1/tokens"), adminToken);
    QCOMPARE(tokenList.status, 200);

    // The keys did reach the tasks and were redacted there, not lost: the
    // searches below look at text that held them.
    const auto taskJson = [&](const QString& id) { return call("GET", QStringLiteral("/api/v1/tasks/") + id, viewerToken).json(); };
    for (const QString& id : { echoed, streamed, anthropic, hook }) {
        const QJsonObject t = taskJson(id);
        QCOMPARE(t.value(QLatin1String("state")).toString(), QStringLiteral("succeeded"));
        const QByteArray output = QJsonDocument(QJsonObject { { QStringLiteral("o"), t.value(QLatin1String("output")) } }).toJson();
        QVERIFY2(output.contains("***"), output.constData());
    }
    QCOMPARE(taskJson(escaped).value(QLatin1String("state")).toString(), QStringLiteral("succeeded"));
    const QJsonObject rejectedTask = taskJson(rejected);
    QCOMPARE(rejectedTask.value(QLatin1String("state")).toString(), QStringLiteral("dead"));
    QVERIFY2(rejectedTask.value(QLatin1String("error")).toString().contains(QLatin1String("Incorrect API key provided: ***")),
        qPrintable(rejectedTask.value(QLatin1String("error")).toString()));
    QVERIFY2(facadeWhole.body.contains("***"), qPrintable(facadeWhole.text()));
    QVERIFY2(facadeStream.body.contains("***"), qPrintable(facadeStream.text()));

    // The model listing names where each key lives, never the key.
    QSet<QString> refs;
    for (const QJsonValue& m : call("GET", QStringLiteral("/api/v1/models"), viewerToken).json().value(QLatin1String("models")).toArray())
        for (const QJsonValue& e : m.toObject().value(QLatin1String("endpoints")).toArray()) {
            QVERIFY(!e.toObject().contains(QLatin1String("api_key")));
            refs.insert(e.toObject().value(QLatin1String("api_key_ref")).toString());
        }
    QCOMPARE(refs, (QSet<QString> { envRef, fileRef }));

    events.waitFor([&] { return parseAnswer(events.data()).body.contains("model broken"); });
    const QByteArray eventBytes = parseAnswer(events.data()).body;
    QVERIFY2(eventBytes.contains("event: task") && eventBytes.contains("event: notification"), eventBytes.left(400).constData());
    events.close();

    // Provider keys: nowhere in any answer, the event stream or the log.
    // API tokens: nowhere either, except each in the one answer that created it.
    const QList<Needle> keyNeedles { { QStringLiteral("env key"), kEnvKey }, { QStringLiteral("file key"), kFileKey },
        { QStringLiteral("pasted key"), kPastedKey }, { QStringLiteral("key sent to the secrets route"), kRouteKey } };
    QList<Haystack> visible;
    QList<Haystack> tokenFree;
    for (const Answer& a : std::as_const(answers)) {
        const Haystack h { QStringLiteral("answer to ") + a.request, a.head + "\r\n\r\n" + a.body };
        visible.append(h);
        if (!a.showsNewToken)
            tokenFree.append(h);
    }
    visible.append({ QStringLiteral("event stream"), eventBytes });
    tokenFree.append(visible.constLast());
    const QStringList logLines = capturedLog();
    QVERIFY2(!logLines.isEmpty(), "the log capture saw nothing");
    QVERIFY2(std::any_of(logLines.cbegin(), logLines.cend(), [](const QString& l) { return l.contains(QLatin1String("***")); }),
        "no log line showed a redacted upstream error");
    const Haystack log { QStringLiteral("log"), logLines.join(QLatin1Char('\n')).toUtf8() };
    visible.append(log);
    tokenFree.append(log);
    QStringList leaks = findLeaks(visible, keyNeedles) + findLeaks(tokenFree, tokenNeedles);
    QVERIFY2(noLeaks(leaks), qPrintable(leakSummary(leaks)));

    // The token hashes are not shown either.
    QList<Needle> hashNeedles;
    for (const QByteArray& t : { adminToken, viewerToken, operatorToken })
        hashNeedles.append({ QStringLiteral("token hash"), hashTokenSecret(QString::fromLatin1(t)) });
    leaks = findLeaks(visible, hashNeedles);
    QVERIFY2(noLeaks(leaks), qPrintable(leakSummary(leaks)));

    // The database files, while the engine runs (the WAL holds the recent writes) and after shutdown.
    const QList<Haystack> runningFiles = filesUnder(dataDir);
    QVERIFY(std::any_of(runningFiles.cbegin(), runningFiles.cend(), [](const Haystack& h) { return h.where.endsWith(QLatin1String("-wal")); }));
    host.reset();
    f->stop();
    QList<Haystack> files = runningFiles + filesUnder(dataDir);
    leaks = findLeaks(files, keyNeedles + tokenNeedles);
    QVERIFY2(noLeaks(leaks), qPrintable(leakSummary(leaks)));
    // What is stored of the tokens is their SHA-256.
    testutil::RawConnection db(f->dbPath());
    QVERIFY(db.isOpen());
    QSqlQuery q(db.db());
    QVERIFY(q.exec(QStringLiteral("SELECT hash FROM api_tokens")));
    QSet<QByteArray> stored;
    while (q.next())
        stored.insert(q.value(0).toByteArray());
    for (const Needle& n : hashNeedles)
        QVERIFY2(stored.contains(n.value), n.value.constData());
}

// ---- roles ------------------------------------------------------------------------------------------

void TestSecurity::documentedRoutesRequireTheirRole()
{
    const QList<DocumentedRoute> documented = documentedRoutes();
    QVERIFY2(documented.size() > 30, "docs/openapi.yaml: too few routes read");

    EngineFixture f;
    QVERIFY(f.start());
    QVERIFY(f.addModel(simModel(QStringLiteral("sim"))));
    ApiOptions options;
    options.port = 0;
    ApiHost host(*f.engine, options);
    const auto port = host.start();
    QVERIFY2(port, port ? "" : qPrintable(port.error().message));

    // The routes the matrix covers are the routes served.
    QSet<QString> documentedSet;
    for (const DocumentedRoute& r : documented)
        documentedSet.insert(r.method + QLatin1Char(' ') + r.path);
    const QStringList served = host.routeList();
    QCOMPARE(documentedSet, QSet<QString>(served.cbegin(), served.cend()));

    QByteArray tokens[3]; // by role
    for (const Role role : { Role::Viewer, Role::Operator, Role::Admin }) {
        const auto t = await(f.engine->createToken(roleName(role), role));
        QVERIFY(t);
        tokens[static_cast<int>(role)] = t->secret.toLatin1();
    }

    QStringList failures;
    int requests = 0;
    for (const DocumentedRoute& route : documented) {
        const QString name = route.method + QLatin1Char(' ') + route.path;
        if (!route.isPublic && !route.role) {
            failures.append(name + QStringLiteral(": docs/openapi.yaml names no role ((viewer), (operator) or (admin)) and no security: []"));
            continue;
        }
        const QString path = probePath(route.path);
        const QByteArray method = route.method.toLatin1();
        const QByteArray body = method == "GET" || method == "DELETE" ? QByteArray() : QByteArrayLiteral("{}");
        const auto expect = [&](const QString& who, const QByteArray& token, const std::function<QString(const Answer&)>& problem) {
            ++requests;
            const Answer a = rawCall(*port, method, path, token, body);
            if (const QString p = problem(a); !p.isEmpty())
                failures.append(QStringLiteral("%1 as %2: %3 (%4)").arg(name, who, p, a.text()));
        };
        const auto refused = [](int status, const char* code) {
            return [status, code](const Answer& a) {
                if (a.status != status)
                    return QStringLiteral("expected %1").arg(status);
                // Anthropic's routes name the error by type, in Anthropic's shape.
                const QString anthropicType = status == 401 ? QStringLiteral("authentication_error") : QStringLiteral("permission_error");
                const bool anthropicShape = a.json().value(QLatin1String("type")).toString() == QLatin1String("error")
                    && a.json().value(QLatin1String("error")).toObject().value(QLatin1String("type")).toString() == anthropicType;
                if (a.errorCode() != QLatin1String(code) && !anthropicShape)
                    return QStringLiteral("error code is not %1").arg(QLatin1String(code));
                if (status == 401 && !a.header("www-authenticate").startsWith("Bearer"))
                    return QStringLiteral("no WWW-Authenticate: Bearer");
                return QString();
            };
        };
        const auto admitted = [](const Answer& a) {
            if (a.status == 0)
                return QStringLiteral("no answer");
            if (a.status == 401 || a.status == 403 || a.status == 405)
                return QStringLiteral("refused");
            if (a.status == 404
                && a.json().value(QLatin1String("error")).toObject().value(QLatin1String("message")).toString().startsWith(QLatin1String("no route")))
                return QStringLiteral("not routed");
            return QString();
        };
        if (route.isPublic) {
            expect(QStringLiteral("nobody"), {}, admitted);
            expect(QStringLiteral("an unissued token"), kBogusToken, admitted);
            continue;
        }
        expect(QStringLiteral("nobody"), {}, refused(401, "unauthorized"));
        expect(QStringLiteral("an unissued token"), kBogusToken, refused(401, "unauthorized"));
        for (const Role role : { Role::Viewer, Role::Operator, Role::Admin }) {
            if (static_cast<int>(role) < static_cast<int>(*route.role))
                expect(roleName(role), tokens[static_cast<int>(role)], refused(403, "forbidden"));
            else
                expect(roleName(role), tokens[static_cast<int>(role)], admitted);
        }
    }
    QVERIFY2(failures.isEmpty(), qPrintable(failures.join(QLatin1Char('\n'))));
    QVERIFY(requests > 150);
    host.stop();
}

// ---- the default bind -------------------------------------------------------------------------------

#ifdef Q_OS_LINUX
// An address as /proc/net/tcp{,6} spell it: 32-bit words in hex, each in host (little-endian) order.
QHostAddress procAddress(const QString& hex)
{
    QByteArray bytes = QByteArray::fromHex(hex.toLatin1());
    for (qsizetype i = 0; i + 4 <= bytes.size(); i += 4)
        std::reverse(bytes.begin() + i, bytes.begin() + i + 4);
    if (bytes.size() == 4)
        return QHostAddress(qFromBigEndian<quint32>(bytes.constData()));
    if (bytes.size() == 16)
        return QHostAddress(reinterpret_cast<const quint8*>(bytes.constData()));
    return {};
}

// The listening TCP sockets of a process: address and port.
QList<QPair<QHostAddress, quint16>> listeningSocketsOf(qint64 pid)
{
    QSet<QByteArray> inodes;
    const QString fdDir = QStringLiteral("/proc/%1/fd").arg(pid);
    for (const QString& fd : QDir(fdDir).entryList(QDir::AllEntries | QDir::System | QDir::NoDotAndDotDot)) {
        char target[128] = {};
        const ssize_t n = ::readlink(QFile::encodeName(fdDir + QLatin1Char('/') + fd).constData(), target, sizeof target - 1);
        const QByteArray link(target, n > 0 ? n : 0);
        if (link.startsWith("socket:["))
            inodes.insert(link.mid(8, link.size() - 9));
    }
    QList<QPair<QHostAddress, quint16>> out;
    for (const QString& table : { QStringLiteral("tcp"), QStringLiteral("tcp6") }) {
        QFile f(QStringLiteral("/proc/%1/net/%2").arg(pid).arg(table));
        if (!f.open(QIODevice::ReadOnly))
            continue;
        for (const QByteArray& line : f.readAll().split('\n').mid(1)) {
            const QList<QByteArray> cols = line.simplified().split(' ');
            if (cols.size() < 10 || cols.at(3) != "0A" || !inodes.contains(cols.at(9))) // 0A: LISTEN
                continue;
            const QList<QByteArray> local = cols.at(1).split(':');
            out.append({ procAddress(QString::fromLatin1(local.value(0))), static_cast<quint16>(local.value(1).toUInt(nullptr, 16)) });
        }
    }
    return out;
}
#endif

void TestSecurity::defaultBindIsLoopback()
{
    // The library's default, which the GUI and embedders start from.
    QCOMPARE(ApiOptions {}.address, QHostAddress(QHostAddress::LocalHost));

    // The daemon started without --listen (port 0: any free one).
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QProcess daemon;
    daemon.start(QStringLiteral(LLMSCHED_DAEMON_PATH),
        { QStringLiteral("--data-dir"), dir.path(), QStringLiteral("--port"), QStringLiteral("0"), QStringLiteral("--status-interval"),
            QStringLiteral("0") });
    QVERIFY(daemon.waitForStarted());
    const auto stop = qScopeGuard([&daemon] {
        daemon.terminate();
        if (!daemon.waitForFinished(kWaitMs))
            daemon.kill();
    });
    static const QRegularExpression listening(QStringLiteral("REST API on (https?)://(\\S+):(\\d+) "));
    QByteArray output;
    QRegularExpressionMatch m;
    QTRY_VERIFY2_WITH_TIMEOUT(
        (m = listening.match(QString::fromUtf8(output += daemon.readAllStandardError()))).hasMatch(), output.constData(), kWaitMs);
    QCOMPARE(m.captured(2), QStringLiteral("127.0.0.1"));
    const quint16 port = static_cast<quint16>(m.captured(3).toUInt());
    QVERIFY(port != 0);
    QCOMPARE(rawCall(port, "GET", QStringLiteral("/health")).status, 200);

#ifdef Q_OS_LINUX
    // What the kernel says the daemon listens on.
    const auto sockets = listeningSocketsOf(daemon.processId());
    QVERIFY2(std::any_of(sockets.cbegin(), sockets.cend(), [port](const auto& s) { return s.second == port; }), "the API socket is not listed");
    for (const auto& [address, p] : sockets)
        QVERIFY2(address.isLoopback(), qPrintable(QStringLiteral("listening on %1:%2").arg(address.toString()).arg(p)));
#endif

    // Not reachable on this machine's other addresses.
    int tried = 0;
    for (const QHostAddress& address : QNetworkInterface::allAddresses()) {
        if (address.isLoopback())
            continue;
        ++tried;
        QTcpSocket socket;
        QSignalSpy changed(&socket, &QAbstractSocket::stateChanged);
        socket.connectToHost(address, port);
        QTRY_VERIFY_WITH_TIMEOUT(socket.state() == QAbstractSocket::UnconnectedState || socket.state() == QAbstractSocket::ConnectedState, kWaitMs);
        QVERIFY2(socket.state() != QAbstractSocket::ConnectedState, qPrintable(QStringLiteral("reached the API on %1").arg(address.toString())));
    }
    if (tried == 0)
        qInfo("this machine has no address besides loopback; only the bound address was checked");
}

// ---- TLS --------------------------------------------------------------------------------------------------

void TestSecurity::tlsServesHttpsOnly()
{
    QVERIFY2(QSslSocket::supportsSsl(), "no TLS backend");
    const QString certPath = QStringLiteral(LLMSCHED_SOURCE_DIR "/tests/data/tls/cert.pem");
    const QList<QSslCertificate> certs = QSslCertificate::fromPath(certPath);
    QCOMPARE(certs.size(), 1);

    EngineFixture f;
    QVERIFY(f.start());
    const auto viewer = await(f.engine->createToken(QStringLiteral("viewer"), Role::Viewer));
    QVERIFY(viewer);
    ApiOptions options;
    options.port = 0;
    options.tlsCertificate = certPath;
    options.tlsKey = QStringLiteral(LLMSCHED_SOURCE_DIR "/tests/data/tls/key.pem");
    ApiHost host(*f.engine, options);
    const auto port = host.start();
    QVERIFY2(port, port ? "" : qPrintable(port.error().message));

    // Two clients: a manager reuses its open connections whatever a request's TLS settings say.
    QNetworkAccessManager trustingClient;
    QNetworkAccessManager defaultClient;
    QSslConfiguration trusting = QSslConfiguration::defaultConfiguration();
    trusting.setCaCertificates(certs);
    struct Reply
    {
        int status = 0;
        QNetworkReply::NetworkError error = QNetworkReply::NoError;
        QByteArray body;
        QSslCertificate peer;
        QString errorText;
    };
    const auto get = [&](const QString& path, const QByteArray& token, bool trust) {
        QNetworkAccessManager& nam = trust ? trustingClient : defaultClient;
        QNetworkRequest request(QUrl(QStringLiteral("https://127.0.0.1:%1%2").arg(*port).arg(path)));
        request.setSslConfiguration(trust ? trusting : QSslConfiguration::defaultConfiguration());
        if (!token.isEmpty())
            request.setRawHeader("Authorization", "Bearer " + token);
        QNetworkReply* reply = nam.get(request);
        QSignalSpy finished(reply, &QNetworkReply::finished);
        if (!reply->isFinished() && !finished.wait(kWaitMs))
            qWarning() << "no answer to" << path;
        Reply r { reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), reply->error(), reply->readAll(),
            reply->sslConfiguration().peerCertificate(), reply->errorString() };
        reply->deleteLater();
        return r;
    };

    // A client that trusts the certificate: /health, and a route that needs a token.
    const Reply health = get(QStringLiteral("/health"), {}, true);
    QVERIFY2(health.status == 200, health.body.constData());
    QCOMPARE(health.peer, certs.constFirst());
    QVERIFY(QJsonDocument::fromJson(health.body).object().value(QLatin1String("ready")).toBool());
    const Reply stats = get(QStringLiteral("/api/v1/system/stats"), viewer->secret.toLatin1(), true);
    QVERIFY2(stats.status == 200, stats.body.constData());
    QCOMPARE(get(QStringLiteral("/api/v1/system/stats"), {}, true).status, 401);

    // A client that does not trust it gets nothing.
    const Reply untrusted = get(QStringLiteral("/health"), {}, false);
    QCOMPARE(untrusted.error, QNetworkReply::SslHandshakeFailedError);
    QCOMPARE(untrusted.status, 0);
    QVERIFY(untrusted.body.isEmpty());

    // Plain HTTP to the TLS port: no HTTP answer, no data, and the connection ends.
    for (const QByteArray& token : { QByteArray(), viewer->secret.toLatin1() }) {
        RawSocket plain;
        plain.open(*port, requestBytes("GET", token.isEmpty() ? QStringLiteral("/health") : QStringLiteral("/api/v1/system/stats"), token, {}));
        plain.waitFor([] { return false; });
        QCOMPARE(plain.socket().state(), QAbstractSocket::UnconnectedState);
        QVERIFY2(!plain.data().contains("HTTP/"), qPrintable(printable(plain.data())));
        QVERIFY2(!plain.data().contains("{"), qPrintable(printable(plain.data())));
    }
    // And HTTPS is still served.
    const Reply after = get(QStringLiteral("/health"), {}, true);
    QVERIFY2(after.status == 200, qPrintable(after.errorText));
    host.stop();
}

QTEST_GUILESS_MAIN(TestSecurity)
#include "tst_security.moc"
