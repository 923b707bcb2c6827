// The Queue view over a real engine: rows come from the store in pages, the
// submit dialog adds rows, the context menu cancels, filters narrow, the
// priority menu and export act on the selection.

#include "guitestutil.h"

#include "nodesview.h"
#include "queueview.h"
#include "submitdialog.h"
#include "tasktablemodel.h"

#include "client/engineclient.h"
#include "core/timeutil.h"

#include <QAction>
#include <QApplication>
#include <QComboBox>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableView>
#include <QTableWidget>
#include <QTest>
#include <QTimer>

using namespace llmsched;
using guitest::EngineFixture;
using testutil::await;

class TestQueueView : public QObject
{
    Q_OBJECT

private:
    static QStringList submit(Engine& engine, const QString& model, int n, const QString& text = QStringLiteral("hi"))
    {
        QList<TaskSpec> specs;
        for (int i = 0; i < n; ++i)
            specs.append(testutil::spec(model, 5, text));
        const auto r = await(engine.submit(specs));
        QStringList ids;
        for (const SubmitOutcome& o : *r)
            ids.append(o.id.toString());
        return ids;
    }

    static TaskState stateOfRow(ui::TaskTableModel* m, int row)
    {
        return static_cast<TaskState>(m->data(m->index(row, 0), ui::TaskTableModel::StateRole).toInt());
    }

