#include "statisticsview.h"

#include "client/engineclient.h"
#include "livestate.h"
#include "settings.h"
#include "uiutil.h"

#include <QAreaSeries>
#include <QButtonGroup>
#include <QCategoryAxis>
#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QDateTime>
#include <QEvent>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QLegend>
#include <QLineSeries>
#include <QLocale>
#include <QMouseEvent>
#include <QPushButton>
#include <QRubberBand>
#include <QToolTip>
#include <QValueAxis>
#include <QVBoxLayout>

#include <utility>

namespace llmsched::ui {

namespace {

constexpr int kRefreshMs = 1000; // charts take new figures at most this often
constexpr qint64 kTailQueryMs = 5000; // how often to look for newly rolled-up minutes
constexpr int kChartMinWidth = 320;
constexpr int kChartMinHeight = 200;
constexpr int kAreaAlpha = 170;
constexpr int kCostAlpha = 70; // light enough for the token lines over it
constexpr double kLineWidth = 1.5;
constexpr double kTokenLineWidth = 2; // a whole pixel of colour wherever the line falls
constexpr int kMinDragPx = 6; // a narrower drag is a click, not a zoom
constexpr qint64 kDayMs = 24 * 60 * kStatsMinuteMs;
constexpr qsizetype kMarkedPointsMax = 30; // sparser lines show their points
constexpr double kSlowLatencySeconds = 10; // above this the latency axis reads in seconds

const QColor kP50Color(0x4c, 0x8b, 0xd6);
const QColor kP95Color(0x9b, 0x6f, 0xd0);
const QColor kP99Color(0xd0, 0x4f, 0x6a);
const QColor kPromptColor(0x2e, 0xa3, 0xb0);
const QColor kCompletionColor(0x8e, 0x7c, 0xc3);
const QColor kCostColor(0xe0, 0x9b, 0x2d);

// Object names, for tests and style sheets.
const std::array<const char*, kStatsRangeCount> kRangeNames = { "range15m", "range1h", "range24h", "range7d" };
// How Settings::chartRange names them.
const std::array<const char*, kStatsRangeCount> kRangeKeys = { "15m", "1h", "24h", "7d" };

StatsRange rangeOfKey(const QString& key)
{
    for (int i = 0; i < kStatsRangeCount; ++i)
        if (key == QLatin1String(kRangeKeys[static_cast<size_t>(i)]))
            return static_cast<StatsRange>(i);
    return StatsRange::Hour;
}

// A line of grey text centred over charts: why there is nothing to see.
QLabel* noteLabel(QWidget* parent, const QString& name)
{
    auto* note = new QLabel(parent);
    note->setObjectName(name);
    note->setAlignment(Qt::AlignCenter);
    note->setAttribute(Qt::WA_TransparentForMouseEvents);
    note->setForegroundRole(QPalette::PlaceholderText);
    note->setBackgroundRole(QPalette::Base);
    note->setMargin(parent->fontMetrics().height() / 2);
    note->setAutoFillBackground(true);
    return note;
}

// printf-style tick labels for values divided by `divisor`; k and M are the
// SI-style symbols, read the same in every language.
QString countFormat(double divisor, int decimals)
{
    const QString suffix = divisor >= 1'000'000 ? QStringLiteral("M") : divisor >= 1'000 ? QStringLiteral("k") : QString();
    return QStringLiteral("%.%1f").arg(decimals) + suffix;
}

void applyAxisRange(QValueAxis* axis, const AxisRange& range, const QString& labelFormat)
{
    axis->setRange(0, range.max);
    axis->setTickCount(range.ticks);
    axis->setLabelFormat(labelFormat);
}

// A value axis of amounts; `format` takes the decimals as %1.
void setAxisRange(QValueAxis* axis, double max, const QString& format)
{
    const AxisRange r = niceAxisRange(max, false);
    applyAxisRange(axis, r, format.arg(r.decimals));
}

// A value axis of counts: values divided so labels stay short; returns the divisor.
double setCountAxis(QValueAxis* axis, double max)
{
    const double divisor = axisDivisor(max);
    const AxisRange r = niceAxisRange(max / divisor, divisor == 1);
    applyAxisRange(axis, r, countFormat(divisor, r.decimals));
    return divisor;
}

// A bucket's tasks in the throughput chart's order (its Outcome enum).
std::array<qint64, 4> outcomesOf(const StatCounters& c)
{
    return { c.succeeded, c.retried, c.dead, c.cancelled };
}

QString latencyText(double seconds)
{
    return Text::duration(qRound64(seconds * 1000));
}

QString rateText(double perSecond)
{
    constexpr double kPerMinuteBelow = 0.1; // "0.0/s" says nothing; per minute does
    if (perSecond > 0 && perSecond < kPerMinuteBelow)
        return StatisticsView::tr("%1/min").arg(QLocale().toString(perSecond * 60, 'f', 1));
    return Text::rate(perSecond);
}

// Puts `names` after a filter box's first ("All ...") item, keeping the
// choice while it is still there; `shown` is what the box holds. Returns
// whether the choice was lost (the box went back to its first item).
bool refillFilter(QComboBox* box, const QStringList& names, QStringList& shown)
{
    if (names == shown)
        return false;
    const QString current = box->currentData().toString();
    const QSignalBlocker block(box);
    while (box->count() > 1)
        box->removeItem(1);
    for (const QString& name : names)
        box->addItem(name, name);
    shown = names;
    const int index = box->findData(current);
    box->setCurrentIndex(std::max(index, 0));
    return index < 0 && !current.isEmpty();
}

} // namespace

StatisticsView::StatisticsView(LiveState& live, QWidget* parent)
    : QWidget(parent)
    , m_live(live)
{
    auto* layout = new QVBoxLayout(this);

    auto* controls = new QHBoxLayout;
    m_rangeLabel = new QLabel(this);
    controls->addWidget(m_rangeLabel);
    m_rangeGroup = new QButtonGroup(this);
    for (int i = 0; i < kStatsRangeCount; ++i) {
        auto* b = new QPushButton(this);
        b->setCheckable(true);
        // The range shown reads bold: a checked button's shade alone was hard to tell on dark.
        connect(b, &QPushButton::toggled, b, [b](bool checked) {
            QFont f = b->font();
            f.setBold(checked);
            b->setFont(f);
        });
        b->setObjectName(QLatin1String(kRangeNames[static_cast<size_t>(i)]));
        m_rangeGroup->addButton(b, i);
        controls->addWidget(b);
        m_rangeButtons[static_cast<size_t>(i)] = b;
    }
    controls->addSpacing(fontMetrics().averageCharWidth() * 3);
    m_modelLabel = new QLabel(this);
    m_modelBox = new QComboBox(this);
    m_modelBox->setObjectName(QStringLiteral("modelFilter"));
    m_modelBox->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    m_modelBox->addItem(QString(), QString());
    m_modelLabel->setBuddy(m_modelBox);
    controls->addWidget(m_modelLabel);
    controls->addWidget(m_modelBox);
    m_endpointLabel = new QLabel(this);
    m_endpointBox = new QComboBox(this);
    m_endpointBox->setObjectName(QStringLiteral("endpointFilter"));
    m_endpointBox->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    m_endpointBox->addItem(QString(), QString());
    m_endpointBox->setEnabled(false);
    m_endpointLabel->setBuddy(m_endpointBox);
    controls->addWidget(m_endpointLabel);
    controls->addWidget(m_endpointBox);
    controls->addStretch(1);
    m_resetZoom = new QPushButton(this);
    m_resetZoom->setObjectName(QStringLiteral("resetZoom"));
    m_resetZoom->setEnabled(false);
    controls->addWidget(m_resetZoom);
    layout->addLayout(controls);

    auto* summary = new QHBoxLayout;
    static const std::array<const char*, SummaryCount> kSummaryNames
        = { "summarySucceeded", "summaryFailed", "summaryDead", "summaryTokens", "summaryCost", "summaryRate" };
    for (int i = 0; i < SummaryCount; ++i) {
        SummaryItem& item = m_summary[static_cast<size_t>(i)];
        item.caption = new QLabel(this);
        item.caption->setForegroundRole(QPalette::PlaceholderText);
        item.value = new QLabel(this);
        item.value->setObjectName(QLatin1String(kSummaryNames[static_cast<size_t>(i)]));
        QFont bold = item.value->font();
        bold.setBold(true);
        item.value->setFont(bold);
        item.value->setTextInteractionFlags(Qt::TextSelectableByMouse);
        summary->addWidget(item.caption);
        summary->addWidget(item.value);
        summary->addSpacing(fontMetrics().averageCharWidth() * 3);
    }
    summary->addStretch(1);
    layout->addLayout(summary);

    auto* grid = new QGridLayout;
    buildCharts();
    for (int c = 0; c < ChartCount; ++c) {
        QChartView* view = m_views[static_cast<size_t>(c)];
        grid->addWidget(view, c / 2, c % 2);
        // Over its chart (same cell, added later so it is on top).
        m_chartEmpty[static_cast<size_t>(c)] = noteLabel(this, view->objectName() + QStringLiteral("Empty"));
        grid->addWidget(m_chartEmpty[static_cast<size_t>(c)], c / 2, c % 2, Qt::AlignCenter);
        view->viewport()->setMouseTracking(true);
        view->viewport()->installEventFilter(this);
    }
    // Over all the charts.
    m_empty = noteLabel(this, QStringLiteral("emptyNote"));
    m_empty->setMargin(fontMetrics().height());
    grid->addWidget(m_empty, 0, 0, 2, 2, Qt::AlignCenter);
    layout->addLayout(grid, 1);
    m_percentileNote = new QLabel(this);
    m_percentileNote->setObjectName(QStringLiteral("percentileNote"));
    m_percentileNote->setForegroundRole(QPalette::PlaceholderText);
    layout->addWidget(m_percentileNote);

    retranslate();
    applyPalette();

    connect(m_rangeGroup, &QButtonGroup::idClicked, this, [this](int id) { setRange(static_cast<StatsRange>(id)); });
    connect(m_resetZoom, &QAbstractButton::clicked, this, &StatisticsView::resetZoom);
    connect(m_modelBox, &QComboBox::currentIndexChanged, this, [this] {
        {
            const QSignalBlocker block(m_endpointBox);
            m_endpointBox->setCurrentIndex(0); // the whole of the new model
        }
        updateEndpoints();
        m_dirty = true;
        refresh();
    });
    connect(m_endpointBox, &QComboBox::currentIndexChanged, this, [this] {
        // An endpoint's minutes are read when it is chosen.
        if (!endpoint().isEmpty())
            queryHistory();
        m_dirty = true;
        refresh();
    });
    connect(&live, &LiveState::snapshotChanged, this, &StatisticsView::onSnapshot);
    connect(&live, &LiveState::reloadNeeded, this, &StatisticsView::queryHistory);
    m_tick.setInterval(kRefreshMs);
    connect(&m_tick, &QTimer::timeout, this, &StatisticsView::tick);
    m_tick.start();

    if (const auto snapshot = live.snapshot()) {
        m_minutes.addSnapshot(*snapshot); // the live edge's baseline
        m_slots.addSnapshot(*snapshot);
    }
    m_range = rangeOfKey(Settings::chartRange());
    m_rangeButtons[static_cast<size_t>(m_range)]->setChecked(true);
    queryHistory();
    updateModels();
    refresh();
}

StatisticsView::~StatisticsView() = default;

void StatisticsView::buildCharts()
{
    addChart(Throughput, QStringLiteral("throughputChart"));
    const std::array<QColor, OutcomeCount> outcomeColors
        = { stateColor(TaskState::Succeeded), stateColor(TaskState::RetryWait), stateColor(TaskState::Dead), stateColor(TaskState::Cancelled) };
    const std::array<const char*, OutcomeCount> outcomeNames = { "succeeded", "retried", "dead", "cancelled" };
    for (int i = 0; i < OutcomeCount; ++i) {
        // Stacked: each area spans from the one below to its own running total.
        auto* upper = new QLineSeries;
        auto* lower = i == 0 ? nullptr : new QLineSeries;
        QAreaSeries* area = addArea(Throughput, upper, lower, outcomeColors[static_cast<size_t>(i)], m_valueAxes[Throughput]);
        area->setObjectName(QLatin1String(outcomeNames[static_cast<size_t>(i)]));
        m_outcomeAreas[static_cast<size_t>(i)] = area;
        m_outcomeUpper[static_cast<size_t>(i)] = upper;
        m_outcomeLower[static_cast<size_t>(i)] = lower;
    }

    addChart(Latency, QStringLiteral("latencyChart"));
    const std::array<QColor, 3> latencyColors = { kP50Color, kP95Color, kP99Color };
    const std::array<const char*, 3> latencyNames = { "p50", "p95", "p99" };
    for (size_t i = 0; i < m_latency.size(); ++i) {
        m_latency[i] = addLine(Latency, latencyColors[i], kLineWidth);
        m_latency[i]->setObjectName(QLatin1String(latencyNames[i]));
    }

    QChart* depth = addChart(QueueDepth, QStringLiteral("queueDepthChart"));
    m_depth = new QLineSeries;
    m_depthArea = addArea(QueueDepth, m_depth, nullptr, stateColor(TaskState::Queued), m_valueAxes[QueueDepth]);
    m_depthArea->setObjectName(QStringLiteral("queueDepth"));
    depth->legend()->hide();

    // Cost rises and falls with the tokens, so a line of it would lie on
    // theirs: it is a light area on its own axis, added first so the token
    // lines are drawn over it.
    QChart* tokens = addChart(Tokens, QStringLiteral("tokensChart"));
    m_costAxis = addValueAxis(tokens, Qt::AlignRight);
    m_costAxis->setGridLineVisible(false);
    m_cost = new QLineSeries;
    m_costArea = addArea(Tokens, m_cost, nullptr, kCostColor, m_costAxis);
    m_costArea->setObjectName(QStringLiteral("cost"));
    m_costArea->setPen(Qt::NoPen);
    QColor costFill = kCostColor;
    costFill.setAlpha(kCostAlpha);
    m_costArea->setBrush(costFill);
    m_promptTokens = addLine(Tokens, kPromptColor, kTokenLineWidth);
    m_promptTokens->setObjectName(QStringLiteral("promptTokens"));
    m_completionTokens = addLine(Tokens, kCompletionColor, kTokenLineWidth);
    m_completionTokens->setObjectName(QStringLiteral("completionTokens"));
}

QAreaSeries* StatisticsView::addArea(Chart which, QLineSeries* upper, QLineSeries* lower, const QColor& color, QValueAxis* valueAxis)
{
    auto* area = new QAreaSeries(upper, lower);
    area->setPen(QPen(color, kLineWidth));
    QColor fill = color;
    fill.setAlpha(kAreaAlpha);
    area->setBrush(fill);
    m_views[which]->chart()->addSeries(area);
    // The area does not own its lines; keep them with it.
    upper->setParent(area);
    if (lower)
        lower->setParent(area);
    area->attachAxis(m_timeAxes[which]);
    area->attachAxis(valueAxis);
    return area;
}

QChart* StatisticsView::addChart(Chart which, const QString& name)
{
    auto* chart = new QChart;
    chart->setAnimationOptions(QChart::NoAnimation);
    chart->setBackgroundRoundness(0);
    chart->setMargins(QMargins(4, 4, 4, 4));
    chart->legend()->setAlignment(Qt::AlignBottom);
    QFont title = font();
    title.setBold(true);
    chart->setTitleFont(title);
    chart->legend()->setFont(font());

    auto* view = new QChartView(chart, this);
    view->setObjectName(name);
    // Steps (tasks, tokens, cost) are all level and upright lines, sharp
    // without antialiasing, which is the costliest part of painting filled
    // areas; the charts of slanted lines (latency, queue depth) keep it.
    view->setRenderHint(QPainter::Antialiasing, which == Latency || which == QueueDepth);
    view->setFrameShape(QFrame::NoFrame);
    view->setMinimumSize(kChartMinWidth, kChartMinHeight);
    m_views[which] = view;

    auto* time = new QCategoryAxis;
    time->setLabelsPosition(QCategoryAxis::AxisLabelsPositionOnValue);
    time->setLabelsFont(font());
    chart->addAxis(time, Qt::AlignBottom);
    m_timeAxes[which] = time;
    m_valueAxes[which] = addValueAxis(chart, Qt::AlignLeft);
    return chart;
}

QValueAxis* StatisticsView::addValueAxis(QChart* chart, Qt::Alignment side)
{
    auto* axis = new QValueAxis;
    axis->setLabelsFont(font());
    axis->setRange(0, 1);
    axis->setLabelFormat(QStringLiteral("%.0f"));
    chart->addAxis(axis, side);
    return axis;
}

QLineSeries* StatisticsView::addLine(Chart which, const QColor& color, double width)
{
    auto* line = new QLineSeries;
    line->setPen(QPen(color, width));
    m_views[which]->chart()->addSeries(line);
    line->attachAxis(m_timeAxes[which]);
    line->attachAxis(m_valueAxes[which]);
    return line;
}

void StatisticsView::retranslate()
{
    if (!m_empty)
        return; // still being built
    m_rangeLabel->setText(tr("Range:"));
    const std::array<QString, kStatsRangeCount> ranges = { tr("15 min"), tr("1 h"), tr("24 h"), tr("7 days") };
    const std::array<QString, kStatsRangeCount> tips = { tr("The last 15 minutes, per 10 seconds"), tr("The last hour, per minute"),
        tr("The last 24 hours, per 5 minutes"), tr("The last 7 days, per hour") };
    for (size_t i = 0; i < ranges.size(); ++i) {
        m_rangeButtons[i]->setText(ranges[i]);
        m_rangeButtons[i]->setToolTip(tips[i]);
    }
    m_modelLabel->setText(tr("&Model:"));
    m_modelBox->setItemText(0, tr("All models"));
    m_endpointLabel->setText(tr("&Endpoint:"));
    m_endpointBox->setItemText(0, tr("All endpoints"));
    m_endpointBox->setToolTip(tr("What one endpoint of the chosen model ran: its attempts, their latency, tokens and cost, "
                                 "and the outcomes they decided"));
    m_resetZoom->setText(tr("Reset zoom"));
    m_resetZoom->setToolTip(tr("Drag across a chart to zoom in on that time; a right-click or Esc shows the whole range again"));
    m_percentileNote->setText(tr("Percentiles are estimated from a latency histogram with fixed buckets, interpolated within a bucket "
                                 "and capped at the slowest call seen."));
    m_percentileNote->setToolTip(tr("The store keeps each minute's fastest and slowest call. Minutes stored by older versions "
                                    "kept only bucket counts and total time: for them the estimate is capped at the most the total "
                                    "time allows the slowest call to have taken."));
    const QString noCalls = tr("No calls in this range yet");
    m_chartEmpty[Throughput]->setText(noCalls);
    m_chartEmpty[Latency]->setText(noCalls);

    m_chartEmpty[Tokens]->setText(noCalls);

    m_summary[SumSucceeded].caption->setText(tr("Succeeded"));
    m_summary[SumFailed].caption->setText(tr("Failed attempts"));
    m_summary[SumDead].caption->setText(tr("Dead"));
    m_summary[SumTokens].caption->setText(tr("Tokens"));
    m_summary[SumCost].caption->setText(tr("Cost"));
    m_summary[SumRate].caption->setText(tr("Mean throughput"));
    m_summary[SumFailed].value->setToolTip(tr("Attempts that failed, whether retried or not"));
    m_summary[SumRate].value->setToolTip(tr("Finished tasks over the whole range"));

    m_outcomeAreas[Succeeded]->setName(Text::state(TaskState::Succeeded));
    m_outcomeAreas[Retried]->setName(tr("failed, retried"));
    m_outcomeAreas[Dead]->setName(Text::state(TaskState::Dead));
    m_outcomeAreas[Cancelled]->setName(Text::state(TaskState::Cancelled));
    m_latency[0]->setName(tr("p50"));
    m_latency[1]->setName(tr("p95"));
    m_latency[2]->setName(tr("p99"));
    m_depthArea->setName(tr("waiting tasks"));
    m_promptTokens->setName(tr("prompt tokens"));
    m_completionTokens->setName(tr("completion tokens"));
    m_costArea->setName(tr("cost (right axis)"));
    m_relabelTime = true;
    m_views[QueueDepth]->chart()->setTitle(tr("Queue depth (tasks waiting)"));
    updateAxes();
    m_dirty = true;
}

void StatisticsView::applyPalette()
{
    if (!m_empty)
        return; // still being built
    const QPalette pal = palette();
    const QColor text = pal.color(QPalette::Text);
    QColor grid = text;
    grid.setAlphaF(0.15);
    QColor line = text;
    line.setAlphaF(0.35);
    for (QChartView* view : m_views) {
        QChart* chart = view->chart();
        view->setBackgroundBrush(pal.base());
        chart->setBackgroundBrush(pal.base());
        chart->setBackgroundPen(Qt::NoPen);
        chart->setPlotAreaBackgroundVisible(false);
        chart->setTitleBrush(text);
        chart->legend()->setLabelColor(text);
        const auto axes = chart->axes();
        for (QAbstractAxis* axis : axes) {
            axis->setLabelsColor(text);
            axis->setTitleBrush(text);
            axis->setGridLineColor(grid);
            axis->setLinePenColor(line);
        }
    }
}

void StatisticsView::changeEvent(QEvent* event)
{
    switch (event->type()) {
    case QEvent::LanguageChange:
        retranslate();
        refresh();
        break;
    case QEvent::PaletteChange:
        applyPalette();
        break;
    case QEvent::LocaleChange:
        m_relabelTime = true;
        m_dirty = true;
        refresh();
        break;
    default:
        break;
    }
    QWidget::changeEvent(event);
}

void StatisticsView::showEvent(QShowEvent* event)
{
    QWidget::showEvent(event);
    if (m_dirty)
        refresh();
}

void StatisticsView::setRange(StatsRange range)
{
    m_rangeButtons[static_cast<size_t>(range)]->setChecked(true);
    if (range == m_range)
        return;
    m_range = range;
    Settings::setChartRange(QLatin1String(kRangeKeys[static_cast<size_t>(range)]));
    resetZoom();
    queryHistory();
    refresh();
}

QString StatisticsView::model() const
{
    return m_modelBox->currentData().toString();
}

void StatisticsView::setModel(const QString& model)
{
    const int index = m_modelBox->findData(model);
    if (index >= 0)
        m_modelBox->setCurrentIndex(index);
}

QString StatisticsView::endpoint() const
{
    return model().isEmpty() ? QString() : m_endpointBox->currentData().toString();
}

void StatisticsView::setEndpoint(const QString& endpoint)
{
    const int index = m_endpointBox->findData(endpoint);
    if (index >= 0)
        m_endpointBox->setCurrentIndex(index);
}

void StatisticsView::onSnapshot(const std::shared_ptr<const EngineSnapshot>& snapshot)
{
    if (!snapshot)
        return;
    m_minutes.addSnapshot(*snapshot);
    m_slots.addSnapshot(*snapshot);
    m_dirty = true;
}

void StatisticsView::queryHistory()
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    m_window = StatsWindow::of(m_range, now);
    series().reset(m_window.bucketMs);
    ++m_generation;
    m_historyPending = 0;
    m_tailPending = 0;
    m_historyError.clear();
    m_dirty = true;
    // Up to the slot after now: the engine's clock may run a little ahead.
    const qint64 toMs = m_window.toMs + series().slotMs();
    queryMinutes(m_window.fromMs, toMs, StatsRows::Models, true);
    if (!endpoint().isEmpty())
        queryMinutes(m_window.fromMs, toMs, StatsRows::Endpoints, true);
}

