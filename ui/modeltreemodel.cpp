#include "modeltreemodel.h"

#include "uiutil.h"

#include <QFont>
#include <QHash>
#include <QPainter>
#include <QPixmap>
#include <QSet>

namespace llmsched::ui {

namespace {

constexpr int kDotIconSize = 16;
constexpr int kDotDiameter = 8;

const QString kClosed = QStringLiteral("closed");
const QString kOpen = QStringLiteral("open");
const QString kHalfOpen = QStringLiteral("half_open");

const QString kNotCounted = QStringLiteral("–");

// "used / limit"
QString usedOf(qint64 used, qint64 limit)
{
    return ModelTreeModel::tr("%1 / %2").arg(Text::count(used), Text::count(limit));
}

// The engine counts requests and tokens only against a limit.
QString limitedUse(qint64 used, qint64 limit)
{
    return limit > 0 ? usedOf(used, limit) : kNotCounted;
}

QString firstLine(const QString& text)
{
    const qsizetype nl = text.indexOf(QLatin1Char('\n'));
    return (nl < 0 ? text : text.left(nl)).simplified();
}

bool isCooling(const EndpointSnapshot& e, qint64 nowMs)
{
    return e.cooldownUntilMs > nowMs;
}

} // namespace

QString providerDisplayName(const QString& provider)
{
    if (provider == QLatin1String("openai"))
        return ModelTreeModel::tr("OpenAI-compatible");
    if (provider == QLatin1String("anthropic"))
        return ModelTreeModel::tr("Anthropic");
    if (provider == QLatin1String("http"))
        return ModelTreeModel::tr("HTTP");
    if (provider == QLatin1String("simulated"))
        return ModelTreeModel::tr("Simulated");
    return provider;
}

ModelTreeModel::ModelTreeModel(QObject* parent)
    : QAbstractItemModel(parent)
{
}

ModelTreeModel::~ModelTreeModel() = default;

template <typename Row, typename Item, typename Make, typename Update>
void ModelTreeModel::syncRows(const QModelIndex& parent, QList<Row>& rows, const QList<Item>& items, Make make, Update update)
{
    QSet<QString> names;
    for (const Item& item : items)
        names.insert(item.name);
    for (qsizetype i = rows.size() - 1; i >= 0; --i) {
        if (names.contains(rows.at(i).name))
            continue;
        beginRemoveRows(parent, int(i), int(i));
        rows.removeAt(i);
        endRemoveRows();
    }
    for (qsizetype i = 0; i < items.size(); ++i) {
        const Item& item = items.at(i);
        if (i < rows.size() && rows.at(i).name == item.name) {
            update(int(i), item);
            continue;
        }
        qsizetype from = -1;
        for (qsizetype j = i + 1; j < rows.size(); ++j) {
            if (rows.at(j).name == item.name) {
                from = j;
                break;
            }
        }
        if (from >= 0) {
            beginMoveRows(parent, int(from), int(from), parent, int(i));
            rows.move(from, i);
            endMoveRows();
            update(int(i), item);
        } else {
            beginInsertRows(parent, int(i), int(i));
            rows.insert(i, make(item));
            endInsertRows();
        }
    }
}

void ModelTreeModel::setSnapshot(const std::shared_ptr<const EngineSnapshot>& snapshot)
{
    if (!snapshot)
        return;
    const bool pausedChanged = m_enginePaused != snapshot->paused;
    m_timeMs = snapshot->timeMs;
    m_enginePaused = snapshot->paused;
    syncRows(
        QModelIndex(), m_rows, snapshot->models, [this](const ModelSnapshot& m) { return makeModelRow(m); },
        [this, pausedChanged](int row, const ModelSnapshot& m) { updateModelRow(row, m, pausedChanged); });
}

ModelTreeModel::ModelRow ModelTreeModel::makeModelRow(const ModelSnapshot& snap)
{
    ModelRow row;
    row.name = snap.name;
    row.id = m_nextId++;
    row.snap = snap;
    row.snap.endpoints.clear();
    row.text = modelCells(snap);
    row.style = modelStyle(snap);
    for (const EndpointSnapshot& e : snap.endpoints)
        row.endpoints.append(makeEndpointRow(e));
    return row;
}

ModelTreeModel::EndpointRow ModelTreeModel::makeEndpointRow(const EndpointSnapshot& snap) const
{
    EndpointRow row;
    row.name = snap.name;
    row.snap = snap;
    row.text = endpointCells(snap);
    row.style = endpointStyle(snap);
    return row;
}

void ModelTreeModel::updateModelRow(int row, const ModelSnapshot& snap, bool restyle)
{
    const QModelIndex parent = index(row, 0);
    syncRows(
        parent, m_rows[row].endpoints, snap.endpoints, [this](const EndpointSnapshot& e) { return makeEndpointRow(e); },
        [this, row, parent](int r, const EndpointSnapshot& e) {
            EndpointRow& er = m_rows[row].endpoints[r];
            const Cells text = endpointCells(e);
            const int style = endpointStyle(e);
            er.snap = e;
            emitChanged(parent, r, er.text, text, style != er.style);
            er.text = text;
            er.style = style;
        });
    ModelRow& mr = m_rows[row];
    const Cells text = modelCells(snap);
    const int style = modelStyle(snap);
    mr.snap = snap;
    mr.snap.endpoints.clear();
    emitChanged({}, row, mr.text, text, restyle || style != mr.style);
    mr.text = text;
    mr.style = style;
}

void ModelTreeModel::emitChanged(const QModelIndex& parent, int row, const Cells& before, const Cells& after, bool whole)
{
    int first = -1;
    int last = -1;
    for (int c = 0; c < ColumnCount; ++c) {
        if (whole || before[c] != after[c]) {
            if (first < 0)
                first = c;
            last = c;
        }
    }
    if (first >= 0)
        emit dataChanged(index(row, first, parent), index(row, last, parent));
}

ModelTreeModel::Cells ModelTreeModel::modelCells(const ModelSnapshot& m) const
{
    Cells c;
    c[NameColumn] = m.name;
    if (m.paused)
        c[StatusColumn] = tr("paused");
    else if (m.budgetExhausted)
        c[StatusColumn] = tr("budget exhausted");
    else if (m_enginePaused)
        c[StatusColumn] = tr("paused (all)");
    else
        c[StatusColumn] = tr("running");

    int open = 0;
    int halfOpen = 0;
    qint64 rpmUsed = 0, rpm = 0, tpmUsed = 0, tpm = 0;
    // Summed only when every endpoint has the limit: unlimited ones are not counted.
    bool rpmLimited = !m.endpoints.isEmpty();
    bool tpmLimited = !m.endpoints.isEmpty();
    QStringList providers;
    for (const EndpointSnapshot& e : m.endpoints) {
        open += e.circuit == kOpen ? 1 : 0;
        halfOpen += e.circuit == kHalfOpen ? 1 : 0;
        rpmUsed += e.rpmUsed;
        rpm += e.rpm;
        rpmLimited = rpmLimited && e.rpm > 0;
        tpmUsed += e.tpmUsed;
        tpm += e.tpm;
        tpmLimited = tpmLimited && e.tpm > 0;
        const QString p = providerDisplayName(e.provider);
        if (!providers.contains(p))
            providers.append(p);
    }
    if (open > 0)
        c[CircuitColumn] = tr("%n open", nullptr, open);
    else if (halfOpen > 0)
        c[CircuitColumn] = tr("%n half-open", nullptr, halfOpen);
    c[InflightColumn] = usedOf(m.inflight, m.concurrency);
    c[QueuedColumn] = Text::count(m.queueDepth());
    c[RateColumn] = Text::rate(m.tasksPerSecond);
    if (m.latencyP95 > 0)
        c[LatencyColumn] = Text::duration(qRound64(m.latencyP95 * 1000));
    c[RpmColumn] = limitedUse(rpmUsed, rpmLimited ? rpm : 0);
    c[TpmColumn] = limitedUse(tpmUsed, tpmLimited ? tpm : 0);
    c[CostColumn] = m.config.dailyBudgetUsd > 0 ? tr("%1 / %2").arg(Text::money(m.spentTodayUsd), Text::money(m.config.dailyBudgetUsd))
                                                : Text::money(m.spentTodayUsd);
    c[ProviderColumn] = providers.join(QStringLiteral(", "));
    return c;
}

ModelTreeModel::Cells ModelTreeModel::endpointCells(const EndpointSnapshot& e) const
{
    Cells c;
    c[NameColumn] = e.name;
    if (!e.healthy)
        c[StatusColumn] = tr("unhealthy");
    else if (isCooling(e, m_timeMs))
        c[StatusColumn] = tr("cooling down");
    else
        c[StatusColumn] = tr("healthy");
    c[CircuitColumn] = Text::circuit(e.circuit);
    c[InflightColumn] = usedOf(e.inflight, e.limit);
    if (e.latencyMs > 0)
        c[LatencyColumn] = Text::duration(qRound64(e.latencyMs));
    c[RpmColumn] = limitedUse(e.rpmUsed, e.rpm);
    c[TpmColumn] = limitedUse(e.tpmUsed, e.tpm);
    c[ProviderColumn] = providerDisplayName(e.provider);
    c[BaseUrlColumn] = e.baseUrl;
    c[LastErrorColumn] = firstLine(e.lastError);
    return c;
}

int ModelTreeModel::modelStyle(const ModelSnapshot& m) const
{
    return (m.paused ? 1 : 0) | (m.budgetExhausted ? 2 : 0);
}

int ModelTreeModel::endpointStyle(const EndpointSnapshot& e) const
{
    const int circuit = e.circuit == kOpen ? 1 : e.circuit == kHalfOpen ? 2 : 0;
    return (e.healthy ? 1 : 0) | (isCooling(e, m_timeMs) ? 2 : 0) | (circuit << 2);
}

int ModelTreeModel::rowOfId(quintptr id) const
{
    for (qsizetype i = 0; i < m_rows.size(); ++i) {
        if (m_rows.at(i).id == id)
            return int(i);
    }
    return -1;
}

const ModelSnapshot* ModelTreeModel::modelAt(const QModelIndex& index) const
{
    if (!index.isValid() || index.model() != this)
        return nullptr;
    const int row = index.internalId() == 0 ? index.row() : rowOfId(index.internalId());
    if (row < 0 || row >= m_rows.size())
        return nullptr;
    return &m_rows.at(row).snap;
}

QModelIndex ModelTreeModel::indexOfModel(const QString& name) const
{
    for (qsizetype i = 0; i < m_rows.size(); ++i) {
        if (m_rows.at(i).name == name)
            return index(int(i), 0);
    }
    return {};
}

QModelIndex ModelTreeModel::indexOfEndpoint(const QString& model, const QString& endpoint) const
{
    const QModelIndex parent = indexOfModel(model);
    if (!parent.isValid())
        return {};
    const QList<EndpointRow>& eps = m_rows.at(parent.row()).endpoints;
    for (qsizetype i = 0; i < eps.size(); ++i) {
        if (eps.at(i).name == endpoint)
            return index(int(i), 0, parent);
    }
    return {};
}

QModelIndex ModelTreeModel::index(int row, int column, const QModelIndex& parent) const
{
    if (row < 0 || column < 0 || column >= ColumnCount)
        return {};
    if (!parent.isValid())
        return row < m_rows.size() ? createIndex(row, column, quintptr(0)) : QModelIndex();
    if (parent.internalId() != 0 || parent.column() != 0 || parent.row() >= m_rows.size())
        return {};
    const ModelRow& m = m_rows.at(parent.row());
    return row < m.endpoints.size() ? createIndex(row, column, m.id) : QModelIndex();
}

QModelIndex ModelTreeModel::parent(const QModelIndex& child) const
{
    if (!child.isValid() || child.internalId() == 0)
        return {};
    const int row = rowOfId(child.internalId());
    return row < 0 ? QModelIndex() : createIndex(row, 0, quintptr(0));
}

int ModelTreeModel::rowCount(const QModelIndex& parent) const
{
    if (!parent.isValid())
        return int(m_rows.size());
    if (parent.internalId() != 0 || parent.column() != 0 || parent.row() >= m_rows.size())
        return 0;
    return int(m_rows.at(parent.row()).endpoints.size());
}

int ModelTreeModel::columnCount(const QModelIndex&) const
{
    return ColumnCount;
}

QVariant ModelTreeModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.column() >= ColumnCount)
        return {};
    if (index.internalId() == 0) {
        if (index.row() >= m_rows.size())
            return {};
        return modelData(m_rows.at(index.row()), index.column(), role);
    }
    const int row = rowOfId(index.internalId());
    if (row < 0 || index.row() >= m_rows.at(row).endpoints.size())
        return {};
    const ModelRow& m = m_rows.at(row);
    return endpointData(m, m.endpoints.at(index.row()), index.column(), role);
}

