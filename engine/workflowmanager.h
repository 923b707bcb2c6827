#pragma once

#include "core/documents.h"
#include "core/enginetypes.h"
#include "core/result.h"
#include "core/tasktemplate.h"
#include "core/workflow.h"

#include <QFuture>
#include <QHash>
#include <QObject>
#include <QPromise>
#include <QSet>

#include <functional>

namespace llmsched {

class Engine;
class Store;

// Runs workflows (core/workflow.h): gives each step a task id, stores the
// workflow's document, submits its tasks in one piece (parents first), then
// follows their committed state changes to tell when the workflow ended and
// how. A restarted engine reads the workflows still running and the states
// of their tasks, and follows them on. Lives on the engine thread.
class WorkflowManager final : public QObject
{
    Q_OBJECT

public:
    WorkflowManager(Engine& engine, Store& store, QObject* parent = nullptr);

    void start();
    QFuture<Result<WorkflowView>> create(WorkflowPlan plan);
    QFuture<Result<WorkflowView>> cancel(const QString& id);
    // Reads: a running workflow's counts are read live, an ended one's were
    // kept when it ended.
    QFuture<Result<WorkflowView>> view(const QString& id);
    QFuture<Result<QList<WorkflowView>>> list(const DocQuery& query);
    QFuture<Result<QJsonObject>> graph(const QString& id);

    // Templates (core/tasktemplate.h): adds a version to the template of that
    // name (its first when new), with a compare-and-set so two writers both
    // get a version of their own. Answers the stored document.
    QFuture<Result<StoredDoc>> addTemplateVersion(const QString& name, TemplateVersion version);
    // Submits the template `name` (version 0: its latest) once per row of
    // values: tasks in one submit, workflows one after another. Wrong rows are
    // listed; unless skipInvalid, then nothing is submitted (refused). single:
    // one row from a submit with values, whose error is the answer's.
    QFuture<Result<TemplateSubmission>> submitFromTemplate(const QString& name, int version, QList<TemplateRow> rows, bool skipInvalid, bool single);

    void onTaskEvents(const TaskEvents& events);

signals:
    // A workflow ended: its document (with its counts) and what the API shows of it.
    void ended(const llmsched::StoredDoc& doc, const QJsonObject& view);

private:
    struct Run
    {
        StoredDoc doc;
        QSet<Ulid> unfinished;
        QSet<Ulid> sinks; // steps no other step depends on: the workflow's results
        bool sinkFailed = false;
        bool cancelRequested = false;
        bool submitted = false; // its submit was answered: it may end
    };
    void follow(Run run, const QList<Ulid>& ids, const QHash<QString, TaskState>& states);
    void finish(const QString& id);
    void resume(const StoredDoc& doc);
    void tryAddVersion(const QString& name, const TemplateVersion& version, int attempt, std::shared_ptr<QPromise<Result<StoredDoc>>> reply);
    void withCounts(const QList<StoredDoc>& docs, std::function<void(Result<QList<WorkflowView>>)> done);

    Engine& m_engine;
    Store& m_store;
    QHash<QString, Run> m_runs; // running workflows, by id
    QHash<Ulid, QString> m_taskRun; // their unfinished tasks -> workflow id
    QSet<QString> m_created; // since start(): followed from their submit, never resumed
};

} // namespace llmsched
