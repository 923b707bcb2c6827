#include "templatesview.h"

#include "glyphicons.h"
#include "jsontable.h"
#include "livestate.h"
#include "uiutil.h"

#include "client/engineclient.h"
#include "core/tasktemplate.h"

#include <QAction>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>

namespace llmsched::ui {

namespace {

constexpr qint64 kMaxRowsFileBytes = 64LL * 1024 * 1024;

QString json(const QJsonObject& o)
{
    return QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Indented));
}

const QJsonObject& sampleVariables()
{
    static const QJsonObject v { { QStringLiteral("topic"), QJsonObject { { QStringLiteral("type"), QStringLiteral("string") } } },
        { QStringLiteral("lines"), QJsonObject { { QStringLiteral("type"), QStringLiteral("integer") }, { QStringLiteral("default"), 3 } } } };
    return v;
}

const QJsonObject& sampleBody()
{
    static const QJsonObject b { { QStringLiteral("model"), QStringLiteral("demo") },
        { QStringLiteral("input"),
            QJsonObject { { QStringLiteral("messages"),
                QJsonArray { QJsonObject { { QStringLiteral("role"), QStringLiteral("user") },
                    { QStringLiteral("content"), QStringLiteral("Write {{vars.lines}} lines about {{vars.topic}}.") } } } } } } };
    return b;
}

QString kindText(const QString& kind)
{
    return kind == QLatin1String("workflow") ? TemplatesPanel::tr("workflow") : TemplatesPanel::tr("task");
}

} // namespace

TemplateEditor::TemplateEditor(const QJsonObject& tmpl, QWidget* parent)
    : QDialog(parent)
{
    const bool fresh = tmpl.isEmpty();
    setWindowTitle(fresh ? tr("New template") : tr("New version of %1").arg(tmpl.value(QLatin1String("name")).toString()));
    m_name = new QLineEdit(tmpl.value(QLatin1String("name")).toString(), this);
    m_name->setObjectName(QStringLiteral("templateName"));
    m_name->setReadOnly(!fresh);
    m_kind = new QComboBox(this);
    m_kind->addItem(tr("A task"), QStringLiteral("task"));
    m_kind->addItem(tr("A workflow"), QStringLiteral("workflow"));
    m_kind->setCurrentIndex(tmpl.value(QLatin1String("kind")).toString() == QLatin1String("workflow") ? 1 : 0);
    m_description = new QLineEdit(tmpl.value(QLatin1String("description")).toString(), this);
    m_variables = new QPlainTextEdit(json(fresh ? sampleVariables() : tmpl.value(QLatin1String("variables")).toObject()), this);
    m_variables->setObjectName(QStringLiteral("templateVariables"));
    m_variables->setTabChangesFocus(true);
    m_body = new QPlainTextEdit(json(fresh ? sampleBody() : tmpl.value(QLatin1String("body")).toObject()), this);
    m_body->setObjectName(QStringLiteral("templateBody"));
    m_body->setTabChangesFocus(true);

    auto* form = new QFormLayout;
    form->addRow(tr("&Name:"), m_name);
    form->addRow(tr("&Makes:"), m_kind);
    form->addRow(tr("&Description:"), m_description);
    m_checks.attach(this, QStringLiteral("templateProblem"));
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(new QLabel(tr("Variables ({\"name\": {\"type\": \"string|integer|number|boolean\", \"default\": …}}):"), this));
    layout->addWidget(m_variables, 1);
    layout->addWidget(new QLabel(tr("Body (a task or workflow; strings may hold {{vars.name}}):"), this));
    layout->addWidget(m_body, 2);
    layout->addWidget(m_checks.problemLabel());
    layout->addWidget(m_checks.buttons());
    resize(640, 640);

    connect(m_name, &QLineEdit::textChanged, this, &TemplateEditor::check);
    connect(m_kind, &QComboBox::currentIndexChanged, this, &TemplateEditor::check);
    connect(m_variables, &QPlainTextEdit::textChanged, this, &TemplateEditor::check);
    connect(m_body, &QPlainTextEdit::textChanged, this, &TemplateEditor::check);
    check();
}

QJsonObject TemplateEditor::body() const
{
    QJsonObject o { { QStringLiteral("name"), m_name->text().trimmed() }, { QStringLiteral("kind"), m_kind->currentData().toString() } };
    if (!m_description->text().trimmed().isEmpty())
        o.insert(QStringLiteral("description"), m_description->text().trimmed());
    o.insert(QStringLiteral("variables"), QJsonDocument::fromJson(m_variables->toPlainText().toUtf8()).object());
    o.insert(QStringLiteral("body"), QJsonDocument::fromJson(m_body->toPlainText().toUtf8()).object());
    return o;
}

