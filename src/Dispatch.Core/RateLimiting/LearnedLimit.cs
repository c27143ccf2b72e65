namespace Dispatch.Core.RateLimiting;

/// <summary>
/// One kind of credit's limit in force, learned from the provider: never above the configured
/// limit, lowered by what the provider's headers report (believed until the reported reset) and by
/// repeated 429s (multiplicative decrease, then additive increase while calls succeed).
/// </summary>
/// <remarks>
/// <para>
/// <b>Headers.</b> A response saying <c>remaining</c> credits are left, for a call whose grant had
/// <c>used</c> of our grants in the window before and including it, means the provider allows
/// <c>used + remaining</c> per window: the ledger's own sum plus what is left. That, or the
/// reported limit if lower, is believed until the reported reset, and every later response
/// refreshes it. A report at or above the configured limit clears it. Calls race to the provider,
/// so grants made after the reporting call's may have been counted before it: a <c>remaining</c> that
/// those explain (it would reach the limit if they had all arrived first) lowers nothing, else a
/// correctly configured endpoint would lose up to its concurrency's worth of credits per window.
/// </para>
/// <para>
/// <b>429s without headers.</b> A 429 for a call granted after the last decrease cuts the limit to
/// <see cref="DecreaseFactor"/> of what is in force (the 429s of calls granted earlier were sent at the
/// old rate and say nothing new). The limit then holds for <see cref="HoldWindows"/> windows without a
/// 429 and afterwards rises by <see cref="IncreaseShare"/> of the configured limit per window's worth
/// of successful calls, so it recovers if the provider's limit went back up.
/// </para>
/// Time is passed in as ticks; not thread-safe (the rate limiter's).
/// </remarks>
internal sealed class LearnedLimit
{
    /// <summary>What a decrease keeps of the limit in force.</summary>
    public const double DecreaseFactor = 0.7;

    /// <summary>Windows after a decrease before the limit may rise again.</summary>
    public const int HoldWindows = 30;

    /// <summary>The share of the configured limit regained per window of successes.</summary>
    public const double IncreaseShare = 0.05;

    private readonly long _windowTicks;
    private long? _reported;
    private long _reportedUntil;
    private double _adaptive;
    private long _decreasedAfterGrant = long.MinValue;
    private long _holdUntil = long.MinValue;

    /// <param name="configured">The configured limit per window; the ceiling.</param>
    /// <param name="window">The window the limit counts over.</param>
    public LearnedLimit(long configured, TimeSpan window)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(configured, 1);
        Configured = configured;
        _windowTicks = window.Ticks;
        _adaptive = configured;
    }

    /// <summary>The configured limit.</summary>
    public long Configured { get; }

    /// <summary>The limit in force at <paramref name="nowTicks"/>: the lowest of the configured, the reported (until its reset) and the adaptive one; at least 1.</summary>
    public long InForce(long nowTicks)
    {
        var limit = Math.Min(Configured, (long)_adaptive);
        if (_reported is { } reported && nowTicks < _reportedUntil) limit = Math.Min(limit, reported);
        return Math.Max(1, limit);
    }

    /// <summary>Believes a response's headers.</summary>
    /// <param name="limit">The reported limit, if any.</param>
    /// <param name="remaining">The reported remaining credits, if any.</param>
    /// <param name="used">Our credits in the window up to and including the reporting call's grant.</param>
    /// <param name="reset">The reported time until the budget is whole; <see langword="null"/> for one window.</param>
    /// <param name="nowTicks">The current time.</param>
    /// <param name="usedAtMost">
    /// Our credits the provider may have counted when it answered: <paramref name="used"/> and the grants made after the
    /// reporting call's that may have reached it first, and those a little older than its interval that arrived within it;
    /// <see langword="null"/>: <paramref name="used"/>.
    /// </param>
    public void Report(long? limit, long? remaining, long used, TimeSpan? reset, long nowTicks, long? usedAtMost = null)
    {
        if (limit is null && remaining is null) return;
        var reference = Math.Min(Configured, limit ?? long.MaxValue);
        long estimate;
        if (remaining is not { } left || left + used >= reference) estimate = reference;
        // Below the limit even if every later grant of ours had reached the provider first: it counts others' calls too.
        else if (left + (usedAtMost ?? used) < reference) estimate = left + used;
        // Later grants of ours that reached it first explain what remains: the reported limit stands, or nothing changes.
        else if (limit is { } reported && reported < Configured) estimate = reported;
        else return;

        if (estimate >= Configured)
        {
            _reported = null;
            return;
        }

        _reported = estimate;
        _reportedUntil = nowTicks + Math.Max(reset?.Ticks ?? _windowTicks, 1);
    }

    /// <summary>A 429 without usable headers for the call granted as <paramref name="grant"/>.</summary>
    /// <param name="grant">The throttled call's grant sequence number.</param>
    /// <param name="latestGrant">The sequence number of the latest grant made so far.</param>
    /// <param name="nowTicks">The current time.</param>
    public void Throttled(long grant, long latestGrant, long nowTicks)
    {
        _holdUntil = nowTicks + HoldWindows * _windowTicks;
        if (grant <= _decreasedAfterGrant) return;
        _adaptive = Math.Max(1, InForce(nowTicks) * DecreaseFactor);
        _decreasedAfterGrant = latestGrant;
    }

    /// <summary>A call succeeded: past the hold, the adaptive limit creeps back towards the configured one.</summary>
    /// <param name="nowTicks">The current time.</param>
    public void Succeeded(long nowTicks)
    {
        if (nowTicks < _holdUntil || _adaptive >= Configured) return;
        // About one success per credit per window, so a window of them adds IncreaseShare of the configured limit.
        _adaptive = Math.Min(Configured, _adaptive + IncreaseShare * Configured / Math.Max(1, _adaptive));
    }
}
