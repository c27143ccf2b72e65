namespace Dispatch.Cluster.Protocol;

/// <summary>
/// Lease client → owner: credits for this node. The owner answers <see cref="LeaseGranted"/> as soon as at
/// least the minimum is free, and keeps the request in line (one per node, the newest) until then; when the
/// wait outlasts half the node's request timeout it says so (<see cref="LeaseDeferred"/>). With no answer within its request timeout the
/// node asks again. Returns of the node's spent leases ride along.
/// </summary>
/// <param name="Endpoint">The endpoint whose quota this is.</param>
/// <param name="RequestId">Numbers the node's requests; the grant names it, so the node knows when it asked.</param>
/// <param name="MinRequests">Request credits the call waiting at the node needs (1).</param>
/// <param name="MinTokens">Token credits the call waiting at the node needs.</param>
/// <param name="MaxRequests">Request credits the node would like (its lease size).</param>
/// <param name="MaxTokens">Token credits the node would like.</param>
/// <param name="Returns">What the node's finished leases really used, applied before anything is granted.</param>
/// <param name="WantedPace">
/// With smooth pacing, the rate this node would spend at: credits per window of the endpoint's paced kind (requests,
/// or tokens when only tokens are limited), from what it spent lately and whether its pacer held calls back; the owner
/// shares the paced rate out by these. 0 when pacing is off.
/// </param>
internal sealed record RequestLease(
    string Endpoint,
    long RequestId,
    int MinRequests,
    long MinTokens,
    int MaxRequests,
    long MaxTokens,
    LeaseReturn[] Returns,
    long WantedPace = 0) : IQuotaMessage;

/// <summary>
/// What a lease the node will never spend from again really used: the owner shrinks its record to
/// these amounts and ends its span now. Absolute, so sending it twice (or again after a token
/// correction) is harmless; a lease the owner no longer knows (another owner's, or one out of every
/// window) is ignored.
/// </summary>
/// <param name="Owner">The owner incarnation that granted the lease.</param>
/// <param name="Lease">The lease's number there.</param>
/// <param name="UsedRequests">Request credits spent from it.</param>
/// <param name="UsedTokens">Tokens its calls used (estimates corrected by real usage where reported).</param>
internal sealed record LeaseReturn(long Owner, long Lease, int UsedRequests, long UsedTokens);

/// <summary>Lease client → owner: returns that found no lease request to ride with.</summary>
/// <param name="Endpoint">The endpoint whose quota this is.</param>
/// <param name="Returns">What the node's finished leases really used.</param>
internal sealed record ReturnLeases(string Endpoint, LeaseReturn[] Returns) : IQuotaMessage;

/// <summary>
/// Owner → lease client: credits the node may spend until <paramref name="Held"/> + <paramref name="Span"/>
/// after it sent request <paramref name="RequestId"/> (by its own clock). That deadline is never later
/// than the end of the span the owner counts, whatever the clocks of the two machines say, because the
/// request was sent before the owner received it.
/// </summary>
/// <param name="Endpoint">The endpoint whose quota this is.</param>
/// <param name="RequestId">The request this answers.</param>
/// <param name="Owner">The owner incarnation (for the return).</param>
/// <param name="Lease">The lease's number (for the return).</param>
/// <param name="Requests">Request credits granted.</param>
/// <param name="Tokens">Token credits granted.</param>
/// <param name="Held">How long the owner kept the request before granting it.</param>
/// <param name="Span">How long the lease may be spent, counted from the grant.</param>
/// <param name="Pace">With smooth pacing, how fast the node may spend it (and its later leases until the next says otherwise); <see langword="null"/> when pacing is off.</param>
/// <param name="Bound">
/// With smooth pacing, what the node may spend of this lease at most: in any interval, its burst plus its rate times the
/// interval's length (a GCRA of its own from the grant's arrival); the owner counts the lease by that in every window. Its
/// bursts are the pace's, or the call that asked when larger, plus what the rate grants in a timer's lateness.
/// <see langword="null"/>: the lease is counted in full over its span and may be spent at once.
/// </param>
internal sealed record LeaseGranted(
    string Endpoint,
    long RequestId,
    long Owner,
    long Lease,
    int Requests,
    long Tokens,
    TimeSpan Held,
    TimeSpan Span,
    LeasePace? Pace = null,
    LeasePace? Bound = null) : IQuotaMessage;

/// <summary>
/// Owner → lease client: request <paramref name="RequestId"/> has waited in line half the node's request timeout
/// (the window is full, a pause is in force, or a new owner is not granting yet); the grant follows when it can be made. The node then
/// waits up to one window and one lease span more before it asks again.
/// </summary>
/// <param name="Endpoint">The endpoint whose quota this is.</param>
/// <param name="RequestId">The request that waits.</param>
internal sealed record LeaseDeferred(string Endpoint, long RequestId) : IQuotaMessage;
