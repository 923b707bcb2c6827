#include "livestate.h"

#include "client/engineclient.h"

namespace llmsched::ui {

LiveState::LiveState(EngineClient& client, QObject* parent, int intervalMs)
    : QObject(parent)
    , m_client(client)
{
    connect(&client, &EngineClient::taskEvents, this, &LiveState::onEngineEvents, Qt::QueuedConnection);
    connect(&client, &EngineClient::notification, this, &LiveState::notified, Qt::QueuedConnection);
    connect(&client, &EngineClient::resynced, this, &LiveState::reloadNeeded, Qt::QueuedConnection);
    m_timer.setInterval(intervalMs);
    connect(&m_timer, &QTimer::timeout, this, &LiveState::tick);
    m_timer.start();
    m_snapshot = client.snapshot();
}

void LiveState::onEngineEvents(const TaskEvents& events)
{
    for (const TaskEvent& e : events) {
        if (e.created)
            ++m_pendingCreated;
        auto it = m_pendingIndex.constFind(e.id);
        if (it == m_pendingIndex.constEnd()) {
            m_pendingIndex.insert(e.id, m_pending.size());
            m_pending.append(e);
        } else {
            TaskEvent& kept = m_pending[it.value()];
            const bool created = kept.created || e.created;
            const TaskState first = kept.previous;
            // A start names the endpoint and node; a later change in the same tick may not.
            QString endpoint = e.endpoint.isEmpty() ? std::move(kept.endpoint) : QString();
            QString node = e.node.isEmpty() ? std::move(kept.node) : QString();
            kept = e;
            kept.created = created;
            kept.previous = first;
            if (!endpoint.isEmpty())
                kept.endpoint = std::move(endpoint);
            if (!node.isEmpty())
                kept.node = std::move(node);
        }
    }
}

void LiveState::flush()
{
    tick();
}

void LiveState::tick()
{
    auto snap = m_client.snapshot();
    if (snap && snap != m_snapshot) {
        m_snapshot = snap;
        emit snapshotChanged(m_snapshot);
    }
    if (!m_pending.isEmpty() || m_pendingCreated > 0) {
        TaskEvents out;
        out.swap(m_pending);
        const qint64 created = m_pendingCreated;
        m_pendingIndex.clear();
        m_pendingCreated = 0;
        emit tasksChanged(out, created);
    }
}

} // namespace llmsched::ui
