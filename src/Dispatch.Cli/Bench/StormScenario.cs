using System.Diagnostics;
using Dispatch.FakeUpstream;
using Dispatch.FakeUpstream.Faults;

namespace Dispatch.Cli.Bench;

/// <summary>
/// Storm: the upstream answers 503 to everything for a while, then recovers. How much each client
/// sends into the outage, how soon it is back, and whether every call still gets an answer.
/// </summary>
internal static class StormScenario
{
    /// <summary>Runs the scenario for Polly and Dispatch (the raw client has no breaker to measure).</summary>
    public static async Task<ScenarioResult> RunAsync(BenchSettings settings, CancellationToken cancellationToken)
    {
        var lead = TimeSpan.FromSeconds(2);
        var outage = settings.Quick ? TimeSpan.FromSeconds(6) : TimeSpan.FromSeconds(20);
        var tail = settings.Quick ? TimeSpan.FromSeconds(4) : TimeSpan.FromSeconds(10);
        var reset = settings.Quick ? TimeSpan.FromSeconds(2) : TimeSpan.FromSeconds(5);
        var allowedProbes = (int)Math.Ceiling(outage / reset);
        var calls = Workload.Create(settings.Quick ? 100_000 : 400_000, BenchSettings.Seed, 1, 8);
        var profile = new ClientProfile { Concurrency = settings.Concurrency, BreakDuration = reset, QueueCapacity = Math.Max(10_000, settings.Concurrency * 4) };
        var clients = new List<ClientResult>();
        var checks = new List<TargetCheck>();
        foreach (var kind in new[] { ClientKind.Polly, ClientKind.Dispatch })
        {
            settings.Log.WriteLine($"storm: {kind}, 503s for {outage.TotalSeconds:0} s");
            await using var upstream = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions(), cancellationToken).ConfigureAwait(false);
            var breaker = new BreakerLog(upstream.Counters);
            await using var client = BenchClients.Create(kind, upstream, profile, breaker.Record);
            using var stop = new CancellationTokenSource();
            using var abort = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var running = LoadDriver.RunAsync(client, calls, settings.Concurrency, stop.Token, abort.Token);

            await Task.Delay(lead, cancellationToken).ConfigureAwait(false);
            var receivedAtStart = upstream.Counters.RequestsReceived;
            var outageStart = Stopwatch.GetTimestamp();
            upstream.Faults.StartOutage(new Fault(FaultKind.ServiceUnavailable));
            await Task.Delay(outage, cancellationToken).ConfigureAwait(false);
            var receivedAtEnd = upstream.Counters.RequestsReceived;
            var outageEnd = Stopwatch.GetTimestamp();
            upstream.Faults.EndOutage();
            await Task.Delay(tail, cancellationToken).ConfigureAwait(false);
            stop.Cancel();

            // Every call already handed out must end on its own; a generous grace, then give up on them.
            var finished = await Task.WhenAny(running, Task.Delay(TimeSpan.FromSeconds(120), cancellationToken)).ConfigureAwait(false) == running;
            if (!finished) await abort.CancelAsync().ConfigureAwait(false);
            var run = await running.ConfigureAwait(false);

            var opened = breaker.FirstOpenAfter(outageStart);
            var probes = opened is { } open ? receivedAtEnd - open.Received : receivedAtEnd - receivedAtStart;
            var recovered = Enumerable.Range(0, run.Started)
                .Where(i => run.Finished[i] && run.Outcomes[i].Status == OutcomeStatus.Completed && run.EndedAt[i] >= outageEnd)
                .Select(i => run.EndedAt[i]).DefaultIfEmpty(long.MaxValue).Min();
            var recoverMs = recovered == long.MaxValue ? double.NaN : Math.Round(Stopwatch.GetElapsedTime(outageEnd, recovered).TotalMilliseconds);
            var lost = run.Lost + run.Count(OutcomeStatus.Cancelled);
            clients.Add(new ClientResult(OverheadScenario.NameOf(kind),
            [
                new Metric("calls sent during the outage", receivedAtEnd - receivedAtStart),
                new Metric("breaker opened after (ms)", opened is { } o ? Math.Round(Stopwatch.GetElapsedTime(outageStart, o.At).TotalMilliseconds) : double.NaN),
                new Metric("sent while open", probes),
                new Metric($"allowed probes (1 per {reset.TotalSeconds:0} s)", allowedProbes),
                new Metric("time to recover (ms)", recoverMs),
                new Metric("calls started", run.Started),
                new Metric("completed", run.Count(OutcomeStatus.Completed)),
                new Metric("failed", run.Count(OutcomeStatus.Failed)),
                new Metric("rejected", run.Count(OutcomeStatus.Rejected)),
                new Metric("lost (no final outcome)", lost),
            ]));
            if (kind == ClientKind.Dispatch)
            {
                checks.Add(new TargetCheck($"Dispatch: ≤ 1 probe per reset timeout while open (≤ {allowedProbes})",
                    opened is null ? "the breaker never opened" : $"{probes} requests sent while open", opened is not null && probes <= allowedProbes));
                checks.Add(new TargetCheck("Dispatch: zero calls lost", $"{lost} of {run.Started} without a final outcome", lost == 0));
            }
        }

        return new ScenarioResult("storm",
            $"unlimited instant upstream answers 503 for {outage.TotalSeconds:0} s after {lead.TotalSeconds:0} s, then recovers; breaker break {reset.TotalSeconds:0} s; {settings.Concurrency} callers until {tail.TotalSeconds:0} s after",
            clients, checks);
    }

    /// <summary>Breaker transitions with the upstream's request count at each, from any thread.</summary>
    private sealed class BreakerLog(Dispatch.FakeUpstream.Counting.UpstreamCounters counters)
    {
        private readonly Lock _gate = new();
        private readonly List<(long At, string State, long Received)> _entries = [];

        public void Record(string state)
        {
            var entry = (Stopwatch.GetTimestamp(), state, counters.RequestsReceived);
            lock (_gate) _entries.Add(entry);
        }

        public (long At, long Received)? FirstOpenAfter(long timestamp)
        {
            lock (_gate)
            {
                foreach (var (at, state, received) in _entries)
                {
                    if (at >= timestamp && state == "Open") return (at, received);
                }
            }

            return null;
        }
    }
}
