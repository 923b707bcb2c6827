#pragma once

#include "documents.h"
#include "result.h"

#include <QByteArray>
#include <QJsonObject>
#include <QString>
#include <QStringList>

#include <optional>

namespace llmsched {

// Webhooks (engine/webhookmanager.h): an HTTP endpoint that is POSTed what
// happened to tasks and workflows, signed so the receiver can tell the
// engine sent it. A webhook is a document of kind "webhook"; each POST it is
// owed is a delivery, a document of kind "delivery/<webhook id>" (so a
// webhook's log is one indexed range) whose status is pending, delivered or
// failed.
inline constexpr QLatin1String kDocWebhook("webhook");
QString deliveryKind(const QString& webhookId);

namespace webhookevent {
inline constexpr QLatin1String kTaskFinished("task.finished"); // succeeded, dead or cancelled; data: the task with its output
inline constexpr QLatin1String kTaskState("task.state"); // every committed state change; data: the change
inline constexpr QLatin1String kWorkflowFinished("workflow.finished"); // data: the workflow with its counts
inline constexpr QLatin1String kPing("ping"); // POST /api/v1/webhooks/{id}/ping
bool isKnown(const QString& name);
} // namespace webhookevent

namespace deliverystatus {
inline constexpr QLatin1String kPending("pending");
inline constexpr QLatin1String kDelivered("delivered");
inline constexpr QLatin1String kFailed("failed");
} // namespace deliverystatus

// Which tasks and workflows a webhook hears of.
enum class WebhookScope : quint8 {
    Named, // only tasks labelled webhook=<its id> and workflows whose "webhook" names it
    All,
    Model, // target: a model's name
    Workflow, // target: a workflow id (its tasks and its end)
    Schedule, // target: a schedule id (the tasks and workflows it submits)
    Task, // target: a task id
};
QString webhookScopeName(WebhookScope s);

struct WebhookSpec
{
    static constexpr int kDefaultMaxAttempts = 12;
    static constexpr int kMaxMaxAttempts = 30;
    static constexpr int kMinSecretChars = 16;

    QString id;
    QString url;
    QStringList events; // webhookevent names
    WebhookScope scope = WebhookScope::Named;
    QString target;
    QString secret; // the HMAC key (its UTF-8 bytes); shown once, when created
    int maxAttempts = kDefaultMaxAttempts;
    QString description;
    bool paused = false;
    qint64 createdMs = 0;

    // A POST /api/v1/webhooks body; the id and, when absent, the secret are
    // the caller's to fill in. Errors name the field.
    static Result<WebhookSpec> fromJson(const QJsonObject& json);
    static WebhookSpec fromDoc(const StoredDoc& doc);
    StoredDoc toDoc(qint64 nowMs) const;
    // What the API shows: everything but the secret (a hint of its end instead).
    QJsonObject toJson(bool withSecret) const;
    // Whether it hears of events of this name (the ping always).
    bool wants(const QString& event) const;

    static QString newSecret(); // "whsec_" + 32 random bytes, base64url
};

// url: http or https, a host, no credentials, no fragment; nullopt when fine.
std::optional<QString> webhookUrlProblem(const QString& url);

// The signature header: "t=<unix seconds>,v1=<hex HMAC-SHA256 of
// "<unix seconds>.<body>" keyed with the secret's UTF-8 bytes>".
inline constexpr char kSignatureHeader[] = "X-LLMSched-Signature";
QByteArray webhookSignature(const QByteArray& secret, qint64 unixSeconds, const QByteArray& body);
// Checks a signature header as a receiver would: the v1 HMAC matches and the
// timestamp is within toleranceSeconds of nowSeconds.
bool verifyWebhookSignature(
    const QByteArray& secret, const QByteArray& header, const QByteArray& body, qint64 nowSeconds, qint64 toleranceSeconds = 300);

// The wait before attempt n+1 after n failed ones: base * 2^(n-1), capped at
// an hour, with +-20 % jitter; Retry-After (capped too) wins when longer.
qint64 webhookRetryDelayMs(int failedAttempts, qint64 baseMs, std::optional<qint64> retryAfterMs = std::nullopt);

} // namespace llmsched
