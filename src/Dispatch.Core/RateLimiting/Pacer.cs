namespace Dispatch.Core.RateLimiting;

/// <summary>
/// Spaces one kind of credit evenly: a GCRA (the "theoretical arrival time" form of a token
/// bucket) at <see cref="Limit"/> credits per window that lets <see cref="Burst"/> credits go at once.
/// </summary>
/// <remarks>
/// <para>
/// Each grant of <c>c</c> credits moves the theoretical arrival time <c>TAT</c> to
/// <c>max(TAT, now) + c × emission</c>, where <c>emission = window / limit</c>; a grant fits while
/// the result stays within <c>burst × emission</c> of now. So at most <c>burst</c> credits go out at
/// once and, after that, one emission interval apart. A grant larger than the burst (a big call's
/// tokens) fits once the bucket is full and then holds later grants back by its whole cost, so it is
/// never starved and the rate still holds on average.
/// </para>
/// <para>
/// Arithmetic is exact: times are kept in ticks multiplied by the limit, so the emission interval is
/// a whole number (the window's ticks). Time is passed in; not thread-safe (the rate limiter's).
/// </para>
/// </remarks>
internal sealed class Pacer
{
    private readonly long _windowTicks;
    // Zero is the year 1: far enough in the past that the bucket starts full.
    private Int128 _arrival;

    /// <summary>Creates a full bucket.</summary>
    /// <param name="limit">Credits per window; at least 1.</param>
    /// <param name="window">The window the limit is spread over.</param>
    /// <param name="burst">Credits that may go at once; at least 1.</param>
    public Pacer(long limit, TimeSpan window, long burst)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(burst, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(window, TimeSpan.Zero);
        Limit = limit;
        Burst = burst;
        _windowTicks = window.Ticks;
    }

    /// <summary>Credits per window, the rate grants are spaced at.</summary>
    public long Limit { get; private set; }

    /// <summary>Credits that may go at once.</summary>
    public long Burst { get; private set; }

    /// <summary>How many ticks after <paramref name="nowTicks"/> a grant of <paramref name="cost"/> fits; 0 when it fits now.</summary>
    public long Wait(long cost, long nowTicks)
    {
        var now = (Int128)nowTicks * Limit;
        var fitted = Math.Min(cost, Burst);
        var excess = Int128.Max(_arrival, now) + (Int128)fitted * _windowTicks - now - (Int128)Burst * _windowTicks;
        // Rounded up, so waiting exactly this long fits.
        return excess <= 0 ? 0 : (long)((excess + Limit - 1) / Limit);
    }

    /// <summary>Charges a grant of <paramref name="cost"/> made at <paramref name="nowTicks"/>.</summary>
    public void Take(long cost, long nowTicks) =>
        _arrival = Int128.Max(_arrival, (Int128)nowTicks * Limit) + (Int128)cost * _windowTicks;

    /// <summary>Changes the rate and the burst; the grants already made keep the time they hold the bucket for.</summary>
    /// <param name="limit">The new credits per window; at least 1.</param>
    /// <param name="burst">The new credits that may go at once; at least 1.</param>
    public void SetLimit(long limit, long burst)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(burst, 1);
        Burst = burst;
        if (limit == Limit) return;
        _arrival = _arrival / Limit * limit;
        Limit = limit;
    }
}
