#include "httpproviderbase.h"

#include "httpclientpool.h"

#include "core/secrets.h"

#include <QJsonDocument>

namespace llmsched {

HttpProviderBase::HttpProviderBase(EndpointConfig config, ProviderContext context)
    : m_config(std::move(config))
    , m_context(context)
{
}

QCoro::Task<Result<QByteArray>> HttpProviderBase::key()
{
    if (m_config.apiKeyRef.isEmpty())
        co_return QByteArray();
    if (!m_context.secrets)
        co_return Error::unavailable(QStringLiteral("no secret store"));
    co_return co_await m_context.secrets->resolve(m_config.apiKeyRef);
}

HttpRequestSpec HttpProviderBase::jsonRequest(const QUrl& url, const QByteArray& key, const QJsonObject& body, bool stream) const
{
    HttpRequestSpec spec;
    spec.url = url;
    spec.headers = authHeaders(key);
    spec.headers.append({ QByteArrayLiteral("Content-Type"), QByteArrayLiteral("application/json") });
    if (stream)
        spec.headers.append({ QByteArrayLiteral("Accept"), QByteArrayLiteral("text/event-stream") });
    spec.body = QJsonDocument(body).toJson(QJsonDocument::Compact);
    spec.stream = stream;
    return spec;
}

QUrl HttpProviderBase::endpointUrl(const QString& path) const
{
    QString base = m_config.baseUrl;
    while (base.endsWith(QLatin1Char('/')))
        base.chop(1);
    return QUrl(base + path);
}

QCoro::Task<HealthResult> HttpProviderBase::checkHealth(std::shared_ptr<CallControl> control)
{
    const QUrl url = healthUrl();
    if (url.isEmpty())
        co_return HealthResult {};
    auto k = co_await key();
    if (!k)
        co_return HealthResult { false, k.error().message, 0 };
    HttpRequestSpec spec;
    spec.method = QByteArrayLiteral("GET");
    spec.url = url;
    spec.headers = authHeaders(*k);
    spec.maxBodyBytes = 4 * 1024 * 1024;
    const HttpOutcome o = co_await httpExchange(*m_context.http, std::move(spec), control);
    HealthResult h;
    h.latencyMs = o.elapsedMs;
    if (o.aborted) {
        h.ok = false;
        h.error = QStringLiteral("health check timed out");
    } else if (o.transportFailed() || o.status < 200 || o.status >= 300) {
        h.ok = false;
        h.error = failureFrom(o, *control, name(), *k).error;
        if (o.status == 401 || o.status == 403)
            h.error += QStringLiteral(" (is the API key right?)");
    }
    co_return h;
}

} // namespace llmsched
