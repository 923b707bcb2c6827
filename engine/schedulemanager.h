#pragma once

#include "core/documents.h"
#include "core/result.h"
#include "core/schedule.h"

#include <QFuture>
#include <QHash>
#include <QSet>
#include <QJsonArray>
#include <QObject>
#include <QTimer>

#include <functional>

namespace llmsched {

class Engine;
class Store;

// Fires schedules (core/schedule.h): each is a document in the store; this
// keeps them in memory with their next fire time, and one timer wakes it at
// the earliest (at least once a second, so a clock moved by a test or by NTP
// is noticed within a second). A fire moves the schedule on with a
// compare-and-set on its document, so when several nodes share the store
// exactly one of them submits; a task's fire also carries an idempotency key
// of the schedule and the due time. After a stop, a schedule whose fire time
// passed meanwhile is skipped to its next time, or (missed: run_once) run
// once. Lives on the engine thread.
class ScheduleManager final : public QObject
{
    Q_OBJECT

public:
    ScheduleManager(Engine& engine, Store& store, std::function<qint64()> clock, bool shared, QObject* parent = nullptr);

    void start();
    QFuture<Result<QJsonObject>> create(ScheduleSpec spec);
    QFuture<Result<QJsonObject>> replace(const QString& id, ScheduleSpec spec);
    QFuture<Result<QJsonObject>> setPaused(const QString& id, bool paused);
    QFuture<VoidResult> remove(const QString& id);
    // Fires now, whatever the time (the next fire time stays).
    QFuture<Result<QJsonObject>> runNow(const QString& id);
    QFuture<Result<QJsonObject>> get(const QString& id);
    QFuture<Result<QJsonArray>> list(const DocQuery& query);

    static constexpr int kMaxSleepMs = 1000;
    static constexpr int kReloadMs = 5000; // nodes sharing a store: others' edits

private:
    struct Entry
    {
        StoredDoc doc;
        ScheduleSpec spec;
        ScheduleClock clock;
    };
    void tick();
    void arm();
    void adopt(const StoredDoc& doc, bool atStart);
    // Moves the schedule past dueMs and submits its target, if this node wins.
    void fire(const QString& id, qint64 dueMs, bool manual);
    void submitTarget(const QString& id, const ScheduleSpec& spec, qint64 dueMs, qint64 writtenMs);
    void reload();
    qint64 nextWriteMs(const StoredDoc& doc) const; // later than the last write, for compare-and-set

    Engine& m_engine;
    Store& m_store;
    std::function<qint64()> m_now;
    bool m_shared;
    QHash<QString, Entry> m_entries;
    QTimer m_timer;
    qint64 m_lastReloadMs = 0;
    bool m_loaded = false; // start()'s read has been taken in
    QSet<QString> m_removedSinceStart; // until then: not to be taken from it
};

} // namespace llmsched
