using System.Collections.Concurrent;
using Dispatch.Cluster.Tests.Support;
using Dispatch.Core.Protocol;
using Dispatch.Core.RateLimiting;
using Dispatch.FakeUpstream;
using Xunit.Abstractions;
using UpstreamLimits = Dispatch.FakeUpstream.RateLimiting.RateLimitOptions;

namespace Dispatch.Cluster.Tests.Clustering;

/// <summary>
/// Three Dispatch nodes joined into one Akka.Cluster on loopback share one endpoint's limit, which is
/// also the limit of the one real upstream they all call: the upstream's own counters say whether any
/// window was ever over it.
/// </summary>
/// <remarks>
/// The limit is the other specs' rate (120 a second) over a 10 s interval, so the rate limit's default guard
/// (2 % of the interval) is 200 ms: a request that reaches the upstream later than the guard after its grant
/// can meet a 429 however exact the ledger is, and with the nodes, the upstream and the test on 2 cores in one
/// process, 40 ms (2 % of 2 s) was exceeded now and then (CI saw 32 429s after a one-second stall).
/// <para>
/// Burst pacing, as the upstream is a sliding window that needs no spacing: this is issue 12's measure of the leases
/// themselves (≥ 95 % of the limit). Smooth pacing (the default) spends at most the limit per window (interval + guard),
/// so it cannot reach that (src/Dispatch.Cluster/README.md, "Pacing"); its specs are <see cref="PacedClusterSpec"/>'s.
/// </para>
/// </remarks>
[Collection(ClusterCollection.Name)]
public class SharedQuotaTests(ITestOutputHelper output) : SharedUpstreamSpec
{
    private new const int Limit = 1200;
    private static new readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    protected override UpstreamLimits UpstreamLimits => new() { RequestsPerWindow = Limit, Window = Interval };

    [Fact]
    public async Task Three_nodes_send_3000_calls_within_one_shared_limit_without_a_429()
    {
        await using var cluster = await DispatchCluster.StartAsync(3, DispatchCluster.Options(Upstream, Limit, Interval, pacing: RateLimitPacing.Burst), new ClusterQuotaOptions(), output);
        await cluster.WarmUpAsync(Upstream, Interval);
        var grants = new ConcurrentBag<WindowAudit.Span>();
        foreach (var node in cluster.Nodes) node.Quota.SourceOf(DispatchCluster.Api).Granted = (at, r, t) => grants.Add(new WindowAudit.Span(at, at, r, t));
        var traffic = cluster.Nodes.Select(n => n.Quota.SourceOf(DispatchCluster.Api).Traffic).ToArray();
        var before = traffic.Sum(t => t.Sent + t.Received);
        var calls = Enumerable.Range(0, 3000).Select(i => cluster.Send(cluster.Nodes[i % 3], DispatchCluster.Call($"call-{i}"))).ToArray();
        var results = await Task.WhenAll(calls).WaitAsync(TimeSpan.FromSeconds(90));

        var counters = Upstream.Counters;
        var messages = traffic.Sum(t => t.Sent + t.Received) - before;
        var used = Timeline.Utilisation(results.Select(r => r.At), Limit, Interval);
        var peak = WindowAudit.Peak(grants.ToArray(), Interval * 1.02);
        cluster.Log($"completed {results.Count(r => r.Result.Status == CallStatus.Completed)}, 429s {counters.Throttled}, busiest window {counters.MaxRequestsInWindow}/{Limit}; " +
                    $"busiest window of grants {peak.Requests}/{Limit} (interval + guard); {used.Median:P1} of the limit used (median cycle; {used.Mean:P1} on average, " +
                    $"longest cycle {used.LongestCycle.TotalSeconds:F3}s); {messages} quota messages, {messages / 3000.0:F3} per call; {cluster.Stalls.Summary}");
        Assert.All(results, r => Assert.Equal(CallStatus.Completed, r.Result.Status));
        Assert.Equal(3000, counters.RequestsReceived);
        Assert.True(counters.Throttled == 0, $"{counters.Throttled} calls met a 429; {cluster.Stalls.Summary}");
        Assert.InRange(counters.MaxRequestsInWindow, 1, Limit);
        Assert.InRange(peak.Requests, 1, Limit);
        Assert.True(used.Median >= 0.95, $"The cluster used {used.Median:P1} of the limit.");
    }
}

/// <summary>The multi-node tests run one at a time: each is a cluster of its own, and they measure time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ClusterCollection
{
    public const string Name = "cluster";
}
