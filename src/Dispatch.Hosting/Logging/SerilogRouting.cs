using Serilog;
using Serilog.Core;
using Serilog.Events;

namespace Dispatch.Hosting.Logging;

/// <summary>
/// The process-wide <c>Serilog.Log.Logger</c> that Akka.Logger.Serilog writes to, made to forward each event to
/// the logger of the actor system it came from (see <see cref="DispatchSerilogLogger"/>).
/// </summary>
/// <remarks>
/// The only static state in Dispatch.Hosting, forced by Akka.Logger.Serilog reading <c>Log.Logger</c>: the
/// router (installed once, and again if something replaced it) and, per thread, the logger of the event
/// being handled. Events written while no system's logger is marked go to the <c>Log.Logger</c> the router replaced.
/// </remarks>
internal static class SerilogRouting
{
    private static readonly Lock Gate = new();

    [ThreadStatic]
    private static ILogger? _current;

    private static ILogger? _router;

    /// <summary>Makes <c>Log.Logger</c> the router, unless it already is.</summary>
    public static void EnsureInstalled()
    {
        lock (Gate)
        {
            if (_router is not null && ReferenceEquals(Log.Logger, _router)) return;
            var previous = Log.Logger;
            _router = new LoggerConfiguration().MinimumLevel.Verbose().WriteTo.Sink(new RoutingSink(previous)).CreateLogger();
            Log.Logger = _router;
        }
    }

    /// <summary>Sends what this thread writes to <c>Log.Logger</c> to <paramref name="target"/> until disposed.</summary>
    /// <param name="target">The logger; <see langword="null"/> leaves events to the previous <c>Log.Logger</c>.</param>
    public static Scope WriteTo(ILogger? target)
    {
        var outer = _current;
        _current = target;
        return new Scope(outer);
    }

    /// <summary>Restores the thread's previous target.</summary>
    internal readonly struct Scope(ILogger? outer) : IDisposable
    {
        public void Dispose() => _current = outer;
    }

    private sealed class RoutingSink(ILogger fallback) : ILogEventSink
    {
        public void Emit(LogEvent logEvent) => (_current ?? fallback).Write(logEvent);
    }
}
