#pragma once

#include <QString>

#include <optional>
#include <utility>
#include <variant>

namespace llmsched {

// Error categories; each maps to one HTTP status in the REST layer and to one
// stable string code in JSON error bodies.
enum class ErrorCode {
    InvalidArgument, // 400/422: the request is malformed or a field is invalid
    NotFound, // 404
    Conflict, // 409: state does not allow the operation
    CapacityExceeded, // 429: queue full; retry later
    PayloadTooLarge, // 413
    Unavailable, // 503: engine stopping, store degraded
    StoreError, // 500/503: the database failed
    Internal, // 500
};

QString errorCodeName(ErrorCode code);

// An error a user can act on: what went wrong, and (when it is about input) which field.
struct Error
{
    ErrorCode code = ErrorCode::Internal;
    QString message;
    QString field;

    static Error invalid(QString field, QString message) { return { ErrorCode::InvalidArgument, std::move(message), std::move(field) }; }
    static Error notFound(QString message) { return { ErrorCode::NotFound, std::move(message), {} }; }
    static Error conflict(QString message) { return { ErrorCode::Conflict, std::move(message), {} }; }
    static Error store(QString message) { return { ErrorCode::StoreError, std::move(message), {} }; }
    static Error unavailable(QString message) { return { ErrorCode::Unavailable, std::move(message), {} }; }

    // "field: message" when there is a field, else the message.
    QString toString() const;
};

// Either a value or an Error. Errors are values here: nothing throws across threads.
template <typename T> class Result
{
public:
    Result()
        : m_v(Error { ErrorCode::Internal, QStringLiteral("result not set"), {} })
    {
    }
    Result(T value)
        : m_v(std::move(value))
    {
    } // NOLINT(google-explicit-constructor)
    Result(Error error)
        : m_v(std::move(error))
    {
    } // NOLINT(google-explicit-constructor)

    bool ok() const { return m_v.index() == 0; }
    explicit operator bool() const { return ok(); }

    T& value() & { return std::get<0>(m_v); }
    const T& value() const& { return std::get<0>(m_v); }
    T&& value() && { return std::get<0>(std::move(m_v)); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }

    const Error& error() const { return std::get<1>(m_v); }

private:
    std::variant<T, Error> m_v;
};

template <> class Result<void>
{
public:
    Result() = default;
    Result(Error error)
        : m_error(std::move(error))
    {
    } // NOLINT(google-explicit-constructor)

    bool ok() const { return !m_error.has_value(); }
    explicit operator bool() const { return ok(); }
    const Error& error() const { return *m_error; }

private:
    std::optional<Error> m_error;
};

using VoidResult = Result<void>;

} // namespace llmsched
