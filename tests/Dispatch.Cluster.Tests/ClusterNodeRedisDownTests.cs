using System.Collections.Concurrent;
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
