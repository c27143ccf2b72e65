using System.Globalization;
using Akka;
using Akka.Actor;
using Dispatch.Core.Protocol;
using Microsoft.Extensions.Logging;
using AkkaConfig = Akka.Configuration.Config;

namespace Dispatch.Hosting.Lifecycle;

/// <summary>
/// The drain of one actor system's Dispatch pipeline, run by Akka's <see cref="CoordinatedShutdown"/> in
/// <see cref="Phase"/>: however the system stops (host stop, SIGTERM, <c>CoordinatedShutdown.Run</c>,
/// <c>ActorSystem.Terminate</c>), the <c>DispatchActor</c> gets one <see cref="Drain"/> — new calls are refused,
/// queued and in-flight calls may finish until <c>dispatch.shutdown.drain-timeout</c>, the rest are answered
/// <see cref="CallStatus.Cancelled"/> — before the system's actors stop. An Akka extension of the system,
/// registered by <c>WithDispatch</c>; <see cref="Get"/> finds it. On a cluster node the drain comes before the
/// node gives its leases back (<c>ClusterQuota.LeavePhase</c>, <c>before-cluster-shutdown</c>) and leaves the
/// cluster, so its calls finish on the shared quota.
/// </summary>
public sealed partial class DispatchShutdown : IExtension
{
    /// <summary>The <see cref="CoordinatedShutdown"/> phase the drain runs in: after the service is unbound, before anything stops.</summary>
    public const string Phase = CoordinatedShutdown.PhaseServiceRequestsDone;

    /// <summary>The name of the drain's task in <see cref="Phase"/>.</summary>
    public const string TaskName = "dispatch-drain";

    /// <summary>Time allowed beyond the drain timeout for the pipeline to answer <see cref="Drain"/> (the phase timeout is the sum).</summary>
    public static readonly TimeSpan DrainMargin = TimeSpan.FromSeconds(5);

    /// <summary>Time a host allows beyond the drain timeout for the whole stop: the drain's answer and the later shutdown phases.</summary>
    public static readonly TimeSpan StopMargin = TimeSpan.FromSeconds(15);

    private readonly IActorRef _dispatch;
    private readonly TimeSpan _timeout;
    private readonly ILogger _log;
    private readonly Lock _lock = new();
    private readonly TaskCompletionSource<DrainCompleted?> _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _begun;

    private DispatchShutdown(IActorRef dispatch, TimeSpan timeout, ILogger log)
    {
        _dispatch = dispatch;
        _timeout = timeout;
        _log = log;
    }

    /// <summary>The drain timeout (<c>dispatch.shutdown.drain-timeout</c>).</summary>
    public TimeSpan DrainTimeout => _timeout;

    /// <summary>
    /// Completes with the drain's outcome once the pipeline has drained, or with <see langword="null"/> when it did not
    /// answer within the drain timeout plus <see cref="DrainMargin"/>. Pending until a drain begins.
    /// </summary>
    public Task<DrainCompleted?> Drained => _drained.Task;

    /// <summary>The drain of <paramref name="system"/>'s pipeline, or <see langword="null"/> when <c>WithDispatch</c> did not start one in it.</summary>
    /// <param name="system">The actor system.</param>
    public static DispatchShutdown? Get(ActorSystem system)
    {
        ArgumentNullException.ThrowIfNull(system);
        return system.HasExtension<DispatchShutdown>() ? system.GetExtension<DispatchShutdown>() : null;
    }

    /// <summary>Begins the drain unless it has begun; completes like <see cref="Drained"/>.</summary>
    public Task<DrainCompleted?> Drain()
    {
        lock (_lock)
        {
            if (_begun) return _drained.Task;
            _begun = true;
        }

        _ = RunAsync();
        return _drained.Task;
    }

    /// <summary>The phase timeout that lets <see cref="CoordinatedShutdown"/> wait for a drain of <paramref name="drainTimeout"/>.</summary>
    /// <param name="drainTimeout">The drain timeout.</param>
    internal static AkkaConfig PhaseConfig(TimeSpan drainTimeout) =>
        Akka.Configuration.ConfigurationFactory.ParseString(string.Create(
            CultureInfo.InvariantCulture,
            $"akka.coordinated-shutdown.phases.{Phase}.timeout = {(long)(drainTimeout + DrainMargin).TotalMilliseconds}ms"));

    /// <summary>Registers the drain of <paramref name="dispatch"/> in <paramref name="system"/> and adds it to <see cref="CoordinatedShutdown"/>.</summary>
    internal static DispatchShutdown Register(ActorSystem system, IActorRef dispatch, TimeSpan timeout, ILogger log)
    {
        var shutdown = (DispatchShutdown)system.RegisterExtension(new Id(new DispatchShutdown(dispatch, timeout, log)));
        CoordinatedShutdown.Get(system).AddTask(Phase, TaskName, async () =>
        {
            await shutdown.Drain().ConfigureAwait(false);
            return Done.Instance;
        });
        return shutdown;
    }

    private async Task RunAsync()
    {
        LogDraining(_timeout.TotalSeconds);
        DrainCompleted? drained = null;
        try
        {
            drained = await _dispatch.Ask<DrainCompleted>(new Drain(_timeout), _timeout + DrainMargin).ConfigureAwait(false);
        }
        catch (AskTimeoutException)
        {
            // Reported below; the shutdown goes on either way.
        }
        finally
        {
            // Whatever happened, the shutdown phase waiting for this must not wait for its timeout.
            if (drained is null) LogDrainUnanswered(_timeout.TotalSeconds);
            else LogDrained(drained.Completed, drained.Cancelled);
            _drained.TrySetResult(drained);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Dispatch is draining: no new calls; queued and in-flight calls get {DrainSeconds} s to finish")]
    private partial void LogDraining(double drainSeconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Dispatch drained: {Completed} call(s) finished, {Cancelled} answered Cancelled")]
    private partial void LogDrained(int completed, int cancelled);

    [LoggerMessage(Level = LogLevel.Error, Message = "Dispatch did not confirm its drain within {DrainSeconds} s plus the margin; stopping anyway")]
    private partial void LogDrainUnanswered(double drainSeconds);

    /// <summary>The extension's id: hands the one instance built by <see cref="Register"/> to the system.</summary>
    private sealed class Id(DispatchShutdown instance) : ExtensionIdProvider<DispatchShutdown>
    {
        public override DispatchShutdown CreateExtension(ExtendedActorSystem system) => instance;
    }
}
