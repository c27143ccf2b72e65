using System.Diagnostics;

namespace Dispatch.Cli.Bench;

/// <summary>What a closed-loop run recorded, per call index.</summary>
internal sealed class LoadRun
{
    public LoadRun(int count)
    {
        Outcomes = new CallOutcome[count];
        Finished = new bool[count];
        LatencyTicks = new long[count];
        EndedAt = new long[count];
    }

    /// <summary>How many calls were handed to the client.</summary>
    public int Started { get; set; }

    /// <summary>Each call's outcome, valid where <see cref="Finished"/>.</summary>
    public CallOutcome[] Outcomes { get; }

    /// <summary>Whether each call had its final outcome.</summary>
    public bool[] Finished { get; }

    /// <summary>Each call's latency in <see cref="Stopwatch"/> ticks.</summary>
    public long[] LatencyTicks { get; }

    /// <summary>When each call ended (<see cref="Stopwatch.GetTimestamp"/>).</summary>
    public long[] EndedAt { get; }

    /// <summary>From the first call to the last outcome.</summary>
    public TimeSpan Elapsed { get; set; }

    /// <summary>Calls started that never had a final outcome.</summary>
    public int Lost => Started - Finished.Take(Started).Count(f => f);

    /// <summary>Finished calls with this status.</summary>
    public int Count(OutcomeStatus status) => Enumerable.Range(0, Started).Count(i => Finished[i] && Outcomes[i].Status == status);

    /// <summary>The sorted latencies of the finished calls, in microseconds.</summary>
    public long[] SortedLatencyMicros()
    {
        var micros = Enumerable.Range(0, Started).Where(i => Finished[i])
            .Select(i => LatencyTicks[i] * 1_000_000 / Stopwatch.Frequency).ToArray();
        Array.Sort(micros);
        return micros;
    }
}

/// <summary>
/// Drives a client closed-loop: N workers, each sending the next call when its last one ended.
/// Latency is then a call's own time through the client, not time spent waiting for a worker.
/// </summary>
internal static class LoadDriver
{
    /// <summary>Sends calls until they run out or <paramref name="stopIssuing"/> fires, then waits for the calls in flight.</summary>
    /// <param name="client">The client under test.</param>
    /// <param name="calls">The workload.</param>
    /// <param name="workers">Concurrent loops.</param>
    /// <param name="stopIssuing">Stops handing out new calls.</param>
    /// <param name="abort">Abandons the calls in flight.</param>
    public static async Task<LoadRun> RunAsync(IBenchClient client, IReadOnlyList<BenchCall> calls, int workers, CancellationToken stopIssuing, CancellationToken abort)
    {
        var run = new LoadRun(calls.Count);
        var next = -1;
        var started = Stopwatch.GetTimestamp();

        async Task Work()
        {
            // Off the caller's context at once, so workers start together.
            await Task.Yield();
            while (!stopIssuing.IsCancellationRequested)
            {
                var i = Interlocked.Increment(ref next);
                if (i >= calls.Count) return;
                var start = Stopwatch.GetTimestamp();
                CallOutcome outcome;
                try
                {
                    outcome = await client.SendAsync(calls[i], abort).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    outcome = CallOutcome.Cancelled;
                }

                var end = Stopwatch.GetTimestamp();
                run.LatencyTicks[i] = end - start;
                run.EndedAt[i] = end;
                run.Outcomes[i] = outcome;
                Volatile.Write(ref run.Finished[i], true);
            }
        }

        await Task.WhenAll(Enumerable.Range(0, workers).Select(_ => Work())).ConfigureAwait(false);
        run.Started = Math.Min(Volatile.Read(ref next) + 1, calls.Count);
        run.Elapsed = Stopwatch.GetElapsedTime(started);
        return run;
    }
}
