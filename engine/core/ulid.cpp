#include "ulid.h"

#include <QDateTime>
#include <QRandomGenerator>

#include <mutex>

namespace llmsched {

namespace {
constexpr char kAlphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

int decodeChar(QChar c)
{
    const char16_t u = c.toUpper().unicode();
    if (u >= u'0' && u <= u'9')
        return u - u'0';
    // Crockford: I and L read as 1, O as 0; U is excluded.
    if (u == u'I' || u == u'L')
        return 1;
    if (u == u'O')
        return 0;
    for (int i = 10; i < 32; ++i)
        if (kAlphabet[i] == u)
            return i;
    return -1;
}
} // namespace

namespace {
// 128 bits -> 26 chars of 5 bits; the first char carries the top 3 bits.
template <typename Char> void encode(quint64 hi, quint64 lo, Char* d)
{
    for (int i = 25; i >= 0; --i) {
        const int bitPos = (25 - i) * 5; // bit offset from the least significant end
        quint64 v;
        if (bitPos + 5 <= 64) {
            v = lo >> bitPos;
        } else if (bitPos >= 64) {
            v = hi >> (bitPos - 64);
        } else {
            v = (lo >> bitPos) | (hi << (64 - bitPos));
        }
        d[i] = Char(kAlphabet[v & 31]);
    }
}
} // namespace

QString Ulid::toString() const
{
    QString out(26, Qt::Uninitialized);
    encode(hi, lo, reinterpret_cast<char16_t*>(out.data()));
    return out;
}

void Ulid::appendTo(QByteArray& out) const
{
    const qsizetype at = out.size();
    out.resize(at + 26);
    encode(hi, lo, out.data() + at);
}

std::optional<Ulid> Ulid::fromString(QStringView text)
{
    if (text.size() != 26)
        return std::nullopt;
    const int first = decodeChar(text[0]);
    if (first < 0 || first > 7)
        return std::nullopt;
    Ulid u;
    for (QChar c : text) {
        const int v = decodeChar(c);
        if (v < 0)
            return std::nullopt;
        u.hi = (u.hi << 5) | (u.lo >> 59);
        u.lo = (u.lo << 5) | static_cast<quint64>(v);
    }
    return u;
}

Ulid UlidGenerator::next()
{
    return next(QDateTime::currentMSecsSinceEpoch());
}

Ulid UlidGenerator::next(qint64 nowMs)
{
    static std::mutex mutex;
    static Ulid last;
    std::lock_guard lock(mutex);
    const auto ts = static_cast<quint64>(nowMs) & 0xFFFFFFFFFFFFull;
    if (ts > static_cast<quint64>(last.timestampMs())) {
        last.hi = (ts << 16) | (QRandomGenerator::global()->generate() & 0x7FFF); // headroom for increments
        last.lo = QRandomGenerator::global()->generate64();
    } else {
        // Same (or earlier: clock stepped back) millisecond: increment the entropy.
        if (++last.lo == 0)
            ++last.hi;
    }
    return last;
}

} // namespace llmsched
