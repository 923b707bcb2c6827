#pragma once

#include "apicontroller.h"

#include "core/enginetypes.h"
#include "core/task.h"

#include <QHash>

#include <optional>

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
    OpenAiFacade(ApiServer& server, Engine& engine);

private:
    void listModels(const CallPtr& c);
    void call(const CallPtr& c, TaskKind kind);
    void onTaskDelta(const QString& id, const QByteArray& chunk);
    void onTaskFinished(const TaskOutcome& outcome);

    // A call waiting for its task.
    struct Wait
    {
        CallPtr call;
        TaskKind kind = TaskKind::Chat;
        bool stream = false;
        bool sentDelta = false; // the upstream streamed: its answer is already out
    };
    QHash<QString, Wait> m_waits; // by task id
    // What the engine said of a task before its submit came back here (the
    // task can stream and even finish first): replayed when it does. Kept only
    // while submits are on their way, and never more than kMaxEarly tasks.
    struct Early
    {
        QList<QByteArray> deltas;
        std::optional<TaskOutcome> outcome;
    };
    static constexpr qsizetype kMaxEarly = 4096;
    QHash<QString, Early> m_early;
    int m_submitting = 0; // submits whose answer has not come back
};

} // namespace llmsched
