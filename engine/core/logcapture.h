#pragma once

#include <QList>
#include <QString>
#include <QtGlobal>

namespace llmsched {

// Keeps the last lines of the process's Qt log in memory for viewers (the GUI's
// Logs view), while still passing every message on to the previous handler.
// Any thread may log; readers pull what they have not seen by sequence number,
// so a burst of messages never floods a viewer with signals.
class LogCapture final
{
public:
    struct Line
    {
        qint64 seq = 0;
        qint64 timeMs = 0;
        QtMsgType type = QtInfoMsg;
        QString category;
        QString message;
    };

    // Installs the handler once per process; later calls only change the capacity.
    static void install(int capacity = 10'000);
    static bool installed();
    // Lines after `afterSeq`, oldest first, at most `max` (the newest ones when more).
    static QList<Line> since(qint64 afterSeq, int max = 10'000);
    // The sequence number of the newest line (0: none yet).
    static qint64 lastSeq();
};

} // namespace llmsched
