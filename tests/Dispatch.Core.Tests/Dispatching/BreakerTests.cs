using Akka.Actor;
using Dispatch.Core.Breaker;
using Dispatch.Core.Protocol;
using Dispatch.Core.Retry;
using Xunit.Abstractions;

namespace Dispatch.Core.Tests.Dispatching;

/// <summary>
/// The endpoint supervisor's strategy is the circuit breaker: an executor escalates an upstream
/// failure by throwing, and only Akka's supervision hands it to the breaker, so a breaker that
/// opens here proves the strategy is wired in (the strategy itself: <c>CircuitBreakerStrategyTests</c>).
/// </summary>
public class BreakerTests(ITestOutputHelper output) : DispatchSpec(output)
{
    private static readonly TimeSpan ResetTimeout = TimeSpan.FromSeconds(10);

    private IActorRef StartBreaking(WhenOpen whenOpen = WhenOpen.Reject) => StartDispatch(Endpoint(e => e with
    {
        Executor = new Dispatch.Core.Execution.ExecutorOptions { Concurrency = 1 },
        Retry = new RetryOptions { MaxAttempts = 1 },
        Breaker = new BreakerOptions { MaxFailures = 3, ResetTimeout = ResetTimeout, MaxResetTimeout = TimeSpan.FromSeconds(40), WhenOpen = whenOpen },
    }));

    private async Task FailTimes(IActorRef dispatch, int times, string prefix)
    {
        for (var i = 0; i < times; i++)
        {
            var result = await Send(dispatch, Call($"{prefix}{i}", "500"));
            Assert.Equal(ErrorKind.Server, result.Error);
        }
    }

    [Fact]
    public async Task The_breaker_opens_after_max_failures_consecutive_failures_and_sends_nothing_while_open()
    {
        var changes = Subscribe<BreakerStateChanged>();
        var dispatch = StartBreaking();

        await FailTimes(dispatch, 3, "f");

        var opened = changes.ExpectMsg<BreakerStateChanged>(TimeSpan.FromSeconds(10));
        Assert.Equal((BreakerState.Closed, BreakerState.Open, 3), (opened.From, opened.To, opened.ConsecutiveFailures));
        var sent = Upstream.Counters.RequestsReceived;
        var refused = await Send(dispatch, Call("while-open"));
        Assert.Equal((CallStatus.Rejected, ErrorKind.CircuitOpen), (refused.Status, refused.Error));
        Assert.Equal(sent, Upstream.Counters.RequestsReceived);
        Assert.Equal(BreakerState.Open, (await StatusOf(dispatch)).Breaker);
    }

    [Fact]
    public async Task The_breaker_half_opens_after_the_reset_timeout_and_a_successful_probe_closes_it()
    {
        var changes = Subscribe<BreakerStateChanged>();
        var dispatch = StartBreaking();
        await FailTimes(dispatch, 3, "f");
        changes.ExpectMsg<BreakerStateChanged>(TimeSpan.FromSeconds(10));

        Advance(ResetTimeout - TimeSpan.FromTicks(1));
        changes.ExpectNoMsg(TimeSpan.FromMilliseconds(50));
        Advance(TimeSpan.FromTicks(1));
        var halfOpen = changes.ExpectMsg<BreakerStateChanged>(TimeSpan.FromSeconds(10));
        Assert.Equal((BreakerState.Open, BreakerState.HalfOpen), (halfOpen.From, halfOpen.To));

        var probe = await Send(dispatch, Call("probe"));

        Assert.Equal(CallStatus.Completed, probe.Status);
        var closed = changes.ExpectMsg<BreakerStateChanged>(TimeSpan.FromSeconds(10));
        Assert.Equal((BreakerState.HalfOpen, BreakerState.Closed), (closed.From, closed.To));
    }

    [Fact]
    public async Task A_failed_probe_re_opens_the_breaker_for_twice_as_long()
    {
        var changes = Subscribe<BreakerStateChanged>();
        var dispatch = StartBreaking();
        await FailTimes(dispatch, 3, "f");
        changes.ExpectMsg<BreakerStateChanged>(TimeSpan.FromSeconds(10));
        // The change is published just before its timer is set; a virtual advance must not slip in between.
        await StatusUntil(dispatch, s => s.Breaker == BreakerState.Open, "the open breaker's timer to be set");
        Advance(ResetTimeout);
        changes.ExpectMsg<BreakerStateChanged>(TimeSpan.FromSeconds(10));

        var probe = await Send(dispatch, Call("probe", "500"));

        Assert.Equal(ErrorKind.Server, probe.Error);
        var reopened = changes.ExpectMsg<BreakerStateChanged>(TimeSpan.FromSeconds(10));
        Assert.Equal((BreakerState.HalfOpen, BreakerState.Open), (reopened.From, reopened.To));
        Assert.Equal(reopened.At + 2 * ResetTimeout, reopened.OpenUntil);
    }

    [Fact]
    public async Task Calls_held_while_open_are_sent_once_the_breaker_lets_them_through()
    {
        var changes = Subscribe<BreakerStateChanged>();
        var dispatch = StartBreaking(WhenOpen.Hold);
        await FailTimes(dispatch, 3, "f");
        changes.ExpectMsg<BreakerStateChanged>(TimeSpan.FromSeconds(10));

        var held = Send(dispatch, Call("held"));
        await StatusUntil(dispatch, s => s.QueueDepth == 1, "the call to be held");
        Assert.Equal(3, Upstream.Counters.RequestsReceived);
        Advance(ResetTimeout);

        Assert.Equal(CallStatus.Completed, (await held).Status);
    }
}
