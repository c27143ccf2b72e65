namespace Dispatch.Core.RateLimiting;

/// <summary>How an endpoint's grants are spread over its interval (<c>rate-limit.pacing</c>).</summary>
public enum RateLimitPacing
{
    /// <summary>Evenly, at the limits' rate, at most <see cref="RateLimitOptions.Burst"/> at once (a GCRA on the scheduler's clock).</summary>
    Smooth = 0,

    /// <summary>As fast as the sliding window allows: a whole interval's credits may go out at once.</summary>
    Burst,
}
