#pragma once

#include "documents.h"
#include "result.h"

#include <QHash>
#include <QJsonArray>
#include <QJsonObject>
#include <QList>

namespace llmsched {

inline constexpr QLatin1String kDocTemplate("template");

// A named, versioned template of a task or a workflow (POST /api/v1/templates,
// docs/workflows.md). Its body is a POST /api/v1/tasks or /api/v1/workflows
// body in which strings may hold {{vars.<name>}}: a string that is exactly
// one reference becomes the value itself (typed), a reference inside text is
// written into it. Each variable has a type (string, integer, number,
// boolean) and may have a default; one without a default is required.
// {{steps....}} is left for the workflow to fill in when a step is ready.
struct TemplateVersion
{
    int version = 0;
    qint64 createdMs = 0;
    QString kind; // "task" or "workflow"
    QString description;
    QJsonObject variables; // name -> {type, default?, description?}
    QJsonObject body;

    // Checks the body as its route would, with each variable's default (or a
    // sample of its type); errors name the field.
    static Result<TemplateVersion> fromJson(const QJsonObject& json);
    QJsonObject toJson() const;

    // The body with values (and defaults) filled in. Errors name the value's
    // variable ("values.region"), or a required one that is missing.
    Result<QJsonObject> render(const QJsonObject& values) const;
};

// A value row read from a CSV line (header names the variables) or a JSONL
// line (an object): strings from CSV are converted to each variable's type.
// Rows are numbered from 1; errors are collected per row.
struct TemplateRow
{
    int row = 0;
    QJsonObject values;
    QString error; // the row could not be read
};
QList<TemplateRow> templateRowsFromCsv(const QByteArray& csv, const QJsonObject& variables);
QList<TemplateRow> templateRowsFromJsonl(const QByteArray& jsonl);

// nullopt when name is a valid template name (1-128 letters, digits, _, . or
// -, starting with a letter or digit), else why not.
std::optional<QString> templateNameProblem(const QString& name);

// What a submit from a template did (WorkflowManager::submitFromTemplate):
// per row, the task or workflow id it made or what was wrong with it.
struct TemplateSubmission
{
    static constexpr int kMaxTaskRows = 50'000;
    static constexpr int kMaxWorkflowRows = 1'000;

    QString tag; // "name@version", the label (tasks) or metadata (workflows) of what it made
    int rows = 0;
    bool refused = false; // rows were wrong and skip_invalid was not set: nothing was submitted
    QJsonArray submitted; // [{row, id}]
    QJsonArray errors; // [{row, field, message}]
    QJsonObject single; // a submit of one: the task ({id, state}) or the workflow as the API shows it
};

// What the API shows: the latest (or the given) version and the list of versions.
QJsonObject templateJson(const StoredDoc& doc, int version = 0);
// The version stored in doc (0: the latest); nullopt when there is none.
std::optional<TemplateVersion> templateVersion(const StoredDoc& doc, int version = 0);

} // namespace llmsched
