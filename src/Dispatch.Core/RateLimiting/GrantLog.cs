namespace Dispatch.Core.RateLimiting;

/// <summary>
/// The grants of one window as <see cref="AdaptiveCreditSource"/> numbers them (from 1, in the order made), each with
/// its time, the id the source beneath gave it, its tokens and whether the provider refused it, so that a report can be
/// read against what the provider had counted of ours (<see cref="CountedFor"/>).
/// </summary>
/// <remarks>
/// Every call answered with rate-limit headers asks <see cref="CountedFor"/>, and at a provider's real limits a window
/// holds tens of thousands of grants, so nothing here walks the window: the counted requests and tokens are kept in
/// <see cref="RingSums"/> by grant (a refused grant counts 0 of each), times are found by binary search (they never
/// fall), and grants leave from the oldest end. Grant, refusal, correction and count are O(log n), expiry O(1)
/// amortised. Time is passed in as ticks and never runs backwards. Not thread-safe: the rate limiter's.
/// </remarks>
internal sealed class GrantLog
{
    private readonly long _windowTicks;
    private readonly long _intervalTicks;
    private long[] _ticks = new long[64];
    private long[] _innerIds = new long[64];
    // Per grant: 1, or 0 once refused; and its tokens, or 0 once refused.
    private readonly RingSums _requests = new(64);
    private readonly RingSums _tokens = new(64);
    private int _head;
    private int _count;
    private long _headSeq = 1;
    private long _latestTicks = long.MinValue;

    /// <param name="window">How long a grant is kept: the interval plus the guard.</param>
    /// <param name="interval">The provider's interval, which a report counts over.</param>
    public GrantLog(TimeSpan window, TimeSpan interval)
    {
        _windowTicks = window.Ticks;
        _intervalTicks = interval.Ticks;
    }

    /// <summary>The number of the newest grant kept; one less than the oldest's when none is.</summary>
    public long Latest => _headSeq + _count - 1;

    /// <summary>Moves the clock to <paramref name="now"/> (never backwards) and forgets grants older than one window; returns the clock's ticks.</summary>
    public long Advance(DateTimeOffset now)
    {
        _latestTicks = Math.Max(_latestTicks, now.UtcTicks);
        var cutoff = _latestTicks - _windowTicks;
        while (_count > 0 && _ticks[_head] <= cutoff)
        {
            _head = (_head + 1) % _ticks.Length;
            _count--;
            _headSeq++;
        }

        return _latestTicks;
    }

    /// <summary>Logs a grant of <paramref name="tokens"/> made at <paramref name="ticks"/> (the clock's), known beneath as <paramref name="innerId"/>; returns its number.</summary>
    public long Append(long ticks, long innerId, long tokens)
    {
        if (_count == _ticks.Length) Grow();
        var slot = Slot(_count);
        _ticks[slot] = ticks;
        _innerIds[slot] = innerId;
        _requests.Set(slot, 1);
        _tokens.Set(slot, tokens);
        _count++;
        return Latest;
    }

    /// <summary>Whether grant <paramref name="grant"/> is still kept.</summary>
    public bool Contains(long grant) => grant >= _headSeq && grant - _headSeq < _count;

    /// <summary>Sets a kept grant's tokens to what its call used (a refused one keeps counting 0); returns the id it has beneath, or 0 when it is not kept.</summary>
    public long Correct(long grant, long tokens)
    {
        if (!Contains(grant)) return 0;
        var slot = Slot(grant - _headSeq);
        if (_requests[slot] != 0) _tokens.Set(slot, tokens);
        return _innerIds[slot];
    }

    /// <summary>The provider refused a kept grant (a 429): it counts nothing any more.</summary>
    public void Refuse(long grant)
    {
        if (!Contains(grant)) return;
        var slot = Slot(grant - _headSeq);
        _requests.Set(slot, 0);
        _tokens.Set(slot, 0);
    }

    /// <summary>
    /// Our grants (and their tokens) the provider counted when it answered the kept grant <paramref name="grant"/>: those of
    /// its interval up to that one, less refusals. And the most it may have counted: also the grants of the guard's stretch
    /// before that interval (one of them may have reached it within it) and every later one (it may have reached it first).
    /// </summary>
    public GrantCounts CountedFor(long grant)
    {
        var offset = grant - _headSeq;
        var at = _ticks[Slot(offset)];
        var first = FirstAfter(at - _windowTicks, 0, offset);
        var inInterval = FirstAfter(at - _intervalTicks, first, offset);
        var head = Slot(first);
        var interval = Slot(inInterval);
        return new GrantCounts(
            _requests.Sum(interval, offset - inInterval + 1),
            _tokens.Sum(interval, offset - inInterval + 1),
            _requests.Sum(head, _count - first),
            _tokens.Sum(head, _count - first));
    }

    /// <summary>The first offset in [<paramref name="from"/>, <paramref name="to"/>] whose grant is later than <paramref name="ticks"/>; <paramref name="to"/> when none before it is.</summary>
    private long FirstAfter(long ticks, long from, long to)
    {
        while (from < to)
        {
            var middle = (from + to) / 2;
            if (_ticks[Slot(middle)] > ticks) to = middle;
            else from = middle + 1;
        }

        return from;
    }

    private void Grow()
    {
        _ticks = Ring.Doubled(_ticks, _head, _count);
        _innerIds = Ring.Doubled(_innerIds, _head, _count);
        _requests.Grow(_head, _count);
        _tokens.Grow(_head, _count);
        _head = 0;
    }

    private int Slot(long offset) => (int)((_head + offset) % _ticks.Length);
}

/// <summary>What the provider counted of our grants when it answered one, and the most it may have counted.</summary>
/// <param name="Requests">Our grants of its interval up to the answered one, less refusals.</param>
/// <param name="Tokens">Their tokens.</param>
/// <param name="MostRequests">Also the grants of the guard's stretch before the interval, and every later one, less refusals.</param>
/// <param name="MostTokens">Their tokens.</param>
internal readonly record struct GrantCounts(long Requests, long Tokens, long MostRequests, long MostTokens);
