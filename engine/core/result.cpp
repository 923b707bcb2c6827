#include "result.h"

namespace llmsched {

QString errorCodeName(ErrorCode code)
{
    switch (code) {
    case ErrorCode::InvalidArgument:
        return QStringLiteral("invalid_argument");
    case ErrorCode::NotFound:
        return QStringLiteral("not_found");
    case ErrorCode::Conflict:
        return QStringLiteral("conflict");
    case ErrorCode::CapacityExceeded:
        return QStringLiteral("capacity_exceeded");
    case ErrorCode::PayloadTooLarge:
        return QStringLiteral("payload_too_large");
    case ErrorCode::Unavailable:
        return QStringLiteral("unavailable");
    case ErrorCode::StoreError:
        return QStringLiteral("store_error");
    case ErrorCode::Internal:
        return QStringLiteral("internal");
    }
    return QStringLiteral("internal");
}

QString Error::toString() const
{
    return field.isEmpty() ? message : field + QStringLiteral(": ") + message;
}

} // namespace llmsched
