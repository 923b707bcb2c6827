// The Batches view over a real engine (and, as gui.batchesview_remote, over
// the REST server and a RemoteClient): a batch's progress bar fills to its
// total and the row says completed; its output file is saved to disk with
// every line; a running batch is cancelled from the view (the confirmation
// answered Yes) and the row says cancelled; "Show lines in Queue" names it.

#include "batchesview.h"
#include "guitestutil.h"

#include <QAction>
#include <QApplication>
#include <QFile>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableWidget>
#include <QTest>

using namespace llmsched;
using guitest::EngineFixture;

namespace {
QByteArray lines(const QString& model, int n)
{
    QByteArray out;
    for (int i = 0; i < n; ++i)
        out += R"({"custom_id":"r)" + QByteArray::number(i) + R"(","method":"POST","url":"/v1/chat/completions","body":{"model":")" + model.toLatin1()
            + R"(","messages":[{"role":"user","content":"q"}]}})" + '\n';
    return out;
}

BatchRecord startBatch(Engine& engine, const QString& model, int n)
{
    StoredFile f;
    f.purpose = QStringLiteral("batch");
    f.filename = QStringLiteral("in.jsonl");
    const auto file = testutil::await(engine.putFile(f, lines(model, n)));
    BatchRecord request;
    request.api = QStringLiteral("openai");
    request.endpoint = QStringLiteral("/v1/chat/completions");
    request.inputFileId = file ? file->id : QString();
    const auto r = testutil::await(engine.createBatch(request));
    return r ? *r : BatchRecord {};
}

int rowOf(const ui::BatchesView& view, const QString& id)
{
    for (int row = 0; row < view.table()->rowCount(); ++row)
        if (view.table()->item(row, ui::BatchesView::Batch) && view.table()->item(row, ui::BatchesView::Batch)->text() == id)
            return row;
    return -1;
}

QString cell(const ui::BatchesView& view, const QString& id, int column)
{
    const int row = rowOf(view, id);
    return row >= 0 && view.table()->item(row, column) ? view.table()->item(row, column)->text() : QString();
}
} // namespace

class TestBatchesView : public QObject
{
    Q_OBJECT

private slots:
    void progressOutputAndCancel();
};

void TestBatchesView::progressOutputAndCancel()
{
    EngineFixture f({ testutil::simModel(QStringLiteral("sim"), 0, 8), testutil::simModel(QStringLiteral("slow"), 60'000, 1) });
    ui::BatchesView view(*f.live);
    view.resize(1200, 420);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));

    const BatchRecord done = startBatch(*f.engine, QStringLiteral("sim"), 25);
    QVERIFY(!done.id.isEmpty());
    QTRY_COMPARE_WITH_TIMEOUT(cell(view, done.id, ui::BatchesView::Status), ui::BatchesView::tr("completed"), 20000);
    const int row = rowOf(view, done.id);
    auto* bar = qobject_cast<QProgressBar*>(view.table()->cellWidget(row, ui::BatchesView::Progress));
    QVERIFY(bar);
    QCOMPARE(bar->maximum(), 25);
    QCOMPARE(bar->value(), 25);
    QCOMPARE(cell(view, done.id, ui::BatchesView::Succeeded), QStringLiteral("25"));
    QCOMPARE(cell(view, done.id, ui::BatchesView::Api), ui::BatchesView::tr("OpenAI"));

    // The output file, saved as the dialog would.
    view.table()->setCurrentCell(row, 0);
    QVERIFY(view.outputAction()->isEnabled());
    QVERIFY(!view.errorsAction()->isEnabled()); // nothing failed
    QVERIFY(!view.cancelAction()->isEnabled()); // it has ended
    const BatchRecord shown = view.batchAt(row);
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("out.jsonl"));
    QSignalSpy saved(&view, &ui::BatchesView::saved);
    view.saveFile(shown.outputFileId, path);
    QVERIFY(saved.count() == 1 || saved.wait(10000));
    QCOMPARE(saved.first().at(1).toBool(), true);
    QFile out(path);
    QVERIFY(out.open(QIODevice::ReadOnly));
    QCOMPARE(out.readAll().count('\n'), 25);

    // "Show lines in Queue" names the batch.
    QSignalSpy showLines(&view, &ui::BatchesView::showLines);
    view.showLinesAction()->trigger();
    QCOMPARE(showLines.count(), 1);
    QCOMPARE(showLines.first().at(0).toString(), done.id);

    // A batch that runs (one slot, a minute per line) is cancelled from the view.
    const BatchRecord running = startBatch(*f.engine, QStringLiteral("slow"), 3);
    QTRY_COMPARE_WITH_TIMEOUT(cell(view, running.id, ui::BatchesView::Status), ui::BatchesView::tr("in progress"), 20000);
    view.table()->setCurrentCell(rowOf(view, running.id), 0);
    QVERIFY(view.cancelAction()->isEnabled());
    QTimer::singleShot(0, this, [] {
        if (auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget()))
            box->button(QMessageBox::Yes)->click();
    });
    view.cancelAction()->trigger();
    QTRY_COMPARE_WITH_TIMEOUT(cell(view, running.id, ui::BatchesView::Status), ui::BatchesView::tr("cancelled"), 20000);
    QVERIFY(view.table()->cellWidget(rowOf(view, running.id), ui::BatchesView::Progress));
    QCOMPARE(qobject_cast<QProgressBar*>(view.table()->cellWidget(rowOf(view, running.id), ui::BatchesView::Progress))->format(),
        ui::BatchesView::tr("%1 / %2").arg(QStringLiteral("3"), QStringLiteral("3"))
            + ui::BatchesView::tr(", %1 cancelled").arg(QStringLiteral("3")));
    QVERIFY(view.summary()->text().contains(QLatin1String("2")));
}

QTEST_MAIN(TestBatchesView)
#include "tst_batchesview.moc"
