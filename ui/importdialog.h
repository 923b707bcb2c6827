#pragma once

#include <QDialog>
#include <QFutureWatcher>
#include <QMap>

class QComboBox;
class QDialogButtonBox;
class QLabel;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;

namespace llmsched::ui {

class LiveState;

// What an import did.
struct ImportReport
{
    qint64 imported = 0;
    qint64 duplicates = 0;
    qint64 rejected = 0;
    QStringList errors; // "line N: why", the first few thousand
    QList<qint64> rejectedLines; // every rejected line, ascending, to save them
    QString fatal; // the file could not be read, or the engine refused a chunk
    bool cancelled = false;
};

// A look at the start of a file before it is imported.
struct ImportPreview
{
    QString error; // the file cannot be read
    qint64 fileSize = 0;
    qint64 linesRead = 0; // of the sample
    qint64 bytesRead = 0;
    qint64 tasks = 0; // valid tasks in the sample
    qint64 invalid = 0; // lines of the sample that are not tasks
    bool whole = false; // the sample is the whole file
    QStringList firstLines;
    QMap<QString, qint64> models; // model -> tasks in the sample
    // Tasks in the file: counted when the sample is the whole file, else
    // estimated from the sample's bytes per line.
    qint64 estimatedTasks() const;
};

// Imports a JSONL file of tasks: first a preview (first lines, how many tasks,
// which models, size; models the engine does not know are named), then, after
// Import, on a worker thread in chunks with a progress bar. Lines that are fine
// are imported even when others are not (as `llm-schedulerd submit` does); the
// rejected ones are listed as "line N: why" and can be saved to a file.
class ImportDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ImportDialog)

public:
    ImportDialog(LiveState& live, const QString& path, QWidget* parent = nullptr);
    ~ImportDialog() override;

    void start(); // import now (the Import button)
    bool isFinished() const { return m_done; }
    ImportReport report() const { return m_report; }
    ImportPreview preview() const { return m_preview; }
    void saveRejected(const QString& to); // copies the rejected lines of the file there
    // "Each line is": tasks (data empty), or values for a template (data: its
    // name; a CSV's header names the variables). Listed once the templates are read.
    QComboBox* asCombo() const { return m_as; }

signals:
    void previewReady();
    void finished(const llmsched::ui::ImportReport& report);
    void rejectedSaved(const QString& path, const QString& error); // error empty: saved

signals:
    void templatesListed();

private:
    void showPreview();
    void onFinished();
    void showReport();
    void updateImport();
    void startFromTemplate(const QString& name);

    LiveState& m_live;
    QString m_path;
    QFutureWatcher<ImportPreview> m_previewWatcher;
    QFutureWatcher<ImportReport> m_watcher;
    std::shared_ptr<std::atomic_bool> m_cancel;
    ImportPreview m_preview;
    ImportReport m_report;
    bool m_started = false;
    bool m_done = false;
    QLabel* m_label = nullptr;
    QPlainTextEdit* m_lines = nullptr;
    QProgressBar* m_progress = nullptr;
    QPlainTextEdit* m_errors = nullptr;
    QDialogButtonBox* m_buttons = nullptr;
    QPushButton* m_import = nullptr;
    QPushButton* m_save = nullptr;
    QComboBox* m_as = nullptr;
    QString m_previewText; // what the preview says of the file as tasks
};

} // namespace llmsched::ui
