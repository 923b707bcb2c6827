#include "httpexchange.h"

#include "httpclientpool.h"

#include "core/retrypolicy.h"
#include "core/secrets.h"
#include "core/timeutil.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkRequest>

#include <QCoro/QCoroSignal>

#include <algorithm>
#include <cmath>

namespace llmsched {

namespace {
constexpr qsizetype kMaxSseLine = 8 * 1024 * 1024;
constexpr int kMaxErrorText = 400;

QString clip(QString s)
{
    s = s.simplified();
    if (s.size() > kMaxErrorText)
        s = s.left(kMaxErrorText) + QStringLiteral("…");
    return s;
}

// Where the bytes of an answer go, whichever client received them: into the
// body (bounded) or, for a streamed 2xx answer, through the SSE parser to the
// sink. Returns false when the exchange must be aborted (too large, rejected).
class BodyReceiver
{
public:
    BodyReceiver(HttpOutcome& out, const SseSink& sink, qint64 maxBodyBytes)
        : m_out(out)
        , m_sink(sink)
        , m_maxBodyBytes(maxBodyBytes)
    {
    }
    void setStatus(int status) { m_streaming = m_sink && status >= 200 && status < 300; }
    bool streaming() const { return m_streaming; }
    bool stopped() const { return m_out.tooLarge || m_out.sinkRejected; }