QString TemplateEditor::problem() const
{
    return m_checks.problem();
}

void TemplateEditor::check()
{
    QString problem;
    for (const auto& [edit, what] : { std::pair { m_variables, tr("The variables") }, std::pair { m_body, tr("The body") } }) {
        QJsonParseError parse {};
        const QJsonDocument d = QJsonDocument::fromJson(edit->toPlainText().toUtf8(), &parse);
        if (problem.isEmpty() && parse.error != QJsonParseError::NoError)
            problem = tr("%1 is not JSON: %2 (at character %3)").arg(what, parse.errorString()).arg(parse.offset);
        else if (problem.isEmpty() && !d.isObject())
            problem = tr("%1 must be a JSON object").arg(what);
    }
    if (problem.isEmpty()) {
        if (auto bad = templateNameProblem(m_name->text().trimmed())) {
            problem = QStringLiteral("name: ") + *bad;
        } else {
            QJsonObject b = body();
            b.remove(QStringLiteral("name"));
            auto v = TemplateVersion::fromJson(b);
            if (!v)
                problem = v.error().field.isEmpty() ? v.error().message : QStringLiteral("%1: %2").arg(v.error().field, v.error().message);
        }
    }
    m_checks.show(problem);
}

TemplateValuesDialog::TemplateValuesDialog(const QJsonObject& tmpl, QWidget* parent)
    : QDialog(parent)
    , m_variables(tmpl.value(QLatin1String("variables")).toObject())
{
    setWindowTitle(tr("Submit %1").arg(tmpl.value(QLatin1String("name")).toString()));
    auto* form = new QFormLayout;
    for (auto it = m_variables.constBegin(); it != m_variables.constEnd(); ++it) {
        const QJsonObject v = it.value().toObject();
        auto* edit = new QLineEdit(this);
        edit->setObjectName(QStringLiteral("value_") + it.key());
        const QJsonValue def = v.value(QLatin1String("default"));
        edit->setPlaceholderText(def.isUndefined() ? tr("required") : tr("default: %1").arg(def.toVariant().toString()));
        edit->setToolTip(v.value(QLatin1String("description")).toString());
        form->addRow(QStringLiteral("%1 (%2):").arg(it.key(), v.value(QLatin1String("type")).toString()), edit);
        m_fields.insert(it.key(), edit);
    }
    if (m_variables.isEmpty())
        form->addRow(new QLabel(tr("This template has no variables."), this));
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("&Submit"));
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(buttons);
}

Result<QJsonObject> TemplateValuesDialog::values() const
{
    QJsonObject out;
    for (auto it = m_fields.constBegin(); it != m_fields.constEnd(); ++it) {
        const QString text = it.value()->text().trimmed();
        if (text.isEmpty())
            continue;
        const QString type = m_variables.value(it.key()).toObject().value(QLatin1String("type")).toString();
        const QString field = QStringLiteral("values.") + it.key();
        bool ok = true;
        if (type == QLatin1String("integer")) {
            const qint64 n = text.toLongLong(&ok);
            if (!ok)
                return Error::invalid(field, tr("must be a whole number"));
            out.insert(it.key(), n);
        } else if (type == QLatin1String("number")) {
            const double n = text.toDouble(&ok);
            if (!ok)
                return Error::invalid(field, tr("must be a number"));
            out.insert(it.key(), n);
        } else if (type == QLatin1String("boolean")) {
            if (text != QLatin1String("true") && text != QLatin1String("false"))
                return Error::invalid(field, tr("must be true or false"));
            out.insert(it.key(), text == QLatin1String("true"));
        } else {
            out.insert(it.key(), text);
        }
    }
    return out;
}

