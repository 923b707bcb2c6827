#pragma once

#include "apicontroller.h"

#include <QJsonObject>

#include <deque>

namespace llmsched {

// /health and /api/v1/system: readiness, live statistics, pausing all
// dispatch, recent notifications and the audit log.
class SystemController final : public ApiController
{
    Q_OBJECT

public:
    SystemController(ApiServer& server, Engine& engine);

signals:
    // A notification as GET /api/v1/system/logs lists it (and the event stream sends it).
    void logged(const QJsonObject& entry);

private:
    void health(const CallPtr& c);
    void stats(const CallPtr& c);
    void minutes(const CallPtr& c);
    void nodes(const CallPtr& c);
    void pauseAll(const CallPtr& c, bool pause);
    void logs(const CallPtr& c);
    void audit(const CallPtr& c);
    void onNotification(const Notification& n);

    std::deque<QJsonObject> m_logs; // recent notifications, oldest first
};

} // namespace llmsched
