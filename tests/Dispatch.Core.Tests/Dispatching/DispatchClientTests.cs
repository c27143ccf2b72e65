using Akka.Actor;
using Dispatch.Core.Dispatching;
using Dispatch.Core.Protocol;
using Xunit.Abstractions;

namespace Dispatch.Core.Tests.Dispatching;

/// <summary>The client for code outside the actor system: one reply reference for all calls, one result per call.</summary>
public class DispatchClientTests(ITestOutputHelper output) : DispatchSpec(output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Each_call_s_task_completes_with_that_call_s_own_result()
    {
        using var client = new DispatchClient(Sys, StartDispatch());

        var sent = Enumerable.Range(0, 50).Select(i => client.SendAsync(Call($"c{i}"))).ToArray();
        var results = await Task.WhenAll(sent).WaitAsync(Patience);

        Assert.Equal(Enumerable.Range(0, 50).Select(i => $"c{i}"), results.Select(r => r.CallId));
        Assert.All(results, r => Assert.Equal(CallStatus.Completed, r.Status));
        Assert.Equal(0, client.Waiting);
    }

    [Fact]
    public async Task A_second_call_under_an_id_still_waiting_is_refused_without_being_sent()
    {
        using var client = new DispatchClient(Sys, StartDispatch());
        var first = client.SendAsync(Call("same", "timeout"));
        await Until(() => Upstream.Counters.OpenRequests == 1, "the first call in flight");

        var second = await client.SendAsync(Call("same")).WaitAsync(Patience);

        Assert.Equal((CallStatus.Rejected, ErrorKind.InvalidRequest), (second.Status, second.Error));
        Assert.Equal(1, Upstream.Counters.RequestsReceived);
        Assert.False(first.IsCompleted);
    }

    [Fact]
    public async Task Cancelling_a_call_s_token_ends_the_call_cancelled_in_flight()
    {
        using var client = new DispatchClient(Sys, StartDispatch());
        using var cancel = new CancellationTokenSource();
        var call = client.SendAsync(Call("hanging", "timeout"), cancel.Token);
        await Until(() => Upstream.Counters.OpenRequests == 1, "the call in flight");

        await cancel.CancelAsync();

        var result = await call.WaitAsync(Patience);
        Assert.Equal(CallStatus.Cancelled, result.Status);
        Assert.Equal(0, client.Waiting);
    }

    [Fact]
    public async Task Disposing_the_client_answers_every_waiting_call_cancelled_and_refuses_new_ones()
    {
        var client = new DispatchClient(Sys, StartDispatch());
        var waiting = client.SendAsync(Call("hanging", "timeout"));
        await Until(() => Upstream.Counters.OpenRequests == 1, "the call in flight");

        client.Dispose();

        var result = await waiting.WaitAsync(Patience);
        Assert.Equal(CallStatus.Cancelled, result.Status);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => client.SendAsync(Call("late")));
    }

    [Fact]
    public async Task A_call_sent_to_a_stopped_dispatch_is_answered_through_the_client()
    {
        var dispatch = StartDispatch();
        Watch(dispatch);
        Sys.Stop(dispatch);
        ExpectTerminated(dispatch, Patience);
        using var client = new DispatchClient(Sys, dispatch);

        var result = await client.SendAsync(Call("late")).WaitAsync(Patience);

        Assert.Equal(CallStatus.Cancelled, result.Status);
    }

    [Fact]
    public async Task A_client_that_sends_straight_to_the_endpoint_is_refused_once_the_node_drains()
    {
        var dispatch = StartDispatch();
        using var client = new DispatchClient(Sys, dispatch);
        // The routes were asked for before this call and answered before it was routed.
        Assert.Equal(CallStatus.Completed, (await client.SendAsync(Call("before")).WaitAsync(Patience)).Status);
        await dispatch.Ask<DrainCompleted>(new Drain(TimeSpan.FromSeconds(1))).WaitAsync(Patience);

        var refused = await client.SendAsync(Call("after")).WaitAsync(Patience);

        Assert.Equal((CallStatus.Rejected, ErrorKind.Cancelled), (refused.Status, refused.Error));
        Assert.Contains("shutting down", refused.ErrorMessage);
        Assert.Equal(1, Upstream.Counters.RequestsReceived);
    }

    [Fact]
    public async Task A_call_sent_straight_to_an_endpoint_that_has_stopped_is_answered_through_the_client()
    {
        var dispatch = StartDispatch();
        using var client = new DispatchClient(Sys, dispatch);
        Assert.Equal(CallStatus.Completed, (await client.SendAsync(Call("before")).WaitAsync(Patience)).Status);
        Watch(dispatch);
        Sys.Stop(dispatch);
        ExpectTerminated(dispatch, Patience);

        var result = await client.SendAsync(Call("late")).WaitAsync(Patience);

        Assert.Equal(CallStatus.Cancelled, result.Status);
        Assert.Equal(0, client.Waiting);
    }
}
