#pragma once

#include "histogram.h"
#include "minutestats.h"
#include "modelconfig.h"
#include "result.h"
#include "task.h"

#include <QList>
#include <QMetaType>
#include <QString>

#include <array>
#include <optional>

namespace llmsched {

// The answer to one submitted task.
struct SubmitOutcome
{
    Ulid id;
    TaskState state = TaskState::Queued;
    bool duplicate = false; // an earlier task with the same idempotency key
};

// A state change of one task, delivered in batches after it is committed.
struct TaskEvent
{
    Ulid id;
    QString model;
    TaskState state = TaskState::Queued;
    TaskState previous = TaskState::Queued;
    bool created = false; // true for the submit itself
    int attempts = 0;
    int priority = 0;
    qint64 timeMs = 0;
    QString error;
    QString endpoint; // when the change names it (a start)
    QString node; // the node that runs it (a start)
    bool hasUsage = false; // the change records the call's tokens and cost (an end)
    Usage usage;
    double costUsd = 0;
};
using TaskEvents = QList<TaskEvent>;

// An endpoint's live figures.
struct EndpointSnapshot
{
    QString name;
    QString provider;
    QString baseUrl;
    QString circuit; // closed, open, half_open
    qint64 circuitOpenUntilMs = 0;
    bool healthy = true;
    int inflight = 0;
    int limit = 0; // adaptive concurrency limit now
    int maxConcurrency = 0; // configured (0: the model's)
    int rpm = 0;
    int rpmUsed = 0; // starts in the last minute
    qint64 tpm = 0;
    qint64 tpmUsed = 0; // tokens reserved or used in the last minute
    double latencyMs = 0; // EWMA of successful calls
    qint64 calls = 0;
    qint64 failures = 0;
    QString lastError;
    qint64 lastErrorMs = 0;
    qint64 cooldownUntilMs = 0; // Retry-After
    qint64 lastHealthMs = 0;
    // Its share of the model's figures since start (see ModelStats): attempts
    // that succeeded or failed here, what they decided, their tokens and cost.
    StatCounters stats;
    double latencyP50 = 0; // seconds, attempts here in the last few minutes
    double latencyP95 = 0;
    double latencyP99 = 0;
};

// A model's live figures.
struct ModelSnapshot
{
    QString name;
    ModelConfig config;
    bool paused = false;
    bool budgetExhausted = false;
    int concurrency = 0;
    int inflight = 0;
    qint64 capacity = 0;
    // What the store holds in each state: with nodes sharing a database, the
    // whole cluster's (this node's, the shared queue's and the other nodes'
    // as they last reported them).
    std::array<qint64, kTaskStateCount> states {};
    // The tasks this node finished since it started, by final state (for
    // counters that add up across nodes, e.g. /metrics).
    std::array<qint64, kTaskStateCount> finishedHere {};
    qint64 submittedTotal = 0;
    qint64 failedAttempts = 0;
    qint64 retried = 0;
    qint64 promptTokens = 0;
    qint64 completionTokens = 0;
    double costUsd = 0;
    double tasksPerSecond = 0;
    double latencyP50 = 0; // seconds, last few minutes
    double latencyP95 = 0;
    double latencyP99 = 0;
    Histogram latency; // every attempt since start (Prometheus histograms add up across nodes)
    Histogram wait; // queue wait of every start since start
    double spentTodayUsd = 0; // since 00:00 UTC, for the daily budget
    QList<EndpointSnapshot> endpoints;
    qint64 queueDepth() const
    {
        return states[static_cast<int>(TaskState::Queued)] + states[static_cast<int>(TaskState::Scheduled)]
            + states[static_cast<int>(TaskState::Blocked)] + states[static_cast<int>(TaskState::RetryWait)];
    }
};

// The engine's state at one moment; cheap to copy (published a few times per second).
struct EngineSnapshot
{
    qint64 timeMs = 0;
    bool running = false;
    bool paused = false;
    bool storeHealthy = true;
    QString storeError;
    QString nodeId;
    std::array<qint64, kTaskStateCount> states {};
    double tasksPerSecond = 0; // nodes sharing a database: the cluster's
    QList<ModelSnapshot> models;
};

// How a watched task ended (see Engine::submit(..., watch)), published once
// its final state is committed; carries what a caller waiting on the call needs.
struct TaskOutcome
{
    QString id;
    TaskState state = TaskState::Succeeded;
    QByteArray output;
    QString error;
    int httpStatus = 0; // the upstream's, when the last attempt failed with one
    Usage usage;
};

// The answer of one endpoint to Engine::testConnection.
struct EndpointTestResult
{
    QString endpoint;
    bool ok = false;
    bool checked = false; // false: the provider has no request to test with (simulated)
    QString message; // why not, or what answered; never contains secrets
    qint64 latencyMs = 0;
};

// Something an operator should hear about (tray notification, log line).
struct Notification
{
    enum class Kind { Info, Warning, Error };
    Kind kind = Kind::Info;
    QString title;
    QString message;
};

} // namespace llmsched

Q_DECLARE_METATYPE(llmsched::TaskEvents)
Q_DECLARE_METATYPE(llmsched::EngineSnapshot)
Q_DECLARE_METATYPE(llmsched::Notification)
Q_DECLARE_METATYPE(llmsched::TaskOutcome)
