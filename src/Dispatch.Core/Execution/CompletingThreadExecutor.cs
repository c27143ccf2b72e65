using Akka.Actor;
using Akka.Actor.Internal;
using Akka.Configuration;
using Akka.Dispatch;

namespace Dispatch.Core.Execution;

/// <summary>
/// The executors' Akka executor service: mailbox runs go to the .NET thread pool as with Akka's default
/// dispatcher, except the run that <see cref="Tell"/> schedules from a thread that runs no actor (the
/// thread that completed an HTTP attempt), which runs there and then. The attempt's outcome is then
/// handled on the thread that already holds it, instead of costing a thread-pool work item and a
/// wake-up of another thread per attempt (see tests/Dispatch.Benchmarks/RESULTS.md). The actor model
/// is unchanged: the mailbox is scheduled as usual, so the actor still runs on one thread at a time
/// and only from its mailbox.
/// </summary>
internal sealed class CompletingThreadExecutor(string id) : ExecutorService(id)
{
    /// <summary>The dispatcher the executors run on, registered by <see cref="Ensure"/>.</summary>
    public const string DispatcherId = "dispatch.executor-dispatcher";

    [ThreadStatic]
    private static bool _runHere;

    [ThreadStatic]
    private static bool _runningHere;

    [ThreadStatic]
    private static Queue<IThreadPoolWorkItem>? _afterRun;

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
    /// executor service and the calling thread is in no actor's turn, the mailbox runs on this thread
    /// before this returns. From inside an actor it is a plain Tell: a turn never runs inside another's.
    /// </summary>
    public static void Tell(IActorRef target, object message)
    {
        if (InternalCurrentActorCellKeeper.Current is not null)
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
    /// Runs <paramref name="work"/> on this thread once the mailbox run this thread is in (one that
    /// <see cref="Tell"/> ran here) has ended, outside any actor's turn; otherwise queues it to the
    /// thread pool. A caller's continuation then runs where the attempt completed, as it would after
    /// a plain HttpClient call, without running inside the executor's turn.
    /// </summary>
    public static void RunAfterTurn(IThreadPoolWorkItem work)
    {
        if (_runningHere) (_afterRun ??= new()).Enqueue(work);
        else ThreadPool.UnsafeQueueUserWorkItem(work, preferLocal: false);
    }

    /// <inheritdoc />
    public override void Execute(IRunnable run)
    {
        if (!_runHere)
        {
            ThreadPool.UnsafeQueueUserWorkItem(run, preferLocal: true);
            return;
        }

        // Only the first: a mailbox that reschedules itself, or one the run tells, goes to the pool.
        _runHere = false;
        _runningHere = true;
        try
        {
            run.Run();
        }
        finally
        {
            _runningHere = false;
            // Also if the run threw: the work waiting for it (a caller's answer) must not be left behind.
            while (_afterRun is { Count: > 0 } after) after.Dequeue().Execute();
        }
    }

    /// <inheritdoc />
    public override void Shutdown()
    {
        // Nothing of its own to stop: queued runs belong to the thread pool.
    }

    /// <summary>Makes the executor service for a dispatcher whose <c>executor</c> names this type (Akka's convention).</summary>
    internal sealed class Configurator(Config config, IDispatcherPrerequisites prerequisites) : ExecutorServiceConfigurator(config, prerequisites)
    {
        /// <inheritdoc />
        public override ExecutorService Produce(string id) => new CompletingThreadExecutor(id);
    }
}
