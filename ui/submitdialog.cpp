#include "submitdialog.h"

#include "livestate.h"
#include "uiutil.h"

#include "client/engineclient.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFontDatabase>
#include <QFormLayout>
#include <QJsonArray>
#include <QJsonDocument>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSpinBox>

namespace llmsched::ui {

namespace {
constexpr int kMaxCopies = 100'000;
}

SubmitDialog::SubmitDialog(LiveState& live, QWidget* parent)
    : QDialog(parent)
    , m_live(live)
{
    setWindowTitle(tr("Submit task"));
    m_model = new QComboBox(this);
    if (const auto snap = live.snapshot()) {
        for (const ModelSnapshot& m : snap->models)
            m_model->addItem(m.name);
    }
    m_kind = new QComboBox(this);
    for (TaskKind k : { TaskKind::Chat, TaskKind::Completion, TaskKind::Embedding, TaskKind::Http })
        m_kind->addItem(taskKindName(k), taskKindName(k));
    m_priority = new QSpinBox(this);
    m_priority->setRange(kMinPriority, kMaxPriority);
    m_priority->setValue(kDefaultPriority);
    m_priority->setToolTip(tr("0 is the most urgent, 9 the least"));
    auto* priorityHint = new QLabel(this);
    priorityHint->setObjectName(QStringLiteral("priorityHint"));
    const auto updateHint = [this, priorityHint] {
        priorityHint->setText(tr("%1 · 0 is the most urgent, 9 the least; high = 1, medium = 5, low = 8").arg(Text::priority(m_priority->value())));
    };
    connect(m_priority, &QSpinBox::valueChanged, this, updateHint);
    updateHint();
    m_copies = new QSpinBox(this);
    m_copies->setRange(1, kMaxCopies);
    m_copies->setGroupSeparatorShown(true);
    m_copies->setToolTip(tr("Submit this many identical tasks (load tests, demos)"));
    m_tags = new QLineEdit(this);
    m_tags->setPlaceholderText(tr("comma-separated, optional"));
    m_raw = new QCheckBox(tr("Raw JSON input"), this);
    m_raw->setToolTip(tr("Give the task's input object as JSON instead of a prompt"));
    m_text = new QPlainTextEdit(this);
    m_text->setPlaceholderText(tr("Prompt"));
    m_text->setTabChangesFocus(true);
    m_error = new QLabel(this);
    m_error->setWordWrap(true);
    m_error->setStyleSheet(QStringLiteral("color: %1").arg(stateColor(TaskState::Dead).name()));
    m_error->hide();

    connect(m_raw, &QCheckBox::toggled, this, [this](bool raw) {
        m_text->setFont(raw ? QFontDatabase::systemFont(QFontDatabase::FixedFont) : font());
        m_text->setPlaceholderText(raw ? QStringLiteral("{\"messages\": [{\"role\": \"user\", \"content\": \"Hello\"}]}") : tr("Prompt"));
    });

    auto* form = new QFormLayout;
    form->addRow(tr("&Model:"), m_model);
    form->addRow(tr("&Kind:"), m_kind);
    auto* priorityRow = new QHBoxLayout;
    priorityRow->addWidget(m_priority);
    priorityRow->addWidget(priorityHint, 1);
    auto* priorityLabel = new QLabel(tr("&Priority:"), this);
    priorityLabel->setBuddy(m_priority);
    form->addRow(priorityLabel, priorityRow);
    form->addRow(tr("&Copies:"), m_copies);
    form->addRow(tr("&Tags:"), m_tags);
    form->addRow(QString(), m_raw);
    m_buttons = new QDialogButtonBox(QDialogButtonBox::Cancel, this);
    QPushButton* ok = m_buttons->addButton(tr("&Submit"), QDialogButtonBox::AcceptRole);
    ok->setDefault(true);
    connect(m_buttons, &QDialogButtonBox::accepted, this, &SubmitDialog::submit);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_text, 1);
    layout->addWidget(m_error);
    layout->addWidget(m_buttons);
    resize(560, 460);
}

void SubmitDialog::setModel(const QString& model)
{
    const int i = m_model->findText(model);
    if (i >= 0)
        m_model->setCurrentIndex(i);
    else
        m_model->setEditText(model);
}

void SubmitDialog::setPrompt(const QString& text)
{
    m_text->setPlainText(text);
}

void SubmitDialog::setRawJson(bool raw)
{
    m_raw->setChecked(raw);
}

void SubmitDialog::setCopies(int n)
{
    m_copies->setValue(n);
}

void SubmitDialog::setPriority(int priority)
{
    m_priority->setValue(priority);
}

QString SubmitDialog::errorText() const
{
    return m_error->isHidden() ? QString() : m_error->text();
}

void SubmitDialog::submit()
{
    const QString kind = m_kind->currentData().toString();
    QJsonObject input;
    const QString text = m_text->toPlainText();
    if (m_raw->isChecked()) {
        QJsonParseError pe;
        const QJsonDocument doc = QJsonDocument::fromJson(text.toUtf8(), &pe);
        if (!doc.isObject()) {
            m_error->setText(doc.isNull() ? tr("The input is not valid JSON: %1 (at character %2)").arg(pe.errorString()).arg(pe.offset)
                                          : tr("The input must be a JSON object"));
            m_error->show();
            m_text->setFocus();
            return;
        }
        input = doc.object();
    } else if (kind == QLatin1String("chat")) {
        input.insert(QStringLiteral("messages"),
            QJsonArray { QJsonObject { { QStringLiteral("role"), QStringLiteral("user") }, { QStringLiteral("content"), text } } });
    } else if (kind == QLatin1String("completion")) {
        input.insert(QStringLiteral("prompt"), text);
    } else if (kind == QLatin1String("embedding")) {
        input.insert(QStringLiteral("input"), text);
    } else {
        input.insert(QStringLiteral("url"), text.trimmed());
    }
    if (!m_raw->isChecked() && text.trimmed().isEmpty()) {
        m_error->setText(kind == QLatin1String("http") ? tr("Enter the URL to call") : tr("Enter a prompt"));
        m_error->show();
        m_text->setFocus();
        return;
    }
    QJsonObject json { { QStringLiteral("model"), m_model->currentText() }, { QStringLiteral("kind"), kind },
        { QStringLiteral("priority"), m_priority->value() }, { QStringLiteral("input"), input } };
    const QStringList tags = m_tags->text().split(QLatin1Char(','), Qt::SkipEmptyParts);
    if (!tags.isEmpty()) {
        QJsonArray a;
        for (const QString& t : tags)
            a.append(t.trimmed());
        json.insert(QStringLiteral("tags"), a);
    }
    auto spec = TaskSpec::fromJson(json);
    if (!spec) {
        m_error->setText(spec.error().toString());
        m_error->show();
        return;
    }
    QList<TaskSpec> specs(m_copies->value(), *spec);
    m_buttons->setEnabled(false);
    m_error->hide();
    onResult(m_live.client().submit(specs), this, [this](const Result<QList<SubmitOutcome>>& r) {
        m_buttons->setEnabled(true);
        if (!r) {
            m_error->setText(r.error().toString());
            m_error->show();
            return;
        }
        QStringList ids;
        for (const SubmitOutcome& o : *r)
            ids.append(o.id.toString());
        emit submitted(ids);
        accept();
    });
}

} // namespace llmsched::ui
