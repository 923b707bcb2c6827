#include "engine.h"

#ifdef Q_OS_LINUX
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#endif

#include "core/logging.h"
#include "core/timeutil.h"
#include "sched/scheduler.h"

#include <QCoreApplication>
#include <QDir>
#include <QHostInfo>
#include <QJsonDocument>
#include <QSqlError>
#include <QSqlQuery>
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
    return Error::notFound(QStringLiteral("no task with id '%1' (ids are 26 characters, e.g. 01JD3Q9X5K8V2M4N6P7R8S9T0W)").arg(id.left(64)));
}

Error notRunning()
{
    return Error::unavailable(QStringLiteral("the engine is not running (not started, or shutting down)"));
}
} // namespace

QString defaultDataDir()
{
    return QDir(QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation)).filePath(QStringLiteral("llm-scheduler"));
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
    if (m_databasePath.isEmpty()) {
        QString dir = m_options.dataDir;
        if (dir.isEmpty())
            dir = defaultDataDir();
        m_databasePath = QDir(dir).filePath(kDatabaseFileName);
    }
    m_nodeId = m_options.nodeId.isEmpty() ? QStringLiteral("%1-%2").arg(QHostInfo::localHostName()).arg(QCoreApplication::applicationPid())
                                          : m_options.nodeId;
}

Engine::~Engine()
{
    shutdown(0);
}

namespace {

// Raises the calling thread's nice value by `delta` (Linux threads have their own).
void lowerCurrentThreadPriority(int delta)
{
#ifdef Q_OS_LINUX
    const auto tid = static_cast<id_t>(::syscall(SYS_gettid));
    errno = 0;
    const int current = ::getpriority(PRIO_PROCESS, tid);
    if (errno == 0 && ::setpriority(PRIO_PROCESS, tid, std::min(19, current + delta)) != 0)
        qCDebug(lcCore) << "could not lower the priority of an engine thread";
#else
    Q_UNUSED(delta);
#endif
}

} // namespace

