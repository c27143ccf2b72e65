using Dispatch.Core.Options;

namespace Dispatch.Core.RateLimiting;

/// <summary>
/// An endpoint's request and token limits (configuration key <c>rate-limit</c>). Set them to
/// the provider's limits: Dispatch guarantees that in every sliding window of
/// <see cref="Interval"/>, granted requests ≤ <see cref="Requests"/> and granted tokens ≤
/// <see cref="Tokens"/>. Within that, grants are spaced as <see cref="Pacing"/> says, and the
/// limits in force are lowered to what the provider reports (<see cref="LearnFromHeaders"/>) or
/// what its 429s show (<see cref="LearnFrom429s"/>), never raised above the configured ones.
/// </summary>
public sealed record RateLimitOptions : OptionsSection
{
    /// <summary>The configuration key of this section under an endpoint.</summary>
    public const string Key = "rate-limit";

    /// <inheritdoc />
    public override string SectionKey => Key;

    /// <summary>Requests allowed per <see cref="Interval"/> (<c>requests</c>). Default 60; <see langword="null"/> means unlimited.</summary>
    public int? Requests { get; init; } = 60;

    /// <summary>Tokens allowed per <see cref="Interval"/> (<c>tokens</c>). Default <see langword="null"/>: unlimited.</summary>
    public long? Tokens { get; init; }

    /// <summary>The window the limits apply to (<c>interval</c>). Default 1 minute.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How much longer than <see cref="Interval"/> a grant keeps counting (<c>guard</c>), so that
    /// calls granted one interval apart cannot reach the provider less than one interval apart
    /// when the first was delayed on its way (connection set-up, a busy machine). Default
    /// <see langword="null"/>: 2 % of the interval, at most 1 second; zero turns it off.
    /// </summary>
    public TimeSpan? Guard { get; init; }

    /// <summary>The window a grant counts in: <see cref="Interval"/> plus the guard in force.</summary>
    public TimeSpan Window => Interval + (Guard ?? TimeSpan.FromTicks(Math.Min(Interval.Ticks / 50, TimeSpan.TicksPerSecond)));

    /// <summary>
    /// How grants are spread over the interval (<c>pacing</c>). Default <see cref="RateLimitPacing.Smooth"/>:
    /// evenly, at the limits' rate, with at most <see cref="Burst"/> at once, so a provider that
    /// enforces its limit per second or as a leaky bucket sees no burst it would refuse.
    /// </summary>
    public RateLimitPacing Pacing { get; init; } = RateLimitPacing.Smooth;

    /// <summary>
    /// With smooth pacing, the request credits that may go out at once (<c>burst</c>); token credits
    /// get the same share of the token limit. Default <see langword="null"/>: 3 requests (a leaky
    /// bucket of the same rate with a small burst still has room for arrival jitter), and no second
    /// (stretched by the guard's share, for arrival jitter) holding more than a limit enforced per
    /// second allows. An explicit burst is taken as what the provider tolerates, and that per-second
    /// cap is not applied: a little under a leaky bucket's known burst, or about a third of a
    /// per-second limit configured with an <see cref="Interval"/> of one second.
    /// </summary>
    public int? Burst { get; init; }

    /// <summary>
    /// Whether the provider's rate-limit headers lower the limits in force (<c>learn-from-headers</c>).
    /// Default on: fewer remaining credits, or a lower limit, than the ledger believes are believed
    /// until the reported reset. A kind whose reported reset is longer than <see cref="Window"/> is counted
    /// over a longer window than the configured one (a per-minute limit reported while its per-second
    /// quantization is configured) and is not read.
    /// </summary>
    public bool LearnFromHeaders { get; init; } = true;

    /// <summary>
    /// Whether repeated 429s lower the request and token limits in force when the provider sends no
    /// usable headers (<c>learn-from-429s</c>). Default on: multiplicative decrease, then a slow additive
    /// increase while calls succeed, never above <see cref="Requests"/> and <see cref="Tokens"/>.
    /// </summary>
    public bool LearnFrom429s { get; init; } = true;

