using Akka.Actor;
using Akka.Actor.Internal;
using Akka.Configuration;
using Akka.Dispatch;

namespace Dispatch.Core.Execution;

/// <summary>
/// The Akka executor service of an endpoint's actors (its supervisor and executors). A mailbox run
/// scheduled from inside another run on this thread runs on this thread after that run, as a
/// trampoline does, instead of as a thread-pool work item; so does the run that <see cref="Tell"/>
/// schedules from the thread that completed an HTTP attempt. An attempt's outcome, the executor's
/// report to the supervisor, the supervisor's hand-out of the next call to an idle executor and that
/// executor's next request then run on one thread, and the caller's continuation after them
/// (<see cref="RunAfterTurn"/>), as a plain HttpClient caller's does, instead of costing a work item
/// and a wake-up of another thread per hand-off (see tests/Dispatch.Benchmarks/RESULTS.md).
/// </summary>
/// <remarks>
/// The actor model is unchanged: every run is scheduled by its mailbox as usual, so an actor still
/// runs on one thread at a time and only from its mailbox, and a turn never runs inside another turn.
/// A thread takes on at most <c>runsInARow</c> runs and continuations in a row; the rest goes to the
/// thread pool, so no thread is held for long and other work keeps its turn. A caller's continuation
/// runs only once no run waits on its thread, and what it tells goes to the thread pool, so code that
/// blocks in a continuation holds no actor up.
/// </remarks>
internal sealed class CompletingThreadExecutor : ExecutorService
{
    /// <summary>The dispatcher the endpoint's actors run on, registered by <see cref="Ensure"/>.</summary>
    public const string DispatcherId = "dispatch.executor-dispatcher";

    /// <summary>How many runs and continuations one thread takes on in a row before the rest goes to the thread pool.</summary>
    public const int DefaultRunsInARow = 16;

    /// <summary>Set by <see cref="Tell"/>: the run it schedules starts a trampoline on this thread.</summary>
    [ThreadStatic]
    private static bool _runHere;

    /// <summary>A trampoline runs on this thread.</summary>
    [ThreadStatic]
    private static bool _active;

    /// <summary>The trampoline is running a caller's continuation, not a run.</summary>
    [ThreadStatic]
    private static bool _inContinuation;

    /// <summary>Runs and continuations this thread has taken on since its trampoline started.</summary>
    [ThreadStatic]
    private static int _taken;

    /// <summary>The bound of the trampoline running on this thread.</summary>
    [ThreadStatic]
    private static int _bound;

    /// <summary>Runs waiting for the current one to end.</summary>
    [ThreadStatic]
    private static Queue<IRunnable>? _runs;

    /// <summary>The one continuation waiting for the runs to end.</summary>
    [ThreadStatic]
    private static IThreadPoolWorkItem? _continuation;

    private readonly int _runsInARow;
    private readonly Action<IRunnable> _runFromPool;

