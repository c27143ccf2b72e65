using Akka.Actor;
using Dispatch.Core.Protocol;
using Dispatch.Core.RateLimiting;
using Xunit.Abstractions;

namespace Dispatch.Core.Tests.Dispatching;

/// <summary>Drain lets accepted calls finish until its timeout, cancels the rest, refuses new calls, and counts both.</summary>
public class DrainTests(ITestOutputHelper output) : DispatchSpec(output)
{


    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task Drain_lets_calls_finish_until_the_timeout_then_cancels_the_rest_and_reports_both()
    {
        // One request a second: "first" goes now, one of the other two at 1 s, the last at 2 s: after the drain's 1.5 s.
        var dispatch = StartDispatch(Endpoint(e => e with { RateLimit = new RateLimitOptions { Requests = 1, Interval = Second, Guard = TimeSpan.Zero } }));
        Assert.Equal(CallStatus.Completed, (await Send(dispatch, Call("first"))).Status);
        var second = Send(dispatch, Call("second"));
        var third = Send(dispatch, Call("third"));
        await StatusUntil(dispatch, s => s.WaitingForCredits == 2, "two calls waiting for credits");

        var drained = dispatch.Ask<DrainCompleted>(new Drain(TimeSpan.FromMilliseconds(1500)));
        var refused = await Send(dispatch, Call("new"));
        Advance(Second);
        var granted = await Task.WhenAny(second, third).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(CallStatus.Completed, (await granted).Status);
        Advance(TimeSpan.FromMilliseconds(500));

        Assert.Equal(new DrainCompleted(Completed: 1, Cancelled: 1), await drained.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(CallStatus.Cancelled, (await (granted == second ? third : second)).Status);
        Assert.Equal((CallStatus.Rejected, ErrorKind.Cancelled), (refused.Status, refused.Error));
        Assert.Contains("shutting down", refused.ErrorMessage);
        Assert.Equal(2, Upstream.Counters.RequestsReceived);
    }

    [Fact]
    public async Task Drain_cancels_calls_in_flight_and_queued_at_the_timeout()
    {
        var dispatch = StartDispatch(Endpoint(e => e with { Executor = new Dispatch.Core.Execution.ExecutorOptions { Concurrency = 1 } }));
        var inFlight = Send(dispatch, Call("hangs", "timeout"));
        await Until(() => Upstream.Counters.OpenRequests == 1, "a call in flight");
        var queued = Send(dispatch, Call("queued"));
        await StatusUntil(dispatch, s => s.QueueDepth == 1, "a call queued");

        var drained = dispatch.Ask<DrainCompleted>(new Drain(Second));
        await StatusUntil(dispatch, _ => true, "the drain to be under way");
        Advance(Second);

        Assert.Equal(new DrainCompleted(0, 2), await drained.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(CallStatus.Cancelled, (await inFlight).Status);
        Assert.Equal(CallStatus.Cancelled, (await queued).Status);
        await Until(() => Upstream.Counters.OpenRequests == 0, "the request in flight to be aborted");
    }

    [Fact]
    public async Task Drain_with_nothing_accepted_completes_at_once()
    {
        var dispatch = StartDispatch();

        var drained = await dispatch.Ask<DrainCompleted>(new Drain(Second)).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(new DrainCompleted(0, 0), drained);
    }
}
