using Dispatch.Actors;
using Dispatch.Cluster.Redis;
using Dispatch.Cluster.Tests;
using Dispatch.Cluster.Work;
using Dispatch.Core.Protocol;
using Dispatch.FakeUpstream;
using Dispatch.Hosting.ClusterMode;
using Dispatch.Hosting.Configuration;
using Dispatch.Hosting.Registry;
using Dispatch.Hosting.Submission;
using Dispatch.Hosting.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Dispatch.Hosting.Tests.ClusterMode;

/// <summary>Two hosted nodes in this process (each its own host and actor system) sharing one real Redis under a key prefix of their own.</summary>
[Collection(RedisCollection.Name)]
public sealed class TwoNodeClusterTests(RedisServerFixture redis) : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private FakeUpstreamServer _upstream = null!;
    private TwoClusterNodes _nodes = null!;

    public async Task InitializeAsync()
    {
        _upstream = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions());
        _nodes = await TwoClusterNodes.StartAsync(_upstream.BaseUrl, redis.Server.Endpoint);
    }

    public async Task DisposeAsync()
    {
        await _nodes.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    [Fact]
    public async Task A_call_posted_to_one_node_s_ingress_goes_through_the_cluster_and_is_answered_there()
    {
        var (status, result) = await _nodes.A.PostCallAsync($$"""{"id":"via-a-1","body":{{TestNode.ChatPayload()}}}""");

        Assert.Equal(200, status);
        Assert.Equal(("via-a-1", "Completed"), (result.GetProperty("callId").GetString(), result.GetProperty("status").GetString()));
        Assert.True(await StoredResultExistsAsync("via-a-1"), "the cluster stores the final result of a call it ran");
    }

    [Fact]
    public async Task Every_call_posted_to_one_node_completes_once_whichever_node_ran_it()
    {
        const int calls = 20;

        var results = await Task.WhenAll(Enumerable.Range(0, calls).Select(i => _nodes.A.PostCallAsync($$"""{"id":"many-{{i}}","body":{{TestNode.ChatPayload()}}}""")));

        Assert.All(results, r => Assert.Equal("Completed", r.Body.GetProperty("status").GetString()));
        Assert.Equal(calls, results.Select(r => r.Body.GetProperty("callId").GetString()).Distinct().Count());
        var deadline = DateTime.UtcNow + Timeout;
        long completed;
        while ((completed = await CompletedCountAsync(_nodes.A) + await CompletedCountAsync(_nodes.B)) != calls && DateTime.UtcNow < deadline) await Task.Delay(50);
        Assert.Equal(calls, completed);
    }

    [Fact]
    public async Task The_status_of_a_node_lists_both_live_nodes_and_the_shared_credits()
    {
        var cluster = (await _nodes.A.StatusAsync()).GetProperty("cluster");

        var names = cluster.GetProperty("nodes").EnumerateArray().Select(n => n.GetProperty("name").GetString()!).ToArray();
        Assert.Equal([$"{_nodes.Prefix}-a", $"{_nodes.Prefix}-b"], names);
        Assert.All(cluster.GetProperty("nodes").EnumerateArray(), n => Assert.Equal("chat", n.GetProperty("endpoints")[0].GetString()));
        var credits = Assert.Single(cluster.GetProperty("credits").EnumerateArray());
        Assert.Equal(("chat", 1000), (credits.GetProperty("endpoint").GetString(), credits.GetProperty("requestLimit").GetInt32()));
        Assert.Equal(($"{_nodes.Prefix}-a", redis.Server.Endpoint), (cluster.GetProperty("node").GetString(), cluster.GetProperty("redis").GetString()));
    }

    [Fact]
    public async Task A_client_that_is_no_node_reads_both_nodes_and_the_credits_from_the_configuration_s_redis()
    {
        var settings = new DispatchConfigLoader { EnvironmentVariables = () => [] }
            .AddText(ClusterTestNode.Config(_upstream.BaseUrl, "reader", _nodes.Prefix, redis.Server.Endpoint), "reader.conf")
            .Load();

        var report = await ClusterStatusReport.ReadAsync(settings, _ => null, TimeProvider.System);

        Assert.Equal([$"{_nodes.Prefix}-a", $"{_nodes.Prefix}-b"], report.Nodes.Select(n => n.Name));
        Assert.Equal("chat", Assert.Single(report.Credits).Endpoint);
        var text = report.ToText();
        Assert.Contains($"cluster '{_nodes.Prefix}' on Redis {redis.Server.Endpoint}: 2 live node(s)", text);
        Assert.Contains($"{_nodes.Prefix}-b", text);
        Assert.Contains("1000", text);
    }

    [Fact]
    public async Task A_node_that_stops_leaves_the_cluster_status_at_once()
    {
        await _nodes.B.App.StopAsync();

        var names = (await _nodes.A.StatusAsync()).GetProperty("cluster").GetProperty("nodes").EnumerateArray().Select(n => n.GetProperty("name").GetString()!);
        Assert.Equal([$"{_nodes.Prefix}-a"], names);
    }

    [Fact]
    public async Task A_local_actor_submits_to_the_cluster_through_the_registered_front_actor()
    {
        var front = _nodes.A.App.Services.GetRequiredService<IActorRegistry>().Get<ClusterSubmitActor>();

        var result = await front.Ask<APICallResult>(new APICalling("from-actor-1", "chat", TestNode.ChatPayload()), TimeSpan.FromSeconds(30));

        Assert.Equal(CallStatus.Completed, result.Status);
        Assert.True(await StoredResultExistsAsync("from-actor-1"));
    }

    [Fact]
    public async Task The_call_submitter_service_reports_cluster_mode_and_submits_to_the_cluster()
    {
        var submitter = _nodes.A.App.Services.GetRequiredService<ICallSubmitter>();

        var result = await submitter.SubmitAsync(new APICalling("from-service-1", "chat", TestNode.ChatPayload()));

        Assert.True(submitter.IsClustered);
        Assert.Equal(CallStatus.Completed, result.Status);
        Assert.True(await StoredResultExistsAsync("from-service-1"));
    }

    private static async Task<long> CompletedCountAsync(ClusterTestNode node)
    {
        var status = await node.StatusAsync();
        return status.GetProperty("endpoints")[0].GetProperty("counters").GetProperty("completed").GetInt64();
    }

    private async Task<bool> StoredResultExistsAsync(string callId)
    {
        await using var connection = await redis.ConnectAsync();
        var stored = await connection.ExecuteAsync("GET", new RedisValue[] { $"{_nodes.Prefix}:result:{callId}" });
        return !stored.IsNull;
    }
}
