using Akka.Actor;
using Dispatch.Core.Protocol;
using Dispatch.Core.RateLimiting;
using Xunit.Abstractions;

namespace Dispatch.Core.Tests.Dispatching;

/// <summary>A deadline or a cancellation ends a call wherever it is: queued, waiting for credits, in flight.</summary>
public class CancellationAndDeadlineTests(ITestOutputHelper output) : DispatchSpec(output)
{
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task A_queued_call_whose_deadline_passes_is_answered_timed_out()
    {
        var dispatch = await OneExecutorBusy();
        dispatch.Tell(Call("late") with { Deadline = SchedulerNow + Second }, TestActor);
        await StatusUntil(dispatch, s => s.QueueDepth == 1, "the call to be queued");

        Advance(Second);

        var result = ExpectMsg<APICallResult>();
        Assert.Equal(("late", CallStatus.TimedOut), (result.CallId, result.Status));
        Assert.Contains("queued", result.ErrorMessage);
        Assert.Equal(0, Upstream.Counters.ArrivalsOf("late"));
    }

    [Fact]
    public async Task A_queued_call_cancelled_is_answered_cancelled_and_never_sent()
    {
        var dispatch = await OneExecutorBusy();
        dispatch.Tell(Call("doomed"), TestActor);
        await StatusUntil(dispatch, s => s.QueueDepth == 1, "the call to be queued");

        dispatch.Tell(new CancelCall("doomed"), TestActor);

        var result = ExpectMsg<APICallResult>();
        Assert.Equal(("doomed", CallStatus.Cancelled), (result.CallId, result.Status));
        Assert.Contains("queued", result.ErrorMessage);
        Assert.Equal(0, (await StatusOf(dispatch)).QueueDepth);
        Assert.Equal(0, Upstream.Counters.ArrivalsOf("doomed"));
    }

    [Fact]
    public async Task A_call_waiting_for_credits_whose_deadline_passes_is_answered_timed_out()
    {
        var dispatch = await CreditsSpent();
        dispatch.Tell(Call("late") with { Deadline = SchedulerNow + Second }, TestActor);
        await StatusUntil(dispatch, s => s.WaitingForCredits == 1, "the call to wait for credits");

        Advance(Second);

        var result = ExpectMsg<APICallResult>();
        Assert.Equal(("late", CallStatus.TimedOut), (result.CallId, result.Status));
        Assert.Contains("waiting for credits", result.ErrorMessage);
        await StatusUntil(dispatch, s => s.WaitingForCredits == 0 && s.InFlight == 0, "the credit request to be withdrawn");
        Assert.Equal(0, Upstream.Counters.ArrivalsOf("late"));
    }

    [Fact]
    public async Task A_call_waiting_for_credits_cancelled_is_answered_cancelled_and_leaves_the_line()
    {
        var dispatch = await CreditsSpent();
        dispatch.Tell(Call("doomed"), TestActor);
        await StatusUntil(dispatch, s => s.WaitingForCredits == 1, "the call to wait for credits");

        dispatch.Tell(new CancelCall("doomed", Api), TestActor);

        var result = ExpectMsg<APICallResult>();
        Assert.Equal(("doomed", CallStatus.Cancelled), (result.CallId, result.Status));
        Assert.Contains("waiting for credits", result.ErrorMessage);
        await StatusUntil(dispatch, s => s.WaitingForCredits == 0 && s.InFlight == 0, "the credit request to be withdrawn");
    }

    [Fact]
    public async Task A_call_in_flight_whose_deadline_passes_is_answered_timed_out_and_its_request_aborted()
    {
        var dispatch = StartDispatch();
        dispatch.Tell(Call("late", "timeout") with { Deadline = SchedulerNow + Second }, TestActor);
        await Until(() => Upstream.Counters.ArrivalsOf("late") == 1, "the call to be in flight");

        Advance(Second);

        var result = ExpectMsg<APICallResult>();
        Assert.Equal(("late", CallStatus.TimedOut), (result.CallId, result.Status));
        Assert.Contains("in flight", result.ErrorMessage);
        await Until(() => Upstream.Counters.OpenRequests == 0 && Upstream.Counters.Aborted == 1, "the upstream to see the request aborted");
    }

    [Fact]
    public async Task A_call_in_flight_cancelled_is_answered_cancelled_and_its_request_aborted()
    {
        var dispatch = StartDispatch();
        dispatch.Tell(Call("doomed", "timeout"), TestActor);
        await Until(() => Upstream.Counters.ArrivalsOf("doomed") == 1, "the call to be in flight");

        dispatch.Tell(new CancelCall("doomed"), TestActor);

        var result = ExpectMsg<APICallResult>();
        Assert.Equal(("doomed", CallStatus.Cancelled), (result.CallId, result.Status));
        Assert.Contains("in flight", result.ErrorMessage);
        await Until(() => Upstream.Counters.OpenRequests == 0 && Upstream.Counters.Aborted == 1, "the upstream to see the request aborted");
    }

    [Fact]
    public async Task A_call_whose_deadline_has_passed_on_arrival_is_timed_out_without_sending()
    {
        var dispatch = StartDispatch();

        var result = await Send(dispatch, Call("stale") with { Deadline = SchedulerNow });

        Assert.Equal(CallStatus.TimedOut, result.Status);
        Assert.Equal(0, Upstream.Counters.RequestsReceived);
    }

    /// <summary>One executor, held by a call the upstream never answers.</summary>
    private async Task<IActorRef> OneExecutorBusy()
    {
        var dispatch = StartDispatch(Endpoint(e => e with { Executor = new Dispatch.Core.Execution.ExecutorOptions { Concurrency = 1 } }));
        dispatch.Tell(Call("blocker", "timeout"), null);
        await Until(() => Upstream.Counters.ArrivalsOf("blocker") == 1, "the blocker to be in flight");
        return dispatch;
    }

    /// <summary>An endpoint allowed one request a minute, which one call has just used.</summary>
    private async Task<IActorRef> CreditsSpent()
    {
        var dispatch = StartDispatch(Endpoint(e => e with { RateLimit = new RateLimitOptions { Requests = 1, Interval = TimeSpan.FromMinutes(1) } }));
        await Send(dispatch, Call("first"));
        return dispatch;
    }
}
