// Workflows on a real engine and store (core/workflow.h, engine/workflowmanager.h):
// a 10,000-task fan-out/fan-in, parents' outputs filled into a step's input
// (and a path that leads nowhere failing that step), failure propagating both
// ways (cancel by default, run anyway with on_failure: continue), cancelling
// a workflow, and a restart in the middle of one.

#include "enginetestutil.h"

#include <QJsonArray>
#include <QJsonDocument>

using namespace llmsched;
using namespace testutil;

namespace {

QJsonObject chat(const QString& content)
{
    return QJsonObject { { QStringLiteral("messages"),
        QJsonArray { QJsonObject { { QStringLiteral("role"), QStringLiteral("user") }, { QStringLiteral("content"), content } } } } };
}

QJsonObject step(const QString& key, const QJsonArray& deps = {}, const QString& content = QStringLiteral("hi"), const QString& model = {})
{
    QJsonObject o { { QStringLiteral("key"), key }, { QStringLiteral("input"), chat(content) } };
    if (!deps.isEmpty())
        o.insert(QStringLiteral("depends_on"), deps);
    if (!model.isEmpty())
        o.insert(QStringLiteral("model"), model);
    return o;
}

QJsonObject continuing(const QString& key)
{
    return QJsonObject { { QStringLiteral("key"), key }, { QStringLiteral("on_failure"), QStringLiteral("continue") } };
}

WorkflowPlan plan(const QJsonArray& tasks, const QString& model = QStringLiteral("m"))
{
    auto p = WorkflowPlan::fromJson(
        QJsonObject { { QStringLiteral("name"), QStringLiteral("test") }, { QStringLiteral("model"), model }, { QStringLiteral("tasks"), tasks } });
    if (!p)
        qFatal("plan refused: %s", qPrintable(p.error().toString()));
    return *p;
}

QString contentOf(const QByteArray& input)
{
    return QJsonDocument::fromJson(input)
        .object()
        .value(QLatin1String("messages"))
        .toArray()
        .at(0)
        .toObject()
        .value(QLatin1String("content"))
        .toString();
}

} // namespace

class TestWorkflows : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();

    void fanOutFanInOfTenThousand();
    void parentsOutputsFillTheInput();
    void aPathThatLeadsNowhereFailsThatStep();
    void failureCancelsDependentsWithTheReason();
    void onFailureContinueRunsAnyway();
    void cancelStopsWhatIsLeft();
    void restartInTheMiddleEndsTheWorkflow();
    void unknownModelNamesTheTaskAsGiven();

private:
    // The workflow once it is in one of `states`.
    WorkflowView waitFor(const QString& id, const QStringList& states, int timeoutMs = 30000);
    QString taskOf(const WorkflowView& v, const QString& key) const;

    std::unique_ptr<EngineFixture> m_f;
};

void TestWorkflows::init()
{
    m_f = std::make_unique<EngineFixture>();
    QVERIFY(m_f->start());
    QVERIFY(m_f->addModel(simModel(QStringLiteral("m"), 0, 16)));
    ModelConfig bad = simModel(QStringLiteral("bad"));
    bad.endpoints[0].simulation.failureRate = 1.0;
    bad.retry.maxAttempts = 1;
    QVERIFY(m_f->addModel(bad));
}

void TestWorkflows::cleanup()
{
    m_f.reset();
}

WorkflowView TestWorkflows::waitFor(const QString& id, const QStringList& states, int timeoutMs)
{
    WorkflowView last;
    const auto reached = [&] {
        auto v = await(m_f->engine->workflow(id));
        if (v)
            last = *v;
        return v && states.contains(v->doc.status);
    };
    if (!QTest::qWaitFor(reached, timeoutMs))
        qWarning() << "workflow" << id << "is" << last.doc.status << "not" << states;
    return last;
}

QString TestWorkflows::taskOf(const WorkflowView& v, const QString& key) const
{
    return v.toJson(true).value(QLatin1String("tasks")).toObject().value(key).toString();
}

