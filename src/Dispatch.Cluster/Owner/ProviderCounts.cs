namespace Dispatch.Cluster.Owner;

/// <summary>
/// What the provider had counted of the calls of every node, as the nodes report it with their readings
/// (<see cref="Protocol.LimitObserved.CountedRequests"/>): the owner adds it to a reading's <c>remaining</c> to know the
/// provider's limit.
/// </summary>
/// <remarks>
/// The node that reports counts in full: its count is of now. Another node's count is older, and its calls leave the
/// provider's window at times the owner does not know; only those of the last half of its interval
/// (<see cref="Protocol.LimitObserved.RecentRequests"/>) are sure to be counted still, for half an interval after the
/// count came, so only those count, and only that long. The sum errs low, never high: a lower limit costs some of the
/// rate, a higher one would cost 429s. Time is passed in; not thread-safe (the owner's).
/// </remarks>
internal sealed class ProviderCounts
{
    private readonly TimeSpan _interval;
    private readonly Dictionary<string, (long Requests, long Tokens, DateTimeOffset At)> _recent = new(StringComparer.Ordinal);

    /// <param name="interval">The provider's interval (the rate limit's).</param>
    public ProviderCounts(TimeSpan interval)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        _interval = interval;
    }

    /// <summary>
    /// What the provider counts of all nodes' calls when <paramref name="node"/> reports its count: that count in full,
    /// and the recent part of every other node's latest count if it is less than half an interval old. Keeps the recent
    /// part of this one for the next.
    /// </summary>
    /// <param name="node">The reporting node's address.</param>
    /// <param name="counted">Its calls the provider counted in its interval, and their tokens.</param>
    /// <param name="recent">Of those, the ones of the last half of the interval.</param>
    /// <param name="now">The current time.</param>
    public (long Requests, long Tokens) Report(string node, (long Requests, long Tokens) counted, (long Requests, long Tokens) recent, DateTimeOffset now)
    {
        _recent[node] = (recent.Requests, recent.Tokens, now);
        var (requests, tokens) = counted;
        foreach (var (other, count) in _recent.ToArray())
        {
            if (now - count.At >= _interval / 2)
            {
                _recent.Remove(other);
                continue;
            }

            if (other == node) continue;
            requests += count.Requests;
            tokens += count.Tokens;
        }

        return (requests, tokens);
    }
}
