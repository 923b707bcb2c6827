#include "nodesview.h"

#include "glyphicons.h"
#include "livestate.h"
#include "uiutil.h"

#include "client/engineclient.h"
#include "core/timeutil.h"

#include <QAction>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QTableWidget>
#include <QToolButton>
#include <QVBoxLayout>

namespace llmsched::ui {

namespace {
constexpr int kRefreshMs = 3000; // the nodes heartbeat every 5 s; about two looks per beat

QString ago(qint64 thenMs, qint64 nowMs)
{
    if (thenMs <= 0)
        return NodesView::tr("never");
    return NodesView::tr("%1 ago").arg(Text::duration(std::max<qint64>(0, nowMs - thenMs)));
}
} // namespace

NodesView::NodesView(LiveState& live, QWidget* parent)
    : QWidget(parent)
    , m_live(live)
{
    m_summary = new QLabel(this);
    m_summary->setObjectName(QStringLiteral("nodesSummary"));
    QAction* refresh = viewAction(this, tr("&Refresh"), QKeySequence(QKeySequence::Refresh), QStringLiteral("view-refresh"));
    refresh->setIcon(glyphIcon(Glyph::Refresh));
    connect(refresh, &QAction::triggered, this, &NodesView::reload);
    auto* refreshButton = new QToolButton(this);
    refreshButton->setDefaultAction(refresh);
    refreshButton->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);

    auto* bar = new QHBoxLayout;
    bar->addWidget(m_summary, 1);
    bar->addWidget(refreshButton);

    m_table = new QTableWidget(0, ColumnCount, this);
    m_table->setHorizontalHeaderLabels({ tr("Node"), tr("Status"), tr("Address"), tr("Version"), tr("Host (pid)"), tr("Calls running"), tr("Tasks/s"),
        tr("Last heartbeat"), tr("Started") });
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setColumnWidth(Node, 200);
    m_table->setColumnWidth(Address, 180);
    m_empty = new EmptyHint(m_table);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(bar);
    layout->addWidget(m_table, 1);

    m_timer.setInterval(kRefreshMs);
    connect(&m_timer, &QTimer::timeout, this, &NodesView::reload);
}

void NodesView::showEvent(QShowEvent* event)
{
    QWidget::showEvent(event);
    reload();
    m_timer.start();
}

void NodesView::hideEvent(QHideEvent* event)
{
    QWidget::hideEvent(event);
    m_timer.stop();
}

void NodesView::reload()
{
    if (m_loading)
        return; // one question at a time; the next tick asks again
    m_loading = true;
    onResult(m_live.client().nodes(), this, [this](const Result<QList<NodeInfo>>& r) {
        m_loading = false;
        if (!r) {
            m_table->setRowCount(0);
            m_summary->setText(tr("The node registry cannot be read."));
            m_empty->setHint(r.error().message);
        } else {
            showNodes(*r);
        }
        emit loaded();
    });
}

void NodesView::showNodes(const QList<NodeInfo>& nodes)
{
    const qint64 now = nowMs();
    m_table->setRowCount(static_cast<int>(nodes.size()));
    int online = 0;
    for (int row = 0; row < nodes.size(); ++row) {
        const NodeInfo& n = nodes.at(row);
        online += n.isOnline ? 1 : 0;
        const auto set = [&](int column, const QString& text, Qt::Alignment align = Qt::AlignLeft | Qt::AlignVCenter) {
            auto* item = new QTableWidgetItem(text);
            item->setTextAlignment(align);
            if (n.isSelf) {
                QFont f = item->font();
                f.setBold(true);
                item->setFont(f);
            }
            m_table->setItem(row, column, item);
            return item;
        };
        constexpr Qt::Alignment right = Qt::AlignRight | Qt::AlignVCenter;
        set(Node, n.isSelf ? tr("%1 (this node)").arg(n.id) : n.id)->setToolTip(n.id);
        QTableWidgetItem* status = set(Status, n.isOnline ? tr("online") : tr("offline"));
        status->setForeground(stateColor(n.isOnline ? TaskState::Succeeded : TaskState::Dead));
        if (!n.isOnline)
            status->setToolTip(tr("No heartbeat since %1; its lease ran out at %2.").arg(Text::time(n.heartbeatMs), Text::time(n.leaseExpiresMs)));
        set(Address, n.address.isEmpty() ? tr("no REST API") : n.address);
        set(Version, n.version);
        set(Host, QStringLiteral("%1 (%2)").arg(n.host).arg(n.pid));
        set(Running, Text::count(n.running), right);
        set(Rate, Text::rate(n.tasksPerSecond), right);
        set(Heartbeat, ago(n.heartbeatMs, now))->setToolTip(Text::time(n.heartbeatMs));
        set(Started, Text::time(n.startedMs));
    }
    if (nodes.isEmpty())
        m_summary->setText(tr("No node has registered yet."));
    else if (nodes.size() == 1)
        m_summary->setText(tr("One node. Nodes that share one PostgreSQL store are listed here together (docs/scaling.md)."));
    else
        m_summary->setText(tr("%n node(s), %1 online", nullptr, static_cast<int>(nodes.size())).arg(online));
    m_empty->setHint(nodes.isEmpty() ? tr("No node has registered yet: the engine registers when it starts.") : QString());
}

} // namespace llmsched::ui
