#include "scheduler.h"

#include "attemptverdict.h"

#include "core/echolimits.h"
#include "core/logging.h"
#include "core/timeutil.h"
#include "core/futures.h"
#include "core/steptemplate.h"

#include <QCoreApplication>
#include <QFuture>
#include <QScopeGuard>
#include <QSysInfo>
#include <QJsonDocument>
#include <QUrl>

#include <algorithm>

namespace llmsched {

namespace {
// How often the rollup looks whether a minute or 10-second slot is over: what
// happens between its end and the check is counted in it.
constexpr int kRollupCheckMs = 1000;
// A failed store read a task waits on is tried again after this.
constexpr int kStoreRetryMs = 1000;
constexpr qint64 kDefaultCompletionEstimate = 256;
const QString kPausedSetting = QStringLiteral("paused");
} // namespace

namespace {
qint64 unfinishedOf(const std::array<qint64, kTaskStateCount>& states)
{
    qint64 n = 0;
    for (int s = 0; s < kTaskStateCount; ++s)
        if (!isFinal(static_cast<TaskState>(s)))
            n += states[static_cast<size_t>(s)];
    return n;
}
} // namespace

qint64 Scheduler::ModelRuntime::unfinished() const
{
    return unfinishedOf(states);
}

qint64 Scheduler::ModelRuntime::unfinishedElsewhere() const
{
    return unfinishedOf(elsewhere);
}

Scheduler::Scheduler(Store& store, SchedulerOptions options, SnapshotSink sink)
    : m_store(store)
    , m_options(std::move(options))
    , m_http(new HttpClientPool(this))
    , m_secrets(new SecretStore(this))
    , m_providers { m_http, m_secrets }
    , m_endpoints(new EndpointSupervisor(
          [this](const auto& visit) {
              for (auto& m : m_models)
                  if (m && m->endpoints)
                      visit(m->config.name, *m->endpoints);
          },
          this))
    , m_sink(std::move(sink))
    , m_rng(m_options.randomSeed ? m_options.randomSeed : QRandomGenerator::global()->generate())
    , m_timer(this)
    , m_snapshotTimer(this)
    , m_leaseTimer(this)
    , m_rollupTimer(this)
    , m_eventTimer(this)
    , m_wakeTimer(this)
    , m_drainTimer(this)
    , m_clusterTimer(this)
{
    m_secrets->setPolicy(m_options.secrets);
    m_wakeTimer.setSingleShot(true);
    m_wakeTimer.setTimerType(Qt::PreciseTimer);
    connect(&m_wakeTimer, &QTimer::timeout, this, [this] {
        m_wakeAt = 0;
        postDispatch();
    });
    connect(m_endpoints, &EndpointSupervisor::notification, this, &Scheduler::notification);
    connect(m_endpoints, &EndpointSupervisor::wakeAt, this, &Scheduler::noteWake);
    connect(m_endpoints, &EndpointSupervisor::endpointsAvailable, this, &Scheduler::postDispatch);
    connect(m_endpoints, &EndpointSupervisor::checksFinished, this, &Scheduler::checkStopped);
    m_timer.setSingleShot(true);
    m_timer.setTimerType(Qt::PreciseTimer);
    connect(&m_timer, &QTimer::timeout, this, &Scheduler::onTimer);
    m_snapshotTimer.setInterval(kSnapshotIntervalMs);
    connect(&m_snapshotTimer, &QTimer::timeout, this, &Scheduler::publishSnapshot);
    m_leaseTimer.setInterval(kLeaseRenewMs);
    connect(&m_leaseTimer, &QTimer::timeout, this, &Scheduler::renewLease);
    m_rollupTimer.setInterval(kRollupCheckMs);
    connect(&m_rollupTimer, &QTimer::timeout, this, [this] { rollupStats(false); });
    m_eventTimer.setSingleShot(true);
    m_eventTimer.setInterval(kEventFlushMs);
    connect(&m_eventTimer, &QTimer::timeout, this, &Scheduler::flushEvents);
    m_drainTimer.setSingleShot(true);
    connect(&m_drainTimer, &QTimer::timeout, this, [this] {
        qCInfo(lcSched) << "drain time is up; interrupting" << m_calls.size() << "running calls";
        const auto calls = m_calls;
        for (const RunningCall& c : calls)
            c.control->abort(FailureKind::Interrupted);
        checkStopped();
    });
    m_store.setStatusListener([this](const WriterStatus& status) {
        // Writer thread: a watched task's caller hears of its outcome from
        // here (see OutcomeLane); the rest of the status goes through the
        // engine thread. The destructor waits for this to end.
        for (const TaskOutcome& outcome : m_outcomes.committed(status.committedTicket))
            emit taskFinished(outcome);
        QMetaObject::invokeMethod(
            this, [this, status] { onWriterStatus(status); }, Qt::QueuedConnection);
    });
}

Scheduler::~Scheduler()
{
    m_store.setNotificationListener({});
    m_store.setStatusListener({});
}

// ---- start-up ---------------------------------------------------------------

VoidResult Scheduler::restore(const QList<ModelConfig>& models, std::vector<ActiveRow> rows, bool paused, qint64 lastSeq,
    const QHash<QString, double>& spentToday, const QHash<QString, FinishedCounts>& finished)
{
    m_startedMs = nowMs();
    m_paused = paused;
    m_lastSeq = lastSeq;
    startCluster();
    for (const ModelConfig& m : models) {
        if (auto r = installModel(m); !r)
            qCWarning(lcSched) << "model" << m.name << "cannot run:" << r.error().toString();
        else if (ModelRuntime* rt = modelByName(m.name)) {
            rt->spentTodayUsd = spentToday.value(m.name);
            const FinishedCounts counts = finished.value(m.name);
            for (TaskState s : { TaskState::Succeeded, TaskState::Dead, TaskState::Cancelled })
                rt->states[static_cast<size_t>(s)] = counts[static_cast<size_t>(s)];
        }
    }
    // Queued tasks go back in their original order (enqueue time, then id).
    std::sort(rows.begin(), rows.end(),
        [](const ActiveRow& a, const ActiveRow& b) { return a.queuedMs < b.queuedMs || (a.queuedMs == b.queuedMs && a.seq < b.seq); });
    m_active.reserve(static_cast<qsizetype>(rows.size()));
    std::vector<std::pair<Ulid, QStringList>> blocked;
    qint64 orphaned = 0;
    for (ActiveRow& r : rows) {
        ModelRuntime* m = modelByName(r.model);
        if (!m) {
            TaskUpdate u;
            u.seq = r.seq;
            u.fields = TaskUpdate::State | TaskUpdate::ErrorText | TaskUpdate::FinishedAt;
            u.state = TaskState::Dead;
            u.error = QStringLiteral("model '%1' no longer exists").arg(r.model);
            u.finishedMs = m_startedMs;
            m_store.updateWithLog(u, { r.seq, { m_startedMs, LogLevel::Error, u.error, {} } });
            ++orphaned;
            continue;
        }
        auto it = m_active.insert(r.id, activeTaskFrom(r, m->config.timeoutMs));
        if (r.state == TaskState::Blocked)
            blocked.emplace_back(r.id, std::move(r.dependsOn));
        else
            placeByState(r.id, it.value());
    }
    for (auto& [id, deps] : blocked)
        checkDependencies(id, deps);
    if (orphaned)
        qCWarning(lcSched) << orphaned << "tasks belonged to models that no longer exist; moved to dead letters";
    qCInfo(lcSched) << "restored" << m_active.size() << "unfinished tasks across" << m_modelIndex.size() << "models";

    m_snapshotTimer.start();
    m_leaseTimer.start();
    m_rollupTimer.start();
    m_endpoints->start();
    renewLease();
    publishSnapshot();
    armTimer();
    postDispatch();
    return {};
}

Scheduler::ActiveTask Scheduler::activeTaskFrom(const ActiveRow& r, int timeoutMs)
{
    ActiveTask t;
    t.seq = r.seq;
    t.model = m_modelIndex.value(r.model);
    t.state = r.state;
    t.priority = static_cast<quint8>(r.priority);
    t.attempts = static_cast<quint8>(std::min(r.attempts, 255));
    t.maxAttempts = static_cast<quint8>(std::min(r.maxAttempts, 255));
    t.deadlineMs = r.deadlineMs;
    t.enqueuedMs = (r.state == TaskState::Scheduled || r.state == TaskState::RetryWait) ? r.runAtMs : r.queuedMs;
    t.timeoutMs = timeoutMs;
    modelAt(t.model).states[static_cast<size_t>(r.state)]++;
    return t;
}

Result<quint16> Scheduler::installModel(const ModelConfig& config)
{
    auto pool = EndpointPool::create(config, m_providers);
    if (!pool)
        return pool.error();
    if (auto it = m_modelIndex.find(config.name); it != m_modelIndex.end()) {
        ModelRuntime& m = *m_models[it.value()];
        m.config = config;
        if (m.endpoints) {
            (*pool)->adoptStateFrom(*m.endpoints);
            m.endpoints->retire();
        }
        m.endpoints = std::move(*pool);
        if (config.dailyBudgetUsd <= 0 || m.spentTodayUsd < config.dailyBudgetUsd)
            m.budgetNotified = false;
        applyShares();
        return it.value();
    }
    if (m_models.size() >= 0xFFFF)
        return Error::invalid(QStringLiteral("name"), QStringLiteral("too many models"));
    auto rt = std::make_unique<ModelRuntime>();
    rt->config = config;
    rt->endpoints = std::move(*pool);
    rt->stats = ModelStats(config.name);
    rt->budgetDayMs = utcDayStartMs(nowMs());
    if (m_shared)
        rt->clusterCap = 0; // until this node knows its share
    const auto index = static_cast<quint16>(m_models.size());
    m_models.push_back(std::move(rt));
    m_modelIndex.insert(config.name, index);
    applyShares();
    return index;
}

Scheduler::ModelRuntime* Scheduler::modelByName(const QString& name)
{
    auto it = m_modelIndex.constFind(name);
    return it == m_modelIndex.constEnd() ? nullptr : m_models[it.value()].get();
}

// ---- submit -----------------------------------------------------------------

std::optional<Error> Scheduler::checkSubmit(const QList<TaskSpec>& specs) const
{
    if (m_stopping)
        return Error::unavailable(QStringLiteral("the engine is stopping; submit again after it restarts"));
    if (specs.isEmpty())
        return Error::invalid(QStringLiteral("tasks"), QStringLiteral("must not be empty"));
    const bool many = specs.size() > 1;
    const auto field = [many](qsizetype i, const QString& name) { return many ? QStringLiteral("tasks[%1].%2").arg(i).arg(name) : name; };

    QHash<quint16, qint64> perModel;
    for (qsizetype i = 0; i < specs.size(); ++i) {
        auto it = m_modelIndex.constFind(specs.at(i).model);
        if (it == m_modelIndex.constEnd()) {
            QStringList known = m_modelIndex.keys();
            known.sort();
            return Error::invalid(field(i, QStringLiteral("model")),
                QStringLiteral("unknown model '%1'; known models: %2")
                    .arg(specs.at(i).model, known.isEmpty() ? QStringLiteral("none") : known.join(QStringLiteral(", "))));
        }
        perModel[it.value()]++;
    }
    for (auto it = perModel.cbegin(); it != perModel.cend(); ++it) {
        const ModelRuntime& m = *m_models[it.key()];
        const qint64 used = m.unfinished() + m.reserved + m.unowned + m.unfinishedElsewhere();
        if (used + it.value() > m.config.capacity) {
            return Error { ErrorCode::CapacityExceeded,
                QStringLiteral("the queue of model '%1' is full (%2 of %3 tasks); retry later or raise its capacity")
                    .arg(m.config.name)
                    .arg(used)
                    .arg(m.config.capacity),
                QStringLiteral("model") };
        }
    }
    return std::nullopt;
}

void Scheduler::makeRows(QList<TaskSpec>& specs, qint64 now, std::vector<NewTaskRow>& rows, bool watch)
{
    rows.reserve(rows.size() + static_cast<size_t>(specs.size()));
    for (TaskSpec& spec : specs) {
        ModelRuntime& m = *modelByName(spec.model);
        NewTaskRow row;
        row.seq = nextSeq();
        row.id = spec.presetId.isNull() ? UlidGenerator::next(now) : spec.presetId;
        row.state = !spec.dependsOn.isEmpty() ? TaskState::Blocked : spec.runAtMs > now ? TaskState::Scheduled : TaskState::Queued;
        row.maxAttempts = spec.maxAttempts > 0 ? spec.maxAttempts : m.config.retry.maxAttempts;
        row.timeoutMs = spec.timeoutMs > 0 ? spec.timeoutMs : m.config.timeoutMs;
        row.createdMs = now;
        row.queuedMs = row.state == TaskState::Queued ? now : 0;
        row.owned = keepsNewTask(m, row.state, watch);
        row.spec = std::move(spec);
        m.reserved++; // counts against the capacity until the rows are committed
        rows.push_back(std::move(row));
    }
}

void Scheduler::submit(QList<TaskSpec> specs, Reply<Result<QList<SubmitOutcome>>> reply, bool watch)
{
    if (auto refused = checkSubmit(specs))
        return resolve(reply, std::move(*refused));
    if (auto refused = numbersFor(specs.size()))
        return resolve(reply, std::move(*refused));
    std::vector<NewTaskRow> rows;
    makeRows(specs, nowMs(), rows, watch);
    const bool wake = anyUnowned(rows);
    const bool anyKey = std::any_of(rows.cbegin(), rows.cend(), [](const NewTaskRow& r) { return !r.spec.idempotencyKey.isEmpty(); });
    if (watch && !anyKey)
        return submitWatchedEarly(std::move(rows), reply);
    m_store.insertTasks(std::move(rows), [this, reply, watch](std::vector<NewTaskRow> done, InsertOutcome outcome) {
        // Writer thread: hand back to the engine thread.
        QMetaObject::invokeMethod(
            this,
            [this, reply, watch, done = std::move(done), outcome = std::move(outcome)]() mutable {
                Result<QList<SubmitOutcome>> r = onInserted(done, outcome, 0, done.size(), watch);
                releaseReserved(done);
                resolve(reply, std::move(r));
                afterAccepting();
            },
            Qt::QueuedConnection);
    });
    if (wake)
        wakeNodes();
}

// A watched submit (an OpenAI facade call) whose caller waits for the answer,
// not for the row: the task is taken in and may start before its row commits,
// which takes one commit off every facade call's path. The store writer keeps
// the order (the row goes in before any update of it), the task's events wait
// for the row's commit like every other event, and its final state is answered
// only after that commits. Nothing was promised to anyone before then, so a
// crash in between loses nothing that was accepted. Idempotent submits take the
// ordinary path: only the store can tell a duplicate.
void Scheduler::submitWatchedEarly(std::vector<NewTaskRow> rows, Reply<Result<QList<SubmitOutcome>>> reply)
{
    // The row and its attempt's start (dispatch() below) commit together.
    m_store.holdWrites();
    const auto release = qScopeGuard([this] { m_store.releaseWrites(); });
    std::vector<NewTaskRow> mine = rows; // the specs share their data
    InsertOutcome assumed;
    assumed.items.reserve(mine.size());
    for (const NewTaskRow& row : mine)
        assumed.items.push_back({ false, 0, row.id, row.state });
    const quint64 ticket = m_store.insertTasks(std::move(rows), [this](std::vector<NewTaskRow> done, InsertOutcome outcome) {
        if (outcome.status)
            return;
        QMetaObject::invokeMethod(
            this,
            [this, done = std::move(done), error = outcome.status.error()] {
                for (const NewTaskRow& row : done)
                    abandonUnstored(row.id, error);
            },
            Qt::QueuedConnection);
    });
    m_gate.wrote(ticket);
    Result<QList<SubmitOutcome>> r = onInserted(mine, assumed, 0, mine.size(), true, ticket);
    releaseReserved(mine);
    resolve(reply, std::move(r));
    afterAccepting();
    // A caller waits: the call starts in this turn if a slot is free, not
    // after whatever the engine thread has queued meanwhile.
    for (const NewTaskRow& row : mine)
        m_heldRows.insert(row.id);
    dispatch();
    m_heldRows.clear();
    std::vector<std::pair<Ulid, quint32>> now;
    now.swap(m_launchNow);
    for (const auto& [id, gen] : now)
        attemptRecorded(id, gen);
}

void Scheduler::abandonUnstored(const Ulid& id, const Error& error)
{
    if (!m_active.contains(id))
        return; // it ended already; its caller has (or will get) its answer
    qCWarning(lcSched).noquote() << "task" << id.toString() << "was not stored:" << error.message;
    if (m_watched.remove(id)) {
        TaskOutcome o;
        o.id = id.toString();
        o.state = TaskState::Cancelled;
        o.error = QStringLiteral("the task was not stored: %1").arg(error.message);
        emit taskFinished(o);
    }
    cancel(id, makeReply<Result<TaskState>>()); // stops its call, if it runs
}

void Scheduler::submitEach(QList<QList<TaskSpec>> groups, Reply<QList<Result<QList<SubmitOutcome>>>> reply)
{
    auto results = std::make_shared<QList<Result<QList<SubmitOutcome>>>>();
    results->reserve(groups.size());
    std::vector<std::pair<size_t, size_t>> ranges; // rows of each group; empty when refused
    ranges.reserve(static_cast<size_t>(groups.size()));
    std::vector<NewTaskRow> rows;
    const qint64 now = nowMs();
    for (QList<TaskSpec>& specs : groups) {
        const size_t begin = rows.size();
        if (auto refused = checkSubmit(specs)) {
            results->append(std::move(*refused));
        } else if (auto unnumbered = numbersFor(specs.size())) {
            results->append(std::move(*unnumbered));
        } else {
            makeRows(specs, now, rows); // reserves, so the next group's capacity check sees these
            results->append(QList<SubmitOutcome> {});
        }
        ranges.emplace_back(begin, rows.size());
    }
    if (rows.empty())
        return resolve(reply, std::move(*results));
    const bool wake = anyUnowned(rows);
    m_store.insertTasks(
        std::move(rows), [this, reply, results, ranges = std::move(ranges)](std::vector<NewTaskRow> done, InsertOutcome outcome) mutable {
            QMetaObject::invokeMethod(
                this,
                [this, reply, results, ranges = std::move(ranges), done = std::move(done), outcome = std::move(outcome)]() mutable {
                    for (size_t g = 0; g < ranges.size(); ++g)
                        if (ranges[g].first != ranges[g].second)
                            (*results)[static_cast<qsizetype>(g)] = onInserted(done, outcome, ranges[g].first, ranges[g].second, false);
                    releaseReserved(done);
                    resolve(reply, std::move(*results));
                    afterAccepting();
                },
                Qt::QueuedConnection);
        });
    if (wake)
        wakeNodes();
}

void Scheduler::releaseReserved(const std::vector<NewTaskRow>& rows)
{
    for (const NewTaskRow& row : rows) {
        if (ModelRuntime* m = modelByName(row.spec.model)) {
            m->reserved--;
            if (row.owned && m->reservedOwned > 0)
                m->reservedOwned--;
        }
    }
}

bool Scheduler::anyUnowned(const std::vector<NewTaskRow>& rows) const
{
    return m_shared && std::any_of(rows.cbegin(), rows.cend(), [](const NewTaskRow& r) { return !r.owned; });
}

void Scheduler::wakeNodes()
{
    // Queued after the insert: the nodes hear of the rows once they are committed.
    m_store.notifyNodes(QString(nodemsg::kTasksWaiting));
}

void Scheduler::afterAccepting()
{
    if (!m_eventTimer.isActive())
        m_eventTimer.start();
    armTimer();
    postDispatch();
}

Result<QList<SubmitOutcome>> Scheduler::onInserted(
    std::vector<NewTaskRow>& rows, const InsertOutcome& outcome, size_t from, size_t to, bool watch, quint64 eventTicket)
{
    if (!outcome.status)
        return Error { ErrorCode::StoreError, QStringLiteral("the tasks were not stored: %1").arg(outcome.status.error().message), {} };
    QList<SubmitOutcome> out;
    out.reserve(static_cast<qsizetype>(to - from));
    const qint64 now = nowMs();
    for (size_t i = from; i < to; ++i) {
        const InsertOutcome::Item& item = outcome.items[i];
        NewTaskRow& row = rows[i];
        if (item.duplicate) {
            out.append({ item.id, item.state, true });
            continue;
        }
        ModelRuntime* m = modelByName(row.spec.model);
        if (!m)
            continue; // removed meanwhile; recovery will report it
        m->stats.submitted();
        TaskEvent ev;
        ev.id = row.id;
        ev.model = row.spec.model;
        ev.state = row.state;
        ev.previous = row.state;
        ev.created = true;
        ev.priority = row.spec.priority;
        ev.timeMs = now;
        if (!row.owned) {
            // Stored for any node to claim (nodes sharing a database): not kept here.
            m->unowned++;
            m_gate.publishNow(std::move(ev));
            out.append({ row.id, row.state, false });
            continue;
        }
        ActiveTask t;
        t.seq = row.seq;
        t.model = m_modelIndex.value(row.spec.model);
        t.state = row.state;
        t.priority = static_cast<quint8>(row.spec.priority);
        t.maxAttempts = static_cast<quint8>(std::min(row.maxAttempts, 255));
        t.timeoutMs = row.timeoutMs;
        t.deadlineMs = row.spec.deadlineMs;
        t.enqueuedMs = row.state == TaskState::Queued ? row.queuedMs : row.spec.runAtMs;
        m->states[static_cast<size_t>(row.state)]++;
        auto it = m_active.insert(row.id, t);
        ActiveTask& at = it.value();
        at.payload = keepPayload(row.spec.kind, row.spec.input, row.spec.sessionKey);
        if (eventTicket)
            m_gate.publishAfter(eventTicket, std::move(ev));
        else
            m_gate.publishNow(std::move(ev));
        out.append({ row.id, row.state, false });
        if (watch)
            m_watched.insert(row.id); // before it can run: no delta or outcome is missed
        if (row.state == TaskState::Blocked)
            checkDependencies(row.id, row.spec.dependsOn);
        else
            placeByState(row.id, at);
    }
    return out;
}

std::shared_ptr<Scheduler::TaskPayload> Scheduler::keepPayload(TaskKind kind, const QByteArray& input, const QString& sessionKey)
{
    auto p = std::make_shared<TaskPayload>();
    p->kind = kind;
    p->input = input;
    p->sessionKey = sessionKey;
    if (m_payloadBytes + p->bytes() > m_options.payloadBudgetBytes)
        return {}; // over budget: read back from the store when it runs
    m_payloadBytes += p->bytes();
    return p;
}

void Scheduler::dropPayload(ActiveTask& t)
{
    if (t.payload) {
        m_payloadBytes -= t.payload->bytes();
        t.payload.reset();
    }
}

void Scheduler::placeByState(const Ulid& id, ActiveTask& t)
{
    switch (t.state) {
    case TaskState::Queued:
        modelAt(t.model).ready.push(t.priority, { id, t.enqueuedMs });
        break;
    case TaskState::Scheduled:
    case TaskState::RetryWait:
        m_timers.push(t.enqueuedMs, id, t.gen);
        break;
    default:
        break;
    }
}

void Scheduler::enqueueReady(const Ulid& id, ActiveTask& t, qint64 nowMs)
{
    t.enqueuedMs = nowMs;
    modelAt(t.model).ready.push(t.priority, { id, nowMs });
}

// ---- dependencies -----------------------------------------------------------

void Scheduler::checkDependencies(const Ulid& id, const QStringList& dependsOn)
{
    auto it = m_active.find(id);
    if (it == m_active.end())
        return;
    QStringList unknownIds;
    for (const QString& depText : dependsOn) {
        const auto dep = parseDependency(depText);
        if (!dep)
            continue;
        if (m_active.contains(dep->id)) {
            m_dependents[dep->id].append({ id, dep->continueOnFailure });
            it->blockedOn++;
        } else {
            unknownIds.append(depText.toUpper());
        }
    }
    if (unknownIds.isEmpty()) {
        if (it->blockedOn == 0) {
            dependenciesDone(id, *it, nowMs());
            postDispatch();
        }
        return;
    }
    // Dependencies not in memory have finished (or never existed, or run on
    // another node sharing the database): ask the store how.
    it->blockedOn++; // held until the answer arrives
    QStringList plainIds;
    for (const QString& dep : unknownIds)
        plainIds << parseDependency(dep)->id.toString();
    // Read once every write so far committed: a dependency that just ended
    // here has its final state in the store by then, not the one before.
    m_gate.afterLastWrite([this, id, unknownIds, plainIds] {
        onResult(m_store.taskStates(plainIds), this,
            [this, id, unknownIds](const Result<QHash<QString, TaskState>>& found) { storedDependenciesRead(id, unknownIds, found, false); });
    });
}

void Scheduler::storedDependenciesRead(const Ulid& id, const QStringList& ids, const Result<QHash<QString, TaskState>>& found, bool again)
{
    auto t = m_active.find(id);
    if (t == m_active.end() || t->state != TaskState::Blocked)
        return;
    if (!found) {
        qCWarning(lcSched) << "reading the states of dependencies failed:" << found.error().message;
        // Looked up again, it stays blocked; at first, it reads as "does not
        // exist": the task is cancelled with the reason, not left blocked.
        if (again)
            return awaitStoredDependencies(id, ids);
    }
    const QHash<QString, TaskState> states = found ? *found : QHash<QString, TaskState> {};
    QStringList pending; // unfinished on another node (nodes sharing a database)
    for (const QString& entry : ids) {
        const auto parsed = parseDependency(entry);
        const QString dep = parsed->id.toString();
        auto s = states.constFind(dep);
        if (s != states.constEnd() && m_shared && !isFinal(s.value())) {
            pending << entry;
            continue;
        }
        if (s != states.constEnd() && parsed->continueOnFailure && isFinal(s.value()))
            continue; // on_failure: continue
        if (s == states.constEnd() || s.value() != TaskState::Succeeded) {
            dependencyFailed(id, *t,
                s == states.constEnd() ? QStringLiteral("dependency %1 does not exist").arg(dep)
                                       : QStringLiteral("dependency %1 ended %2").arg(dep, taskStateName(s.value())),
                nowMs());
            return;
        }
    }
    if (!pending.isEmpty())
        return awaitStoredDependencies(id, pending);
    if (--t->blockedOn == 0) {
        dependenciesDone(id, *t, nowMs());
        postDispatch();
    }
}

void Scheduler::dependenciesDone(const Ulid& id, ActiveTask& t, qint64 now)
{
    if (t.payload && !t.payload->input.contains("{{")) {
        TaskUpdate u;
        u.fields = TaskUpdate::QueuedAt;
        u.queuedMs = now;
        return queueAfterDependencies(id, t, std::move(u), QStringLiteral("dependencies done; queued"));
    }
    // Its input may refer to its parents' results (or is not in memory to
    // tell): it stays blocked while they are read.
    t.blockedOn = 1;
    fillInInputs(id);
}

void Scheduler::queueAfterDependencies(const Ulid& id, ActiveTask& t, TaskUpdate u, const QString& message)
{
    const qint64 now = u.queuedMs;
    transition(id, t, TaskState::Queued, std::move(u), LogLevel::Info, message);
    enqueueReady(id, m_active[id], now); // transition() may have moved the entry
}

void Scheduler::fillInInputs(const Ulid& id)
{
    auto it = m_active.find(id);
    if (it == m_active.end() || it->state != TaskState::Blocked)
        return;
    // Once every write so far committed: the parents' ends are in the store.
    m_gate.afterLastWrite([this, id] { readInputs(id); });
}

void Scheduler::readInputs(const Ulid& id)
{
    onResult(m_store.task(id.toString()), this, [this, id](const Result<Task>& task) {
        auto t = m_active.find(id);
        if (t == m_active.end() || t->state != TaskState::Blocked)
            return; // cancelled meanwhile
        if (!task) {
            qCWarning(lcSched).noquote() << "reading task" << id.toString() << "to fill in its input failed:" << task.error().message;
            QTimer::singleShot(kStoreRetryMs, this, [this, id] { fillInInputs(id); });
            return;
        }
        if (!task->spec.input.contains("{{")) {
            if (!t->payload)
                t->payload = keepPayload(task->spec.kind, task->spec.input, task->spec.sessionKey);
            TaskUpdate u;
            u.fields = TaskUpdate::QueuedAt;
            u.queuedMs = nowMs();
            queueAfterDependencies(id, *t, std::move(u), QStringLiteral("dependencies done; queued"));
            return postDispatch();
        }
        // Which task each step key names: the workflow wrote them down
        // ("key=ID,..."), so only the parents referred to are read.
        QHash<QString, QString> refs;
        const QStringList pairs = task->spec.labels.value(QLatin1String("step_refs")).toString().split(u',', Qt::SkipEmptyParts);
        for (const QString& pair : pairs) {
            const qsizetype eq = pair.indexOf(u'=');
            if (eq > 0)
                refs.insert(pair.left(eq), pair.mid(eq + 1));
        }
        QList<QFuture<Result<Task>>> reads;
        for (const QString& parentId : std::as_const(refs))
            reads.append(m_store.task(parentId));
        if (reads.isEmpty())
            return inputsRead(id, *task, refs, {});
        onResult(QtFuture::whenAll(reads.begin(), reads.end()), this, [this, id, task = *task, refs](const QList<QFuture<Result<Task>>>& done) {
            QList<Result<Task>> parents;
            for (const auto& f : done)
                parents.append(f.resultCount() > 0 ? f.result() : Result<Task>(Error::store(QStringLiteral("no answer"))));
            inputsRead(id, task, refs, parents);
        });
    });
}

void Scheduler::inputsRead(const Ulid& id, const Task& task, const QHash<QString, QString>& refs, const QList<Result<Task>>& parents)
{
    auto t = m_active.find(id);
    if (t == m_active.end() || t->state != TaskState::Blocked)
        return;
    QHash<QString, steptemplate::StepResult> steps;
    for (const Result<Task>& p : parents) {
        if (!p) {
            qCWarning(lcSched).noquote() << "reading the parents of task" << id.toString() << "failed:" << p.error().message;
            QTimer::singleShot(kStoreRetryMs, this, [this, id] { fillInInputs(id); });
            return;
        }
        const QString pid = p->id.toString();
        for (auto r = refs.cbegin(); r != refs.cend(); ++r) {
            if (r.value() == pid)
                steps.insert(r.key(), { pid, taskStateName(p->state), p->output, p->error });
        }
    }
    const qint64 now = nowMs();
    auto rendered = steptemplate::render(task.spec.input, steps);
    if (!rendered) {
        TaskUpdate u;
        u.fields = TaskUpdate::ErrorText | TaskUpdate::FinishedAt;
        u.error = QStringLiteral("cannot fill in the input: ") + rendered.error().message;
        u.finishedMs = now;
        modelAt(t->model).stats.finished(false, true, false, now);
        transition(id, *t, TaskState::Dead, u, LogLevel::Error, u.error, u.error);
        return postDispatch();
    }
    // Kept in memory whatever the budget: a read-back could overtake the write.
    dropPayload(*t);
    auto p = std::make_shared<TaskPayload>();
    p->kind = task.spec.kind;
    p->input = *rendered;
    p->sessionKey = task.spec.sessionKey;
    m_payloadBytes += p->bytes();
    t->payload = std::move(p);
    TaskUpdate u;
    u.fields = TaskUpdate::QueuedAt | TaskUpdate::Input;
    u.queuedMs = now;
    u.input = *rendered;
    queueAfterDependencies(id, *t, std::move(u), QStringLiteral("dependencies done; input filled in from %1 step(s); queued").arg(steps.size()));
    postDispatch();
}

void Scheduler::dependencyFailed(const Ulid& id, ActiveTask& t, const QString& why, qint64 now)
{
    TaskUpdate u;
    u.fields = TaskUpdate::ErrorText | TaskUpdate::FinishedAt;
    u.error = why;
    u.finishedMs = now;
    transition(id, t, TaskState::Cancelled, u, LogLevel::Warning, QStringLiteral("cancelled: ") + why, why);
}

void Scheduler::releaseDependents(const Ulid& id, TaskState finalState)
{
    const QList<Dependent> dependents = m_dependents.take(id);
    const qint64 now = nowMs();
    for (const Dependent& d : dependents) {
        auto it = m_active.find(d.id);
        if (it == m_active.end() || it->state != TaskState::Blocked)
            continue;
        if (finalState != TaskState::Succeeded && !d.continues)
            dependencyFailed(d.id, *it, QStringLiteral("dependency %1 ended %2").arg(id.toString(), taskStateName(finalState)), now);
        else if (--it->blockedOn == 0)
            dependenciesDone(d.id, *it, now);
    }
    if (!dependents.isEmpty())
        postDispatch();
}

// ---- dispatch ---------------------------------------------------------------

bool Scheduler::canDispatch() const
{
    return m_options.dispatch && !m_paused && !m_stopping && m_storeHealthy && !m_fenced;
}

void Scheduler::postDispatch()
{
    if (m_dispatchPosted)
        return;
    m_dispatchPosted = true;
    QMetaObject::invokeMethod(this, &Scheduler::dispatch, Qt::QueuedConnection);
}

void Scheduler::dispatch()
{
    m_dispatchPosted = false;
    if (!canDispatch())
        return;
    const qint64 now = nowMs();
    int started = 0;
    bool progress = true;
    qint64 wakeAt = kNever;
    // One task per model per round, so a busy model cannot starve the others.
    while (progress && started < kDispatchBatch) {
        progress = false;
        for (auto& mp : m_models) {
            if (!mp || mp->config.paused || mp->inflight >= mp->concurrencyLimit() || mp->ready.empty())
                continue;
            ModelRuntime& m = *mp;
            if (budgetBlocked(m, now) || !m.endpoints->anyAvailable(now, &wakeAt))
                continue;
            auto entry = m.ready.pop(now, m.config.agingIntervalMs, [this](const QueueEntry& e, int level) {
                auto it = m_active.constFind(e.id);
                return it != m_active.constEnd() && it->state == TaskState::Queued && it->priority == level && it->enqueuedMs == e.enqueuedMs;
            });
            if (!entry)
                continue;
            ActiveTask& t = m_active[entry->id];
            if (ReadyQueue::effectivePriority(t.priority, entry->enqueuedMs, now, m.config.agingIntervalMs) < kLowPriority) {
                m.urgentStartedMs = now;
            } else if (const int reserve = m.reservedSlots(now); reserve > 0 && m.inflight >= m.concurrencyLimit() - reserve) {
                // The slots left are kept for urgent work until the hold lapses.
                m.ready.pushFront(t.priority, *entry);
                wakeAt = std::min(wakeAt, m.urgentStartedMs + kReserveHoldMs);
                continue;
            }
            if (t.deadlineMs > 0 && now > t.deadlineMs) {
                progress = true;
                TaskUpdate u;
                u.fields = TaskUpdate::ErrorText | TaskUpdate::FinishedAt;
                u.error = QStringLiteral("deadline %1 passed before the task could start").arg(msToIso(t.deadlineMs));
                u.finishedMs = now;
                m.stats.finished(false, true, false, now);
                transition(entry->id, t, TaskState::Dead, u, LogLevel::Error, u.error, u.error);
                continue;
            }
            const qint64 tokens = m.endpoints->limitsTokens() ? estimateTokens(t, *m.endpoints) : 0;
            const int ep = m.endpoints->pick(now, t.payload ? t.payload->sessionKey : QString(), t.lastEndpoint, tokens, &wakeAt);
            if (ep < 0) {
                // Nothing admits this task right now (e.g. its tokens do not fit): it keeps its place.
                m.ready.pushFront(t.priority, *entry);
                continue;
            }
            progress = true;
            beginAttempt(entry->id, t, m, m.endpoints->at(ep), tokens, now);
            ++started;
        }
    }
    if (started >= kDispatchBatch)
        postDispatch();
    if (wakeAt != kNever)
        noteWake(wakeAt);
    loadPayloads();
    if (m_shared)
        maybeClaim();
}

void Scheduler::noteWake(qint64 atMs)
{
    if (m_wakeAt != 0 && m_wakeAt <= atMs && m_wakeTimer.isActive())
        return;
    m_wakeAt = atMs;
    m_wakeTimer.start(static_cast<int>(std::clamp<qint64>(atMs - nowMs(), 0, kDayMs)));
}

bool Scheduler::budgetBlocked(ModelRuntime& m, qint64 nowMs)
{
    const qint64 day = utcDayStartMs(nowMs);
    if (day != m.budgetDayMs) {
        if (m.config.dailyBudgetUsd > 0 && m.spentTodayUsd >= m.config.dailyBudgetUsd)
            qCInfo(lcSched) << "model" << m.config.name << "starts a new budget day; dispatch resumes";
        m.budgetDayMs = day;
        m.spentTodayUsd = 0;
        m.budgetNotified = false;
    }
    if (m.config.dailyBudgetUsd <= 0 || m.spentTodayUsd < m.config.dailyBudgetUsd)
        return false;
    if (!m.budgetNotified) {
        m.budgetNotified = true;
        const QString text = tr("Model %1 spent $%2 of its $%3 daily budget; its queue waits until 00:00 UTC or until the budget is raised")
                                 .arg(m.config.name)
                                 .arg(m.spentTodayUsd, 0, 'f', 4)
                                 .arg(m.config.dailyBudgetUsd, 0, 'f', 2);
        qCWarning(lcSched).noquote() << text;
        emit notification({ Notification::Kind::Warning, tr("Daily budget reached"), text });
    }
    noteWake(m.budgetDayMs + kDayMs);
    return true;
}

qint64 Scheduler::estimateTokens(const ActiveTask& t, const EndpointPool& pool) const
{
    // Prompt: about four bytes of JSON per token (an overestimate for plain
    // text, which keeps the limiter on the safe side). Completion: the task's
    // max_tokens when it gives one, else twice what this model's answers
    // have needed lately.
    if (!t.payload)
        return kDefaultCompletionEstimate * 2;
    const QByteArray& in = t.payload->input;
    qint64 completion = 0;
    for (const char* key : { "\"max_tokens\"", "\"max_completion_tokens\"" }) {
        const qsizetype at = in.indexOf(key);
        if (at < 0)
            continue;
        qsizetype i = in.indexOf(':', at) + 1;
        while (i > 0 && i < in.size() && (in[i] == ' ' || in[i] == '\t'))
            ++i;
        qint64 n = 0;
        while (i > 0 && i < in.size() && in[i] >= '0' && in[i] <= '9' && n < 100'000'000)
            n = n * 10 + (in[i++] - '0');
        completion = std::max(completion, n);
    }
    if (completion == 0) {
        double observed = 0;
        for (int i = 0; i < pool.size(); ++i)
            observed = std::max(observed, pool.at(i)->completionTokens.value());
        completion = observed > 0 ? static_cast<qint64>(observed * 2) : kDefaultCompletionEstimate;
    }
    return in.size() / 4 + 1 + completion;
}

void Scheduler::beginAttempt(const Ulid& id, ActiveTask& t, ModelRuntime& m, std::shared_ptr<EndpointRuntime> endpoint, qint64 tokens, qint64 nowMs)
{
    m.stats.waited(static_cast<double>(std::max<qint64>(0, nowMs - t.enqueuedMs)) / 1000.0);
    t.attempts++;
    t.startedMs = nowMs;
    t.lastEndpoint = static_cast<qint16>(endpoint->index);
    m.inflight++;
    endpoint->inflight++;
    endpoint->rpm.consume(nowMs);
    endpoint->circuit.onStart(nowMs);
    RunningCall call { std::make_shared<CallControl>(), endpoint, 0, tokens, false };
    call.tpmTicket = endpoint->tpm.reserve(nowMs, tokens);
    TaskUpdate u;
    u.fields = TaskUpdate::Attempts | TaskUpdate::StartedAt | TaskUpdate::Endpoint | TaskUpdate::Lease;
    u.attempts = t.attempts;
    u.startedMs = nowMs;
    u.endpoint = endpoint->config.name;
    u.leaseNode = m_options.nodeId;
    const QString message = QStringLiteral("attempt %1 of %2 started on %3").arg(t.attempts).arg(t.maxAttempts).arg(endpoint->config.name);
    m_calls.insert(id, std::move(call));
    transition(id, t, TaskState::Running, std::move(u), LogLevel::Info, message);
    ActiveTask& at = m_active[id];
    // The call leaves only once its attempt is on record. Launched earlier, a
    // crash before the commit would run it again under the same attempt
    // number: unlogged, uncosted, and not counted against max_attempts (a task
    // whose call brings the process down could loop for ever). The payload is
    // read meanwhile if it is not in memory.
    // A watched task's row that is not stored yet is the exception: its row and
    // this record are in the same held write and commit together (or not at
    // all), so it leaves as soon as the dispatch round is over.
    if (m_heldRows.contains(id) && at.payload)
        m_launchNow.emplace_back(id, at.gen);
    else
        m_gate.afterLastWrite([this, id, gen = at.gen] { attemptRecorded(id, gen); });
    if (!at.payload)
        m_needPayload.push_back(id);
}

void Scheduler::attemptRecorded(const Ulid& id, quint32 gen)
{
    auto it = m_active.find(id);
    if (it == m_active.end() || it->gen != gen || it->state != TaskState::Running)
        return; // cancelled or interrupted before it left
    auto call = m_calls.find(id);
    if (call == m_calls.end())
        return;
    call->recorded = true;
    if (it->payload)
        launchWithPayload(id, *it);
}

void Scheduler::launchWithPayload(const Ulid& id, ActiveTask& t)
{
    const bool loadedForThisCall = m_calls.value(id).payloadLoaded;
    launch(id, t);
    if (!loadedForThisCall)
        return;
    // Loaded payloads are used once and not kept: memory stays within budget.
    auto again = m_active.find(id);
    if (again != m_active.end())
        again->payload.reset();
}

void Scheduler::launch(const Ulid& id, ActiveTask& t)
{
    auto callIt = m_calls.find(id);
    if (callIt == m_calls.end())
        return;
    callIt->launched = true;
    const RunningCall call = *callIt;
    const ModelRuntime& m = modelAt(t.model);
    CallRequest request;
    request.taskId = id;
    request.kind = t.payload->kind;
    request.input = t.payload->input;
    request.sessionKey = t.payload->sessionKey;
    request.upstreamModel = call.endpoint->config.upstreamModel.isEmpty() ? m.config.name : call.endpoint->config.upstreamModel;
    request.attempt = t.attempts;
    const quint32 gen = t.gen;
    const qint64 timeoutAt = t.startedMs + t.timeoutMs;
    if (m_watched.contains(id)) {
        const QString idText = id.toString();
        connect(call.control.get(), &CallControl::delta, this, [this, id, idText](const QByteArray& chunk) {
            m_streamedToCaller.insert(id);
            emit taskDelta(idText, chunk);
        });
    }
    runAttempt(id, gen, call.endpoint, call.control, std::move(request));
    // Only calls still running need a timeout entry; instant answers leave none behind.
    auto it = m_active.constFind(id);
    if (it != m_active.constEnd() && it->gen == gen && it->state == TaskState::Running) {
        m_timeouts.push(timeoutAt, id, gen);
        if (!m_timer.isActive() || m_timeouts.nextDue() == timeoutAt)
            armTimer();
    }
}

QCoro::Task<void> Scheduler::runAttempt(
    Ulid id, quint32 gen, std::shared_ptr<EndpointRuntime> endpoint, std::shared_ptr<CallControl> control, CallRequest request)
{
    CallResult result = co_await endpoint->provider->call(std::move(request), control);
    finishAttempt(id, gen, std::move(result));
}

void Scheduler::releaseSlot(const Ulid& id, ActiveTask& t, const CallResult* result)
{
    ModelRuntime& m = modelAt(t.model);
    m.inflight--;
    auto it = m_calls.find(id);
    if (it != m_calls.end()) {
        const qint64 now = nowMs();
        it->endpoint->release();
        m_endpoints->callEnded(m.config.name, *it->endpoint,
            { it->launched ? result : nullptr, it->tpmTicket, it->tokensReserved, std::max<qint64>(0, now - t.startedMs) }, now);
        m_calls.erase(it);
    }
    if (m_stopping && m_calls.isEmpty()) {
        // Let the caller finish the task's transition before the final flush.
        QMetaObject::invokeMethod(this, &Scheduler::checkStopped, Qt::QueuedConnection);
    }
}

void Scheduler::finishAttempt(const Ulid& id, quint32 gen, CallResult r)
{
    auto it = m_active.find(id);
    if (it == m_active.end() || it->gen != gen || it->state != TaskState::Running)
        return;
    ActiveTask& t = *it;
    ModelRuntime& m = modelAt(t.model);
    const qint64 now = nowMs();
    const qint64 tookMs = std::max<qint64>(0, now - t.startedMs);
    const double seconds = static_cast<double>(tookMs) / 1000.0;
    const int endpointIndex = t.lastEndpoint;
    // Read by transition() for a watched task's outcome; only valid during this call.
    m_lastHttpStatus = r.ok ? 0 : r.httpStatus;
    struct ResetStatus
    {
        int& status;
        ~ResetStatus() { status = 0; }
    } resetStatus { m_lastHttpStatus };
    QString endpointName;
    if (auto c = m_calls.constFind(id); c != m_calls.constEnd())
        endpointName = c->endpoint->config.name;
    releaseSlot(id, t, &r);
    postDispatch();

    AttemptFacts facts;
    facts.ok = r.ok;
    facts.failure = r.failure;
    facts.httpStatus = r.httpStatus;
    facts.error = r.error;
    facts.retryAfterMs = r.retryAfterMs;
    facts.attempts = t.attempts;
    facts.maxAttempts = t.maxAttempts;
    facts.timeoutMs = t.timeoutMs;
    facts.deadlineMs = t.deadlineMs;
    facts.nowMs = now;
    facts.streamedToCaller = m_streamedToCaller.contains(id);
    if (!r.ok && isRetryable(r.failure, r.httpStatus) && t.attempts < t.maxAttempts) {
        // Only when another attempt is possible: the success path stays cheap.
        facts.canFailOver = m.endpoints && m.endpoints->size() > 1 && m.endpoints->hasAlternative(now, endpointIndex);
        facts.random01 = m_rng.generateDouble();
    }
    const AttemptVerdict verdict = decideAttempt(facts, m.config.retry);
    const QString& error = verdict.error;
    switch (verdict.next) {
    case AttemptVerdict::Next::Succeed: {
        const double cost = (static_cast<double>(r.usage.promptTokens) * m.config.inputPricePerMTok
                                + static_cast<double>(r.usage.completionTokens) * m.config.outputPricePerMTok)
            / 1e6;
        m.stats.attemptFinished(seconds, true, endpointName);
        m.stats.tokens(r.usage.promptTokens, r.usage.completionTokens, cost, endpointName);
        m.stats.finished(true, false, false, now, endpointName);
        budgetBlocked(m, now); // rolls the budget day over first
        m.spentTodayUsd += cost;
        TaskUpdate u;
        u.fields = TaskUpdate::Output | TaskUpdate::UsageCost | TaskUpdate::FinishedAt | TaskUpdate::Lease | TaskUpdate::ErrorText;
        u.output = std::move(r.output);
        u.usage = r.usage;
        u.costUsd = cost;
        u.finishedMs = now;
        transition(id, t, TaskState::Succeeded, std::move(u), LogLevel::Info,
            QStringLiteral("succeeded in %1 (%2 + %3 tokens)").arg(durationText(tookMs)).arg(r.usage.promptTokens).arg(r.usage.completionTokens));
        return;
    }
    case AttemptVerdict::Next::Cancel: {
        m.stats.finished(false, false, true, now);
        TaskUpdate u;
        u.fields = TaskUpdate::FinishedAt | TaskUpdate::Lease | TaskUpdate::ErrorText;
        u.finishedMs = now;
        u.error = QStringLiteral("cancelled while running");
        transition(
            id, t, TaskState::Cancelled, std::move(u), LogLevel::Warning, QStringLiteral("cancelled while attempt %1 was running").arg(t.attempts));
        return;
    }
    case AttemptVerdict::Next::Requeue: {
        // We stopped it, not the task: the attempt does not count.
        t.attempts--;
        TaskUpdate u;
        u.fields = TaskUpdate::Attempts | TaskUpdate::QueuedAt | TaskUpdate::Lease;
        u.attempts = t.attempts;
        u.queuedMs = now;
        transition(id, t, TaskState::Queued, std::move(u), LogLevel::Warning, QStringLiteral("interrupted by shutdown; queued again"));
        enqueueReady(id, m_active[id], now);
        return;
    }
    case AttemptVerdict::Next::Retry: {
        m.stats.attemptFinished(seconds, false, endpointName);
        m.stats.retried(endpointName);
        TaskUpdate u;
        u.fields = TaskUpdate::ErrorText | TaskUpdate::RunAt | TaskUpdate::Lease;
        u.error = error;
        u.runAtMs = verdict.dueMs;
        QString message = verdict.failover
            ? QStringLiteral("attempt %1 failed on %2: %3; failing over to another endpoint").arg(t.attempts).arg(endpointName, error)
            : QStringLiteral("attempt %1 failed: %2; retrying in %3%4")
                  .arg(t.attempts)
                  .arg(error, durationText(verdict.delayMs), r.retryAfterMs ? QStringLiteral(" (Retry-After)") : QString());
        transition(id, t, TaskState::RetryWait, std::move(u), LogLevel::Warning, std::move(message), error);
        ActiveTask& w = m_active[id];
        w.enqueuedMs = verdict.dueMs;
        m_timers.push(verdict.dueMs, id, w.gen);
        armTimer();
        return;
    }
    case AttemptVerdict::Next::Dead:
        break;
    }
    m.stats.attemptFinished(seconds, false, endpointName);
    m.stats.finished(false, true, false, now, endpointName);
    TaskUpdate u;
    u.fields = TaskUpdate::ErrorText | TaskUpdate::FinishedAt | TaskUpdate::Lease;
    u.error = error;
    u.finishedMs = now;
    const QString message = verdict.retryable ? QStringLiteral("dead after %1 attempts: %2").arg(t.attempts).arg(error)
                                              : QStringLiteral("dead: %1 (not retryable)").arg(error);
    transition(id, t, TaskState::Dead, std::move(u), LogLevel::Error, message, error);
    emit notification({ Notification::Kind::Warning, tr("Task moved to dead letters"), tr("%1 on %2: %3").arg(id.toString(), m.config.name, error) });
}

void Scheduler::loadPayloads()
{
    if (m_needPayload.empty())
        return;
    std::vector<Ulid> ids;
    ids.swap(m_needPayload);
    QList<qint64> seqs;
    QHash<qint64, std::pair<Ulid, quint32>> wanted;
    for (const Ulid& id : ids) {
        auto it = m_active.constFind(id);
        if (it == m_active.constEnd() || it->state != TaskState::Running)
            continue;
        seqs.append(it->seq);
        wanted.insert(it->seq, { id, it->gen });
    }
    if (seqs.isEmpty())
        return;
    onResult(m_store.tasksBySeq(seqs), this, [this, wanted](const Result<QHash<qint64, Task>>& loaded) {
        for (auto w = wanted.cbegin(); w != wanted.cend(); ++w) {
            const auto& [id, gen] = w.value();
            auto it = m_active.find(id);
            if (it == m_active.end() || it->gen != gen || it->state != TaskState::Running)
                continue;
            if (!loaded) {
                finishAttempt(id, gen,
                    CallResult::failed(
                        FailureKind::Connection, QStringLiteral("could not read the task from the store: %1").arg(loaded.error().message)));
                continue;
            }
            auto row = loaded->constFind(w.key());
            if (row == loaded->constEnd()) {
                finishAttempt(id, gen, CallResult::failed(FailureKind::Internal, QStringLiteral("the task row is missing from the store")));
                continue;
            }
            auto call = m_calls.find(id);
            if (call == m_calls.end())
                continue;
            auto p = std::make_shared<TaskPayload>();
            p->kind = row->spec.kind;
            p->input = row->spec.input;
            p->sessionKey = row->spec.sessionKey;
            it->payload = std::move(p);
            call->payloadLoaded = true;
            if (call->recorded)
                launchWithPayload(id, *it);
        }
    });
}

// ---- endpoints: connection tests, keys ------------------------------------------

void Scheduler::testConnection(ModelConfig model, Reply<Result<QList<EndpointTestResult>>> reply)
{
    auto checked = model.validated();
    if (!checked)
        return resolve(reply, checked.error());
    // A test sends the key as a call would: the same places only.
    if (auto problem = keyReferenceProblem(*checked))
        return resolve(reply, *problem);
    auto pool = EndpointPool::create(*checked, m_providers);
    if (!pool)
        return resolve(reply, pool.error());
    m_endpoints->testConnection(std::shared_ptr<EndpointPool>(std::move(*pool)), std::move(reply));
}

void Scheduler::storeSecret(QString name, QByteArray value, Reply<VoidResult> reply)
{
    runSecretJob(std::move(name), std::move(value), true, std::move(reply));
}

void Scheduler::removeSecret(QString name, Reply<VoidResult> reply)
{
    runSecretJob(std::move(name), {}, false, std::move(reply));
}

QCoro::Task<void> Scheduler::runSecretJob(QString name, QByteArray value, bool store, Reply<VoidResult> reply)
{
    // Not `store ? co_await a : co_await b`: GCC 12 destroys the awaited result
    // of a conditional co_await before it is used (heap use-after-free).
    VoidResult r;
    if (store)
        r = co_await m_secrets->storeInKeychain(name, value);
    else
        r = co_await m_secrets->removeFromKeychain(name);
    resolve(reply, r);
}

// ---- timers -----------------------------------------------------------------

void Scheduler::armTimer()
{
    qint64 next = 0;
    if (!m_timers.empty())
        next = m_timers.nextDue();
    if (!m_timeouts.empty())
        next = next == 0 ? m_timeouts.nextDue() : std::min(next, m_timeouts.nextDue());
    if (next == 0) {
        m_timer.stop();
        return;
    }
    const qint64 delay = std::clamp<qint64>(next - nowMs(), 0, kDayMs);
    m_timer.start(static_cast<int>(delay));
}

void Scheduler::onTimer()
{
    const qint64 now = nowMs();
    std::vector<TimerQueue::Entry> due;
    m_timers.popDue(now, due, 100'000);
    for (const TimerQueue::Entry& e : due) {
        auto it = m_active.find(e.id);
        if (it == m_active.end() || it->gen != e.tag)
            continue;
        if (it->state != TaskState::Scheduled && it->state != TaskState::RetryWait)
            continue;
        const bool retry = it->state == TaskState::RetryWait;
        TaskUpdate u;
        u.fields = TaskUpdate::QueuedAt;
        u.queuedMs = now;
        transition(e.id, *it, TaskState::Queued, u, LogLevel::Info,
            retry ? QStringLiteral("queued for attempt %1").arg(it->attempts + 1) : QStringLiteral("run_at reached; queued"));
        enqueueReady(e.id, m_active[e.id], now);
    }
    due.clear();
    m_timeouts.popDue(now, due, 100'000);
    for (const TimerQueue::Entry& e : due) {
        auto it = m_active.constFind(e.id);
        if (it == m_active.constEnd() || it->gen != e.tag || it->state != TaskState::Running)
            continue;
        auto call = m_calls.constFind(e.id);
        if (call != m_calls.constEnd())
            call->control->abort(FailureKind::Timeout);
    }
    armTimer();
    postDispatch();
}

// ---- transitions ------------------------------------------------------------

void Scheduler::transition(const Ulid& id, ActiveTask& t, TaskState to, TaskUpdate update, LogLevel level, QString message, QString error)
{
    ModelRuntime& m = modelAt(t.model);
    const TaskState from = t.state;
    m.states[static_cast<size_t>(from)]--;
    m.states[static_cast<size_t>(to)]++;
    if (isFinal(to))
        m.finishedHere[static_cast<size_t>(to)]++;
    t.state = to;
    ++t.gen;
    const qint64 now = nowMs();
    update.seq = t.seq;
    update.fields |= TaskUpdate::State;
    update.state = to;
    if (m_shared) {
        // An unfinished task stays this node's; a finished one is nobody's.
        update.fields |= TaskUpdate::Lease;
        update.leaseNode = isFinal(to) ? QString() : m_options.nodeId;
    }
    std::optional<TaskOutcome> outcome;
    if (isFinal(to))
        m_streamedToCaller.remove(id);
    if (isFinal(to) && m_watched.remove(id)) {
        outcome.emplace();
        outcome->id = id.toString();
        outcome->state = to;
        outcome->output = update.output;
        outcome->error = update.error;
        outcome->usage = update.usage;
        outcome->httpStatus = m_lastHttpStatus;
    }
    TaskEvent ev;
    if (update.fields & TaskUpdate::Endpoint)
        ev.endpoint = update.endpoint;
    if (update.fields & TaskUpdate::Lease)
        ev.node = update.leaseNode;
    if (update.fields & TaskUpdate::UsageCost) {
        ev.hasUsage = true;
        ev.usage = update.usage;
        ev.costUsd = update.costUsd;
    }
    const quint64 ticket = m_store.updateWithLog(std::move(update), { t.seq, { now, level, std::move(message), {} } });
    m_gate.wrote(ticket);
    if (outcome)
        if (auto committed = m_outcomes.add(ticket, std::move(*outcome)))
            emit taskFinished(*committed);
    ev.id = id;
    ev.model = m.config.name;
    ev.state = to;
    ev.previous = from;
    ev.attempts = t.attempts;
    ev.priority = t.priority;
    ev.timeMs = now;
    ev.error = std::move(error);
    m_gate.publishAfter(ticket, std::move(ev));
    if (isFinal(to))
        finalize(id, t, to);
}

void Scheduler::recordChange(const Ulid& id, ActiveTask& t, TaskUpdate update, LogLevel level, QString message)
{
    update.seq = t.seq;
    const quint64 ticket = m_store.updateWithLog(std::move(update), { t.seq, { nowMs(), level, std::move(message), {} } });
    m_gate.wrote(ticket);
    TaskEvent ev;
    ev.id = id;
    ev.model = modelAt(t.model).config.name;
    ev.state = t.state;
    ev.previous = t.state;
    ev.attempts = t.attempts;
    ev.priority = t.priority;
    ev.timeMs = nowMs();
    m_gate.publishAfter(ticket, std::move(ev));
}

void Scheduler::finalize(const Ulid& id, ActiveTask& t, TaskState state)
{
    dropPayload(t);
    m_active.remove(id);
    releaseDependents(id, state);
    if (auto w = m_cancelWaiters.take(id); !w.isEmpty()) {
        m_gate.afterLastWrite([w, state] {
            for (const auto& reply : w)
                resolve(reply, state);
        });
    }
}

// ---- operator actions ---------------------------------------------------------

void Scheduler::cancel(Ulid id, Reply<Result<TaskState>> reply)
{
    auto it = m_active.find(id);
    if (it == m_active.end() && m_shared)
        return cancelElsewhere(id, reply);
    if (it == m_active.end()) {
        onResult(m_store.task(id.toString()), this, [reply](const Result<Task>& t) {
            if (!t)
                return resolve(reply, t.error());
            resolve(reply, Error::conflict(QStringLiteral("task %1 already ended %2").arg(t->id.toString(), taskStateName(t->state))));
        });
        return;
    }
    ActiveTask& t = *it;
    ModelRuntime& m = modelAt(t.model);
    if (t.state == TaskState::Running) {
        auto call = m_calls.constFind(id);
        if (call != m_calls.constEnd() && call->launched) {
            m_cancelWaiters[id].append(reply);
            call->control->abort(FailureKind::Cancelled);
            return;
        }
        releaseSlot(id, t);
    }
    const qint64 now = nowMs();
    m.stats.finished(false, false, true, now);
    TaskUpdate u;
    u.fields = TaskUpdate::FinishedAt | TaskUpdate::ErrorText | TaskUpdate::Lease;
    u.finishedMs = now;
    u.error = QStringLiteral("cancelled by operator");
    transition(id, t, TaskState::Cancelled, std::move(u), LogLevel::Warning, QStringLiteral("cancelled by operator"));
    m_gate.afterLastWrite([reply] { resolve(reply, TaskState::Cancelled); });
    postDispatch();
}

void Scheduler::setPriority(Ulid id, int priority, Reply<VoidResult> reply)
{
    if (priority < kMinPriority || priority > kMaxPriority)
        return resolve(reply, Error::invalid(QStringLiteral("priority"), QStringLiteral("must be an integer 0..9")));
    auto it = m_active.find(id);
    if (it == m_active.end() && m_shared)
        return setPriorityElsewhere(id, priority, reply);
    if (it == m_active.end()) {
        onResult(m_store.task(id.toString()), this, [reply](const Result<Task>& t) {
            if (!t)
                return resolve(reply, t.error());
            resolve(reply,
                Error::conflict(
                    QStringLiteral("task %1 already ended %2; its priority no longer matters").arg(t->id.toString(), taskStateName(t->state))));
        });
        return;
    }
    ActiveTask& t = *it;
    const int old = t.priority;
    if (old != priority) {
        t.priority = static_cast<quint8>(priority);
        // The old queue entry turns stale; the task keeps its place in time.
        if (t.state == TaskState::Queued)
            modelAt(t.model).ready.push(priority, { id, t.enqueuedMs });
        TaskUpdate u;
        u.fields = TaskUpdate::Priority;
        u.priority = priority;
        recordChange(id, t, std::move(u), LogLevel::Info, QStringLiteral("priority changed from %1 to %2").arg(old).arg(priority));
        postDispatch();
    }
    m_gate.afterLastWrite([reply] { resolve(reply, VoidResult {}); });
}

void Scheduler::retry(Ulid id, Reply<Result<TaskState>> reply)
{
    auto it = m_active.find(id);
    if (it != m_active.end()) {
        ActiveTask& t = *it;
        if (t.state != TaskState::RetryWait && t.state != TaskState::Scheduled)
            return resolve(reply,
                Error::conflict(QStringLiteral("task %1 is %2; only dead, cancelled, waiting or scheduled tasks can be retried")
                                    .arg(id.toString(), taskStateName(t.state))));
        const qint64 now = nowMs();
        TaskUpdate u;
        u.fields = TaskUpdate::QueuedAt;
        u.queuedMs = now;
        transition(id, t, TaskState::Queued, std::move(u), LogLevel::Info, QStringLiteral("queued now by operator"));
        enqueueReady(id, m_active[id], now);
        postDispatch();
        m_gate.afterLastWrite([reply] { resolve(reply, TaskState::Queued); });
        return;
    }
    onResult(m_store.task(id.toString()), this, [this, reply](const Result<Task>& t) {
        if (!t)
            return resolve(reply, t.error());
        if (m_active.contains(t->id))
            return resolve(reply, Error::conflict(QStringLiteral("task %1 is not finished").arg(t->id.toString())));
        if (t->state != TaskState::Dead && t->state != TaskState::Cancelled)
            return resolve(reply,
                Error::conflict(QStringLiteral("task %1 %2; only dead or cancelled tasks can be retried")
                                    .arg(t->id.toString(),
                                        t->state == TaskState::Succeeded ? QStringLiteral("already succeeded")
                                                                         : QStringLiteral("is ") + taskStateName(t->state))));
        if (!modelByName(t->spec.model))
            return resolve(reply, Error::conflict(QStringLiteral("model '%1' no longer exists").arg(t->spec.model)));
        readmit(*t, QStringLiteral("requeued by operator (was %1)").arg(taskStateName(t->state)));
        postDispatch();
        m_gate.afterLastWrite([reply] { resolve(reply, TaskState::Queued); });
    });
}

void Scheduler::readmit(const Task& task, const QString& reason)
{
    ModelRuntime* m = modelByName(task.spec.model);
    if (!m || m_active.contains(task.id))
        return;
    const qint64 now = nowMs();
    ActiveTask t;
    t.seq = task.seq;
    t.model = m_modelIndex.value(task.spec.model);
    t.state = TaskState::Queued;
    t.priority = static_cast<quint8>(task.spec.priority);
    t.maxAttempts = static_cast<quint8>(std::min(task.maxAttempts, 255));
    t.timeoutMs = task.timeoutMs;
    t.deadlineMs = 0; // an operator asking for another run overrides the old deadline
    t.enqueuedMs = now;
    t.payload = keepPayload(task.spec.kind, task.spec.input, task.spec.sessionKey);
    if (isFinal(task.state)) {
        qint64& was = m->states[static_cast<size_t>(task.state)];
        was = std::max<qint64>(0, was - 1);
        m->finishedHere[static_cast<size_t>(task.state)]--;
    }
    m->states[static_cast<size_t>(TaskState::Queued)]++;
    auto it = m_active.insert(task.id, t);
    TaskUpdate u;
    u.seq = task.seq;
    u.fields = TaskUpdate::State | TaskUpdate::Attempts | TaskUpdate::QueuedAt | TaskUpdate::FinishedAt | TaskUpdate::ErrorText | TaskUpdate::Output;
    u.state = TaskState::Queued;
    u.queuedMs = now;
    if (m_shared) {
        u.fields |= TaskUpdate::Lease;
        u.leaseNode = m_options.nodeId;
    }
    const quint64 ticket = m_store.updateWithLog(std::move(u), { task.seq, { now, LogLevel::Info, reason, {} } });
    m_gate.wrote(ticket);
    TaskEvent ev;
    ev.id = task.id;
    ev.model = task.spec.model;
    ev.state = TaskState::Queued;
    ev.previous = task.state;
    ev.priority = task.spec.priority;
    ev.timeMs = now;
    m_gate.publishAfter(ticket, std::move(ev));
    m->ready.push(t.priority, { task.id, now });
    Q_UNUSED(it);
}

void Scheduler::requeueDead(QString model, int limit, Reply<Result<qint64>> reply)
{
    TaskFilter f;
    f.states = { TaskState::Dead };
    f.model = model;
    f.limit = std::clamp(limit, 1, 10000);
    f.newestFirst = false;
    f.includeInput = true;
    onResult(m_store.tasks(f), this, [this, reply](const Result<TaskPage>& page) {
        if (!page)
            return resolve(reply, page.error());
        qint64 n = 0;
        for (const Task& t : page->tasks) {
            if (!modelByName(t.spec.model) || m_active.contains(t.id))
                continue;
            readmit(t, QStringLiteral("requeued from dead letters by operator"));
            ++n;
        }
        postDispatch();
        m_gate.afterLastWrite([reply, n] { resolve(reply, n); });
    });
}

void Scheduler::purge(TaskState state, QString model, qint64 olderThanMs, Reply<Result<qint64>> reply)
{
    onResult(m_store.purgeTasks(state, model, olderThanMs), this, [this, state, model, reply](const Result<qint64>& r) {
        if (r && isFinal(state))
            recountAfterPurge(state, model);
        resolve(reply, r);
    });
}

void Scheduler::recountAfterPurge(TaskState state, const QString& model)
{
    for (const auto& mp : m_models) {
        if (!mp || (!model.isEmpty() && mp->config.name != model))
            continue;
        TaskFilter f;
        f.states = { state };
        f.model = mp->config.name;
        onResult(m_store.countTasks(f), this, [this, state, name = f.model](const Result<qint64>& n) {
            if (ModelRuntime* m = modelByName(name); m && n) {
                m->states[static_cast<size_t>(state)] = *n;
                // The count holds the other nodes' finishes so far too.
                for (PeerCounts& p : m_peers)
                    if (auto last = p.last.constFind(name); last != p.last.constEnd())
                        p.offset[name][static_cast<size_t>(state)] = last->at(static_cast<size_t>(state));
                if (auto retired = m_retiredFinishes.find(name); retired != m_retiredFinishes.end())
                    (*retired)[static_cast<size_t>(state)] = 0;
                m->elsewhere[static_cast<size_t>(state)] = 0;
            }
        });
    }
}

// ---- models -------------------------------------------------------------------

QList<ModelConfig> Scheduler::modelConfigs() const
{
    QList<ModelConfig> out;
    for (const auto& m : m_models)
        if (m)
            out.append(m->config);
    return out;
}

void Scheduler::persistModel(const ModelConfig& config, std::function<void(VoidResult)> done)
{
    modelWriteStarted(config.name);
    onResult(m_store.upsertModel(config), this, [this, name = config.name, done = std::move(done)](const VoidResult& r) {
        if (r && m_shared)
            m_store.notifyNodes(QString(nodemsg::kModelsChanged));
        done(r);
        modelWriteEnded(name);
    });
}

namespace {
// Where an endpoint sends its key: base_url's origin (an http task's other
// allowed hosts never get it); empty when it sends it nowhere.
QString keyOrigin(const EndpointConfig& e)
{
    if (e.provider == QLatin1String("simulated") || e.baseUrl.isEmpty())
        return {};
    return HttpClientPool::originKey(QUrl(e.baseUrl));
}
} // namespace

std::optional<Error> Scheduler::keyReferenceProblem(const ModelConfig& model) const
{
    for (qsizetype i = 0; i < model.endpoints.size(); ++i) {
        const EndpointConfig& e = model.endpoints.at(i);
        if (e.apiKeyRef.isEmpty())
            continue;
        if (auto refused = m_secrets->policy().refusal(e.apiKeyRef))
            return Error::invalid(QStringLiteral("endpoints[%1].api_key_ref").arg(i), *refused);
        if (e.rebindKey)
            continue;
        // Where this reference's key goes today, over every saved endpoint.
        QSet<QString> today;
        bool used = false;
        for (const auto& m : m_models) {
            if (!m)
                continue;
            for (const EndpointConfig& other : m->config.endpoints) {
                if (other.apiKeyRef != e.apiKeyRef)
                    continue;
                used = true;
                if (const QString origin = keyOrigin(other); !origin.isEmpty())
                    today.insert(origin);
            }
        }
        const QString to = keyOrigin(e);
        // A reference no endpoint uses yet: naming it is the decision.
        if (!used || to.isEmpty() || today.contains(to))
            continue;
        QStringList known(today.cbegin(), today.cend());
        known.sort();
        return Error::invalid(QStringLiteral("endpoints[%1].rebind_key").arg(i),
            QStringLiteral("the key of %1 goes to %2 today; to send it to %3 as well, save again with \"rebind_key\": true on this "
                           "endpoint (or give it a key reference of its own)")
                .arg(e.apiKeyRef, known.isEmpty() ? QStringLiteral("no server") : known.join(QStringLiteral(", ")), to.left(kEchoValueChars)));
    }
    return std::nullopt;
}

void Scheduler::upsertModel(ModelConfig model, Reply<Result<ModelConfig>> reply)
{
    auto checked = model.validated();
    if (!checked)
        return resolve(reply, checked.error());
    if (auto problem = keyReferenceProblem(*checked))
        return resolve(reply, *problem);
    for (EndpointConfig& e : checked->endpoints)
        e.rebindKey = false; // it applied to this save only
    if (auto pool = EndpointPool::create(*checked, m_providers); !pool)
        return resolve(reply, pool.error());
    persistModel(*checked, [this, model = *checked, reply](VoidResult r) {
        if (!r)
            return resolve(reply, r.error());
        if (auto installed = installModel(model); !installed)
            return resolve(reply, installed.error());
        publishSnapshot();
        postDispatch();
        resolve(reply, model);
    });
}

void Scheduler::removeModel(QString name, Reply<VoidResult> reply)
{
    ModelRuntime* m = modelByName(name);
    if (!m)
        return resolve(reply, Error::notFound(QStringLiteral("no model named '%1'").arg(name)));
    if (const qint64 n = m->unfinished() + m->reserved; n > 0)
        return resolve(
            reply, Error::conflict(QStringLiteral("model '%1' has %2 unfinished tasks; cancel them or let them finish first").arg(name).arg(n)));
    modelWriteStarted(name);
    onResult(m_store.deleteModel(name), this, [this, name, reply](const VoidResult& r) {
        const auto ended = qScopeGuard([this, name] { modelWriteEnded(name); });
        if (!r)
            return resolve(reply, r);
        auto it = m_modelIndex.find(name);
        if (it != m_modelIndex.end()) {
            ModelRuntime* rt = m_models[it.value()].get();
            if (rt && rt->unfinished() + rt->reserved > 0)
                return resolve(reply, Error::conflict(QStringLiteral("model '%1' received tasks meanwhile").arg(name)));
            m_models[it.value()].reset();
            m_modelIndex.erase(it);
        }
        if (m_shared)
            m_store.notifyNodes(QString(nodemsg::kModelsChanged));
        publishSnapshot();
        resolve(reply, VoidResult {});
    });
}

void Scheduler::setModelPaused(QString name, bool paused, Reply<VoidResult> reply)
{
    ModelRuntime* m = modelByName(name);
    if (!m)
        return resolve(reply, Error::notFound(QStringLiteral("no model named '%1'").arg(name)));
    ModelConfig config = m->config;
    config.paused = paused;
    persistModel(config, [this, name, paused, reply](VoidResult r) {
        if (!r)
            return resolve(reply, r);
        if (ModelRuntime* rt = modelByName(name))
            rt->config.paused = paused;
        qCInfo(lcSched) << "model" << name << (paused ? "paused" : "resumed");
        publishSnapshot();
        postDispatch();
        resolve(reply, VoidResult {});
    });
}

void Scheduler::setPaused(bool paused, Reply<VoidResult> reply)
{
    onResult(
        m_store.setSetting(kPausedSetting, paused ? QStringLiteral("1") : QStringLiteral("0")), this, [this, paused, reply](const VoidResult& r) {
            if (!r)
                return resolve(reply, r);
            m_paused = paused;
            qCInfo(lcSched) << (paused ? "dispatch paused" : "dispatch resumed");
            if (m_shared)
                m_store.notifyNodes(paused ? QString(nodemsg::kPaused) : QString(nodemsg::kResumed));
            publishSnapshot();
            postDispatch();
            resolve(reply, VoidResult {});
        });
}

// ---- store feedback, events, snapshots ------------------------------------------

void Scheduler::onWriterStatus(const WriterStatus& status)
{
    if (status.healthy != m_storeHealthy) {
        m_storeHealthy = status.healthy;
        m_storeError = status.error;
        if (!status.healthy) {
            qCCritical(lcSched) << "store writes fail; dispatch paused until they succeed:" << status.error;
            emit notification({ Notification::Kind::Error, tr("Store writes fail"),
                tr("Dispatch is paused until the database accepts writes again: %1").arg(status.error) });
        } else {
            qCInfo(lcSched) << "store writes succeed again; dispatch resumes";
            m_storeError.clear();
            postDispatch();
        }
    }
    m_gate.committed(status.committedTicket);
    if (m_gate.hasReadyEvents() && !m_eventTimer.isActive())
        m_eventTimer.start();
    checkStopped();
}

void Scheduler::flushEvents()
{
    if (m_gate.hasReadyEvents())
        emit taskEvents(m_gate.takeReadyEvents());
}

void Scheduler::publishSnapshot()
{
    auto snap = std::make_shared<EngineSnapshot>();
    const qint64 now = nowMs();
    snap->timeMs = now;
    snap->running = !m_stopping;
    snap->paused = m_paused;
    snap->storeHealthy = m_storeHealthy;
    snap->storeError = m_storeError;
    snap->nodeId = m_options.nodeId;
    for (const auto& mp : m_models) {
        if (!mp)
            continue;
        const ModelRuntime& m = *mp;
        ModelSnapshot ms;
        ms.name = m.config.name;
        ms.config = m.config;
        ms.paused = m.config.paused;
        ms.concurrency = m.config.concurrency;
        ms.inflight = m.inflight;
        ms.capacity = m.config.capacity;
        ms.states = m.states; // what the store holds in each state
        ms.states[static_cast<size_t>(TaskState::Queued)] += m.unowned; // the shared queue waits too
        for (size_t i = 0; i < ms.states.size(); ++i)
            ms.states[i] += m.elsewhere[i]; // and what the other nodes hold and finished
        ms.finishedHere = m.finishedHere;
        const StatCounters& c = m.stats.totals();
        ms.submittedTotal = c.submitted;
        ms.failedAttempts = c.failed;
        ms.retried = c.retried;
        ms.promptTokens = c.promptTokens;
        ms.completionTokens = c.completionTokens;
        ms.costUsd = c.costUsd;
        ms.tasksPerSecond = m.stats.ratePerSecond(now);
        const Histogram recent = m.stats.recentLatency();
        ms.latencyP50 = recent.quantile(0.50);
        ms.latencyP95 = recent.quantile(0.95);
        ms.latencyP99 = recent.quantile(0.99);
        ms.latency = m.stats.latency();
        ms.wait = m.stats.wait();
        ms.spentTodayUsd = m.spentTodayUsd;
        ms.budgetExhausted = m.config.dailyBudgetUsd > 0 && m.spentTodayUsd >= m.config.dailyBudgetUsd && utcDayStartMs(now) == m.budgetDayMs;
        for (int i = 0; m.endpoints && i < m.endpoints->size(); ++i) {
            EndpointRuntime& e = *m.endpoints->at(i);
            EndpointSnapshot es;
            es.name = e.config.name;
            es.provider = e.config.provider;
            es.baseUrl = e.config.baseUrl;
            es.circuit = CircuitBreaker::stateName(e.circuit.state(now));
            es.circuitOpenUntilMs = e.circuit.state(now) == CircuitBreaker::State::Open ? e.circuit.openUntilMs() : 0;
            es.healthy = e.healthy;
            es.inflight = e.inflight;
            es.limit = e.limit();
            es.maxConcurrency = e.config.maxConcurrency;
            es.rpm = e.config.rpm;
            es.rpmUsed = e.rpm.usedLastMinute(now);
            es.tpm = e.config.tpm;
            es.tpmUsed = e.tpm.used(now);
            es.latencyMs = e.latencyMs.value();
            es.calls = e.calls;
            es.failures = e.failures;
            es.lastError = e.lastError;
            es.lastErrorMs = e.lastErrorMs;
            es.cooldownUntilMs = e.cooldownUntilMs > now ? e.cooldownUntilMs : 0;
            es.lastHealthMs = e.lastHealthMs;
            es.stats = m.stats.endpointTotals(es.name);
            const Histogram recentHere = m.stats.endpointRecentLatency(es.name);
            es.latencyP50 = recentHere.quantile(0.50);
            es.latencyP95 = recentHere.quantile(0.95);
            es.latencyP99 = recentHere.quantile(0.99);
            ms.endpoints.append(std::move(es));
        }
        for (int s = 0; s < kTaskStateCount; ++s)
            snap->states[static_cast<size_t>(s)] += ms.states[static_cast<size_t>(s)];
        snap->tasksPerSecond += ms.tasksPerSecond;
        snap->models.append(std::move(ms));
    }
    snap->tasksPerSecond += m_rateElsewhere; // the cluster's, as the other nodes last reported theirs
    if (m_sink)
        m_sink(std::move(snap));
}

void Scheduler::rollupStats(bool force)
{
    const qint64 now = nowMs();
    std::vector<MinuteStats> rows;
    for (auto& mp : m_models) {
        if (!mp)
            continue;
        mp->stats.takePeriods(now, force, mp->unfinished() + mp->unowned + mp->unfinishedElsewhere(), rows);
    }
    if (rows.empty())
        return;
    m_store.addStatsMinutes(std::move(rows));
}

void Scheduler::renewLease()
{
    const qint64 now = nowMs();
    NodeInfo n;
    n.id = m_options.nodeId;
    n.host = QSysInfo::machineHostName();
    n.pid = QCoreApplication::applicationPid();
    n.address = m_nodeAddress;
    n.version = QStringLiteral(LLMSCHED_VERSION);
    n.startedMs = m_startedMs;
    n.heartbeatMs = now;
    n.leaseExpiresMs = now + kLeaseMs;
    n.running = m_calls.size();
    for (const auto& m : m_models)
        if (m)
            n.tasksPerSecond += m->stats.ratePerSecond(now);
    n.members = m_appliedMembers;
    for (const auto& m : m_models) {
        if (!m || !m->endpoints)
            continue;
        n.inflight.insert(m->config.name, m->inflight);
        std::array<qint64, kTaskStateCount>& states = n.states[m->config.name];
        for (int i = 0; i < kTaskStateCount; ++i)
            states[static_cast<size_t>(i)]
                = isFinal(static_cast<TaskState>(i)) ? m->finishedHere[static_cast<size_t>(i)] : m->states[static_cast<size_t>(i)];
        for (int i = 0; i < m->endpoints->size(); ++i)
            n.inflight.insert(m->config.name + QLatin1Char('/') + m->endpoints->at(i)->config.name, m->endpoints->at(i)->inflight);
    }
    onResult(m_store.heartbeat(n), this, [this, now](const VoidResult& r) { leaseRenewed(now, r); });
}

void Scheduler::setNodeAddress(QString address, Reply<VoidResult> reply)
{
    m_nodeAddress = std::move(address);
    if (!m_stopping)
        renewLease();
    resolve(reply, VoidResult {});
}

// ---- shutdown -----------------------------------------------------------------

void Scheduler::stop(int drainMs, Reply<VoidResult> reply)
{
    if (m_stopping) {
        if (!m_stopReply)
            return resolve(reply, VoidResult {});
        // A second stop with a shorter drain: interrupt now.
        if (drainMs == 0)
            m_drainTimer.start(0);
        return resolve(reply, VoidResult {});
    }
    m_stopping = true;
    m_stopReply = reply;
    m_snapshotTimer.stop();
    m_wakeTimer.stop();
    m_endpoints->stop();
    qCInfo(lcSched) << "stopping:" << m_calls.size() << "calls running; waiting up to" << drainMs << "ms";
    // Tasks waiting for their payload have not called anyone yet: put them back now.
    for (auto it = m_calls.begin(); it != m_calls.end();) {
        if (!it->launched) {
            const Ulid id = it.key();
            it->control->abort(FailureKind::Interrupted);
            ++it;
            auto t = m_active.find(id);
            if (t != m_active.end())
                finishAttempt(id, t->gen, CallResult::failed(FailureKind::Interrupted, QStringLiteral("interrupted")));
            it = m_calls.begin();
            continue;
        }
        ++it;
    }
    m_drainTimer.start(std::max(0, drainMs));
    checkStopped();
}

void Scheduler::checkStopped()
{
    if (!m_stopping || !m_stopReply || !m_calls.isEmpty() || m_endpoints->busy())
        return;
    m_drainTimer.stop();
    m_leaseTimer.stop();
    m_rollupTimer.stop();
    m_clusterTimer.stop();
    m_timer.stop();
    rollupStats(true);
    publishSnapshot();
    auto reply = std::move(m_stopReply);
    m_stopReply.reset();
    // The node's lease ends with it; nothing of ours is running any more.
    const QString node = m_options.nodeId;
    onResult(m_store.removeNode(node), this, [this, reply](const VoidResult& r) {
        flushEvents();
        qCInfo(lcSched) << "stopped";
        resolve(reply, r);
    });
}

} // namespace llmsched
