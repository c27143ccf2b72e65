using System.Text.Json.Serialization;

namespace Dispatch.Core.Protocol;

/// <summary>The state of an endpoint's circuit breaker.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<BreakerState>))]
public enum BreakerState
{
    /// <summary>Calls flow normally.</summary>
    Closed = 0,

    /// <summary>The upstream is considered down: nothing is sent.</summary>
    Open,

    /// <summary>One probe call is let through to test whether the upstream is back.</summary>
    HalfOpen,
}