    static void selectRow(ui::QueueView& view, int row)
    {
        view.table()->selectionModel()->select(view.model()->index(row, 0), QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    }

private slots:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

    void pagesLoadFromTheStore()
    {
        EngineFixture f({ testutil::simModel(QStringLiteral("sim")) }, false);
        const QStringList ids = submit(*f.engine, QStringLiteral("sim"), 450);
        ui::QueueView view(*f.live);
        view.resize(1000, 600);
        view.show();
        ui::TaskTableModel* m = view.model();
        QTRY_COMPARE(m->rowCount(), 450);
        // Newest first: the last submitted task is row 0.
        QTRY_COMPARE(m->taskId(0), ids.constLast());
        // A row on a page not fetched yet shows a placeholder, then its task.
        QCOMPARE(m->data(m->index(449, 0)).toString(), QStringLiteral("…"));
        QTRY_COMPARE(m->taskId(449), ids.constFirst());
        QCOMPARE(m->data(m->index(449, ui::TaskTableModel::Model)).toString(), QStringLiteral("sim"));
        QCOMPARE(m->data(m->index(449, ui::TaskTableModel::State)).toString(), ui::Text::state(TaskState::Queued));
        // Oldest first reverses the order.
        m->sort(ui::TaskTableModel::Id, Qt::AscendingOrder);
        QTRY_COMPARE(m->taskId(0), ids.constFirst());
    }

    void submittingFromTheDialogAddsARow()
    {
        EngineFixture f({ testutil::simModel(QStringLiteral("sim")) }, false);
        submit(*f.engine, QStringLiteral("sim"), 3);
        ui::QueueView view(*f.live);
        view.show();
        QTRY_COMPARE(view.model()->rowCount(), 3);

        ui::SubmitDialog dialog(*f.live);
        QSignalSpy submitted(&dialog, &ui::SubmitDialog::submitted);
        dialog.setModel(QStringLiteral("sim"));
        dialog.setPrompt(QStringLiteral("What is a queue?"));
        dialog.setPriority(2);
        dialog.submit();
        QTRY_COMPARE(submitted.count(), 1);
        const QString id = submitted.at(0).at(0).toStringList().constFirst();
        // Following the top, the new task appears without a refresh by hand.
        QTRY_COMPARE(view.model()->rowCount(), 4);
        QTRY_COMPARE(view.model()->taskId(0), id);
        QCOMPARE(view.model()->data(view.model()->index(0, ui::TaskTableModel::Priority)).toString(), ui::Text::priority(2));
        const auto task = await(f.engine->task(id));
        QVERIFY(task);
        QVERIFY(task->spec.input.contains("What is a queue?"));
    }

    void prioritiesUseTheApisWords()
    {
        EngineFixture f({ testutil::simModel(QStringLiteral("sim")) }, false);
        // An imported "high" is the API's 1, and reads as such (not as a bare 1 beside "0 (high)").
        const auto high = TaskSpec::fromJson(
            QJsonObject { { QStringLiteral("model"), QStringLiteral("sim") }, { QStringLiteral("priority"), QStringLiteral("high") },
                { QStringLiteral("input"), QJsonDocument::fromJson(testutil::chatInput(QStringLiteral("hi"))).object() } });
        QVERIFY(high);
        QVERIFY(await(f.engine->submit({ *high })));
        ui::QueueView view(*f.live);
        view.show();
        QTRY_COMPARE(view.model()->rowCount(), 1);
        QTRY_COMPARE(view.model()->data(view.model()->index(0, ui::TaskTableModel::Priority)).toString(), QStringLiteral("1 (high)"));
        QCOMPARE(ui::Text::priority(5), QStringLiteral("5 (medium)"));
        QCOMPARE(ui::Text::priority(8), QStringLiteral("8 (low)"));
        QCOMPARE(ui::Text::priority(0), QStringLiteral("0"));
        // The Submit dialog says which end is urgent, in the same words.
        ui::SubmitDialog dialog(*f.live);
        dialog.setPriority(1);
        const QString hint = dialog.findChild<QLabel*>(QStringLiteral("priorityHint"))->text();
        QVERIFY2(hint.startsWith(QStringLiteral("1 (high)")) && hint.contains(QStringLiteral("0 is the most urgent")), qPrintable(hint));
    }

    void theSubmitDialogShowsTheEnginesError()
    {
        EngineFixture f({ testutil::simModel(QStringLiteral("sim")) }, false);
        ui::SubmitDialog dialog(*f.live);
        QSignalSpy submitted(&dialog, &ui::SubmitDialog::submitted);
        dialog.setRawJson(true);
        dialog.setPrompt(QStringLiteral("{\"messages\": "));
        dialog.submit();
        QVERIFY(dialog.errorText().contains(QStringLiteral("not valid JSON")));
        dialog.setPrompt(QStringLiteral("{\"messages\": []}"));
        dialog.submit();
        QVERIFY2(dialog.errorText().contains(QStringLiteral("input.messages")), qPrintable(dialog.errorText()));
        QCOMPARE(submitted.count(), 0);
        QCOMPARE(*await(f.engine->countTasks({})), 0);
    }

    void cancelFromTheContextMenuChangesTheState()
    {
        EngineFixture f({ testutil::simModel(QStringLiteral("sim")) }, false);
        const QStringList ids = submit(*f.engine, QStringLiteral("sim"), 3);
        ui::QueueView view(*f.live);
        view.show();
        ui::TaskTableModel* m = view.model();
        QTRY_COMPARE(m->taskId(0), ids.constLast());
        selectRow(view, 0);
        bool triggered = false;
        QTimer::singleShot(0, this, [&triggered] {
            auto* menu = qobject_cast<QMenu*>(QApplication::activePopupWidget());
            QVERIFY(menu);
            for (QAction* a : menu->actions()) {
                if (a->text() == ui::QueueView::tr("&Cancel tasks")) {
                    QVERIFY(a->isEnabled());
                    a->trigger();
                    triggered = true;
                }
            }
            menu->close();
        });
        emit view.table()->customContextMenuRequested(view.table()->visualRect(m->index(0, 1)).center());
        QVERIFY(triggered);
        // The row changes in place from the engine's event, without a reload.
        QTRY_COMPARE(stateOfRow(m, 0), TaskState::Cancelled);
        QCOMPARE(await(f.engine->task(ids.constLast()))->state, TaskState::Cancelled);
        QCOMPARE(await(f.engine->task(ids.constFirst()))->state, TaskState::Queued);
    }

    void filtersNarrowTheRows()
    {
        EngineFixture f({ testutil::simModel(QStringLiteral("alpha")), testutil::simModel(QStringLiteral("beta")) }, false);
        submit(*f.engine, QStringLiteral("alpha"), 5);
        submit(*f.engine, QStringLiteral("beta"), 3);
        const QStringList needle = submit(*f.engine, QStringLiteral("beta"), 1, QStringLiteral("needle-in-haystack"));
        ui::QueueView view(*f.live);
        view.show();
        QTRY_COMPARE(view.model()->rowCount(), 9);
        f.live->flush();
        auto* models = view.findChildren<QComboBox*>().at(1);
        QTRY_VERIFY(models->findData(QStringLiteral("beta")) > 0);
        models->setCurrentIndex(models->findData(QStringLiteral("beta")));
        emit models->activated(models->currentIndex());
        QTRY_COMPARE(view.model()->rowCount(), 4);
        auto* states = view.findChildren<QComboBox*>().at(0);
        states->setCurrentIndex(states->findData(taskStateName(TaskState::Succeeded)));
        emit states->activated(states->currentIndex());
        QTRY_COMPARE(view.model()->rowCount(), 0);
        states->setCurrentIndex(0);
        emit states->activated(0);
        QTRY_COMPARE(view.model()->rowCount(), 4);
        auto* text = view.findChild<QLineEdit*>();
        text->setText(QStringLiteral("needle-in"));
        emit text->returnPressed();
        QTRY_COMPARE(view.model()->rowCount(), 1);
        QTRY_COMPARE(view.model()->taskId(0), needle.constFirst());
        // A wildcard character is matched literally.
        text->setText(QStringLiteral("needle%haystack"));
        emit text->returnPressed();
        QTRY_COMPARE(view.model()->rowCount(), 0);
    }

    // Tags and labels are columns, filters (tag:x, label:k=v) and searched
    // words; a search that finds nothing says so over the empty table.
    void tagsAndLabelsAreColumnsAndFilters()
    {
        EngineFixture f({ testutil::simModel(QStringLiteral("sim")) }, false);
        ui::QueueView view(*f.live);
        view.show();
        auto* hint = view.findChild<QLabel*>(QStringLiteral("emptyHint"));
        QVERIFY(hint);
        QTRY_VERIFY(hint->isVisible());
        QVERIFY2(hint->text().startsWith(QStringLiteral("No tasks yet")), qPrintable(hint->text()));

        TaskSpec tagged = testutil::spec(QStringLiteral("sim"), 5, QStringLiteral("hi"));
        tagged.tags = QStringList { QStringLiteral("alpha"), QStringLiteral("night-batch") };
        tagged.labels = QJsonObject { { QStringLiteral("team"), QStringLiteral("search") } };
        TaskSpec labelled = testutil::spec(QStringLiteral("sim"), 5, QStringLiteral("hi"));
        labelled.labels = QJsonObject { { QStringLiteral("team"), QStringLiteral("ads") } };
        QVERIFY(await(f.engine->submit({ tagged, labelled })));
        submit(*f.engine, QStringLiteral("sim"), 2);
        view.model()->refresh();
        QTRY_COMPARE(view.model()->rowCount(), 4);
        QTRY_VERIFY(!hint->isVisible());
        const auto column = [&view](int row, int col) { return view.model()->index(row, col).data().toString(); };
        QTRY_COMPARE(column(3, ui::TaskTableModel::Tags), QStringLiteral("alpha, night-batch"));
        QCOMPARE(column(3, ui::TaskTableModel::Labels), QStringLiteral("team=search"));
        QCOMPARE(column(2, ui::TaskTableModel::Labels), QStringLiteral("team=ads"));
        QCOMPARE(view.model()->headerData(ui::TaskTableModel::Labels, Qt::Horizontal).toString(), QStringLiteral("Labels"));

        auto* text = view.findChild<QLineEdit*>();
        const auto search = [&view, text](const QString& words, int rows) {
            text->setText(words);
            emit text->returnPressed();
            QTRY_COMPARE(view.model()->rowCount(), rows);
        };
        search(QStringLiteral("tag:alpha"), 1);
        QTRY_COMPARE(column(0, ui::TaskTableModel::Labels), QStringLiteral("team=search"));
        search(QStringLiteral("label:team=ads"), 1);
        QTRY_COMPARE(column(0, ui::TaskTableModel::Labels), QStringLiteral("team=ads"));
        search(QStringLiteral("label:team"), 2);
        search(QStringLiteral("night-batch"), 1); // a plain word finds tags too
        search(QStringLiteral("tag:alpha label:team=ads"), 0);
        QTRY_VERIFY(hint->isVisible());
        QVERIFY2(hint->text().startsWith(QStringLiteral("No tasks match \u201ctag:alpha label:team=ads\u201d")), qPrintable(hint->text()));
        search(QString(), 4);
        QTRY_VERIFY(!hint->isVisible());
    }

    // Cancel only for unfinished tasks, Retry only where the engine takes it.
    void cancelAndRetryOnlyWhereTheyApply()
    {
        EngineFixture f({ testutil::simModel(QStringLiteral("sim")) }, false);
        const QStringList ids = submit(*f.engine, QStringLiteral("sim"), 2);
        QVERIFY(await(f.engine->cancel(ids.constFirst())));
        ui::QueueView view(*f.live);
        view.show();
        QTRY_COMPARE(view.model()->taskId(1), ids.constFirst());
        QTRY_COMPARE(stateOfRow(view.model(), 1), TaskState::Cancelled);
        selectRow(view, 1); // cancelled
        QVERIFY(!view.cancelAction()->isEnabled());
        QVERIFY(view.retryAction()->isEnabled());
        selectRow(view, 0); // queued
        QVERIFY(view.cancelAction()->isEnabled());
        QVERIFY(!view.retryAction()->isEnabled());
        // The selected task ends while selected: Cancel goes grey.
        QVERIFY(await(f.engine->cancel(ids.constLast())));
        QTRY_VERIFY(!view.cancelAction()->isEnabled());
        QVERIFY(view.retryAction()->isEnabled());
    }

    void priorityMenuAndExportActOnTheSelection()
    {
        EngineFixture f({ testutil::simModel(QStringLiteral("sim")) }, false);
        const QStringList ids = submit(*f.engine, QStringLiteral("sim"), 4);
        ui::QueueView view(*f.live);
        view.show();
        QTRY_COMPARE(view.model()->taskId(3), ids.constFirst());
        view.table()->selectAll();
        QCOMPARE(view.selectedTaskIds().size(), 4);
        QSignalSpy status(&view, &ui::QueueView::statusMessage);
        view.priorityMenu()->actions().at(1)->trigger(); // priority 1
        QTRY_COMPARE(status.count(), 1);
        for (const QString& id : ids)
            QCOMPARE(await(f.engine->task(id))->spec.priority, 1);

        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("out.jsonl"));
        QSignalSpy exported(&view, &ui::QueueView::exported);
        view.exportTo(view.selectedTaskIds(), path);
        QTRY_COMPARE(exported.count(), 1);
        QCOMPARE(exported.at(0).at(0).toInt(), 4);
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QList<QByteArray> lines = file.readAll().split('\n');
        QCOMPARE(lines.size(), 5); // 4 lines and the final newline
        for (const QString& id : ids)
            QVERIFY(std::any_of(lines.begin(), lines.end(), [&id](const QByteArray& l) { return l.contains(id.toUtf8()); }));
        // Writing to a directory that does not exist reports a failure.
        view.exportTo(ids, dir.filePath(QStringLiteral("missing/out.jsonl")));
        QTRY_COMPARE(exported.count(), 2);
        QCOMPARE(exported.at(1).at(0).toInt(), -1);
    }

