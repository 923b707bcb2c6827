#include "importdialog.h"

#include "livestate.h"
#include "uiutil.h"

#include "client/engineclient.h"
#include "core/jsonl.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QJsonArray>
#include <QJsonObject>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSaveFile>
#include <QVBoxLayout>
#include <QtConcurrent>

namespace llmsched::ui {

namespace {

constexpr int kChunk = 2000;
constexpr int kMaxErrorLines = 5000;
constexpr qint64 kPreviewBytes = 1024 * 1024; // read for the preview
constexpr int kPreviewLines = 8; // shown
constexpr int kPreviewLineChars = 300;

// What the preview, the import and the save of rejected lines say when a file fails them.
QString cannotRead(const QFileDevice& f)
{
    return ImportDialog::tr("Cannot read %1: %2").arg(QDir::toNativeSeparators(f.fileName()), f.errorString());
}

QString cannotWrite(const QFileDevice& f)
{
    return ImportDialog::tr("Cannot write %1: %2").arg(QDir::toNativeSeparators(f.fileName()), f.errorString());
}

int clampInt(qint64 n)
{
    return static_cast<int>(std::min<qint64>(n, INT_MAX));
}

ImportPreview makePreview(const QString& path)
{
    ImportPreview p;
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        p.error = cannotRead(file);
        return p;
    }
    p.fileSize = file.size();
    while (p.firstLines.size() < kPreviewLines && !file.atEnd()) {
        const QByteArray line = file.readLine(4 * kPreviewLineChars);
        for (QByteArray rest = line; !rest.endsWith('\n') && !file.atEnd();)
            rest = file.readLine(64 * 1024); // the rest of a long line
        QString text = QString::fromUtf8(line.trimmed());
        if (text.size() > kPreviewLineChars)
            text = text.left(kPreviewLineChars) + QChar(0x2026);
        p.firstLines.append(text);
    }
    file.seek(0);
    JsonlReader reader(&file);
    while (!reader.atEnd() && reader.bytesRead() < kPreviewBytes) {
        const JsonlReader::Chunk chunk = reader.next(500);
        p.tasks += chunk.specs.size();
        p.invalid += chunk.errors.size();
        for (const TaskSpec& s : chunk.specs)
            ++p.models[s.model];
    }
    p.whole = reader.atEnd();
    p.linesRead = reader.linesRead();
    p.bytesRead = reader.bytesRead();
    return p;
}

void runImport(QPromise<ImportReport>& promise, EngineClient* engine, const QString& path, std::shared_ptr<std::atomic_bool> cancel)
{
    ImportReport report;
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        report.fatal = cannotRead(file);
        promise.addResult(report);
        return;
    }
    const qint64 size = std::max<qint64>(1, file.size());
    promise.setProgressRange(0, 1000);
    JsonlReader reader(&file);
    const auto reject = [&report](const JsonlError& e) {
        ++report.rejected;
        report.rejectedLines.append(e.line);
        if (report.errors.size() < kMaxErrorLines)
            report.errors.append(e.toString());
    };
    while (!reader.atEnd()) {
        if (*cancel) {
            report.cancelled = true;
            break;
        }
        JsonlReader::Chunk chunk = reader.next(kChunk);
        QList<JsonlError> rejected = std::move(chunk.errors);
        if (!chunk.specs.isEmpty()) {
            // A worker thread: waiting here keeps memory bounded to one chunk.
            const ChunkOutcome o = submitChunk(std::move(chunk), [engine](const QList<TaskSpec>& specs) {
                auto f = engine->submit(specs);
                f.waitForFinished();
                return f.result();
            });
            report.imported += o.imported;
            report.duplicates += o.duplicates;
            rejected += o.rejected;
            if (o.stopped)
                report.fatal = ImportDialog::tr("line %1: %2").arg(o.stoppedAtLine).arg(o.stopped->toString());
        }
        std::sort(rejected.begin(), rejected.end(), [](const JsonlError& a, const JsonlError& b) { return a.line < b.line; });
        for (const JsonlError& e : rejected)
            reject(e);
        if (!report.fatal.isEmpty())
            break;
        promise.setProgressValueAndText(static_cast<int>(reader.bytesRead() * 1000 / size),
            ImportDialog::tr("%1 imported · %2 rejected").arg(Text::count(report.imported), Text::count(report.rejected)));
    }
    promise.addResult(report);
}

} // namespace

