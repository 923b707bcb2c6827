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
    if (auto problem = templateNameProblem(name))
        return c->answerError(http::UnprocessableEntity, QStringLiteral("invalid_argument"), *problem, QStringLiteral("name"));
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
    const TemplateRow row { 1, o.value(QLatin1String("values")).toObject(), {} };
    onResult(m_engine.submitFromTemplate(c->param(0), o.value(QLatin1String("version")).toInt(0), { row }, false, true), this,
        [c](const Result<TemplateSubmission>& r) {
            if (!r)
                return c->answerError(r.error());
            c->summary = QStringLiteral("submitted template %1").arg(r->tag);
            c->answerJson(http::Created, r->single);
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
    const QString name = c->param(0);
    // CSV cells are typed by the template's variables: read it first.
    onResult(m_engine.templateDoc(name), this, [this, c, v = *version, skipInvalid, csv, content, name](const Result<StoredDoc>& doc) {
        if (!doc)
            return c->answerError(doc.error());
        const auto tmpl = templateVersion(*doc, v);
        if (!tmpl)
            return c->answerError(Error::notFound(QStringLiteral("template '%1' has no version %2").arg(doc->id).arg(v)));
        QList<TemplateRow> rows = csv ? templateRowsFromCsv(content, tmpl->variables) : templateRowsFromJsonl(content);
        onResult(
            m_engine.submitFromTemplate(name, tmpl->version, std::move(rows), skipInvalid, false), this, [c](const Result<TemplateSubmission>& r) {
                if (!r)
                    return c->answerError(r.error());
                if (r->refused)
                    return c->answerJson(http::UnprocessableEntity,
                        QJsonObject {
                            { QStringLiteral("error"),
                                QJsonObject { { QStringLiteral("code"), QStringLiteral("invalid_argument") },
                                    { QStringLiteral("message"),
                                        QStringLiteral("%1 of %2 rows are wrong; nothing was submitted (?skip_invalid=true submits the others)")
                                            .arg(r->errors.size())
                                            .arg(r->rows) } } },
                            { QStringLiteral("errors"), r->errors } });
                c->summary = QStringLiteral("batch of template %1: %2 rows").arg(r->tag).arg(r->submitted.size());
                c->answerJson(http::Created, QJsonObject { { QStringLiteral("submitted"), r->submitted }, { QStringLiteral("errors"), r->errors } });
            });
    });
}

} // namespace llmsched
