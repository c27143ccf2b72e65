using System.Text.Json.Serialization;
using Dispatch.Core.Options;

namespace Dispatch.Core.Breaker;

/// <summary>What happens to calls while an endpoint's breaker is open.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<WhenOpen>))]
public enum WhenOpen
{
    /// <summary>Answer them <c>Rejected/CircuitOpen</c> at once.</summary>
    Reject = 0,

    /// <summary>Keep them queued (deadlines and cancellation still apply) until the breaker lets calls through.</summary>
    Hold,
}

/// <summary>An endpoint's circuit breaker (configuration key <c>breaker</c>).</summary>
public sealed record BreakerOptions : OptionsSection
{
    /// <summary>The configuration key of this section under an endpoint.</summary>
    public const string Key = "breaker";

    /// <inheritdoc />
    public override string SectionKey => Key;

    /// <summary>Consecutive failures that open the breaker (<c>max-failures</c>). Default 5.</summary>
    public int MaxFailures { get; init; } = 5;

    /// <summary>How long the breaker stays open before its first probe (<c>reset-timeout</c>). Default 30 seconds.</summary>
    public TimeSpan ResetTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The cap on the open time, which doubles after each failed probe (<c>max-reset-timeout</c>).
    /// Default 5 minutes.
    /// </summary>
    public TimeSpan MaxResetTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>What happens to calls while open (<c>when-open</c>). Default <see cref="Breaker.WhenOpen.Reject"/>.</summary>
    public WhenOpen WhenOpen { get; init; } = WhenOpen.Reject;

    internal override void Check(OptionsErrors errors, string path)
    {
        errors.Positive(path + ".max-failures", MaxFailures);
        errors.Positive(path + ".reset-timeout", ResetTimeout);
        errors.Positive(path + ".max-reset-timeout", MaxResetTimeout);
        if (MaxResetTimeout < ResetTimeout)
            errors.Add(path + ".max-reset-timeout", $"must be >= {path}.reset-timeout ({ResetTimeout}) (was {MaxResetTimeout})");
        errors.Defined(path + ".when-open", WhenOpen);
    }
}
