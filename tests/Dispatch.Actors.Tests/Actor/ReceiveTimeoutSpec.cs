using Dispatch.Testing;

namespace Dispatch.Actors.Tests;

public sealed class ReceiveTimeoutSpec : ActorSpec
{
    public ReceiveTimeoutSpec()
        : base(new ManualTimeProvider())
    {
    }

    [Fact]
    public void ReceiveTimeout_arrives_after_the_idle_period()
    {
        var actor = Sys.ActorOf(Props.Create(() => new IdleActor(TestActor)));
        actor.Tell("start");
        ExpectMsg("started");

        Clock.Advance(TimeSpan.FromSeconds(9));
        ExpectNoMsg(TimeSpan.FromMilliseconds(50));
        Clock.Advance(TimeSpan.FromSeconds(1));

        ExpectMsg("timeout");
    }

    [Fact]
    public void A_message_restarts_the_idle_period()
    {
        var actor = Sys.ActorOf(Props.Create(() => new IdleActor(TestActor)));
        actor.Tell("start");
        ExpectMsg("started");
        Clock.Advance(TimeSpan.FromSeconds(6));

        actor.Tell("activity");
        ExpectMsg("activity");
        Clock.Advance(TimeSpan.FromSeconds(6));
        ExpectNoMsg(TimeSpan.FromMilliseconds(50));
        Clock.Advance(TimeSpan.FromSeconds(4));

        ExpectMsg("timeout");
    }

    [Fact]
    public void A_message_marked_NotInfluenceReceiveTimeout_does_not_restart_the_idle_period()
    {
        var actor = Sys.ActorOf(Props.Create(() => new IdleActor(TestActor)));
        actor.Tell("start");
        ExpectMsg("started");
        Clock.Advance(TimeSpan.FromSeconds(6));

        actor.Tell(new Heartbeat());
        ExpectMsg<Heartbeat>();
        Clock.Advance(TimeSpan.FromSeconds(4));

        ExpectMsg("timeout");
    }

    [Fact]
    public void Setting_the_timeout_to_null_turns_it_off()
    {
        var actor = Sys.ActorOf(Props.Create(() => new IdleActor(TestActor)));
        actor.Tell("start");
        ExpectMsg("started");

        actor.Tell("stop");
        ExpectMsg("stopped");
        Clock.Advance(TimeSpan.FromSeconds(30));

        ExpectNoMsg(TimeSpan.FromMilliseconds(50));
    }

    public sealed record Heartbeat : INotInfluenceReceiveTimeout;

    public sealed class IdleActor : ReceiveActor
    {
        public IdleActor(IActorRef probe)
        {
            Receive<string>(s => s == "start", _ =>
            {
                Context.SetReceiveTimeout(TimeSpan.FromSeconds(10));
                probe.Tell(Context.ReceiveTimeout == TimeSpan.FromSeconds(10) ? "started" : "wrong timeout");
            });
            Receive<string>(s => s == "stop", _ =>
            {
                SetReceiveTimeout(null);
                probe.Tell("stopped");
            });
            Receive<ReceiveTimeout>(_ => probe.Tell("timeout"));
            ReceiveAny(m => probe.Tell(m));
        }
    }
}