void TestWorkflows::fanOutFanInOfTenThousand()
{
    constexpr int kWidth = 10'000;
    QJsonArray tasks { step(QStringLiteral("split")) };
    QJsonArray all;
    for (int i = 0; i < kWidth; ++i) {
        tasks.append(step(QStringLiteral("map-%1").arg(i), { QStringLiteral("split") }, QStringLiteral("part %1").arg(i)));
        all.append(QStringLiteral("map-%1").arg(i));
    }
    tasks.append(step(QStringLiteral("reduce"), all, QStringLiteral("reduce {{steps.map-9999.output.choices[0].message.content}}")));
    auto created = await(m_f->engine->createWorkflow(plan(tasks)), 60000);
    QVERIFY2(created, qPrintable(created ? QString() : created.error().toString()));
    QCOMPARE(created->doc.doc.value(QLatin1String("total")).toInteger(), kWidth + 2);
    const WorkflowView done = waitFor(created->doc.id, { QStringLiteral("succeeded"), QStringLiteral("failed") }, 120000);
    QCOMPARE(done.doc.status, QStringLiteral("succeeded"));
    QCOMPARE(done.counts[static_cast<size_t>(TaskState::Succeeded)], kWidth + 2);
    // The reduce ran after every map had succeeded, with the last map's answer in its input.
    const QString reduceId = taskOf(done, QStringLiteral("reduce"));
    qint64 lastMapDone = 0, reduceStart = 0;
    for (const TaskEvent& e : m_f->events) {
        if (e.state == TaskState::Succeeded && e.id.toString() != reduceId)
            lastMapDone = std::max(lastMapDone, e.timeMs);
        if (e.state == TaskState::Running && e.id.toString() == reduceId)
            reduceStart = e.timeMs;
    }
    QVERIFY(reduceStart > 0 && reduceStart >= lastMapDone);
    const auto reduce = await(m_f->engine->task(reduceId));
    QVERIFY(reduce);
    QCOMPARE(reduce->spec.dependsOn.size(), kWidth);
    const auto lastMap = await(m_f->engine->task(taskOf(done, QStringLiteral("map-9999"))));
    QVERIFY(lastMap);
    QCOMPARE(contentOf(reduce->spec.input), QStringLiteral("reduce ") + firstContent(QJsonDocument::fromJson(lastMap->output).object()));
    // The graph has every node and edge.
    const auto graph = await(m_f->engine->workflowGraph(created->doc.id));
    QVERIFY(graph);
    QCOMPARE(graph->value(QLatin1String("nodes")).toArray().size(), kWidth + 2);
    QCOMPARE(graph->value(QLatin1String("edges")).toArray().size(), 2 * kWidth);
}

void TestWorkflows::parentsOutputsFillTheInput()
{
    const QJsonArray tasks { step(QStringLiteral("summarise"), {}, QStringLiteral("Summarise this")),
        step(QStringLiteral("translate"), { QStringLiteral("summarise") },
            QStringLiteral("Translate: {{steps.summarise.output.choices[0].message.content}} [{{steps.summarise.state}}]")) };
    auto created = await(m_f->engine->createWorkflow(plan(tasks)));
    QVERIFY(created);
    const WorkflowView done = waitFor(created->doc.id, { QStringLiteral("succeeded"), QStringLiteral("failed") });
    QCOMPARE(done.doc.status, QStringLiteral("succeeded"));
    const auto parent = await(m_f->engine->task(taskOf(done, QStringLiteral("summarise"))));
    const auto child = await(m_f->engine->task(taskOf(done, QStringLiteral("translate"))));
    QVERIFY(parent && child);
    const QString answer = firstContent(QJsonDocument::fromJson(parent->output).object());
    QVERIFY(!answer.isEmpty());
    QCOMPARE(contentOf(child->spec.input), QStringLiteral("Translate: %1 [succeeded]").arg(answer));
    QCOMPARE(child->spec.labels.value(QLatin1String("step")).toString(), QStringLiteral("translate"));
    QCOMPARE(child->spec.labels.value(QLatin1String("workflow")).toString(), created->doc.id);
    const auto log = await(m_f->engine->taskLog(child->id.toString()));
    QVERIFY(log);
    QVERIFY(std::any_of(log->cbegin(), log->cend(), [](const TaskLogEntry& e) { return e.message.contains(QLatin1String("input filled in")); }));
}

void TestWorkflows::aPathThatLeadsNowhereFailsThatStep()
{
    const QJsonArray tasks { step(QStringLiteral("a")),
        step(QStringLiteral("b"), { QStringLiteral("a") }, QStringLiteral("{{steps.a.output.choices[5].text}}")),
        step(QStringLiteral("c"), { QStringLiteral("b") }) };
    auto created = await(m_f->engine->createWorkflow(plan(tasks)));
    QVERIFY(created);
    const WorkflowView done = waitFor(created->doc.id, { QStringLiteral("succeeded"), QStringLiteral("failed") });
    QCOMPARE(done.doc.status, QStringLiteral("failed"));
    const auto b = await(m_f->engine->task(taskOf(done, QStringLiteral("b"))));
    QVERIFY(b);
    QCOMPARE(b->state, TaskState::Dead);
    QVERIFY2(b->error.contains(QLatin1String("steps.a.output.choices[5]: the array has 1 element")), qPrintable(b->error));
    QCOMPARE(b->attempts, 0); // it never ran
    const auto c = await(m_f->engine->task(taskOf(done, QStringLiteral("c"))));
    QVERIFY(c);
    QCOMPARE(c->state, TaskState::Cancelled);
    QCOMPARE(done.counts[static_cast<size_t>(TaskState::Succeeded)], 1);
}

