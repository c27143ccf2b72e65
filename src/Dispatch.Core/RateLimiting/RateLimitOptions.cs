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

    internal override void Check(OptionsErrors errors, string path)
    {
        if (Requests is { } requests) errors.Positive(path + ".requests", requests);
        if (Tokens is { } tokens) errors.Positive(path + ".tokens", tokens);
        errors.Positive(path + ".interval", Interval);
    }
}
