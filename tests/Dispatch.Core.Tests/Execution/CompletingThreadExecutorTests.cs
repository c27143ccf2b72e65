using Akka.Actor;
using Akka.Dispatch;
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

    [ThreadStatic]
    private static bool _insideRecorder;

    [Fact]
    public void A_message_told_from_a_thread_in_no_actor_runs_on_that_thread_before_the_tell_returns()
    {
        var seen = new Seen();
        var recorder = StartRecorder(seen, null);

        var ranHere = TellTenTimesFromAThreadInNoActor(recorder, i => Volatile.Read(ref seen.Count) == i && seen.Thread == Environment.CurrentManagedThreadId);

        Assert.InRange(ranHere, 1, 10);
    }

    [Fact]
    public void A_message_told_from_inside_an_actors_turn_is_not_run_inside_that_turn()
    {
        var seen = new Seen();
        var recorder = StartRecorder(seen, null);
        var sender = Sys.ActorOf(Props.Create(() => new Teller(recorder)));

        sender.Tell("go", TestActor);
        ExpectMsg("sent");
        recorder.Tell("ready", TestActor);
        ExpectMsg("ready");

        Assert.Equal(1, Volatile.Read(ref seen.Count));
        Assert.False(seen.InsideSender);
    }

    [Fact]
    public void Work_asked_to_run_after_a_turn_run_on_the_completing_thread_runs_there_once_the_turn_has_ended()
    {
        var afterTurn = new AfterTurn();
        var recorder = StartRecorder(new Seen(), afterTurn);

        var ranHere = TellTenTimesFromAThreadInNoActor(recorder, i => Volatile.Read(ref afterTurn.Count) == i && afterTurn.Thread == Environment.CurrentManagedThreadId);

        Assert.InRange(ranHere, 1, 10);
        AwaitCondition(() => Volatile.Read(ref afterTurn.Count) == 10);
        Assert.False(afterTurn.RanInsideTurn);
    }

    [Fact]
    public void Work_asked_to_run_after_a_turn_on_the_thread_pool_runs_as_a_work_item_of_its_own()
    {
        var afterTurn = new AfterTurn();
        var recorder = Sys.ActorOf(Props.Create(() => new Recorder(new Seen(), afterTurn)).WithDispatcher(CompletingThreadExecutor.Ensure(Sys)));

        recorder.Tell("outcome");

        AwaitCondition(() => Volatile.Read(ref afterTurn.Count) == 1);
        Assert.False(afterTurn.RanInsideTurn);
    }

    [Fact]
    public void Work_waiting_for_a_run_on_the_completing_thread_runs_even_when_the_run_throws()
    {
        var afterTurn = new AfterTurn();
        var target = new RunsOn(new CompletingThreadExecutor("test"), new ThrowingRun(afterTurn));
        Exception? thrown = null;
        var ranOnTellingThread = false;

        // A thread of its own: the test's thread counts as inside the TestKit's test actor.
        var thread = new Thread(() =>
        {
            thrown = Record.Exception(() => CompletingThreadExecutor.Tell(target, "outcome"));
            ranOnTellingThread = afterTurn.Count == 1 && afterTurn.Thread == Environment.CurrentManagedThreadId;
        });
        thread.Start();
        thread.Join();

        Assert.IsType<InvalidOperationException>(thrown);
        Assert.True(ranOnTellingThread);
    }

    /// <summary>A recorder on the executors' dispatcher, its first turn done.</summary>
    private IActorRef StartRecorder(Seen seen, AfterTurn? afterTurn)
    {
        var recorder = Sys.ActorOf(Props.Create(() => new Recorder(seen, afterTurn)).WithDispatcher(CompletingThreadExecutor.Ensure(Sys)));
        recorder.Tell("ready", TestActor);
        ExpectMsg("ready");
        return recorder;
    }

    /// <summary>
    /// Tells <paramref name="recorder"/> ten times from a new thread, in no actor's turn, and counts the tells after which
    /// <paramref name="ranHere"/> (given the tell's number) held on that thread. The recorder may still be finishing its
    /// previous turn on another thread when the first tell comes; a tell to an idle mailbox runs on the telling thread.
    /// </summary>
    private static int TellTenTimesFromAThreadInNoActor(IActorRef recorder, Func<int, bool> ranHere)
    {
        var count = 0;
        var thread = new Thread(() =>
        {
            for (var i = 1; i <= 10; i++)
            {
                CompletingThreadExecutor.Tell(recorder, "outcome");
                if (ranHere(i)) count++;
            }
        });
        thread.Start();
        thread.Join();
        return count;
    }

    /// <summary>Records where it ran: on which thread, and whether inside the recorder's turn.</summary>
    private sealed class AfterTurn : IThreadPoolWorkItem
    {
        public int Count;

        public int Thread { get; private set; }

        public bool RanInsideTurn { get; private set; }

        public void Execute()
        {
            Thread = Environment.CurrentManagedThreadId;
            RanInsideTurn |= _insideRecorder;
            Interlocked.Increment(ref Count);
        }
    }

    /// <summary>A reference whose every message schedules <paramref name="run"/> on <paramref name="executor"/>, as a mailbox would.</summary>
    private sealed class RunsOn(CompletingThreadExecutor executor, IRunnable run) : MinimalActorRef
    {
        public override ActorPath Path { get; } = new RootActorPath(Address.AllSystems) / "runs-on";

        public override IActorRefProvider Provider => throw new NotSupportedException();

        protected override void TellInternal(object message, IActorRef sender) => executor.Execute(run);
    }

    /// <summary>A run that asks for work after it, then fails.</summary>
    private sealed class ThrowingRun(AfterTurn afterTurn) : IRunnable
    {
        public void Run()
        {
            CompletingThreadExecutor.RunAfterTurn(afterTurn);
            throw new InvalidOperationException("the run failed");
        }

        public void Execute() => Run();
    }

    private sealed class Seen
    {
        public int Count;

        public int Thread { get; set; }

        public bool InsideSender { get; set; }
    }

    private sealed class Recorder : ReceiveActor
    {
        public Recorder(Seen seen, AfterTurn? afterTurn = null)
        {
            Receive<string>(s => s == "ready", s => Sender.Tell(s));
            Receive<string>(_ =>
            {
                _insideRecorder = true;
                seen.Thread = Environment.CurrentManagedThreadId;
                seen.InsideSender = _insideSender;
                Interlocked.Increment(ref seen.Count);
                if (afterTurn is not null) CompletingThreadExecutor.RunAfterTurn(afterTurn);
                _insideRecorder = false;
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
