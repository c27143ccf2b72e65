using System.Text.Json.Serialization;
using Dispatch.Core.Options;

namespace Dispatch.Core.Retry;

/// <summary>How the delay before a retry is randomised.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<RetryJitter>))]
public enum RetryJitter
{
    /// <summary>
    /// Full jitter: a uniform delay in [0, min(max-delay, base-delay × 2^(retry−1))). Spreads
    /// retries of many calls that failed together, so they do not hit the upstream together again.
    /// </summary>
    Full = 0,

    /// <summary>No jitter: exactly min(max-delay, base-delay × 2^(retry−1)). For tests and diagnosis.</summary>
    None,
}

/// <summary>An endpoint's retry policy (configuration key <c>retry</c>).</summary>
public sealed record RetryOptions : OptionsSection
{
    /// <summary>The configuration key of this section under an endpoint.</summary>
    public const string Key = "retry";

    /// <inheritdoc />
    public override string SectionKey => Key;

    /// <summary>Attempts per call, the first included (<c>max-attempts</c>). Default 5; 1 disables retries.</summary>
    public int MaxAttempts { get; init; } = 5;

    /// <summary>The backoff before the first retry, before jitter (<c>base-delay</c>). Default 1 second.</summary>
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The cap on the exponential backoff, before jitter (<c>max-delay</c>). Default 60 seconds. A longer <c>Retry-After</c> still wins.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// The longest <c>Retry-After</c> honoured (<c>max-retry-after</c>). Default 60 seconds. A longer one fails
    /// its call at once (<c>RateLimited</c>, the provider's wait in the message) instead of pausing the endpoint for everyone.
    /// </summary>
    public TimeSpan MaxRetryAfter { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How the backoff is randomised (<c>jitter</c>). Default <see cref="RetryJitter.Full"/>.</summary>
    public RetryJitter Jitter { get; init; } = RetryJitter.Full;

    internal override void Check(OptionsErrors errors, string path)
    {
        errors.Positive(path + ".max-attempts", MaxAttempts);
        errors.NonNegative(path + ".base-delay", BaseDelay);
        errors.NonNegative(path + ".max-delay", MaxDelay);
        if (MaxDelay < BaseDelay)
            errors.Add(path + ".max-delay", $"must be >= {path}.base-delay ({BaseDelay}) (was {MaxDelay})");
        errors.Defined(path + ".jitter", Jitter);
        errors.NonNegative(path + ".max-retry-after", MaxRetryAfter);
    }
}
