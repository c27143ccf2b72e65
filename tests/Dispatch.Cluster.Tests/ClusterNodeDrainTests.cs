using System.Collections.Concurrent;
using Dispatch.Cluster.Redis;
using Dispatch.Cluster.Work;
using Dispatch.Core.Protocol;

namespace Dispatch.Cluster.Tests;

/// <summary>A node that stops consuming (a clean drain), and two copies of one call on one node.</summary>
[Collection(RedisCollection.Name)]
public sealed class ClusterNodeDrainTests(RedisServerFixture redis)
{
    private static APICalling Call(string id) => new(id, "chat", "{}");

    /// <summary>
    /// Stands in for the real pipeline where it matters here: a call id already in progress is rejected, as the
    /// endpoint supervisor does. Counts the calls it is handed; a call whose id starts with "held" waits for <paramref name="gate"/>.
    /// </summary>
    internal static ClusterCallHandler Strict(ClusterNode node, ConcurrentDictionary<string, int> runs, Task? gate = null)
    {
        var pipeline = ClusterNodeTests.Pipeline(node);
        var inProgress = new ConcurrentDictionary<string, byte>(StringComparer.Ordinal);
        return async (call, ct) =>
        {
            runs.AddOrUpdate(call.CallId, 1, (_, n) => n + 1);
            if (!inProgress.TryAdd(call.CallId, 0))
                return APICallResult.Rejected(call.CallId, ErrorKind.InvalidRequest, $"a call with id '{call.CallId}' is already in progress");
            try
            {
                if (gate is not null && call.CallId.StartsWith("held", StringComparison.Ordinal)) await gate;
                return await pipeline(call, ct);
            }
            finally
            {
                inProgress.TryRemove(call.CallId, out _);
            }
        };
    }

    [Fact]
    public async Task A_node_that_stops_consuming_finishes_the_calls_it_took_takes_no_new_one_and_still_gets_its_replies()
    {
        string prefix = TestCluster.NewPrefix();
        await using var a = new ClusterNode(TestCluster.Options(redis.Server.Options, prefix, "a"), ClusterNodeTests.Dispatch);
        await using var b = new ClusterNode(TestCluster.Options(redis.Server.Options, prefix, "b"), ClusterNodeTests.Dispatch);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var takenByA = new ConcurrentDictionary<string, int>();
        await a.StartAsync(Strict(a, takenByA, gate.Task));
        var held = a.SubmitAsync(Call("held"));
        await Poll.UntilAsync(() => a.Work.InFlight, n => n == 1, "node a runs the held call");

        var stopping = a.StopConsumingAsync();
        await Poll.UntilAsync(() => a.Work.ConsumersReading, n => n == 0, "node a stops reading its streams");
        var later = a.SubmitAsync(Call("later"));
        bool stoppedWhileRunning = stopping.IsCompleted;
        // Only another node takes the new call; its result still reaches node a.
        await b.StartAsync(ClusterNodeTests.Pipeline(b));
        var laterResult = await later.Finishes();
        gate.SetResult();
        await stopping.Finishes();
        var heldResult = await held.Finishes();

        Assert.False(stoppedWhileRunning, "StopConsumingAsync must wait for the call node a is running");
        Assert.Equal(CallStatus.Completed, laterResult.Status);
        Assert.StartsWith("b granted", laterResult.Body);
        Assert.Equal(CallStatus.Completed, heldResult.Status);
        Assert.StartsWith("a granted", heldResult.Body);
        Assert.Equal(["held"], takenByA.Keys);
        Assert.Equal(0, a.Work.InFlight);
        Assert.Equal(0, a.Work.Waiting);
        Assert.Throws<InvalidOperationException>(() => a.Work.StartConsuming(["chat"], ClusterNodeTests.Pipeline(a)));
    }

    [Fact]
    public async Task Two_entries_of_one_call_on_one_node_run_it_once_and_answer_its_result_not_an_already_in_progress_rejection()
    {
        string prefix = TestCluster.NewPrefix();
        await using var a = new ClusterNode(TestCluster.Options(redis.Server.Options, prefix, "a"), ClusterNodeTests.Dispatch);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var runs = new ConcurrentDictionary<string, int>();
        await a.StartAsync(Strict(a, runs, gate.Task));
        var result = a.SubmitAsync(Call("held-twice"));
        await Poll.UntilAsync(() => a.Work.InFlight, n => n == 1, "the first entry runs");

        // A second entry of the same call, as a resubmission after Redis lost its data adds.
        await a.Work.Redis.XAddAsync(new ClusterKeys(prefix).Calls("chat"), new KeyValuePair<string, RedisValue>[]
        {
            new("call", ClusterJson.Serialize(Call("held-twice"))),
            new("origin", "a"),
        });
        await Poll.UntilAsync(() => a.Work.InFlight, n => n == 2, "the second entry is taken while the first runs");
        gate.SetResult();
        var answer = await result.Finishes();
        await Poll.UntilAsync(() => a.Work.UnclaimedReplies, n => n == 1, "the second entry replies the stored result, which finds nobody waiting");

        Assert.Equal((CallStatus.Completed, "held-twice"), (answer.Status, answer.CallId));
        Assert.StartsWith("a granted", answer.Body);
        Assert.Equal(1, runs["held-twice"]);
        Assert.Equal(0, a.Work.InFlight);
    }
}
