#include "tasklist.h"

#include "core/echolimits.h"

#include "core/httpstatus.h"

#include "engine.h"

#include "core/timeutil.h"
#include "core/wirejson.h"
#include "core/futures.h"

#include <QJsonArray>

namespace llmsched {

namespace {
// The filter the query asks for, or nothing when it answered 400.
std::optional<TaskFilter> taskFilterFromQuery(const CallPtr& c, TaskListScope scope)
{
    const QUrlQuery& q = c->request.query;
    TaskFilter f;
    const auto value = [&q](const char* key) { return q.queryItemValue(QLatin1String(key), QUrl::FullyDecoded); };
    static const QStringList known = { QStringLiteral("state"), QStringLiteral("model"), QStringLiteral("priority"), QStringLiteral("tag"),
        QStringLiteral("label"), QStringLiteral("q"), QStringLiteral("from"), QStringLiteral("to"), QStringLiteral("cursor"), QStringLiteral("limit"),
        QStringLiteral("order"), QStringLiteral("include_input"), QStringLiteral("offset"), QStringLiteral("sort") };
    const auto refuse = [&c](const QString& message, const QString& field) {
        c->answerError(http::BadRequest, QStringLiteral("invalid_argument"), message, field);
        return std::nullopt;
    };
    for (const auto& item : q.queryItems())
        if (!known.contains(item.first))
            return refuse(
                QStringLiteral("unknown query parameter '%1'; known: %2").arg(item.first.left(kEchoNameChars), known.join(QStringLiteral(", "))),
                item.first.left(kEchoNameChars));
    if (scope == TaskListScope::DeadLetters) {
        f.states = { TaskState::Dead };
    } else if (!value("state").isEmpty()) {
        for (const QString& name : value("state").split(QLatin1Char(','), Qt::SkipEmptyParts)) {
            auto st = taskStateFromName(name.trimmed());
            if (!st)
                return refuse(
                    QStringLiteral("unknown state '%1'; states: queued, scheduled, blocked, running, retry_wait, succeeded, dead, cancelled")
                        .arg(name.left(kEchoIdChars)),
                    QStringLiteral("state"));
            f.states.append(*st);
        }
    }
    f.model = value("model");
    f.tag = value("tag");
    f.label = value("label");
    f.text = value("q");
    bool ok = true;
    if (!value("priority").isEmpty()) {
        f.priority = value("priority").toInt(&ok);
        if (!ok || f.priority < kMinPriority || f.priority > kMaxPriority)
            return refuse(QStringLiteral("must be an integer 0..9"), QStringLiteral("priority"));
    }
    for (const char* key : { "from", "to" }) {
        if (value(key).isEmpty())
            continue;
        auto ms = isoToMs(value(key));
        if (!ms)
            return refuse(QStringLiteral("must be an ISO 8601 time such as 2026-11-23T08:00:00Z"), QLatin1String(key));
        (qstrcmp(key, "from") == 0 ? f.fromMs : f.toMs) = *ms;
    }
    if (!value("cursor").isEmpty()) {
        f.cursor = value("cursor").toLongLong(&ok);
        if (!ok || f.cursor < 0)
            return refuse(QStringLiteral("is not a cursor this server returned"), QStringLiteral("cursor"));
    }
    if (!value("limit").isEmpty()) {
        f.limit = value("limit").toInt(&ok);
        if (!ok || f.limit < 1 || f.limit > 1000)
            return refuse(QStringLiteral("must be an integer 1..1000"), QStringLiteral("limit"));
    }
    if (!value("offset").isEmpty()) {
        f.offset = value("offset").toLongLong(&ok);
        if (!ok || f.offset < 0)
            return refuse(QStringLiteral("must be an integer >= 0"), QStringLiteral("offset"));
    }
    if (!value("sort").isEmpty()) {
        const auto sort = taskOrderFromName(value("sort"));
        if (!sort)
            return refuse(QStringLiteral("must be created, state or model"), QStringLiteral("sort"));
        f.order = *sort;
    }
    const QString order = value("order");
    if (!order.isEmpty() && order != QLatin1String("asc") && order != QLatin1String("desc"))
        return refuse(QStringLiteral("must be asc or desc"), QStringLiteral("order"));
    f.newestFirst = order != QLatin1String("asc");
    f.includeInput = value("include_input") == QLatin1String("true");
    return f;
}
} // namespace

void answerTaskCount(QObject* context, Engine& engine, const CallPtr& c)
{
    const auto filter = taskFilterFromQuery(c, TaskListScope::AnyState);
    if (!filter)
        return;
    onResult(engine.countTasks(*filter), context, [c](const Result<qint64>& r) {
        answerResult(c, r, [](qint64 n) { return QJsonObject { { QStringLiteral("count"), n } }; });
    });
}

void answerTaskList(QObject* context, Engine& engine, const CallPtr& c, TaskListScope scope)
{
    const auto filter = taskFilterFromQuery(c, scope);
    if (!filter)
        return;
    onResult(engine.tasks(*filter), context, [c, includeInput = filter->includeInput](const Result<TaskPage>& r) {
        answerResult(c, r, [includeInput](const TaskPage& page) {
            QJsonArray tasks;
            for (const Task& t : page.tasks)
                tasks.append(t.toJson(includeInput));
            return QJsonObject { { QStringLiteral("tasks"), tasks },
                { QStringLiteral("next_cursor"), page.nextCursor ? QJsonValue(QString::number(page.nextCursor)) : QJsonValue() } };
        });
    });
}

} // namespace llmsched
