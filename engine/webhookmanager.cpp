#include "webhookmanager.h"

#include "store/store.h"

#include "core/futures.h"
#include "core/logging.h"
#include "core/task.h"
#include "core/timeutil.h"
#include "core/ulid.h"

#include "providers/destinationpolicy.h"
#include "providers/httpclientpool.h"
#include "providers/httpexchange.h"
#include "providers/provider.h"

#include <QCoreApplication>
#include <QJsonDocument>
#include <QPromise>

namespace llmsched {

namespace {

constexpr int kReloadMs = 5000;
constexpr int kPurgeEveryMs = 3'600'000;
constexpr int kTakeOverEvery = 6; // reloads: a lost node's deliveries are looked for every 30 s
constexpr qint64 kLeaseSlackMs = 60'000;
constexpr int kLogEntries = 10;
constexpr qint64 kMaxAnswerBytes = 64 * 1024;

template <typename T> std::shared_ptr<QPromise<T>> promise()
{
    auto p = std::make_shared<QPromise<T>>();
    p->start();
    return p;
}

template <typename T, typename V> void answer(const std::shared_ptr<QPromise<T>>& p, V&& value)
{
    p->addResult(T(std::forward<V>(value)));
    p->finish();
}

QString hookOf(const StoredDoc& delivery)
{
    return delivery.kind.mid(deliveryKind(QString()).size());
}

qint64 nextWrite(const StoredDoc& doc)
{
    return std::max(nowMs(), doc.updatedMs + 1);
}

QJsonValue isoOrNull(const QJsonValue& ms)
{
    return ms.toInteger() > 0 ? QJsonValue(msToIso(ms.toInteger())) : QJsonValue(QJsonValue::Null);
}

} // namespace

WebhookManager::WebhookManager(Store& store, WebhookOptions options, QObject* parent)
    : QObject(parent)
    , m_store(store)
    , m_options(std::move(options))
    , m_timer(this) // children: they move to the engine thread with it
    , m_reload(this)
    , m_purge(this)
{
    m_timer.setSingleShot(true);
    m_timer.setTimerType(Qt::PreciseTimer);
    connect(&m_timer, &QTimer::timeout, this, &WebhookManager::pump);
    m_reload.setInterval(kReloadMs);
    connect(&m_reload, &QTimer::timeout, this, [this] { loadHooks(++m_reloads % kTakeOverEvery == 0); });
    m_purge.setInterval(kPurgeEveryMs);
    connect(&m_purge, &QTimer::timeout, this, &WebhookManager::purgeOldDeliveries);
}

WebhookManager::~WebhookManager()
{
    // Sends in flight end (aborted) without touching this manager again.
    *m_alive = false;
    const auto calls = m_calls;
    for (const auto& c : calls)
        c->abort(FailureKind::Interrupted);
}

void WebhookManager::start()
{
    // Made here, on the engine thread, so its sockets live there; deleted
    // later, once no aborted send can still be inside it.
    m_http = std::shared_ptr<HttpClientPool>(new HttpClientPool, [](HttpClientPool* p) { p->deleteLater(); });
    loadHooks(true);
    if (m_options.sharedStore)
        m_reload.start();
    if (m_options.deliveryRetentionMs > 0) {
        purgeOldDeliveries();
        m_purge.start();
    }
}

void WebhookManager::purgeOldDeliveries()
{
    const qint64 before = nowMs() - m_options.deliveryRetentionMs;
    onResult(m_store.deleteDocsBefore(deliveryKind(QString()), { deliverystatus::kDelivered, deliverystatus::kFailed }, before), this,
        [](const Result<qint64>& n) {
            if (!n)
                qCWarning(lcCore).noquote() << "webhooks: cannot delete old deliveries:" << n.error().toString();
            else if (*n > 0)
                qCInfo(lcCore).noquote() << "webhooks: deleted" << *n << "deliveries past their retention";
        });
}

void WebhookManager::loadHooks(bool takeOverDeliveries)
{
    onResult(m_store.docs(DocQuery { kDocWebhook, {}, 0, {} }), this, [this, takeOverDeliveries](const Result<QList<StoredDoc>>& docs) {
        if (!docs) {
            qCWarning(lcCore).noquote() << "webhooks: cannot read the webhooks:" << docs.error().toString();
            return;
        }
        QHash<QString, WebhookSpec> hooks;
        for (const StoredDoc& d : *docs)
            hooks.insert(d.id, WebhookSpec::fromDoc(d));
        // Changes made here while the read was out are newer than it.
        for (const QString& id : std::as_const(m_changedSinceRead)) {
            if (m_hooks.contains(id))
                hooks.insert(id, m_hooks.value(id));
            else
                hooks.remove(id);
        }
        m_changedSinceRead.clear();
        const bool first = m_hooks.isEmpty() && !hooks.isEmpty();
        m_hooks = std::move(hooks);
        if (takeOverDeliveries || first)
            for (const WebhookSpec& h : std::as_const(m_hooks))
                takeOver(h, !m_options.sharedStore);
    });
}

void WebhookManager::takeOver(const WebhookSpec& hook, bool all)
{
    onResult(m_store.docs(DocQuery { deliveryKind(hook.id), { deliverystatus::kPending }, 0, {} }), this,
        [this, all](const Result<QList<StoredDoc>>& docs) {
            if (!docs)
                return;
            const qint64 now = nowMs();
            for (const StoredDoc& d : *docs) {
                if (m_pending.contains(d.id))
                    continue;
                const bool mine = d.doc.value(QLatin1String("node")).toString() == m_options.nodeId;
                if (!all && !mine && d.doc.value(QLatin1String("lease_until")).toInteger() > now)
                    continue; // its node is still on it
                StoredDoc claimed = d;
                claimed.updatedMs = nextWrite(d);
                const qint64 at = std::max(now, d.doc.value(QLatin1String("next_at")).toInteger());
                claimed.doc.insert(QStringLiteral("node"), m_options.nodeId);
                claimed.doc.insert(QStringLiteral("lease_until"), at + m_options.timeoutMs + kLeaseSlackMs);
                onResult(m_store.casDoc(claimed, d.updatedMs), this, [this, claimed, at](const Result<bool>& won) {
                    if (!won || !*won || m_pending.contains(claimed.id))
                        return;
                    m_pending.insert(claimed.id, Pending { claimed, false });
                    schedule(claimed.id, at);
                });
            }
            if (!docs->isEmpty())
                qCInfo(lcCore).noquote() << "webhooks: taking up" << docs->size() << "pending deliveries";
        });
}

QFuture<Result<QJsonObject>> WebhookManager::create(WebhookSpec spec)
{
    auto reply = promise<Result<QJsonObject>>();
    spec.id = QStringLiteral("wh_") + UlidGenerator::next().toString();
    if (spec.secret.isEmpty())
        spec.secret = WebhookSpec::newSecret();
    spec.createdMs = nowMs();
    const StoredDoc doc = spec.toDoc(spec.createdMs);
    onResult(m_store.putDoc(doc), this, [this, spec, reply](const VoidResult& r) {
        if (!r)
            return answer(reply, r.error());
        m_hooks.insert(spec.id, spec);
        m_changedSinceRead.insert(spec.id);
        qCInfo(lcCore).noquote() << "webhooks: created" << spec.id << "for" << spec.url;
        answer(reply, spec.toJson(true));
    });
    return reply->future();
}

QFuture<Result<QJsonObject>> WebhookManager::get(const QString& id)
{
    auto reply = promise<Result<QJsonObject>>();
    onResult(m_store.doc(kDocWebhook, id), this, [reply](const Result<StoredDoc>& d) {
        if (!d)
            return answer(reply, d.error());
        answer(reply, WebhookSpec::fromDoc(*d).toJson(false));
    });
    return reply->future();
}

QFuture<Result<QJsonArray>> WebhookManager::list()
{
    auto reply = promise<Result<QJsonArray>>();
    onResult(m_store.docs(DocQuery { kDocWebhook, {}, 0, {} }), this, [reply](const Result<QList<StoredDoc>>& docs) {
        if (!docs)
            return answer(reply, docs.error());
        QJsonArray out;
        for (const StoredDoc& d : *docs)
            out.append(WebhookSpec::fromDoc(d).toJson(false));
        answer(reply, out);
    });
    return reply->future();
}

QFuture<Result<QJsonObject>> WebhookManager::setPaused(const QString& id, bool paused)
{
    auto reply = promise<Result<QJsonObject>>();
    onResult(m_store.doc(kDocWebhook, id), this, [this, id, paused, reply](const Result<StoredDoc>& d) {
        if (!d)
            return answer(reply, d.error());
        WebhookSpec spec = WebhookSpec::fromDoc(*d);
        spec.paused = paused;
        StoredDoc after = spec.toDoc(nextWrite(*d));
        onResult(m_store.casDoc(after, d->updatedMs), this, [this, spec, id, paused, reply](const Result<bool>& won) {
            if (!won)
                return answer(reply, won.error());
            if (!*won)
                return answer(reply, Error::conflict(QStringLiteral("webhook %1 was changed at the same time; try again").arg(id)));
            m_hooks.insert(id, spec);
            m_changedSinceRead.insert(id);
            if (!paused) // what waited while it was paused goes now
                for (auto it = m_pending.cbegin(); it != m_pending.cend(); ++it)
                    if (!it->inFlight && hookOf(it->doc) == id)
                        schedule(it.key(), nowMs());
            answer(reply, spec.toJson(false));
        });
    });
    return reply->future();
}

QFuture<VoidResult> WebhookManager::remove(const QString& id)
{
    auto reply = promise<VoidResult>();
    onResult(m_store.doc(kDocWebhook, id), this, [this, id, reply](const Result<StoredDoc>& d) {
        if (!d)
            return answer(reply, d.error());
        onResult(m_store.deleteDoc(kDocWebhook, id), this, [this, id, reply](const VoidResult& r) {
            if (!r)
                return answer(reply, r.error());
            m_hooks.remove(id);
            m_changedSinceRead.insert(id);
            // Its deliveries stay as its log until their retention ends; none
            // is sent any more. Calls in
            // flight are aborted once they are forgotten: an abort may end
            // its send (and touch m_pending) before abort() returns.
            QList<std::shared_ptr<CallControl>> inFlight;
            for (auto it = m_pending.begin(); it != m_pending.end();) {
                if (hookOf(it->doc) == id) {
                    if (auto call = m_calls.value(it.key()))
                        inFlight.append(call);
                    it = m_pending.erase(it);
                } else {
                    ++it;
                }
            }
            for (const auto& call : std::as_const(inFlight))
                call->abort(FailureKind::Cancelled);
            qCInfo(lcCore).noquote() << "webhooks: removed" << id;
            answer(reply, VoidResult {});
        });
    });
    return reply->future();
}

QJsonObject WebhookManager::deliveryJson(const StoredDoc& doc, bool full)
{
    const QJsonObject& d = doc.doc;
    QJsonObject o { { QStringLiteral("id"), doc.id }, { QStringLiteral("webhook"), hookOf(doc) },
        { QStringLiteral("event"), d.value(QLatin1String("event")) }, { QStringLiteral("subject"), d.value(QLatin1String("subject")) },
        { QStringLiteral("status"), doc.status }, { QStringLiteral("attempts"), d.value(QLatin1String("attempts")).toInt() },
        { QStringLiteral("created_at"), msToIso(doc.createdMs) }, { QStringLiteral("updated_at"), msToIso(doc.updatedMs) },
        { QStringLiteral("next_attempt_at"),
            doc.status == deliverystatus::kPending ? isoOrNull(d.value(QLatin1String("next_at"))) : QJsonValue(QJsonValue::Null) },
        { QStringLiteral("delivered_at"), isoOrNull(d.value(QLatin1String("delivered_at"))) },
        { QStringLiteral("last_status"), d.value(QLatin1String("last_status")).toInt() },
        { QStringLiteral("last_error"),
            d.value(QLatin1String("last_error")).toString().isEmpty() ? QJsonValue(QJsonValue::Null) : d.value(QLatin1String("last_error")) } };
    if (full) {
        QJsonArray log;
        for (const QJsonValue& v : d.value(QLatin1String("log")).toArray()) {
            QJsonObject e = v.toObject();
            e.insert(QStringLiteral("at"), msToIso(e.value(QLatin1String("at")).toInteger()));
            log.append(e);
        }
        o.insert(QStringLiteral("log"), log);
        o.insert(QStringLiteral("payload"), QJsonDocument::fromJson(d.value(QLatin1String("body")).toString().toUtf8()).object());
    }
    return o;
}

QFuture<Result<QJsonArray>> WebhookManager::deliveries(const QString& id, DocQuery query)
{
    auto reply = promise<Result<QJsonArray>>();
    query.kind = deliveryKind(id);
    onResult(m_store.doc(kDocWebhook, id), this, [this, query, reply](const Result<StoredDoc>& hook) {
        if (!hook)
            return answer(reply, hook.error());
        onResult(m_store.docs(query), this, [reply](const Result<QList<StoredDoc>>& docs) {
            if (!docs)
                return answer(reply, docs.error());
            QJsonArray out;
            for (const StoredDoc& d : *docs)
                out.append(deliveryJson(d, false));
            answer(reply, out);
        });
    });
    return reply->future();
}

QFuture<Result<QJsonObject>> WebhookManager::delivery(const QString& id, const QString& deliveryId)
{
    auto reply = promise<Result<QJsonObject>>();
    onResult(m_store.doc(deliveryKind(id), deliveryId), this, [reply](const Result<StoredDoc>& d) {
        if (!d)
            return answer(reply, d.error());
        answer(reply, deliveryJson(*d, true));
    });
    return reply->future();
}

QFuture<Result<QJsonObject>> WebhookManager::redeliver(const QString& id, const QString& deliveryId)
{
    auto reply = promise<Result<QJsonObject>>();
    if (!m_hooks.contains(id)) {
        answer(reply, Error::notFound(QStringLiteral("no webhook %1").arg(id)));
        return reply->future();
    }
    onResult(m_store.doc(deliveryKind(id), deliveryId), this, [this, reply](const Result<StoredDoc>& d) {
        if (!d)
            return answer(reply, d.error());
        if (d->status == deliverystatus::kPending)
            return answer(reply, Error::conflict(QStringLiteral("delivery %1 is still pending").arg(d->id)));
        StoredDoc after = *d;
        const qint64 now = nowMs();
        after.status = deliverystatus::kPending;
        after.updatedMs = nextWrite(*d);
        after.doc.insert(QStringLiteral("attempts"), 0);
        after.doc.insert(QStringLiteral("next_at"), now);
        after.doc.insert(QStringLiteral("node"), m_options.nodeId);
        after.doc.insert(QStringLiteral("lease_until"), now + m_options.timeoutMs + kLeaseSlackMs);
        onResult(m_store.casDoc(after, d->updatedMs), this, [this, after, now, reply](const Result<bool>& won) {
            if (!won)
                return answer(reply, won.error());
            if (!*won)
                return answer(reply, Error::conflict(QStringLiteral("delivery %1 was changed at the same time; try again").arg(after.id)));
            m_pending.insert(after.id, Pending { after, false });
            schedule(after.id, now);
            answer(reply, deliveryJson(after, false));
        });
    });
    return reply->future();
}

QFuture<Result<QJsonObject>> WebhookManager::ping(const QString& id)
{
    auto it = m_hooks.constFind(id);
    if (it == m_hooks.constEnd())
        return QtFuture::makeReadyFuture(Result<QJsonObject>(Error::notFound(QStringLiteral("no webhook %1").arg(id))));
    const QJsonObject data { { QStringLiteral("webhook"), id }, { QStringLiteral("node"), m_options.nodeId },
        { QStringLiteral("version"), QCoreApplication::applicationVersion() } };
    return enqueue(*it, webhookevent::kPing, id, data).then([](const Result<StoredDoc>& d) {
        return d ? Result<QJsonObject>(deliveryJson(*d, false)) : Result<QJsonObject>(d.error());
    });
}

bool WebhookManager::matchesTask(const WebhookSpec& hook, const TaskEvent& e, const QJsonObject& labels) const
{
    switch (hook.scope) {
    case WebhookScope::All:
        return true;
    case WebhookScope::Model:
        return e.model == hook.target;
    case WebhookScope::Task:
        return e.id.toString() == hook.target;
    case WebhookScope::Workflow:
        return labels.value(QLatin1String("workflow")).toString() == hook.target;
    case WebhookScope::Schedule:
        return labels.value(QLatin1String("schedule")).toString() == hook.target;
    case WebhookScope::Named:
        return labels.value(QLatin1String("webhook")).toString().split(QLatin1Char(','), Qt::SkipEmptyParts).contains(hook.id);
    }
    return false;
}

void WebhookManager::onTaskEvents(const TaskEvents& events)
{
    if (m_hooks.isEmpty())
        return;
    for (const TaskEvent& e : events) {
        if (e.created)
            continue; // the submit: the caller knows
        const bool final = isFinal(e.state);
        // Which webhooks might want it, and whether telling needs the task's
        // labels or output (a read); most events need neither.
        QList<QString> candidates;
        bool needTask = false;
        for (const WebhookSpec& h : std::as_const(m_hooks)) {
            if (h.paused)
                continue;
            const bool wantsFinished = final && h.wants(webhookevent::kTaskFinished);
            if (!wantsFinished && !h.wants(webhookevent::kTaskState))
                continue;
            const bool byLabel = h.scope == WebhookScope::Named || h.scope == WebhookScope::Workflow || h.scope == WebhookScope::Schedule;
            if (!byLabel && !matchesTask(h, e, {}))
                continue;
            candidates.append(h.id);
            needTask = needTask || byLabel || wantsFinished;
        }
        if (candidates.isEmpty())
            continue;
        if (!needTask) {
            deliverTask(e, std::nullopt, candidates);
            continue;
        }
        onResult(m_store.task(e.id.toString()), this, [this, e, candidates](const Result<Task>& t) {
            if (!t) {
                qCWarning(lcCore).noquote() << "webhooks: cannot read task" << e.id.toString() << "to tell of it:" << t.error().toString();
                return;
            }
            deliverTask(e, *t, candidates);
        });
    }
}

void WebhookManager::deliverTask(const TaskEvent& e, const std::optional<Task>& task, const QList<QString>& hooks)
{
    const QJsonObject labels = task ? task->spec.labels : QJsonObject();
    const QString subject = e.id.toString();
    for (const QString& id : hooks) {
        auto h = m_hooks.constFind(id);
        if (h == m_hooks.constEnd() || !matchesTask(*h, e, labels))
            continue;
        if (isFinal(e.state) && h->wants(webhookevent::kTaskFinished) && task)
            enqueue(*h, webhookevent::kTaskFinished, subject, task->toJson(false));
        if (h->wants(webhookevent::kTaskState)) {
            QJsonObject change { { QStringLiteral("id"), subject }, { QStringLiteral("model"), e.model },
                { QStringLiteral("state"), taskStateName(e.state) }, { QStringLiteral("previous"), taskStateName(e.previous) },
                { QStringLiteral("attempts"), e.attempts }, { QStringLiteral("time"), msToIso(e.timeMs) } };
            if (!e.error.isEmpty())
                change.insert(QStringLiteral("error"), e.error);
            if (!labels.isEmpty())
                change.insert(QStringLiteral("labels"), labels);
            enqueue(*h, webhookevent::kTaskState, subject, change);
        }
    }
}

void WebhookManager::onWorkflowEnded(const StoredDoc& workflow, const QJsonObject& view)
{
    const QJsonObject& d = workflow.doc;
    const QString schedule = d.value(QLatin1String("metadata")).toObject().value(QLatin1String("schedule")).toString();
    const QStringList named = d.value(QLatin1String("webhook")).toString().split(QLatin1Char(','), Qt::SkipEmptyParts);
    for (const WebhookSpec& h : std::as_const(m_hooks)) {
        if (h.paused || !h.wants(webhookevent::kWorkflowFinished))
            continue;
        bool match = false;
        switch (h.scope) {
        case WebhookScope::All:
            match = true;
            break;
        case WebhookScope::Workflow:
            match = h.target == workflow.id;
            break;
        case WebhookScope::Schedule:
            match = !schedule.isEmpty() && h.target == schedule;
            break;
        case WebhookScope::Named:
            match = named.contains(h.id);
            break;
        case WebhookScope::Model:
            match = d.value(QLatin1String("models")).toArray().contains(h.target);
            break;
        case WebhookScope::Task:
            break;
        }
        if (match)
            enqueue(h, webhookevent::kWorkflowFinished, workflow.id, view);
    }
}

QFuture<Result<StoredDoc>> WebhookManager::enqueue(const WebhookSpec& hook, const QString& event, const QString& subject, const QJsonObject& data)
{
    auto reply = promise<Result<StoredDoc>>();
    const qint64 now = nowMs();
    const QString id = QStringLiteral("dlv_") + UlidGenerator::next(now).toString();
    const QJsonObject payload { { QStringLiteral("id"), id }, { QStringLiteral("type"), event }, { QStringLiteral("webhook"), hook.id },
        { QStringLiteral("created_at"), msToIso(now) }, { QStringLiteral("data"), data } };
    StoredDoc doc;
    doc.kind = deliveryKind(hook.id);
    doc.id = id;
    doc.status = deliverystatus::kPending;
    doc.createdMs = now;
    doc.updatedMs = now;
    doc.doc = QJsonObject { { QStringLiteral("event"), event }, { QStringLiteral("subject"), subject },
        { QStringLiteral("body"), QString::fromUtf8(QJsonDocument(payload).toJson(QJsonDocument::Compact)) }, { QStringLiteral("attempts"), 0 },
        { QStringLiteral("next_at"), now }, { QStringLiteral("node"), m_options.nodeId },
        { QStringLiteral("lease_until"), now + m_options.timeoutMs + kLeaseSlackMs } };
    // Stored before the first POST: a delivery owed is never lost to a crash.
    onResult(m_store.putDoc(doc), this, [this, doc, reply](const VoidResult& r) {
        if (!r) {
            qCWarning(lcCore).noquote() << "webhooks: cannot store a delivery for" << hookOf(doc) << r.error().toString();
            return answer(reply, r.error());
        }
        m_pending.insert(doc.id, Pending { doc, false });
        schedule(doc.id, doc.createdMs);
        answer(reply, doc);
    });
    return reply->future();
}

void WebhookManager::schedule(const QString& deliveryId, qint64 atMs)
{
    m_due.emplace(atMs, deliveryId);
    if (atMs <= nowMs())
        QMetaObject::invokeMethod(this, &WebhookManager::pump, Qt::QueuedConnection);
    else
        armTimer();
}

void WebhookManager::armTimer()
{
    if (m_due.empty() || m_inFlight >= m_options.maxInFlight) {
        m_timer.stop();
        return;
    }
    const qint64 wait = std::max<qint64>(0, m_due.begin()->first - nowMs());
    if (!m_timer.isActive() || m_timer.remainingTime() > wait)
        m_timer.start(static_cast<int>(std::min<qint64>(wait, 3'600'000)));
}

void WebhookManager::pump()
{
    const qint64 now = nowMs();
    while (!m_due.empty() && m_inFlight < m_options.maxInFlight && m_due.begin()->first <= now) {
        const QString id = m_due.begin()->second;
        m_due.erase(m_due.begin());
        auto it = m_pending.find(id);
        if (it == m_pending.end() || it->inFlight)
            continue;
        auto hook = m_hooks.constFind(hookOf(it->doc));
        if (hook == m_hooks.constEnd()) {
            m_pending.erase(it); // its webhook was removed
            continue;
        }
        if (hook->paused)
            continue; // sent when it is resumed
        it->inFlight = true;
        ++m_inFlight;
        send(id);
    }
    armTimer();
}

QCoro::Task<void> WebhookManager::send(QString deliveryId)
{
    const std::shared_ptr<bool> alive = m_alive;
    const std::shared_ptr<HttpClientPool> http = m_http;
    const Pending& p = m_pending[deliveryId];
    const WebhookSpec hook = m_hooks.value(hookOf(p.doc));
    const QByteArray body = p.doc.doc.value(QLatin1String("body")).toString().toUtf8();
    const QString event = p.doc.doc.value(QLatin1String("event")).toString();
    const QUrl url(hook.url);
    auto control = std::make_shared<CallControl>();
    m_calls.insert(deliveryId, control);
    const int timeoutMs = m_options.timeoutMs;
    QTimer::singleShot(timeoutMs, control.get(), [c = control.get()] { c->abort(FailureKind::Timeout); });

    DestinationPolicy policy({}, {});
    policy.allowNonPublic(m_options.privateHosts,
        QStringLiteral("webhooks reach such addresses only when the engine allows the host (llm-schedulerd --webhook-allow-host)"));
    const auto address = co_await policy.resolve(url, control);
    if (!*alive)
        co_return;
    if (!address) {
        const bool refused = address.error().code != ErrorCode::Unavailable;
        recordAttempt(deliveryId, 0, (refused ? QStringLiteral("refused: ") : QString()) + address.error().message, refused, std::nullopt, 0);
        co_return;
    }
    HttpRequestSpec spec;
    spec.method = QByteArrayLiteral("POST");
    spec.url = url;
    spec.connectAddress = *address;
    spec.maxBodyBytes = kMaxAnswerBytes;
    const qint64 nowSeconds = nowMs() / 1000;
    spec.headers = { { QByteArrayLiteral("Content-Type"), QByteArrayLiteral("application/json") },
        { QByteArrayLiteral("User-Agent"), QByteArrayLiteral("llm-scheduler-webhooks/") + QCoreApplication::applicationVersion().toLatin1() },
        { QByteArrayLiteral("X-LLMSched-Event"), event.toUtf8() }, { QByteArrayLiteral("X-LLMSched-Delivery"), deliveryId.toLatin1() },
        { QByteArrayLiteral("X-LLMSched-Webhook"), hook.id.toLatin1() },
        { QByteArray(kSignatureHeader), webhookSignature(hook.secret.toUtf8(), nowSeconds, body) } };
    spec.body = body;
    const HttpOutcome o = co_await httpExchange(*http, std::move(spec), control);
    if (!*alive)
        co_return;
    QString error;
    if (o.aborted || control->isAborted())
        error = control->abortReason() == FailureKind::Timeout ? QStringLiteral("no answer within %1 ms").arg(timeoutMs) : QStringLiteral("stopped");
    else if (o.transportFailed())
        error = o.errorString.isEmpty() ? QStringLiteral("the connection failed") : o.errorString;
    else if (o.status < 200 || o.status >= 300)
        error = QStringLiteral("HTTP %1: %2").arg(o.status).arg(upstreamErrorText(o.body).left(200));
    recordAttempt(deliveryId, o.status, error, false, o.retryAfterMs, o.elapsedMs);
}

void WebhookManager::recordAttempt(
    const QString& deliveryId, int status, const QString& error, bool refused, std::optional<qint64> retryAfterMs, qint64 elapsedMs)
{
    m_calls.remove(deliveryId);
    --m_inFlight;
    auto it = m_pending.find(deliveryId);
    if (it == m_pending.end()) { // its webhook was removed meanwhile
        pump();
        return;
    }
    StoredDoc doc = it->doc;
    const qint64 now = nowMs();
    const int attempts = doc.doc.value(QLatin1String("attempts")).toInt() + 1;
    const int maxAttempts = m_hooks.value(hookOf(doc)).maxAttempts;
    QJsonArray log = doc.doc.value(QLatin1String("log")).toArray();
    QJsonObject entry { { QStringLiteral("at"), now }, { QStringLiteral("status"), status }, { QStringLiteral("ms"), elapsedMs } };
    if (!error.isEmpty())
        entry.insert(QStringLiteral("error"), error);
    log.append(entry);
    while (log.size() > kLogEntries)
        log.removeFirst();
    doc.updatedMs = nextWrite(doc);
    doc.doc.insert(QStringLiteral("attempts"), attempts);
    doc.doc.insert(QStringLiteral("last_status"), status);
    doc.doc.insert(QStringLiteral("last_error"), error);
    doc.doc.insert(QStringLiteral("log"), log);
    if (error.isEmpty()) {
        doc.status = deliverystatus::kDelivered;
        doc.doc.insert(QStringLiteral("delivered_at"), now);
        m_pending.erase(it);
    } else if (refused || attempts >= maxAttempts) {
        doc.status = deliverystatus::kFailed;
        m_pending.erase(it);
        qCWarning(lcCore).noquote() << "webhooks: delivery" << deliveryId << "to" << hookOf(doc) << "failed after" << attempts
                                    << (attempts == 1 ? "attempt:" : "attempts:") << error;
    } else {
        const qint64 next = now + webhookRetryDelayMs(attempts, m_options.retryBaseMs, retryAfterMs);
        doc.doc.insert(QStringLiteral("next_at"), next);
        doc.doc.insert(QStringLiteral("lease_until"), next + m_options.timeoutMs + kLeaseSlackMs);
        it->doc = doc;
        it->inFlight = false;
        schedule(deliveryId, next);
    }
    m_store.putDoc(doc);
    pump();
}

} // namespace llmsched
