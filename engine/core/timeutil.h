#pragma once

#include <QString>
#include <QtGlobal>

#include <optional>

namespace llmsched {

// Wall-clock milliseconds since the Unix epoch (UTC). Every timestamp the engine
// stores is in this unit.
qint64 nowMs();

// ISO 8601 UTC with milliseconds, e.g. "2026-11-23T08:04:00.123Z"; empty for 0.
QString msToIso(qint64 ms);

// Parses ISO 8601 (with or without offset; no offset means UTC).
std::optional<qint64> isoToMs(const QString& text);

} // namespace llmsched
