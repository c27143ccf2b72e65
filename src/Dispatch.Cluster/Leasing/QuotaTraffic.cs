namespace Dispatch.Cluster.Leasing;

/// <summary>Counts the quota messages one node's lease client sent to and received from the owner.</summary>
internal sealed class QuotaTraffic
{
    private long _sent;
    private long _received;

    /// <summary>Lease requests, returns and pause reports sent.</summary>
    public long Sent => Interlocked.Read(ref _sent);

    /// <summary>Grants and pauses received.</summary>
    public long Received => Interlocked.Read(ref _received);

    public void CountSent() => Interlocked.Increment(ref _sent);

    public void CountReceived() => Interlocked.Increment(ref _received);
}
