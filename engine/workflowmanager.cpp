#include "workflowmanager.h"

#include "engine.h"
#include "store/store.h"

#include "core/futures.h"
#include "core/logging.h"
#include "core/timeutil.h"

#include <QJsonArray>
#include <QPromise>
#include <QRegularExpression>

namespace llmsched {

namespace {

template <typename T> QFuture<T> answered(T value)
{
    QPromise<T> p;
    p.start();
    p.addResult(std::move(value));
    p.finish();
    return p.future();
}

// The scheduler names a refused task by its place in the submit, which is
// the plan's order (parents first), not the request's.
Error inRequestTerms(Error e, const WorkflowPlan& plan)
{
    static const QRegularExpression at(QStringLiteral("^tasks\\[(\\d+)\\]"));
    if (plan.steps.size() == 1 && !e.field.isEmpty() && !e.field.startsWith(QLatin1String("tasks[")))
        e.field = QStringLiteral("tasks[0].") + e.field; // a submit of one names no index
    const auto m = at.match(e.field);
    if (m.hasMatch()) {
        const qsizetype k = m.captured(1).toLongLong();
        if (k >= 0 && k < plan.steps.size())
            e.field.replace(0, m.capturedLength(0), QStringLiteral("tasks[%1]").arg(plan.steps.at(k).requestIndex));
    }
    return e;
}

QJsonObject countsToJson(const FinishedCounts& counts)
{
    QJsonObject o;
    for (int s = 0; s < kTaskStateCount; ++s)
        o.insert(taskStateName(static_cast<TaskState>(s)), counts[static_cast<size_t>(s)]);
    return o;
}

FinishedCounts countsFromJson(const QJsonObject& o)
{
    FinishedCounts c {};
    for (int s = 0; s < kTaskStateCount; ++s)
        c[static_cast<size_t>(s)] = o.value(taskStateName(static_cast<TaskState>(s))).toInteger();
    return c;
}

} // namespace

WorkflowManager::WorkflowManager(Engine& engine, Store& store, QObject* parent)
    : QObject(parent)
    , m_engine(engine)
    , m_store(store)
{
}

void WorkflowManager::start()
{
    DocQuery q;
    q.kind = kDocWorkflow;
    q.statuses = { workflowstate::kRunning };
    q.limit = 0;
    onResult(m_store.docs(q), this, [this](const Result<QList<StoredDoc>>& docs) {
        if (!docs) {
            qCWarning(lcCore) << "workflows: reading the running workflows failed:" << docs.error().message;
            return;
        }
        for (const StoredDoc& d : *docs)
            resume(d);
        if (!docs->isEmpty())
            qCInfo(lcCore) << "workflows: following" << docs->size() << "running workflow(s)";
    });
}

QFuture<Result<WorkflowView>> WorkflowManager::create(WorkflowPlan plan)
{
    const qint64 now = nowMs();
    const Ulid group = UlidGenerator::next(now);
    const QString id = QStringLiteral("wf_") + group.toString();
    const QString groupText = group.toString();

    // Ids first, so steps can name their parents; then the document.
    QList<Ulid> ids;
    ids.reserve(plan.steps.size());
    for (qsizetype i = 0; i < plan.steps.size(); ++i)
        ids.append(UlidGenerator::next(now));
    // The document keeps the steps as parallel arrays (key, task id, model,
    // parents, and the parents whose failure the step ignores): quick to
    // write for 100,000 steps, and all a restart or the graph needs.
    QList<bool> hasChildren(plan.steps.size(), false);
    QJsonArray keys, taskIds, models, parentLists, softLists;
    bool anySoft = false;
    QList<TaskSpec> specs;
    specs.reserve(plan.steps.size());
    for (qsizetype i = 0; i < plan.steps.size(); ++i) {
        WorkflowStep& s = plan.steps[i];
        QJsonArray parents, soft;
        QStringList refs;
        s.spec.dependsOn.reserve(s.parents.size());
        for (const WorkflowStep::Edge& e : s.parents) {
            hasChildren[e.parent] = true;
            parents.append(e.parent);
            if (e.continueOnFailure)
                soft.append(e.parent);
            s.spec.dependsOn.append(dependencyEntry(ids.at(e.parent), e.continueOnFailure));
        }
        for (const QString& key : std::as_const(s.refs)) {
            for (const WorkflowStep::Edge& e : s.parents)
                if (plan.steps.at(e.parent).key == key)
                    refs << key + QLatin1Char('=') + ids.at(e.parent).toString();
        }
        const QString idText = ids.at(i).toString();
        keys.append(s.key);
        taskIds.append(idText);
        models.append(s.spec.model);
        parentLists.append(parents);
        anySoft = anySoft || !soft.isEmpty();
        softLists.append(soft);
        s.spec.presetId = ids.at(i);
        s.spec.parentId = groupText;
        s.spec.labels.insert(QStringLiteral("workflow"), id);
        s.spec.labels.insert(QStringLiteral("step"), s.key);
        if (!refs.isEmpty())
            s.spec.labels.insert(QStringLiteral("step_refs"), refs.join(QLatin1Char(',')));
        if (!plan.webhook.isEmpty() && !s.spec.labels.contains(QLatin1String("webhook")))
            s.spec.labels.insert(QStringLiteral("webhook"), plan.webhook);
        specs.append(std::move(s.spec));
    }
    StoredDoc doc;
    doc.kind = kDocWorkflow;
    doc.id = id;
    doc.status = workflowstate::kRunning;
    doc.createdMs = now;
    doc.updatedMs = now;
    doc.doc
        = QJsonObject { { QStringLiteral("name"), plan.name }, { QStringLiteral("group"), groupText }, { QStringLiteral("metadata"), plan.metadata },
              { QStringLiteral("total"), static_cast<qint64>(plan.steps.size()) }, { QStringLiteral("keys"), keys },
              { QStringLiteral("ids"), taskIds }, { QStringLiteral("models"), models }, { QStringLiteral("parents"), parentLists } };
    if (anySoft)
        doc.doc.insert(QStringLiteral("continue"), softLists);
    if (!plan.webhook.isEmpty())
        doc.doc.insert(QStringLiteral("webhook"), plan.webhook);

    Run run;
    run.doc = doc;
    for (qsizetype i = 0; i < ids.size(); ++i)
        if (!hasChildren.at(i))
            run.sinks.insert(ids.at(i));

    auto reply = std::make_shared<QPromise<Result<WorkflowView>>>();
    reply->start();
    const auto answer = [reply](Result<WorkflowView> r) {
        reply->addResult(std::move(r));
        reply->finish();
    };
    // Followed before the tasks exist: none of their ends can be missed.
    run.unfinished.reserve(ids.size());
    m_taskRun.reserve(m_taskRun.size() + ids.size());
    for (const Ulid& t : std::as_const(ids)) {
        run.unfinished.insert(t);
        m_taskRun.insert(t, id);
    }
    m_runs.insert(id, run);
    m_created.insert(id);
    const auto forget = [this, id, ids] {
        m_runs.remove(id);
        for (const Ulid& t : ids)
            m_taskRun.remove(t);
    };
    // The document is queued before the tasks, on the same writer: a crash
    // between the two leaves a workflow without tasks, which a restart marks
    // failed, never tasks that belong to nothing.
    m_store.putDoc(doc);
    onResult(m_engine.submit(std::move(specs)), this,
        [this, id, doc, plan = std::move(plan), answer, forget](const Result<QList<SubmitOutcome>>& submitted) mutable {
            if (!submitted) {
                forget();
                const Error e = inRequestTerms(submitted.error(), plan);
                doc.status = workflowstate::kFailed;
                doc.updatedMs = nowMs();
                doc.doc.insert(QStringLiteral("error"), e.toString());
                doc.doc.insert(QStringLiteral("finished_at"), doc.updatedMs);
                // Answered once stored: a read right after shows why it failed.
                onResult(m_store.putDoc(doc), this, [answer, e](const VoidResult&) { answer(e); });
                return;
            }
            WorkflowView view;
            view.doc = doc;
            for (const SubmitOutcome& o : *submitted)
                view.counts[static_cast<size_t>(o.state)]++;
            qCInfo(lcCore).noquote() << "workflows:" << id << "submitted with" << submitted->size() << "tasks";
            answer(view);
            auto following = m_runs.find(id);
            if (following == m_runs.end())
                return;
            following->submitted = true;
            if (following->unfinished.isEmpty())
                finish(id);
        });
    return reply->future();
}

void WorkflowManager::onTaskEvents(const TaskEvents& events)
{
    QSet<QString> ended;
    for (const TaskEvent& ev : events) {
        if (!isFinal(ev.state))
            continue;
        auto owner = m_taskRun.constFind(ev.id);
        if (owner == m_taskRun.constEnd())
            continue;
        auto run = m_runs.find(owner.value());
        if (run != m_runs.end()) {
            run->unfinished.remove(ev.id);
            if (ev.state != TaskState::Succeeded && run->sinks.contains(ev.id))
                run->sinkFailed = true;
            if (run->unfinished.isEmpty())
                ended.insert(run.key());
        }
        m_taskRun.erase(owner);
    }
    for (const QString& id : ended)
        finish(id);
}

void WorkflowManager::finish(const QString& id)
{
    auto run = m_runs.find(id);
    if (run == m_runs.end() || !run->submitted)
        return; // its submit is answered first; that looks again
    Run r = m_runs.take(id);
    r.doc.status = r.cancelRequested ? workflowstate::kCancelled : r.sinkFailed ? workflowstate::kFailed : workflowstate::kSucceeded;
    r.doc.updatedMs = nowMs();
    r.doc.doc.insert(QStringLiteral("finished_at"), r.doc.updatedMs);
    qCInfo(lcCore).noquote() << "workflows:" << id << r.doc.status;
    // Its counts are kept with it: reading an ended workflow is one row.
    onResult(m_store.groupCounts(r.doc.doc.value(QLatin1String("group")).toString()), this,
        [this, doc = r.doc](const Result<FinishedCounts>& counts) mutable {
            if (counts)
                doc.doc.insert(QStringLiteral("counts"), countsToJson(*counts));
            m_store.putDoc(doc);
            emit ended(doc, WorkflowView { doc, counts ? *counts : FinishedCounts {} }.toJson(false));
        });
}

QFuture<Result<WorkflowView>> WorkflowManager::view(const QString& id)
{
    auto reply = std::make_shared<QPromise<Result<WorkflowView>>>();
    reply->start();
    onResult(m_store.doc(kDocWorkflow, id), this, [this, reply](const Result<StoredDoc>& d) {
        if (!d) {
            reply->addResult(d.error());
            return reply->finish();
        }
        withCounts({ *d }, [reply](Result<QList<WorkflowView>> views) {
            reply->addResult(views ? Result<WorkflowView>(views->constFirst()) : Result<WorkflowView>(views.error()));
            reply->finish();
        });
    });
    return reply->future();
}

QFuture<Result<QList<WorkflowView>>> WorkflowManager::list(const DocQuery& query)
{
    auto reply = std::make_shared<QPromise<Result<QList<WorkflowView>>>>();
    reply->start();
    onResult(m_store.docs(query), this, [this, reply](const Result<QList<StoredDoc>>& docs) {
        if (!docs) {
            reply->addResult(docs.error());
            return reply->finish();
        }
        withCounts(*docs, [reply](Result<QList<WorkflowView>> views) {
            reply->addResult(std::move(views));
            reply->finish();
        });
    });
    return reply->future();
}

void WorkflowManager::withCounts(const QList<StoredDoc>& docs, std::function<void(Result<QList<WorkflowView>>)> done)
{
    auto views = std::make_shared<QList<WorkflowView>>();
    QList<QFuture<Result<FinishedCounts>>> reads;
    QList<qsizetype> live;
    for (const StoredDoc& d : docs) {
        WorkflowView v;
        v.doc = d;
        if (workflowstate::isFinal(d.status) && d.doc.contains(QLatin1String("counts"))) {
            v.counts = countsFromJson(d.doc.value(QLatin1String("counts")).toObject());
        } else {
            live.append(views->size());
            reads.append(m_store.groupCounts(d.doc.value(QLatin1String("group")).toString()));
        }
        views->append(v);
    }
    if (reads.isEmpty())
        return done(*views);
    onResult(QtFuture::whenAll(reads.begin(), reads.end()), this, [views, live, done](const QList<QFuture<Result<FinishedCounts>>>& counted) {
        for (qsizetype i = 0; i < counted.size(); ++i) {
            const auto& f = counted.at(i);
            if (f.resultCount() == 0 || !f.result())
                return done(f.resultCount() ? f.result().error() : Error::store(QStringLiteral("no answer")));
            (*views)[live.at(i)].counts = f.result().value();
        }
        done(*views);
    });
}

QFuture<Result<StoredDoc>> WorkflowManager::addTemplateVersion(const QString& name, TemplateVersion version)
{
    auto reply = std::make_shared<QPromise<Result<StoredDoc>>>();
    reply->start();
    tryAddVersion(name, version, 0, reply);
    return reply->future();
}

void WorkflowManager::tryAddVersion(
    const QString& name, const TemplateVersion& version, int attempt, std::shared_ptr<QPromise<Result<StoredDoc>>> reply)
{
    onResult(m_store.doc(kDocTemplate, name), this, [this, name, version, attempt, reply](const Result<StoredDoc>& found) {
        if (!found && found.error().code != ErrorCode::NotFound) {
            reply->addResult(found.error());
            return reply->finish();
        }
        const qint64 now = nowMs();
        StoredDoc doc;
        if (found) {
            doc = *found;
        } else {
            doc.kind = kDocTemplate;
            doc.id = name;
            doc.status = QStringLiteral("active");
            doc.createdMs = now;
        }
        const qint64 expected = found ? found->updatedMs : -1;
        doc.updatedMs = std::max(now, doc.updatedMs + 1);
        QJsonArray versions = doc.doc.value(QLatin1String("versions")).toArray();
        TemplateVersion v = version;
        v.version = versions.isEmpty() ? 1 : versions.last().toObject().value(QLatin1String("version")).toInt() + 1;
        v.createdMs = now;
        QJsonObject stored = v.toJson();
        stored.remove(QStringLiteral("created_at"));
        stored.insert(QStringLiteral("created_ms"), now);
        versions.append(stored);
        doc.doc.insert(QStringLiteral("versions"), versions);
        const auto written = [reply, doc](bool ok, const Error& e) {
            if (ok)
                reply->addResult(doc);
            else
                reply->addResult(e);
            reply->finish();
        };
        // A first version is created only if no one else created the name
        // meanwhile (expected -1); either way a lost race reads again.
        onResult(m_store.casDoc(doc, expected), this, [this, name, version, attempt, reply, written](const Result<bool>& won) {
            if (!won)
                return written(false, won.error());
            if (*won)
                return written(true, {});
            if (attempt >= 5)
                return written(false, Error::conflict(QStringLiteral("template '%1' changed while a version was added; try again").arg(name)));
            tryAddVersion(name, version, attempt + 1, reply);
        });
    });
}

QFuture<Result<QJsonObject>> WorkflowManager::graph(const QString& id)
{
    auto reply = std::make_shared<QPromise<Result<QJsonObject>>>();
    reply->start();
    onResult(m_store.doc(kDocWorkflow, id), this, [this, reply](const Result<StoredDoc>& d) {
        if (!d) {
            reply->addResult(d.error());
            return reply->finish();
        }
        onResult(m_store.groupStates(d->doc.value(QLatin1String("group")).toString()), this,
            [reply, doc = *d](const Result<QHash<QString, TaskState>>& states) {
                reply->addResult(states ? Result<QJsonObject>(workflowGraphJson(doc, *states)) : Result<QJsonObject>(states.error()));
                reply->finish();
            });
    });
    return reply->future();
}

void WorkflowManager::resume(const StoredDoc& doc)
{
    if (m_runs.contains(doc.id) || m_created.contains(doc.id))
        return; // created since start(): followed from its submit
    const QString group = doc.doc.value(QLatin1String("group")).toString();
    onResult(m_store.groupStates(group), this, [this, doc](const Result<QHash<QString, TaskState>>& states) {
        if (m_runs.contains(doc.id) || m_created.contains(doc.id))
            return;
        if (!states) {
            qCWarning(lcCore).noquote() << "workflows: reading the tasks of" << doc.id << "failed:" << states.error().message;
            return;
        }
        Run run;
        run.doc = doc;
        if (states->isEmpty()) {
            // Stopped between its document and its tasks: they never came.
            run.doc.status = workflowstate::kFailed;
            run.doc.updatedMs = nowMs();
            run.doc.doc.insert(
                QStringLiteral("error"), QStringLiteral("the engine stopped before the workflow's tasks were stored; submit it again"));
            run.doc.doc.insert(QStringLiteral("finished_at"), run.doc.updatedMs);
            m_store.putDoc(run.doc);
            return;
        }
        run.cancelRequested = doc.doc.value(QLatin1String("cancel_requested")).toBool();
        run.submitted = true;
        const QJsonArray ids = doc.doc.value(QLatin1String("ids")).toArray();
        const QJsonArray parents = doc.doc.value(QLatin1String("parents")).toArray();
        QList<bool> hasChildren(ids.size(), false);
        for (const QJsonValue& list : parents)
            for (const QJsonValue& p : list.toArray())
                if (p.toInteger() >= 0 && p.toInteger() < ids.size())
                    hasChildren[p.toInteger()] = true;
        for (qsizetype i = 0; i < ids.size(); ++i) {
            const QString tid = ids.at(i).toString();
            const auto ulid = Ulid::fromString(tid);
            if (!ulid)
                continue;
            auto st = states->constFind(tid);
            const bool sink = !hasChildren.at(i);
            if (st == states->constEnd() || !isFinal(st.value())) {
                run.unfinished.insert(*ulid);
                m_taskRun.insert(*ulid, doc.id);
                if (sink)
                    run.sinks.insert(*ulid);
            } else if (sink && st.value() != TaskState::Succeeded) {
                run.sinkFailed = true;
            }
        }
        m_runs.insert(doc.id, run);
        if (run.unfinished.isEmpty())
            finish(doc.id);
    });
}

QFuture<Result<WorkflowView>> WorkflowManager::cancel(const QString& id)
{
    auto run = m_runs.find(id);
    if (run == m_runs.end()) {
        // Ended (or never was): answer what it is.
        auto reply = std::make_shared<QPromise<Result<WorkflowView>>>();
        reply->start();
        onResult(m_store.doc(kDocWorkflow, id), this, [reply](const Result<StoredDoc>& d) {
            if (!d)
                reply->addResult(d.error());
            else
                reply->addResult(Error::conflict(QStringLiteral("workflow %1 has ended (%2); there is nothing to cancel").arg(d->id, d->status)));
            reply->finish();
        });
        return reply->future();
    }
    run->cancelRequested = true;
    run->doc.doc.insert(QStringLiteral("cancel_requested"), true);
    run->doc.updatedMs = nowMs();
    m_store.putDoc(run->doc);
    qCInfo(lcCore).noquote() << "workflows: cancelling" << id << "(" << run->unfinished.size() << "unfinished tasks)";
    for (const Ulid& t : std::as_const(run->unfinished))
        m_engine.cancel(t.toString());
    WorkflowView view;
    view.doc = run->doc;
    return answered(Result<WorkflowView>(view));
}

QFuture<Result<TemplateSubmission>> WorkflowManager::submitFromTemplate(
    const QString& name, int version, QList<TemplateRow> rows, bool skipInvalid, bool single)
{
    auto reply = std::make_shared<QPromise<Result<TemplateSubmission>>>();
    reply->start();
    const auto answer = [reply](Result<TemplateSubmission> r) {
        reply->addResult(std::move(r));
        reply->finish();
    };
    onResult(m_store.doc(kDocTemplate, name), this, [this, answer, version, rows, skipInvalid, single](const Result<StoredDoc>& doc) {
        if (!doc)
            return answer(doc.error());
        const auto tmpl = templateVersion(*doc, version);
        if (!tmpl) {
            const QString message = QStringLiteral("template '%1' has no version %2").arg(doc->id).arg(version);
            return answer(single ? Error::invalid(QStringLiteral("version"), message) : Error::notFound(message));
        }
        const bool workflows = tmpl->kind == QLatin1String("workflow");
        const int maxRows = workflows ? TemplateSubmission::kMaxWorkflowRows : TemplateSubmission::kMaxTaskRows;
        if (rows.isEmpty())
            return answer(Error::invalid(QStringLiteral("body"), QStringLiteral("holds no rows")));
        if (rows.size() > maxRows)
            return answer(Error { ErrorCode::PayloadTooLarge,
                QStringLiteral("%1 rows; a batch of %2 templates takes at most %3").arg(rows.size()).arg(tmpl->kind).arg(maxRows),
                QStringLiteral("body") });
        TemplateSubmission out;
        out.tag = QStringLiteral("%1@%2").arg(doc->id).arg(tmpl->version);
        out.rows = static_cast<int>(rows.size());
        QList<TaskSpec> specs;
        QList<WorkflowPlan> plans;
        QList<int> rowOf;
        std::optional<Error> firstError;
        for (const TemplateRow& row : rows) {
            const auto fail = [&out, &row, &firstError](const Error& e) {
                out.errors.append(QJsonObject {
                    { QStringLiteral("row"), row.row }, { QStringLiteral("field"), e.field }, { QStringLiteral("message"), e.message } });
                if (!firstError)
                    firstError = e;
            };
            if (!row.error.isEmpty()) {
                fail(Error::invalid({}, row.error));
                continue;
            }
            auto rendered = tmpl->render(row.values);
            if (!rendered) {
                fail(rendered.error());
                continue;
            }
            if (workflows) {
                auto plan = WorkflowPlan::fromJson(*rendered);
                if (!plan) {
                    fail(plan.error());
                    continue;
                }
                plan->metadata.insert(QStringLiteral("template"), out.tag);
                plans.append(std::move(*plan));
            } else {
                auto task = TaskSpec::fromJson(*rendered);
                if (!task) {
                    fail(task.error());
                    continue;
                }
                task->labels.insert(QStringLiteral("template"), out.tag);
                specs.append(std::move(*task));
            }
            rowOf.append(row.row);
        }
        if (single && firstError)
            return answer(*firstError);
        if (!out.errors.isEmpty() && !skipInvalid) {
            out.refused = true;
            return answer(out);
        }
        if (!workflows) {
            if (specs.isEmpty())
                return answer(out);
            onResult(m_engine.submit(std::move(specs)), this, [answer, out, rowOf](const Result<QList<SubmitOutcome>>& r) mutable {
                if (!r)
                    return answer(r.error());
                for (qsizetype i = 0; i < r->size() && i < rowOf.size(); ++i)
                    out.submitted.append(QJsonObject { { QStringLiteral("row"), rowOf.at(i) }, { QStringLiteral("id"), r->at(i).id.toString() } });
                if (!r->isEmpty())
                    out.single = QJsonObject { { QStringLiteral("id"), r->constFirst().id.toString() },
                        { QStringLiteral("state"), taskStateName(r->constFirst().state) } };
                answer(out);
            });
            return;
        }
        // Workflows one after another; a refused one is an error of its row
        // (of the answer, when it is the only one).
        auto state = std::make_shared<TemplateSubmission>(out);
        auto next = std::make_shared<std::function<void(qsizetype)>>();
        *next = [this, state, next, answer, plans, rowOf, single](qsizetype i) {
            if (i >= plans.size()) {
                answer(*state);
                *next = nullptr;
                return;
            }
            onResult(m_engine.createWorkflow(plans.at(i)), this, [state, next, answer, i, rowOf, single](const Result<WorkflowView>& r) {
                if (!r && single) {
                    *next = nullptr;
                    return answer(r.error());
                }
                if (r) {
                    state->submitted.append(QJsonObject { { QStringLiteral("row"), rowOf.at(i) }, { QStringLiteral("id"), r->doc.id } });
                    if (state->single.isEmpty())
                        state->single = r->toJson(true);
                } else {
                    state->errors.append(QJsonObject { { QStringLiteral("row"), rowOf.at(i) }, { QStringLiteral("field"), r.error().field },
                        { QStringLiteral("message"), r.error().message } });
                }
                if (*next)
                    (*next)(i + 1);
            });
        };
        (*next)(0);
    });
    return reply->future();
}

} // namespace llmsched
