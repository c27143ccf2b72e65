using Akka.Actor;
using Akka.TestKit.Xunit2;
using Dispatch.Core.Execution;
using Xunit.Abstractions;

namespace Dispatch.Core.Tests.Execution;

/// <summary>
/// The executors' dispatcher runs an executor's turn on the thread that completed its HTTP attempt (a
/// thread in no actor's turn), and never one actor's turn inside another's.
/// </summary>
public sealed class CompletingThreadExecutorTests(ITestOutputHelper output) : TestKit(output: output)
{
    [ThreadStatic]
    private static bool _insideSender;

    [Fact]
    public void A_message_told_from_a_thread_in_no_actor_runs_on_that_thread_before_the_tell_returns()
    {
        var seen = new Seen();
        var recorder = Sys.ActorOf(Props.Create(() => new Recorder(seen)).WithDispatcher(CompletingThreadExecutor.Ensure(Sys)));
        recorder.Tell("ready", TestActor);
        ExpectMsg("ready");

        // The recorder may still be finishing its "ready" turn on another thread when the first tell comes;
        // a tell to an idle mailbox runs here.
        var ranHere = 0;
        var thread = new Thread(() =>
        {
            for (var i = 1; i <= 10; i++)
            {
                CompletingThreadExecutor.Tell(recorder, "outcome");
                if (Volatile.Read(ref seen.Count) == i && seen.Thread == Environment.CurrentManagedThreadId) ranHere++;
            }
        });
        thread.Start();
        thread.Join();

        Assert.InRange(ranHere, 1, 10);
    }

    [Fact]
    public void A_message_told_from_inside_an_actors_turn_is_not_run_inside_that_turn()
    {
        var seen = new Seen();
        var recorder = Sys.ActorOf(Props.Create(() => new Recorder(seen)).WithDispatcher(CompletingThreadExecutor.Ensure(Sys)));
        var sender = Sys.ActorOf(Props.Create(() => new Teller(recorder)));

        sender.Tell("go", TestActor);
        ExpectMsg("sent");
        recorder.Tell("ready", TestActor);
        ExpectMsg("ready");

        Assert.Equal(1, Volatile.Read(ref seen.Count));
        Assert.False(seen.InsideSender);
    }

    private sealed class Seen
    {
        public int Count;

        public int Thread { get; set; }

        public bool InsideSender { get; set; }
    }

    private sealed class Recorder : ReceiveActor
    {
        public Recorder(Seen seen)
        {
            Receive<string>(s => s == "ready", s => Sender.Tell(s));
            Receive<string>(_ =>
            {
                seen.Thread = Environment.CurrentManagedThreadId;
                seen.InsideSender = _insideSender;
                Interlocked.Increment(ref seen.Count);
            });
        }
    }

    private sealed class Teller : ReceiveActor
    {
        public Teller(IActorRef recorder) => Receive<string>(_ =>
        {
            _insideSender = true;
            CompletingThreadExecutor.Tell(recorder, "outcome");
            _insideSender = false;
            Sender.Tell("sent");
        });
    }
}
