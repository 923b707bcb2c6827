#pragma once

#include "jsontable.h"

#include "core/result.h"

#include <QDialog>
#include <QHash>
#include <QJsonObject>
#include <QWidget>

#include <functional>

class QAction;
class QComboBox;
class QDialogButtonBox;
class QFormLayout;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QTableWidget;

namespace llmsched::ui {

class EmptyHint;
class LiveState;

// Edits a template: its name, kind (a task or a workflow), description,
// variables ({"name": {"type": "string", "default": ...}}) and body (a task or
// workflow body whose strings may hold {{vars.name}}). Checked as it is typed
// with the engine's own code (core/tasktemplate.h); saving adds a version.
class TemplateEditor final : public QDialog
{
    Q_OBJECT

public:
    // tmpl: a template as the API shows it with its body (edit), or empty (new).
    TemplateEditor(const QJsonObject& tmpl, QWidget* parent = nullptr);

    QJsonObject body() const;
    bool valid() const { return m_checks.valid(); }
    QString problem() const;

    QLineEdit* nameEdit() const { return m_name; }
    QPlainTextEdit* variablesEdit() const { return m_variables; }
    QPlainTextEdit* bodyEdit() const { return m_body; }

private:
    void check();

    QLineEdit* m_name = nullptr;
    QComboBox* m_kind = nullptr;
    QLineEdit* m_description = nullptr;
    QPlainTextEdit* m_variables = nullptr;
    QPlainTextEdit* m_body = nullptr;
    EditorChecks m_checks;
};

// Values for one submit of a template: a field per variable, typed, with
// its default as the placeholder.
class TemplateValuesDialog final : public QDialog
{
    Q_OBJECT

public:
    TemplateValuesDialog(const QJsonObject& tmpl, QWidget* parent = nullptr);
    // The values typed in (empty fields are left out: their defaults apply);
    // an error names the field whose text is not of its type.
    Result<QJsonObject> values() const;
    QLineEdit* field(const QString& variable) const { return m_fields.value(variable); }

private:
    QJsonObject m_variables;
    QHash<QString, QLineEdit*> m_fields;
};

// The templates (latest versions): new, edit (a new version), submit with
// values, submit once per row of a CSV or JSONL file (per-row errors shown),
// delete.
class TemplatesPanel final : public QWidget
{
    Q_OBJECT

public:
    enum Column { Name, Kind, Version, Variables, Description, Created, ColumnCount };

    explicit TemplatesPanel(LiveState& live, QWidget* parent = nullptr);

    QTableWidget* table() const { return m_table; }
    QLabel* summary() const { return m_summary; }
    QAction* newAction() const { return m_new; }
    QAction* submitAction() const { return m_submit; }
    QAction* batchAction() const { return m_batch; }
    void reload();
    // The steps behind the dialogs (tests call them directly).
    void save(const QJsonObject& body);
    void submit(const QString& name, const QJsonObject& values);
    void submitFile(const QString& name, const QString& path, bool skipInvalid);

signals:
    void loaded();
    // What the last save or submit did, as shown to the operator.
    void done(bool ok, const QString& message);

private:
    void updateActions();
    void withTemplate(const std::function<void(const QJsonObject&)>& then);

    LiveState& m_live;
    QTableWidget* m_table = nullptr;
    QLabel* m_summary = nullptr;
    EmptyHint* m_empty = nullptr;
    QAction* m_new = nullptr;
    QAction* m_edit = nullptr;
    QAction* m_submit = nullptr;
    QAction* m_batch = nullptr;
    QAction* m_delete = nullptr;
};

} // namespace llmsched::ui
