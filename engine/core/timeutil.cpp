#include "timeutil.h"

#include <QDateTime>
#include <QTimeZone>

namespace llmsched {

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

QString msToIso(qint64 ms)
{
    if (ms <= 0)
        return {};
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(Qt::ISODateWithMs);
}

std::optional<qint64> isoToMs(const QString& text)
{
    QDateTime dt = QDateTime::fromString(text, Qt::ISODateWithMs);
    if (!dt.isValid())
        dt = QDateTime::fromString(text, Qt::ISODate);
    if (!dt.isValid())
        return std::nullopt;
    if (dt.timeSpec() == Qt::LocalTime)
        dt.setTimeSpec(Qt::UTC);
    return dt.toMSecsSinceEpoch();
}

QString durationText(qint64 ms)
{
    constexpr qint64 kSecondsFromMs = 10'000; // from here on, seconds read better
    return ms < kSecondsFromMs ? QStringLiteral("%1 ms").arg(ms) : QStringLiteral("%1 s").arg(static_cast<double>(ms) / 1000.0, 0, 'f', 1);
}

} // namespace llmsched
