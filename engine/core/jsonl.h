#pragma once

#include "task.h"

#include <QIODevice>
#include <QList>

namespace llmsched {

// A line of a JSONL file that could not become a task.
struct JsonlError
{
    qint64 line = 0; // 1-based
    Error error;
    QString toString() const { return QStringLiteral("line %1: %2").arg(line).arg(error.toString()); }
};

// Reads tasks from JSONL (one JSON object per line) in chunks, so a file of
// millions of lines is imported with bounded memory and visible progress.
// Blank lines and lines starting with # are skipped.
class JsonlReader
{
public:
    explicit JsonlReader(QIODevice* device, TaskLimits limits = {});

    struct Chunk
    {
        QList<TaskSpec> specs;
        QList<qint64> lines; // line number of each spec
        QList<JsonlError> errors;
    };

    bool atEnd() const;
    Chunk next(int maxTasks);
    qint64 linesRead() const { return m_line; }
    qint64 bytesRead() const { return m_device->pos(); }

private:
    // One line into m_lineBuffer (sized once): QIODevice::readLine(maxSize)
    // allocated maxSize bytes for every line (8 MiB, then shrunk), which made
    // imports crawl wherever a large allocation is costly (ASan: 6 ms a line).
    QByteArray readLine(qint64 maxLine);

    QIODevice* m_device;
    TaskLimits m_limits;
    qint64 m_line = 0;
    QByteArray m_lineBuffer;
};

// One line of JSON for a task, as written by export.
QByteArray taskToJsonLine(const Task& task);

} // namespace llmsched
