#pragma once

#include "apicontroller.h"

namespace llmsched {

// /api/v1/dead-letters: tasks that ended dead, to list, requeue or purge.
class DeadLettersController final : public ApiController
{
    Q_OBJECT

public:
    DeadLettersController(ApiServer& server, Engine& engine);

private:
    void requeue(const CallPtr& c);
    void purge(const CallPtr& c);
};

} // namespace llmsched
