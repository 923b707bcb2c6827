#pragma once

#include <QByteArrayView>
#include <QString>

#include <optional>

namespace llmsched {

// Rules for header fields that come from tasks (http tasks' "headers") before
// they reach a socket: a name is an RFC 9110 token, a value holds no CR, LF,
// NUL or other control character (tab aside), and the headers that frame the
// message (Host, Content-Length, Transfer-Encoding, Connection and their kin)
// are the client's own, never a task's: one smuggled CR LF or a second Host
// would split or redirect the request.
namespace httpheaders {

bool isToken(QByteArrayView name);
bool isFieldValue(QByteArrayView value);
bool isFramingHeader(QByteArrayView name); // any case

// The methods an http task may use: GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS (upper case).
bool isTaskMethod(QByteArrayView method);

// Why the header may not be sent as given (for an error naming it), or nullopt.
std::optional<QString> problem(QByteArrayView name, QByteArrayView value);

} // namespace httpheaders
} // namespace llmsched
