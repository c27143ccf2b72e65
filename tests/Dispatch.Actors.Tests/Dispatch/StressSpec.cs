namespace Dispatch.Actors.Tests;

public sealed class StressSpec : ActorSpec
{
    private const int Senders = 8;
    private const int PerSender = 100_000;

    [Fact]
    public void Eight_senders_times_100000_messages_to_one_actor_lose_none_and_keep_per_sender_order()
    {
        var counter = Sys.ActorOf(Props.Create(() => new OrderChecker(Senders, PerSender, TestActor)));
        var messages = new Numbered[Senders][];
        for (var s = 0; s < Senders; s++)
        {
            messages[s] = new Numbered[PerSender];
            for (var i = 0; i < PerSender; i++)
            {
                messages[s][i] = new Numbered(s, i);
            }
        }

        var threads = new Thread[Senders];
        for (var s = 0; s < Senders; s++)
        {
            var mine = messages[s];
            threads[s] = new Thread(() =>
            {
                foreach (var message in mine)
                {
                    counter.Tell(message, null);
                }
            });
            threads[s].Start();
        }

        foreach (var thread in threads)
        {
            thread.Join();
        }

        var report = ExpectMsg<OrderReport>(TimeSpan.FromSeconds(30));
        Assert.Equal(Senders * PerSender, report.Received);
        Assert.Equal(0, report.OutOfOrder);
    }

    public sealed record Numbered(int Sender, int Sequence);

    public sealed record OrderReport(int Received, int OutOfOrder);

    public sealed class OrderChecker : ReceiveActor
    {
        public OrderChecker(int senders, int perSender, IActorRef report)
        {
            var next = new int[senders];
            var received = 0;
            var outOfOrder = 0;
            var total = senders * perSender;
            Receive<Numbered>(n =>
            {
                if (n.Sequence != next[n.Sender])
                {
                    outOfOrder++;
                }

                next[n.Sender] = n.Sequence + 1;
                if (++received == total)
                {
                    report.Tell(new OrderReport(received, outOfOrder));
                }
            });
        }
    }
}
