using Dispatch.Testing;

namespace Dispatch.Actors.Tests;

public sealed class SupervisionSpec : ActorSpec
{
    [Fact]
    public void The_default_strategy_restarts_a_child_on_an_exception_with_fresh_state()
    {
        var child = CreateChild(Supervisor(), Props.Create(() => new FailingActor(TestActor)));
        ExpectMsg("prestart");
        child.Tell("a");
        ExpectMsg("a");

        child.Tell(new InvalidOperationException("boom"));
        child.Tell("count");

        ExpectMsg<PreRestarted>();
        ExpectMsg("poststop");
        ExpectMsg<PostRestarted>();
        ExpectMsg("prestart");
        ExpectMsg(0);
    }

    [Fact]
    public void Resume_keeps_the_child_and_its_state()
    {
        var supervisor = Supervisor(new OneForOneStrategy(_ => Directive.Resume));
        var child = CreateChild(supervisor, Props.Create(() => new FailingActor(TestActor)));
        ExpectMsg("prestart");
        child.Tell("a");
        ExpectMsg("a");

        child.Tell(new InvalidOperationException("boom"));
        child.Tell("count");

        ExpectMsg(1);
    }

    [Fact]
    public void Stop_stops_the_failed_child()
    {
        var supervisor = Supervisor(new OneForOneStrategy(_ => Directive.Stop));
        var child = Watch(CreateChild(supervisor, Props.Create(() => new FailingActor(TestActor))));
        ExpectMsg("prestart");

        child.Tell(new InvalidOperationException("boom"));

        ExpectMsg("poststop");
        ExpectTerminated(child);
    }

    [Fact]
    public void Escalate_fails_the_parent_whose_supervisor_then_decides()
    {
        var top = Supervisor(new OneForOneStrategy(e =>
        {
            TestActor.Tell("top saw " + e.Message, null);
            return Directive.Restart;
        }));
        var middle = CreateChild(top, Props.Create(() => new SupervisorActor(new OneForOneStrategy(_ => Directive.Escalate))));
        var leaf = Watch(CreateChild(middle, Props.Create(() => new FailingActor(TestActor))));
        ExpectMsg("prestart");

        leaf.Tell(new InvalidOperationException("leaf failed"));

        ExpectMsg("top saw leaf failed");
        // The middle actor restarts, and its default PreRestart stops the leaf.
        ExpectMsg("poststop");
        ExpectTerminated(leaf);
    }

    [Fact]
    public void One_for_one_restarts_only_the_failed_child()
    {
        var supervisor = Supervisor();
        var a = CreateChild(supervisor, Props.Create(() => new FailingActor(TestActor)), "a");
        var b = CreateChild(supervisor, Props.Create(() => new FailingActor(TestActor)), "b");
        ExpectMsgAllOf("prestart", "prestart");
        b.Tell("b-state");
        ExpectMsg("b-state");

        a.Tell(new InvalidOperationException("boom"));
        ExpectMsg<PreRestarted>();
        ExpectMsg("poststop");
        ExpectMsg<PostRestarted>();
        ExpectMsg("prestart");
        b.Tell("count");

        ExpectMsg(1);
    }

    [Fact]
    public void All_for_one_restarts_every_child()
    {
        var supervisor = Supervisor(new AllForOneStrategy(_ => Directive.Restart));
        var a = CreateChild(supervisor, Props.Create(() => new FailingActor(TestActor)), "a");
        var b = CreateChild(supervisor, Props.Create(() => new FailingActor(TestActor)), "b");
        ExpectMsgAllOf("prestart", "prestart");
        b.Tell("b-state");
        ExpectMsg("b-state");

        a.Tell(new InvalidOperationException("boom"));
        var restarts = ReceiveN(8).Count(m => m is PostRestarted);
        b.Tell("count");

        Assert.Equal(2, restarts);
        ExpectMsg(0);
    }