void StatisticsView::queryMinutes(qint64 fromMs, qint64 toMs, StatsRows split, bool history)
{
    (history ? m_historyPending : m_tailPending)++;
    const quint64 generation = m_generation;
    // Endpoint rows of the chosen model only; model rows of all.
    StatsQuery query;
    query.fromMs = fromMs;
    query.toMs = toMs;
    query.model = split == StatsRows::Endpoints ? this->model() : QString();
    query.rows = split;
    query.stepMs = series().slotMs();
    StatsSeries* target = &series();
    onResult(m_live.client().statsMinutes(query), this, [this, generation, history, target](const Result<QList<MinuteStats>>& rows) {
        if (generation != m_generation)
            return;
        (history ? m_historyPending : m_tailPending)--;
        if (history && !rows)
            m_historyError = rows.error().message;
        if (rows)
            target->addMinutes(*rows);
        // else, of a tail query: the next tick asks again
        m_dirty = true;
        if (!history)
            return;
        updateModels();
        if (isVisible())
            refresh(); // else when shown
    });
}

void StatisticsView::queryTail()
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    if (m_historyPending || m_tailPending || now - m_lastTailMs < kTailQueryMs)
        return;
    const auto from = series().tailQueryFrom(m_window.fromMs, now);
    const auto endpointsFrom = endpoint().isEmpty() ? std::nullopt : series().tailQueryFrom(m_window.fromMs, now, StatsRows::Endpoints, model());
    if (!from && !endpointsFrom)
        return;
    m_lastTailMs = now;
    if (from)
        queryMinutes(*from, now + series().slotMs(), StatsRows::Models, false);
    if (endpointsFrom)
        queryMinutes(*endpointsFrom, now + series().slotMs(), StatsRows::Endpoints, false);
}

