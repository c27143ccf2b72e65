namespace Dispatch.Core.RateLimiting;

/// <summary>
/// The standalone credit source: a sliding log of grants that enforces "in every window of
/// one interval, granted requests ≤ limit and granted tokens ≤ limit" exactly.
/// </summary>
/// <remarks>
/// <para>
/// <b>Algorithm.</b> Every grant is logged with its time, requests and tokens. A grant at
/// time <c>t</c> is made only if the grants logged in <c>(t − interval, t]</c> plus this one
/// stay within both limits. Credits "replenish" as grants age out of the window: a grant made
/// at <c>g</c> stops counting at <c>g + interval</c>, which is exactly when its credits can
/// be re-granted, so the next possible grant time is known to the tick and the owner's timer
/// can be set for that instant rather than polling.
/// </para>
/// <para>
/// <b>Why it holds in every window.</b> Take any window <c>(s − interval, s]</c> and let
/// <c>g</c> be the last grant made in it, at time <c>t ≤ s</c>. Every grant in the window
/// happened in <c>(s − interval, t] ⊆ (t − interval, t]</c>, and since time never runs
/// backwards here (an earlier <c>now</c> is treated as the latest seen), all of them were
/// already logged when <c>g</c> was checked. That check bounded the log's sum, <c>g</c>
/// included, by the limit, so the window's sum is bounded too. A fixed-window or token
/// bucket counter allows up to twice the limit across a window boundary; the log does not.
/// </para>
/// <para>
/// <b>Guard.</b> The ledger enforces the window <see cref="RateLimitOptions.Window"/>: the
/// interval plus a small guard (<see cref="RateLimitOptions.Guard"/>). Limits held over every
/// longer window hold over every window of one interval too; the guard only absorbs the
/// difference between when a call is granted here and when the provider counts its arrival.
/// </para>
/// <para>
/// <b>Reconciliation.</b> <see cref="Reconcile"/> rewrites a logged grant's tokens to the
/// real usage, at the grant's original time (when the upstream counted it). A refund frees
/// budget at once. An extra charge cannot un-grant anything, so the log may then hold more
/// than the limit; no further grant is made until enough ages out, which keeps the excess
/// to the estimation error and stops it compounding. A grant that has already left the
/// window needs no correction.
/// </para>
/// <para>
/// Cost: memory is one entry per grant in the window (at most the request limit; with
/// only a token limit, the grants one interval holds). The
/// grant path is O(log n) amortized and allocates nothing; the log is a ring buffer that only
/// grows when it is full, its requests and tokens kept in <see cref="RingSums"/> so that neither
/// a correction nor a refusal's "when is enough freed" walks the window, which at a provider's real
/// limits holds tens of thousands of grants. When both limits are unlimited nothing is logged. Not
/// thread-safe: owned by the rate limiter actor.
/// </para>
/// </remarks>
public sealed class SlidingWindowLedger : ICreditSource
{
    private readonly long _intervalTicks;
    private long[] _times;
    private readonly RingSums _requests;
    private readonly RingSums _tokens;
    private int _head;
    private int _count;
    private long _headId = 1;
    private long _requestSum;
    private long _tokenSum;
    private long _latestTicks = long.MinValue;
    private long _pausedUntilTicks = long.MinValue;
    private long? _requestsInForce;
    private long? _tokensInForce;

    /// <summary>Creates an empty ledger for these limits.</summary>
    /// <param name="options">The limits; validated here.</param>
    public SlidingWindowLedger(RateLimitOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        RequestLimit = options.Requests;
        TokenLimit = options.Tokens;
        Interval = options.Interval;
        // The guard widens the window the ledger enforces; the provider's own window is Interval.
        _intervalTicks = options.Window.Ticks;
        var initial = (int)Math.Clamp(options.Requests ?? 64, 1, 4096);
        _times = new long[initial];
        _requests = new RingSums(initial);
        _tokens = new RingSums(initial);
        _requestsInForce = RequestLimit;
        _tokensInForce = TokenLimit;
    }

    /// <inheritdoc />
    public long? RequestLimit { get; }

    /// <inheritdoc />
    public long? TokenLimit { get; }

    /// <summary>The window the limits apply to.</summary>
    public TimeSpan Interval { get; }

    private bool Unlimited => RequestLimit is null && TokenLimit is null;

