#include "eventscontroller.h"

#include "core/httpstatus.h"

#include "core/wirejson.h"

#include "engine.h"

#include "core/timeutil.h"

#include <QRandomGenerator>

namespace llmsched {

namespace {
constexpr int kKeepAliveMs = 15'000;
constexpr int kStatsEventMs = 1000;
constexpr size_t kReplayEvents = 20'000;
constexpr qint64 kBufferAfterLastClientMs = 60'000;

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
    m_boot = QByteArray::number(QRandomGenerator::system()->generate64() & 0xffffffffffffULL, 36);
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

bool EventsController::buffering() const
{
    return !m_clients.isEmpty() || nowMs() < m_bufferUntilMs;
}

void EventsController::onTaskEvents(const TaskEvents& events)
{
    if (!buffering()) {
        // Nobody to replay to: the ids move on, and the gap makes older ids unreplayable.
        m_lastId += events.size();
        m_buffer.clear();
        return;
    }
    QByteArray all;
    QHash<QString, QByteArray> byModel;
    for (const TaskEvent& e : events) {
        const QByteArray line
            = "id: " + m_boot + '-' + QByteArray::number(++m_lastId) + "\nevent: task\ndata: " + compactJson(taskEventJson(e)) + "\n\n";
        all += line;
        byModel[e.model] += line;
        m_buffer.push_back({ e.model, line });
        if (m_buffer.size() > kReplayEvents)
            m_buffer.pop_front();
    }
    if (m_clients.isEmpty())
        return;
    for (const Client& c : std::as_const(m_clients))
        c.reply->write(c.model.isEmpty() ? all : byModel.value(c.model));
}

std::optional<QList<const QByteArray*>> EventsController::replayAfter(const QByteArray& lastEventId, const QString& model) const
{
    const qsizetype dash = lastEventId.lastIndexOf('-');
    if (dash <= 0 || lastEventId.left(dash) != m_boot)
        return std::nullopt;
    bool ok = false;
    const qint64 last = lastEventId.mid(dash + 1).toLongLong(&ok);
    const qint64 oldest = m_lastId - static_cast<qint64>(m_buffer.size()) + 1;
    if (!ok || last > m_lastId || last + 1 < oldest)
        return std::nullopt;
    QList<const QByteArray*> out;
    for (auto i = static_cast<size_t>(last + 1 - oldest); i < m_buffer.size(); ++i)
        if (model.isEmpty() || m_buffer[i].model == model)
            out.append(&m_buffer[i].event);
    return out;
}

void EventsController::subscribe(const CallPtr& c)
{
    const QString model = c->request.query.queryItemValue(QStringLiteral("model"), QUrl::FullyDecoded);
    QByteArray lastEventId = c->request.header("last-event-id");
    if (lastEventId.isEmpty())
        lastEventId = c->request.query.queryItemValue(QStringLiteral("last_event_id"), QUrl::FullyDecoded).toUtf8();
    c->beginStream(http::Ok, QByteArrayLiteral("text/event-stream"), { { QByteArrayLiteral("X-Accel-Buffering"), QByteArrayLiteral("no") } });
    const QJsonObject hello { { QStringLiteral("version"), QStringLiteral(LLMSCHED_VERSION) }, { QStringLiteral("node"), m_engine.nodeId() },
        { QStringLiteral("boot"), QString::fromLatin1(m_boot) } };
    const QByteArray here = m_boot + '-' + QByteArray::number(m_lastId);
    if (!lastEventId.isEmpty()) {
        if (const auto missed = replayAfter(lastEventId, model)) {
            for (const QByteArray* e : *missed)
                c->reply->write(*e);
        } else {
            c->reply->write("event: reset\ndata: "
                + compactJson(QJsonObject { { QStringLiteral("reason"),
                    QStringLiteral("the events after %1 are not kept; load the state afresh").arg(QString::fromUtf8(lastEventId.left(64))) } })
                + "\n\n");
        }
    }
    c->reply->write("id: " + here + "\nevent: hello\ndata: " + compactJson(hello) + "\n\n");
    c->reply->write(statsEvent(m_engine));
    m_clients.append({ c->reply, model });
    std::weak_ptr<HttpReply> weak = c->reply;
    c->reply->onDisconnect([this, weak] {
        m_clients.removeIf([&weak](const Client& e) { return e.reply == weak.lock() || !e.reply->connected(); });
        m_bufferUntilMs = nowMs() + kBufferAfterLastClientMs;
    });
}

} // namespace llmsched
