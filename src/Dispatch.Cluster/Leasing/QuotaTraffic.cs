namespace Dispatch.Cluster.Leasing;

/// <summary>Counts the quota messages one node's lease client sent to and received from the owner.</summary>
internal sealed class QuotaTraffic
{
    private long _sent;
    private long _received;
    private long _grants;
    private long _deferrals;
    private long _loneReturns;

    /// <summary>Lease requests, returns and pause reports sent.</summary>
    public long Sent => Interlocked.Read(ref _sent);

    /// <summary>Grants and pauses received.</summary>
    public long Received => Interlocked.Read(ref _received);

    /// <summary>Leases granted (of <see cref="Received"/>).</summary>
    public long Grants => Interlocked.Read(ref _grants);

    /// <summary>Word that a request waits in line (of <see cref="Received"/>).</summary>
    public long Deferrals => Interlocked.Read(ref _deferrals);

    /// <summary>Returns sent without a lease request to ride with (of <see cref="Sent"/>).</summary>
    public long LoneReturns => Interlocked.Read(ref _loneReturns);

    public void CountSent() => Interlocked.Increment(ref _sent);

    public void CountReceived() => Interlocked.Increment(ref _received);

    public void CountGrant()
    {
        Interlocked.Increment(ref _grants);
        CountReceived();
    }

    public void CountDeferral()
    {
        Interlocked.Increment(ref _deferrals);
        CountReceived();
    }

    public void CountLoneReturn()
    {
        Interlocked.Increment(ref _loneReturns);
        CountSent();
    }
}
