#pragma once

namespace llmsched::http {

// The HTTP statuses the server answers and the clients act on, by name.
enum Status : int {
    Ok = 200,
    Created = 201,
    Accepted = 202,
    NoContent = 204,
    BadRequest = 400,
    Unauthorized = 401,
    Forbidden = 403,
    NotFound = 404,
    MethodNotAllowed = 405,
    RequestTimeout = 408,
    Conflict = 409,
    LengthRequired = 411,
    PayloadTooLarge = 413,
    UnsupportedMediaType = 415,
    MisdirectedRequest = 421,
    UnprocessableEntity = 422,
    TooManyRequests = 429,
    HeaderFieldsTooLarge = 431,
    InternalServerError = 500,
    NotImplemented = 501,
    BadGateway = 502,
    ServiceUnavailable = 503,
    GatewayTimeout = 504,
    VersionNotSupported = 505,
    InsufficientStorage = 507,
    Overloaded = 529, // Anthropic: the service is overloaded
};

// 4xx: the request's fault. 5xx: the server's.
constexpr bool isClientError(int status)
{
    return status >= BadRequest && status < InternalServerError;
}
constexpr bool isServerError(int status)
{
    return status >= InternalServerError && status < 600;
}

} // namespace llmsched::http
