using Dispatch.Testing;

namespace Dispatch.Actors.Tests;

public sealed class TimerSpec : ActorSpec
{
    public TimerSpec()
        : base(new ManualTimeProvider())
    {
    }

    [Fact]
    public void A_single_timer_delivers_its_message_once_after_the_delay()
    {
        var actor = Sys.ActorOf(Props.Create(() => new TimerActor(TestActor)));
        actor.Tell(new StartSingle("tick", TimeSpan.FromSeconds(10)));
        ExpectMsg("started");

        Clock.Advance(TimeSpan.FromSeconds(9));
        ExpectNoMsg(TimeSpan.FromMilliseconds(50));
        Clock.Advance(TimeSpan.FromSeconds(1));

        ExpectMsg("tick");
        Clock.Advance(TimeSpan.FromSeconds(30));
        ExpectNoMsg(TimeSpan.FromMilliseconds(50));
    }

    [Fact]
    public void A_60_second_periodic_timer_fires_once_per_period_across_a_big_advance_without_sleeping()
    {
        var actor = Sys.ActorOf(Props.Create(() => new TimerActor(TestActor)));
        actor.Tell(new StartPeriodic("replenish", TimeSpan.FromSeconds(60)));
        ExpectMsg("started");

        Within(TimeSpan.FromSeconds(3), () =>
        {
            Clock.Advance(TimeSpan.FromMinutes(5));

            Assert.Equal(Enumerable.Repeat<object>("replenish", 5), ReceiveN(5));
        });
        ExpectNoMsg(TimeSpan.FromMilliseconds(50));
    }

    [Fact]
    public void A_periodic_timer_can_have_a_different_initial_delay()
    {
        var actor = Sys.ActorOf(Props.Create(() => new TimerActor(TestActor)));
        actor.Tell(new StartPeriodic("tick", TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(1)));
        ExpectMsg("started");

        Clock.Advance(TimeSpan.FromSeconds(1));
        ExpectMsg("tick");
        Clock.Advance(TimeSpan.FromSeconds(9));
        ExpectNoMsg(TimeSpan.FromMilliseconds(50));
        Clock.Advance(TimeSpan.FromSeconds(1));
        ExpectMsg("tick");
    }

    [Fact]
    public void Timers_must_not_deliver_a_cancelled_timers_message_even_if_already_enqueued()
    {
        using var gate = new ManualResetEventSlim();
        var actor = Sys.ActorOf(Props.Create(() => new TimerActor(TestActor)));
        actor.Tell(new StartSingle("tick", TimeSpan.FromSeconds(1)));
        ExpectMsg("started");
        actor.Tell(new BlockThenCancel(gate));
        ExpectMsg("blocked");

        Clock.Advance(TimeSpan.FromSeconds(1));
        gate.Set();
        actor.Tell("ping");

        ExpectMsg("pong");
        ExpectNoMsg(TimeSpan.FromMilliseconds(50));
    }

    [Fact]
    public void Timers_must_not_deliver_a_replaced_timers_message_even_if_already_enqueued()
    {
        using var gate = new ManualResetEventSlim();
        var actor = Sys.ActorOf(Props.Create(() => new TimerActor(TestActor)));
        actor.Tell(new StartSingle("old", TimeSpan.FromSeconds(1)));
        ExpectMsg("started");
        actor.Tell(new BlockThenReplace(gate));
        ExpectMsg("blocked");

        Clock.Advance(TimeSpan.FromSeconds(1));
        gate.Set();
        actor.Tell("ping");
        ExpectMsg("pong");
        Clock.Advance(TimeSpan.FromSeconds(5));

        ExpectMsg("new");
        ExpectNoMsg(TimeSpan.FromMilliseconds(50));
    }

    [Fact]
    public void IsTimerActive_tracks_start_firing_and_cancel()
    {
        var actor = Sys.ActorOf(Props.Create(() => new TimerActor(TestActor)));
        actor.Tell(new StartSingle("tick", TimeSpan.FromSeconds(1)));
        ExpectMsg("started");
        actor.Tell(new IsActive());
        ExpectMsg(true);

        Clock.Advance(TimeSpan.FromSeconds(1));
        ExpectMsg("tick");
        actor.Tell(new IsActive());

        ExpectMsg(false);
    }

