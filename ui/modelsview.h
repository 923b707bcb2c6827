#pragma once

#include <QWidget>

namespace llmsched::ui {

class LiveState;

// Placeholder until the view lands.
class ModelsView final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ModelsView)

public:
    explicit ModelsView(LiveState& live, QWidget* parent = nullptr);
};

} // namespace llmsched::ui