    [Fact]
    public void All_for_one_stop_stops_every_child()
    {
        var supervisor = Supervisor(new AllForOneStrategy(_ => Directive.Stop));
        var a = Watch(CreateChild(supervisor, Props.Create(() => new FailingActor(TestActor)), "a"));
        var b = Watch(CreateChild(supervisor, Props.Create(() => new FailingActor(TestActor)), "b"));
        ExpectMsgAllOf("prestart", "prestart");

        a.Tell(new InvalidOperationException("boom"));

        var messages = ReceiveN(4);
        Assert.Equal(2, messages.Count(m => "poststop".Equals(m)));
        Assert.Equal(2, messages.OfType<Terminated>().Count());
        Assert.NotEqual(a, b);
    }

    [Fact]
    public void A_child_failing_more_often_than_maxNrOfRetries_is_stopped()
    {
        var supervisor = Supervisor(new OneForOneStrategy(1, null, _ => Directive.Restart));
        var child = Watch(CreateChild(supervisor, Props.Create(() => new FailingActor(TestActor))));
        ExpectMsg("prestart");

        child.Tell(new InvalidOperationException("one"));
        ExpectMsg<PreRestarted>();
        ExpectMsg("poststop");
        ExpectMsg<PostRestarted>();
        ExpectMsg("prestart");
        child.Tell(new InvalidOperationException("two"));

        ExpectMsg("poststop");
        ExpectTerminated(child);
    }

    [Fact]
    public void The_retry_window_resets_after_withinTimeRange_in_virtual_time()
    {
        var clock = new ManualTimeProvider();
        using var kit = new TestKit(clock);
        var supervisor = kit.Sys.ActorOf(Props.Create(() => new SupervisorActor(new OneForOneStrategy(1, TimeSpan.FromMinutes(1), _ => Directive.Restart))));
        supervisor.Tell(new CreateChild(Props.Create(() => new FailingActor(kit.TestActor))), kit.TestActor);
        var child = kit.ExpectMsg<IActorRef>();
        kit.Watch(child);
        kit.ExpectMsg("prestart");

        child.Tell(new InvalidOperationException("one"));
        kit.FishForMessage(m => "prestart".Equals(m));
        clock.Advance(TimeSpan.FromMinutes(2));
        child.Tell(new InvalidOperationException("two, in a new window"));
        kit.FishForMessage(m => "prestart".Equals(m));
        child.Tell(new InvalidOperationException("three, same window"));

        kit.FishForMessage(m => m is Terminated);
    }

    [Fact]
    public void Kill_makes_the_child_fail_with_ActorKilledException_and_the_default_stops_it()
    {
        var (supervisor, failures) = ReportingSupervisor(SupervisorStrategy.DefaultDecider);
        var child = Watch(CreateChild(supervisor, Props.Create(() => new FailingActor(TestActor))));
        ExpectMsg("prestart");

        child.Tell(Kill.Instance);

        failures.ExpectMsg<ActorKilledException>();
        ExpectMsg("poststop");
        ExpectTerminated(child);
    }

    [Fact]
    public void The_default_decider_stops_on_initialization_kill_and_death_pact_and_restarts_otherwise()
    {
        Assert.Equal(Directive.Stop, SupervisorStrategy.DefaultDecider(new ActorInitializationException(null, "x")));
        Assert.Equal(Directive.Stop, SupervisorStrategy.DefaultDecider(new ActorKilledException("x")));
        Assert.Equal(Directive.Stop, SupervisorStrategy.DefaultDecider(new DeathPactException(TestActor)));
        Assert.Equal(Directive.Restart, SupervisorStrategy.DefaultDecider(new InvalidOperationException()));
    }

    [Fact]
    public void After_a_restart_the_mailbox_is_kept_and_the_failing_message_is_not_processed_again()
    {
        var child = CreateChild(Supervisor(), Props.Create(() => new FailingActor(TestActor)));
        ExpectMsg("prestart");

        child.Tell(new InvalidOperationException("boom"));
        child.Tell("after-1");
        child.Tell("after-2");

        var restarted = ExpectMsg<PreRestarted>();
        Assert.IsType<InvalidOperationException>(restarted.Message);
        ExpectMsg("poststop");
        ExpectMsg<PostRestarted>();
        ExpectMsg("prestart");
        ExpectMsg("after-1");
        ExpectMsg("after-2");
        ExpectNoMsg();
    }

