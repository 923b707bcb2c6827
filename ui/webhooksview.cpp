#include "webhooksview.h"

#include "glyphicons.h"
#include "jsontable.h"
#include "livestate.h"
#include "uiutil.h"

#include "client/engineclient.h"
#include "core/webhook.h"

#include <QAction>
#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QSpinBox>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>

namespace llmsched::ui {

namespace {

constexpr int kRefreshMs = 2000;
constexpr int kDeliveriesShown = 200;

QString scopeText(const QJsonObject& h)
{
    const QString scope = h.value(QLatin1String("scope")).toString();
    const QString target = h.value(QLatin1String("target")).toString();
    if (scope == QLatin1String("named"))
        return WebhooksPanel::tr("tasks and workflows naming it");
    if (scope == QLatin1String("all"))
        return WebhooksPanel::tr("everything");
    if (scope == QLatin1String("model"))
        return WebhooksPanel::tr("model %1").arg(target);
    if (scope == QLatin1String("workflow"))
        return WebhooksPanel::tr("workflow %1").arg(target);
    if (scope == QLatin1String("schedule"))
        return WebhooksPanel::tr("schedule %1").arg(target);
    return WebhooksPanel::tr("task %1").arg(target);
}

QString statusText(const QString& status)
{
    if (status == QLatin1String("pending"))
        return WebhooksPanel::tr("pending");
    if (status == QLatin1String("delivered"))
        return WebhooksPanel::tr("delivered");
    if (status == QLatin1String("failed"))
        return WebhooksPanel::tr("failed");
    return status;
}

} // namespace

WebhookEditor::WebhookEditor(QWidget* parent)
    : QDialog(parent)
{
    setWindowTitle(tr("New webhook"));
    m_url = new QLineEdit(this);
    m_url->setObjectName(QStringLiteral("webhookUrl"));
    m_url->setPlaceholderText(QStringLiteral("https://hooks.example.com/llm"));
    m_scope = new QComboBox(this);
    m_scope->addItem(tr("Tasks and workflows that name it (label webhook)"), QStringLiteral("named"));
    m_scope->addItem(tr("Everything"), QStringLiteral("all"));
    m_scope->addItem(tr("One model's tasks"), QStringLiteral("model"));
    m_scope->addItem(tr("One workflow"), QStringLiteral("workflow"));
    m_scope->addItem(tr("One schedule's runs"), QStringLiteral("schedule"));
    m_scope->addItem(tr("One task"), QStringLiteral("task"));
    m_target = new QLineEdit(this);
    m_target->setObjectName(QStringLiteral("webhookTarget"));
    m_finished = new QCheckBox(tr("A task &finished (succeeded, dead or cancelled)"), this);
    m_finished->setChecked(true);
    m_state = new QCheckBox(tr("Every task &state change"), this);
    m_workflow = new QCheckBox(tr("A &workflow finished"), this);
    m_workflow->setChecked(true);
    m_attempts = new QSpinBox(this);
    m_attempts->setRange(1, WebhookSpec::kMaxMaxAttempts);
    m_attempts->setValue(WebhookSpec::kDefaultMaxAttempts);
    m_description = new QLineEdit(this);
    auto* events = new QVBoxLayout;
    for (QCheckBox* c : { m_finished, m_state, m_workflow })
        events->addWidget(c);
    auto* form = new QFormLayout;
    form->addRow(tr("&URL:"), m_url);
    form->addRow(tr("&Hears of:"), m_scope);
    form->addRow(tr("&Target:"), m_target);
    form->addRow(tr("Events:"), events);
    form->addRow(tr("&Attempts:"), m_attempts);
    form->addRow(tr("&Description:"), m_description);
    m_checks.attach(this, QStringLiteral("webhookProblem"));
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(new QLabel(tr("Each POST is signed (X-LLMSched-Signature, HMAC-SHA256); the secret is shown once, after saving."), this));
    layout->addWidget(m_checks.problemLabel());
    layout->addWidget(m_checks.buttons());
    for (QLineEdit* e : { m_url, m_target })
        connect(e, &QLineEdit::textChanged, this, &WebhookEditor::check);
    connect(m_scope, &QComboBox::currentIndexChanged, this, &WebhookEditor::check);
    for (QCheckBox* c : { m_finished, m_state, m_workflow })
        connect(c, &QCheckBox::toggled, this, &WebhookEditor::check);
    check();
}

QJsonObject WebhookEditor::body() const
{
    QJsonArray events;
    if (m_finished->isChecked())
        events.append(QString(webhookevent::kTaskFinished));
    if (m_state->isChecked())
        events.append(QString(webhookevent::kTaskState));
    if (m_workflow->isChecked())
        events.append(QString(webhookevent::kWorkflowFinished));
    QJsonObject o { { QStringLiteral("url"), m_url->text().trimmed() }, { QStringLiteral("scope"), m_scope->currentData().toString() },
        { QStringLiteral("events"), events }, { QStringLiteral("max_attempts"), m_attempts->value() } };
    if (m_target->isEnabled() && !m_target->text().trimmed().isEmpty())
        o.insert(QStringLiteral("target"), m_target->text().trimmed());
    if (!m_description->text().trimmed().isEmpty())
        o.insert(QStringLiteral("description"), m_description->text().trimmed());
    return o;
}

QString WebhookEditor::problem() const
{
    return m_checks.problem();
}

void WebhookEditor::check()
{
    const QString scope = m_scope->currentData().toString();
    m_target->setEnabled(scope != QLatin1String("named") && scope != QLatin1String("all"));
    const QString hint = scope == QLatin1String("model") ? tr("the model's name")
        : scope == QLatin1String("workflow")             ? tr("the workflow's id (wf_…)")
        : scope == QLatin1String("schedule")             ? tr("the schedule's id (sch_…)")
        : scope == QLatin1String("task")                 ? tr("the task's id")
                                                         : QString();
    m_target->setPlaceholderText(hint);
    auto spec = WebhookSpec::fromJson(body());
    m_checks.show(spec ? QString() : QStringLiteral("%1: %2").arg(spec.error().field, spec.error().message));
}

WebhooksPanel::WebhooksPanel(LiveState& live, QWidget* parent)
    : QWidget(parent)
    , m_live(live)
    , m_timer(this)
{
    m_summary = new QLabel(this);
    m_secret = new QLabel(this);
    m_secret->setObjectName(QStringLiteral("webhookSecret"));
    m_secret->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_secret->setWordWrap(true);
    m_secret->hide();
    QAction* refresh = viewAction(this, tr("&Refresh"), QKeySequence(QKeySequence::Refresh), QStringLiteral("view-refresh"));
    refresh->setIcon(glyphIcon(Glyph::Refresh));
    connect(refresh, &QAction::triggered, this, &WebhooksPanel::reload);
    m_new = viewAction(this, tr("&New webhook…"), QKeySequence(Qt::Key_Insert), QStringLiteral("list-add"));
    m_new->setIcon(glyphIcon(Glyph::Add));
    m_pause = viewAction(this, tr("&Pause"), QKeySequence(Qt::CTRL | Qt::Key_P), QStringLiteral("media-playback-pause"));
    m_pause->setIcon(glyphIcon(Glyph::Pause));
    m_ping = viewAction(this, tr("P&ing"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_G), QStringLiteral("network-transmit"));
    m_delete = viewAction(this, tr("&Delete"), QKeySequence(QKeySequence::Delete), QStringLiteral("edit-delete"));
    m_delete->setIcon(glyphIcon(Glyph::Cancel));
    m_redeliver = viewAction(this, tr("&Redeliver"), QKeySequence(Qt::CTRL | Qt::Key_R), QStringLiteral("view-refresh"));
    m_redeliver->setIcon(glyphIcon(Glyph::Retry));

    connect(m_new, &QAction::triggered, this, [this] {
        auto* editor = new WebhookEditor(this);
        editor->setAttribute(Qt::WA_DeleteOnClose);
        connect(editor, &QDialog::accepted, this, [this, editor] { create(editor->body()); });
        editor->open();
    });
    connect(m_pause, &QAction::triggered, this, [this] {
        const bool paused = currentJsonRow(m_table).value(QLatin1String("paused")).toBool();
        act(static_cast<int>(paused ? EngineClient::WebhookAction::Resume : EngineClient::WebhookAction::Pause));
    });
    connect(m_ping, &QAction::triggered, this, [this] { act(static_cast<int>(EngineClient::WebhookAction::Ping)); });
    connect(m_delete, &QAction::triggered, this, [this] {
        const QJsonObject h = currentJsonRow(m_table);
        if (h.isEmpty()
            || QMessageBox::question(this, tr("Delete webhook"),
                   tr("Delete the webhook to %1? Nothing more is sent to it.").arg(h.value(QLatin1String("url")).toString()))
                != QMessageBox::Yes)
            return;
        onResult(m_live.client().deleteWebhook(h.value(QLatin1String("id")).toString()), this, [this](const VoidResult& r) {
            if (!r)
                warn(this, tr("Delete webhook"), r.error().message);
            reload();
        });
    });
    connect(m_redeliver, &QAction::triggered, this, [this] {
        const QString hook = currentJsonRow(m_table).value(QLatin1String("id")).toString();
        const QString delivery = currentJsonRow(m_deliveries).value(QLatin1String("id")).toString();
        if (hook.isEmpty() || delivery.isEmpty())
            return;
        onResult(m_live.client().redeliverWebhook(hook, delivery), this, [this](const Result<QJsonObject>& r) {
            if (!r)
                warn(this, tr("Redeliver"), r.error().message);
            reloadDeliveries();
        });
    });

    m_table = makeJsonTable(this, QStringLiteral("webhooksTable"), { tr("URL"), tr("Hears of"), tr("Events"), tr("State"), tr("Description") });
    m_table->setColumnWidth(Url, 320);
    m_table->setColumnWidth(Scope, 220);
    m_table->setColumnWidth(Events, 260);
    m_table->setColumnWidth(State, 80);
    m_empty = new EmptyHint(m_table);
    connect(m_table, &QTableWidget::currentCellChanged, this, [this] {
        updateActions();
        reloadDeliveries();
    });

    m_status = new QComboBox(this);
    m_status->setObjectName(QStringLiteral("deliveryStatus"));
    m_status->addItem(tr("All deliveries"), QString());
    m_status->addItem(tr("Pending"), QStringLiteral("pending"));
    m_status->addItem(tr("Delivered"), QStringLiteral("delivered"));
    m_status->addItem(tr("Failed"), QStringLiteral("failed"));
    connect(m_status, &QComboBox::currentIndexChanged, this, &WebhooksPanel::reloadDeliveries);
    m_deliveries = makeJsonTable(this, QStringLiteral("deliveriesTable"),
        { tr("Time"), tr("Event"), tr("Subject"), tr("Status"), tr("Attempts"), tr("Answer"), tr("Last error"), tr("Next attempt") });
    m_deliveries->setColumnWidth(Time, 150);
    m_deliveries->setColumnWidth(Event, 130);
    m_deliveries->setColumnWidth(Subject, 230);
    m_deliveries->setColumnWidth(Status, 90);
    m_deliveries->setColumnWidth(Attempts, 70);
    m_deliveries->setColumnWidth(LastStatus, 70);
    m_deliveries->setColumnWidth(LastError, 300);
    connect(m_deliveries, &QTableWidget::currentCellChanged, this, &WebhooksPanel::updateActions);

    auto* top = new QWidget(this);
    auto* topLayout = new QVBoxLayout(top);
    topLayout->setContentsMargins(0, 0, 0, 0);
    topLayout->addLayout(actionBar(this, m_summary, { m_new, m_pause, m_ping, m_delete, refresh }));
    topLayout->addWidget(m_secret);
    topLayout->addWidget(m_table, 1);
    auto* bottom = new QWidget(this);
    auto* bottomLayout = new QVBoxLayout(bottom);
    bottomLayout->setContentsMargins(0, 0, 0, 0);
    auto* deliveriesLabel = new QLabel(tr("Deliveries of the selected webhook:"), this);
    auto* bar = actionBar(this, deliveriesLabel, { m_redeliver });
    bar->insertWidget(1, m_status);
    bottomLayout->addLayout(bar);
    bottomLayout->addWidget(m_deliveries, 1);
    auto* split = new QSplitter(Qt::Vertical, this);
    split->addWidget(top);
    split->addWidget(bottom);
    split->setStretchFactor(1, 2);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(split);

    m_timer.setInterval(kRefreshMs);
    connect(&m_timer, &QTimer::timeout, this, &WebhooksPanel::reloadDeliveries);
    updateActions();
}

void WebhooksPanel::showEvent(QShowEvent* event)
{
    QWidget::showEvent(event);
    m_timer.start();
}

void WebhooksPanel::hideEvent(QHideEvent* event)
{
    QWidget::hideEvent(event);
    m_timer.stop();
}

void WebhooksPanel::reload()
{
    onResult(m_live.client().webhooks(), this, [this](const Result<QJsonArray>& r) {
        if (!r) {
            m_summary->setText(tr("Cannot read the webhooks: %1").arg(r.error().message));
            return;
        }
        fillJsonTable(m_table, *r,
            { [](const QJsonObject& h) { return h.value(QLatin1String("url")).toString(); }, scopeText,
                [](const QJsonObject& h) {
                    QStringList events;
                    for (const QJsonValue& e : h.value(QLatin1String("events")).toArray())
                        events << e.toString();
                    return events.join(QStringLiteral(", "));
                },
                [](const QJsonObject& h) { return h.value(QLatin1String("paused")).toBool() ? tr("paused") : tr("active"); },
                [](const QJsonObject& h) { return h.value(QLatin1String("description")).toString(); } },
            QStringLiteral("id"));
        m_summary->setText(tr("%n webhook(s)", nullptr, static_cast<int>(r->size())));
        m_empty->setHint(r->isEmpty() ? tr("No webhooks yet. New webhook (Insert) POSTs signed results to a URL of yours.") : QString());
        if (m_table->currentRow() < 0 && m_table->rowCount() > 0)
            m_table->selectRow(0);
        updateActions();
        reloadDeliveries();
        emit loaded();
    });
}

void WebhooksPanel::reloadDeliveries()
{
    const QString hook = currentJsonRow(m_table).value(QLatin1String("id")).toString();
    if (hook.isEmpty()) {
        m_deliveries->setRowCount(0);
        return;
    }
    onResult(m_live.client().webhookDeliveries(hook, m_status->currentData().toString(), kDeliveriesShown), this,
        [this, hook](const Result<QJsonArray>& r) {
            if (!r || currentJsonRow(m_table).value(QLatin1String("id")).toString() != hook)
                return;
            fillJsonTable(m_deliveries, *r,
                { [](const QJsonObject& d) { return isoTime(d.value(QLatin1String("created_at"))); },
                    [](const QJsonObject& d) { return d.value(QLatin1String("event")).toString(); },
                    [](const QJsonObject& d) { return d.value(QLatin1String("subject")).toString(); },
                    [](const QJsonObject& d) { return statusText(d.value(QLatin1String("status")).toString()); },
                    [](const QJsonObject& d) { return QString::number(d.value(QLatin1String("attempts")).toInt()); },
                    [](const QJsonObject& d) {
                        const int s = d.value(QLatin1String("last_status")).toInt();
                        return s > 0 ? QString::number(s) : QStringLiteral("—");
                    },
                    [](const QJsonObject& d) { return d.value(QLatin1String("last_error")).toString(); },
                    [](const QJsonObject& d) { return isoTime(d.value(QLatin1String("next_attempt_at"))); } },
                QStringLiteral("id"));
            for (int row = 0; row < m_deliveries->rowCount(); ++row) {
                const QString status = jsonRow(m_deliveries, row).value(QLatin1String("status")).toString();
                const TaskState colour = status == QLatin1String("delivered") ? TaskState::Succeeded
                    : status == QLatin1String("failed")                       ? TaskState::Dead
                                                                              : TaskState::RetryWait;
                m_deliveries->item(row, Status)->setForeground(stateColor(colour));
            }
            updateActions();
            emit deliveriesLoaded();
        });
}

void WebhooksPanel::updateActions()
{
    const QJsonObject h = currentJsonRow(m_table);
    for (QAction* a : { m_pause, m_ping, m_delete })
        a->setEnabled(!h.isEmpty());
    const bool paused = h.value(QLatin1String("paused")).toBool();
    m_pause->setText(paused ? tr("&Resume") : tr("&Pause"));
    m_pause->setIconText(Text::withoutMnemonic(m_pause->text()));
    m_pause->setIcon(glyphIcon(paused ? Glyph::Resume : Glyph::Pause));
    const QString status = currentJsonRow(m_deliveries).value(QLatin1String("status")).toString();
    m_redeliver->setEnabled(!status.isEmpty() && status != QLatin1String("pending"));
}

void WebhooksPanel::act(int action)
{
    const QString id = currentJsonRow(m_table).value(QLatin1String("id")).toString();
    if (id.isEmpty())
        return;
    onResult(m_live.client().webhookAction(id, static_cast<EngineClient::WebhookAction>(action)), this, [this](const Result<QJsonObject>& r) {
        if (!r)
            warn(this, tr("Webhooks"), r.error().message);
        reload();
    });
}

void WebhooksPanel::create(const QJsonObject& body)
{
    onResult(m_live.client().createWebhook(body), this, [this](const Result<QJsonObject>& r) {
        if (!r) {
            warn(this, tr("New webhook"), r.error().toString());
            return emit created(false, r.error().toString());
        }
        // Shown here once, selectable, until the next webhook is made.
        m_secret->setText(tr("Webhook %1 created. Its signing secret, shown only now: <b>%2</b>")
                              .arg(r->value(QLatin1String("id")).toString(), r->value(QLatin1String("secret")).toString().toHtmlEscaped()));
        m_secret->show();
        reload();
        emit created(true, r->value(QLatin1String("id")).toString());
    });
}

} // namespace llmsched::ui
