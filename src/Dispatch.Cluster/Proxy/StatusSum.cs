using Dispatch.Core.Protocol;

namespace Dispatch.Cluster.Proxy;

/// <summary>The status of the dispatch nodes a proxy sends to, as one: counts and credits added up, the worst breaker.</summary>
internal static class StatusSum
{
    /// <summary>Every endpoint's snapshots from every node, combined per endpoint (in name order).</summary>
    public static DispatchStatus Of(IEnumerable<DispatchStatus> nodes, DateTimeOffset at) => new(
        at,
        nodes.SelectMany(n => n.Endpoints)
            .GroupBy(s => s.Endpoint, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => Of(g.Key, g, at))
            .ToArray());

    /// <summary>One endpoint's snapshots from every node, combined.</summary>
    public static StatusSnapshot Of(string endpoint, IEnumerable<StatusSnapshot> nodes, DateTimeOffset at) =>
        nodes.Aggregate(new StatusSnapshot(endpoint, at) { RequestCreditsLeft = 0, TokenCreditsLeft = 0 }, (sum, node) => sum with
        {
            QueueDepth = sum.QueueDepth + node.QueueDepth,
            InFlight = sum.InFlight + node.InFlight,
            WaitingForCredits = sum.WaitingForCredits + node.WaitingForCredits,
            // Unlimited anywhere is unlimited.
            RequestCreditsLeft = sum.RequestCreditsLeft + node.RequestCreditsLeft,
            TokenCreditsLeft = sum.TokenCreditsLeft + node.TokenCreditsLeft,
            Breaker = Severity(node.Breaker) > Severity(sum.Breaker) ? node.Breaker : sum.Breaker,
            Counters = Add(sum.Counters, node.Counters),
        });

    private static CallCounters Add(CallCounters a, CallCounters b) => new()
    {
        Completed = a.Completed + b.Completed,
        Failed = a.Failed + b.Failed,
        Rejected = a.Rejected + b.Rejected,
        Cancelled = a.Cancelled + b.Cancelled,
        TimedOut = a.TimedOut + b.TimedOut,
        FromCache = a.FromCache + b.FromCache,
        Retries = a.Retries + b.Retries,
        RateLimited = a.RateLimited + b.RateLimited,
    };

    private static int Severity(BreakerState state) => state switch
    {
        BreakerState.Open => 2,
        BreakerState.HalfOpen => 1,
        _ => 0,
    };
}
