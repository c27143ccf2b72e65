using System.Diagnostics;
using Dispatch.FakeUpstream.Counting;

namespace Dispatch.Cli.Tests.Cluster;

/// <summary>
/// Reads the fake upstream's request counter every few milliseconds on a thread of its own, so the
/// rate the upstream saw can be bounded from its own counts, whatever the machine's speed.
/// </summary>
internal sealed class ArrivalSampler : IDisposable
{
    private readonly UpstreamCounters _counters;
    private readonly List<(long Before, long Requests, long After, long Throttled)> _samples = [];
    private readonly Thread _thread;
    private volatile bool _stopped;

    public ArrivalSampler(UpstreamCounters counters)
    {
        _counters = counters;
        _thread = new Thread(Run) { IsBackground = true, Priority = ThreadPriority.AboveNormal, Name = "arrival sampler" };
        _thread.Start();
    }

    /// <summary>
    /// A lower bound of the rate (requests per second) between the moments the counter reached
    /// <paramref name="from"/> and <paramref name="to"/>: reaching <paramref name="from"/> is taken at the
    /// last sample still below it, reaching <paramref name="to"/> at the first sample at or above it, so a
    /// late or slow sample only lengthens the span and lowers the figure, never raises it.
    /// </summary>
    public double LowerBoundRate(long from, long to)
    {
        Stop();
        var start = _samples.FindLastIndex(s => s.Requests < from);
        var end = _samples.FindIndex(s => s.Requests >= to);
        if (start < 0 || end < 0) throw new InvalidOperationException($"The counter never went from below {from} to {to}; last sample {_samples[^1].Requests}.");
        return (to - from) / Stopwatch.GetElapsedTime(_samples[start].Before, _samples[end].After).TotalSeconds;
    }

    /// <summary>How long after the first request the counter reached <paramref name="requests"/> (at most).</summary>
    public TimeSpan Elapsed(long requests)
    {
        Stop();
        return Stopwatch.GetElapsedTime(_samples.FindLast(s => s.Requests == 0).Before, _samples.Find(s => s.Requests >= requests).After);
    }

    /// <summary>When 429s were sent, as seconds after the first request and the requests received by then.</summary>
    public string Throttles()
    {
        Stop();
        var first = _samples.FindLast(s => s.Requests == 0).Before;
        return string.Join(", ", _samples.Zip(_samples.Skip(1)).Where(p => p.Second.Throttled > p.First.Throttled)
            .Select(p => $"{Stopwatch.GetElapsedTime(first, p.Second.Before).TotalSeconds:0.00}s ({p.Second.Requests} requests): {p.Second.Throttled - p.First.Throttled}"));
    }

    public void Dispose() => Stop();

    private void Stop()
    {
        _stopped = true;
        _thread.Join();
    }

    private void Run()
    {
        while (!_stopped)
        {
            // The count read lies between the two times: below a mark, the mark was reached after Before;
            // at or above it, the mark was reached before After.
            var before = Stopwatch.GetTimestamp();
            var requests = _counters.RequestsReceived;
            _samples.Add((before, requests, Stopwatch.GetTimestamp(), _counters.Throttled));
            Thread.Sleep(5);
        }
    }
}
