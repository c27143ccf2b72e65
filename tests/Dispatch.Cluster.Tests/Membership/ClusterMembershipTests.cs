using Dispatch.Cluster.Membership;
using Dispatch.Cluster.Redis;

namespace Dispatch.Cluster.Tests.Membership;

[Collection(RedisCollection.Name)]
public sealed class ClusterMembershipTests(RedisServerFixture redis)
{
    private readonly string _prefix = TestCluster.NewPrefix();

    private ClusterMembership Member(IRedisCommandExecutor client, string name, Func<long>? inFlight = null) =>
        new(client, TestCluster.Options(redis.Server.Options, _prefix, name), ["chat", "embed"], inFlight);

    [Fact]
    public async Task Live_nodes_are_listed_with_their_in_flight_count_and_endpoints()
    {
        await using var client = new RedisClient(redis.Server.Options);
        await using var a = Member(client, "a", () => 3);
        await using var b = Member(client, "b");
        await a.StartAsync();
        await b.StartAsync();

        var nodes = await a.ListNodesAsync();

        Assert.Equal(["a", "b"], nodes.Select(n => n.Name));
        Assert.Equal(3, nodes[0].InFlight);
        Assert.Equal(["chat", "embed"], nodes[0].Endpoints);
        Assert.True(nodes[0].LastSeen >= nodes[0].StartedAt);
    }

    [Fact]
    public async Task A_node_that_stops_heartbeating_drops_out_after_its_time_to_live()
    {
        await using var client = new RedisClient(redis.Server.Options);
        var dying = new RedisClient(redis.Server.Options);
        await using var a = Member(client, "a");
        var b = Member(dying, "b");
        await a.StartAsync();
        await b.StartAsync();
        Assert.Equal(2, (await a.ListNodesAsync()).Count);

        // Its connection is gone: heartbeats fail and the entry is left to expire, as when the process is killed.
        await dying.DisposeAsync();

        var nodes = await Poll.UntilAsync(() => a.ListNodesAsync(), n => n.Count == 1, "the dead node drops out");
        Assert.Equal("a", nodes.Single().Name);
        await b.StopAsync();
    }

    [Fact]
    public async Task A_live_node_stays_listed_beyond_its_time_to_live_because_it_heartbeats()
    {
        await using var client = new RedisClient(redis.Server.Options);
        await using var a = Member(client, "a");
        await a.StartAsync();
        var first = (await a.ListNodesAsync()).Single();

        var later = await Poll.UntilAsync(() => a.ListNodesAsync(), n => n.Count == 1 && n[0].LastSeen > first.LastSeen + TimeSpan.FromMilliseconds(500),
            "heartbeats carry the node past its time to live");

        Assert.Equal(first.StartedAt, later.Single().StartedAt);
    }

    [Fact]
    public async Task A_node_that_stops_deletes_its_entry_at_once()
    {
        await using var client = new RedisClient(redis.Server.Options);
        await using var a = Member(client, "a");
        var b = Member(client, "b");
        await a.StartAsync();
        await b.StartAsync();

        await b.StopAsync();

        Assert.Equal(["a"], (await a.ListNodesAsync()).Select(n => n.Name));
        Assert.False(await client.ExpireAsync(new ClusterKeys(_prefix).Node("b"), TimeSpan.FromSeconds(1)));
    }
}
