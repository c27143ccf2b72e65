namespace Dispatch.Core.Protocol;

/// <summary>Published on the event stream when an endpoint's circuit breaker changes state.</summary>
/// <param name="Endpoint">The endpoint whose breaker changed.</param>
/// <param name="From">The state before.</param>
/// <param name="To">The state now.</param>
/// <param name="At">When it changed.</param>
/// <param name="ConsecutiveFailures">The consecutive failures counted when it changed.</param>
/// <param name="OpenUntil">When an open breaker will let a probe through; <see langword="null"/> unless <paramref name="To"/> is <see cref="BreakerState.Open"/>.</param>
public sealed record BreakerStateChanged(
    string Endpoint,
    BreakerState From,
    BreakerState To,
    DateTimeOffset At,
    int ConsecutiveFailures,
    DateTimeOffset? OpenUntil);

/// <summary>Published on the event stream for every final result, as it is sent to the caller.</summary>
/// <param name="Endpoint">The endpoint the call went to.</param>
/// <param name="Result">The final result.</param>
public sealed record CallFinished(string Endpoint, APICallResult Result);
