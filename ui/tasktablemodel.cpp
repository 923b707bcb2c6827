#include "tasktablemodel.h"

#include "livestate.h"
#include "uiutil.h"

#include "client/engineclient.h"

#include <QDateTime>
#include <QFuture>
#include <QIcon>
#include <QPainter>
#include <QPixmap>

namespace llmsched::ui {

namespace {

constexpr int kMaxCachedPages = 64; // 12,800 rows: several screens either way

QIcon stateIcon(TaskState s)
{
    static QHash<int, QIcon> icons;
    auto it = icons.constFind(static_cast<int>(s));
    if (it != icons.constEnd())
        return it.value();
    QPixmap pm(12, 12);
    pm.fill(Qt::transparent);
    QPainter p(&pm);
    p.setRenderHint(QPainter::Antialiasing);
    p.setPen(Qt::NoPen);
    p.setBrush(stateColor(s));
    p.drawEllipse(QRectF(1.5, 1.5, 9, 9));
    p.end();
    QIcon icon(pm);
    icons.insert(static_cast<int>(s), icon);
    return icon;
}

QString firstLine(const QString& s)
{
    const qsizetype nl = s.indexOf(QLatin1Char('\n'));
    return nl < 0 ? s : s.left(nl) + QStringLiteral(" …");
}

} // namespace

TaskTableModel::TaskTableModel(LiveState& live, QObject* parent)
    : QAbstractTableModel(parent)
    , m_live(live)
{
    m_filter.limit = kPageSize;
    connect(&live, &LiveState::tasksChanged, this, &TaskTableModel::onTaskEvents);
}

int TaskTableModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(std::min<qint64>(m_count, std::numeric_limits<int>::max()));
}

int TaskTableModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant TaskTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal)
        return {};
    if (role == Qt::DisplayRole) {
        switch (section) {
        case Id:
            return tr("ID");
        case Model:
            return tr("Model");
        case State:
            return tr("State");
        case Priority:
            return tr("Priority");
        case Attempts:
            return tr("Attempts");
        case Created:
            return tr("Created");
        case Duration:
            return tr("Duration");
        case Endpoint:
            return tr("Endpoint");
        case Node:
            return tr("Node");
        case Tokens:
            return tr("Tokens");
        case Cost:
            return tr("Cost");
        case Tags:
            return tr("Tags");
        case Labels:
            return tr("Labels");
        case Error:
            return tr("Error");
        default:
            return {};
        }
    }
    if (role == Qt::ToolTipRole && !isSortable(section))
        return tr("Sort by ID, created time, model or state");
    return {};
}

bool TaskTableModel::isSortable(int column)
{
    return column == Id || column == Created || column == State || column == Model;
}

const Task* TaskTableModel::taskAt(int row) const
{
    if (row < 0)
        return nullptr;
    auto it = m_pages.constFind(row / kPageSize);
    if (it == m_pages.constEnd())
        return nullptr;
    const int i = row % kPageSize;
    return i < it->rows.size() ? &it->rows.at(i) : nullptr;
}

QString TaskTableModel::taskId(int row) const
{
    const Task* t = taskAt(row);
    return t ? t->id.toString() : QString();
}

int TaskTableModel::rowOfTask(const QString& id) const
{
    const auto u = Ulid::fromString(id);
    return u ? m_rowById.value(*u, -1) : -1;
}

