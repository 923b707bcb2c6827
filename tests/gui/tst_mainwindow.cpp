// The main window and its smaller views over a real engine: counters, import
// with a per-line report, logs, dead letters, task detail, remembered layout,
// and every view laid out in English and Chinese without clipped text.

#include "guitestutil.h"

#include "connectdialog.h"
#include "controlcenter.h"
#include "counterstrip.h"
#include "deadlettersview.h"
#include "importdialog.h"
#include "logsview.h"
#include "mainwindow.h"
#include "queueview.h"
#include "settingsdialog.h"
#include "submitdialog.h"
#include "taskdetaildialog.h"
#include "tasktablemodel.h"

#include "api/apiserver.h"
#include "client/embeddedclient.h"
#include "client/engineclient.h"
#include "core/logging.h"

#include <QAbstractButton>
#include <QAction>
#include <QDateTime>
#include <QFile>
#include <QJsonDocument>
#include <QMessageBox>
#include <QScopeGuard>
#include <QTcpServer>
#include <QImage>
#include <QRegularExpression>
#include <QToolButton>
#include <QToolBar>
#include <QTextDocument>
#include <QPushButton>
#include <QApplication>
#include <QComboBox>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMenuBar>
#include <QPlainTextEdit>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableView>
#include <QTest>
#include <QTranslator>
#include <QTreeWidget>

using namespace llmsched;
using guitest::child;
using guitest::EngineFixture;
using testutil::await;

namespace {

// Widgets whose text does not fit the room the layout gave them.
QStringList clippedWidgets(QWidget* root)
{
    QStringList out;
    const auto check = [&out](QWidget* w, const QString& text) {
        if (!w->isVisible() || text.isEmpty() || w->width() <= 0)
            return;
        if (w->width() + 1 < w->sizeHint().width())
            out << QStringLiteral("%1 \"%2\": %3 < %4")
                       .arg(QString::fromLatin1(w->metaObject()->className()), text)
                       .arg(w->width())
                       .arg(w->sizeHint().width());
    };
    for (QLabel* l : root->findChildren<QLabel*>()) {
        if (!l->wordWrap())
            check(l, l->text());
    }
    for (QAbstractButton* b : root->findChildren<QAbstractButton*>())
        check(b, b->text());
    for (QComboBox* c : root->findChildren<QComboBox*>())
        check(c, c->currentText());
    return out;
}

ModelConfig failingModel(const QString& name)
{
    ModelConfig m = testutil::simModel(name);
    m.endpoints[0].simulation.failureRate = 1.0;
    // Keep the circuit closed: the test wants every attempt to reach the endpoint.
    m.endpoints[0].circuit.failureThreshold = 1000;
    m.endpoints[0].circuit.minRequests = 1000;
    m.retry.maxAttempts = 1;
    return m;
}

} // namespace

