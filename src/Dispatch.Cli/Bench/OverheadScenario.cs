namespace Dispatch.Cli.Bench;

/// <summary>
/// Overhead: an unlimited, instant upstream and a fixed number of calls. What each client adds to
/// a call when nothing needs limiting: throughput, latency and allocations.
/// </summary>
/// <remarks>
/// The upstream runs in a child process, so allocated bytes per call are the client's own. The
/// clients run in interleaved rounds, so a burst of outside load does not land on one client only;
/// each is reported by its best round (its fastest, the one least disturbed by others on a shared
/// machine) and by its median round, which the throughput target is read on. Allocations are the
/// mean of all rounds; CPU per call the least. Thread-pool work items per call count the hand-offs
/// between threads a call costs (an actor's mailbox run is one), which no outside load changes;
/// context switches per call (Linux) count how often a thread gave up its core or had it taken.
/// The measured rounds follow a warm-up round of every client.
/// At full concurrency on a saturated machine a call's latency is mostly its wait behind the others
/// (Little's law), so the added latency is also measured one call at a time.
/// </remarks>
internal static class OverheadScenario
{
    private const int SequentialCalls = 2_000;

    /// <summary>Runs the scenario for the three clients.</summary>
    public static async Task<ScenarioResult> RunAsync(BenchSettings settings, CancellationToken cancellationToken)
    {
        var count = settings.Calls ?? (settings.Quick ? 5_000 : 50_000);
        var rounds = (settings.Rounds ?? (settings.Quick ? 1 : 3)) + (settings.ProfileAllocations ? 1 : 0);
        var calls = Workload.Create(count, BenchSettings.Seed, 1, 8);
        var warmUp = Workload.Create(Math.Min(2_000, Math.Max(200, count / 10)), BenchSettings.Seed + 1, 1, 8);
        var profile = new ClientProfile { Concurrency = settings.Concurrency, QueueCapacity = Math.Max(10_000, settings.Concurrency * 4) };
        await using var upstream = await UpstreamProcess.StartAsync(cancellationToken).ConfigureAwait(false);

        var kinds = Enum.GetValues<ClientKind>();
        var runs = kinds.ToDictionary(k => k, _ => new List<(LoadRun Run, double BytesPerCall, double CpuMicrosPerCall, double WorkItemsPerCall, double? SwitchesPerCall)>());
        // Round 0 warms the process up (the JIT's tiers, the thread pool's size, the upstream) for all
        // three clients alike and is not measured: a process's first round of each is a cold one
        // (raw HttpClient at 45 % of its later rounds), not the steady state the targets are about.
        for (var round = 0; round <= rounds; round++)
        {
            foreach (var kind in kinds)
            {
                settings.Log.WriteLine(round == 0
                    ? $"overhead: {kind}, warm-up round, {count:N0} calls at concurrency {settings.Concurrency}"
                    : $"overhead: {kind}, round {round} of {rounds}, {count:N0} calls at concurrency {settings.Concurrency}");
                await using var client = BenchClients.Create(kind, upstream.BaseAddress, profile);
                await LoadDriver.RunAsync(client, round == 0 ? calls : warmUp, settings.Concurrency, CancellationToken.None, cancellationToken).ConfigureAwait(false);
                if (round == 0) continue;
                GC.Collect();
                GC.WaitForPendingFinalizers();
                GC.Collect();
                using var sampler = settings.ProfileAllocations && round == 1 ? new AllocationSampler() : null;
                sampler?.Start();
                var before = GC.GetTotalAllocatedBytes(precise: true);
                var cpuBefore = Environment.CpuUsage.TotalTime;
                var workItemsBefore = ThreadPool.CompletedWorkItemCount;
                var switchesBefore = ContextSwitches.Read();
                var run = await LoadDriver.RunAsync(client, calls, settings.Concurrency, CancellationToken.None, cancellationToken).ConfigureAwait(false);
                var workItems = ThreadPool.CompletedWorkItemCount - workItemsBefore;
                var switches = ContextSwitches.Read() - switchesBefore;
                var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
                var cpu = Environment.CpuUsage.TotalTime - cpuBefore;
                sampler?.Stop();
                // A sampled round pays for the events; its figures are left out of the comparison.
                if (sampler is not null)
                {
                    foreach (var (type, sampledBytes) in sampler.Top(25))
                        settings.Log.WriteLine($"  {kind} allocates {sampledBytes / (double)run.Started,8:N0} B/call  {type}");
                    continue;
                }

                runs[kind].Add((run, (double)allocated / run.Started, cpu.TotalMicroseconds / run.Started, (double)workItems / run.Started, (double?)switches / run.Started));
            }
        }

        // One call at a time: a call's latency is then its own time through the client, not its
        // wait behind the other calls on a saturated machine, so the difference is what a client adds.
        var sequential = Workload.Create(SequentialCalls, BenchSettings.Seed + 2, 1, 8);
        var alone = new Dictionary<ClientKind, long[]>();
        foreach (var kind in kinds)
        {
            settings.Log.WriteLine($"overhead: {kind}, {SequentialCalls:N0} calls one at a time");
            await using var client = BenchClients.Create(kind, upstream.BaseAddress, profile);
            await LoadDriver.RunAsync(client, warmUp, settings.Concurrency, CancellationToken.None, cancellationToken).ConfigureAwait(false);
            alone[kind] = (await LoadDriver.RunAsync(client, sequential, 1, CancellationToken.None, cancellationToken).ConfigureAwait(false)).SortedLatencyMicros();
        }

        var best = kinds.ToDictionary(k => k, k => runs[k].MaxBy(r => Throughput(r.Run)).Run);
        var median = kinds.ToDictionary(k => k, k => Median(runs[k].Select(r => Throughput(r.Run))));
        var workItemsPerCall = kinds.ToDictionary(k => k, k => Median(runs[k].Select(r => r.WorkItemsPerCall)));
        var switchesPerCall = kinds.ToDictionary(k => k, k => runs[k].All(r => r.SwitchesPerCall is not null) ? Median(runs[k].Select(r => r.SwitchesPerCall!.Value)) : (double?)null);
        var bytes = kinds.ToDictionary(k => k, k => runs[k].Average(r => r.BytesPerCall));
        // The bench process's CPU time per call (the upstream is another process): less at the
        // mercy of other load on the machine than calls per second.
        var cpuPerCall = kinds.ToDictionary(k => k, k => runs[k].Min(r => r.CpuMicrosPerCall));
        var rawLatency = best[ClientKind.Raw].SortedLatencyMicros();
        var clients = new List<ClientResult>();
        foreach (var kind in kinds)
        {
            var run = best[kind];
            var latency = run.SortedLatencyMicros();
            var p50 = Percentiles.Of(latency, 50);
            var p99 = Percentiles.Of(latency, 99);
            clients.Add(new ClientResult(NameOf(kind),
            [
                new Metric("calls/s (best round)", Math.Round(Throughput(run))),
                new Metric("vs raw calls/s (%)", Math.Round(100 * Throughput(run) / Throughput(best[ClientKind.Raw]), 1)),
                new Metric("calls/s (median round)", Math.Round(median[kind])),
                new Metric("median round vs raw (%)", Math.Round(100 * median[kind] / median[ClientKind.Raw], 1)),
                new Metric("p50 latency (µs)", p50),
                new Metric("p99 latency (µs)", p99),
                new Metric("added p50 (µs)", p50 - Percentiles.Of(rawLatency, 50)),
                new Metric("added p99 (µs)", p99 - Percentiles.Of(rawLatency, 99)),
                new Metric("p50 one at a time (µs)", Percentiles.Of(alone[kind], 50)),
                new Metric("added p50 one at a time (µs)", Percentiles.Of(alone[kind], 50) - Percentiles.Of(alone[ClientKind.Raw], 50)),
                new Metric("added p99 one at a time (µs)", Percentiles.Of(alone[kind], 99) - Percentiles.Of(alone[ClientKind.Raw], 99)),
                new Metric("allocated bytes/call", Math.Round(bytes[kind])),
                new Metric("added bytes/call vs raw", Math.Round(bytes[kind] - bytes[ClientKind.Raw])),
                new Metric("CPU µs/call (least of rounds)", Math.Round(cpuPerCall[kind], 1)),
                new Metric("CPU vs raw (%)", Math.Round(100 * cpuPerCall[kind] / cpuPerCall[ClientKind.Raw], 1)),
                new Metric("thread-pool work items/call", Math.Round(workItemsPerCall[kind], 2)),
                .. (switchesPerCall[kind] is { } perCall ? new[] { new Metric("context switches/call", Math.Round(perCall, 2)) } : []),
                new Metric("not completed (all rounds)", runs[kind].Sum(r => r.Run.Started - r.Run.Count(OutcomeStatus.Completed))),
            ]));
        }

        var throughputRatio = median[ClientKind.Dispatch] / median[ClientKind.Raw];
        var cpuRatio = cpuPerCall[ClientKind.Dispatch] / cpuPerCall[ClientKind.Raw];
        var addedAlone = Percentiles.Of(alone[ClientKind.Dispatch], 50) - Percentiles.Of(alone[ClientKind.Raw], 50);
        var allocationRatio = bytes[ClientKind.Dispatch] / bytes[ClientKind.Raw];
        var perRound = string.Join("; ", kinds.Select(k => $"{NameOf(k)} " + string.Join("/", runs[k].Select(r => Math.Round(Throughput(r.Run)).ToString("0", System.Globalization.CultureInfo.InvariantCulture)))));
        return new ScenarioResult("overhead",
            $"unlimited upstream in a child process, zero latency, {count:N0} calls, concurrency {settings.Concurrency}, {runs[ClientKind.Raw].Count} interleaved rounds after a warm-up round (calls/s per round: {perRound})",
            clients,
            [
                new TargetCheck("Dispatch ≥ 90% of raw HttpClient calls/s (median round)", $"{throughputRatio:P1}", throughputRatio >= 0.90),
                new TargetCheck("Dispatch CPU per call ≤ 1.15× raw HttpClient", $"{cpuRatio:0.00}× ({cpuPerCall[ClientKind.Dispatch]:N1} vs {cpuPerCall[ClientKind.Raw]:N1} µs)", cpuRatio <= 1.15),
                new TargetCheck("Dispatch adds ≤ 30 µs to a call's p50 (one call at a time)", $"{addedAlone:N0} µs", addedAlone <= 30),
                new TargetCheck("Dispatch allocations/call ≤ 1.3× raw HttpClient", $"{allocationRatio:0.00}× ({bytes[ClientKind.Dispatch]:N0} vs {bytes[ClientKind.Raw]:N0} bytes)", allocationRatio <= 1.3),
            ]);
    }

    internal static string NameOf(ClientKind kind) => kind switch
    {
        ClientKind.Raw => "HttpClient",
        ClientKind.Polly => "Polly",
        _ => "Dispatch",
    };

    private static double Throughput(LoadRun run) => run.Started / run.Elapsed.TotalSeconds;

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
