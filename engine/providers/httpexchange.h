#pragma once

#include "provider.h"
#include "sseparser.h"

#include <QByteArray>
#include <QHostAddress>
#include <QList>
#include <QNetworkReply>
#include <QPair>
#include <QUrl>

#include <functional>
#include <optional>

namespace llmsched {

class HttpClientPool;

using HeaderList = QList<QPair<QByteArray, QByteArray>>;

struct HttpRequestSpec
{
    QByteArray method = QByteArrayLiteral("POST");
    QUrl url;
    QHostAddress connectAddress; // set: connect here, not to a fresh DNS answer for url's host (a checked destination)
    HeaderList headers;
    QByteArray body;
    bool stream = false; // read a 2xx body as server-sent events, handing each to the sink
    qint64 maxBodyBytes = 64LL * 1024 * 1024;
};

struct HttpOutcome
{
    int status = 0; // 0: no HTTP answer
    QByteArray body; // the whole body (for streams: only when the answer was not 2xx)
    HeaderList headers;
    QNetworkReply::NetworkError error = QNetworkReply::NoError;
    QString errorString;
    std::optional<qint64> retryAfterMs;
    bool aborted = false; // the engine aborted it (control->abortReason() says why)
    bool tooLarge = false;
    bool sinkRejected = false; // the sink refused an event (malformed stream)
    QString sinkError;
    bool http2 = false;
    qint64 elapsedMs = 0;

    bool transportFailed() const; // no complete HTTP answer
    QByteArray header(const QByteArray& lowerName) const;
};

// Called for each server-sent event of a streaming 2xx answer. Returning false
// (with a message in *error) aborts the exchange as malformed.
using SseSink = std::function<bool(const SseEvent& event, QString* error)>;

// One HTTP request through the pool: aborts when control does, collects the
// body (bounded) or feeds its SSE events to the sink as they arrive.
QCoro::Task<HttpOutcome> httpExchange(HttpClientPool& pool, HttpRequestSpec spec, std::shared_ptr<CallControl> control, SseSink sink = {});

// Retry-After as seconds, HTTP date, or the retry-after-ms header some APIs send.
std::optional<qint64> parseRetryAfter(const QByteArray& retryAfter, const QByteArray& retryAfterMs, qint64 nowMs);

// Turns a failed exchange into a CallResult with an operator-readable message:
// which endpoint, what happened, the upstream's own error text (secrets redacted).
CallResult failureFrom(const HttpOutcome& outcome, const CallControl& control, const QString& endpoint, const QByteArray& secret);

// "upstream answered HTTP 200 with malformed JSON (...): <start of body>".
CallResult malformed(const QString& endpoint, const QString& what, const QByteArray& body, const QByteArray& secret);

// The upstream's error message from a JSON error body ({"error":{"message":..}},
// {"error":"..."}, {"message":..}), else the start of the body as text.
QString upstreamErrorText(const QByteArray& body);

} // namespace llmsched
