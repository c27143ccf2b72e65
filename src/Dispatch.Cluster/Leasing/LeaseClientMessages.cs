namespace Dispatch.Cluster.Leasing;

/// <summary>Credit source → lease client (same node): a call is waiting, or the lease runs low; ask the owner.</summary>
internal sealed class LeaseWanted
{
    public static readonly LeaseWanted Instance = new();

    private LeaseWanted()
    {
    }
}

/// <summary>Credit source → lease client (same node): a lease was retired or corrected; its return is due.</summary>
internal sealed class ReturnsPending
{
    public static readonly ReturnsPending Instance = new();

    private ReturnsPending()
    {
    }
}

/// <summary>Credit source → lease client (same node): what the provider's answers taught is due at the owner (<see cref="Protocol.LimitObserved"/>).</summary>
internal sealed class ObservationsDue
{
    public static readonly ObservationsDue Instance = new();

    private ObservationsDue()
    {
    }
}

/// <summary>Credit source → lease client (same node): a 429 here paused the endpoint until <paramref name="Until"/>; tell the owner.</summary>
/// <param name="Until">When the pause ends, by this node's clock.</param>
internal sealed record PauseSeen(DateTimeOffset Until);

/// <summary>
/// <c>CoordinatedShutdown</c> → lease client (same node), before the node leaves the cluster: retire every lease,
/// return them to the owner, take no more; answered with the owner's <see cref="Protocol.QuotaLeft"/>.
/// </summary>
internal sealed class NodeLeaving
{
    public static readonly NodeLeaving Instance = new();

    private NodeLeaving()
    {
    }
}
