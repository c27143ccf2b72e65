using Dispatch.Cluster.Tests.Support;
using Dispatch.Core.Protocol;
using Xunit.Abstractions;
using UpstreamLimits = Dispatch.FakeUpstream.RateLimiting.RateLimitOptions;

namespace Dispatch.Cluster.Tests.Clustering;

/// <summary>
/// Smooth pacing (the default) on two nodes: one node is busy alone and holds the whole paced rate on a lease that spans a
/// third of the interval; then calls start on the other (the owner's node, as in CI, where it finished none while the
/// busy node finished 32). Its share reaches it within a round trip and a cap period (the busy node's lease is cut), not
/// when that lease ends.
/// </summary>
/// <remarks>
/// 600 requests per 20 s at the upstream and the endpoint alike (a sliding window); a lease spans 6.7 s, the cap period
/// (grants at the old rate still in the provider's second) is about 1 s. The long interval leaves the cut's round trip and
/// cap period (about 1.1 s measured) more than 4 s of room before the busy node's lease ends, for a machine that stalls.
/// </remarks>
[Collection(ClusterCollection.Name)]
public class FairShareTests(ITestOutputHelper output) : SharedUpstreamSpec
{
    private const int PacedLimit = 600;
    private static readonly TimeSpan PacedInterval = TimeSpan.FromSeconds(20);

    protected override UpstreamLimits UpstreamLimits => new() { RequestsPerWindow = PacedLimit, Window = PacedInterval };

    [Fact]
    public async Task A_node_whose_calls_start_while_another_holds_the_whole_rate_is_answered_before_that_node_s_lease_ends()
    {
        await using var cluster = await DispatchCluster.StartAsync(2, DispatchCluster.Options(Upstream, PacedLimit, PacedInterval), new ClusterQuotaOptions(), output);
        await cluster.WarmUpAsync(Upstream, PacedInterval);
        // The oldest node hosts the owner: the node that starts late is the owner's, the busy one asks across the network.
        var (late, busy) = (cluster.Nodes[0], cluster.Nodes[1]);
        var busySource = busy.Quota.SourceOf(DispatchCluster.Api);

        var busyCalls = Enumerable.Range(0, 300).Select(i => cluster.Send(busy, DispatchCluster.Call($"busy-{i}"))).ToArray();
        // A fresh lease at the whole rate: its deadline, by its own grant, is the bound (most of a span away).
        var span = new ClusterQuotaOptions().SpanFor(DispatchCluster.Options(Upstream, PacedLimit, PacedInterval).Endpoints[DispatchCluster.Api].RateLimit!);
        await cluster.UntilAsync(
            () => busySource.Pace?.Requests == PacedLimit && busySource.NextDeadline is { } deadline && deadline - DateTimeOffset.UtcNow >= span * 0.8,
            "the busy node holds a fresh lease at the whole rate",
            seconds: 60);
        var leaseEnds = busySource.NextDeadline!.Value;
        var startedAt = DateTimeOffset.UtcNow;
        cluster.Log($"{busy.Name} holds the whole rate ({PacedLimit} per window) until {(leaseEnds - startedAt).TotalSeconds:F3}s from now; {late.Name}'s calls start");

        var lateCalls = Enumerable.Range(0, 60).Select(i => cluster.Send(late, DispatchCluster.Call($"late-{i}"))).ToArray();
        var first = await await Task.WhenAny(lateCalls).WaitAsync(TimeSpan.FromSeconds(60));
        var results = await Task.WhenAll(busyCalls.Concat(lateCalls)).WaitAsync(TimeSpan.FromSeconds(120));

        var counters = Upstream.Counters;
        cluster.Log($"{late.Name}'s first answer {(first.WallClock - startedAt).TotalSeconds:F3}s after its calls started, " +
                    $"{(leaseEnds - first.WallClock).TotalSeconds:F3}s before {busy.Name}'s lease ended; {busy.Name}'s pace then {busySource.Pace?.Requests}; " +
                    $"429s {counters.Throttled}, busiest window {counters.MaxRequestsInWindow}/{PacedLimit}; {cluster.Stalls.Summary}");
        Assert.Equal(CallStatus.Completed, first.Result.Status);
        Assert.True(first.WallClock < leaseEnds, $"the late node's first answer came {(first.WallClock - leaseEnds).TotalSeconds:F3}s after the busy node's lease ended; {cluster.Stalls.Summary}");
        Assert.All(results, r => Assert.Equal(CallStatus.Completed, r.Result.Status));
        Assert.True(counters.Throttled == 0, $"{counters.Throttled} calls met a 429; {cluster.Stalls.Summary}");
        Assert.InRange(counters.MaxRequestsInWindow, 1, PacedLimit);
    }
}