TemplatesPanel::TemplatesPanel(LiveState& live, QWidget* parent)
    : QWidget(parent)
    , m_live(live)
{
    m_summary = new QLabel(this);
    m_summary->setObjectName(QStringLiteral("templatesSummary"));
    m_summary->setWordWrap(true);
    QAction* refresh = viewAction(this, tr("&Refresh"), QKeySequence(QKeySequence::Refresh), QStringLiteral("view-refresh"));
    refresh->setIcon(glyphIcon(Glyph::Refresh));
    connect(refresh, &QAction::triggered, this, &TemplatesPanel::reload);
    m_new = viewAction(this, tr("&New template…"), QKeySequence(Qt::Key_Insert), QStringLiteral("list-add"));
    m_new->setIcon(glyphIcon(Glyph::Add));
    m_edit = viewAction(this, tr("&Edit…"), QKeySequence(Qt::CTRL | Qt::Key_E), QStringLiteral("document-edit"));
    m_submit = viewAction(this, tr("&Submit…"), QKeySequence(Qt::Key_Return), QStringLiteral("media-playback-start"));
    m_batch = viewAction(this, tr("Submit &from file…"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_I), QStringLiteral("document-import"));
    m_batch->setIcon(glyphIcon(Glyph::Import));
    m_delete = viewAction(this, tr("&Delete"), QKeySequence(QKeySequence::Delete), QStringLiteral("edit-delete"));
    m_delete->setIcon(glyphIcon(Glyph::Cancel));

    connect(m_new, &QAction::triggered, this, [this] {
        auto* editor = new TemplateEditor({}, this);
        editor->setAttribute(Qt::WA_DeleteOnClose);
        connect(editor, &QDialog::accepted, this, [this, editor] { save(editor->body()); });
        editor->open();
    });
    connect(m_edit, &QAction::triggered, this, [this] {
        withTemplate([this](const QJsonObject& t) {
            auto* editor = new TemplateEditor(t, this);
            editor->setAttribute(Qt::WA_DeleteOnClose);
            connect(editor, &QDialog::accepted, this, [this, editor] { save(editor->body()); });
            editor->open();
        });
    });
    connect(m_submit, &QAction::triggered, this, [this] {
        withTemplate([this](const QJsonObject& t) {
            auto* dialog = new TemplateValuesDialog(t, this);
            dialog->setAttribute(Qt::WA_DeleteOnClose);
            const QString name = t.value(QLatin1String("name")).toString();
            connect(dialog, &QDialog::accepted, this, [this, dialog, name] {
                auto values = dialog->values();
                if (!values)
                    return warn(this, tr("Submit"), values.error().toString());
                submit(name, *values);
            });
            dialog->open();
        });
    });
    connect(m_batch, &QAction::triggered, this, [this] {
        const QString name = currentJsonRow(m_table).value(QLatin1String("name")).toString();
        if (name.isEmpty())
            return;
        const QString path
            = QFileDialog::getOpenFileName(this, tr("Submit %1 once per row").arg(name), {}, tr("Values (*.csv *.jsonl *.ndjson);;All files (*)"));
        if (path.isEmpty())
            return;
        const bool skip = QMessageBox::question(this, tr("Submit from file"),
                              tr("When some rows are wrong, submit the others anyway? (No: submit nothing and list what is wrong.)"))
            == QMessageBox::Yes;
        submitFile(name, path, skip);
    });
    connect(m_delete, &QAction::triggered, this, [this] {
        const QString name = currentJsonRow(m_table).value(QLatin1String("name")).toString();
        if (name.isEmpty()
            || QMessageBox::question(this, tr("Delete template"), tr("Delete the template %1 and all its versions?").arg(name)) != QMessageBox::Yes)
            return;
        onResult(m_live.client().deleteTemplate(name), this, [this](const VoidResult& r) {
            if (!r)
                warn(this, tr("Delete template"), r.error().message);
            reload();
        });
    });

    m_table = makeJsonTable(
        this, QStringLiteral("templatesTable"), { tr("Name"), tr("Makes"), tr("Version"), tr("Variables"), tr("Description"), tr("Created") });
    m_table->setColumnWidth(Name, 200);
    m_table->setColumnWidth(Kind, 90);
    m_table->setColumnWidth(Version, 70);
    m_table->setColumnWidth(Variables, 220);
    m_table->setColumnWidth(Description, 260);
    m_empty = new EmptyHint(m_table);
    connect(m_table, &QTableWidget::currentCellChanged, this, &TemplatesPanel::updateActions);
    connect(m_table, &QTableWidget::cellDoubleClicked, m_submit, &QAction::trigger);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(actionBar(this, m_summary, { m_new, m_edit, m_submit, m_batch, m_delete, refresh }));
    layout->addWidget(m_table, 1);
    updateActions();
}

void TemplatesPanel::reload()
{
    onResult(m_live.client().templates(), this, [this](const Result<QJsonArray>& r) {
        if (!r) {
            m_summary->setText(tr("Cannot read the templates: %1").arg(r.error().message));
            return;
        }
        fillJsonTable(m_table, *r,
            { [](const QJsonObject& t) { return t.value(QLatin1String("name")).toString(); },
                [](const QJsonObject& t) { return kindText(t.value(QLatin1String("kind")).toString()); },
                [](const QJsonObject& t) { return QString::number(t.value(QLatin1String("version")).toInt()); },
                [](const QJsonObject& t) { return t.value(QLatin1String("variables")).toObject().keys().join(QStringLiteral(", ")); },
                [](const QJsonObject& t) { return t.value(QLatin1String("description")).toString(); },
                [](const QJsonObject& t) { return isoTime(t.value(QLatin1String("created_at"))); } },
            QStringLiteral("name"));
        m_empty->setHint(
            r->isEmpty() ? tr("No templates yet. New template (Insert) saves a task or workflow with {{vars.name}} to fill in.") : QString());
        if (m_table->currentRow() < 0 && m_table->rowCount() > 0)
            m_table->selectRow(0);
        updateActions();
        emit loaded();
    });
}

