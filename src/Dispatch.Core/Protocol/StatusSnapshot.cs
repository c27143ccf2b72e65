namespace Dispatch.Core.Protocol;

/// <summary>One endpoint's state at an instant.</summary>
/// <param name="Endpoint">The endpoint's name.</param>
/// <param name="At">When the snapshot was taken.</param>
public sealed record StatusSnapshot(string Endpoint, DateTimeOffset At)
{
    /// <summary>Calls accepted and waiting for an executor.</summary>
    public int QueueDepth { get; init; }

    /// <summary>Calls held by executors (waiting for credits, in flight, or backing off).</summary>
    public int InFlight { get; init; }

    /// <summary>Of the calls <see cref="InFlight"/>, those waiting in the rate limiter's line for credits.</summary>
    public int WaitingForCredits { get; init; }

    /// <summary>Request credits that could be granted now; <see langword="null"/> when requests are unlimited.</summary>
    public long? RequestCreditsLeft { get; init; }

    /// <summary>Token credits that could be granted now; <see langword="null"/> when tokens are unlimited.</summary>
    public long? TokenCreditsLeft { get; init; }

    /// <summary>The configured request limit per interval; <see langword="null"/> when unlimited.</summary>
    public long? RequestLimit { get; init; }

    /// <summary>The request limit in force: the configured one, or lower as learned from the provider's headers or 429s.</summary>
    public long? RequestLimitInForce { get; init; }

    /// <summary>The configured token limit per interval; <see langword="null"/> when unlimited.</summary>
    public long? TokenLimit { get; init; }

    /// <summary>The token limit in force: the configured one, or lower as learned from the provider.</summary>
    public long? TokenLimitInForce { get; init; }

    /// <summary>The circuit breaker's state.</summary>
    public BreakerState Breaker { get; init; }

    /// <summary>Running totals since the endpoint started.</summary>
    public CallCounters Counters { get; init; } = new();
}

/// <summary>Running totals for one endpoint.</summary>
public sealed record CallCounters
{
    /// <summary>Calls answered <see cref="CallStatus.Completed"/>.</summary>
    public long Completed { get; init; }

    /// <summary>Calls answered <see cref="CallStatus.Failed"/>.</summary>
    public long Failed { get; init; }

    /// <summary>Calls answered <see cref="CallStatus.Rejected"/>.</summary>
    public long Rejected { get; init; }

    /// <summary>Calls answered <see cref="CallStatus.Cancelled"/>.</summary>
    public long Cancelled { get; init; }

    /// <summary>Calls answered <see cref="CallStatus.TimedOut"/>.</summary>
    public long TimedOut { get; init; }

    /// <summary>Calls answered from the response cache (also counted in <see cref="Completed"/>).</summary>
    public long FromCache { get; init; }

    /// <summary>Attempts after the first, across all calls.</summary>
    public long Retries { get; init; }

    /// <summary>429 answers received from the upstream.</summary>
    public long RateLimited { get; init; }
}

/// <summary>Every endpoint's state at an instant; the answer to <c>GetStatus(null)</c>.</summary>
/// <param name="At">When the snapshot was taken.</param>
/// <param name="Endpoints">One snapshot per endpoint, by name.</param>
public sealed record DispatchStatus(DateTimeOffset At, IReadOnlyList<StatusSnapshot> Endpoints);
