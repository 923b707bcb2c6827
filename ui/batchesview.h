#pragma once

#include "core/batchtypes.h"

#include <QHash>
#include <QTimer>
#include <QWidget>

class QAction;
class QLabel;
class QTableWidget;

namespace llmsched::ui {

class EmptyHint;
class LiveState;

// The batches of both Batch APIs (OpenAI and Anthropic), newest first: status,
// a progress bar (done / total, with failed, cancelled and expired in the
// text), the rate and an ETA from the last refreshes. Cancel a batch as a
// whole, download its output and error files (Anthropic: its results), or
// show its lines in the Queue. Reloaded every two seconds while shown.
class BatchesView final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(BatchesView)

public:
    enum Column { Batch, Api, Status, Progress, Succeeded, Failed, Total, Eta, Created, ColumnCount };

    explicit BatchesView(LiveState& live, QWidget* parent = nullptr);

    QTableWidget* table() const { return m_table; }
    QLabel* summary() const { return m_summary; }
    QAction* cancelAction() const { return m_cancel; }
    QAction* outputAction() const { return m_output; }
    QAction* errorsAction() const { return m_errors; }
    QAction* showLinesAction() const { return m_showLines; }
    void reload();
    // The batch of a row (empty when none).
    BatchRecord batchAt(int row) const;
    // Saves a file of the selected batch there (the dialog's answer; tests call it directly).
    void saveFile(const QString& fileId, const QString& path);

signals:
    void loaded();
    void saved(const QString& path, bool ok);
    // Show the lines of this batch in the Queue (its id as the text filter).
    void showLines(const QString& batchId);

protected:
    void showEvent(QShowEvent* event) override;
    void hideEvent(QHideEvent* event) override;

private:
    void showBatches(const QList<BatchRecord>& batches);
    void updateActions();
    void download(bool errors);

    LiveState& m_live;
    QTableWidget* m_table = nullptr;
    QLabel* m_summary = nullptr;
    EmptyHint* m_empty = nullptr;
    QAction* m_cancel = nullptr;
    QAction* m_output = nullptr;
    QAction* m_errors = nullptr;
    QAction* m_showLines = nullptr;
    QList<BatchRecord> m_batches;
    struct Pace
    {
        qint64 done = 0;
        qint64 atMs = 0;
        double perSecond = 0;
    };
    QHash<QString, Pace> m_pace; // by batch id
    QTimer m_timer;
    bool m_loading = false;
};

} // namespace llmsched::ui
