using Akka.Actor;
using Akka.Configuration;

namespace Dispatch.Benchmarks.Actors;

/// <summary>
/// The messaging shapes on Akka.NET, the actor runtime Dispatch runs on; the twins of
/// <see cref="ChannelShapes"/>. Messages are pre-allocated, so what the allocation column shows
/// is Akka's own cost per message (and, for Ask, per call).
/// </summary>
internal sealed class ActorShapes : IDisposable
{
    private static readonly object Ball = new();

    // The default dispatcher as Dispatch runs it; only the noise at shutdown is turned off.
    private static readonly Config Quiet = ConfigurationFactory.ParseString("""
        akka.log-dead-letters = off
        akka.log-dead-letters-during-shutdown = off
        akka.stdout-loglevel = WARNING
        akka.loglevel = WARNING
        """);

    private readonly ActorSystem _system;
    private readonly IActorRef _pingPongClient;
    private readonly IActorRef[] _pairClients;
    private readonly IActorRef _sink;
    private readonly IActorRef _askEcho;

    public ActorShapes(int pairs)
    {
        _system = ActorSystem.Create("bench", Quiet);
        _pingPongClient = BurstClientOfNewEcho();
        _pairClients = new IActorRef[pairs];
        for (var p = 0; p < pairs; p++)
        {
            _pairClients[p] = BurstClientOfNewEcho();
        }

        _sink = _system.ActorOf(Props.Create<Sink>(), "sink");
        _askEcho = _system.ActorOf(Props.Create<Echo>(), "ask-echo");
    }

    /// <summary>One client and one echo, strictly alternating: <paramref name="roundTrips"/> round trips.</summary>
    public Task PingPongAsync(int roundTrips)
    {
        var go = new Go(roundTrips, 1);
        _pingPongClient.Tell(go, ActorRefs.NoSender);
        return go.Done.Task;
    }

    /// <summary>Every pair client sends <paramref name="bursts"/> bursts of <paramref name="burst"/> to its echo.</summary>
    public Task PairsAsync(int bursts, int burst)
    {
        var runs = new Task[_pairClients.Length];
        for (var p = 0; p < _pairClients.Length; p++)
        {
            var go = new Go(bursts, burst);
            _pairClients[p].Tell(go, ActorRefs.NoSender);
            runs[p] = go.Done.Task;
        }

        return Task.WhenAll(runs);
    }

    /// <summary><paramref name="producers"/> threads telling one actor <paramref name="perProducer"/> messages each.</summary>
    public async Task FanInAsync(int producers, int perProducer)
    {
        var expect = new Expect(producers * perProducer);
        _sink.Tell(expect, ActorRefs.NoSender);
        var writers = new Task[producers];
        for (var p = 0; p < producers; p++)
        {
            writers[p] = Task.Run(() =>
            {
                for (var i = 0; i < perProducer; i++)
                {
                    _sink.Tell(Ball, ActorRefs.NoSender);
                }
            });
        }

        await Task.WhenAll(writers).ConfigureAwait(false);
        await expect.Done.Task.ConfigureAwait(false);
    }

    /// <summary>
    /// <paramref name="calls"/> Asks of one echo actor from outside the actor system, one at a time:
    /// what a program (the CLI, a controller) pays per request/reply, temporary reply actor included.
    /// </summary>
    public async Task AskAsync(int calls)
    {
        for (var i = 0; i < calls; i++)
        {
            await _askEcho.Ask<object>(Ball).ConfigureAwait(false);
        }
    }

    public void Dispose() => _system.Terminate().Wait(TimeSpan.FromSeconds(10));

    private IActorRef BurstClientOfNewEcho()
    {
        var echo = _system.ActorOf(Props.Create<Echo>());
        return _system.ActorOf(Props.Create(() => new BurstClient(echo)));
    }

    private sealed class Go(int bursts, int burst)
    {
        public int Bursts { get; } = bursts;

        public int Burst { get; } = burst;

        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed class Expect(int count)
    {
        public int Count { get; } = count;

        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed class Echo : UntypedActor
    {
        protected override void OnReceive(object message) => Sender.Tell(message, Self);
    }

    /// <summary>Sends a burst, waits for every echo, repeats; a burst of one is a ping-pong.</summary>
    private sealed class BurstClient(IActorRef echo) : UntypedActor
    {
        private Go? _go;
        private int _burstsLeft;
        private int _pending;

        protected override void OnReceive(object message)
        {
            if (message is Go go)
            {
                _go = go;
                _burstsLeft = go.Bursts;
                SendBurst();
                return;
            }

            if (--_pending > 0)
            {
                return;
            }

            if (--_burstsLeft == 0)
            {
                _go!.Done.SetResult();
                return;
            }

            SendBurst();
        }

        private void SendBurst()
        {
            _pending = _go!.Burst;
            for (var i = 0; i < _pending; i++)
            {
                echo.Tell(Ball, Self);
            }
        }
    }

    private sealed class Sink : UntypedActor
    {
        private Expect? _expect;
        private int _received;

        protected override void OnReceive(object message)
        {
            if (message is Expect expect)
            {
                // Producers start only after Expect is told, so it is always first in the mailbox.
                _expect = expect;
                _received = 0;
                return;
            }

            if (++_received == _expect!.Count)
            {
                _expect.Done.SetResult();
            }
        }
    }
}