    [Fact]
    public void A_custom_strategy_subclass_sees_failures_and_child_terminations()
    {
        var strategy = new CountingStrategy(TestActor);
        var supervisor = Supervisor(strategy);
        var child = CreateChild(supervisor, Props.Create<BlackHoleFailing>());

        child.Tell(new InvalidOperationException("one"));
        ExpectMsg("failure 1");
        child.Tell(new InvalidOperationException("two"));
        ExpectMsg("failure 2");
        ExpectMsg("terminated " + child.Path.Name);
    }

    [Fact]
    public void Props_WithSupervisorStrategy_overrides_the_actors_own_strategy()
    {
        var supervisor = Sys.ActorOf(Props.Create(() => new SupervisorActor(null)).WithSupervisorStrategy(SupervisorStrategy.StoppingStrategy));
        var child = Watch(CreateChild(supervisor, Props.Create(() => new FailingActor(TestActor))));
        ExpectMsg("prestart");

        child.Tell(new InvalidOperationException("boom"));

        ExpectMsg("poststop");
        ExpectTerminated(child);
    }

    [Fact]
    public void A_top_level_actor_is_supervised_by_the_default_strategy()
    {
        var actor = Sys.ActorOf(Props.Create(() => new FailingActor(TestActor)));
        ExpectMsg("prestart");

        actor.Tell(new InvalidOperationException("boom"));

        ExpectMsg<PreRestarted>();
        ExpectMsg("poststop");
        ExpectMsg<PostRestarted>();
        ExpectMsg("prestart");
    }

    [Fact]
    public void A_top_level_actor_escalating_is_restarted_by_the_user_guardians_default_strategy()
    {
        var parent = Sys.ActorOf(Props.Create(() => new SupervisorActor(new OneForOneStrategy(_ => Directive.Escalate))));
        var child = Watch(CreateChild(parent, Props.Create(() => new FailingActor(TestActor))));
        ExpectMsg("prestart");

        child.Tell(new InvalidOperationException("escalated"));

        ExpectMsg("poststop");
        ExpectTerminated(child);
        var replacement = CreateChild(parent, Props.Create(() => new FailingActor(TestActor)));
        ExpectMsg("prestart");
        Assert.NotEqual(child, replacement);
    }

    [Fact]
    public void Restart_stats_follow_Akkas_retry_rules()
    {
        var clock = new ManualTimeProvider();
        var unlimited = new ChildRestartStats(TestActor);
        var twice = new ChildRestartStats(TestActor);
        var never = new ChildRestartStats(TestActor);

        Assert.True(unlimited.RequestRestartPermission(clock, -1, null));
        Assert.True(twice.RequestRestartPermission(clock, 2, null));
        Assert.True(twice.RequestRestartPermission(clock, 2, null));
        Assert.False(twice.RequestRestartPermission(clock, 2, null));
        Assert.False(never.RequestRestartPermission(clock, 0, null));
        Assert.Equal(3, twice.RestartCount);
    }

    public sealed class BlackHoleFailing : ReceiveActor
    {
        public BlackHoleFailing() => Receive<Exception>(e => throw e);
    }

    public sealed class CountingStrategy(IActorRef report) : SupervisorStrategy
    {
        private int _failures;

        public override void HandleChildTerminated(IActorContext context, IActorRef child, IReadOnlyCollection<IActorRef> children) =>
            report.Tell("terminated " + child.Path.Name, null);

        protected override Directive Handle(IActorRef child, Exception cause)
        {
            _failures++;
            report.Tell("failure " + _failures, null);
            return _failures < 2 ? Directive.Resume : Directive.Stop;
        }

        protected override void ProcessFailure(IActorContext context, bool restart, IActorRef child, Exception cause, ChildRestartStats stats, IReadOnlyCollection<ChildRestartStats> children) =>
            context.Stop(child);
    }
}
