namespace Dispatch.Cluster.Budget;

/// <summary>
/// A lease's credits as one node spends them, call by call, without a round trip each. Owned by
/// one actor (not thread safe). Credits can be taken only before the lease's local deadline; when
/// the lease is done, <see cref="SharedBudget.ReturnUnusedAsync"/> shrinks the shared record to what
/// was really used.
/// </summary>
public sealed class LeasedCredits
{
    /// <summary>Wraps a granted lease for <paramref name="endpoint"/>.</summary>
    /// <exception cref="ArgumentException">The lease was not granted.</exception>
    public LeasedCredits(string endpoint, BudgetAcquisition lease)
    {
        ArgumentException.ThrowIfNullOrEmpty(endpoint);
        if (!lease.Granted) throw new ArgumentException($"Only a granted lease holds credits; this one was denied ({lease.Denial}).", nameof(lease));
        Endpoint = endpoint;
        Lease = lease;
        RemainingRequests = lease.Requests;
        RemainingTokens = lease.Tokens;
    }

    /// <summary>The endpoint the credits belong to.</summary>
    public string Endpoint { get; }

    /// <summary>The shared budget's answer this lease came from.</summary>
    public BudgetAcquisition Lease { get; }

    /// <summary>Request credits not yet taken.</summary>
    public long RemainingRequests { get; private set; }

    /// <summary>Token credits not yet taken.</summary>
    public long RemainingTokens { get; private set; }

    /// <summary>Requests taken so far.</summary>
    public long UsedRequests => Lease.Requests - RemainingRequests;

    /// <summary>Tokens used so far: those taken, corrected by <see cref="AdjustTokens"/> once real usage was known.</summary>
    public long UsedTokens { get; private set; }

    /// <summary>Whether the lease was returned; nothing can be taken from it any more.</summary>
    public bool IsClosed { get; private set; }

    /// <summary>Whether a call needing <paramref name="tokens"/> could be taken at <paramref name="nowTimestamp"/>.</summary>
    public bool CanTake(long tokens, long nowTimestamp) =>
        !IsClosed && nowTimestamp < Lease.UseBeforeTimestamp && RemainingRequests >= 1 && tokens <= RemainingTokens;

    /// <summary>Takes one request and <paramref name="tokens"/> tokens, if the lease still has them and has not expired.</summary>
    /// <param name="tokens">The call's estimated tokens.</param>
    /// <param name="nowTimestamp">Now, as <see cref="TimeProvider.GetTimestamp"/> of the clock the budget was made with.</param>
    public bool TryTake(long tokens, long nowTimestamp)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(tokens);
        if (!CanTake(tokens, nowTimestamp)) return false;
        RemainingRequests--;
        RemainingTokens -= tokens;
        UsedTokens += tokens;
        return true;
    }

    /// <summary>Corrects the tokens used by a call once its real usage is known (positive: it used more than estimated).</summary>
    public void AdjustTokens(long delta) => UsedTokens = Math.Max(0, UsedTokens + delta);

    internal void Close() => IsClosed = true;
}
