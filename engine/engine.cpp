#include "engine.h"

#include "batchmanager.h"
#include "schedulemanager.h"
#include "webhookmanager.h"
#include "workflowmanager.h"

#include "core/databaseurl.h"

#include "core/echolimits.h"

#include "core/futures.h"
#include "core/logging.h"
#include "core/threadpriority.h"
#include "core/timeutil.h"
#include "sched/reply.h"
#include "sched/scheduler.h"
#include "store/store.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QHostInfo>
#include <QJsonDocument>
#include <QStandardPaths>

#include <future>

namespace llmsched {

namespace {
template <typename T> QFuture<T> readyFuture(T value)
{
    QPromise<T> p;
    p.start();
    p.addResult(std::move(value));
    p.finish();
    return p.future();
}

std::optional<Ulid> parseId(const QString& id)
{
    return Ulid::fromString(QStringView(id).trimmed());
}

Error badId(const QString& id)
{
    return Error::notFound(
        QStringLiteral("no task with id '%1' (ids are 26 characters, e.g. 01JD3Q9X5K8V2M4N6P7R8S9T0W)").arg(id.left(kEchoNameChars)));
}

Error notRunning()
{
    return Error::unavailable(QStringLiteral("the engine is not running (not started, or shutting down)"));
}

Error noSuchModel(const QString& name)
{
    return Error::notFound(QStringLiteral("no model named '%1'").arg(name.left(kEchoValueChars)));
}
} // namespace

QString defaultDataDir()
{
    return QDir(QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation)).filePath(QStringLiteral("llm-scheduler"));
}

Result<StoreCopyReport> copyStoreToPostgres(const QString& sqlitePath, const QString& postgresUrl, bool replace)
{
    return Store::copySqliteToPostgres(sqlitePath, postgresUrl, replace);
}

Engine::Engine(EngineOptions options, EngineHost* host, QObject* parent)
    : QObject(parent)
    , m_options(std::move(options))
    , m_host(host)
{
    qRegisterMetaType<TaskEvents>();
    qRegisterMetaType<Notification>();
    qRegisterMetaType<EngineSnapshot>();
    qRegisterMetaType<TaskOutcome>();
    m_thread.setObjectName(QStringLiteral("engine"));
    m_snapshot = std::make_shared<EngineSnapshot>();
    m_databasePath = m_options.databasePath;
    m_databaseTarget = m_databasePath;
    if (isPostgresUrl(m_databasePath)) {
        // Shown and logged without its password.
        auto url = parsePostgresUrl(m_databasePath);
        m_databasePath = url ? url->display() : QStringLiteral("postgresql://(malformed URL)");
    } else if (m_databasePath.isEmpty()) {
        QString dir = m_options.dataDir;
        if (dir.isEmpty())
            dir = defaultDataDir();
        m_databasePath = QDir(dir).filePath(kDatabaseFileName);
        m_databaseTarget = m_databasePath;
    }
    m_nodeId = m_options.nodeId.isEmpty() ? QStringLiteral("%1-%2").arg(QHostInfo::localHostName()).arg(QCoreApplication::applicationPid())
                                          : m_options.nodeId;
}

Engine::~Engine()
{
    shutdown(0);
}

