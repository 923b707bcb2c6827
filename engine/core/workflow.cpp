#include "workflow.h"

#include "jsonreader.h"
#include "steptemplate.h"
#include "timeutil.h"

#include <QJsonArray>
#include <QThread>

#include <algorithm>
#include <future>

namespace llmsched {

namespace {

QString stepField(qsizetype i, const QString& name)
{
    return name.isEmpty() ? QStringLiteral("tasks[%1]").arg(i) : QStringLiteral("tasks[%1].%2").arg(i).arg(name);
}

// Keys around one cycle among the steps Kahn's sort could not place.
QStringList cycleKeys(const QList<QString>& keys, const QList<QList<qsizetype>>& parents, const QList<int>& indegree)
{
    qsizetype start = -1;
    for (qsizetype i = 0; i < indegree.size() && start < 0; ++i)
        if (indegree.at(i) > 0)
            start = i;
    // Walk parents that are themselves unplaced until a step repeats.
    QHash<qsizetype, qsizetype> seenAt;
    QList<qsizetype> path;
    qsizetype at = start;
    while (at >= 0 && !seenAt.contains(at)) {
        seenAt.insert(at, path.size());
        path.append(at);
        qsizetype next = -1;
        for (qsizetype p : parents.at(at))
            if (indegree.at(p) > 0) {
                next = p;
                break;
            }
        at = next;
    }
    QStringList cycle;
    if (at < 0)
        return cycle;
    for (qsizetype i = seenAt.value(at); i < path.size(); ++i)
        cycle.prepend(keys.at(path.at(i)));
    cycle.append(cycle.constFirst());
    return cycle;
}

} // namespace

Result<WorkflowPlan> WorkflowPlan::fromJson(const QJsonObject& json, const TaskLimits& limits)
{
    ObjectReader r(json);
    WorkflowPlan plan;
    plan.name = r.string(QStringLiteral("name"), {}, 200);
    plan.metadata = r.object(QStringLiteral("metadata"));
    plan.webhook = r.string(QStringLiteral("webhook"), {}, 200);
    const QString defaultModel = r.string(QStringLiteral("model"), {}, 128);
    const QJsonValue defaultPriority = r.value(QStringLiteral("priority"));
    const QJsonArray tasks = r.array(QStringLiteral("tasks"));
    if (auto err = r.finish())
        return *err;
    if (tasks.isEmpty())
        return Error::invalid(QStringLiteral("tasks"), QStringLiteral("must hold at least one task"));
    if (tasks.size() > kMaxWorkflowTasks)
        return Error::invalid(QStringLiteral("tasks"), QStringLiteral("has %1 tasks; at most %2").arg(tasks.size()).arg(kMaxWorkflowTasks));

    // Read every task and its key.
    const qsizetype n = tasks.size();
    QList<QString> keys(n);
    QHash<QString, qsizetype> byKey;
    byKey.reserve(n);
    QList<WorkflowStep> steps(n);
    QList<QJsonArray> deps(n);
    QList<QJsonObject> objects(n);
    for (qsizetype i = 0; i < n; ++i) {
        if (!tasks.at(i).isObject())
            return Error::invalid(stepField(i, {}), QStringLiteral("must be an object"));
        QJsonObject o = tasks.at(i).toObject();
        const QJsonValue key = o.take(QLatin1String("key"));
        if (!key.isString() || !steptemplate::validKey(key.toString()))
            return Error::invalid(stepField(i, QStringLiteral("key")), QStringLiteral("is required: 1-64 letters, digits, _ or -"));
        keys[i] = key.toString();
        auto dup = byKey.constFind(keys[i]);
        if (dup != byKey.constEnd())
            return Error::invalid(
                stepField(i, QStringLiteral("key")), QStringLiteral("'%1' is the key of tasks[%2] too").arg(keys[i]).arg(dup.value()));
        byKey.insert(keys[i], i);
        const QJsonValue d = o.take(QLatin1String("depends_on"));
        if (!d.isUndefined() && !d.isNull() && !d.isArray())
            return Error::invalid(stepField(i, QStringLiteral("depends_on")), QStringLiteral("must be an array of task keys"));
        deps[i] = d.toArray();
        if (deps[i].size() > kMaxWorkflowParents)
            return Error::invalid(
                stepField(i, QStringLiteral("depends_on")), QStringLiteral("has %1 items; at most %2").arg(deps[i].size()).arg(kMaxWorkflowParents));
        if (o.contains(QLatin1String("parent")))
            return Error::invalid(stepField(i, QStringLiteral("parent")), QStringLiteral("is set by the workflow"));
        if (!o.contains(QLatin1String("model")) && !defaultModel.isEmpty())
            o.insert(QStringLiteral("model"), defaultModel);
        if (!o.contains(QLatin1String("priority")) && !defaultPriority.isUndefined())
            o.insert(QStringLiteral("priority"), defaultPriority);
        objects[i] = std::move(o);
        steps[i].key = keys[i];
        steps[i].requestIndex = i;
    }
    // The tasks themselves, read in slices on every core: a large workflow's
    // submit is mostly this. The first error by position wins, as in one pass.
    const auto readSlice = [&objects, &steps, &limits](qsizetype from, qsizetype to) -> std::optional<Error> {
        for (qsizetype i = from; i < to; ++i) {
            auto spec = TaskSpec::fromJson(objects.at(i), stepField(i, {}), limits);
            if (!spec)
                return spec.error();
            for (auto it = spec->labels.constBegin(); it != spec->labels.constEnd(); ++it)
                if (it.key() == QLatin1String("workflow") || it.key() == QLatin1String("step") || it.key() == QLatin1String("step_refs"))
                    return Error::invalid(stepField(i, QStringLiteral("labels.") + it.key()), QStringLiteral("is set by the workflow"));
            steps[i].spec = std::move(*spec);
        }
        return std::nullopt;
    };
    const qsizetype slices = std::clamp<qsizetype>(n / 2000, 1, std::max(1, QThread::idealThreadCount()));
    std::vector<std::future<std::optional<Error>>> others;
    for (qsizetype k = 1; k < slices; ++k)
        others.push_back(std::async(std::launch::async, readSlice, n * k / slices, n * (k + 1) / slices));
    std::optional<Error> failed = readSlice(0, n / slices);
    for (auto& f : others) {
        std::optional<Error> e = f.get();
        if (!failed && e)
            failed = std::move(e);
    }
    if (failed)
        return *failed;

    // Edges, by key.
    QList<QList<qsizetype>> parentsOf(n);
    QList<QList<qsizetype>> children(n);
    QList<int> indegree(n, 0);
    for (qsizetype i = 0; i < n; ++i) {
        QSet<qsizetype> seen;
        for (qsizetype j = 0; j < deps[i].size(); ++j) {
            const QJsonValue d = deps[i].at(j);
            QString key;
            bool soft = false;
            const QString field = stepField(i, QStringLiteral("depends_on[%1]").arg(j));
            if (d.isString()) {
                key = d.toString();
            } else if (d.isObject()) {
                const QJsonObject e = d.toObject();
                key = e.value(QLatin1String("key")).toString();
                const QJsonValue onFailure = e.value(QLatin1String("on_failure"));
                if (onFailure == QLatin1String("continue"))
                    soft = true;
                else if (!onFailure.isUndefined() && onFailure != QLatin1String("cancel"))
                    return Error::invalid(field + QStringLiteral(".on_failure"), QStringLiteral("must be cancel or continue"));
                for (auto it = e.constBegin(); it != e.constEnd(); ++it)
                    if (it.key() != QLatin1String("key") && it.key() != QLatin1String("on_failure"))
                        return Error::invalid(field + QLatin1Char('.') + it.key(), QStringLiteral("unknown field"));
            } else {
                return Error::invalid(field, QStringLiteral("must be a task key or {\"key\": ..., \"on_failure\": \"cancel\" or \"continue\"}"));
            }
            auto p = byKey.constFind(key);
            if (p == byKey.constEnd())
                return Error::invalid(field, QStringLiteral("no task has the key '%1'").arg(key.left(64)));
            if (seen.contains(p.value()))
                continue;
            seen.insert(p.value());
            steps[i].parents.append({ p.value(), soft });
            parentsOf[i].append(p.value());
            children[p.value()].append(i);
            indegree[i]++;
        }
    }

    // Template references: each must name one of the step's parents.
    for (qsizetype i = 0; i < n; ++i) {
        auto refs = steptemplate::referencedKeys(steps[i].spec.input);
        if (!refs)
            return Error::invalid(stepField(i, QStringLiteral("input")), refs.error().message);
        for (const QString& key : *refs) {
            auto p = byKey.constFind(key);
            const bool isParent = p != byKey.constEnd()
                && std::any_of(
                    steps[i].parents.cbegin(), steps[i].parents.cend(), [&p](const WorkflowStep::Edge& e) { return e.parent == p.value(); });
            if (!isParent)
                return Error::invalid(stepField(i, QStringLiteral("input")),
                    QStringLiteral("{{steps.%1...}} names '%1', which is not in its depends_on").arg(key.left(64)));
        }
        steps[i].refs = *refs;
    }

    // Kahn's sort: parents first; what cannot be placed is on or after a cycle.
    QList<qsizetype> order;
    order.reserve(n);
    QList<int> remaining = indegree;
    for (qsizetype i = 0; i < n; ++i)
        if (remaining.at(i) == 0)
            order.append(i);
    for (qsizetype k = 0; k < order.size(); ++k)
        for (qsizetype c : children.at(order.at(k)))
            if (--remaining[c] == 0)
                order.append(c);
    if (order.size() < n) {
        const QStringList cycle = cycleKeys(keys, parentsOf, remaining);
        return Error::invalid(QStringLiteral("tasks"), QStringLiteral("the dependencies form a cycle: %1").arg(cycle.join(QStringLiteral(" -> "))));
    }
    QList<qsizetype> position(n);
    for (qsizetype k = 0; k < n; ++k)
        position[order.at(k)] = k;
    plan.steps.reserve(n);
    for (qsizetype k = 0; k < n; ++k) {
        WorkflowStep s = std::move(steps[order.at(k)]);
        for (WorkflowStep::Edge& e : s.parents)
            e.parent = position.at(e.parent);
        plan.steps.append(std::move(s));
    }
    return plan;
}

namespace {
QJsonObject countsJson(const FinishedCounts& counts, qint64 total)
{
    QJsonObject o;
    o.insert(QStringLiteral("total"), total);
    for (int s = 0; s < kTaskStateCount; ++s)
        o.insert(taskStateName(static_cast<TaskState>(s)), counts[static_cast<size_t>(s)]);
    return o;
}
QJsonValue timeOrNull(qint64 ms)
{
    return ms > 0 ? QJsonValue(msToIso(ms)) : QJsonValue(QJsonValue::Null);
}
} // namespace

QJsonObject WorkflowView::toJson(bool includeTasks) const
{
    const QJsonObject& d = doc.doc;
    QJsonObject o;
    o.insert(QStringLiteral("id"), doc.id);
    o.insert(QStringLiteral("object"), QStringLiteral("workflow"));
    o.insert(QStringLiteral("name"), d.value(QLatin1String("name")));
    o.insert(QStringLiteral("state"), doc.status);
    o.insert(QStringLiteral("group"), d.value(QLatin1String("group")));
    o.insert(QStringLiteral("created_at"), timeOrNull(doc.createdMs));
    o.insert(QStringLiteral("finished_at"), timeOrNull(d.value(QLatin1String("finished_at")).toInteger()));
    o.insert(QStringLiteral("metadata"), d.value(QLatin1String("metadata")).toObject());
    if (d.contains(QLatin1String("webhook")))
        o.insert(QStringLiteral("webhook"), d.value(QLatin1String("webhook")));
    const qint64 total = d.value(QLatin1String("total")).toInteger();
    qint64 known = 0;
    for (qint64 c : counts)
        known += c;
    FinishedCounts shown = counts;
    // Read before its tasks were stored: they are waiting to be.
    if (known < total && doc.status == workflowstate::kRunning)
        shown[static_cast<size_t>(TaskState::Blocked)] += total - known;
    o.insert(QStringLiteral("counts"), countsJson(shown, total));
    qint64 finished = 0;
    for (TaskState s : { TaskState::Succeeded, TaskState::Dead, TaskState::Cancelled })
        finished += shown[static_cast<size_t>(s)];
    o.insert(QStringLiteral("progress"), total > 0 ? static_cast<double>(finished) / static_cast<double>(total) : 1.0);
    const QString error = d.value(QLatin1String("error")).toString();
    o.insert(QStringLiteral("error"), error.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(error));
    if (includeTasks) {
        // Inserted in key order: QJsonObject keeps its keys sorted, and an
        // insert in the middle moves every key after it (10,000 keys in
        // another order cost a second).
        const QJsonArray keys = d.value(QLatin1String("keys")).toArray();
        const QJsonArray ids = d.value(QLatin1String("ids")).toArray();
        QList<std::pair<QString, qsizetype>> order;
        order.reserve(keys.size());
        for (qsizetype i = 0; i < keys.size() && i < ids.size(); ++i)
            order.append({ keys.at(i).toString(), i });
        std::sort(order.begin(), order.end());
        QJsonObject tasks;
        for (const auto& [key, i] : order)
            tasks.insert(key, ids.at(i));
        o.insert(QStringLiteral("tasks"), tasks);
    }
    return o;
}

QJsonObject workflowGraphJson(const StoredDoc& doc, const QHash<QString, TaskState>& states)
{
    const QJsonObject& d = doc.doc;
    const QJsonArray keys = d.value(QLatin1String("keys")).toArray();
    const QJsonArray ids = d.value(QLatin1String("ids")).toArray();
    const QJsonArray models = d.value(QLatin1String("models")).toArray();
    const QJsonArray parents = d.value(QLatin1String("parents")).toArray();
    const QJsonArray soft = d.value(QLatin1String("continue")).toArray();
    QJsonArray nodes;
    QJsonArray edges;
    for (qsizetype i = 0; i < keys.size() && i < ids.size(); ++i) {
        const QString id = ids.at(i).toString();
        auto st = states.constFind(id);
        nodes.append(QJsonObject { { QStringLiteral("key"), keys.at(i) }, { QStringLiteral("id"), id }, { QStringLiteral("model"), models.at(i) },
            { QStringLiteral("state"), st == states.constEnd() ? QJsonValue(QJsonValue::Null) : QJsonValue(taskStateName(st.value())) } });
        QSet<qint64> continues;
        for (const QJsonValue& c : soft.at(i).toArray())
            continues.insert(c.toInteger());
        for (const QJsonValue& p : parents.at(i).toArray()) {
            const qsizetype pi = p.toInteger();
            if (pi < 0 || pi >= keys.size())
                continue;
            edges.append(QJsonObject { { QStringLiteral("from"), keys.at(pi) }, { QStringLiteral("to"), keys.at(i) },
                { QStringLiteral("on_failure"), continues.contains(pi) ? QStringLiteral("continue") : QStringLiteral("cancel") } });
        }
    }
    return QJsonObject { { QStringLiteral("id"), doc.id }, { QStringLiteral("state"), doc.status }, { QStringLiteral("nodes"), nodes },
        { QStringLiteral("edges"), edges } };
}

} // namespace llmsched
