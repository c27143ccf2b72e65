using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Logger.Serilog;

namespace Dispatch.Hosting.Logging;

/// <summary>
/// Akka.Logger.Serilog's <see cref="SerilogLogger"/>, writing to the Serilog logger of its own actor system
/// (from <see cref="DispatchSerilogSetup"/>) rather than to whatever the process-wide <c>Serilog.Log.Logger</c> is.
/// </summary>
/// <remarks>
/// Akka.Logger.Serilog 1.5.69 writes every event to the static <c>Serilog.Log.Logger</c>, so two hosts in one
/// process (tests, or an app with two systems) would share one logger, sinks and secret masking included. This
/// logger marks, while it handles an event, which logger the event belongs to; <see cref="SerilogRouting"/>
/// installs a <c>Log.Logger</c> that forwards each event to the marked logger (or to the previous
/// <c>Log.Logger</c> for events of other systems).
/// </remarks>
public sealed class DispatchSerilogLogger : SerilogLogger
{
    private readonly Serilog.ILogger? _target;

    /// <summary>Created by the actor system from <c>akka.loggers</c>.</summary>
    public DispatchSerilogLogger()
    {
        var setup = Context.System.Settings.Setup.Get<DispatchSerilogSetup>();
        _target = setup.HasValue ? setup.Value.Logger : null;
        SerilogRouting.EnsureInstalled();
    }

    /// <inheritdoc />
    protected override bool AroundReceive(Receive receive, object message)
    {
        using (SerilogRouting.WriteTo(_target))
            return base.AroundReceive(receive, message);
    }
}

/// <summary>Carries the Serilog logger an actor system's <see cref="DispatchSerilogLogger"/> writes to.</summary>
/// <param name="logger">The system's Serilog logger.</param>
public sealed class DispatchSerilogSetup(Serilog.ILogger logger) : Setup
{
    /// <summary>The system's Serilog logger.</summary>
    public Serilog.ILogger Logger { get; } = logger ?? throw new ArgumentNullException(nameof(logger));
}
