// The Workflows view, offscreen, over a real engine (and, as
// gui.workflowsview_remote, over its REST API): the runs list and the graph
// following a workflow's tasks to the end, a click on a task opening it;
// the schedule editor checking a cron as it is typed and a schedule run now;
// templates saved, submitted with values and from a CSV with a bad row;
// webhooks created (the secret shown once) with their delivery log.

#include "guitestutil.h"

#include "jsontable.h"
#include "schedulesview.h"
#include "templatesview.h"
#include "webhooksview.h"
#include "workflowgraphview.h"
#include "workflowsview.h"

#include <QAction>
#include <QComboBox>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTableWidget>
#include <QTemporaryFile>
#include <QTest>

using namespace llmsched;
using namespace llmsched::ui;
using namespace guitest;

namespace {

QJsonObject fanWorkflow(int width)
{
    QJsonArray tasks { QJsonObject { { QStringLiteral("key"), QStringLiteral("split") },
        { QStringLiteral("input"),
            QJsonObject { { QStringLiteral("messages"),
                QJsonArray { QJsonObject {
                    { QStringLiteral("role"), QStringLiteral("user") }, { QStringLiteral("content"), QStringLiteral("split") } } } } } } } };
    QJsonArray parents;
    for (int i = 0; i < width; ++i) {
        const QString key = QStringLiteral("map-%1").arg(i);
        tasks.append(QJsonObject { { QStringLiteral("key"), key }, { QStringLiteral("depends_on"), QJsonArray { QStringLiteral("split") } },
            { QStringLiteral("input"),
                QJsonObject { { QStringLiteral("messages"),
                    QJsonArray { QJsonObject { { QStringLiteral("role"), QStringLiteral("user") }, { QStringLiteral("content"), key } } } } } } });
        parents.append(key);
    }
    tasks.append(QJsonObject { { QStringLiteral("key"), QStringLiteral("reduce") }, { QStringLiteral("depends_on"), parents },
        { QStringLiteral("input"),
            QJsonObject { { QStringLiteral("messages"),
                QJsonArray { QJsonObject {
                    { QStringLiteral("role"), QStringLiteral("user") }, { QStringLiteral("content"), QStringLiteral("reduce") } } } } } } });
    return QJsonObject { { QStringLiteral("name"), QStringLiteral("fan") }, { QStringLiteral("model"), QStringLiteral("sim") },
        { QStringLiteral("tasks"), tasks } };
}

} // namespace

class TestWorkflowsView : public QObject
{
    Q_OBJECT

private slots:
    void graphFollowsAWorkflowToItsEnd();
    void scheduleEditorChecksAsYouType();
    void scheduleSavedAndRunNow();
    void templatesSavedAndSubmitted();
    void webhookSecretShownOnceAndDeliveriesListed();
};

