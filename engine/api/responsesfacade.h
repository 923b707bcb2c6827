#pragma once

#include "apicontroller.h"
#include "taskwaiter.h"

#include <QJsonArray>

namespace llmsched {

struct Task;

// OpenAI's Responses API on any configured model: POST /v1/responses (plain,
// streamed with the official event sequence, or background: answered at once
// as queued and read back later), GET /v1/responses/{id} and POST
// /v1/responses/{id}/cancel. A response is a queued task (label api =
// responses; its id is "resp_" + the task id), run as a chat call
// (core/responsesdialect.h); previous_response_id continues the conversation
// of an earlier response.
class ResponsesFacade final : public ApiController
{
    Q_OBJECT

public:
    ResponsesFacade(ApiServer& server, Engine& engine, TaskWaiter& waiter);

private:
    void create(const CallPtr& c);
    void createAfter(const CallPtr& c, const QJsonObject& body, const QJsonArray& earlier);
    void get(const CallPtr& c);
    void cancel(const CallPtr& c);
    // The stored task of a response id, or a 404 answered.
    void withTask(const CallPtr& c, const QString& responseId, const QString& param, std::function<void(const Task&)> then);

    TaskWaiter& m_waiter;
};

} // namespace llmsched
