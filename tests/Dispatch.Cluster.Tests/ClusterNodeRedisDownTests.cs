using System.Collections.Concurrent;
using Dispatch.Cluster.Redis;
using Dispatch.Cluster.Work;
using Dispatch.Core.Protocol;

namespace Dispatch.Cluster.Tests;

/// <summary>
/// Whole nodes (budget, work queue, membership) losing Redis mid-run: the test's own redis-server is stopped and
/// started again, empty, on the same port, while calls are in flight.
/// </summary>
public sealed class ClusterNodeRedisDownTests
{
    private static APICalling Call(string id) => new(id, "chat", "{}");

    [Theory]
    [InlineData(WhenRedisDown.Fail)]
    [InlineData(WhenRedisDown.Wait)]
    public async Task Nodes_lose_no_call_while_redis_is_down_and_reconnect_when_it_returns(WhenRedisDown whenDown)
    {
        await using var server = await RedisServer.StartAsync();
        string prefix = TestCluster.NewPrefix();
        await using var submitter = new ClusterNode(TestCluster.Options(server.Options, prefix, "a") with { WhenRedisDown = whenDown }, ClusterNodeTests.Dispatch);
        await using var other = new ClusterNode(TestCluster.Options(server.Options, prefix, "b") with { WhenRedisDown = whenDown }, ClusterNodeTests.Dispatch);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var taken = new ConcurrentDictionary<string, int>();
        // The first calls are still running when Redis goes away.
        ClusterCallHandler Gated(ClusterNode node)
        {
            var pipeline = ClusterNodeTests.Pipeline(node);
            return async (call, ct) =>
            {
                taken.AddOrUpdate(call.CallId, 1, (_, n) => n + 1);
                if (call.CallId.StartsWith("before", StringComparison.Ordinal)) await release.Task;
                return await pipeline(call, ct);
            };
        }
        await submitter.StartAsync(Gated(submitter));
        await other.StartAsync(Gated(other));
        var before = Enumerable.Range(0, 8).Select(i => submitter.SubmitAsync(Call($"before-{i}"))).ToArray();
        await Poll.UntilAsync(() => taken.Count, n => n == before.Length, "the first calls are running");

        await server.StopAsync();
        release.SetResult();
        Task<APICallResult>[] during = [];
        if (whenDown == WhenRedisDown.Fail)
        {
            var error = await Assert.ThrowsAsync<ClusterUnavailableException>(() => submitter.SubmitAsync(Call("refused")));
            Assert.Contains("refused", error.Message);
            Assert.Contains(server.Endpoint, error.Message);
            Assert.Contains("when-redis-down", error.Message);
        }
        else
        {
            during = Enumerable.Range(0, 8).Select(i => submitter.SubmitAsync(Call($"during-{i}"))).ToArray();
            Assert.All(during, task => Assert.False(task.IsCompleted));
        }
        Assert.All(before, task => Assert.False(task.IsCompleted));
        await server.StartAgainAsync();

        var results = await Task.WhenAll(before.Concat(during)).Finishes();
        // Reconnected: a new call goes through the queue and the shared budget again (at once when waiting; after the client's backoff when failing fast).
        var after = await Poll.UntilAsync<APICallResult?>(() => TrySubmitAsync(submitter, Call("after")), r => r is not null, "a submission after Redis returned");
        var status = await Poll.UntilAsync<ClusterStatus>(() => submitter.StatusAsync(), s => s.Nodes.Count == 2, "both nodes heartbeat into the restarted Redis");

        Assert.All(results, r => Assert.Equal((CallStatus.Completed, r.CallId), (r.Status, r.CallId)));
        Assert.Equal(before.Select((_, i) => $"before-{i}").Concat(during.Select((_, i) => $"during-{i}")).Order(), results.Select(r => r.CallId).Order());
        Assert.Matches("^[ab] granted [0-9]+$", after!.Body);
        Assert.Equal(["a", "b"], status.Nodes.Select(n => n.Name));
        Assert.InRange(status.Budgets["chat"].Requests, 1, 100);
        Assert.Equal(0, submitter.Work.Waiting);
        Assert.False(taken.ContainsKey("refused"));
    }

    [Fact]
    public async Task A_call_submitted_while_redis_is_down_runs_once_and_completes_when_an_empty_redis_returns()
    {
        await using var server = await RedisServer.StartAsync();
        string prefix = TestCluster.NewPrefix();
        var keys = new ClusterKeys(prefix);
        await using var node = new ClusterNode(TestCluster.Options(server.Options, prefix, "a") with { WhenRedisDown = WhenRedisDown.Wait }, ClusterNodeTests.Dispatch);
        var runs = new ConcurrentDictionary<string, int>();
        // The call is held until the node has checked the restarted Redis, so a second entry of it would run alongside.
        var checkedAgain = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await node.StartAsync(ClusterNodeDrainTests.Strict(node, runs, checkedAgain.Task));
        // The node's marker is in Redis, so the restarted (empty) Redis is seen to have lost its data.
        await Poll.UntilAsync<string?>(() => node.Work.Redis.GetAsync(keys.Marker("a")), v => v is not null, "the node marks its presence");

        await server.StopAsync();
        var waiting = node.SubmitAsync(Call("held-waits-1"));
        await Poll.UntilAsync(() => node.Work.Waiting, n => n == 1, "the call waits for Redis");
        bool answeredWhileDown = waiting.IsCompleted;
        await server.StartAgainAsync();
        await Poll.UntilAsync<string?>(() => TryGetAsync(node, keys.Marker("a")), v => v is not null, "the node checks the restarted Redis");
        checkedAgain.SetResult();
        var result = await waiting.Finishes();
        // Any second entry has replied before a later call's reply: the reply stream is read in order.
        await Poll.UntilAsync(() => node.Work.Redis.XLenAsync(keys.Calls("chat")), n => n == 0, "the stream holds no entry");
        await Poll.UntilAsync(() => node.Work.InFlight, n => n == 0, "the node runs nothing");
        var after = await node.SubmitAsync(Call("after")).Finishes();

        Assert.False(answeredWhileDown, "the call must not be answered while Redis is down");
        Assert.Equal((CallStatus.Completed, "held-waits-1"), (result.Status, result.CallId));
        Assert.Matches("^a granted [0-9]+$", result.Body);
        Assert.Equal(CallStatus.Completed, after.Status);
        Assert.Equal(1, runs["held-waits-1"]);
        Assert.Equal(0, node.Work.Waiting);
        // Added once, on the new connection: no second entry replied a copy.
        Assert.Equal(0, node.Work.UnclaimedReplies);
    }

    private static async Task<string?> TryGetAsync(ClusterNode node, string key)
    {
        try
        {
            return await node.Work.Redis.GetAsync(key);
        }
        catch (RedisConnectionException)
        {
            return null;
        }
    }

    private static async Task<APICallResult?> TrySubmitAsync(ClusterNode node, APICalling call)
    {
        try
        {
            return await node.SubmitAsync(call).Finishes();
        }
        catch (ClusterUnavailableException)
        {
            return null;
        }
    }
}