VoidResult Engine::start()
{
    if (isRunning())
        return {};
    auto store = Store::open({ m_databaseTarget, m_nodeId, 2, m_options.walRewindBytes });
    if (!store)
        return store.error();
    m_store = std::move(*store);

    // Whatever was running when the last process stopped did not finish.
    const Result<qint64> recovered = m_store->recoverInterrupted(QStringLiteral("the scheduler stopped while it ran")).result();
    if (!recovered) {
        m_store.reset();
        return recovered.error();
    }
    if (*recovered > 0)
        qCInfo(lcCore) << "recovered" << *recovered << "tasks that were running when the scheduler last stopped";

    auto models = m_store->loadModelsNow();
    if (!models) {
        m_store.reset();
        return models.error();
    }
    if (m_options.simulate) {
        const bool hasDemo = std::any_of(models->cbegin(), models->cend(), [](const ModelConfig& m) { return m.name == QLatin1String("demo"); });
        if (!hasDemo) {
            const ModelConfig demo = ModelConfig::simulatedDemo();
            if (auto r = m_store->upsertModel(demo).result(); !r) {
                m_store.reset();
                return r.error();
            }
            models->append(demo);
        }
    }
    auto active = m_store->loadActiveNow();
    if (!active) {
        const Error e = active.error();
        m_store.reset();
        return e;
    }
    auto lastSeq = m_store->maxSeqNow();
    auto paused = m_store->settingNow(QStringLiteral("paused"));
    auto spent = m_store->costSinceNow(utcDayStartMs(nowMs()));
    auto finished = m_store->finishedCountsNow();
    if (!lastSeq || !paused || !spent || !finished) {
        const Error e = !lastSeq ? lastSeq.error() : !paused ? paused.error() : !spent ? spent.error() : finished.error();
        m_store.reset();
        return e;
    }

    SchedulerOptions so;
    so.nodeId = m_nodeId;
    so.payloadBudgetBytes = m_options.payloadBudgetBytes;
    so.randomSeed = m_options.randomSeed;
    so.dispatch = m_options.dispatch;
    so.secrets = m_options.secrets;
    if (!isPostgresUrl(m_databaseTarget))
        so.secrets.fileDirs.append(QFileInfo(m_databasePath).absolutePath());
    auto* scheduler = new Scheduler(*m_store, so, [this](std::shared_ptr<const EngineSnapshot> s) {
        QMutexLocker lock(&m_snapshotMutex);
        m_snapshot = std::move(s);
    });
    scheduler->moveToThread(&m_thread);
    connect(scheduler, &Scheduler::taskEvents, this, &Engine::taskEvents);
    // Straight from the engine thread: a waiting HTTP caller gets them with one hop.
    connect(scheduler, &Scheduler::taskDelta, this, &Engine::taskDelta, Qt::DirectConnection);
    connect(scheduler, &Scheduler::taskFinished, this, &Engine::taskFinished, Qt::DirectConnection);
    connect(scheduler, &Scheduler::notification, this, [this](const Notification& n) {
        if (m_host)
            m_host->notify(n);
        emit notification(n);
    });
    m_thread.start();
    if (m_options.workerNice != 0) {
        const int nice = m_options.workerNice;
        QMetaObject::invokeMethod(
            scheduler, [nice] { lowerCurrentThreadPriority(nice); }, Qt::QueuedConnection);
        m_store->lowerWriterPriority(nice);
    }
    VoidResult restored;
    QMetaObject::invokeMethod(
        scheduler, [&] { restored = scheduler->restore(*models, std::move(*active), *paused == QLatin1String("1"), *lastSeq, *spent, *finished); },
        Qt::BlockingQueuedConnection);
    if (!restored) {
        QMetaObject::invokeMethod(
            scheduler, [scheduler] { delete scheduler; }, Qt::BlockingQueuedConnection);
        m_thread.quit();
        m_thread.wait();
        m_store.reset();
        return restored;
    }
    auto* batches = new BatchManager(*this, *m_store, m_options.batchWindowMs, m_options.fileRetentionDays);
    batches->moveToThread(&m_thread);
    auto* workflows = new WorkflowManager(*this, *m_store);
    workflows->moveToThread(&m_thread);
    // On the engine thread, straight from the scheduler: a workflow's end is
    // seen in the same turn as its last task's.
    connect(scheduler, &Scheduler::taskEvents, workflows, &WorkflowManager::onTaskEvents, Qt::DirectConnection);
    auto* schedules = new ScheduleManager(*this, *m_store, m_options.clock, m_store->shared());
    schedules->moveToThread(&m_thread);
    auto* webhooks = new WebhookManager(*m_store,
        WebhookOptions { m_options.webhookPrivateHosts, m_options.webhookRetryBaseMs, m_options.webhookTimeoutMs, 32, m_store->shared(), m_nodeId,
            m_options.webhookDeliveryRetentionMs });
    webhooks->moveToThread(&m_thread);
    connect(scheduler, &Scheduler::taskEvents, webhooks, &WebhookManager::onTaskEvents, Qt::DirectConnection);
    connect(workflows, &WorkflowManager::ended, webhooks, &WebhookManager::onWorkflowEnded, Qt::DirectConnection);
    {
        QWriteLocker life(&m_lifeLock);
        m_scheduler = scheduler;
        m_batches = batches;
        m_workflows = workflows;
        m_schedules = schedules;
        m_webhooks = webhooks;
        m_open = true;
    }
    QMetaObject::invokeMethod(batches, &BatchManager::start, Qt::QueuedConnection);
    QMetaObject::invokeMethod(workflows, &WorkflowManager::start, Qt::QueuedConnection);
    QMetaObject::invokeMethod(schedules, &ScheduleManager::start, Qt::QueuedConnection);
    QMetaObject::invokeMethod(webhooks, &WebhookManager::start, Qt::QueuedConnection);
    qCInfo(lcCore) << "engine started on" << m_databasePath << "as node" << m_nodeId;
    return {};
}

