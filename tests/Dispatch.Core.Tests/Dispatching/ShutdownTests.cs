using Akka.Actor;
using Akka.TestKit;
using Dispatch.Core.Dispatching;
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
        var (dispatch, caller) = await Loaded();
        Watch(dispatch);

        Sys.Stop(dispatch);

        ExpectTerminated(dispatch, TimeSpan.FromSeconds(20));
        AssertEachCancelledOnce(caller);
        await Until(() => Sessions.All(s => s.IsDisposed), "the HTTP session to be closed");
        Assert.Single(Sessions);
    }

    [Fact]
    public async Task Terminating_the_system_with_calls_queued_and_in_flight_answers_each_once_cancelled_and_closes_the_session()
    {
        var (_, caller) = await Loaded();

        await Sys.Terminate().WaitAsync(TimeSpan.FromSeconds(10));

        // The probe is a system actor: it outlives the user's actors, and what it received stays queued after the system is gone.
        AssertEachCancelledOnce(caller);
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

    [Fact]
    public async Task Calls_still_in_the_mailbox_when_dispatch_stops_are_answered_cancelled_by_the_dead_letter_rescuer()
    {
        // Dispatch is held in its PreStart (the rescuer is already subscribed), so the calls told meanwhile wait in its mailbox;
        // the stop is a system message, handled first, so they are never processed and become dead letters.
        var random = new GatedRandom();
        var props = DispatchActor.Props(Options(), Dependencies() with { Random = random });
        var owner = Sys.ActorOf(Props.Create(() => new Owner(props)), "owner");
        Assert.True(await random.Entered.WaitAsync(TimeSpan.FromSeconds(10)), "dispatch never started");
        var dispatch = await owner.Ask<IActorRef>(Owner.GetChild.Instance).WaitAsync(TimeSpan.FromSeconds(10));
        var caller = CreateTestProbe();
        for (var i = 0; i < 3; i++) dispatch.Tell(Call($"c{i}"), caller.Ref);

        await owner.Ask<Owner.ChildStopping>(Owner.StopChild.Instance).WaitAsync(TimeSpan.FromSeconds(10));
        random.Open();

        var results = ExactlyOneResultEach(caller, 3, TimeSpan.FromSeconds(20));
        Assert.All(results, r => Assert.Equal((CallStatus.Cancelled, "Dispatch stopped before the call was processed"), (r.Status, r.ErrorMessage)));
        Assert.Equal(0, Upstream.Counters.RequestsReceived);
    }

    [Fact]
    public async Task A_dead_call_is_answered_once_even_when_another_dispatch_s_path_is_a_prefix_of_its_own()
    {
        // "/user/own" is a prefix of "/user/owner/dispatch": only the stopped dispatch's rescuer may answer its calls.
        Sys.ActorOf(DispatchActor.Props(Options(), Dependencies()), "own");
        var random = new GatedRandom();
        var props = DispatchActor.Props(Options(), Dependencies() with { Random = random });
        var owner = Sys.ActorOf(Props.Create(() => new Owner(props)), "owner");
        Assert.True(await random.Entered.WaitAsync(TimeSpan.FromSeconds(10)), "dispatch never started");
        var dispatch = await owner.Ask<IActorRef>(Owner.GetChild.Instance).WaitAsync(TimeSpan.FromSeconds(10));
        var caller = CreateTestProbe();
        dispatch.Tell(Call("only"), caller.Ref);

        await owner.Ask<Owner.ChildStopping>(Owner.StopChild.Instance).WaitAsync(TimeSpan.FromSeconds(10));
        random.Open();

        var result = Assert.Single(ExactlyOneResultEach(caller, 1, TimeSpan.FromSeconds(20)));
        Assert.Equal(CallStatus.Cancelled, result.Status);
    }

    /// <summary>Two calls the upstream never answers in flight, three queued behind them; every result goes to the returned probe.</summary>
    private async Task<(IActorRef Dispatch, TestProbe Caller)> Loaded()
    {
        var dispatch = StartDispatch(Endpoint(e => e with { Executor = new Dispatch.Core.Execution.ExecutorOptions { Concurrency = InFlight } }));
        var caller = CreateTestProbe();
        for (var i = 0; i < InFlight; i++) dispatch.Tell(Call($"flight-{i}", "timeout"), caller.Ref);
        await Until(() => Upstream.Counters.OpenRequests == InFlight, "two calls in flight");
        for (var i = 0; i < Queued; i++) dispatch.Tell(Call($"queued-{i}"), caller.Ref);
        await StatusUntil(dispatch, s => s.QueueDepth == Queued, "three calls queued");
        return (dispatch, caller);
    }

    private static void AssertEachCancelledOnce(TestProbe caller)
    {
        var results = ExactlyOneResultEach(caller, InFlight + Queued, TimeSpan.FromSeconds(20));
        Assert.All(results, r => Assert.Equal(CallStatus.Cancelled, r.Status));
    }

    /// <summary>A Random whose first draw waits until <see cref="Open"/>: it holds the DispatchActor in its PreStart.</summary>
    private sealed class GatedRandom : Random
    {
        private readonly ManualResetEventSlim _open = new();
        private int _draws;

        public SemaphoreSlim Entered { get; } = new(0);

        public void Open() => _open.Set();

        public override int Next()
        {
            if (Interlocked.Increment(ref _draws) == 1)
            {
                Entered.Release();
                _open.Wait(TimeSpan.FromSeconds(30));
            }

            return base.Next();
        }
    }

    /// <summary>The parent of a DispatchActor, so the test can stop it with a system message at a known moment.</summary>
    private sealed class Owner : ReceiveActor
    {
        public Owner(Props child)
        {
            var dispatch = Context.ActorOf(child, "dispatch");
            Receive<GetChild>(_ => Sender.Tell(dispatch));
            Receive<StopChild>(_ =>
            {
                // Context.Stop enqueues the child's Terminate before this returns.
                Context.Stop(dispatch);
                Sender.Tell(ChildStopping.Instance);
            });
        }

        public sealed record GetChild
        {
            public static readonly GetChild Instance = new();
        }

        public sealed record StopChild
        {
            public static readonly StopChild Instance = new();
        }

        public sealed record ChildStopping
        {
            public static readonly ChildStopping Instance = new();
        }
    }
}
