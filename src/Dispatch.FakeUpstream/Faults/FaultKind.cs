namespace Dispatch.FakeUpstream.Faults;

/// <summary>What the server does instead of answering a request normally.</summary>
public enum FaultKind
{
    /// <summary>No fault: the request is served normally.</summary>
    None = 0,

    /// <summary><c>400 Bad Request</c> with an error body.</summary>
    BadRequest,

    /// <summary><c>401 Unauthorized</c> with an error body.</summary>
    Unauthorized,

    /// <summary><c>403 Forbidden</c> with an error body.</summary>
    Forbidden,

    /// <summary><c>404 Not Found</c> with an error body.</summary>
    NotFound,

    /// <summary><c>422 Unprocessable Entity</c> with an error body.</summary>
    UnprocessableEntity,

    /// <summary><c>429 Too Many Requests</c> with an error body and, if the fault has one, <c>Retry-After</c>. Charges no budget.</summary>
    TooManyRequests,

    /// <summary><c>500 Internal Server Error</c> with an error body.</summary>
    InternalServerError,

    /// <summary><c>502 Bad Gateway</c> with an error body.</summary>
    BadGateway,

    /// <summary><c>503 Service Unavailable</c> with an error body and, if the fault has one, <c>Retry-After</c>.</summary>
    ServiceUnavailable,

    /// <summary><c>504 Gateway Timeout</c> with an error body.</summary>
    GatewayTimeout,

    /// <summary>The request is read and never answered; it ends when the client gives up or the server stops.</summary>
    Timeout,

    /// <summary>The connection is aborted after the request is read; the client sees a reset, not a response.</summary>
    ConnectionReset,

    /// <summary><c>200 OK</c> whose body is truncated, invalid JSON.</summary>
    MalformedJson,

    /// <summary><c>200 OK</c> whose valid JSON body is <see cref="FaultOptions.OversizedBodyBytes"/> long.</summary>
    OversizedBody,
}
