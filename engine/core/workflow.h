#pragma once

#include "documents.h"
#include "result.h"
#include "storetypes.h"
#include "task.h"

#include <QJsonObject>
#include <QList>
#include <QString>

namespace llmsched {

// A workflow: a graph of tasks submitted at once (POST /api/v1/workflows).
// Its tasks name each other by keys local to the request; a task may have
// several parents and runs when they all succeeded. When one ends dead or
// cancelled, the task is cancelled with the reason, unless that edge says
// "on_failure": "continue". A task's input may use its parents' results
// (core/steptemplate.h). See docs/workflows.md.
//
// Its tasks are ordinary tasks of one group (parent = the workflow's group,
// labels workflow, step and step_refs), so the queue, retries, limits and
// the store treat them like any other; the workflow itself is a document
// (core/documents.h) with its steps and edges.

constexpr qsizetype kMaxWorkflowTasks = 100'000;
constexpr qsizetype kMaxWorkflowParents = 60'000; // of one task

struct WorkflowStep
{
    QString key;
    TaskSpec spec; // depends_on, parent and labels are set when it is submitted
    struct Edge
    {
        qsizetype parent = 0; // index into WorkflowPlan::steps
        bool continueOnFailure = false;
    };
    QList<Edge> parents;
    QStringList refs; // the step keys its input refers to (all among its parents)
    qsizetype requestIndex = 0; // where it was in the request's tasks
};

// A validated request, its steps in an order where parents come first.
struct WorkflowPlan
{
    QString name;
    QJsonObject metadata;
    QString webhook; // webhook ids (comma-separated) told of its end and, as label "webhook", of its tasks'

    QList<WorkflowStep> steps;

    // Refuses cycles (naming the keys around one), keys nobody has, twice
    // the same key, references to steps that are not parents; errors name
    // the field, e.g. "tasks[3].depends_on[0]".
    static Result<WorkflowPlan> fromJson(const QJsonObject& json, const TaskLimits& limits = {});
};

// A workflow's state: running until every task ended; then succeeded when
// every task without dependents (its results) succeeded, cancelled when an
// operator cancelled it, else failed.
namespace workflowstate {
inline constexpr QLatin1String kRunning("running");
inline constexpr QLatin1String kSucceeded("succeeded");
inline constexpr QLatin1String kFailed("failed");
inline constexpr QLatin1String kCancelled("cancelled");
inline bool isFinal(const QString& s)
{
    return s == kSucceeded || s == kFailed || s == kCancelled;
}
} // namespace workflowstate

// What the API shows of a workflow: the document, and its tasks per state
// (read from the store: live while it runs).
struct WorkflowView
{
    StoredDoc doc;
    FinishedCounts counts {};

    // includeTasks: the "tasks" map of step key -> task id.
    QJsonObject toJson(bool includeTasks) const;
};

// The graph for views: nodes (key, id, model, state) and edges.
QJsonObject workflowGraphJson(const StoredDoc& doc, const QHash<QString, TaskState>& states);

} // namespace llmsched
