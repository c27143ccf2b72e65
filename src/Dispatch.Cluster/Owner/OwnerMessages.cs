namespace Dispatch.Cluster.Owner;

/// <summary>
/// The owner's termination message, sent by its <c>ClusterSingletonManager</c> (same node) when the singleton moves
/// or the node stops: stop granting, hand the window to the successor, stop.
/// </summary>
internal sealed class HandOverAndStop
{
    public static readonly HandOverAndStop Instance = new();

    private HandOverAndStop()
    {
    }
}

/// <summary>
/// A new owner → the lease client on its own node: the predecessor's hand-over, if one came (now, or when it
/// arrives); the lease client gives a hand-over out once.
/// </summary>
internal sealed class TakeHandOver
{
    public static readonly TakeHandOver Instance = new();

    private TakeHandOver()
    {
    }
}
