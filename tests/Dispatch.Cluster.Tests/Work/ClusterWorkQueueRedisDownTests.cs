using System.Collections.Concurrent;
using Dispatch.Cluster.Work;
using Dispatch.Core.Protocol;

namespace Dispatch.Cluster.Tests.Work;

// Each test owns its redis-server: it is stopped and started again mid-run.
public sealed class ClusterWorkQueueRedisDownTests
{
    private const string Endpoint = "chat";

    private static ClusterOptions Options(RedisServer server, string prefix, string node, WhenRedisDown whenDown) =>
        TestCluster.Options(server.Options, prefix, node) with { WhenRedisDown = whenDown };

    [Fact]
    public async Task A_submission_while_redis_is_down_fails_with_a_clear_error_when_told_to_fail()
    {
        await using var server = await RedisServer.StartAsync();
        await using var node = new ClusterWorkQueue(Options(server, TestCluster.NewPrefix(), "a", WhenRedisDown.Fail));
        await node.StartAsync();

        await server.StopAsync();
        var error = await Assert.ThrowsAsync<ClusterUnavailableException>(() => node.SubmitAsync(new APICalling("c1", Endpoint, "{}")));

        Assert.Contains("c1", error.Message);
        Assert.Contains(server.Endpoint, error.Message);
        Assert.Contains("when-redis-down", error.Message);
        Assert.Equal(0, node.Waiting);
    }

    [Fact]
    public async Task Calls_survive_redis_stopping_and_restarting_mid_run_and_each_gets_exactly_one_result()
    {
        await using var server = await RedisServer.StartAsync();
        string prefix = TestCluster.NewPrefix();
        await using var submitter = new ClusterWorkQueue(Options(server, prefix, "a", WhenRedisDown.Wait));
        await using var failing = new ClusterWorkQueue(Options(server, prefix, "c", WhenRedisDown.Fail));
        await using var worker = new ClusterWorkQueue(Options(server, prefix, "b", WhenRedisDown.Wait));
        await submitter.StartAsync();
        await failing.StartAsync();
        var runs = new ConcurrentDictionary<string, int>();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        worker.StartConsuming([Endpoint], async (call, _) =>
        {
            runs.AddOrUpdate(call.CallId, 1, (_, n) => n + 1);
            // Calls of the first batch are still in flight while Redis goes away.
            if (call.CallId.StartsWith("before", StringComparison.Ordinal)) await release.Task;
            return APICallResult.Completed(call.CallId, 200, call.CallId);
        });
        var before = Enumerable.Range(0, 10).Select(i => submitter.SubmitAsync(new APICalling($"before-{i}", Endpoint, "{}"))).ToArray();
        await Poll.UntilAsync(() => runs.Count, n => n == before.Length, "the first calls are taken");

        await server.StopAsync();
        release.SetResult();
        await Assert.ThrowsAsync<ClusterUnavailableException>(() => failing.SubmitAsync(new APICalling("refused", Endpoint, "{}")));
        var during = Enumerable.Range(0, 10).Select(i => submitter.SubmitAsync(new APICalling($"during-{i}", Endpoint, "{}"))).ToArray();
        Assert.All(during, task => Assert.False(task.IsCompleted));
        await server.StartAgainAsync();

        var results = await Task.WhenAll(before.Concat(during)).Finishes();
        var after = await submitter.SubmitAsync(new APICalling("after", Endpoint, "{}")).Finishes();

        Assert.All(results, r => Assert.Equal(CallStatus.Completed, r.Status));
        Assert.Equal(results.Select(r => r.CallId).Order(), before.Select((_, i) => $"before-{i}").Concat(during.Select((_, i) => $"during-{i}")).Order());
        Assert.Equal(CallStatus.Completed, after.Status);
        Assert.Equal(0, submitter.Waiting);
        Assert.False(runs.ContainsKey("refused"));
    }
}