    bool receive(const QByteArray& chunk)
    {
        if (stopped())
            return false;
        if (!m_streaming) {
            if (m_out.body.size() + chunk.size() > m_maxBodyBytes) {
                m_out.tooLarge = true;
                return false;
            }
            m_out.body += chunk;
            return true;
        }
        m_events.clear();
        m_parser.feed(chunk, m_events);
        for (const SseEvent& e : m_events) {
            QString error;
            if (!m_sink(e, &error)) {
                m_out.sinkRejected = true;
                m_out.sinkError = error;
                return false;
            }
        }
        if (m_parser.pendingBytes() > kMaxSseLine) {
            m_out.sinkRejected = true;
            m_out.sinkError = QStringLiteral("an event-stream line is longer than 8 MiB");
            return false;
        }
        return true;
    }
    void finish()
    {
        if (m_streaming && !m_out.aborted && !stopped())
            m_parser.finish();
    }

private:
    HttpOutcome& m_out;
    const SseSink& m_sink;
    qint64 m_maxBodyBytes;
    SseParser m_parser;
    std::vector<SseEvent> m_events;
    bool m_streaming = false;
};
} // namespace

bool HttpOutcome::transportFailed() const
{
    // Network-layer errors are 1..199 in QNetworkReply::NetworkError; HTTP
    // statuses come as 200+ codes with the status attribute set.
    const int e = static_cast<int>(error);
    return status == 0 || (e > 0 && e < 200);
}

QByteArray HttpOutcome::header(const QByteArray& lowerName) const
{
    for (const auto& [name, value] : headers)
        if (name.compare(lowerName, Qt::CaseInsensitive) == 0)
            return value;
    return {};
}

std::optional<qint64> parseRetryAfter(const QByteArray& retryAfter, const QByteArray& retryAfterMs, qint64 nowMs)
{
    bool ok = false;
    if (!retryAfterMs.isEmpty()) {
        const double ms = retryAfterMs.trimmed().toDouble(&ok);
        if (ok && ms >= 0 && std::isfinite(ms))
            return std::min<qint64>(kMaxRetryAfterMs, static_cast<qint64>(std::ceil(ms)));
    }
    const QByteArray v = retryAfter.trimmed();
    if (v.isEmpty())
        return std::nullopt;
    const double seconds = v.toDouble(&ok);
    if (ok && seconds >= 0 && std::isfinite(seconds))
        return std::min<qint64>(kMaxRetryAfterMs, static_cast<qint64>(std::ceil(seconds * 1000)));
    const QDateTime when = QDateTime::fromString(QString::fromLatin1(v), Qt::RFC2822Date);
    if (when.isValid())
        return std::clamp<qint64>(when.toMSecsSinceEpoch() - nowMs, 0, kMaxRetryAfterMs);
    return std::nullopt;
}

QString upstreamErrorText(const QByteArray& body)
{
    QJsonParseError err {};
    const QJsonDocument doc = QJsonDocument::fromJson(body, &err);
    if (err.error == QJsonParseError::NoError && doc.isObject()) {
        const QJsonObject o = doc.object();
        const QJsonValue e = o.value(QLatin1String("error"));
        if (e.isObject()) {
            const QString m = e.toObject().value(QLatin1String("message")).toString();
            if (!m.isEmpty())
                return clip(m);
        }
        if (e.isString())
            return clip(e.toString());
        const QString m = o.value(QLatin1String("message")).toString();
        if (!m.isEmpty())
            return clip(m);
    }
    return clip(QString::fromUtf8(body));
}

CallResult malformed(const QString& endpoint, const QString& what, const QByteArray& body, const QByteArray& secret)
{
    QString start = QString::fromUtf8(body.left(160)).simplified();
    if (body.size() > 160)
        start += QStringLiteral("…");
    return CallResult::failed(
        FailureKind::MalformedResponse, redactSecret(QStringLiteral("%1: malformed answer: %2; body starts: %3").arg(endpoint, what, start), secret));
}

CallResult failureFrom(const HttpOutcome& o, const CallControl& control, const QString& endpoint, const QByteArray& secret)
{
    if (o.aborted || control.isAborted())
        return CallResult::failed(
            control.abortReason() == FailureKind::None ? FailureKind::Cancelled : control.abortReason(), QStringLiteral("aborted"));
    if (o.tooLarge)
        return CallResult::failed(FailureKind::MalformedResponse, QStringLiteral("%1: the answer is larger than the limit").arg(endpoint));
    if (o.sinkRejected)
        return malformed(endpoint, o.sinkError, {}, secret);
    if (o.transportFailed()) {
        QString what = o.errorString.isEmpty() ? QStringLiteral("connection failed") : o.errorString;
        if (o.status > 0)
            what = QStringLiteral("the connection broke after HTTP %1 headers: %2").arg(o.status).arg(what);
        CallResult r = CallResult::failed(FailureKind::Connection, redactSecret(QStringLiteral("%1: %2").arg(endpoint, what), secret));
        return r;
    }
    CallResult r = CallResult::failed(FailureKind::HttpStatus,
        redactSecret(QStringLiteral("%1: HTTP %2: %3").arg(endpoint).arg(o.status).arg(upstreamErrorText(o.body)), secret), o.status);
    r.retryAfterMs = o.retryAfterMs;
    return r;
}

namespace {
// The cleartext path: Http1Pool on the engine thread.
QCoro::Task<HttpOutcome> http1Exchange(HttpClientPool& pool, HttpRequestSpec spec, std::shared_ptr<CallControl> control, SseSink sink)
{
    HttpOutcome out;
    QElapsedTimer clock;
    clock.start();
    auto call = std::make_shared<Http1Call>();
    call->method = spec.method;
    call->host = spec.url.host();
    call->address = spec.connectAddress;
    call->port = static_cast<quint16>(spec.url.port(80));
    call->target = spec.url.path(QUrl::FullyEncoded).toLatin1();
    if (call->target.isEmpty())
        call->target = QByteArrayLiteral("/");
    if (spec.url.hasQuery())
        call->target += '?' + spec.url.query(QUrl::FullyEncoded).toLatin1();
    call->headers = std::move(spec.headers);
    call->body = std::move(spec.body);

    BodyReceiver body(out, sink, spec.maxBodyBytes);
    Http1Call* raw = call.get();
    call->onHeaders = [&body](Http1Call& c) { body.setStatus(c.status); };
    call->onData = [&body, raw](Http1Call&, const QByteArray& chunk) {
        if (!body.stopped() && !body.receive(chunk))
            raw->abort();
    };
    QObject::connect(control.get(), &CallControl::aborted, raw, [&out, raw] {
        out.aborted = true;
        raw->abort();
    });
    pool.http1().send(call);
    if (!call->done)
        co_await qCoro(raw, &Http1Call::finished);
    control->disconnect(raw);
    call->onData = {};
    call->onHeaders = {};
    body.finish();
    out.status = call->status;
    out.headers = call->responseHeaders;
    if (call->failed && !out.tooLarge && !out.sinkRejected && !out.aborted) {
        out.error = call->connectFailed ? QNetworkReply::ConnectionRefusedError : QNetworkReply::RemoteHostClosedError;
        out.errorString
            = call->connectFailed ? QStringLiteral("cannot connect to %1:%2: %3").arg(call->host).arg(call->port).arg(call->error) : call->error;
    }
    if (out.status == 429 || out.status == 503 || out.status == 529)
        out.retryAfterMs = parseRetryAfter(out.header("retry-after"), out.header("retry-after-ms"), nowMs());
    if (control->isAborted())
        out.aborted = true;
    out.elapsedMs = clock.elapsed();
    co_return out;
}
} // namespace

QCoro::Task<HttpOutcome> httpExchange(HttpClientPool& pool, HttpRequestSpec spec, std::shared_ptr<CallControl> control, SseSink sink)
{
    HttpOutcome out;
    if (control->isAborted()) {
        out.aborted = true;
        co_return out;
    }
    if (spec.url.scheme() == QLatin1String("http") && pool.cleartextDirect())
        co_return co_await http1Exchange(pool, std::move(spec), std::move(control), std::move(sink));
    QElapsedTimer clock;
    clock.start();
    QNetworkRequest request(spec.url);
    for (const auto& [name, value] : spec.headers)
        request.setRawHeader(name, value);
    request.setAttribute(QNetworkRequest::CacheLoadControlAttribute, QNetworkRequest::AlwaysNetwork);
    request.setAttribute(QNetworkRequest::CacheSaveControlAttribute, false);
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);