qint64 ImportPreview::estimatedTasks() const
{
    if (whole || bytesRead <= 0)
        return tasks;
    return static_cast<qint64>(static_cast<double>(tasks) * static_cast<double>(fileSize) / static_cast<double>(bytesRead));
}

ImportDialog::ImportDialog(LiveState& live, const QString& path, QWidget* parent)
    : QDialog(parent)
    , m_live(live)
    , m_path(path)
    , m_cancel(std::make_shared<std::atomic_bool>(false))
{
    setWindowTitle(tr("Import %1").arg(QFileInfo(path).fileName()));
    m_label = new QLabel(tr("Reading %1…").arg(QDir::toNativeSeparators(path)), this);
    m_label->setObjectName(QStringLiteral("summary"));
    m_label->setWordWrap(true);
    m_label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_lines = new QPlainTextEdit(this);
    m_lines->setObjectName(QStringLiteral("preview"));
    m_lines->setReadOnly(true);
    m_lines->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_lines->setPlaceholderText(tr("The first lines of the file are shown here."));
    m_progress = new QProgressBar(this);
    m_progress->setRange(0, 1000);
    m_progress->setTextVisible(true);
    m_progress->setFormat(QStringLiteral("%p%"));
    m_progress->hide();
    m_errors = new QPlainTextEdit(this);
    m_errors->setObjectName(QStringLiteral("rejectedLines"));
    m_errors->setReadOnly(true);
    m_errors->setPlaceholderText(tr("Lines that could not be imported are listed here."));
    m_errors->hide();
    m_buttons = new QDialogButtonBox(QDialogButtonBox::Cancel, this);
    m_import = m_buttons->addButton(tr("&Import"), QDialogButtonBox::AcceptRole);
    m_import->setObjectName(QStringLiteral("import"));
    m_import->setEnabled(false);
    m_save = m_buttons->addButton(tr("&Save rejected lines…"), QDialogButtonBox::ActionRole);
    m_save->setObjectName(QStringLiteral("saveRejected"));
    m_save->hide();
    connect(m_import, &QPushButton::clicked, this, &ImportDialog::start);
    connect(m_save, &QPushButton::clicked, this, [this] {
        const QFileInfo source(m_path);
        const QString to = QFileDialog::getSaveFileName(this, tr("Save rejected lines"),
            source.dir().filePath(source.completeBaseName() + QStringLiteral(".rejected.jsonl")), tr("JSON Lines (*.jsonl);;All files (*)"));
        if (!to.isEmpty())
            saveRejected(to);
    });
    connect(m_buttons, &QDialogButtonBox::rejected, this, [this] {
        if (!m_started || m_done)
            return reject();
        *m_cancel = true;
        m_buttons->setEnabled(false);
    });
    m_as = new QComboBox(this);
    m_as->setObjectName(QStringLiteral("importAs"));
    m_as->addItem(tr("A task, as one JSON object"), QString());
    connect(m_as, &QComboBox::currentIndexChanged, this, &ImportDialog::updateImport);
    onResult(m_live.client().templates(), this, [this](const Result<QJsonArray>& r) {
        if (r)
            for (const QJsonValue& t : *r)
                m_as->addItem(tr("Values for the template %1").arg(t.toObject().value(QLatin1String("name")).toString()),
                    t.toObject().value(QLatin1String("name")).toString());
        emit templatesListed();
    });
    auto* asForm = new QFormLayout;
    asForm->addRow(tr("Each &line is:"), m_as);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_label);
    layout->addLayout(asForm);
    layout->addWidget(m_lines, 1);
    layout->addWidget(m_progress);
    layout->addWidget(m_errors, 1);
    layout->addWidget(m_buttons);
    resize(720, 460);
    connect(&m_previewWatcher, &QFutureWatcher<ImportPreview>::finished, this, &ImportDialog::showPreview);
    connect(&m_watcher, &QFutureWatcher<ImportReport>::progressValueChanged, m_progress, &QProgressBar::setValue);
    connect(&m_watcher, &QFutureWatcher<ImportReport>::progressTextChanged, m_label, &QLabel::setText);
    connect(&m_watcher, &QFutureWatcher<ImportReport>::finished, this, &ImportDialog::onFinished);
    m_previewWatcher.setFuture(QtConcurrent::run(makePreview, path));
}

