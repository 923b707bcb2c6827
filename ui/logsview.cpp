#include "logsview.h"

#include "core/logcapture.h"
#include "uiutil.h"

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

namespace llmsched::ui {

namespace {

constexpr int kMaxLines = 20'000;

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

QString levelTag(QtMsgType t)
{
    static const char* tags[] = { "DEBUG", "INFO ", "WARN ", "ERROR" };
    return QLatin1String(tags[severity(t)]);
}

QString format(const LogCapture::Line& l)
{
    return QDateTime::fromMSecsSinceEpoch(l.timeMs).toString(QStringLiteral("HH:mm:ss.zzz")) + QLatin1Char(' ') + levelTag(l.type) + QLatin1Char(' ')
        + l.category + QStringLiteral(": ") + l.message;
}

} // namespace

LogsView::LogsView(QWidget* parent)
    : QWidget(parent)
{
    LogCapture::install();
    m_level = new QComboBox(this);
    m_level->addItems({ tr("Debug and above"), tr("Info and above"), tr("Warnings and errors"), tr("Errors only") });
    m_level->setCurrentIndex(1);
    m_filter = new QLineEdit(this);
    m_filter->setPlaceholderText(tr("Filter lines"));
    m_filter->setClearButtonEnabled(true);
    m_follow = new QCheckBox(tr("Follow"), this);
    m_follow->setChecked(true);
    m_follow->setToolTip(tr("Scroll to new lines as they arrive"));
    m_text = new QPlainTextEdit(this);
    m_text->setReadOnly(true);
    m_text->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_text->setMaximumBlockCount(kMaxLines);
    m_text->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_text->setPlaceholderText(tr("No log lines yet."));

    auto* bar = new QHBoxLayout;
    bar->addWidget(m_level);
    bar->addWidget(m_filter, 1);
    bar->addWidget(m_follow);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(bar);
    layout->addWidget(m_text, 1);

    connect(m_level, &QComboBox::currentIndexChanged, this, &LogsView::rebuild);
    connect(m_filter, &QLineEdit::textChanged, this, &LogsView::rebuild);
    // Scrolling up stops following; back at the bottom follows again.
    connect(m_text->verticalScrollBar(), &QScrollBar::valueChanged, this, [this](int v) {
        if (m_text->verticalScrollBar()->isSliderDown())
            m_follow->setChecked(v == m_text->verticalScrollBar()->maximum());
    });
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

void LogsView::setFilterText(const QString& text)
{
    m_filter->setText(text);
}

bool LogsView::accepts(int type, const QString& line) const
{
    if (severity(static_cast<QtMsgType>(type)) < m_level->currentIndex())
        return false;
    const QString f = m_filter->text();
    return f.isEmpty() || line.contains(f, Qt::CaseInsensitive);
}

void LogsView::rebuild()
{
    m_text->clear();
    m_lastSeq = 0;
    poll();
}

void LogsView::poll()
{
    const QList<LogCapture::Line> lines = LogCapture::since(m_lastSeq, kMaxLines);
    if (lines.isEmpty())
        return;
    m_lastSeq = lines.constLast().seq;
    QStringList out;
    for (const LogCapture::Line& l : lines) {
        const QString s = format(l);
        if (accepts(l.type, s))
            out.append(s);
    }
    if (out.isEmpty())
        return;
    QScrollBar* bar = m_text->verticalScrollBar();
    const int keep = bar->value();
    m_text->appendPlainText(out.join(QLatin1Char('\n')));
    if (m_follow->isChecked())
        bar->setValue(bar->maximum());
    else
        bar->setValue(keep);
}

} // namespace llmsched::ui
