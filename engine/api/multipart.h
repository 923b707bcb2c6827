#pragma once

#include "core/result.h"

#include <QByteArray>
#include <QList>

namespace llmsched {

// One part of a multipart/form-data body (RFC 7578).
struct FormPart
{
    QByteArray name;
    QByteArray filename; // empty for a plain field
    QByteArray contentType;
    QByteArray body;
};

// The parts of a multipart/form-data body, or what is wrong with it (no
// boundary in the Content-Type, no closing delimiter, a part without a name).
Result<QList<FormPart>> parseFormData(const QByteArray& contentType, const QByteArray& body);

} // namespace llmsched
