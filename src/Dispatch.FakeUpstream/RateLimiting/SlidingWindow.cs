namespace Dispatch.FakeUpstream.RateLimiting;

/// <summary>
/// One API key's admitted requests, oldest first, with their token charges. Keeping every
/// admission in the window (instead of counters per bucket) makes both the limit and the
/// peak counters exact for any window position. The quantized limit (<see cref="RateLimitOptions.EnforcedPer"/>)
/// is checked over the newest part of the same log, and a <see cref="LeakyBucket"/> stands in
/// front when the algorithm asks for one. Every operation holds a short lock and never awaits.
/// </summary>
internal sealed class SlidingWindow
{
    private readonly Lock _gate = new();
    private readonly LeakyBucket _bucket = new();
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

            if (NeverFits(tokens, limits))
                return Describe(nowTicks, window, limits, admitted: false, neverFits: true, retryAfter: TimeSpan.Zero);

            var retryAfter = RetryAfter(nowTicks, window, tokens, limits.RequestsPerWindow, limits.TokensPerWindow, first: 0);
            if (limits.EnforcedPer is { } period)
            {
                var (requestLimit, tokenLimit) = Quantized(limits, period);
                var quantized = RetryAfter(nowTicks, period.Ticks, tokens, requestLimit, tokenLimit, FirstAfter(nowTicks - period.Ticks));
                if (quantized > retryAfter) retryAfter = quantized;
            }

            if (limits.Algorithm == LimitAlgorithm.LeakyBucket)
            {
                var leaky = _bucket.RetryAfter(nowTicks, tokens, limits);
                if (leaky > retryAfter) retryAfter = leaky;
            }

            if (retryAfter > TimeSpan.Zero)
                return Describe(nowTicks, window, limits, admitted: false, neverFits: false, retryAfter);

            if (limits.Algorithm == LimitAlgorithm.LeakyBucket) _bucket.Take(nowTicks, tokens, limits);
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

    /// <summary>
    /// Zero when the request fits the log from <paramref name="first"/> on (the admissions of the last
    /// <paramref name="window"/>); otherwise when the oldest admissions in its way expire.
    /// </summary>
    private TimeSpan RetryAfter(long nowTicks, long window, long tokens, long? requestLimit, long? tokenLimit, int first)
    {
        var waitUntil = long.MinValue;
        var count = _count - first;
        if (requestLimit is { } requests && count + 1 > requests)
        {
            // The (count - limit + 1) oldest admissions must leave; the last of them decides.
            var mustLeave = (int)Math.Min(count, count + 1 - requests);
            waitUntil = Math.Max(waitUntil, At(first + mustLeave - 1) + window);
        }

        if (tokenLimit is { } tokenCap)
        {
            var sum = first == 0 ? _tokenSum : TokensFrom(first);
            if (sum + tokens > tokenCap)
            {
                for (var i = first; i < _count; i++)
                {
                    sum -= TokensAt(i);
                    if (sum + tokens <= tokenCap)
                    {
                        waitUntil = Math.Max(waitUntil, At(i) + window);
                        break;
                    }
                }
            }
        }

        return waitUntil == long.MinValue ? TimeSpan.Zero : TimeSpan.FromTicks(Math.Max(1, waitUntil - nowTicks));
    }

    /// <summary>Whether the request alone exceeds a whole window's, period's or bucket's tokens.</summary>
    private static bool NeverFits(long tokens, RateLimitOptions limits)
    {
        if (limits.TokensPerWindow is not { } tokenLimit) return false;
        if (tokens > tokenLimit) return true;
        if (limits.EnforcedPer is { } period && tokens > Quantized(limits, period).Tokens) return true;
        return limits.Algorithm == LimitAlgorithm.LeakyBucket && tokens > LeakyBucket.TokenCapacity(limits);
    }

    /// <summary>The limits per <paramref name="period"/>: the window's scaled down, at least 1.</summary>
    private static (long? Requests, long? Tokens) Quantized(RateLimitOptions limits, TimeSpan period)
    {
        var share = (double)period.Ticks / limits.Window.Ticks;
        return (
            limits.RequestsPerWindow is { } r ? Math.Max(1, (long)(r * share)) : null,
            limits.TokensPerWindow is { } t ? Math.Max(1, (long)(t * share)) : null);
    }

    /// <summary>The index of the oldest admission after <paramref name="ticks"/>.</summary>
    private int FirstAfter(long ticks)
    {
        var first = _count;
        while (first > 0 && At(first - 1) > ticks) first--;
        return first;
    }

    private long TokensFrom(int first)
    {
        long sum = 0;
        for (var i = first; i < _count; i++) sum += TokensAt(i);
        return sum;
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