QVariant TaskTableModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid())
        return {};
    const int page = index.row() / kPageSize;
    auto it = m_pages.find(page);
    if (it == m_pages.end()) {
        requestPage(page);
        if (role == Qt::DisplayRole && index.column() == Id)
            return QStringLiteral("…");
        if (role == LoadedRole)
            return false;
        return {};
    }
    touchPage(page);
    const int i = index.row() % kPageSize;
    if (i >= it->rows.size())
        return {};
    const Task& t = it->rows.at(i);
    switch (role) {
    case LoadedRole:
        return true;
    case TaskIdRole:
        return t.id.toString();
    case StateRole:
        return static_cast<int>(t.state);
    case Qt::DecorationRole:
        return index.column() == State ? QVariant(stateIcon(t.state)) : QVariant();
    case Qt::TextAlignmentRole:
        switch (index.column()) {
        case Priority:
        case Attempts:
        case Duration:
        case Tokens:
        case Cost:
            return QVariant(Qt::AlignRight | Qt::AlignVCenter);
        default:
            return {};
        }
    case Qt::ToolTipRole:
        if (index.column() == Error && !t.error.isEmpty())
            return t.error;
        if (index.column() == Tags || index.column() == Labels)
            return data(index, Qt::DisplayRole);
        return {};
    case Qt::DisplayRole:
        break;
    default:
        return {};
    }
    switch (index.column()) {
    case Id:
        return t.id.toString();
    case Model:
        return t.spec.model;
    case State:
        return Text::state(t.state);
    case Priority:
        return Text::priority(t.spec.priority);
    case Attempts:
        return t.maxAttempts > 0 ? QStringLiteral("%1 / %2").arg(t.attempts).arg(t.maxAttempts) : QString::number(t.attempts);
    case Created:
        return Text::time(t.createdMs);
    case Duration:
        if (t.startedMs <= 0)
            return {};
        if (t.finishedMs > 0)
            return Text::duration(std::max<qint64>(0, t.finishedMs - t.startedMs));
        return t.state == TaskState::Running ? Text::duration(std::max<qint64>(0, QDateTime::currentMSecsSinceEpoch() - t.startedMs)) : QVariant();
    case Endpoint:
        return t.endpoint;
    case Node:
        return t.node;
    case Tokens: {
        const qint64 n = t.usage.promptTokens + t.usage.completionTokens;
        return n > 0 ? Text::count(n) : QVariant();
    }
    case Cost:
        return t.costUsd > 0 ? Text::money(t.costUsd) : QVariant();
    case Tags:
        return t.spec.tags.join(QStringLiteral(", "));
    case Labels:
        return Text::labels(t.spec.labels);
    case Error:
        return firstLine(t.error);
    default:
        return {};
    }
}

void TaskTableModel::sort(int column, Qt::SortOrder order)
{
    if (!isSortable(column))
        return;
    TaskFilter f = m_filter;
    f.newestFirst = order == Qt::DescendingOrder;
    f.order = column == State ? TaskFilter::Order::State : column == Model ? TaskFilter::Order::Model : TaskFilter::Order::Seq;
    if (f.newestFirst == m_filter.newestFirst && f.order == m_filter.order)
        return;
    setFilter(f);
}

void TaskTableModel::setFilter(const TaskFilter& filter)
{
    beginResetModel();
    m_filter = filter;
    m_filter.limit = kPageSize;
    m_filter.cursor = 0;
    m_filter.offset = 0;
    m_filter.includeInput = false;
    ++m_generation;
    m_pages.clear();
    m_lru.clear();
    m_rowById.clear();
    m_pagesInFlight.clear();
    m_count = 0;
    endResetModel();
    emit countChanged(0);
    refresh();
}

void TaskTableModel::refresh()
{
    ++m_generation;
    m_newTasks = 0;
    emit newTasksChanged(0);
    m_countPending = true;
    const quint64 gen = m_generation;
    onResult(m_live.client().countTasks(m_filter), this, [this, gen](const Result<qint64>& r) { onCount(gen, r); });
    // Keep showing what is loaded until fresher rows arrive; fetch again the
    // pages most recently looked at (those on screen) and forget the rest.
    QList<int> keep;
    for (int p : m_lru) {
        if (keep.size() == 3)
            break;
        keep.append(p);
    }
    if (keep.isEmpty())
        keep.append(0);
    for (auto it = m_pages.begin(); it != m_pages.end();) {
        if (!keep.contains(it.key())) {
            for (const Task& t : it->rows)
                m_rowById.remove(t.id);
            m_lru.erase(it->lru);
            it = m_pages.erase(it);
        } else {
            ++it;
        }
    }
    m_pagesInFlight.clear();
    for (int p : keep)
        requestPage(p);
    emit loadingChanged(true);
}

void TaskTableModel::requestPage(int page) const
{
    if (m_pagesInFlight.contains(page))
        return;
    m_pagesInFlight.insert(page);
    TaskFilter f = m_filter;
    // Continuing after a loaded neighbour is an index seek; an offset walks the rows before it.
    auto prev = m_pages.constFind(page - 1);
    if (f.order == TaskFilter::Order::Seq && prev != m_pages.constEnd() && prev->rows.size() == kPageSize)
        f.cursor = prev->rows.constLast().seq;
    else
        f.offset = static_cast<qint64>(page) * kPageSize;
    auto* self = const_cast<TaskTableModel*>(this);
    const quint64 gen = m_generation;
    onResult(m_live.client().tasks(f), self, [self, gen, page](const Result<TaskPage>& r) { self->onPage(gen, page, r); });
}

void TaskTableModel::touchPage(int page) const
{
    auto it = m_pages.find(page);
    if (it == m_pages.end() || it->lru == m_lru.begin())
        return;
    m_lru.splice(m_lru.begin(), m_lru, it->lru);
}

