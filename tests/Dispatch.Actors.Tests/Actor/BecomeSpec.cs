namespace Dispatch.Actors.Tests;

public sealed class BecomeSpec : ActorSpec
{
    [Fact]
    public void Become_replaces_the_behavior()
    {
        var actor = Sys.ActorOf<Switcher>();

        actor.Tell("hello");
        actor.Tell("switch");
        actor.Tell("hello");

        ExpectMsg("initial:hello");
        ExpectMsg("switched:hello");
    }

    [Fact]
    public void UnbecomeStacked_returns_to_the_behavior_below_but_never_pops_the_initial_one()
    {
        var actor = Sys.ActorOf<Stacker>();

        actor.Tell("push");
        actor.Tell("hello");
        actor.Tell("pop");
        actor.Tell("hello");
        actor.Tell("pop");
        actor.Tell("hello");

        ExpectMsg("stacked:hello");
        ExpectMsg("initial:hello");
        ExpectMsg("initial:hello");
    }

    [Fact]
    public void Become_on_a_stacked_behavior_replaces_only_the_top()
    {
        var actor = Sys.ActorOf<Stacker>();

        actor.Tell("push");
        actor.Tell("replace");
        actor.Tell("hello");
        actor.Tell("pop");
        actor.Tell("hello");

        ExpectMsg("replaced:hello");
        ExpectMsg("initial:hello");
    }

    [Fact]
    public void An_untyped_actor_can_become_and_unbecome()
    {
        var actor = Sys.ActorOf<UntypedSwitcher>();

        actor.Tell("a");
        actor.Tell("b");
        actor.Tell("c");

        ExpectMsg("first:a");
        ExpectMsg("second:b");
        ExpectMsg("first:c");
    }

    [Fact]
    public void A_restart_returns_the_actor_to_its_initial_behavior()
    {
        var actor = Sys.ActorOf<Switcher>();
        actor.Tell("switch");
        actor.Tell("hello");
        ExpectMsg("switched:hello");

        actor.Tell(new InvalidOperationException("restart"));
        actor.Tell("hello");

        ExpectMsg("initial:hello");
    }

    public sealed class Switcher : ReceiveActor
    {
        public Switcher()
        {
            Receive<Exception>(e => throw e);
            Receive<string>(s => s == "switch", _ => Become(() =>
            {
                Receive<Exception>(e => throw e);
                Receive<string>(s => Sender.Tell("switched:" + s));
            }));
            Receive<string>(s => Sender.Tell("initial:" + s));
        }
    }

    public sealed class Stacker : ReceiveActor
    {
        public Stacker()
        {
            Receive<string>(s => s == "push", _ => BecomeStacked(Stacked));
            Receive<string>(s => s == "pop", _ => UnbecomeStacked());
            Receive<string>(s => Sender.Tell("initial:" + s));
        }

        private void Stacked()
        {
            Receive<string>(s => s == "pop", _ => UnbecomeStacked());
            Receive<string>(s => s == "replace", _ => Become(() =>
            {
                Receive<string>(s => s == "pop", _ => Context.UnbecomeStacked());
                Receive<string>(s => Sender.Tell("replaced:" + s));
            }));
            Receive<string>(s => Sender.Tell("stacked:" + s));
        }
    }

    public sealed class UntypedSwitcher : UntypedActor
    {
        protected override void OnReceive(object message)
        {
            Sender.Tell("first:" + message);
            BecomeStacked(m =>
            {
                Sender.Tell("second:" + m);
                UnbecomeStacked();
            });
        }
    }
}
