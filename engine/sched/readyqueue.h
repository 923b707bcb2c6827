#pragma once

#include "core/task.h"
#include "core/ulid.h"

#include <algorithm>
#include <array>
#include <deque>
#include <optional>

namespace llmsched {

// One entry waiting to run: which task, and since when it waits.
struct QueueEntry
{
    Ulid id;
    qint64 enqueuedMs = 0;
};

// A model's ready tasks as one FIFO per priority level. Within a level the
// oldest entry always has the best effective priority, so the next task is the
// best of at most ten heads: O(1) regardless of queue length, with aging.
//
// Effective priority = max(0, priority - waited / agingInterval): a task gains
// one level per interval waited, so low priority work never starves. Order:
// (effective priority, enqueue time, id).
//
// Entries are never searched for removal: a cancelled or reprioritised task
// stays behind as a stale entry and the caller's validity check skips it.
// Not thread-safe; the engine thread owns it.
class ReadyQueue
{
public:
    void push(int priority, const QueueEntry& entry);
    // Puts back an entry pop() just returned (it could not start after all),
    // so it keeps its place ahead of later arrivals.
    void pushFront(int priority, const QueueEntry& entry)
    {
        m_levels[std::clamp(priority, 0, kPriorityLevels - 1)].push_front(entry);
        ++m_size;
    }

    // Removes and returns the best valid entry. isValid(entry, priority) says
    // whether the entry still describes a queued task.
    template <typename Valid> std::optional<QueueEntry> pop(qint64 nowMs, qint64 agingIntervalMs, Valid&& isValid)
    {
        int best = -1;
        int bestEffective = kPriorityLevels;
        for (int level = 0; level < kPriorityLevels; ++level) {
            std::deque<QueueEntry>& fifo = m_levels[level];
            while (!fifo.empty() && !isValid(fifo.front(), level)) {
                fifo.pop_front();
                --m_size;
            }
            if (fifo.empty())
                continue;
            const int eff = effectivePriority(level, fifo.front().enqueuedMs, nowMs, agingIntervalMs);
            if (best < 0 || eff < bestEffective || (eff == bestEffective && earlier(fifo.front(), m_levels[best].front()))) {
                best = level;
                bestEffective = eff;
            }
        }
        if (best < 0)
            return std::nullopt;
        QueueEntry e = m_levels[best].front();
        m_levels[best].pop_front();
        --m_size;
        return e;
    }

    // Entries held, stale ones included.
    qint64 size() const { return m_size; }
    bool empty() const { return m_size == 0; }
    void clear();

    static int effectivePriority(int priority, qint64 enqueuedMs, qint64 nowMs, qint64 agingIntervalMs);

private:
    static bool earlier(const QueueEntry& a, const QueueEntry& b)
    {
        return a.enqueuedMs < b.enqueuedMs || (a.enqueuedMs == b.enqueuedMs && a.id < b.id);
    }

    std::array<std::deque<QueueEntry>, kPriorityLevels> m_levels;
    qint64 m_size = 0;
};

} // namespace llmsched
