#pragma once

#include "apicontroller.h"

#include <QTimer>

#include <deque>

namespace llmsched {

// GET /api/v1/events: a server-sent event stream of task changes (all, or one
// model's), notifications and, every second, the engine's statistics; a
// comment line keeps idle streams open through proxies.
//
// Resuming: every task event carries an id "<boot>-<n>" (boot: this server
// run; n counts task events). A client that reconnects with Last-Event-ID
// (header, or ?last_event_id=) gets the task events it missed, replayed from
// a buffer of the last kReplayEvents, kept while clients are connected and a
// minute after the last one left. When they cannot be replayed (another
// server run, or too long ago) the stream starts with "event: reset" and the
// client must load its state afresh. Every stream starts with "event: hello"
// ({version, node, boot}) carrying the id it stands at.
class EventsController final : public ApiController
{
    Q_OBJECT

public:
    EventsController(ApiServer& server, Engine& engine);

    // Once the server listens: the timed events start.
    void start();
    // A notification entry (SystemController::logged) to every stream.
    void sendNotification(const QJsonObject& entry);

private:
    struct Client
    {
        std::shared_ptr<HttpReply> reply;
        QString model; // empty: all models
    };

    void subscribe(const CallPtr& c);
    void onTaskEvents(const TaskEvents& events);
    void sendToAll(const QByteArray& event);
    // The events after `lastEventId`, or nothing when they cannot be replayed.
    std::optional<QList<const QByteArray*>> replayAfter(const QByteArray& lastEventId, const QString& model) const;
    bool buffering() const;

    struct Buffered
    {
        QString model;
        QByteArray event; // "id: ...\nevent: task\ndata: ...\n\n"
    };

    QList<Client> m_clients;
    QByteArray m_boot; // this server run, in every event id
    qint64 m_lastId = 0; // task events so far
    std::deque<Buffered> m_buffer; // ids m_lastId - size + 1 .. m_lastId
    qint64 m_bufferUntilMs = 0; // keep buffering until then with no client
    QTimer m_keepAliveTimer;
    QTimer m_statsTimer;
};

} // namespace llmsched
