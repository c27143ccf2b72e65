using Dispatch.Core.Endpoints;
using Dispatch.Core.Options;
using Dispatch.Core.RateLimiting;
using Dispatch.Core.Tokens;

namespace Dispatch.Core.Dispatching;

/// <summary>
/// What the <see cref="DispatchActor"/> takes from its host rather than from configuration:
/// environment, randomness, token estimation and the source of rate-limit credits. Time is not
/// here: it is the actor system's scheduler (Akka's <c>TestScheduler</c> in tests).
/// </summary>
public sealed record DispatchDependencies
{
    /// <summary>Reads an environment variable (API keys named by <c>api-key-env</c>). Default <see cref="Environment.GetEnvironmentVariable(string)"/>.</summary>
    public Func<string, string?> GetEnvironmentVariable { get; init; } = Environment.GetEnvironmentVariable;

    /// <summary>
    /// The source of retry jitter. Default <see cref="Random.Shared"/>. A seeded instance makes runs
    /// repeatable: each endpoint and executor gets its own generator seeded from it, so it is
    /// only read on one thread.
    /// </summary>
    public Random Random { get; init; } = Random.Shared;

    /// <summary>Estimates tokens of calls without <c>RequiredTokens</c>; <see langword="null"/> (the default) uses each endpoint's <see cref="DefaultTokenEstimator"/>.</summary>
    public ITokenEstimator? TokenEstimator { get; init; }

    /// <summary>
    /// Creates an endpoint's credit source; <see langword="null"/> (the default) uses a local
    /// <see cref="SlidingWindowLedger"/> over the endpoint's <c>rate-limit</c>. Cluster mode passes a
    /// source that spends credits leased from the endpoint's owner in the cluster. It may be called again
    /// for the same endpoint (when the endpoint's supervisor restarts).
    /// </summary>
    public Func<EndpointOptions, ICreditSource>? CreditSourceFactory { get; init; }

    /// <summary>Told about every HTTP session an endpoint opens, so tests can check it is closed on every path.</summary>
    internal Action<EndpointSession>? SessionOpened { get; init; }
}
