namespace Dispatch.Cluster.Protocol;

/// <summary>
/// One lease of an owner's window, as it goes to the next owner on a graceful hand-over. Only durations cross the
/// network: a lease that "ends in X" counts from the moment it arrives, so transit only makes it count longer.
/// </summary>
/// <param name="Owner">The incarnation of the owner that granted it.</param>
/// <param name="Lease">Its number there.</param>
/// <param name="Node">The node it was granted to (status only).</param>
/// <param name="Requests">Request credits it counts: all granted, or what was used once returned.</param>
/// <param name="Tokens">Token credits it counts.</param>
/// <param name="Returned">Whether its node returned it (it is no longer being spent).</param>
/// <param name="EndsIn">How long from now its span ends (negative once over: it still counts for one window after).</param>
internal sealed record HandedOverLease(long Owner, long Lease, string Node, int Requests, long Tokens, bool Returned, TimeSpan EndsIn);
