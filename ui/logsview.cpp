#include "logsview.h"

#include "livestate.h"
#include "uiutil.h"

#include "client/engineclient.h"
#include "core/logcapture.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDateTime>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QScrollBar>
#include <QTimer>
#include <QVBoxLayout>

#include <algorithm>

namespace llmsched::ui {

namespace {

constexpr int kMaxLines = 20'000; // kept
constexpr int kShownOnOpen = 2'000; // lines made when the view opens or a filter changes
constexpr int kShownPerPoll = 200; // lines added per poll at most (800 a second)

// QtMsgType ordered by severity: debug 0, info 1, warning 2, critical/fatal 3.
int severity(QtMsgType t)
{
    switch (t) {
    case QtDebugMsg:
        return 0;
    case QtInfoMsg:
        return 1;
    case QtWarningMsg:
        return 2;
    case QtCriticalMsg:
    case QtFatalMsg:
        return 3;
    }
    return 1;
}

// The local time of day, formatted by hand: QDateTime's local-time
// conversion re-reads the zone for every call, too slow for a line per task
// change at thousands a second. The offset is taken once per poll.
qint64 g_utcOffsetMs = 0;

QString stamp(qint64 ms, int severity)
{
    static const char* tags[] = { "DEBUG", "INFO ", "WARN ", "ERROR" };
    constexpr qint64 kDay = 24 * 3600 * 1000;
    const qint64 t = ((ms + g_utcOffsetMs) % kDay + kDay) % kDay;
    return QString::asprintf("%02d:%02d:%02d.%03d %s ", static_cast<int>(t / 3'600'000), static_cast<int>(t / 60'000 % 60),
        static_cast<int>(t / 1000 % 60), static_cast<int>(t % 1000), tags[severity]);
}

int taskSeverity(const TaskEvent& e)
{
    if (e.created)
        return 1;
    return e.state == TaskState::Dead ? 3 : e.state == TaskState::RetryWait ? 2 : 1;
}

QString format(const LogCapture::Line& l)
{
    return stamp(l.timeMs, severity(l.type)) + l.category + QStringLiteral(": ") + l.message;
}

} // namespace

LogsView::LogsView(LiveState* live, QWidget* parent)
    : QWidget(parent)
{
    LogCapture::install();
    m_source = new QComboBox(this);
    m_source->setObjectName(QStringLiteral("source"));
    m_source->addItem(tr("All sources"), static_cast<int>(Source::All));
    m_source->addItem(tr("Task events"), static_cast<int>(Source::Tasks));
    m_source->addItem(tr("Program log"), static_cast<int>(Source::Program));
    m_source->setToolTip(tr("Task events: submitted, started, retried, dead, cancelled.\n"
                            "Program log: the engine, store, providers and REST server of this program, and a server's notifications."));
    m_level = new QComboBox(this);
    m_level->setObjectName(QStringLiteral("level"));
    m_level->addItems({ tr("Debug and above"), tr("Info and above"), tr("Warnings and errors"), tr("Errors only") });
    m_level->setCurrentIndex(1);
    m_filter = new QLineEdit(this);
    m_filter->setPlaceholderText(tr("Filter lines (a task ID, a model, a word)"));
    m_filter->setClearButtonEnabled(true);
    m_follow = new QCheckBox(tr("Follow"), this);
    m_follow->setChecked(true);
    m_follow->setToolTip(tr("Scroll to new lines as they arrive"));
    m_text = new QPlainTextEdit(this);
    m_text->setReadOnly(true);
    m_text->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_text->setMaximumBlockCount(kMaxLines);
    m_text->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_text->setPlaceholderText(tr("No lines yet: task events and the program's messages appear here as they happen."));

    auto* bar = new QHBoxLayout;
    bar->addWidget(m_source);
    bar->addWidget(m_level);
    bar->addWidget(m_filter, 1);
    bar->addWidget(m_follow);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(bar);
    layout->addWidget(m_text, 1);

    connect(m_source, &QComboBox::currentIndexChanged, this, &LogsView::rebuild);
    connect(m_level, &QComboBox::currentIndexChanged, this, &LogsView::rebuild);
    // Typing waits for a pause: a rebuild may make thousands of lines.
    auto* typing = new QTimer(this);
    typing->setSingleShot(true);
    typing->setInterval(200);
    connect(typing, &QTimer::timeout, this, &LogsView::rebuild);
    connect(m_filter, &QLineEdit::textChanged, typing, qOverload<>(&QTimer::start));
    // Scrolling up stops following; back at the bottom follows again.
    connect(m_text->verticalScrollBar(), &QScrollBar::valueChanged, this, [this](int v) {
        if (m_text->verticalScrollBar()->isSliderDown())
            m_follow->setChecked(v == m_text->verticalScrollBar()->maximum());
    });
    if (live) {
        // Every state change (LiveState keeps only each task's latest), queued
        // here and taken in on the timer.
        connect(&live->client(), &EngineClient::taskEvents, this, [this](const TaskEvents& events) {
            m_pendingTasks += events;
            if (m_pendingTasks.size() > kMaxLines) {
                m_droppedTasks += m_pendingTasks.size() - kMaxLines;
                m_pendingTasks.remove(0, m_pendingTasks.size() - kMaxLines);
            }
        });
        if (live->client().isRemote())
            connect(live, &LiveState::notified, this, [this](const Notification& n) { m_pendingNotes.append(n); });
    }
    m_timer = new QTimer(this);
    m_timer->setInterval(250);
    connect(m_timer, &QTimer::timeout, this, &LogsView::poll);
    m_timer->start();
    poll();
}

void LogsView::setMinimumLevel(int index)
{
    m_level->setCurrentIndex(index);
}

void LogsView::setSource(Source source)
{
    m_source->setCurrentIndex(m_source->findData(static_cast<int>(source)));
}

void LogsView::setFilterText(const QString& text)
{
    m_filter->setText(text);
    rebuild(); // now, not after the typing pause
}

LogsView::Criteria LogsView::criteria() const
{
    return { m_level->currentIndex(), static_cast<Source>(m_source->currentData().toInt()), m_filter->text() };
}

bool LogsView::accepts(const Entry& e, const Criteria& c)
{
    if (e.severity < c.level)
        return false;
    if ((c.source == Source::Tasks && !e.task) || (c.source == Source::Program && e.task))
        return false;
    return c.text.isEmpty() || textOf(e).contains(c.text, Qt::CaseInsensitive);
}

void LogsView::rebuild()
{
    m_text->clear();
    g_utcOffsetMs = QDateTime::currentDateTime().offsetFromUtc() * qint64(1000);
    QStringList shown;
    const Criteria c = criteria();
    for (auto it = m_entries.crbegin(); it != m_entries.crend() && shown.size() < kShownOnOpen; ++it)
        if (accepts(*it, c))
            shown.append(textOf(*it));
    std::reverse(shown.begin(), shown.end());
    if (!shown.isEmpty())
        m_text->appendPlainText(shown.join(QLatin1Char('\n')));
    if (m_follow->isChecked())
        m_text->verticalScrollBar()->setValue(m_text->verticalScrollBar()->maximum());
}

void LogsView::add(Entry entry)
{
    m_entries.push_back(std::move(entry));
    if (m_entries.size() > static_cast<size_t>(kMaxLines))
        m_entries.pop_front();
}

QString LogsView::textOf(const Entry& e)
{
    return e.task ? taskLine(e.event) : e.text;
}

QString LogsView::taskLine(const TaskEvent& e)
{
    QString what;
    if (e.created) {
        what = tr("submitted to %1 at priority %2").arg(e.model, Text::priority(e.priority));
        if (e.state != TaskState::Queued)
            what += QStringLiteral(" · ") + Text::state(e.state);
    } else {
        switch (e.state) {
        case TaskState::Running:
            what = tr("started, attempt %1").arg(e.attempts);
            break;
        case TaskState::Succeeded:
            what = tr("succeeded after %Ln attempt(s)", nullptr, e.attempts);
            break;
        case TaskState::RetryWait:
            what = tr("attempt %1 failed, will retry: %2").arg(e.attempts).arg(e.error);
            break;
        case TaskState::Dead:
            what = tr("dead after %Ln attempt(s): %1", nullptr, e.attempts).arg(e.error);
            break;
        case TaskState::Cancelled:
            what = tr("cancelled");
            break;
        case TaskState::Queued:
            what = e.previous == TaskState::RetryWait ? tr("back-off over, queued for attempt %1").arg(e.attempts + 1)
                : e.previous == TaskState::Scheduled  ? tr("due, queued")
                : e.previous == TaskState::Blocked    ? tr("dependencies done, queued")
                : isFinal(e.previous)                 ? tr("queued again (was %1)").arg(Text::state(e.previous))
                                                      : tr("back in the queue");
            break;
        default:
            what = Text::state(e.state);
        }
    }
    return stamp(e.timeMs, taskSeverity(e)) + tr("task %1 (%2): %3").arg(e.id.toString(), e.model, what);
}

void LogsView::poll()
{
    takeIn(isVisible());
}

void LogsView::takeIn(bool show)
{
    // Hidden, the view only keeps what arrives (cheap: the events are
    // shared). Shown, lines are made for the newest kShownPerPoll it takes
    // only: with no filter text, a burst of thousands of task changes a
    // second is counted, not formatted (a filter has to read each line).
    g_utcOffsetMs = QDateTime::currentDateTime().offsetFromUtc() * qint64(1000);
    qsizetype added = 0;
    for (const LogCapture::Line& l : LogCapture::since(m_lastSeq, kMaxLines)) {
        m_lastSeq = l.seq;
        add({ severity(l.type), false, {}, format(l) });
        ++added;
    }
    if (m_droppedTasks > 0) {
        const QString text = stamp(QDateTime::currentMSecsSinceEpoch(), 2)
            + tr("%1 task events not shown (more arrived than the view keeps)").arg(Text::count(m_droppedTasks));
        add({ 2, false, {}, text });
        ++added;
        m_droppedTasks = 0;
    }
    for (const TaskEvent& e : std::as_const(m_pendingTasks))
        add({ taskSeverity(e), true, e, {} });
    added += m_pendingTasks.size();
    m_pendingTasks.clear();
    for (const Notification& n : std::as_const(m_pendingNotes)) {
        const int level = n.kind == Notification::Kind::Error ? 3 : n.kind == Notification::Kind::Warning ? 2 : 1;
        add({ level, false, {}, stamp(QDateTime::currentMSecsSinceEpoch(), level) + tr("server: %1: %2").arg(n.title, n.message) });
    }
    added += m_pendingNotes.size();
    m_pendingNotes.clear();
    if (!show || added == 0)
        return;
    // Newest first, back over what this poll added.
    QStringList shown;
    qsizetype skipped = 0;
    const Criteria c = criteria();
    const auto end = m_entries.crbegin() + std::min<qsizetype>(added, static_cast<qsizetype>(m_entries.size()));
    for (auto it = m_entries.crbegin(); it != end; ++it) {
        if (!accepts(*it, c))
            continue;
        if (shown.size() < kShownPerPoll)
            shown.append(textOf(*it));
        else
            ++skipped;
    }
    if (shown.isEmpty())
        return;
    std::reverse(shown.begin(), shown.end());
    if (skipped > 0)
        shown.prepend(tr("… %1 more lines (a filter, or a higher level, shows them all)").arg(Text::count(skipped)));
    QScrollBar* bar = m_text->verticalScrollBar();
    const int keep = bar->value();
    m_text->appendPlainText(shown.join(QLatin1Char('\n')));
    if (m_follow->isChecked())
        bar->setValue(bar->maximum());
    else
        bar->setValue(keep);
}

void LogsView::showEvent(QShowEvent* event)
{
    QWidget::showEvent(event);
    takeIn(false); // made into lines by the rebuild, once
    rebuild(); // what arrived while hidden
}

} // namespace llmsched::ui
