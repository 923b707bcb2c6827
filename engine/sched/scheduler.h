#pragma once

#include "commitgate.h"
#include "endpointpool.h"
#include "endpointsupervisor.h"
#include "reply.h"
#include "readyqueue.h"
#include "timerqueue.h"

#include "core/enginetypes.h"
#include "core/secrets.h"
#include "providers/httpclientpool.h"
#include "core/modelconfig.h"
#include "stats/modelstats.h"
#include "store/store.h"

#include <QHash>
#include <QSet>
#include <QObject>
#include <QRandomGenerator>
#include <QTimer>

#include <algorithm>
#include <functional>
#include <memory>

namespace llmsched {

constexpr qint64 kDefaultPayloadBudgetBytes = 64LL * 1024 * 1024;
constexpr int kDispatchBatch = 2048;
// While a model has run urgent work (effective priority above low) within
// kReserveHoldMs, low-priority tasks (batch lines, bulk imports) leave
// reservedSlots() of its concurrency free, so the next interactive call starts
// at once instead of waiting for a low task's call to end. With no urgent work
// in that window, low tasks use every slot.
constexpr qint64 kReserveHoldMs = 10'000;
// A node's registry lease (and with it the lease on every task it owns):
// renewed every kLeaseRenewMs, held for kLeaseMs; a node whose renewals fail
// stops its calls and drops its tasks kFenceMarginMs before the lease runs
// out, when the leader may give them to others.
constexpr int kLeaseRenewMs = 5'000;
constexpr int kLeaseMs = 20'000;
constexpr int kFenceMarginMs = 4'000;
// Nodes sharing a database: how often a node looks for unowned work without
// being woken, and the leader lease (leader duties: recovering lost nodes).
constexpr int kClaimPollMs = 1'000;
constexpr int kLeaderLeaseMs = 6'000;
constexpr int kSnapshotIntervalMs = 200;
constexpr int kEventFlushMs = 20;

struct SchedulerOptions
{
    QString nodeId;
    qint64 payloadBudgetBytes = kDefaultPayloadBudgetBytes;
    quint32 randomSeed = 0; // 0: random
    bool dispatch = true;
    SecretPolicy secrets; // where env: and file: key references may point
};

// The scheduling engine proper. Owns per-model ready queues, the timer queue,
// the tasks that are not finished yet (ids and a little state, payloads only
// while they fit the budget), endpoint pools and statistics. Every method runs
// on the engine thread; the Engine facade posts calls here and hands back
// futures. Writes go to the store writer; events are published only after the
// writer reports them committed.
class Scheduler final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(Scheduler)

public:
    using SnapshotSink = std::function<void(std::shared_ptr<const EngineSnapshot>)>;

    Scheduler(Store& store, SchedulerOptions options, SnapshotSink sink);
    ~Scheduler() override;

    // Rebuilds state from the store (models, unfinished tasks); runs once, first.
    // spentToday: each model's cost since midnight UTC, for daily budgets;
    // finished: each model's stored tasks in final states (the counters
    // count what the store holds, not what happened since start).
    VoidResult restore(const QList<ModelConfig>& models, std::vector<ActiveRow> rows, bool paused, qint64 lastSeq,
        const QHash<QString, double>& spentToday = {}, const QHash<QString, FinishedCounts>& finished = {});

    void submit(QList<TaskSpec> specs, Reply<Result<QList<SubmitOutcome>>> reply, bool watch = false);
    // Several independent submissions (the REST server gathers the requests
    // that arrive together) in one store transaction. Each group is accepted or
    // refused on its own; the reply holds one result per group, in order.
    void submitEach(QList<QList<TaskSpec>> groups, Reply<QList<Result<QList<SubmitOutcome>>>> reply);
    void cancel(Ulid id, Reply<Result<TaskState>> reply);
    void setPriority(Ulid id, int priority, Reply<VoidResult> reply);
    // A dead or cancelled task runs again with fresh attempts; a task waiting
    // for a retry or its run_at runs now.
    void retry(Ulid id, Reply<Result<TaskState>> reply);
    // Requeues up to `limit` dead tasks (of one model, or all).
    void requeueDead(QString model, int limit, Reply<Result<qint64>> reply);
    void purge(TaskState state, QString model, qint64 olderThanMs, Reply<Result<qint64>> reply);

