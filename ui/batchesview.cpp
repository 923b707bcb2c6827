#include "batchesview.h"

#include "glyphicons.h"
#include "livestate.h"
#include "uiutil.h"

#include "client/engineclient.h"
#include "core/timeutil.h"

#include <QAction>
#include <QFile>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMessageBox>
#include <QProgressBar>
#include <QTableWidget>
#include <QToolButton>
#include <QVBoxLayout>

namespace llmsched::ui {

namespace {
constexpr int kRefreshMs = 2000;
constexpr int kShown = 200;

QString statusText(const BatchRecord& b)
{
    if (b.status == QLatin1String("validating"))
        return BatchesView::tr("validating");
    if (b.status == QLatin1String("in_progress"))
        return b.expiring ? BatchesView::tr("expiring") : BatchesView::tr("in progress");
    if (b.status == QLatin1String("finalizing"))
        return BatchesView::tr("finalizing");
    if (b.status == QLatin1String("completed"))
        return BatchesView::tr("completed");
    if (b.status == QLatin1String("failed"))
        return BatchesView::tr("failed");
    if (b.status == QLatin1String("expired"))
        return BatchesView::tr("expired");
    if (b.status == QLatin1String("cancelling"))
        return BatchesView::tr("cancelling");
    if (b.status == QLatin1String("cancelled"))
        return BatchesView::tr("cancelled");
    return b.status;
}

TaskState colorState(const BatchRecord& b)
{
    if (b.status == QLatin1String("completed"))
        return b.failed > 0 ? TaskState::RetryWait : TaskState::Succeeded;
    if (b.status == QLatin1String("failed") || b.status == QLatin1String("expired"))
        return TaskState::Dead;
    if (b.status == QLatin1String("cancelled") || b.status == QLatin1String("cancelling"))
        return TaskState::Cancelled;
    return TaskState::Running;
}
} // namespace

BatchesView::BatchesView(LiveState& live, QWidget* parent)
    : QWidget(parent)
    , m_live(live)
{
    m_summary = new QLabel(this);
    m_summary->setObjectName(QStringLiteral("batchesSummary"));
    QAction* refresh = viewAction(this, tr("&Refresh"), QKeySequence(QKeySequence::Refresh), QStringLiteral("view-refresh"));
    refresh->setIcon(glyphIcon(Glyph::Refresh));
    connect(refresh, &QAction::triggered, this, &BatchesView::reload);
    m_cancel = viewAction(this, tr("&Cancel batch"), QKeySequence(QKeySequence::Delete), QStringLiteral("process-stop"));
    m_cancel->setIcon(glyphIcon(Glyph::Cancel));
    m_output = viewAction(this, tr("Download &output…"), QKeySequence(Qt::CTRL | Qt::Key_S), QStringLiteral("document-save"));
    m_errors = viewAction(this, tr("Download &errors…"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_S), QStringLiteral("document-save-as"));
    m_showLines = viewAction(this, tr("Show &lines in Queue"), QKeySequence(Qt::Key_Return), QStringLiteral("go-jump"));
    connect(m_cancel, &QAction::triggered, this, [this] {
        const BatchRecord b = batchAt(m_table->currentRow());
        if (b.id.isEmpty() || !b.active())
            return;
        if (QMessageBox::question(this, tr("Cancel batch"),
                tr("Cancel %1? Its lines that have not run are cancelled; the ones already done stay in its output.").arg(b.id))
            != QMessageBox::Yes)
            return;
        onResult(m_live.client().cancelBatch(b.id), this, [this](const Result<BatchRecord>& r) {
            if (!r)
                QMessageBox::warning(this, tr("Cancel batch"), r.error().message);
            reload();
        });
    });
    connect(m_output, &QAction::triggered, this, [this] { download(false); });
    connect(m_errors, &QAction::triggered, this, [this] { download(true); });
    connect(m_showLines, &QAction::triggered, this, [this] {
        const BatchRecord b = batchAt(m_table->currentRow());
        if (!b.id.isEmpty())
            emit showLines(b.id);
    });

    auto* bar = new QHBoxLayout;
    bar->addWidget(m_summary, 1);
    for (QAction* a : { m_showLines, m_cancel, m_output, m_errors, refresh }) {
        auto* button = new QToolButton(this);
        button->setDefaultAction(a);
        button->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
        bar->addWidget(button);
    }

    m_table = new QTableWidget(0, ColumnCount, this);
    m_table->setObjectName(QStringLiteral("batchesTable"));
    m_table->setHorizontalHeaderLabels(
        { tr("Batch"), tr("API"), tr("Status"), tr("Progress"), tr("Succeeded"), tr("Failed"), tr("Total"), tr("ETA"), tr("Created") });
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setWordWrap(false);
    m_table->setColumnWidth(Batch, 250);
    m_table->setColumnWidth(Api, 80);
    m_table->setColumnWidth(Status, 100);
    m_table->setColumnWidth(Progress, 210);
    for (int c : { Succeeded, Failed, Total })
        m_table->setColumnWidth(c, 80);
    m_table->setColumnWidth(Eta, 130);
    m_empty = new EmptyHint(m_table);
    connect(m_table, &QTableWidget::currentCellChanged, this, &BatchesView::updateActions);
    connect(m_table, &QTableWidget::cellDoubleClicked, m_showLines, &QAction::trigger);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(bar);
    layout->addWidget(m_table, 1);

    m_timer.setInterval(kRefreshMs);
    connect(&m_timer, &QTimer::timeout, this, &BatchesView::reload);
    updateActions();
}

void BatchesView::showEvent(QShowEvent* event)
{
    QWidget::showEvent(event);
    reload();
    m_timer.start();
}

void BatchesView::hideEvent(QHideEvent* event)
{
    QWidget::hideEvent(event);
    m_timer.stop();
}

void BatchesView::reload()
{
    if (m_loading)
        return;
    m_loading = true;
    onResult(m_live.client().batches(kShown), this, [this](const Result<QList<BatchRecord>>& r) {
        m_loading = false;
        if (!r) {
            m_summary->setText(tr("The batches cannot be read."));
            m_empty->setHint(r.error().message);
        } else {
            showBatches(*r);
        }
        emit loaded();
    });
}

BatchRecord BatchesView::batchAt(int row) const
{
    return row >= 0 && row < m_batches.size() ? m_batches.at(row) : BatchRecord {};
}

void BatchesView::showBatches(const QList<BatchRecord>& batches)
{
    const QString current = batchAt(m_table->currentRow()).id;
    m_batches = batches;
    const qint64 now = nowMs();
    m_table->setRowCount(static_cast<int>(batches.size()));
    int running = 0;
    for (int row = 0; row < batches.size(); ++row) {
        const BatchRecord& b = batches.at(row);
        const qint64 done = b.succeeded + b.failed + b.cancelled + b.expired;
        // The pace from the last refreshes, smoothed, for the ETA.
        Pace& pace = m_pace[b.id];
        if (pace.atMs > 0 && now > pace.atMs && done >= pace.done) {
            const double sample = double(done - pace.done) * 1000.0 / double(now - pace.atMs);
            pace.perSecond = pace.perSecond > 0 ? 0.5 * pace.perSecond + 0.5 * sample : sample;
        }
        pace.done = done;
        pace.atMs = now;
        running += b.active() ? 1 : 0;
        const auto set = [&](int column, const QString& text, Qt::Alignment align = Qt::AlignLeft | Qt::AlignVCenter) {
            auto* item = new QTableWidgetItem(text);
            item->setTextAlignment(align);
            m_table->setItem(row, column, item);
            return item;
        };
        constexpr Qt::Alignment right = Qt::AlignRight | Qt::AlignVCenter;
        set(Batch, b.id)->setToolTip(b.endpoint.isEmpty() ? b.id : QStringLiteral("%1\n%2").arg(b.id, b.endpoint));
        set(Api, b.api == QLatin1String("anthropic") ? tr("Anthropic") : tr("OpenAI"));
        QTableWidgetItem* status = set(Status, statusText(b));
        status->setForeground(stateColor(colorState(b)));
        if (!b.errors.isEmpty() && b.status == QLatin1String("failed"))
            status->setToolTip(tr("Line %1: %2").arg(b.errors.first().line).arg(b.errors.first().message));
        auto* bar = qobject_cast<QProgressBar*>(m_table->cellWidget(row, Progress));
        if (!bar) {
            bar = new QProgressBar(m_table);
            bar->setTextVisible(true);
            m_table->setCellWidget(row, Progress, bar);
        }
        bar->setRange(0, static_cast<int>(std::max<qint64>(1, b.total)));
        bar->setValue(static_cast<int>(std::min(done, std::max<qint64>(1, b.total))));
        QString text = tr("%1 / %2").arg(Text::count(done), Text::count(b.total));
        if (b.cancelled > 0)
            text += tr(", %1 cancelled").arg(Text::count(b.cancelled));
        if (b.expired > 0)
            text += tr(", %1 expired").arg(Text::count(b.expired));
        if (b.status == QLatin1String("failed") && !b.errors.isEmpty())
            text = b.errors.first().line > 0 ? tr("line %1: %2").arg(b.errors.first().line).arg(b.errors.first().code) : b.errors.first().code;
        bar->setFormat(text);
        set(Succeeded, Text::count(b.succeeded), right);
        set(Failed, Text::count(b.failed), right)->setForeground(b.failed > 0 ? QBrush(stateColor(TaskState::Dead)) : QBrush());
        set(Total, Text::count(b.total), right);
        QString eta;
        if (b.active() && pace.perSecond > 0 && b.total > done)
            eta = tr("%1 (%2)").arg(Text::duration(qint64(double(b.total - done) / pace.perSecond * 1000.0)), Text::rate(pace.perSecond));
        else if (b.active())
            eta = tr("…");
        set(Eta, eta, right);
        set(Created, Text::time(b.createdMs));
        if (b.id == current)
            m_table->setCurrentCell(row, Batch);
    }
    if (m_table->currentRow() < 0 && !batches.isEmpty())
        m_table->setCurrentCell(0, Batch);
    m_summary->setText(
        batches.isEmpty() ? tr("No batch yet.") : tr("%n batch(es), %1 running", nullptr, static_cast<int>(batches.size())).arg(running));
    m_empty->setHint(
        batches.isEmpty() ? tr("No batch yet: send one with POST /v1/batches (OpenAI) or POST /v1/messages/batches (Anthropic).") : QString());
    updateActions();
}

void BatchesView::updateActions()
{
    const BatchRecord b = batchAt(m_table ? m_table->currentRow() : -1);
    m_cancel->setEnabled(!b.id.isEmpty() && b.active());
    m_output->setEnabled(!b.outputFileId.isEmpty());
    m_errors->setEnabled(!b.errorFileId.isEmpty());
    m_showLines->setEnabled(!b.id.isEmpty());
}

void BatchesView::download(bool errors)
{
    const BatchRecord b = batchAt(m_table->currentRow());
    const QString fileId = errors ? b.errorFileId : b.outputFileId;
    if (fileId.isEmpty())
        return;
    const QString name = QStringLiteral("%1_%2.jsonl").arg(b.id, errors ? QStringLiteral("errors") : QStringLiteral("output"));
    const QString path = QFileDialog::getSaveFileName(
        this, errors ? tr("Save the error file") : tr("Save the output file"), name, tr("JSON Lines (*.jsonl);;All files (*)"));
    if (!path.isEmpty())
        saveFile(fileId, path);
}

void BatchesView::saveFile(const QString& fileId, const QString& path)
{
    onResult(m_live.client().fileContent(fileId), this, [this, path](const Result<QByteArray>& r) {
        bool ok = false;
        if (!r) {
            QMessageBox::warning(this, tr("Save file"), r.error().message);
        } else {
            QFile f(path);
            ok = f.open(QIODevice::WriteOnly) && f.write(*r) == r->size();
            if (!ok)
                QMessageBox::warning(this, tr("Save file"), tr("Cannot write %1: %2").arg(path, f.errorString()));
        }
        emit saved(path, ok);
    });
}

} // namespace llmsched::ui