template <typename T, typename F, typename R> QFuture<T> Engine::postOr(F&& call, R&& refusal)
{
    // Held while the command is queued: shutdown() cannot delete the
    // scheduler between the check and the post.
    QReadLocker life(&m_lifeLock);
    if (!m_open)
        return readyFuture<T>(refusal());
    auto reply = makeReply<T>();
    QFuture<T> future = reply->future();
    QMetaObject::invokeMethod(
        m_scheduler, [s = m_scheduler, reply, call = std::forward<F>(call)]() mutable { call(*s, reply); }, Qt::QueuedConnection);
    return future;
}

template <typename T, typename F> QFuture<T> Engine::post(F&& call)
{
    return postOr<T>(std::forward<F>(call), [] { return T(notRunning()); });
}

template <typename R, typename F> QFuture<R> Engine::withStore(F&& fn) const
{
    QReadLocker life(&m_lifeLock); // the store is not closed while fn queues its work
    if (!m_open)
        return readyFuture<R>(R(notRunning()));
    return fn(*m_store);
}

template <typename F> void Engine::queueWrite(F&& fn)
{
    QReadLocker life(&m_lifeLock); // the store is not closed while fn is queued
    if (m_open)
        fn(*m_store);
}

bool Engine::isRunning() const
{
    QReadLocker life(&m_lifeLock);
    return m_open;
}

QFuture<VoidResult> Engine::stop(int drainMs)
{
    return post<VoidResult>([drainMs](Scheduler& s, Reply<VoidResult> r) { s.stop(drainMs, r); });
}

void Engine::shutdown(int drainMs)
{
    {
        // From here every call is refused at once ("not running"); none can
        // reach the scheduler or the store that are about to go.
        QWriteLocker life(&m_lifeLock);
        if (!m_open)
            return;
        m_open = false;
    }
    Scheduler* s = m_scheduler;
    auto reply = makeReply<VoidResult>();
    QFuture<VoidResult> stopped = reply->future();
    QMetaObject::invokeMethod(
        s, [s, reply, drainMs] { s->stop(drainMs, reply); }, Qt::QueuedConnection);
    stopped.waitForFinished();
    BatchManager* batches = m_batches;
    QMetaObject::invokeMethod(
        batches, [batches] { delete batches; }, Qt::BlockingQueuedConnection);
    m_batches = nullptr;
    ScheduleManager* schedules = m_schedules;
    QMetaObject::invokeMethod(
        schedules, [schedules] { delete schedules; }, Qt::BlockingQueuedConnection);
    m_schedules = nullptr;
    WorkflowManager* workflows = m_workflows;
    QMetaObject::invokeMethod(
        workflows, [workflows] { delete workflows; }, Qt::BlockingQueuedConnection);
    m_workflows = nullptr;
    WebhookManager* webhooks = m_webhooks;
    QMetaObject::invokeMethod(
        webhooks, [webhooks] { delete webhooks; }, Qt::BlockingQueuedConnection);
    m_webhooks = nullptr;
    QMetaObject::invokeMethod(
        s, [s] { delete s; }, Qt::BlockingQueuedConnection);
    m_scheduler = nullptr;
    m_thread.quit();
    m_thread.wait();
    m_store.reset(); // waits for reads in flight
    qCInfo(lcCore) << "engine stopped";
}

