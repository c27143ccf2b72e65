using System.Text.Json.Serialization;

namespace Dispatch.Core.Protocol;

/// <summary>
/// Why a call did not complete. Serialized by name, so the values are part of the wire
/// protocol: add new members at the end, never rename.
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<ErrorKind>))]
public enum ErrorKind
{
    /// <summary>No error: the call completed.</summary>
    None = 0,

    /// <summary>The upstream answered 429 (too many requests). Retryable.</summary>
    RateLimited,

    /// <summary>The upstream answered 401 or 403. Permanent.</summary>
    Authentication,

    /// <summary>The upstream answered 404. Permanent.</summary>
    NotFound,

    /// <summary>The upstream answered 400, 422 or another 4xx it does not explain. Permanent.</summary>
    BadRequest,

    /// <summary>The upstream answered 5xx. Retryable.</summary>
    Server,

    /// <summary>The attempt ran past its timeout, or the upstream answered 408. Retryable.</summary>
    Timeout,

    /// <summary>The connection could not be made or was reset. Retryable.</summary>
    Connection,

    /// <summary>The endpoint's circuit breaker is open; nothing was sent.</summary>
    CircuitOpen,

    /// <summary>The endpoint's queue was full when the call arrived; nothing was sent.</summary>
    QueueFull,

    /// <summary>The call itself is wrong (unknown endpoint, malformed payload, more tokens than the limit allows, a body over <c>max-request-bytes</c>, or the upstream answered 413 Content Too Large).</summary>
    InvalidRequest,

    /// <summary>The upstream answered something that could not be read (malformed or oversized body).</summary>
    InvalidResponse,

    /// <summary>The caller cancelled the call, or the node shut down before it finished.</summary>
    Cancelled,
}
