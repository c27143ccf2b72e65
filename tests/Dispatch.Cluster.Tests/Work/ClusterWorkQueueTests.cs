using System.Collections.Concurrent;
using Dispatch.Cluster.Redis;
using Dispatch.Cluster.Work;
using Dispatch.Core.Protocol;

namespace Dispatch.Cluster.Tests.Work;

[Collection(RedisCollection.Name)]
public sealed class ClusterWorkQueueTests(RedisServerFixture redis)
{
    private const string Endpoint = "chat";

    private readonly string _prefix = TestCluster.NewPrefix();

    private ClusterWorkQueue Node(string name) => new(TestCluster.Options(redis.Server.Options, _prefix, name));

    private ClusterKeys Keys => new(_prefix);

    private static ClusterCallHandler Counting(ConcurrentDictionary<string, int> runs, string node) => (call, _) =>
    {
        runs.AddOrUpdate(call.CallId, 1, (_, n) => n + 1);
        return Task.FromResult(APICallResult.Completed(call.CallId, 200, $"{node}:{call.Payload}"));
    };

    /// <summary>A consumer named <paramref name="consumer"/> takes the one queued call and dies without acknowledging it.</summary>
    private async Task ReadWithoutAcknowledgingAsync(string consumer)
    {
        await using var dying = await redis.ConnectAsync();
        string stream = Keys.Calls(Endpoint);
        await dying.XGroupCreateAsync(stream, Keys.Group, "0");
        await Poll.UntilAsync(() => dying.XReadGroupAsync(stream, Keys.Group, consumer, 10), e => e.Count == 1, $"{consumer} reads the call");
        Assert.Equal(consumer, (await dying.XPendingAsync(stream, Keys.Group)).Consumers.Single().Key);
    }

    [Fact]
    public async Task A_submitted_call_runs_on_a_consuming_node_and_its_result_returns_to_the_submitting_node()
    {
        await using var submitter = Node("a");
        await using var worker = Node("b");
        await submitter.StartAsync();
        await worker.StartAsync();
        var runs = new ConcurrentDictionary<string, int>();
        worker.StartConsuming([Endpoint], Counting(runs, "b"));

        var result = await submitter.SubmitAsync(new APICalling("call-1", Endpoint, "{\"n\":1}")).Finishes();

        Assert.Equal(CallStatus.Completed, result.Status);
        Assert.Equal("call-1", result.CallId);
        Assert.Equal("b:{\"n\":1}", result.Body);
        Assert.Equal(1, runs["call-1"]);
        Assert.Equal(0, submitter.Waiting);
    }

    [Fact]
    public async Task Every_field_of_a_call_survives_the_trip_through_redis()
    {
        await using var submitter = Node("a");
        await using var worker = Node("b");
        await submitter.StartAsync();
        var received = new TaskCompletionSource<APICalling>();
        worker.StartConsuming([Endpoint], (call, _) =>
        {
            received.TrySetResult(call);
            return Task.FromResult(APICallResult.Completed(call.CallId, 200, null));
        });
        var call = new APICalling("call-2", Endpoint, "{\"messages\":[]}")
        {
            Method = "PUT",
            Path = "/v1/x",
            Headers = new Dictionary<string, string> { ["X-Trace"] = "t1" },
            RequiredTokens = 42,
            CacheControl = new CacheControl(TimeSpan.FromSeconds(5), NoStore: true),
            Deadline = new DateTimeOffset(2030, 1, 2, 3, 4, 5, TimeSpan.Zero),
        };

        _ = submitter.SubmitAsync(call);
        var seen = await received.Task.Finishes();

        Assert.Equal(call with { Headers = null }, seen with { Headers = null });
        Assert.Equal("t1", seen.Headers!["X-Trace"]);
    }

    [Fact]
    public async Task A_call_read_by_a_consumer_that_dies_is_claimed_by_a_live_node_and_answered_once()
    {
        await using var submitter = Node("a");
        await submitter.StartAsync();
        var pending = submitter.SubmitAsync(new APICalling("call-3", Endpoint, "{}"));
        // The dying node reads the call and never acknowledges it.
        await ReadWithoutAcknowledgingAsync("dead-node");

        await using var survivor = Node("b");
        var runs = new ConcurrentDictionary<string, int>();
        survivor.StartConsuming([Endpoint], Counting(runs, "b"));
        var result = await pending.Finishes();

        Assert.Equal("b:{}", result.Body);
        Assert.Equal(1, runs["call-3"]);
        await using var check = await redis.ConnectAsync();
        await Poll.UntilAsync(() => check.XPendingAsync(Keys.Calls(Endpoint), Keys.Group), p => p.Count == 0, "the claimed call is acknowledged");
    }

