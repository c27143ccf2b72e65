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
    public void Work_asked_to_run_after_a_turn_run_by_the_thread_pool_runs_once_that_turn_has_ended()
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

        var (thrown, _) = TellOnANewThread(target);

        Assert.IsType<InvalidOperationException>(thrown);
        AwaitCondition(() => Volatile.Read(ref afterTurn.Count) == 1);
    }

    [Fact]
    public void A_run_scheduled_from_inside_a_run_runs_after_it_on_the_same_thread_before_the_tell_returns()
    {
        var executor = new CompletingThreadExecutor("test");
        var log = new RunLog();
        var second = new Step(() => log.Add("second"));
        var first = new Step(() =>
        {
            log.Add("first starts");
            executor.Execute(second);
            log.Add("first ends");
        });

        var thrown = OnANewThread(() =>
        {
            CompletingThreadExecutor.Tell(new RunsOn(executor, first), "outcome");
            log.Add("tell returned");
        });

        Assert.Null(thrown);
        Assert.Equal(["first starts", "first ends", "second", "tell returned"], log.Names);
        Assert.Single(log.Threads.Distinct());
    }

    [Fact]
    public void A_continuation_runs_once_no_run_waits_on_its_thread_and_a_run_it_schedules_goes_to_the_thread_pool()
    {
        var executor = new CompletingThreadExecutor("test");
        var log = new RunLog();
        var nextCall = new RunsOn(executor, new Step(() => log.Add("next call's run")));
        var continuation = new Continuation(() =>
        {
            log.Add("continuation starts");
            nextCall.Tell("next call", ActorRefs.NoSender);
            log.Add("continuation ends");
        });
        var handOut = new Step(() => log.Add("hand-out"));
        var first = new Step(() =>
        {
            CompletingThreadExecutor.RunAfterTurn(continuation);
            executor.Execute(handOut);
            log.Add("first ends");
        });
        var (thrown, tellingThread) = TellOnANewThread(new RunsOn(executor, first));

        Assert.Null(thrown);
        AwaitCondition(() => log.Names.Count == 5);
        Assert.Equal(["first ends", "hand-out", "continuation starts", "continuation ends"], log.Names.Where((_, i) => log.Threads[i] == tellingThread));
        Assert.NotEqual(tellingThread, log.Threads[log.Names.ToList().IndexOf("next call's run")]);
    }

    [Fact]
    public void A_thread_takes_on_at_most_its_bound_of_runs_in_a_row_and_the_rest_run_on_the_thread_pool()
    {
        var executor = new CompletingThreadExecutor("test", runsInARow: 3);
        var log = new RunLog();
        var scheduled = Enumerable.Range(1, 5).Select(i => new Step(() => log.Add($"run {i}"))).ToArray();
        var first = new Step(() =>
        {
            log.Add("first");
            foreach (var run in scheduled) executor.Execute(run);
        });
        var (thrown, tellingThread) = TellOnANewThread(new RunsOn(executor, first));

        Assert.Null(thrown);
        AwaitCondition(() => log.Names.Count == 6);
        Assert.Equal(3, log.Threads.Count(t => t == tellingThread));
        Assert.Equal(["first", "run 1", "run 2"], log.Names.Where((_, i) => log.Threads[i] == tellingThread));
    }

    [Fact]
    public void A_run_that_throws_does_not_lose_the_runs_waiting_after_it()
    {
        var executor = new CompletingThreadExecutor("test");
        var log = new RunLog();
        var failing = new Step(() => throw new InvalidOperationException("the run failed"));
        var waiting = new Step(() => log.Add("waiting"));
        var first = new Step(() =>
        {
            executor.Execute(failing);
            executor.Execute(waiting);
        });

        var (thrown, _) = TellOnANewThread(new RunsOn(executor, first));

        Assert.IsType<InvalidOperationException>(thrown);
        AwaitCondition(() => log.Names.Count == 1);
        Assert.Equal(["waiting"], log.Names);
    }

    [Fact]
    public void A_thread_whose_runs_have_ended_takes_the_next_tell_afresh()
    {
        var executor = new CompletingThreadExecutor("test", runsInARow: 2);
        var log = new RunLog();
        var run = new RunsOn(executor, new Step(() => log.Add("run")));
        var tellingThread = 0;

        var thrown = OnANewThread(() =>
        {
            tellingThread = Environment.CurrentManagedThreadId;
            for (var i = 0; i < 5; i++) CompletingThreadExecutor.Tell(run, "outcome");
        });

        Assert.Null(thrown);
        Assert.Equal(5, log.Threads.Count(t => t == tellingThread));
    }

    /// <summary>Tells <paramref name="target"/> through <see cref="CompletingThreadExecutor.Tell"/> from a thread of its own: what it threw, if anything, and which thread it was.</summary>
    private static (Exception? Thrown, int Thread) TellOnANewThread(IActorRef target)
    {
        var thread = 0;
        var thrown = OnANewThread(() =>
        {
            thread = Environment.CurrentManagedThreadId;
            CompletingThreadExecutor.Tell(target, "outcome");
        });
        return (thrown, thread);
    }

    /// <summary>Runs <paramref name="action"/> on a thread of its own (the test's thread counts as inside the TestKit's test actor); what it threw, if anything.</summary>
    private static Exception? OnANewThread(Action action)
    {
        Exception? thrown = null;
        var thread = new Thread(() => thrown = Record.Exception(action));
        thread.Start();
        thread.Join();
        return thrown;
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

    /// <summary>What ran, in order, and on which thread.</summary>
    private sealed class RunLog
    {
        private readonly List<(string Name, int Thread)> _entries = [];

        public IReadOnlyList<string> Names
        {
            get { lock (_entries) return _entries.Select(e => e.Name).ToList(); }
        }

        public IReadOnlyList<int> Threads
        {
            get { lock (_entries) return _entries.Select(e => e.Thread).ToList(); }
        }

        public void Add(string name)
        {
            lock (_entries) _entries.Add((name, Environment.CurrentManagedThreadId));
        }
    }

    /// <summary>A mailbox run that does <paramref name="action"/>.</summary>
    private sealed class Step(Action action) : IRunnable
    {
        public void Run() => action();

        public void Execute() => Run();
    }

    /// <summary>A caller's continuation that does <paramref name="action"/>.</summary>
    private sealed class Continuation(Action action) : IThreadPoolWorkItem
    {
        public void Execute() => action();
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
