namespace Dispatch.Cluster.Protocol;

/// <summary>
/// How fast a node may spend a lease (<c>rate-limit.pacing = smooth</c>): its share of the endpoint's paced rate,
/// which its pacer keeps to from the moment the lease arrives. The owner keeps, at every moment, the sum over the
/// nodes of their live leases' rates within the paced rate (the limit in force per window, as standalone's pacer
/// spends it), the sum of their bursts within the configured burst and the sum of their per-second caps within
/// standalone's cap, so the cluster's grants together are spaced as one node's would be. Pacing only ever delays a
/// grant; the window the owner keeps does not depend on it.
/// </summary>
/// <param name="Requests">Request credits per window (interval plus guard) the node may spend; 0 when requests are unlimited.</param>
/// <param name="Tokens">Token credits per window the node may spend; 0 when tokens are unlimited.</param>
/// <param name="RequestBurst">Request credits the node may spend at once (at least 1).</param>
/// <param name="TokenBurst">Token credits the node may spend at once (at least 1).</param>
/// <param name="RequestCap">
/// Request credits the node may spend in any cap period (a second stretched by the guard's share, with the default burst):
/// its share of standalone's per-second cap. 0 when there is none (an explicit burst, requests unlimited, or a bound).
/// </param>
/// <param name="TokenCap">Token credits the node may spend in any cap period; 0 when there is none.</param>
internal sealed record LeasePace(long Requests, long Tokens, long RequestBurst, long TokenBurst, long RequestCap = 0, long TokenCap = 0);

/// <summary>
/// Owner → lease client (smooth pacing): another node waits for the rate (or per-second cap) lease <paramref name="Lease"/>
/// was granted with, so the rest of that lease goes on as lease <paramref name="Successor"/> at the lower
/// <paramref name="Pace"/>. The node retires <paramref name="Lease"/> at once (its return, sent at once, acknowledges the
/// cut) and spends the successor, until the old lease's deadline, within both the successor's <paramref name="Bound"/>
/// and the old lease's bound and credits: so until that return arrives, the old lease's count at the owner still covers
/// both. A node with no call asking for credits returns the successor unused too; one that no longer holds the old lease
/// returns it unused.
/// </summary>
/// <param name="Endpoint">The endpoint whose quota this is.</param>
/// <param name="Owner">The owner incarnation that granted both leases.</param>
/// <param name="Lease">The lease being cut.</param>
/// <param name="Successor">The number of the lease its rest goes on as.</param>
/// <param name="Requests">Request credits the successor holds at most (what its bound spends in the rest of the span).</param>
/// <param name="Tokens">Token credits the successor holds at most.</param>
/// <param name="Pace">The node's new rate, burst and per-second cap (its pacer's, from the cut's arrival).</param>
/// <param name="Bound">What the node may spend of the successor at most, from the cut's arrival (as <see cref="LeaseGranted.Bound"/>).</param>
internal sealed record LeaseCut(string Endpoint, long Owner, long Lease, long Successor, int Requests, long Tokens, LeasePace Pace, LeasePace Bound) : IQuotaMessage;
