// Unit tests for WorkflowPlan::fromJson (core/workflow.h): what a workflow
// submit refuses, and the order its steps are submitted in.
#include "core/workflow.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

using namespace llmsched;

namespace {

QJsonObject step(const QString& key, const QJsonArray& deps = {}, const QString& content = QStringLiteral("hi"))
{
    QJsonObject o { { QStringLiteral("key"), key }, { QStringLiteral("model"), QStringLiteral("m") },
        { QStringLiteral("input"),
            QJsonObject { { QStringLiteral("messages"),
                QJsonArray { QJsonObject { { QStringLiteral("role"), QStringLiteral("user") }, { QStringLiteral("content"), content } } } } } } };
    if (!deps.isEmpty())
        o.insert(QStringLiteral("depends_on"), deps);
    return o;
}

QJsonObject workflow(const QJsonArray& tasks)
{
    return QJsonObject { { QStringLiteral("name"), QStringLiteral("t") }, { QStringLiteral("tasks"), tasks } };
}

qsizetype indexOf(const WorkflowPlan& p, const QString& key)
{
    for (qsizetype i = 0; i < p.steps.size(); ++i)
        if (p.steps.at(i).key == key)
            return i;
    return -1;
}

} // namespace

class TestWorkflowPlan : public QObject
{
    Q_OBJECT

private slots:
    void parentsComeFirstAndEdgesKeepTheirKind()
    {
        // Given children first, on purpose.
        const QJsonArray tasks {
            step(QStringLiteral("reduce"),
                { QStringLiteral("map1"),
                    QJsonObject { { QStringLiteral("key"), QStringLiteral("map2") }, { QStringLiteral("on_failure"), QStringLiteral("continue") } } },
                QStringLiteral("{{steps.map1.output.choices[0].message.content}}")),
            step(QStringLiteral("map1"), { QStringLiteral("split") }), step(QStringLiteral("map2"), { QStringLiteral("split") }),
            step(QStringLiteral("split"))
        };
        auto plan = WorkflowPlan::fromJson(workflow(tasks));
        QVERIFY2(plan, qPrintable(plan ? QString() : plan.error().toString()));
        QCOMPARE(plan->steps.size(), 4);
        for (qsizetype i = 0; i < plan->steps.size(); ++i)
            for (const WorkflowStep::Edge& e : plan->steps.at(i).parents)
                QVERIFY2(e.parent < i, qPrintable(plan->steps.at(i).key));
        const WorkflowStep& reduce = plan->steps.at(indexOf(*plan, QStringLiteral("reduce")));
        QCOMPARE(reduce.requestIndex, 0);
        QCOMPARE(reduce.parents.size(), 2);
        for (const WorkflowStep::Edge& e : reduce.parents)
            QCOMPARE(e.continueOnFailure, plan->steps.at(e.parent).key == QLatin1String("map2"));
        QCOMPARE(reduce.refs, QStringList { QStringLiteral("map1") });
    }

    void defaultsApplyToEveryTask()
    {
        QJsonObject w = workflow({ step(QStringLiteral("a")) });
        QJsonObject a = w.value(QLatin1String("tasks")).toArray().at(0).toObject();
        a.remove(QStringLiteral("model"));
        w.insert(QStringLiteral("tasks"), QJsonArray { a });
        w.insert(QStringLiteral("model"), QStringLiteral("default-model"));
        w.insert(QStringLiteral("priority"), QStringLiteral("high"));
        auto plan = WorkflowPlan::fromJson(w);
        QVERIFY(plan);
        QCOMPARE(plan->steps.at(0).spec.model, QStringLiteral("default-model"));
        QCOMPARE(plan->steps.at(0).spec.priority, kHighPriority);
    }