void StatisticsView::tick()
{
    const StatsWindow window = StatsWindow::of(m_range, QDateTime::currentMSecsSinceEpoch());
    if (window.fromMs != m_window.fromMs) {
        series().prune(window.fromMs);
        m_dirty = true;
    }
    if (m_zoom && m_zoom->toMs <= window.fromMs)
        resetZoom(); // all of it has left the range
    queryTail();
    updateModels();
    if (m_dirty && isVisible())
        refresh();
}

void StatisticsView::updateModels()
{
    QStringList names = series().models();
    if (const auto snapshot = m_live.snapshot()) {
        for (const ModelSnapshot& m : snapshot->models)
            if (!names.contains(m.name))
                names.append(m.name);
    }
    names.sort();
    if (refillFilter(m_modelBox, names, m_models))
        m_dirty = true; // the chosen model is gone: back to all
    updateEndpoints();
}

void StatisticsView::updateEndpoints()
{
    const QString model = this->model();
    QStringList names = model.isEmpty() ? QStringList() : series().endpoints(model);
    if (const auto snapshot = m_live.snapshot(); snapshot && !model.isEmpty()) {
        for (const ModelSnapshot& m : snapshot->models)
            if (m.name == model)
                for (const EndpointSnapshot& e : m.endpoints)
                    if (!names.contains(e.name))
                        names.append(e.name);
    }
    names.sort();
    m_endpointBox->setEnabled(!model.isEmpty());
    m_endpointLabel->setEnabled(!model.isEmpty());
    if (refillFilter(m_endpointBox, names, m_endpoints))
        m_dirty = true; // the chosen endpoint is gone: the whole model
}

