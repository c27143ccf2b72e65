using System.Collections.Concurrent;
using System.Diagnostics;
using Dispatch.Cluster.Redis;
using Dispatch.Cluster.Work;
using Dispatch.Core.Protocol;

namespace Dispatch.Cluster.Tests.Work;

/// <summary>A node keeps the calls it holds while every slot is busy (waiting for credits), however long that lasts.</summary>
[Collection(RedisCollection.Name)]
public sealed class ClusterHeldEntriesTests(RedisServerFixture redis)
{
    private const string Endpoint = "chat";
    private const int Slots = 2;
    private static readonly TimeSpan ClaimIdleTimeout = TimeSpan.FromMilliseconds(1200);

    private readonly string _prefix = TestCluster.NewPrefix();

    [Fact]
    public async Task A_node_whose_slots_are_all_busy_longer_than_the_claim_idle_timeout_keeps_its_entries()
    {
        var keys = new ClusterKeys(_prefix);
        string stream = keys.Calls(Endpoint);
        await using var submitter = new ClusterWorkQueue(TestCluster.Options(redis.Server.Options, _prefix, "a"));
        await using var busy = new ClusterWorkQueue(TestCluster.Options(redis.Server.Options, _prefix, "b") with
        {
            MaxInFlight = Slots,
            ClaimIdleTimeout = ClaimIdleTimeout,
        });
        await submitter.StartAsync();
        var runs = new ConcurrentDictionary<string, int>();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        busy.StartConsuming([Endpoint], async (call, _) =>
        {
            runs.AddOrUpdate(call.CallId, 1, (_, n) => n + 1);
            // Like a call waiting for credits: it holds its slot until the test lets it go.
            await release.Task;
            return APICallResult.Completed(call.CallId, 200, "b");
        });
        var pending = Enumerable.Range(0, Slots).Select(i => submitter.SubmitAsync(new APICalling($"held-{i}", Endpoint, "{}"))).ToArray();
        await Poll.UntilAsync(() => runs.Count, n => n == Slots, "every slot of the busy node holds a call");

        // Another consumer tries to claim idle entries until the calls have been held for several claim-idle timeouts.
        await using var thief = await redis.ConnectAsync();
        int claimed = 0;
        IReadOnlyList<KeyValuePair<string, long>> owners;
        try
        {
            var held = Stopwatch.StartNew();
            await Poll.UntilAsync(async () =>
            {
                claimed += (await thief.XAutoClaimAsync(stream, keys.Group, "thief", ClaimIdleTimeout)).Entries.Count;
                return held.Elapsed;
            }, elapsed => elapsed > 3 * ClaimIdleTimeout, "the calls are held for three claim-idle timeouts");
            owners = (await thief.XPendingAsync(stream, keys.Group)).Consumers;
        }
        finally
        {
            // Stopping the node waits for its calls: they must end even when the test fails.
            release.SetResult();
        }

        Assert.Equal(0, claimed);
        Assert.Equal(new KeyValuePair<string, long>("b", Slots), Assert.Single(owners));
        foreach (var result in await Task.WhenAll(pending).Finishes()) Assert.Equal("b", result.Body);
        Assert.All(runs.Values, n => Assert.Equal(1, n));
    }
}
