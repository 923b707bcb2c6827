// The Scheduler's part in a cluster: several nodes on one PostgreSQL database
// (Store::shared()). See docs/scaling.md for the design; in short, every
// unfinished task has one owner or none, a node keeps in memory exactly the
// tasks it owns and runs them as a single node would, claims unowned ones
// when it has room, and gives up everything when it loses its lease.

#include "scheduler.h"

#include "core/logging.h"
#include "core/futures.h"
#include "core/timeutil.h"

#include <QSet>

namespace llmsched {

namespace {
constexpr int kSeqBlocksAhead = 2;
constexpr int kRemoteCancelWaitMs = 10'000;
constexpr int kRemoteCancelPollMs = 100;
constexpr int kDependencyPollMs = 1'000;
constexpr qint64 kClaimAlone = 50'000;
constexpr int kClaimRetryMs = 100;
} // namespace

// ---- task numbers ---------------------------------------------------------------

qint64 Scheduler::nextSeq()
{
    if (!m_shared)
        return ++m_lastSeq;
    if (m_seqBlocks.empty())
        refillSeqBlocks(true);
    if (m_seqBlocks.empty()) {
        // The database is unreachable; the insert will fail and say so. A
        // number no block holds keeps the row apart meanwhile.
        return -(++m_lastSeq);
    }
    auto& [next, end] = m_seqBlocks.front();
    const qint64 seq = next++;
    if (next >= end)
        m_seqBlocks.erase(m_seqBlocks.begin());
    if (m_seqBlocks.size() < kSeqBlocksAhead)
        refillSeqBlocks(false);
    return seq;
}

std::optional<Error> Scheduler::numbersFor(qsizetype count)
{
    if (!m_shared)
        return std::nullopt;
    qint64 have = 0;
    for (const auto& [next, end] : m_seqBlocks)
        have += end - next;
    if (have >= count)
        return std::nullopt;
    // A burst beyond the blocks in hand, or the database was out of reach
    // when they ran out: refused now, rather than accepted under numbers
    // the store would not take.
    const int blocks = static_cast<int>((count - have + kSeqBlock - 1) / kSeqBlock);
    const Result<QList<qint64>> firsts = m_store.takeSeqBlocks(std::max(blocks, kSeqBlocksAhead)).result();
    if (!firsts)
        return Error::unavailable(QStringLiteral("cannot number new tasks: %1").arg(firsts.error().message));
    for (qint64 first : *firsts)
        m_seqBlocks.emplace_back(first, first + kSeqBlock);
    return std::nullopt;
}

void Scheduler::refillSeqBlocks(bool wait)
{
    if (m_seqFetching && !wait)
        return;
    const auto take = [this](const Result<QList<qint64>>& firsts) {
        if (!firsts) {
            qCWarning(lcSched).noquote() << "cannot number new tasks:" << firsts.error().message;
            return;
        }
        for (qint64 first : *firsts)
            m_seqBlocks.emplace_back(first, first + kSeqBlock);
    };
    if (wait) {
        // Only when a burst used up the blocks in hand before the next came.
        take(m_store.takeSeqBlocks(kSeqBlocksAhead).result());
        return;
    }
    m_seqFetching = true;
    onResult(m_store.takeSeqBlocks(1), this, [this, take](const Result<QList<qint64>>& firsts) {
        m_seqFetching = false;
        take(firsts);
    });
}

// ---- ownership and claiming --------------------------------------------------------

qint64 Scheduler::claimTarget(const ModelRuntime& m) const
{
    // Alone, a node takes in the whole queue in large bites, as a node on
    // SQLite loads it; beside others, enough to keep its calls busy.
    if (m_liveNodes <= 1)
        return kClaimAlone;
    // Twice its calls: a claim (one round trip) refills the queue while half
    // of it still runs, and what it holds beyond that is little enough that
    // the last of a burst does not wait on one node while others idle.
    return std::clamp<qint64>(2LL * m.concurrencyLimit(), 128, 4096);
}

bool Scheduler::keepsNewTask(ModelRuntime& m, TaskState state, bool watch)
{
    if (!m_shared || m_liveNodes <= 1 || watch || state != TaskState::Queued)
        return true; // alone, a caller waiting here, or not ready to run yet
    if (m.concurrencyLimit() == 0)
        return false; // no share of the model's concurrency here (yet): another node runs it
    if (m.states[static_cast<size_t>(TaskState::Queued)] + m.reservedOwned < claimTarget(m)) {
        m.reservedOwned++;
        return true;
    }
    return false;
}

void Scheduler::startCluster()
{
    m_shared = m_store.shared();
    if (!m_shared)
        return;
    m_lastSeq = 0; // numbers come from the database's blocks
    refillSeqBlocks(true);
    m_store.setNotificationListener([this](const QString& text) {
        QMetaObject::invokeMethod(
            this, [this, text] { onNodeNotification(text); }, Qt::QueuedConnection);
    });
    m_clusterTimer.setInterval(kClaimPollMs);
    connect(&m_clusterTimer, &QTimer::timeout, this, &Scheduler::clusterTick);
    m_clusterTimer.start();
    m_leaseHeldUntilMs = nowMs() + kLeaseMs; // the registry row written at start-up holds it
}

void Scheduler::clusterTick()
{
    if (m_stopping)
        return;
    const qint64 now = nowMs();
    if (!m_fenced && now > m_leaseHeldUntilMs - kFenceMarginMs)
        fence();
    if (m_fenced)
        return;
    m_drained.clear(); // the poll: look again even without a wake-up
    maybeClaim();
    readRegistry();
    if (++m_clusterTicks % 2 == 0) {
        leaderDuties();
        onResult(m_store.unownedCounts(), this, [this](const Result<QHash<QString, qint64>>& counts) {
            if (!counts)
                return;
            for (auto& m : m_models)
                if (m)
                    m->unowned = counts->value(m->config.name);
        });
    }
}

void Scheduler::maybeClaim()
{
    if (!m_shared || m_fenced || m_stopping || m_reloading || m_paused)
        return;
    const qint64 now = nowMs();
    for (size_t i = 0; i < m_models.size(); ++i) {
        ModelRuntime* m = m_models[i].get();
        const auto index = static_cast<quint16>(i);
        if (!m || m->config.paused || m->concurrencyLimit() == 0 || m_claiming.contains(index) || m_drained.contains(index))
            continue;
        const qint64 target = claimTarget(*m);
        const qint64 room = target - m->states[static_cast<size_t>(TaskState::Queued)];
        if (room < target / 2)
            continue;
        ClaimRequest request;
        request.model = m->config.name;
        request.limit = static_cast<int>(room);
        request.agingIntervalMs = m->config.agingIntervalMs;
        request.nowMs = now;
        m_claiming.insert(index);
        onResult(m_store.claimTasks(request), this, [this, index](Result<std::vector<ClaimedRow>> rows) {
            m_claiming.remove(index);
            const bool again = m_claimAgain.remove(index);
            if (!rows) {
                qCWarning(lcSched).noquote() << "claiming tasks failed:" << rows.error().message;
                m_drained.insert(index); // until the next poll
                return;
            }
            // Nothing left (or every row was being claimed by another node):
            // wait for a wake-up or the poll. Fewer than asked is not
            // "nothing": the next dispatch that finds the queue low asks again.
            if (rows->empty() && !again) {
                m_drained.insert(index);
                // Rows were left, but others had them locked: look again soon.
                if (const ModelRuntime* claimed = m_models[index].get(); claimed && claimed->unowned > 0)
                    QTimer::singleShot(kClaimRetryMs, this, [this, index] {
                        m_drained.remove(index);
                        maybeClaim();
                    });
            }
            adoptClaimed(std::move(*rows));
            if (again)
                maybeClaim();
        });
    }
}

void Scheduler::adoptClaimed(std::vector<ClaimedRow> rows)
{
    if (rows.empty())
        return;
    if (m_fenced) {
        // Claimed while the lease was running out: the leader frees them again.
        return;
    }
    for (ClaimedRow& row : rows)
        adopt(row);
    armTimer();
    postDispatch();
    maybeClaim();
}

void Scheduler::adopt(ClaimedRow& c)
{
    ActiveRow& r = c.row;
    ModelRuntime* m = modelByName(r.model);
    if (!m || m_active.contains(r.id))
        return;
    ActiveTask t = activeTaskFrom(r, c.timeoutMs > 0 ? c.timeoutMs : m->config.timeoutMs);
    t.payload = keepPayload(c.kind, c.input, c.sessionKey);
    m->unowned = std::max<qint64>(0, m->unowned - 1); // until the next count
    auto it = m_active.insert(r.id, t);
    if (r.state == TaskState::Blocked)
        checkDependencies(r.id, r.dependsOn);
    else
        placeByState(r.id, it.value());
}

// ---- wake-ups ------------------------------------------------------------------------

void Scheduler::onNodeNotification(const QString& text)
{
    if (m_stopping)
        return;
    if (text == nodemsg::kTasksWaiting) {
        m_drained.clear();
        m_claimAgain.unite(m_claiming);
        maybeClaim();
    } else if (text == nodemsg::kModelsChanged) {
        reloadModels();
    } else if (text == nodemsg::kPaused || text == nodemsg::kResumed) {
        const bool paused = text == nodemsg::kPaused;
        if (paused != m_paused) {
            m_paused = paused;
            qCInfo(lcSched) << (paused ? "dispatch paused by another node" : "dispatch resumed by another node");
            publishSnapshot();
            postDispatch();
            maybeClaim();
        }
    } else if (text.startsWith(nodemsg::kCancelPrefix)) {
        if (auto id = Ulid::fromString(text.mid(nodemsg::kCancelPrefix.size())); id && m_active.contains(*id))
            cancel(*id, makeReply<Result<TaskState>>());
    } else if (text.startsWith(nodemsg::kPriorityPrefix)) {
        const QStringList parts = text.mid(nodemsg::kPriorityPrefix.size()).split(QLatin1Char(':'));
        if (parts.size() == 2)
            if (auto id = Ulid::fromString(parts.at(0)); id && m_active.contains(*id))
                setPriority(*id, parts.at(1).toInt(), makeReply<VoidResult>());
    }
}

void Scheduler::reloadModels()
{
    const quint64 asked = m_modelChangeSeq;
    onResult(m_store.models(), this, [this, asked](const Result<QList<ModelConfig>>& models) {
        if (!models) {
            qCWarning(lcSched).noquote() << "reading the models another node changed failed:" << models.error().message;
            return;
        }
        QSet<QString> stored;
        for (const ModelConfig& config : *models)
            stored.insert(config.name);
        for (auto it = m_modelIndex.begin(); it != m_modelIndex.end();) {
            const ModelRuntime* m = m_models[it.value()].get();
            // Removed on another node (the store refuses while it has unfinished tasks).
            if (stored.contains(it.key()) || (m && m->unfinished() + m->reserved > 0) || changedHereSince(it.key(), asked)) {
                ++it;
                continue;
            }
            qCInfo(lcSched) << "model" << it.key() << "was removed on another node";
            m_models[it.value()].reset();
            it = m_modelIndex.erase(it);
        }
        for (const ModelConfig& config : *models) {
            const ModelRuntime* m = modelByName(config.name);
            if ((m && m->config.toJson() == config.toJson()) || changedHereSince(config.name, asked))
                continue; // unchanged, or this read may predate what this node wrote since
            if (auto r = installModel(config); !r)
                qCWarning(lcSched) << "model" << config.name << "cannot run:" << r.error().toString();
            else
                qCInfo(lcSched) << "model" << config.name << "changed on another node; reloaded";
        }
        publishSnapshot();
        postDispatch();
        m_drained.clear();
        maybeClaim();
    });
}

// ---- leases --------------------------------------------------------------------------

void Scheduler::leaseRenewed(qint64 sentMs, const VoidResult& r)
{
    if (!r) {
        // Once per outage, not at every attempt (every 5 s).
        if (m_leaseFailingSinceMs == 0) {
            m_leaseFailingSinceMs = sentMs;
            qCWarning(lcSched).noquote() << "renewing this node's lease failed:" << r.error().message;
        }
        return;
    }
    if (m_leaseFailingSinceMs != 0) {
        qCInfo(lcSched).noquote()
            << QStringLiteral("this node's lease is renewed again, after %1 s").arg((sentMs - m_leaseFailingSinceMs) / 1000.0, 0, 'f', 1);
        m_leaseFailingSinceMs = 0;
    }
    m_leaseHeldUntilMs = std::max(m_leaseHeldUntilMs, sentMs + kLeaseMs);
    if (!m_shared)
        return;
    if (m_appliedMembers == 0)
        readRegistry(); // the first heartbeat is in: learn this node's shares now, not at the next poll
    if (!m_fenced || m_reloading)
        return;
    // The lease holds again. What this node owned and nobody recovered
    // meanwhile is still its own: take it in again.
    m_reloading = true;
    onResult(m_store.ownedTasks(), this, [this](Result<std::vector<ClaimedRow>> rows) {
        m_reloading = false;
        if (!rows) {
            qCWarning(lcSched).noquote() << "reading this node's tasks failed:" << rows.error().message;
            return; // still fenced; the next renewal tries again
        }
        m_fenced = false;
        qCInfo(lcSched) << "this node's lease holds again; took back" << rows->size() << "of its tasks";
        for (ClaimedRow& row : *rows)
            adopt(row);
        armTimer();
        postDispatch();
        m_drained.clear();
        maybeClaim();
    });
}

void Scheduler::fence()
{
    m_fenced = true;
    const qint64 tasks = m_active.size();
    qCCritical(lcSched) << "this node could not renew its lease in time; it stops its" << m_calls.size() << "calls and gives up its" << tasks
                        << "tasks, which other nodes may run once the lease runs out";
    emit notification({ Notification::Kind::Error, tr("Lease lost"),
        tr("This node could not reach the database to renew its lease; its %1 tasks are left to the other nodes").arg(tasks) });
    // Calls stop; their answers find no task and write nothing.
    for (auto it = m_active.begin(); it != m_active.end(); ++it) {
        if (it->state != TaskState::Running)
            continue;
        if (auto call = m_calls.constFind(it.key()); call != m_calls.constEnd())
            call->control->abort(FailureKind::Interrupted);
        releaseSlot(it.key(), *it);
    }
    for (const Ulid& id : std::as_const(m_watched)) {
        TaskOutcome o;
        o.id = id.toString();
        o.state = TaskState::Cancelled;
        o.error = QStringLiteral("the node lost its database lease while the task ran; it may run on another node");
        emit taskFinished(o);
    }
    m_watched.clear();
    m_streamedToCaller.clear();
    for (auto it = m_cancelWaiters.cbegin(); it != m_cancelWaiters.cend(); ++it)
        for (const auto& reply : it.value())
            resolve(reply, Error::unavailable(QStringLiteral("the node lost its database lease; the task is left to the other nodes")));
    m_cancelWaiters.clear();
    // What it had not written yet is no longer its to write.
    m_store.dropTaskWrites();
    m_active.clear();
    m_calls.clear();
    m_dependents.clear();
    m_needPayload.clear();
    m_timers = TimerQueue {};
    m_timeouts = TimerQueue {};
    m_payloadBytes = 0;
    for (auto& m : m_models) {
        if (!m)
            continue;
        m->ready.clear();
        for (TaskState s : { TaskState::Queued, TaskState::Scheduled, TaskState::Blocked, TaskState::Running, TaskState::RetryWait })
            m->states[static_cast<size_t>(s)] = 0;
        m->inflight = 0;
    }
    m_claiming.clear();
    armTimer();
    publishSnapshot();
}

void Scheduler::readRegistry()
{
    onResult(m_store.nodes(), this, [this](const Result<QList<NodeInfo>>& nodes) {
        if (!nodes || m_stopping)
            return;
        const qint64 now = nowMs();
        m_registry.clear();
        for (const NodeInfo& n : *nodes)
            if (n.online(now) || n.id == m_options.nodeId)
                m_registry.append(n);
        m_liveNodes = static_cast<int>(m_registry.size());
        countElsewhere(*nodes, now);
        const int before = m_appliedMembers;
        applyShares();
        if (m_appliedMembers != before)
            renewLease(); // the others grow their shares once they read that this node counts them
    });
}

void Scheduler::countElsewhere(const QList<NodeInfo>& nodes, qint64 now)
{
    QSet<QString> listed;
    m_rateElsewhere = 0;
    for (const NodeInfo& n : nodes) {
        if (n.id == m_options.nodeId)
            continue;
        listed.insert(n.id);
        if (n.online(now))
            m_rateElsewhere += n.tasksPerSecond;
        auto it = m_peers.find(n.id);
        if (it != m_peers.end() && it->startedMs != n.startedMs) { // started again under the same id
            retirePeer(*it);
            m_peers.erase(it);
            it = m_peers.end();
        }
        if (it == m_peers.end()) {
            PeerCounts p;
            p.startedMs = n.startedMs;
            // What it finished before this node started is in the counts this
            // node read from the store then (to within its last heartbeat).
            if (n.startedMs < m_startedMs)
                for (auto s = n.states.constBegin(); s != n.states.constEnd(); ++s)
                    for (int i = 0; i < kTaskStateCount; ++i)
                        if (isFinal(static_cast<TaskState>(i)))
                            p.offset[s.key()][static_cast<size_t>(i)] = s.value()[static_cast<size_t>(i)];
            it = m_peers.insert(n.id, p);
        }
        it->last = n.states;
        it->online = n.online(now);
    }
    for (auto it = m_peers.begin(); it != m_peers.end();) {
        if (listed.contains(it.key())) {
            ++it;
            continue;
        }
        retirePeer(*it);
        it = m_peers.erase(it);
    }
    for (auto& mp : m_models) {
        if (!mp)
            continue;
        mp->elsewhere = m_retiredFinishes.value(mp->config.name);
    }
    for (const PeerCounts& p : std::as_const(m_peers)) {
        for (auto s = p.last.constBegin(); s != p.last.constEnd(); ++s) {
            ModelRuntime* m = modelByName(s.key());
            if (!m)
                continue;
            const std::array<qint64, kTaskStateCount> offset = p.offset.value(s.key());
            for (size_t i = 0; i < s.value().size(); ++i) {
                if (isFinal(static_cast<TaskState>(i)))
                    m->elsewhere[i] += s.value()[i] - offset[i];
                else if (p.online) // an offline node's tasks are being returned to the queue
                    m->elsewhere[i] += s.value()[i];
            }
        }
    }
}

void Scheduler::retirePeer(const PeerCounts& p)
{
    for (auto s = p.last.constBegin(); s != p.last.constEnd(); ++s) {
        const std::array<qint64, kTaskStateCount> offset = p.offset.value(s.key());
        std::array<qint64, kTaskStateCount>& retired = m_retiredFinishes[s.key()];
        for (size_t i = 0; i < s.value().size(); ++i)
            if (isFinal(static_cast<TaskState>(i)))
                retired[i] += s.value()[i] - offset[i];
    }
}

void Scheduler::leaderDuties()
{
    onResult(m_store.takeLease(QStringLiteral("leader"), kLeaderLeaseMs), this, [this](const Result<bool>& held) {
        if (!held || !*held || m_fenced || m_stopping)
            return;
        onResult(m_store.recoverLostNodes(), this, [](const Result<qint64>& n) {
            if (!n)
                qCWarning(lcSched).noquote() << "recovering the tasks of lost nodes failed:" << n.error().message;
            else if (*n > 0)
                qCWarning(lcSched) << "returned" << *n << "tasks of nodes whose lease ran out to the queue";
        });
    });
}

// ---- cluster-wide limits --------------------------------------------------------------

namespace {
// Node `index` of `count`'s part of `limit`: the parts of all nodes add up to it.
int shareOf(int limit, int index, int count)
{
    return limit / count + (index < limit % count ? 1 : 0);
}
} // namespace

void Scheduler::applyShares()
{
    if (!m_shared || m_registry.isEmpty())
        return;
    QStringList ids;
    for (const NodeInfo& n : std::as_const(m_registry))
        ids << n.id;
    ids.sort();
    const int count = static_cast<int>(ids.size());
    const int me = static_cast<int>(ids.indexOf(m_options.nodeId));
    if (me < 0)
        return;
    // A share grows only once every other node counts as many nodes (it has
    // shrunk its own), and only as far as their calls still running allow.
    const bool acknowledged = std::all_of(
        m_registry.cbegin(), m_registry.cend(), [this, count](const NodeInfo& n) { return n.id == m_options.nodeId || n.members == count; });
    const auto cap = [&](int limit, const QString& key, int current) {
        const int want = shareOf(limit, me, count);
        if (want <= current)
            return want;
        if (!acknowledged)
            return current;
        int others = 0;
        for (const NodeInfo& n : std::as_const(m_registry))
            if (n.id != m_options.nodeId)
                others += std::max(shareOf(limit, static_cast<int>(ids.indexOf(n.id)), count), n.inflight.value(key));
        return std::clamp(limit - others, current, want);
    };
    for (auto& mp : m_models) {
        if (!mp || !mp->endpoints)
            continue;
        ModelRuntime& m = *mp;
        m.clusterCap = cap(m.config.concurrency, m.config.name, m.clusterCap < 0 ? 0 : m.clusterCap);
        for (int i = 0; i < m.endpoints->size(); ++i) {
            EndpointRuntime& e = *m.endpoints->at(i);
            const QString key = m.config.name + QLatin1Char('/') + e.config.name;
            int concurrency = std::numeric_limits<int>::max();
            if (e.config.maxConcurrency > 0)
                concurrency = cap(e.config.maxConcurrency, key, std::min(e.clusterCap, e.config.maxConcurrency));
            // Rates: shares of the limit, grown once every node counts the same.
            const auto rate = [&](int limit, int applied) {
                const int want = shareOf(limit, me, count);
                return want > std::max(applied, 0) && !acknowledged ? std::max(applied, 0) : want;
            };
            if (e.config.rpm > 0) {
                const int share = rate(e.config.rpm, e.rpmShare);
                if (share != e.rpmShare) {
                    e.rpmShare = share;
                    e.rpm = RpmLimiter(std::max(share, 1));
                }
                if (share == 0)
                    concurrency = 0;
            }
            if (e.config.tpm > 0) {
                const int share = rate(e.config.tpm, e.tpmShare);
                if (share != e.tpmShare) {
                    e.tpmShare = share;
                    e.tpm = TpmLimiter(std::max(share, 1));
                }
                if (share == 0)
                    concurrency = 0;
            }
            e.clusterCap = concurrency;
        }
    }
    if (m_appliedMembers != count)
        qCInfo(lcSched) << "this node is" << me + 1 << "of" << count << "sharing the database; limits are shared"
                        << (acknowledged ? "" : "(growing once the others agree)");
    m_appliedMembers = count;
    postDispatch();
}

// ---- operator actions on other nodes' tasks ---------------------------------------------

void Scheduler::cancelElsewhere(Ulid id, Reply<Result<TaskState>> reply)
{
    onResult(m_store.task(id.toString()), this, [this, id, reply](const Result<Task>& t) {
        if (!t)
            return resolve(reply, t.error());
        if (isFinal(t->state) || m_active.contains(id)) {
            if (m_active.contains(id))
                return cancel(id, reply);
            return resolve(reply, Error::conflict(QStringLiteral("task %1 already ended %2").arg(t->id.toString(), taskStateName(t->state))));
        }
        const qint64 now = nowMs();
        if (t->node.isEmpty()) {
            TaskUpdate u;
            u.seq = t->seq;
            u.fields = TaskUpdate::State | TaskUpdate::FinishedAt | TaskUpdate::ErrorText;
            u.state = TaskState::Cancelled;
            u.finishedMs = now;
            u.error = QStringLiteral("cancelled by operator");
            onResult(m_store.updateUnowned(u, { t->seq, { now, LogLevel::Warning, QStringLiteral("cancelled by operator"), {} } }), this,
                [this, id, reply, model = t->spec.model, from = t->state, priority = t->spec.priority](const Result<bool>& done) {
                    if (!done)
                        return resolve(reply, done.error());
                    if (!*done)
                        return cancelElsewhere(id, reply); // a node claimed it meanwhile: ask that one
                    if (ModelRuntime* m = modelByName(model)) {
                        m->stats.finished(false, false, true, nowMs());
                        m->states[static_cast<size_t>(TaskState::Cancelled)]++;
                        m->finishedHere[static_cast<size_t>(TaskState::Cancelled)]++;
                    }
                    TaskEvent ev;
                    ev.id = id;
                    ev.model = model;
                    ev.state = TaskState::Cancelled;
                    ev.previous = from;
                    ev.priority = priority;
                    ev.timeMs = nowMs();
                    m_gate.publishNow(std::move(ev));
                    if (!m_eventTimer.isActive())
                        m_eventTimer.start();
                    resolve(reply, TaskState::Cancelled);
                });
            return;
        }
        m_store.notifyNodes(nodemsg::kCancelPrefix + id.toString());
        awaitFinalState(id, t->node, now + kRemoteCancelWaitMs, reply);
    });
}

void Scheduler::awaitFinalState(Ulid id, QString node, qint64 untilMs, Reply<Result<TaskState>> reply)
{
    QTimer::singleShot(kRemoteCancelPollMs, this, [this, id, node, untilMs, reply] {
        onResult(m_store.task(id.toString()), this, [this, id, node, untilMs, reply](const Result<Task>& t) {
            if (!t)
                return resolve(reply, t.error());
            if (isFinal(t->state))
                return resolve(reply, t->state);
            if (nowMs() >= untilMs)
                return resolve(reply,
                    Error::unavailable(QStringLiteral("task %1 runs on node %2, which has not confirmed the cancel yet").arg(id.toString(), node)));
            awaitFinalState(id, node, untilMs, reply);
        });
    });
}

void Scheduler::setPriorityElsewhere(Ulid id, int priority, Reply<VoidResult> reply)
{
    onResult(m_store.task(id.toString()), this, [this, id, priority, reply](const Result<Task>& t) {
        if (!t)
            return resolve(reply, t.error());
        if (m_active.contains(id))
            return setPriority(id, priority, reply);
        if (isFinal(t->state))
            return resolve(reply,
                Error::conflict(
                    QStringLiteral("task %1 already ended %2; its priority no longer matters").arg(t->id.toString(), taskStateName(t->state))));
        if (!t->node.isEmpty()) {
            m_store.notifyNodes(QStringLiteral("%1%2:%3").arg(nodemsg::kPriorityPrefix, id.toString()).arg(priority));
            return resolve(reply, VoidResult {});
        }
        TaskUpdate u;
        u.seq = t->seq;
        u.fields = TaskUpdate::Priority;
        u.priority = priority;
        const QString message = QStringLiteral("priority changed from %1 to %2").arg(t->spec.priority).arg(priority);
        onResult(m_store.updateUnowned(u, { t->seq, { nowMs(), LogLevel::Info, message, {} } }), this,
            [this, id, priority, reply](const Result<bool>& done) {
                if (!done)
                    return resolve(reply, done.error());
                if (!*done)
                    return setPriorityElsewhere(id, priority, reply);
                resolve(reply, VoidResult {});
            });
    });
}

// ---- dependencies on other nodes' tasks ---------------------------------------------------

void Scheduler::awaitStoredDependencies(const Ulid& id, const QStringList& ids)
{
    QTimer::singleShot(kDependencyPollMs, this, [this, id, ids] {
        onResult(m_store.taskStates(ids), this,
            [this, id, ids](const Result<QHash<QString, TaskState>>& found) { storedDependenciesRead(id, ids, found, true); });
    });
}

} // namespace llmsched