    void refusalsNameTheField_data()
    {
        QTest::addColumn<QJsonObject>("body");
        QTest::addColumn<QString>("field");
        QTest::addColumn<QString>("says");
        QTest::newRow("no tasks") << workflow({}) << QStringLiteral("tasks") << QStringLiteral("at least one");
        QTest::newRow("unknown key") << workflow(
            { step(QStringLiteral("a")), step(QStringLiteral("b"), { QStringLiteral("a"), QStringLiteral("zz") }) })
                                     << QStringLiteral("tasks[1].depends_on[1]") << QStringLiteral("no task has the key 'zz'");
        QTest::newRow("duplicate key") << workflow({ step(QStringLiteral("a")), step(QStringLiteral("a")) }) << QStringLiteral("tasks[1].key")
                                       << QStringLiteral("tasks[0] too");
        QTest::newRow("missing key") << workflow({ QJsonObject { { QStringLiteral("model"), QStringLiteral("m") } } })
                                     << QStringLiteral("tasks[0].key") << QStringLiteral("is required");
        QTest::newRow("cycle") << workflow(
            { step(QStringLiteral("start")), step(QStringLiteral("a"), { QStringLiteral("start"), QStringLiteral("c") }),
                step(QStringLiteral("b"), { QStringLiteral("a") }), step(QStringLiteral("c"), { QStringLiteral("b") }) })
                               << QStringLiteral("tasks") << QStringLiteral("cycle: ");
        QTest::newRow("self") << workflow({ step(QStringLiteral("a"), { QStringLiteral("a") }) }) << QStringLiteral("tasks")
                              << QStringLiteral("cycle: a -> a");
        QTest::newRow("reference to a non-parent") << workflow(
            { step(QStringLiteral("a")), step(QStringLiteral("b"), {}, QStringLiteral("{{steps.a.output}}")) })
                                                   << QStringLiteral("tasks[1].input") << QStringLiteral("not in its depends_on");
        QTest::newRow("bad on_failure") << workflow({ step(QStringLiteral("a")),
            step(QStringLiteral("b"),
                { QJsonObject { { QStringLiteral("key"), QStringLiteral("a") }, { QStringLiteral("on_failure"), QStringLiteral("retry") } } }) })
                                        << QStringLiteral("tasks[1].depends_on[0].on_failure") << QStringLiteral("cancel or continue");
        QJsonObject withParent = step(QStringLiteral("a"));
        withParent.insert(QStringLiteral("parent"), QStringLiteral("01J00000000000000000000000"));
        QTest::newRow("parent") << workflow({ withParent }) << QStringLiteral("tasks[0].parent") << QStringLiteral("set by the workflow");
        QJsonObject badTask = step(QStringLiteral("a"));
        badTask.insert(QStringLiteral("priority"), 12);
        QTest::newRow("task field") << workflow({ step(QStringLiteral("ok")), badTask }) << QStringLiteral("tasks[1].priority")
                                    << QStringLiteral("0..9");
    }
    void refusalsNameTheField()
    {
        QFETCH(QJsonObject, body);
        QFETCH(QString, field);
        QFETCH(QString, says);
        auto plan = WorkflowPlan::fromJson(body);
        QVERIFY(!plan);
        QCOMPARE(plan.error().field, field);
        QVERIFY2(plan.error().message.contains(says), qPrintable(plan.error().message));
    }

    void aCycleNamesItsKeys()
    {
        auto plan = WorkflowPlan::fromJson(workflow({ step(QStringLiteral("start")), step(QStringLiteral("x"), { QStringLiteral("z") }),
            step(QStringLiteral("y"), { QStringLiteral("x"), QStringLiteral("start") }), step(QStringLiteral("z"), { QStringLiteral("y") }) }));
        QVERIFY(!plan);
        // Around the cycle, whichever key it starts at: each named once, the first again at the end.
        const QStringList keys = plan.error().message.section(QStringLiteral("cycle: "), 1).split(QStringLiteral(" -> "));
        QCOMPARE(keys.size(), 4);
        QCOMPARE(keys.first(), keys.last());
        QStringList three = keys.mid(0, 3);
        three.sort();
        QCOMPARE(three, (QStringList { QStringLiteral("x"), QStringLiteral("y"), QStringLiteral("z") }));
        QVERIFY(!keys.contains(QStringLiteral("start")));
    }

    void aWideFanInIsAccepted()
    {
        QJsonArray tasks { step(QStringLiteral("root")) };
        QJsonArray all;
        for (int i = 0; i < 2000; ++i) {
            tasks.append(step(QStringLiteral("m%1").arg(i), { QStringLiteral("root") }));
            all.append(QStringLiteral("m%1").arg(i));
        }
        tasks.append(step(QStringLiteral("sink"), all));
        auto plan = WorkflowPlan::fromJson(workflow(tasks));
        QVERIFY(plan);
        QCOMPARE(plan->steps.constFirst().key, QStringLiteral("root"));
        QCOMPARE(plan->steps.constLast().key, QStringLiteral("sink"));
        QCOMPARE(plan->steps.constLast().parents.size(), 2000);
    }
};

QTEST_GUILESS_MAIN(TestWorkflowPlan)
#include "tst_workflowplan.moc"