namespace {

bool isNumeric(int column)
{
    switch (column) {
    case ModelTreeModel::InflightColumn:
    case ModelTreeModel::QueuedColumn:
    case ModelTreeModel::RateColumn:
    case ModelTreeModel::LatencyColumn:
    case ModelTreeModel::RpmColumn:
    case ModelTreeModel::TpmColumn:
    case ModelTreeModel::CostColumn:
        return true;
    default:
        return false;
    }
}

} // namespace

QVariant ModelTreeModel::modelData(const ModelRow& row, int column, int role) const
{
    const ModelSnapshot& m = row.snap;
    switch (role) {
    case Qt::DisplayRole:
        return row.text[column];
    case ModelNameRole:
        return m.name;
    case EndpointNameRole:
        return QString();
    case PausedRole:
        return m.paused;
    case Qt::TextAlignmentRole:
        return isNumeric(column) ? QVariant(Qt::AlignRight | Qt::AlignVCenter) : QVariant(Qt::AlignLeft | Qt::AlignVCenter);
    case Qt::FontRole:
        if (column == NameColumn) {
            QFont f;
            f.setBold(true);
            return f;
        }
        return {};
    case Qt::ForegroundRole:
        if (column == StatusColumn && m.budgetExhausted && !m.paused)
            return warningColor();
        if (column == CostColumn && m.budgetExhausted)
            return errorColor();
        if (column == CircuitColumn && !row.text[column].isEmpty()) {
            const bool anyOpen
                = std::any_of(row.endpoints.cbegin(), row.endpoints.cend(), [](const EndpointRow& e) { return e.snap.circuit == kOpen; });
            return anyOpen ? errorColor() : warningColor();
        }
        return {};
    case Qt::ToolTipRole:
        switch (column) {
        case NameColumn: {
            const QString tip = m.config.description.isEmpty() ? m.name : m.name + QLatin1Char('\n') + m.config.description;
            return QString(tip + QLatin1Char('\n') + tr("%n endpoint(s), strategy %1", nullptr, int(row.endpoints.size())).arg(m.config.strategy));
        }
        case StatusColumn:
            if (m.budgetExhausted)
                return tr("Today's spend reached the daily budget: queued work waits until 00:00 UTC or a "
                          "higher budget.");
            if (m.paused)
                return tr("Paused: queued work waits until the model is resumed.");
            return {};
        case InflightColumn:
            return tr("%1 calls running; at most %2 at once").arg(m.inflight).arg(m.concurrency);
        case QueuedColumn:
            return tr("Queued or waiting: %1 of at most %2").arg(Text::count(m.queueDepth()), Text::count(m.capacity));
        case LatencyColumn:
            return tr("Recent tasks: p50 %1, p95 %2, p99 %3")
                .arg(Text::duration(qRound64(m.latencyP50 * 1000)), Text::duration(qRound64(m.latencyP95 * 1000)),
                    Text::duration(qRound64(m.latencyP99 * 1000)));
        case CostColumn:
            return tr("Today (UTC): %1\nDaily budget: %2\nSince start: %3 (%4 prompt and %5 completion tokens)")
                .arg(Text::money(m.spentTodayUsd), m.config.dailyBudgetUsd > 0 ? Text::money(m.config.dailyBudgetUsd) : tr("none"),
                    Text::money(m.costUsd), Text::count(m.promptTokens), Text::count(m.completionTokens));
        default:
            return {};
        }
    default:
        return {};
    }
}