void TestWorkflowsView::graphFollowsAWorkflowToItsEnd()
{
    EngineFixture f;
    WorkflowsView view(*f.live);
    view.resize(1100, 800);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    QTRY_COMPARE(view.runs()->rowCount(), 0);

    // Held at first (the model paused), so the graph is seen while it runs.
    QVERIFY(testutil::await(f.engine->setModelPaused(QStringLiteral("sim"), true)));
    auto plan = WorkflowPlan::fromJson(fanWorkflow(20));
    QVERIFY(plan);
    auto wf = testutil::await(f.engine->createWorkflow(*plan));
    QVERIFY(wf);
    const QString id = wf->doc.id;

    QSignalSpy graphs(&view, &WorkflowsView::graphLoaded);
    view.reload();
    QTRY_COMPARE(view.runs()->rowCount(), 1);
    QTRY_VERIFY(graphs.count() >= 1);
    QCOMPARE(graphs.last().at(0).toString(), id);
    QCOMPARE(view.graph()->nodeCount(), 22);
    QCOMPARE(view.runs()->item(0, WorkflowsView::State)->text(), QStringLiteral("running"));
    QVERIFY(view.cancelAction()->isEnabled());

    // Released: every task's colour follows it to succeeded, live.
    const QJsonObject tasks = wf->toJson(true).value(QLatin1String("tasks")).toObject();
    const QString reduce = tasks.value(QLatin1String("reduce")).toString();
    const QString split = tasks.value(QLatin1String("split")).toString();
    QVERIFY(!reduce.isEmpty() && !split.isEmpty());
    QCOMPARE(view.graph()->stateOf(reduce), std::optional<TaskState>(TaskState::Blocked));
    QVERIFY(testutil::await(f.engine->setModelPaused(QStringLiteral("sim"), false)));
    QTRY_COMPARE_WITH_TIMEOUT(view.graph()->stateOf(reduce), std::optional<TaskState>(TaskState::Succeeded), 15000);
    QCOMPARE(view.graph()->stateOf(split), std::optional<TaskState>(TaskState::Succeeded));
    QTRY_COMPARE_WITH_TIMEOUT(view.runs()->item(0, WorkflowsView::State)->text(), QStringLiteral("succeeded"), 10000);
    QVERIFY(view.runs()->item(0, WorkflowsView::Progress)->text().startsWith(QLatin1String("22 / 22")));
    QVERIFY(!view.cancelAction()->isEnabled());

    // A click on a task asks for its detail.
    QSignalSpy opened(&view, &WorkflowsView::openTask);
    view.graph()->fitAll();
    const QPoint at = view.graph()->mapFromScene(view.graph()->nodeRect(reduce).center());
    QCOMPARE(view.graph()->taskIdAt(at), reduce);
    QTest::mouseClick(view.graph()->viewport(), Qt::LeftButton, {}, at);
    QTRY_COMPARE(opened.count(), 1);
    QCOMPARE(opened.at(0).at(0).toString(), reduce);
}

void TestWorkflowsView::scheduleEditorChecksAsYouType()
{
    ScheduleEditor editor({});
    QVERIFY(!editor.valid()); // a name is needed
    QVERIFY2(editor.problem().startsWith(QLatin1String("name")), qPrintable(editor.problem()));
    editor.nameEdit()->setText(QStringLiteral("nightly"));
    QVERIFY2(editor.valid(), qPrintable(editor.problem()));
    QCOMPARE(editor.nextFireTimes().size(), 5);
    editor.cronEdit()->setText(QStringLiteral("61 * * * *"));
    QVERIFY(!editor.valid());
    QVERIFY2(editor.problem().startsWith(QLatin1String("cron")), qPrintable(editor.problem()));
    QCOMPARE(editor.nextFireTimes().size(), 0);
    editor.cronEdit()->setText(QStringLiteral("0 30 2 * * MON-FRI"));
    QVERIFY2(editor.valid(), qPrintable(editor.problem()));
    QCOMPARE(editor.nextFireTimes().size(), 5);
    QVERIFY(editor.nextFireTimes().constFirst().contains(QLatin1String("02:30:00")));
    editor.targetEdit()->setPlainText(QStringLiteral("{\"model\": "));
    QVERIFY(!editor.valid());
    QVERIFY(editor.problem().contains(QLatin1String("not JSON")));
    editor.targetEdit()->setPlainText(QStringLiteral("{\"model\": \"sim\", \"input\": {\"prompt\": \"x\"}, \"kind\": \"completion\", \"bogus\": 1}"));
    QVERIFY(!editor.valid());
    QVERIFY2(editor.problem().contains(QLatin1String("bogus")), qPrintable(editor.problem()));
}

