#include "schedulesview.h"

#include "glyphicons.h"
#include "jsontable.h"
#include "livestate.h"
#include "uiutil.h"

#include "client/engineclient.h"
#include "core/schedule.h"
#include "core/timeutil.h"

#include <QAction>
#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QSpinBox>
#include <QTableWidget>
#include <QTimeZone>
#include <QVBoxLayout>

namespace llmsched::ui {

namespace {

QString whenText(const QJsonObject& s)
{
    if (!s.value(QLatin1String("cron")).toString().isEmpty())
        return s.value(QLatin1String("cron")).toString();
    return SchedulesPanel::tr("every %1").arg(Text::duration(s.value(QLatin1String("interval_ms")).toInteger()));
}

QString targetText(const QJsonObject& s)
{
    if (s.contains(QLatin1String("workflow"))) {
        const QJsonObject w = s.value(QLatin1String("workflow")).toObject();
        return SchedulesPanel::tr("workflow %1 (%n task(s))", nullptr, static_cast<int>(w.value(QLatin1String("tasks")).toArray().size()))
            .arg(w.value(QLatin1String("name")).toString());
    }
    return SchedulesPanel::tr("task on %1").arg(s.value(QLatin1String("task")).toObject().value(QLatin1String("model")).toString());
}

QString lastResultText(const QJsonObject& s)
{
    const QJsonObject r = s.value(QLatin1String("last_result")).toObject();
    if (r.contains(QLatin1String("error")))
        return SchedulesPanel::tr("refused: %1").arg(r.value(QLatin1String("error")).toString());
    if (r.contains(QLatin1String("task_id")))
        return SchedulesPanel::tr("task %1").arg(r.value(QLatin1String("task_id")).toString());
    if (r.contains(QLatin1String("workflow_id")))
        return SchedulesPanel::tr("workflow %1").arg(r.value(QLatin1String("workflow_id")).toString());
    return QStringLiteral("—");
}

const QJsonObject& sampleTask()
{
    static const QJsonObject task { { QStringLiteral("model"), QStringLiteral("demo") },
        { QStringLiteral("input"),
            QJsonObject { { QStringLiteral("messages"),
                QJsonArray { QJsonObject { { QStringLiteral("role"), QStringLiteral("user") },
                    { QStringLiteral("content"), QStringLiteral("Summarise yesterday's tickets") } } } } } } };
    return task;
}

} // namespace

ScheduleEditor::ScheduleEditor(const QJsonObject& schedule, QWidget* parent)
    : QDialog(parent)
{
    setWindowTitle(schedule.isEmpty() ? tr("New schedule") : tr("Edit schedule %1").arg(schedule.value(QLatin1String("name")).toString()));
    m_name = new QLineEdit(schedule.value(QLatin1String("name")).toString(), this);
    m_name->setObjectName(QStringLiteral("scheduleName"));
    m_useCron = new QRadioButton(tr("&Cron"), this);
    m_useInterval = new QRadioButton(tr("&Every"), this);
    m_cron = new QLineEdit(schedule.value(QLatin1String("cron")).toString(), this);
    m_cron->setObjectName(QStringLiteral("scheduleCron"));
    m_cron->setPlaceholderText(tr("minute hour day month weekday, e.g. 0 2 * * MON-FRI (a 6th field first: seconds)"));
    m_interval = new QSpinBox(this);
    m_interval->setRange(1, 7 * 24 * 3600);
    m_interval->setSuffix(tr(" s"));
    const qint64 intervalMs = schedule.value(QLatin1String("interval_ms")).toInteger();
    m_interval->setValue(intervalMs > 0 ? static_cast<int>(intervalMs / 1000) : 3600);
    (intervalMs > 0 ? m_useInterval : m_useCron)->setChecked(true);
    if (schedule.isEmpty())
        m_cron->setText(QStringLiteral("0 2 * * *"));
    m_zone = new QComboBox(this);
    m_zone->setEditable(true);
    for (const QByteArray& id : QTimeZone::availableTimeZoneIds())
        m_zone->addItem(QString::fromLatin1(id));
    m_zone->setCurrentText(schedule.value(QLatin1String("timezone")).toString(QString::fromLatin1(QTimeZone::systemTimeZoneId())));
    m_missed = new QComboBox(this);
    m_missed->addItem(tr("Skip runs missed while stopped"), QStringLiteral("skip"));
    m_missed->addItem(tr("Run once for runs missed while stopped"), QStringLiteral("run_once"));
    m_missed->setCurrentIndex(schedule.value(QLatin1String("missed")).toString() == QLatin1String("run_once") ? 1 : 0);
    m_paused = new QCheckBox(tr("&Paused"), this);
    m_paused->setChecked(schedule.value(QLatin1String("state")).toString() == QLatin1String("paused"));
    m_targetKind = new QComboBox(this);
    m_targetKind->addItem(tr("A task"), QStringLiteral("task"));
    m_targetKind->addItem(tr("A workflow"), QStringLiteral("workflow"));
    const bool workflow = schedule.contains(QLatin1String("workflow"));
    m_targetKind->setCurrentIndex(workflow ? 1 : 0);
    m_target = new QPlainTextEdit(this);
    m_target->setObjectName(QStringLiteral("scheduleTarget"));
    m_target->setTabChangesFocus(true);
    const QJsonObject target
        = workflow ? schedule.value(QLatin1String("workflow")).toObject() : schedule.value(QLatin1String("task")).toObject(sampleTask());
    m_target->setPlainText(QString::fromUtf8(QJsonDocument(target.isEmpty() ? sampleTask() : target).toJson(QJsonDocument::Indented)));
    m_next = new QListWidget(this);
    m_next->setObjectName(QStringLiteral("scheduleNext"));
    m_next->setMaximumHeight(m_next->fontMetrics().height() * 6 + 12);

    auto* when = new QGridLayout;
    when->addWidget(m_useCron, 0, 0);
    when->addWidget(m_cron, 0, 1);
    when->addWidget(m_useInterval, 1, 0);
    when->addWidget(m_interval, 1, 1);
    auto* form = new QFormLayout;
    form->addRow(tr("&Name:"), m_name);
    form->addRow(tr("When:"), when);
    form->addRow(tr("&Time zone:"), m_zone);
    form->addRow(tr("&Missed runs:"), m_missed);
    form->addRow(tr("&Submits:"), m_targetKind);
    form->addRow(QString(), m_paused);
    m_checks.attach(this, QStringLiteral("scheduleProblem"));
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(new QLabel(tr("Its body (as POST /api/v1/tasks or /api/v1/workflows takes it):"), this));
    layout->addWidget(m_target, 1);
    layout->addWidget(m_checks.problemLabel());
    layout->addWidget(new QLabel(tr("Next fire times:"), this));
    layout->addWidget(m_next);
    layout->addWidget(m_checks.buttons());
    resize(640, 620);

    for (QLineEdit* e : { m_name, m_cron })
        connect(e, &QLineEdit::textChanged, this, &ScheduleEditor::check);
    connect(m_zone, &QComboBox::currentTextChanged, this, &ScheduleEditor::check);
    connect(m_interval, &QSpinBox::valueChanged, this, &ScheduleEditor::check);
    connect(m_useCron, &QRadioButton::toggled, this, &ScheduleEditor::check);
    connect(m_targetKind, &QComboBox::currentIndexChanged, this, &ScheduleEditor::check);
    connect(m_target, &QPlainTextEdit::textChanged, this, &ScheduleEditor::check);
    check();
}

QJsonObject ScheduleEditor::body() const
{
    QJsonObject o { { QStringLiteral("name"), m_name->text().trimmed() }, { QStringLiteral("timezone"), m_zone->currentText().trimmed() },
        { QStringLiteral("missed"), m_missed->currentData().toString() }, { QStringLiteral("paused"), m_paused->isChecked() } };
    if (m_useCron->isChecked())
        o.insert(QStringLiteral("cron"), m_cron->text().trimmed());
    else
        o.insert(QStringLiteral("interval_ms"), static_cast<qint64>(m_interval->value()) * 1000);
    QJsonParseError error {};
    const QJsonDocument target = QJsonDocument::fromJson(m_target->toPlainText().toUtf8(), &error);
    o.insert(m_targetKind->currentData().toString(), target.isObject() ? QJsonValue(target.object()) : QJsonValue(m_target->toPlainText()));
    return o;
}

QString ScheduleEditor::problem() const
{
    return m_checks.problem();
}

QStringList ScheduleEditor::nextFireTimes() const
{
    QStringList out;
    for (int i = 0; i < m_next->count(); ++i)
        out << m_next->item(i)->text();
    return out;
}

void ScheduleEditor::check()
{
    m_cron->setEnabled(m_useCron->isChecked());
    m_interval->setEnabled(m_useInterval->isChecked());
    m_next->clear();
    QString problem;
    QJsonParseError parse {};
    QJsonDocument::fromJson(m_target->toPlainText().toUtf8(), &parse);
    if (parse.error != QJsonParseError::NoError) {
        problem = tr("The body is not JSON: %1 (at character %2)").arg(parse.errorString()).arg(parse.offset);
    } else {
        auto spec = ScheduleSpec::fromJson(body());
        auto clock = spec ? ScheduleClock::of(*spec, nowMs()) : Result<ScheduleClock>(spec.error());
        if (!clock) {
            problem
                = clock.error().field.isEmpty() ? clock.error().message : QStringLiteral("%1: %2").arg(clock.error().field, clock.error().message);
        } else {
            const QTimeZone zone(m_zone->currentText().trimmed().toLatin1());
            for (qint64 t : clock->nextTimes(nowMs(), 5))
                m_next->addItem(QStringLiteral("%1   (%2 %3)")
                                    .arg(Text::time(t),
                                        QDateTime::fromMSecsSinceEpoch(t, zone.isValid() ? zone : QTimeZone::utc())
                                            .toString(QStringLiteral("yyyy-MM-dd HH:mm:ss")),
                                        m_zone->currentText().trimmed()));
            if (m_next->count() == 0)
                problem = tr("It never fires.");
        }
    }
    m_checks.show(problem);
}

SchedulesPanel::SchedulesPanel(LiveState& live, QWidget* parent)
    : QWidget(parent)
    , m_live(live)
    , m_timer(this)
{
    m_timer.setInterval(2000);
    connect(&m_timer, &QTimer::timeout, this, &SchedulesPanel::reload);
    m_summary = new QLabel(this);
    QAction* refresh = viewAction(this, tr("&Refresh"), QKeySequence(QKeySequence::Refresh), QStringLiteral("view-refresh"));
    refresh->setIcon(glyphIcon(Glyph::Refresh));
    connect(refresh, &QAction::triggered, this, &SchedulesPanel::reload);
    m_new = viewAction(this, tr("&New schedule…"), QKeySequence(Qt::Key_Insert), QStringLiteral("list-add"));
    m_new->setIcon(glyphIcon(Glyph::Add));
    m_edit = viewAction(this, tr("&Edit…"), QKeySequence(Qt::Key_Return), QStringLiteral("document-edit"));
    m_pause = viewAction(this, tr("&Pause"), QKeySequence(Qt::CTRL | Qt::Key_P), QStringLiteral("media-playback-pause"));
    m_pause->setIcon(glyphIcon(Glyph::Pause));
    m_run = viewAction(this, tr("Run &now"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_R), QStringLiteral("media-playback-start"));
    m_delete = viewAction(this, tr("&Delete"), QKeySequence(QKeySequence::Delete), QStringLiteral("edit-delete"));
    m_delete->setIcon(glyphIcon(Glyph::Cancel));
    connect(m_new, &QAction::triggered, this, [this] { edit({}); });
    connect(m_edit, &QAction::triggered, this, [this] {
        const QJsonObject s = currentJsonRow(m_table);
        if (!s.isEmpty())
            edit(s);
    });
    connect(m_pause, &QAction::triggered, this, [this] {
        const QJsonObject s = currentJsonRow(m_table);
        if (s.isEmpty())
            return;
        const bool paused = s.value(QLatin1String("state")).toString() == QLatin1String("paused");
        onResult(m_live.client().scheduleAction(
                     s.value(QLatin1String("id")).toString(), paused ? EngineClient::ScheduleAction::Resume : EngineClient::ScheduleAction::Pause),
            this, [this](const Result<QJsonObject>& r) {
                if (!r)
                    warn(this, tr("Schedules"), r.error().message);
                reload();
            });
    });
    connect(m_run, &QAction::triggered, this, [this] {
        const QJsonObject s = currentJsonRow(m_table);
        if (s.isEmpty())
            return;
        onResult(m_live.client().scheduleAction(s.value(QLatin1String("id")).toString(), EngineClient::ScheduleAction::Run), this,
            [this](const Result<QJsonObject>& r) {
                if (!r)
                    warn(this, tr("Run now"), r.error().message);
                reload();
            });
    });
    connect(m_delete, &QAction::triggered, this, [this] {
        const QJsonObject s = currentJsonRow(m_table);
        if (s.isEmpty()
            || QMessageBox::question(
                   this, tr("Delete schedule"), tr("Delete the schedule %1? What it submitted stays.").arg(s.value(QLatin1String("name")).toString()))
                != QMessageBox::Yes)
            return;
        onResult(m_live.client().deleteSchedule(s.value(QLatin1String("id")).toString()), this, [this](const VoidResult& r) {
            if (!r)
                warn(this, tr("Delete schedule"), r.error().message);
            reload();
        });
    });

    m_table = makeJsonTable(this, QStringLiteral("schedulesTable"),
        { tr("Name"), tr("When"), tr("Time zone"), tr("Submits"), tr("State"), tr("Next fire"), tr("Last fire"), tr("Last result"), tr("Fires") });
    m_table->setColumnWidth(Name, 180);
    m_table->setColumnWidth(When, 140);
    m_table->setColumnWidth(Zone, 130);
    m_table->setColumnWidth(Target, 200);
    m_table->setColumnWidth(Next, 150);
    m_table->setColumnWidth(Last, 150);
    m_table->setColumnWidth(LastResult, 220);
    m_empty = new EmptyHint(m_table);
    connect(m_table, &QTableWidget::currentCellChanged, this, &SchedulesPanel::updateActions);
    connect(m_table, &QTableWidget::cellDoubleClicked, m_edit, &QAction::trigger);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(actionBar(this, m_summary, { m_new, m_edit, m_pause, m_run, m_delete, refresh }));
    layout->addWidget(m_table, 1);
    updateActions();
}

void SchedulesPanel::showEvent(QShowEvent* event)
{
    QWidget::showEvent(event);
    reload();
    m_timer.start();
}

void SchedulesPanel::hideEvent(QHideEvent* event)
{
    QWidget::hideEvent(event);
    m_timer.stop();
}

void SchedulesPanel::reload()
{
    onResult(m_live.client().schedules(), this, [this](const Result<QJsonArray>& r) {
        if (!r) {
            m_summary->setText(tr("Cannot read the schedules: %1").arg(r.error().message));
            return;
        }
        fillJsonTable(m_table, *r,
            { [](const QJsonObject& s) { return s.value(QLatin1String("name")).toString(); }, whenText,
                [](const QJsonObject& s) { return s.value(QLatin1String("timezone")).toString(); }, targetText,
                [](const QJsonObject& s) {
                    return s.value(QLatin1String("state")).toString() == QLatin1String("paused") ? tr("paused") : tr("active");
                },
                [](const QJsonObject& s) { return isoTime(s.value(QLatin1String("next_fire_times")).toArray().at(0)); },
                [](const QJsonObject& s) { return isoTime(s.value(QLatin1String("last_fire_at"))); }, lastResultText,
                [](const QJsonObject& s) { return Text::count(s.value(QLatin1String("fires")).toInteger()); } },
            QStringLiteral("id"));
        m_summary->setText(tr("%n schedule(s)", nullptr, static_cast<int>(r->size())));
        m_empty->setHint(
            r->isEmpty() ? tr("No schedules yet. New schedule (Insert) runs a task or a workflow on a cron or an interval.") : QString());
        if (m_table->currentRow() < 0 && m_table->rowCount() > 0)
            m_table->selectRow(0);
        updateActions();
        emit loaded();
    });
}

void SchedulesPanel::updateActions()
{
    const QJsonObject s = currentJsonRow(m_table);
    for (QAction* a : { m_edit, m_pause, m_run, m_delete })
        a->setEnabled(!s.isEmpty());
    const bool paused = s.value(QLatin1String("state")).toString() == QLatin1String("paused");
    m_pause->setText(paused ? tr("&Resume") : tr("&Pause"));
    m_pause->setIconText(Text::withoutMnemonic(m_pause->text()));
    m_pause->setIcon(glyphIcon(paused ? Glyph::Resume : Glyph::Pause));
}

void SchedulesPanel::edit(const QJsonObject& schedule)
{
    auto* editor = new ScheduleEditor(schedule, this);
    editor->setAttribute(Qt::WA_DeleteOnClose);
    const QString id = schedule.value(QLatin1String("id")).toString();
    connect(editor, &QDialog::accepted, this, [this, editor, id] { save(id, editor->body()); });
    editor->open();
}

void SchedulesPanel::save(const QString& id, const QJsonObject& body)
{
    onResult(m_live.client().saveSchedule(id, body), this, [this](const Result<QJsonObject>& r) {
        if (!r) {
            warn(this, tr("Save schedule"), r.error().toString());
            emit saved(false, r.error().toString());
            return;
        }
        reload();
        emit saved(true, r->value(QLatin1String("id")).toString());
    });
}

} // namespace llmsched::ui