void TestWorkflows::failureCancelsDependentsWithTheReason()
{
    // bad fails; its child and grandchild are cancelled, naming why; a sibling branch still runs.
    const QJsonArray tasks { step(QStringLiteral("bad"), {}, QStringLiteral("x"), QStringLiteral("bad")),
        step(QStringLiteral("child"), { QStringLiteral("bad") }), step(QStringLiteral("grandchild"), { QStringLiteral("child") }),
        step(QStringLiteral("sibling")) };
    auto created = await(m_f->engine->createWorkflow(plan(tasks)));
    QVERIFY(created);
    const WorkflowView done = waitFor(created->doc.id, { QStringLiteral("succeeded"), QStringLiteral("failed") });
    QCOMPARE(done.doc.status, QStringLiteral("failed"));
    const QString badId = taskOf(done, QStringLiteral("bad"));
    const auto child = await(m_f->engine->task(taskOf(done, QStringLiteral("child"))));
    const auto grandchild = await(m_f->engine->task(taskOf(done, QStringLiteral("grandchild"))));
    const auto sibling = await(m_f->engine->task(taskOf(done, QStringLiteral("sibling"))));
    QVERIFY(child && grandchild && sibling);
    QCOMPARE(child->state, TaskState::Cancelled);
    QCOMPARE(child->error, QStringLiteral("dependency %1 ended dead").arg(badId));
    QCOMPARE(grandchild->state, TaskState::Cancelled);
    QCOMPARE(grandchild->error, QStringLiteral("dependency %1 ended cancelled").arg(child->id.toString()));
    QCOMPARE(sibling->state, TaskState::Succeeded);
    QCOMPARE(done.counts[static_cast<size_t>(TaskState::Dead)], 1);
    QCOMPARE(done.counts[static_cast<size_t>(TaskState::Cancelled)], 2);
}

void TestWorkflows::onFailureContinueRunsAnyway()
{
    // The summary runs whatever the maps did, and sees the failed one's error.
    const QJsonArray tasks { step(QStringLiteral("ok")), step(QStringLiteral("fails"), {}, QStringLiteral("x"), QStringLiteral("bad")),
        step(QStringLiteral("summary"), { QStringLiteral("ok"), continuing(QStringLiteral("fails")) },
            QStringLiteral("{{steps.fails.state}}: {{steps.fails.error}}")) };
    auto created = await(m_f->engine->createWorkflow(plan(tasks)));
    QVERIFY(created);
    const WorkflowView done = waitFor(created->doc.id, { QStringLiteral("succeeded"), QStringLiteral("failed") });
    // Its result (the summary) succeeded: so did the workflow.
    QCOMPARE(done.doc.status, QStringLiteral("succeeded"));
    const auto fails = await(m_f->engine->task(taskOf(done, QStringLiteral("fails"))));
    const auto summary = await(m_f->engine->task(taskOf(done, QStringLiteral("summary"))));
    QVERIFY(fails && summary);
    QCOMPARE(fails->state, TaskState::Dead);
    QCOMPARE(summary->state, TaskState::Succeeded);
    QCOMPARE(contentOf(summary->spec.input), QStringLiteral("dead: ") + fails->error);
    // The edge's kind shows in the task and in the graph.
    const QJsonArray deps = summary->toJson().value(QLatin1String("depends_on")).toArray();
    QCOMPARE(deps.size(), 2);
    QVERIFY(
        deps.contains(QJsonObject { { QStringLiteral("id"), fails->id.toString() }, { QStringLiteral("on_failure"), QStringLiteral("continue") } }));
    const auto graph = await(m_f->engine->workflowGraph(created->doc.id));
    QVERIFY(graph);
    int continuingEdges = 0;
    for (const QJsonValue& e : graph->value(QLatin1String("edges")).toArray())
        continuingEdges += e.toObject().value(QLatin1String("on_failure")) == QLatin1String("continue") ? 1 : 0;
    QCOMPARE(continuingEdges, 1);
}