ImportDialog::~ImportDialog()
{
    // The worker owns what it uses (engine pointer, path, cancel flag) and stops
    // after its current chunk; nothing here waits for it.
    *m_cancel = true;
}

void ImportDialog::showPreview()
{
    m_preview = m_previewWatcher.future().result();
    if (m_started)
        return; // started without looking
    if (!m_preview.error.isEmpty()) {
        m_label->setText(m_preview.error);
        emit previewReady();
        return;
    }
    QSet<QString> known;
    if (const auto snap = m_live.snapshot())
        for (const ModelSnapshot& m : snap->models)
            known.insert(m.name);
    const qint64 tasks = m_preview.estimatedTasks();
    QStringList text;
    text << (m_preview.whole ? tr("%Ln task(s) in %1.", nullptr, clampInt(tasks)).arg(Text::bytes(m_preview.fileSize))
                             : tr("About %1 tasks in %2 (estimated from the first %3 lines).")
                                   .arg(Text::count(tasks), Text::bytes(m_preview.fileSize), Text::count(m_preview.linesRead)));
    QStringList models, unknown;
    for (auto it = m_preview.models.cbegin(); it != m_preview.models.cend(); ++it) {
        models << QStringLiteral("%1 (%2)").arg(it.key(), Text::count(it.value()));
        if (!known.contains(it.key()))
            unknown << it.key();
    }
    if (!models.isEmpty())
        text << (m_preview.whole ? tr("Models: %1.") : tr("Models in the first lines: %1.")).arg(models.join(QStringLiteral(", ")));
    if (!unknown.isEmpty())
        text << tr("Not configured here, so their lines will be rejected: %1.").arg(unknown.join(QStringLiteral(", ")));
    if (m_preview.invalid > 0)
        text << tr("%1 of the first %2 lines are not valid tasks and will be rejected.")
                    .arg(Text::count(m_preview.invalid), Text::count(m_preview.linesRead));
    if (tasks == 0 && m_preview.whole)
        text << tr("There is nothing to import.");
    m_previewText = text.join(QLatin1Char('\n'));
    m_lines->setPlainText(m_preview.firstLines.join(QLatin1Char('\n')));
    updateImport();
    m_import->setDefault(true);
    emit previewReady();
}

void ImportDialog::updateImport()
{
    if (m_started)
        return;
    const QString name = m_as->currentData().toString();
    const bool values = !name.isEmpty();
    if (m_preview.error.isEmpty() && m_preview.linesRead > 0)
        m_label->setText(values ? tr("Each line holds values for the template %1 (a CSV: its first line names the variables). "
                                     "Every line is checked when it is submitted; the wrong ones are listed and the others submitted.")
                                      .arg(name)
                                : m_previewText);
    // Values are checked by the engine, row by row, when they are submitted.
    m_import->setEnabled(m_preview.error.isEmpty() && (values ? m_preview.linesRead > 0 : m_preview.estimatedTasks() > 0));
}

void ImportDialog::start()
{
    if (m_started)
        return;
    if (const QString name = m_as->currentData().toString(); !name.isEmpty())
        return startFromTemplate(name);
    m_started = true;
    m_import->setEnabled(false);
    m_lines->hide();
    m_progress->show();
    m_errors->show();
    m_label->setText(tr("Importing %1…").arg(QDir::toNativeSeparators(m_path)));
    m_watcher.setFuture(QtConcurrent::run(runImport, &m_live.client(), m_path, m_cancel));
}

