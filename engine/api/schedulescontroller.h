#pragma once

#include "apicontroller.h"

namespace llmsched {

// Schedules in the native API (core/schedule.h, docs/workflows.md):
// POST/GET /api/v1/schedules, GET/PUT/DELETE /api/v1/schedules/{id},
// POST /api/v1/schedules/{id}/pause, /resume and /run (fire now), and
// POST /api/v1/schedules/preview (the next fire times of a cron or interval,
// for an editor; nothing is stored).
class SchedulesController final : public ApiController
{
    Q_OBJECT

public:
    SchedulesController(ApiServer& server, Engine& engine);

private:
    void create(const CallPtr& c);
    void list(const CallPtr& c);
    void get(const CallPtr& c);
    void replace(const CallPtr& c);
    void remove(const CallPtr& c);
    void pause(const CallPtr& c, bool paused);
    void run(const CallPtr& c);
    void preview(const CallPtr& c);
};

} // namespace llmsched