    void upsertModel(ModelConfig model, Reply<Result<ModelConfig>> reply);
    void removeModel(QString name, Reply<VoidResult> reply);
    void setModelPaused(QString name, bool paused, Reply<VoidResult> reply);
    void setPaused(bool paused, Reply<VoidResult> reply);
    QList<ModelConfig> modelConfigs() const;
    // Keychain writes (write-only: keys never come back out through the engine).
    void storeSecret(QString name, QByteArray value, Reply<VoidResult> reply);
    // Builds the model's endpoint clients without installing them and asks
    // each endpoint whether it answers (its health check), in order.
    void testConnection(ModelConfig model, Reply<Result<QList<EndpointTestResult>>> reply);
    void removeSecret(QString name, Reply<VoidResult> reply);
    SecretStore& secrets() { return *m_secrets; }
    HttpClientPool& http() { return *m_http; }

    // Stops dispatching, lets running calls finish for up to drainMs, then
    // interrupts the rest (they go back to the queue, attempt not counted),
    // writes the last statistics and flushes the store.
    void stop(int drainMs, Reply<VoidResult> reply);

signals:
    void taskEvents(const llmsched::TaskEvents& events);
    void taskDelta(const QString& id, const QByteArray& chunk);
    void taskFinished(const llmsched::TaskOutcome& outcome);
    void notification(const llmsched::Notification& notification);

private:
    // After a purge: the models' counts of `state` read again from the store
    // (a purge of all models does not say whose tasks it removed).
    void recountAfterPurge(TaskState state, const QString& model);
    struct TaskPayload
    {
        TaskKind kind = TaskKind::Chat;
        QByteArray input;
        QString sessionKey;
        qint64 bytes() const { return input.size() + sessionKey.size() * 2 + 64; }
    };

    // A task that is not finished. Kept small: a million of these fit in ~100 MB.
    struct ActiveTask
    {
        qint64 seq = 0;
        qint64 enqueuedMs = 0; // queued: since when (FIFO, aging); scheduled/retry_wait: when due
        qint64 startedMs = 0;
        qint64 deadlineMs = 0;
        std::shared_ptr<TaskPayload> payload; // null when not kept in memory
        quint32 gen = 0; // bumped on every state change; tags timer entries
        qint32 timeoutMs = 0;
        quint16 model = 0;
        TaskState state = TaskState::Queued;
        quint8 priority = 0;
        quint8 attempts = 0;
        quint8 maxAttempts = 0;
        quint16 blockedOn = 0; // unfinished dependencies
        qint16 lastEndpoint = -1; // where the last attempt ran: failover avoids it
    };

    struct ModelRuntime
    {
        ModelConfig config;
        std::unique_ptr<EndpointPool> endpoints;
        ReadyQueue ready;
        ModelStats stats;
        std::array<qint64, kTaskStateCount> states {};
        // Nodes sharing a database: tasks this node finished since it started
        // (final states; a finished task run again counts -1), and the other
        // nodes' part of the cluster's counts (see countElsewhere()).
        std::array<qint64, kTaskStateCount> finishedHere {};
        std::array<qint64, kTaskStateCount> elsewhere {};
        qint64 unfinishedElsewhere() const;
        qint64 reserved = 0; // submits accepted but not yet committed
        qint64 reservedOwned = 0; // of those, the ones this node keeps (nodes sharing a database)
        qint64 unowned = 0; // unfinished tasks no node owns, as last counted (nodes sharing a database)
        int clusterCap = -1; // this node's share of concurrency (nodes sharing a database); -1: all of it
        int concurrencyLimit() const { return clusterCap < 0 ? config.concurrency : std::min(config.concurrency, clusterCap); }
        int inflight = 0;
        qint64 urgentStartedMs = 0; // the last start of a task above low priority (see kReserveHoldMs)
        // The slots low-priority tasks leave free at nowMs: 1 in 16 (at least
        // one from 4 slots up) while urgent work ran within kReserveHoldMs.
        int reservedSlots(qint64 nowMs) const
        {
            const int limit = concurrencyLimit();
            if (urgentStartedMs == 0 || nowMs - urgentStartedMs >= kReserveHoldMs || limit < 4)
                return 0;
            return std::max(1, limit / 16);
        }
        double spentTodayUsd = 0; // since budgetDayMs (midnight UTC)
        qint64 budgetDayMs = 0;
        bool budgetNotified = false;
        qint64 unfinished() const;
    };

