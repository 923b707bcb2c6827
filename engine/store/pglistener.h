#pragma once

#include "core/databaseurl.h"

#include <QThread>

#include <atomic>
#include <functional>

namespace llmsched {

// A connection of its own that LISTENs on the nodes' channel (PostgreSQL
// NOTIFY through QSqlDriver notifications) and hands each payload to
// `deliver` on this thread. A connection that dies is opened again with
// back-off; after it is back, `deliver` gets nodemsg::kTasksWaiting, since
// notifications sent meanwhile were lost (claiming also polls).
class PgListener final : public QThread
{
public:
    PgListener(PostgresUrl url, std::function<void(const QString& payload)> deliver);
    ~PgListener() override;

    // Whether the connection listens right now.
    bool listening() const { return m_listening.load(std::memory_order_relaxed); }

protected:
    void run() override;

private:
    const PostgresUrl m_url;
    const std::function<void(const QString&)> m_deliver;
    std::atomic<bool> m_listening { false };
};

} // namespace llmsched
