namespace Dispatch.Cluster.Protocol;

/// <summary>
/// Lease client → owner: what this node learned from the provider's answers since its last report, so the owner
/// applies it to the one quota every node leases from (the same <c>LearnedLimit</c> a standalone endpoint uses).
/// Sent when a reading may lower what the owner believes (a lower reported limit, a 429 without headers) and
/// otherwise at most once per lease span; never one per call. Only durations cross the network: a reset is the time
/// left, measured when the report is sent.
/// </summary>
/// <param name="Endpoint">The endpoint whose quota this is.</param>
/// <param name="RequestLimit">The latest reported request limit, if any.</param>
/// <param name="RemainingRequests">The latest reported remaining requests, if any.</param>
/// <param name="ResetRequests">Time until the provider's request budget is whole again, if reported.</param>
/// <param name="CountedRequests">This node's calls the provider counted in its interval when it reported (answered, not 429).</param>
/// <param name="RecentRequests">Of those, the ones answered in the last half of the interval (still counted for at least half an interval).</param>
/// <param name="TokenLimit">The latest reported token limit, if any.</param>
/// <param name="RemainingTokens">The latest reported remaining tokens, if any.</param>
/// <param name="ResetTokens">Time until the provider's token budget is whole again, if reported.</param>
/// <param name="CountedTokens">The tokens of the calls in <paramref name="CountedRequests"/>.</param>
/// <param name="RecentTokens">The tokens of the calls in <paramref name="RecentRequests"/>.</param>
/// <param name="Throttled">The newest lease a call answered 429 without rate-limit headers was granted from, if any since the last report.</param>
/// <param name="Successes">Calls answered without a 429 since the last report.</param>
internal sealed record LimitObserved(
    string Endpoint,
    long? RequestLimit,
    long? RemainingRequests,
    TimeSpan? ResetRequests,
    long CountedRequests,
    long RecentRequests,
    long? TokenLimit,
    long? RemainingTokens,
    TimeSpan? ResetTokens,
    long CountedTokens,
    long RecentTokens,
    LeaseNumber? Throttled,
    int Successes) : IQuotaMessage
{
    /// <summary>Whether the provider reported any figure (else only 429s and successes are news).</summary>
    public bool HasReading => RequestLimit is not null || RemainingRequests is not null || TokenLimit is not null || RemainingTokens is not null;
}

/// <summary>A lease, as its granting owner numbers it.</summary>
/// <param name="Owner">The owner incarnation that granted it.</param>
/// <param name="Lease">Its number there.</param>
internal sealed record LeaseNumber(long Owner, long Lease);

/// <summary>
/// Owner → every lease client (on the endpoint's pause topic when they change, and to a node the first time it asks):
/// the limits the owner grants from now, lower than the configured ones when learned from the provider. Nodes show
/// them in their status and metrics and report successes only while they are lowered.
/// </summary>
/// <param name="Endpoint">The endpoint whose quota this is.</param>
/// <param name="Requests">Requests per interval in force; <see langword="null"/> when unlimited.</param>
/// <param name="Tokens">Tokens per interval in force; <see langword="null"/> when unlimited.</param>
internal sealed record LimitsInForce(string Endpoint, long? Requests, long? Tokens) : IQuotaMessage;