QVariant ModelTreeModel::endpointData(const ModelRow& model, const EndpointRow& row, int column, int role) const
{
    const EndpointSnapshot& e = row.snap;
    switch (role) {
    case Qt::DisplayRole:
        return row.text[column];
    case ModelNameRole:
        return model.name;
    case EndpointNameRole:
        return e.name;
    case PausedRole:
        return model.snap.paused;
    case Qt::TextAlignmentRole:
        return isNumeric(column) ? QVariant(Qt::AlignRight | Qt::AlignVCenter) : QVariant(Qt::AlignLeft | Qt::AlignVCenter);
    case Qt::DecorationRole:
        if (column == CircuitColumn)
            return dotIcon(circuitColor(e.circuit));
        return {};
    case Qt::ForegroundRole:
        if (column == StatusColumn && !e.healthy)
            return errorColor();
        if (column == StatusColumn && isCooling(e, m_timeMs))
            return warningColor();
        if (column == CircuitColumn && e.circuit != kClosed)
            return circuitColor(e.circuit);
        return {};
    case Qt::ToolTipRole:
        switch (column) {
        case NameColumn:
            return tr("%1 calls, %2 failed").arg(Text::count(e.calls), Text::count(e.failures));
        case StatusColumn: {
            QStringList lines;
            if (isCooling(e, m_timeMs))
                lines << tr("The endpoint asked to wait (Retry-After) until %1.").arg(Text::time(e.cooldownUntilMs));
            if (e.lastHealthMs > 0)
                lines << tr("Last health check: %1").arg(Text::time(e.lastHealthMs));
            return lines.isEmpty() ? QVariant() : QVariant(lines.join(QLatin1Char('\n')));
        }
        case CircuitColumn:
            if (e.circuit == kOpen && e.circuitOpenUntilMs > 0)
                return tr("Open: no calls until %1, then one probe.").arg(Text::time(e.circuitOpenUntilMs));
            if (e.circuit == kHalfOpen)
                return tr("Half-open: a probe call decides whether it closes again.");
            return tr("Closed: calls flow normally.");
        case InflightColumn:
            return tr("%1 calls running; adaptive limit %2 (configured maximum %3)")
                .arg(e.inflight)
                .arg(e.limit)
                .arg(e.maxConcurrency > 0 ? e.maxConcurrency : model.snap.concurrency);
        case RpmColumn:
            return e.rpm > 0 ? tr("Requests started in the last minute, of %1 allowed").arg(Text::count(e.rpm)) : tr("No requests-per-minute limit");
        case TpmColumn:
            return e.tpm > 0 ? tr("Tokens used or reserved in the last minute, of %1 allowed").arg(Text::count(e.tpm))
                             : tr("No tokens-per-minute limit");
        case BaseUrlColumn:
            return e.baseUrl;
        case LastErrorColumn:
            if (e.lastError.isEmpty())
                return {};
            return tr("%1\n%2").arg(Text::time(e.lastErrorMs), e.lastError);
        default:
            return {};
        }
    default:
        return {};
    }
}

