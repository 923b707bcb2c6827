// fuzz_rest: the REST server, the OpenAI facade and the JSONL import under
// generated hostile input, in one process. An Engine on a fresh temporary
// SQLite store with simulated models, the ApiServer on 127.0.0.1 (its own
// thread, as in the daemon) and admin/operator/viewer tokens; clients on this
// thread send generated requests over real sockets: every route of
// docs/openapi.yaml and the /v1 facade, with random and malformed JSON, odd
// and duplicated headers, wrong methods, bad or absent tokens, oversized
// bodies, pipelining, clients that send byte by byte, stall, leave early or
// never read. Beside them, import jobs feed random and mutated JSONL through
// JsonlReader into Engine::submit, as `llm-schedulerd submit` does.
//
// Checks (any failure makes the exit status 1):
//  - every request is answered, or its connection closed where the server may
//    close it, within the timeout: nothing hangs;
//  - every answer is a well-formed HTTP/1.1 response (status line, header
//    syntax, one framing, chunked encoding, JSON bodies that parse, error
//    bodies with a message) with a status in the route's sane set, and
//    exactly the status the server must give where the request decides it
//    (framing, Host, Origin, routing, token, role);
//  - no 5xx at all, except 502/503 from the facade (a dead or cancelled
//    task) and 503 from the keychain routes (no keychain here); the server's
//    own per-route counters in /metrics are checked as well, so answers that
//    no client read (clients that left) count too;
//  - /health answers 200 throughout and afterwards, and every connection is
//    counted out once the clients are gone;
//  - JSONL import: every line is a task, an error or skipped (blank,
//    comment), exactly once, in order; accepted specs survive toJson/fromJson
//    unchanged; submits are accepted or refused with an input error, never a
//    store or internal one; stored tasks read back as submitted;
//  - resident memory, taken at rest (no client connected) less SQLite's own
//    heap (its page caches fill as the store grows), grows after a warm-up by
//    less than --rss-bound-mib plus 512 B per task more left waiting (not
//    enforced under ASan, whose quarantine keeps freed memory).
// Before the random passes, fixed requests check the defects this fuzzer
// found (Driver::regressionProbes; docs/reliability.md, "Fuzz").
//
// Reproduce a run with the seed it prints: fuzz_rest --requests N --seed S.

#include "engine.h"

#include "api/apiserver.h"
#include "api/batchapis.h"
#include "api/workflowscontroller.h"
#include "core/futures.h"
#include "core/jsonl.h"
#include "core/task.h"

#include <QBuffer>
#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDateTime>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMap>
#include <QRegularExpression>
#include <QSet>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTimer>
#include <QUrl>

#include <algorithm>
#include <cstdio>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#if defined(LLMSCHED_FUZZ_SQLITE_MEMORY)
#include <sqlite3.h>
#endif
#include <functional>
#include <memory>
#include <random>

using namespace llmsched;

namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif
#else
constexpr bool kSanitized = false;
#endif

// The server under test runs with short timeouts so that stalled and
// non-reading clients are dealt with within the run.
constexpr qint64 kMaxBodyBytes = 1024 * 1024;
constexpr int kRequestTimeoutMs = 5000;
constexpr int kIdleTimeoutMs = 15'000;
// A late answer, a 408 or a close is not held against the server when this
// client's own event loop stalled for this long meanwhile (ASan on a busy
// machine): its bytes were late, not the server.
constexpr qint64 kLagExcuseMs = kRequestTimeoutMs / 2;
constexpr int kMaxHeadBytes = 64 * 1024;
// Requests before resident memory is taken as the baseline.
constexpr qint64 kWarmupRequests = 600;
// What a task left waiting may hold (the engine keeps ~90 bytes of each
// unfinished task, plus its payload within EngineOptions::payloadBudgetBytes,
// which the fixed bound covers): tasks scheduled for 2099 pile up on purpose.
constexpr qint64 kBytesPerWaitingTask = 512; // measured: 130-500 B

// Models the fuzzer never changes through the API (their names are never
// generated): facade calls wait for their task, so the model they run on must
// not be paused or slowed down by another request.
const QString kFacadeModel = QStringLiteral("fz-facade");
const QString kImportModel = QStringLiteral("fz-import");

// ---- options, randomness, text ----------------------------------------------------------

struct Options
{
    qint64 requests = 2000; // per seed; with --minutes, 0 = no limit
    QList<quint64> seeds;
    double minutes = 0;
    int concurrency = 6;
    int timeoutMs = kSanitized ? 60'000 : 20'000;
    qint64 rssBoundMiB = 64;
    int maxViolationsShown = 20;
};

