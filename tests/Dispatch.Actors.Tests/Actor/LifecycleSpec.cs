namespace Dispatch.Actors.Tests;

public sealed class LifecycleSpec : ActorSpec
{
    [Fact]
    public void PreStart_runs_before_the_first_message_and_PostStop_after_stopping()
    {
        var actor = Sys.ActorOf(Props.Create(() => new FailingActor(TestActor)));

        actor.Tell("first");
        ExpectMsg("prestart");
        ExpectMsg("first");

        Sys.Stop(actor);

        ExpectMsg("poststop");
    }

    [Fact]
    public void A_restart_calls_PreRestart_on_the_old_instance_and_PostRestart_on_the_new_one()
    {
        var actor = Sys.ActorOf(Props.Create(() => new FailingActor(TestActor)));
        ExpectMsg("prestart");
        var failure = new InvalidOperationException("boom");

        actor.Tell(failure);

        var pre = ExpectMsg<PreRestarted>();
        Assert.Same(failure, pre.Reason);
        Assert.Same(failure, pre.Message);
        ExpectMsg("poststop");
        Assert.Same(failure, ExpectMsg<PostRestarted>().Reason);
        ExpectMsg("prestart");
    }

    [Fact]
    public void Children_are_stopped_before_a_restart_by_default()
    {
        var parent = Sys.ActorOf(Props.Create(() => new SupervisorActor(null)));
        var child = Watch(CreateChild(parent, Props.Create(() => new FailingActor(TestActor))));
        ExpectMsg("prestart");

        parent.Tell(new InvalidOperationException("parent fails"));

        ExpectMsg("poststop");
        ExpectTerminated(child);
    }

    [Fact]
    public void PoisonPill_stops_the_actor_after_the_messages_before_it()
    {
        var actor = Watch(Sys.ActorOf(Props.Create(() => new FailingActor(TestActor))));
        ExpectMsg("prestart");

        actor.Tell("one");
        actor.Tell("two");
        actor.Tell(PoisonPill.Instance);

        ExpectMsg("one");
        ExpectMsg("two");
        ExpectMsg("poststop");
        ExpectTerminated(actor);
    }

    [Fact]
    public void Stopping_stops_children_first_then_runs_PostStop_then_tells_watchers()
    {
        var parent = Watch(Sys.ActorOf(Props.Create(() => new StopOrderParent(TestActor)), "parent"));
        ExpectMsg("child started");

        Sys.Stop(parent);

        ExpectMsg("child stopped");
        ExpectMsg("parent stopped");
        ExpectTerminated(parent);
    }

    [Fact]
    public void Messages_left_in_the_mailbox_at_stop_go_to_dead_letters()
    {
        var deadLetters = Subscriber<DeadLetter>();
        using var gate = new ManualResetEventSlim();
        var actor = Sys.ActorOf(Props.Create(() => new BlockingActor(gate, TestActor)));
        actor.Tell("block");
        ExpectMsg("blocked");

        actor.Tell("left-1");
        actor.Tell("left-2");
        Sys.Stop(actor);
        gate.Set();

        Assert.Equal("left-1", deadLetters.ExpectMsg<DeadLetter>().Message);
        Assert.Equal("left-2", deadLetters.ExpectMsg<DeadLetter>().Message);
        ExpectNoMsg();
    }

    [Fact]
    public void An_exception_in_PostStop_is_logged_and_the_actor_still_terminates()
    {
        var actor = Watch(Sys.ActorOf<ThrowingPostStop>());

        Sys.Stop(actor);

        ExpectTerminated(actor);
    }

    [Fact]
    public void An_exception_in_PreStart_is_an_initialization_failure_that_stops_the_actor()
    {
        var (supervisor, failures) = ReportingSupervisor(SupervisorStrategy.DefaultDecider);

        var child = Watch(CreateChild(supervisor, Props.Create<ThrowingPreStart>()));

        failures.ExpectMsg<ActorInitializationException>();
        ExpectTerminated(child);
    }

    [Fact]
    public void Resuming_an_actor_whose_constructor_failed_creates_it_afresh()
    {
        var attempts = 0;
        var (supervisor, _) = ReportingSupervisor(_ => Directive.Resume);

        var child = CreateChild(supervisor, Props.Create(() => new FailsOnceActor(() => Interlocked.Increment(ref attempts))));
        child.Tell("ping");

        ExpectMsg("pong");
        Assert.Equal(2, Volatile.Read(ref attempts));
    }

    public sealed class StopOrderParent : ReceiveActor
    {
        private readonly IActorRef _probe;

        public StopOrderParent(IActorRef probe)
        {
            _probe = probe;
            Context.ActorOf(Props.Create(() => new StopOrderChild(probe)), "child");
        }

        protected override void PostStop() => _probe.Tell("parent stopped");
    }

    public sealed class StopOrderChild : ReceiveActor
    {
        private readonly IActorRef _probe;

        public StopOrderChild(IActorRef probe) => _probe = probe;

        protected override void PreStart() => _probe.Tell("child started");

        protected override void PostStop() => _probe.Tell("child stopped");
    }

    public sealed class ThrowingPostStop : ReceiveActor
    {
        protected override void PostStop() => throw new InvalidOperationException("PostStop failed");
    }

    public sealed class ThrowingPreStart : ReceiveActor
    {
        protected override void PreStart() => throw new InvalidOperationException("PreStart failed");
    }

    public sealed class FailsOnceActor : ReceiveActor
    {
        public FailsOnceActor(Func<int> attempt)
        {
            if (attempt() == 1)
            {
                throw new InvalidOperationException("first attempt fails");
            }

            Receive<string>(_ => Sender.Tell("pong"));
        }
    }
}
