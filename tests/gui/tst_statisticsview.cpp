// The Statistics view, driven offscreen over a real engine, and the data
// shaping behind it (StatsSeries) on its own.

#include "guitestutil.h"
#include "settings.h"
#include "statisticsview.h"
#include "statsseries.h"
#include "uiutil.h"

#include <QAbstractButton>
#include <QApplication>
#include <QAreaSeries>
#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QCategoryAxis>
#include <QDir>
#include <QJsonDocument>
#include <QLabel>
#include <QLineSeries>
#include <QSettings>
#include <QSqlQuery>
#include <QStandardPaths>
#include <QTest>
#include <QToolTip>
#include <QTranslator>
#include <QValueAxis>

#include <cmath>

using namespace llmsched;
using namespace llmsched::ui;
using guitest::EngineFixture;

namespace {

constexpr qint64 kMinute = kStatsMinuteMs;
constexpr qint64 kHour = 60 * kMinute;
constexpr qint64 kNoon = 1'714'564'800'000; // 2024-05-01 12:00 UTC, a whole minute and hour
constexpr int kWaitMs = 20'000;

MinuteStats minuteOf(const QString& model, qint64 minuteMs, qint64 succeeded, double latencySeconds = 0.01, qint64 depth = 0)
{
    MinuteStats m;
    m.model = model;
    m.minuteMs = minuteMs;
    m.counters.submitted = succeeded;
    m.counters.succeeded = succeeded;
    for (qint64 i = 0; i < succeeded; ++i)
        m.latency.record(latencySeconds);
    m.queueDepth = depth;
    return m;
}

ModelSnapshot modelSnapshot(const QString& name, qint64 succeeded, qint64 queued = 0, double p50 = 0.02)
{
    ModelSnapshot m;
    m.name = name;
    m.states[static_cast<size_t>(TaskState::Succeeded)] = succeeded;
    m.states[static_cast<size_t>(TaskState::Queued)] = queued;
    m.submittedTotal = succeeded + queued;
    m.latencyP50 = p50;
    m.latencyP95 = p50 * 2;
    m.latencyP99 = p50 * 3;
    return m;
}

EngineSnapshot snapshotAt(qint64 timeMs, QList<ModelSnapshot> models)
{
    EngineSnapshot s;
    s.timeMs = timeMs;
    s.running = true;
    s.models = std::move(models);
    return s;
}

qint64 succeededIn(const QList<StatsBucket>& buckets)
{
    qint64 n = 0;
    for (const StatsBucket& b : buckets)
        n += b.counters.succeeded;
    return n;
}

QChart* chartOf(const StatisticsView& view, const char* name)
{
    auto* chartView = view.findChild<QChartView*>(QLatin1String(name));
    return chartView ? chartView->chart() : nullptr;
}

template <typename T> T* seriesOf(const StatisticsView& view, const char* chart, const char* name)
{
    QChart* c = chartOf(view, chart);
    if (!c)
        return nullptr;
    const auto all = c->series();
    for (QAbstractSeries* s : all)
        if (s->objectName() == QLatin1String(name))
            return qobject_cast<T*>(s);
    return nullptr;
}

QString summaryOf(const StatisticsView& view, const char* name)
{
    auto* label = view.findChild<QLabel*>(QLatin1String(name));
    return label ? label->text() : QStringLiteral("<no %1>").arg(QLatin1String(name));
}

// Per-bucket quantities are drawn as steps: two points per bucket.
double sumOfSteps(const QXYSeries* series)
{
    double sum = 0;
    const auto points = series->points();
    for (qsizetype i = 0; i < points.size(); i += 2)
        sum += points[i].y();
    return sum;
}

double maxOfY(const QXYSeries* series)
{
    double max = 0;
    const auto points = series->points();
    for (const QPointF& p : points)
        max = std::max(max, p.y());
    return max;
}

qint64 timeSpanOf(const StatisticsView& view, const char* chart)
{
    const auto axes = chartOf(view, chart)->axes(Qt::Horizontal);
    auto* axis = axes.isEmpty() ? nullptr : qobject_cast<QValueAxis*>(axes.constFirst());
    return axis ? qRound64(axis->max() - axis->min()) : -1;
}

QList<TaskSpec> specs(const QString& model, int n)
{
    QList<TaskSpec> out;
    for (int i = 0; i < n; ++i)
        out.append(testutil::spec(model));
    return out;
}

// Rolled-up minutes written into the store as an earlier run would have left them.
bool insertMinutes(const QString& dbPath, const QList<MinuteStats>& rows)
{
    testutil::RawConnection raw(dbPath, QStringLiteral("QSQLITE_BUSY_TIMEOUT=10000"));
    QSqlDatabase db = raw.db();
    if (!raw.isOpen() || !db.transaction())
        return false;
    // Minutes, or 10-second slots of models (endpoint '').
    QSqlQuery minutes(db);
    minutes.prepare(QStringLiteral("INSERT INTO stats_minute (minute, model, submitted, succeeded, failed, retried, dead, cancelled, "
                                   "latency_count, latency_sum_ms, latency_buckets, prompt_tokens, completion_tokens, cost_usd, "
                                   "queue_depth) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"));
    QSqlQuery slots_(db);
    slots_.prepare(QStringLiteral("INSERT INTO stats_slot (slot, model, submitted, succeeded, failed, retried, dead, cancelled, "
                                  "latency_count, latency_sum_ms, latency_buckets, prompt_tokens, completion_tokens, cost_usd, "
                                  "queue_depth, endpoint) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,'')"));
    for (const MinuteStats& m : rows) {
        QSqlQuery& q = m.spanMs == kStatsSlotMs ? slots_ : minutes;
        const StatCounters& c = m.counters;
        for (const QVariant& v : { QVariant(m.minuteMs), QVariant(m.model), QVariant(c.submitted), QVariant(c.succeeded), QVariant(c.failed),
                 QVariant(c.retried), QVariant(c.dead), QVariant(c.cancelled), QVariant(m.latency.count()), QVariant(m.latency.sum() * 1000),
                 QVariant(QJsonDocument(m.latency.toJson()).toJson(QJsonDocument::Compact)), QVariant(c.promptTokens), QVariant(c.completionTokens),
                 QVariant(c.costUsd), QVariant(m.queueDepth) })
            q.addBindValue(v);
        if (!q.exec())
            return false;
    }
    return db.commit();
}

// A day of traffic up to `untilMs` that rises and falls, with some failures,
// latency around `latencySeconds` and a queue that builds up in the busy hours.
bool insertHistory(const QString& dbPath, const QString& model, qint64 untilMs, double perMinute, double latencySeconds)
{
    constexpr int kMinutes = 24 * 60;
    const qint64 last = untilMs / kMinute * kMinute - kMinute;
    QList<MinuteStats> rows;
    for (int i = 0; i < kMinutes; ++i) {
        MinuteStats m;
        m.minuteMs = last - (kMinutes - 1 - i) * kMinute;
        m.model = model;
        const double wave = 0.55 + 0.45 * std::sin(i / 180.0) * std::cos(i / 47.0);
        const auto succeeded = static_cast<qint64>(perMinute * wave);
        const qint64 retried = succeeded / 20 + (i % 7 == 0 ? succeeded / 8 : 0);
        StatCounters& c = m.counters;
        c.succeeded = succeeded;
        c.retried = retried;
        c.dead = i % 31 == 0 ? succeeded / 40 : 0;
        c.cancelled = i % 53 == 0 ? succeeded / 30 : 0;
        c.submitted = succeeded + c.dead + c.cancelled;
        c.failed = retried + c.dead;
        c.promptTokens = succeeded * 120;
        c.completionTokens = succeeded * 380;
        c.costUsd = succeeded * 0.0009;
        for (qint64 k = 0; k < succeeded + retried; ++k)
            m.latency.record(latencySeconds * (0.6 + 0.8 * wave) * (k % 50 == 0 ? 4 : 1 + (k % 7) / 10.0));
        m.queueDepth = static_cast<qint64>(perMinute * 3 * wave * wave);
        rows.append(m);
    }
    return insertMinutes(dbPath, rows);
}

// Shows the view at a size where the charts have room, on its 1 h range (of minutes).
bool showTheLastHour(StatisticsView& view)
{
    view.resize(1100, 700);
    view.show();
    if (!QTest::qWaitForWindowExposed(&view))
        return false;
    view.findChild<QAbstractButton*>(QStringLiteral("range1h"))->click();
    return true;
}

QString dbPathOf(const EngineFixture& f)
{
    return f.dataDir() + QStringLiteral("/") + kDatabaseFileName;
}

// Where a chart draws the point (time, value) of `series`, in its viewport's coordinates.
QPoint pointOf(const StatisticsView& view, const char* chart, qint64 timeMs, double value, QAbstractSeries* series)
{
    auto* chartView = view.findChild<QChartView*>(QLatin1String(chart));
    QChart* c = chartView->chart();
    return chartView->mapFromScene(c->mapToScene(c->mapToPosition(QPointF(static_cast<double>(timeMs), value), series)));
}

QWidget* viewportOf(const StatisticsView& view, const char* chart)
{
    return view.findChild<QChartView*>(QLatin1String(chart))->viewport();
}

// The time span the charts' time axes show.
std::pair<qint64, qint64> shownSpanOf(const StatisticsView& view, const char* chart)
{
    const auto axes = chartOf(view, chart)->axes(Qt::Horizontal);
    auto* axis = qobject_cast<QValueAxis*>(axes.constFirst());
    return { qRound64(axis->min()), qRound64(axis->max()) };
}

bool noteShown(const StatisticsView& view, const char* name)
{
    auto* note = view.findChild<QLabel*>(QLatin1String(name));
    return note && note->isVisible();
}

QString noteText(const StatisticsView& view, const char* name)
{
    auto* note = view.findChild<QLabel*>(QLatin1String(name));
    return note ? note->text() : QString();
}

// Labels, buttons and combo boxes on screen narrower than their text needs.
QStringList clippedIn(const QWidget& root)
{
    QStringList out;
    const auto widgets = root.findChildren<QWidget*>();
    for (QWidget* w : widgets) {
        if (!w->isVisibleTo(&root))
            continue;
        QString text;
        if (auto* l = qobject_cast<QLabel*>(w))
            text = l->text();
        else if (auto* b = qobject_cast<QAbstractButton*>(w))
            text = b->text();
        else if (auto* c = qobject_cast<QComboBox*>(w))
            text = c->currentText();
        else
            continue;
        if (w->width() < w->sizeHint().width())
            out.append(QStringLiteral("%1 '%2': %3 < %4").arg(w->objectName(), text).arg(w->width()).arg(w->sizeHint().width()));
    }
    return out;
}

// Simplified Chinese for the view's words (also what the zh_CN .ts should say).
class ChineseTranslator final : public QTranslator
{
public:
    bool isEmpty() const override { return false; }
    QString translate(const char* context, const char* sourceText, const char* disambiguation, int n) const override
    {
        Q_UNUSED(context);
        Q_UNUSED(disambiguation);
        Q_UNUSED(n);
        static const QHash<QString, QString> words = {
            { QStringLiteral("Range:"), QStringLiteral("时间范围：") },
            { QStringLiteral("15 min"), QStringLiteral("15 分钟") },
            { QStringLiteral("1 h"), QStringLiteral("1 小时") },
            { QStringLiteral("24 h"), QStringLiteral("24 小时") },
            { QStringLiteral("7 days"), QStringLiteral("7 天") },
            { QStringLiteral("&Model:"), QStringLiteral("模型(&M)：") },
            { QStringLiteral("All models"), QStringLiteral("全部模型") },
            { QStringLiteral("Succeeded"), QStringLiteral("成功") },
            { QStringLiteral("Failed attempts"), QStringLiteral("失败尝试") },
            { QStringLiteral("Dead"), QStringLiteral("死信") },
            { QStringLiteral("Tokens"), QStringLiteral("令牌数") },
            { QStringLiteral("Cost"), QStringLiteral("费用") },
            { QStringLiteral("Mean throughput"), QStringLiteral("平均吞吐量") },
            { QStringLiteral("succeeded"), QStringLiteral("成功") },
            { QStringLiteral("failed, retried"), QStringLiteral("失败后重试") },
            { QStringLiteral("dead"), QStringLiteral("死信") },
            { QStringLiteral("cancelled"), QStringLiteral("已取消") },
            { QStringLiteral("waiting tasks"), QStringLiteral("等待中的任务") },
            { QStringLiteral("prompt tokens"), QStringLiteral("提示令牌") },
            { QStringLiteral("completion tokens"), QStringLiteral("补全令牌") },
            { QStringLiteral("cost (right axis)"), QStringLiteral("费用（右轴）") },
            { QStringLiteral("Queue depth (tasks waiting)"), QStringLiteral("队列深度（等待中的任务）") },
            { QStringLiteral("per minute"), QStringLiteral("每分钟") },
            { QStringLiteral("per 5 minutes"), QStringLiteral("每 5 分钟") },
            { QStringLiteral("per hour"), QStringLiteral("每小时") },
            { QStringLiteral("Tasks by outcome, %1"), QStringLiteral("按结果统计的任务，%1") },
            { QStringLiteral("Attempt latency (ms)"), QStringLiteral("尝试延迟（毫秒）") },
            { QStringLiteral("Attempt latency (s)"), QStringLiteral("尝试延迟（秒）") },
            { QStringLiteral("Tokens and cost, %1"), QStringLiteral("令牌与费用，%1") },
            { QStringLiteral("No calls in this range yet"), QStringLiteral("此时间范围内尚无调用") },
            { QStringLiteral("No tasks waited in this range"), QStringLiteral("此时间范围内没有任务等待") },
            { QStringLiteral("Reset zoom"), QStringLiteral("重置缩放") },
            { QStringLiteral("Percentiles are estimated from a latency histogram with fixed buckets, interpolated within a bucket "
                             "and capped at the slowest call seen."),
                QStringLiteral("百分位数由固定分桶的延迟直方图估算，在桶内插值，且不超过所见最慢的调用。") },
            { QStringLiteral("%1/s"), QStringLiteral("%1/秒") },
            { QStringLiteral("%1/min"), QStringLiteral("%1/分钟") },
        };
        return words.value(QString::fromUtf8(sourceText));
    }
};

} // namespace

