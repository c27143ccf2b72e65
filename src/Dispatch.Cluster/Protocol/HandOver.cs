namespace Dispatch.Cluster.Protocol;

/// <summary>
/// Old owner → the lease client on the node it hands over to (its successor, the oldest other member with the
/// role): its whole window, taken when it stopped granting for good, on a graceful hand-over (its node leaves).
/// The lease client gives it, once, to the owner that starts on its node within one window and one lease span
/// of its arrival; that owner takes it over (<see cref="Owner.QuotaLedger.TakeOver"/>) if it has granted nothing,
/// and grants from when its predecessor could instead of waiting a window. Only durations cross the network:
/// a lease that "ends in X" counts from the moment it arrives, so transit only makes it count longer.
/// </summary>
/// <param name="Endpoint">The endpoint whose quota this is.</param>
/// <param name="Owner">The incarnation of the owner that handed over (returns of its leases name it).</param>
/// <param name="From">The address of the node it ran on.</param>
/// <param name="Successor">The address of the node it hands over to.</param>
/// <param name="GrantingIn">How long from now until it could have granted (zero when it already could).</param>
/// <param name="PausedFor">How long a 429's pause still holds (zero for none).</param>
/// <param name="Leases">Every lease its window holds.</param>
/// <param name="RequestsInForce">The request limit it granted from (learned from the provider); <see langword="null"/> for the configured one.</param>
/// <param name="TokensInForce">The token limit it granted from; <see langword="null"/> for the configured one.</param>
internal sealed record QuotaHandOver(
    string Endpoint,
    long Owner,
    string From,
    string Successor,
    TimeSpan GrantingIn,
    TimeSpan PausedFor,
    HandedOverLease[] Leases,
    long? RequestsInForce = null,
    long? TokensInForce = null) : IQuotaMessage;

/// <summary>One lease of a handed-over window.</summary>
/// <param name="Owner">The incarnation of the owner that granted it.</param>
/// <param name="Lease">Its number there.</param>
/// <param name="Node">The node it was granted to (status only).</param>
/// <param name="Requests">Request credits it counts: all granted, or what was used once returned.</param>
/// <param name="Tokens">Token credits it counts.</param>
/// <param name="Returned">Whether its node returned it (it is no longer being spent).</param>
/// <param name="EndsIn">How long from now its span ends (negative once over: it still counts for one window after).</param>
/// <param name="Pace">The rate, burst and cap its node was granted with it (smooth pacing), which the next owner counts until the span ends.</param>
/// <param name="Bound">What its node may spend of it at most, as rate and burst (<see cref="LeaseGranted.Bound"/>; a rate of 0 for a kind counted in full); <see langword="null"/>: counted in full.</param>
internal sealed record HandedOverLease(long Owner, long Lease, string Node, int Requests, long Tokens, bool Returned, TimeSpan EndsIn, LeasePace? Pace = null, LeasePace? Bound = null);

/// <summary>
/// Old owner → lease client, on a hand-over: request <paramref name="RequestId"/> waited in line and will not be
/// granted by this owner; ask the next one now (its returns were applied and are in the handed-over window).
/// </summary>
/// <param name="Endpoint">The endpoint whose quota this is.</param>
/// <param name="RequestId">The request that was waiting.</param>
internal sealed record LeaseRequestDropped(string Endpoint, long RequestId) : IQuotaMessage;