    /// <inheritdoc />
    public CreditAttempt TryAcquire(int requests, long tokens, DateTimeOffset now)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(requests, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(tokens);
        if (requests > RequestLimit || tokens > TokenLimit) return CreditAttempt.NotBefore(DateTimeOffset.MaxValue);

        var ticks = Advance(now);
        if (ticks < _pausedUntilTicks) return CreditAttempt.NotBefore(At(_pausedUntilTicks));
        if (Unlimited) return CreditAttempt.Grant(0);

        // A call larger than a lowered token limit still fits an empty enough window.
        var requestExcess = _requestSum + requests - (_requestsInForce ?? long.MaxValue);
        var tokenExcess = _tokenSum + tokens - Math.Max(_tokensInForce ?? long.MaxValue, tokens);
        // An unlimited kind has nothing to free; 0 reads as "satisfied" in FreedAt.
        if (RequestLimit is null) requestExcess = 0;
        if (TokenLimit is null) tokenExcess = 0;
        if (requestExcess > 0 || tokenExcess > 0) return CreditAttempt.NotBefore(At(FreedAt(requestExcess, tokenExcess)));

        return CreditAttempt.Grant(Append(ticks, requests, tokens));
    }

    /// <inheritdoc />
    public bool Reconcile(long grantId, long actualTokens, DateTimeOffset now)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(actualTokens);
        Advance(now);
        var offset = grantId - _headId;
        if (offset < 0 || offset >= _count) return false;

        var index = Slot(offset);
        _tokenSum += actualTokens - _tokens[index];
        _tokens.Set(index, actualTokens);
        return true;
    }

    /// <inheritdoc />
    public void PauseUntil(DateTimeOffset until) => _pausedUntilTicks = Math.Max(_pausedUntilTicks, until.UtcTicks);

    /// <inheritdoc />
    public CreditBalance Available(DateTimeOffset now)
    {
        var ticks = Advance(now);
        return new CreditBalance(
            _requestsInForce is { } requests ? Math.Max(0, requests - _requestSum) : null,
            _tokensInForce is { } tokens ? Math.Max(0, tokens - _tokenSum) : null,
            ticks < _pausedUntilTicks ? At(_pausedUntilTicks) : null,
            _requestsInForce,
            _tokensInForce);
    }

    /// <inheritdoc />
    /// <remarks>
    /// A lower limit holds back grants until the window's sum is under it; grants already made
    /// stay, as with an extra reconciled charge. Never above the configured limits.
    /// </remarks>
    public void LimitTo(long? requests, long? tokens)
    {
        _requestsInForce = RequestLimit is { } configuredRequests ? Math.Clamp(requests ?? configuredRequests, 1, configuredRequests) : null;
        _tokensInForce = TokenLimit is { } configuredTokens ? Math.Clamp(tokens ?? configuredTokens, 1, configuredTokens) : null;
    }

    /// <summary>Moves the clock to <paramref name="now"/> (never backwards) and drops grants that left the window.</summary>
    private long Advance(DateTimeOffset now)
    {
        // A clock that steps back must not re-open a window that already closed: the proof
        // above needs grants checked in time order.
        _latestTicks = Math.Max(_latestTicks, now.UtcTicks);
        var cutoff = _latestTicks - _intervalTicks;
        while (_count > 0 && _times[_head] <= cutoff)
        {
            _requestSum -= _requests[_head];
            _tokenSum -= _tokens[_head];
            _head = (_head + 1) % _times.Length;
            _count--;
            _headId++;
        }

        return _latestTicks;
    }

    /// <summary>The earliest time enough of the oldest grants have aged out to free the given excess.</summary>
    private long FreedAt(long requestExcess, long tokenExcess)
    {
        var grants = Math.Max(_requests.Reach(_head, requestExcess), _tokens.Reach(_head, tokenExcess));
        // Unreachable for a request within the limits: ageing out everything frees the whole limit.
        return grants <= _count ? _times[Slot(grants - 1)] + _intervalTicks : long.MaxValue;
    }

    private long Append(long ticks, int requests, long tokens)
    {
        if (_count == _times.Length) Grow();
        var index = Slot(_count);
        _times[index] = ticks;
        _requests.Set(index, requests);
        _tokens.Set(index, tokens);
        _count++;
        _requestSum += requests;
        _tokenSum += tokens;
        return _headId + _count - 1;
    }

    private void Grow()
    {
        _times = Ring.Doubled(_times, _head, _count);
        _requests.Grow(_head, _count);
        _tokens.Grow(_head, _count);
        _head = 0;
    }

    private int Slot(long offset) => (int)((_head + offset) % _times.Length);

    private static DateTimeOffset At(long ticks) =>
        ticks >= DateTimeOffset.MaxValue.UtcTicks ? DateTimeOffset.MaxValue : new DateTimeOffset(ticks, TimeSpan.Zero);
}