    QNetworkAccessManager* nam = pool.acquire(spec.url);
    QNetworkReply* reply = spec.body.isEmpty() && spec.method == "GET" ? nam->get(request) : nam->sendCustomRequest(request, spec.method, spec.body);
    BodyReceiver body(out, sink, spec.maxBodyBytes);
    bool sawStatus = false;
    const auto onData = [&] {
        if (out.aborted || body.stopped())
            return;
        if (!sawStatus) {
            sawStatus = true;
            body.setStatus(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt());
        }
        if (!body.receive(reply->readAll()))
            reply->abort();
    };
    QObject::connect(reply, &QNetworkReply::readyRead, reply, onData);
    QObject::connect(control.get(), &CallControl::aborted, reply, [&out, reply] {
        out.aborted = true;
        reply->abort();
    });
    if (!reply->isFinished())
        co_await qCoro(reply, &QNetworkReply::finished);
    onData();
    body.finish();

    out.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    out.error = reply->error();
    if (out.error != QNetworkReply::NoError)
        out.errorString = reply->errorString();
    out.http2 = reply->attribute(QNetworkRequest::Http2WasUsedAttribute).toBool();
    for (const auto& pair : reply->rawHeaderPairs())
        out.headers.append(pair);
    if (out.status == 429 || out.status == 503 || out.status == 529)
        out.retryAfterMs = parseRetryAfter(reply->rawHeader("Retry-After"), reply->rawHeader("retry-after-ms"), nowMs());
    out.elapsedMs = clock.elapsed();
    if (control->isAborted())
        out.aborted = true;
    reply->disconnect();
    control->disconnect(reply);
    reply->deleteLater();
    if (out.http2)
        pool.noteHttp2(spec.url);
    pool.release(nam, spec.url);
    co_return out;
}

} // namespace llmsched
