using Dispatch.Core.Protocol;

namespace Dispatch.Core.Errors;

/// <summary>What each <see cref="ErrorKind"/> means for retrying.</summary>
public static class ErrorKindExtensions
{
    /// <summary>
    /// Whether another attempt could succeed: <see cref="ErrorKind.RateLimited"/>,
    /// <see cref="ErrorKind.Server"/>, <see cref="ErrorKind.Timeout"/> and
    /// <see cref="ErrorKind.Connection"/>. Everything else is permanent: the same request would
    /// fail the same way (4xx), or nothing was sent and retrying is the caller's decision.
    /// </summary>
    /// <param name="kind">The error.</param>
    public static bool IsTransient(this ErrorKind kind) =>
        kind is ErrorKind.RateLimited or ErrorKind.Server or ErrorKind.Timeout or ErrorKind.Connection;
}
