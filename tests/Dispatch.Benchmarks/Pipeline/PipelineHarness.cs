using System.Diagnostics;
using System.Globalization;

namespace Dispatch.Benchmarks.Pipeline;

/// <summary>
/// <c>dotnet run -c Release --project tests/Dispatch.Benchmarks -- pipeline [calls] [rounds]</c>:
/// runs the pipeline workload through raw HttpClient, HttpClient in a Polly pipeline and Dispatch
/// (on Akka.NET) in alternating rounds and prints calls per second, Dispatch's ratio to raw, and
/// p50/p99 latency per call with what Dispatch adds:
/// at full concurrency (where latency is mostly the wait behind other calls) and one call at a time.
/// </summary>
public static class PipelineHarness
{
    private const int SequentialCalls = 2_000;

    /// <summary>Runs the comparison and prints the figures.</summary>
    /// <param name="args">Optional: calls per round (default 20,000), rounds (default 5).</param>
    public static async Task<int> RunAsync(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var calls = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 20_000;
        var rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5;
        await using var workload = await PipelineWorkload.StartAsync();

        // Warm both paths up: JIT, tiered compilation, connection pools.
        await Console.Error.WriteLineAsync("pipeline: warming up");
        await PipelineWorkload.RunAsync(workload.RawCallAsync, 5_000);
        await PipelineWorkload.RunAsync(workload.PollyCallAsync, 5_000);
        await PipelineWorkload.RunAsync(workload.DispatchCallAsync, 5_000);
        await PipelineWorkload.RunAsync(workload.SessionCallAsync, 5_000);

        var raw = new List<Round>();
        var polly = new List<Round>();
        var dispatch = new List<Round>();
        var session = new List<Round>();
        for (var round = 0; round < rounds; round++)
        {
            await Console.Error.WriteLineAsync($"pipeline: round {round + 1} of {rounds}, 64 concurrent");
            raw.Add(await MeasureAsync(workload.RawCallAsync, calls));
            polly.Add(await MeasureAsync(workload.PollyCallAsync, calls));
            dispatch.Add(await MeasureAsync(workload.DispatchCallAsync, calls));
            session.Add(await MeasureAsync(workload.SessionCallAsync, calls));
        }

        var s = Median(session);

        // One call at a time: latency is then each call's own time, not its wait behind the
        // other 63 on a saturated machine, so the difference is what Dispatch adds to a call.
        var rawAlone = new List<Round>();
        var pollyAlone = new List<Round>();
        var dispatchAlone = new List<Round>();
        for (var round = 0; round < rounds; round++)
        {
            await Console.Error.WriteLineAsync($"pipeline: round {round + 1} of {rounds}, one call at a time");
            rawAlone.Add(await MeasureAsync(workload.RawCallAsync, SequentialCalls, concurrency: 1));
            pollyAlone.Add(await MeasureAsync(workload.PollyCallAsync, SequentialCalls, concurrency: 1));
            dispatchAlone.Add(await MeasureAsync(workload.DispatchCallAsync, SequentialCalls, concurrency: 1));
        }

        var r1 = Median(rawAlone);
        var p1 = Median(pollyAlone);
        var d1 = Median(dispatchAlone);

        var r = Median(raw);
        var p = Median(polly);
        var d = Median(dispatch);
        Console.WriteLine($"pipeline: {calls:N0} calls per round, {rounds} rounds, {PipelineWorkload.Concurrency} concurrent, {Environment.ProcessorCount} cores (medians of rounds)");
        Console.WriteLine($"  raw HttpClient  {r.CallsPerSecond,10:N0} calls/s   p50 {r.P50,8:N1} µs   p99 {r.P99,8:N1} µs   {r.BytesPerCall,7:N0} B/call");
        Console.WriteLine($"  Polly pipeline  {p.CallsPerSecond,10:N0} calls/s   p50 {p.P50,8:N1} µs   p99 {p.P99,8:N1} µs   {p.BytesPerCall,7:N0} B/call");
        Console.WriteLine($"  Dispatch        {d.CallsPerSecond,10:N0} calls/s   p50 {d.P50,8:N1} µs   p99 {d.P99,8:N1} µs   {d.BytesPerCall,7:N0} B/call");
        Console.WriteLine($"  session alone   {s.CallsPerSecond,10:N0} calls/s   p50 {s.P50,8:N1} µs   p99 {s.P99,8:N1} µs   {s.BytesPerCall,7:N0} B/call   (the endpoint's Flurl session without actors)");
        Console.WriteLine($"  Polly vs raw     {p.CallsPerSecond / r.CallsPerSecond:P1}   added p50 {p.P50 - r.P50:N1} µs   added p99 {p.P99 - r.P99:N1} µs   added {p.BytesPerCall - r.BytesPerCall:N0} B/call");
        Console.WriteLine($"  Dispatch vs raw  {d.CallsPerSecond / r.CallsPerSecond:P1}   added p50 {d.P50 - r.P50:N1} µs   added p99 {d.P99 - r.P99:N1} µs   added {d.BytesPerCall - r.BytesPerCall:N0} B/call");
        Console.WriteLine("  (bytes per call are the whole process's, the in-process upstream's included; the difference is the client's)");
        Console.WriteLine($"one call at a time ({SequentialCalls:N0} calls per round, medians of rounds):");
        Console.WriteLine($"  raw HttpClient  p50 {r1.P50,8:N1} µs   p99 {r1.P99,8:N1} µs");
        Console.WriteLine($"  Polly pipeline  p50 {p1.P50,8:N1} µs   p99 {p1.P99,8:N1} µs   added p50 {p1.P50 - r1.P50:N1} µs   added p99 {p1.P99 - r1.P99:N1} µs");
        Console.WriteLine($"  Dispatch        p50 {d1.P50,8:N1} µs   p99 {d1.P99,8:N1} µs   added p50 {d1.P50 - r1.P50:N1} µs   added p99 {d1.P99 - r1.P99:N1} µs");
        return 0;
    }

    /// <summary>Runs <paramref name="calls"/> calls over <paramref name="concurrency"/> workers: calls per second, p50/p99 (µs) and bytes allocated per call.</summary>
    internal static async Task<Round> MeasureAsync(Func<Task> call, int calls, int concurrency = PipelineWorkload.Concurrency)
    {
        var latencies = new long[calls];
        var before = GC.GetTotalAllocatedBytes(precise: true);
        var elapsed = await PipelineWorkload.RunAsync(call, calls, latencies, concurrency);
        var bytes = (GC.GetTotalAllocatedBytes(precise: true) - before) / (double)calls;
        Array.Sort(latencies);
        return new Round(calls / elapsed.TotalSeconds, Micros(latencies[calls / 2]), Micros(latencies[(int)(calls * 0.99)]), bytes);
    }

    private static double Micros(long ticks) => ticks * 1_000_000.0 / Stopwatch.Frequency;

    /// <summary>The median of every figure over <paramref name="rounds"/>, each taken on its own.</summary>
    internal static Round Median(List<Round> rounds) => new(
        rounds.Select(x => x.CallsPerSecond).Order().ElementAt(rounds.Count / 2),
        rounds.Select(x => x.P50).Order().ElementAt(rounds.Count / 2),
        rounds.Select(x => x.P99).Order().ElementAt(rounds.Count / 2),
        rounds.Select(x => x.BytesPerCall).Order().ElementAt(rounds.Count / 2));

    /// <summary>One round's figures.</summary>
    internal readonly record struct Round(double CallsPerSecond, double P50, double P99, double BytesPerCall);
}