qint64 Engine::storeSizeBytes() const
{
    QReadLocker life(&m_lifeLock);
    return m_open ? m_store->sizeBytes() : 0;
}

QFuture<Result<QList<SubmitOutcome>>> Engine::submit(QList<TaskSpec> specs, bool watch)
{
    return post<Result<QList<SubmitOutcome>>>(
        [specs = std::move(specs), watch](Scheduler& s, auto r) mutable { s.submit(std::move(specs), r, watch); });
}

QFuture<QList<Result<QList<SubmitOutcome>>>> Engine::submitEach(QList<QList<TaskSpec>> groups)
{
    const qsizetype count = groups.size();
    return postOr<QList<Result<QList<SubmitOutcome>>>>(
        [groups = std::move(groups)](Scheduler& s, auto r) mutable { s.submitEach(std::move(groups), r); },
        [count] { return QList<Result<QList<SubmitOutcome>>>(count, Result<QList<SubmitOutcome>>(notRunning())); });
}

QFuture<Result<TaskState>> Engine::cancel(const QString& id)
{
    const auto u = parseId(id);
    if (!u)
        return readyFuture(Result<TaskState>(badId(id)));
    return post<Result<TaskState>>([u](Scheduler& s, auto r) { s.cancel(*u, r); });
}

QFuture<VoidResult> Engine::setPriority(const QString& id, int priority)
{
    const auto u = parseId(id);
    if (!u)
        return readyFuture(VoidResult(badId(id)));
    return post<VoidResult>([u, priority](Scheduler& s, auto r) { s.setPriority(*u, priority, r); });
}

QFuture<Result<TaskState>> Engine::retry(const QString& id)
{
    const auto u = parseId(id);
    if (!u)
        return readyFuture(Result<TaskState>(badId(id)));
    return post<Result<TaskState>>([u](Scheduler& s, auto r) { s.retry(*u, r); });
}

QFuture<Result<qint64>> Engine::requeueDead(const QString& model, int limit)
{
    return post<Result<qint64>>([model, limit](Scheduler& s, auto r) { s.requeueDead(model, limit, r); });
}

QFuture<Result<qint64>> Engine::purge(TaskState state, const QString& model, qint64 olderThanMs)
{
    return post<Result<qint64>>([state, model, olderThanMs](Scheduler& s, auto r) { s.purge(state, model, olderThanMs, r); });
}

QFuture<Result<Task>> Engine::task(const QString& id)
{
    const auto u = parseId(id);
    if (!u)
        return readyFuture(Result<Task>(badId(id)));
    const QString canonical = u->toString();
    return withStore<Result<Task>>([&](Store& store) { return store.task(canonical); });
}

QFuture<Result<TaskPage>> Engine::tasks(const TaskFilter& filter)
{
    return withStore<Result<TaskPage>>([&](Store& store) { return store.tasks(filter); });
}

QFuture<Result<qint64>> Engine::countTasks(const TaskFilter& filter)
{
    return withStore<Result<qint64>>([&](Store& store) { return store.countTasks(filter); });
}

QFuture<Result<QList<TaskLogEntry>>> Engine::taskLog(const QString& id)
{
    const auto u = parseId(id);
    if (!u)
        return readyFuture(Result<QList<TaskLogEntry>>(badId(id)));
    const QString canonical = u->toString();
    return withStore<Result<QList<TaskLogEntry>>>([&](Store& store) { return store.taskLog(canonical); });
}

// ---- files and batches ----------------------------------------------------------------