void TestWorkflows::cancelStopsWhatIsLeft()
{
    QJsonObject held = step(QStringLiteral("held"));
    held.insert(QStringLiteral("run_at"), QStringLiteral("2099-01-01T00:00:00Z"));
    const QJsonArray tasks { step(QStringLiteral("quick")), held,
        step(QStringLiteral("after"), { QStringLiteral("held"), QStringLiteral("quick") }) };
    auto created = await(m_f->engine->createWorkflow(plan(tasks)));
    QVERIFY(created);
    const QString quick = taskOf(*created, QStringLiteral("quick"));
    QTRY_COMPARE_WITH_TIMEOUT(m_f->lastState(*Ulid::fromString(quick)), TaskState::Succeeded, 10000);
    QCOMPARE(await(m_f->engine->workflow(created->doc.id))->doc.status, QStringLiteral("running"));
    auto cancelling = await(m_f->engine->cancelWorkflow(created->doc.id));
    QVERIFY(cancelling);
    const WorkflowView done = waitFor(created->doc.id, { QStringLiteral("cancelled") });
    QCOMPARE(done.counts[static_cast<size_t>(TaskState::Succeeded)], 1);
    QCOMPARE(done.counts[static_cast<size_t>(TaskState::Cancelled)], 2);
    QVERIFY(done.toJson(false).value(QLatin1String("finished_at")).isString());
    // Once ended, there is nothing to cancel.
    auto again = await(m_f->engine->cancelWorkflow(created->doc.id));
    QVERIFY(!again);
    QCOMPARE(again.error().code, ErrorCode::Conflict);
    auto unknown = await(m_f->engine->cancelWorkflow(QStringLiteral("wf_nothing")));
    QVERIFY(!unknown);
    QCOMPARE(unknown.error().code, ErrorCode::NotFound);
}

void TestWorkflows::restartInTheMiddleEndsTheWorkflow()
{
    // A slow first step holds the rest; the engine stops while it runs.
    QVERIFY(m_f->addModel(simModel(QStringLiteral("slow"), 400, 4)));
    QJsonArray tasks { step(QStringLiteral("first"), {}, QStringLiteral("x"), QStringLiteral("slow")) };
    QJsonArray mids;
    for (int i = 0; i < 50; ++i) {
        tasks.append(
            step(QStringLiteral("mid-%1").arg(i), { QStringLiteral("first") }, QStringLiteral("{{steps.first.output.choices[0].message.content}}")));
        mids.append(QStringLiteral("mid-%1").arg(i));
    }
    tasks.append(step(QStringLiteral("last"), mids));
    auto created = await(m_f->engine->createWorkflow(plan(tasks)));
    QVERIFY(created);
    const QString id = created->doc.id;
    const Ulid first = *Ulid::fromString(taskOf(*created, QStringLiteral("first")));
    QTRY_COMPARE_WITH_TIMEOUT(m_f->lastState(first), TaskState::Running, 10000);
    m_f->stop();
    m_f->events.clear();
    QVERIFY(m_f->start());
    const WorkflowView done = waitFor(id, { QStringLiteral("succeeded"), QStringLiteral("failed") }, 60000);
    QCOMPARE(done.doc.status, QStringLiteral("succeeded"));
    QCOMPARE(done.counts[static_cast<size_t>(TaskState::Succeeded)], 52);
    // The mids waited for the first step's rerun and got its answer.
    const auto firstTask = await(m_f->engine->task(first.toString()));
    const auto mid = await(m_f->engine->task(taskOf(done, QStringLiteral("mid-7"))));
    QVERIFY(firstTask && mid);
    QCOMPARE(contentOf(mid->spec.input), firstContent(QJsonDocument::fromJson(firstTask->output).object()));
}

void TestWorkflows::unknownModelNamesTheTaskAsGiven()
{
    // Given in this order, submitted parents first: the error still names the request's index.
    const QJsonArray tasks { step(QStringLiteral("child"), { QStringLiteral("parent") }, QStringLiteral("x"), QStringLiteral("no-such-model")),
        step(QStringLiteral("parent")) };
    auto created = await(m_f->engine->createWorkflow(plan(tasks)));
    QVERIFY(!created);
    QCOMPARE(created.error().field, QStringLiteral("tasks[0].model"));
    QVERIFY(created.error().message.contains(QLatin1String("no-such-model")));
    // Nothing was queued, and the workflow shows why it failed.
    QCOMPARE(*await(m_f->engine->countTasks(TaskFilter {})), qint64(0));
    DocQuery q;
    q.kind = kDocWorkflow;
    const auto list = await(m_f->engine->workflows(q));
    QVERIFY(list);
    QCOMPARE(list->size(), 1);
    QCOMPARE(list->constFirst().doc.status, QStringLiteral("failed"));
    QVERIFY(list->constFirst().doc.doc.value(QLatin1String("error")).toString().contains(QLatin1String("tasks[0].model")));
    // A workflow of one task is named the same way.
    auto single
        = await(m_f->engine->createWorkflow(plan({ step(QStringLiteral("only"), {}, QStringLiteral("x"), QStringLiteral("no-such-model")) })));
    QVERIFY(!single);
    QCOMPARE(single.error().field, QStringLiteral("tasks[0].model"));
}

QTEST_GUILESS_MAIN(TestWorkflows)
#include "tst_workflows.moc"
