using System.Diagnostics;
using Dispatch.FakeUpstream;
using Dispatch.FakeUpstream.Latency;

namespace Dispatch.Cli.Bench;

/// <summary>
/// Memory: a large batch of calls submitted at once to an upstream that does not answer (its
/// latency is minutes), so all but the calls in flight wait. What one waiting call costs.
/// </summary>
/// <remarks>
/// The calls (ids and payloads) exist before the first measurement, so the figure is what each
/// client holds per waiting call beyond its payload: for Dispatch the message, the Ask, the queue
/// entry and the call's bookkeeping; for the others the awaiting task and the waiter in the
/// semaphore or limiter queue.
/// </remarks>
internal static class MemoryScenario
{
    /// <summary>Runs the scenario for the three clients.</summary>
    public static async Task<ScenarioResult> RunAsync(BenchSettings settings, CancellationToken cancellationToken)
    {
        var count = settings.Calls ?? (settings.Quick ? 20_000 : 100_000);
        var calls = Workload.Create(count, BenchSettings.Seed, 1, 4);
        var payloadBytes = calls.Average(c => 2.0 * c.Payload.Length);
        var profile = new ClientProfile
        {
            Concurrency = settings.Concurrency,
            QueueCapacity = count + settings.Concurrency,
            AttemptTimeout = TimeSpan.FromHours(1),
        };
        var clients = new List<ClientResult>();
        var checks = new List<TargetCheck>();
        foreach (var kind in Enum.GetValues<ClientKind>())
        {
            settings.Log.WriteLine($"memory: {kind}, {count:N0} calls at once");
            await using var upstream = await FakeUpstreamServer.StartAsync(
                new FakeUpstreamOptions { Latency = LatencyOptions.Fixed(TimeSpan.FromMinutes(30)), ShutdownTimeout = TimeSpan.FromSeconds(1) },
                cancellationToken).ConfigureAwait(false);
            var client = BenchClients.Create(kind, upstream, profile);
            using var abort = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var tasks = new Task<CallOutcome>[count];
            var process = Process.GetCurrentProcess();
            var before = GC.GetTotalMemory(forceFullCollection: true);
            process.Refresh();
            var workingSetBefore = process.WorkingSet64;

            for (var i = 0; i < count; i++) tasks[i] = client.SendAsync(calls[i], abort.Token);
            await SettledAsync(client, upstream, count, settings.Concurrency, cancellationToken).ConfigureAwait(false);

            var after = GC.GetTotalMemory(forceFullCollection: true);
            process.Refresh();
            var workingSet = process.WorkingSet64;
            var perCall = (double)(after - before) / count;
            clients.Add(new ClientResult(OverheadScenario.NameOf(kind),
            [
                new Metric("bytes per waiting call (beyond payload)", Math.Round(perCall)),
                new Metric("payload bytes per call (excluded)", Math.Round(payloadBytes)),
                new Metric("working set after submitting (MB)", Math.Round(workingSet / 1048576.0, 1)),
                new Metric("working set growth (MB)", Math.Round((workingSet - workingSetBefore) / 1048576.0, 1)),
                new Metric("process peak working set (MB)", Math.Round(process.PeakWorkingSet64 / 1048576.0, 1)),
            ]));
            if (kind == ClientKind.Dispatch)
                checks.Add(new TargetCheck("Dispatch: ≤ 2 KB per queued call beyond its payload", $"{perCall:N0} bytes", perCall <= 2048));

            // Every call ends before the client goes, so none touches a disposed semaphore or limiter.
            await abort.CancelAsync().ConfigureAwait(false);
            foreach (var task in tasks)
            {
                try
                {
                    await task.ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    // Cancelled by the teardown above: the scenario measured them waiting, not ending.
                }
            }

            await client.DisposeAsync().ConfigureAwait(false);
        }

        return new ScenarioResult("memory",
            $"{count:N0} calls submitted at once; upstream holds each request 30 min; concurrency {settings.Concurrency}",
            clients, checks);
    }

    /// <summary>Waits until the client has taken every call in: in flight upstream, or (Dispatch) in its queue.</summary>
    private static async Task SettledAsync(IBenchClient client, FakeUpstreamServer upstream, int count, int concurrency, CancellationToken cancellationToken)
    {
        var inFlight = Math.Min(count, concurrency);
        var giveUp = Stopwatch.GetTimestamp() + 120 * Stopwatch.Frequency;
        while (Stopwatch.GetTimestamp() < giveUp)
        {
            var upstreamFull = upstream.Counters.OpenRequests >= inFlight;
            var queued = client is DispatchClient dispatch ? (await dispatch.StatusAsync().ConfigureAwait(false)).QueueDepth >= count - inFlight : true;
            if (upstreamFull && queued) return;
            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }
    }
}
