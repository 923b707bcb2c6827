#include "eventscontroller.h"

#include "core/httpstatus.h"

#include "snapshotjson.h"

#include "engine.h"

#include "core/timeutil.h"

namespace llmsched {

namespace {
constexpr int kKeepAliveMs = 15'000;
constexpr int kStatsEventMs = 1000;

QJsonObject taskEventJson(const TaskEvent& e)
{
    QJsonObject o { { QStringLiteral("id"), e.id.toString() }, { QStringLiteral("model"), e.model },
        { QStringLiteral("state"), taskStateName(e.state) }, { QStringLiteral("previous"), taskStateName(e.previous) },
        { QStringLiteral("attempts"), e.attempts }, { QStringLiteral("priority"), e.priority }, { QStringLiteral("time"), msToIso(e.timeMs) } };
    if (e.created)
        o.insert(QStringLiteral("created"), true);
    if (!e.error.isEmpty())
        o.insert(QStringLiteral("error"), e.error);
    return o;
}

QByteArray statsEvent(const Engine& engine)
{
    return "event: stats\ndata: " + compactJson(statsJson(*engine.snapshot())) + "\n\n";
}
} // namespace

EventsController::EventsController(ApiServer& server, Engine& engine)
    : ApiController(server, engine)
    , m_keepAliveTimer(this)
    , m_statsTimer(this)
{
    connect(&engine, &Engine::taskEvents, this, &EventsController::onTaskEvents);
    addRoute("GET", QStringLiteral("/api/v1/events"), Role::Viewer, Audit::No, [this](const CallPtr& c) { subscribe(c); });
    m_keepAliveTimer.setInterval(kKeepAliveMs);
    connect(&m_keepAliveTimer, &QTimer::timeout, this, [this] { sendToAll(QByteArrayLiteral(": keep-alive\n\n")); });
    m_statsTimer.setInterval(kStatsEventMs);
    connect(&m_statsTimer, &QTimer::timeout, this, [this] {
        if (!m_clients.isEmpty())
            sendToAll(statsEvent(m_engine));
    });
}

void EventsController::start()
{
    m_keepAliveTimer.start();
    m_statsTimer.start();
}

void EventsController::sendToAll(const QByteArray& event)
{
    for (const Client& c : std::as_const(m_clients))
        c.reply->write(event);
}

void EventsController::sendNotification(const QJsonObject& entry)
{
    sendToAll("event: notification\ndata: " + compactJson(entry) + "\n\n");
}

void EventsController::onTaskEvents(const TaskEvents& events)
{
    if (m_clients.isEmpty())
        return;
    QByteArray all;
    QHash<QString, QByteArray> byModel;
    for (const TaskEvent& e : events) {
        const QByteArray line = "event: task\ndata: " + compactJson(taskEventJson(e)) + "\n\n";
        all += line;
        byModel[e.model] += line;
    }
    for (const Client& c : std::as_const(m_clients))
        c.reply->write(c.model.isEmpty() ? all : byModel.value(c.model));
}

void EventsController::subscribe(const CallPtr& c)
{
    const QString model = c->request.query.queryItemValue(QStringLiteral("model"), QUrl::FullyDecoded);
    c->beginStream(http::Ok, QByteArrayLiteral("text/event-stream"), { { QByteArrayLiteral("X-Accel-Buffering"), QByteArrayLiteral("no") } });
    c->reply->write(statsEvent(m_engine));
    m_clients.append({ c->reply, model });
    std::weak_ptr<HttpReply> weak = c->reply;
    c->reply->onDisconnect(
        [this, weak] { m_clients.removeIf([&weak](const Client& e) { return e.reply == weak.lock() || !e.reply->connected(); }); });
}

} // namespace llmsched