    [Fact]
    public async Task A_node_restarted_under_its_old_name_takes_its_own_pending_calls_at_once_without_waiting_for_a_claim()
    {
        await using var submitter = Node("a");
        await submitter.StartAsync();
        var pending = submitter.SubmitAsync(new APICalling("call-9", Endpoint, "{}"));
        await ReadWithoutAcknowledgingAsync("b");

        var options = TestCluster.Options(redis.Server.Options, _prefix, "b") with { ClaimIdleTimeout = TimeSpan.FromHours(1) };
        await using var restarted = new ClusterWorkQueue(options);
        var runs = new ConcurrentDictionary<string, int>();
        restarted.StartConsuming([Endpoint], Counting(runs, "b"));

        Assert.Equal("b:{}", (await pending.Finishes()).Body);
        Assert.Equal(1, runs["call-9"]);
    }

    [Fact]
    public async Task A_call_that_runs_longer_than_the_claim_idle_timeout_is_not_claimed_from_its_live_node()
    {
        await using var submitter = Node("a");
        await using var slow = Node("b");
        await using var other = Node("c");
        await submitter.StartAsync();
        var runs = new ConcurrentDictionary<string, int>();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        slow.StartConsuming([Endpoint], async (call, _) =>
        {
            runs.AddOrUpdate(call.CallId, 1, (_, n) => n + 1);
            started.TrySetResult();
            // Several claim-idle timeouts (400 ms) long.
            await Task.Delay(TimeSpan.FromMilliseconds(1500));
            return APICallResult.Completed(call.CallId, 200, "slow");
        });
        var pending = submitter.SubmitAsync(new APICalling("call-10", Endpoint, "{}"));
        await started.Task.Finishes();
        other.StartConsuming([Endpoint], Counting(runs, "c"));

        var result = await pending.Finishes();

        Assert.Equal("slow", result.Body);
        Assert.Equal(1, runs["call-10"]);
    }

    [Fact]
    public async Task Stopping_with_a_drain_lets_calls_in_flight_finish_and_answers_waiting_submissions_cancelled()
    {
        await using var submitter = Node("a");
        var worker = Node("b");
        await submitter.StartAsync();
        await worker.StartAsync();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var running = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        worker.StartConsuming([Endpoint], async (call, _) =>
        {
            running.TrySetResult();
            await release.Task;
            return APICallResult.Completed(call.CallId, 200, "drained");
        });
        var inFlight = submitter.SubmitAsync(new APICalling("call-11", Endpoint, "{}"));
        await running.Task.Finishes();
        var ownWaiting = worker.SubmitAsync(new APICalling("call-12", "nobody-serves-this", "{}"));

        var stopping = worker.StopAsync(TimeSpan.FromSeconds(30));
        release.SetResult();
        await stopping.Finishes();

        Assert.Equal("drained", (await inFlight.Finishes()).Body);
        Assert.Equal(CallStatus.Cancelled, (await ownWaiting.Finishes()).Status);
        await using var check = await redis.ConnectAsync();
        Assert.Equal(0, (await check.XPendingAsync(Keys.Calls(Endpoint), Keys.Group)).Count);
    }

    [Fact]
    public async Task A_call_left_by_a_node_that_stopped_without_draining_is_finished_by_another()
    {
        await using var submitter = Node("a");
        var quitter = Node("b");
        await submitter.StartAsync();
        var running = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        quitter.StartConsuming([Endpoint], async (call, cancellationToken) =>
        {
            running.TrySetResult();
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return APICallResult.Completed(call.CallId, 200, "never");
        });
        var pending = submitter.SubmitAsync(new APICalling("call-13", Endpoint, "{}"));
        await running.Task.Finishes();

        await quitter.DisposeAsync();
        await using var survivor = Node("c");
        survivor.StartConsuming([Endpoint], Counting(new ConcurrentDictionary<string, int>(), "c"));

        Assert.Equal("c:{}", (await pending.Finishes()).Body);
    }

    [Fact]
    public async Task A_second_result_for_the_same_call_is_dropped_at_the_submitter()
    {
        await using var submitter = Node("a");
        await using var worker = Node("b");
        await submitter.StartAsync();
        worker.StartConsuming([Endpoint], Counting(new ConcurrentDictionary<string, int>(), "b"));
        var first = await submitter.SubmitAsync(new APICalling("call-4", Endpoint, "{}")).Finishes();

        // A late copy, as a node that was thought dead would send it.
        await using var late = await redis.ConnectAsync();
        await late.XAddAsync(Keys.Replies("a"), new KeyValuePair<string, RedisValue>[]
        {
            new("call-id", "call-4"),
            new("result", ClusterJson.Serialize(APICallResult.Failed("call-4", ErrorKind.Server, "late copy"))),
        });

        await Poll.UntilAsync(() => submitter.UnclaimedReplies, n => n == 1, "the late copy is read");
        Assert.Equal(CallStatus.Completed, first.Status);
    }

    [Fact]
    public async Task A_call_submitted_again_after_it_completed_is_answered_from_the_stored_result_without_running_again()
    {
        await using var submitter = Node("a");
        await using var worker = Node("b");
        await submitter.StartAsync();
        var runs = new ConcurrentDictionary<string, int>();
        worker.StartConsuming([Endpoint], Counting(runs, "b"));
        var call = new APICalling("call-5", Endpoint, "{}");
        var first = await submitter.SubmitAsync(call).Finishes();

        var again = await submitter.SubmitAsync(call with { Payload = "{\"changed\":true}" }).Finishes();

        Assert.Equal(first, again);
        Assert.Equal(1, runs["call-5"]);
    }

