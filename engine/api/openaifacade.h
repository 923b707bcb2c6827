#pragma once

#include "apicontroller.h"
#include "taskwaiter.h"

#include "core/enginetypes.h"
#include "core/task.h"

namespace llmsched {

// The OpenAI-compatible API: /v1/models, /v1/chat/completions,
// /v1/completions and /v1/embeddings. A call is queued as a task of the model
// named in the body (priority from the X-Priority header, default high) and
// answered when the task ends; with "stream": true the upstream's chunks are
// relayed as they arrive. A client that disconnects cancels its task. Errors
// take OpenAI's shape, so SDKs report them as usual.
class OpenAiFacade final : public ApiController
{
    Q_OBJECT

public:
    OpenAiFacade(ApiServer& server, Engine& engine, TaskWaiter& waiter);

private:
    void listModels(const CallPtr& c);
    void call(const CallPtr& c, TaskKind kind);

    TaskWaiter& m_waiter;
};

} // namespace llmsched
