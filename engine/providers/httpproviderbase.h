#pragma once

#include "httpexchange.h"
#include "provider.h"

#include "core/modelconfig.h"

#include <QJsonObject>

namespace llmsched {

// What the HTTP-speaking providers share: the endpoint's settings, the pool,
// key resolution and health checks by a GET on a cheap path.
class HttpProviderBase : public Provider
{
public:
    HttpProviderBase(EndpointConfig config, ProviderContext context);

    QCoro::Task<HealthResult> checkHealth(std::shared_ptr<CallControl> control) override;
    bool hasHealthCheck() const override { return !healthUrl().isEmpty(); }

protected:
    // The key, or a CallResult explaining why there is none (Configuration).
    QCoro::Task<Result<QByteArray>> key();
    // Headers that carry the key for this dialect.
    virtual HeaderList authHeaders(const QByteArray& key) const = 0;
    virtual QUrl healthUrl() const = 0;
    // A POST of a JSON body with this dialect's auth headers; streamed answers are asked for as SSE.
    HttpRequestSpec jsonRequest(const QUrl& url, const QByteArray& key, const QJsonObject& body, bool stream) const;
    // base_url joined with a path ("/chat/completions"), without doubled slashes.
    QUrl endpointUrl(const QString& path) const;
    QString name() const { return m_config.name; }

    EndpointConfig m_config;
    ProviderContext m_context;
};

} // namespace llmsched