void TestWorkflowsView::scheduleSavedAndRunNow()
{
    EngineFixture f;
    SchedulesPanel panel(*f.live);
    panel.show();
    QSignalSpy saved(&panel, &SchedulesPanel::saved);
    ScheduleEditor editor({});
    editor.nameEdit()->setText(QStringLiteral("hourly digest"));
    editor.cronEdit()->setText(QStringLiteral("0 * * * *"));
    editor.targetEdit()->setPlainText(QStringLiteral(R"({"model": "sim", "input": {"messages": [{"role": "user", "content": "digest"}]}})"));
    QVERIFY2(editor.valid(), qPrintable(editor.problem()));
    panel.save({}, editor.body());
    QTRY_COMPARE(saved.count(), 1);
    QVERIFY2(saved.at(0).at(0).toBool(), qPrintable(saved.at(0).at(1).toString()));
    QTRY_COMPARE(panel.table()->rowCount(), 1);
    QCOMPARE(panel.table()->item(0, SchedulesPanel::When)->text(), QStringLiteral("0 * * * *"));
    QVERIFY(panel.table()->item(0, SchedulesPanel::Next)->text() != QStringLiteral("—"));

    // Run now: it submits its task, which the list names.
    panel.table()->selectRow(0);
    QVERIFY(panel.runAction()->isEnabled());
    panel.runAction()->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(panel.table()->item(0, SchedulesPanel::LastResult)->text().startsWith(QLatin1String("task ")), 10000);
    const QString task = panel.table()->item(0, SchedulesPanel::LastResult)->text().mid(5);
    QTRY_COMPARE_WITH_TIMEOUT(testutil::await(f.engine->task(task))->state, TaskState::Succeeded, 10000);

    // Paused from the panel: the list says so and it has no next fire.
    panel.pauseAction()->trigger();
    QTRY_COMPARE(panel.table()->item(0, SchedulesPanel::State)->text(), QStringLiteral("paused"));
    QCOMPARE(panel.table()->item(0, SchedulesPanel::Next)->text(), QStringLiteral("—"));
}

void TestWorkflowsView::templatesSavedAndSubmitted()
{
    EngineFixture f;
    TemplatesPanel panel(*f.live);
    panel.show();
    QSignalSpy done(&panel, &TemplatesPanel::done);

    TemplateEditor editor({});
    editor.nameEdit()->setText(QStringLiteral("poem"));
    editor.bodyEdit()->setPlainText(
        QStringLiteral(R"({"model": "sim", "input": {"messages": [{"role": "user", "content": "{{vars.lines}} lines on {{vars.nope}}"}]}})"));
    QVERIFY(!editor.valid());
    QVERIFY2(editor.problem().contains(QLatin1String("nope")), qPrintable(editor.problem()));
    editor.bodyEdit()->setPlainText(
        QStringLiteral(R"({"model": "sim", "input": {"messages": [{"role": "user", "content": "{{vars.lines}} lines on {{vars.topic}}"}]}})"));
    QVERIFY2(editor.valid(), qPrintable(editor.problem()));
    panel.save(editor.body());
    QTRY_COMPARE(done.count(), 1);
    QVERIFY2(done.at(0).at(0).toBool(), qPrintable(done.at(0).at(1).toString()));
    QTRY_COMPARE(panel.table()->rowCount(), 1);
    QCOMPARE(panel.table()->item(0, TemplatesPanel::Variables)->text(), QStringLiteral("lines, topic"));

    // Values typed in the dialog are typed by the variables.
    const QJsonObject tmpl = *testutil::await(f.client->templateVersion(QStringLiteral("poem"), 0));
    TemplateValuesDialog values(tmpl);
    values.field(QStringLiteral("lines"))->setText(QStringLiteral("two"));
    QCOMPARE(values.values().error().field, QStringLiteral("values.lines"));
    values.field(QStringLiteral("lines"))->setText(QStringLiteral("4"));
    values.field(QStringLiteral("topic"))->setText(QStringLiteral("rain"));
    QVERIFY(values.values());
    panel.submit(QStringLiteral("poem"), *values.values());
    QTRY_COMPARE(done.count(), 2);
    QVERIFY2(done.at(1).at(0).toBool(), qPrintable(done.at(1).at(1).toString()));
    const QString id = done.at(1).at(1).toString().section(QLatin1Char(' '), 2, 2).chopped(1);
    const auto task = testutil::await(f.engine->task(id));
    QVERIFY2(task, qPrintable(id));
    QVERIFY(task->spec.input.contains("4 lines on rain"));

    // From a CSV with a wrong row: nothing, with the row named; then the others.
    QTemporaryFile csv(QDir::tempPath() + QStringLiteral("/rows-XXXXXX.csv"));
    QVERIFY(csv.open());
    csv.write("lines,topic\n2,snow\nmany,fog\n3,wind\n");
    csv.close();
    const qint64 before = *testutil::await(f.engine->countTasks(TaskFilter {}));
    panel.submitFile(QStringLiteral("poem"), csv.fileName(), false);
    QTRY_COMPARE(done.count(), 3);
    QVERIFY(!done.at(2).at(0).toBool());
    QCOMPARE(done.at(2).at(1).toString(), QStringLiteral("Nothing was submitted: 1 row(s) are wrong."));
    QCOMPARE(*testutil::await(f.engine->countTasks(TaskFilter {})), before);
    QTRY_VERIFY(panel.findChild<QMessageBox*>(QStringLiteral("warning")));
    const QString warning = panel.findChild<QMessageBox*>(QStringLiteral("warning"))->text();
    QVERIFY2(warning.contains(QLatin1String("row 2: lines: 'many' is not")), qPrintable(warning));
    panel.submitFile(QStringLiteral("poem"), csv.fileName(), true);
    QTRY_COMPARE(done.count(), 4);
    QVERIFY(done.at(3).at(0).toBool());
    QVERIFY2(done.at(3).at(1).toString().startsWith(QLatin1String("Submitted 2 row(s) of poem.")), qPrintable(done.at(3).at(1).toString()));
    QCOMPARE(*testutil::await(f.engine->countTasks(TaskFilter {})), before + 2);
}

