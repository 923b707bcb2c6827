#pragma once

#include <QWidget>

namespace llmsched::ui {

class LiveState;

// Placeholder until the view lands.
class StatisticsView final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(StatisticsView)

public:
    explicit StatisticsView(LiveState& live, QWidget* parent = nullptr);
};

} // namespace llmsched::ui