void StatisticsView::refresh()
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    m_window = StatsWindow::of(m_range, now);
    m_buckets = series().buckets(m_window, model(), endpoint());

    // Per-bucket quantities (tasks, tokens, cost) are drawn as steps, one flat
    // segment across each bucket; samples (latency, queue depth) as lines
    // through their points.
    const qsizetype n = m_buckets.size();
    std::array<QList<QPointF>, OutcomeCount> stacked;
    for (auto& s : stacked)
        s.reserve(2 * n);
    std::array<QList<QPointF>, 3> latency;
    QList<QPointF> depth, prompt, completion, cost;
    prompt.reserve(2 * n);
    completion.reserve(2 * n);
    cost.reserve(2 * n);
    double maxThroughput = 0, maxLatency = 0, maxDepth = 0, maxTokens = 0, maxCost = 0;
    bool active = false;
    const auto step = [](QList<QPointF>& points, double from, double to, double y) {
        points.append(QPointF(from, y));
        points.append(QPointF(to, y));
    };
    for (qsizetype i = 0; i < n; ++i) {
        const StatsBucket& b = m_buckets[i];
        active = active || b.hasActivity();
        const qint64 startMs = m_window.startOf(static_cast<int>(i));
        const auto start = static_cast<double>(startMs);
        const auto end = static_cast<double>(startMs + m_window.bucketMs);
        const auto outcome = outcomesOf(b.counters);
        double total = 0;
        for (int o = 0; o < OutcomeCount; ++o) {
            total += static_cast<double>(outcome[static_cast<size_t>(o)]);
            step(stacked[static_cast<size_t>(o)], start, end, total);
        }
        maxThroughput = std::max(maxThroughput, total);
        if (const auto q = b.quantiles()) {
            const double middle = (start + end) / 2;
            latency[0].append(QPointF(middle, q->p50));
            latency[1].append(QPointF(middle, q->p95));
            latency[2].append(QPointF(middle, q->p99));
            maxLatency = std::max(maxLatency, q->p99);
        }
        if (b.hasQueueDepth()) {
            // Where it was sampled: a minute's end, or now for the live edge.
            const auto at = static_cast<double>(std::clamp(b.depthAtMs, startMs, startMs + m_window.bucketMs));
            depth.append(QPointF(at, static_cast<double>(b.queueDepth)));
            maxDepth = std::max(maxDepth, static_cast<double>(b.queueDepth));
        }
        step(prompt, start, end, static_cast<double>(b.counters.promptTokens));
        step(completion, start, end, static_cast<double>(b.counters.completionTokens));
        step(cost, start, end, b.counters.costUsd);
        maxTokens = std::max({ maxTokens, static_cast<double>(b.counters.promptTokens), static_cast<double>(b.counters.completionTokens) });
        maxCost = std::max(maxCost, b.counters.costUsd);
    }

    // Counts are scaled to the axis' unit so labels stay short.
    const double throughputDivisor = setCountAxis(m_valueAxes[Throughput], maxThroughput);
    for (int o = 0; o < OutcomeCount; ++o) {
        QList<QPointF>& points = stacked[static_cast<size_t>(o)];
        for (QPointF& p : points)
            p.setY(p.y() / throughputDivisor);
        m_outcomeUpper[static_cast<size_t>(o)]->replace(points);
        if (o + 1 < OutcomeCount)
            m_outcomeLower[static_cast<size_t>(o) + 1]->replace(points);
    }

    m_latencyDivisor = maxLatency >= kSlowLatencySeconds ? 1 : 0.001; // seconds or milliseconds
    for (size_t i = 0; i < latency.size(); ++i) {
        for (QPointF& p : latency[i])
            p.setY(p.y() / m_latencyDivisor);
        // A lone point draws no line: show the points while they are few.
        m_latency[i]->setPointsVisible(latency[i].size() <= kMarkedPointsMax);
        m_latency[i]->replace(latency[i]);
    }
    setAxisRange(m_valueAxes[Latency], maxLatency / m_latencyDivisor, QStringLiteral("%.%1f"));

    const double depthDivisor = setCountAxis(m_valueAxes[QueueDepth], maxDepth);
    for (QPointF& p : depth)
        p.setY(p.y() / depthDivisor);
    m_depthArea->setPointsVisible(depth.size() <= kMarkedPointsMax);
    m_depth->replace(depth);

    const double tokenDivisor = setCountAxis(m_valueAxes[Tokens], maxTokens);
    for (QPointF& p : prompt)
        p.setY(p.y() / tokenDivisor);
    for (QPointF& p : completion)
        p.setY(p.y() / tokenDivisor);
    m_promptTokens->replace(prompt);
    m_completionTokens->replace(completion);
    m_cost->replace(cost);
    setAxisRange(m_costAxis, maxCost, QStringLiteral("$%.%1f"));

    updateAxes();
    updateSummary();

    // One line over all the charts, or one over each chart with nothing to draw.
    QString whole;
    if (!m_historyError.isEmpty())
        whole = tr("Statistics could not be read: %1").arg(m_historyError);
    else if (m_historyPending && !active)
        whole = tr("Loading statistics…");
    else if (!active)
        whole = tr("No calls in this range yet");
    m_empty->setText(whole);
    m_empty->setVisible(!whole.isEmpty());
    m_chartEmpty[QueueDepth]->setText(
        endpoint().isEmpty() ? tr("No tasks waited in this range") : tr("Tasks wait for their model, not for one endpoint"));
    const std::array<bool, ChartCount> blank = { maxThroughput <= 0, latency[0].isEmpty(), maxDepth <= 0, maxTokens <= 0 && maxCost <= 0 };
    for (size_t c = 0; c < blank.size(); ++c)
        m_chartEmpty[c]->setVisible(whole.isEmpty() && blank[c]);
    m_dirty = false;
    emit refreshed();
}