class TestStatisticsView : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); } // never touch the user's settings
    void init() { QSettings().clear(); }

    // Data shaping, no engine.
    void windows_data();
    void windows();
    void bucketBoundaries();
    void histogramsMergeAcrossModels();
    void emptyRange();
    void liveEdgeGivesWayToRollups();
    void liveEdgeSurvivesRangeSwitchAndRestart();
    void percentilesNeverAboveTheSlowestCall();
    void niceAxes_data();
    void niceAxes();
    void roundTimeTicks_data();
    void roundTimeTicks();

    // The view over a real engine.
    void chartsReceivePoints();
    void queueDepthFollowsTheQueue();
    void rangeSwitchQueriesAgain();
    void modelFilterNarrows();
    void endpointFilterSplitsTheModel();
    void endpointSeriesStayApart();
    void slotsFillTheQuarterHour();
    void historyFromRollups();
    void rendersInEnglishAndChineseUnclipped();
    void followsThePalette();
    void hoverShowsTheValues();
    void dragZoomsAllCharts();
    void rangeRememberedAcrossRestarts();
    void tokensVisibleOverCost();
    void emptyChartsSayWhy();
    void percentilesExplained();
};

void TestStatisticsView::windows_data()
{
    QTest::addColumn<StatsRange>("range");
    QTest::addColumn<qint64>("bucketMs");
    QTest::addColumn<int>("buckets");
    QTest::newRow("15 min") << StatsRange::Minutes15 << kStatsSlotMs << 90;
    QTest::newRow("1 h") << StatsRange::Hour << kMinute << 60;
    QTest::newRow("24 h") << StatsRange::Day << 5 * kMinute << 288;
    QTest::newRow("7 days") << StatsRange::Week << kHour << 168;
}

void TestStatisticsView::windows()
{
    QFETCH(StatsRange, range);
    QFETCH(qint64, bucketMs);
    QFETCH(int, buckets);
    const qint64 now = kNoon + 7 * kMinute + 12'345;
    const StatsWindow w = StatsWindow::of(range, now);
    QCOMPARE(w.bucketMs, bucketMs);
    QCOMPARE(w.buckets, buckets);
    QCOMPARE(w.spanMs(), StatsWindow::spanMsOf(range));
    QCOMPARE(w.fromMs % bucketMs, 0);
    QVERIFY(now >= w.toMs - bucketMs && now < w.toMs); // the last bucket holds now
    QCOMPARE(w.indexOf(w.fromMs), 0);
    QCOMPARE(w.indexOf(w.fromMs - 1), -1);
    QCOMPARE(w.indexOf(w.toMs - 1), buckets - 1);
    QCOMPARE(w.indexOf(w.toMs), -1);
    QCOMPARE(w.indexOf(now), buckets - 1);
    // A whole bucket later everything moves by one.
    const StatsWindow later = StatsWindow::of(range, now + bucketMs);
    QCOMPARE(later.fromMs, w.fromMs + bucketMs);
}

