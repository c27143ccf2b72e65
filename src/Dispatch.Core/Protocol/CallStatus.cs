using System.Text.Json.Serialization;

namespace Dispatch.Core.Protocol;

/// <summary>
/// How a call ended. Every accepted call ends exactly once, in one of these.
/// Serialized by name; add new members at the end, never rename.
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<CallStatus>))]
public enum CallStatus
{
    /// <summary>The upstream answered with a success status.</summary>
    Completed = 0,

    /// <summary>The call was sent and failed for good (permanent error or retries exhausted).</summary>
    Failed,

    /// <summary>The call was refused before anything was sent (queue full, circuit open, invalid request).</summary>
    Rejected,

    /// <summary>The caller cancelled the call, or the node shut down, before it finished.</summary>
    Cancelled,

    /// <summary>The call's deadline passed before it finished.</summary>
    TimedOut,
}
