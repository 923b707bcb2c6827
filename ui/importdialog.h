#pragma once

#include <QDialog>
#include <QFutureWatcher>

class QDialogButtonBox;
class QLabel;
class QPlainTextEdit;
class QProgressBar;

namespace llmsched::ui {

class LiveState;

// What an import did.
struct ImportReport
{
    qint64 imported = 0;
    qint64 duplicates = 0;
    qint64 rejected = 0;
    QStringList errors; // "line N: why", the first few thousand
    QString fatal; // the file could not be read, or the engine refused a chunk
    bool cancelled = false;
};

// Imports a JSONL file of tasks on a worker thread in chunks, with a progress
// bar and a per-line error report; lines that are fine are imported even when
// others are not (as `llm-schedulerd submit` does).
class ImportDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ImportDialog)

public:
    ImportDialog(LiveState& live, const QString& path, QWidget* parent = nullptr);
    ~ImportDialog() override;

    void start();
    bool isFinished() const { return m_done; }
    ImportReport report() const { return m_report; }

signals:
    void finished(const llmsched::ui::ImportReport& report);

private:
    void onFinished();

    LiveState& m_live;
    QString m_path;
    QFutureWatcher<ImportReport> m_watcher;
    std::shared_ptr<std::atomic_bool> m_cancel;
    ImportReport m_report;
    bool m_done = false;
    QLabel* m_label = nullptr;
    QProgressBar* m_progress = nullptr;
    QPlainTextEdit* m_errors = nullptr;
    QDialogButtonBox* m_buttons = nullptr;
};

} // namespace llmsched::ui
