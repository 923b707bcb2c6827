#include "task.h"

#include "echolimits.h"

#include "httpheaders.h"
#include "jsonreader.h"
#include "timeutil.h"

#include <QJsonArray>
#include <QJsonDocument>

namespace llmsched {

namespace {
constexpr const char* kStateNames[kTaskStateCount] = { "queued", "scheduled", "blocked", "running", "retry_wait", "succeeded", "dead", "cancelled" };
constexpr const char* kKindNames[] = { "chat", "completion", "embedding", "http" };
constexpr const char* kLevelNames[] = { "debug", "info", "warning", "error" };

template <typename E, size_t N> std::optional<E> enumFromName(const char* const (&names)[N], QStringView name)
{
    for (size_t i = 0; i < N; ++i)
        if (name == QLatin1String(names[i]))
            return static_cast<E>(i);
    return std::nullopt;
}

QJsonValue parseJsonValue(const QByteArray& bytes)
{
    if (bytes.isEmpty())
        return QJsonValue::Null;
    const QJsonDocument doc = QJsonDocument::fromJson(bytes);
    if (doc.isObject())
        return doc.object();
    if (doc.isArray())
        return doc.array();
    return QString::fromUtf8(bytes);
}

// Checks the shape of the input for each kind, so a bad task fails at submit,
// not minutes later at the provider.
void checkInput(ObjectReader& r, TaskKind kind, const QJsonObject& input)
{
    switch (kind) {
    case TaskKind::Chat: {
        const QJsonValue m = input.value(QLatin1String("messages"));
        if (!m.isArray() || m.toArray().isEmpty())
            r.fail(QStringLiteral("input.messages"), QStringLiteral("must be a non-empty array of messages"));
        break;
    }
    case TaskKind::Completion:
        if (!input.value(QLatin1String("prompt")).isString() && !input.value(QLatin1String("prompt")).isArray())
            r.fail(QStringLiteral("input.prompt"), QStringLiteral("is required for completion tasks"));
        break;
    case TaskKind::Embedding:
        if (!input.contains(QLatin1String("input")))
            r.fail(QStringLiteral("input.input"), QStringLiteral("is required for embedding tasks"));
        break;
    case TaskKind::Http: {
        if (!input.value(QLatin1String("url")).isString())
            r.fail(QStringLiteral("input.url"), QStringLiteral("is required for http tasks"));
        const QJsonValue method = input.value(QLatin1String("method"));
        if (!method.isUndefined() && !httpheaders::isTaskMethod(method.toString().toUpper().toLatin1()))
            r.fail(QStringLiteral("input.method"), QStringLiteral("must be one of GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS"));
        const QJsonValue headers = input.value(QLatin1String("headers"));
        if (!headers.isUndefined() && !headers.isObject()) {
            r.fail(QStringLiteral("input.headers"), QStringLiteral("must be an object of header names and string values"));
            break;
        }
        const QJsonObject h = headers.toObject();
        for (auto it = h.constBegin(); it != h.constEnd(); ++it) {
            const QString field = QStringLiteral("input.headers.") + it.key().left(kEchoNameChars);
            if (!it.value().isString()) {
                r.fail(field, QStringLiteral("must be a string"));
                break;
            }
            if (auto problem = httpheaders::problem(it.key().toUtf8(), it.value().toString().toUtf8())) {
                r.fail(field, *problem);
                break;
            }
        }
        break;
    }
    }
}

std::optional<qint64> readTime(ObjectReader& r, const QString& key)
{
    const QJsonValue v = r.value(key);
    if (v.isUndefined() || v.isNull())
        return qint64 { 0 };
    if (v.isString()) {
        if (const auto ms = isoToMs(v.toString())) {
            // 0 and below mean "not set" from here on: a deadline in 1960 was
            // no deadline at all (and vanished from toJson).
            if (*ms > 0)
                return ms;
            r.fail(key, QStringLiteral("must be a time after 1970-01-01T00:00:00Z"));
            return std::nullopt;
        }
    }
    r.fail(key, QStringLiteral("must be an ISO 8601 date-time such as 2026-01-31T12:00:00Z"));
    return std::nullopt;
}
} // namespace

const char* taskStateKey(TaskState s)
{
    return kStateNames[static_cast<int>(s)];
}

QString taskStateName(TaskState s)
{
    return QLatin1String(kStateNames[static_cast<int>(s)]);
}

std::optional<TaskState> taskStateFromName(QStringView name)
{
    return enumFromName<TaskState>(kStateNames, name);
}

QString taskKindName(TaskKind k)
{
    return QLatin1String(kKindNames[static_cast<int>(k)]);
}

std::optional<TaskKind> taskKindFromName(QStringView name)
{
    return enumFromName<TaskKind>(kKindNames, name);
}

QString logLevelName(LogLevel l)
{
    return QLatin1String(kLevelNames[static_cast<int>(l)]);
}

std::optional<LogLevel> logLevelFromName(QStringView name)
{
    return enumFromName<LogLevel>(kLevelNames, name);
}

std::optional<int> parsePriority(const QJsonValue& value)
{
    if (value.isDouble()) {
        const double d = value.toDouble();
        if (d >= kMinPriority && d <= kMaxPriority && d == static_cast<int>(d))
            return static_cast<int>(d);
        return std::nullopt;
    }
    if (value.isString()) {
        const QString s = value.toString().trimmed().toLower();
        if (s == QLatin1String("high"))
            return kHighPriority;
        if (s == QLatin1String("medium") || s == QLatin1String("normal"))
            return kMediumPriority;
        if (s == QLatin1String("low"))
            return kLowPriority;
        bool ok = false;
        const int n = s.toInt(&ok);
        if (ok && n >= kMinPriority && n <= kMaxPriority)
            return n;
    }
    return std::nullopt;
}

std::optional<Dependency> parseDependency(QStringView entry)
{
    const bool soft = entry.startsWith(u'~');
    auto id = Ulid::fromString(soft ? entry.mid(1) : entry);
    if (!id)
        return std::nullopt;
    return Dependency { *id, soft };
}

QString dependencyEntry(const Ulid& id, bool continueOnFailure)
{
    return continueOnFailure ? QLatin1Char('~') + id.toString() : id.toString();
}

QJsonValue dependencyJson(const QString& entry)
{
    if (!entry.startsWith(u'~'))
        return entry;
    return QJsonObject { { QStringLiteral("id"), entry.mid(1) }, { QStringLiteral("on_failure"), QStringLiteral("continue") } };
}

QJsonArray dependenciesJson(const QStringList& entries)
{
    QJsonArray a;
    for (const QString& e : entries)
        a.append(dependencyJson(e));
    return a;
}

QString dependencyFromJson(const QJsonValue& v)
{
    if (v.isString()) {
        const auto id = Ulid::fromString(v.toString());
        return id ? id->toString() : QString();
    }
    const QJsonObject o = v.toObject();
    const auto id = Ulid::fromString(o.value(QLatin1String("id")).toString());
    const QJsonValue onFailure = o.value(QLatin1String("on_failure"));
    if (!id || o.size() > 2 || (o.size() == 2 && onFailure.isUndefined()))
        return {};
    if (onFailure.isUndefined() || onFailure == QLatin1String("cancel"))
        return id->toString();
    if (onFailure == QLatin1String("continue"))
        return dependencyEntry(*id, true);
    return {};
}

Result<TaskSpec> TaskSpec::fromJson(const QJsonObject& json, const QString& pathPrefix, const TaskLimits& limits)
{
    ObjectReader r(json, pathPrefix);
    TaskSpec spec;
    spec.model = r.requiredString(QStringLiteral("model"), 128);

    const QString kind = r.string(QStringLiteral("kind"), QStringLiteral("chat"), 32);
    if (auto k = taskKindFromName(kind))
        spec.kind = *k;
    else
        r.fail(QStringLiteral("kind"), QStringLiteral("must be one of chat, completion, embedding, http"));

    if (!r.has(QStringLiteral("input"))) {
        r.value(QStringLiteral("input"));
        r.fail(QStringLiteral("input"), QStringLiteral("is required"));
    }
    const QJsonObject input = r.object(QStringLiteral("input"));
    if (!r.failed()) {
        checkInput(r, spec.kind, input);
        spec.input = QJsonDocument(input).toJson(QJsonDocument::Compact);
        if (spec.input.size() > limits.maxInputBytes)
            r.fail(QStringLiteral("input"), QStringLiteral("is %1 bytes; the limit is %2").arg(spec.input.size()).arg(limits.maxInputBytes));
    }

    const QJsonValue prio = r.value(QStringLiteral("priority"));
    if (!prio.isUndefined() && !prio.isNull()) {
        if (auto p = parsePriority(prio))
            spec.priority = *p;
        else
            r.fail(QStringLiteral("priority"), QStringLiteral("must be an integer 0..9 (0 most urgent) or high, medium, low"));
    }
    spec.maxAttempts = static_cast<int>(r.integer(QStringLiteral("max_attempts"), 0, 1, 100));
    spec.timeoutMs = static_cast<int>(r.integer(QStringLiteral("timeout_ms"), 0, 1, kDayMs));
    if (auto t = readTime(r, QStringLiteral("run_at")))
        spec.runAtMs = *t;
    const qint64 delay = r.integer(QStringLiteral("delay_ms"), 0, 0, 366 * kDayMs);
    if (delay > 0) {
        if (spec.runAtMs > 0)
            r.fail(QStringLiteral("delay_ms"), QStringLiteral("cannot be combined with run_at"));
        spec.runAtMs = nowMs() + delay;
    }
    if (auto t = readTime(r, QStringLiteral("deadline")))
        spec.deadlineMs = *t;
    spec.idempotencyKey = r.string(QStringLiteral("idempotency_key"), {}, kMaxIdempotencyKeyChars);
    spec.tags = r.stringList(QStringLiteral("tags"), 64, 128);
    spec.labels = r.object(QStringLiteral("labels"));
    for (auto it = spec.labels.begin(); it != spec.labels.end(); ++it) {
        if (!it.value().isString()) {
            r.fail(QStringLiteral("labels.") + it.key(), QStringLiteral("must be a string"));
            break;
        }
    }
    spec.parentId = r.string(QStringLiteral("parent"), {}, 26);
    if (!spec.parentId.isEmpty() && !Ulid::fromString(spec.parentId))
        r.fail(QStringLiteral("parent"), QStringLiteral("is not a task id"));
    const QJsonArray deps = r.array(QStringLiteral("depends_on"));
    if (deps.size() > 256)
        r.fail(QStringLiteral("depends_on"), QStringLiteral("has %1 items; at most 256 (a workflow takes more)").arg(deps.size()));
    for (qsizetype i = 0; i < deps.size() && !r.failed(); ++i) {
        const QString entry = dependencyFromJson(deps.at(i));
        if (entry.isEmpty())
            r.fail(QStringLiteral("depends_on[%1]").arg(i),
                QStringLiteral("must be a task id or {\"id\": task id, \"on_failure\": \"cancel\" or \"continue\"}"));
        else
            spec.dependsOn.append(entry);
    }
    spec.sessionKey = r.string(QStringLiteral("session_key"), {}, 256);

    if (auto err = r.finish())
        return *err;
    return spec;
}

QJsonObject TaskSpec::toJson() const
{
    QJsonObject o;
    o.insert(QStringLiteral("model"), model);
    o.insert(QStringLiteral("kind"), taskKindName(kind));
    o.insert(QStringLiteral("input"), parseJsonValue(input));
    o.insert(QStringLiteral("priority"), priority);
    if (maxAttempts > 0)
        o.insert(QStringLiteral("max_attempts"), maxAttempts);
    if (timeoutMs > 0)
        o.insert(QStringLiteral("timeout_ms"), timeoutMs);
    if (runAtMs > 0)
        o.insert(QStringLiteral("run_at"), msToIso(runAtMs));
    if (deadlineMs > 0)
        o.insert(QStringLiteral("deadline"), msToIso(deadlineMs));
    if (!idempotencyKey.isEmpty())
        o.insert(QStringLiteral("idempotency_key"), idempotencyKey);
    if (!tags.isEmpty())
        o.insert(QStringLiteral("tags"), QJsonArray::fromStringList(tags));
    if (!labels.isEmpty())
        o.insert(QStringLiteral("labels"), labels);
    if (!parentId.isEmpty())
        o.insert(QStringLiteral("parent"), parentId);
    if (!dependsOn.isEmpty())
        o.insert(QStringLiteral("depends_on"), dependenciesJson(dependsOn));
    if (!sessionKey.isEmpty())
        o.insert(QStringLiteral("session_key"), sessionKey);
    return o;
}

QJsonObject Task::toJson(bool includeInput) const
{
    QJsonObject o;
    o.insert(QStringLiteral("id"), id.toString());
    o.insert(QStringLiteral("model"), spec.model);
    o.insert(QStringLiteral("kind"), taskKindName(spec.kind));
    o.insert(QStringLiteral("state"), taskStateName(state));
    o.insert(QStringLiteral("priority"), spec.priority);
    o.insert(QStringLiteral("attempts"), attempts);
    o.insert(QStringLiteral("max_attempts"), maxAttempts);
    o.insert(QStringLiteral("timeout_ms"), timeoutMs);
    if (includeInput)
        o.insert(QStringLiteral("input"), parseJsonValue(spec.input));
    o.insert(QStringLiteral("output"), parseJsonValue(output));
    o.insert(QStringLiteral("error"), error.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(error));
    const auto time = [](qint64 ms) { return ms > 0 ? QJsonValue(msToIso(ms)) : QJsonValue(QJsonValue::Null); };
    o.insert(QStringLiteral("created_at"), time(createdMs));
    o.insert(QStringLiteral("queued_at"), time(queuedMs));
    o.insert(QStringLiteral("run_at"), time(spec.runAtMs));
    o.insert(QStringLiteral("deadline"), time(spec.deadlineMs));
    o.insert(QStringLiteral("started_at"), time(startedMs));
    o.insert(QStringLiteral("finished_at"), time(finishedMs));
    o.insert(QStringLiteral("idempotency_key"), spec.idempotencyKey.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(spec.idempotencyKey));
    o.insert(QStringLiteral("tags"), QJsonArray::fromStringList(spec.tags));
    o.insert(QStringLiteral("labels"), spec.labels);
    o.insert(QStringLiteral("parent"), spec.parentId.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(spec.parentId));
    o.insert(QStringLiteral("depends_on"), dependenciesJson(spec.dependsOn));
    o.insert(QStringLiteral("endpoint"), endpoint.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(endpoint));
    o.insert(QStringLiteral("node"), node.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(node));
    o.insert(QStringLiteral("usage"),
        QJsonObject { { QStringLiteral("prompt_tokens"), usage.promptTokens }, { QStringLiteral("completion_tokens"), usage.completionTokens } });
    o.insert(QStringLiteral("cost_usd"), costUsd);
    if (seq > 0)
        o.insert(QStringLiteral("seq"), seq); // the list's cursor after this task
    return o;
}

QJsonObject TaskLogEntry::toJson() const
{
    QJsonObject o { { QStringLiteral("time"), msToIso(timeMs) }, { QStringLiteral("level"), logLevelName(level) },
        { QStringLiteral("message"), message } };
    if (!data.isEmpty())
        o.insert(QStringLiteral("data"), data);
    return o;
}

} // namespace llmsched
