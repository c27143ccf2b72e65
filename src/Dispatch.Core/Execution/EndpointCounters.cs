using Dispatch.Core.Protocol;

namespace Dispatch.Core.Execution;

/// <summary>
/// Running totals for one endpoint, fed by final results and attempts; snapshotted into
/// <see cref="CallCounters"/> for status replies. Not thread-safe: actor-confined.
/// </summary>
public sealed class EndpointCounters
{
    private long _completed, _failed, _rejected, _cancelled, _timedOut, _fromCache, _retries, _rateLimited;

    /// <summary>Counts a final result by its status.</summary>
    /// <param name="result">The final result.</param>
    public void Record(APICallResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        switch (result.Status)
        {
            case CallStatus.Completed: _completed++; break;
            case CallStatus.Failed: _failed++; break;
            case CallStatus.Rejected: _rejected++; break;
            case CallStatus.Cancelled: _cancelled++; break;
            case CallStatus.TimedOut: _timedOut++; break;
        }

        if (result.FromCache) _fromCache++;
    }

    /// <summary>Counts an attempt's outcome: a retry when it was not the first, a 429 when rate limited.</summary>
    /// <param name="attemptNumber">Which attempt (1 for the first).</param>
    /// <param name="outcome">The attempt's error kind.</param>
    public void RecordAttempt(int attemptNumber, ErrorKind outcome)
    {
        if (attemptNumber > 1) _retries++;
        if (outcome == ErrorKind.RateLimited) _rateLimited++;
    }

    /// <summary>The totals now.</summary>
    public CallCounters Snapshot() => new()
    {
        Completed = _completed,
        Failed = _failed,
        Rejected = _rejected,
        Cancelled = _cancelled,
        TimedOut = _timedOut,
        FromCache = _fromCache,
        Retries = _retries,
        RateLimited = _rateLimited,
    };
}
