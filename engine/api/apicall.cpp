#include "apicall.h"

#include "core/httpstatus.h"

#include "apiserver.h"

#include "core/anthropicdialect.h"

#include <QJsonArray>
#include <QJsonDocument>

namespace llmsched {

int httpStatusFor(ErrorCode code)
{
    switch (code) {
    case ErrorCode::InvalidArgument:
        return http::UnprocessableEntity;
    case ErrorCode::NotFound:
        return http::NotFound;
    case ErrorCode::Conflict:
        return http::Conflict;
    case ErrorCode::CapacityExceeded:
        return http::TooManyRequests;
    case ErrorCode::PayloadTooLarge:
        return http::PayloadTooLarge;
    case ErrorCode::Unavailable:
        return http::ServiceUnavailable;
    case ErrorCode::StoreError:
        return http::ServiceUnavailable;
    case ErrorCode::Internal:
        return http::InternalServerError;
    }
    return http::InternalServerError;
}

QByteArray compactJson(const QJsonValue& v)
{
    if (v.isObject())
        return QJsonDocument(v.toObject()).toJson(QJsonDocument::Compact);
    if (v.isArray())
        return QJsonDocument(v.toArray()).toJson(QJsonDocument::Compact);
    return QJsonDocument(QJsonArray { v }).toJson(QJsonDocument::Compact).mid(1).chopped(1);
}

void ApiCall::answer(int status, const QByteArray& body, const QByteArray& contentType, const HttpHeaders& extra)
{
    if (reply->answered())
        return;
    if (!cors.isEmpty()) {
        reply->send(status, body, contentType, extra + cors);
        server->recordRequest(*this, status);
        return;
    }
    reply->send(status, body, contentType, extra);
    server->recordRequest(*this, status);
}

void ApiCall::answerJson(int status, const QJsonValue& body, const HttpHeaders& extra)
{
    answer(status, compactJson(body), QByteArrayLiteral("application/json"), extra);
}

ErrorShape ApiCall::errorShape() const
{
    if (request.path.startsWith(QLatin1String("/v1/messages")))
        return ErrorShape::Anthropic;
    if (request.path.startsWith(QLatin1String("/v1/")))
        return ErrorShape::OpenAi;
    return ErrorShape::Native;
}

QString openAiErrorTypeFor(int status)
{
    if (status == http::Unauthorized)
        return QStringLiteral("authentication_error");
    if (status == http::Forbidden)
        return QStringLiteral("permission_error");
    if (status == http::TooManyRequests)
        return QStringLiteral("rate_limit_error");
    return status >= 500 ? QStringLiteral("server_error") : QStringLiteral("invalid_request_error");
}

void ApiCall::answerError(int status, const QString& code, const QString& message, const QString& field, const HttpHeaders& extra)
{
    const QJsonValue fieldValue = field.isEmpty() ? QJsonValue() : QJsonValue(field);
    switch (errorShape()) {
    case ErrorShape::Anthropic:
        return answerJson(status, anthropic::errorBody(status, message), extra);
    case ErrorShape::OpenAi:
        return answerJson(status,
            QJsonObject { { QStringLiteral("error"),
                QJsonObject { { QStringLiteral("message"), message }, { QStringLiteral("type"), openAiErrorTypeFor(status) },
                    { QStringLiteral("param"), fieldValue }, { QStringLiteral("code"), code.isEmpty() ? QJsonValue() : QJsonValue(code) } } } },
            extra);
    case ErrorShape::Native:
        break;
    }
    const QJsonObject error { { QStringLiteral("code"), code }, { QStringLiteral("message"), message }, { QStringLiteral("field"), fieldValue } };
    answerJson(status, QJsonObject { { QStringLiteral("error"), error } }, extra);
}

void ApiCall::answerError(const Error& e)
{
    HttpHeaders extra;
    if (e.code == ErrorCode::CapacityExceeded)
        extra.append({ QByteArrayLiteral("Retry-After"), QByteArrayLiteral("1") });
    if (e.code == ErrorCode::Unavailable || e.code == ErrorCode::StoreError)
        extra.append({ QByteArrayLiteral("Retry-After"), QByteArrayLiteral("5") });
    answerError(httpStatusFor(e.code), errorCodeName(e.code), e.message, e.field, extra);
}

void ApiCall::beginStream(int status, const QByteArray& contentType, const HttpHeaders& extra)
{
    reply->beginStream(status, contentType, extra + cors);
    server->recordRequest(*this, status);
}

std::optional<QJsonValue> ApiCall::body()
{
    const QByteArray type = request.header("content-type").toLower();
    if (!type.startsWith("application/json")) {
        answerError(
            http::UnsupportedMediaType, QStringLiteral("unsupported_media_type"), QStringLiteral("send the body as Content-Type: application/json"));
        return std::nullopt;
    }
    QJsonParseError err {};
    const QJsonDocument doc = QJsonDocument::fromJson(request.body, &err);
    if (err.error != QJsonParseError::NoError) {
        answerError(http::BadRequest, QStringLiteral("invalid_json"),
            QStringLiteral("the body is not valid JSON: %1 at offset %2").arg(err.errorString()).arg(err.offset));
        return std::nullopt;
    }
    if (doc.isObject())
        return QJsonValue(doc.object());
    return QJsonValue(doc.array());
}

std::optional<QJsonObject> ApiCall::bodyObject()
{
    auto v = body();
    if (!v)
        return std::nullopt;
    if (!v->isObject()) {
        answerError(http::BadRequest, QStringLiteral("invalid_json"), QStringLiteral("the body must be a JSON object"));
        return std::nullopt;
    }
    return v->toObject();
}

std::optional<QJsonObject> ApiCall::optionalBodyObject()
{
    return request.body.isEmpty() ? std::optional<QJsonObject>(QJsonObject {}) : bodyObject();
}

std::optional<int> queryLimit(const CallPtr& c, int fallback, int max)
{
    const QString text = c->request.query.queryItemValue(QStringLiteral("limit"));
    if (text.isEmpty())
        return fallback;
    bool ok = false;
    const int limit = text.toInt(&ok);
    if (!ok || limit < 1 || limit > max) {
        c->answerError(http::BadRequest, {}, QStringLiteral("limit must be an integer 1..%1").arg(max), QStringLiteral("limit"));
        return std::nullopt;
    }
    return limit;
}

} // namespace llmsched
