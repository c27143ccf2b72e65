using Dispatch.Core.Options;

namespace Dispatch.Core.RateLimiting;

/// <summary>
/// An endpoint's request and token limits (configuration key <c>rate-limit</c>). Set them to
/// the provider's limits: Dispatch guarantees that in every sliding window of
/// <see cref="Interval"/>, granted requests ≤ <see cref="Requests"/> and granted tokens ≤
/// <see cref="Tokens"/>.
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

    internal override void Check(OptionsErrors errors, string path)
    {
        if (Requests is { } requests) errors.Positive(path + ".requests", requests);
        if (Tokens is { } tokens) errors.Positive(path + ".tokens", tokens);
        errors.Positive(path + ".interval", Interval);
        if (Guard is { } guard && (guard < TimeSpan.Zero || guard >= Interval))
        {
            errors.Add(path + ".guard", $"must be at least 0 and shorter than the interval (was {guard})");
        }
    }
}
