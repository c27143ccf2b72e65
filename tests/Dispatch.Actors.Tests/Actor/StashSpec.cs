namespace Dispatch.Actors.Tests;

public sealed class StashSpec : ActorSpec
{
    [Fact]
    public void UnstashAll_puts_stashed_messages_first_in_their_original_order()
    {
        var actor = Sys.ActorOf<GateKeeper>();

        actor.Tell("a");
        actor.Tell("b");
        actor.Tell("c");
        actor.Tell("open");
        actor.Tell("d");

        ExpectMsg("a");
        ExpectMsg("b");
        ExpectMsg("c");
        ExpectMsg("d");
    }

    [Fact]
    public void Unstash_gives_back_the_oldest_stashed_message_only()
    {
        var actor = Sys.ActorOf<GateKeeper>();
        actor.Tell("a");
        actor.Tell("b");

        actor.Tell("one");

        ExpectMsg("a");
        actor.Tell("count");
        ExpectMsg(1);
    }

    [Fact]
    public void Stashing_the_same_message_twice_throws()
    {
        var actor = Sys.ActorOf<DoubleStasher>();

        actor.Tell("x");

        ExpectMsg("Cannot stash the same message twice: x.");
    }

    [Fact]
    public void Stashed_messages_are_unstashed_before_a_restart()
    {
        var actor = Sys.ActorOf<GateKeeper>();
        actor.Tell("a");
        actor.Tell("b");

        actor.Tell(new InvalidOperationException("restart"));
        actor.Tell("open");

        ExpectMsg("a");
        ExpectMsg("b");
    }

    [Fact]
    public void Stashed_messages_go_to_dead_letters_when_the_actor_stops()
    {
        var deadLetters = Subscriber<DeadLetter>();
        var actor = Watch(Sys.ActorOf<GateKeeper>());
        actor.Tell("a");

        actor.Tell(PoisonPill.Instance);

        ExpectTerminated(actor);
        Assert.Equal("a", deadLetters.ExpectMsg<DeadLetter>().Message);
    }

    [Fact]
    public void ClearStash_drops_and_returns_the_stashed_messages()
    {
        var actor = Sys.ActorOf<GateKeeper>();
        actor.Tell("a");
        actor.Tell("b");

        actor.Tell("clear");

        ExpectMsg(2);
        actor.Tell("count");
        ExpectMsg(0);
    }

    /// <summary>Stashes strings until "open"; "one" unstashes one, "clear" drops them.</summary>
    public sealed class GateKeeper : ReceiveActor, IWithUnboundedStash
    {
        public GateKeeper()
        {
            Receive<Exception>(e => throw e);
            Receive<string>(s => s == "count", _ => Sender.Tell(Stash.Count));
            Receive<string>(s => s == "clear", _ => Sender.Tell(Stash.ClearStash().Count));
            Receive<string>(s => s == "one", _ =>
            {
                Stash.Unstash();
                Become(Opened);
            });
            Receive<string>(s => s == "open", _ =>
            {
                Stash.UnstashAll();
                Become(Opened);
            });
            Receive<string>(_ => Stash.Stash());
        }

        private void Opened()
        {
            Receive<string>(s => s == "count", _ => Sender.Tell(Stash.Count));
            Receive<string>(s => Sender.Tell(s));
        }

        public IStash Stash { get; set; } = null!;
    }

    public sealed class DoubleStasher : ReceiveActor, IWithStash
    {
        public DoubleStasher() => Receive<string>(_ =>
        {
            Stash.Stash();
            try
            {
                Stash.Stash();
            }
            catch (InvalidOperationException e)
            {
                Sender.Tell(e.Message);
            }
        });

        public IStash Stash { get; set; } = null!;
    }
}