    // A running attempt: how to abort it and which endpoint it holds.
    struct RunningCall
    {
        std::shared_ptr<CallControl> control;
        std::shared_ptr<EndpointRuntime> endpoint;
        TpmLimiter::Ticket tpmTicket = 0;
        qint64 tokensReserved = 0;
        bool launched = false; // false until its attempt is committed and its payload is at hand
        bool recorded = false; // its attempt is committed: it may leave
        bool payloadLoaded = false; // read from the store for this call only (not kept)
    };

    ModelRuntime* modelByName(const QString& name);
    // A stored unfinished task taken in (start-up, a claim), counted in its model's states.
    ActiveTask activeTaskFrom(const ActiveRow& row, int timeoutMs);
    ModelRuntime& modelAt(quint16 index) { return *m_models[index]; }
    Result<quint16> installModel(const ModelConfig& config);

    // Why specs cannot be accepted now (unknown model, full queue, stopping), if so.
    std::optional<Error> checkSubmit(const QList<TaskSpec>& specs) const;
    // Appends rows for specs (moved from) and reserves their place in the queues.
    void makeRows(QList<TaskSpec>& specs, qint64 now, std::vector<NewTaskRow>& rows, bool watch = false);
    // Rows no node owns (nodes sharing a database) wake the nodes once stored.
    bool anyUnowned(const std::vector<NewTaskRow>& rows) const;
    void wakeNodes();
    // Takes rows [from, to) in once committed; their outcomes in order.
    // eventTicket: publish the tasks' creation once that store ticket commits
    // (for tasks taken in before their rows committed); 0: now.
    Result<QList<SubmitOutcome>> onInserted(
        std::vector<NewTaskRow>& rows, const InsertOutcome& outcome, size_t from, size_t to, bool watch, quint64 eventTicket = 0);
    void submitWatchedEarly(std::vector<NewTaskRow> rows, Reply<Result<QList<SubmitOutcome>>> reply);
    // A task taken in early whose row failed to commit: its caller gets the error.
    void abandonUnstored(const Ulid& id, const Error& error);
    void releaseReserved(const std::vector<NewTaskRow>& rows);
    void afterAccepting();
    void admit(const Ulid& id, ActiveTask task, std::shared_ptr<TaskPayload> payload);
    void enqueueReady(const Ulid& id, ActiveTask& t, qint64 nowMs);
    void placeByState(const Ulid& id, ActiveTask& t);

    void postDispatch();
    void dispatch();
    bool canDispatch() const;
    void beginAttempt(const Ulid& id, ActiveTask& t, ModelRuntime& m, std::shared_ptr<EndpointRuntime> endpoint, qint64 tokens, qint64 nowMs);
    qint64 estimateTokens(const ActiveTask& t, const EndpointPool& pool) const;
    bool budgetBlocked(ModelRuntime& m, qint64 nowMs);
    void noteWake(qint64 atMs);
    QCoro::Task<void> runSecretJob(QString name, QByteArray value, bool store, Reply<VoidResult> reply);
    void launch(const Ulid& id, ActiveTask& t);
    // The attempt's row change is committed: the call may leave (once its payload is here).
    void attemptRecorded(const Ulid& id, quint32 gen);
    // Why the key references of a model about to be saved may not be: outside
    // the secret policy, or a reference's key would go somewhere new without
    // the endpoint's rebind_key.
    std::optional<Error> keyReferenceProblem(const ModelConfig& model) const;
    void launchWithPayload(const Ulid& id, ActiveTask& t);
    QCoro::Task<void> runAttempt(
        Ulid id, quint32 gen, std::shared_ptr<EndpointRuntime> endpoint, std::shared_ptr<CallControl> control, CallRequest request);
    // Frees the model and endpoint slot; result (null: the call never reached
    // the endpoint or was stopped by us) feeds the endpoint's limiters and circuit.
    void releaseSlot(const Ulid& id, ActiveTask& t, const CallResult* result = nullptr);
    void readmit(const Task& task, const QString& reason);
    void checkDependencies(const Ulid& id, const QStringList& dependsOn);
    void recordChange(const Ulid& id, ActiveTask& t, TaskUpdate update, LogLevel level, QString message);
    std::shared_ptr<TaskPayload> keepPayload(TaskKind kind, const QByteArray& input, const QString& sessionKey);
    void dropPayload(ActiveTask& t);
    void finishAttempt(const Ulid& id, quint32 gen, CallResult result);
    void loadPayloads();
    void onTimer();
    void armTimer();

