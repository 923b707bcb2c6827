#pragma once

#include "apicall.h"

#include "core/enginetypes.h"
#include "core/task.h"

#include <QHash>
#include <QObject>

#include <functional>
#include <memory>
#include <optional>

namespace llmsched {

class ChatStreamTranslator;
class Engine;

// Queues the task of an API call that answers when its task ends (the
// OpenAI, Anthropic and Responses facades) and hands the call what the engine
// says of that task: its stream chunks, then its outcome. A client that
// disconnects cancels its task. One per server, so each task event crosses
// from the engine thread once.
class TaskWaiter final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(TaskWaiter)

public:
    struct Handlers
    {
        // The task is queued (before any chunk is handed on): begin a stream here.
        std::function<void(const QString& id)> queued;
        std::function<void(const QByteArray& chunk)> delta; // may be empty: chunks are dropped
        std::function<void(const TaskOutcome& outcome)> finished;
        // The submit was refused: nothing was queued.
        std::function<void(const Error& error)> refused;
    };

    TaskWaiter(Engine& engine, QObject* parent);

    void submit(const CallPtr& c, const TaskSpec& spec, Handlers handlers);

private:
    void onTaskDelta(const QString& id, const QByteArray& chunk);
    void onTaskFinished(const TaskOutcome& outcome);

    Engine& m_engine;
    struct Wait
    {
        CallPtr call;
        Handlers handlers;
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

namespace llmsched {

// ---- what the model-call facades share ----------------------------------------------

// Whether a model of this name is configured.
bool modelExists(const Engine& engine, const QString& model);
// The task of a model call: its input as the upstream takes it, priority from
// the X-Priority header (default high: someone is waiting). Answers the error
// (400, naming the field as the API knows it) and returns nothing when the
// task is not valid.
std::optional<TaskSpec> callTask(const CallPtr& c, const QString& model, TaskKind kind, const QJsonObject& input, const QJsonObject& labels = {});
// A refused submit as an HTTP error: 429 at capacity (SDKs retry it), else
// the engine error's status.
void answerRefused(const CallPtr& c, const Error& e);
// The error a failed task is answered with: the upstream's own 4xx when the
// request was at fault, 502 for any other dead end, 503 when cancelled.
int statusOf(const TaskOutcome& o);
QString messageOf(const TaskOutcome& o);
// The handlers of a call answered in another API's shape (Messages,
// Responses): with stream, an event stream of the translator makeStream
// builds for the task once it is queued; otherwise whole(outcome) once the
// task succeeded. Failures: statusOf/messageOf, as an error answer or event.
TaskWaiter::Handlers translatedCall(const CallPtr& c, bool stream,
    std::function<std::unique_ptr<ChatStreamTranslator>(const QString& taskId)> makeStream,
    std::function<QJsonObject(const TaskOutcome& outcome)> whole);

} // namespace llmsched
