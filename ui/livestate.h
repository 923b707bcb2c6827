#pragma once

#include "core/enginetypes.h"

#include <QObject>
#include <QTimer>

#include <memory>

namespace llmsched {
class EngineClient;
}

namespace llmsched::ui {

// The GUI thread's one window on the running engine. It collects task events
// (arriving queued from the engine thread) and reads the engine's snapshot,
// and hands both to the views at most `intervalMs` apart (default 100 ms, so
// about 10 updates a second however fast the engine runs). Views connect to
// it instead of the engine, so nothing reaches them faster than they can paint.
class LiveState final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LiveState)

public:
    explicit LiveState(EngineClient& client, QObject* parent = nullptr, int intervalMs = 100);

    EngineClient& client() const { return m_client; }
    std::shared_ptr<const EngineSnapshot> snapshot() const { return m_snapshot; }

    // Publishes now instead of on the next tick (tests, first paint).
    void flush();

signals:
    // A newer engine snapshot (models, endpoints, counters).
    void snapshotChanged(const std::shared_ptr<const llmsched::EngineSnapshot>& snapshot);
    // Task state changes since the last tick, one per task (its latest);
    // `created` counts submits among them (their tasks may have moved on since).
    void tasksChanged(const llmsched::TaskEvents& latest, qint64 created);
    void notified(const llmsched::Notification& notification);
    // What a view shows may be stale (a remote engine's events were missed):
    // load it afresh.
    void reloadNeeded();

private:
    void onEngineEvents(const TaskEvents& events);
    void tick();

    EngineClient& m_client;
    QTimer m_timer;
    std::shared_ptr<const EngineSnapshot> m_snapshot;
    QHash<Ulid, qsizetype> m_pendingIndex; // id -> index in m_pending
    TaskEvents m_pending;
    qint64 m_pendingCreated = 0;
};

} // namespace llmsched::ui
