#pragma once

#include "core/ulid.h"

#include <queue>
#include <vector>

namespace llmsched {

// Tasks waiting for a moment: run_at of scheduled tasks, retry back-off,
// per-attempt timeouts. A binary heap of (due, id, tag); one QTimer in the
// owner is armed for nextDue(). Stale entries (a task cancelled meanwhile, an
// attempt that already ended) are left in place and recognised by their tag.
// Not thread-safe; the engine thread owns it.
class TimerQueue
{
public:
    struct Entry
    {
        qint64 dueMs = 0;
        Ulid id;
        quint32 tag = 0;
        bool operator>(const Entry& o) const { return dueMs > o.dueMs || (dueMs == o.dueMs && o.id < id); }
    };

    void push(qint64 dueMs, const Ulid& id, quint32 tag = 0) { m_heap.push({ dueMs, id, tag }); }
    bool empty() const { return m_heap.empty(); }
    size_t size() const { return m_heap.size(); }
    qint64 nextDue() const { return m_heap.empty() ? 0 : m_heap.top().dueMs; }

    // Appends every entry due at nowMs to out, up to max entries.
    void popDue(qint64 nowMs, std::vector<Entry>& out, size_t max = SIZE_MAX)
    {
        while (!m_heap.empty() && m_heap.top().dueMs <= nowMs && out.size() < max) {
            out.push_back(m_heap.top());
            m_heap.pop();
        }
    }

private:
    std::priority_queue<Entry, std::vector<Entry>, std::greater<>> m_heap;
};

} // namespace llmsched
