#pragma once

#include "core/enginetypes.h"

#include <QWidget>

#include <array>
#include <memory>

class QLabel;

namespace llmsched::ui {

class LiveState;

// The row of big live numbers at the top of the window: tasks queued to run
// now (and blocked on dependencies), scheduled for later, waiting to retry,
// running, succeeded and dead (what the store holds in those states), failed
// attempts since the engine started, and tasks per second now. Clicking a
// counter asks to show those tasks.
class CounterStrip final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(CounterStrip)

public:
    enum Counter { Queued, Scheduled, RetryWait, Running, Succeeded, Dead, Failed, Rate, CounterCount };

    explicit CounterStrip(LiveState& live, QWidget* parent = nullptr);

    QString valueText(Counter c) const;

signals:
    // The queue's state filter key (see QueueView::showStates).
    void showStates(const QString& key);

private:
    void update(const std::shared_ptr<const EngineSnapshot>& snapshot);

    std::array<QLabel*, CounterCount> m_values {};
};

} // namespace llmsched::ui