class TestMainWindow : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QSettings().clear();
        ui::installTranslations(*qApp, QStringLiteral("en")); // as users see it: "1 task", "6 tasks"
    }

    void countersFollowTheEngine()
    {
        EngineFixture f;
        ui::CounterStrip strip(*f.live);
        QList<TaskSpec> specs;
        for (int i = 0; i < 12; ++i)
            specs.append(testutil::spec(QStringLiteral("sim")));
        await(f.engine->submit(specs));
        QTRY_COMPARE(strip.valueText(ui::CounterStrip::Succeeded), QStringLiteral("12"));
        QCOMPARE(strip.valueText(ui::CounterStrip::Running), QStringLiteral("0"));
        QCOMPARE(strip.valueText(ui::CounterStrip::Dead), QStringLiteral("0"));
    }

    void countersAreStoreTotals()
    {
        QTemporaryDir dir;
        EngineOptions o;
        o.dataDir = dir.path();
        ModelConfig failing = testutil::simModel(QStringLiteral("failing"));
        failing.retry.maxAttempts = 1;
        failing.endpoints[0].simulation.failureRate = 1;
        QString deadId;
        {
            Engine engine(o);
            QVERIFY(engine.start());
            QVERIFY(await(engine.upsertModel(testutil::simModel(QStringLiteral("sim")))));
            QVERIFY(await(engine.upsertModel(failing)));
            QList<TaskSpec> specs;
            for (int i = 0; i < 5; ++i)
                specs.append(testutil::spec(QStringLiteral("sim")));
            QVERIFY(await(engine.submit(specs)));
            deadId = await(engine.submit({ testutil::spec(QStringLiteral("failing")) }))->constFirst().id.toString();
            QTRY_COMPARE(await(engine.task(deadId))->state, TaskState::Dead);
            QTRY_COMPARE(engine.snapshot()->states[static_cast<int>(TaskState::Succeeded)], qint64(5));
            engine.shutdown(2000);
        }
        // After a restart the counters still say what the store holds ...
        Engine engine(o);
        QVERIFY(engine.start());
        EmbeddedClient client(engine);
        ui::LiveState live(client);
        ui::CounterStrip strip(live);
        QTRY_COMPARE(strip.valueText(ui::CounterStrip::Succeeded), QStringLiteral("5"));
        QCOMPARE(strip.valueText(ui::CounterStrip::Dead), QStringLiteral("1"));
        // ... a requeued task that dies again is one dead task, not two ...
        QCOMPARE(*await(engine.retry(deadId)), TaskState::Queued);
        QTRY_COMPARE(await(engine.task(deadId))->state, TaskState::Dead);
        QTRY_COMPARE(strip.valueText(ui::CounterStrip::Failed), QStringLiteral("1"));
        QCOMPARE(strip.valueText(ui::CounterStrip::Dead), QStringLiteral("1"));
        // ... purged tasks leave the count, and tasks for later are not "queued".
        QCOMPARE(*await(engine.purge(TaskState::Dead)), qint64(1));
        QTRY_COMPARE(strip.valueText(ui::CounterStrip::Dead), QStringLiteral("0"));
        TaskSpec later = testutil::spec(QStringLiteral("sim"));
        later.runAtMs = QDateTime::currentMSecsSinceEpoch() + 3'600'000;
        QVERIFY(await(engine.submit({ later })));
        QTRY_COMPARE(strip.valueText(ui::CounterStrip::Scheduled), QStringLiteral("1"));
        QCOMPARE(strip.valueText(ui::CounterStrip::Queued), QStringLiteral("0"));
        engine.shutdown(2000);
    }

    void importReportsBadLinesAndImportsTheRest()
    {
        EngineFixture f({ testutil::simModel(QStringLiteral("sim")) }, false);
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("tasks.jsonl"));
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        for (int i = 0; i < 5; ++i)
            file.write(R"({"model": "sim", "input": {"messages": [{"role": "user", "content": "q"}]}})"
                       "\n");
        file.write("{not json\n");
        file.write(R"({"model": "sim", "priority": 42, "input": {"messages": [{"role": "user", "content": "q"}]}})"
                   "\n");
        file.close();
        ui::ImportDialog dialog(*f.live, path);
        QSignalSpy finished(&dialog, &ui::ImportDialog::finished);
        dialog.show();
        dialog.start();
        QTRY_COMPARE(finished.count(), 1);
        const ui::ImportReport r = dialog.report();
        QCOMPARE(r.imported, 5);
        QCOMPARE(r.rejected, 2);
        QCOMPARE(r.errors.size(), 2);
        QVERIFY2(r.errors.at(0).startsWith(QStringLiteral("line 6")), qPrintable(r.errors.at(0)));
        QVERIFY2(
            r.errors.at(1).startsWith(QStringLiteral("line 7")) && r.errors.at(1).contains(QStringLiteral("priority")), qPrintable(r.errors.at(1)));
        QVERIFY(child<QPlainTextEdit>(&dialog, "rejectedLines")->toPlainText().contains(QStringLiteral("line 7")));
        QCOMPARE(*await(f.engine->countTasks({})), 5);
    }

    // An unknown model on one line rejects that line (and the others naming
    // it), not the file; the preview says so first; the rejected lines can be
    // saved as they were.
    void importRejectsOnlyTheLinesItCannotTake()
    {
        EngineFixture f({ testutil::simModel(QStringLiteral("sim")) }, false);
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("tasks.jsonl"));
        const QByteArray good = R"({"model": "sim", "input": {"messages": [{"role": "user", "content": "q"}]}})";
        const QByteArray unknown = R"({"model": "gpt-nope", "input": {"messages": [{"role": "user", "content": "r"}]}})";
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(good + "\n" + unknown + "\n" + good + "\n{broken\n" + good + "\n" + unknown + "\n" + good);
        file.close();

        ui::ImportDialog dialog(*f.live, path);
        QSignalSpy previewed(&dialog, &ui::ImportDialog::previewReady);
        QSignalSpy finished(&dialog, &ui::ImportDialog::finished);
        dialog.show();
        QVERIFY(previewed.wait());
        QCOMPARE(dialog.preview().estimatedTasks(), 6);
        const QString summary = child<QLabel>(&dialog, "summary")->text();
        QVERIFY2(summary.contains(QStringLiteral("6 tasks")), qPrintable(summary));
        QVERIFY2(summary.contains(QStringLiteral("sim (4)")) && summary.contains(QStringLiteral("gpt-nope (2)")), qPrintable(summary));
        QVERIFY2(summary.contains(QStringLiteral("will be rejected: gpt-nope")), qPrintable(summary));
        QVERIFY(child<QPlainTextEdit>(&dialog, "preview")->toPlainText().startsWith(QString::fromUtf8(good)));
        QCOMPARE(*await(f.engine->countTasks({})), 0); // nothing before Import

        child<QPushButton>(&dialog, "import")->click();
        QVERIFY(finished.wait());
        const ui::ImportReport r = dialog.report();
        QCOMPARE(r.imported, 4);
        QCOMPARE(r.rejected, 3);
        QCOMPARE(r.rejectedLines, (QList<qint64> { 2, 4, 6 }));
        QVERIFY2(r.errors.at(0).startsWith(QStringLiteral("line 2: model: unknown model 'gpt-nope'")), qPrintable(r.errors.at(0)));
        QVERIFY2(r.errors.at(2).startsWith(QStringLiteral("line 6: model")), qPrintable(r.errors.at(2)));
        QVERIFY(r.fatal.isEmpty());
        QCOMPARE(*await(f.engine->countTasks({})), 4);

        QVERIFY(child<QPushButton>(&dialog, "saveRejected")->isVisible());
        QSignalSpy saved(&dialog, &ui::ImportDialog::rejectedSaved);
        const QString rejectedPath = dir.filePath(QStringLiteral("tasks.rejected.jsonl"));
        dialog.saveRejected(rejectedPath);
        QVERIFY(saved.wait());
        QCOMPARE(saved.at(0).at(1).toString(), QString());
        QFile back(rejectedPath);
        QVERIFY(back.open(QIODevice::ReadOnly));
        QCOMPARE(back.readAll(), unknown + "\n{broken\n" + unknown + "\n");
    }

    // "Each line is: values for the template": a CSV whose header names the
    // variables; each row is one task, the wrong rows listed by line.
    void importFromATemplate()
    {
        EngineFixture f({ testutil::simModel(QStringLiteral("sim")) }, false);
        auto version = TemplateVersion::fromJson(
            QJsonDocument::fromJson(R"({"variables": {"topic": {"type": "string"}, "n": {"type": "integer", "default": 2}},
            "body": {"model": "sim", "input": {"messages": [{"role": "user", "content": "{{vars.n}} lines on {{vars.topic}}"}]}}})")
                .object());
        QVERIFY2(version, version ? "" : qPrintable(version.error().toString()));
        QVERIFY(await(f.engine->putTemplate(QStringLiteral("lines"), *version)));
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("values.csv"));
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("topic,n\ncats,3\ndogs,many\nbirds,\n");
        file.close();

        ui::ImportDialog dialog(*f.live, path);
        QSignalSpy previewed(&dialog, &ui::ImportDialog::previewReady);
        QSignalSpy listed(&dialog, &ui::ImportDialog::templatesListed);
        QSignalSpy finished(&dialog, &ui::ImportDialog::finished);
        dialog.show();
        QVERIFY(previewed.count() > 0 || previewed.wait());
        QVERIFY(listed.count() > 0 || listed.wait());
        QComboBox* as = dialog.asCombo();
        QVERIFY(!child<QPushButton>(&dialog, "import")->isEnabled()); // as tasks, a CSV holds none
        as->setCurrentIndex(as->findData(QStringLiteral("lines")));
        QVERIFY(child<QLabel>(&dialog, "summary")->text().contains(QStringLiteral("template lines")));
        QVERIFY(child<QPushButton>(&dialog, "import")->isEnabled());
        child<QPushButton>(&dialog, "import")->click();
        QVERIFY(finished.wait());
        const ui::ImportReport r = dialog.report();
        QCOMPARE(r.imported, 2);
        QCOMPARE(r.rejected, 1);
        QVERIFY2(r.errors.value(0).startsWith(QStringLiteral("line 3: ")) && r.errors.value(0).contains(QStringLiteral("many")),
            qPrintable(r.errors.value(0)));
        QCOMPARE(*await(f.engine->countTasks({})), 2);
        TaskFilter byTemplate;
        byTemplate.label = QStringLiteral("template=lines@1");
        QCOMPARE(*await(f.engine->countTasks(byTemplate)), 2);
    }

    void importOfAMissingFileSaysSo()
    {
        EngineFixture f;
        ui::ImportDialog dialog(*f.live, QStringLiteral("/nonexistent/tasks.jsonl"));
        QSignalSpy finished(&dialog, &ui::ImportDialog::finished);
        dialog.start();
        QTRY_COMPARE(finished.count(), 1);
        QVERIFY(dialog.report().fatal.contains(QStringLiteral("/nonexistent/tasks.jsonl")));
        QCOMPARE(*await(f.engine->countTasks({})), 0);
    }

    // Task events are lines of the Logs view, with their level: a retry is a
    // warning, a dead task an error; filters by source and level.
    void logsShowTaskEvents()
    {
        ModelConfig flaky = testutil::simModel(QStringLiteral("flaky"));
        flaky.endpoints[0].simulation.failureRate = 1;
        flaky.retry.maxAttempts = 2;
        EngineFixture f({ testutil::simModel(QStringLiteral("sim")), flaky });
        ui::LogsView view(f.live.get());
        view.show();
        const auto ok = await(f.engine->submit({ testutil::spec(QStringLiteral("sim"), 5, QStringLiteral("fine")) }));
        const auto bad = await(f.engine->submit({ testutil::spec(QStringLiteral("flaky"), 1, QStringLiteral("doomed")) }));
        const QString okId = ok->constFirst().id.toString(), badId = bad->constFirst().id.toString();
        QTRY_COMPARE(await(f.engine->task(badId))->state, TaskState::Dead);
        QTRY_COMPARE(await(f.engine->task(okId))->state, TaskState::Succeeded);
        const auto shown = [&view] {
            view.poll();
            return view.text()->toPlainText();
        };
        QTRY_VERIFY2(shown().contains(QStringLiteral("task %1 (flaky): dead after 2 attempts").arg(badId)), qPrintable(shown().right(3000)));
        const QString all = shown();
        QVERIFY2(all.contains(QStringLiteral("INFO  task %1 (sim): submitted to sim at priority 5 (medium)").arg(okId)), qPrintable(all));
        QVERIFY2(all.contains(QStringLiteral("task %1 (sim): started, attempt 1").arg(okId)), qPrintable(all));
        QVERIFY2(all.contains(QStringLiteral("task %1 (sim): succeeded after 1 attempt").arg(okId)), qPrintable(all));
        QVERIFY2(all.contains(QStringLiteral("WARN  task %1 (flaky): attempt 1 failed, will retry").arg(badId)), qPrintable(all));
        QVERIFY2(all.contains(QStringLiteral("ERROR task %1 (flaky): dead after 2 attempts").arg(badId)), qPrintable(all));

        view.setMinimumLevel(2); // warnings and errors
        QVERIFY(!shown().contains(QStringLiteral("submitted to")));
        QVERIFY(shown().contains(QStringLiteral("will retry")));
        view.setSource(ui::LogsView::Source::Program);
        QVERIFY(!shown().contains(QStringLiteral("task ")));
        view.setSource(ui::LogsView::Source::Tasks);
        view.setMinimumLevel(3);
        QCOMPARE(shown().count(QLatin1Char('\n')), 0); // one line: the dead task
        QVERIFY(shown().contains(badId));
        view.setMinimumLevel(1);
        view.setFilterText(okId);
        QCOMPARE(shown().count(QLatin1Char('\n')) + 1, 3); // submitted, started, succeeded
    }

    // A burst of task changes between two polls: the newest 200 become lines,
    // in order, after one saying how many more there were; the rest are kept
    // (a filter finds them) but not formatted.
    void logsBurstShowsTheNewest()
    {
        EngineFixture f({ testutil::simModel(QStringLiteral("sim")) }, false);
        ui::LogsView view(f.live.get());
        view.show();
        view.setSource(ui::LogsView::Source::Tasks);
        view.poll();
        TaskEvents burst;
        for (int i = 0; i < 1000; ++i) {
            TaskEvent e;
            e.id = UlidGenerator::next();
            e.model = QStringLiteral("burst");
            e.state = TaskState::Running;
            e.previous = TaskState::Queued;
            e.attempts = 1;
            e.timeMs = QDateTime::currentMSecsSinceEpoch();
            burst.append(e);
        }
        emit f.live->client().taskEvents(burst);
        view.poll();
        const QStringList lines = view.text()->toPlainText().split(QLatin1Char('\n'));
        QCOMPARE(lines.size(), 201);
        QVERIFY2(lines.at(0).contains(QStringLiteral("800 more lines")), qPrintable(lines.at(0)));
        QVERIFY(lines.at(1).contains(burst.at(800).id.toString()));
        QVERIFY(lines.constLast().contains(burst.constLast().id.toString()));
        QVERIFY(lines.constLast().contains(QStringLiteral("started, attempt 1")));
        // An older one is still there for a filter.
        view.setFilterText(burst.at(5).id.toString());
        QCOMPARE(view.text()->toPlainText().count(QLatin1Char('\n')), 0);
        QVERIFY(view.text()->toPlainText().contains(burst.at(5).id.toString()));
    }

    void logsFollowAndFilter()
    {
        ui::LogsView view;
        view.show();
        qCInfo(lcSched) << "marker-info-line";
        qCWarning(lcSched) << "marker-warning-line";
        view.poll();
        QTRY_VERIFY(view.text()->toPlainText().contains(QStringLiteral("marker-warning-line")));
        QVERIFY(view.text()->toPlainText().contains(QStringLiteral("marker-info-line")));
        view.setMinimumLevel(2); // warnings and errors
        QVERIFY(!view.text()->toPlainText().contains(QStringLiteral("marker-info-line")));
        QVERIFY(view.text()->toPlainText().contains(QStringLiteral("marker-warning-line")));
        view.setMinimumLevel(0);
        view.setFilterText(QStringLiteral("MARKER-INFO"));
        QVERIFY(view.text()->toPlainText().contains(QStringLiteral("marker-info-line")));
        QVERIFY(!view.text()->toPlainText().contains(QStringLiteral("marker-warning-line")));
    }

    void deadLettersRequeueAndPurge()
    {
        EngineFixture f({ failingModel(QStringLiteral("broken")) });
        ui::DeadLettersView view(*f.live);
        view.show();
        auto* empty = view.findChild<QLabel*>(QStringLiteral("emptyHint"));
        QTRY_VERIFY(empty->isVisible()); // an empty list says what lands here
        QVERIFY(empty->text().startsWith(QStringLiteral("No dead letters.")));
        QList<TaskSpec> specs;
        for (int i = 0; i < 4; ++i)
            specs.append(testutil::spec(QStringLiteral("broken")));
        await(f.engine->submit(specs));
        QTRY_COMPARE(view.model()->rowCount(), 4);
        QVERIFY(!empty->isVisible());
        QTRY_VERIFY(!view.model()->data(view.model()->index(0, ui::TaskTableModel::Error)).toString().isEmpty());
        QVERIFY(view.requeueAllAction()->isEnabled());
        await(f.engine->setModelPaused(QStringLiteral("broken"), true));
        QSignalSpy status(&view, &ui::DeadLettersView::statusMessage);
        view.requeueAllAction()->trigger();
        QTRY_COMPARE(status.count(), 1);
        QVERIFY2(status.at(0).at(0).toString().contains(QStringLiteral("4")), qPrintable(status.at(0).at(0).toString()));
        QTRY_COMPARE(view.model()->rowCount(), 0);
        // Let them die again, then purge for good.
        await(f.engine->setModelPaused(QStringLiteral("broken"), false));
        TaskFilter deadOnly;
        deadOnly.states = { TaskState::Dead };
        QTRY_COMPARE(*await(f.engine->countTasks(deadOnly)), 4);
        QTRY_COMPARE(view.model()->rowCount(), 4);
        view.purgeNow();
        QTRY_COMPARE(view.model()->rowCount(), 0);
        TaskFilter dead;
        dead.states = { TaskState::Dead };
        QCOMPARE(*await(f.engine->countTasks(dead)), 0);
    }

    // Tasks that die while Dead letters is not shown are there when it is
    // (the user test saw "0 dead task(s)" beside a Dead counter of 2 until
    // the model filter was switched and back).
    void deadLettersThatArriveWhileHiddenShowWhenShown()
    {
        EngineFixture f({ failingModel(QStringLiteral("broken")) });
        ui::DeadLettersView view(*f.live);
        view.show();
        QTRY_COMPARE(view.model()->rowCount(), 0);
        view.hide(); // the operator looks at another view
        QList<TaskSpec> specs;
        for (int i = 0; i < 2; ++i)
            specs.append(testutil::spec(QStringLiteral("broken")));
        await(f.engine->submit(specs));
        TaskFilter dead;
        dead.states = { TaskState::Dead };
        QTRY_COMPARE(*await(f.engine->countTasks(dead)), 2);
        f.live->flush(); // the events have reached the (hidden) view
        QCoreApplication::processEvents();
        view.show();
        QTRY_COMPARE(view.model()->rowCount(), 2);
        const auto says = [&view](const QString& text) {
            QStringList texts;
            for (QLabel* l : view.findChildren<QLabel*>())
                texts.append(l->text());
            return texts.contains(text) ? QString() : texts.join(QLatin1String(" | "));
        };
        QTRY_COMPARE(says(QStringLiteral("2 dead tasks")), QString()); // the count beside the list agrees
    }

    // A label's "&" shortcut only works, and only disappears from the text,
    // when the label has a buddy: "&Data directory" showed its ampersand
    // because its field was a layout (a line edit and a Browse button).
    void labelShortcutsHaveBuddies()
    {
        EngineFixture f;
        ui::SettingsDialog settings(*f.live, ui::Settings::load(), QString());
        ui::SubmitDialog submit(*f.live);
        for (QWidget* dialog : { static_cast<QWidget*>(&settings), static_cast<QWidget*>(&submit) }) {
            QStringList bare;
            for (QLabel* l : dialog->findChildren<QLabel*>()) {
                const QString text = QString(l->text()).remove(QStringLiteral("&&"));
                if (l->textFormat() != Qt::RichText && text.contains(QLatin1Char('&')) && !l->buddy())
                    bare << l->text();
            }
            QVERIFY2(bare.isEmpty(), qPrintable(bare.join(QStringLiteral(", "))));
        }
        // The field the shortcut leads to is the data directory's line edit.
        QLabel* dataDir = nullptr;
        for (QLabel* l : settings.findChildren<QLabel*>())
            if (l->text() == QStringLiteral("&Data directory:"))
                dataDir = l;
        QVERIFY(dataDir);
        QVERIFY(qobject_cast<QLineEdit*>(dataDir->buddy()));
    }

    void taskDetailShowsInputOutputAndTimeline()
    {
        ModelConfig sim = testutil::simModel(QStringLiteral("sim"), 5);
        sim.inputPricePerMTok = 0.01; // a call costs less than $0.0001, shown as "<$0.0001"
        EngineFixture f({ sim });
        TaskSpec spec = testutil::spec(QStringLiteral("sim"), 5, QStringLiteral("detail-probe"));
        spec.labels = QJsonObject { { QStringLiteral("team"), QStringLiteral("search") } };
        const auto r = await(f.engine->submit({ spec }));
        const QString id = r->constFirst().id.toString();
        QTRY_COMPARE(await(f.engine->task(id))->state, TaskState::Succeeded);
        auto* d = new ui::TaskDetailDialog(*f.live, id);
        QSignalSpy loaded(d, &ui::TaskDetailDialog::loaded);
        d->show();
        QTRY_VERIFY(loaded.count() >= 1);
        QVERIFY(d->findChild<QPlainTextEdit*>(QStringLiteral("input"))->toPlainText().contains(QStringLiteral("detail-probe")));
        QVERIFY(d->findChild<QPlainTextEdit*>(QStringLiteral("output"))->toPlainText().contains(QStringLiteral("choices")));
        QVERIFY(d->findChild<QTreeWidget*>()->topLevelItemCount() >= 2);
        // What the header reads (rich text, as a user sees it).
        QTextDocument header;
        header.setHtml(child<QLabel>(d, "summary")->text());
        const QString shown = header.toPlainText();
        QVERIFY2(shown.contains(QStringLiteral("cost <$0.0001")) && shown.contains(QStringLiteral("Endpoint: ")), qPrintable(shown));
        QVERIFY2(shown.contains(QStringLiteral("Labels: team=search")), qPrintable(shown));
        d->close();
    }

    void windowRemembersItsLayout()
    {
        QTemporaryDir dir;
        ui::ControlCenter::Options o;
        o.dataDirOverride = dir.path();
        o.noApi = true;
        o.settings.demoFeed = false;
        {
            ui::ControlCenter c(o);
            QVERIFY(c.start());
            c.window()->show();
            c.window()->queueView()->table()->setColumnWidth(ui::TaskTableModel::Model, 321);
            c.window()->showView(ui::MainWindow::View::Logs);
            c.window()->saveLayout();
        }
        ui::ControlCenter c(o);
        QVERIFY(c.start());
        QCOMPARE(c.window()->queueView()->table()->columnWidth(ui::TaskTableModel::Model), 321);
        QCOMPARE(c.window()->currentView(), ui::MainWindow::View::Logs);
    }

    void firstRunShowsTheDemoWorking()
    {
        QSettings().clear();
        QTemporaryDir dir;
        ui::ControlCenter::Options o;
        o.settings = ui::Settings::load();
        QVERIFY(o.settings.firstRun);
        o.dataDirOverride = dir.path();
        o.noApi = true;
        ui::ControlCenter c(o);
        QVERIFY(c.start());
        // The demo model exists and tasks flow through it with no configuration.
        QTRY_VERIFY_WITH_TIMEOUT(c.live().snapshot() && !c.live().snapshot()->models.isEmpty(), 5000);
        QCOMPARE(c.live().snapshot()->models.constFirst().name, QStringLiteral("demo"));
        // The feed keeps going at the default 8 tasks/s: more than the 8 a feed
        // that stalls after its first second submitted (the bug a user found),
        // and the counter the operator reads shows it.
        QCOMPARE(o.settings.demoRate, 8.0);
        const ui::CounterStrip* counters = c.window()->counterStrip();
        QTRY_VERIFY_WITH_TIMEOUT(QLocale().toLongLong(counters->valueText(ui::CounterStrip::Succeeded)) > 24, 20000);
        QVERIFY(!ui::Settings::load().firstRun);
        // A welcome panel says what the demo is and offers the ways to start.
        QWidget* welcome = c.window()->welcomePanel();
        QVERIFY(welcome && !welcome->isHidden());
        QVERIFY(child<QLabel>(welcome, "welcomeText")->text().contains(QStringLiteral("gives it 8 tasks a second")));
        child<QPushButton>(welcome, "welcomeAddModel")->click();
        QCOMPARE(c.window()->currentView(), ui::MainWindow::View::Models);
        QTRY_VERIFY(QApplication::activeModalWidget() || c.window()->findChild<QDialog*>());
        for (QDialog* d : c.window()->findChildren<QDialog*>())
            d->reject();
        child<QPushButton>(welcome, "welcomeClose")->click();
        QVERIFY(welcome->isHidden());
        // The next start is not a first run: no panel.
        c.shutdown();
        ui::ControlCenter::Options again = o;
        again.settings = ui::Settings::load();
        ui::ControlCenter second(again);
        QVERIFY(second.start());
        QVERIFY(!second.window()->welcomePanel());
    }

    void connectToServerAndBack()
    {
        // A server with work of its own: an engine behind a REST server, with an admin token.
        EngineFixture server({ testutil::simModel(QStringLiteral("remote-sim"), 1) });
        QList<TaskSpec> specs;
        for (int i = 0; i < 5; ++i)
            specs.append(testutil::spec(QStringLiteral("remote-sim")));
        QVERIFY(await(server.engine->submit(specs)));
        const QString url = server.serve();
        const QString secret = server.adminToken;

        QTemporaryDir dir;
        ui::ControlCenter::Options o;
        o.dataDirOverride = dir.path();
        o.noApi = true;
        o.settings.demoFeed = false;
        ui::ControlCenter c(o);
        QVERIFY(c.start());
        c.window()->show();
        QVERIFY(!c.client().isRemote());
        QVERIFY(c.window()->windowTitle().contains(dir.path()));

        c.window()->openConnect();
        auto* d = c.window()->findChild<ui::ConnectDialog*>();
        QVERIFY(d);
        child<QPushButton>(d, "addServer")->click();
        child<QLineEdit>(d, "serverName")->setText(QStringLiteral("Test server"));
        child<QLineEdit>(d, "serverUrl")->setText(url);
        // A wrong token: the server answers, and says so.
        child<QLineEdit>(d, "serverToken")->setText(QStringLiteral("llms_wrong"));
        QSignalSpy tested(d, &ui::ConnectDialog::tested);
        child<QPushButton>(d, "test")->click();
        QVERIFY(tested.wait(10000));
        QCOMPARE(tested.takeFirst().at(0).toBool(), false);
        QVERIFY2(d->testResult().contains(QStringLiteral("token")), qPrintable(d->testResult()));
        child<QLineEdit>(d, "serverToken")->setText(secret);
        child<QPushButton>(d, "test")->click();
        QVERIFY(tested.wait(10000));
        QCOMPARE(tested.takeFirst().at(0).toBool(), true);
        QVERIFY2(d->testResult().contains(QStringLiteral(LLMSCHED_VERSION)), qPrintable(d->testResult()));

        QSignalSpy switched(&c, &ui::ControlCenter::engineSwitched);
        child<QPushButton>(d, "connect")->click();
        QVERIFY(switched.wait(10000));
        QVERIFY(c.client().isRemote());
        QTRY_VERIFY_WITH_TIMEOUT(c.window()->windowTitle().contains(url), 10000);
        // The window shows the server's tasks, and says where they are.
        QTRY_COMPARE_WITH_TIMEOUT(c.window()->queueView()->model()->rowCount(), 5, 10000);
        QTRY_VERIFY_WITH_TIMEOUT(c.window()->windowTitle().contains(QStringLiteral(LLMSCHED_VERSION)), 10000);
        // Remembered by name and URL; the token never reaches the settings file.
        QSettings().sync();
        QFile settingsFile(QSettings().fileName());
        QVERIFY(settingsFile.open(QIODevice::ReadOnly));
        const QByteArray saved = settingsFile.readAll();
        QVERIFY(saved.contains("Test server"));
        QVERIFY(!saved.contains(secret.toUtf8()));
        QCOMPARE(ui::Settings::load().connectUrl, url);

        // File > Disconnect: this computer's engine again.
        QAction* disconnect = nullptr;
        for (QAction* a : c.window()->findChildren<QAction*>())
            if (a->text() == ui::MainWindow::tr("&Disconnect"))
                disconnect = a;
        QVERIFY(disconnect && disconnect->isEnabled());
        disconnect->trigger();
        QVERIFY(switched.wait(10000));
        QVERIFY(!c.client().isRemote());
        QVERIFY(ui::Settings::load().connectUrl.isEmpty());
        QTRY_COMPARE_WITH_TIMEOUT(c.window()->queueView()->model()->rowCount(), 0, 10000);
        c.shutdown();
    }

    void offersTheLocalServiceOnce()
    {
        // The installed service is running (here on a free port) and this window's REST server is off.
        EngineFixture service;
        const QString url = service.serve();
        const QString secret = service.adminToken;
        qputenv("LLMSCHED_SERVICE_URL", url.toUtf8());
        const auto cleanupEnv = qScopeGuard([] { qunsetenv("LLMSCHED_SERVICE_URL"); });

        QTemporaryDir dir;
        ui::ControlCenter::Options o;
        o.dataDirOverride = dir.path();
        o.settings.apiEnabled = false;
        o.settings.demoFeed = false;
        o.settings.serviceOffered = false;
        ui::ControlCenter c(o);
        QVERIFY(c.start());
        c.window()->show();
        QMessageBox* offer = nullptr;
        QTRY_VERIFY_WITH_TIMEOUT((offer = c.window()->findChild<QMessageBox*>(QStringLiteral("offerService"))) != nullptr, 10000);
        QVERIFY(offer->text().contains(url));
        QVERIFY(ui::Settings::load().serviceOffered); // asked once
        QSignalSpy switched(&c, &ui::ControlCenter::engineSwitched);
        QAbstractButton* yes = nullptr;
        for (QAbstractButton* b : offer->buttons())
            if (offer->buttonRole(b) == QMessageBox::AcceptRole)
                yes = b;
        QVERIFY(yes);
        // The service asks for a token: the Connect dialog opens on it, to enter one.
        QVERIFY(offer->informativeText().contains(QStringLiteral("token create")));
        yes->click();
        ui::ConnectDialog* d = nullptr;
        QTRY_VERIFY_WITH_TIMEOUT((d = c.window()->findChild<ui::ConnectDialog*>()) != nullptr, 10000);
        QCOMPARE(child<QLineEdit>(d, "serverUrl")->text(), url);
        child<QLineEdit>(d, "serverToken")->setText(secret);
        child<QPushButton>(d, "connect")->click();
        QVERIFY(switched.wait(10000));
        QVERIFY(c.client().isRemote());
        QCOMPARE(c.client().location(), QUrl(url).toDisplayString());
        c.shutdown();

        // A second start does not ask again.
        o.settings = ui::Settings::load();
        o.connectUrl.clear();
        ui::ControlCenter again(o);
        QVERIFY(again.start());
        QTest::qWait(0);
        QVERIFY(!QTest::qWaitFor([&again] { return again.window()->findChild<QMessageBox*>(QStringLiteral("offerService")) != nullptr; }, 1500));
        again.shutdown();
    }

    void restPageSaysWhyItIsNotServing()
    {
        QTcpServer holder; // the port is taken, as by the installed service
        QVERIFY(holder.listen(QHostAddress::LocalHost));
        QTemporaryDir dir;
        ui::ControlCenter::Options o;
        o.dataDirOverride = dir.path();
        o.settings.demoFeed = false;
        o.settings.serviceOffered = true;
        o.settings.apiPort = holder.serverPort();
        ui::ControlCenter c(o);
        QVERIFY(c.start());
        c.window()->openSettings();
        auto* d = c.window()->findChild<ui::SettingsDialog*>();
        QVERIFY(d);
        const QString now = child<QLabel>(d, "restNow")->text();
        QVERIFY2(now.startsWith(QStringLiteral("Not serving: ")), qPrintable(now));
        QVERIFY2(now.contains(QString::number(holder.serverPort())), qPrintable(now));
        d->close();
    }

    void webhookHostsSettingReachesTheEngine()
    {
        // Settings > General > "Webhooks may reach": the hosts come back as a
        // list, and the engine started with them delivers to a private
        // (here loopback) address it would otherwise refuse.
        {
            EngineFixture f;
            ui::Settings given;
            given.webhookPrivateHosts = { QStringLiteral("a.internal") };
            ui::SettingsDialog d(*f.live, given, QString());
            auto* field = child<QLineEdit>(&d, "webhookHosts");
            QCOMPARE(field->text(), QStringLiteral("a.internal"));
            field->setText(QStringLiteral(" hooks.corp, 127.0.0.1:8080  *.lan,"));
            QCOMPARE(d.settings().webhookPrivateHosts,
                (QStringList { QStringLiteral("hooks.corp"), QStringLiteral("127.0.0.1:8080"), QStringLiteral("*.lan") }));
        }
        QTcpServer receiver;
        QVERIFY(receiver.listen(QHostAddress::LocalHost));
        QTemporaryDir dir;
        ui::ControlCenter::Options o;
        o.dataDirOverride = dir.path();
        o.noApi = true;
        o.settings.demoFeed = false;
        o.settings.serviceOffered = true;
        o.settings.webhookPrivateHosts = { QStringLiteral("127.0.0.1") };
        ui::ControlCenter c(o);
        QVERIFY(c.start());
        QVERIFY(await(c.engine()->upsertModel(testutil::simModel(QStringLiteral("m")))));
        auto spec = WebhookSpec::fromJson(QJsonObject { { QStringLiteral("url"), QStringLiteral("http://127.0.0.1:%1/h").arg(receiver.serverPort()) },
            { QStringLiteral("scope"), QStringLiteral("all") } });
        QVERIFY(spec);
        QVERIFY(await(c.engine()->createWebhook(*spec)));
        TaskSpec task;
        task.model = QStringLiteral("m");
        task.input = R"({"messages":[{"role":"user","content":"hi"}]})";
        QVERIFY(await(c.engine()->submit({ task })));
        QTRY_VERIFY_WITH_TIMEOUT(receiver.hasPendingConnections(), 10000);
        c.shutdown();
    }

    void viewsFitTheirTextInEnglishAndChinese_data()
    {
        QTest::addColumn<QString>("language");
        QTest::newRow("en") << QStringLiteral("en");
        QTest::newRow("zh_CN") << QStringLiteral("zh_CN");
    }

    void viewsFitTheirTextInEnglishAndChinese()
    {
        QFETCH(QString, language);
        QTranslator translator;
        if (language != QLatin1String("en")) {
            QVERIFY2(translator.load(QLocale(language), QStringLiteral("llm-scheduler"), QStringLiteral("_"), QStringLiteral(":/i18n")),
                "the Chinese translation is built into the binary");
            QApplication::installTranslator(&translator);
        }
        QTemporaryDir dir;
        ui::ControlCenter::Options o;
        o.dataDirOverride = dir.path();
        o.noApi = true;
        o.forceDemo = true;
        ui::ControlCenter c(o);
        QVERIFY(c.start());
        ui::MainWindow* w = c.window();
        w->resize(1280, 800);
        w->show();
        QVERIFY(QTest::qWaitForWindowExposed(w));
        if (language != QLatin1String("en"))
            QCOMPARE(w->menuBar()->actions().constFirst()->text().contains(QStringLiteral("文件")), true);
        // The columns up to Cost fit beside the sidebar.
        w->showView(ui::MainWindow::View::Queue);
        const QHeaderView* header = w->queueView()->table()->horizontalHeader();
        const auto costEnds
            = [header] { return header->sectionViewportPosition(ui::TaskTableModel::Cost) + header->sectionSize(ui::TaskTableModel::Cost); };
        QTRY_VERIFY2(costEnds() <= header->viewport()->width(),
            qPrintable(QStringLiteral("Cost ends at %1 of %2").arg(costEnds()).arg(header->viewport()->width())));
        for (int v = 0; v < ui::MainWindow::kViewCount; ++v) {
            w->showView(static_cast<ui::MainWindow::View>(v));
            c.live().flush();
            // Figures arriving with the flush relayout over the next passes
            // (several under ASan on a loaded machine): wait for the settled layout.
            QStringList clipped;
            QTRY_VERIFY2_WITH_TIMEOUT(
                (clipped = clippedWidgets(w)).isEmpty(), qPrintable(QStringLiteral("view %1: ").arg(v) + clipped.join(QStringLiteral("; "))), 5000);
        }
        // Toolbar buttons read as words: no "(S)" mnemonic hint, no dots.
        static const QRegularExpression hint(QStringLiteral("\\([A-Z]\\)|&|\u2026"));
        for (QToolButton* b : w->findChild<QToolBar*>(QStringLiteral("mainToolBar"))->findChildren<QToolButton*>())
            QVERIFY2(!b->text().contains(hint), qPrintable(b->text()));
        // Their icons are drawn in the theme's text colour: light ink on dark.
        const auto ink = [w] {
            const QImage image = w->pauseAction()->icon().pixmap(24, 24).toImage();
            QColor strongest;
            int alpha = 0;
            for (int y = 0; y < image.height(); ++y)
                for (int x = 0; x < image.width(); ++x)
                    if (const QColor px = image.pixelColor(x, y); px.alpha() > alpha) {
                        alpha = px.alpha();
                        strongest = px;
                    }
            return alpha > 200 ? strongest.lightness() : -1;
        };
        ui::applyTheme(*qApp, QStringLiteral("dark"));
        QVERIFY2(ink() > 160, qPrintable(QString::number(ink())));
        ui::applyTheme(*qApp, QStringLiteral("light"));
        QVERIFY2(ink() >= 0 && ink() < 90, qPrintable(QString::number(ink())));
        ui::applyTheme(*qApp, QStringLiteral("system"));
        QApplication::removeTranslator(&translator);
    }
};

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
