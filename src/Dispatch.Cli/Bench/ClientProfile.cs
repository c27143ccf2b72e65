namespace Dispatch.Cli.Bench;

/// <summary>The limits and policies one scenario gives every client, so they are configured alike.</summary>
internal sealed record ClientProfile
{
    /// <summary>Calls in flight at most (semaphore, concurrency limiter, executors).</summary>
    public int Concurrency { get; init; } = 64;

    /// <summary>Requests per <see cref="Window"/>; <see langword="null"/> is unlimited.</summary>
    public int? Requests { get; init; }

    /// <summary>Tokens per <see cref="Window"/>; <see langword="null"/> is unlimited.</summary>
    public int? Tokens { get; init; }

    /// <summary>The limits' window.</summary>
    public TimeSpan Window { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Attempts per call, the first included.</summary>
    public int MaxAttempts { get; init; } = 5;

    /// <summary>The first retry's backoff before jitter; it doubles per retry.</summary>
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The cap on the backoff (a longer Retry-After still wins).</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>One attempt's timeout.</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a breaker stays open before it lets a probe through.</summary>
    public TimeSpan BreakDuration { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How Dispatch spreads grants over the window; default its own default (smooth).</summary>
    public Dispatch.Core.RateLimiting.RateLimitPacing Pacing { get; init; } = Dispatch.Core.RateLimiting.RateLimitPacing.Smooth;

    /// <summary>Dispatch's paced burst; <see langword="null"/> for its default.</summary>
    public int? Burst { get; init; }

    /// <summary>Calls Dispatch may queue.</summary>
    public int QueueCapacity { get; init; } = 10_000;
}
