#pragma once

#include "core/enginetypes.h"

#include <QWidget>

#include <deque>

class QCheckBox;
class QComboBox;
class QLineEdit;
class QPlainTextEdit;
class QTimer;

namespace llmsched::ui {

class LiveState;

// What happens, as lines: the tasks' state changes (submitted, started,
// retried, dead...) from the engine shown, this program's log (engine, store,
// providers, REST) and, connected to a server, its notifications. Filters by
// source, level and text; follows new lines unless the operator scrolls up.
// Keeps the last lines in memory; a burst of events is taken in on a timer,
// never faster than it can be painted.
class LogsView final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LogsView)

public:
    enum class Source { All, Tasks, Program };

    explicit LogsView(LiveState* live = nullptr, QWidget* parent = nullptr);

    QPlainTextEdit* text() const { return m_text; }
    void setMinimumLevel(int index); // 0 debug .. 3 error
    void setSource(Source source);
    void setFilterText(const QString& text);
    // Takes in new lines now (tests; the view does so a few times a second).
    void poll();

private:
    // A task change is kept as it came and made into a line only when shown.
    struct Entry
    {
        int severity = 1; // 0 debug .. 3 error
        bool task = false;
        TaskEvent event; // task
        QString text; // otherwise
    };

    void showEvent(QShowEvent* event) override;
    void rebuild();
    // The filters' settings, read once for many lines.
    struct Criteria
    {
        int level = 1;
        Source source = Source::All;
        QString text;
    };
    Criteria criteria() const;
    static bool accepts(const Entry& e, const Criteria& c);
    void add(Entry entry);
    // Keeps what arrived since the last time; `show`: and adds its lines.
    void takeIn(bool show);
    static QString textOf(const Entry& e);
    static QString taskLine(const TaskEvent& e);

    QComboBox* m_source = nullptr;
    QComboBox* m_level = nullptr;
    QLineEdit* m_filter = nullptr;
    QCheckBox* m_follow = nullptr;
    QPlainTextEdit* m_text = nullptr;
    QTimer* m_timer = nullptr;
    qint64 m_lastSeq = 0;
    std::deque<Entry> m_entries; // the last kMaxLines, oldest first
    TaskEvents m_pendingTasks;
    QList<Notification> m_pendingNotes;
    qint64 m_droppedTasks = 0; // not kept: more arrived between two polls than the view holds
};

} // namespace llmsched::ui
