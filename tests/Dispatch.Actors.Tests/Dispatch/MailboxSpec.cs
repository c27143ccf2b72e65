namespace Dispatch.Actors.Tests;

public sealed class MailboxSpec : ActorSpec
{
    [Fact]
    public void Messages_from_one_sender_arrive_in_the_order_sent()
    {
        var collector = Sys.ActorOf(Props.Create(() => new CollectorActor(10_000)));

        for (var i = 0; i < 10_000; i++)
        {
            collector.Tell(i);
        }

        var received = ExpectMsg<List<int>>();
        Assert.Equal(Enumerable.Range(0, 10_000), received);
    }

    [Fact]
    public void Messages_sent_before_the_actor_has_started_are_processed_after_PreStart()
    {
        var actor = Sys.ActorOf(Props.Create(() => new FailingActor(TestActor)));
        actor.Tell("early");

        ExpectMsg("prestart");
        ExpectMsg("early");
    }

    [Fact]
    public void Null_messages_are_rejected_at_the_sender()
    {
        var actor = Sys.ActorOf<EchoActor>();

        Assert.Throws<ArgumentNullException>(() => actor.Tell(null!, TestActor));
    }

    [Fact]
    public void Envelopes_compare_by_message_and_sender_identity()
    {
        var message = new object();
        var a = new Envelope(message, TestActor);

        Assert.True(a == new Envelope(message, TestActor));
        Assert.True(a != new Envelope(new object(), TestActor));
        Assert.True(a.Equals((object)new Envelope(message, TestActor)));
        Assert.Equal(a.GetHashCode(), new Envelope(message, TestActor).GetHashCode());
        Assert.Contains("no sender", new Envelope(message, null).ToString());
    }

    public sealed class CollectorActor : ReceiveActor
    {
        private readonly List<int> _received = [];

        public CollectorActor(int expected) => Receive<int>(i =>
        {
            _received.Add(i);
            if (_received.Count == expected)
            {
                Sender.Tell(_received);
            }
        });
    }
}