QFuture<Result<StoredFile>> Engine::putFile(StoredFile file, const QByteArray& content)
{
    file.id = QStringLiteral("file-") + UlidGenerator::next().toString();
    file.bytes = content.size();
    file.createdMs = nowMs();
    return withStore<Result<StoredFile>>([&](Store& store) {
        return store.putFile(file, content).then([file](const VoidResult& r) {
            return r ? Result<StoredFile>(file) : Result<StoredFile>(r.error());
        });
    });
}

QFuture<Result<QList<StoredFile>>> Engine::files(const QStringList& purposes, int limit, const QString& after)
{
    return withStore<Result<QList<StoredFile>>>([&](Store& store) { return store.files(purposes, limit, after); });
}

QFuture<Result<StoredFile>> Engine::file(const QString& id)
{
    return withStore<Result<StoredFile>>([&](Store& store) { return store.file(id); });
}

QFuture<Result<QByteArray>> Engine::fileContent(const QString& id)
{
    return withStore<Result<QByteArray>>([&](Store& store) { return store.fileContent(id); });
}

QFuture<VoidResult> Engine::deleteFile(const QString& id)
{
    return withStore<VoidResult>([&](Store& store) { return store.deleteFile(id); });
}

QFuture<Result<BatchRecord>> Engine::createBatch(BatchRecord request)
{
    request.group = UlidGenerator::next().toString();
    request.id = (request.api == QLatin1String("anthropic") ? QStringLiteral("msgbatch_") : QStringLiteral("batch_")) + request.group;
    return onBatches([request](BatchManager& m) { return m.create(request); });
}

QFuture<Result<BatchRecord>> Engine::batch(const QString& id)
{
    return withStore<Result<BatchRecord>>([&](Store& store) { return store.batch(id); });
}

QFuture<Result<QList<BatchRecord>>> Engine::batches(const QString& api, int limit, const QString& after)
{
    return withStore<Result<QList<BatchRecord>>>([&](Store& store) { return store.batches(api, limit, after); });
}

QFuture<Result<BatchRecord>> Engine::cancelBatch(const QString& id)
{
    return onBatches([id](BatchManager& m) { return m.cancel(id); });
}

QFuture<Result<WorkflowView>> Engine::createWorkflow(WorkflowPlan plan)
{
    return onManager<Result<WorkflowView>>(
        &Engine::m_workflows, [plan = std::move(plan)](WorkflowManager& m) mutable { return m.create(std::move(plan)); });
}

QFuture<Result<WorkflowView>> Engine::workflow(const QString& id)
{
    return onManager<Result<WorkflowView>>(&Engine::m_workflows, [id](WorkflowManager& m) { return m.view(id); });
}

QFuture<Result<QList<WorkflowView>>> Engine::workflows(const DocQuery& query)
{
    return onManager<Result<QList<WorkflowView>>>(&Engine::m_workflows, [query](WorkflowManager& m) { return m.list(query); });
}

QFuture<Result<WorkflowView>> Engine::cancelWorkflow(const QString& id)
{
    return onManager<Result<WorkflowView>>(&Engine::m_workflows, [id](WorkflowManager& m) { return m.cancel(id); });
}

QFuture<Result<QJsonObject>> Engine::workflowGraph(const QString& id)
{
    return onManager<Result<QJsonObject>>(&Engine::m_workflows, [id](WorkflowManager& m) { return m.graph(id); });
}

QFuture<Result<QJsonObject>> Engine::createSchedule(ScheduleSpec spec)
{
    return onManager<Result<QJsonObject>>(
        &Engine::m_schedules, [spec = std::move(spec)](ScheduleManager& m) mutable { return m.create(std::move(spec)); });
}

QFuture<Result<QJsonObject>> Engine::schedule(const QString& id)
{
    return onManager<Result<QJsonObject>>(&Engine::m_schedules, [id](ScheduleManager& m) { return m.get(id); });
}

QFuture<Result<QJsonArray>> Engine::schedules(const DocQuery& query)
{
    return onManager<Result<QJsonArray>>(&Engine::m_schedules, [query](ScheduleManager& m) { return m.list(query); });
}

