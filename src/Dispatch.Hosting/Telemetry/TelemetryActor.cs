using Akka.Actor;
using Dispatch.Core.Protocol;
using Microsoft.Extensions.Logging;

namespace Dispatch.Hosting.Telemetry;

/// <summary>
/// Listens to the event stream and polls the pipeline's status: feeds <see cref="DispatchMetrics"/>
/// and writes one structured log event per final result (<c>CallId</c>, <c>Endpoint</c>,
/// <c>Attempt</c>, <c>Status</c>) and per breaker change.
/// </summary>
public sealed class TelemetryActor : ReceiveActor, IWithTimers
{
    private readonly IActorRef _dispatch;
    private readonly DispatchMetrics _metrics;
    private readonly ILogger _log;
    private readonly TimeSpan _pollInterval;

    /// <summary>Creates the actor.</summary>
    /// <param name="dispatch">The pipeline, asked for its status.</param>
    /// <param name="metrics">The instruments.</param>
    /// <param name="logger">Where call and breaker events are logged.</param>
    /// <param name="pollInterval">How often the status is polled.</param>
    public TelemetryActor(IActorRef dispatch, DispatchMetrics metrics, ILogger logger, TimeSpan pollInterval)
    {
        _dispatch = dispatch;
        _metrics = metrics;
        _log = logger;
        _pollInterval = pollInterval;
        Receive<CallFinished>(OnCallFinished);
        Receive<BreakerStateChanged>(OnBreakerChanged);
        Receive<Poll>(_ => _dispatch.Tell(new GetStatus(), Self));
        Receive<DispatchStatus>(_metrics.Update);
    }

    /// <inheritdoc />
    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>Props of the actor.</summary>
    /// <param name="dispatch">The pipeline.</param>
    /// <param name="metrics">The instruments.</param>
    /// <param name="logger">The logger.</param>
    /// <param name="pollInterval">How often the status is polled.</param>
    public static Props Props(IActorRef dispatch, DispatchMetrics metrics, ILogger logger, TimeSpan pollInterval) =>
        Akka.Actor.Props.Create(() => new TelemetryActor(dispatch, metrics, logger, pollInterval));

    /// <summary>
    /// Subscribes <paramref name="telemetry"/> to the pipeline's events from outside, before the pipeline can be reached
    /// (it is registered after this): an event published while the actor is still starting waits in its mailbox.
    /// </summary>
    /// <param name="eventStream">The node's event stream.</param>
    /// <param name="telemetry">An actor made from <see cref="Props"/>.</param>
    internal static void Subscribe(Akka.Event.EventStream eventStream, IActorRef telemetry)
    {
        eventStream.Subscribe(telemetry, typeof(CallFinished));
        eventStream.Subscribe(telemetry, typeof(BreakerStateChanged));
    }

    /// <inheritdoc />
    protected override void PreStart()
    {
        // Again, for an actor made elsewhere (a subscription made twice is one).
        Subscribe(Context.System.EventStream, Self);
        Timers.StartPeriodicTimer(nameof(Poll), Poll.Instance, TimeSpan.Zero, _pollInterval);
    }

    /// <inheritdoc />
    protected override void PostStop() => Context.System.EventStream.Unsubscribe(Self);

    private void OnCallFinished(CallFinished finished)
    {
        _metrics.Record(finished);
        var result = finished.Result;
        var level = result.Status == CallStatus.Completed ? LogLevel.Debug : LogLevel.Information;
        if (!_log.IsEnabled(level)) return;
        _log.Log(
            level,
            "Call {CallId} to {Endpoint} ended {Status} after {Attempt} attempt(s) in {DurationMs} ms (HTTP {HttpStatus}, error {Error}: {ErrorMessage})",
            result.CallId,
            finished.Endpoint,
            result.Status,
            result.Attempts,
            (long)result.TotalTime.TotalMilliseconds,
            result.HttpStatus,
            result.Error,
            result.ErrorMessage);
    }

    private void OnBreakerChanged(BreakerStateChanged changed) =>
        _log.Log(
            changed.To == BreakerState.Open ? LogLevel.Warning : LogLevel.Information,
            "Breaker of {Endpoint} went from {From} to {To} after {ConsecutiveFailures} consecutive failures; open until {OpenUntil}",
            changed.Endpoint,
            changed.From,
            changed.To,
            changed.ConsecutiveFailures,
            changed.OpenUntil);

    private sealed class Poll
    {
        public static readonly Poll Instance = new();
    }
}
