namespace Dispatch.FakeUpstream.RateLimiting;

/// <summary>
/// One API key's admitted requests, oldest first, with their token charges. Keeping every
/// admission in the window (instead of counters per bucket) makes both the limit and the
/// peak counters exact for any window position. Every operation holds a short lock and never awaits.
/// </summary>
internal sealed class SlidingWindow
{
    private readonly Lock _gate = new();
    private long[] _ticks = new long[16];
    private long[] _tokens = new long[16];
    private int _head;
    private int _count;
    private long _tokenSum;
    private long _lastTicks = long.MinValue;

    /// <summary>The most requests admitted within any one window so far.</summary>
    public long PeakRequests { get; private set; }

    /// <summary>The most tokens admitted within any one window so far.</summary>
    public long PeakTokens { get; private set; }

    /// <summary>Admits the request and charges it when it fits; otherwise leaves the window as it was.</summary>
    public RateLimitDecision TryAdmit(long nowTicks, long tokens, RateLimitOptions limits)
    {
        lock (_gate)
        {
            // The clock may step back (wall-clock adjustments); the window stays ordered.
            nowTicks = Math.Max(nowTicks, _lastTicks);
            var window = limits.Window.Ticks;
            Evict(nowTicks - window);

            if (limits.TokensPerWindow is { } tokenLimit && tokens > tokenLimit)
                return Describe(nowTicks, window, limits, admitted: false, neverFits: true, retryAfter: TimeSpan.Zero);

            var retryAfter = RetryAfter(nowTicks, window, tokens, limits);
            if (retryAfter > TimeSpan.Zero)
                return Describe(nowTicks, window, limits, admitted: false, neverFits: false, retryAfter);

            Append(nowTicks, tokens);
            _lastTicks = nowTicks;
            if (_count > PeakRequests) PeakRequests = _count;
            if (_tokenSum > PeakTokens) PeakTokens = _tokenSum;
            return Describe(nowTicks, window, limits, admitted: true, neverFits: false, TimeSpan.Zero);
        }
    }

    /// <summary>The window's state for the headers of a response that neither charges nor refuses.</summary>
    public RateLimitDecision Peek(long nowTicks, RateLimitOptions limits)
    {
        lock (_gate)
        {
            nowTicks = Math.Max(nowTicks, _lastTicks);
            Evict(nowTicks - limits.Window.Ticks);
            return Describe(nowTicks, limits.Window.Ticks, limits, admitted: false, neverFits: false, TimeSpan.Zero);
        }
    }

    private void Evict(long expiredAtOrBefore)
    {
        while (_count > 0 && _ticks[_head] <= expiredAtOrBefore)
        {
            _tokenSum -= _tokens[_head];
            _head = (_head + 1) % _ticks.Length;
            _count--;
        }
    }

    /// <summary>Zero when the request fits now; otherwise when the oldest admissions in its way expire.</summary>
    private TimeSpan RetryAfter(long nowTicks, long window, long tokens, RateLimitOptions limits)
    {
        var waitUntil = long.MinValue;
        if (limits.RequestsPerWindow is { } requestLimit && _count + 1 > requestLimit)
        {
            // The (count - limit + 1) oldest admissions must leave; the last of them decides.
            var mustLeave = (int)Math.Min(_count, _count + 1 - requestLimit);
            waitUntil = Math.Max(waitUntil, At(mustLeave - 1) + window);
        }

        if (limits.TokensPerWindow is { } tokenLimit && _tokenSum + tokens > tokenLimit)
        {
            var sum = _tokenSum;
            for (var i = 0; i < _count; i++)
            {
                sum -= TokensAt(i);
                if (sum + tokens <= tokenLimit)
                {
                    waitUntil = Math.Max(waitUntil, At(i) + window);
                    break;
                }
            }
        }

        return waitUntil == long.MinValue ? TimeSpan.Zero : TimeSpan.FromTicks(Math.Max(1, waitUntil - nowTicks));
    }

    private RateLimitDecision Describe(long nowTicks, long window, RateLimitOptions limits, bool admitted, bool neverFits, TimeSpan retryAfter)
    {
        var reset = _count == 0 ? TimeSpan.Zero : TimeSpan.FromTicks(At(_count - 1) + window - nowTicks);
        return new RateLimitDecision(
            admitted,
            neverFits,
            limits.RequestsPerWindow is { } r ? Math.Max(0, r - _count) : null,
            limits.TokensPerWindow is { } t ? Math.Max(0, t - _tokenSum) : null,
            reset,
            _tokenSum == 0 ? TimeSpan.Zero : reset,
            retryAfter);
    }

    private long At(int index) => _ticks[(_head + index) % _ticks.Length];

    private long TokensAt(int index) => _tokens[(_head + index) % _tokens.Length];

    private void Append(long ticks, long tokens)
    {
        if (_count == _ticks.Length) Grow();
        var tail = (_head + _count) % _ticks.Length;
        _ticks[tail] = ticks;
        _tokens[tail] = tokens;
        _count++;
        _tokenSum += tokens;
    }

    private void Grow()
    {
        var ticks = new long[_ticks.Length * 2];
        var tokens = new long[_tokens.Length * 2];
        for (var i = 0; i < _count; i++)
        {
            ticks[i] = At(i);
            tokens[i] = TokensAt(i);
        }

        _ticks = ticks;
        _tokens = tokens;
        _head = 0;
    }
}
