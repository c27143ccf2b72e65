using Dispatch.Cluster.Work;
using Dispatch.Core.Options;
using Dispatch.Core.Protocol;
using Dispatch.Core.RateLimiting;

namespace Dispatch.Cluster.Tests;

[Collection(RedisCollection.Name)]
public sealed class ClusterNodeTests(RedisServerFixture redis)
{
    internal static readonly EndpointOptions Chat = new("chat", "http://127.0.0.1:1")
    {
        RateLimit = new RateLimitOptions { Requests = 100, Tokens = 10_000, Interval = TimeSpan.FromSeconds(1) },
    };

    internal static readonly DispatchOptions Dispatch = new() { Endpoints = new Dictionary<string, EndpointOptions> { ["chat"] = Chat } };

    /// <summary>Stands in for a node's pipeline: its rate limiter draws on the shared budget before "sending".</summary>
    internal static ClusterCallHandler Pipeline(ClusterNode node)
    {
        var credits = node.CreditSourceFactory(Chat);
        return async (call, _) =>
        {
            var attempt = await Poll.UntilAsync(() => credits.TryAcquire(1, 50, TimeProvider.System.GetUtcNow()), c => c.Granted, "credits");
            return APICallResult.Completed(call.CallId, 200, $"{node.NodeName} granted {attempt.GrantId}");
        };
    }

    [Fact]
    public async Task Calls_submitted_on_a_node_run_with_credits_from_the_shared_budget_and_every_node_shows_in_the_status()
    {
        string prefix = TestCluster.NewPrefix();
        await using var a = new ClusterNode(TestCluster.Options(redis.Server.Options, prefix, "a"), Dispatch);
        await using var b = new ClusterNode(TestCluster.Options(redis.Server.Options, prefix, "b"), Dispatch);
        await a.StartAsync(Pipeline(a));
        await b.StartAsync(Pipeline(b));

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => a.SubmitAsync(new APICalling($"call-{i}", "chat", "{}")))).Finishes();
        var status = await b.StatusAsync();

        Assert.All(results, r => Assert.Matches("^[ab] granted [0-9]+$", r.Body));
        Assert.Same(a.CreditSourceFactory(Chat), a.CreditSourceFactory(Chat));
        Assert.Equal(["a", "b"], status.Nodes.Select(n => n.Name));
        Assert.Equal(["chat"], status.Budgets.Keys);
        Assert.InRange(status.Budgets["chat"].Requests, 20, 100);
    }

    [Fact]
    public async Task A_call_for_an_endpoint_no_node_is_configured_for_is_rejected_at_once()
    {
        await using var a = new ClusterNode(TestCluster.Options(redis.Server.Options, TestCluster.NewPrefix(), "a"), Dispatch);

        var result = await a.SubmitAsync(new APICalling("call-x", "nowhere", "{}"));

        Assert.Equal((CallStatus.Rejected, ErrorKind.InvalidRequest), (result.Status, result.Error));
        Assert.Contains("nowhere", result.ErrorMessage);
    }
}