void TaskTableModel::onPage(quint64 generation, int page, const Result<TaskPage>& result)
{
    if (generation != m_generation)
        return;
    m_pagesInFlight.remove(page);
    if (!result) {
        m_lastError = result.error().message;
        emit loadFailed(m_lastError);
        emit loadingChanged(isLoading());
        return;
    }
    m_lastError.clear();
    if (auto old = m_pages.find(page); old != m_pages.end()) {
        for (const Task& t : old->rows)
            m_rowById.remove(t.id);
        m_lru.erase(old->lru);
        m_pages.erase(old);
    }
    Page p;
    p.rows = result->tasks;
    m_lru.push_front(page);
    p.lru = m_lru.begin();
    const int first = page * kPageSize;
    for (int i = 0; i < p.rows.size(); ++i)
        m_rowById.insert(p.rows.at(i).id, first + i);
    const qsizetype loaded = p.rows.size();
    m_pages.insert(page, std::move(p));
    while (m_pages.size() > kMaxCachedPages) {
        const int victim = m_lru.back();
        m_lru.pop_back();
        auto v = m_pages.find(victim);
        for (const Task& t : v->rows)
            m_rowById.remove(t.id);
        m_pages.erase(v);
    }
    // The first page may land before the count: show its rows at once.
    if (m_countPending && first + loaded > m_count) {
        beginInsertRows({}, static_cast<int>(m_count), static_cast<int>(first + loaded - 1));
        m_count = first + loaded;
        endInsertRows();
        emit countChanged(m_count);
    }
    if (loaded > 0 && first < m_count)
        emit dataChanged(index(first, 0), index(static_cast<int>(std::min<qint64>(first + loaded, m_count) - 1), ColumnCount - 1));
    emit pageLoaded(page);
    emit loadingChanged(isLoading());
}

void TaskTableModel::onCount(quint64 generation, const Result<qint64>& result)
{
    if (generation != m_generation)
        return;
    m_countPending = false;
    if (!result) {
        m_lastError = result.error().message;
        emit loadFailed(m_lastError);
        emit loadingChanged(isLoading());
        return;
    }
    const qint64 n = *result;
    if (n > m_count) {
        beginInsertRows({}, static_cast<int>(m_count), static_cast<int>(n - 1));
        m_count = n;
        endInsertRows();
    } else if (n < m_count) {
        beginRemoveRows({}, static_cast<int>(n), static_cast<int>(m_count - 1));
        m_count = n;
        endRemoveRows();
    }
    emit countChanged(m_count);
    emit loadingChanged(isLoading());
}

bool TaskTableModel::matchesFilter(const TaskEvent& e) const
{
    if (!m_filter.model.isEmpty() && e.model != m_filter.model)
        return false;
    if (m_filter.priority >= 0 && e.priority != m_filter.priority)
        return false;
    if (!m_filter.states.isEmpty() && !m_filter.states.contains(e.state) && !m_filter.states.contains(TaskState::Queued))
        return false;
    return true;
}

void TaskTableModel::onTaskEvents(const TaskEvents& events, qint64 created)
{
    int lo = std::numeric_limits<int>::max();
    int hi = -1;
    qint64 fresh = 0;
    for (const TaskEvent& e : events) {
        if (e.created && created > 0 && matchesFilter(e))
            ++fresh;
        const int row = m_rowById.value(e.id, -1);
        if (row < 0)
            continue;
        auto it = m_pages.find(row / kPageSize);
        if (it == m_pages.end() || row % kPageSize >= it->rows.size())
            continue;
        Task& t = it->rows[row % kPageSize];
        t.state = e.state;
        t.attempts = e.attempts;
        t.spec.priority = e.priority;
        if (e.state == TaskState::Running && t.startedMs <= 0)
            t.startedMs = e.timeMs;
        if (isFinal(e.state))
            t.finishedMs = e.timeMs;
        if (!e.error.isEmpty() || e.state == TaskState::Succeeded)
            t.error = e.error;
        if (!e.endpoint.isEmpty())
            t.endpoint = e.endpoint;
        if (e.state != TaskState::Running)
            t.node.clear(); // the lease ends with the attempt
        else if (!e.node.isEmpty())
            t.node = e.node;
        if (e.hasUsage) {
            t.usage = e.usage;
            t.costUsd = e.costUsd;
        }
        lo = std::min(lo, row);
        hi = std::max(hi, row);
    }
    if (hi >= 0)
        emit dataChanged(index(lo, 0), index(hi, ColumnCount - 1));
    if (fresh > 0) {
        m_newTasks += fresh;
        emit newTasksChanged(m_newTasks);
    }
}

} // namespace llmsched::ui
