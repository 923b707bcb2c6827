#pragma once

#include "result.h"
#include "task.h"

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QString>
#include <QStringList>

#include <array>
#include <functional>
#include <vector>

namespace llmsched {

// The value types of the store interface (store/store.h): what goes in and
// comes out, free of any database API, so clients above the store use them
// without seeing it.

constexpr qint64 kDefaultWalRewindBytes = 64LL * 1024 * 1024;
// Nodes sharing a database number their tasks from blocks this long, one
// block per round trip (PostgreSQL's task_seq_blocks).
constexpr qint64 kSeqBlock = 4096;

// What nodes sharing a database tell each other (Store::notifyNodes): new
// unowned tasks, changed models, pause or resume, or an operator action for
// the node that owns a task ("cancel:<id>", "priority:<id>:<n>").
namespace nodemsg {
inline constexpr QLatin1String kTasksWaiting("tasks");
inline constexpr QLatin1String kModelsChanged("models");
inline constexpr QLatin1String kPaused("paused");
inline constexpr QLatin1String kResumed("resumed");
inline constexpr QLatin1String kCancelPrefix("cancel:");
inline constexpr QLatin1String kPriorityPrefix("priority:");
} // namespace nodemsg

// A task row to insert at submit.
struct NewTaskRow
{
    qint64 seq = 0;
    Ulid id;
    TaskSpec spec;
    TaskState state = TaskState::Queued;
    int maxAttempts = 0;
    int timeoutMs = 0;
    qint64 createdMs = 0;
    qint64 queuedMs = 0;
    // Nodes sharing a database: the submitting node keeps the task (it is
    // stored with this node as its owner) or leaves it for any node to claim.
    bool owned = true;
};

// What happened to each row of an insert: stored, or an existing task with the
// same idempotency key was found instead.
struct InsertOutcome
{
    struct Item
    {
        bool duplicate = false;
        qint64 seq = 0; // the existing task's seq when duplicate
        Ulid id;
        TaskState state = TaskState::Queued;
    };
    VoidResult status;
    std::vector<Item> items; // one per row, in order (empty on failure)
};

// A change to one task row. Only the fields named in `fields` are written;
// two updates of one task in the same commit merge into one statement.
struct TaskUpdate
{
    enum Field : quint32 {
        State = 1u << 0,
        Attempts = 1u << 1,
        Priority = 1u << 2,
        Output = 1u << 3,
        ErrorText = 1u << 4,
        StartedAt = 1u << 5,
        FinishedAt = 1u << 6,
        QueuedAt = 1u << 7,
        RunAt = 1u << 8,
        UsageCost = 1u << 9,
        Endpoint = 1u << 10,
        Lease = 1u << 11,
        Input = 1u << 12, // a workflow step's input once its parents' outputs are filled in
    };

    qint64 seq = 0;
    quint32 fields = 0;
    TaskState state = TaskState::Queued;
    int attempts = 0;
    int priority = 0;
    QByteArray output;
    QString error;
    qint64 startedMs = 0;
    qint64 finishedMs = 0;
    qint64 queuedMs = 0;
    qint64 runAtMs = 0;
    Usage usage;
    double costUsd = 0;
    QString endpoint;
    QString leaseNode; // empty clears the lease
    QByteArray input;

    void merge(TaskUpdate&& later);
};

struct TaskLogRow
{
    qint64 seq = 0;
    TaskLogEntry entry;
};

// One node of the registry (GET /api/v1/nodes, the Nodes view): what it
// wrote at its last heartbeat. A node that stopped heartbeating is offline once
// its lease ran out; one that stopped cleanly leaves the registry.
struct NodeInfo
{
    QString id;
    QString host;
    qint64 pid = 0;
    QString address; // where its REST API listens, when it has one
    QString version;
    qint64 startedMs = 0;
    qint64 heartbeatMs = 0;
    qint64 leaseExpiresMs = 0;
    qint64 running = 0; // calls in flight at the heartbeat
    double tasksPerSecond = 0; // finished per second at the heartbeat
    // Cluster-wide limits: how many nodes it shared them among, and its calls
    // in flight per model ("model") and endpoint ("model/endpoint").
    int members = 0;
    QHash<QString, int> inflight;
    // Per model: the unfinished tasks it holds in each state, and the tasks it
    // finished (succeeded, dead, cancelled) since it started.
    QHash<QString, std::array<qint64, kTaskStateCount>> states;
    // Filled by the engine that reads the registry (by its clock), so a
    // remote client need not trust its own: the node reading, and whether
    // the node's lease still holds.
    bool isSelf = false;
    bool isOnline = false;
    bool online(qint64 nowMs) const { return leaseExpiresMs > nowMs; }
};

// What a store copy (llm-schedulerd migrate) moved: rows per table, in the order copied.
struct StoreCopyReport
{
    QList<std::pair<QString, qint64>> rows;
    qint64 total() const
    {
        qint64 n = 0;
        for (const auto& [table, count] : rows)
            n += count;
        return n;
    }
};

// Health of the write path, reported after every batch.
struct WriterStatus
{
    quint64 committedTicket = 0; // every op with a ticket <= this is resolved
    bool healthy = true;
    QString error; // why the last batch failed, when !healthy
    qint64 batchOps = 0;
    double commitSeconds = 0;
};

struct StoreOptions
{
    QString databasePath;
    QString nodeId;
    int readerThreads = 2;
    qint64 walRewindBytes = kDefaultWalRewindBytes; // see StoreWriter
};

// Which tasks a listing wants. Empty fields do not filter.
struct TaskFilter
{
    QList<TaskState> states;
    QString model;
    int priority = -1;
    QString tag; // tasks carrying this tag
    QString parent; // tasks of this group (the lines of a batch)
    QString label; // "key=value": tasks with that label; "key": with that key
    QString text; // substring of id, error, input, tags or labels
    qint64 fromMs = 0; // created_at >= from
    qint64 toMs = 0; // created_at < to
    qint64 cursor = 0; // continue after (before, when newestFirst) this seq
    qint64 offset = 0; // rows to skip (random access for views; cursor is cheaper)
    enum class Order : quint8 { Seq, State, Model };
    Order order = Order::Seq; // then by seq; State and Model use their indexes
    int limit = 100;
    bool newestFirst = true;
    bool includeInput = false;
};

// Tasks per state (only the final states are filled where it says so).
using FinishedCounts = std::array<qint64, kTaskStateCount>;

struct TaskPage
{
    QList<Task> tasks;
    qint64 nextCursor = 0; // 0: no more
};

// A non-final task as recovery needs it: enough to rebuild the queues, not the payload.
struct ActiveRow
{
    qint64 seq = 0;
    Ulid id;
    QString model;
    TaskState state = TaskState::Queued;
    int priority = 0;
    int attempts = 0;
    int maxAttempts = 0;
    qint64 queuedMs = 0;
    qint64 runAtMs = 0;
    qint64 deadlineMs = 0;
    QStringList dependsOn;
};

// A task a node claimed from the shared queue: its row and what a call needs.
struct ClaimedRow
{
    ActiveRow row;
    int timeoutMs = 0;
    TaskKind kind = TaskKind::Chat;
    QByteArray input;
    QString sessionKey;
};

// Which unowned tasks a node claims (Store::claimTasks).
struct ClaimRequest
{
    QString model;
    int limit = 0;
    // Queued tasks go in the ready queue's order: effective priority
    // (priority less one level per aging interval waited), then age.
    qint64 agingIntervalMs = 0;
    qint64 nowMs = 0;
};

} // namespace llmsched
