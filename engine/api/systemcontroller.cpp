#include "systemcontroller.h"

#include "core/httpstatus.h"

#include "core/wirejson.h"

#include "engine.h"

#include "core/timeutil.h"
#include "core/futures.h"

#include <QJsonArray>

namespace llmsched {

namespace {
constexpr size_t kMaxLogs = 500;
constexpr qint64 kMaxStatsSpanMs = 31 * kDayMs; // the Statistics view's widest range is 30 days
} // namespace

SystemController::SystemController(ApiServer& server, Engine& engine)
    : ApiController(server, engine)
{
    connect(&engine, &Engine::notification, this, &SystemController::onNotification);
    addRoute("GET", QStringLiteral("/health"), std::nullopt, Audit::No, [this](const CallPtr& c) { health(c); });
    addRoute("GET", QStringLiteral("/api/v1/system/stats"), Role::Viewer, Audit::No, [this](const CallPtr& c) { stats(c); });
    addRoute("GET", QStringLiteral("/api/v1/system/stats/minutes"), Role::Viewer, Audit::No, [this](const CallPtr& c) { minutes(c); });
    addRoute("GET", QStringLiteral("/api/v1/nodes"), Role::Viewer, Audit::No, [this](const CallPtr& c) { nodes(c); });
    addRoute("POST", QStringLiteral("/api/v1/system/pause"), Role::Operator, Audit::Yes, [this](const CallPtr& c) { pauseAll(c, true); });
    addRoute("POST", QStringLiteral("/api/v1/system/resume"), Role::Operator, Audit::Yes, [this](const CallPtr& c) { pauseAll(c, false); });
    addRoute("GET", QStringLiteral("/api/v1/system/logs"), Role::Viewer, Audit::No, [this](const CallPtr& c) { logs(c); });
    addRoute("GET", QStringLiteral("/api/v1/system/audit"), Role::Admin, Audit::No, [this](const CallPtr& c) { audit(c); });
}

void SystemController::health(const CallPtr& c)
{
    const auto s = m_engine.snapshot();
    const bool ready = m_engine.isRunning() && s->storeHealthy;
    QJsonObject o { { QStringLiteral("status"), ready ? QStringLiteral("ok") : QStringLiteral("unavailable") }, { QStringLiteral("live"), true },
        { QStringLiteral("ready"), ready }, { QStringLiteral("store"), s->storeHealthy ? QStringLiteral("ok") : s->storeError },
        { QStringLiteral("version"), QStringLiteral(LLMSCHED_VERSION) }, { QStringLiteral("service"), QStringLiteral("llm-schedulerd") },
        { QStringLiteral("node"), s->nodeId } };
    c->answerJson(ready ? http::Ok : http::ServiceUnavailable, o);
}

void SystemController::stats(const CallPtr& c)
{
    c->answerJson(http::Ok, statsJson(*m_engine.snapshot()));
}

void SystemController::nodes(const CallPtr& c)
{
    onResult(m_engine.nodes(), this, [c](const Result<QList<NodeInfo>>& r) {
        answerResult(c, r, [](const QList<NodeInfo>& rows) {
            QJsonArray out;
            for (const NodeInfo& n : rows)
                out.append(nodeJson(n));
            return QJsonObject { { QStringLiteral("nodes"), out } };
        });
    });
}

void SystemController::minutes(const CallPtr& c)
{
    const auto value = [&c](const char* key) { return c->request.query.queryItemValue(QLatin1String(key), QUrl::FullyDecoded); };
    const qint64 now = nowMs();
    qint64 range[2] = { now - kDayMs, now };
    for (int i = 0; i < 2; ++i) {
        const char* key = i == 0 ? "from" : "to";
        if (value(key).isEmpty())
            continue;
        const auto ms = isoToMs(value(key));
        if (!ms)
            return c->answerError(http::BadRequest, QStringLiteral("invalid_argument"),
                QStringLiteral("must be an ISO 8601 time such as 2026-11-23T08:00:00Z"), QLatin1String(key));
        range[i] = *ms;
    }
    if (range[1] < range[0] || range[1] - range[0] > kMaxStatsSpanMs)
        return c->answerError(
            http::BadRequest, QStringLiteral("invalid_argument"), QStringLiteral("from..to must span 0 to 31 days"), QStringLiteral("from"));
    const QString by = value("by");
    if (!by.isEmpty() && by != QLatin1String("model") && by != QLatin1String("endpoint"))
        return c->answerError(
            http::BadRequest, QStringLiteral("invalid_argument"), QStringLiteral("must be model or endpoint"), QStringLiteral("by"));
    const QString step = value("step");
    if (!step.isEmpty() && step != QLatin1String("1m") && step != QLatin1String("10s"))
        return c->answerError(http::BadRequest, QStringLiteral("invalid_argument"), QStringLiteral("must be 1m or 10s"), QStringLiteral("step"));
    StatsQuery query;
    query.fromMs = range[0];
    query.toMs = range[1];
    query.model = value("model");
    query.rows = by == QLatin1String("endpoint") ? StatsRows::Endpoints : StatsRows::Models;
    query.stepMs = step == QLatin1String("10s") ? kStatsSlotMs : kStatsMinuteMs;
    onResult(m_engine.statsMinutes(query), this, [c](const Result<QList<MinuteStats>>& r) {
        answerResult(c, r, [](const QList<MinuteStats>& rows) {
            QJsonArray out;
            for (const MinuteStats& m : rows)
                out.append(minuteStatsJson(m));
            return QJsonObject { { QStringLiteral("minutes"), out } };
        });
    });
}

void SystemController::pauseAll(const CallPtr& c, bool pause)
{
    c->summary = pause ? QStringLiteral("paused dispatch") : QStringLiteral("resumed dispatch");
    onResult(m_engine.setPaused(pause), this, [c, pause](const VoidResult& r) {
        answerResult(c, r, [pause] { return QJsonObject { { QStringLiteral("paused"), pause } }; });
    });
}

void SystemController::logs(const CallPtr& c)
{
    QJsonArray out;
    for (auto it = m_logs.crbegin(); it != m_logs.crend(); ++it)
        out.append(*it);
    c->answerJson(http::Ok, QJsonObject { { QStringLiteral("logs"), out } });
}

void SystemController::audit(const CallPtr& c)
{
    m_server.flushAudit(); // the rows still queued here belong in the answer
    const int limit = std::clamp(c->request.query.queryItemValue(QStringLiteral("limit")).toInt(), 0, 10'000);
    onResult(m_engine.auditLog(0, limit > 0 ? limit : 100), this, [c](const Result<QList<AuditEntry>>& r) {
        answerResult(c, r, [](const QList<AuditEntry>& entries) {
            QJsonArray out;
            for (const AuditEntry& e : entries)
                out.append(QJsonObject { { QStringLiteral("time"), msToIso(e.timeMs) }, { QStringLiteral("token_id"), e.tokenId },
                    { QStringLiteral("method"), e.method }, { QStringLiteral("path"), e.path }, { QStringLiteral("status"), e.status },
                    { QStringLiteral("remote"), e.remote }, { QStringLiteral("summary"), e.summary } });
            return QJsonObject { { QStringLiteral("entries"), out } };
        });
    });
}

void SystemController::onNotification(const Notification& n)
{
    static const char* kinds[] = { "info", "warning", "error" };
    m_logs.push_back({ { QStringLiteral("time"), msToIso(nowMs()) }, { QStringLiteral("level"), QLatin1String(kinds[static_cast<int>(n.kind)]) },
        { QStringLiteral("title"), n.title }, { QStringLiteral("message"), n.message } });
    while (m_logs.size() > kMaxLogs)
        m_logs.pop_front();
    emit logged(m_logs.back());
}

} // namespace llmsched
