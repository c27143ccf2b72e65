using Akka.Actor;
using Dispatch.Cluster.Proxy;

namespace Dispatch.Hosting.Telemetry;

/// <summary>
/// Feeds <see cref="DispatchMetrics"/> from a node's <see cref="DispatchProxy"/>: its <see cref="ProxyCallFinished"/>,
/// <see cref="CallResent"/> and <see cref="CallCutOff"/> events on the event stream, and its
/// <see cref="DispatchProxyStatus"/>, polled (<see cref="GetProxyStatus"/>) for the gauges.
/// </summary>
internal sealed class ProxyTelemetryActor : ReceiveActor, IWithTimers
{
    private readonly TimeSpan _pollInterval;

    /// <summary>Creates the actor.</summary>
    /// <param name="proxy">The proxy, asked for its state.</param>
    /// <param name="metrics">The instruments.</param>
    /// <param name="pollInterval">How often the proxy's state is polled.</param>
    public ProxyTelemetryActor(IActorRef proxy, DispatchMetrics metrics, TimeSpan pollInterval)
    {
        _pollInterval = pollInterval;
        Receive<ProxyCallFinished>(metrics.Record);
        Receive<CallResent>(metrics.Record);
        Receive<CallCutOff>(metrics.Record);
        Receive<Poll>(_ => proxy.Tell(GetProxyStatus.Instance, Self));
        Receive<DispatchProxyStatus>(metrics.Update);
    }

    /// <inheritdoc />
    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>Props of the actor.</summary>
    /// <param name="proxy">The proxy, asked for its state.</param>
    /// <param name="metrics">The instruments.</param>
    /// <param name="pollInterval">How often the proxy's state is polled.</param>
    public static Props Props(IActorRef proxy, DispatchMetrics metrics, TimeSpan pollInterval) =>
        Akka.Actor.Props.Create(() => new ProxyTelemetryActor(proxy, metrics, pollInterval));

    /// <summary>
    /// Subscribes <paramref name="telemetry"/> to the proxy's events from outside, before the proxy can be reached (it is
    /// registered after this): an event published while the actor is still starting waits in its mailbox.
    /// </summary>
    /// <param name="eventStream">The node's event stream.</param>
    /// <param name="telemetry">An actor made from <see cref="Props"/>.</param>
    public static void Subscribe(Akka.Event.EventStream eventStream, IActorRef telemetry)
    {
        eventStream.Subscribe(telemetry, typeof(ProxyCallFinished));
        eventStream.Subscribe(telemetry, typeof(CallResent));
        eventStream.Subscribe(telemetry, typeof(CallCutOff));
    }

    /// <inheritdoc />
    protected override void PreStart() => Timers.StartPeriodicTimer(nameof(Poll), Poll.Instance, TimeSpan.Zero, _pollInterval);

    /// <inheritdoc />
    protected override void PostStop() => Context.System.EventStream.Unsubscribe(Self);

    private sealed class Poll
    {
        public static readonly Poll Instance = new();
    }
}
