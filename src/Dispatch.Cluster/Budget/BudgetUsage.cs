namespace Dispatch.Cluster.Budget;

/// <summary>An endpoint's shared budget as every node sees it: what the grants still in the window count, and any pause.</summary>
/// <param name="Limits">The endpoint's limits.</param>
/// <param name="Requests">Requests counted in the current window (a lease counts in full until it is returned).</param>
/// <param name="Tokens">Tokens counted in the current window.</param>
/// <param name="PausedFor">How much longer a 429 pauses the endpoint; zero when it is not paused.</param>
public sealed record BudgetUsage(BudgetLimits Limits, long Requests, long Tokens, TimeSpan PausedFor)
{
    /// <summary>Request credits any node could still be granted now.</summary>
    public long RequestsLeft => Math.Max(0, Limits.Requests - Requests);

    /// <summary>Token credits any node could still be granted now.</summary>
    public long TokensLeft => Math.Max(0, Limits.Tokens - Tokens);
}