    [Fact]
    public async Task A_claimed_call_whose_result_was_stored_before_its_node_died_is_answered_from_the_store()
    {
        await using var submitter = Node("a");
        await submitter.StartAsync();
        var pending = submitter.SubmitAsync(new APICalling("call-6", Endpoint, "{}"));
        await ReadWithoutAcknowledgingAsync("dead-node");
        await using (var dead = await redis.ConnectAsync())
        {
            // It finished the call and stored the result, then died before replying and acknowledging.
            await dead.SetAsync(Keys.Result("call-6"), ClusterJson.Serialize(APICallResult.Completed("call-6", 200, "stored")), TimeSpan.FromMinutes(1));
        }

        await using var survivor = Node("b");
        var runs = new ConcurrentDictionary<string, int>();
        survivor.StartConsuming([Endpoint], Counting(runs, "b"));
        var result = await pending.Finishes();

        Assert.Equal("stored", result.Body);
        Assert.Empty(runs);
    }

    [Fact]
    public async Task A_result_another_node_stored_while_the_call_ran_here_is_the_one_replied_and_the_entry_is_finished()
    {
        await using var submitter = Node("a");
        await using var worker = Node("b");
        await using var probe = await redis.ConnectAsync();
        await submitter.StartAsync();
        worker.StartConsuming([Endpoint], async (call, _) =>
        {
            // A duplicate entry of the call finished first on another node.
            await probe.SetAsync(Keys.Result(call.CallId), ClusterJson.Serialize(APICallResult.Completed(call.CallId, 200, "other node")), TimeSpan.FromMinutes(1));
            return APICallResult.Completed(call.CallId, 200, "this node");
        });

        var result = await submitter.SubmitAsync(new APICalling("call-7", Endpoint, "{}")).Finishes();

        Assert.Equal("other node", result.Body);
        var pending = await Poll.UntilAsync(() => probe.XPendingAsync(Keys.Calls(Endpoint), Keys.Group), p => p.Count == 0, "the entry is acknowledged");
        Assert.Empty(pending.Consumers);
        Assert.Equal(0, await probe.XLenAsync(Keys.Calls(Endpoint)));
    }

    [Fact]
    public async Task Submitting_a_call_id_that_is_still_waiting_returns_the_same_result_without_queueing_it_twice()
    {
        await using var submitter = Node("a");
        await submitter.StartAsync();
        var call = new APICalling("call-7", Endpoint, "{}");
        var first = submitter.SubmitAsync(call);
        var second = submitter.SubmitAsync(call);
        await using var check = await redis.ConnectAsync();
        await Poll.UntilAsync(() => check.XLenAsync(Keys.Calls(Endpoint)), n => n == 1, "the call is queued");

        await using var worker = Node("b");
        worker.StartConsuming([Endpoint], Counting(new ConcurrentDictionary<string, int>(), "b"));

        Assert.Equal(await first.Finishes(), await second.Finishes());
        Assert.Equal(0, submitter.UnclaimedReplies);
    }

    [Fact]
    public async Task A_handler_that_throws_still_answers_the_submitter_with_a_failure()
    {
        await using var submitter = Node("a");
        await using var worker = Node("b");
        await submitter.StartAsync();
        worker.StartConsuming([Endpoint], (_, _) => throw new InvalidOperationException("pipeline broke"));

        var result = await submitter.SubmitAsync(new APICalling("call-8", Endpoint, "{}")).Finishes();

        Assert.Equal(CallStatus.Failed, result.Status);
        Assert.Contains("pipeline broke", result.ErrorMessage);
    }

    [Fact]
    public async Task An_unreadable_call_is_rejected_to_its_submitter_without_stopping_the_node()
    {
        await using var submitter = Node("a");
        await using var worker = Node("b");
        await submitter.StartAsync();
        var runs = new ConcurrentDictionary<string, int>();
        worker.StartConsuming([Endpoint], Counting(runs, "b"));
        // Registers a waiter for "bad" the way a submission would, then a broken entry stands in for its call.
        var bad = submitter.SubmitAsync(new APICalling("bad", "elsewhere", "{}"));
        await using var writer = await redis.ConnectAsync();
        await writer.XAddAsync(Keys.Calls(Endpoint), new KeyValuePair<string, RedisValue>[]
        {
            new("call", "{\"callId\":\"bad\",\"endpoint\":42}"),
            new("origin", "a"),
        });

        var rejected = await bad.Finishes();
        var good = await submitter.SubmitAsync(new APICalling("good", Endpoint, "{}")).Finishes();

        Assert.Equal(CallStatus.Rejected, rejected.Status);
        Assert.Equal(ErrorKind.InvalidRequest, rejected.Error);
        Assert.Equal(CallStatus.Completed, good.Status);
        Assert.False(runs.ContainsKey("bad"));
    }
}
