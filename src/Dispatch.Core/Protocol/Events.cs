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

/// <summary>Published on the event stream when a failed attempt will be retried, once its backoff timer is set.</summary>
/// <param name="Endpoint">The endpoint the call went to.</param>
/// <param name="CallId">The call.</param>
/// <param name="Attempt">The attempt that failed (1 for the first).</param>
/// <param name="Error">Why it failed.</param>
/// <param name="Delay">The backoff before the next attempt (the upstream's Retry-After when that is longer).</param>
public sealed record CallRetrying(string Endpoint, string CallId, int Attempt, ErrorKind Error, TimeSpan Delay);
