#pragma once

#include "httpserver.h"

#include "core/apitoken.h"
#include "core/result.h"

#include <QJsonObject>
#include <QJsonValue>
#include <QStringList>

#include <memory>
#include <optional>
#include <type_traits>

namespace llmsched {

class ApiServer;
struct ApiRoute;

// The HTTP status an engine error is answered with.
int httpStatusFor(ErrorCode code);
// JSON without whitespace, for answers and event-stream lines.
QByteArray compactJson(const QJsonValue& value);

// The shape errors take: {"error": {"code", "message", "field"}} on the
// native API, OpenAI's {"error": {"message", "type", "param", "code"}} on /v1,
// Anthropic's {"type": "error", "error": {"type", "message"}} on /v1/messages,
// so each API's SDKs read them as they read the original's.
enum class ErrorShape : quint8 { Native, OpenAi, Anthropic };
// OpenAI's error type for a status (invalid_request_error, authentication_error, ...).
QString openAiErrorTypeFor(int status);

// One request from routing until it is answered. Handlers share it with the
// continuations of the engine calls they make; whatever answers first wins,
// later answers are dropped. Every answer is counted (and, on an audited
// route, audited) by the server, which is why answers go through here and not
// straight to the HttpReply.
struct ApiCall
{
    ApiServer* server = nullptr;
    HttpRequest request;
    std::shared_ptr<HttpReply> reply;
    const ApiRoute* route = nullptr; // null until routed
    QStringList params; // the route's {parameters}, percent-decoded, in order
    std::optional<ApiToken> token;
    HttpHeaders cors; // for an allowed Origin: added to every answer
    qint64 startNs = 0;
    QString summary; // what the request did, for the audit log

    QString param(int i) const { return params.value(i); }

    void answer(
        int status, const QByteArray& body, const QByteArray& contentType = QByteArrayLiteral("application/json"), const HttpHeaders& extra = {});
    void answerJson(int status, const QJsonValue& body, const HttpHeaders& extra = {});
    ErrorShape errorShape() const; // from the path
    // An error in the shape of the API the path belongs to.
    void answerError(int status, const QString& code, const QString& message, const QString& field = {}, const HttpHeaders& extra = {});
    // An engine error with its status (and Retry-After when waiting helps).
    void answerError(const Error& e);
    // Starts a chunked answer (server-sent events); counted when it starts,
    // since it may never end.
    void beginStream(int status, const QByteArray& contentType, const HttpHeaders& extra);

    // The body as JSON; answers 415/400 and returns nothing when it is not.
    std::optional<QJsonValue> body();
    std::optional<QJsonObject> bodyObject();
    // No body at all counts as {} (optional parameters).
    std::optional<QJsonObject> optionalBodyObject();
};

using CallPtr = std::shared_ptr<ApiCall>;

// Answers an engine call's result: its error, or `status` with toJson(value)
// (toJson() for a VoidResult).
template <typename T, typename ToJson> void answerResult(const CallPtr& c, const Result<T>& r, ToJson&& toJson, int status = 200)
{
    if (!r)
        return c->answerError(r.error());
    if constexpr (std::is_void_v<T>)
        c->answerJson(status, toJson());
    else
        c->answerJson(status, toJson(*r));
}

// ?limit= of a list: fallback when absent; nothing (answered 400) when not 1..max.
std::optional<int> queryLimit(const CallPtr& c, int fallback, int max);

// Answers an engine call's result: its error, or 204 without a body.
template <typename T> void answerNoContent(const CallPtr& c, const Result<T>& r)
{
    if (!r)
        return c->answerError(r.error());
    c->answer(204, {});
}

} // namespace llmsched
