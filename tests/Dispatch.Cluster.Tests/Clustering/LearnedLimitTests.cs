using Akka.Actor;
using Dispatch.Cluster.Tests.Support;
using Dispatch.Core.Protocol;
using Dispatch.FakeUpstream.RateLimiting;
using Xunit.Abstractions;

namespace Dispatch.Cluster.Tests.Clustering;

/// <summary>
/// Three nodes whose endpoint is configured at twice the real limit of the one upstream they all call: what any node
/// learns from the upstream's answers reaches the owner, which grants from the limit it learned.
/// </summary>
[Collection(ClusterCollection.Name)]
public class LearnedLimitTests(ITestOutputHelper output) : SharedUpstreamSpec
{
    private const int Calls = 2_000;
    private const int Configured = 2 * Limit;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task With_the_limit_configured_twice_too_high_the_headers_keep_429s_to_one_percent_and_every_call_completes(bool advertised)
    {
        // Advertised: the limit headers repeat the configured limit and only "remaining" tells the truth (a key shared with another program).
        Upstream.Limits = Upstream.Limits with { AdvertisedRequestsPerWindow = advertised ? Configured : null, Headers = RateLimitHeaderStyle.OpenAI };
        await using var cluster = await DispatchCluster.StartAsync(3, DispatchCluster.Options(Upstream, Configured, Interval, SafeGuard), new ClusterQuotaOptions(), output);
        await cluster.WarmUpAsync(Upstream, Interval);

        var results = await Task.WhenAll(Enumerable.Range(0, Calls).Select(i => cluster.Send(cluster.Nodes[i % 3], DispatchCluster.Call($"call-{i}"))))
            .WaitAsync(TimeSpan.FromSeconds(120));
        var status = (await cluster.Nodes[2].Quota.GetStatusAsync(TimeSpan.FromSeconds(5))).Endpoints[0];
        // What a node's status and metrics show: the limit in force as the owner announced it.
        var nodeStatus = Assert.Single((await cluster.Nodes[1].Dispatch.Ask<DispatchStatus>(new GetStatus(), TimeSpan.FromSeconds(5))).Endpoints);

        var counters = Upstream.Counters;
        cluster.Log($"{counters.Throttled} 429s of {counters.RequestsReceived} sends, busiest window {counters.MaxRequestsInWindow}/{Limit}; " +
                    $"the owner grants from {status.RequestLimitInForce} of {status.RequestLimit}");
        Assert.All(results, r => Assert.Equal(CallStatus.Completed, r.Result.Status));
        Assert.InRange(counters.Throttled, 0, Calls / 100);
        Assert.Equal(Configured, status.RequestLimit);
        Assert.InRange(status.RequestLimitInForce!.Value, 1, Limit * 11 / 10);
        Assert.Equal(Configured, nodeStatus.RequestLimit);
        Assert.InRange(nodeStatus.RequestLimitInForce!.Value, 1, Limit * 11 / 10);
    }

    [Fact]
    public async Task Without_headers_429s_stop_within_two_intervals_of_the_owner_lowering_the_limit()
    {
        Upstream.Limits = Upstream.Limits with { Headers = RateLimitHeaderStyle.None };
        await using var cluster = await DispatchCluster.StartAsync(3, DispatchCluster.Options(Upstream, Configured, Interval, SafeGuard), new ClusterQuotaOptions(), output);
        await cluster.WarmUpAsync(Upstream, Interval);
        var sources = cluster.Nodes.Select(n => n.Quota.SourceOf(DispatchCluster.Api)).ToArray();

        var calls = Task.WhenAll(Enumerable.Range(0, Calls).Select(i => cluster.Send(cluster.Nodes[i % 3], DispatchCluster.Call($"call-{i}"))));
        // Lowered once every node has heard it: the owner grants from a limit at or below the upstream's.
        await cluster.UntilAsync(() => sources.All(s => s.Available(DateTimeOffset.UtcNow).RequestLimit <= Limit), "every node heard the limit lowered", 60);
        var loweredAt = cluster.Clock.Elapsed;
        await Task.Delay(2 * Interval);
        var throttledBy = Upstream.Counters.Throttled;
        var sentBy = Upstream.Counters.RequestsReceived;
        var results = await calls.WaitAsync(TimeSpan.FromSeconds(120));

        var counters = Upstream.Counters;
        cluster.Log($"lowered at {loweredAt.TotalSeconds:F3}s; {throttledBy} 429s of {sentBy} sends by two intervals later, {counters.Throttled} of {counters.RequestsReceived} at the end; " +
                    $"busiest window {counters.MaxRequestsInWindow}/{Limit}");
        Assert.All(results, r => Assert.Equal(CallStatus.Completed, r.Result.Status));
        Assert.True(throttledBy > 0, "a limit twice too high should have cost some 429s before it was lowered");
        Assert.True(counters.RequestsReceived > sentBy, "calls should still have been sent after the limit was lowered");
        Assert.Equal(throttledBy, counters.Throttled);
    }
}