void TestWorkflowsView::webhookSecretShownOnceAndDeliveriesListed()
{
    EngineFixture f;
    WebhooksPanel panel(*f.live);
    panel.show();
    WebhookEditor editor;
    editor.urlEdit()->setText(QStringLiteral("ftp://example.com"));
    QVERIFY(!editor.valid());
    QVERIFY(editor.problem().startsWith(QLatin1String("url")));
    editor.urlEdit()->setText(QStringLiteral("http://192.0.2.1/hook")); // a documentation address: refused, never reached
    editor.scopeCombo()->setCurrentIndex(editor.scopeCombo()->findData(QStringLiteral("model")));
    QVERIFY(!editor.valid());
    QVERIFY(editor.problem().startsWith(QLatin1String("target")));
    editor.targetEdit()->setText(QStringLiteral("sim"));
    QVERIFY2(editor.valid(), qPrintable(editor.problem()));

    QSignalSpy created(&panel, &WebhooksPanel::created);
    panel.create(editor.body());
    QTRY_COMPARE(created.count(), 1);
    QVERIFY(created.at(0).at(0).toBool());
    QVERIFY(panel.secretLabel()->isVisible());
    QVERIFY(panel.secretLabel()->text().contains(QLatin1String("whsec_")));
    QTRY_COMPARE(panel.table()->rowCount(), 1);
    QCOMPARE(panel.table()->item(0, WebhooksPanel::Scope)->text(), QStringLiteral("model sim"));
    // The list never holds the secret.
    QVERIFY(!QJsonDocument(jsonRow(panel.table(), 0)).toJson().contains("whsec_"));

    // A task of the model: its delivery is refused (a reserved address) and says why.
    testutil::await(f.engine->submit({ testutil::spec(QStringLiteral("sim")) }));
    QTRY_COMPARE_WITH_TIMEOUT(panel.deliveries()->rowCount(), 1, 10000);
    QTRY_COMPARE_WITH_TIMEOUT(panel.deliveries()->item(0, WebhooksPanel::Status)->text(), QStringLiteral("failed"), 10000);
    QVERIFY(panel.deliveries()->item(0, WebhooksPanel::LastError)->text().contains(QLatin1String("reserved")));
    QCOMPARE(panel.deliveries()->item(0, WebhooksPanel::Event)->text(), QStringLiteral("task.finished"));
    panel.deliveries()->selectRow(0);
    QVERIFY(panel.redeliverAction()->isEnabled());
    panel.pingAction()->trigger();
    QTRY_COMPARE_WITH_TIMEOUT(panel.deliveries()->rowCount(), 2, 10000);
}

QTEST_MAIN(TestWorkflowsView)
#include "tst_workflowsview.moc"
