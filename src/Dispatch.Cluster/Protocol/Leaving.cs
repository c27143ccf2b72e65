namespace Dispatch.Cluster.Protocol;

/// <summary>
/// Lease client → owner, when the node leaves the cluster (Akka's <c>CoordinatedShutdown</c>, after its calls
/// were drained): what its leases really used, all of them retired; the node takes no lease after this. The
/// owner applies the returns, drops the node's request from its line and answers <see cref="QuotaLeft"/>.
/// </summary>
/// <param name="Endpoint">The endpoint whose quota this is.</param>
/// <param name="Returns">What each of the node's leases really used.</param>
internal sealed record LeaveQuota(string Endpoint, LeaseReturn[] Returns) : IQuotaMessage;

/// <summary>
/// Owner → leaving node's lease client: its returns are applied, so the credits it did not use are free for
/// the others. Also published on the leaving node's event stream.
/// </summary>
/// <param name="Endpoint">The endpoint whose quota this is.</param>
/// <param name="Owner">The address of the node hosting the owner.</param>
/// <param name="FreedRequests">Request credits the returns gave back (granted but not used).</param>
/// <param name="FreedTokens">
/// Token credits the returns gave back: the net change to the owner's window, negative when the node's calls
/// really used more tokens than its leases held (their estimates were low, and the excess is charged).
/// </param>
public sealed record QuotaLeft(string Endpoint, string Owner, long FreedRequests, long FreedTokens) : IQuotaMessage;
