#pragma once

#include "core/enginetypes.h"

#include <functional>
#include <mutex>
#include <optional>
#include <vector>

namespace llmsched {

// What the scheduler may tell the world only once the store has committed it.
// Every task write returns a ticket; tickets commit in order. Events and
// operator answers wait here for their ticket, so nobody ever sees a state
// that a crash could take back (the outcomes of watched tasks wait in the
// OutcomeLane below). Engine thread only; no Qt object, so it can be tested
// alone.
class CommitGate
{
public:
    // The latest task write: afterLastWrite() waits for it.
    void wrote(quint64 ticket)
    {
        if (ticket > m_lastTicket)
            m_lastTicket = ticket;
    }
    quint64 lastTicket() const { return m_lastTicket; }
    quint64 committedTicket() const { return m_committedTicket; }

    // An event whose write has the given ticket.
    void publishAfter(quint64 ticket, TaskEvent event);
    // An event about a write that is already committed (or was refused whole).
    void publishNow(TaskEvent event) { m_ready.append(std::move(event)); }
    // Runs fn once everything written so far is committed: now, if it is.
    void afterLastWrite(std::function<void()> fn);

    // The store committed every write up to `ticket`: runs the waiting
    // callbacks and moves the released events to the ready batch, both in
    // ticket order. Returns whether it released anything.
    bool committed(quint64 ticket);

    bool hasReadyEvents() const { return !m_ready.isEmpty(); }
    // The events to publish now, in the order they happened.
    TaskEvents takeReadyEvents();
    // Nothing waits for a commit.
    bool idle() const { return m_events.empty() && m_callbacks.empty(); }

private:
    template <typename T> struct Waiting
    {
        quint64 ticket;
        T value;
    };

    quint64 m_lastTicket = 0;
    quint64 m_committedTicket = 0;
    std::vector<Waiting<TaskEvent>> m_events;
    std::vector<Waiting<std::function<void()>>> m_callbacks;
    TaskEvents m_ready;
};

// The outcomes of watched tasks (a facade's caller waits for each), released
// on the store writer's thread as it reports the commit of their final state:
// they go from there to the caller's thread, not through the engine thread
// first (one thread hand-off fewer on every facade call). Thread-safe.
class OutcomeLane
{
public:
    // Engine thread: the outcome whose final state has this ticket. The
    // writer may have committed it already (it runs while the ticket is
    // handed out): then the outcome comes back, to be told at once.
    std::optional<TaskOutcome> add(quint64 ticket, TaskOutcome outcome);
    // Writer thread: the store committed every write up to `ticket`; the
    // outcomes released, in ticket order.
    std::vector<TaskOutcome> committed(quint64 ticket);

private:
    std::mutex m_mutex;
    quint64 m_committed = 0;
    std::vector<std::pair<quint64, TaskOutcome>> m_waiting; // ticket order
};

} // namespace llmsched