VoidResult Engine::start()
{
    if (isRunning())
        return {};
    auto store = Store::open({ m_databasePath, m_nodeId, 2, m_options.walRewindBytes });
    if (!store)
        return store.error();
    m_store = std::move(*store);

    // Whatever was running when the last process stopped did not finish.
    auto recovered = std::make_shared<qint64>(0);
    m_store->writer().exec([recovered](QSqlDatabase& db) -> VoidResult {
        auto r = writes::recoverInterrupted(db, QStringLiteral("the scheduler stopped while it ran"));
        if (!r)
            return r.error();
        *recovered = *r;
        return {};
    });
    if (auto r = m_store->writer().flush(); !r) {
        m_store.reset();
        return r.error();
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
            m_store->writer().exec([demo](QSqlDatabase& db) { return writes::upsertModel(db, demo); });
            if (auto r = m_store->writer().flush(); !r) {
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
    if (!lastSeq || !paused || !spent) {
        const Error e = !lastSeq ? lastSeq.error() : !paused ? paused.error() : spent.error();
        m_store.reset();
        return e;
    }

    SchedulerOptions so;
    so.nodeId = m_nodeId;
    so.payloadBudgetBytes = m_options.payloadBudgetBytes;
    so.randomSeed = m_options.randomSeed;
    so.dispatch = m_options.dispatch;
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
        m_store->writer().exec([nice](QSqlDatabase&) {
            lowerCurrentThreadPriority(nice);
            return VoidResult {};
        });
    }
    VoidResult restored;
    QMetaObject::invokeMethod(
        scheduler, [&] { restored = scheduler->restore(*models, std::move(*active), *paused == QLatin1String("1"), *lastSeq, *spent); },
        Qt::BlockingQueuedConnection);
    if (!restored) {
        QMetaObject::invokeMethod(
            scheduler, [scheduler] { delete scheduler; }, Qt::BlockingQueuedConnection);
        m_thread.quit();
        m_thread.wait();
        m_store.reset();
        return restored;
    }
    {
        QWriteLocker life(&m_lifeLock);
        m_scheduler = scheduler;
        m_open = true;
    }
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

void Engine::queueWrite(WriteFn fn)
{
    QReadLocker life(&m_lifeLock); // the store is not closed while fn is queued
    if (m_open)
        m_store->writer().exec(std::move(fn));
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
    return m_open ? m_store->fileSizeBytes() : 0;
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
    return withStore<Result<Task>>(
        [&](Store& store) { return store.read([canonical](QSqlDatabase& db) { return queries::taskById(db, canonical); }); });
}

QFuture<Result<TaskPage>> Engine::tasks(const TaskFilter& filter)
{
    return withStore<Result<TaskPage>>(
        [&](Store& store) { return store.read([filter](QSqlDatabase& db) { return queries::listTasks(db, filter); }); });
}

QFuture<Result<qint64>> Engine::countTasks(const TaskFilter& filter)
{
    return withStore<Result<qint64>>(
        [&](Store& store) { return store.read([filter](QSqlDatabase& db) { return queries::countTasks(db, filter); }); });
}

QFuture<Result<QList<TaskLogEntry>>> Engine::taskLog(const QString& id)
{
    const auto u = parseId(id);
    if (!u)
        return readyFuture(Result<QList<TaskLogEntry>>(badId(id)));
    const QString canonical = u->toString();
    return withStore<Result<QList<TaskLogEntry>>>([&](Store& store) {
        return store.read([canonical](QSqlDatabase& db) -> Result<QList<TaskLogEntry>> {
            QSqlQuery q(db);
            q.prepare(QStringLiteral("SELECT seq FROM tasks WHERE id = ?"));
            q.addBindValue(canonical);
            if (!q.exec())
                return Error::store(q.lastError().text());
            if (!q.next())
                return Error::notFound(QStringLiteral("no task with id %1").arg(canonical));
            return queries::taskLog(db, q.value(0).toLongLong());
        });
    });
}

QFuture<Result<QList<MinuteStats>>> Engine::statsMinutes(qint64 fromMs, qint64 toMs, const QString& model)
{
    return withStore<Result<QList<MinuteStats>>>([&](Store& store) {
        return store.read([fromMs, toMs, model](QSqlDatabase& db) -> Result<QList<MinuteStats>> {
            QSqlQuery q(db);
            q.setForwardOnly(true);
            QString sql = QStringLiteral("SELECT minute, model, submitted, succeeded, failed, retried, dead, cancelled, "
                                         "latency_buckets, latency_sum_ms, wait_sum_ms, prompt_tokens, completion_tokens, "
                                         "cost_usd, queue_depth FROM stats_minute WHERE minute >= ? AND minute < ?");
            if (!model.isEmpty())
                sql += QStringLiteral(" AND model = ?");
            sql += QStringLiteral(" ORDER BY minute, model");
            q.prepare(sql);
            q.addBindValue(fromMs);
            q.addBindValue(toMs);
            if (!model.isEmpty())
                q.addBindValue(model);
            if (!q.exec())
                return Error::store(q.lastError().text());
            QList<MinuteStats> out;
            while (q.next()) {
                MinuteStats m;
                m.minuteMs = q.value(0).toLongLong();
                m.model = q.value(1).toString();
                m.counters.submitted = q.value(2).toLongLong();
                m.counters.succeeded = q.value(3).toLongLong();
                m.counters.failed = q.value(4).toLongLong();
                m.counters.retried = q.value(5).toLongLong();
                m.counters.dead = q.value(6).toLongLong();
                m.counters.cancelled = q.value(7).toLongLong();
                m.latency = Histogram::fromJson(QJsonDocument::fromJson(q.value(8).toByteArray()).array(), q.value(9).toDouble() / 1000.0);
                m.waitSumMs = q.value(10).toDouble();
                m.counters.promptTokens = q.value(11).toLongLong();
                m.counters.completionTokens = q.value(12).toLongLong();
                m.counters.costUsd = q.value(13).toDouble();
                m.queueDepth = q.value(14).toLongLong();
                out.append(std::move(m));
            }
            return out;
        });
    });
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

QFuture<VoidResult> Engine::setPaused(bool paused)
{
    return post<VoidResult>([paused](Scheduler& s, auto r) { s.setPaused(paused, r); });
}

std::shared_ptr<const EngineSnapshot> Engine::snapshot() const
{
    QMutexLocker lock(&m_snapshotMutex);
    return m_snapshot;
}

} // namespace llmsched

namespace llmsched {

namespace {
// A write through the store writer, answered as a future.
template <typename T, typename F> QFuture<Result<T>> writeFuture(Store& store, F&& fn)
{
    auto promise = std::make_shared<QPromise<Result<T>>>();
    promise->start();
    auto out = std::make_shared<std::optional<Result<T>>>();
    store.writer().exec(
        [fn = std::forward<F>(fn), out](QSqlDatabase& db) -> VoidResult {
            Result<T> r = fn(db);
            const VoidResult status = r ? VoidResult {} : VoidResult(r.error());
            *out = std::move(r);
            return status;
        },
        [promise, out](VoidResult status) {
            promise->addResult(out->has_value() ? std::move(**out) : Result<T>(status.error()));
            promise->finish();
        });
    return promise->future();
}
} // namespace

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
    return withStore<Result<NewToken>>(
        [&](Store& store) { return writeFuture<NewToken>(store, [name, role](QSqlDatabase& db) { return tokens::create(db, name, role); }); });
}

QFuture<Result<QList<ApiToken>>> Engine::apiTokens()
{
    return withStore<Result<QList<ApiToken>>>([&](Store& store) { return store.read([](QSqlDatabase& db) { return tokens::list(db); }); });
}

QFuture<VoidResult> Engine::revokeToken(const QString& id)
{
    return withStore<VoidResult>([&](Store& store) {
        auto promise = std::make_shared<QPromise<VoidResult>>();
        promise->start();
        store.writer().exec([id](QSqlDatabase& db) { return tokens::revoke(db, id); },
            [this, promise](VoidResult r) {
                if (r)
                    emit tokensChanged();
                promise->addResult(r);
                promise->finish();
            });
        return promise->future();
    });
}

QFuture<Result<QHash<QByteArray, ApiToken>>> Engine::activeTokens()
{
    return withStore<Result<QHash<QByteArray, ApiToken>>>(
        [&](Store& store) { return store.read([](QSqlDatabase& db) { return tokens::active(db); }); });
}

void Engine::recordTokenUse(const QHash<QString, qint64>& lastUsed)
{
    if (lastUsed.isEmpty())
        return;
    queueWrite([lastUsed](QSqlDatabase& db) { return tokens::touch(db, lastUsed); });
}

void Engine::audit(const QList<AuditEntry>& entries)
{
    if (entries.isEmpty())
        return;
    queueWrite([entries](QSqlDatabase& db) { return tokens::audit(db, entries); });
}

QFuture<Result<QList<AuditEntry>>> Engine::auditLog(qint64 sinceMs, int limit)
{
    // Read through the writer, not a reader connection: audit() only queues its
    // rows, and a reader could run before they commit, so the REST server's
    // flush-then-read would miss the latest changes.
    return withStore<Result<QList<AuditEntry>>>([&](Store& store) {
        return writeFuture<QList<AuditEntry>>(store, [sinceMs, limit](QSqlDatabase& db) { return tokens::auditLog(db, sinceMs, limit); });
    });
}

} // namespace llmsched
