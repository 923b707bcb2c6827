#pragma once

#include "apicontroller.h"

namespace llmsched {

// Workflows in the native API (core/workflow.h, docs/workflows.md):
// POST /api/v1/workflows (a graph of tasks at once), GET /api/v1/workflows
// (newest first; ?state, ?limit, ?after), GET /api/v1/workflows/{id} (state,
// counts, the task of each key), GET /api/v1/workflows/{id}/graph (steps and
// edges with their states) and POST /api/v1/workflows/{id}/cancel.
class WorkflowsController final : public ApiController
{
    Q_OBJECT

public:
    WorkflowsController(ApiServer& server, Engine& engine);

    // A workflow of the largest size fits: 100,000 tasks of a few hundred bytes.
    static constexpr qint64 kMaxBodyBytes = 64LL * 1024 * 1024;

private:
    void create(const CallPtr& c);
    void list(const CallPtr& c);
    void get(const CallPtr& c);
    void graph(const CallPtr& c);
    void cancel(const CallPtr& c);
};

} // namespace llmsched
