namespace Dispatch.Cluster.Owner;

/// <summary>
/// What the provider had counted of the calls of every node, as the nodes report it with their readings
/// (<see cref="Protocol.LimitObserved.CountedRequests"/>): the owner adds it to a reading's <c>remaining</c> to know the
/// provider's limit.
/// </summary>
/// <remarks>
/// Each node's latest count is shrunk by the share of the provider's interval that has passed since it came: those calls
/// may have left the provider's window. A node still busy has sent others since, so the sum errs low, never high (a
/// lower limit costs some of the rate; a higher one would cost 429s). Time is passed in; not thread-safe (the owner's).
/// </remarks>
internal sealed class ProviderCounts
{
    private readonly TimeSpan _interval;
    private readonly Dictionary<string, (long Requests, long Tokens, DateTimeOffset At)> _latest = new(StringComparer.Ordinal);

    /// <param name="interval">The provider's interval (the rate limit's).</param>
    public ProviderCounts(TimeSpan interval)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        _interval = interval;
    }

    /// <summary>A node's count, replacing its earlier one.</summary>
    /// <param name="node">The node's address.</param>
    /// <param name="requests">Its calls the provider counted in its interval.</param>
    /// <param name="tokens">Their tokens.</param>
    /// <param name="at">When the count arrived.</param>
    public void Record(string node, long requests, long tokens, DateTimeOffset at) => _latest[node] = (requests, tokens, at);

    /// <summary>What the provider counts of all nodes' calls at <paramref name="now"/>, by their latest counts; forgets counts a whole interval old.</summary>
    /// <param name="now">The current time.</param>
    public (long Requests, long Tokens) Sum(DateTimeOffset now)
    {
        double requests = 0, tokens = 0;
        foreach (var (node, counted) in _latest.ToArray())
        {
            var left = 1 - ((now - counted.At) / _interval);
            if (left <= 0)
            {
                _latest.Remove(node);
                continue;
            }

            requests += counted.Requests * Math.Min(1, left);
            tokens += counted.Tokens * Math.Min(1, left);
        }

        return ((long)requests, (long)tokens);
    }
}
