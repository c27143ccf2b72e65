namespace Dispatch.Core.RateLimiting;

/// <summary>
/// Spaces one kind of credit evenly: a GCRA (the "theoretical arrival time" form of a token
/// bucket) at <see cref="Limit"/> credits per window that lets <see cref="Burst"/> credits go at once,
/// and, when given one, at most <see cref="CapPerPeriod"/> credits in any period of <c>period</c>.
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
/// <para>
/// The period cap lets a bucket larger than a provider's per-second quantization allows still keep
/// to it: the bucket's burst is what lets a kind that is not binding catch up (small calls after
/// large ones, when tokens bind), the cap what any one second may hold. Grants it counts are
/// logged at the instant they are made.
/// </para>
/// <para>
/// A grant made after the instant it was due (the instant this pacer's last refusal named, which the
/// rate limiter's timer was set for and woke late) is charged from that
/// instant, or from <c>lateness</c> before the grant if it came later than that (up to twice that
/// late: a later grant answers no wake, and after an idle spell adds nothing), so late wakes do not
/// cost the rate: with a burst of 1 and 600 requests a 10 s, a wake's usual lateness on Akka's
/// scheduler (its 10 ms tick and the dispatcher) lost a third of the credits. It matters only where
/// the bucket was full at that instant (a cost larger than the burst); the price is that the grant
/// and what follows it catch up at once, at most the burst plus <c>lateness</c> worth of credits.
/// Forgiving a wake that another kind or the window named, when this bucket was full, is the same
/// catch-up: on the accuracy bench's workload it used 0.6–1.1 % more of the token limit on virtual
/// time, and a leaky bucket of the same rate with a burst of 5 answered 21 429s under load, so the
/// pacer forgives only its own. The period cap logs the real instant, so it always holds.
/// </para>
/// </remarks>
internal sealed class Pacer
{
    /// <summary>How much of a grant's lateness after the instant it was due is not charged: two of Akka's scheduler ticks.</summary>
    public static readonly TimeSpan TimerLateness = TimeSpan.FromMilliseconds(20);

    private readonly long _windowTicks;
    private readonly long _latenessTicks;
    private readonly PeriodCap? _cap;
    // The instant this pacer's last refusal named (ticks), until a grant is charged.
    private long? _fitsAt;
    // Zero is the year 1: far enough in the past that the bucket starts full.
    private Int128 _arrival;

    /// <summary>Creates a full bucket.</summary>
    /// <param name="limit">Credits per window; at least 1.</param>
    /// <param name="window">The window the limit is spread over.</param>
    /// <param name="burst">Credits that may go at once; at least 1.</param>
    /// <param name="lateness">How much of a grant's lateness after the instant it was due is not charged; zero for none.</param>
    /// <param name="period">The period <paramref name="periodCap"/> counts over; zero for no cap.</param>
    /// <param name="periodCap">Credits allowed in any period of <paramref name="period"/>; at least 1 when there is a period.</param>
    public Pacer(long limit, TimeSpan window, long burst, TimeSpan lateness = default, TimeSpan period = default, long periodCap = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(lateness, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(burst, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(window, TimeSpan.Zero);
        Limit = limit;
        Burst = burst;
        _windowTicks = window.Ticks;
        _latenessTicks = lateness.Ticks;
        if (period > TimeSpan.Zero) _cap = new PeriodCap(period, periodCap);
    }

    /// <summary>Credits per window, the rate grants are spaced at.</summary>
    public long Limit { get; private set; }

    /// <summary>Credits that may go at once.</summary>
    public long Burst { get; private set; }

    /// <summary>Credits allowed in any one period; <see langword="null"/> when there is no period cap.</summary>
    public long? CapPerPeriod => _cap?.Cap;

    /// <summary>How many ticks after <paramref name="nowTicks"/> a grant of <paramref name="cost"/> fits; 0 when it fits now.</summary>
    public long Wait(long cost, long nowTicks)
    {
        var now = (Int128)nowTicks * Limit;
        var fitted = Math.Min(cost, Burst);
        var excess = Int128.Max(_arrival, now) + (Int128)fitted * _windowTicks - now - (Int128)Burst * _windowTicks;
        // Rounded up, so waiting exactly this long fits.
        var wait = excess <= 0 ? 0 : (long)((excess + Limit - 1) / Limit);
        if (_cap is not null) wait = Math.Max(wait, _cap.Wait(cost, nowTicks));
        if (wait > 0) _fitsAt = nowTicks + wait;
        return wait;
    }

    /// <summary>Charges a grant of <paramref name="cost"/> made at <paramref name="nowTicks"/>.</summary>
    /// <param name="cost">The credits granted.</param>
    /// <param name="nowTicks">When the grant is made.</param>
    public void Take(long cost, long nowTicks)
    {
        var dueTicks = _fitsAt;
        _fitsAt = null;
        // Charged from the instant it was due, or from the lateness allowed before now when the grant came later than that;
        // a grant more than twice that late answers no wake (the line emptied and filled again) and is charged from now.
        var from = dueTicks is { } due && due <= nowTicks && nowTicks - due <= 2 * _latenessTicks ? Math.Max(due, nowTicks - _latenessTicks) : nowTicks;
        _arrival = Int128.Max(_arrival, (Int128)from * Limit) + (Int128)cost * _windowTicks;
        _cap?.Take(cost, nowTicks);
    }

    /// <summary>Changes the rate, the burst and the period cap; the grants already made keep the time they hold the bucket for.</summary>
    /// <param name="limit">The new credits per window; at least 1.</param>
    /// <param name="burst">The new credits that may go at once; at least 1.</param>
    /// <param name="periodCap">The new credits allowed in any period, when the pacer has a period cap; at least 1. <see langword="null"/> keeps the cap.</param>
    public void SetLimit(long limit, long burst, long? periodCap = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(burst, 1);
        Burst = burst;
        if (periodCap is { } cap) _cap?.SetCap(cap);
        if (limit == Limit) return;
        _arrival = _arrival / Limit * limit;
        Limit = limit;
    }
}