void ImportDialog::startFromTemplate(const QString& name)
{
    m_started = true;
    m_import->setEnabled(false);
    m_as->setEnabled(false);
    m_lines->hide();
    m_progress->setRange(0, 0); // one request: no steps to show
    m_progress->show();
    m_errors->show();
    m_label->setText(tr("Submitting the template %1 once per line of %2…").arg(name, QDir::toNativeSeparators(m_path)));
    const QString path = m_path;
    auto* reader = new QFutureWatcher<QByteArray>(this);
    connect(reader, &QFutureWatcher<QByteArray>::finished, this, [this, reader, name] {
        reader->deleteLater();
        const QByteArray content = reader->result();
        if (content.isNull()) {
            m_report.fatal = tr("cannot read %1 (or it is over 64 MB)").arg(QDir::toNativeSeparators(m_path));
            return showReport();
        }
        const bool csv = QFileInfo(m_path).suffix().compare(QLatin1String("csv"), Qt::CaseInsensitive) == 0;
        onResult(m_live.client().submitTemplateRows(name, content, csv, true), this, [this, csv](const Result<QJsonObject>& r) {
            if (!r) {
                m_report.fatal = r.error().toString();
                return showReport();
            }
            m_report.imported = r->value(QLatin1String("submitted")).toArray().size();
            for (const QJsonValue& v : r->value(QLatin1String("errors")).toArray()) {
                const QJsonObject e = v.toObject();
                const int row = e.value(QLatin1String("row")).toInt();
                const QString field = e.value(QLatin1String("field")).toString();
                ++m_report.rejected;
                if (m_report.errors.size() < 5000)
                    m_report.errors << tr("line %1: %2")
                                           .arg(csv ? row + 1 : row)
                                           .arg(field.isEmpty() ? e.value(QLatin1String("message")).toString()
                                                                : field + QStringLiteral(": ") + e.value(QLatin1String("message")).toString());
                if (!csv)
                    m_report.rejectedLines << row; // a JSONL row is its line
            }
            showReport();
        });
    });
    reader->setFuture(QtConcurrent::run([path]() -> QByteArray {
        QFile f(path);
        if (!f.open(QIODevice::ReadOnly) || f.size() > 64LL * 1024 * 1024)
            return QByteArray();
        QByteArray all = f.readAll();
        return all.isNull() ? QByteArray("") : all;
    }));
}

void ImportDialog::onFinished()
{
    const QFuture<ImportReport> f = m_watcher.future();
    m_report = f.resultCount() > 0 ? f.result() : ImportReport {};
    showReport();
}

void ImportDialog::showReport()
{
    m_done = true;
    m_progress->setRange(0, 1000);
    m_progress->setValue(m_report.fatal.isEmpty() && !m_report.cancelled ? 1000 : m_progress->value());
    QString text = tr("Imported %Ln task(s)", nullptr, clampInt(m_report.imported)) + QStringLiteral(", ")
        + tr("%Ln duplicate(s) skipped", nullptr, clampInt(m_report.duplicates)) + QStringLiteral(", ")
        + tr("%Ln line(s) rejected.", nullptr, clampInt(m_report.rejected));
    if (m_report.cancelled)
        text = tr("Stopped. ") + text;
    if (!m_report.fatal.isEmpty())
        text += QLatin1Char('\n') + tr("Import stopped: %1").arg(m_report.fatal);
    m_label->setText(text);
    m_errors->setPlainText(m_report.errors.join(QLatin1Char('\n')));
    if (m_report.rejected > m_report.errors.size())
        m_errors->appendPlainText(tr("… and %1 more").arg(Text::count(m_report.rejected - m_report.errors.size())));
    m_import->hide();
    m_save->setVisible(!m_report.rejectedLines.isEmpty());
    m_buttons->setStandardButtons(QDialogButtonBox::Close);
    m_buttons->setEnabled(true);
    emit finished(m_report);
}

void ImportDialog::saveRejected(const QString& to)
{
    m_save->setEnabled(false);
    auto* watcher = new QFutureWatcher<QString>(this);
    connect(watcher, &QFutureWatcher<QString>::finished, this, [this, watcher, to] {
        const QString error = watcher->result();
        watcher->deleteLater();
        m_save->setEnabled(true);
        m_label->setText(error.isEmpty()
                ? tr("Saved %Ln rejected line(s) to %1.", nullptr, clampInt(m_report.rejectedLines.size())).arg(QDir::toNativeSeparators(to))
                : tr("Could not save the rejected lines: %1").arg(error));
        emit rejectedSaved(to, error);
    });
    watcher->setFuture(QtConcurrent::run([from = m_path, to, lines = m_report.rejectedLines]() -> QString {
        QFile in(from);
        if (!in.open(QIODevice::ReadOnly))
            return cannotRead(in);
        QSaveFile out(to);
        if (!out.open(QIODevice::WriteOnly))
            return cannotWrite(out);
        const auto r = copyLines(in, out, lines);
        if (!r)
            return r.error().message;
        if (!out.commit())
            return cannotWrite(out);
        return {};
    }));
}

} // namespace llmsched::ui
