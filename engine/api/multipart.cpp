#include "multipart.h"

namespace llmsched {

namespace {

// A parameter of a header value: name="value" or name=value.
QByteArray parameter(const QByteArray& header, const QByteArray& name)
{
    for (const QByteArray& piece : header.split(';')) {
        const QByteArray p = piece.trimmed();
        const qsizetype eq = p.indexOf('=');
        if (eq < 0 || p.left(eq).trimmed().toLower() != name)
            continue;
        QByteArray v = p.mid(eq + 1).trimmed();
        if (v.size() >= 2 && v.startsWith('"') && v.endsWith('"'))
            v = v.mid(1, v.size() - 2).replace("\\\"", "\"");
        return v;
    }
    return {};
}

Error invalid(const QString& message)
{
    return Error::invalid(QStringLiteral("body"), message);
}

} // namespace

Result<QList<FormPart>> parseFormData(const QByteArray& contentType, const QByteArray& body)
{
    if (!contentType.trimmed().toLower().startsWith("multipart/form-data"))
        return invalid(QStringLiteral("send the file as multipart/form-data (fields 'purpose' and 'file')"));
    const QByteArray boundary = parameter(contentType, "boundary");
    if (boundary.isEmpty() || boundary.size() > 200)
        return invalid(QStringLiteral("the multipart/form-data Content-Type has no boundary"));
    const QByteArray delimiter = "--" + boundary;
    QList<FormPart> parts;
    qsizetype pos = body.indexOf(delimiter);
    if (pos < 0)
        return invalid(QStringLiteral("the body holds no part (no boundary line)"));
    while (true) {
        pos += delimiter.size();
        if (body.mid(pos, 2) == "--")
            return parts; // the closing delimiter
        if (body.mid(pos, 2) != "\r\n")
            return invalid(QStringLiteral("a boundary line is not followed by CRLF"));
        pos += 2;
        const qsizetype headEnd = body.indexOf("\r\n\r\n", pos);
        if (headEnd < 0)
            return invalid(QStringLiteral("a part has no end of headers"));
        FormPart part;
        for (const QByteArray& line : body.mid(pos, headEnd - pos).split('\n')) {
            const qsizetype colon = line.indexOf(':');
            if (colon < 0)
                continue;
            const QByteArray name = line.left(colon).trimmed().toLower();
            const QByteArray value = line.mid(colon + 1).trimmed();
            if (name == "content-disposition") {
                part.name = parameter(value, "name");
                part.filename = parameter(value, "filename");
            } else if (name == "content-type") {
                part.contentType = value;
            }
        }
        const qsizetype start = headEnd + 4;
        const qsizetype next = body.indexOf(QByteArray("\r\n" + delimiter), start);
        if (next < 0)
            return invalid(QStringLiteral("the body ends inside a part (no closing boundary)"));
        if (part.name.isEmpty())
            return invalid(QStringLiteral("a part has no name in its Content-Disposition"));
        part.body = body.mid(start, next - start);
        parts.append(std::move(part));
        pos = next + 2;
    }
}

} // namespace llmsched
