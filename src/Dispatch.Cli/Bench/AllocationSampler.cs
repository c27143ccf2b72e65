using System.Collections.Concurrent;
using System.Diagnostics.Tracing;

namespace Dispatch.Cli.Bench;

/// <summary>
/// Samples what is allocated, by type, from the runtime's GC allocation ticks (one event per
/// ~100 KB allocated, naming the type that crossed the mark): a cheap profile of where a
/// client's bytes go, for <c>dispatch bench --profile-allocations</c>.
/// </summary>
internal sealed class AllocationSampler : EventListener
{
    private const EventKeywords GcKeyword = (EventKeywords)0x1;
    private readonly ConcurrentDictionary<string, long> _bytesByType = new(StringComparer.Ordinal);
    private volatile bool _recording;

    /// <summary>Starts counting allocation ticks.</summary>
    public void Start() => _recording = true;

    /// <summary>Stops counting.</summary>
    public void Stop() => _recording = false;

    /// <summary>The types sampled most, with their estimated bytes, largest first.</summary>
    public IReadOnlyList<(string Type, long Bytes)> Top(int count) =>
        _bytesByType.OrderByDescending(e => e.Value).Take(count).Select(e => (e.Key, e.Value)).ToList();

    /// <inheritdoc />
    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == "Microsoft-Windows-DotNETRuntime") EnableEvents(eventSource, EventLevel.Verbose, GcKeyword);
    }

    /// <inheritdoc />
    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (!_recording || eventData.EventName is null || !eventData.EventName.StartsWith("GCAllocationTick", StringComparison.Ordinal)) return;
        if (eventData.Payload is null || eventData.PayloadNames is null) return;
        var type = eventData.PayloadNames.IndexOf("TypeName") is var t and >= 0 ? eventData.Payload[t] as string : null;
        var amount = eventData.PayloadNames.IndexOf("AllocationAmount64") is var a and >= 0 ? Convert.ToInt64(eventData.Payload[a], System.Globalization.CultureInfo.InvariantCulture) : 100_000;
        _bytesByType.AddOrUpdate(type ?? "?", amount, (_, sum) => sum + amount);
    }
}
