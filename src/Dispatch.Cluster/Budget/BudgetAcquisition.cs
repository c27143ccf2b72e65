namespace Dispatch.Cluster.Budget;

/// <summary>Why the shared budget did not grant.</summary>
public enum BudgetDenial
{
    /// <summary>It granted.</summary>
    None,
    /// <summary>The window's requests or tokens are used up; <see cref="BudgetAcquisition.RetryAfter"/> says when enough frees up.</summary>
    Exhausted,
    /// <summary>The endpoint is cooling down after a 429; <see cref="BudgetAcquisition.RetryAfter"/> is the rest of the pause.</summary>
    Paused,
    /// <summary>The request asks for more than the limits allow in a whole window; it can never be granted.</summary>
    ExceedsLimits,
    /// <summary>
    /// Redis started too recently to know every grant still in the window (see
    /// <see cref="SharedBudgetOptions.GuardAgainstRedisRestart"/>); <see cref="BudgetAcquisition.RetryAfter"/> says when it will.
    /// </summary>
    RedisRestarted,
}

/// <summary>The answer of the shared budget to an acquisition or a lease.</summary>
/// <param name="Denial">Why it was not granted, or <see cref="BudgetDenial.None"/>.</param>
/// <param name="GrantId">The grant's id, for <see cref="SharedBudget.ReconcileAsync"/>; empty when denied.</param>
/// <param name="Requests">The request credits granted (for a lease, up to the maximum asked for).</param>
/// <param name="Tokens">The token credits granted.</param>
/// <param name="RetryAfter">When denied, how long until the same request can succeed (zero when granted).</param>
/// <param name="GrantedAtMicros">The Redis server's time of the decision, in microseconds since the Unix epoch.</param>
/// <param name="CountedUntilMicros">The end of the span the grant is counted for (server µs): the grant time, or the lease's end.</param>
/// <param name="UseBeforeTimestamp">
/// The local deadline (a <see cref="TimeProvider.GetTimestamp"/> value) for spending a lease's credits: taken before
/// the request was sent, so it falls before the lease's end on the server's clock. Credits must not be spent after it.
/// </param>
public readonly record struct BudgetAcquisition(
    BudgetDenial Denial,
    string GrantId,
    long Requests,
    long Tokens,
    TimeSpan RetryAfter,
    long GrantedAtMicros,
    long CountedUntilMicros,
    long UseBeforeTimestamp)
{
    /// <summary>Whether the credits were granted.</summary>
    public bool Granted => Denial == BudgetDenial.None;
}