    /// <summary>The response headers read for <see cref="LearnFromHeaders"/> (<c>headers</c>). Default: OpenAI's and Anthropic's.</summary>
    public RateLimitHeaderNames Headers { get; init; } = RateLimitHeaderNames.Default;

    /// <summary>The request burst a default <see cref="Burst"/> stands for: enough that a kind that is not binding can catch up.</summary>
    internal const int DefaultBurstRequests = 3;

    /// <summary>
    /// The period a default burst's cap counts over: one second (or the interval when shorter) plus the
    /// guard's share of it, so that arrivals that jitter by up to that share still keep to a limit
    /// enforced per second, as the guard keeps the interval's window.
    /// </summary>
    internal TimeSpan CapPeriod => Burst is null ? TimeSpan.FromTicks((long)((Int128)Math.Min(TimeSpan.TicksPerSecond, Interval.Ticks) * Window.Ticks / Interval.Ticks)) : TimeSpan.Zero;

    /// <summary>The paced request burst in force: <see cref="Burst"/>, or its default for <paramref name="limit"/> credits per interval.</summary>
    internal long BurstFor(long limit) => Math.Min(Burst ?? Math.Max(DefaultBurstRequests, Spare(limit)), limit);

    /// <summary>
    /// The paced token burst in force: the request burst's share of the token limit (at least the
    /// guard's share of a second's tokens by default), or without a request limit that share alone.
    /// </summary>
    internal long TokenBurstFor(long tokenLimit)
    {
        if (Requests is not { } requests) return Spare(tokenLimit);
        var share = (long)((Int128)tokenLimit * BurstFor(requests) / requests);
        return Math.Clamp(Math.Max(share, Burst is null ? Spare(tokenLimit) : 1), 1, tokenLimit);
    }

    /// <summary>
    /// The credits a default burst's cap allows in any <see cref="CapPeriod"/>: the limit's share of one
    /// second (or of the interval when shorter), what a provider enforcing the limit per second admits,
    /// rounded up: paced evenly, a share that is not whole (100 a minute: 1.67 a second) puts that share
    /// rounded up into some seconds, and rounding it down would cap the rate below the limit (59 a minute).
    /// </summary>
    internal long PeriodCapFor(long limit)
    {
        if (Burst is not null) return limit;
        var period = Math.Min(TimeSpan.TicksPerSecond, Interval.Ticks);
        return (long)Int128.Clamp(((Int128)limit * period + Interval.Ticks - 1) / Interval.Ticks, 1, limit);
    }

    /// <summary>
    /// The guard's share of one second's credits, at least 1: a provider enforcing the limit per second allows
    /// <c>limit × second / interval</c>, pacing spends <c>limit × second / window</c>, the difference is free.
    /// </summary>
    private long Spare(long limit)
    {
        var period = Math.Min(TimeSpan.TicksPerSecond, Interval.Ticks);
        var spare = (Int128)limit * period * (Window.Ticks - Interval.Ticks) / ((Int128)Interval.Ticks * Window.Ticks);
        return (long)Int128.Clamp(spare, 1, limit);
    }

    internal override void Check(OptionsErrors errors, string path)
    {
        errors.Defined(path + ".pacing", Pacing);
        if (Burst is { } burst) errors.Positive(path + ".burst", burst);
        if (Headers is null) errors.Add(path + ".headers", "must not be null");
        else Headers.Check(errors, path + ".headers");
        if (Requests is { } requests) errors.Positive(path + ".requests", requests);
        if (Tokens is { } tokens) errors.Positive(path + ".tokens", tokens);
        errors.Positive(path + ".interval", Interval);
        if (Guard is { } guard && (guard < TimeSpan.Zero || guard >= Interval))
        {
            errors.Add(path + ".guard", $"must be at least 0 and shorter than the interval (was {guard})");
        }
    }
}
