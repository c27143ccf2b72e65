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

    /// <summary>How long the upstream takes to answer; none unless a spec needs calls in flight.</summary>
    protected virtual LatencyOptions Latency => LatencyOptions.None;

    /// <summary>The upstream every node calls.</summary>
    protected FakeUpstreamServer Upstream { get; private set; } = null!;

    public async Task InitializeAsync() => Upstream = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions
    {
        Limits = new UpstreamLimits { RequestsPerWindow = Limit, Window = Interval },
        Latency = Latency,
        ShutdownTimeout = TimeSpan.FromSeconds(1),
    });

    public async Task DisposeAsync() => await Upstream.DisposeAsync();
}