QFuture<Result<QJsonObject>> Engine::replaceSchedule(const QString& id, ScheduleSpec spec)
{
    return onManager<Result<QJsonObject>>(
        &Engine::m_schedules, [id, spec = std::move(spec)](ScheduleManager& m) mutable { return m.replace(id, std::move(spec)); });
}

QFuture<Result<QJsonObject>> Engine::pauseSchedule(const QString& id, bool paused)
{
    return onManager<Result<QJsonObject>>(&Engine::m_schedules, [id, paused](ScheduleManager& m) { return m.setPaused(id, paused); });
}

QFuture<VoidResult> Engine::deleteSchedule(const QString& id)
{
    return onManager<VoidResult>(&Engine::m_schedules, [id](ScheduleManager& m) { return m.remove(id); });
}

QFuture<Result<QJsonObject>> Engine::runSchedule(const QString& id)
{
    return onManager<Result<QJsonObject>>(&Engine::m_schedules, [id](ScheduleManager& m) { return m.runNow(id); });
}

QFuture<Result<StoredDoc>> Engine::putTemplate(const QString& name, TemplateVersion version)
{
    return onManager<Result<StoredDoc>>(&Engine::m_workflows,
        [name, version = std::move(version)](WorkflowManager& m) mutable { return m.addTemplateVersion(name, std::move(version)); });
}

QFuture<Result<StoredDoc>> Engine::templateDoc(const QString& name)
{
    return withStore<Result<StoredDoc>>([&](Store& store) { return store.doc(kDocTemplate, name); });
}

QFuture<Result<QList<StoredDoc>>> Engine::templates(const DocQuery& query)
{
    return withStore<Result<QList<StoredDoc>>>([&](Store& store) { return store.docs(query); });
}

QFuture<VoidResult> Engine::deleteTemplate(const QString& name)
{
    return withStore<VoidResult>([&](Store& store) { return store.deleteDoc(kDocTemplate, name); });
}

QFuture<Result<TemplateSubmission>> Engine::submitFromTemplate(
    const QString& name, int version, QList<TemplateRow> rows, bool skipInvalid, bool single)
{
    return onManager<Result<TemplateSubmission>>(
        &Engine::m_workflows, [name, version, rows = std::move(rows), skipInvalid, single](WorkflowManager& m) mutable {
            return m.submitFromTemplate(name, version, std::move(rows), skipInvalid, single);
        });
}

QFuture<Result<QJsonObject>> Engine::createWebhook(WebhookSpec spec)
{
    return onManager<Result<QJsonObject>>(
        &Engine::m_webhooks, [spec = std::move(spec)](WebhookManager& m) mutable { return m.create(std::move(spec)); });
}

QFuture<Result<QJsonObject>> Engine::webhook(const QString& id)
{
    return onManager<Result<QJsonObject>>(&Engine::m_webhooks, [id](WebhookManager& m) { return m.get(id); });
}

QFuture<Result<QJsonArray>> Engine::webhooks()
{
    return onManager<Result<QJsonArray>>(&Engine::m_webhooks, [](WebhookManager& m) { return m.list(); });
}

QFuture<Result<QJsonObject>> Engine::pauseWebhook(const QString& id, bool paused)
{
    return onManager<Result<QJsonObject>>(&Engine::m_webhooks, [id, paused](WebhookManager& m) { return m.setPaused(id, paused); });
}

QFuture<VoidResult> Engine::deleteWebhook(const QString& id)
{
    return onManager<VoidResult>(&Engine::m_webhooks, [id](WebhookManager& m) { return m.remove(id); });
}

QFuture<Result<QJsonArray>> Engine::webhookDeliveries(const QString& id, const DocQuery& query)
{
    return onManager<Result<QJsonArray>>(&Engine::m_webhooks, [id, query](WebhookManager& m) { return m.deliveries(id, query); });
}

QFuture<Result<QJsonObject>> Engine::webhookDelivery(const QString& id, const QString& deliveryId)
{
    return onManager<Result<QJsonObject>>(&Engine::m_webhooks, [id, deliveryId](WebhookManager& m) { return m.delivery(id, deliveryId); });
}

