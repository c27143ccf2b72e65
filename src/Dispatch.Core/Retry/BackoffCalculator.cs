namespace Dispatch.Core.Retry;

/// <summary>
/// Exponential backoff with optional full jitter: before retry <c>k</c> (1-based) the delay is
/// uniform in [0, min(max-delay, base-delay × 2^(k−1))).
/// </summary>
/// <remarks>
/// Full jitter (rather than a fixed or "equal" jitter) spreads out calls that failed together
/// the most, so an upstream that just recovered is not hit by a synchronized wave. Randomness
/// comes from the injected <see cref="Random"/> so tests can seed it. Not thread-safe, like
/// <see cref="Random"/>: one per owner.
/// </remarks>
public sealed class BackoffCalculator
{
    private readonly RetryOptions _options;
    private readonly Random _random;

    /// <summary>Creates a calculator.</summary>
    /// <param name="options">Base delay, cap and jitter; validated here.</param>
    /// <param name="random">The source of jitter.</param>
    public BackoffCalculator(RetryOptions options, Random random)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(random);
        options.Validate();
        _options = options;
        _random = random;
    }

    /// <summary>The delay before a retry, before jitter: min(max-delay, base-delay × 2^(retry−1)).</summary>
    /// <param name="retry">Which retry (1 for the second attempt).</param>
    public TimeSpan Ceiling(int retry)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(retry, 1);

        var ticks = _options.BaseDelay.Ticks;
        if (ticks == 0) return TimeSpan.Zero;

        // Compare before shifting so a large retry number cannot overflow: base × 2^e > cap
        // exactly when base > ⌊cap / 2^e⌋.
        var exponent = Math.Min(retry - 1, 62);
        return ticks > _options.MaxDelay.Ticks >> exponent ? _options.MaxDelay : TimeSpan.FromTicks(ticks << exponent);
    }

    /// <summary>The delay before a retry: <see cref="Ceiling"/> with the configured jitter applied.</summary>
    /// <param name="retry">Which retry (1 for the second attempt).</param>
    public TimeSpan Delay(int retry)
    {
        var ceiling = Ceiling(retry);
        return _options.Jitter == RetryJitter.Full
            ? TimeSpan.FromTicks((long)(_random.NextDouble() * ceiling.Ticks))
            : ceiling;
    }
}
