namespace Dispatch.Cluster.Protocol;

/// <summary>
/// How fast a node may spend a lease (<c>rate-limit.pacing = smooth</c>): its share of the endpoint's paced rate,
/// which its pacer keeps to from the moment the lease arrives. The owner keeps, at every moment, the sum over the
/// nodes of their live leases' rates within the paced rate (the limit in force per window, as standalone's pacer
/// spends it) and the sum of their bursts within the configured burst, so the cluster's grants together are spaced
/// as one node's would be. Pacing only ever delays a grant; the window the owner keeps does not depend on it.
/// </summary>
/// <param name="Requests">Request credits per window (interval plus guard) the node may spend; 0 when requests are unlimited.</param>
/// <param name="Tokens">Token credits per window the node may spend; 0 when tokens are unlimited.</param>
/// <param name="RequestBurst">Request credits the node may spend at once (at least 1).</param>
/// <param name="TokenBurst">Token credits the node may spend at once (at least 1).</param>
internal sealed record LeasePace(long Requests, long Tokens, long RequestBurst, long TokenBurst);