    // Moves a task to `to`, writes the row change and a log entry, counts it and
    // queues the event. Final states remove the task from memory.
    void transition(const Ulid& id, ActiveTask& t, TaskState to, TaskUpdate update, LogLevel level, QString message, QString error = {});
    void finalize(const Ulid& id, ActiveTask& t, TaskState state);
    void releaseDependents(const Ulid& id, TaskState finalState);
    // A blocked task whose dependencies all succeeded goes to its queue; one whose
    // dependency did not is cancelled with the reason.
    void dependenciesDone(const Ulid& id, ActiveTask& t, qint64 now);
    // A step whose input refers to its parents' results (core/steptemplate.h):
    // read them, fill them in, then queue it; a reference that leads nowhere
    // ends it dead with the reason.
    void fillInInputs(const Ulid& id);
    void readInputs(const Ulid& id);
    void inputsRead(const Ulid& id, const Task& task, const QHash<QString, QString>& refs, const QList<Result<Task>>& parents);
    void queueAfterDependencies(const Ulid& id, ActiveTask& t, TaskUpdate u, const QString& message);
    void dependencyFailed(const Ulid& id, ActiveTask& t, const QString& why, qint64 now);

    void onWriterStatus(const WriterStatus& status);
    void flushEvents();
    void publishSnapshot();
    void rollupStats(bool force);
    void renewLease();

    // ---- nodes sharing one database (schedulercluster.cpp) ----
    qint64 nextSeq();
    // Nodes sharing a database: task numbers for count new tasks in hand
    // (fetched now if need be), or why not.
    std::optional<Error> numbersFor(qsizetype count);
    void refillSeqBlocks(bool wait);
    // Whether a task this node submits is stored as its own (else any node claims it).
    bool keepsNewTask(ModelRuntime& m, TaskState state, bool watch);
    // The queued tasks a node keeps of a model: what it claims up to.
    qint64 claimTarget(const ModelRuntime& m) const;
    void startCluster();
    void clusterTick();
    void maybeClaim();
    void adoptClaimed(std::vector<ClaimedRow> rows);
    void adopt(ClaimedRow& row);
    void onNodeNotification(const QString& text);
    void leaderDuties();
    void readRegistry();
    // Cluster-wide limits: this node's share of each model's concurrency and
    // each endpoint's max_concurrency, rpm and tpm, from the registry (see
    // docs/scaling.md).
    void applyShares();
    void leaseRenewed(qint64 sentMs, const VoidResult& r);
    // Lost the lease: stop every call, forget every task (others may own them now).
    void fence();
    void reloadModels();
    // An operator action on a task this node does not hold: done in the store
    // when no node owns it, else sent to its owner.
    void cancelElsewhere(Ulid id, Reply<Result<TaskState>> reply);
    void setPriorityElsewhere(Ulid id, int priority, Reply<VoidResult> reply);
    void awaitFinalState(Ulid id, QString node, qint64 untilMs, Reply<Result<TaskState>> reply);
    // Dependencies another node still runs: looked up again until they end.
    void awaitStoredDependencies(const Ulid& id, const QStringList& ids);
    // The store's answer about dependencies not in memory; again: a look-up
    // after a wait (a failed read then waits again).
    void storedDependenciesRead(const Ulid& id, const QStringList& ids, const Result<QHash<QString, TaskState>>& found, bool again);

public:
    // Where this node's REST API listens, for the node registry.
    void setNodeAddress(QString address, Reply<VoidResult> reply);

private:
    void checkStopped();
    void persistModel(const ModelConfig& config, std::function<void(VoidResult)> done);
    // This node's own model writes, so that reloadModels() never takes a
    // read that may predate one of them for another node's change: the
    // models-changed notice of a write comes back here too, and its read
    // could land after the next local edit (an endpoint deleted came back).
    void modelWriteStarted(const QString& name) { ++m_modelWritesPending[name]; }
    void modelWriteEnded(const QString& name)
    {
        if (--m_modelWritesPending[name] <= 0)
            m_modelWritesPending.remove(name);
        m_modelChangedAt.insert(name, ++m_modelChangeSeq);
    }
    bool changedHereSince(const QString& name, quint64 seq) const
    {
        return m_modelWritesPending.contains(name) || m_modelChangedAt.value(name) > seq;
    }
    quint64 m_modelChangeSeq = 0;
    QHash<QString, quint64> m_modelChangedAt; // by model: m_modelChangeSeq when its last local write ended
    QHash<QString, int> m_modelWritesPending; // by model: local writes not yet answered