    /// <summary>An executor service whose threads take on at most <paramref name="runsInARow"/> runs and continuations in a row.</summary>
    public CompletingThreadExecutor(string id, int runsInARow = DefaultRunsInARow)
        : base(id)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(runsInARow, 1);
        _runsInARow = runsInARow;
        _runFromPool = RunFromPool;
    }

    /// <summary>
    /// Registers <see cref="DispatcherId"/> in <paramref name="system"/> (Akka's default dispatcher's settings
    /// over this executor service) unless it has one by that id already, e.g. from its configuration.
    /// </summary>
    public static string Ensure(ActorSystem system)
    {
        var dispatchers = system.Dispatchers;
        if (dispatchers.HasDispatcher(DispatcherId)) return DispatcherId;
        var config = ConfigurationFactory.ParseString($"""
            id = "{DispatcherId}"
            type = Dispatcher
            executor = "{typeof(Configurator).AssemblyQualifiedName}"
            """).WithFallback(dispatchers.DefaultDispatcherConfig);
        dispatchers.RegisterConfigurator(DispatcherId, new DispatcherConfigurator(config, dispatchers.Prerequisites));
        return DispatcherId;
    }

    /// <summary>
    /// Tells <paramref name="target"/> <paramref name="message"/>; if that schedules its mailbox on this
    /// executor service and the calling thread runs no actor's turn nor any run of this service, the mailbox
    /// runs on this thread (and the runs it schedules after it) before this returns. Otherwise it is a plain
    /// Tell: a turn never runs inside another's.
    /// </summary>
    public static void Tell(IActorRef target, object message)
    {
        if (InternalCurrentActorCellKeeper.Current is not null || _active)
        {
            target.Tell(message, ActorRefs.NoSender);
            return;
        }

        _runHere = true;
        try
        {
            target.Tell(message, ActorRefs.NoSender);
        }
        finally
        {
            _runHere = false;
        }
    }

    /// <summary>
    /// Runs <paramref name="work"/> (a caller's continuation) on this thread once the run this thread is in,
    /// and the runs waiting after it, have ended, outside any actor's turn; otherwise (no run here, one
    /// continuation already waiting, or the thread's bound reached) queues it to the thread pool. A caller's
    /// continuation then runs where the attempt completed, as it would after a plain HttpClient call.
    /// </summary>
    public static void RunAfterTurn(IThreadPoolWorkItem work)
    {
        if (_active && !_inContinuation && _continuation is null && _taken < _bound)
        {
            _taken++;
            _continuation = work;
            return;
        }

        ThreadPool.UnsafeQueueUserWorkItem(work, preferLocal: false);
    }

    /// <inheritdoc />
    public override void Execute(IRunnable run)
    {
        if (_active)
        {
            if (!_inContinuation && _taken < _bound)
            {
                // Scheduled from inside a run: after it, never inside it.
                _taken++;
                _runs!.Enqueue(run);
                return;
            }
        }
        else if (_runHere)
        {
            _runHere = false;
            RunTrampoline(run);
            return;
        }

        ThreadPool.UnsafeQueueUserWorkItem(_runFromPool, run, preferLocal: true);
    }

    /// <inheritdoc />
    public override void Shutdown()
    {
        // Nothing of its own to stop: queued runs belong to the thread pool.
    }

    private void RunFromPool(IRunnable run)
    {
        if (_active) Execute(run);
        else RunTrampoline(run);
    }

    /// <summary>Runs <paramref name="first"/>, then the runs it schedules and the continuation it leaves, and so on, up to the bound.</summary>
    private void RunTrampoline(IRunnable first)
    {
        _active = true;
        _bound = _runsInARow;
        _taken = 1;
        var runs = _runs ??= new Queue<IRunnable>();
        var ended = false;
        try
        {
            first.Run();
            while (true)
            {
                RunQueued(runs);
                if (_continuation is not { } continuation) break;
                _continuation = null;
                _inContinuation = true;
                continuation.Execute();
                _inContinuation = false;
            }

            ended = true;
        }
        finally
        {
            // Also if a run threw: what waits for it is not lost, it goes to the pool.
            if (!ended) HandOver(runs);
            if (_continuation is { } left) ThreadPool.UnsafeQueueUserWorkItem(left, preferLocal: false);
            _continuation = null;
            _inContinuation = false;
            _active = false;
            _taken = 0;
        }
    }

    private static void RunQueued(Queue<IRunnable> runs)
    {
        while (runs.TryDequeue(out var next)) next.Run();
    }

    private void HandOver(Queue<IRunnable> runs)
    {
        while (runs.TryDequeue(out var next)) ThreadPool.UnsafeQueueUserWorkItem(_runFromPool, next, preferLocal: false);
    }

    /// <summary>Makes the executor service for a dispatcher whose <c>executor</c> names this type (Akka's convention).</summary>
    internal sealed class Configurator(Config config, IDispatcherPrerequisites prerequisites) : ExecutorServiceConfigurator(config, prerequisites)
    {
        /// <inheritdoc />
        public override ExecutorService Produce(string id) => new CompletingThreadExecutor(id);
    }
}
