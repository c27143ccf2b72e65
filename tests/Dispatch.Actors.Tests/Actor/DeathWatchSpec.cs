namespace Dispatch.Actors.Tests;

public sealed class DeathWatchSpec : ActorSpec
{
    [Fact]
    public void A_watcher_receives_Terminated_when_the_watched_actor_stops()
    {
        var watched = Sys.ActorOf<EchoActor>();
        var watcher = Sys.ActorOf(Props.Create(() => new WatcherActor(watched, TestActor)));
        ExpectMsg("watching");

        Sys.Stop(watched);

        var terminated = ExpectMsg<Died>();
        Assert.Equal(watched, terminated.ActorRef);
        Assert.True(terminated.ExistenceConfirmed);
        Assert.Equal(watcher, LastSender);
    }

    [Fact]
    public void Watching_an_already_stopped_actor_yields_Terminated_at_once()
    {
        var dead = Watch(Sys.ActorOf<EchoActor>());
        Sys.Stop(dead);
        ExpectTerminated(dead);
        var probe = CreateTestProbe();

        probe.Watch(dead);

        probe.ExpectTerminated(dead);
    }

    [Fact]
    public void After_Unwatch_no_Terminated_arrives()
    {
        var watched = Sys.ActorOf<EchoActor>();
        var probe = CreateTestProbe();
        probe.Watch(watched);
        probe.Unwatch(watched);
        Watch(watched);

        Sys.Stop(watched);

        ExpectTerminated(watched);
        probe.ExpectNoMsg();
    }

    [Fact]
    public void An_unhandled_Terminated_kills_the_watcher_with_DeathPactException()
    {
        var watched = Sys.ActorOf<EchoActor>();
        var (supervisor, failures) = ReportingSupervisor(SupervisorStrategy.DefaultDecider);
        var watcher = Watch(CreateChild(supervisor, Props.Create(() => new CarelessWatcher(watched, TestActor))));
        ExpectMsg("watching");

        Sys.Stop(watched);

        Assert.Equal(watched, failures.ExpectMsg<DeathPactException>().DeadActor);
        ExpectTerminated(watcher);
    }

    [Fact]
    public void A_Terminated_already_queued_is_dropped_when_the_watcher_unwatches_first()
    {
        using var gate = new ManualResetEventSlim();
        var watched = Watch(Sys.ActorOf<EchoActor>());
        var watcher = Sys.ActorOf(Props.Create(() => new UnwatchWhileBlocked(watched, gate, TestActor)));
        ExpectMsg("watching");
        watcher.Tell("block");
        ExpectMsg("blocked");

        Sys.Stop(watched);
        ExpectTerminated(watched);
        watcher.Tell("ping");
        gate.Set();

        ExpectMsg("pong");
        ExpectNoMsg();
    }

    [Fact]
    public void Watching_the_same_actor_twice_yields_one_Terminated()
    {
        var watched = Sys.ActorOf<EchoActor>();
        var watcher = Sys.ActorOf(Props.Create(() => new WatcherActor(watched, TestActor)));
        ExpectMsg("watching");
        watcher.Tell("watch again");

        Sys.Stop(watched);

        ExpectMsg<Died>();
        ExpectNoMsg();
    }

    [Fact]
    public void A_forwarded_Terminated_is_dropped_by_an_actor_that_did_not_watch()
    {
        var watched = Sys.ActorOf<EchoActor>();
        var bystander = Sys.ActorOf(Props.Create(() => new ForwardActor(TestActor)));

        bystander.Tell(new Terminated(watched, true));
        bystander.Tell("after");

        ExpectMsg("after");
    }

    /// <summary>What a watcher reports; a Terminated itself would be dropped by a recipient that did not watch (as in Akka).</summary>
    public sealed record Died(IActorRef ActorRef, bool ExistenceConfirmed);

    public sealed class WatcherActor : ReceiveActor
    {
        public WatcherActor(IActorRef target, IActorRef probe)
        {
            Context.Watch(target);
            probe.Tell("watching");
            Receive<string>(_ => Context.Watch(target));
            Receive<Terminated>(t => probe.Tell(new Died(t.ActorRef, t.ExistenceConfirmed)));
        }
    }

    public sealed class CarelessWatcher : ReceiveActor
    {
        public CarelessWatcher(IActorRef target, IActorRef probe)
        {
            Context.Watch(target);
            probe.Tell("watching");
            Receive<string>(_ => { });
        }
    }

    public sealed class UnwatchWhileBlocked : ReceiveActor
    {
        public UnwatchWhileBlocked(IActorRef target, ManualResetEventSlim gate, IActorRef probe)
        {
            Context.Watch(target);
            probe.Tell("watching");
            Receive<string>(s => s == "block", _ =>
            {
                probe.Tell("blocked");
                gate.Wait(TimeSpan.FromSeconds(10));
                Context.Unwatch(target);
            });
            Receive<string>(_ => probe.Tell("pong"));
            Receive<Terminated>(t => probe.Tell(new Died(t.ActorRef, t.ExistenceConfirmed)));
        }
    }
}