void StatisticsView::updateAxes()
{
    // Labels sit on round local times; they change only as the window moves on.
    const TimeSpan span = shown();
    const TimeTicks ticks = timeTicks(span.fromMs, span.toMs);
    const bool relabel = ticks.at != m_ticks || m_relabelTime;
    QStringList labels;
    if (relabel) {
        const QString format = ticks.stepMs >= kDayMs ? QStringLiteral("MM-dd") : QStringLiteral("HH:mm");
        for (const qint64 t : ticks.at)
            labels.append(QLocale().toString(QDateTime::fromMSecsSinceEpoch(t), format));
    }
    for (QCategoryAxis* axis : m_timeAxes) {
        if (relabel) {
            const QStringList old = axis->categoriesLabels();
            for (const QString& label : old)
                axis->remove(label);
            for (qsizetype i = 0; i < ticks.at.size(); ++i)
                axis->append(labels[i], static_cast<double>(ticks.at[i]));
        }
        axis->setStartValue(static_cast<double>(span.fromMs));
        axis->setRange(static_cast<double>(span.fromMs), static_cast<double>(span.toMs));
    }
    m_ticks = ticks.at;
    m_relabelTime = false;
    QString per;
    switch (m_range) {
    case StatsRange::Minutes15:
        per = tr("per 10 seconds");
        break;
    case StatsRange::Hour:
        per = tr("per minute");
        break;
    case StatsRange::Day:
        per = tr("per 5 minutes");
        break;
    case StatsRange::Week:
        per = tr("per hour");
        break;
    }
    m_views[Throughput]->chart()->setTitle(tr("Tasks by outcome, %1").arg(per));
    m_views[Latency]->chart()->setTitle(m_latencyDivisor == 1 ? tr("Attempt latency (s)") : tr("Attempt latency (ms)"));
    m_views[Tokens]->chart()->setTitle(tr("Tokens and cost, %1").arg(per));
}

