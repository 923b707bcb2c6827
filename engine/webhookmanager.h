#pragma once

#include "core/documents.h"
#include "core/enginetypes.h"
#include "core/result.h"
#include "core/webhook.h"

#include <QFuture>
#include <QHash>
#include <QJsonArray>
#include <QObject>
#include <QSet>
#include <QTimer>

#include <qcoro/qcorotask.h>

#include <map>
#include <memory>
#include <optional>

namespace llmsched {

class CallControl;
class HttpClientPool;
class Store;
struct Task;

struct WebhookOptions
{
    // Hosts webhooks may reach at loopback, private or link-local addresses
    // ("host", "host:port", "*.domain", "*"); others must resolve to public ones.
    QStringList privateHosts;
    qint64 retryBaseMs = 2000; // the wait after the first failed attempt; doubles per attempt, at most an hour
    int timeoutMs = 10'000; // per attempt
    int maxInFlight = 32; // POSTs at once, over all webhooks
    bool sharedStore = false; // other nodes share the store: reload webhooks, take over their deliveries
    QString nodeId;
    // Delivered and failed deliveries (of any webhook, removed ones too) are
    // deleted this long after their last attempt; 0 keeps them.
    qint64 deliveryRetentionMs = 30LL * 24 * 3600 * 1000;
};

// Webhooks (core/webhook.h): matches committed task changes and workflow
// ends against the webhooks, stores a delivery for each match (pending)
// before its first POST, POSTs it signed, and retries failures with
// exponential backoff until it is delivered or out of attempts (failed).
// Deliveries outlive restarts: a starting engine takes up the pending ones,
// and on a shared store a node takes over those whose owner stopped renewing
// their lease. Lives on the engine thread.
class WebhookManager final : public QObject
{
    Q_OBJECT

public:
    WebhookManager(Store& store, WebhookOptions options, QObject* parent = nullptr);
    ~WebhookManager() override;

    void start();

    // Answers the webhook with its secret (the only time it is shown).
    QFuture<Result<QJsonObject>> create(WebhookSpec spec);
    QFuture<Result<QJsonObject>> get(const QString& id);
    QFuture<Result<QJsonArray>> list();
    QFuture<Result<QJsonObject>> setPaused(const QString& id, bool paused);
    QFuture<VoidResult> remove(const QString& id);
    // Newest first; query.kind is set here.
    QFuture<Result<QJsonArray>> deliveries(const QString& id, DocQuery query);
    QFuture<Result<QJsonObject>> delivery(const QString& id, const QString& deliveryId);
    // A failed (or delivered) delivery sent again, with a fresh set of attempts.
    QFuture<Result<QJsonObject>> redeliver(const QString& id, const QString& deliveryId);
    // Stores and sends a "ping" delivery; answers it (pending).
    QFuture<Result<QJsonObject>> ping(const QString& id);

    void onTaskEvents(const TaskEvents& events);
    // workflow: its document; view: what the API shows of it (the payload).
    void onWorkflowEnded(const StoredDoc& workflow, const QJsonObject& view);

    // What the API shows of a delivery (with its payload when full).
    static QJsonObject deliveryJson(const StoredDoc& doc, bool full);

private:
    struct Pending
    {
        StoredDoc doc;
        bool inFlight = false;
    };
    void loadHooks(bool takeOver);
    void purgeOldDeliveries();
    void takeOver(const WebhookSpec& hook, bool all);
    void deliverTask(const TaskEvent& e, const std::optional<Task>& task, const QList<QString>& hooks);
    bool matchesTask(const WebhookSpec& hook, const TaskEvent& e, const QJsonObject& labels) const;
    // Stores a pending delivery and sends it once stored; answers the stored document.
    QFuture<Result<StoredDoc>> enqueue(const WebhookSpec& hook, const QString& event, const QString& subject, const QJsonObject& data);
    void schedule(const QString& deliveryId, qint64 atMs);
    void armTimer();
    void pump();
    QCoro::Task<void> send(QString deliveryId);
    void recordAttempt(
        const QString& deliveryId, int status, const QString& error, bool refused, std::optional<qint64> retryAfterMs, qint64 elapsedMs);

    Store& m_store;
    WebhookOptions m_options;
    std::shared_ptr<HttpClientPool> m_http; // shared with sends in flight: it outlives an aborted one
    std::shared_ptr<bool> m_alive = std::make_shared<bool>(true);
    QHash<QString, WebhookSpec> m_hooks;
    QHash<QString, Pending> m_pending; // deliveries this node owns and has not ended, by id
    std::multimap<qint64, QString> m_due; // when each waiting delivery is next sent
    QHash<QString, std::shared_ptr<CallControl>> m_calls; // POSTs in flight
    QTimer m_timer;
    QTimer m_reload;
    QTimer m_purge;
    int m_inFlight = 0;
    int m_reloads = 0;
    QSet<QString> m_changedSinceRead; // webhooks created, changed or removed here since the last read was answered
};

} // namespace llmsched
