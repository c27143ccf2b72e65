using Dispatch.Cluster.Tests.Support;
using Dispatch.Core.Protocol;
using Dispatch.FakeUpstream;
using Dispatch.FakeUpstream.Faults;
using Xunit.Abstractions;

namespace Dispatch.Cluster.Tests.Clustering;

[Collection(ClusterCollection.Name)]
public class PauseAndStatusTests(ITestOutputHelper output) : SharedUpstreamSpec
{
    [Fact]
    public async Task A_429_with_Retry_After_on_one_node_pauses_the_endpoint_on_every_node()
    {
        await using var cluster = await DispatchCluster.StartAsync(3, DispatchCluster.Options(Upstream, Limit, Interval, SafeGuard), new ClusterQuotaOptions(), output);
        // The pause topic's subscriptions reach the other nodes by gossip; a pause published before would miss them.
        await cluster.AwaitPubSubAsync();

        var throttled = cluster.Send(cluster.Nodes[0], DispatchCluster.Call("throttled", faults: "429:2,ok"));
        await cluster.UntilAsync(() => Upstream.Counters.FaultsOf(FaultKind.TooManyRequests) == 1, "the upstream answered 429");
        var others = cluster.Nodes.Skip(1).ToArray();
        await cluster.UntilAsync(() => others.All(n => PausedUntil(n) is not null), "the other nodes are paused");
        var pausedUntil = others.ToDictionary(n => n.Name, n => PausedUntil(n)!.Value);
        cluster.Log($"paused until {string.Join(", ", pausedUntil.Select(p => $"{p.Key} {p.Value:HH:mm:ss.fff}"))}");

        var during = await Task.WhenAll(others.SelectMany(n => Enumerable.Range(0, 5).Select(i => cluster.Send(n, DispatchCluster.Call($"{n.Name}-during-{i}")))));
        var retried = await throttled;

        Assert.Equal(CallStatus.Completed, retried.Result.Status);
        Assert.All(during, r => Assert.Equal(CallStatus.Completed, r.Result.Status));
        Assert.All(during, r => Assert.True(r.WallClock >= pausedUntil[r.Node], $"{r.Result.CallId} finished at {r.WallClock:HH:mm:ss.fff}, before its node's pause ended"));
        Assert.Equal(1, Upstream.Counters.FaultsOf(FaultKind.TooManyRequests));
        Assert.True(Upstream.Counters.Throttled == 0, $"{Upstream.Counters.Throttled} calls met a 429; {cluster.Stalls.Summary}");
    }

    [Fact]
    public async Task Status_names_the_owner_of_each_endpoint_and_the_live_leases_of_each_node()
    {
        await using var cluster = await DispatchCluster.StartAsync(3, DispatchCluster.Options(Upstream, Limit, Interval, SafeGuard), new ClusterQuotaOptions(), output);
        var node3 = cluster.Nodes[2];
        var load = Task.WhenAll(Enumerable.Range(0, 600).Select(i => cluster.Send(cluster.Nodes[i % 3], DispatchCluster.Call($"call-{i}"))));

        Dispatch.Cluster.Protocol.ClusterQuotaStatus status = null!;
        var seen = new HashSet<string>();
        await cluster.UntilAsync(
            () =>
            {
                status = node3.Quota.GetStatusAsync(TimeSpan.FromSeconds(5)).GetAwaiter().GetResult();
                foreach (var lease in status.Endpoints[0].Leases.Where(l => l.Requests > 0)) seen.Add(lease.Node);
                return seen.Count == 3;
            },
            "every node was seen holding a lease");
        await load;

        var api = Assert.Single(status.Endpoints);
        Assert.Equal(DispatchCluster.Api, api.Endpoint);
        Assert.Equal(cluster.Nodes[0].Address.ToString(), api.Owner);
        Assert.NotNull(api.GrantingFrom);
        Assert.Equal(cluster.Nodes.Select(n => n.Address.ToString()).Order(), seen.Order());
        Assert.InRange(api.RequestsInWindow, 1, Limit);
    }

    private static DateTimeOffset? PausedUntil(DispatchNode node) =>
        node.Quota.SourceOf(DispatchCluster.Api).Available(DateTimeOffset.UtcNow).PausedUntil;
}
