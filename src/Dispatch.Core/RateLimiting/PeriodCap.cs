namespace Dispatch.Core.RateLimiting;

/// <summary>
/// At most <see cref="Cap"/> credits in any period <c>(t − period, t]</c>: a sliding log of the grants
/// of one period, as a provider that quantizes its limit to seconds counts them. A grant costing more
/// than the cap fits a period with nothing else in it, so a large call is held back, never refused.
/// </summary>
/// <remarks>
/// Memory is one entry per grant in the period; the log grows only when it is full. Its costs are kept in
/// <see cref="RingSums"/>, so a refusal finds when enough has left the period in O(log n), not by walking it.
/// Time is passed in and never runs backwards (the caller's latest instant). Not thread-safe: the rate limiter's.
/// </remarks>
internal sealed class PeriodCap
{
    private readonly long _periodTicks;
    private long[] _ticks = new long[16];
    private readonly RingSums _costs = new(16);
    private int _head;
    private int _count;
    private long _sum;

    /// <summary>Creates an empty log.</summary>
    /// <param name="period">The period the cap counts over; positive.</param>
    /// <param name="cap">Credits allowed in any period; at least 1.</param>
    public PeriodCap(TimeSpan period, long cap)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(period, TimeSpan.Zero);
        _periodTicks = period.Ticks;
        SetCap(cap);
    }

    /// <summary>Credits allowed in any period.</summary>
    public long Cap { get; private set; }

    /// <summary>Changes the cap; grants already logged still count.</summary>
    /// <param name="cap">Credits allowed in any period; at least 1.</param>
    public void SetCap(long cap)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(cap, 1);
        Cap = cap;
    }

    /// <summary>How many ticks after <paramref name="nowTicks"/> a grant of <paramref name="cost"/> fits; 0 when it fits now.</summary>
    public long Wait(long cost, long nowTicks)
    {
        Evict(nowTicks);
        var excess = _sum + cost - Math.Max(Cap, cost);
        if (excess <= 0) return 0;

        // The earliest instant enough of the oldest grants have left the period.
        var grants = _costs.Reach(_head, excess);
        // Unreachable: once every logged grant has left, any cost fits.
        if (grants > _count) return _periodTicks;
        return _ticks[(int)((_head + grants - 1) % _ticks.Length)] + _periodTicks - nowTicks;
    }

    /// <summary>Logs a grant of <paramref name="cost"/> made at <paramref name="nowTicks"/>.</summary>
    public void Take(long cost, long nowTicks)
    {
        Evict(nowTicks);
        if (_count == _ticks.Length)
        {
            _ticks = Ring.Doubled(_ticks, _head, _count);
            _costs.Grow(_head, _count);
            _head = 0;
        }

        var slot = (_head + _count) % _ticks.Length;
        _ticks[slot] = nowTicks;
        _costs.Set(slot, cost);
        _count++;
        _sum += cost;
    }

    private void Evict(long nowTicks)
    {
        var cutoff = nowTicks - _periodTicks;
        while (_count > 0 && _ticks[_head] <= cutoff)
        {
            _sum -= _costs[_head];
            _head = (_head + 1) % _ticks.Length;
            _count--;
        }
    }
}
