using System.Collections.Concurrent;
using Dispatch.Cluster.Redis;
using Dispatch.Cluster.Work;
using Dispatch.Core.Protocol;

namespace Dispatch.Cluster.Tests;

/// <summary>Two copies of one call on one node.</summary>
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
