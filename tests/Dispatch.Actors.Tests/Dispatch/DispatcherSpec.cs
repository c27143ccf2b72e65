namespace Dispatch.Actors.Tests;

public sealed class DispatcherSpec : ActorSpec
{
    [Theory]
    [InlineData(10, 10)]
    [InlineData(100, 1)]
    public void An_actor_processes_at_most_throughput_messages_per_turn(int throughput, int expectedTurns)
    {
        using var system = ActorSystem.Create("throughput", new ActorSystemSettings { Throughput = throughput });
        using var gate = new ManualResetEventSlim();
        var actor = system.ActorOf(Props.Create(() => new BlockingActor(gate, TestActor)));
        actor.Tell("block");
        ExpectMsg("blocked");
        for (var i = 0; i < 100; i++)
        {
            actor.Tell(i);
        }

        var turnsBefore = Mailbox(actor).Turns;
        gate.Set();
        ReceiveN(100);
        AwaitCondition(() => !Mailbox(actor).IsScheduled);

        // The blocked turn handled "block" and some of the rest; the others need about 100/throughput more.
        var turns = Mailbox(actor).Turns - turnsBefore;
        Assert.InRange(turns, expectedTurns - 1, expectedTurns + 1);
    }

    [Fact]
    public void System_messages_take_priority_over_queued_user_messages()
    {
        var deadLetters = Subscriber<DeadLetter>();
        using var gate = new ManualResetEventSlim();
        var actor = Watch(Sys.ActorOf(Props.Create(() => new BlockingActor(gate, TestActor))));
        actor.Tell("block");
        ExpectMsg("blocked");
        for (var i = 0; i < 10; i++)
        {
            actor.Tell(i);
        }

        Sys.Stop(actor);
        gate.Set();

        ExpectTerminated(actor);
        Assert.Equal(10, deadLetters.ReceiveN(10).Count);
    }

    [Fact]
    public void An_actor_processes_one_message_at_a_time_even_with_many_concurrent_senders()
    {
        var actor = Sys.ActorOf<ConcurrencyChecker>();

        Parallel.For(0, 4, _ =>
        {
            for (var i = 0; i < 5_000; i++)
            {
                actor.Tell(i, null);
            }
        });
        actor.Tell("report");

        ExpectMsg("max concurrency 1, 20000 messages");
    }

    [Fact]
    public void A_Tell_of_a_preallocated_message_allocates_nothing_on_the_senders_thread()
    {
        var message = new object();
        var sink = Sys.ActorOf<CountingSink>();
        Send(sink, message, 50_000);
        sink.Tell("count", TestActor);
        ExpectMsg(50_000);

        var before = GC.GetAllocatedBytesForCurrentThread();
        Send(sink, message, 10_000);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        // Queues grow in amortized segments; anything near a byte per message would be a per-Tell allocation.
        Assert.True(allocated < 1_000, $"{allocated} bytes allocated for 10,000 Tells");
        sink.Tell("count", TestActor);
        ExpectMsg(60_000);
    }

    private static void Send(IActorRef target, object message, int count)
    {
        for (var i = 0; i < count; i++)
        {
            target.Tell(message, null);
        }
    }

    private static Mailbox Mailbox(IActorRef actor) => ((LocalActorRef)actor).Cell.Mailbox;

    public sealed class CountingSink : ReceiveActor
    {
        public CountingSink()
        {
            var count = 0;
            Receive<string>(_ => Sender.Tell(count));
            ReceiveAny(_ => count++);
        }
    }

    public sealed class ConcurrencyChecker : ReceiveActor
    {
        private int _inside;
        private int _max;
        private int _count;

        public ConcurrencyChecker()
        {
            Receive<int>(_ =>
            {
                var now = Interlocked.Increment(ref _inside);
                _max = Math.Max(_max, now);
                _count++;
                Interlocked.Decrement(ref _inside);
            });
            Receive<string>(_ => Sender.Tell($"max concurrency {_max}, {_count} messages"));
        }
    }
}
