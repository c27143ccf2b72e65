using Dispatch.FakeUpstream;
using Dispatch.FakeUpstream.Latency;
using UpstreamLimits = Dispatch.FakeUpstream.RateLimiting.RateLimitOptions;

namespace Dispatch.Cluster.Tests.Support;

/// <summary>
/// The base of the real-cluster specs: one real upstream whose sliding-window limit is the endpoint's
/// (<see cref="Limit"/> per <see cref="Interval"/>), so its own counters say whether any window was ever over it.
/// </summary>
public abstract class SharedUpstreamSpec : IAsyncLifetime
{
    /// <summary>Requests per interval, at the upstream and at the endpoint alike.</summary>
    protected const int Limit = 240;

    /// <summary>The limit's interval.</summary>
    protected static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);

    /// <summary>
    /// A rate limit's guard for specs that check safety (no 429, no window over the limit) rather than how much
    /// of the limit is used: half the interval, where the default is 2 % (40 ms). The nodes, the upstream and the
    /// test share 2 cores in one process: a garbage collection, or a burst of grants (a new owner's first window)
    /// that keeps both cores busy, holds requests in the upstream's own queue for 0.5–1 s now and then (the thread
    /// pool is seen starved), so the upstream counts them in a later window than the ledger did. A quarter of the
    /// interval was not enough: OwnerLossTests met 7 429s one window after a new owner's first burst.
    /// </summary>
    protected static readonly TimeSpan SafeGuard = Interval / 2;

    /// <summary>How long the upstream takes to answer; none unless a spec needs calls in flight.</summary>
    protected virtual LatencyOptions Latency => LatencyOptions.None;

    /// <summary>The upstream's own limit: <see cref="Limit"/> per <see cref="Interval"/> unless a spec needs another.</summary>
    protected virtual UpstreamLimits UpstreamLimits => new() { RequestsPerWindow = Limit, Window = Interval };

    /// <summary>The upstream every node calls.</summary>
    protected FakeUpstreamServer Upstream { get; private set; } = null!;

    public async Task InitializeAsync() => Upstream = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions
    {
        Limits = UpstreamLimits,
        Latency = Latency,
        ShutdownTimeout = TimeSpan.FromSeconds(1),
    });

    public async Task DisposeAsync() => await Upstream.DisposeAsync();
}
