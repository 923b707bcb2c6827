#include "httptaskprovider.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace llmsched {

namespace {
const QList<QByteArray> kMethods = { "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS" };

bool sameOrigin(const QUrl& a, const QUrl& b)
{
    return a.scheme() == b.scheme() && a.host().compare(b.host(), Qt::CaseInsensitive) == 0
        && a.port(a.scheme() == QLatin1String("https") ? 443 : 80) == b.port(b.scheme() == QLatin1String("https") ? 443 : 80);
}
} // namespace

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
                QStringLiteral("%1: url '%2' is relative and the endpoint has no base_url").arg(name(), urlText.left(200)));
        url = endpointUrl(urlText.startsWith(QLatin1Char('/')) ? urlText : QLatin1Char('/') + urlText);
    }
    if (!url.isValid() || (url.scheme() != QLatin1String("http") && url.scheme() != QLatin1String("https")) || url.host().isEmpty())
        co_return CallResult::failed(FailureKind::Configuration, QStringLiteral("%1: url '%2' is not an http(s) URL").arg(name(), urlText.left(200)));

    QByteArray method = in.value(QLatin1String("method")).toString().toUpper().toLatin1();
    const QJsonValue bodyValue = in.value(QLatin1String("body"));
    if (method.isEmpty())
        method = bodyValue.isUndefined() || bodyValue.isNull() ? QByteArrayLiteral("GET") : QByteArrayLiteral("POST");
    if (!kMethods.contains(method))
        co_return CallResult::failed(FailureKind::Configuration, QStringLiteral("%1: method must be one of GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS").arg(name()));

    QByteArray secret;
    HttpRequestSpec spec;
    spec.method = method;
    spec.url = url;
    if (!m_config.apiKeyRef.isEmpty() && !base.isEmpty() && sameOrigin(url, base)) {
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
        hasContentType = hasContentType || it.key().compare(QLatin1String("content-type"), Qt::CaseInsensitive) == 0;
        spec.headers.append({ it.key().toLatin1(), it.value().toString().toUtf8() });
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
    const bool success = !o.aborted && !o.transportFailed() && !o.tooLarge
        && ((o.status >= 200 && o.status < 300) || m_config.successStatuses.contains(o.status));
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
    co_return CallResult::success(QJsonDocument(output).toJson(QJsonDocument::Compact), Usage {});
}

} // namespace llmsched
