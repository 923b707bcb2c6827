#pragma once

#include "apicontroller.h"

#include <QTimer>

namespace llmsched {

// GET /api/v1/events: a server-sent event stream of task changes (all, or one
// model's), notifications and, every second, the engine's statistics; a
// comment line keeps idle streams open through proxies.
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

    QList<Client> m_clients;
    QTimer m_keepAliveTimer;
    QTimer m_statsTimer;
};

} // namespace llmsched
