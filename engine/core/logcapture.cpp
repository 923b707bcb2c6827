#include "logcapture.h"

#include <QDateTime>
#include <QMutex>

#include <deque>

namespace llmsched {

namespace {

struct Capture
{
    QMutex mutex;
    std::deque<LogCapture::Line> lines; // guarded by mutex
    qint64 seq = 0; // guarded by mutex
    int capacity = 10'000; // guarded by mutex
    QtMessageHandler previous = nullptr;
    bool installed = false;
};

Capture& capture()
{
    static Capture c;
    return c;
}

void handler(QtMsgType type, const QMessageLogContext& context, const QString& message)
{
    Capture& c = capture();
    {
        QMutexLocker lock(&c.mutex);
        LogCapture::Line line;
        line.seq = ++c.seq;
        line.timeMs = QDateTime::currentMSecsSinceEpoch();
        line.type = type;
        line.category = QString::fromUtf8(context.category ? context.category : "default");
        line.message = message;
        c.lines.push_back(std::move(line));
        while (c.lines.size() > static_cast<size_t>(c.capacity))
            c.lines.pop_front();
    }
    if (c.previous)
        c.previous(type, context, message);
}

} // namespace

void LogCapture::install(int capacity)
{
    Capture& c = capture();
    {
        QMutexLocker lock(&c.mutex);
        c.capacity = std::max(100, capacity);
        if (c.installed)
            return;
        c.installed = true;
    }
    c.previous = qInstallMessageHandler(handler);
}

bool LogCapture::installed()
{
    Capture& c = capture();
    QMutexLocker lock(&c.mutex);
    return c.installed;
}

QList<LogCapture::Line> LogCapture::since(qint64 afterSeq, int max)
{
    Capture& c = capture();
    QMutexLocker lock(&c.mutex);
    QList<Line> out;
    if (c.lines.empty() || c.lines.back().seq <= afterSeq)
        return out;
    // Sequence numbers are consecutive, so the first wanted line is found by arithmetic.
    const qint64 first = std::max(afterSeq + 1, c.lines.back().seq - max + 1);
    const auto from = static_cast<size_t>(std::max<qint64>(0, first - c.lines.front().seq));
    out.reserve(static_cast<qsizetype>(c.lines.size() - from));
    for (size_t i = from; i < c.lines.size(); ++i)
        out.append(c.lines[i]);
    return out;
}

qint64 LogCapture::lastSeq()
{
    Capture& c = capture();
    QMutexLocker lock(&c.mutex);
    return c.seq;
}

} // namespace llmsched