QVariant ModelTreeModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || section < 0 || section >= ColumnCount)
        return {};
    if (role == Qt::TextAlignmentRole)
        return isNumeric(section) ? QVariant(Qt::AlignRight | Qt::AlignVCenter) : QVariant(Qt::AlignLeft | Qt::AlignVCenter);
    if (role == Qt::ToolTipRole) {
        switch (section) {
        case InflightColumn:
            return tr("Calls running now, of the limit (models: concurrency; endpoints: adaptive limit)");
        case QueuedColumn:
            return tr("Tasks waiting for a free slot, including retries waiting out their delay");
        case RateColumn:
            return tr("Tasks finished per second, recently");
        case LatencyColumn:
            return tr("Models: 95th percentile of recent tasks; endpoints: average of recent calls");
        case RpmColumn:
            return tr("Requests per minute: used / limit");
        case TpmColumn:
            return tr("Tokens per minute: used / limit");
        case CostColumn:
            return tr("Spent today (UTC) / daily budget");
        default:
            return {};
        }
    }
    if (role != Qt::DisplayRole)
        return {};
    switch (section) {
    case NameColumn:
        return tr("Name");
    case StatusColumn:
        return tr("Status");
    case CircuitColumn:
        return tr("Circuit");
    case InflightColumn:
        return tr("In flight");
    case QueuedColumn:
        return tr("Queued");
    case RateColumn:
        return tr("Tasks/s");
    case LatencyColumn:
        return tr("Latency");
    case RpmColumn:
        return tr("RPM");
    case TpmColumn:
        return tr("TPM");
    case CostColumn:
        return tr("Cost today");
    case ProviderColumn:
        return tr("Provider");
    case BaseUrlColumn:
        return tr("Base URL");
    case LastErrorColumn:
        return tr("Last error");
    default:
        return {};
    }
}

QColor circuitColor(const QString& circuit)
{
    if (circuit == kOpen)
        return errorColor();
    if (circuit == kHalfOpen)
        return warningColor();
    return okColor();
}

QColor okColor()
{
    return QColor(0x3c, 0xa5, 0x5c);
}

QColor warningColor()
{
    return QColor(0xcc, 0x85, 0x1a);
}

QColor errorColor()
{
    return QColor(0xd6, 0x45, 0x45);
}

QIcon dotIcon(const QColor& color)
{
    static QHash<QRgb, QIcon> cache;
    auto it = cache.constFind(color.rgba());
    if (it != cache.constEnd())
        return it.value();
    QPixmap pm(kDotIconSize, kDotIconSize);
    pm.fill(Qt::transparent);
    {
        QPainter p(&pm);
        p.setRenderHint(QPainter::Antialiasing);
        p.setPen(color.darker(120));
        p.setBrush(color);
        const qreal offset = (kDotIconSize - kDotDiameter) / 2.0;
        p.drawEllipse(QRectF(offset, offset, kDotDiameter, kDotDiameter));
    }
    const QIcon icon(pm);
    cache.insert(color.rgba(), icon);
    return icon;
}

} // namespace llmsched::ui
