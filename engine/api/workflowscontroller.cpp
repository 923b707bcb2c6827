#include "workflowscontroller.h"

#include "apicall.h"
#include "engine.h"

#include "core/futures.h"
#include "core/httpstatus.h"

#include <QJsonArray>
#include <QUrlQuery>

namespace llmsched {

WorkflowsController::WorkflowsController(ApiServer& server, Engine& engine)
    : ApiController(server, engine)
{
    addRoute("POST", QStringLiteral("/api/v1/workflows"), Role::Operator, Audit::Yes, [this](const CallPtr& c) { create(c); });
    addRoute("GET", QStringLiteral("/api/v1/workflows"), Role::Viewer, Audit::No, [this](const CallPtr& c) { list(c); });
    addRoute("GET", QStringLiteral("/api/v1/workflows/{id}"), Role::Viewer, Audit::No, [this](const CallPtr& c) { get(c); });
    addRoute("GET", QStringLiteral("/api/v1/workflows/{id}/graph"), Role::Viewer, Audit::No, [this](const CallPtr& c) { graph(c); });
    addRoute("POST", QStringLiteral("/api/v1/workflows/{id}/cancel"), Role::Operator, Audit::Yes, [this](const CallPtr& c) { cancel(c); });
    server.setBodyLimit("POST", QStringLiteral("/api/v1/workflows"), kMaxBodyBytes);
}

void WorkflowsController::create(const CallPtr& c)
{
    auto body = c->body();
    if (!body)
        return;
    if (!body->isObject())
        return c->answerError(http::UnprocessableEntity, QStringLiteral("invalid_argument"), QStringLiteral("must be a workflow object"), {});
    auto plan = WorkflowPlan::fromJson(body->toObject());
    if (!plan)
        return c->answerError(plan.error());
    const qsizetype n = plan->steps.size();
    onResult(m_engine.createWorkflow(std::move(*plan)), this, [c, n](const Result<WorkflowView>& r) {
        if (!r)
            return c->answerError(r.error());
        c->summary = QStringLiteral("created workflow %1 (%2 tasks)").arg(r->doc.id).arg(n);
        c->answerJson(http::Created, r->toJson(true));
    });
}

void WorkflowsController::list(const CallPtr& c)
{
    const auto limit = queryLimit(c, 100, 1000);
    if (!limit)
        return;
    DocQuery q;
    q.kind = kDocWorkflow;
    q.limit = *limit;
    q.after = c->request.query.queryItemValue(QStringLiteral("after"));
    const QString state = c->request.query.queryItemValue(QStringLiteral("state"));
    if (!state.isEmpty()) {
        for (const QString& s : state.split(u',')) {
            if (s != workflowstate::kRunning && !workflowstate::isFinal(s))
                return c->answerError(http::UnprocessableEntity, QStringLiteral("invalid_argument"),
                    QStringLiteral("state must be running, succeeded, failed or cancelled (comma-separated)"), QStringLiteral("state"));
            q.statuses << s;
        }
    }
    onResult(m_engine.workflows(q), this, [c](const Result<QList<WorkflowView>>& r) {
        if (!r)
            return c->answerError(r.error());
        QJsonArray data;
        for (const WorkflowView& v : *r)
            data.append(v.toJson(false));
        c->answerJson(http::Ok, QJsonObject { { QStringLiteral("workflows"), data } });
    });
}

void WorkflowsController::get(const CallPtr& c)
{
    onResult(m_engine.workflow(c->param(0)), this, [c](const Result<WorkflowView>& r) {
        if (!r)
            return c->answerError(r.error());
        c->answerJson(http::Ok, r->toJson(true));
    });
}

void WorkflowsController::graph(const CallPtr& c)
{
    onResult(m_engine.workflowGraph(c->param(0)), this, [c](const Result<QJsonObject>& r) {
        if (!r)
            return c->answerError(r.error());
        c->answerJson(http::Ok, *r);
    });
}

void WorkflowsController::cancel(const CallPtr& c)
{
    onResult(m_engine.cancelWorkflow(c->param(0)), this, [c](const Result<WorkflowView>& r) {
        if (!r)
            return c->answerError(r.error());
        c->summary = QStringLiteral("cancelled workflow %1").arg(r->doc.id);
        c->answerJson(http::Ok, r->toJson(false));
    });
}

} // namespace llmsched
