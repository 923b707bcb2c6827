#pragma once

#include <QByteArray>
#include <QFile>

// A field of /proc/self/status in kB (e.g. "VmRSS:", "VmHWM:"); 0 where there is none.
inline qint64 procStatusKb(const char* field)
{
    QFile f(QStringLiteral("/proc/self/status"));
    if (!f.open(QIODevice::ReadOnly))
        return 0;
    for (const QByteArray& line : f.readAll().split('\n'))
        if (line.startsWith(field))
            return line.mid(static_cast<qsizetype>(qstrlen(field))).trimmed().split(' ').value(0).toLongLong();
    return 0;
}
