#include "modelsview.h"

#include "livestate.h"

namespace llmsched::ui {

ModelsView::ModelsView(LiveState& live, QWidget* parent)
    : QWidget(parent)
{
    Q_UNUSED(live);
}

} // namespace llmsched::ui