void StatisticsView::updateSummary()
{
    StatCounters total;
    for (const StatsBucket& b : std::as_const(m_buckets))
        total.add(b.counters);
    const double seconds = std::max<qint64>(1, QDateTime::currentMSecsSinceEpoch() - m_window.fromMs) / 1000.0;
    const double finished = static_cast<double>(total.succeeded + total.dead + total.cancelled);
    m_summary[SumSucceeded].value->setText(Text::count(total.succeeded));
    m_summary[SumFailed].value->setText(Text::count(total.failed));
    m_summary[SumDead].value->setText(Text::count(total.dead));
    m_summary[SumTokens].value->setText(Text::count(total.promptTokens + total.completionTokens));
    m_summary[SumTokens].value->setToolTip(tr("Prompt %1, completion %2").arg(Text::count(total.promptTokens), Text::count(total.completionTokens)));
    m_summary[SumCost].value->setText(Text::money(total.costUsd));
    m_summary[SumRate].value->setText(rateText(finished / seconds));
}

StatisticsView::TimeSpan StatisticsView::shown() const
{
    return m_zoom.value_or(TimeSpan { m_window.fromMs, m_window.toMs });
}

void StatisticsView::setZoom(qint64 fromMs, qint64 toMs)
{
    // Inside the window and at least a bucket wide (less shows part of one flat step).
    const qint64 span = std::clamp(std::abs(toMs - fromMs), m_window.bucketMs, m_window.spanMs());
    const qint64 from = std::clamp(std::min(fromMs, toMs), m_window.fromMs, m_window.toMs - span);
    m_zoom = TimeSpan { from, from + span };
    m_resetZoom->setEnabled(true);
    updateAxes();
}

