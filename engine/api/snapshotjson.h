#pragma once

#include "core/enginetypes.h"

#include <QJsonObject>

namespace llmsched {

// The engine's live state as the API shows it: GET /api/v1/system/stats and
// the "stats" events (whole engine), and the "live" part of a model.
QJsonObject statsJson(const EngineSnapshot& s);
QJsonObject modelLiveJson(const ModelSnapshot& m);

} // namespace llmsched
