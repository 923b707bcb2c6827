#pragma once

#include "apitoken.h"
#include "enginetypes.h"
#include "minutestats.h"
#include "storetypes.h"

#include <QJsonObject>
#include <QUrlQuery>

namespace llmsched {

// The JSON the REST API speaks, both ways: the server writes these forms and
// the remote engine client (engine/client) reads them back, so the two cannot
// drift apart. Readers take what the server wrote; a missing field reads as
// its default.

// The engine's live state: GET /api/v1/system/stats and the "stats" events
// (whole engine), and the "live" part of a model.
QJsonObject statsJson(const EngineSnapshot& s);
QJsonObject modelLiveJson(const ModelSnapshot& m);
// The snapshot back from statsJson; each model's configuration comes from
// `configs` (GET /api/v1/models) when it is there.
EngineSnapshot snapshotFromJson(const QJsonObject& stats, const QList<ModelConfig>& configs);

// "event: task" of /api/v1/events.
QJsonObject taskEventJson(const TaskEvent& e);
TaskEvent taskEventFromJson(const QJsonObject& o);

// A task as Task::toJson writes it.
Task taskFromJson(const QJsonObject& o);
TaskLogEntry taskLogEntryFromJson(const QJsonObject& o);

// One minute of one model (GET /api/v1/system/stats/minutes).
QJsonObject minuteStatsJson(const MinuteStats& m);
MinuteStats minuteStatsFromJson(const QJsonObject& o);

// One row of the node registry (GET /api/v1/nodes).
QJsonObject nodeJson(const NodeInfo& n);
NodeInfo nodeFromJson(const QJsonObject& o);

ApiToken apiTokenFromJson(const QJsonObject& o);

QJsonObject endpointTestJson(const EndpointTestResult& r);
EndpointTestResult endpointTestFromJson(const QJsonObject& o);

// The query of GET /api/v1/tasks (and /count) that asks for `filter`.
QUrlQuery taskFilterQuery(const TaskFilter& filter);
QString taskOrderName(TaskFilter::Order order);
std::optional<TaskFilter::Order> taskOrderFromName(QStringView name);

// The error of an API answer ({"error": {code, message, field}}) as the
// engine would have given it; `status` decides when the body says nothing.
Error errorFromJson(const QJsonObject& body, int status);

} // namespace llmsched
