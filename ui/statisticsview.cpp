#include "statisticsview.h"

#include "livestate.h"

namespace llmsched::ui {

StatisticsView::StatisticsView(LiveState& live, QWidget* parent)
    : QWidget(parent)
{
    Q_UNUSED(live);
}

} // namespace llmsched::ui
