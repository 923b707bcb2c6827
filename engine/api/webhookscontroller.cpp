#include "webhookscontroller.h"

#include "apicall.h"
#include "engine.h"

#include "core/futures.h"
#include "core/httpstatus.h"

#include <QJsonArray>
#include <QUrlQuery>

namespace llmsched {

namespace {

QJsonObject same(const QJsonObject& o)
{
    return o;
}

} // namespace

WebhooksController::WebhooksController(ApiServer& server, Engine& engine)
    : ApiController(server, engine)
{
    // Creating one sends the engine's data to a URL of the caller's choice: operators only.
    addRoute("POST", QStringLiteral("/api/v1/webhooks"), Role::Operator, Audit::Yes, [this](const CallPtr& c) { create(c); });
    addRoute("GET", QStringLiteral("/api/v1/webhooks"), Role::Viewer, Audit::No, [this](const CallPtr& c) { list(c); });
    addRoute("GET", QStringLiteral("/api/v1/webhooks/{id}"), Role::Viewer, Audit::No,
        [this](const CallPtr& c) { onResult(m_engine.webhook(c->param(0)), this, [c](const Result<QJsonObject>& r) { answerResult(c, r, same); }); });
    addRoute("DELETE", QStringLiteral("/api/v1/webhooks/{id}"), Role::Operator, Audit::Yes, [this](const CallPtr& c) {
        onResult(m_engine.deleteWebhook(c->param(0)), this, [c](const VoidResult& r) {
            c->summary = QStringLiteral("deleted webhook %1").arg(c->param(0));
            answerNoContent(c, r);
        });
    });
    for (const bool paused : { true, false })
        addRoute("POST", paused ? QStringLiteral("/api/v1/webhooks/{id}/pause") : QStringLiteral("/api/v1/webhooks/{id}/resume"), Role::Operator,
            Audit::Yes, [this, paused](const CallPtr& c) {
                onResult(m_engine.pauseWebhook(c->param(0), paused), this, [c, paused](const Result<QJsonObject>& r) {
                    c->summary = QStringLiteral("%1 webhook %2").arg(paused ? QStringLiteral("paused") : QStringLiteral("resumed"), c->param(0));
                    answerResult(c, r, same);
                });
            });
    addRoute("POST", QStringLiteral("/api/v1/webhooks/{id}/ping"), Role::Operator, Audit::Yes, [this](const CallPtr& c) {
        onResult(m_engine.pingWebhook(c->param(0)), this, [c](const Result<QJsonObject>& r) {
            c->summary = QStringLiteral("pinged webhook %1").arg(c->param(0));
            if (!r)
                return c->answerError(r.error());
            c->answerJson(http::Accepted, *r);
        });
    });
    addRoute("GET", QStringLiteral("/api/v1/webhooks/{id}/deliveries"), Role::Viewer, Audit::No, [this](const CallPtr& c) { deliveries(c); });
    addRoute("GET", QStringLiteral("/api/v1/webhooks/{id}/deliveries/{delivery}"), Role::Viewer, Audit::No, [this](const CallPtr& c) {
        onResult(m_engine.webhookDelivery(c->param(0), c->param(1)), this, [c](const Result<QJsonObject>& r) { answerResult(c, r, same); });
    });
    addRoute("POST", QStringLiteral("/api/v1/webhooks/{id}/deliveries/{delivery}/redeliver"), Role::Operator, Audit::Yes, [this](const CallPtr& c) {
        onResult(m_engine.redeliverWebhook(c->param(0), c->param(1)), this, [c](const Result<QJsonObject>& r) {
            c->summary = QStringLiteral("redelivered %1 of webhook %2").arg(c->param(1), c->param(0));
            if (!r)
                return c->answerError(r.error());
            c->answerJson(http::Accepted, *r);
        });
    });
}

void WebhooksController::create(const CallPtr& c)
{
    auto body = c->body();
    if (!body)
        return;
    if (!body->isObject())
        return c->answerError(http::UnprocessableEntity, QStringLiteral("invalid_argument"), QStringLiteral("must be a webhook object"), {});
    auto spec = WebhookSpec::fromJson(body->toObject());
    if (!spec)
        return c->answerError(spec.error());
    onResult(m_engine.createWebhook(std::move(*spec)), this, [c](const Result<QJsonObject>& r) {
        if (!r)
            return c->answerError(r.error());
        // Never the URL's query or the secret in the audit log.
        c->summary = QStringLiteral("created webhook %1").arg(r->value(QLatin1String("id")).toString());
        c->answerJson(http::Created, *r);
    });
}

void WebhooksController::list(const CallPtr& c)
{
    onResult(m_engine.webhooks(), this, [c](const Result<QJsonArray>& r) {
        if (!r)
            return c->answerError(r.error());
        c->answerJson(http::Ok, QJsonObject { { QStringLiteral("webhooks"), *r } });
    });
}

void WebhooksController::deliveries(const CallPtr& c)
{
    const auto limit = queryLimit(c, 100, 1000);
    if (!limit)
        return;
    DocQuery q;
    q.limit = *limit;
    q.after = c->request.query.queryItemValue(QStringLiteral("after"));
    const QString status = c->request.query.queryItemValue(QStringLiteral("status"));
    if (!status.isEmpty()) {
        if (status != deliverystatus::kPending && status != deliverystatus::kDelivered && status != deliverystatus::kFailed)
            return c->answerError(http::UnprocessableEntity, QStringLiteral("invalid_argument"),
                QStringLiteral("must be pending, delivered or failed"), QStringLiteral("status"));
        q.statuses = { status };
    }
    onResult(m_engine.webhookDeliveries(c->param(0), q), this, [c](const Result<QJsonArray>& r) {
        if (!r)
            return c->answerError(r.error());
        c->answerJson(http::Ok, QJsonObject { { QStringLiteral("deliveries"), *r } });
    });
}

} // namespace llmsched
