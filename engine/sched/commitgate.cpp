#include "commitgate.h"

#include <algorithm>

#include <iterator>

namespace llmsched {

namespace {
// How many leading entries of a ticket-ordered list are committed.
template <typename List> size_t releasedCount(const List& list, quint64 committed)
{
    size_t n = 0;
    while (n < list.size() && list[n].ticket <= committed)
        ++n;
    return n;
}

template <typename List> void dropFront(List& list, size_t n)
{
    list.erase(list.begin(), list.begin() + static_cast<std::ptrdiff_t>(n));
}
} // namespace

void CommitGate::publishAfter(quint64 ticket, TaskEvent event)
{
    if (ticket <= m_committedTicket)
        return publishNow(std::move(event));
    m_events.push_back({ ticket, std::move(event) });
}

void CommitGate::afterLastWrite(std::function<void()> fn)
{
    if (m_lastTicket <= m_committedTicket)
        return fn();
    m_callbacks.push_back({ m_lastTicket, std::move(fn) });
}

bool CommitGate::committed(quint64 ticket)
{
    if (ticket <= m_committedTicket)
        return false;
    m_committedTicket = ticket;
    bool released = false;
    if (const size_t k = releasedCount(m_callbacks, ticket); k > 0) {
        // Moved out first: a callback may write again and queue another.
        std::vector<Waiting<std::function<void()>>> due(
            std::make_move_iterator(m_callbacks.begin()), std::make_move_iterator(m_callbacks.begin() + static_cast<std::ptrdiff_t>(k)));
        dropFront(m_callbacks, k);
        for (auto& w : due)
            w.value();
        released = true;
    }
    if (const size_t k = releasedCount(m_events, ticket); k > 0) {
        // Grown geometrically: many commits between two flushes must not
        // copy the batch each time (an exact reserve would).
        const qsizetype needed = m_ready.size() + static_cast<qsizetype>(k);
        if (m_ready.capacity() < needed)
            m_ready.reserve(std::max(needed, 2 * m_ready.capacity()));
        for (size_t i = 0; i < k; ++i)
            m_ready.append(std::move(m_events[i].value));
        dropFront(m_events, k);
        released = true;
    }
    return released;
}

std::optional<TaskOutcome> OutcomeLane::add(quint64 ticket, TaskOutcome outcome)
{
    std::lock_guard lock(m_mutex);
    if (ticket <= m_committed)
        return outcome;
    m_waiting.emplace_back(ticket, std::move(outcome));
    return std::nullopt;
}

std::vector<TaskOutcome> OutcomeLane::committed(quint64 ticket)
{
    std::vector<TaskOutcome> released;
    std::lock_guard lock(m_mutex);
    m_committed = std::max(m_committed, ticket);
    // Added in ticket order (one engine thread), but not relied on: a stray
    // later ticket never holds back the ones behind it.
    const auto kept = std::stable_partition(m_waiting.begin(), m_waiting.end(), [ticket](const auto& w) { return w.first > ticket; });
    for (auto it = kept; it != m_waiting.end(); ++it)
        released.push_back(std::move(it->second));
    m_waiting.erase(kept, m_waiting.end());
    return released;
}

TaskEvents CommitGate::takeReadyEvents()
{
    TaskEvents events;
    events.swap(m_ready);
    return events;
}

} // namespace llmsched
