#include "sseparser.h"

#include <algorithm>
#include <cstring>

namespace llmsched {

namespace {

constexpr char kBom[] = "\xEF\xBB\xBF";
constexpr qsizetype kBomSize = 3;

// Index of the first `c` in data[from, size), or `size` when there is none.
qsizetype findByte(const char* data, qsizetype from, qsizetype size, char c)
{
    if (from >= size)
        return size;
    const void* hit = std::memchr(data + from, c, static_cast<size_t>(size - from));
    return hit ? static_cast<const char*>(hit) - data : size;
}

} // namespace

void SseParser::feed(QByteArrayView bytes, std::vector<SseEvent>& out)
{
    QByteArray head; // holds the start of the stream while the BOM check runs
    if (!m_started) {
        // The BOM may itself arrive split: hold back up to two bytes that could still be one.
        head = m_line;
        head.append(bytes);
        if (head.size() < kBomSize && QByteArrayView(kBom, kBomSize).startsWith(head)) {
            m_line = head;
            return;
        }
        m_started = true;
        m_line.resize(0);
        if (head.startsWith(QByteArrayView(kBom, kBomSize)))
            head.remove(0, kBomSize);
        bytes = head;
    }

    const char* data = bytes.data();
    const qsizetype size = bytes.size();
    qsizetype pos = 0;
    if (m_skipLf && size > 0) {
        m_skipLf = false;
        if (data[0] == '\n')
            pos = 1;
    }

    // Next '\n' and '\r' at or after pos; each is searched again only once passed,
    // so the whole chunk is scanned about once.
    qsizetype lf = findByte(data, pos, size, '\n');
    qsizetype cr = findByte(data, pos, size, '\r');
    while (pos < size) {
        if (lf < pos)
            lf = findByte(data, pos, size, '\n');
        if (cr < pos)
            cr = findByte(data, pos, size, '\r');
        const qsizetype end = std::min(lf, cr);
        if (end == size)
            break;

        const QByteArrayView piece(data + pos, end - pos);
        if (m_line.isEmpty()) {
            processLine(piece, out);
        } else {
            m_line.append(piece);
            processLine(m_line, out);
            m_line.resize(0);
        }

        pos = end + 1;
        if (data[end] == '\r') {
            if (pos == size)
                m_skipLf = true; // a '\n' opening the next chunk belongs to this line end
            else if (data[pos] == '\n')
                ++pos;
        }
    }
    if (pos < size)
        m_line.append(data + pos, size - pos);
}

bool SseParser::finish()
{
    const bool pending = !m_line.isEmpty() || m_hasData || !m_current.event.isEmpty();
    reset();
    return pending;
}

qsizetype SseParser::pendingBytes() const
{
    return m_line.size() + m_current.data.size();
}

void SseParser::reset()
{
    m_line.clear();
    m_current = {};
    m_hasData = false;
    m_skipLf = false;
    m_started = false;
}

void SseParser::processLine(QByteArrayView line, std::vector<SseEvent>& out)
{
    if (line.isEmpty()) {
        // Dispatch. The last event id persists across events, as in the spec.
        if (m_hasData)
            out.push_back(m_current);
        m_current.event.clear();
        m_current.data.clear();
        m_hasData = false;
        return;
    }
    if (line.front() == ':')
        return; // comment

    QByteArrayView field = line;
    QByteArrayView value;
    const qsizetype colon = line.indexOf(':');
    if (colon >= 0) {
        field = line.first(colon);
        value = line.sliced(colon + 1);
        if (value.startsWith(' '))
            value = value.sliced(1);
    }

    if (field == "data") {
        if (m_hasData)
            m_current.data.append('\n');
        m_current.data.append(value);
        m_hasData = true;
    } else if (field == "event") {
        m_current.event = value.toByteArray();
    } else if (field == "id") {
        if (!value.contains('\0'))
            m_current.id = value.toByteArray();
    }
    // "retry" and unknown fields are ignored.
}

} // namespace llmsched
