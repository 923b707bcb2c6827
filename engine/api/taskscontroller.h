#pragma once

#include "apicontroller.h"

#include "core/task.h"

#include <vector>

namespace llmsched {

// /api/v1/tasks: submit (batched), list, get, cancel, change priority, retry,
// and a task's log.
class TasksController final : public ApiController
{
    Q_OBJECT

public:
    TasksController(ApiServer& server, Engine& engine);

private:
    void submitTasks(const CallPtr& c);
    void flushSubmits();
    void getTask(const CallPtr& c);
    void cancelTask(const CallPtr& c);
    void patchTask(const CallPtr& c);
    void retryTask(const CallPtr& c);
    void taskLog(const CallPtr& c);

    struct PendingSubmit
    {
        CallPtr call;
        bool single = false; // one task object, not a list: answered as one
    };
    // Submits that arrived in one pass of the event loop go to the engine
    // together (one hop, one store transaction); answered each on its own.
    std::vector<PendingSubmit> m_submits;
    QList<QList<TaskSpec>> m_submitSpecs;
};

} // namespace llmsched
