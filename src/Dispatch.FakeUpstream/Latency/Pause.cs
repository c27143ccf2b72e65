using System.Diagnostics;

namespace Dispatch.FakeUpstream.Latency;

/// <summary>
/// Waits at least a given time. <see cref="Task.Delay(TimeSpan, CancellationToken)"/> reads a coarse
/// clock (on Linux it may end a few milliseconds early), and a configured latency is a floor.
/// </summary>
internal static class Pause
{
    public static async Task AtLeastAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        var start = Stopwatch.GetTimestamp();
        for (var left = delay; left > TimeSpan.Zero; left = delay - Stopwatch.GetElapsedTime(start))
            await Task.Delay(TimeSpan.FromMilliseconds(Math.Ceiling(left.TotalMilliseconds)), cancellationToken);
    }
}
