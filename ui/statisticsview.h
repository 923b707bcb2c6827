#pragma once

#include "core/enginetypes.h"
#include "statsseries.h"

#include <QTimer>
#include <QWidget>

#include <array>
#include <memory>
#include <optional>

QT_BEGIN_NAMESPACE
class QAbstractButton;
class QButtonGroup;
class QComboBox;
class QLabel;
class QRubberBand;
class QAreaSeries;
class QCategoryAxis;
class QChart;
class QChartView;
class QLineSeries;
class QValueAxis;
QT_END_NAMESPACE

namespace llmsched::ui {

class LiveState;

// The Statistics view: throughput by outcome, latency percentiles, queue depth
// and tokens/cost over a chosen range (15 min, 1 h, 24 h, 7 days), for one
// model or all, or one endpoint of a model. History comes asynchronously from Engine::statsMinutes, the
// live edge from LiveState's snapshots (see StatsSeries); the charts are built
// once and only their series' points and axes change, at most once a second
// and only while the view is visible. Hovering a chart shows the figures of the
// bucket under the mouse; dragging across one zooms all of them to that time
// span (Reset zoom, a right-click or Esc go back). The chosen range is kept in
// the Settings. GUI thread.
class StatisticsView final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(StatisticsView)

public:
    explicit StatisticsView(LiveState& live, QWidget* parent = nullptr);
    ~StatisticsView() override;

    StatsRange range() const { return m_range; }
    void setRange(StatsRange range);
    // Empty: all models.
    QString model() const;
    void setModel(const QString& model);
    // Empty: the whole model (the only choice under all models).
    QString endpoint() const;
    void setEndpoint(const QString& endpoint);
    // The buckets on screen (tests, and anyone curious).
    const QList<StatsBucket>& buckets() const { return m_buckets; }
    StatsWindow window() const { return m_window; }

    // The time span the charts show: a zoomed-in part of the window, or none.
    struct TimeSpan
    {
        qint64 fromMs = 0;
        qint64 toMs = 0;
    };
    std::optional<TimeSpan> zoom() const { return m_zoom; }
    void setZoom(qint64 fromMs, qint64 toMs);
    void resetZoom();

signals:
    // After the charts took new figures.
    void refreshed();

protected:
    void changeEvent(QEvent* event) override;
    void showEvent(QShowEvent* event) override;
    void keyPressEvent(QKeyEvent* event) override;
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    enum Chart { Throughput, Latency, QueueDepth, Tokens, ChartCount };
    enum Outcome { Succeeded, Retried, Dead, Cancelled, OutcomeCount };

    void buildCharts();
    QChart* addChart(Chart which, const QString& name);
    QValueAxis* addValueAxis(QChart* chart, Qt::Alignment side);
    QLineSeries* addLine(Chart which, const QColor& color, double width);
    QAreaSeries* addArea(Chart which, QLineSeries* upper, QLineSeries* lower, const QColor& color, QValueAxis* valueAxis);
    void retranslate();
    void applyPalette();

    void onSnapshot(const std::shared_ptr<const EngineSnapshot>& snapshot);
    void queryHistory();
    void queryMinutes(qint64 fromMs, qint64 toMs, StatsRows split, bool history);
    void queryTail();
    void tick();
    void refresh();
    void updateModels();
    void updateEndpoints();
    void updateSummary();
    void updateAxes();
    TimeSpan shown() const;

    // Mouse over a chart: its plot area in viewport coordinates, the time at a
    // point of it, and what the buckets hold there.
    Chart chartOf(QObject* viewport) const;
    QRect plotRect(Chart which) const;
    qint64 timeAt(Chart which, int x) const; // x clamped to the plot area
    void showValues(Chart which, QPoint pos);
    QString valuesText(Chart which, int bucket) const;
    bool mouseEvent(Chart which, QEvent* event);

    LiveState& m_live;
    // The series the range is drawn from: 10-second slots for 15 minutes,
    // minutes otherwise. Both follow the snapshots, so either has its live edge.
    StatsSeries& series() { return m_range == StatsRange::Minutes15 ? m_slots : m_minutes; }
    StatsSeries m_minutes { kStatsMinuteMs };
    StatsSeries m_slots { kStatsSlotMs };
    StatsRange m_range = StatsRange::Hour;
    StatsWindow m_window;
    QList<StatsBucket> m_buckets;
    QStringList m_models; // in the filter, after "All models"
    quint64 m_generation = 0; // of the history; older answers are dropped
    int m_historyPending = 0; // queries of the history on their way
    QString m_historyError; // why the last history query failed
    int m_tailPending = 0;
    qint64 m_lastTailMs = 0;
    bool m_dirty = true;
    double m_latencyDivisor = 1; // seconds -> shown unit

    QTimer m_tick; // chart refresh and tail queries
    QButtonGroup* m_rangeGroup = nullptr;
    std::array<QAbstractButton*, kStatsRangeCount> m_rangeButtons {};
    QLabel* m_rangeLabel = nullptr;
    QLabel* m_modelLabel = nullptr;
    QComboBox* m_modelBox = nullptr;
    QLabel* m_endpointLabel = nullptr;
    QComboBox* m_endpointBox = nullptr;
    QStringList m_endpoints; // in the filter, after "All endpoints"
    QAbstractButton* m_resetZoom = nullptr;
    struct SummaryItem
    {
        QLabel* caption = nullptr;
        QLabel* value = nullptr;
    };
    enum Summary { SumSucceeded, SumFailed, SumDead, SumTokens, SumCost, SumRate, SummaryCount };
    std::array<SummaryItem, SummaryCount> m_summary {};
    QLabel* m_empty = nullptr;
    QLabel* m_percentileNote = nullptr;

    std::array<QChartView*, ChartCount> m_views {};
    std::array<QLabel*, ChartCount> m_chartEmpty {}; // over a chart with nothing to draw
    std::optional<TimeSpan> m_zoom;
    QRubberBand* m_rubberBand = nullptr; // while dragging to zoom
    int m_dragFromX = -1; // viewport x where the drag began; -1: none
    std::array<QCategoryAxis*, ChartCount> m_timeAxes {}; // labels on round local times
    QList<qint64> m_ticks; // where those labels are now
    bool m_relabelTime = true; // the labels' words or format changed
    std::array<QValueAxis*, ChartCount> m_valueAxes {};
    QValueAxis* m_costAxis = nullptr;
    std::array<QAreaSeries*, OutcomeCount> m_outcomeAreas {};
    std::array<QLineSeries*, OutcomeCount> m_outcomeUpper {};
    std::array<QLineSeries*, OutcomeCount> m_outcomeLower {};
    std::array<QLineSeries*, 3> m_latency {}; // p50, p95, p99
    QAreaSeries* m_depthArea = nullptr;
    QLineSeries* m_depth = nullptr;
    QLineSeries* m_promptTokens = nullptr;
    QLineSeries* m_completionTokens = nullptr;
    QAreaSeries* m_costArea = nullptr; // under the token lines
    QLineSeries* m_cost = nullptr;
};

} // namespace llmsched::ui