void TestStatisticsView::bucketBoundaries()
{
    // 24 h: 5-minute buckets. 12:00..12:04 fall in one, 12:05 starts the next.
    StatsSeries s;
    s.reset(5 * kMinute);
    s.addMinutes({ minuteOf(QStringLiteral("m"), kNoon, 1, 0.01, 4), minuteOf(QStringLiteral("m"), kNoon + 4 * kMinute, 2, 0.01, 9),
        minuteOf(QStringLiteral("m"), kNoon + 5 * kMinute, 4, 0.01, 1) });
    const StatsWindow w = StatsWindow::of(StatsRange::Day, kNoon + 5 * kMinute + 30'000);
    const QList<StatsBucket> b = s.buckets(w);
    QCOMPARE(b.size(), 288);
    const int first = w.indexOf(kNoon);
    QCOMPARE(first, 286);
    QCOMPARE(b[first].counters.succeeded, 3);
    QCOMPARE(b[first].queueDepth, 9); // at the bucket's end: its latest minute
    QCOMPARE(b[first + 1].counters.succeeded, 4);
    QCOMPARE(b[first + 1].queueDepth, 1);
    QCOMPARE(succeededIn(b), 7);
    // A minute before the window is not in it.
    const StatsWindow later = StatsWindow::of(StatsRange::Day, kNoon + 24 * kHour + 60'000);
    s.prune(later.fromMs);
    QCOMPARE(succeededIn(s.buckets(later)), 4);
}

void TestStatisticsView::histogramsMergeAcrossModels()
{
    StatsSeries s;
    s.reset(kMinute);
    // Same minute, two models: 100 fast calls (8 ms) and 100 slow ones (800 ms).
    s.addMinutes({ minuteOf(QStringLiteral("fast"), kNoon, 100, 0.008, 3), minuteOf(QStringLiteral("slow"), kNoon, 100, 0.8, 5) });
    const StatsWindow w = StatsWindow::of(StatsRange::Hour, kNoon + 10'000);
    const int i = w.indexOf(kNoon);

    const StatsBucket all = s.buckets(w).at(i);
    QCOMPARE(all.latency.count(), 200);
    QCOMPARE(all.counters.succeeded, 200);
    QCOMPARE(all.queueDepth, 8); // both models' queues
    const auto q = all.quantiles();
    QVERIFY(q);
    QVERIFY2(q->p50 > 0.005 && q->p50 <= 1.0, qPrintable(QString::number(q->p50)));
    QVERIFY2(q->p99 > 0.5 && q->p99 <= 1.0,
        qPrintable(QString::number(q->p99))); // the slow half dominates the tail
    QVERIFY(q->p50 <= q->p95 && q->p95 <= q->p99);

    const auto fast = s.buckets(w, QStringLiteral("fast")).at(i).quantiles();
    QVERIFY(fast);
    QVERIFY2(fast->p99 <= 0.010, qPrintable(QString::number(fast->p99)));
    QCOMPARE(s.buckets(w, QStringLiteral("slow")).at(i).queueDepth, 5);
    QCOMPARE(s.models(), (QStringList { QStringLiteral("fast"), QStringLiteral("slow") }));
    QVERIFY(!s.buckets(w, QStringLiteral("nobody")).at(i).quantiles());
}

void TestStatisticsView::emptyRange()
{
    StatsSeries s;
    s.reset(kHour);
    s.addMinutes({});
    const StatsWindow w = StatsWindow::of(StatsRange::Week, kNoon);
    const QList<StatsBucket> b = s.buckets(w);
    QCOMPARE(b.size(), 168);
    for (const StatsBucket& bucket : b) {
        QVERIFY(!bucket.hasActivity());
        QVERIFY(!bucket.quantiles());
        QVERIFY(!bucket.hasQueueDepth());
    }
    QVERIFY(s.models().isEmpty());
    QVERIFY(!s.tailQueryFrom(w.fromMs, kNoon));
}

// Issue 18: finer buckets in the 15-minute range. Its series holds 10-second
// slots: 90 buckets, live edge and rollups the same way as minutes.
void TestStatisticsView::slotsFillTheQuarterHour()
{
    StatsSeries s(kStatsSlotMs);
    const StatsWindow w = StatsWindow::of(StatsRange::Minutes15, kNoon + 35'000);
    s.reset(w.bucketMs);
    QCOMPARE(w.buckets, 90);
    const QString sim = QStringLiteral("sim");
    MinuteStats slot = minuteOf(sim, kNoon, 4, 0.01, 3);
    slot.spanMs = kStatsSlotMs;
    MinuteStats next = minuteOf(sim, kNoon + 10'000, 2, 0.01, 1);
    next.spanMs = kStatsSlotMs;
    s.addMinutes({ slot, next });
    QList<StatsBucket> b = s.buckets(w);
    QCOMPARE(b[w.indexOf(kNoon)].counters.succeeded, 4);
    QCOMPARE(b[w.indexOf(kNoon)].queueDepth, 3);
    QCOMPARE(b[w.indexOf(kNoon + 10'000)].counters.succeeded, 2);
    QCOMPARE(b[w.indexOf(kNoon + 20'000)].counters.succeeded, 0);

    // Live: what the snapshots saw after the last rollup lands in its own slot.
    s.addSnapshot(snapshotAt(kNoon + 21'000, { modelSnapshot(sim, 0) })); // the baseline
    s.addSnapshot(snapshotAt(kNoon + 26'000, { modelSnapshot(sim, 5) }));
    s.addSnapshot(snapshotAt(kNoon + 34'000, { modelSnapshot(sim, 8) }));
    b = s.buckets(w);
    QCOMPARE(b[w.indexOf(kNoon + 20'000)].counters.succeeded, 5);
    QCOMPARE(b[w.indexOf(kNoon + 30'000)].counters.succeeded, 3);
    QCOMPARE(succeededIn(b), 4 + 2 + 5 + 3);
    // The slot of 12:00:20 is over and waits for its rollup: ask from there.
    const auto from = s.tailQueryFrom(w.fromMs, kNoon + 35'000);
    QVERIFY(from);
    QCOMPARE(*from, kNoon + 20'000);
    MinuteStats rolled = minuteOf(sim, kNoon + 20'000, 5);
    rolled.spanMs = kStatsSlotMs;
    s.addMinutes({ rolled });
    QCOMPARE(succeededIn(s.buckets(w)), 14); // nothing counted twice
    // A minute (from a server that keeps no slots) is not taken for a slot.
    StatsSeries fresh(kStatsSlotMs);
    fresh.reset(w.bucketMs);
    fresh.addMinutes({ minuteOf(sim, kNoon, 60) });
    QCOMPARE(succeededIn(fresh.buckets(w)), 0);
}

void TestStatisticsView::liveEdgeGivesWayToRollups()
{
    StatsSeries s;
    s.reset(kMinute);
    const QString sim = QStringLiteral("sim");
    s.addSnapshot(snapshotAt(kNoon + 1'000, { modelSnapshot(sim, 0) })); // the baseline
    s.addSnapshot(snapshotAt(kNoon + 20'000, { modelSnapshot(sim, 5, 2) }));
    StatsWindow w = StatsWindow::of(StatsRange::Hour, kNoon + 30'000);
    QList<StatsBucket> b = s.buckets(w);
    QCOMPARE(b.constLast().counters.succeeded, 5);
    QCOMPARE(b.constLast().queueDepth, 2);
    QVERIFY(b.constLast().quantiles());
    QCOMPARE(b.constLast().quantiles()->p50, 0.02);
    QVERIFY(!s.tailQueryFrom(w.fromMs, kNoon + 30'000)); // nothing finished waits for a rollup yet

    // Two more in the next minute's first seconds (before the engine's rollup
    // check took the minute), three later on.
    s.addSnapshot(snapshotAt(kNoon + kMinute + 2'000, { modelSnapshot(sim, 7) }));
    s.addSnapshot(snapshotAt(kNoon + kMinute + 30'000, { modelSnapshot(sim, 10) }));
    w = StatsWindow::of(StatsRange::Hour, kNoon + kMinute + 31'000);
    QCOMPARE(succeededIn(s.buckets(w)), 10);
    const auto waiting = s.tailQueryFrom(w.fromMs, kNoon + kMinute + 31'000);
    QVERIFY(waiting);
    QCOMPARE(*waiting, w.fromMs);

    // The rollup of 12:00 counted those two as well: nothing is counted twice.
    s.addMinutes({ minuteOf(sim, kNoon, 7) });
    b = s.buckets(w);
    QCOMPARE(succeededIn(b), 10);
    QCOMPARE(b[w.indexOf(kNoon)].counters.succeeded, 7);
    QCOMPARE(b[w.indexOf(kNoon + kMinute)].counters.succeeded, 3);
    QVERIFY(!s.tailQueryFrom(w.fromMs, kNoon + kMinute + 31'000));
    // Not in the first seconds after it ended: other nodes sharing the
    // database may still be writing their parts of it.
    QVERIFY(!s.tailQueryFrom(w.fromMs, kNoon + 2 * kMinute + 1'000));
    const auto next = s.tailQueryFrom(w.fromMs, kNoon + 2 * kMinute + 3'000);
    QVERIFY(next);
    QCOMPARE(*next, kNoon + kMinute);

    // Its own rollup replaces the live minute; answers that overlap change nothing.
    s.addMinutes({ minuteOf(sim, kNoon + kMinute, 3) });
    QCOMPARE(succeededIn(s.buckets(w)), 10);
    s.addMinutes({ minuteOf(sim, kNoon, 7), minuteOf(sim, kNoon + kMinute, 3) });
    QCOMPARE(succeededIn(s.buckets(w)), 10);
}

void TestStatisticsView::liveEdgeSurvivesRangeSwitchAndRestart()
{
    StatsSeries s;
    s.reset(kMinute);
    const QString sim = QStringLiteral("sim");
    s.addSnapshot(snapshotAt(kNoon + 1'000, { modelSnapshot(sim, 0) }));
    s.addSnapshot(snapshotAt(kNoon + 10'000, { modelSnapshot(sim, 4) }));
    s.addMinutes({ minuteOf(sim, kNoon - kMinute, 6) });
    s.addSnapshot(snapshotAt(kNoon + 20'000, { modelSnapshot(sim, 5) }));

    // Another range: history again from the store, the live minute stays.
    s.reset(5 * kMinute);
    s.addMinutes({ minuteOf(sim, kNoon - 3 * kMinute, 1), minuteOf(sim, kNoon - kMinute, 6) });
    const StatsWindow w = StatsWindow::of(StatsRange::Day, kNoon + 30'000);
    QCOMPARE(succeededIn(s.buckets(w)), 1 + 6 + 5);

    // The engine started over (its since-start counters drop): a new baseline, not a negative step.
    s.addSnapshot(snapshotAt(kNoon + 40'000, { modelSnapshot(sim, 1) }));
    QCOMPARE(succeededIn(s.buckets(w)), 12);
    s.addSnapshot(snapshotAt(kNoon + 50'000, { modelSnapshot(sim, 4) }));
    QCOMPARE(succeededIn(s.buckets(w)), 15);
}

void TestStatisticsView::percentilesNeverAboveTheSlowestCall()
{
    // Issue 18: 8 tasks, the longest 1.1 s, and the chart said p99 2.4 s.
    MinuteStats m = minuteOf(QStringLiteral("sim"), kNoon, 0);
    for (const double seconds : { 0.95, 1.0, 1.02, 1.05, 1.06, 1.08, 1.09, 1.1 })
        m.latency.record(seconds);
    m.counters.succeeded = m.latency.count();
    StatsSeries s;
    s.reset(kMinute);
    s.addMinutes({ m });
    const StatsWindow w = StatsWindow::of(StatsRange::Hour, kNoon + 30'000);
    const auto q = s.buckets(w).constLast().quantiles();
    QVERIFY(q);
    QVERIFY2(q->p99 <= 1.1, qPrintable(QString::number(q->p99)));
    QVERIFY(q->p50 >= 0.95 && q->p50 <= q->p95 && q->p95 <= q->p99);
}

void TestStatisticsView::niceAxes_data()
{
    QTest::addColumn<double>("max");
    QTest::addColumn<bool>("integral");
    QTest::addColumn<double>("axisMax");
    QTest::addColumn<int>("ticks");
    QTest::addColumn<int>("decimals");
    QTest::newRow("nothing") << 0.0 << true << 1.0 << 2 << 0;
    QTest::newRow("three tasks") << 3.0 << true << 3.0 << 4 << 0;
    QTest::newRow("seven tasks") << 7.0 << true << 8.0 << 5 << 0;
    QTest::newRow("many tasks") << 930.0 << true << 1000.0 << 6 << 0;
    QTest::newRow("ms") << 2.3 << false << 2.5 << 6 << 1;
    QTest::newRow("quarters") << 1.1 << false << 1.25 << 6 << 2;
    QTest::newRow("cents") << 0.012 << false << 0.0125 << 6 << 4;
}

void TestStatisticsView::niceAxes()
{
    QFETCH(double, max);
    QFETCH(bool, integral);
    QFETCH(double, axisMax);
    QFETCH(int, ticks);
    QFETCH(int, decimals);
    const AxisRange r = niceAxisRange(max, integral);
    QCOMPARE(r.max, axisMax);
    QCOMPARE(r.ticks, ticks);
    QCOMPARE(r.decimals, decimals);
    QCOMPARE(axisDivisor(9'999), 1.0);
    QCOMPARE(axisDivisor(12'000), 1'000.0);
    QCOMPARE(axisDivisor(999'999), 1'000.0);
    QCOMPARE(axisDivisor(1'200'000), 1'000'000.0);
}

void TestStatisticsView::roundTimeTicks_data()
{
    QTest::addColumn<StatsRange>("range");
    QTest::addColumn<int>("ticks");
    QTest::addColumn<int>("everyMinutes"); // 0: at midnight
    QTest::newRow("15 min") << StatsRange::Minutes15 << 3 << 5;
    QTest::newRow("1 h") << StatsRange::Hour << 6 << 10;
    QTest::newRow("24 h") << StatsRange::Day << 6 << 240;
    QTest::newRow("7 days") << StatsRange::Week << 7 << 0;
}

void TestStatisticsView::roundTimeTicks()
{
    QFETCH(StatsRange, range);
    QFETCH(int, ticks);
    QFETCH(int, everyMinutes);
    // Local time, away from daylight-saving changes.
    const qint64 now = QDateTime(QDate(2024, 1, 17), QTime(13, 37, 12)).toMSecsSinceEpoch();
    const StatsWindow w = StatsWindow::of(range, now);
    const QList<qint64> t = timeTicks(w.fromMs, w.toMs).at;
    QCOMPARE(t.size(), ticks);
    QCOMPARE(timeTicks(w.fromMs, w.toMs).stepMs, everyMinutes == 0 ? 24 * kHour : everyMinutes * kMinute);
    // Zoomed in to a tenth of the range (at least 7 minutes), the labels come more often.
    const qint64 zoomed = std::max(w.spanMs() / 10, 7 * kMinute);
    QVERIFY(timeTicks(w.fromMs, w.fromMs + zoomed).stepMs < timeTicks(w.fromMs, w.toMs).stepMs);
    QVERIFY(timeTicks(w.fromMs, w.fromMs + zoomed).at.size() >= 2);
    for (const qint64 tick : t) {
        QVERIFY(tick >= w.fromMs && tick < w.toMs);
        const QTime local = QDateTime::fromMSecsSinceEpoch(tick).time();
        QCOMPARE(local.second(), 0);
        if (everyMinutes == 0)
            QCOMPARE(local, QTime(0, 0));
        else
            QCOMPARE((local.hour() * 60 + local.minute()) % everyMinutes, 0);
    }
}

void TestStatisticsView::chartsReceivePoints()
{
    EngineFixture f({ testutil::simModel(QStringLiteral("sim"), 5, 4) });
    StatisticsView view(*f.live);
    view.resize(1100, 700);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    QTRY_VERIFY(view.findChild<QLabel*>(QStringLiteral("emptyNote"))->isVisible());
    QTRY_COMPARE(noteText(view, "emptyNote"), QStringLiteral("No calls in this range yet"));

    const auto submitted = testutil::await(f.engine->submit(specs(QStringLiteral("sim"), 20)));
    QVERIFY(submitted);
    QTRY_COMPARE_WITH_TIMEOUT(summaryOf(view, "summarySucceeded"), Text::count(20), kWaitMs);
    QCOMPARE(summaryOf(view, "summaryDead"), Text::count(0));
    QVERIFY(!view.findChild<QLabel*>(QStringLiteral("emptyNote"))->isVisible());

    // Throughput: one point per bucket, the succeeded ones adding up to 20.
    auto* succeeded = seriesOf<QAreaSeries>(view, "throughputChart", "succeeded");
    QVERIFY(succeeded);
    QCOMPARE(succeeded->upperSeries()->count(), 2 * view.window().buckets);
    QCOMPARE(sumOfSteps(succeeded->upperSeries()), 20.0);
    auto* dead = seriesOf<QAreaSeries>(view, "throughputChart", "dead");
    QVERIFY(dead && dead->lowerSeries());
    QCOMPARE(sumOfSteps(dead->upperSeries()) - sumOfSteps(dead->lowerSeries()), 0.0);

    // Latency in milliseconds, about the simulated 5 ms.
    auto* p50 = seriesOf<QLineSeries>(view, "latencyChart", "p50");
    auto* p99 = seriesOf<QLineSeries>(view, "latencyChart", "p99");
    QVERIFY(p50 && p99);
    QTRY_VERIFY(p50->count() >= 1);
    const double ms = maxOfY(p50);
    QVERIFY2(ms > 1 && ms < 100, qPrintable(QString::number(ms)));
    QVERIFY(maxOfY(p99) >= ms);

    // Queue depth sampled, tokens counted.
    auto* depth = seriesOf<QAreaSeries>(view, "queueDepthChart", "queueDepth");
    QVERIFY(depth);
    QVERIFY(depth->upperSeries()->count() >= 1);
    auto* completion = seriesOf<QLineSeries>(view, "tokensChart", "completionTokens");
    QVERIFY(completion);
    QVERIFY(sumOfSteps(completion) > 0);
    QVERIFY(summaryOf(view, "summaryTokens") != Text::count(0));
}

void TestStatisticsView::queueDepthFollowsTheQueue()
{
    EngineFixture f({ testutil::simModel(QStringLiteral("sim")) }, false); // stores tasks, runs none
    StatisticsView view(*f.live);
    view.resize(1100, 700);
    view.show();
    QVERIFY(testutil::await(f.engine->submit(specs(QStringLiteral("sim"), 7))));
    auto* depth = seriesOf<QAreaSeries>(view, "queueDepthChart", "queueDepth");
    QVERIFY(depth);
    QTRY_COMPARE_WITH_TIMEOUT(depth->upperSeries()->count() > 0 ? depth->upperSeries()->points().constLast().y() : -1.0, 7.0, kWaitMs);
    QVERIFY(!view.findChild<QLabel*>(QStringLiteral("emptyNote"))->isVisible());
    QCOMPARE(summaryOf(view, "summarySucceeded"), Text::count(0));
}

void TestStatisticsView::rangeSwitchQueriesAgain()
{
    EngineFixture f;
    // A minute three hours ago, as an earlier run left it: 42 successes of
    // 100-250 ms each and 3 tasks waiting.
    const qint64 past = (QDateTime::currentMSecsSinceEpoch() - 3 * kHour) / kMinute * kMinute;
    {
        testutil::RawConnection db(f.dataDir() + QStringLiteral("/") + kDatabaseFileName, QStringLiteral("QSQLITE_BUSY_TIMEOUT=10000"));
        QVERIFY(db.isOpen());
        QVERIFY(db.exec(QStringLiteral("INSERT INTO stats_minute (minute, model, submitted, succeeded, latency_count, latency_sum_ms, "
                                       "latency_buckets, queue_depth) VALUES (%1, 'sim', 42, 42, 42, 7350, "
                                       "'[0,0,0,0,0,0,0,42,0,0,0,0,0,0,0,0,0,0]', 3)")
                            .arg(past)));
    }
    StatisticsView view(*f.live);
    view.resize(1100, 700);
    view.show();
    QCOMPARE(view.range(), StatsRange::Hour);
    QTRY_COMPARE(timeSpanOf(view, "throughputChart"), kHour);
    QCOMPARE(view.window().buckets, 60);
    QCOMPARE(summaryOf(view, "summarySucceeded"), Text::count(0));

    auto* day = view.findChild<QAbstractButton*>(QStringLiteral("range24h"));
    QVERIFY(day);
    day->click();
    QCOMPARE(view.range(), StatsRange::Day);
    QTRY_COMPARE(summaryOf(view, "summarySucceeded"), Text::count(42));
    QCOMPARE(timeSpanOf(view, "throughputChart"), 24 * kHour);
    QCOMPARE(timeSpanOf(view, "latencyChart"), 24 * kHour);
    QCOMPARE(view.window().buckets, 288);
    auto* succeeded = seriesOf<QAreaSeries>(view, "throughputChart", "succeeded");
    QCOMPARE(succeeded->upperSeries()->count(), 2 * 288);
    QCOMPARE(maxOfY(succeeded->upperSeries()), 42.0);
    auto* p50 = seriesOf<QLineSeries>(view, "latencyChart", "p50");
    QCOMPARE(p50->count(), 1);
    QVERIFY2(p50->at(0).y() > 100 && p50->at(0).y() <= 250, qPrintable(QString::number(p50->at(0).y())));
    QCOMPARE(maxOfY(seriesOf<QAreaSeries>(view, "queueDepthChart", "queueDepth")->upperSeries()), 3.0);

    // The keyboard reaches the range buttons too: Tab lands on the chosen
    // one, the arrow keys move along the group (as with radio buttons).
    view.activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(&view));
    day->setFocus(Qt::TabFocusReason);
    QTRY_VERIFY(day->hasFocus());
    QVERIFY(day->focusPolicy() & Qt::TabFocus);
    QTest::keyClick(day, Qt::Key_Right);
    auto* week = view.findChild<QAbstractButton*>(QStringLiteral("range7d"));
    QVERIFY(week->hasFocus());
    QCOMPARE(view.range(), StatsRange::Week);
    QTRY_COMPARE(timeSpanOf(view, "throughputChart"), 7 * 24 * kHour);
    QTRY_COMPARE(succeeded->upperSeries()->count(), 2 * 168);
    QTRY_COMPARE(summaryOf(view, "summarySucceeded"), Text::count(42));

    view.findChild<QAbstractButton*>(QStringLiteral("range15m"))->click();
    QTRY_COMPARE(timeSpanOf(view, "throughputChart"), 15 * kMinute);
    QTRY_COMPARE(summaryOf(view, "summarySucceeded"), Text::count(0));
    QCOMPARE(succeeded->upperSeries()->count(), 2 * 90); // 10-second buckets
}

void TestStatisticsView::modelFilterNarrows()
{
    EngineFixture f({ testutil::simModel(QStringLiteral("alpha"), 1), testutil::simModel(QStringLiteral("beta"), 1) });
    StatisticsView view(*f.live);
    view.resize(1100, 700);
    view.show();
    QVERIFY(testutil::await(f.engine->submit(specs(QStringLiteral("alpha"), 3) + specs(QStringLiteral("beta"), 5))));
    QTRY_COMPARE_WITH_TIMEOUT(summaryOf(view, "summarySucceeded"), Text::count(8), kWaitMs);

    auto* box = view.findChild<QComboBox*>(QStringLiteral("modelFilter"));
    QVERIFY(box);
    QTRY_COMPARE(box->count(), 3);
    QCOMPARE(box->itemData(0).toString(), QString());
    auto* succeeded = seriesOf<QAreaSeries>(view, "throughputChart", "succeeded");

    box->setCurrentIndex(box->findData(QStringLiteral("alpha")));
    QCOMPARE(view.model(), QStringLiteral("alpha"));
    QCOMPARE(summaryOf(view, "summarySucceeded"), Text::count(3));
    QCOMPARE(sumOfSteps(succeeded->upperSeries()), 3.0);

    view.setModel(QStringLiteral("beta"));
    QCOMPARE(box->currentText(), QStringLiteral("beta"));
    QCOMPARE(summaryOf(view, "summarySucceeded"), Text::count(5));
    QCOMPARE(sumOfSteps(succeeded->upperSeries()), 5.0);

    box->setCurrentIndex(0);
    QCOMPARE(view.model(), QString());
    QCOMPARE(summaryOf(view, "summarySucceeded"), Text::count(8));
}

// Issue 18: the statistics split per endpoint. The Endpoint filter, enabled
// once a model is chosen, shows what one endpoint ran, live.
void TestStatisticsView::endpointFilterSplitsTheModel()
{
    ModelConfig pair = testutil::simModel(QStringLiteral("pair"), 1, 4);
    pair.endpoints[0].name = QStringLiteral("first");
    EndpointConfig second = pair.endpoints[0];
    second.name = QStringLiteral("second");
    pair.endpoints.append(second);
    EngineFixture f({ pair });
    StatisticsView view(*f.live);
    view.resize(1100, 700);
    view.show();
    auto* endpoints = view.findChild<QComboBox*>(QStringLiteral("endpointFilter"));
    QVERIFY(endpoints);
    QVERIFY(!endpoints->isEnabled()); // all models: no endpoint to choose
    QVERIFY(testutil::await(f.engine->submit(specs(QStringLiteral("pair"), 10))));
    QTRY_COMPARE_WITH_TIMEOUT(summaryOf(view, "summarySucceeded"), Text::count(10), kWaitMs);
    // The engine's own split, once the last snapshot has it.
    qint64 onFirst = 0;
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            const auto snap = f.live->snapshot();
            if (!snap || snap->models.isEmpty() || snap->models[0].endpoints.size() != 2)
                return false;
            const auto& eps = snap->models[0].endpoints;
            onFirst = eps[0].name == QStringLiteral("first") ? eps[0].stats.succeeded : eps[1].stats.succeeded;
            return eps[0].stats.succeeded + eps[1].stats.succeeded == 10;
        }(),
        kWaitMs);
    QVERIFY2(onFirst > 0 && onFirst < 10, qPrintable(QString::number(onFirst))); // round robin over both

    view.setModel(QStringLiteral("pair"));
    QVERIFY(endpoints->isEnabled());
    QTRY_COMPARE(endpoints->count(), 3);
    QCOMPARE(endpoints->itemText(0), StatisticsView::tr("All endpoints"));
    view.setEndpoint(QStringLiteral("first"));
    QCOMPARE(view.endpoint(), QStringLiteral("first"));
    auto* succeeded = seriesOf<QAreaSeries>(view, "throughputChart", "succeeded");
    QTRY_COMPARE_WITH_TIMEOUT(summaryOf(view, "summarySucceeded"), Text::count(onFirst), kWaitMs);
    QCOMPARE(sumOfSteps(succeeded->upperSeries()), static_cast<double>(onFirst));
    QVERIFY(!seriesOf<QLineSeries>(view, "latencyChart", "p50")->points().isEmpty());
    // Tasks wait for the model, not for an endpoint: the chart says so.
    auto* depthNote = view.findChild<QLabel*>(QStringLiteral("queueDepthChartEmpty"));
    QVERIFY(depthNote && depthNote->isVisible());
    QVERIFY(depthNote->text().contains(QStringLiteral("endpoint")));

    view.setEndpoint(QStringLiteral("second"));
    QTRY_COMPARE_WITH_TIMEOUT(summaryOf(view, "summarySucceeded"), Text::count(10 - onFirst), kWaitMs);
    endpoints->setCurrentIndex(0);
    QCOMPARE(summaryOf(view, "summarySucceeded"), Text::count(10));
    view.setModel(QString());
    QVERIFY(!endpoints->isEnabled());
    QCOMPARE(view.endpoint(), QString());
}

// An endpoint's minutes never count twice in "all models" or its model.
void TestStatisticsView::endpointSeriesStayApart()
{
    StatsSeries s;
    s.reset(kMinute);
    MinuteStats model = minuteOf(QStringLiteral("m"), kNoon, 10, 0.1, 0);
    MinuteStats ep = minuteOf(QStringLiteral("m"), kNoon, 4, 0.1, 0);
    ep.endpoint = QStringLiteral("eu");
    s.addMinutes({ model, ep });
    const StatsWindow w = StatsWindow::of(StatsRange::Hour, kNoon + 10'000);
    const int i = w.indexOf(kNoon);
    QCOMPARE(s.buckets(w).at(i).counters.succeeded, 10);
    QCOMPARE(s.buckets(w, QStringLiteral("m")).at(i).counters.succeeded, 10);
    QCOMPARE(s.buckets(w, QStringLiteral("m"), QStringLiteral("eu")).at(i).counters.succeeded, 4);
    QCOMPARE(s.buckets(w, QStringLiteral("m"), QStringLiteral("eu")).at(i).latency.count(), 4);
    QVERIFY(!s.buckets(w, QStringLiteral("m"), QStringLiteral("eu")).at(i).hasQueueDepth()); // no queue of its own
    QVERIFY(s.buckets(w, QStringLiteral("m")).at(i).hasQueueDepth());
    QCOMPARE(s.models(), QStringList { QStringLiteral("m") });
    QCOMPARE(s.endpoints(QStringLiteral("m")), QStringList { QStringLiteral("eu") });
    QVERIFY(s.endpoints(QStringLiteral("other")).isEmpty());
}

void TestStatisticsView::historyFromRollups()
{
    QTemporaryDir dir;
    EngineOptions options;
    options.dataDir = dir.path();
    {
        // A first run whose minute is rolled up as it stops.
        Engine engine(options);
        QVERIFY(engine.start());
        QVERIFY(testutil::await(engine.upsertModel(testutil::simModel(QStringLiteral("sim"), 2))));
        QVERIFY(testutil::await(engine.submit(specs(QStringLiteral("sim"), 12))));
        QTRY_COMPARE_WITH_TIMEOUT(engine.snapshot()->states[static_cast<size_t>(TaskState::Succeeded)], qint64(12), kWaitMs);
        engine.shutdown(2000);
    }
    Engine engine(options);
    QVERIFY(engine.start());
    EmbeddedClient client(engine);
    ui::LiveState live(client);
    StatisticsView view(live);
    view.resize(1100, 700);
    view.show();
    QTRY_COMPARE_WITH_TIMEOUT(summaryOf(view, "summarySucceeded"), Text::count(12), kWaitMs);
    auto* p50 = seriesOf<QLineSeries>(view, "latencyChart", "p50");
    QTRY_VERIFY(p50->count() >= 1);
    QVERIFY2(maxOfY(p50) > 0.5 && maxOfY(p50) < 50,
        qPrintable(QString::number(maxOfY(p50)))); // ms, from the minute's histogram
    // The endpoint's own minutes, read when it is chosen.
    view.setModel(QStringLiteral("sim"));
    QTRY_COMPARE(view.findChild<QComboBox*>(QStringLiteral("endpointFilter"))->count(), 2);
    view.setEndpoint(QStringLiteral("sim"));
    QCOMPARE(view.endpoint(), QStringLiteral("sim"));
    QTRY_COMPARE_WITH_TIMEOUT(summaryOf(view, "summarySucceeded"), Text::count(12), kWaitMs);
    QTRY_VERIFY(p50->count() >= 1);
    engine.shutdown(2000);
}

void TestStatisticsView::rendersInEnglishAndChineseUnclipped()
{
    ModelConfig slow = testutil::simModel(QStringLiteral("a-model-with-a-rather-long-name"), 40, 2);
    slow.endpoints[0].simulation.failureRate = 0.3;
    slow.retry.maxAttempts = 2;
    slow.outputPricePerMTok = 15;
    slow.inputPricePerMTok = 3;
    EngineFixture f({ testutil::simModel(QStringLiteral("sim"), 5), slow });
    const QString dbPath = f.dataDir() + QStringLiteral("/") + kDatabaseFileName;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    QVERIFY(insertHistory(dbPath, QStringLiteral("sim"), now, 1800, 0.004));
    QVERIFY(insertHistory(dbPath, slow.name, now, 240, 0.9));
    StatisticsView view(*f.live);
    view.resize(1100, 700);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    QVERIFY(testutil::await(f.engine->submit(specs(QStringLiteral("sim"), 30) + specs(slow.name, 30))));
    QTRY_VERIFY_WITH_TIMEOUT(summaryOf(view, "summarySucceeded") != Text::count(0), kWaitMs);
    QTRY_COMPARE(clippedIn(view), QStringList());

    const QString shots = qEnvironmentVariable("LLMSCHED_SCREENSHOT_DIR");
    if (!shots.isEmpty()) {
        QCoreApplication::processEvents();
        QVERIFY(view.grab().save(QDir(shots).filePath(QStringLiteral("statistics-en.png"))));
    }
    const auto ranges = { "range15m", "range24h", "range7d", "range1h" };
    for (const char* range : ranges) {
        view.findChild<QAbstractButton*>(QLatin1String(range))->click();
        QTRY_COMPARE(view.findChild<QLabel*>(QStringLiteral("emptyNote"))->isVisible(), false);
        QTRY_COMPARE(clippedIn(view), QStringList());
        if (!shots.isEmpty()) {
            QCoreApplication::processEvents(); // the charts lay their titles and axes out in posted events
            QVERIFY(view.grab().save(QDir(shots).filePath(QStringLiteral("statistics-%1-en.png").arg(QLatin1String(range)))));
        }
    }

    if (!shots.isEmpty()) {
        const QPalette light = view.palette();
        QPalette dark = light;
        dark.setColor(QPalette::Window, QColor(0x2b, 0x2d, 0x30));
        dark.setColor(QPalette::Base, QColor(0x1e, 0x1f, 0x22));
        dark.setColor(QPalette::Button, QColor(0x3c, 0x3f, 0x41));
        for (const auto role : { QPalette::WindowText, QPalette::Text, QPalette::ButtonText })
            dark.setColor(role, QColor(0xdf, 0xe1, 0xe5));
        dark.setColor(QPalette::PlaceholderText, QColor(0x9a, 0x9d, 0xa3));
        view.setPalette(dark);
        QCoreApplication::processEvents();
        QVERIFY(view.grab().save(QDir(shots).filePath(QStringLiteral("statistics-dark.png"))));
        view.setPalette(light);
    }

    ChineseTranslator zh;
    QLocale::setDefault(QLocale(QLocale::Chinese, QLocale::China));
    QVERIFY(qApp->installTranslator(&zh));
    auto* week = view.findChild<QAbstractButton*>(QStringLiteral("range7d"));
    QTRY_COMPARE(week->text(), QStringLiteral("7 天"));
    QTRY_COMPARE(view.findChild<QComboBox*>(QStringLiteral("modelFilter"))->itemText(0), QStringLiteral("全部模型"));
    QTRY_COMPARE(clippedIn(view), QStringList());
    QCOMPARE(chartOf(view, "throughputChart")->title(), QStringLiteral("按结果统计的任务，每分钟"));
    if (!shots.isEmpty()) {
        QCoreApplication::processEvents();
        QVERIFY(view.grab().save(QDir(shots).filePath(QStringLiteral("statistics-zh.png"))));
    }

    qApp->removeTranslator(&zh);
    QLocale::setDefault(QLocale(QLocale::English, QLocale::UnitedStates));
    QTRY_COMPARE(week->text(), QStringLiteral("7 days"));
}

void TestStatisticsView::followsThePalette()
{
    EngineFixture f;
    StatisticsView view(*f.live);
    QPalette dark = view.palette();
    dark.setColor(QPalette::Base, QColor(0x20, 0x22, 0x25));
    dark.setColor(QPalette::Window, QColor(0x2b, 0x2d, 0x30));
    dark.setColor(QPalette::Text, QColor(0xe8, 0xe8, 0xe8));
    dark.setColor(QPalette::WindowText, QColor(0xe8, 0xe8, 0xe8));
    view.setPalette(dark);
    const auto names = { "throughputChart", "latencyChart", "queueDepthChart", "tokensChart" };
    for (const char* name : names) {
        QChart* chart = chartOf(view, name);
        QCOMPARE(chart->backgroundBrush().color(), QColor(0x20, 0x22, 0x25));
        QCOMPARE(chart->titleBrush().color(), QColor(0xe8, 0xe8, 0xe8));
        const auto axes = chart->axes();
        for (QAbstractAxis* axis : axes)
            QCOMPARE(axis->labelsBrush().color(), QColor(0xe8, 0xe8, 0xe8));
        QCOMPARE(chart->animationOptions(), QChart::NoAnimation);
    }
}

void TestStatisticsView::hoverShowsTheValues()
{
    EngineFixture f;
    // Four minutes ago: 42 tasks of 200 ms each, 3 waiting.
    const qint64 minute = (QDateTime::currentMSecsSinceEpoch() - 4 * kMinute) / kMinute * kMinute;
    QVERIFY(insertMinutes(dbPathOf(f), { minuteOf(QStringLiteral("sim"), minute, 42, 0.2, 3) }));
    StatisticsView view(*f.live);
    QVERIFY(showTheLastHour(view));
    QTRY_COMPARE(summaryOf(view, "summarySucceeded"), Text::count(42));
    QCoreApplication::processEvents(); // the charts lay out their plot areas in posted events

    // Over that minute in the throughput chart: its time and its tasks by outcome.
    auto* succeeded = seriesOf<QAreaSeries>(view, "throughputChart", "succeeded");
    QTest::mouseMove(viewportOf(view, "throughputChart"), pointOf(view, "throughputChart", minute + kMinute / 2, 20, succeeded));
    QTRY_VERIFY(QToolTip::isVisible());
    const QString time = QLocale().toString(QDateTime::fromMSecsSinceEpoch(minute), QStringLiteral("HH:mm"));
    QVERIFY2(QToolTip::text().startsWith(time), qPrintable(QToolTip::text()));
    QVERIFY2(QToolTip::text().contains(Text::state(TaskState::Succeeded) + QStringLiteral(": 42")), qPrintable(QToolTip::text()));
    QVERIFY2(QToolTip::text().contains(Text::state(TaskState::Dead) + QStringLiteral(": 0")), qPrintable(QToolTip::text()));

    // The latency chart names its percentiles; the queue depth chart its waiting tasks.
    auto* p50 = seriesOf<QLineSeries>(view, "latencyChart", "p50");
    QTest::mouseMove(viewportOf(view, "latencyChart"), pointOf(view, "latencyChart", minute + kMinute / 2, p50->at(0).y(), p50));
    QTRY_VERIFY2(QToolTip::text().contains(QStringLiteral("p99: ")), qPrintable(QToolTip::text()));
    QVERIFY2(QToolTip::text().contains(QStringLiteral("p50: ") + Text::duration(qRound64(p50->at(0).y()))), qPrintable(QToolTip::text()));
    auto* depth = seriesOf<QAreaSeries>(view, "queueDepthChart", "queueDepth");
    QTest::mouseMove(viewportOf(view, "queueDepthChart"), pointOf(view, "queueDepthChart", minute + kMinute / 2, 1, depth));
    QTRY_VERIFY2(QToolTip::text().contains(depth->name() + QStringLiteral(": 3")), qPrintable(QToolTip::text()));

    // Off the plot area, no figures.
    QTest::mouseMove(viewportOf(view, "queueDepthChart"), QPoint(1, 1));
    QTRY_VERIFY(!QToolTip::isVisible());
}

void TestStatisticsView::dragZoomsAllCharts()
{
    EngineFixture f;
    const qint64 minute = (QDateTime::currentMSecsSinceEpoch() - 4 * kMinute) / kMinute * kMinute;
    QVERIFY(insertMinutes(dbPathOf(f), { minuteOf(QStringLiteral("sim"), minute, 42, 0.2, 3) }));
    StatisticsView view(*f.live);
    QVERIFY(showTheLastHour(view));
    QTRY_COMPARE(summaryOf(view, "summarySucceeded"), Text::count(42));
    QCoreApplication::processEvents();
    auto* reset = view.findChild<QAbstractButton*>(QStringLiteral("resetZoom"));
    QVERIFY(reset);
    QVERIFY(!reset->isEnabled());
    const auto names = { "throughputChart", "latencyChart", "queueDepthChart", "tokensChart" };
    const auto whole = [&view] { return std::pair { view.window().fromMs, view.window().toMs }; };

    // Drags from 5 to 10 minutes into the range, mid-height.
    const auto drag = [&](const char* chart) {
        const qint64 from = view.window().fromMs;
        QAbstractSeries* series = chartOf(view, chart)->series().constFirst();
        const double middle = qobject_cast<QValueAxis*>(chartOf(view, chart)->axes(Qt::Vertical).constFirst())->max() / 2;
        const QPoint a = pointOf(view, chart, from + 5 * kMinute, middle, series);
        const QPoint b = pointOf(view, chart, from + 10 * kMinute, middle, series);
        QWidget* viewport = viewportOf(view, chart);
        QTest::mousePress(viewport, Qt::LeftButton, {}, a);
        QTest::mouseMove(viewport, (a + b) / 2);
        QTest::mouseMove(viewport, b);
        QTest::mouseRelease(viewport, Qt::LeftButton, {}, b);
        return std::pair { from + 5 * kMinute, from + 10 * kMinute };
    };
    auto* countAxis = qobject_cast<QValueAxis*>(chartOf(view, "throughputChart")->axes(Qt::Vertical).constFirst());
    const double countMax = countAxis->max();
    const auto [fromMs, toMs] = drag("throughputChart");
    QVERIFY(view.zoom());
    constexpr qint64 kPixelMs = 10'000; // a few pixels' worth of time
    QVERIFY2(std::abs(view.zoom()->fromMs - fromMs) < kPixelMs && std::abs(view.zoom()->toMs - toMs) < kPixelMs,
        qPrintable(QStringLiteral("%1..%2").arg(view.zoom()->fromMs - fromMs).arg(view.zoom()->toMs - toMs)));
    for (const char* name : names)
        QCOMPARE(shownSpanOf(view, name), std::pair(view.zoom()->fromMs, view.zoom()->toMs));
    QVERIFY(reset->isEnabled());
    // Only the time axis zooms: the counts' axis is as it was.
    QCOMPARE(countAxis->max(), countMax);

    // Esc, a right-click or the button show the whole range again.
    QTest::keyClick(view.findChild<QChartView*>(QStringLiteral("throughputChart")), Qt::Key_Escape); // where the drag left the focus
    QVERIFY(!view.zoom());
    for (const char* name : names)
        QCOMPARE(shownSpanOf(view, name), whole());
    QVERIFY(!reset->isEnabled());

    drag("latencyChart");
    QVERIFY(view.zoom());
    QCOMPARE(shownSpanOf(view, "tokensChart"), std::pair(view.zoom()->fromMs, view.zoom()->toMs));
    QTest::mouseClick(viewportOf(view, "tokensChart"), Qt::RightButton, {}, viewportOf(view, "tokensChart")->rect().center());
    QVERIFY(!view.zoom());
    QCOMPARE(shownSpanOf(view, "latencyChart"), whole());

    drag("queueDepthChart");
    QVERIFY(view.zoom());
    reset->click();
    QVERIFY(!view.zoom());
    QCOMPARE(shownSpanOf(view, "queueDepthChart"), whole());

    // A click without a drag zooms nothing.
    const QPoint c = viewportOf(view, "throughputChart")->rect().center();
    QTest::mouseClick(viewportOf(view, "throughputChart"), Qt::LeftButton, {}, c);
    QVERIFY(!view.zoom());
}

void TestStatisticsView::rangeRememberedAcrossRestarts()
{
    EngineFixture f;
    {
        StatisticsView view(*f.live);
        QCOMPARE(view.range(), StatsRange::Hour);
        view.findChild<QAbstractButton*>(QStringLiteral("range24h"))->click();
        QCOMPARE(view.range(), StatsRange::Day);
        // The range shown reads bold, the others not.
        QVERIFY(view.findChild<QAbstractButton*>(QStringLiteral("range24h"))->font().bold());
        QVERIFY(!view.findChild<QAbstractButton*>(QStringLiteral("range1h"))->font().bold());
    }
    QCOMPARE(Settings::chartRange(), QStringLiteral("24h"));
    Settings::load().save(); // the window saving its preferences (Demo feed, Settings OK) keeps it
    QCOMPARE(Settings::chartRange(), QStringLiteral("24h"));
    StatisticsView again(*f.live);
    QCOMPARE(again.range(), StatsRange::Day);
    QVERIFY(again.findChild<QAbstractButton*>(QStringLiteral("range24h"))->isChecked());
    QCOMPARE(again.window().buckets, 288);
    again.setRange(StatsRange::Minutes15);
    QCOMPARE(Settings::chartRange(), QStringLiteral("15m"));
}

void TestStatisticsView::tokensVisibleOverCost()
{
    // Cost follows the completion tokens exactly ($1 per 1,000), so on axes
    // of their own both lines lie at the same height.
    // On the 15-minute range: 10-second slots, the 4th minute's six of 1,000 tokens.
    EngineFixture f;
    const qint64 first = (QDateTime::currentMSecsSinceEpoch() - 9 * kMinute) / kMinute * kMinute;
    QList<MinuteStats> rows;
    for (int i = 0; i < 7; ++i) {
        for (qint64 at = 0; at < kMinute; at += kStatsSlotMs) {
            MinuteStats m = minuteOf(QStringLiteral("sim"), first + i * kMinute + at, 1);
            m.spanMs = kStatsSlotMs;
            m.counters.promptTokens = 300;
            m.counters.completionTokens = i == 3 ? 1000 : 600;
            m.counters.costUsd = static_cast<double>(m.counters.completionTokens) / 1000;
            rows.append(m);
        }
    }
    QVERIFY(insertMinutes(dbPathOf(f), rows));
    StatisticsView view(*f.live);
    QVERIFY(showTheLastHour(view));
    view.findChild<QAbstractButton*>(QStringLiteral("range15m"))->click();
    auto* completion = seriesOf<QLineSeries>(view, "tokensChart", "completionTokens");
    QTRY_COMPARE(maxOfY(completion), 1000.0);
    QCoreApplication::processEvents();

    // Across the minutes of 600 tokens, the completion line's colour shows in
    // (nearly) every pixel column at its height.
    const QImage image = view.findChild<QChartView*>(QStringLiteral("tokensChart"))->grab().toImage();
    const QColor want = completion->pen().color();
    const auto near = [&want](QRgb rgb) {
        constexpr int kTolerance = 24;
        return std::abs(qRed(rgb) - want.red()) <= kTolerance && std::abs(qGreen(rgb) - want.green()) <= kTolerance
            && std::abs(qBlue(rgb) - want.blue()) <= kTolerance;
    };
    int columns = 0, seen = 0;
    for (int i = 0; i < 7; ++i) {
        if (i == 3)
            continue;
        const qint64 start = first + i * kMinute;
        const QPoint from = pointOf(view, "tokensChart", start + kMinute / 5, 600, completion);
        const QPoint to = pointOf(view, "tokensChart", start + 4 * kMinute / 5, 600, completion);
        for (int x = from.x(); x <= to.x(); ++x) {
            ++columns;
            for (int y = from.y() - 3; y <= from.y() + 3; ++y) {
                if (near(image.pixel(x, y))) {
                    ++seen;
                    break;
                }
            }
        }
    }
    QVERIFY(columns > 50);
    QVERIFY2(seen >= columns * 9 / 10, qPrintable(QStringLiteral("%1 of %2 columns").arg(seen).arg(columns)));
}

void TestStatisticsView::emptyChartsSayWhy()
{
    EngineFixture f({ testutil::simModel(QStringLiteral("sim")) }, false); // stores tasks, runs none
    StatisticsView view(*f.live);
    view.resize(1100, 700);
    view.show();
    QTRY_VERIFY(noteShown(view, "emptyNote"));
    QTRY_COMPARE(noteText(view, "emptyNote"), QStringLiteral("No calls in this range yet"));
    QVERIFY(!noteShown(view, "throughputChartEmpty")); // said once for all of them

    // Tasks waiting, none run: the queue chart has something to show, the others say why they have not.
    QVERIFY(testutil::await(f.engine->submit(specs(QStringLiteral("sim"), 7))));
    QTRY_VERIFY_WITH_TIMEOUT(!noteShown(view, "emptyNote"), kWaitMs);
    QVERIFY(!noteShown(view, "queueDepthChartEmpty"));
    for (const char* name : { "throughputChartEmpty", "latencyChartEmpty", "tokensChartEmpty" }) {
        QVERIFY2(noteShown(view, name), name);
        QCOMPARE(noteText(view, name), QStringLiteral("No calls in this range yet"));
    }
    QCOMPARE(noteText(view, "queueDepthChartEmpty"), QStringLiteral("No tasks waited in this range"));
}

void TestStatisticsView::percentilesExplained()
{
    EngineFixture f;
    StatisticsView view(*f.live);
    view.resize(1100, 700);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    auto* note = view.findChild<QLabel*>(QStringLiteral("percentileNote"));
    QVERIFY(note && note->isVisible());
    for (const char* words : { "histogram", "fixed buckets", "interpolated", "slowest call" })
        QVERIFY2(note->text().contains(QLatin1String(words)), words);
    QVERIFY(note->width() >= note->sizeHint().width());
    QVERIFY(note->toolTip().contains(QLatin1String("total time"))); // the bound for stored minutes
}

QTEST_MAIN(TestStatisticsView)
#include "tst_statisticsview.moc"
