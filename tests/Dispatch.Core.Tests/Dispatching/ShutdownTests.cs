using Dispatch.Actors;
using Dispatch.Core.Protocol;
using Xunit.Abstractions;

namespace Dispatch.Core.Tests.Dispatching;

/// <summary>Stopping the endpoint or the whole system still gives every call exactly one final result and closes the HTTP session.</summary>
public class ShutdownTests(ITestOutputHelper output) : DispatchSpec(output)
{
    private const int InFlight = 2;
    private const int Queued = 3;

    [Fact]
    public async Task Stopping_dispatch_with_calls_queued_and_in_flight_answers_each_once_cancelled_and_closes_the_session()
    {
        var (dispatch, collector) = await Loaded();

        Sys.Stop(dispatch);

        await Until(() => collector.Results.Count == InFlight + Queued, "every call to be answered");
        AssertEachCancelledOnce(collector);
        await Until(() => Sessions.All(s => s.IsDisposed), "the HTTP session to be closed");
        Assert.Single(Sessions);
    }

    [Fact]
    public async Task Terminating_the_system_with_calls_queued_and_in_flight_answers_each_once_cancelled_and_closes_the_session()
    {
        var (_, collector) = await Loaded();

        await Sys.Terminate().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(InFlight + Queued, collector.Results.Count);
        AssertEachCancelledOnce(collector);
        Assert.True(Assert.Single(Sessions).IsDisposed);
    }

    [Fact]
    public async Task A_call_told_to_a_stopped_dispatch_is_answered_rather_than_lost()
    {
        var dispatch = StartDispatch();
        Watch(dispatch);
        Sys.Stop(dispatch);
        // Stopping waits for every child to stop; on a loaded machine that can outlast the default wait.
        ExpectTerminated(dispatch, TimeSpan.FromSeconds(20));

        var result = await Send(dispatch, Call("late"));

        Assert.Equal(CallStatus.Cancelled, result.Status);
    }

    /// <summary>Two calls the upstream never answers in flight, three queued behind them; every result goes to a collector.</summary>
    private async Task<(IActorRef Dispatch, ResultCollector Collector)> Loaded()
    {
        var dispatch = StartDispatch(Endpoint(e => e with { Executor = new Dispatch.Core.Execution.ExecutorOptions { Concurrency = InFlight } }));
        var collector = NewCollector();
        for (var i = 0; i < InFlight; i++) dispatch.Tell(Call($"flight-{i}", "timeout"), collector);
        await Until(() => Upstream.Counters.OpenRequests == InFlight, "two calls in flight");
        for (var i = 0; i < Queued; i++) dispatch.Tell(Call($"queued-{i}"), collector);
        await StatusUntil(dispatch, s => s.QueueDepth == Queued, "three calls queued");
        return (dispatch, collector);
    }

    private static void AssertEachCancelledOnce(ResultCollector collector)
    {
        Assert.All(collector.Counts.Values, count => Assert.Equal(1, count));
        Assert.Equal(InFlight + Queued, collector.Counts.Count);
        Assert.All(collector.Results, r => Assert.Equal(CallStatus.Cancelled, r.Status));
    }
}
