#pragma once

#include "core/result.h"
#include "core/task.h"

#include <QByteArray>
#include <QSqlDatabase>
#include <QList>
#include <QString>

#include <functional>
#include <vector>

namespace llmsched {

constexpr qint64 kDefaultWalRewindBytes = 64LL * 1024 * 1024;

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

    void merge(TaskUpdate&& later);
};

struct TaskLogRow
{
    qint64 seq = 0;
    TaskLogEntry entry;
};

// Work run inside the writer's transaction (model changes, purges, rollups).
using WriteFn = std::function<VoidResult(QSqlDatabase&)>;
using WriteDone = std::function<void(VoidResult)>;

} // namespace llmsched
