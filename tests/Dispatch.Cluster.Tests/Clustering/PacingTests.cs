using Dispatch.Cluster.Tests.Support;
using Dispatch.Core.Protocol;
using Dispatch.FakeUpstream.RateLimiting;
using Xunit.Abstractions;
using UpstreamLimits = Dispatch.FakeUpstream.RateLimiting.RateLimitOptions;

namespace Dispatch.Cluster.Tests.Clustering;

/// <summary>
/// Three nodes with the default settings (smooth pacing) share one endpoint whose limit is the upstream's, and the
/// upstream enforces it as gateways and providers do: the owner shares the paced rate out, each node spends its leases
/// at its share, and together they keep to the limit as the upstream counts it.
/// </summary>
/// <remarks>
/// 30 requests a second (300 per 10 s): modest, as the nodes, the upstream and the test share the machine's 2 cores in
/// one process, and the upstream counts requests as they arrive, later than their grants by however long the machine
/// took to send them.
/// </remarks>
public abstract class PacedClusterSpec(ITestOutputHelper output) : SharedUpstreamSpec
{
    /// <summary>The endpoint's and the upstream's limit per <see cref="PacedInterval"/>.</summary>
    protected const int PacedLimit = 300;

    /// <summary>The calls each spec sends, two intervals' worth.</summary>
    protected const int Calls = 600;

    /// <summary>The limit's interval.</summary>
    protected static readonly TimeSpan PacedInterval = TimeSpan.FromSeconds(10);

    /// <summary>The endpoint's guard; <see langword="null"/> for the default (2 % of the interval).</summary>
    protected virtual TimeSpan? Guard => null;

    /// <summary>Sends <see cref="Calls"/> calls spread over three nodes at once, and checks every one completed without a 429.</summary>
    protected async Task Every_call_completes_without_a_429()
    {
        await using var cluster = await DispatchCluster.StartAsync(3, DispatchCluster.Options(Upstream, PacedLimit, PacedInterval, Guard), new ClusterQuotaOptions(), output);
        await cluster.WarmUpAsync(Upstream, PacedInterval);
        var traffic = cluster.Nodes.Select(n => n.Quota.SourceOf(DispatchCluster.Api).Traffic).ToArray();
        var before = traffic.Sum(t => t.Sent + t.Received);
        var calls = Enumerable.Range(0, Calls).Select(i => cluster.Send(cluster.Nodes[i % 3], DispatchCluster.Call($"call-{i}"))).ToArray();
        var results = await Task.WhenAll(calls).WaitAsync(TimeSpan.FromSeconds(120));

        var counters = Upstream.Counters;
        var messages = traffic.Sum(t => t.Sent + t.Received) - before;
        var used = Timeline.Utilisation(results.Select(r => r.At), PacedLimit, PacedInterval);
        var paces = string.Join(", ", cluster.Nodes.Select(n => $"{n.Name} {n.Quota.SourceOf(DispatchCluster.Api).Pace?.Requests}"));
        cluster.Log($"completed {results.Count(r => r.Result.Status == CallStatus.Completed)}, 429s {counters.Throttled}, busiest window {counters.MaxRequestsInWindow}/{PacedLimit}; " +
                    $"{used.Median:P1} of the limit used (median cycle; {used.Mean:P1} on average); {messages} quota messages, {messages / (double)Calls:F3} per call; " +
                    $"last paces (requests per window) {paces}; {cluster.Stalls.Summary}");
        Assert.All(results, r => Assert.Equal(CallStatus.Completed, r.Result.Status));
        Assert.True(counters.Throttled == 0, $"{counters.Throttled} calls met a 429; {cluster.Stalls.Summary}");
        Assert.Equal(Calls, counters.RequestsReceived);
        Assert.InRange(counters.MaxRequestsInWindow, 1, PacedLimit);
    }
}

/// <summary>The upstream is a leaky bucket at the limit's rate, as a gateway (nginx <c>limit_req</c>, Envoy) enforces it.</summary>
/// <remarks>
/// Its bucket holds 10 requests: the nodes' bursts (3 in all) and a third of a second of arrivals that the machine
/// delayed and then sent together.
/// </remarks>
[Collection(ClusterCollection.Name)]
public class LeakyBucketPacingTests(ITestOutputHelper output) : PacedClusterSpec(output)
{
    protected override UpstreamLimits UpstreamLimits =>
        new() { RequestsPerWindow = PacedLimit, Window = PacedInterval, Algorithm = LimitAlgorithm.LeakyBucket, Burst = 10 };

    [Fact]
    public Task Three_nodes_keep_to_a_leaky_bucket_without_a_429() => Every_call_completes_without_a_429();
}

/// <summary>The upstream enforces its limit per second too, scaled down (as OpenAI documents per-minute limits "can be quantized").</summary>
/// <remarks>
/// The upstream counts each second exactly, so arrivals the machine bunches by more than the guard's share of a second
/// (20 ms by default) can put one request too many into it: with the default guard about one run in four met a single
/// 429, on a machine where the nodes, the upstream and the test share 2 cores and stalls of 0.4 s are seen. With half the
/// interval as the guard, as the other safety specs have (<see cref="SharedUpstreamSpec.SafeGuard"/>), the nodes pace at
/// 20 requests a second and no second holds more than 30 per 1.5 s at the nodes: arrivals may bunch by half a second.
/// A cluster that did not pace its leases (a node spending a lease at once) still fails it.
/// </remarks>
[Collection(ClusterCollection.Name)]
public class PerSecondPacingTests(ITestOutputHelper output) : PacedClusterSpec(output)
{
    protected override TimeSpan? Guard => PacedInterval / 2;

    protected override UpstreamLimits UpstreamLimits =>
        new() { RequestsPerWindow = PacedLimit, Window = PacedInterval, EnforcedPer = TimeSpan.FromSeconds(1) };

    [Fact]
    public Task Three_nodes_keep_to_a_limit_enforced_per_second_without_a_429() => Every_call_completes_without_a_429();
}
