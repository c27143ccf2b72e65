using Dispatch.Core.Options;
using Dispatch.Core.Protocol;
using Dispatch.Core.RateLimiting;

namespace Dispatch.Cluster.Tests;

[Collection(RedisCollection.Name)]
public sealed class ClusterNodeTests(RedisServerFixture redis)
{
    private static readonly EndpointOptions Chat = new("chat", "http://127.0.0.1:1")
    {
        RateLimit = new RateLimitOptions { Requests = 100, Tokens = 10_000, Interval = TimeSpan.FromSeconds(1) },
    };

    private static readonly DispatchOptions Dispatch = new() { Endpoints = new Dictionary<string, EndpointOptions> { ["chat"] = Chat } };

    [Fact]
    public async Task A_call_submitted_on_one_node_runs_on_another_with_credits_from_the_shared_budget_and_both_show_in_the_status()
    {
        string prefix = TestCluster.NewPrefix();
        await using var a = new ClusterNode(TestCluster.Options(redis.Server.Options, prefix, "a"), new DispatchOptions());
        await using var b = new ClusterNode(TestCluster.Options(redis.Server.Options, prefix, "b"), Dispatch);
        var credits = b.CreditSourceFactory(Chat);
        await a.StartAsync((call, _) => throw new InvalidOperationException("node a serves no endpoint"));
        await b.StartAsync(async (call, _) =>
        {
            // Stands in for b's pipeline: its rate limiter draws on the shared budget before sending.
            var attempt = await Poll.UntilAsync(() => credits.TryAcquire(1, 50, TimeProvider.System.GetUtcNow()), c => c.Granted, "credits");
            return APICallResult.Completed(call.CallId, 200, $"b granted {attempt.GrantId}");
        });

        var result = await a.SubmitAsync(new APICalling("call-1", "chat", "{}")).Finishes();
        var status = await b.StatusAsync();

        Assert.Equal("b granted 1", result.Body);
        Assert.Same(credits, b.CreditSourceFactory(Chat));
        Assert.Equal(["a", "b"], status.Nodes.Select(n => n.Name));
        Assert.Equal(["chat"], status.Budgets.Keys);
        Assert.InRange(status.Budgets["chat"].Requests, 1, 10);
    }
}