void StatisticsView::resetZoom()
{
    if (!m_zoom)
        return;
    m_zoom.reset();
    m_resetZoom->setEnabled(false);
    updateAxes();
}

void StatisticsView::keyPressEvent(QKeyEvent* event)
{
    if (event->key() == Qt::Key_Escape && m_zoom) {
        resetZoom();
        event->accept();
        return;
    }
    QWidget::keyPressEvent(event);
}

bool StatisticsView::eventFilter(QObject* watched, QEvent* event)
{
    const Chart which = chartOf(watched);
    if (which != ChartCount && mouseEvent(which, event))
        return true;
    return QWidget::eventFilter(watched, event);
}

StatisticsView::Chart StatisticsView::chartOf(QObject* viewport) const
{
    for (size_t c = 0; c < m_views.size(); ++c)
        if (m_views[c] && m_views[c]->viewport() == viewport)
            return static_cast<Chart>(c);
    return ChartCount;
}

QRect StatisticsView::plotRect(Chart which) const
{
    const QChartView* view = m_views[which];
    return view->mapFromScene(view->chart()->mapToScene(view->chart()->plotArea())).boundingRect();
}

qint64 StatisticsView::timeAt(Chart which, int x) const
{
    const QRect plot = plotRect(which);
    const TimeSpan span = shown();
    const double frac = plot.width() > 0 ? std::clamp(static_cast<double>(x - plot.left()) / plot.width(), 0.0, 1.0) : 0;
    return span.fromMs + qRound64(frac * static_cast<double>(span.toMs - span.fromMs));
}

