#pragma once

#include "enginetypes.h"
#include "task.h"

#include <QIODevice>
#include <QList>
#include <QRegularExpression>

#include <algorithm>

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

// What the engine made of one chunk of a file.
struct ChunkOutcome
{
    qint64 imported = 0;
    qint64 duplicates = 0;
    QList<JsonlError> rejected; // lines the engine refused, in line order
    std::optional<Error> stopped; // refused as a whole (full queue, stopping)
    qint64 stoppedAtLine = 0; // the first line not imported then
};

// Submits a chunk so that a line the engine refuses (an unknown model, an
// invalid field) is rejected alone and the rest go in: the engine names the
// first bad task as `tasks[i].field`; that line is taken out (with every other
// line naming the same unknown model, which fails for the same reason) and the
// rest is submitted again. An error that names no task ends the chunk.
// `submit` takes a QList<TaskSpec> and returns Result<QList<SubmitOutcome>>.
template <typename Submit> ChunkOutcome submitChunk(JsonlReader::Chunk chunk, Submit&& submit)
{
    ChunkOutcome out;
    static const QRegularExpression taskField(QStringLiteral("^tasks\\[(\\d+)\\]\\.(.+)$"));
    while (!chunk.specs.isEmpty()) {
        const Result<QList<SubmitOutcome>> r = submit(chunk.specs);
        if (r) {
            for (const SubmitOutcome& o : *r)
                ++(o.duplicate ? out.duplicates : out.imported);
            break;
        }
        Error e = r.error();
        qsizetype bad = -1;
        if (e.code == ErrorCode::InvalidArgument) {
            if (const auto m = taskField.match(e.field); m.hasMatch()) {
                bad = m.captured(1).toLongLong();
                e.field = m.captured(2);
            } else if (chunk.specs.size() == 1) {
                bad = 0; // a single task is named without an index
            }
        }
        if (bad < 0 || bad >= chunk.specs.size()) {
            out.stopped = e;
            out.stoppedAtLine = chunk.lines.constFirst();
            break;
        }
        const bool unknownModel = e.field == QLatin1String("model");
        const QString model = chunk.specs.at(bad).model;
        for (qsizetype i = chunk.specs.size() - 1; i >= 0; --i) {
            if (i == bad || (unknownModel && chunk.specs.at(i).model == model)) {
                out.rejected.append({ chunk.lines.at(i), e });
                chunk.specs.removeAt(i);
                chunk.lines.removeAt(i);
            }
        }
    }
    std::sort(out.rejected.begin(), out.rejected.end(), [](const JsonlError& a, const JsonlError& b) { return a.line < b.line; });
    return out;
}

// Copies the given lines (1-based, ascending) of `from` to `to`, as they are:
// the rejected lines of an import, to fix and import again. Returns how many.
Result<qint64> copyLines(QIODevice& from, QIODevice& to, const QList<qint64>& lines);

// One line of JSON for a task, as written by export.
QByteArray taskToJsonLine(const Task& task);

} // namespace llmsched