void TemplatesPanel::updateActions()
{
    const bool any = !currentJsonRow(m_table).isEmpty();
    for (QAction* a : { m_edit, m_submit, m_batch, m_delete })
        a->setEnabled(any);
}

void TemplatesPanel::withTemplate(const std::function<void(const QJsonObject&)>& then)
{
    const QString name = currentJsonRow(m_table).value(QLatin1String("name")).toString();
    if (name.isEmpty())
        return;
    // The list holds no bodies: the latest version is read whole.
    onResult(m_live.client().templateVersion(name, 0), this, [this, then](const Result<QJsonObject>& r) {
        if (!r)
            return warn(this, tr("Templates"), r.error().message);
        then(*r);
    });
}

void TemplatesPanel::save(const QJsonObject& body)
{
    onResult(m_live.client().putTemplate(body), this, [this](const Result<QJsonObject>& r) {
        if (!r) {
            warn(this, tr("Save template"), r.error().toString());
            return emit done(false, r.error().toString());
        }
        const QString message
            = tr("Saved %1 version %2.").arg(r->value(QLatin1String("name")).toString()).arg(r->value(QLatin1String("version")).toInt());
        m_summary->setText(message);
        reload();
        emit done(true, message);
    });
}

void TemplatesPanel::submit(const QString& name, const QJsonObject& values)
{
    onResult(m_live.client().submitTemplate(name, values, 0), this, [this, name](const Result<QJsonObject>& r) {
        if (!r) {
            warn(this, tr("Submit %1").arg(name), r.error().toString());
            return emit done(false, r.error().toString());
        }
        const QString message = r->value(QLatin1String("object")).toString() == QLatin1String("workflow")
            ? tr("Submitted workflow %1.").arg(r->value(QLatin1String("id")).toString())
            : tr("Submitted task %1.").arg(r->value(QLatin1String("id")).toString());
        m_summary->setText(message);
        emit done(true, message);
    });
}

void TemplatesPanel::submitFile(const QString& name, const QString& path, bool skipInvalid)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        warn(this, tr("Submit from file"), tr("Cannot read %1: %2").arg(path, file.errorString()));
        return emit done(false, file.errorString());
    }
    if (file.size() > kMaxRowsFileBytes) {
        const QString message = tr("%1 is %2; at most %3 are read.").arg(path, Text::bytes(file.size()), Text::bytes(kMaxRowsFileBytes));
        warn(this, tr("Submit from file"), message);
        return emit done(false, message);
    }
    const QByteArray content = file.readAll();
    const bool csv = QFileInfo(path).suffix().compare(QLatin1String("csv"), Qt::CaseInsensitive) == 0;
    m_summary->setText(tr("Submitting %1 once per row of %2…").arg(name, QFileInfo(path).fileName()));
    onResult(m_live.client().submitTemplateRows(name, content, csv, skipInvalid), this, [this, name](const Result<QJsonObject>& r) {
        if (!r) {
            warn(this, tr("Submit from file"), r.error().toString());
            return emit done(false, r.error().toString());
        }
        const QJsonArray errors = r->value(QLatin1String("errors")).toArray();
        QStringList lines;
        for (qsizetype i = 0; i < errors.size() && i < 20; ++i) {
            const QJsonObject e = errors.at(i).toObject();
            const QString field = e.value(QLatin1String("field")).toString();
            lines << tr("row %1: %2")
                         .arg(e.value(QLatin1String("row")).toInt())
                         .arg(field.isEmpty() ? e.value(QLatin1String("message")).toString()
                                              : field + QStringLiteral(": ") + e.value(QLatin1String("message")).toString());
        }
        if (errors.size() > 20)
            lines << tr("… and %n more", nullptr, static_cast<int>(errors.size() - 20));
        const int submitted = static_cast<int>(r->value(QLatin1String("submitted")).toArray().size());
        const QString message = r->value(QLatin1String("refused")).toBool()
            ? tr("Nothing was submitted: %n row(s) are wrong.", nullptr, static_cast<int>(errors.size()))
            : tr("Submitted %n row(s) of %1.", nullptr, submitted).arg(name)
                + (errors.isEmpty() ? QString() : QLatin1Char(' ') + tr("%n row(s) were wrong.", nullptr, static_cast<int>(errors.size())));
        m_summary->setText(message);
        if (!errors.isEmpty())
            warn(this, tr("Submit from file"), message + QStringLiteral("\n\n") + lines.join(QLatin1Char('\n')));
        emit done(!r->value(QLatin1String("refused")).toBool(), message);
    });
}

} // namespace llmsched::ui
