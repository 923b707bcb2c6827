#pragma once

#include "core/enginetypes.h"

#include <functional>
#include <vector>

namespace llmsched {

// What the scheduler may tell the world only once the store has committed it.
// Every task write returns a ticket; tickets commit in order. Events, the
// outcomes of watched tasks and operator answers wait here for their ticket, so
// nobody ever sees a state that a crash could take back. Engine thread only;
// no Qt object, so it can be tested alone.
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
    // A watched task's outcome (the OpenAI facade's caller waits for it).
    void finishAfter(quint64 ticket, TaskOutcome outcome);
    // Runs fn once everything written so far is committed: now, if it is.
    void afterLastWrite(std::function<void()> fn);

    // The store committed every write up to `ticket`: runs the waiting
    // callbacks, hands each released outcome to `finished`, and moves the
    // released events to the ready batch, all in ticket order. Returns whether
    // it released anything.
    bool committed(quint64 ticket, const std::function<void(const TaskOutcome&)>& finished);

    bool hasReadyEvents() const { return !m_ready.isEmpty(); }
    // The events to publish now, in the order they happened.
    TaskEvents takeReadyEvents();
    // Nothing waits for a commit.
    bool idle() const { return m_events.empty() && m_outcomes.empty() && m_callbacks.empty(); }

private:
    template <typename T> struct Waiting
    {
        quint64 ticket;
        T value;
    };

    quint64 m_lastTicket = 0;
    quint64 m_committedTicket = 0;
    std::vector<Waiting<TaskEvent>> m_events;
    std::vector<Waiting<TaskOutcome>> m_outcomes;
    std::vector<Waiting<std::function<void()>>> m_callbacks;
    TaskEvents m_ready;
};

} // namespace llmsched