    void liveRowsFollowTheEngine()
    {
        EngineFixture f({ testutil::simModel(QStringLiteral("sim"), 1, 8) });
        ui::QueueView view(*f.live);
        view.show();
        const QStringList ids = submit(*f.engine, QStringLiteral("sim"), 20);
        QTRY_COMPARE(view.model()->rowCount(), 20);
        // Every row ends succeeded, updated in place from task events.
        QTRY_VERIFY_WITH_TIMEOUT(([&view] {
            for (int r = 0; r < 20; ++r) {
                if (stateOfRow(view.model(), r) != TaskState::Succeeded)
                    return false;
            }
            return true;
        }()),
            10000);
    }

    // A row that finishes while shown gets its endpoint, tokens and cost from
    // the task events, not only at the next reload.
    void finishingRowsShowTheirTokensAndCost()
    {
        ModelConfig sim = testutil::simModel(QStringLiteral("sim"), 1, 8);
        sim.paused = true;
        sim.inputPricePerMTok = 1000;
        EngineFixture f({ sim });
        const QStringList ids = submit(*f.engine, QStringLiteral("sim"), 5);
        ui::QueueView view(*f.live);
        view.show();
        QTRY_COMPARE(view.model()->taskId(4), ids.constFirst()); // loaded while queued
        QCOMPARE(stateOfRow(view.model(), 4), TaskState::Queued);
        QSignalSpy events(&f.live->client(), &EngineClient::taskEvents);
        QVERIFY(await(f.engine->setModelPaused(QStringLiteral("sim"), false)));
        const auto cell = [&view](int row, int column) { return view.model()->index(row, column).data().toString(); };
        for (int r = 0; r < 5; ++r) {
            QTRY_COMPARE(stateOfRow(view.model(), r), TaskState::Succeeded);
            QTRY_COMPARE(cell(r, ui::TaskTableModel::Endpoint), QStringLiteral("sim"));
            QVERIFY(cell(r, ui::TaskTableModel::Node).isEmpty()); // a node shows only while it runs the task
            QTRY_VERIFY(!cell(r, ui::TaskTableModel::Tokens).isEmpty());
            QVERIFY(cell(r, ui::TaskTableModel::Cost).startsWith(QLatin1Char('$')));
        }
        // The events (from the engine, or parsed from the server's stream) carry them.
        bool started = false, ended = false;
        for (const QList<QVariant>& batch : events) {
            for (const TaskEvent& e : batch.at(0).value<TaskEvents>()) {
                started |= e.state == TaskState::Running && e.endpoint == QLatin1String("sim") && e.node == f.engine->nodeId();
                ended |= e.state == TaskState::Succeeded && e.hasUsage && e.usage.completionTokens > 0 && e.costUsd > 0;
            }
        }
        QVERIFY(started);
        QVERIFY(ended);
    }

