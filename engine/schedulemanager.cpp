#include "schedulemanager.h"

#include "engine.h"
#include "store/store.h"

#include "core/futures.h"
#include "core/logging.h"
#include "core/timeutil.h"
#include "core/workflow.h"

#include <QPromise>

namespace llmsched {

namespace {

template <typename T> QFuture<T> readyResult(T value)
{
    QPromise<T> p;
    p.start();
    p.addResult(std::move(value));
    p.finish();
    return p.future();
}

Error noSchedule(const QString& id)
{
    return Error::notFound(QStringLiteral("no schedule '%1'").arg(id.left(64)));
}

} // namespace

ScheduleManager::ScheduleManager(Engine& engine, Store& store, std::function<qint64()> clock, bool shared, QObject* parent)
    : QObject(parent)
    , m_engine(engine)
    , m_store(store)
    , m_now(clock ? std::move(clock) : std::function<qint64()>(&nowMs))
    , m_shared(shared)
    , m_timer(this)
{
    m_timer.setSingleShot(true);
    m_timer.setTimerType(Qt::PreciseTimer);
    connect(&m_timer, &QTimer::timeout, this, &ScheduleManager::tick);
}

void ScheduleManager::start()
{
    DocQuery q;
    q.kind = kDocSchedule;
    q.limit = 0;
    onResult(m_store.docs(q), this, [this](const Result<QList<StoredDoc>>& docs) {
        if (!docs) {
            qCWarning(lcCore) << "schedules: reading them failed:" << docs.error().message;
        } else {
            // Those created, changed or removed since start() are known better
            // than this read, which may be older than their writes.
            for (const StoredDoc& d : *docs)
                if (!m_entries.contains(d.id) && !m_removedSinceStart.contains(d.id))
                    adopt(d, true);
            m_removedSinceStart.clear();
            m_loaded = true;
            if (!docs->isEmpty())
                qCInfo(lcCore) << "schedules:" << docs->size() << "loaded";
        }
        m_lastReloadMs = m_now();
        tick();
    });
}

qint64 ScheduleManager::nextWriteMs(const StoredDoc& doc) const
{
    return std::max(m_now(), doc.updatedMs + 1);
}

void ScheduleManager::adopt(const StoredDoc& doc, bool atStart)
{
    auto spec = ScheduleSpec::fromJson(doc.doc.value(QLatin1String("spec")).toObject());
    auto clock = spec ? ScheduleClock::of(*spec, doc.createdMs) : Result<ScheduleClock>(spec.error());
    if (!clock) {
        qCWarning(lcCore).noquote() << "schedules:" << doc.id << "cannot run:" << clock.error().toString();
        m_entries.remove(doc.id);
        return;
    }
    Entry e { doc, *spec, *clock };
    const QString id = doc.id;
    m_entries.insert(id, e);
    if (!atStart || doc.status != QLatin1String("active"))
        return;
    // Fire times that passed while the engine was stopped.
    const qint64 now = m_now();
    const qint64 due = doc.doc.value(QLatin1String("next_fire_ms")).toInteger();
    if (due <= 0 || due > now - kMaxSleepMs)
        return; // on time: the timer fires it
    if (spec->missed == QLatin1String("run_once")) {
        qCInfo(lcCore).noquote() << "schedules:" << id << "missed its fire at" << msToIso(due) << "while stopped; running it once now";
        fire(id, due, false);
        return;
    }
    Entry& entry = m_entries[id];
    StoredDoc after = entry.doc;
    after.updatedMs = nextWriteMs(after);
    const auto next = entry.clock.nextAfter(now);
    after.doc.insert(QStringLiteral("next_fire_ms"), next ? *next : 0);
    after.doc.insert(QStringLiteral("skipped"), after.doc.value(QLatin1String("skipped")).toInteger() + 1);
    qCInfo(lcCore).noquote() << "schedules:" << id << "missed its fire at" << msToIso(due) << "while stopped; skipped (missed: skip)";
    const qint64 expected = entry.doc.updatedMs;
    entry.doc = after;
    m_store.casDoc(after, expected);
}

void ScheduleManager::tick()
{
    const qint64 now = m_now();
    if (m_shared && now - m_lastReloadMs >= kReloadMs) {
        m_lastReloadMs = now;
        reload();
    }
    QList<std::pair<QString, qint64>> due;
    for (auto it = m_entries.cbegin(); it != m_entries.cend(); ++it) {
        if (it->doc.status != QLatin1String("active"))
            continue;
        const qint64 at = it->doc.doc.value(QLatin1String("next_fire_ms")).toInteger();
        if (at > 0 && at <= now)
            due.append({ it.key(), at });
    }
    for (const auto& [id, at] : due)
        fire(id, at, false);
    arm();
}

void ScheduleManager::arm()
{
    const qint64 now = m_now();
    qint64 sleep = kMaxSleepMs;
    for (const Entry& e : std::as_const(m_entries)) {
        if (e.doc.status != QLatin1String("active"))
            continue;
        const qint64 at = e.doc.doc.value(QLatin1String("next_fire_ms")).toInteger();
        if (at > 0)
            sleep = std::min(sleep, std::max<qint64>(0, at - now));
    }
    m_timer.start(static_cast<int>(sleep));
}

void ScheduleManager::fire(const QString& id, qint64 dueMs, bool manual)
{
    auto it = m_entries.find(id);
    if (it == m_entries.end())
        return;
    const StoredDoc before = it->doc;
    StoredDoc after = before;
    after.updatedMs = nextWriteMs(before);
    after.doc.insert(QStringLiteral("last_fire_ms"), manual ? m_now() : dueMs);
    after.doc.insert(QStringLiteral("fires"), before.doc.value(QLatin1String("fires")).toInteger() + 1);
    if (!manual) {
        const auto next = it->clock.nextAfter(std::max(dueMs, m_now()));
        after.doc.insert(QStringLiteral("next_fire_ms"), next ? *next : 0);
    }
    it->doc = after; // not fired twice while the write is on its way
    const ScheduleSpec spec = it->spec;
    onResult(m_store.casDoc(after, before.updatedMs), this, [this, id, spec, dueMs, written = after.updatedMs, manual](const Result<bool>& won) {
        if (!won) {
            qCWarning(lcCore).noquote() << "schedules: recording the fire of" << id << "failed:" << won.error().message;
            return;
        }
        if (!*won) {
            // Another node fired it (or it was changed): take what is stored.
            onResult(m_store.doc(kDocSchedule, id), this, [this](const Result<StoredDoc>& d) {
                if (d)
                    adopt(*d, false);
            });
            return;
        }
        submitTarget(id, spec, manual ? 0 : dueMs, written);
    });
}

void ScheduleManager::submitTarget(const QString& id, const ScheduleSpec& spec, qint64 dueMs, qint64 writtenMs)
{
    const auto record = [this, id, writtenMs](const QJsonObject& result) {
        auto it = m_entries.find(id);
        if (it == m_entries.end() || it->doc.updatedMs != writtenMs)
            return; // changed since: that write wins
        StoredDoc after = it->doc;
        after.updatedMs = nextWriteMs(after);
        after.doc.insert(QStringLiteral("last_result"), result);
        it->doc = after;
        m_store.casDoc(after, writtenMs);
    };
    const QString when = dueMs > 0 ? msToIso(dueMs) : QStringLiteral("now (run by hand)");
    if (!spec.task.isEmpty()) {
        auto task = TaskSpec::fromJson(spec.task, QStringLiteral("task"));
        if (!task) {
            qCWarning(lcCore).noquote() << "schedules:" << id << "cannot submit its task:" << task.error().toString();
            return record(QJsonObject { { QStringLiteral("error"), task.error().toString() } });
        }
        task->labels.insert(QStringLiteral("schedule"), id);
        // Nodes sharing a store could both get this far after a lost reply;
        // the key keeps it one task.
        if (task->idempotencyKey.isEmpty() && dueMs > 0)
            task->idempotencyKey = QStringLiteral("schedule:%1:%2").arg(id).arg(dueMs);
        onResult(m_engine.submit({ *task }), this, [id, when, record](const Result<QList<SubmitOutcome>>& r) {
            if (!r) {
                qCWarning(lcCore).noquote() << "schedules:" << id << "fire of" << when << "was refused:" << r.error().toString();
                return record(QJsonObject { { QStringLiteral("error"), r.error().toString() } });
            }
            qCInfo(lcCore).noquote() << "schedules:" << id << "fired for" << when << "-> task" << r->constFirst().id.toString();
            record(QJsonObject { { QStringLiteral("task_id"), r->constFirst().id.toString() } });
        });
        return;
    }
    auto plan = WorkflowPlan::fromJson(spec.workflow);
    if (!plan) {
        qCWarning(lcCore).noquote() << "schedules:" << id << "cannot submit its workflow:" << plan.error().toString();
        return record(QJsonObject { { QStringLiteral("error"), plan.error().toString() } });
    }
    plan->metadata.insert(QStringLiteral("schedule"), id);
    // Its tasks carry the schedule as a task it fires does, so that a
    // schedule-scope webhook (and a label filter) finds them.
    for (WorkflowStep& step : plan->steps)
        step.spec.labels.insert(QStringLiteral("schedule"), id);
    onResult(m_engine.createWorkflow(std::move(*plan)), this, [id, when, record](const Result<WorkflowView>& r) {
        if (!r) {
            qCWarning(lcCore).noquote() << "schedules:" << id << "fire of" << when << "was refused:" << r.error().toString();
            return record(QJsonObject { { QStringLiteral("error"), r.error().toString() } });
        }
        qCInfo(lcCore).noquote() << "schedules:" << id << "fired for" << when << "-> workflow" << r->doc.id;
        record(QJsonObject { { QStringLiteral("workflow_id"), r->doc.id } });
    });
}

void ScheduleManager::reload()
{
    DocQuery q;
    q.kind = kDocSchedule;
    q.limit = 0;
    onResult(m_store.docs(q), this, [this](const Result<QList<StoredDoc>>& docs) {
        if (!docs)
            return;
        QSet<QString> seen;
        for (const StoredDoc& d : *docs) {
            seen.insert(d.id);
            auto it = m_entries.constFind(d.id);
            if (it == m_entries.constEnd() || it->doc.updatedMs < d.updatedMs)
                adopt(d, false);
        }
        for (auto it = m_entries.begin(); it != m_entries.end();)
            it = seen.contains(it.key()) ? std::next(it) : m_entries.erase(it);
        arm();
    });
}

QFuture<Result<QJsonObject>> ScheduleManager::create(ScheduleSpec spec)
{
    const qint64 now = m_now();
    StoredDoc doc;
    doc.kind = kDocSchedule;
    doc.id = QStringLiteral("sch_") + UlidGenerator::next().toString();
    doc.status = spec.paused ? QStringLiteral("paused") : QStringLiteral("active");
    doc.createdMs = now;
    doc.updatedMs = now;
    auto clock = ScheduleClock::of(spec, now);
    if (!clock)
        return readyResult(Result<QJsonObject>(clock.error()));
    const auto next = clock->nextAfter(now);
    doc.doc = QJsonObject { { QStringLiteral("spec"), spec.toJson() }, { QStringLiteral("next_fire_ms"), next ? *next : 0 },
        { QStringLiteral("fires"), 0 } };
    auto reply = std::make_shared<QPromise<Result<QJsonObject>>>();
    reply->start();
    onResult(m_store.putDoc(doc), this, [this, doc, reply](const VoidResult& r) {
        if (!r) {
            reply->addResult(r.error());
        } else {
            adopt(doc, false);
            arm();
            qCInfo(lcCore).noquote() << "schedules: created" << doc.id;
            reply->addResult(scheduleJson(doc, m_now()));
        }
        reply->finish();
    });
    return reply->future();
}

QFuture<Result<QJsonObject>> ScheduleManager::replace(const QString& id, ScheduleSpec spec)
{
    auto it = m_entries.find(id);
    if (it == m_entries.end())
        return readyResult(Result<QJsonObject>(noSchedule(id)));
    StoredDoc after = it->doc;
    auto clock = ScheduleClock::of(spec, after.createdMs);
    if (!clock)
        return readyResult(Result<QJsonObject>(clock.error()));
    after.status = spec.paused ? QStringLiteral("paused") : QStringLiteral("active");
    after.updatedMs = nextWriteMs(after);
    const auto next = clock->nextAfter(m_now());
    after.doc.insert(QStringLiteral("spec"), spec.toJson());
    after.doc.insert(QStringLiteral("next_fire_ms"), next ? *next : 0);
    auto reply = std::make_shared<QPromise<Result<QJsonObject>>>();
    reply->start();
    onResult(m_store.putDoc(after), this, [this, after, reply](const VoidResult& r) {
        if (!r) {
            reply->addResult(r.error());
        } else {
            adopt(after, false);
            arm();
            reply->addResult(scheduleJson(after, m_now()));
        }
        reply->finish();
    });
    return reply->future();
}

QFuture<Result<QJsonObject>> ScheduleManager::setPaused(const QString& id, bool paused)
{
    auto it = m_entries.find(id);
    if (it == m_entries.end())
        return readyResult(Result<QJsonObject>(noSchedule(id)));
    ScheduleSpec spec = it->spec;
    spec.paused = paused;
    return replace(id, spec);
}

QFuture<VoidResult> ScheduleManager::remove(const QString& id)
{
    auto reply = std::make_shared<QPromise<VoidResult>>();
    reply->start();
    onResult(m_store.deleteDoc(kDocSchedule, id), this, [this, id, reply](const VoidResult& r) {
        if (r || r.error().code == ErrorCode::NotFound) {
            m_entries.remove(id);
            if (!m_loaded)
                m_removedSinceStart.insert(id);
        }
        reply->addResult(r ? r : VoidResult(r.error().code == ErrorCode::NotFound ? noSchedule(id) : r.error()));
        reply->finish();
    });
    return reply->future();
}

QFuture<Result<QJsonObject>> ScheduleManager::runNow(const QString& id)
{
    auto it = m_entries.find(id);
    if (it == m_entries.end())
        return readyResult(Result<QJsonObject>(noSchedule(id)));
    fire(id, 0, true);
    return readyResult(Result<QJsonObject>(scheduleJson(m_entries.value(id).doc, m_now())));
}

QFuture<Result<QJsonObject>> ScheduleManager::get(const QString& id)
{
    auto reply = std::make_shared<QPromise<Result<QJsonObject>>>();
    reply->start();
    onResult(m_store.doc(kDocSchedule, id), this, [this, id, reply](const Result<StoredDoc>& d) {
        reply->addResult(d ? Result<QJsonObject>(scheduleJson(*d, m_now())) : Result<QJsonObject>(noSchedule(id)));
        reply->finish();
    });
    return reply->future();
}

QFuture<Result<QJsonArray>> ScheduleManager::list(const DocQuery& query)
{
    auto reply = std::make_shared<QPromise<Result<QJsonArray>>>();
    reply->start();
    onResult(m_store.docs(query), this, [this, reply](const Result<QList<StoredDoc>>& docs) {
        if (!docs) {
            reply->addResult(docs.error());
        } else {
            QJsonArray out;
            for (const StoredDoc& d : *docs)
                out.append(scheduleJson(d, m_now()));
            reply->addResult(out);
        }
        reply->finish();
    });
    return reply->future();
}

} // namespace llmsched