quint64 splitmix(quint64 x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

class Rng
{
public:
    explicit Rng(quint64 seed)
        : m_gen(splitmix(seed))
    {
    }
    quint64 next() { return m_gen(); }
    // Inclusive bounds.
    int range(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(m_gen); }
    bool chance(double p) { return std::uniform_real_distribution<double>(0.0, 1.0)(m_gen) < p; }
    template <typename T> const T& pick(const QList<T>& list) { return list.at(range(0, static_cast<int>(list.size()) - 1)); }
    // Mostly small, sometimes up to max (log-uniform).
    int size(int max)
    {
        const double e = std::uniform_real_distribution<double>(0.0, std::log(static_cast<double>(max) + 1))(m_gen);
        return std::clamp(static_cast<int>(std::exp(e)) - 1, 0, max);
    }
    QByteArray bytes(int n)
    {
        QByteArray out(n, '\0');
        for (char& c : out)
            c = static_cast<char>(range(0, 255));
        return out;
    }
    QByteArray word(int minLen, int maxLen)
    {
        static const char kAlphabet[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.";
        QByteArray out;
        const int n = range(minLen, maxLen);
        for (int i = 0; i < n; ++i)
            out += kAlphabet[range(0, static_cast<int>(sizeof kAlphabet) - 2)];
        return out;
    }

private:
    std::mt19937_64 m_gen;
};

// Bytes for a report: printable, escapes for the rest, cut at max.
QByteArray printable(const QByteArray& b, int max = 300)
{
    QByteArray out;
    for (qsizetype i = 0; i < std::min<qsizetype>(b.size(), max); ++i) {
        const auto c = static_cast<unsigned char>(b.at(i));
        if (c == '\r')
            out += "\\r";
        else if (c == '\n')
            out += "\\n";
        else if (c < 0x20 || c >= 0x7f || c == '\\')
            out += "\\x" + QByteArray::number(c, 16).rightJustified(2, '0');
        else
            out += static_cast<char>(c);
    }
    if (b.size() > max)
        out += "... (" + QByteArray::number(b.size()) + " bytes)";
    return out;
}

// What SQLite holds (its page caches fill as the store grows: 64 MiB for the
// writer, 32 MiB per reader): the same library as Qt's driver, in this process.
qint64 sqliteKiB()
{
#if defined(LLMSCHED_FUZZ_SQLITE_MEMORY)
    return static_cast<qint64>(sqlite3_memory_used() / 1024);
#else
    return 0;
#endif
}

qint64 rssKiB()
{
    QFile f(QStringLiteral("/proc/self/status"));
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray& line : f.readAll().split('\n'))
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').value(0).toLongLong();
    return -1;
}

// A JSON string literal for text (valid JSON).
QByteArray jsonString(const QString& text)
{
    return QJsonDocument(QJsonArray { text }).toJson(QJsonDocument::Compact).mid(1).chopped(1);
}

// ---- JSON, valid and not ----------------------------------------------------------------

class JsonGen
{
public:
    explicit JsonGen(Rng& rng)
        : m_rng(rng)
    {
    }

    QByteArray number()
    {
        static const QList<QByteArray> special = { "0", "-0", "1", "-1", "9", "10", "2147483647", "2147483648", "-2147483649", "4294967296",
            "9007199254740993", "18446744073709551616", "1e308", "-1e308", "1e309", "-1e400", "1e-400", "0.5", "1.0", "3.14159", "1E2", "-0.0",
            "123456789012345678901234567890", "0.000000000000000000001", "100000000000", "86400001", "1000000" };
        if (m_rng.chance(0.6))
            return m_rng.pick(special);
        if (m_rng.chance(0.7))
            return QByteArray::number(m_rng.range(-1000, 100'000));
        return QByteArray(m_rng.range(20, 400), '9');
    }

    // Valid JSON text in quotes: escapes, surrogate pairs, lone surrogates, NUL, multibyte UTF-8.
    QByteArray text(int maxLen = 24)
    {
        static const QList<QByteArray> pieces = { "a", "Z", "0", " ", "\\\"", "\\\\", "\\/", "\\b", "\\f", "\\n", "\\r", "\\t", "\\u0041", "\\u4e2d",
            "\\ud83d\\ude00", "\\ud800", "\\udfff", "\\u0000", "\xe4\xb8\xad", "\xc3\xa9", "\xf0\x9f\x98\x80", "%", "{", "'", "<", "\x7f" };
        QByteArray out = "\"";
        const int n = m_rng.size(maxLen);
        for (int i = 0; i < n; ++i)
            out += m_rng.chance(0.6) ? QByteArray(1, static_cast<char>(m_rng.range('a', 'z'))) : m_rng.pick(pieces);
        return out + '"';
    }

    // A string that is not valid JSON: raw control characters, invalid UTF-8, bad escapes.
    QByteArray badString()
    {
        static const QList<QByteArray> bad = { "\x01", "\n", "\t", "\xff", "\xfe", "\xc0\xaf", "\xed\xa0\x80", "\xe4\xb8", "\xf8\x88\x80\x80\x80",
            "\\x41", "\\u12", "\\uZZZZ", "\\", "\x80", QByteArray(1, '\0') };
        QByteArray out = "\"" + m_rng.word(0, 8);
        out += m_rng.pick(bad);
        out += m_rng.word(0, 8);
        return m_rng.chance(0.9) ? out + '"' : out; // sometimes unterminated
    }

    QByteArray hugeString(int n)
    {
        QByteArray out;
        out.reserve(n + 2);
        out += '"';
        if (m_rng.chance(0.5)) {
            out += QByteArray(n, static_cast<char>(m_rng.range('a', 'z')));
        } else {
            static const QByteArray unit = "\xe4\xb8\xad\\n\\u00e9x";
            while (out.size() < n)
                out += unit;
        }
        return out + '"';
    }

    // [[[...]]] or {"a":{"a":...}}: past Qt's nesting limit when levels is large.
    QByteArray nested(int levels)
    {
        const bool arrays = m_rng.chance(0.5);
        QByteArray out;
        out.reserve(levels * 6 + 2);
        for (int i = 0; i < levels; ++i)
            out += arrays ? "[" : "{\"a\":";
        out += "1";
        for (int i = 0; i < levels; ++i)
            out += arrays ? ']' : '}';
        return out;
    }

    QByteArray value(int depth = 2)
    {
        const int kind = m_rng.range(0, depth > 0 ? 7 : 4);
        switch (kind) {
        case 0:
            return "null";
        case 1:
            return m_rng.chance(0.5) ? "true" : "false";
        case 2:
            return number();
        case 3:
        case 4:
            return text();
        case 5: {
            QByteArray out = "[";
            const int n = m_rng.size(8);
            for (int i = 0; i < n; ++i)
                out += (i ? "," : "") + value(depth - 1);
            return out + ']';
        }
        default: {
            QByteArray out = "{";
            const int n = m_rng.size(6);
            for (int i = 0; i < n; ++i)
                out += (i ? "," : "") + text(8) + ':' + value(depth - 1);
            return out + '}';
        }
        }
    }

private:
    Rng& m_rng;
};

// An object as a list of fields, so keys can repeat and values can be any bytes.
struct Field
{
    QByteArray key; // without quotes
    QByteArray value; // JSON text (or not)
};
using Fields = QList<Field>;

void put(Fields& f, const QByteArray& key, const QByteArray& value)
{
    f.append(Field { key, value });
}

QByteArray render(const Fields& fields)
{
    QByteArray out = "{";
    for (qsizetype i = 0; i < fields.size(); ++i)
        out += (i ? "," : "") + QByteArray("\"") + fields.at(i).key + "\":" + fields.at(i).value;
    return out + '}';
}

// Structural changes: a field dropped, retyped, duplicated, unknown, huge or deeply nested.
void mutateFields(Fields& f, JsonGen& g, Rng& r, int maxHuge)
{
    const int ops = r.range(1, 3);
    for (int op = 0; op < ops; ++op) {
        const int at = f.isEmpty() ? 0 : r.range(0, static_cast<int>(f.size()) - 1);
        switch (r.range(0, 8)) {
        case 0:
            if (!f.isEmpty())
                f.removeAt(at);
            break;
        case 1:
        case 2:
            if (!f.isEmpty())
                f[at].value = g.value(2);
            break;
        case 3:
            if (!f.isEmpty())
                f.insert(r.range(0, static_cast<int>(f.size())), { f.at(at).key, g.value(1) }); // a duplicated key
            break;
        case 4:
            put(f, r.word(1, 12), g.value(1));
            break;
        case 5:
            if (!f.isEmpty())
                f[at].value = g.hugeString(r.size(maxHuge));
            break;
        case 6:
            if (!f.isEmpty())
                f[at].value = g.nested(r.chance(0.5) ? r.range(2, 200) : r.range(900, 5000));
            break;
        case 7:
            if (!f.isEmpty())
                f[at].value = r.chance(0.5) ? g.badString() : g.number();
            break;
        default:
            if (!f.isEmpty())
                f[at].key = r.chance(0.5) ? QByteArray() : g.text(6).mid(1).chopped(1);
            break;
        }
    }
}

// Byte-level damage: truncation, stray bytes, invalid UTF-8, trailing garbage, non-objects.
QByteArray mutateBytes(QByteArray b, JsonGen& g, Rng& r)
{
    switch (r.range(0, 8)) {
    case 0:
        return b.left(r.range(0, static_cast<int>(b.size())));
    case 1: {
        const int n = r.range(1, 4);
        for (int i = 0; i < n; ++i)
            b.insert(r.range(0, static_cast<int>(b.size())), r.bytes(1));
        return b;
    }
    case 2:
        if (!b.isEmpty())
            b.remove(r.range(0, static_cast<int>(b.size()) - 1), r.range(1, 8));
        return b;
    case 3: {
        static const QList<QByteArray> bad = { "\xff", "\xc0\xaf", "\xed\xa0\x80", "\xe4\xb8", "\x80\x80", QByteArray(1, '\0') };
        b.insert(r.range(0, static_cast<int>(b.size())), r.pick(bad));
        return b;
    }
    case 4:
        return b + r.pick(QList<QByteArray> { "x", "}", "]", ",", " {}", b, "\n{\"a\":1}", QByteArray(1, '\0') });
    case 5:
        return "\xef\xbb\xbf" + b; // BOM
    case 6:
        return r.pick(QList<QByteArray> { "", "null", "[]", "{}", "42", "\"s\"", "{", "}", "nul", "[1,2", "{\"a\":}", "{\"a\" 1}", "{'a':1}",
            "{\"a\":1,}", "[,]", "tru", "-", "\"\\u", g.value(3) });
    case 7:
        return g.nested(r.range(1000, 20'000));
    default:
        b.replace(r.range(0, std::max(0, static_cast<int>(b.size()) - 1)), 1, g.number());
        return b;
    }
}

// ---- routes -------------------------------------------------------------------------------

enum class Need : quint8 { Public, Viewer, Operator, Admin };
enum class BodyKind : quint8 {
    None,
    Task,
    Patch,
    Requeue,
    Purge,
    Model,
    Endpoint,
    Token,
    Secret,
    Chat,
    Completion,
    Embedding,
    Responses,
    Messages,
    Upload,
    Batch,
    MessageBatch,
    Workflow,
    Schedule,
    Template,
    TemplateValues,
    TemplateRows,
    Webhook
};
enum RouteFlag : quint8 { kList = 1, kEvents = 2, kFacade = 4, kSecret = 8, kPause = 16, kHealth = 32, kAccepted = 64 };

struct Route
{
    const char* method;
    const char* pattern;
    Need need;
    BodyKind body;
    quint8 flags = 0;
    QString label() const { return QString::fromLatin1(method) + QLatin1Char(' ') + QLatin1String(pattern); }
};

// Every route the server serves; checked against ApiHost::routeList() at start.
const Route kRoutes[] = {
    { "GET", "/health", Need::Public, BodyKind::None, kHealth },
    { "GET", "/metrics", Need::Viewer, BodyKind::None },
    { "POST", "/api/v1/tasks", Need::Operator, BodyKind::Task },
    { "GET", "/api/v1/tasks", Need::Viewer, BodyKind::None, kList },
    { "GET", "/api/v1/tasks/count", Need::Viewer, BodyKind::None, kList },
    { "GET", "/api/v1/tasks/{id}", Need::Viewer, BodyKind::None },
    { "DELETE", "/api/v1/tasks/{id}", Need::Operator, BodyKind::None },
    { "PATCH", "/api/v1/tasks/{id}", Need::Operator, BodyKind::Patch },
    { "POST", "/api/v1/tasks/{id}/retry", Need::Operator, BodyKind::None },
    { "GET", "/api/v1/tasks/{id}/log", Need::Viewer, BodyKind::None },
    { "GET", "/api/v1/dead-letters", Need::Viewer, BodyKind::None, kList },
    { "POST", "/api/v1/dead-letters/requeue", Need::Operator, BodyKind::Requeue },
    { "POST", "/api/v1/dead-letters/purge", Need::Operator, BodyKind::Purge },
    { "GET", "/api/v1/models", Need::Viewer, BodyKind::None },
    { "POST", "/api/v1/models", Need::Admin, BodyKind::Model },
    { "POST", "/api/v1/models/test", Need::Admin, BodyKind::Model },
    { "GET", "/api/v1/models/{name}", Need::Viewer, BodyKind::None },
    { "PUT", "/api/v1/models/{name}", Need::Admin, BodyKind::Model },
    { "DELETE", "/api/v1/models/{name}", Need::Admin, BodyKind::None },
    { "POST", "/api/v1/models/{name}/pause", Need::Operator, BodyKind::None },
    { "POST", "/api/v1/models/{name}/resume", Need::Operator, BodyKind::None },
    { "GET", "/api/v1/models/{name}/endpoints", Need::Viewer, BodyKind::None },
    { "POST", "/api/v1/models/{name}/endpoints", Need::Admin, BodyKind::Endpoint },
    { "GET", "/api/v1/models/{name}/endpoints/{endpoint}", Need::Viewer, BodyKind::None },
    { "PUT", "/api/v1/models/{name}/endpoints/{endpoint}", Need::Admin, BodyKind::Endpoint },
    { "DELETE", "/api/v1/models/{name}/endpoints/{endpoint}", Need::Admin, BodyKind::None },
    { "GET", "/api/v1/system/stats", Need::Viewer, BodyKind::None },
    { "GET", "/api/v1/system/stats/minutes", Need::Viewer, BodyKind::None },
    { "GET", "/api/v1/nodes", Need::Viewer, BodyKind::None },
    { "POST", "/api/v1/system/pause", Need::Operator, BodyKind::None, kPause },
    { "POST", "/api/v1/system/resume", Need::Operator, BodyKind::None },
    { "GET", "/api/v1/system/logs", Need::Viewer, BodyKind::None },
    { "GET", "/api/v1/system/audit", Need::Admin, BodyKind::None },
    { "GET", "/api/v1/tokens", Need::Admin, BodyKind::None },
    { "POST", "/api/v1/tokens", Need::Admin, BodyKind::Token },
    { "DELETE", "/api/v1/tokens/{id}", Need::Admin, BodyKind::None },
    { "GET", "/api/v1/events", Need::Viewer, BodyKind::None, kEvents },
    { "PUT", "/api/v1/secrets/{name}", Need::Admin, BodyKind::Secret, kSecret },
    { "DELETE", "/api/v1/secrets/{name}", Need::Admin, BodyKind::None, kSecret },
    { "GET", "/v1/models", Need::Viewer, BodyKind::None },
    { "POST", "/v1/chat/completions", Need::Operator, BodyKind::Chat, kFacade },
    { "POST", "/v1/completions", Need::Operator, BodyKind::Completion, kFacade },
    { "POST", "/v1/embeddings", Need::Operator, BodyKind::Embedding, kFacade },
    { "POST", "/v1/responses", Need::Operator, BodyKind::Responses, kFacade },
    { "GET", "/v1/responses/{id}", Need::Viewer, BodyKind::None },
    { "POST", "/v1/responses/{id}/cancel", Need::Operator, BodyKind::None },
    { "POST", "/v1/messages", Need::Operator, BodyKind::Messages, kFacade },
    { "GET", "/api/v1/batches", Need::Viewer, BodyKind::None, kList },
    { "GET", "/api/v1/batches/{id}", Need::Viewer, BodyKind::None },
    { "POST", "/api/v1/batches/{id}/cancel", Need::Operator, BodyKind::None },
    { "GET", "/api/v1/files/{id}/content", Need::Viewer, BodyKind::None },
    { "POST", "/v1/files", Need::Operator, BodyKind::Upload },
    { "GET", "/v1/files", Need::Viewer, BodyKind::None },
    { "GET", "/v1/files/{id}", Need::Viewer, BodyKind::None },
    { "DELETE", "/v1/files/{id}", Need::Operator, BodyKind::None },
    { "GET", "/v1/files/{id}/content", Need::Viewer, BodyKind::None },
    { "POST", "/v1/batches", Need::Operator, BodyKind::Batch },
    { "GET", "/v1/batches", Need::Viewer, BodyKind::None },
    { "GET", "/v1/batches/{id}", Need::Viewer, BodyKind::None },
    { "POST", "/v1/batches/{id}/cancel", Need::Operator, BodyKind::None },
    { "POST", "/v1/messages/batches", Need::Operator, BodyKind::MessageBatch },
    { "GET", "/v1/messages/batches", Need::Viewer, BodyKind::None },
    { "GET", "/v1/messages/batches/{id}", Need::Viewer, BodyKind::None },
    { "POST", "/v1/messages/batches/{id}/cancel", Need::Operator, BodyKind::None },
    { "GET", "/v1/messages/batches/{id}/results", Need::Viewer, BodyKind::None },
    { "POST", "/api/v1/workflows", Need::Operator, BodyKind::Workflow },
    { "GET", "/api/v1/workflows", Need::Viewer, BodyKind::None, kList },
    { "GET", "/api/v1/workflows/{id}", Need::Viewer, BodyKind::None },
    { "GET", "/api/v1/workflows/{id}/graph", Need::Viewer, BodyKind::None },
    { "POST", "/api/v1/workflows/{id}/cancel", Need::Operator, BodyKind::None },
    { "POST", "/api/v1/schedules/preview", Need::Viewer, BodyKind::Schedule },
    { "POST", "/api/v1/schedules", Need::Operator, BodyKind::Schedule },
    { "GET", "/api/v1/schedules", Need::Viewer, BodyKind::None, kList },
    { "GET", "/api/v1/schedules/{id}", Need::Viewer, BodyKind::None },
    { "PUT", "/api/v1/schedules/{id}", Need::Operator, BodyKind::Schedule },
    { "DELETE", "/api/v1/schedules/{id}", Need::Operator, BodyKind::None },
    { "POST", "/api/v1/schedules/{id}/pause", Need::Operator, BodyKind::None },
    { "POST", "/api/v1/schedules/{id}/resume", Need::Operator, BodyKind::None },
    { "POST", "/api/v1/schedules/{id}/run", Need::Operator, BodyKind::None },
    { "POST", "/api/v1/webhooks", Need::Operator, BodyKind::Webhook },
    { "GET", "/api/v1/webhooks", Need::Viewer, BodyKind::None },
    { "GET", "/api/v1/webhooks/{id}", Need::Viewer, BodyKind::None },
    { "DELETE", "/api/v1/webhooks/{id}", Need::Operator, BodyKind::None },
    { "POST", "/api/v1/webhooks/{id}/pause", Need::Operator, BodyKind::None },
    { "POST", "/api/v1/webhooks/{id}/resume", Need::Operator, BodyKind::None },
    { "POST", "/api/v1/webhooks/{id}/ping", Need::Operator, BodyKind::None, kAccepted },
    { "GET", "/api/v1/webhooks/{id}/deliveries", Need::Viewer, BodyKind::None, kList },
    { "GET", "/api/v1/webhooks/{id}/deliveries/{delivery}", Need::Viewer, BodyKind::None },
    { "POST", "/api/v1/webhooks/{id}/deliveries/{delivery}/redeliver", Need::Operator, BodyKind::None, kAccepted },
    { "POST", "/api/v1/templates", Need::Operator, BodyKind::Template },
    { "GET", "/api/v1/templates", Need::Viewer, BodyKind::None, kList },
    { "GET", "/api/v1/templates/{name}", Need::Viewer, BodyKind::None },
    { "DELETE", "/api/v1/templates/{name}", Need::Operator, BodyKind::None },
    { "POST", "/api/v1/templates/{name}/submit", Need::Operator, BodyKind::TemplateValues },
    { "POST", "/api/v1/templates/{name}/batch", Need::Operator, BodyKind::TemplateRows },
};
constexpr int kRouteCount = static_cast<int>(sizeof kRoutes / sizeof kRoutes[0]);

int routeIndex(const char* method, const char* pattern)
{
    for (int i = 0; i < kRouteCount; ++i)
        if (qstrcmp(kRoutes[i].method, method) == 0 && qstrcmp(kRoutes[i].pattern, pattern) == 0)
            return i;
    qFatal("no route %s %s", method, pattern);
}

// The server's router, on a request path: the route index, or -1 (pathMatched
// tells 405 from 404).
int matchRoute(const QByteArray& method, const QByteArray& path, bool* pathMatched)
{
    const QList<QByteArray> parts = path.split('/');
    QList<QByteArray> segments;
    for (const QByteArray& p : parts)
        if (!p.isEmpty())
            segments.append(p);
    *pathMatched = false;
    for (int i = 0; i < kRouteCount; ++i) {
        QList<QByteArray> pattern;
        for (const QByteArray& p : QByteArray(kRoutes[i].pattern).split('/'))
            if (!p.isEmpty())
                pattern.append(p);
        if (pattern.size() != segments.size())
            continue;
        bool ok = true;
        for (qsizetype s = 0; s < segments.size() && ok; ++s)
            ok = pattern.at(s).startsWith('{') || pattern.at(s) == segments.at(s);
        if (!ok)
            continue;
        *pathMatched = true;
        if (method == kRoutes[i].method)
            return i;
    }
    return -1;
}

// Statuses a routed request may get from its handler.
QSet<int> handlerStatuses(const Route& route)
{
    if (route.flags & kHealth)
        return { 200 };
    QSet<int> s { 200, 201, 204, 400, 404, 408, 409, 413, 415, 422, 429 };
    if (route.flags & kFacade)
        s += { 502, 503 }; // a dead upstream call, a cancelled task
    if (route.flags & kSecret)
        s += { 503 }; // no keychain on this host (on purpose: see main)
    if (route.flags & kAccepted)
        s += { 202 }; // a delivery queued (ping, redeliver)
    return s;
}

// Statuses any request may get before it is routed (framing, Host, Origin, auth).
// The body limit the server applies to a route: its own (uploads, batches,
// workflows) or the run's.
qint64 routeBodyLimit(const Route& rt)
{
    const QByteArray method(rt.method), pattern(rt.pattern);
    if (method != "POST")
        return kMaxBodyBytes;
    if (pattern == "/v1/files")
        return OpenAiBatches::kMaxFileBytes + 64 * 1024;
    if (pattern == "/v1/messages/batches")
        return AnthropicBatches::kMaxBodyBytes;
    if (pattern == "/api/v1/workflows")
        return WorkflowsController::kMaxBodyBytes;
    return kMaxBodyBytes;
}

const QSet<int> kBeforeRouting { 400, 401, 403, 404, 405, 408, 411, 413, 421, 431, 501, 505 };

// ---- what the fuzzer learns from answers -------------------------------------------------

struct Pools
{
    QStringList taskIds;
    QStringList models { QStringLiteral("fz-a"), QStringLiteral("fz-b"), QStringLiteral("fz-c") };
    QStringList endpoints { QStringLiteral("sim"), QStringLiteral("e2") };
    QStringList tokenIds;
    QStringList responseIds; // resp_... of POST /v1/responses
    QStringList fileIds, batchIds, messageBatchIds; // of the Files and Batch APIs
    QStringList workflowIds, scheduleIds, webhookIds, deliveryIds;
    QList<QByteArray> tokenSecrets; // tokens created through the API (role unknown here, maybe revoked)

    void addTask(const QString& id)
    {
        if (taskIds.size() >= 2000)
            taskIds.removeFirst();
        taskIds.append(id);
    }
};

struct Tokens
{
    QByteArray viewer, operatorToken, admin;
    QStringList ids; // never revoked by the fuzzer
};

// ---- a request and what it may get ---------------------------------------------------------

struct Req
{
    QByteArray bytes;
    QString label;
    QSet<int> expect; // the statuses allowed
    bool precise = false; // expect is exactly what the request decides
    bool head = false; // HEAD: the answer has no body
    bool closes = false; // the server may close after answering it
    bool mayReset = false; // bytes the server does not read follow: the answer may be lost to a reset
    bool stream = false; // an event stream: answered once its head and a chunk arrived
    bool expectContinue = false;
    bool facadeStream = false; // "stream": true on the facade: ends with data: [DONE]
    bool namedEvents = false; // ... on /v1/messages or /v1/responses: named events instead
    bool pause = false; // may pause all dispatch
};

class RequestGen
{
public:
    RequestGen(Rng& rng, const Pools& pools, const Tokens& tokens, quint16 port)
        : m_r(rng)
        , m_g(rng)
        , m_pools(pools)
        , m_tokens(tokens)
        , m_port(port)
    {
    }

    Req route(int index);
    Req health();
    QByteArray garbage();
    Req oversized();
    Req nonReadingPiece();
    Req stalled();
    QByteArray body(BodyKind kind, const Route& route, const QByteArray& pathName);
    Fields taskFields(const QString& model);
    QByteArray taskBody();

private:
    QByteArray param(const QByteArray& name, const Route& route, bool* clean);
    QByteArray query(bool* clean);
    QByteArray encoded(const QString& s) { return QUrl::toPercentEncoding(s); }
    QByteArray poolOr(const QStringList& pool, double p);
    QByteArray modelName(double fromPool);

    Rng& m_r;
    JsonGen m_g;
    const Pools& m_pools;
    const Tokens& m_tokens;
    quint16 m_port;
};

// A model the fuzzer made or may make: always "fz-...", so no random text
// (a facade call's model, say) names one by chance.
QByteArray RequestGen::modelName(double fromPool)
{
    if (m_r.chance(fromPool))
        return m_r.pick(m_pools.models).toUtf8();
    return "fz-r" + m_r.word(0, 16);
}

QByteArray RequestGen::poolOr(const QStringList& pool, double p)
{
    if (!pool.isEmpty() && m_r.chance(p))
        return m_r.pick(pool).toUtf8();
    return m_r.word(1, 20);
}

// A path parameter; clean = routed as one segment the way the pattern says.
QByteArray RequestGen::param(const QByteArray& name, const Route& route, bool* clean)
{
    const QByteArray pattern(route.pattern);
    const int roll = m_r.range(0, 99);
    if (roll >= 85) {
        *clean = false;
        static const QList<QByteArray> odd = { "", "%00", "..", ".", "%2e%2e", "%2F", "a%2Fb", "%E4%B8%AD", "%FF%FE", "%C0%AF", "%20", "a%20b", "~",
            "%25", "%zz", "a b", "a\tb", "%", "%%", "\xff", "a?b", "a#b", "A;b", "*", "%0d%0a" };
        QByteArray v = m_r.pick(odd);
        if (m_r.chance(0.2))
            v = QByteArray(m_r.range(200, 3000), 'x');
        return v;
    }
    if (name == "id" && pattern.startsWith("/api/v1/tasks")) {
        if (roll < 55 && !m_pools.taskIds.isEmpty())
            return m_r.chance(0.9) ? m_r.pick(m_pools.taskIds).toLatin1() : m_r.pick(m_pools.taskIds).toLower().toLatin1();
        if (roll < 75)
            return UlidGenerator::next().toString().toLatin1();
        return encoded(QString::fromUtf8(m_r.word(1, 40)));
    }
    if (name == "id"
        && (pattern.startsWith("/v1/files") || pattern.startsWith("/v1/batches") || pattern.startsWith("/v1/messages/batches")
            || pattern.startsWith("/api/v1/batches") || pattern.startsWith("/api/v1/files"))) {
        const bool files = pattern.startsWith("/v1/files") || pattern.startsWith("/api/v1/files");
        const QStringList& pool = files                                                                       ? m_pools.fileIds
            : pattern.startsWith("/v1/batches") || (pattern.startsWith("/api/v1/batches") && m_r.chance(0.5)) ? m_pools.batchIds
                                                                                                              : m_pools.messageBatchIds;
        if (roll < 60 && !pool.isEmpty())
            return m_r.pick(pool).toLatin1();
        const QByteArray prefix = files ? "file-" : pattern.contains("/messages/") ? "msgbatch_" : "batch_";
        return m_r.chance(0.5) ? prefix + UlidGenerator::next().toString().toLatin1() : encoded(QString::fromUtf8(m_r.word(1, 40)));
    }
    if (name == "name" && pattern.startsWith("/api/v1/templates"))
        return roll < 70 ? QStringLiteral("fz-t%1").arg(m_r.range(0, 5)).toLatin1() : encoded(QString::fromUtf8(m_r.word(1, 40)));
    if (name == "id" && pattern.startsWith("/api/v1/webhooks")) {
        if (roll < 60 && !m_pools.webhookIds.isEmpty())
            return m_r.pick(m_pools.webhookIds).toLatin1();
        return m_r.chance(0.5) ? "wh_" + UlidGenerator::next().toString().toLatin1() : encoded(QString::fromUtf8(m_r.word(1, 40)));
    }
    if (name == "delivery") {
        if (roll < 60 && !m_pools.deliveryIds.isEmpty())
            return m_r.pick(m_pools.deliveryIds).toLatin1();
        return m_r.chance(0.5) ? "dlv_" + UlidGenerator::next().toString().toLatin1() : encoded(QString::fromUtf8(m_r.word(1, 40)));
    }
    if (name == "id" && pattern.startsWith("/api/v1/schedules")) {
        if (roll < 60 && !m_pools.scheduleIds.isEmpty())
            return m_r.pick(m_pools.scheduleIds).toLatin1();
        return m_r.chance(0.5) ? "sch_" + UlidGenerator::next().toString().toLatin1() : encoded(QString::fromUtf8(m_r.word(1, 40)));
    }
    if (name == "id" && pattern.startsWith("/api/v1/workflows")) {
        if (roll < 60 && !m_pools.workflowIds.isEmpty())
            return m_r.pick(m_pools.workflowIds).toLatin1();
        return m_r.chance(0.5) ? "wf_" + UlidGenerator::next().toString().toLatin1() : encoded(QString::fromUtf8(m_r.word(1, 40)));
    }
    if (name == "id" && pattern.startsWith("/v1/responses")) {
        if (roll < 50 && !m_pools.responseIds.isEmpty())
            return m_r.pick(m_pools.responseIds).toLatin1();
        if (roll < 65 && !m_pools.taskIds.isEmpty())
            return "resp_" + m_r.pick(m_pools.taskIds).toLatin1(); // a task, not a response: 404
        return m_r.chance(0.5) ? "resp_" + UlidGenerator::next().toString().toLatin1() : encoded(QString::fromUtf8(m_r.word(1, 40)));
    }
    if (name == "id") // tokens
        return m_r.chance(0.6) && !m_pools.tokenIds.isEmpty() ? m_r.pick(m_pools.tokenIds).toLatin1() : "tok_" + m_r.word(0, 14);
    if (name == "endpoint")
        return encoded(QString::fromUtf8(poolOr(m_pools.endpoints, 0.7)));
    if (pattern.startsWith("/api/v1/secrets")) {
        static const QList<QByteArray> names = { "fuzz-key", "a.b_c:d/e@f-1", "bad name", "", "x", "a%2Fb" };
        return m_r.chance(0.5) ? encoded(QString::fromUtf8(m_r.pick(names))) : encoded(QString::fromUtf8(m_r.word(0, 140)));
    }
    return encoded(QString::fromUtf8(modelName(0.7))); // {name} of a model
}

QByteArray RequestGen::query(bool* clean)
{
    static const QList<QByteArray> keys
        = { "state", "model", "priority", "tag", "label", "q", "from", "to", "cursor", "limit", "order", "include_input" };
    QList<QByteArray> items;
    const int n = m_r.range(1, 5);
    for (int i = 0; i < n; ++i) {
        const QByteArray key = m_r.chance(0.9) ? m_r.pick(keys) : m_r.word(1, 10);
        QByteArray value;
        if (key == "state")
            value = m_r.pick(QList<QByteArray> { "queued", "running,succeeded", "dead", "bogus", "", ",,", "queued,nope" });
        else if (key == "limit" || key == "priority" || key == "cursor")
            value = m_r.pick(QList<QByteArray> { "1", "5", "1000", "1001", "0", "-1", "x", "99999999999999999999", "1e3", "" });
        else if (key == "from" || key == "to")
            value = m_r.pick(QList<QByteArray> { "2026-11-23T08:00:00Z", "2026-13-45T99:00:00Z", "yesterday", "0", "2026-11-23" });
        else if (key == "order")
            value = m_r.pick(QList<QByteArray> { "asc", "desc", "up", "" });
        else if (key == "include_input")
            value = m_r.pick(QList<QByteArray> { "true", "false", "1" });
        else
            value = QUrl::toPercentEncoding(QString::fromUtf8(m_g.text(12).mid(1).chopped(1)));
        items.append(key + '=' + value);
    }
    if (m_r.chance(0.05)) {
        *clean = false;
        items.append(m_r.pick(QList<QByteArray> { "%zz", "a=%", "=", "&&", "a=b=c", "%00=1", "limit=1&limit=2" }));
    }
    return items.join('&');
}

Fields RequestGen::taskFields(const QString& model)
{
    Fields f;
    put(f, "model", jsonString(model));
    const int kind = m_r.range(0, 9);
    QByteArray input;
    if (kind < 6) {
        input = "{\"messages\":[{\"role\":\"user\",\"content\":" + m_g.text(40) + "}]}";
    } else if (kind == 6) {
        put(f, "kind", "\"completion\"");
        input = "{\"prompt\":" + m_g.text(40) + '}';
    } else if (kind == 7) {
        put(f, "kind", "\"embedding\"");
        input = "{\"input\":" + m_g.text(40) + '}';
    } else if (kind == 8) {
        put(f, "kind", "\"http\"");
        input = "{\"url\":\"http://127.0.0.1:9/x\",\"method\":\"POST\",\"headers\":{\"X-A\":\"b\"},\"body\":{\"a\":1}}";
    } else {
        put(f, "kind", m_r.chance(0.5) ? "\"chat\"" : m_g.text(8)); // a kind that does not fit the input
        input = "{\"prompt\":\"x\"}";
    }
    put(f, "input", input);
    if (m_r.chance(0.5))
        put(f, "priority",
            m_r.chance(0.6) ? QByteArray::number(m_r.range(0, 9)) : m_r.pick(QList<QByteArray> { "\"high\"", "\"medium\"", "\"low\"" }));
    if (m_r.chance(0.2))
        put(f, "max_attempts", QByteArray::number(m_r.range(1, 5)));
    if (m_r.chance(0.2))
        put(f, "timeout_ms", QByteArray::number(m_r.range(1, 60'000)));
    // Mostly due within seconds: tasks left waiting for good cost memory on
    // purpose (see kBytesPerWaitingTask), a few of them are enough.
    if (m_r.chance(0.03))
        put(f, "run_at", m_r.pick(QList<QByteArray> { "\"2099-01-01T00:00:00Z\"", "\"2099-01-01T00:00:00.123+05:30\"" }));
    else if (m_r.chance(0.25))
        put(f, "run_at",
            m_r.chance(0.2) ? QByteArray("\"2000-01-01T00:00:00Z\"")
                            : jsonString(QDateTime::currentDateTimeUtc().addMSecs(m_r.range(1, 10'000)).toString(Qt::ISODateWithMs)));
    else if (m_r.chance(0.1))
        put(f, "delay_ms", QByteArray::number(m_r.chance(0.05) ? m_r.range(0, 100'000'000) : m_r.range(0, 10'000)));
    if (m_r.chance(0.15))
        put(f, "deadline", m_r.pick(QList<QByteArray> { "\"2099-06-01T00:00:00Z\"", "\"2001-01-01T00:00:00Z\"", "\"1960-01-01T00:00:00Z\"" }));
    if (m_r.chance(0.2))
        put(f, "idempotency_key", "\"k" + QByteArray::number(m_r.range(0, 50)) + '"');
    if (m_r.chance(0.2))
        put(f, "tags", "[" + m_g.text(10) + ",\"nightly\"]");
    if (m_r.chance(0.15))
        put(f, "labels", "{\"team\":" + m_g.text(10) + '}');
    if (m_r.chance(0.05) && !m_pools.taskIds.isEmpty())
        put(f, "parent", jsonString(m_r.pick(m_pools.taskIds)));
    if (m_r.chance(0.05))
        put(f, "depends_on", "[" + jsonString(m_pools.taskIds.isEmpty() ? UlidGenerator::next().toString() : m_r.pick(m_pools.taskIds)) + ']');
    if (m_r.chance(0.1))
        put(f, "session_key", m_g.text(20));
    return f;
}

QByteArray RequestGen::taskBody()
{
    const auto model = [this] {
        const int roll = m_r.range(0, 9);
        if (roll < 6)
            return m_r.pick(m_pools.models);
        if (roll < 8)
            return kFacadeModel;
        return QString::fromUtf8(m_r.word(1, 12));
    };
    const auto one = [&] {
        Fields f = taskFields(model());
        if (m_r.chance(0.3))
            mutateFields(f, m_g, m_r, 200'000);
        return render(f);
    };
    const int shape = m_r.range(0, 99);
    if (shape < 70)
        return one();
    QByteArray items;
    const int n = shape < 95 ? m_r.range(0, 6) : m_r.range(50, 300);
    for (int i = 0; i < n; ++i)
        items += (i ? "," : "") + one();
    if (shape == 99 && m_r.chance(0.3)) { // more than a batch may hold: 413
        items = "{}";
        for (int i = 0; i < 10'000; ++i)
            items += ",{}";
    }
    return shape < 85 ? QByteArray("[" + items + "]") : QByteArray("{\"tasks\":[" + items + "]}");
}

// A body for the route: valid, with fields changed (types, duplicates, huge or
// deep values), or damaged bytes.
QByteArray RequestGen::body(BodyKind kind, const Route& route, const QByteArray& pathName)
{
    Fields f;
    switch (kind) {
    case BodyKind::None:
        return {};
    case BodyKind::Task:
        return m_r.chance(0.85) ? taskBody() : mutateBytes(taskBody(), m_g, m_r);
    case BodyKind::Patch:
        put(f, "priority", m_r.chance(0.7) ? QByteArray::number(m_r.range(0, 9)) : m_g.value(1));
        break;
    case BodyKind::Requeue:
        if (m_r.chance(0.3))
            return {};
        if (m_r.chance(0.6))
            put(f, "model", jsonString(m_r.pick(m_pools.models)));
        if (m_r.chance(0.5))
            put(f, "limit", QByteArray::number(m_r.range(1, 100)));
        break;
    case BodyKind::Purge:
        if (m_r.chance(0.3))
            return {};
        if (m_r.chance(0.6))
            put(f, "model", jsonString(m_r.pick(m_pools.models)));
        if (m_r.chance(0.5))
            put(f, "older_than", m_r.pick(QList<QByteArray> { "\"2000-01-01T00:00:00Z\"", "\"2099-01-01T00:00:00Z\"", "\"soon\"" }));
        break;
    case BodyKind::Model: {
        const bool create = qstrcmp(route.method, "POST") == 0;
        if (create)
            put(f, "name", jsonString(m_r.chance(0.5) ? QStringLiteral("fz-m%1").arg(m_r.range(0, 20)) : QString::fromUtf8(modelName(0.8))));
        else if (m_r.chance(0.2))
            put(f, "name", m_r.chance(0.5) ? jsonString(QUrl::fromPercentEncoding(pathName)) : m_g.text(10));
        if (m_r.chance(0.5))
            put(f, "concurrency", QByteArray::number(m_r.range(1, 8)));
        if (m_r.chance(0.3))
            put(f, "capacity", QByteArray::number(m_r.range(1, 1000)));
        if (m_r.chance(0.2))
            put(f, "description", m_g.text(60));
        if (m_r.chance(0.2))
            put(f, "retry", "{\"max_attempts\":" + QByteArray::number(m_r.range(1, 3)) + ",\"initial_delay_ms\":10,\"max_delay_ms\":50}");
        if (m_r.chance(0.1))
            put(f, "paused", m_r.chance(0.5) ? "true" : "false");
        if (m_r.chance(0.1))
            put(f, "strategy", m_r.pick(QList<QByteArray> { "\"round_robin\"", "\"least_busy\"", "\"nope\"" }));
        QByteArray endpoints = "[";
        const int n = m_r.range(0, 3);
        for (int i = 0; i < n; ++i) {
            endpoints += (i ? "," : "") + QByteArray("{\"name\":\"e") + QByteArray::number(i)
                + "\",\"provider\":\"simulated\",\"simulation\":{\"latency_ms\":" + QByteArray::number(m_r.range(0, 20))
                + ",\"failure_rate\":" + (m_r.chance(0.3) ? "0.5" : "0") + "}}";
        }
        put(f, "endpoints", endpoints + ']');
        break;
    }
    case BodyKind::Endpoint: {
        if (qstrcmp(route.method, "POST") == 0 || m_r.chance(0.2))
            put(f, "name", m_r.chance(0.8) ? jsonString(QString::fromUtf8(poolOr(m_pools.endpoints, 0.5))) : m_g.text(10));
        const int provider = m_r.range(0, 9);
        if (provider < 7) {
            put(f, "provider", "\"simulated\"");
            if (m_r.chance(0.6))
                put(f, "simulation",
                    "{\"latency_ms\":" + QByteArray::number(m_r.range(0, 20)) + ",\"rate_429\":" + (m_r.chance(0.2) ? "0.3" : "0") + '}');
        } else if (provider < 9) {
            // Loopback port 9 (discard): refused at once, nothing leaves the host.
            put(f, "provider", m_r.chance(0.5) ? "\"openai\"" : "\"anthropic\"");
            put(f, "base_url", m_r.chance(0.8) ? "\"http://127.0.0.1:9/v1\"" : m_g.text(30));
            if (m_r.chance(0.3))
                put(f, "api_key", "\"sk-should-be-refused\"");
            if (m_r.chance(0.3))
                put(f, "api_key_ref",
                    m_r.pick(QList<QByteArray> { "\"env:FUZZ_NO_SUCH_VAR\"", "\"file:/nonexistent\"", "\"keychain:x\"", "\"sk-1\"" }));
        } else {
            put(f, "provider", m_g.text(10));
        }
        if (m_r.chance(0.3))
            put(f, "weight", QByteArray::number(m_r.range(1, 10)));
        if (m_r.chance(0.2))
            put(f, "max_concurrency", QByteArray::number(m_r.range(0, 8)));
        break;
    }
    case BodyKind::Token:
        put(f, "name", m_g.text(20));
        put(f, "role", m_r.pick(QList<QByteArray> { "\"viewer\"", "\"operator\"", "\"admin\"", "\"root\"", "\"\"", "1" }));
        break;
    case BodyKind::Secret:
        put(f, "value", m_r.chance(0.9) ? m_g.text(60) : m_g.hugeString(m_r.range(8000, 9000)));
        break;
    case BodyKind::Chat:
    case BodyKind::Completion:
    case BodyKind::Embedding: {
        const int roll = m_r.range(0, 19);
        if (roll < 16)
            put(f, "model", jsonString(kFacadeModel));
        else if (roll < 18)
            // 404 model_not_found (a short random name may be a fuzzed model, maybe paused: the call would wait)
            put(f, "model", jsonString(QString::fromUtf8("no-such-" + m_r.word(1, 16))));
        else if (roll < 19)
            put(f, "model", "\"\"");
        if (kind == BodyKind::Chat)
            put(f, "messages", "[{\"role\":\"user\",\"content\":" + m_g.text(80) + "}]");
        else if (kind == BodyKind::Completion)
            put(f, "prompt", m_r.chance(0.8) ? m_g.text(80) : "[" + m_g.text(10) + "," + m_g.text(10) + "]");
        else
            put(f, "input", m_r.chance(0.6) ? m_g.text(80) : "[" + m_g.text(10) + "," + m_g.text(10) + ",[1,2,3]]");
        if (kind != BodyKind::Embedding && m_r.chance(0.3))
            put(f, "stream", "true");
        if (kind == BodyKind::Embedding && m_r.chance(0.3))
            put(f, "dimensions", QByteArray::number(m_r.range(1, 64)));
        if (kind == BodyKind::Embedding && m_r.chance(0.3))
            put(f, "encoding_format", m_r.chance(0.5) ? "\"base64\"" : "\"float\"");
        if (m_r.chance(0.3))
            put(f, "max_tokens", m_g.number());
        if (m_r.chance(0.2))
            put(f, "temperature", m_g.number());
        break;
    }
    case BodyKind::Upload: {
        // A multipart form (boundary FzB, as the Content-Type names it): a
        // purpose and a file of request lines, some valid, some not.
        QByteArray lines;
        const int n = m_r.range(0, 6);
        for (int i = 0; i < n; ++i)
            lines += m_r.chance(0.7) ? QByteArray("{\"custom_id\":\"l" + QByteArray::number(i)
                         + "\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":{\"model\":" + jsonString(kFacadeModel)
                         + ",\"messages\":[{\"role\":\"user\",\"content\":" + m_g.text(20) + "}]}}\n")
                                     : QByteArray(m_g.text(40) + "\n");
        QByteArray form = "--FzB\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\n"
            + (m_r.chance(0.85) ? QByteArray("batch") : m_r.word(0, 12)) + "\r\n";
        if (m_r.chance(0.9))
            form += "--FzB\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + m_r.word(0, 20) + ".jsonl\"\r\n\r\n" + lines + "\r\n";
        form += m_r.chance(0.9) ? QByteArray("--FzB--\r\n") : QByteArray();
        return m_r.chance(0.85) ? form : mutateBytes(form, m_g, m_r);
    }
    case BodyKind::Batch:
        put(f, "input_file_id", m_r.chance(0.8) && !m_pools.fileIds.isEmpty() ? jsonString(m_r.pick(m_pools.fileIds)) : m_g.text(20));
        put(f, "endpoint",
            m_r.chance(0.8) ? QByteArray("\"/v1/chat/completions\"")
                            : m_r.pick(QList<QByteArray> { "\"/v1/embeddings\"", "\"/v1/nothing\"", "7", "null" }));
        put(f, "completion_window", m_r.chance(0.9) ? QByteArray("\"24h\"") : m_g.text(5));
        if (m_r.chance(0.3))
            put(f, "metadata", "{\"k\":" + m_g.text(10) + "}");
        break;
    case BodyKind::Workflow: {
        // A small graph: keys k0..kn, each depending on earlier keys (a cycle,
        // an unknown key or a bad reference now and then), inputs that refer to
        // parents' results by good and bad paths.
        QByteArray tasks;
        const int n = m_r.range(0, 5);
        for (int i = 0; i < n; ++i) {
            QByteArray deps;
            for (int j = 0; j < i; ++j)
                if (m_r.chance(0.4))
                    deps += QByteArray(deps.isEmpty() ? "" : ",")
                        + (m_r.chance(0.8) ? QByteArray("\"k" + QByteArray::number(j) + "\"")
                                           : QByteArray("{\"key\":\"k" + QByteArray::number(j) + "\",\"on_failure\":\"continue\"}"));
            if (m_r.chance(0.05))
                deps += QByteArray(deps.isEmpty() ? "" : ",") + "\"k" + QByteArray::number(m_r.range(i, n + 1)) + "\""; // a cycle or unknown key
            const QByteArray content = deps.isEmpty() || m_r.chance(0.5) ? m_g.text(20)
                                                                         : QByteArray("\"{{steps.k0.")
                    + m_r.pick(QList<QByteArray> { "output.choices[0].message.content", "output.nothing[3]", "state", "error" }) + "}}\"";
            tasks += QByteArray(i ? "," : "") + "{\"key\":" + (m_r.chance(0.95) ? QByteArray("\"k" + QByteArray::number(i) + "\"") : m_g.text(8))
                + ",\"input\":{\"messages\":[{\"role\":\"user\",\"content\":" + content + "}]}"
                + (deps.isEmpty() ? QByteArray() : ",\"depends_on\":[" + deps + "]") + "}";
        }
        put(f, "model", jsonString(m_r.chance(0.85) ? kFacadeModel : QString::fromUtf8(m_r.word(1, 10))));
        if (m_r.chance(0.5))
            put(f, "name", m_g.text(20));
        put(f, "tasks", "[" + tasks + "]");
        break;
    }
    case BodyKind::Webhook: {
        // Addresses that are refused at once or do not resolve: the fuzzer reaches nothing.
        static const QList<QByteArray> urls = { "\"http://192.0.2.1/hook\"", "\"https://hooks.example.invalid/x?y=1\"", "\"http://127.0.0.1:1/\"",
            "\"http://169.254.169.254/latest\"", "\"ftp://example.com/\"", "\"https://u:p@example.com/\"", "\"/relative\"", "7" };
        static const QList<QByteArray> scopes = { "\"named\"", "\"all\"", "\"model\"", "\"workflow\"", "\"schedule\"", "\"task\"", "\"nope\"" };
        if (m_r.chance(0.9))
            put(f, "url", m_r.pick(urls));
        if (m_r.chance(0.5))
            put(f, "events",
                m_r.pick(QList<QByteArray> { "[\"task.finished\"]", "[\"task.state\",\"workflow.finished\"]", "[]", "[\"task.nope\"]", "\"x\"" }));
        if (m_r.chance(0.5))
            put(f, "scope", m_r.pick(scopes));
        if (m_r.chance(0.4))
            put(f, "target", jsonString(QString::fromUtf8(modelName(0.7))));
        if (m_r.chance(0.2))
            put(f, "secret", m_r.chance(0.5) ? jsonString(QString::fromUtf8(m_r.word(16, 40))) : m_g.text(10));
        if (m_r.chance(0.2))
            put(f, "max_attempts", m_r.chance(0.7) ? QByteArray::number(m_r.range(1, 30)) : m_g.number());
        break;
    }
    case BodyKind::Template: {
        // Names from a small pool (so versions pile up), typed variables,
        // references to declared and undeclared ones.
        put(f, "name", jsonString(QStringLiteral("fz-t%1").arg(m_r.range(0, 5))));
        if (m_r.chance(0.2))
            put(f, "kind", m_r.chance(0.5) ? QByteArray("\"workflow\"") : m_g.text(8));
        put(f, "variables",
            m_r.pick(QList<QByteArray> { "{\"topic\":{\"type\":\"string\"},\"n\":{\"type\":\"integer\",\"default\":3}}", "{\"topic\":{}}",
                "{\"n\":{\"type\":\"integer\",\"default\":\"x\"}}", "{\"9bad\":{}}", "{}" }));
        put(f, "body",
            "{\"model\":" + jsonString(kFacadeModel) + ",\"input\":{\"messages\":[{\"role\":\"user\",\"content\":"
                + (m_r.chance(0.7) ? QByteArray("\"about {{vars.topic}}\"") : m_g.text(20)) + "}]}}");
        break;
    }
    case BodyKind::TemplateValues:
        put(f, "values",
            m_r.pick(QList<QByteArray> { "{\"topic\":\"cats\"}", "{\"topic\":\"cats\",\"n\":2}", "{\"n\":\"x\"}", "{\"other\":1}", "{}" }));
        if (m_r.chance(0.2))
            put(f, "version", m_g.number());
        break;
    case BodyKind::TemplateRows:
        return m_r.chance(0.5) ? QByteArray("topic,n\ncats,2\ndogs," + m_r.word(0, 3) + "\n\"quoted, topic\",1\n")
                               : QByteArray("{\"topic\":\"a\"}\n" + m_g.text(20) + "\n{\"topic\":\"b\",\"n\":4}\n");
    case BodyKind::Schedule: {
        // Cron or interval (sometimes both, sometimes broken), a zone, a task.
        static const QList<QByteArray> crons
            = { "\"*/5 * * * *\"", "\"0 3 * * MON-FRI\"", "\"* * * * * *\"", "\"@daily\"", "\"61 * * * *\"", "\"0 0 30 2 *\"", "\"* * *\"", "7" };
        put(f, "name", m_r.chance(0.9) ? jsonString(QString::fromUtf8(m_r.word(1, 20))) : m_g.text(10));
        if (m_r.chance(0.7))
            put(f, "cron", m_r.pick(crons));
        if (m_r.chance(0.35))
            put(f, "interval_ms", m_r.chance(0.8) ? QByteArray::number(m_r.range(1000, 86400000)) : m_g.number());
        if (m_r.chance(0.4))
            put(f, "timezone",
                m_r.pick(QList<QByteArray> { "\"Europe/Berlin\"", "\"America/New_York\"", "\"UTC\"", "\"Nowhere/Land\"", "\"../etc\"" }));
        if (m_r.chance(0.2))
            put(f, "missed", m_r.chance(0.7) ? QByteArray("\"run_once\"") : m_g.text(8));
        if (m_r.chance(0.85))
            put(f, "task",
                "{\"model\":" + jsonString(m_r.chance(0.8) ? kFacadeModel : QString::fromUtf8(m_r.word(1, 10)))
                    + ",\"input\":{\"messages\":[{\"role\":\"user\",\"content\":" + m_g.text(20) + "}]}}");
        if (m_r.chance(0.2))
            put(f, "paused", m_r.chance(0.5) ? "true" : "false");
        break;
    }
    case BodyKind::MessageBatch: {
        QByteArray requests;
        const int n = m_r.range(0, 4);
        for (int i = 0; i < n; ++i)
            requests += QByteArray(i ? "," : "")
                + "{\"custom_id\":" + (m_r.chance(0.8) ? QByteArray("\"r" + QByteArray::number(i) + "\"") : m_g.text(10))
                + ",\"params\":{\"model\":" + jsonString(m_r.chance(0.8) ? kFacadeModel : QString::fromUtf8(m_r.word(1, 10))) + ",\"max_tokens\":"
                + QByteArray::number(m_r.range(0, 64)) + ",\"messages\":[{\"role\":\"user\",\"content\":" + m_g.text(20) + "}]}}";
        put(f, "requests", "[" + requests + "]");
        break;
    }
    case BodyKind::Responses:
    case BodyKind::Messages: {
        const int roll = m_r.range(0, 19);
        if (roll < 16)
            put(f, "model", jsonString(kFacadeModel));
        else if (roll < 19)
            put(f, "model", jsonString(QString::fromUtf8("no-such-" + m_r.word(1, 16))));
        const QByteArray text = m_g.text(80);
        if (kind == BodyKind::Responses) {
            static const QList<QByteArray> inputs = { "[{\"role\":\"user\",\"content\":%}]",
                "[{\"type\":\"message\",\"role\":\"developer\",\"content\":[{\"type\":\"input_text\",\"text\":%}]}]",
                "[{\"type\":\"function_call\",\"call_id\":\"c1\",\"name\":\"f\",\"arguments\":\"{}\"},"
                "{\"type\":\"function_call_output\",\"call_id\":\"c1\",\"output\":%}]",
                "[{\"type\":\"input_file\",\"file_id\":%}]", "[{\"role\":\"tool\",\"content\":%}]" };
            put(f, "input", m_r.chance(0.4) ? text : QByteArray(m_r.pick(inputs)).replace("%", text));
            if (m_r.chance(0.3))
                put(f, "instructions", m_g.text(40));
            if (m_r.chance(0.3))
                put(f, "max_output_tokens", m_g.number());
            if (m_r.chance(0.2))
                put(f, "metadata", "{\"k\":" + m_g.text(20) + "}");
            if (m_r.chance(0.15))
                put(f, "background", "true");
            if (m_r.chance(0.15) && !m_pools.responseIds.isEmpty())
                put(f, "previous_response_id", jsonString(m_r.pick(m_pools.responseIds)));
            if (m_r.chance(0.1))
                put(f, "tools", "[{\"type\":\"function\",\"name\":\"f\",\"parameters\":{}},{\"type\":" + m_g.text(10) + "}]");
        } else {
            put(f, "max_tokens", m_r.chance(0.8) ? QByteArray::number(m_r.range(1, 4096)) : m_g.number());
            put(f, "messages",
                m_r.chance(0.7) ? QByteArray("[{\"role\":\"user\",\"content\":" + text + "}]")
                                : QByteArray("[{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":\"t\",\"content\":" + text
                                    + "}]},{\"role\":" + m_g.text(8) + ",\"content\":[{\"type\":" + m_g.text(8) + "}]}]"));
            if (m_r.chance(0.3))
                put(f, "system", m_g.text(40));
            if (m_r.chance(0.2))
                put(f, "stop_sequences", "[" + m_g.text(5) + "]");
        }
        if (m_r.chance(0.3))
            put(f, "stream", "true");
        break;
    }
    }
    const int roll = m_r.range(0, 99);
    if (roll < 60)
        return render(f);
    if (roll < 85) {
        mutateFields(f, m_g, m_r, 200'000);
        return render(f);
    }
    return mutateBytes(render(f), m_g, m_r);
}

// One request to a route, with the defects the dice choose, and the statuses it may get.
Req RequestGen::route(int index)
{
    const Route& rt = kRoutes[index];
    Req q;
    q.label = rt.label();
    // Method.
    QByteArray method = rt.method;
    if (m_r.chance(0.08))
        method = m_r.pick(QList<QByteArray> { "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE", "CONNECT", "FOO", "M-SEARCH" });
    if (m_r.chance(0.02))
        method = method.toLower();
    // Target.
    bool clean = true;
    QByteArray pathName;
    QByteArray path;
    for (const QByteArray& segment : QByteArray(rt.pattern).split('/')) {
        if (segment.isEmpty())
            continue;
        QByteArray value = segment;
        if (segment.startsWith('{')) {
            value = param(segment.mid(1).chopped(1), rt, &clean);
            if (value.isEmpty() || value.count('.') == value.size())
                clean = false; // an empty segment is skipped by the router; dot segments may be resolved
            if (pathName.isEmpty())
                pathName = value;
        }
        path += '/' + value;
    }
    QByteArray target = path;
    if ((rt.flags & kList) && m_r.chance(0.6))
        target += '?' + query(&clean);
    if ((rt.flags & kEvents) && m_r.chance(0.3))
        target += "?model=" + encoded(m_r.pick(m_pools.models));
    if (m_r.chance(0.04)) {
        clean = false;
        target = m_r.pick(QList<QByteArray> { target + '/', "/" + target, target + "//x", target.toUpper(), target + "/..", target + "#frag",
            target + "?a=%zz", "*", "http://127.0.0.1" + target, target + "%", target + " x" });
    }
    // The defect, at most one, and what the server must answer to it.
    enum Defect {
        None,
        Http10,
        Version2,
        VersionBad,
        HeaderNoColon,
        SpaceBeforeColon,
        ObsFold,
        BareLf,
        Nul,
        TwoLengths,
        SignedLength,
        Chunked,
        Gzip,
        ChunkedAndLength,
        NoHost,
        TwoHosts,
        HugeHead,
        Oversize,
        ForeignHost,
        Origin,
        Preflight
    };
    Defect defect = None;
    if (m_r.chance(0.15))
        defect = static_cast<Defect>(m_r.range(1, 20));
    const bool pause = (rt.flags & kPause) != 0;
    if (pause && (defect == Http10))
        defect = None; // the resume pipelined behind a pause must be read: see Driver::launch
    QByteArray version = "HTTP/1.1";
    if (defect == Http10)
        version = "HTTP/1.0";
    else if (defect == Version2)
        version = "HTTP/2.0";
    else if (defect == VersionBad)
        version = m_r.pick(QList<QByteArray> { "HTTP/1", "HTTP/1.1x", "http/1.1", "HTTP/11", "HTTP/a.b" });

    // Body.
    QByteArray body = this->body(rt.body, rt, pathName);
    if (rt.body == BodyKind::None && m_r.chance(0.05))
        body = m_g.value(2);
    if (defect == Oversize)
        body.clear();

    // Headers.
    QList<QByteArray> headers;
    int hosts = 1;
    bool foreignHost = false;
    if (defect == NoHost || defect == Http10) {
        hosts = 0;
    } else {
        QByteArray host = m_r.pick(QList<QByteArray> { "127.0.0.1", "localhost", "127.0.0.1:" + QByteArray::number(m_port),
            "localhost:" + QByteArray::number(m_port), "[::1]", "LOCALHOST", "127.0.0.2" });
        if (defect == ForeignHost) {
            host = m_r.pick(QList<QByteArray> { "evil.example", "localhost.evil.example", "127.0.0.1.nip.io", "[::2]", "10.0.0.1:8787" });
            foreignHost = true;
        }
        headers.append("Host: " + host);
        if (defect == TwoHosts) {
            headers.append("Host: " + host);
            hosts = 2;
        }
    }
    if (defect == Http10 && m_r.chance(0.3)) {
        headers.append("Host: 127.0.0.1"); // optional in 1.0
        hosts = 1;
    }
    // Who asks.
    enum class Auth { Enough, TooLittle, None, Wrong, Malformed, Dynamic, Twice };
    Auth auth = Auth::Enough;
    const int authRoll = m_r.range(0, 99);
    if (authRoll >= 65)
        auth = static_cast<Auth>(1 + (authRoll - 65) / 6);
    Need role = Need::Public; // the role of the token sent, when it is one of ours
    const auto tokenFor = [this, &role](Need need, bool enough) -> QByteArray {
        QList<Need> ok;
        QList<Need> low;
        (need <= Need::Viewer ? ok : low).append(Need::Viewer);
        (need <= Need::Operator ? ok : low).append(Need::Operator);
        ok.append(Need::Admin);
        role = !enough && !low.isEmpty() ? m_r.pick(low) : m_r.pick(ok);
        return role == Need::Viewer ? m_tokens.viewer : role == Need::Operator ? m_tokens.operatorToken : m_tokens.admin;
    };
    if (auth == Auth::TooLittle && rt.need <= Need::Viewer)
        auth = Auth::Enough; // every token is enough
    if (auth == Auth::Dynamic && m_pools.tokenSecrets.isEmpty())
        auth = Auth::Wrong;
    const QByteArray scheme = m_r.pick(QList<QByteArray> { "Bearer ", "Bearer ", "Bearer ", "bearer ", "BEARER " });
    switch (auth) {
    case Auth::Enough:
        // Anthropic's SDKs send the token as x-api-key, which every route takes.
        if (m_r.chance(0.15))
            headers.append("x-api-key: " + tokenFor(rt.need, true));
        else
            headers.append("Authorization: " + scheme + tokenFor(rt.need, true));
        break;
    case Auth::TooLittle:
        headers.append("Authorization: " + scheme + tokenFor(rt.need, false));
        break;
    case Auth::None:
        break;
    case Auth::Wrong:
        headers.append("Authorization: Bearer llms_" + m_r.word(43, 43));
        break;
    case Auth::Malformed:
        headers.append("Authorization: "
            + m_r.pick(QList<QByteArray> { "Bearer", "Bearer ", "Basic YWRtaW46YWRtaW4=", "Token " + m_tokens.admin,
                "Bearer  " + QByteArray(300, 'a'), "Bearerllms_x", "Bearer llms_" + QByteArray(2000, 'z'), "\t", "Bearer \xff\xfe" }));
        break;
    case Auth::Dynamic:
        headers.append("Authorization: Bearer " + m_r.pick(m_pools.tokenSecrets));
        break;
    case Auth::Twice: // the first one counts
        headers.append("Authorization: Bearer " + tokenFor(rt.need, true));
        headers.append("Authorization: Bearer llms_" + m_r.word(43, 43));
        break;
    }
    // Content-Type.
    bool jsonType = false;
    if (!body.isEmpty() || m_r.chance(0.1)) {
        const int roll = m_r.range(0, 99);
        if (roll < 85 && rt.body == BodyKind::Upload) {
            headers.append("Content-Type: multipart/form-data; boundary=FzB");
            jsonType = true; // the type the route wants
        } else if (roll < 85 && rt.body == BodyKind::TemplateRows) {
            headers.append(m_r.chance(0.5) ? QByteArray("Content-Type: text/csv") : QByteArray("Content-Type: application/jsonl"));
            jsonType = true;
        } else if (roll < 85) {
            headers.append("Content-Type: "
                + m_r.pick(QList<QByteArray> { "application/json", "application/json", "application/json; charset=utf-8", "APPLICATION/JSON" }));
            jsonType = true;
        } else if (roll < 95) {
            headers.append("Content-Type: " + m_r.pick(QList<QByteArray> { "text/plain", "application/x-www-form-urlencoded", "", "json", "*/*" }));
        }
        if (m_r.chance(0.03))
            headers.append("Content-Type: text/plain"); // a second one
    }
    // Length and framing.
    int framing = 0; // the status a framing defect must get
    const QByteArray length = QByteArray::number(body.size());
    switch (defect) {
    case TwoLengths:
        headers.append("Content-Length: " + length);
        headers.append("Content-Length: " + QByteArray::number(body.size() + 1));
        framing = 400;
        break;
    case SignedLength:
        headers.append("Content-Length: " + m_r.pick(QList<QByteArray> { "+", "-", " -" }) + length);
        framing = 400;
        break;
    case Chunked:
        headers.append("Transfer-Encoding: chunked");
        body = QByteArray::number(body.size(), 16) + "\r\n" + body + "\r\n0\r\n\r\n";
        framing = 411;
        break;
    case Gzip:
        headers.append("Transfer-Encoding: " + m_r.pick(QList<QByteArray> { "gzip", "chunked, gzip", "identity", "x" }));
        framing = 501;
        break;
    case ChunkedAndLength:
        headers.append("Transfer-Encoding: chunked");
        headers.append("Content-Length: " + length);
        framing = 400;
        break;
    case Oversize:
        headers.append("Content-Length: " + QByteArray::number(routeBodyLimit(rt) + 1 + m_r.range(0, 1'000'000'000)));
        framing = 413;
        break;
    default:
        if (!body.isEmpty() || m_r.chance(0.2)) {
            headers.append("Content-Length: " + length);
            if (m_r.chance(0.03))
                headers.append("Content-Length: " + length); // equal twice is one length
        }
        break;
    }
    if (defect == HeaderNoColon || defect == SpaceBeforeColon || defect == ObsFold || defect == BareLf || defect == Nul) {
        framing = 400;
        QByteArray bad;
        if (defect == HeaderNoColon)
            bad = "X-Fuzz " + m_r.word(1, 8);
        else if (defect == SpaceBeforeColon)
            bad = "X-Fuzz : a";
        else if (defect == ObsFold)
            bad = "X-Fuzz: a\r\n b";
        else if (defect == BareLf)
            bad = "X-Fuzz: a\nX-Other: b";
        else
            bad = QByteArray("X-Fuzz: a\0b", 11);
        headers.insert(m_r.range(0, static_cast<int>(headers.size())), bad);
    }
    if (defect == HugeHead) {
        headers.append("X-Big: " + QByteArray(kMaxHeadBytes + m_r.range(0, 20'000), 'h'));
        framing = 431;
    }
    bool origin = false;
    if (defect == Origin || defect == Preflight) {
        headers.append("Origin: " + m_r.pick(QList<QByteArray> { "http://evil.example", "null", "http://localhost:3000", "https://127.0.0.1" }));
        origin = true;
        if (defect == Preflight) {
            method = "OPTIONS";
            headers.append("Access-Control-Request-Method: " + m_r.pick(QList<QByteArray> { "POST", "DELETE", "GET" }));
        }
    }
    // Odd but legal headers.
    bool closeHeader = false;
    if (m_r.chance(0.25)) {
        const int n = m_r.size(40);
        for (int i = 0; i < n; ++i) {
            const int roll = m_r.range(0, 11);
            if (roll == 0)
                headers.append("X-Priority: " + m_r.pick(QList<QByteArray> { "0", "9", "high", "urgent", "-1", "99999999999", "" }));
            else if (roll == 1)
                headers.append("X-Long: " + QByteArray(m_r.size(8000), 'v'));
            else if (roll == 2)
                headers.append("X-!#$%&'*+.^_`|~: ok");
            else if (roll == 3)
                headers.append("X-Empty:");
            else if (roll == 4)
                headers.append("Accept-Encoding: gzip, br");
            else if (roll == 5)
                headers.append("Idempotency-Key: " + m_r.word(1, 30));
            else if (roll == 6)
                headers.append("Upgrade: " + m_r.pick(QList<QByteArray> { "h2c", "websocket" }));
            else if (roll == 7)
                headers.append("Last-Event-ID: " + m_r.word(0, 20));
            else if (roll == 8 && !pause) {
                headers.append("Connection: close");
                closeHeader = true;
            } else if (roll == 9)
                headers.append("Connection: keep-alive");
            else if (roll == 10)
                headers.append("X-Tab:\tvalue\t");
            else
                headers.append("X-" + m_r.word(1, 12) + ": " + m_r.word(0, 40));
        }
    }
    if (m_r.chance(0.03) && !body.isEmpty() && framing == 0) {
        headers.append("Expect: 100-continue");
        q.expectContinue = true;
    }
    // Any order, unless a repeated header's first occurrence decides the answer.
    const auto repeated = [&headers](const QByteArray& prefix) {
        return std::count_if(headers.cbegin(), headers.cend(), [&prefix](const QByteArray& h) { return h.startsWith(prefix); }) > 1;
    };
    if (m_r.chance(0.1) && !repeated("Authorization:") && !repeated("Content-Type:"))
        std::shuffle(headers.begin(), headers.end(), std::mt19937(static_cast<unsigned>(m_r.next())));

    q.bytes = method + ' ' + target + ' ' + version + "\r\n";
    for (const QByteArray& h : std::as_const(headers))
        q.bytes += h + "\r\n";
    q.bytes += "\r\n" + body;

    // What it must get, in the order the server decides.
    const QByteArray upper = method.toUpper();
    q.head = upper == "HEAD";
    q.pause = pause;
    q.closes = closeHeader || defect == Http10;
    const qsizetype headLength = q.bytes.indexOf("\r\n\r\n");
    // A target the server may refuse as malformed (QUrl in strict mode decides).
    const bool oddTarget = !clean
        && (target.contains(' ') || target.contains('\t') || target.contains('%') || target.contains('#') || !target.startsWith('/')
            || target.contains('\xff'));
    if (headLength > kMaxHeadBytes) { // the first thing the server looks at
        q.expect = { 431 };
        q.precise = true;
        framing = 431;
    } else if (oddTarget) {
        q.expect = kBeforeRouting; // QUrl decides what it takes
        for (int i = 0; i < kRouteCount; ++i)
            q.expect += handlerStatuses(kRoutes[i]);
    } else if (defect == VersionBad) {
        q.expect = { 400 };
        q.precise = true;
    } else if (defect == Version2) {
        q.expect = { 505 };
        q.precise = true;
    } else if (framing) {
        q.expect = { framing };
        q.precise = true;
    } else if (hosts != 1 && version == "HTTP/1.1") {
        q.expect = { 400 };
        q.precise = true;
    } else if (foreignHost) {
        q.expect = { 421 };
        q.precise = true;
    } else if (origin) {
        q.expect = { 403 };
        q.precise = true;
    } else {
        bool pathMatched = false;
        const int matched = matchRoute(upper, path, &pathMatched);
        if (!clean) {
            q.expect = kBeforeRouting;
            for (int i = 0; i < kRouteCount; ++i)
                q.expect += handlerStatuses(kRoutes[i]);
        } else if (matched < 0) {
            q.expect = { pathMatched ? 405 : 404 };
            q.precise = true;
        } else {
            const Route& m = kRoutes[matched];
            if (m.need == Need::Public) {
                q.expect = handlerStatuses(m);
            } else if (auth == Auth::None || auth == Auth::Wrong || auth == Auth::Malformed) {
                q.expect = { 401 };
                q.precise = true;
            } else if (auth != Auth::Dynamic && role < m.need) {
                // Too little for the route the method hit (which may not be the one asked for).
                q.expect = { 403 };
                q.precise = true;
            } else if (auth == Auth::Dynamic) {
                q.expect = QSet<int> { 401, 403 } + handlerStatuses(m);
            } else {
                q.expect = handlerStatuses(m);
                if ((m.body != BodyKind::None && m.body != BodyKind::Requeue && m.body != BodyKind::Purge && m.body != BodyKind::Upload) && !jsonType
                    && m.flags != kFacade) {
                    // A body route without a JSON type: 415 (the facade: also 415, in OpenAI's shape).
                    q.expect = { 415 };
                    q.precise = true;
                }
                if ((m.flags & kFacade) && !jsonType) {
                    q.expect = { 415 };
                    q.precise = true;
                }
            }
        }
    }
    // Whatever the token: an event stream does not end, a facade stream ends with [DONE].
    bool anyPath = false;
    QByteArray routedPath = target.left(target.indexOf('#') < 0 ? target.size() : target.indexOf('#'));
    routedPath = routedPath.left(routedPath.indexOf('?') < 0 ? routedPath.size() : routedPath.indexOf('?'));
    const int routed = matchRoute(upper, routedPath, &anyPath);
    if (routed >= 0 && (kRoutes[routed].flags & kEvents))
        q.stream = true;
    if (routed >= 0 && (kRoutes[routed].flags & kFacade)) {
        q.facadeStream = true; // checked when the answer is an event stream
        q.namedEvents = kRoutes[routed].body == BodyKind::Responses || kRoutes[routed].body == BodyKind::Messages;
    }
    // Refused while the head is read: answered and closed. Bytes the server
    // did not read (the body, the rest of a huge head) may turn the close
    // into a reset that takes the answer with it.
    const bool refusedInHead = framing || defect == VersionBad || defect == Version2 || (hosts != 1 && version == "HTTP/1.1") || oddTarget;
    q.closes = q.closes || refusedInHead;
    q.mayReset = refusedInHead && (!body.isEmpty() || framing == 431);
    q.expectContinue = q.expectContinue && version == "HTTP/1.1"; // HTTP/1.0: ignored (RFC 9110 10.1.1)
    return q;
}

Req RequestGen::health()
{
    Req q;
    q.label = QStringLiteral("GET /health");
    q.bytes = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    q.expect = { 200 };
    q.precise = true;
    return q;
}

QByteArray RequestGen::garbage()
{
    const int roll = m_r.range(0, 5);
    if (roll == 0)
        return m_r.bytes(m_r.range(1, 3000));
    if (roll == 1)
        return m_r.bytes(m_r.range(1, 200)) + "\r\n\r\n";
    if (roll == 2)
        return m_r.pick(QList<QByteArray> { "GET", "GET /", "GET / HTTP/1.1", "\r\n\r\n", "\r\n", " ", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
                   "GET / HTTP/1.1\r\n\r\n\r\n\r\n", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" })
            + (m_r.chance(0.5) ? QByteArray("\r\n\r\n") : QByteArray());
    if (roll == 3) { // many short lines
        QByteArray out = "GET /health HTTP/1.1\r\n";
        const int n = m_r.range(1, 4000);
        for (int i = 0; i < n; ++i)
            out += m_r.word(1, 3) + ":" + m_r.word(0, 3) + "\r\n";
        return out + "\r\n";
    }
    if (roll == 4) { // a valid request with random bytes flipped
        QByteArray out = "POST /api/v1/tasks HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + m_tokens.operatorToken
            + "\r\nContent-Type: application/json\r\nContent-Length: 20\r\n\r\n{\"model\":\"fz-a\"}   ";
        const int n = m_r.range(1, 6);
        for (int i = 0; i < n; ++i)
            out[m_r.range(0, static_cast<int>(out.size()) - 1)] = static_cast<char>(m_r.range(0, 255));
        return out;
    }
    return "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" + m_r.bytes(m_r.range(1, 100)); // an answer, then junk
}

Req RequestGen::oversized()
{
    Req q;
    q.label = QStringLiteral("POST /api/v1/tasks");
    const qint64 size = kMaxBodyBytes + 1 + m_r.range(0, 200'000);
    QByteArray body = "{\"model\":\"fz-a\",\"input\":{\"messages\":[{\"role\":\"user\",\"content\":\"";
    body += QByteArray(size - body.size() - 6, 'o');
    body += "\"}]}}";
    q.bytes = "POST /api/v1/tasks HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + m_tokens.operatorToken
        + "\r\nContent-Type: application/json\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\n\r\n" + body;
    q.expect = { 413 };
    q.precise = true;
    q.closes = true;
    q.mayReset = true;
    return q;
}

// A request for a client that never reads: answers as large as the store allows.
Req RequestGen::nonReadingPiece()
{
    Req q;
    const QByteArray target = m_r.pick(
        QList<QByteArray> { "/api/v1/tasks?limit=200&include_input=true", "/metrics", "/api/v1/models", "/v1/models", "/api/v1/system/stats" });
    q.label = QStringLiteral("GET ") + QString::fromLatin1(target.left(target.indexOf('?') < 0 ? target.size() : target.indexOf('?')));
    q.bytes = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + m_tokens.viewer + "\r\n\r\n";
    return q;
}

// A request cut short: the server must answer 408 once the request timeout passes.
// (Exchange sends a prefix of it, cut inside the head or the body.)
Req RequestGen::stalled()
{
    Req q;
    q.bytes = "POST /api/v1/tasks HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + m_tokens.operatorToken
        + "\r\nContent-Type: application/json\r\nContent-Length: 64\r\n\r\n{\"model\":\"fz-a\",\"input\":";
    q.expect = { 408 };
    q.precise = true;
    q.closes = true;
    q.label = QStringLiteral("POST /api/v1/tasks");
    return q;
}

// ---- responses ----------------------------------------------------------------------------

struct Parsed
{
    enum State { NeedMore, Complete, Invalid };
    State state = NeedMore;
    int status = 0;
    QList<QPair<QByteArray, QByteArray>> headers; // names lower-cased
    QByteArray body;
    qsizetype end = 0; // where the response ends in the data
    int chunks = 0;
    QString error;

    QByteArray header(const char* name) const
    {
        for (const auto& [n, v] : headers)
            if (n == name)
                return v;
        return {};
    }
    int count(const char* name) const
    {
        int n = 0;
        for (const auto& h : headers)
            n += h.first == name ? 1 : 0;
        return n;
    }
};

bool isTokenChar(char c)
{
    return std::isalnum(static_cast<unsigned char>(c)) || QByteArrayView("!#$%&'*+-.^_`|~").contains(c);
}

// One response starting at `from`. head: the request was HEAD (no body).
// enoughForStream: a chunked answer counts as complete once a chunk arrived.
Parsed parseResponse(const QByteArray& data, qsizetype from, bool head, bool enoughForStream)
{
    Parsed p;
    const auto invalid = [&p](const QString& why) {
        p.state = Parsed::Invalid;
        p.error = why;
        return p;
    };
    const qsizetype headEnd = data.indexOf("\r\n\r\n", from);
    if (headEnd < 0) {
        if (data.size() - from > kMaxHeadBytes)
            return invalid(QStringLiteral("a response head longer than 64 KiB"));
        // What arrived must still look like a status line.
        const QByteArray start = data.mid(from, 9);
        if (!QByteArray("HTTP/1.1 ").startsWith(start))
            return invalid(QStringLiteral("bytes that are not a status line"));
        return p;
    }
    const QList<QByteArray> lines = data.mid(from, headEnd - from).split('\n');
    for (qsizetype i = 0; i < lines.size(); ++i) {
        const QByteArray& l = lines.at(i);
        if (i + 1 < lines.size() && !l.endsWith('\r'))
            return invalid(QStringLiteral("a bare LF in the head"));
    }
    QList<QByteArray> clean;
    for (qsizetype i = 0; i < lines.size(); ++i)
        clean.append(i + 1 < lines.size() ? lines.at(i).chopped(1) : lines.at(i));
    const QByteArray& statusLine = clean.constFirst();
    static const QRegularExpression statusRe(QStringLiteral("^HTTP/1\\.1 ([1-5][0-9][0-9]) [\\x20-\\x7e]+$"));
    const auto m = statusRe.match(QString::fromLatin1(statusLine));
    if (!m.hasMatch())
        return invalid(QStringLiteral("malformed status line"));
    p.status = m.captured(1).toInt();
    for (qsizetype i = 1; i < clean.size(); ++i) {
        const QByteArray& l = clean.at(i);
        const qsizetype colon = l.indexOf(':');
        if (colon <= 0)
            return invalid(QStringLiteral("a header line without a name"));
        for (qsizetype c = 0; c < colon; ++c)
            if (!isTokenChar(l.at(c)))
                return invalid(QStringLiteral("a header name with a character that is not a token"));
        for (qsizetype c = colon + 1; c < l.size(); ++c) {
            const auto ch = static_cast<unsigned char>(l.at(c));
            if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
                return invalid(QStringLiteral("a control character in a header value"));
        }
        p.headers.append({ l.left(colon).toLower(), l.mid(colon + 1).trimmed() });
    }
    qsizetype pos = headEnd + 4;
    if (p.status < 200 || p.status == 204 || p.status == 304 || head) {
        if (p.status == 204 && p.count("transfer-encoding") > 0)
            return invalid(QStringLiteral("204 with Transfer-Encoding"));
        p.end = pos;
        p.state = Parsed::Complete;
        return p;
    }
    const int lengths = p.count("content-length");
    const bool chunked = p.header("transfer-encoding").toLower() == "chunked";
    if (p.count("transfer-encoding") > 1 || (p.count("transfer-encoding") == 1 && !chunked))
        return invalid(QStringLiteral("a transfer coding other than one chunked"));
    if (lengths > 1 || (lengths == 1 && chunked))
        return invalid(QStringLiteral("more than one framing (Content-Length twice, or with chunked)"));
    if (lengths == 0 && !chunked)
        return invalid(QStringLiteral("no Content-Length and not chunked (the body would run to the close)"));
    if (!chunked) {
        const QByteArray text = p.header("content-length");
        bool ok = !text.isEmpty();
        for (char c : text)
            ok = ok && c >= '0' && c <= '9';
        const qint64 length = ok ? text.toLongLong(&ok) : -1;
        if (!ok || length < 0)
            return invalid(QStringLiteral("a malformed Content-Length"));
        if (data.size() - pos < length)
            return p;
        p.body = data.mid(pos, length);
        p.end = pos + length;
        p.state = Parsed::Complete;
        return p;
    }
    while (true) {
        const qsizetype eol = data.indexOf("\r\n", pos);
        if (eol < 0) {
            if (data.size() - pos > 32)
                return invalid(QStringLiteral("a chunk size line longer than 32 bytes"));
            return p;
        }
        const QByteArray sizeText = data.mid(pos, eol - pos);
        bool ok = !sizeText.isEmpty() && sizeText.size() <= 16;
        for (char c : sizeText)
            ok = ok && std::isxdigit(static_cast<unsigned char>(c));
        const qint64 size = ok ? sizeText.toLongLong(&ok, 16) : -1;
        if (!ok)
            return invalid(QStringLiteral("a malformed chunk size"));
        if (size == 0) {
            if (data.size() < eol + 4)
                return p;
            if (data.mid(eol + 2, 2) != "\r\n")
                return invalid(QStringLiteral("trailers or junk after the last chunk"));
            p.end = eol + 4;
            p.state = Parsed::Complete;
            return p;
        }
        if (data.size() < eol + 2 + size + 2) {
            if (enoughForStream && p.chunks > 0) {
                p.end = data.size();
                p.state = Parsed::Complete;
            }
            return p;
        }
        if (data.mid(eol + 2 + size, 2) != "\r\n")
            return invalid(QStringLiteral("a chunk not followed by CRLF"));
        p.body += data.mid(eol + 2, size);
        ++p.chunks;
        pos = eol + 2 + size + 2;
        if (enoughForStream) {
            p.end = pos;
            p.state = Parsed::Complete;
            return p;
        }
    }
}

// ---- the run's bookkeeping -----------------------------------------------------------------

struct RouteStats
{
    qint64 tried = 0;
    qint64 lost = 0; // closed or reset where the server may do so, or never read
    QMap<int, qint64> statuses;
};

enum class Mode { Pipelined, Sequential, Slow, Stall, NonReading, Abandon, Garbage, Oversize, Health };

const char* modeName(Mode m)
{
    static const char* names[] = { "pipelined", "sequential", "slow", "stall", "non-reading", "abandon", "garbage", "oversize", "health" };
    return names[static_cast<int>(m)];
}

class Driver;

// One client connection and the requests it carries.
class Exchange final : public QObject
{
public:
    Exchange(Driver& driver, qint64 index, Mode mode, QList<Req> requests, int deadlineMs, quint64 seed);
    void start(quint16 port);
    Mode mode() const { return m_mode; }
    // Clients that wait on purpose (for the request timeout, or holding their
    // answers unread) do not take one of the busy slots.
    enum class Slot { Busy, Waiting, Holding };
    Slot slot() const
    {
        return m_mode == Mode::NonReading ? Slot::Holding : m_mode == Mode::Stall || m_mode == Mode::Garbage ? Slot::Waiting : Slot::Busy;
    }

private:
    void onConnected();
    void onReadyRead();
    void onClosed();
    void consume();
    void sendNext();
    void dribble();
    void finish();
    // timing: a failure a stalled client can cause (no answer in time, a close, a 408).
    void fail(const QString& why, int request, bool timing = false);

    Driver& m_driver;
    qint64 m_startMs = 0;
    qint64 m_index;
    Mode m_mode;
    QList<Req> m_reqs;
    QTcpSocket* m_socket;
    QTimer m_deadline;
    Rng m_rng;
    QByteArray m_in;
    qsizetype m_pos = 0;
    int m_answered = 0;
    int m_sent = 0;
    bool m_closeAllowed = false;
    bool m_done = false;
    QByteArray m_out; // slow mode
    qsizetype m_outPos = 0;
    int m_cut = -1; // stall mode
};

// The fields in which two specs differ (attempts and timeout: only when
// withLimits, the store keeps them on the task rather than the spec).
QStringList specDifferences(const TaskSpec& s, const TaskSpec& a, bool withLimits)
{
    QStringList out;
    const auto differ = [&out](bool d, const char* name) {
        if (d)
            out.append(QLatin1String(name));
    };
    differ(a.model != s.model, "model");
    differ(a.kind != s.kind, "kind");
    differ(a.input != s.input, "input");
    differ(a.priority != s.priority, "priority");
    differ(withLimits && a.maxAttempts != s.maxAttempts, "max_attempts");
    differ(withLimits && a.timeoutMs != s.timeoutMs, "timeout_ms");
    differ(a.runAtMs != s.runAtMs, "run_at");
    differ(a.deadlineMs != s.deadlineMs, "deadline");
    differ(a.idempotencyKey != s.idempotencyKey, "idempotency_key");
    differ(a.tags != s.tags, "tags");
    differ(a.labels != s.labels, "labels");
    differ(a.parentId != s.parentId, "parent");
    differ(a.dependsOn != s.dependsOn, "depends_on");
    differ(a.sessionKey != s.sessionKey, "session_key");
    return out;
}

// Feeds random and mutated JSONL through JsonlReader into Engine::submit.
class ImportJob final : public QObject
{
public:
    ImportJob(Driver& driver, Engine& engine, quint64 seed, const Pools& pools);
    void start();
    bool done() const { return m_done; }
    qint64 lines() const { return m_lineCount; }

private:
    enum class LineKind { Skip, Overlong, Other };
    void step();
    void checkChunk(const JsonlReader::Chunk& c);
    void submitted(const QList<TaskSpec>& specs, const Result<QList<SubmitOutcome>>& r);
    void finish();
    void fail(const QString& why);

    Driver& m_driver;
    Engine& m_engine;
    Rng m_rng;
    TaskLimits m_limits;
    QByteArray m_data;
    QBuffer m_buffer;
    std::unique_ptr<JsonlReader> m_reader;
    QList<LineKind> m_kinds; // per line, 1-based at index - 1
    QList<QByteArray> m_lines;
    QSet<qint64> m_accepted;
    QSet<qint64> m_refused;
    qint64 m_lastLine = 0;
    qint64 m_lineCount = 0;
    int m_pending = 0;
    bool m_done = false;
};

class Driver final : public QObject
{
public:
    Driver(Engine& engine, quint16 port, Tokens tokens, Options options)
        : m_engine(engine)
        , m_port(port)
        , m_tokens(std::move(tokens))
        , m_options(std::move(options))
    {
    }

    void runPass(quint64 seed);
    bool regressionProbes();
    bool finalChecks();
    void printSummary() const;
    qint64 violations() const { return m_violations; }

    // For exchanges and import jobs.
    void record(const Req& q, int status);
    void lost(const Req& q) { ++m_routes[q.label].lost; }
    QString check(const Req& q, const Parsed& p);
    void learn(const Req& q, const Parsed& p);
    void violation(const QString& where, const QString& why, const QByteArray& request, const QByteArray& received);
    void exchangeDone(Exchange* e);
    void importDone(ImportJob* job);
    void noteImport(qint64 accepted, qint64 refused, qint64 chunks, qint64 readBack)
    {
        m_importAccepted += accepted;
        m_importRefused += refused;
        m_importChunks += chunks;
        m_importReadBack += readBack;
    }
    void noteRefusal(const QString& why)
    {
        if (m_refusals.size() < 5 && !m_refusals.contains(why.left(160)))
            m_refusals.append(why.left(160));
    }
    quint64 seed() const { return m_seed; }
    qint64 clockMs() const { return m_runClock.elapsed(); }
    // The longest this thread's event loop stalled since fromMs.
    qint64 lagSince(qint64 fromMs) const
    {
        qint64 lag = std::max<qint64>(0, m_runClock.elapsed() - m_lastTickMs - kTickMs); // a stall still going on
        for (const auto& [atMs, ms] : m_lags)
            if (atMs >= fromMs)
                lag = std::max(lag, ms);
        return lag;
    }
    void excused() { ++m_excused; }
    qint64 lastPurgeMs() const { return m_lastPurgeMs; }
    const Pools& pools() const { return m_pools; }
    int timeoutMs() const { return m_options.timeoutMs; }

private:
    bool more() const;
    void pump();
    void launch();
    // A single request on its own connection, waited for: final checks.
    Parsed fetch(const QByteArray& request, QByteArray* raw = nullptr);
    // Pipelined requests on one connection; heads: which ones are HEAD. rest: bytes after the answers.
    // later: sent 100 ms after the rest (a body that follows its head).
    QList<Parsed> fetchAll(const QByteArray& requests, const QList<bool>& heads, QByteArray* rest, const QByteArray& later = {});

    Engine& m_engine;
    quint16 m_port;
    Tokens m_tokens;
    Options m_options;
    Pools m_pools;
    QMap<QString, RouteStats> m_routes;
    QEventLoop* m_loop = nullptr;
    quint64 m_seed = 0;
    qint64 m_index = 0;
    qint64 m_issued = 0; // requests of this pass
    qint64 m_issuedTotal = 0;
    qint64 m_unread = 0; // requests sent by clients that never read
    static constexpr qint64 kTickMs = 50;
    QTimer m_ticker; // measures this thread's stalls
    qint64 m_lastTickMs = 0;
    qint64 m_maxLagMs = 0;
    QList<QPair<qint64, qint64>> m_lags; // (when, how long) of stalls over 500 ms
    qint64 m_excused = 0;
    qint64 m_lastPurgeMs = -1'000'000; // when a request that may purge dead tasks was last sent
    qint64 m_exchanges = 0;
    QElapsedTimer m_passClock;
    int m_active = 0;
    int m_holders = 0; // non-reading clients
    int m_waiters = 0; // stalled and garbage clients, which wait for the request timeout
    ImportJob* m_import = nullptr;
    qint64 m_violations = 0;
    qint64 m_rssBaselineKiB = -1;
    qint64 m_rssGrowthKiB = 0;
    qint64 m_lastRssCheckMs = 0;
    bool m_measureDue = false;
    QElapsedTimer m_runClock;
    QMap<QString, qint64> m_modes;
    QStringList m_refusals; // why import chunks were refused (a few)
    qint64 m_importJobs = 0, m_importLines = 0, m_importAccepted = 0, m_importRefused = 0, m_importChunks = 0, m_importReadBack = 0;

    qint64 quietRssKiB();
    void checkRss(qint64 rssKiBNow);
    qint64 waitingTasks() const;
    qint64 rssAllowanceKiB() const;
    qint64 m_waitingAtBaseline = 0;
    qint64 m_lastRssKiB = 0;
    qint64 m_lastSqliteKiB = 0;
};

// ---- Exchange -----------------------------------------------------------------------------

Exchange::Exchange(Driver& driver, qint64 index, Mode mode, QList<Req> requests, int deadlineMs, quint64 seed)
    : m_driver(driver)
    , m_index(index)
    , m_mode(mode)
    , m_reqs(std::move(requests))
    , m_socket(new QTcpSocket(this))
    , m_rng(seed)
{
    m_deadline.setSingleShot(true);
    m_deadline.setInterval(deadlineMs);
    connect(&m_deadline, &QTimer::timeout, this, [this] {
        if (m_mode == Mode::NonReading || m_mode == Mode::Abandon) {
            // The hold is over: leave without reading.
            for (int i = m_answered; i < m_reqs.size(); ++i)
                m_driver.lost(m_reqs.at(i));
            m_answered = static_cast<int>(m_reqs.size());
            finish();
            m_socket->abort();
            return;
        }
        fail(QStringLiteral("no answer (and no close) within %1 ms").arg(m_deadline.interval()), m_answered, true);
    });
    connect(m_socket, &QTcpSocket::connected, this, &Exchange::onConnected);
    connect(m_socket, &QTcpSocket::readyRead, this, &Exchange::onReadyRead);
    connect(m_socket, &QTcpSocket::disconnected, this, &Exchange::onClosed);
    connect(m_socket, &QTcpSocket::errorOccurred, this, [this](QAbstractSocket::SocketError e) {
        if (e == QAbstractSocket::ConnectionRefusedError)
            fail(QStringLiteral("connection refused: the server is not accepting"), 0);
        else if (m_socket->state() == QAbstractSocket::UnconnectedState)
            onClosed();
    });
    if (m_mode == Mode::NonReading)
        m_socket->setReadBufferSize(4096); // Qt would otherwise read everything the server sends
}

void Exchange::start(quint16 port)
{
    if (m_mode == Mode::Stall)
        m_cut = m_rng.range(1, static_cast<int>(m_reqs.constFirst().bytes.size()) - 1);
    m_startMs = m_driver.clockMs();
    m_deadline.start();
    m_socket->connectToHost(QHostAddress::LocalHost, port);
}

void Exchange::onConnected()
{
    switch (m_mode) {
    case Mode::Sequential:
        sendNext();
        break;
    case Mode::Slow:
        for (Req& q : m_reqs) {
            m_out += q.bytes;
            // Slow enough, on a busy machine, to meet the request timeout: a
            // 408 (which closes) is then the right answer.
            q.expect += 408;
            q.precise = false;
            q.mayReset = true; // the 408 may close while bytes are still on their way
        }
        dribble();
        break;
    case Mode::Stall:
        m_socket->write(m_reqs.constFirst().bytes.left(m_cut));
        break;
    case Mode::Abandon: {
        QByteArray all;
        for (const Req& q : std::as_const(m_reqs))
            all += q.bytes;
        const int how = m_rng.range(0, 2);
        m_socket->write(how == 2 ? all.left(m_rng.range(0, static_cast<int>(all.size()))) : all);
        // Leave at once, after a few milliseconds, or with the first answer byte (onReadyRead).
        m_deadline.setInterval(how == 0 ? 0 : m_rng.range(1, 30));
        m_deadline.start();
        break;
    }
    default:
        for (const Req& q : std::as_const(m_reqs))
            m_socket->write(q.bytes);
        m_sent = static_cast<int>(m_reqs.size());
        break;
    }
}

// Byte by byte (or two, three), paced by the event loop.
void Exchange::dribble()
{
    if (m_done || m_socket->state() != QAbstractSocket::ConnectedState)
        return;
    if (m_outPos >= 300) { // the rest at once: the server's request timeout is short
        m_socket->write(m_out.mid(m_outPos));
        m_outPos = m_out.size();
        return;
    }
    const int n = m_rng.chance(0.8) ? 1 : m_rng.range(2, 3);
    m_socket->write(m_out.mid(m_outPos, n));
    m_outPos += n;
    if (m_outPos < m_out.size())
        QTimer::singleShot(m_rng.range(0, 1), this, &Exchange::dribble);
}

void Exchange::sendNext()
{
    if (m_sent < m_reqs.size() && m_sent == m_answered)
        m_socket->write(m_reqs.at(m_sent++).bytes);
}

void Exchange::onReadyRead()
{
    if (m_mode == Mode::NonReading || m_done)
        return;
    if (m_mode == Mode::Abandon) {
        for (const Req& q : std::as_const(m_reqs))
            m_driver.lost(q);
        m_answered = static_cast<int>(m_reqs.size());
        finish();
        m_socket->abort();
        return;
    }
    m_in += m_socket->readAll();
    consume();
}

void Exchange::consume()
{
    while (!m_done) {
        if (m_mode == Mode::Garbage) {
            // Any number of answers: whatever of the bytes parsed as requests.
            if (m_pos >= m_in.size())
                return;
            const Parsed p = parseResponse(m_in, m_pos, false, false);
            if (p.state == Parsed::NeedMore)
                return;
            if (p.state == Parsed::Invalid)
                return fail(QStringLiteral("not a valid HTTP response: ") + p.error, 0);
            Req any = m_reqs.constFirst();
            if (p.status != 100) {
                m_driver.record(any, p.status);
                const QString why = m_driver.check(any, p);
                if (!why.isEmpty())
                    return fail(why, 0);
            }
            m_answered = 1;
            m_pos = p.end;
            continue;
        }
        if (m_answered >= m_reqs.size()) {
            // (A refusal that closes the connection may carry its body even to
            // a HEAD: nothing can be read after it, so nothing is misread.)
            if (m_pos < m_in.size() && !(m_reqs.constLast().head && m_closeAllowed))
                return fail(QStringLiteral("bytes after the last answer"), m_answered - 1);
            if (m_mode != Mode::Stall) {
                finish();
                m_socket->abort();
            }
            return;
        }
        const Req& q = m_reqs.at(m_answered);
        const Parsed p = parseResponse(m_in, m_pos, q.head, q.stream);
        if (p.state == Parsed::NeedMore)
            return;
        if (p.state == Parsed::Invalid)
            return fail(QStringLiteral("not a valid HTTP response: ") + p.error, m_answered);
        m_pos = p.end;
        if (p.status == 100) {
            if (!q.expectContinue)
                return fail(QStringLiteral("100 Continue to a request that did not ask for it"), m_answered);
            continue;
        }
        m_driver.record(q, p.status);
        const QString why = m_driver.check(q, p);
        if (!why.isEmpty())
            return fail(why, m_answered, p.status == 408);
        m_driver.learn(q, p);
        ++m_answered;
        if (p.header("connection").toLower() == "close" || q.closes)
            m_closeAllowed = true;
        if (q.stream) {
            // An event stream does not end: it answered. Leave it.
            for (int i = m_answered; i < m_reqs.size(); ++i)
                m_driver.lost(m_reqs.at(i));
            m_answered = static_cast<int>(m_reqs.size());
            finish();
            m_socket->abort();
            return;
        }
        if (m_mode == Mode::Sequential)
            sendNext();
    }
}

void Exchange::onClosed()
{
    if (m_done)
        return;
    if (m_mode == Mode::NonReading || m_mode == Mode::Abandon)
        return; // the server may drop them; the hold timer ends the exchange
    if (m_socket->isOpen())
        m_in += m_socket->readAll();
    consume();
    if (m_done)
        return;
    if (m_mode == Mode::Garbage) {
        finish();
        return;
    }
    if (m_answered >= m_reqs.size()) {
        finish();
        return;
    }
    const Req& q = m_reqs.at(m_answered);
    if (m_closeAllowed || q.mayReset) {
        for (int i = m_answered; i < m_reqs.size(); ++i)
            m_driver.lost(m_reqs.at(i));
        finish();
        return;
    }
    fail(QStringLiteral("the connection closed without an answer to request %1 of %2").arg(m_answered + 1).arg(m_reqs.size()), m_answered, true);
}

void Exchange::fail(const QString& why, int request, bool timing)
{
    if (m_done)
        return;
    const int at = std::clamp(request, 0, static_cast<int>(m_reqs.size()) - 1);
    if (timing && m_driver.lagSince(m_startMs) >= kLagExcuseMs) {
        m_driver.excused();
        finish();
        m_socket->abort();
        return;
    }
    m_driver.violation(QStringLiteral("seed %1, exchange %2 (%3), request %4/%5 [%6]")
                           .arg(m_driver.seed())
                           .arg(m_index)
                           .arg(QLatin1String(modeName(m_mode)))
                           .arg(at + 1)
                           .arg(m_reqs.size())
                           .arg(m_reqs.at(at).label),
        why, m_reqs.at(at).bytes, m_in.mid(m_pos));
    finish();
    m_socket->abort();
}

void Exchange::finish()
{
    if (m_done)
        return;
    m_done = true;
    m_deadline.stop();
    m_driver.exchangeDone(this);
    deleteLater();
}

// ---- ImportJob ----------------------------------------------------------------------------

ImportJob::ImportJob(Driver& driver, Engine& engine, quint64 seed, const Pools& pools)
    : m_driver(driver)
    , m_engine(engine)
    , m_rng(seed)
{
    if (m_rng.chance(0.3))
        m_limits.maxInputBytes = m_rng.range(256, 4096);
    const qint64 maxLine = m_limits.maxInputBytes + 64 * 1024;
    JsonGen g(m_rng);
    static const Tokens none;
    RequestGen gen(m_rng, pools, none, 0);
    const int count = m_rng.range(20, 300);
    for (int i = 0; i < count; ++i) {
        const int roll = m_rng.range(0, 99);
        QByteArray line;
        if (roll < 5) {
            line = m_rng.pick(QList<QByteArray> { "", "   ", "\t", "# a comment", "#{\"model\":1}", " # indented comment", "\r" });
        } else if (roll < 7 && m_limits.maxInputBytes < 10'000) {
            line = QByteArray(maxLine + m_rng.range(0, 3000), m_rng.chance(0.5) ? 'x' : '#'); // longer than any task
        } else {
            // An unknown model refuses the whole chunk (as `submit` reports it): rare.
            Fields f = gen.taskFields(kImportModel);
            if (m_rng.chance(0.35)) {
                mutateFields(f, g, m_rng, std::min<int>(m_limits.maxInputBytes + 1000, 300'000));
                f.removeIf([](const Field& field) { return field.key == "model"; });
                put(f, "model",
                    m_rng.chance(0.995)     ? jsonString(kImportModel)
                        : m_rng.chance(0.5) ? g.value(1)
                                            : jsonString(QString::fromUtf8(m_rng.word(1, 10))));
            }
            line = render(f);
            if (m_rng.chance(0.15))
                line = mutateBytes(line, g, m_rng);
        }
        m_data += line;
        if (i + 1 < count || m_rng.chance(0.7))
            m_data += m_rng.chance(0.1) ? "\r\n" : "\n";
    }
    if (m_rng.chance(0.05))
        m_data.prepend("\xef\xbb\xbf");
    // The lines as the reader sees them: split at LF, the last one may lack it.
    qsizetype from = 0;
    while (from < m_data.size()) {
        const qsizetype eol = m_data.indexOf('\n', from);
        const qsizetype end = eol < 0 ? m_data.size() : eol + 1;
        const QByteArray piece = m_data.mid(from, end - from);
        const QByteArray trimmed = piece.trimmed();
        m_lines.append(piece);
        m_kinds.append(piece.size() > maxLine ? LineKind::Overlong : trimmed.isEmpty() || trimmed.startsWith('#') ? LineKind::Skip : LineKind::Other);
        from = end;
    }
    m_lineCount = m_lines.size();
    m_buffer.setData(m_data);
    m_buffer.open(QIODevice::ReadOnly);
    m_reader = std::make_unique<JsonlReader>(&m_buffer, m_limits);
}

void ImportJob::start()
{
    QTimer::singleShot(0, this, &ImportJob::step);
}

void ImportJob::fail(const QString& why)
{
    m_driver.violation(
        QStringLiteral("seed %1, JSONL import (%2 lines, max input %3 bytes)").arg(m_driver.seed()).arg(m_lineCount).arg(m_limits.maxInputBytes), why,
        m_data.left(400), {});
}

void ImportJob::step()
{
    if (m_reader->atEnd()) {
        finish();
        return;
    }
    const int maxTasks = 1 + m_rng.size(499);
    const JsonlReader::Chunk c = m_reader->next(maxTasks);
    if (c.specs.size() > maxTasks)
        fail(QStringLiteral("a chunk of %1 tasks where %2 were asked for").arg(c.specs.size()).arg(maxTasks));
    checkChunk(c);
    if (c.specs.isEmpty()) {
        QTimer::singleShot(0, this, &ImportJob::step);
        return;
    }
    const QList<TaskSpec> specs = c.specs;
    onResult(m_engine.submit(specs), this, [this, specs](const Result<QList<SubmitOutcome>>& r) { submitted(specs, r); });
}

void ImportJob::checkChunk(const JsonlReader::Chunk& c)
{
    if (c.lines.size() != c.specs.size())
        return fail(QStringLiteral("%1 line numbers for %2 tasks").arg(c.lines.size()).arg(c.specs.size()));
    for (qsizetype i = 0; i < c.specs.size(); ++i) {
        const qint64 line = c.lines.at(i);
        if (line < 1 || line > m_lineCount || m_accepted.contains(line) || m_refused.contains(line))
            return fail(QStringLiteral("task line %1 out of range or reported twice").arg(line));
        m_accepted.insert(line);
        // What was accepted reads back as itself.
        const TaskSpec& s = c.specs.at(i);
        const auto again = TaskSpec::fromJson(s.toJson(), {}, m_limits);
        if (!again) {
            fail(QStringLiteral("line %1: the accepted task's toJson() is refused: %2").arg(line).arg(again.error().toString()));
            continue;
        }
        if (const QStringList changed = specDifferences(s, *again, true); !changed.isEmpty())
            fail(QStringLiteral("line %1: the accepted task changes through toJson()/fromJson() in %2: %3")
                     .arg(line)
                     .arg(changed.join(QStringLiteral(", ")), QString::fromUtf8(QJsonDocument(s.toJson()).toJson(QJsonDocument::Compact).left(300))));
    }
    for (qsizetype i = 1; i < c.lines.size(); ++i)
        if (c.lines.at(i) <= c.lines.at(i - 1))
            return fail(QStringLiteral("task lines out of order"));
    for (const JsonlError& e : c.errors) {
        if (e.line < 1 || e.line > m_lineCount || m_accepted.contains(e.line) || m_refused.contains(e.line))
            return fail(QStringLiteral("error line %1 out of range or reported twice").arg(e.line));
        if (e.error.code != ErrorCode::InvalidArgument || e.error.message.isEmpty())
            return fail(QStringLiteral("line %1: an error that is not an input error: %2").arg(e.line).arg(e.error.toString()));
        if (!e.toString().startsWith(QStringLiteral("line %1: ").arg(e.line)))
            return fail(QStringLiteral("an error that does not name its line: ") + e.toString());
        m_refused.insert(e.line);
    }
    for (const JsonlError& e : c.errors)
        m_lastLine = std::max(m_lastLine, e.line);
    if (!c.lines.isEmpty())
        m_lastLine = std::max(m_lastLine, c.lines.constLast());
}

void ImportJob::submitted(const QList<TaskSpec>& specs, const Result<QList<SubmitOutcome>>& r)
{
    if (!r) {
        const ErrorCode code = r.error().code;
        if (code != ErrorCode::InvalidArgument && code != ErrorCode::NotFound && code != ErrorCode::Conflict && code != ErrorCode::CapacityExceeded)
            fail(QStringLiteral("a chunk of %1 tasks refused with a non-input error: %2").arg(specs.size()).arg(r.error().toString()));
        m_driver.noteRefusal(r.error().toString());
        m_driver.noteImport(0, specs.size(), 1, 0);
        QTimer::singleShot(0, this, &ImportJob::step);
        return;
    }
    if (r->size() != specs.size()) {
        fail(QStringLiteral("%1 outcomes for %2 submitted tasks").arg(r->size()).arg(specs.size()));
        QTimer::singleShot(0, this, &ImportJob::step);
        return;
    }
    m_driver.noteImport(specs.size(), 0, 1, 0);
    // Read one or two back from the store: stored as submitted.
    QList<int> picks;
    for (int i = 0; i < 2; ++i) {
        const int at = m_rng.range(0, static_cast<int>(specs.size()) - 1);
        if (!r->at(at).duplicate && !picks.contains(at))
            picks.append(at);
    }
    if (picks.isEmpty()) {
        QTimer::singleShot(0, this, &ImportJob::step);
        return;
    }
    m_pending = static_cast<int>(picks.size());
    for (int at : std::as_const(picks)) {
        const TaskSpec s = specs.at(at);
        const QString id = r->at(at).id.toString();
        const qint64 asked = m_driver.clockMs();
        onResult(m_engine.task(id), this, [this, s, id, asked](const Result<Task>& t) {
            if (!t && t.error().code == ErrorCode::NotFound && m_driver.lastPurgeMs() >= asked - 10'000) {
                // Dead at once (a deadline in the past) and purged by a fuzzed request meanwhile.
            } else if (!t) {
                fail(QStringLiteral("task %1 was acknowledged but does not read back: %2").arg(id, t.error().toString()));
            } else {
                const TaskSpec& a = t->spec;
                if (const QStringList changed = specDifferences(s, a, false); !changed.isEmpty())
                    fail(QStringLiteral("task %1 reads back different (%2) from what was submitted: %3 vs %4")
                             .arg(id, changed.join(QStringLiteral(", ")),
                                 QString::fromUtf8(QJsonDocument(s.toJson()).toJson(QJsonDocument::Compact).left(300)),
                                 QString::fromUtf8(QJsonDocument(a.toJson()).toJson(QJsonDocument::Compact).left(300))));
                m_driver.noteImport(0, 0, 0, 1);
            }
            if (--m_pending == 0)
                step();
        });
    }
}

void ImportJob::finish()
{
    if (m_done)
        return;
    m_done = true;
    // Every line is a task, an error or skipped, exactly once.
    for (qsizetype i = 0; i < m_kinds.size(); ++i) {
        const qint64 line = i + 1;
        const bool reported = m_accepted.contains(line) || m_refused.contains(line);
        const LineKind k = m_kinds.at(i);
        if (k == LineKind::Skip && reported) {
            fail(QStringLiteral("line %1 (blank or a comment) was reported").arg(line));
            break;
        }
        if (k == LineKind::Overlong && !m_refused.contains(line)) {
            fail(QStringLiteral("line %1 (%2 bytes, over the line limit) was not refused").arg(line).arg(m_lines.at(i).size()));
            break;
        }
        if (k == LineKind::Other && !reported) {
            fail(QStringLiteral("line %1 was neither imported nor refused: %2").arg(line).arg(QString::fromLatin1(printable(m_lines.at(i), 120))));
            break;
        }
        if (k == LineKind::Other && !m_refused.contains(line)) {
            QJsonParseError e {};
            const QJsonDocument d = QJsonDocument::fromJson(m_lines.at(i).trimmed(), &e);
            if (e.error != QJsonParseError::NoError || !d.isObject()) {
                fail(QStringLiteral("line %1 is not a JSON object and was imported").arg(line));
                break;
            }
        }
    }
    if (m_reader->linesRead() != m_lineCount)
        fail(QStringLiteral("the reader counted %1 lines of %2").arg(m_reader->linesRead()).arg(m_lineCount));
    m_driver.importDone(this);
}

// ---- Driver -------------------------------------------------------------------------------

void Driver::violation(const QString& where, const QString& why, const QByteArray& request, const QByteArray& received)
{
    ++m_violations;
    if (m_violations > m_options.maxViolationsShown)
        return;
    std::fprintf(stderr, "VIOLATION %lld: %s: %s\n  request:  %s\n  received: %s\n", static_cast<long long>(m_violations), qPrintable(where),
        qPrintable(why), printable(request).constData(), printable(received).constData());
}

void Driver::record(const Req& q, int status)
{
    RouteStats& s = m_routes[q.label];
    ++s.statuses[status];
}

// What any answer to q must be; empty when it is.
QString Driver::check(const Req& q, const Parsed& p)
{
    if (!q.expect.contains(p.status)) {
        QList<int> allowed = q.expect.values();
        std::sort(allowed.begin(), allowed.end());
        QStringList names;
        for (int s : allowed)
            names.append(QString::number(s));
        return QStringLiteral("status %1 where %2 %3")
            .arg(p.status)
            .arg(q.precise ? QStringLiteral("the request decides") : QStringLiteral("the route allows"), names.join(QLatin1Char(',')));
    }
    if (p.status >= 500 && p.status != 502 && p.status != 503 && p.status != 505 && p.status != 501)
        return QStringLiteral("a server error");
    const QByteArray type = p.header("content-type").toLower();
    if (!p.body.isEmpty() && type.isEmpty())
        return QStringLiteral("a body without Content-Type");
    const bool eventStream = type.startsWith("text/event-stream");
    if (eventStream && !q.stream && !q.facadeStream)
        return QStringLiteral("an event stream from a route that has none");
    if (q.stream && p.status == 200 && !eventStream)
        return QStringLiteral("an event stream route answering 200 without text/event-stream");
    if (eventStream) {
        if (q.facadeStream && q.namedEvents) {
            // Named events; the last one ends the message or response.
            QByteArray last;
            for (const QByteArray& line : p.body.split('\n')) {
                if (line.startsWith("event: "))
                    last = line.mid(7);
                else if (line.startsWith("data: ") && !QJsonDocument::fromJson(line.mid(6)).isObject())
                    return QStringLiteral("a facade stream event that is not a JSON object");
            }
            static const QList<QByteArray> ends = { "message_stop", "error", "response.completed", "response.incomplete", "response.failed" };
            if (!ends.contains(last))
                return QStringLiteral("a facade stream whose last event (%1) ends nothing").arg(QString::fromLatin1(last));
        } else if (q.facadeStream) {
            if (!p.body.endsWith("data: [DONE]\n\n"))
                return QStringLiteral("a facade stream that does not end with data: [DONE]");
            for (const QByteArray& event : p.body.split('\n'))
                if (event.startsWith("data: ") && event != "data: [DONE]" && !QJsonDocument::fromJson(event.mid(6)).isObject())
                    return QStringLiteral("a facade stream event that is not a JSON object");
        }
        return {};
    }
    if (p.status == 204 && p.count("content-length") > 0)
        return QStringLiteral("204 with Content-Length (RFC 9110 8.6: a server must not send it)");
    if (type.startsWith("application/json") && !q.head && p.status != 204) {
        QJsonParseError e {};
        const QJsonDocument d = QJsonDocument::fromJson(p.body, &e);
        if (e.error != QJsonParseError::NoError)
            return QStringLiteral("a JSON answer that does not parse: ") + e.errorString();
        if (p.status >= 400) {
            const QJsonObject error = d.object().value(QLatin1String("error")).toObject();
            if (!error.value(QLatin1String("message")).isString())
                return QStringLiteral("an error answer without error.message");
        }
    }
    if (p.status == 401 && p.header("www-authenticate").isEmpty())
        return QStringLiteral("401 without WWW-Authenticate");
    if (p.status == 405 && p.header("allow").isEmpty())
        return QStringLiteral("405 without Allow");
    if ((p.status == 429 || p.status == 503) && p.header("retry-after").isEmpty())
        return QStringLiteral("%1 without Retry-After").arg(p.status);
    return {};
}

void Driver::learn(const Req& q, const Parsed& p)
{
    if (p.status != 201 && p.status != 200 && p.status != 202)
        return;
    const QJsonObject o = QJsonDocument::fromJson(p.body).object();
    if (q.label == QLatin1String("POST /api/v1/tasks")) {
        if (o.contains(QLatin1String("id")))
            m_pools.addTask(o.value(QLatin1String("id")).toString());
        for (const QJsonValue& t : o.value(QLatin1String("tasks")).toArray())
            m_pools.addTask(t.toObject().value(QLatin1String("id")).toString());
    } else if (q.label == QLatin1String("POST /v1/files") && o.value(QLatin1String("id")).toString().startsWith(QLatin1String("file-"))) {
        if (m_pools.fileIds.size() < 200)
            m_pools.fileIds.append(o.value(QLatin1String("id")).toString());
    } else if (q.label == QLatin1String("POST /v1/batches") && o.value(QLatin1String("id")).toString().startsWith(QLatin1String("batch_"))) {
        if (m_pools.batchIds.size() < 200)
            m_pools.batchIds.append(o.value(QLatin1String("id")).toString());
    } else if (q.label == QLatin1String("POST /v1/messages/batches")
        && o.value(QLatin1String("id")).toString().startsWith(QLatin1String("msgbatch_"))) {
        if (m_pools.messageBatchIds.size() < 200)
            m_pools.messageBatchIds.append(o.value(QLatin1String("id")).toString());
    } else if (q.label == QLatin1String("POST /api/v1/webhooks") && o.value(QLatin1String("id")).toString().startsWith(QLatin1String("wh_"))) {
        if (m_pools.webhookIds.size() < 100)
            m_pools.webhookIds.append(o.value(QLatin1String("id")).toString());
    } else if (q.label == QLatin1String("POST /api/v1/webhooks/{id}/ping")
        && o.value(QLatin1String("id")).toString().startsWith(QLatin1String("dlv_"))) {
        if (m_pools.deliveryIds.size() < 200)
            m_pools.deliveryIds.append(o.value(QLatin1String("id")).toString());
    } else if (q.label == QLatin1String("POST /api/v1/schedules") && o.value(QLatin1String("id")).toString().startsWith(QLatin1String("sch_"))) {
        if (m_pools.scheduleIds.size() < 200)
            m_pools.scheduleIds.append(o.value(QLatin1String("id")).toString());
    } else if (q.label == QLatin1String("POST /api/v1/workflows") && o.value(QLatin1String("id")).toString().startsWith(QLatin1String("wf_"))) {
        if (m_pools.workflowIds.size() < 200)
            m_pools.workflowIds.append(o.value(QLatin1String("id")).toString());
    } else if (q.label == QLatin1String("POST /v1/responses") && o.value(QLatin1String("id")).toString().startsWith(QLatin1String("resp_"))) {
        if (m_pools.responseIds.size() < 500)
            m_pools.responseIds.append(o.value(QLatin1String("id")).toString());
    } else if (q.label == QLatin1String("POST /api/v1/tokens") && p.status == 201) {
        m_pools.tokenIds.append(o.value(QLatin1String("id")).toString());
        m_pools.tokenSecrets.append(o.value(QLatin1String("token")).toString().toLatin1());
    } else if (q.label == QLatin1String("POST /api/v1/models") && p.status == 201) {
        const QString name = o.value(QLatin1String("name")).toString();
        if (!m_pools.models.contains(name) && m_pools.models.size() < 40)
            m_pools.models.append(name);
    }
}

bool Driver::more() const
{
    if (m_options.minutes > 0) {
        if (m_passClock.elapsed() >= static_cast<qint64>(m_options.minutes * 60'000))
            return false;
        return m_options.requests <= 0 || m_issued < m_options.requests;
    }
    return m_issued < m_options.requests;
}

void Driver::runPass(quint64 seed)
{
    m_seed = seed;
    m_index = 0;
    m_issued = 0;
    if (!m_runClock.isValid()) {
        m_runClock.start();
        m_ticker.setInterval(kTickMs);
        connect(&m_ticker, &QTimer::timeout, this, [this] {
            const qint64 now = m_runClock.elapsed();
            const qint64 lag = now - m_lastTickMs - kTickMs;
            m_lastTickMs = now;
            m_maxLagMs = std::max(m_maxLagMs, lag);
            if (lag > 500 && m_lags.size() < 10'000)
                m_lags.append({ now, lag });
        });
        m_ticker.start();
    }
    m_passClock.start();
    std::printf("fuzz_rest: seed %llu: %s\n", static_cast<unsigned long long>(seed),
        m_options.minutes > 0 ? qPrintable(QStringLiteral("%1 minutes").arg(m_options.minutes))
                              : qPrintable(QStringLiteral("%1 requests").arg(m_options.requests)));
    std::fflush(stdout);
    QEventLoop loop;
    m_loop = &loop;
    // A pause whose resume was never read (a client that left): facade calls
    // would wait for it. Resume directly.
    QTimer resumer;
    resumer.setInterval(200);
    connect(&resumer, &QTimer::timeout, this, [this] {
        if (m_engine.snapshot()->paused)
            m_engine.setPaused(false);
    });
    resumer.start();
    QTimer::singleShot(0, this, [this] { pump(); });
    loop.exec();
    m_loop = nullptr;
    std::printf("fuzz_rest: seed %llu done: %lld requests in %lld ms\n", static_cast<unsigned long long>(seed), static_cast<long long>(m_issued),
        static_cast<long long>(m_passClock.elapsed()));
    std::fflush(stdout);
}

// Resident memory at a quiet moment (no client connected, free memory given
// back to the system: glibc keeps it otherwise), less SQLite's heap, whose
// page caches fill as the store grows: what grows beyond those is held by
// the server, the engine or the fuzzer.
qint64 Driver::quietRssKiB()
{
#if defined(__GLIBC__)
    if (!kSanitized)
        malloc_trim(0);
#endif
    m_lastSqliteKiB = sqliteKiB();
    m_lastRssKiB = rssKiB();
    return m_lastRssKiB - m_lastSqliteKiB;
}

void Driver::pump()
{
    const qint64 now = m_runClock.elapsed();
    // A measuring point: the warm-up's end, then (long form) every minute.
    if (!m_measureDue && m_rssBaselineKiB < 0 && m_issuedTotal >= kWarmupRequests)
        m_measureDue = true;
    if (!m_measureDue && m_rssBaselineKiB >= 0 && m_options.minutes > 0 && now - m_lastRssCheckMs >= 60'000)
        m_measureDue = true;
    if (!m_measureDue)
        while (more() && m_active < m_options.concurrency)
            launch();
    const bool idle = m_active == 0 && m_holders == 0 && m_waiters == 0 && !m_import;
    if (!idle || !m_loop)
        return;
    if (m_measureDue) {
        m_measureDue = false;
        m_lastRssCheckMs = now;
        const qint64 rss = quietRssKiB();
        if (m_rssBaselineKiB < 0) {
            m_rssBaselineKiB = rss;
            m_waitingAtBaseline = waitingTasks();
            std::printf("fuzz_rest: after the warm-up (%lld requests): RSS %.1f MiB, of which SQLite %.1f MiB; %lld tasks waiting\n",
                static_cast<long long>(m_issuedTotal), static_cast<double>(m_lastRssKiB) / 1024, static_cast<double>(m_lastSqliteKiB) / 1024,
                static_cast<long long>(m_waitingAtBaseline));
        } else {
            std::printf("fuzz_rest: %lld min: %lld requests, RSS %.1f MiB, of which SQLite %.1f MiB: the rest +%.1f MiB; %lld tasks waiting, "
                        "%lld violation(s)\n",
                static_cast<long long>(now / 60'000), static_cast<long long>(m_issuedTotal), static_cast<double>(m_lastRssKiB) / 1024,
                static_cast<double>(m_lastSqliteKiB) / 1024, static_cast<double>(rss - m_rssBaselineKiB) / 1024,
                static_cast<long long>(waitingTasks()), static_cast<long long>(m_violations));
            checkRss(rss);
        }
        std::fflush(stdout);
        QTimer::singleShot(0, this, [this] { pump(); });
        return;
    }
    if (!more())
        m_loop->quit();
}

qint64 Driver::waitingTasks() const
{
    const auto s = m_engine.snapshot();
    qint64 n = 0;
    for (TaskState st : { TaskState::Queued, TaskState::Scheduled, TaskState::Blocked, TaskState::RetryWait, TaskState::Running })
        n += s->states[static_cast<int>(st)];
    return n;
}

// The bound: rssBoundMiB, plus kBytesPerWaitingTask for each task more left waiting than at the warm-up.
qint64 Driver::rssAllowanceKiB() const
{
    return m_options.rssBoundMiB * 1024 + std::max<qint64>(0, waitingTasks() - m_waitingAtBaseline) * kBytesPerWaitingTask / 1024;
}

void Driver::checkRss(qint64 rssKiBNow)
{
    m_rssGrowthKiB = std::max(m_rssGrowthKiB, rssKiBNow - m_rssBaselineKiB);
    if (!kSanitized && rssKiBNow - m_rssBaselineKiB > rssAllowanceKiB())
        violation(QStringLiteral("memory"),
            QStringLiteral("RSS grew %1 MiB after the warm-up (allowed: %2 MiB with %3 more tasks waiting)")
                .arg((rssKiBNow - m_rssBaselineKiB) / 1024)
                .arg(rssAllowanceKiB() / 1024)
                .arg(waitingTasks() - m_waitingAtBaseline),
            {}, {});
}

void Driver::launch()
{
    const qint64 index = m_index++;
    const quint64 seed = splitmix(m_seed ^ splitmix(static_cast<quint64>(index) + 1));
    Rng r(seed);
    RequestGen gen(r, m_pools, m_tokens, m_port);
    ++m_exchanges;

    if (!m_import && index % 40 == 7) {
        m_import = new ImportJob(*this, m_engine, seed ^ 0x1234, m_pools);
        ++m_importJobs;
        m_importLines += m_import->lines();
        m_import->start();
    }

    QList<Req> reqs;
    Mode mode = Mode::Pipelined;
    int deadline = m_options.timeoutMs;
    const int roll = r.range(0, 99);
    if (index % 50 == 0) {
        mode = Mode::Health;
        reqs.append(gen.health());
    } else if (roll < 55) {
        reqs.append(gen.route(r.range(0, kRouteCount - 1)));
    } else if (roll < 70 || (roll < 73 && m_holders >= 3) || (roll >= 80 && roll < 83 && m_waiters >= 12)
        || (roll >= 89 && roll < 95 && m_waiters >= 12)) {
        mode = r.chance(0.7) ? Mode::Pipelined : Mode::Sequential;
        const int n = r.range(2, 6);
        for (int i = 0; i < n; ++i) {
            Req q = r.chance(0.2) ? gen.health() : gen.route(r.range(0, kRouteCount - 1));
            reqs.append(q);
            if (q.closes || q.stream || q.mayReset)
                break; // nothing can be read behind these
            if (q.head)
                reqs.append(gen.health()); // a HEAD answer with a body would show as junk before this one
        }
    } else if (roll < 73) {
        mode = Mode::NonReading;
        const int n = r.range(20, 80);
        for (int i = 0; i < n; ++i)
            reqs.append(gen.nonReadingPiece());
        deadline = kRequestTimeoutMs + 1500; // the hold
    } else if (roll < 80) {
        mode = Mode::Slow;
        Req q = gen.route(r.range(0, kRouteCount - 1));
        reqs.append(q);
        if (!q.closes && !q.stream && !q.mayReset)
            reqs.append(gen.health());
    } else if (roll < 83) {
        mode = Mode::Stall;
        reqs.append(gen.stalled());
        deadline = kRequestTimeoutMs + 3000 + m_options.timeoutMs;
    } else if (roll < 89) {
        mode = Mode::Abandon;
        const int pick = r.chance(0.5) ? routeIndex("POST", "/v1/chat/completions") : r.range(0, kRouteCount - 1);
        reqs.append(gen.route(pick));
    } else if (roll < 95) {
        mode = Mode::Garbage;
        Req q;
        q.label = QStringLiteral("(raw bytes)");
        q.bytes = gen.garbage();
        q.expect = kBeforeRouting;
        for (int i = 0; i < kRouteCount; ++i)
            q.expect += handlerStatuses(kRoutes[i]);
        q.closes = true;
        q.mayReset = true;
        reqs.append(q);
        deadline = kRequestTimeoutMs + kIdleTimeoutMs + m_options.timeoutMs;
    } else if (roll < 97) {
        mode = Mode::Oversize;
        reqs.append(gen.oversized());
    } else {
        // An event stream, on its own.
        Req q = gen.route(routeIndex("GET", "/api/v1/events"));
        reqs.append(q);
    }
    // A pause pipelined with a resume behind it, so facade calls are not left waiting.
    for (qsizetype i = 0; i < reqs.size(); ++i) {
        if (reqs.at(i).pause && mode != Mode::Abandon && mode != Mode::NonReading) {
            Req resume;
            resume.bytes = "POST /api/v1/system/resume HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + m_tokens.admin + "\r\n\r\n";
            resume.expect = { 200 };
            resume.precise = true;
            resume.label = QStringLiteral("POST /api/v1/system/resume");
            if (!reqs.at(i).closes && !reqs.at(i).mayReset)
                reqs.insert(i + 1, resume);
            break;
        }
    }
    // A client that never reads counts as one request against the budget
    // (its requests are listed per route, as lost).
    for (const Req& q : std::as_const(reqs)) {
        ++m_routes[q.label].tried;
        if (q.label == QLatin1String("POST /api/v1/dead-letters/purge"))
            m_lastPurgeMs = m_runClock.elapsed();
    }
    const qint64 counted = mode == Mode::NonReading ? 1 : reqs.size();
    m_issued += counted;
    m_issuedTotal += counted;
    m_unread += mode == Mode::NonReading ? reqs.size() : 0;
    ++m_modes[QString::fromLatin1(modeName(mode))];
    auto* e = new Exchange(*this, index, mode, reqs, deadline, seed ^ 0x5eed);
    ++(e->slot() == Exchange::Slot::Busy ? m_active : e->slot() == Exchange::Slot::Waiting ? m_waiters : m_holders);
    e->setParent(this);
    e->start(m_port);
}

void Driver::exchangeDone(Exchange* e)
{
    --(e->slot() == Exchange::Slot::Busy ? m_active : e->slot() == Exchange::Slot::Waiting ? m_waiters : m_holders);
    QTimer::singleShot(0, this, [this] { pump(); });
}

void Driver::importDone(ImportJob* job)
{
    if (job == m_import)
        m_import = nullptr;
    job->deleteLater();
    QTimer::singleShot(0, this, [this] { pump(); });
}

Parsed Driver::fetch(const QByteArray& request, QByteArray* raw)
{
    QTcpSocket socket;
    QByteArray data;
    Parsed p;
    QEventLoop loop;
    QTimer timeout;
    timeout.setSingleShot(true);
    connect(&timeout, &QTimer::timeout, &loop, &QEventLoop::quit);
    connect(&socket, &QTcpSocket::connected, &loop, [&] { socket.write(request); });
    connect(&socket, &QTcpSocket::readyRead, &loop, [&] {
        data += socket.readAll();
        p = parseResponse(data, 0, false, false);
        if (p.state != Parsed::NeedMore)
            loop.quit();
    });
    connect(&socket, &QTcpSocket::disconnected, &loop, &QEventLoop::quit);
    connect(&socket, &QTcpSocket::errorOccurred, &loop, &QEventLoop::quit);
    socket.connectToHost(QHostAddress::LocalHost, m_port);
    timeout.start(m_options.timeoutMs);
    loop.exec();
    if (raw)
        *raw = data;
    socket.abort();
    return p;
}

QList<Parsed> Driver::fetchAll(const QByteArray& requests, const QList<bool>& heads, QByteArray* rest, const QByteArray& later)
{
    QTcpSocket socket;
    QByteArray data;
    qsizetype pos = 0;
    QList<Parsed> answers;
    QEventLoop loop;
    QTimer timeout;
    timeout.setSingleShot(true);
    connect(&timeout, &QTimer::timeout, &loop, &QEventLoop::quit);
    connect(&socket, &QTcpSocket::connected, &loop, [&] {
        socket.write(requests);
        if (!later.isEmpty())
            QTimer::singleShot(100, &socket, [&] { socket.write(later); });
    });
    connect(&socket, &QTcpSocket::readyRead, &loop, [&] {
        data += socket.readAll();
        while (answers.size() < heads.size()) {
            const Parsed p = parseResponse(data, pos, heads.at(answers.size()), false);
            if (p.state == Parsed::NeedMore)
                return;
            answers.append(p);
            if (p.state == Parsed::Invalid)
                break;
            pos = p.end;
        }
        loop.quit();
    });
    connect(&socket, &QTcpSocket::disconnected, &loop, &QEventLoop::quit);
    socket.connectToHost(QHostAddress::LocalHost, m_port);
    timeout.start(m_options.timeoutMs);
    loop.exec();
    *rest = data.mid(pos);
    socket.abort();
    return answers;
}

// Fixed requests for the defects the fuzzer found (docs/reliability.md, "Fuzz").
bool Driver::regressionProbes()
{
    const qint64 before = m_violations;
    const auto expect = [this](const char* name, const QByteArray& requests, const QList<bool>& heads, const QList<int>& statuses,
                            const std::function<QString(const QList<Parsed>&)>& more = {}, const QByteArray& later = {}) {
        QByteArray rest;
        const QList<Parsed> answers = fetchAll(requests, heads, &rest, later);
        QString why;
        for (qsizetype i = 0; i < statuses.size() && why.isEmpty(); ++i) {
            if (i >= answers.size())
                why = QStringLiteral("answer %1 missing").arg(i + 1);
            else if (answers.at(i).state != Parsed::Complete)
                why = QStringLiteral("answer %1 invalid: %2").arg(i + 1).arg(answers.at(i).error);
            else if (answers.at(i).status != statuses.at(i))
                why = QStringLiteral("answer %1 is %2, not %3").arg(i + 1).arg(answers.at(i).status).arg(statuses.at(i));
        }
        if (why.isEmpty() && !rest.isEmpty())
            why = QStringLiteral("bytes after the last answer");
        if (why.isEmpty() && more)
            why = more(answers);
        if (!why.isEmpty())
            violation(QStringLiteral("regression probe: %1").arg(QLatin1String(name)), why, requests, rest);
    };
    const QByteArray health = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    const QByteArray auth = "Authorization: Bearer " + m_tokens.admin + "\r\n";

    // A HEAD answer has no body (it had one: the next answer on the connection was read from the middle of it).
    expect("HEAD answers without a body",
        "HEAD /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\nHEAD /nowhere HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\nhead /api/v1/tasks HTTP/1.1\r\nHost: "
        "127.0.0.1\r\n"
            + auth + "\r\n" + health,
        { true, true, true, false }, { 405, 404, 405, 200 }, [](const QList<Parsed>& a) {
            return a.at(0).header("content-length").toLongLong() > 0 ? QString() : QStringLiteral("HEAD answer without the length of its body");
        });

    // A 204 has no Content-Length (RFC 9110 8.6).
    ModelConfig probe;
    probe.name = QStringLiteral("fz-probe");
    EndpointConfig sim;
    sim.name = QStringLiteral("sim");
    probe.endpoints.append(sim);
    auto added = m_engine.upsertModel(probe);
    added.waitForFinished();
    expect("204 without Content-Length", "DELETE /api/v1/models/fz-probe HTTP/1.1\r\nHost: 127.0.0.1\r\n" + auth + "\r\n" + health, { false, false },
        { 204, 200 },
        [](const QList<Parsed>& a) { return a.at(0).count("content-length") == 0 ? QString() : QStringLiteral("204 with Content-Length"); });

    // Unpaired surrogates are refused with the field named (the store changed them: "a\ud800b" came back as "a\U00010062").
    const auto submit = [&](const QByteArray& extra) -> QByteArray {
        const QByteArray body
            = "{\"model\":\"fz-a\",\"input\":{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]},\"run_at\":\"2099-01-01T00:00:00Z\"," + extra
            + "}";
        return "POST /api/v1/tasks HTTP/1.1\r\nHost: 127.0.0.1\r\n" + auth
            + "Content-Type: application/json\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\n\r\n" + body;
    };
    const auto field = [](const char* name) {
        return [name](const QList<Parsed>& a) {
            const QString f
                = QJsonDocument::fromJson(a.at(0).body).object().value(QLatin1String("error")).toObject().value(QLatin1String("field")).toString();
            return f == QLatin1String(name) ? QString() : QStringLiteral("the error names '%1', not %2").arg(f, QLatin1String(name));
        };
    };
    expect("unpaired high surrogate refused", submit("\"session_key\":\"a\\ud800b\""), { false }, { 422 }, field("session_key"));
    expect("unpaired low surrogate refused", submit("\"tags\":[\"ok\",\"x\\udc00\"]"), { false }, { 422 }, field("tags[1]"));
    expect("surrogate pair kept", submit("\"session_key\":\"\\ud83d\\ude00!\",\"idempotency_key\":\"\\ud83d\\ude00\""), { false }, { 201 },
        [this](const QList<Parsed>& a) -> QString {
            const QString id = QJsonDocument::fromJson(a.at(0).body).object().value(QLatin1String("id")).toString();
            auto read = m_engine.task(id);
            read.waitForFinished();
            const Result<Task> t = read.result();
            const QString smile = QString::fromUtf8("\xf0\x9f\x98\x80");
            if (!t)
                return QStringLiteral("the task does not read back: ") + t.error().toString();
            return t->spec.sessionKey == smile + QLatin1Char('!') && t->spec.idempotencyKey == smile
                ? QString()
                : QStringLiteral("stored as '%1' / '%2'").arg(t->spec.sessionKey, t->spec.idempotencyKey);
        });
    // Times before 1970 are refused (they meant "not set" further on: a deadline in 1960 was none).
    expect("deadline before 1970 refused", submit("\"deadline\":\"1960-01-01T00:00:00Z\""), { false }, { 422 }, field("deadline"));
    expect("run_at before 1970 refused",
        submit("\"delay_ms\":0,\"parent\":null,\"session_key\":\"s\",\"tags\":[]").replace("2099-01-01", "1969-12-31"), { false }, { 422 },
        field("run_at"));

    // A latency the simulator cannot wait for is refused (3e9 ms wrapped to a negative timer: the call never answered).
    const QByteArray model = "{\"endpoints\":[{\"name\":\"s\",\"provider\":\"simulated\",\"simulation\":{\"latency_ms\":3000000000}}]}";
    expect("simulated latency over an hour refused",
        "PUT /api/v1/models/fz-probe HTTP/1.1\r\nHost: 127.0.0.1\r\n" + auth
            + "Content-Type: application/json\r\nContent-Length: " + QByteArray::number(model.size()) + "\r\n\r\n" + model,
        { false }, { 422 }, field("endpoints[0].simulation.latency_ms"));
    // HTTP/1.0 has no 100 Continue: the expectation is ignored (RFC 9110 10.1.1). The body follows 100 ms
    // after the head, so a server that answers the expectation does so first.
    expect("no 100 Continue for HTTP/1.0", "GET /health HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n", { false }, { 200 }, {}, "{}");
    std::printf("fuzz_rest: regression probes: %s\n", m_violations == before ? "pass" : "FAIL");
    return m_violations == before;
}

bool Driver::finalChecks()
{
    const qint64 before = m_violations;
    // The server still answers.
    QByteArray raw;
    const Parsed health = fetch("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", &raw);
    if (health.state != Parsed::Complete || health.status != 200)
        violation(QStringLiteral("after the run"), QStringLiteral("/health does not answer 200"), "GET /health", raw);

    // Every connection is counted out once the clients are gone; no 5xx the route may not give.
    const QByteArray metrics = "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + m_tokens.viewer + "\r\n\r\n";
    static const QRegularExpression openRe(QStringLiteral("^llmsched_http_connections_open (\\d+)$"), QRegularExpression::MultilineOption);
    qint64 open = -1;
    Parsed m;
    QElapsedTimer waited;
    waited.start();
    while (true) {
        m = fetch(metrics, &raw);
        const auto match = openRe.match(QString::fromUtf8(m.body));
        open = match.hasMatch() ? match.captured(1).toLongLong() : -1;
        if ((open >= 0 && open <= 1) || waited.elapsed() > 15'000)
            break;
        QEventLoop pause; // a poll interval, the loop keeps running
        QTimer::singleShot(100, &pause, &QEventLoop::quit);
        pause.exec();
    }
    if (m.state != Parsed::Complete || m.status != 200)
        violation(QStringLiteral("after the run"), QStringLiteral("/metrics does not answer 200"), metrics, raw);
    else if (open < 0 || open > 1)
        violation(
            QStringLiteral("after the run"), QStringLiteral("%1 connections still counted open 15 s after every client left").arg(open), metrics, {});
    static const QRegularExpression countRe(
        QStringLiteral("^llmsched_http_request_duration_seconds_count\\{route=\"([^\"]*)\",code=\"(\\d+)\"\\} (\\d+)$"),
        QRegularExpression::MultilineOption);
    qint64 serverAnswers = 0;
    for (auto it = countRe.globalMatch(QString::fromUtf8(m.body)); it.hasNext();) {
        const auto match = it.next();
        const QString route = match.captured(1);
        const int code = match.captured(2).toInt();
        const qint64 n = match.captured(3).toLongLong();
        serverAnswers += n;
        const bool facade = route.startsWith(QLatin1String("POST /v1/"));
        const bool secret = route.contains(QLatin1String("/secrets/"));
        if (code >= 500 && !((facade && (code == 502 || code == 503)) || (secret && code == 503)))
            violation(QStringLiteral("server-side counters"), QStringLiteral("%1 answers %2 on %3").arg(n).arg(code).arg(route), metrics, {});
    }
    static const QRegularExpression droppedRe(
        QStringLiteral("^llmsched_http_slow_clients_dropped_total (\\d+)$"), QRegularExpression::MultilineOption);
    const auto dropped = droppedRe.match(QString::fromUtf8(m.body));
    std::printf("fuzz_rest: after the run: /health %d, connections open %lld, answers counted by the server %lld, slow clients dropped %s\n",
        health.status, static_cast<long long>(open), static_cast<long long>(serverAnswers),
        dropped.hasMatch() ? qPrintable(dropped.captured(1)) : "?");

    // Memory, at rest, against the warm-up.
    if (m_rssBaselineKiB >= 0) {
        const qint64 end = quietRssKiB();
        checkRss(end);
        std::printf("fuzz_rest: RSS at the end %.1f MiB, of which SQLite %.1f MiB; the rest %.1f MiB after the warm-up, %.1f MiB now: "
                    "growth %.1f MiB with %lld more tasks waiting (bound %lld MiB + %lld B per waiting task = %.1f MiB%s)\n",
            static_cast<double>(m_lastRssKiB) / 1024, static_cast<double>(m_lastSqliteKiB) / 1024, static_cast<double>(m_rssBaselineKiB) / 1024,
            static_cast<double>(end) / 1024, static_cast<double>(end - m_rssBaselineKiB) / 1024,
            static_cast<long long>(waitingTasks() - m_waitingAtBaseline), static_cast<long long>(m_options.rssBoundMiB),
            static_cast<long long>(kBytesPerWaitingTask), static_cast<double>(rssAllowanceKiB()) / 1024,
            kSanitized ? ", not enforced under ASan: its quarantine holds freed memory" : "");
    } else {
        std::printf("fuzz_rest: too few requests for a warm-up (%lld): RSS not checked\n", static_cast<long long>(kWarmupRequests));
    }
    return m_violations == before;
}

void Driver::printSummary() const
{
    std::printf("\n%-52s %7s %6s  statuses\n", "route", "tried", "lost");
    qint64 tried = 0;
    for (auto it = m_routes.cbegin(); it != m_routes.cend(); ++it) {
        QStringList statuses;
        for (auto s = it->statuses.cbegin(); s != it->statuses.cend(); ++s)
            statuses.append(QStringLiteral("%1:%2").arg(s.key()).arg(s.value()));
        std::printf("%-52s %7lld %6lld  %s\n", qPrintable(it.key()), static_cast<long long>(it->tried), static_cast<long long>(it->lost),
            qPrintable(statuses.join(QLatin1Char(' '))));
        tried += it->tried;
    }
    QStringList modes;
    for (auto it = m_modes.cbegin(); it != m_modes.cend(); ++it)
        modes.append(QStringLiteral("%1 %2").arg(it.key()).arg(it.value()));
    std::printf("\nfuzz_rest: %lld requests (%lld of them from clients that never read) in %lld exchanges (%s) in %.1f s\n",
        static_cast<long long>(tried), static_cast<long long>(m_unread), static_cast<long long>(m_exchanges),
        qPrintable(modes.join(QStringLiteral(", "))), static_cast<double>(m_runClock.elapsed()) / 1000.0);
    std::printf("fuzz_rest: JSONL import: %lld jobs, %lld lines, %lld chunks, %lld tasks accepted, %lld refused with their chunk, %lld read back\n",
        static_cast<long long>(m_importJobs), static_cast<long long>(m_importLines), static_cast<long long>(m_importChunks),
        static_cast<long long>(m_importAccepted), static_cast<long long>(m_importRefused), static_cast<long long>(m_importReadBack));
    for (const QString& why : m_refusals)
        std::printf("fuzz_rest: JSONL import: a chunk refused: %s\n", qPrintable(why));
    std::printf("fuzz_rest: this client's event loop stalled up to %lld ms; %lld late answers or closes excused by such stalls\n",
        static_cast<long long>(m_maxLagMs), static_cast<long long>(m_excused));
    std::printf("fuzz_rest: %lld violation(s)\n", static_cast<long long>(m_violations));
}

} // namespace

int main(int argc, char** argv)
{
    // No keychain for this process: the secrets routes must not touch the
    // keychain of whoever runs the fuzzer (they answer 503 here, quickly).
    qputenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/llmsched-fuzz");
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("fuzz_rest"));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Fuzzes the REST server, the OpenAI facade and the JSONL import in process."));
    parser.addHelpOption();
    parser.addOption(
        { QStringLiteral("requests"), QStringLiteral("Requests per seed (default 2000; with --minutes: a cap, 0 = none)."), QStringLiteral("N") });
    parser.addOption({ QStringLiteral("seed"), QStringLiteral("A seed, or 'time' for one taken from the clock; repeatable (one pass each)."),
        QStringLiteral("S") });
    parser.addOption({ QStringLiteral("minutes"), QStringLiteral("Run each pass for this long (the long form)."), QStringLiteral("M") });
    parser.addOption({ QStringLiteral("concurrency"), QStringLiteral("Clients in flight (default 6)."), QStringLiteral("N") });
    parser.addOption(
        { QStringLiteral("timeout-ms"), QStringLiteral("How long an answer may take (default 20000, 60000 under ASan)."), QStringLiteral("MS") });
    parser.addOption(
        { QStringLiteral("rss-bound-mib"), QStringLiteral("Allowed RSS growth after the warm-up (default 64)."), QStringLiteral("MIB") });
    parser.process(app);

    Options options;
    if (parser.isSet(QStringLiteral("minutes"))) {
        options.minutes = parser.value(QStringLiteral("minutes")).toDouble();
        options.requests = 0;
    }
    if (parser.isSet(QStringLiteral("requests")))
        options.requests = parser.value(QStringLiteral("requests")).toLongLong();
    if (parser.isSet(QStringLiteral("concurrency")))
        options.concurrency = std::max(1, parser.value(QStringLiteral("concurrency")).toInt());
    if (parser.isSet(QStringLiteral("timeout-ms")))
        options.timeoutMs = std::max(1000, parser.value(QStringLiteral("timeout-ms")).toInt());
    if (parser.isSet(QStringLiteral("rss-bound-mib")))
        options.rssBoundMiB = parser.value(QStringLiteral("rss-bound-mib")).toLongLong();
    for (const QString& s : parser.values(QStringLiteral("seed"))) {
        if (s == QLatin1String("time")) {
            options.seeds.append(static_cast<quint64>(QDateTime::currentMSecsSinceEpoch()) % 1'000'000'000ULL);
        } else {
            bool ok = false;
            options.seeds.append(s.toULongLong(&ok));
            if (!ok) {
                std::fprintf(stderr, "fuzz_rest: --seed takes a number or 'time'\n");
                return 2;
            }
        }
    }
    if (options.seeds.isEmpty())
        options.seeds.append(static_cast<quint64>(QDateTime::currentMSecsSinceEpoch()) % 1'000'000'000ULL);
    if (options.requests <= 0 && options.minutes <= 0) {
        std::fprintf(stderr, "fuzz_rest: give --requests N or --minutes M\n");
        return 2;
    }

    QTemporaryDir dir;
    if (!dir.isValid()) {
        std::fprintf(stderr, "fuzz_rest: no temporary directory\n");
        return 2;
    }
    EngineOptions eo;
    eo.dataDir = dir.path();
    eo.randomSeed = static_cast<quint32>(options.seeds.constFirst());
    eo.payloadBudgetBytes = 8LL * 1024 * 1024; // payloads of queued tasks beyond this stay in the store
    Engine engine(eo);
    if (const VoidResult r = engine.start(); !r) {
        std::fprintf(stderr, "fuzz_rest: the engine did not start: %s\n", qPrintable(r.error().toString()));
        return 2;
    }
    const auto wait = [](auto future) {
        future.waitForFinished();
        return future.result();
    };
    const auto simModel = [](const QString& name, double latencyMs, double failureRate) {
        ModelConfig m;
        m.name = name;
        m.concurrency = 8;
        m.retry.maxAttempts = 2;
        m.retry.initialDelayMs = 10;
        m.retry.maxDelayMs = 50;
        EndpointConfig e;
        e.name = QStringLiteral("sim");
        e.simulation.latencyMs = latencyMs;
        e.simulation.failureRate = failureRate;
        m.endpoints.append(e);
        return m;
    };
    for (const ModelConfig& m : { simModel(kFacadeModel, 0, 0), simModel(kImportModel, 0, 0), simModel(QStringLiteral("fz-a"), 0, 0),
             simModel(QStringLiteral("fz-b"), 2, 0.5), simModel(QStringLiteral("fz-c"), 0, 0) }) {
        if (const auto r = wait(engine.upsertModel(m)); !r) {
            std::fprintf(stderr, "fuzz_rest: model %s: %s\n", qPrintable(m.name), qPrintable(r.error().toString()));
            return 2;
        }
    }
    Tokens tokens;
    const auto token = [&](const char* name, Role role) {
        const auto t = wait(engine.createToken(QString::fromLatin1(name), role));
        if (!t)
            qFatal("fuzz_rest: token: %s", qPrintable(t.error().toString()));
        tokens.ids.append(t->token.id);
        return t->secret.toLatin1();
    };
    tokens.viewer = token("fuzz-viewer", Role::Viewer);
    tokens.operatorToken = token("fuzz-operator", Role::Operator);
    tokens.admin = token("fuzz-admin", Role::Admin);

    ApiOptions ao;
    ao.address = QHostAddress(QHostAddress::LocalHost);
    ao.port = 0;
    ao.maxBodyBytes = kMaxBodyBytes;
    ao.requestTimeoutMs = kRequestTimeoutMs;
    ao.idleTimeoutMs = kIdleTimeoutMs;
    auto host = std::make_unique<ApiHost>(engine, ao);
    const Result<quint16> port = host->start();
    if (!port) {
        std::fprintf(stderr, "fuzz_rest: the REST server did not start: %s\n", qPrintable(port.error().toString()));
        return 2;
    }

    // The fuzzer knows every route the server serves (a new route must be added here).
    bool covered = true;
    QSet<QString> known;
    for (const Route& r : kRoutes)
        known.insert(r.label());
    for (const QString& r : host->routeList()) {
        if (!known.remove(r)) {
            std::fprintf(stderr, "fuzz_rest: the server serves %s, which the fuzzer does not know: add it to kRoutes\n", qPrintable(r));
            covered = false;
        }
    }
    for (const QString& r : std::as_const(known)) {
        std::fprintf(stderr, "fuzz_rest: kRoutes has %s, which the server does not serve\n", qPrintable(r));
        covered = false;
    }

    std::printf("fuzz_rest: engine on %s, REST on 127.0.0.1:%u, %d routes, body limit %lld, request timeout %d ms%s\n", qPrintable(dir.path()),
        static_cast<unsigned>(*port), kRouteCount, static_cast<long long>(kMaxBodyBytes), kRequestTimeoutMs, kSanitized ? ", ASan" : "");
    Driver driver(engine, *port, tokens, options);
    driver.regressionProbes();
    for (quint64 seed : std::as_const(options.seeds))
        driver.runPass(seed);
    driver.finalChecks();
    driver.printSummary();

    host.reset(); // the server before the engine it listens to
    engine.shutdown(0);

    QStringList seeds;
    for (quint64 s : std::as_const(options.seeds))
        seeds.append(QStringLiteral("--seed %1").arg(s));
    const bool ok = covered && driver.violations() == 0;
    std::printf("fuzz_rest: %s; reproduce: fuzz_rest %s %s\n", ok ? "PASS" : "FAIL",
        options.minutes > 0 ? qPrintable(QStringLiteral("--minutes %1").arg(options.minutes))
                            : qPrintable(QStringLiteral("--requests %1").arg(options.requests)),
        qPrintable(seeds.join(QLatin1Char(' '))));
    return ok ? 0 : 1;
}
