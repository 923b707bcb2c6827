#include "httptaskprovider.h"

#include "core/echolimits.h"

#include "core/secrets.h"

#include "destinationpolicy.h"

#include "core/httpheaders.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace llmsched {

HeaderList HttpTaskProvider::authHeaders(const QByteArray& key) const
{
    if (key.isEmpty())
        return {};
    return { { QByteArrayLiteral("Authorization"), QByteArrayLiteral("Bearer ") + key } };
}

QUrl HttpTaskProvider::healthUrl() const
{
    if (m_config.healthPath.isEmpty() || m_config.baseUrl.isEmpty())
        return {};
    return endpointUrl(m_config.healthPath);
}

QCoro::Task<CallResult> HttpTaskProvider::call(CallRequest request, std::shared_ptr<CallControl> control)
{
    if (request.kind != TaskKind::Http)
        co_return CallResult::failed(FailureKind::Configuration,
            QStringLiteral("%1: endpoints with provider \"http\" run http tasks, not %2").arg(name(), taskKindName(request.kind)));
    const QJsonObject in = QJsonDocument::fromJson(request.input).object();
    const QString urlText = in.value(QLatin1String("url")).toString();
    QUrl url(urlText, QUrl::StrictMode);
    const QUrl base(m_config.baseUrl);
    if (url.isRelative()) {
        if (m_config.baseUrl.isEmpty())
            co_return CallResult::failed(FailureKind::Configuration,
                QStringLiteral("%1: url '%2' is relative and the endpoint has no base_url").arg(name(), urlText.left(kEchoUrlChars)));
        url = endpointUrl(urlText.startsWith(QLatin1Char('/')) ? urlText : QLatin1Char('/') + urlText);
    }
    if (!url.isValid() || (url.scheme() != QLatin1String("http") && url.scheme() != QLatin1String("https")) || url.host().isEmpty())
        co_return CallResult::failed(
            FailureKind::Configuration, QStringLiteral("%1: url '%2' is not an http(s) URL").arg(name(), urlText.left(kEchoUrlChars)));
    if (!url.userInfo().isEmpty())
        co_return CallResult::failed(
            FailureKind::Configuration, QStringLiteral("%1: url '%2' holds credentials; use headers").arg(name(), url.host()));

    QByteArray method = in.value(QLatin1String("method")).toString().toUpper().toLatin1();
    const QJsonValue bodyValue = in.value(QLatin1String("body"));
    if (method.isEmpty())
        method = bodyValue.isUndefined() || bodyValue.isNull() ? QByteArrayLiteral("GET") : QByteArrayLiteral("POST");
    if (!httpheaders::isTaskMethod(method))
        co_return CallResult::failed(
            FailureKind::Configuration, QStringLiteral("%1: method must be one of GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS").arg(name()));

    const DestinationPolicy policy(base, m_config.allowedHosts);
    if (auto refused = policy.checkOrigin(url))
        co_return CallResult::failed(FailureKind::Configuration, QStringLiteral("%1: refused: %2").arg(name(), *refused));
    const auto address = co_await policy.resolve(url, control);
    if (control->isAborted())
        co_return CallResult::failed(control->abortReason(), QStringLiteral("%1: stopped while resolving %2").arg(name(), url.host()));
    if (!address)
        co_return CallResult::failed(address.error().code == ErrorCode::Unavailable ? FailureKind::Connection : FailureKind::Configuration,
            QStringLiteral("%1: %2%3")
                .arg(name(), address.error().code == ErrorCode::Unavailable ? QString() : QStringLiteral("refused: "), address.error().message));

    QByteArray secret;
    HttpRequestSpec spec;
    spec.method = method;
    spec.url = url;
    spec.connectAddress = *address;
    if (!m_config.apiKeyRef.isEmpty() && !base.isEmpty() && DestinationPolicy::sameOrigin(url, base)) {
        auto k = co_await key();
        if (!k)
            co_return CallResult::failed(FailureKind::Configuration, QStringLiteral("%1: %2").arg(name(), k.error().message));
        secret = *k;
        spec.headers = authHeaders(secret);
    }
    const QJsonObject headers = in.value(QLatin1String("headers")).toObject();
    bool hasContentType = false;
    for (auto it = headers.constBegin(); it != headers.constEnd(); ++it) {
        if (it.key().compare(QLatin1String("authorization"), Qt::CaseInsensitive) == 0 && !secret.isEmpty())
            continue; // the endpoint's key wins
        const QByteArray headerName = it.key().toUtf8();
        const QByteArray headerValue = it.value().toString().toUtf8();
        // Refused at submit; tasks stored before that check are refused here.
        if (auto problem = httpheaders::problem(headerName, headerValue))
            co_return CallResult::failed(
                FailureKind::Configuration, QStringLiteral("%1: header '%2' %3").arg(name(), it.key().left(kEchoNameChars), *problem));
        hasContentType = hasContentType || it.key().compare(QLatin1String("content-type"), Qt::CaseInsensitive) == 0;
        spec.headers.append({ headerName, headerValue });
    }
    if (bodyValue.isString()) {
        spec.body = bodyValue.toString().toUtf8();
    } else if (bodyValue.isObject() || bodyValue.isArray()) {
        spec.body = bodyValue.isObject() ? QJsonDocument(bodyValue.toObject()).toJson(QJsonDocument::Compact)
                                         : QJsonDocument(bodyValue.toArray()).toJson(QJsonDocument::Compact);
        if (!hasContentType)
            spec.headers.append({ QByteArrayLiteral("Content-Type"), QByteArrayLiteral("application/json") });
    } else if (!bodyValue.isUndefined() && !bodyValue.isNull()) {
        spec.body = QJsonDocument(QJsonArray { bodyValue }).toJson(QJsonDocument::Compact).mid(1).chopped(1);
        if (!hasContentType)
            spec.headers.append({ QByteArrayLiteral("Content-Type"), QByteArrayLiteral("application/json") });
    }

    const HttpOutcome o = co_await httpExchange(*m_context.http, std::move(spec), control);
    const bool success
        = !o.aborted && !o.transportFailed() && !o.tooLarge && ((o.status >= 200 && o.status < 300) || m_config.successStatuses.contains(o.status));
    if (!success)
        co_return failureFrom(o, *control, name(), secret);

    QJsonObject outHeaders;
    for (const auto& [n, v] : o.headers)
        outHeaders.insert(QString::fromLatin1(n).toLower(), QString::fromUtf8(v));
    QJsonParseError err {};
    const QJsonDocument doc = QJsonDocument::fromJson(o.body, &err);
    QJsonValue body;
    if (!o.body.isEmpty() && err.error == QJsonParseError::NoError)
        body = doc.isObject() ? QJsonValue(doc.object()) : QJsonValue(doc.array());
    else
        body = QString::fromUtf8(o.body);
    const QJsonObject output { { QStringLiteral("status"), o.status }, { QStringLiteral("headers"), outHeaders }, { QStringLiteral("body"), body } };
    co_return CallResult::success(redactSecretBytes(QJsonDocument(output).toJson(QJsonDocument::Compact), secret), Usage {});
}

} // namespace llmsched