    Store& m_store;
    SchedulerOptions m_options;
    HttpClientPool* m_http; // children: they move to the engine thread with us
    SecretStore* m_secrets;
    ProviderContext m_providers;
    EndpointSupervisor* m_endpoints; // child: circuits, health checks, what each call tells
    SnapshotSink m_sink;
    QRandomGenerator m_rng;

    std::vector<std::unique_ptr<ModelRuntime>> m_models; // index = ActiveTask::model; null when removed
    QHash<QString, quint16> m_modelIndex;
    QHash<Ulid, ActiveTask> m_active;
    QHash<Ulid, RunningCall> m_calls; // running attempts
    struct Dependent
    {
        Ulid id;
        bool continues = false; // on_failure: continue (it runs whatever the dependency's end)
    };
    QHash<Ulid, QList<Dependent>> m_dependents; // unfinished task -> tasks blocked on it
    QHash<Ulid, QList<Reply<Result<TaskState>>>> m_cancelWaiters;
    std::vector<Ulid> m_needPayload;
    // Watched submits (submitWatchedEarly): the rows inserted in the current
    // held write, and those of them started by its dispatch round, which leave
    // at once: their record commits with their row (see beginAttempt).
    QSet<Ulid> m_heldRows;
    std::vector<std::pair<Ulid, quint32>> m_launchNow;
    TimerQueue m_timers; // run_at, retry back-off (tag = gen)
    TimerQueue m_timeouts; // attempt timeouts (tag = gen)
    QTimer m_timer;
    QTimer m_snapshotTimer;
    QTimer m_leaseTimer;
    QTimer m_rollupTimer;
    QTimer m_eventTimer;
    QTimer m_wakeTimer; // an endpoint's limiter, cooldown or circuit frees up
    qint64 m_wakeAt = 0;

    qint64 m_lastSeq = 0;
    qint64 m_payloadBytes = 0;
    qint64 m_startedMs = 0;
    QString m_nodeAddress;
    bool m_paused = false;
    bool m_dispatchPosted = false;
    bool m_storeHealthy = true;
    QString m_storeError;
    // Events and operator answers wait here until what they report is
    // committed; watched tasks' outcomes wait in m_outcomes.
    CommitGate m_gate;
    OutcomeLane m_outcomes;
    int m_lastHttpStatus = 0; // of the attempt being finished, for TaskOutcome
    QSet<Ulid> m_watched; // tasks whose deltas and outcome someone waits for
    QSet<Ulid> m_streamedToCaller; // watched tasks whose current attempt sent deltas: never retried

    bool m_stopping = false;
    Reply<VoidResult> m_stopReply;
    QTimer m_drainTimer;

    // Nodes sharing one database (Store::shared()).
    bool m_shared = false;
    std::vector<std::pair<qint64, qint64>> m_seqBlocks; // [next, end) of each block in hand
    bool m_seqFetching = false;
    QTimer m_clusterTimer;
    QSet<quint16> m_claiming; // models with a claim in flight
    QSet<quint16> m_drained; // models whose last claim found less than asked (until woken)
    QSet<quint16> m_claimAgain; // woken while a claim was in flight: it may have missed the new rows
    bool m_claimPosted = false;
    qint64 m_leaseHeldUntilMs = 0; // by this node's clock
    bool m_fenced = false;
    bool m_reloading = false;
    int m_clusterTicks = 0;
    int m_liveNodes = 1;
    QList<NodeInfo> m_registry; // online nodes at the last read
    qint64 m_leaseFailingSinceMs = 0; // the first failed renewal of an outage; 0: renewals succeed
    // What the other nodes reported of their tasks (NodeInfo::states), for
    // counts of the whole cluster: the finishes they had reported when this
    // node first saw them are in the store's counts it started from.
    struct PeerCounts
    {
        qint64 startedMs = 0;
        bool online = false;
        QHash<QString, std::array<qint64, kTaskStateCount>> offset; // final states only
        QHash<QString, std::array<qint64, kTaskStateCount>> last;
    };
    QHash<QString, PeerCounts> m_peers;
    QHash<QString, std::array<qint64, kTaskStateCount>> m_retiredFinishes; // of nodes gone from the registry
    double m_rateElsewhere = 0; // tasks finished per second on the other online nodes
    void countElsewhere(const QList<NodeInfo>& nodes, qint64 now);
    void retirePeer(const PeerCounts& p);
    int m_appliedMembers = 0; // how many nodes the applied shares count
};

} // namespace llmsched
