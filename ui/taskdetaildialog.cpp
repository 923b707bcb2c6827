#include "taskdetaildialog.h"

#include "livestate.h"
#include "uiutil.h"

#include "client/engineclient.h"

#include <QClipboard>
#include <QDialogButtonBox>
#include <QGuiApplication>
#include <QFontDatabase>
#include <QHeaderView>
#include <QJsonDocument>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSplitter>
#include <QTabWidget>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace llmsched::ui {

namespace {

QString prettyJson(const QByteArray& json)
{
    if (json.isEmpty())
        return {};
    const QJsonDocument doc = QJsonDocument::fromJson(json);
    return doc.isNull() ? QString::fromUtf8(json) : QString::fromUtf8(doc.toJson(QJsonDocument::Indented));
}

QPlainTextEdit* jsonEdit(QWidget* parent)
{
    auto* e = new QPlainTextEdit(parent);
    e->setReadOnly(true);
    e->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    e->setLineWrapMode(QPlainTextEdit::NoWrap);
    return e;
}

} // namespace

TaskDetailDialog::TaskDetailDialog(LiveState& live, const QString& id, QWidget* parent)
    : QDialog(parent)
    , m_live(live)
    , m_id(id)
{
    setWindowTitle(tr("Task %1").arg(id));
    setAttribute(Qt::WA_DeleteOnClose);
    m_summary = new QLabel(tr("Loading…"), this);
    m_summary->setObjectName(QStringLiteral("summary"));
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_summary->setWordWrap(true);
    auto* tabs = new QTabWidget(this);
    m_input = jsonEdit(tabs);
    m_input->setObjectName(QStringLiteral("input"));
    m_output = jsonEdit(tabs);
    m_output->setObjectName(QStringLiteral("output"));
    tabs->addTab(m_input, tr("Input"));
    tabs->addTab(m_output, tr("Output"));
    m_timeline = new QTreeWidget(this);
    m_timeline->setHeaderLabels({ tr("Time"), tr("Level"), tr("Event") });
    m_timeline->setRootIsDecorated(false);
    m_timeline->header()->setStretchLastSection(true);
    m_timeline->setColumnWidth(0, 170);
    m_timeline->setColumnWidth(1, 80);
    auto* split = new QSplitter(Qt::Vertical, this);
    split->addWidget(tabs);
    split->addWidget(m_timeline);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    m_cancel = buttons->addButton(tr("Cancel task"), QDialogButtonBox::ActionRole);
    m_retry = buttons->addButton(tr("Retry"), QDialogButtonBox::ActionRole);
    QPushButton* copy = buttons->addButton(tr("Copy ID"), QDialogButtonBox::ActionRole);
    m_cancel->setEnabled(false);
    m_retry->setEnabled(false);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(copy, &QPushButton::clicked, this, [this] { QGuiApplication::clipboard()->setText(m_id); });
    auto act = [this](auto future) {
        using Answer = typename FutureValue<decltype(future)>::type;
        onResult(future, this, [this](const Answer& r) {
            if (!r)
                m_summary->setText(m_summary->text() + QStringLiteral("\n") + r.error().message);
            reload();
        });
    };
    connect(m_cancel, &QPushButton::clicked, this, [this, act] { act(m_live.client().cancel(m_id)); });
    connect(m_retry, &QPushButton::clicked, this, [this, act] { act(m_live.client().retry(m_id)); });

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_summary);
    layout->addWidget(split, 1);
    layout->addWidget(buttons);
    resize(860, 680);

    connect(&live, &LiveState::tasksChanged, this, [this](const TaskEvents& events) {
        const auto self = Ulid::fromString(m_id);
        for (const TaskEvent& e : events) {
            if (self && e.id == *self) {
                reload();
                return;
            }
        }
    });
    reload();
}

void TaskDetailDialog::reload()
{
    onResult(m_live.client().task(m_id), this, [this](const Result<Task>& r) {
        if (!r)
            return failed(r.error().message);
        showTask(*r);
        onResult(m_live.client().taskLog(m_id), this, [this](const Result<QList<TaskLogEntry>>& log) {
            if (log)
                showLog(*log);
            emit loaded();
        });
    });
}

void TaskDetailDialog::failed(const QString& message)
{
    m_summary->setText(tr("Could not load the task: %1").arg(message));
    emit loaded();
}

void TaskDetailDialog::showTask(const Task& t)
{
    QStringList lines;
    lines << tr("<b>%1</b> · model <b>%2</b> · priority %3 · attempt %4 of %5")
                 .arg(Text::state(t.state).toHtmlEscaped(), t.spec.model.toHtmlEscaped(), Text::priority(t.spec.priority))
                 .arg(t.attempts)
                 .arg(t.maxAttempts);
    QString times = tr("Created %1").arg(Text::time(t.createdMs));
    if (t.startedMs > 0)
        times += QStringLiteral(" · ") + tr("started %1").arg(Text::time(t.startedMs));
    if (t.finishedMs > 0 && t.startedMs > 0)
        times += QStringLiteral(" · ") + tr("took %1").arg(Text::duration(t.finishedMs - t.startedMs));
    lines << times;
    if (t.usage.promptTokens + t.usage.completionTokens > 0 || t.costUsd > 0)
        lines << tr("Tokens: %1 prompt + %2 completion · cost %3")
                     .arg(Text::count(t.usage.promptTokens), Text::count(t.usage.completionTokens),
                         Text::money(t.costUsd).toHtmlEscaped()); // "<$0.0001" is not a tag
    if (!t.endpoint.isEmpty())
        lines << tr("Endpoint: %1").arg(t.endpoint.toHtmlEscaped());
    if (!t.node.isEmpty())
        lines << tr("Node: %1").arg(t.node.toHtmlEscaped());
    if (!t.spec.tags.isEmpty())
        lines << tr("Tags: %1").arg(t.spec.tags.join(QStringLiteral(", ")).toHtmlEscaped());
    if (!t.spec.labels.isEmpty())
        lines << tr("Labels: %1").arg(Text::labels(t.spec.labels).toHtmlEscaped());
    if (!t.error.isEmpty())
        lines << QStringLiteral("<span style='color:%1'>%2</span>").arg(stateColor(TaskState::Dead).name(), t.error.toHtmlEscaped());
    m_summary->setText(lines.join(QStringLiteral("<br>")));
    m_input->setPlainText(prettyJson(t.spec.input));
    m_output->setPlainText(t.output.isEmpty() ? tr("(no output yet)") : prettyJson(t.output));
    m_cancel->setEnabled(!isFinal(t.state));
    m_retry->setEnabled(canRetry(t.state));
}

void TaskDetailDialog::showLog(const QList<TaskLogEntry>& log)
{
    m_timeline->clear();
    for (const TaskLogEntry& e : log) {
        QString message = e.message;
        if (!e.data.isEmpty())
            message += QStringLiteral("  ") + QString::fromUtf8(QJsonDocument(e.data).toJson(QJsonDocument::Compact));
        auto* item = new QTreeWidgetItem(m_timeline, { Text::time(e.timeMs), logLevelName(e.level), message });
        item->setToolTip(2, message);
        if (e.level == LogLevel::Error)
            item->setForeground(1, stateColor(TaskState::Dead));
        else if (e.level == LogLevel::Warning)
            item->setForeground(1, stateColor(TaskState::RetryWait));
    }
}

} // namespace llmsched::ui
