using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Tracing;

namespace Dispatch.Cluster.Tests.Support;

/// <summary>
/// Notes what held the test's process up while a cluster ran, so a 429 from a request that reached the
/// upstream later than the rate limit's guard can be told apart from a ledger that granted too much:
/// garbage collections that paused the runtime, thread-pool threads added because the pool was starved,
/// and threads of the process woken late (a thread of its own that sleeps 20 ms and notes when it woke late:
/// a frozen process or a machine too busy to run it).
/// </summary>
internal sealed class RuntimeStalls : EventListener
{
    private const EventKeywords GcKeyword = (EventKeywords)0x1;
    private const EventKeywords ThreadingKeyword = (EventKeywords)0x10000;
    private const uint StarvationReason = 6;
    private static readonly TimeSpan Reported = TimeSpan.FromMilliseconds(100);

    private readonly ConcurrentQueue<string> _stalls = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Thread _watchdog;
    private volatile bool _stopped;
    private DateTime _suspendedAt;

    public RuntimeStalls()
    {
        _watchdog = new Thread(Watch) { IsBackground = true, Name = "stall watchdog" };
        _watchdog.Start();
    }

    /// <summary>Every stall noted so far, one per line, or "none".</summary>
    public string Summary => _stalls.IsEmpty ? "no stalls of the process noted" : "stalls noted: " + string.Join("; ", _stalls);

    public override void Dispose()
    {
        _stopped = true;
        base.Dispose();
    }

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == "Microsoft-Windows-DotNETRuntime") EnableEvents(eventSource, EventLevel.Informational, GcKeyword | ThreadingKeyword);
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        switch (e.EventName)
        {
            case { } name when name.StartsWith("GCSuspendEEBegin", StringComparison.Ordinal):
                _suspendedAt = e.TimeStamp;
                break;
            case { } name when name.StartsWith("GCRestartEEEnd", StringComparison.Ordinal) && _suspendedAt != default:
                var pause = e.TimeStamp - _suspendedAt;
                if (pause >= Reported) Note($"a garbage collection paused the runtime {pause.TotalMilliseconds:F0} ms");
                break;
            case "ThreadPoolWorkerThreadAdjustmentAdjustment" when Payload(e, "Reason") is uint reason && reason == StarvationReason:
                Note($"the thread pool was starved (grown to {Payload(e, "NewWorkerThreadCount")} threads)");
                break;
        }
    }

    private static object? Payload(EventWrittenEventArgs e, string name)
    {
        var i = e.PayloadNames?.IndexOf(name) ?? -1;
        return i >= 0 ? e.Payload![i] : null;
    }

    private void Watch()
    {
        var last = _clock.Elapsed;
        while (!_stopped)
        {
            Thread.Sleep(20);
            var now = _clock.Elapsed;
            if (now - last >= Reported + TimeSpan.FromMilliseconds(20)) Note($"a thread slept {(now - last).TotalMilliseconds:F0} ms instead of 20");
            last = now;
        }
    }

    private void Note(string what) => _stalls.Enqueue($"[{_clock.Elapsed.TotalSeconds:F3}s] {what}");
}
