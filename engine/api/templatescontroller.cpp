#include "templatescontroller.h"

#include "apicall.h"
#include "engine.h"

#include "core/futures.h"
#include "core/httpstatus.h"
#include "core/workflow.h"

#include <QJsonArray>
#include <QRegularExpression>
#include <QUrlQuery>

namespace llmsched {

namespace {

bool validTemplateName(const QString& name)
{
    static const QRegularExpression re(QStringLiteral("^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$"));
    return re.match(name).hasMatch();
}

// ?version= (0: the latest), or nothing (answered 400).
std::optional<int> versionOf(const CallPtr& c)
{
    const QString text = c->request.query.queryItemValue(QStringLiteral("version"));
    if (text.isEmpty())
        return 0;
    bool ok = false;
    const int v = text.toInt(&ok);
    if (!ok || v < 1) {
        c->answerError(http::BadRequest, {}, QStringLiteral("version must be a positive integer"), QStringLiteral("version"));
        return std::nullopt;
    }
    return v;
}

} // namespace

TemplatesController::TemplatesController(ApiServer& server, Engine& engine)
    : ApiController(server, engine)
{
    addRoute("POST", QStringLiteral("/api/v1/templates"), Role::Operator, Audit::Yes, [this](const CallPtr& c) { create(c); });
    addRoute("GET", QStringLiteral("/api/v1/templates"), Role::Viewer, Audit::No, [this](const CallPtr& c) { list(c); });
    addRoute("GET", QStringLiteral("/api/v1/templates/{name}"), Role::Viewer, Audit::No, [this](const CallPtr& c) { get(c); });
    addRoute("DELETE", QStringLiteral("/api/v1/templates/{name}"), Role::Operator, Audit::Yes, [this](const CallPtr& c) { remove(c); });
    addRoute("POST", QStringLiteral("/api/v1/templates/{name}/submit"), Role::Operator, Audit::Yes, [this](const CallPtr& c) { submit(c); });
    addRoute("POST", QStringLiteral("/api/v1/templates/{name}/batch"), Role::Operator, Audit::Yes, [this](const CallPtr& c) { batch(c); });
}

void TemplatesController::create(const CallPtr& c)
{
    auto body = c->body();
    if (!body)
        return;
    const QJsonObject o = body->toObject();
    const QString name = o.value(QLatin1String("name")).toString();
    if (!validTemplateName(name))
        return c->answerError(http::UnprocessableEntity, QStringLiteral("invalid_argument"),
            QStringLiteral("is required: 1-128 letters, digits, _, . or -, starting with a letter or digit"), QStringLiteral("name"));
    auto version = TemplateVersion::fromJson(o);
    if (!version)
        return c->answerError(version.error());
    onResult(m_engine.putTemplate(name, std::move(*version)), this, [c, name](const Result<StoredDoc>& r) {
        if (!r)
            return c->answerError(r.error());
        const QJsonObject t = templateJson(*r);
        c->summary = QStringLiteral("stored template %1 version %2").arg(name).arg(t.value(QLatin1String("version")).toInt());
        c->answerJson(http::Created, t);
    });
}

void TemplatesController::list(const CallPtr& c)
{
    const auto limit = queryLimit(c, 100, 1000);
    if (!limit)
        return;
    DocQuery q;
    q.kind = kDocTemplate;
    q.limit = *limit;
    q.after = c->request.query.queryItemValue(QStringLiteral("after"));
    onResult(m_engine.templates(q), this, [c](const Result<QList<StoredDoc>>& r) {
        if (!r)
            return c->answerError(r.error());
        QJsonArray out;
        for (const StoredDoc& d : *r) {
            QJsonObject t = templateJson(d);
            t.remove(QStringLiteral("body"));
            out.append(t);
        }
        c->answerJson(http::Ok, QJsonObject { { QStringLiteral("templates"), out } });
    });
}

void TemplatesController::get(const CallPtr& c)
{
    const auto version = versionOf(c);
    if (!version)
        return;
    onResult(m_engine.templateDoc(c->param(0)), this, [c, v = *version](const Result<StoredDoc>& r) {
        if (!r)
            return c->answerError(r.error());
        if (!templateVersion(*r, v))
            return c->answerError(Error::notFound(QStringLiteral("template '%1' has no version %2").arg(r->id).arg(v)));
        c->answerJson(http::Ok, templateJson(*r, v));
    });
}

void TemplatesController::remove(const CallPtr& c)
{
    onResult(m_engine.deleteTemplate(c->param(0)), this, [c](const VoidResult& r) {
        c->summary = QStringLiteral("deleted template %1").arg(c->param(0));
        answerNoContent(c, r);
    });
}

void TemplatesController::submit(const CallPtr& c)
{
    auto body = c->body();
    if (!body)
        return;
    const QJsonObject o = body->toObject();
    for (auto it = o.constBegin(); it != o.constEnd(); ++it)
        if (it.key() != QLatin1String("values") && it.key() != QLatin1String("version"))
            return c->answerError(http::UnprocessableEntity, QStringLiteral("invalid_argument"), QStringLiteral("unknown field"), it.key());
    const QJsonObject values = o.value(QLatin1String("values")).toObject();
    const int wanted = o.value(QLatin1String("version")).toInt(0);
    onResult(m_engine.templateDoc(c->param(0)), this, [this, c, values, wanted](const Result<StoredDoc>& doc) {
        if (!doc)
            return c->answerError(doc.error());
        const auto version = templateVersion(*doc, wanted);
        if (!version)
            return c->answerError(
                Error::invalid(QStringLiteral("version"), QStringLiteral("template '%1' has no version %2").arg(doc->id).arg(wanted)));
        auto rendered = version->render(values);
        if (!rendered)
            return c->answerError(rendered.error());
        c->summary = QStringLiteral("submitted template %1 version %2").arg(doc->id).arg(version->version);
        if (version->kind == QLatin1String("workflow")) {
            auto plan = WorkflowPlan::fromJson(*rendered);
            if (!plan)
                return c->answerError(plan.error());
            plan->metadata.insert(QStringLiteral("template"), QStringLiteral("%1@%2").arg(doc->id).arg(version->version));
            onResult(m_engine.createWorkflow(std::move(*plan)), this, [c](const Result<WorkflowView>& r) {
                if (!r)
                    return c->answerError(r.error());
                c->answerJson(http::Created, r->toJson(true));
            });
            return;
        }
        auto task = TaskSpec::fromJson(*rendered);
        if (!task)
            return c->answerError(task.error());
        task->labels.insert(QStringLiteral("template"), QStringLiteral("%1@%2").arg(doc->id).arg(version->version));
        onResult(m_engine.submit({ *task }), this, [c](const Result<QList<SubmitOutcome>>& r) {
            if (!r)
                return c->answerError(r.error());
            c->answerJson(http::Created,
                QJsonObject {
                    { QStringLiteral("id"), r->constFirst().id.toString() }, { QStringLiteral("state"), taskStateName(r->constFirst().state) } });
        });
    });
}

void TemplatesController::batch(const CallPtr& c)
{
    const auto version = versionOf(c);
    if (!version)
        return;
    const bool skipInvalid = c->request.query.queryItemValue(QStringLiteral("skip_invalid")) == QLatin1String("true");
    const QByteArray type = c->request.header("content-type").toLower();
    const bool csv = type.startsWith("text/csv");
    if (!csv && !type.startsWith("application/jsonl") && !type.startsWith("application/x-ndjson") && !type.startsWith("application/json"))
        return c->answerError(http::UnsupportedMediaType, QStringLiteral("invalid_argument"),
            QStringLiteral(
                "send text/csv (a header of variable names, then one row per submit) or application/jsonl (one object of values per line)"),
            {});
    const QByteArray content = c->request.body;
    onResult(m_engine.templateDoc(c->param(0)), this, [this, c, v = *version, skipInvalid, csv, content](const Result<StoredDoc>& doc) {
        if (!doc)
            return c->answerError(doc.error());
        const auto tmpl = templateVersion(*doc, v);
        if (!tmpl)
            return c->answerError(Error::notFound(QStringLiteral("template '%1' has no version %2").arg(doc->id).arg(v)));
        const QList<TemplateRow> rows = csv ? templateRowsFromCsv(content, tmpl->variables) : templateRowsFromJsonl(content);
        const bool workflows = tmpl->kind == QLatin1String("workflow");
        const int maxRows = workflows ? kMaxWorkflowRows : kMaxTaskRows;
        if (rows.isEmpty())
            return c->answerError(
                http::UnprocessableEntity, QStringLiteral("invalid_argument"), QStringLiteral("holds no rows"), QStringLiteral("body"));
        if (rows.size() > maxRows)
            return c->answerError(http::PayloadTooLarge, QStringLiteral("payload_too_large"),
                QStringLiteral("%1 rows; a batch of %2 templates takes at most %3").arg(rows.size()).arg(tmpl->kind).arg(maxRows),
                QStringLiteral("body"));
        const QString tag = QStringLiteral("%1@%2").arg(doc->id).arg(tmpl->version);
        QJsonArray errors;
        QList<TaskSpec> specs;
        QList<WorkflowPlan> plans;
        QList<int> rowOf;
        for (const TemplateRow& row : rows) {
            const auto fail = [&errors, &row](const QString& field, const QString& message) {
                errors.append(
                    QJsonObject { { QStringLiteral("row"), row.row }, { QStringLiteral("field"), field }, { QStringLiteral("message"), message } });
            };
            if (!row.error.isEmpty()) {
                fail({}, row.error);
                continue;
            }
            auto rendered = tmpl->render(row.values);
            if (!rendered) {
                fail(rendered.error().field, rendered.error().message);
                continue;
            }
            if (workflows) {
                auto plan = WorkflowPlan::fromJson(*rendered);
                if (!plan) {
                    fail(plan.error().field, plan.error().message);
                    continue;
                }
                plan->metadata.insert(QStringLiteral("template"), tag);
                plans.append(std::move(*plan));
            } else {
                auto task = TaskSpec::fromJson(*rendered);
                if (!task) {
                    fail(task.error().field, task.error().message);
                    continue;
                }
                task->labels.insert(QStringLiteral("template"), tag);
                specs.append(std::move(*task));
            }
            rowOf.append(row.row);
        }
        if (!errors.isEmpty() && !skipInvalid)
            return c->answerJson(http::UnprocessableEntity,
                QJsonObject { { QStringLiteral("error"),
                                  QJsonObject { { QStringLiteral("code"), QStringLiteral("invalid_argument") },
                                      { QStringLiteral("message"),
                                          QStringLiteral("%1 of %2 rows are wrong; nothing was submitted (?skip_invalid=true submits the others)")
                                              .arg(errors.size())
                                              .arg(rows.size()) } } },
                    { QStringLiteral("errors"), errors } });
        c->summary = QStringLiteral("batch of template %1: %2 rows").arg(tag).arg(rowOf.size());
        const auto answer = [c, errors, rowOf](const QJsonArray& ids) {
            QJsonArray submitted;
            for (qsizetype i = 0; i < ids.size() && i < rowOf.size(); ++i)
                submitted.append(QJsonObject { { QStringLiteral("row"), rowOf.at(i) }, { QStringLiteral("id"), ids.at(i) } });
            c->answerJson(http::Created, QJsonObject { { QStringLiteral("submitted"), submitted }, { QStringLiteral("errors"), errors } });
        };
        if (!workflows) {
            if (specs.isEmpty())
                return answer({});
            onResult(m_engine.submit(std::move(specs)), this, [c, answer](const Result<QList<SubmitOutcome>>& r) {
                if (!r)
                    return c->answerError(r.error());
                QJsonArray ids;
                for (const SubmitOutcome& o : *r)
                    ids.append(o.id.toString());
                answer(ids);
            });
            return;
        }
        // Workflows one after another; a refused one is an error of its row.
        auto ids = std::make_shared<QJsonArray>();
        auto next = std::make_shared<std::function<void(qsizetype)>>();
        *next = [this, c, plans, ids, next, answer, rowOf, errors](qsizetype i) mutable {
            if (i >= plans.size()) {
                answer(*ids);
                *next = nullptr;
                return;
            }
            onResult(m_engine.createWorkflow(plans.at(i)), this, [ids, next, i](const Result<WorkflowView>& r) {
                ids->append(r ? QJsonValue(r->doc.id) : QJsonValue(QStringLiteral("error: ") + r.error().toString()));
                if (*next)
                    (*next)(i + 1);
            });
        };
        (*next)(0);
    });
}

} // namespace llmsched
