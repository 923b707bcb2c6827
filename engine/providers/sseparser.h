#pragma once

#include <QByteArray>
#include <QByteArrayView>

#include <vector>

namespace llmsched {

// One server-sent event.
struct SseEvent
{
    QByteArray event; // the "event:" field; empty means "message"
    QByteArray data; // "data:" lines joined with '\n'
    QByteArray id;
};

// An incremental text/event-stream parser (WHATWG rules): bytes may arrive
// split anywhere, even inside a "\r\n" pair or a UTF-8 sequence. Lines end in
// "\n", "\r\n" or "\r"; a blank line dispatches the event; lines starting with
// ':' are comments; "field:value" drops one leading space of the value; a
// field without ':' has an empty value; unknown fields are ignored; an event
// with no data lines is not dispatched. The leading UTF-8 BOM is skipped.
class SseParser
{
public:
    // Parses what can be parsed and appends complete events to `out`.
    void feed(QByteArrayView bytes, std::vector<SseEvent>& out);
    // End of stream: an event not closed by a blank line is discarded (per spec);
    // returns true when such a partial event or line was pending.
    bool finish();
    // Bytes held back: the partial line plus the data of the event not yet
    // dispatched (guards against a peer that never ends a line or an event).
    qsizetype pendingBytes() const;
    void reset();

private:
    void processLine(QByteArrayView line, std::vector<SseEvent>& out);

    QByteArray m_line; // partial line
    SseEvent m_current;
    bool m_hasData = false;
    bool m_skipLf = false; // the previous chunk ended in '\r'
    bool m_started = false; // BOM check done
};

} // namespace llmsched
