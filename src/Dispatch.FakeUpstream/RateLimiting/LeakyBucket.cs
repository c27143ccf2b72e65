namespace Dispatch.FakeUpstream.RateLimiting;

/// <summary>
/// A key's leaky bucket for requests and one for tokens, as GCRA (the "theoretical arrival time"
/// form of a leaky bucket): each admission pushes the bucket's arrival time on by its cost times
/// the emission interval, and a request is admitted while that stays within the bucket's size of
/// now. Arithmetic is exact: times are kept in ticks multiplied by the limit, so the emission
/// interval (window / limit) is a whole number. Guarded by its <see cref="SlidingWindow"/>'s lock.
/// </summary>
internal sealed class LeakyBucket
{
    private RateLimitOptions? _limits;
    private Int128 _requestArrival;
    private Int128 _tokenArrival;

    /// <summary>The token bucket's size: <see cref="RateLimitOptions.TokenBurst"/> or its documented default.</summary>
    public static long TokenCapacity(RateLimitOptions limits)
    {
        if (limits.TokenBurst is { } burst) return burst;
        var tokens = limits.TokensPerWindow ?? 0;
        return limits.RequestsPerWindow is { } requests
            ? Math.Max(1, (long)((Int128)tokens * limits.Burst / requests))
            : Math.Max(1, (long)((Int128)tokens * TimeSpan.TicksPerSecond / limits.Window.Ticks));
    }

    /// <summary>Zero when both buckets have room for the request now; otherwise how long until they do.</summary>
    public TimeSpan RetryAfter(long nowTicks, long tokens, RateLimitOptions limits)
    {
        Reset(limits);
        var wait = 0L;
        if (limits.RequestsPerWindow is { } requests)
            wait = Math.Max(wait, Wait(_requestArrival, nowTicks, 1, limits.Burst, requests, limits.Window.Ticks));
        if (limits.TokensPerWindow is { } tokenLimit && tokens > 0)
            wait = Math.Max(wait, Wait(_tokenArrival, nowTicks, tokens, TokenCapacity(limits), tokenLimit, limits.Window.Ticks));
        return TimeSpan.FromTicks(wait);
    }

    /// <summary>Charges an admitted request to both buckets.</summary>
    public void Take(long nowTicks, long tokens, RateLimitOptions limits)
    {
        Reset(limits);
        if (limits.RequestsPerWindow is { } requests)
            _requestArrival = Int128.Max(_requestArrival, (Int128)nowTicks * requests) + limits.Window.Ticks;
        if (limits.TokensPerWindow is { } tokenLimit)
            _tokenArrival = Int128.Max(_tokenArrival, (Int128)nowTicks * tokenLimit) + (Int128)tokens * limits.Window.Ticks;
    }

    /// <summary>
    /// Ticks until <paramref name="cost"/> fits: the arrival time after it, minus now, must not exceed
    /// the bucket's <paramref name="capacity"/> emission intervals (all scaled by <paramref name="limit"/>).
    /// </summary>
    private static long Wait(Int128 arrival, long nowTicks, long cost, long capacity, long limit, long windowTicks)
    {
        var now = (Int128)nowTicks * limit;
        var after = Int128.Max(arrival, now) + (Int128)cost * windowTicks;
        var excess = after - now - (Int128)capacity * windowTicks;
        // Rounded up, so a client that waits exactly this long fits.
        return excess <= 0 ? 0 : (long)((excess + limit - 1) / limit);
    }

    /// <summary>New limits start with full buckets: the old arrival times are scaled by the old limits.</summary>
    private void Reset(RateLimitOptions limits)
    {
        if (ReferenceEquals(_limits, limits)) return;
        _limits = limits;
        _requestArrival = Int128.MinValue / 2;
        _tokenArrival = Int128.MinValue / 2;
    }
}
