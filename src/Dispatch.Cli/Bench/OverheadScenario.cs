using Dispatch.FakeUpstream;

namespace Dispatch.Cli.Bench;

/// <summary>
/// Overhead: an unlimited, instant upstream and a fixed number of calls. What each client adds to
/// a call when nothing needs limiting: throughput, latency and allocations.
/// </summary>
/// <remarks>
/// The upstream runs in this process, so allocated bytes per call include its share of every
/// request; that share is the same for every client, so the differences between clients are
/// client-side allocations, and the ratio against the raw client is softened by it.
/// </remarks>
internal static class OverheadScenario
{
    /// <summary>Runs the scenario for the three clients.</summary>
    public static async Task<ScenarioResult> RunAsync(BenchSettings settings, CancellationToken cancellationToken)
    {
        var count = settings.Calls ?? (settings.Quick ? 5_000 : 50_000);
        var calls = Workload.Create(count, BenchSettings.Seed, 1, 8);
        var warmUp = Workload.Create(Math.Min(2_000, Math.Max(200, count / 10)), BenchSettings.Seed + 1, 1, 8);
        var profile = new ClientProfile { Concurrency = settings.Concurrency, QueueCapacity = Math.Max(10_000, settings.Concurrency * 4) };
        await using var upstream = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions(), cancellationToken).ConfigureAwait(false);

        var results = new List<(ClientKind Kind, LoadRun Run, double BytesPerCall)>();
        foreach (var kind in Enum.GetValues<ClientKind>())
        {
            settings.Log.WriteLine($"overhead: {kind}, {count:N0} calls at concurrency {settings.Concurrency}");
            await using var client = BenchClients.Create(kind, upstream, profile);
            await LoadDriver.RunAsync(client, warmUp, settings.Concurrency, CancellationToken.None, cancellationToken).ConfigureAwait(false);
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            var before = GC.GetTotalAllocatedBytes(precise: true);
            var run = await LoadDriver.RunAsync(client, calls, settings.Concurrency, CancellationToken.None, cancellationToken).ConfigureAwait(false);
            var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
            results.Add((kind, run, (double)allocated / run.Started));
        }

        var raw = results[0];
        var rawLatency = raw.Run.SortedLatencyMicros();
        var clients = new List<ClientResult>();
        foreach (var (kind, run, bytes) in results)
        {
            var latency = run.SortedLatencyMicros();
            var p50 = Percentiles.Of(latency, 50);
            var p99 = Percentiles.Of(latency, 99);
            clients.Add(new ClientResult(NameOf(kind),
            [
                new Metric("calls/s", Math.Round(run.Started / run.Elapsed.TotalSeconds)),
                new Metric("vs raw calls/s (%)", Math.Round(100 * Throughput(run) / Throughput(raw.Run), 1)),
                new Metric("p50 latency (µs)", p50),
                new Metric("p99 latency (µs)", p99),
                new Metric("added p50 (µs)", p50 - Percentiles.Of(rawLatency, 50)),
                new Metric("added p99 (µs)", p99 - Percentiles.Of(rawLatency, 99)),
                new Metric("allocated bytes/call (incl. upstream)", Math.Round(bytes)),
                new Metric("added bytes/call vs raw", Math.Round(bytes - raw.BytesPerCall)),
                new Metric("completed", run.Count(OutcomeStatus.Completed)),
                new Metric("not completed", run.Started - run.Count(OutcomeStatus.Completed)),
            ]));
        }

        var dispatch = results[^1];
        var throughputRatio = Throughput(dispatch.Run) / Throughput(raw.Run);
        var allocationRatio = dispatch.BytesPerCall / raw.BytesPerCall;
        return new ScenarioResult("overhead",
            $"unlimited in-process upstream, zero latency, {count:N0} calls, concurrency {settings.Concurrency}",
            clients,
            [
                new TargetCheck("Dispatch ≥ 85% of raw HttpClient calls/s", $"{throughputRatio:P1}", throughputRatio >= 0.85),
                new TargetCheck("Dispatch allocations/call ≤ 2× raw (upstream's share included in both)", $"{allocationRatio:0.00}×", allocationRatio <= 2),
            ]);
    }

    internal static string NameOf(ClientKind kind) => kind switch
    {
        ClientKind.Raw => "HttpClient",
        ClientKind.Polly => "Polly",
        _ => "Dispatch",
    };

    private static double Throughput(LoadRun run) => run.Started / run.Elapsed.TotalSeconds;
}
