#include "counterstrip.h"

#include "livestate.h"
#include "uiutil.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QToolButton>
#include <QVBoxLayout>

namespace llmsched::ui {

CounterStrip::CounterStrip(LiveState& live, QWidget* parent)
    : QWidget(parent)
{
    const std::array<QString, CounterCount> titles
        = { tr("Queued"), tr("Scheduled"), tr("Retry wait"), tr("Running"), tr("Succeeded"), tr("Dead"), tr("Failed attempts"), tr("Throughput") };
    const std::array<QString, CounterCount> keys = { taskStateName(TaskState::Queued), taskStateName(TaskState::Scheduled),
        taskStateName(TaskState::RetryWait), taskStateName(TaskState::Running), taskStateName(TaskState::Succeeded), taskStateName(TaskState::Dead),
        taskStateName(TaskState::RetryWait), QString() };
    const std::array<QColor, CounterCount> colors
        = { stateColor(TaskState::Queued), stateColor(TaskState::Scheduled), stateColor(TaskState::RetryWait), stateColor(TaskState::Running),
              stateColor(TaskState::Succeeded), stateColor(TaskState::Dead), stateColor(TaskState::RetryWait), palette().color(QPalette::Highlight) };
    const std::array<QString, CounterCount> tips
        = { tr("Tasks ready to run now, and tasks waiting for the tasks they depend on. Click to show the ready ones."),
              tr("Tasks submitted to run later (run_at). Click to show them."),
              tr("Tasks waiting to be tried again after a failed attempt. Click to show them."), tr("Calls in flight now. Click to show them."),
              tr("Succeeded tasks the store holds (purged ones are no longer counted). Click to show them."),
              tr("Tasks in the dead-letter queue. Click to show them."),
              tr("Attempts that failed since the engine started (retried or dead). Click to show tasks waiting to retry."),
              tr("Tasks finishing per second, now") };
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(8);
    QFont big = font();
    big.setPointSizeF(big.pointSizeF() * 1.7);
    big.setBold(true);
    for (int i = 0; i < CounterCount; ++i) {
        auto* b = new QToolButton(this);
        b->setAutoRaise(true);
        b->setToolTip(tips.at(i));
        b->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
        auto* box = new QVBoxLayout(b);
        box->setContentsMargins(10, 4, 10, 4);
        box->setSpacing(0);
        auto* value = new QLabel(QStringLiteral("0"), b);
        value->setFont(big);
        value->setStyleSheet(QStringLiteral("color: %1").arg(colors.at(i).name()));
        auto* title = new QLabel(titles.at(i), b);
        box->addWidget(value);
        box->addWidget(title);
        b->setMinimumHeight(value->sizeHint().height() + title->sizeHint().height() + 10);
        b->setMinimumWidth(std::max(value->fontMetrics().horizontalAdvance(QStringLiteral("0,000,000")), title->sizeHint().width()) + 22);
        m_values[i] = value;
        layout->addWidget(b);
        if (!keys.at(i).isEmpty())
            connect(b, &QToolButton::clicked, this, [this, key = keys.at(i)] { emit showStates(key); });
    }
    connect(&live, &LiveState::snapshotChanged, this, &CounterStrip::update);
    if (auto s = live.snapshot())
        update(s);
}

QString CounterStrip::valueText(Counter c) const
{
    return m_values.at(c)->text();
}

void CounterStrip::update(const std::shared_ptr<const EngineSnapshot>& s)
{
    auto n = [&s](TaskState st) { return s->states[static_cast<int>(st)]; };
    qint64 failed = 0;
    for (const ModelSnapshot& m : s->models)
        failed += m.failedAttempts;
    const std::array<QString, CounterCount> values = {
        Text::count(n(TaskState::Queued) + n(TaskState::Blocked)),
        Text::count(n(TaskState::Scheduled)),
        Text::count(n(TaskState::RetryWait)),
        Text::count(n(TaskState::Running)),
        Text::count(n(TaskState::Succeeded)),
        Text::count(n(TaskState::Dead)),
        Text::count(failed),
        Text::rate(s->tasksPerSecond),
    };
    for (int i = 0; i < CounterCount; ++i) {
        if (m_values[i]->text() != values.at(i))
            m_values[i]->setText(values.at(i));
    }
}

} // namespace llmsched::ui
