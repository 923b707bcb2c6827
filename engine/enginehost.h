#pragma once

#include "core/enginetypes.h"

namespace llmsched {

// What the engine asks of whoever hosts it: the GUI (tray notifications), the
// daemon (log lines, exit) and tests each implement it once.
class EngineHost
{
public:
    virtual ~EngineHost() = default;
    // Something an operator should hear about. Called on the Engine's thread.
    virtual void notify(const Notification& notification) = 0;
};

} // namespace llmsched
