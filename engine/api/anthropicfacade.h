#pragma once

#include "apicontroller.h"
#include "taskwaiter.h"

namespace llmsched {

// Anthropic's Messages API on any configured model: POST /v1/messages, plain
// or streamed (message_start ... message_stop). The request is translated to
// the chat input every task runs on and the answer back
// (core/anthropicdialect.h); the call is a queued task like any other. The
// token may come as x-api-key, anthropic-version is accepted, and errors take
// Anthropic's shape.
class AnthropicFacade final : public ApiController
{
    Q_OBJECT

public:
    AnthropicFacade(ApiServer& server, Engine& engine, TaskWaiter& waiter);

private:
    void createMessage(const CallPtr& c);

    TaskWaiter& m_waiter;
};

} // namespace llmsched
