#include "httpheaders.h"

#include <QByteArray>

#include <algorithm>
#include <array>

namespace llmsched::httpheaders {

namespace {
bool isTokenChar(char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    constexpr std::string_view kSymbols = "!#$%&'*+-.^_`|~";
    return kSymbols.find(c) != std::string_view::npos;
}

constexpr std::array<const char*, 10> kFraming
    = { "host", "content-length", "transfer-encoding", "connection", "keep-alive", "te", "trailer", "upgrade", "proxy-connection", "expect" };
} // namespace

bool isTaskMethod(QByteArrayView method)
{
    constexpr std::array<const char*, 7> kMethods = { "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS" };
    return std::any_of(kMethods.begin(), kMethods.end(), [method](const char* m) { return method == QByteArrayView(m); });
}

bool isToken(QByteArrayView name)
{
    return !name.isEmpty() && std::all_of(name.begin(), name.end(), isTokenChar);
}

bool isFieldValue(QByteArrayView value)
{
    return std::none_of(value.begin(), value.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return (u < 0x20 && u != '\t') || u == 0x7f;
    });
}

bool isFramingHeader(QByteArrayView name)
{
    return std::any_of(kFraming.begin(), kFraming.end(), [name](const char* f) { return name.compare(f, Qt::CaseInsensitive) == 0; });
}

std::optional<QString> problem(QByteArrayView name, QByteArrayView value)
{
    if (!isToken(name))
        return QStringLiteral("is not a valid header name (letters, digits and !#$%&'*+-.^_`|~ only; no "
                              "spaces, CR, LF or NUL)");
    if (isFramingHeader(name))
        return QStringLiteral("is set by the scheduler's HTTP client and cannot be given by a task");
    if (!isFieldValue(value))
        return QStringLiteral("holds a control character (CR, LF and NUL are not allowed in header values)");
    return std::nullopt;
}

} // namespace llmsched::httpheaders