QFuture<Result<QJsonObject>> Engine::redeliverWebhook(const QString& id, const QString& deliveryId)
{
    return onManager<Result<QJsonObject>>(&Engine::m_webhooks, [id, deliveryId](WebhookManager& m) { return m.redeliver(id, deliveryId); });
}

QFuture<Result<QJsonObject>> Engine::pingWebhook(const QString& id)
{
    return onManager<Result<QJsonObject>>(&Engine::m_webhooks, [id](WebhookManager& m) { return m.ping(id); });
}

template <typename T, typename M, typename F> QFuture<T> Engine::onManager(M* Engine::*manager, F&& call)
{
    QReadLocker life(&m_lifeLock);
    if (!m_open)
        return readyFuture(T(notRunning()));
    M* m = this->*manager;
    auto reply = makeReply<T>();
    QFuture<T> future = reply->future();
    QMetaObject::invokeMethod(
        m, [m, reply, call = std::forward<F>(call)]() mutable { onResult(call(*m), m, [reply](const T& r) { resolve(reply, r); }); },
        Qt::QueuedConnection);
    return future;
}

template <typename F> QFuture<Result<BatchRecord>> Engine::onBatches(F&& call)
{
    QReadLocker life(&m_lifeLock);
    if (!m_open)
        return readyFuture(Result<BatchRecord>(notRunning()));
    auto reply = makeReply<Result<BatchRecord>>();
    QFuture<Result<BatchRecord>> future = reply->future();
    QMetaObject::invokeMethod(
        m_batches,
        [m = m_batches, reply, call = std::forward<F>(call)]() mutable {
            onResult(call(*m), m, [reply](const Result<BatchRecord>& r) { resolve(reply, r); });
        },
        Qt::QueuedConnection);
    return future;
}

QFuture<Result<QList<NodeInfo>>> Engine::nodes()
{
    return withStore<Result<QList<NodeInfo>>>([](Store& store) { return store.nodes(); }).then([self = m_nodeId](Result<QList<NodeInfo>> r) {
        if (r) {
            const qint64 now = nowMs();
            for (NodeInfo& n : *r) {
                n.isSelf = n.id == self;
                n.isOnline = n.online(now);
            }
        }
        return r;
    });
}

QFuture<VoidResult> Engine::setNodeAddress(const QString& address)
{
    return post<VoidResult>([address](Scheduler& s, Reply<VoidResult> r) { s.setNodeAddress(address, r); });
}

QFuture<Result<QList<MinuteStats>>> Engine::statsMinutes(const StatsQuery& query)
{
    return withStore<Result<QList<MinuteStats>>>([&](Store& store) { return store.statsMinutes(query); });
}

QList<ModelConfig> Engine::models() const
{
    QList<ModelConfig> out;
    const auto snap = snapshot();
    for (const ModelSnapshot& m : snap->models)
        out.append(m.config);
    return out;
}

QFuture<Result<ModelConfig>> Engine::upsertModel(const ModelConfig& model)
{
    return post<Result<ModelConfig>>([model](Scheduler& s, auto r) { s.upsertModel(model, r); });
}

QFuture<VoidResult> Engine::removeModel(const QString& name)
{
    return post<VoidResult>([name](Scheduler& s, auto r) { s.removeModel(name, r); });
}

QFuture<VoidResult> Engine::setModelPaused(const QString& name, bool paused)
{
    return post<VoidResult>([name, paused](Scheduler& s, auto r) { s.setModelPaused(name, paused, r); });
}

QFuture<Result<ModelConfig>> Engine::upsertEndpoint(const QString& model, const EndpointConfig& endpoint, bool create)
{
    std::optional<ModelConfig> changed = this->model(model);
    if (!changed)
        return readyFuture(Result<ModelConfig>(noSuchModel(model)));
    if (endpoint.name.isEmpty())
        return readyFuture(Result<ModelConfig>(Error::invalid(QStringLiteral("name"), QStringLiteral("is required"))));
    const auto same = [&endpoint](const EndpointConfig& e) { return e.name == endpoint.name; };
    if (const auto at = std::find_if(changed->endpoints.begin(), changed->endpoints.end(), same); at != changed->endpoints.end()) {
        if (create)
            return readyFuture(Result<ModelConfig>(Error { ErrorCode::Conflict,
                QStringLiteral("model '%1' already has an endpoint '%2'").arg(changed->name, endpoint.name), QStringLiteral("name") }));
        *at = endpoint;
    } else {
        changed->endpoints.append(endpoint);
    }
    return upsertModel(*changed);
}

