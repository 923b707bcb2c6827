#include "importdialog.h"

#include "livestate.h"
#include "uiutil.h"

#include "core/jsonl.h"
#include "client/engineclient.h"

#include <QDialogButtonBox>
#include <QFile>
#include <QFileInfo>
#include <QLabel>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QVBoxLayout>
#include <QtConcurrent>

namespace llmsched::ui {

namespace {

constexpr int kChunk = 2000;
constexpr int kMaxErrorLines = 5000;

void runImport(QPromise<ImportReport>& promise, EngineClient* engine, const QString& path, std::shared_ptr<std::atomic_bool> cancel)
{
    ImportReport report;
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        report.fatal = ImportDialog::tr("Cannot read %1: %2").arg(path, file.errorString());
        promise.addResult(report);
        return;
    }
    const qint64 size = std::max<qint64>(1, file.size());
    promise.setProgressRange(0, 1000);
    JsonlReader reader(&file);
    while (!reader.atEnd()) {
        if (*cancel) {
            report.cancelled = true;
            break;
        }
        JsonlReader::Chunk chunk = reader.next(kChunk);
        for (const JsonlError& e : chunk.errors) {
            ++report.rejected;
            if (report.errors.size() < kMaxErrorLines)
                report.errors.append(e.toString());
        }
        if (!chunk.specs.isEmpty()) {
            // A worker thread: waiting here keeps memory bounded to one chunk.
            auto f = engine->submit(chunk.specs);
            f.waitForFinished();
            const auto r = f.result();
            if (!r) {
                report.fatal = r.error().toString();
                break;
            }
            for (const SubmitOutcome& o : *r)
                o.duplicate ? ++report.duplicates : ++report.imported;
        }
        promise.setProgressValueAndText(static_cast<int>(reader.bytesRead() * 1000 / size),
            ImportDialog::tr("%1 imported · %2 rejected").arg(Text::count(report.imported), Text::count(report.rejected)));
    }
    promise.addResult(report);
}

} // namespace

ImportDialog::ImportDialog(LiveState& live, const QString& path, QWidget* parent)
    : QDialog(parent)
    , m_live(live)
    , m_path(path)
    , m_cancel(std::make_shared<std::atomic_bool>(false))
{
    setWindowTitle(tr("Import %1").arg(QFileInfo(path).fileName()));
    m_label = new QLabel(tr("Importing %1…").arg(QDir::toNativeSeparators(path)), this);
    m_label->setWordWrap(true);
    m_progress = new QProgressBar(this);
    m_progress->setRange(0, 1000);
    m_progress->setTextVisible(true);
    m_progress->setFormat(QStringLiteral("%p%"));
    m_errors = new QPlainTextEdit(this);
    m_errors->setReadOnly(true);
    m_errors->setPlaceholderText(tr("Lines that could not be imported are listed here."));
    m_buttons = new QDialogButtonBox(QDialogButtonBox::Cancel, this);
    connect(m_buttons, &QDialogButtonBox::rejected, this, [this] {
        if (m_done)
            return reject();
        *m_cancel = true;
        m_buttons->setEnabled(false);
    });
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_label);
    layout->addWidget(m_progress);
    layout->addWidget(m_errors, 1);
    layout->addWidget(m_buttons);
    resize(600, 400);
    connect(&m_watcher, &QFutureWatcher<ImportReport>::progressValueChanged, m_progress, &QProgressBar::setValue);
    connect(&m_watcher, &QFutureWatcher<ImportReport>::progressTextChanged, m_label, &QLabel::setText);
    connect(&m_watcher, &QFutureWatcher<ImportReport>::finished, this, &ImportDialog::onFinished);
}

ImportDialog::~ImportDialog()
{
    // The worker owns what it uses (engine pointer, path, cancel flag) and stops
    // after its current chunk; nothing here waits for it.
    *m_cancel = true;
}

void ImportDialog::start()
{
    m_watcher.setFuture(QtConcurrent::run(runImport, &m_live.client(), m_path, m_cancel));
}

void ImportDialog::onFinished()
{
    m_done = true;
    const QFuture<ImportReport> f = m_watcher.future();
    m_report = f.resultCount() > 0 ? f.result() : ImportReport {};
    m_progress->setValue(m_report.fatal.isEmpty() && !m_report.cancelled ? 1000 : m_progress->value());
    QString text = tr("Imported %1 tasks, %2 duplicates skipped, %3 lines rejected.")
                       .arg(Text::count(m_report.imported), Text::count(m_report.duplicates), Text::count(m_report.rejected));
    if (m_report.cancelled)
        text = tr("Stopped. ") + text;
    if (!m_report.fatal.isEmpty())
        text += QLatin1Char('\n') + tr("Import stopped: %1").arg(m_report.fatal);
    m_label->setText(text);
    m_errors->setPlainText(m_report.errors.join(QLatin1Char('\n')));
    if (m_report.rejected > m_report.errors.size())
        m_errors->appendPlainText(tr("… and %1 more").arg(Text::count(m_report.rejected - m_report.errors.size())));
    m_buttons->setStandardButtons(QDialogButtonBox::Close);
    m_buttons->setEnabled(true);
    emit finished(m_report);
}

} // namespace llmsched::ui
