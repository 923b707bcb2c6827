#pragma once

#include "apicontroller.h"

namespace llmsched {

// Webhooks in the native API (core/webhook.h, docs/workflows.md):
// POST/GET /api/v1/webhooks, GET/DELETE /api/v1/webhooks/{id},
// POST {id}/pause, /resume and /ping, GET {id}/deliveries (the log,
// ?status=pending|delivered|failed), GET {id}/deliveries/{delivery} (with
// its payload and attempts) and POST {id}/deliveries/{delivery}/redeliver.
class WebhooksController final : public ApiController
{
    Q_OBJECT

public:
    WebhooksController(ApiServer& server, Engine& engine);

private:
    void create(const CallPtr& c);
    void list(const CallPtr& c);
    void deliveries(const CallPtr& c);
};

} // namespace llmsched
