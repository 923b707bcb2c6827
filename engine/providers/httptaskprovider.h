#pragma once

#include "httpproviderbase.h"

namespace llmsched {

// Generic HTTP jobs (task kind "http") for work that is not an LLM call.
// Input: {"method": "POST", "url": "/path" or "https://host/path",
// "headers": {"X-Name": "value"}, "body": <string or JSON>}. A relative url is
// resolved against base_url. Success is any 2xx or a status listed in the
// endpoint's success_statuses. The output is {"status", "headers", "body"}
// (body as JSON when it parses, else text). The endpoint's key is sent as a
// bearer token only to base_url's own origin, never to other hosts.
class HttpTaskProvider final : public HttpProviderBase
{
public:
    using HttpProviderBase::HttpProviderBase;
    QCoro::Task<CallResult> call(CallRequest request, std::shared_ptr<CallControl> control) override;

protected:
    HeaderList authHeaders(const QByteArray& key) const override;
    QUrl healthUrl() const override;
};

} // namespace llmsched
