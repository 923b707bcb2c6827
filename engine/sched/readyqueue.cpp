#include "readyqueue.h"

#include <algorithm>

namespace llmsched {

int ReadyQueue::effectivePriority(int priority, qint64 enqueuedMs, qint64 nowMs, qint64 agingIntervalMs)
{
    if (agingIntervalMs <= 0 || nowMs <= enqueuedMs)
        return priority;
    const qint64 steps = (nowMs - enqueuedMs) / agingIntervalMs;
    return static_cast<int>(std::max<qint64>(0, priority - steps));
}

void ReadyQueue::push(int priority, const QueueEntry& entry)
{
    std::deque<QueueEntry>& fifo = m_levels[std::clamp(priority, kMinPriority, kMaxPriority)];
    ++m_size;
    if (fifo.empty() || !earlier(entry, fifo.back())) {
        fifo.push_back(entry);
        return;
    }
    // An entry older than the tail (a reprioritised task keeps its place in
    // time, recovery restores old entries): insert it where it belongs.
    fifo.insert(std::upper_bound(fifo.begin(), fifo.end(), entry, earlier), entry);
}

void ReadyQueue::clear()
{
    for (auto& fifo : m_levels)
        fifo.clear();
    m_size = 0;
}

} // namespace llmsched
