#include "jsonl.h"

#include <QJsonDocument>
#include <QJsonParseError>

namespace llmsched {

JsonlReader::JsonlReader(QIODevice* device, TaskLimits limits)
    : m_device(device)
    , m_limits(limits)
{
}

bool JsonlReader::atEnd() const
{
    return m_device->atEnd();
}

QByteArray JsonlReader::readLine(qint64 maxLine)
{
    if (m_lineBuffer.size() != maxLine + 1)
        m_lineBuffer.resize(maxLine + 1); // readLine stores at most maxLine bytes and a NUL
    const qint64 n = m_device->readLine(m_lineBuffer.data(), maxLine + 1);
    return n > 0 ? QByteArray(m_lineBuffer.constData(), n) : QByteArray();
}

JsonlReader::Chunk JsonlReader::next(int maxTasks)
{
    Chunk chunk;
    const qint64 maxLine = m_limits.maxInputBytes + 64 * 1024;
    while (chunk.specs.size() < maxTasks && !m_device->atEnd()) {
        QByteArray line = readLine(maxLine);
        ++m_line;
        if (!line.endsWith('\n') && !m_device->atEnd()) {
            // Longer than any valid task: skip the rest of it.
            while (!m_device->atEnd() && !line.endsWith('\n'))
                line = readLine(maxLine);
            chunk.errors.append({ m_line, Error::invalid({}, QStringLiteral("line is longer than %1 bytes").arg(maxLine)) });
            continue;
        }
        const QByteArray trimmed = line.trimmed();
        if (trimmed.isEmpty() || trimmed.startsWith('#'))
            continue;
        QJsonParseError perr;
        const QJsonDocument doc = QJsonDocument::fromJson(trimmed, &perr);
        if (perr.error != QJsonParseError::NoError) {
            chunk.errors.append(
                { m_line, Error::invalid({}, QStringLiteral("invalid JSON at column %1: %2").arg(perr.offset + 1).arg(perr.errorString())) });
            continue;
        }
        if (!doc.isObject()) {
            chunk.errors.append({ m_line, Error::invalid({}, QStringLiteral("must be a JSON object")) });
            continue;
        }
        auto spec = TaskSpec::fromJson(doc.object(), {}, m_limits);
        if (!spec) {
            chunk.errors.append({ m_line, spec.error() });
            continue;
        }
        chunk.specs.append(std::move(*spec));
        chunk.lines.append(m_line);
    }
    return chunk;
}

QByteArray taskToJsonLine(const Task& task)
{
    return QJsonDocument(task.toJson(true)).toJson(QJsonDocument::Compact) + '\n';
}

Result<qint64> copyLines(QIODevice& from, QIODevice& to, const QList<qint64>& lines)
{
    qint64 line = 0, copied = 0;
    auto want = lines.cbegin();
    QByteArray buffer;
    bool inLine = false; // within a line longer than one read
    while (want != lines.cend() && !from.atEnd()) {
        buffer = from.read(64 * 1024);
        if (buffer.isEmpty())
            return Error::store(from.errorString());
        qsizetype start = 0;
        while (start < buffer.size() && want != lines.cend()) {
            if (!inLine)
                ++line;
            const qsizetype nl = buffer.indexOf('\n', start);
            const qsizetype end = nl < 0 ? buffer.size() : nl + 1;
            while (want != lines.cend() && *want < line)
                ++want;
            if (want != lines.cend() && *want == line) {
                if (to.write(buffer.constData() + start, end - start) != end - start)
                    return Error::store(to.errorString());
                const bool lastLine = nl < 0 && from.atEnd();
                if (lastLine && to.write("\n", 1) != 1) // the file's last line had none
                    return Error::store(to.errorString());
                if (nl >= 0 || lastLine)
                    ++copied;
            }
            inLine = nl < 0;
            start = end;
        }
    }
    return copied;
}

} // namespace llmsched