QFuture<Result<ModelConfig>> Engine::removeEndpoint(const QString& model, const QString& endpoint)
{
    std::optional<ModelConfig> changed = this->model(model);
    if (!changed)
        return readyFuture(Result<ModelConfig>(noSuchModel(model)));
    if (changed->endpoints.removeIf([&endpoint](const EndpointConfig& e) { return e.name == endpoint; }) == 0)
        return readyFuture(Result<ModelConfig>(
            Error::notFound(QStringLiteral("model '%1' has no endpoint '%2'").arg(changed->name, endpoint.left(kEchoValueChars)))));
    return upsertModel(*changed);
}

QFuture<VoidResult> Engine::setPaused(bool paused)
{
    return post<VoidResult>([paused](Scheduler& s, auto r) { s.setPaused(paused, r); });
}

std::optional<ModelConfig> Engine::model(const QString& name) const
{
    const auto snap = snapshot();
    for (const ModelSnapshot& m : snap->models)
        if (m.name == name)
            return m.config;
    return std::nullopt;
}

std::shared_ptr<const EngineSnapshot> Engine::snapshot() const
{
    QMutexLocker lock(&m_snapshotMutex);
    return m_snapshot;
}

} // namespace llmsched

namespace llmsched {

QFuture<Result<QList<EndpointTestResult>>> Engine::testConnection(const ModelConfig& model)
{
    return post<Result<QList<EndpointTestResult>>>([model](Scheduler& s, auto r) { s.testConnection(model, r); });
}

QFuture<VoidResult> Engine::storeSecret(const QString& name, const QByteArray& value)
{
    return post<VoidResult>([name, value](Scheduler& s, auto r) { s.storeSecret(name, value, r); });
}

QFuture<VoidResult> Engine::removeSecret(const QString& name)
{
    return post<VoidResult>([name](Scheduler& s, auto r) { s.removeSecret(name, r); });
}

QFuture<Result<NewToken>> Engine::createToken(const QString& name, Role role)
{
    return withStore<Result<NewToken>>([&](Store& store) { return store.createToken(name, role); });
}

QFuture<Result<QList<ApiToken>>> Engine::apiTokens()
{
    return withStore<Result<QList<ApiToken>>>([&](Store& store) { return store.apiTokens(); });
}

QFuture<VoidResult> Engine::revokeToken(const QString& id)
{
    return withStore<VoidResult>([&](Store& store) {
        // Continued on the writer's thread, so the signal comes before any caller sees the answer.
        return store.revokeToken(id).then([this](const VoidResult& r) {
            if (r)
                emit tokensChanged();
            return r;
        });
    });
}

QFuture<Result<QHash<QByteArray, ApiToken>>> Engine::activeTokens()
{
    return withStore<Result<QHash<QByteArray, ApiToken>>>([&](Store& store) { return store.activeTokens(); });
}

void Engine::recordTokenUse(const QHash<QString, qint64>& lastUsed)
{
    if (lastUsed.isEmpty())
        return;
    queueWrite([&](Store& store) { store.touchTokens(lastUsed); });
}

void Engine::audit(const QList<AuditEntry>& entries)
{
    if (entries.isEmpty())
        return;
    queueWrite([&](Store& store) { store.appendAudit(entries); });
}

QFuture<Result<QList<AuditEntry>>> Engine::auditLog(qint64 sinceMs, int limit)
{
    // Ordered after the rows audit() queued (the REST server's flush-then-read).
    return withStore<Result<QList<AuditEntry>>>([&](Store& store) { return store.auditLog(sinceMs, limit); });
}

} // namespace llmsched
