#pragma once

#include <QByteArray>
#include <QHashFunctions>
#include <QString>
#include <QtGlobal>

#include <optional>

namespace llmsched {

// A 128-bit ULID (48-bit millisecond timestamp + 80 bits of entropy) kept as two
// integers; rendered as 26 Crockford base32 characters. Ids from one generator
// are strictly increasing, so sorting by id is sorting by submit order.
struct Ulid
{
    quint64 hi = 0; // timestamp (48 bits) << 16 | first 16 entropy bits
    quint64 lo = 0; // remaining 64 entropy bits

    bool isNull() const { return hi == 0 && lo == 0; }
    qint64 timestampMs() const { return static_cast<qint64>(hi >> 16); }
    QString toString() const;
    void appendTo(QByteArray& out) const; // the same 26 characters, for hand-built JSON
    static std::optional<Ulid> fromString(QStringView text);

    friend bool operator==(const Ulid&, const Ulid&) = default;
    friend auto operator<=>(const Ulid&, const Ulid&) = default;
};

inline size_t qHash(const Ulid& u, size_t seed = 0) noexcept
{
    return qHashMulti(seed, u.hi, u.lo);
}

// Monotonic generator (ULID spec): within one millisecond the entropy is
// incremented, so ids stay ordered even at millions per second. Thread-safe.
class UlidGenerator
{
public:
    static Ulid next();
    static Ulid next(qint64 nowMs);
};

} // namespace llmsched
