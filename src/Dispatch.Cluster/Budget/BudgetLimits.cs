namespace Dispatch.Cluster.Budget;

/// <summary>An endpoint's provider limits: at most <see cref="Requests"/> requests and <see cref="Tokens"/> tokens in any window of <see cref="Interval"/>.</summary>
/// <param name="Requests">Requests allowed per window (the provider's RPM for a one-minute interval).</param>
/// <param name="Tokens">
/// Tokens allowed per window (the provider's TPM for a one-minute interval). A provider without a token limit
/// gets a value far above any window's use; zero lets only calls that need no tokens through.
/// </param>
/// <param name="Interval">The window length; whole microseconds are used.</param>
public sealed record BudgetLimits(long Requests, long Tokens, TimeSpan Interval)
{
    /// <summary>The largest request or token limit: the script counts in Lua numbers (doubles), exact up to 2^53.</summary>
    public const long MaxLimit = 1L << 50;

    /// <summary>The interval in microseconds, the script's unit of time.</summary>
    public long IntervalMicros => Interval.Ticks / 10;

    /// <summary>Checks the limits and says which one is wrong and why.</summary>
    /// <param name="endpoint">The endpoint the limits belong to, named in the error.</param>
    /// <returns>This instance, for chaining.</returns>
    /// <exception cref="ArgumentException">A limit is invalid.</exception>
    public BudgetLimits Validate(string endpoint)
    {
        if (Requests > MaxLimit || Tokens > MaxLimit)
            throw new ArgumentException($"Endpoint '{endpoint}': limits above {MaxLimit} cannot be counted exactly by the budget script.", nameof(Requests));
        if (Requests < 1) throw new ArgumentException($"Endpoint '{endpoint}': the request limit must be at least 1, not {Requests}.", nameof(Requests));
        if (Tokens < 0) throw new ArgumentException($"Endpoint '{endpoint}': the token limit must not be negative, not {Tokens}.", nameof(Tokens));
        if (IntervalMicros < 1000) throw new ArgumentException($"Endpoint '{endpoint}': the interval must be at least 1 ms, not {Interval}.", nameof(Interval));
        return this;
    }
}
