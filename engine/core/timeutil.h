#pragma once

#include <QString>
#include <QtGlobal>

#include <optional>

namespace llmsched {

// Wall-clock milliseconds since the Unix epoch (UTC). Every timestamp the engine
// stores is in this unit.
qint64 nowMs();

constexpr qint64 kDayMs = 24LL * 3600 * 1000;

// Midnight UTC of the day that contains ms (daily budgets reset then).
constexpr qint64 utcDayStartMs(qint64 ms)
{
    return ms - ((ms % kDayMs) + kDayMs) % kDayMs;
}

// ISO 8601 UTC with milliseconds, e.g. "2026-11-23T08:04:00.123Z"; empty for 0.
QString msToIso(qint64 ms);
// A duration for log lines: "850 ms", "12.5 s".
QString durationText(qint64 ms);

// Parses ISO 8601 (with or without offset; no offset means UTC).
std::optional<qint64> isoToMs(const QString& text);

} // namespace llmsched
