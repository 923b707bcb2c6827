#pragma once

#include "apicontroller.h"

namespace llmsched {

// Templates in the native API (core/tasktemplate.h, docs/workflows.md):
// POST /api/v1/templates (a new template, or a new version of one),
// GET /api/v1/templates, GET/DELETE /api/v1/templates/{name} (?version=),
// POST /api/v1/templates/{name}/submit ({values, version?}: one task or
// workflow) and POST /api/v1/templates/{name}/batch (a CSV with a header of
// variable names, or JSONL of value objects: one task or workflow per row;
// nothing is submitted when a row is wrong unless ?skip_invalid=true; the
// errors name the rows).
class TemplatesController final : public ApiController
{
    Q_OBJECT

public:
    TemplatesController(ApiServer& server, Engine& engine);

private:
    void create(const CallPtr& c);
    void list(const CallPtr& c);
    void get(const CallPtr& c);
    void remove(const CallPtr& c);
    void submit(const CallPtr& c);
    void batch(const CallPtr& c);
};

} // namespace llmsched