bool StatisticsView::mouseEvent(Chart which, QEvent* event)
{
    QWidget* viewport = m_views[which]->viewport();
    // The dragged span, across the plot area's height.
    const auto band = [this, which](int x) {
        const QRect plot = plotRect(which);
        const int a = std::clamp(m_dragFromX, plot.left(), plot.right());
        const int b = std::clamp(x, plot.left(), plot.right());
        return QRect(QPoint(std::min(a, b), plot.top()), QPoint(std::max(a, b), plot.bottom()));
    };
    switch (event->type()) {
    case QEvent::MouseButtonPress: {
        const auto* e = static_cast<QMouseEvent*>(event);
        const QPoint pos = e->position().toPoint();
        if (e->button() == Qt::RightButton) {
            resetZoom();
            return true;
        }
        if (e->button() != Qt::LeftButton || !plotRect(which).contains(pos))
            return false;
        QToolTip::hideText();
        m_dragFromX = pos.x();
        delete m_rubberBand;
        m_rubberBand = new QRubberBand(QRubberBand::Rectangle, viewport);
        m_rubberBand->setGeometry(band(pos.x()));
        m_rubberBand->show();
        return true;
    }
    case QEvent::MouseMove: {
        const QPoint pos = static_cast<QMouseEvent*>(event)->position().toPoint();
        if (m_rubberBand && m_rubberBand->parent() == viewport) {
            m_rubberBand->setGeometry(band(pos.x()));
            return true;
        }
        showValues(which, pos);
        return false;
    }
    case QEvent::MouseButtonRelease: {
        const auto* e = static_cast<QMouseEvent*>(event);
        if (e->button() != Qt::LeftButton || !m_rubberBand || m_rubberBand->parent() != viewport)
            return false;
        delete m_rubberBand;
        m_rubberBand = nullptr;
        const int fromX = std::exchange(m_dragFromX, -1);
        const int toX = e->position().toPoint().x();
        if (std::abs(toX - fromX) >= kMinDragPx)
            setZoom(timeAt(which, fromX), timeAt(which, toX));
        return true;
    }
    case QEvent::Leave:
        QToolTip::hideText();
        return false;
    default:
        return false;
    }
}

void StatisticsView::showValues(Chart which, QPoint pos)
{
    QWidget* viewport = m_views[which]->viewport();
    const int index = plotRect(which).contains(pos) ? m_window.indexOf(timeAt(which, pos.x())) : -1;
    if (index < 0 || index >= m_buckets.size()) {
        QToolTip::hideText();
        return;
    }
    QToolTip::showText(viewport->mapToGlobal(pos), valuesText(which, index), viewport);
}

QString StatisticsView::valuesText(Chart which, int index) const
{
    const StatsBucket& b = m_buckets[index];
    const qint64 start = m_window.startOf(index);
    const QLocale locale;
    const QString hhmm = m_window.bucketMs < kStatsMinuteMs ? QStringLiteral("HH:mm:ss") : QStringLiteral("HH:mm");
    QStringList lines;
    lines.append(QStringLiteral("%1–%2").arg(
        locale.toString(QDateTime::fromMSecsSinceEpoch(start), m_range == StatsRange::Week ? QStringLiteral("MM-dd HH:mm") : hhmm),
        locale.toString(QDateTime::fromMSecsSinceEpoch(start + m_window.bucketMs), hhmm)));
    const auto add = [&lines](const QString& name, const QString& value) { lines.append(tr("%1: %2").arg(name, value)); };
    switch (which) {
    case Throughput: {
        const auto outcome = outcomesOf(b.counters);
        for (size_t o = 0; o < outcome.size(); ++o)
            add(m_outcomeAreas[o]->name(), Text::count(outcome[o]));
        break;
    }
    case Latency:
        if (const auto q = b.quantiles()) {
            add(m_latency[0]->name(), latencyText(q->p50));
            add(m_latency[1]->name(), latencyText(q->p95));
            add(m_latency[2]->name(), latencyText(q->p99));
        } else {
            lines.append(tr("no calls"));
        }
        break;
    case QueueDepth:
        if (b.hasQueueDepth())
            add(m_depthArea->name(), Text::count(b.queueDepth));
        else
            lines.append(tr("no sample"));
        break;
    case Tokens:
        add(m_promptTokens->name(), Text::count(b.counters.promptTokens));
        add(m_completionTokens->name(), Text::count(b.counters.completionTokens));
        add(m_costArea->name(), Text::money(b.counters.costUsd));
        break;
    case ChartCount:
        break;
    }
    return lines.join(QLatin1Char('\n'));
}

} // namespace llmsched::ui