    // A running task names the node that runs it, in the table and in the
    // task as the store (or server) gives it; the name goes when it ends.
    void runningRowsNameTheirNode()
    {
        EngineFixture f({ testutil::simModel(QStringLiteral("slow"), 60'000, 1) });
        ui::QueueView view(*f.live);
        view.show();
        const QStringList ids = submit(*f.engine, QStringLiteral("slow"), 1);
        QTRY_COMPARE(view.model()->rowCount(), 1);
        QTRY_COMPARE(stateOfRow(view.model(), 0), TaskState::Running);
        QTRY_COMPARE(view.model()->index(0, ui::TaskTableModel::Node).data().toString(), f.engine->nodeId());
        const auto t = testutil::await(f.live->client().task(ids.constFirst()));
        QVERIFY(t);
        QCOMPARE(t->node, f.engine->nodeId());
        QVERIFY(testutil::await(f.engine->cancel(ids.constFirst())));
        QTRY_COMPARE(stateOfRow(view.model(), 0), TaskState::Cancelled);
        QVERIFY(view.model()->index(0, ui::TaskTableModel::Node).data().toString().isEmpty());
    }

    // The Nodes view lists the registry: this node online and marked, a node
    // that stopped heartbeating offline, each with its figures.
    void nodesViewShowsOnlineAndOfflineNodes()
    {
        EngineFixture f;
        {
            // A node that ran on this store and died (its lease ran out a minute ago).
            testutil::RawConnection raw(f.dataDir() + QStringLiteral("/llm-scheduler.db"));
            QVERIFY(raw.isOpen());
            const qint64 now = nowMs();
            QVERIFY(
                raw.exec(QStringLiteral("INSERT INTO nodes (node_id, host, pid, started_at, lease_expires, address, version, heartbeat_at, "
                                        "running, tasks_per_s) VALUES ('far-42', 'far', 42, %1, %2, 'http://10.0.0.9:8787', '0.9.0', %3, 7, 12.5)")
                             .arg(now - 3'600'000)
                             .arg(now - 60'000)
                             .arg(now - 90'000)));
        }
        ui::NodesView view(*f.live);
        QSignalSpy loaded(&view, &ui::NodesView::loaded);
        view.show(); // loads when shown
        QVERIFY(loaded.wait(10'000));
        QTableWidget* table = view.table();
        QCOMPARE(table->rowCount(), 2);
        int self = -1, dead = -1;
        for (int r = 0; r < 2; ++r) {
            const QString node = table->item(r, ui::NodesView::Node)->text();
            if (node.startsWith(f.engine->nodeId()))
                self = r;
            else if (node == QLatin1String("far-42"))
                dead = r;
        }
        QVERIFY(self >= 0 && dead >= 0);
        QCOMPARE(table->item(self, ui::NodesView::Node)->text(), QStringLiteral("%1 (this node)").arg(f.engine->nodeId()));
        QVERIFY(table->item(self, ui::NodesView::Node)->font().bold());
        QCOMPARE(table->item(self, ui::NodesView::Status)->text(), QStringLiteral("online"));
        QCOMPARE(table->item(dead, ui::NodesView::Status)->text(), QStringLiteral("offline"));
        QVERIFY(table->item(dead, ui::NodesView::Status)->toolTip().contains(QLatin1String("lease ran out")));
        QCOMPARE(table->item(dead, ui::NodesView::Address)->text(), QStringLiteral("http://10.0.0.9:8787"));
        QCOMPARE(table->item(dead, ui::NodesView::Version)->text(), QStringLiteral("0.9.0"));
        QCOMPARE(table->item(dead, ui::NodesView::Host)->text(), QStringLiteral("far (42)"));
        QCOMPARE(table->item(dead, ui::NodesView::Running)->text(), QStringLiteral("7"));
        QVERIFY(table->item(dead, ui::NodesView::Heartbeat)->text().endsWith(QLatin1String(" ago")));
        QCOMPARE(view.summary()->text(), QStringLiteral("2 node(s), 1 online"));

        // Once the dead node leaves the registry, the next look shows one node.
        QVERIFY(testutil::RawConnection(f.dataDir() + QStringLiteral("/llm-scheduler.db"))
                    .exec(QStringLiteral("DELETE FROM nodes WHERE node_id = 'far-42'")));
        view.reload();
        QVERIFY(loaded.wait(10'000));
        QCOMPARE(table->rowCount(), 1);
        QVERIFY(view.summary()->text().startsWith(QLatin1String("One node.")));
    }
};

QTEST_MAIN(TestQueueView)
#include "tst_queueview.moc"
