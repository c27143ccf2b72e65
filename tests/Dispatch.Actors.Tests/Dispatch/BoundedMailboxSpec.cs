namespace Dispatch.Actors.Tests;

public sealed class BoundedMailboxSpec : ActorSpec
{
    [Fact]
    public void A_Tell_to_a_full_mailbox_goes_to_dead_letters_with_the_reason_and_does_not_block()
    {
        var deadLetters = Subscriber<DeadLetter>();
        using var gate = new ManualResetEventSlim();
        var actor = Sys.ActorOf(Props.Create(() => new BlockingActor(gate, TestActor)).WithMailbox(new BoundedMailbox(2)));
        actor.Tell("block");
        ExpectMsg("blocked");

        actor.Tell("one");
        actor.Tell("two");
        actor.Tell("three");

        var dead = deadLetters.ExpectMsg<DeadLetter>();
        Assert.Equal("three", dead.Message);
        Assert.Equal(actor, dead.Recipient);
        Assert.Equal(TestActor, dead.Sender);
        Assert.Equal("mailbox full (capacity 2)", dead.Reason);
        gate.Set();
        ExpectMsg("one");
        ExpectMsg("two");
    }

    [Fact]
    public void A_bounded_mailbox_accepts_messages_again_once_it_drains()
    {
        using var gate = new ManualResetEventSlim();
        var actor = Sys.ActorOf(Props.Create(() => new BlockingActor(gate, TestActor)).WithMailbox(new BoundedMailbox(1)));
        actor.Tell("block");
        ExpectMsg("blocked");
        actor.Tell("one");
        gate.Set();
        ExpectMsg("one");

        actor.Tell("two");

        ExpectMsg("two");
    }

    [Fact]
    public void The_default_mailbox_from_the_settings_applies_when_props_name_none()
    {
        using var system = ActorSystem.Create("bounded", new ActorSystemSettings { DefaultMailbox = new BoundedMailbox(1) });
        var deadLetters = CreateTestProbe();
        system.EventStream.Subscribe(deadLetters.Ref, typeof(DeadLetter));
        using var gate = new ManualResetEventSlim();
        var actor = system.ActorOf(Props.Create(() => new BlockingActor(gate, TestActor)));
        actor.Tell("block");
        ExpectMsg("blocked");

        actor.Tell("one");
        actor.Tell("two");

        Assert.Equal("two", deadLetters.ExpectMsg<DeadLetter>().Message);
        gate.Set();
    }

    [Fact]
    public void A_bounded_mailbox_needs_a_positive_capacity()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new BoundedMailbox(0));
        Assert.Same(UnboundedMailbox.Instance, UnboundedMailbox.Instance);
    }
}
