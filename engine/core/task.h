#pragma once

#include "result.h"
#include "ulid.h"

#include <QByteArray>
#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace llmsched {

// Task states. Final states are succeeded, dead and cancelled.
// queued -> running -> succeeded; running -> retry_wait -> queued;
// running -> dead; scheduled -> queued; blocked -> queued; non-final -> cancelled.
enum class TaskState : quint8 {
    Queued = 0,
    Scheduled = 1, // run_at in the future
    Blocked = 2, // waiting for dependencies
    Running = 3,
    RetryWait = 4,
    Succeeded = 5,
    Dead = 6, // the dead-letter queue
    Cancelled = 7,
};
constexpr int kTaskStateCount = 8;

QString taskStateName(TaskState s);
const char* taskStateKey(TaskState s); // the same name, as a static C string
std::optional<TaskState> taskStateFromName(QStringView name);
constexpr bool isFinal(TaskState s)
{
    return s == TaskState::Succeeded || s == TaskState::Dead || s == TaskState::Cancelled;
}
// Whether an operator's retry applies: a dead or cancelled task runs again,
// one waiting (back-off or run_at) runs now.
constexpr bool canRetry(TaskState s)
{
    return s == TaskState::Dead || s == TaskState::Cancelled || s == TaskState::RetryWait || s == TaskState::Scheduled;
}

enum class TaskKind : quint8 { Chat = 0, Completion = 1, Embedding = 2, Http = 3 };
QString taskKindName(TaskKind k);
std::optional<TaskKind> taskKindFromName(QStringView name);

// Priority 0 (most urgent) .. 9; aliases: high = 1, medium = 5, low = 8.
constexpr int kMinPriority = 0;
constexpr int kMaxPriority = 9;
constexpr int kPriorityLevels = 10;
constexpr int kDefaultPriority = 5;
// The words the API takes for priorities (TaskSpec::fromJson) and every view shows.
constexpr int kHighPriority = 1;
constexpr int kMediumPriority = 5;
constexpr int kLowPriority = 8;
// Accepts an integer 0..9 or one of the aliases; nullopt for anything else.
std::optional<int> parsePriority(const QJsonValue& value);

// Limits applied to submitted tasks.
struct TaskLimits
{
    qsizetype maxInputBytes = 4 * 1024 * 1024;
};

// Idempotency keys are unique per model and at most this long.
constexpr qsizetype kMaxIdempotencyKeyChars = 255;

// What a client submits.
struct TaskSpec
{
    QString model;
    TaskKind kind = TaskKind::Chat;
    QByteArray input; // compact JSON object
    int priority = kDefaultPriority;
    int maxAttempts = 0; // 0: the model's retry policy decides
    int timeoutMs = 0; // 0: the model's timeout
    qint64 runAtMs = 0; // 0: now
    qint64 deadlineMs = 0; // 0: none
    QString idempotencyKey;
    QStringList tags;
    QJsonObject labels;
    QString parentId;
    QStringList dependsOn;
    QString sessionKey; // for session-affinity balancing
    Ulid presetId; // a workflow's step (its steps name each other); null: assigned at submit

    // Validates and reads a task object; errors name the field under pathPrefix.
    static Result<TaskSpec> fromJson(const QJsonObject& json, const QString& pathPrefix = {}, const TaskLimits& limits = {});
    QJsonObject toJson() const;
};

// One entry of TaskSpec::dependsOn: a task id, and whether the dependent runs
// anyway when that task ends dead or cancelled ("on_failure": "continue")
// instead of being cancelled with it. Stored as the id, with a leading '~'
// when it continues.
struct Dependency
{
    Ulid id;
    bool continueOnFailure = false;
};
std::optional<Dependency> parseDependency(QStringView entry);
QString dependencyEntry(const Ulid& id, bool continueOnFailure);
// As the API shows it: "ID", or {"id": "ID", "on_failure": "continue"}.
QJsonValue dependencyJson(const QString& entry);
QJsonArray dependenciesJson(const QStringList& entries);
// Reads an item of depends_on in either form; empty when it is neither.
QString dependencyFromJson(const QJsonValue& v);

// Token usage reported by the provider.
struct Usage
{
    qint64 promptTokens = 0;
    qint64 completionTokens = 0;
};

// A stored task as clients see it.
struct Task
{
    qint64 seq = 0; // store row number (internal, sortable)
    Ulid id;
    TaskSpec spec;
    TaskState state = TaskState::Queued;
    int attempts = 0;
    int maxAttempts = 0;
    int timeoutMs = 0;
    QByteArray output; // compact JSON, empty if none
    QString error;
    qint64 createdMs = 0;
    qint64 queuedMs = 0;
    qint64 startedMs = 0;
    qint64 finishedMs = 0;
    QString endpoint;
    QString node; // the node whose lease it holds: the one running it (empty when not running)
    Usage usage;
    double costUsd = 0;

    QJsonObject toJson(bool includeInput = true) const;
};

enum class LogLevel : quint8 { Debug = 0, Info = 1, Warning = 2, Error = 3 };
QString logLevelName(LogLevel l);
std::optional<LogLevel> logLevelFromName(QStringView name);

// One entry of a task's timeline.
struct TaskLogEntry
{
    qint64 timeMs = 0;
    LogLevel level = LogLevel::Info;
    QString message;
    QJsonObject data;

    QJsonObject toJson() const;
};

} // namespace llmsched