    [Fact]
    public void CancelAll_cancels_every_timer()
    {
        var actor = Sys.ActorOf(Props.Create(() => new TimerActor(TestActor)));
        actor.Tell(new StartSingle("a", TimeSpan.FromSeconds(1)));
        actor.Tell(new StartPeriodic("b", TimeSpan.FromSeconds(1)));
        ExpectMsg("started");
        ExpectMsg("started");

        actor.Tell(new CancelAllTimers());
        ExpectMsg("cancelled");
        Clock.Advance(TimeSpan.FromSeconds(10));

        ExpectNoMsg(TimeSpan.FromMilliseconds(50));
        Assert.Equal(0, Clock.ActiveTimerCount);
    }

    [Fact]
    public void Timers_are_cancelled_when_the_actor_restarts()
    {
        var actor = Sys.ActorOf(Props.Create(() => new TimerActor(TestActor)));
        actor.Tell(new StartPeriodic("tick", TimeSpan.FromSeconds(1)));
        ExpectMsg("started");

        actor.Tell(new InvalidOperationException("restart"));
        actor.Tell("ping");
        ExpectMsg("pong");
        Clock.Advance(TimeSpan.FromSeconds(10));

        ExpectNoMsg(TimeSpan.FromMilliseconds(50));
        Assert.Equal(0, Clock.ActiveTimerCount);
    }

    [Fact]
    public void Timers_are_cancelled_when_the_actor_stops()
    {
        var actor = Watch(Sys.ActorOf(Props.Create(() => new TimerActor(TestActor))));
        actor.Tell(new StartPeriodic("tick", TimeSpan.FromSeconds(1)));
        ExpectMsg("started");

        Sys.Stop(actor);
        ExpectTerminated(actor);

        Assert.Equal(0, Clock.ActiveTimerCount);
    }

    [Fact]
    public void Timer_arguments_are_validated()
    {
        var actor = Sys.ActorOf(Props.Create(() => new TimerActor(TestActor)));

        actor.Tell(new StartPeriodic("bad", TimeSpan.Zero));

        ExpectMsg<ArgumentOutOfRangeException>();
    }

    public sealed record StartSingle(string Message, TimeSpan Delay);

    public sealed record StartPeriodic(string Message, TimeSpan Interval, TimeSpan? InitialDelay = null);

    public sealed record BlockThenCancel(ManualResetEventSlim Gate);

    public sealed record BlockThenReplace(ManualResetEventSlim Gate);

    public sealed record IsActive;

    public sealed record CancelAllTimers;

    /// <summary>Starts timers on request; timer messages (strings other than "ping") go to the probe.</summary>
    public sealed class TimerActor : ReceiveActor, IWithTimers
    {
        public TimerActor(IActorRef probe)
        {
            Receive<Exception>(e => throw e);
            Receive<StartSingle>(s =>
            {
                Timers.StartSingleTimer("key", s.Message, s.Delay);
                probe.Tell("started");
            });
            Receive<StartPeriodic>(s =>
            {
                try
                {
                    Timers.StartPeriodicTimer("periodic-" + s.Message, s.Message, s.InitialDelay ?? s.Interval, s.Interval);
                    probe.Tell("started");
                }
                catch (ArgumentOutOfRangeException e)
                {
                    probe.Tell(e);
                }
            });
            Receive<BlockThenCancel>(b =>
            {
                probe.Tell("blocked");
                b.Gate.Wait(TimeSpan.FromSeconds(10));
                Timers.Cancel("key");
            });
            Receive<BlockThenReplace>(b =>
            {
                probe.Tell("blocked");
                b.Gate.Wait(TimeSpan.FromSeconds(10));
                Timers.StartSingleTimer("key", "new", TimeSpan.FromSeconds(5));
            });
            Receive<IsActive>(_ => probe.Tell(Timers.IsTimerActive("key")));
            Receive<CancelAllTimers>(_ =>
            {
                Timers.CancelAll();
                probe.Tell("cancelled");
            });
            Receive<string>(s => s == "ping", _ => probe.Tell("pong"));
            Receive<string>(s => probe.Tell(s));
        }

        public ITimerScheduler Timers { get; set; } = null!;
    }
}
