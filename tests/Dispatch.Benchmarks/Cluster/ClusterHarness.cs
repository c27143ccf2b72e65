using System.Diagnostics;
using System.Globalization;
using Dispatch.Cluster;
using Dispatch.Cluster.Owner;
using Dispatch.Core.Protocol;
using Dispatch.Core.RateLimiting;
using Dispatch.FakeUpstream;
using UpstreamLimits = Dispatch.FakeUpstream.RateLimiting.RateLimitOptions;

namespace Dispatch.Benchmarks.Cluster;

/// <summary>
/// <c>Dispatch.Benchmarks.dll cluster &lt;quota|overhead|owner&gt; ...</c>: issue 12's cluster benchmark. Every
/// node is an actor system in this one process, joined to the others over Akka.Remote on 127.0.0.1, and the
/// fake upstream runs in the same process too (so the nodes share the machine's cores with it and each other).
/// </summary>
/// <remarks>
/// <para><c>quota [limit] [interval-seconds] [windows] [nodes] [percent] [smooth|burst]</c> (default 600 10 3 3, smooth pacing): a backlog of
/// <c>limit × windows</c> calls spread over the nodes (or, given a percent, calls arriving at that share of the limit's rate) against an upstream with the endpoint's own limit:
/// quota messages per call (every message between a lease client and the owner, and those of the nodes other
/// than the owner's, which cross the network), 429s, the upstream's busiest window and the share of the limit used.</para>
/// <para><c>overhead [rounds]</c> (default 3): standalone, and clusters of 1, 2 and 3 nodes, against an
/// unlimited upstream with a limit that never binds (so leases are taken): calls per second and p50/p99 at
/// 64 concurrent callers spread over the nodes, and one call at a time into the last node (not the owner's).</para>
/// <para><c>owner</c>: the owner's work per lease, a grant and its return on <see cref="QuotaLedger"/>.</para>
/// </remarks>
public static class ClusterHarness
{
    private const int Concurrent = 64;
    private const int ConcurrentCalls = 20_000;
    private const int SequentialCalls = 2_000;

    /// <summary>Runs the scenario named by <paramref name="args"/>[0]; 2 for a bad invocation.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        try
        {
            return args.FirstOrDefault() switch
            {
                "quota" when args[^1] is "burst" or "smooth" => await QuotaAsync(args[..^1], Enum.Parse<RateLimitPacing>(args[^1], ignoreCase: true)),
                "quota" => await QuotaAsync(args, RateLimitPacing.Smooth),
                "overhead" => await OverheadAsync(Arg(args, 1, 3)),
                "owner" => Owner(),
                _ => throw new ArgumentException($"cluster: unknown scenario '{args.FirstOrDefault()}' (quota, overhead or owner)"),
            };
        }
        catch (ArgumentException e)
        {
            await Console.Error.WriteLineAsync(e.Message);
            return 2;
        }
    }

    private static int Arg(string[] args, int index, int fallback)
    {
        if (args.Length <= index) return fallback;
        return int.TryParse(args[index], NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0
            ? value
            : throw new ArgumentException($"cluster {args[0]}: argument {index} must be a whole number > 0 (was '{args[index]}')");
    }

    private static Task<int> QuotaAsync(string[] args, RateLimitPacing pacing) =>
        QuotaAsync(Arg(args, 1, 600), TimeSpan.FromSeconds(Arg(args, 2, 10)), Arg(args, 3, 3), Arg(args, 4, 3), args.Length > 5 ? Arg(args, 5, 0) : null, pacing);

    private static async Task<int> QuotaAsync(int limit, TimeSpan interval, int windows, int nodes, int? percent, RateLimitPacing pacing)
    {
        await using var upstream = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions
        {
            Limits = new UpstreamLimits { RequestsPerWindow = limit, Window = interval },
            ShutdownTimeout = TimeSpan.FromSeconds(1),
        });
        var quota = new ClusterQuotaOptions();
        await using var cluster = await BenchNodes.JoinAsync(nodes, BenchNodes.Options(upstream.BaseUrl, limit, interval, 16, pacing), quota);

        // JIT and connections: a cold node delays its first sends by more than the limit's guard.
        await Task.WhenAll(Enumerable.Range(0, 16 * nodes).Select(i => Send(cluster, i, "warm")));
        upstream.Reset();
        var before = await cluster.QuotaMessagesAsync();
        var timesBefore = cluster.Quotas.Select(q => Snapshot(q.SourceOf(BenchNodes.Api).Times)).ToArray();
        var window = new Core.RateLimiting.RateLimitOptions { Requests = limit, Interval = interval }.Window;
        var allowedBefore = cluster.Quotas.Select(q => q.SourceOf(BenchNodes.Api).Times.Allowed(DateTimeOffset.UtcNow.UtcTicks, window)).ToArray();
        var grantsBefore = cluster.Quotas.Select(q => q.SourceOf(BenchNodes.Api).Times.Grants).ToArray();
        var calls = limit * windows;
        var arrivals = percent is { } p ? $"arriving at {p} % of the limit" : "all at once";
        await Console.Error.WriteLineAsync($"cluster quota: {calls:N0} calls over {nodes} nodes, {limit} per {interval.TotalSeconds:N0} s, {arrivals}");
        var clock = Stopwatch.StartNew();
        var sent = new List<Task<(CallStatus Status, TimeSpan At)>>(calls);
        for (var i = 0; i < calls; i++)
        {
            // Paced: call i is sent when the arrival rate says, not before.
            if (percent is { } pace && interval * i * 100 / (limit * (double)pace) - clock.Elapsed is { Ticks: > 0 } wait) await Task.Delay(wait);
            sent.Add(Timed(Send(cluster, i, "call"), clock));
        }

        var done = await Task.WhenAll(sent);
        var allowed = cluster.Quotas.Select((q, i) => q.SourceOf(BenchNodes.Api).Times.Allowed(DateTimeOffset.UtcNow.UtcTicks, window) - allowedBefore[i]).ToArray();
        var after = await cluster.QuotaMessagesAsync();

        var counters = upstream.Counters;
        var (all, remote, leases) = (after.All - before.All, after.Remote - before.Remote, after.Grants - before.Grants);
        var (median, mean) = Utilisation(done.Select(d => d.At).ToArray(), limit, interval);
        var limits = new Core.RateLimiting.RateLimitOptions { Requests = limit, Interval = interval, Pacing = pacing };
        Console.WriteLine($"quota: {nodes} nodes, {limit} requests / {interval.TotalSeconds:N0} s, {pacing.ToString().ToLowerInvariant()} pacing, calls {arrivals} (lease span {quota.SpanFor(limits).TotalMilliseconds:N0} ms, leases {quota.MinLeaseRequests}..{quota.MaxLeaseFor(limits)}), {calls:N0} calls in {clock.Elapsed.TotalSeconds:N1} s");
        Console.WriteLine($"  completed {done.Count(d => d.Status == CallStatus.Completed):N0}, 429s {counters.Throttled}, upstream's busiest window {counters.MaxRequestsInWindow}/{limit}");
        Console.WriteLine($"  quota messages {all:N0} = {all / (double)calls:F4} per call; crossing nodes {remote:N0} = {remote / (double)calls:F4} per call");
        Console.WriteLine($"  leases {leases:N0} ({calls / (double)Math.Max(1, leases):F1} calls and {all / (double)Math.Max(1, leases):F2} messages per lease; deferrals {after.Deferrals - before.Deferrals:N0}, lone returns {after.LoneReturns - before.LoneReturns:N0})");
        Console.WriteLine($"  limit used {median:P1} (median credit cycle), {mean:P1} (mean)");
        for (var i = 0; pacing == RateLimitPacing.Smooth && i < cluster.Quotas.Count; i++)
        {
            var t = Snapshot(cluster.Quotas[i].SourceOf(BenchNodes.Api).Times) - timesBefore[i];
            Console.WriteLine($"  node {i + 1}: calls waited {t.Pacer.TotalSeconds:N2} s on its pacer, beyond it {t.NoLease.TotalSeconds:N2} s for a lease ({t.Gaps} gaps), {t.Bound.TotalSeconds:N2} s on a lease's bound, {t.Late.TotalSeconds:N2} s on late wakes; {t.Leases} leases, the owner held {t.HeldLeases} for {t.OwnerHeld.TotalSeconds:N2} s, round trips {t.RoundTrips.TotalSeconds:N2} s; granted {cluster.Quotas[i].SourceOf(BenchNodes.Api).Times.Grants - grantsBefore[i]} of {allowed[i]:N0} its rates allowed");
        }

        return 0;
    }

    private static Times Snapshot(Dispatch.Cluster.Leasing.PacingTimes t) => new(t.Pacer, t.NoLease, t.Bound, t.Late, t.OwnerHeld, t.RoundTrips, t.Leases, t.HeldLeases, t.Gaps);

    private readonly record struct Times(TimeSpan Pacer, TimeSpan NoLease, TimeSpan Bound, TimeSpan Late, TimeSpan OwnerHeld, TimeSpan RoundTrips, long Leases, long HeldLeases, long Gaps)
    {
        public static Times operator -(Times a, Times b) => new(a.Pacer - b.Pacer, a.NoLease - b.NoLease, a.Bound - b.Bound, a.Late - b.Late, a.OwnerHeld - b.OwnerHeld, a.RoundTrips - b.RoundTrips, a.Leases - b.Leases, a.HeldLeases - b.HeldLeases, a.Gaps - b.Gaps);
    }

    private static async Task<(CallStatus Status, TimeSpan At)> Timed(Task<APICallResult> call, Stopwatch clock) => ((await call).Status, clock.Elapsed);

    /// <summary>
    /// The share of a binding limit used: the <c>k</c>-th and <c>(k + limit)</c>-th results can be no closer
    /// than one interval, so interval / (their distance) is the rate kept as a share of the limit; its median
    /// over <c>k</c> is what the mechanism keeps, the mean also counts the machine's hiccups.
    /// </summary>
    private static (double Median, double Mean) Utilisation(TimeSpan[] times, int limit, TimeSpan interval)
    {
        Array.Sort(times);
        var cycles = Enumerable.Range(0, times.Length - limit).Select(k => (times[k + limit] - times[k]).TotalSeconds).Order().ToArray();
        return cycles.Length == 0 ? (0, 0) : (interval.TotalSeconds / cycles[cycles.Length / 2], interval.TotalSeconds / cycles.Average());
    }

    private static async Task<int> OverheadAsync(int rounds)
    {
        await using var upstream = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions());
        // Never binding, yet every call is granted from a lease.
        var options = BenchNodes.Options(upstream.BaseUrl, 10_000_000, TimeSpan.FromSeconds(10), Concurrent);
        var setups = new List<(string Name, BenchNodes Nodes)> { ("standalone", BenchNodes.Standalone(options)) };
        try
        {
            for (var n = 1; n <= 3; n++) setups.Add(($"cluster, {n} node{(n > 1 ? "s" : "")}", await BenchNodes.JoinAsync(n, options, new ClusterQuotaOptions())));
            foreach (var (name, nodes) in setups)
            {
                await Console.Error.WriteLineAsync($"cluster overhead: warming up {name}");
                await MeasureAsync(nodes, 5_000, Concurrent);
            }

            var concurrent = setups.ToDictionary(s => s.Name, _ => new List<Round>());
            var sequential = setups.ToDictionary(s => s.Name, _ => new List<Round>());
            for (var round = 0; round < rounds; round++)
            {
                await Console.Error.WriteLineAsync($"cluster overhead: round {round + 1} of {rounds}");
                foreach (var (name, nodes) in setups)
                {
                    concurrent[name].Add(await MeasureAsync(nodes, ConcurrentCalls, Concurrent));
                    sequential[name].Add(await MeasureAsync(nodes, SequentialCalls, 1));
                }
            }

            var baseline = (Median(concurrent["standalone"]), Median(sequential["standalone"]));
            Console.WriteLine($"overhead: unlimited upstream, limit never binding, {rounds} rounds (medians), {Environment.ProcessorCount} cores, every node in this process");
            Console.WriteLine($"  {"",-20} {"calls/s (64)",13} {"p50 (64)",10} {"p99 (64)",10} {"p50 (1)",9} {"p99 (1)",9} {"added p50 (1)",14} {"quota msgs/call",16}");
            foreach (var (name, nodes) in setups)
            {
                var (c, s) = (Median(concurrent[name]), Median(sequential[name]));
                var messages = (await nodes.QuotaMessagesAsync()).All;
                double total = 5_000 + rounds * (ConcurrentCalls + SequentialCalls);
                Console.WriteLine($"  {name,-20} {c.CallsPerSecond,13:N0} {c.P50,8:N0}µs {c.P99,8:N0}µs {s.P50,7:N0}µs {s.P99,7:N0}µs {s.P50 - baseline.Item2.P50,12:N1}µs {messages / total,16:F4}");
            }
        }
        finally
        {
            foreach (var (_, nodes) in setups) await nodes.DisposeAsync();
        }

        return 0;
    }

    /// <summary>Runs <paramref name="calls"/> calls over <paramref name="workers"/> closed-loop workers, spread over the nodes (one at a time: into the last node).</summary>
    private static async Task<Round> MeasureAsync(BenchNodes nodes, int calls, int workers)
    {
        var latencies = new long[calls];
        var next = -1;
        var started = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, workers).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < calls)
            {
                var t0 = Stopwatch.GetTimestamp();
                var node = workers == 1 ? nodes.Clients.Count - 1 : i;
                var result = await Send(nodes, node, "o");
                if (result.Status != CallStatus.Completed) throw new InvalidOperationException($"call {i} failed: {result.Error} {result.ErrorMessage}");
                latencies[i] = Stopwatch.GetTimestamp() - t0;
            }
        })));
        var elapsed = Stopwatch.GetElapsedTime(started);
        Array.Sort(latencies);
        return new Round(calls / elapsed.TotalSeconds, Micros(latencies[calls / 2]), Micros(latencies[(int)(calls * 0.99)]));
    }

    private static Task<APICallResult> Send(BenchNodes nodes, int i, string prefix) =>
        nodes.Clients[i % nodes.Clients.Count].SendAsync(new APICalling($"{prefix}-{Guid.NewGuid():N}", BenchNodes.Api, "{}") { RequiredTokens = 1 });

    private static int Owner()
    {
        // A saturated owner of 600 requests per 10 s granting leases of 20: the clock steps so that one lease
        // leaves the window as the next is granted, and each lease's return follows at once, as in a real run.
        const int leases = 1_000_000, limit = 600, size = 20;
        var window = TimeSpan.FromSeconds(10.2);
        var span = TimeSpan.FromMilliseconds(500);
        var now = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var ledger = new QuotaLedger(limit, null, window, span, now);
        now = ledger.GrantingFrom;
        var step = window / (limit / size) + TimeSpan.FromTicks(1);
        var granted = 0;
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < leases; i++)
        {
            now += step;
            var decision = ledger.TryGrant("node", 1, 0, size, 0, span, now);
            if (!decision.Granted) continue;
            granted++;
            ledger.Return(decision.Lease.Number, decision.Lease.Requests, 0, now);
        }

        var elapsed = clock.Elapsed;
        cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        Console.WriteLine($"owner: {leases:N0} leases of {size} asked of a {limit} / 10 s ledger, {granted:N0} granted: {elapsed.TotalMilliseconds * 1000 / leases:N2} µs per grant and return ({cpu.TotalMilliseconds * 1000 / leases:N2} µs of the process's CPU)");
        return 0;
    }

    private static double Micros(long ticks) => ticks * 1_000_000.0 / Stopwatch.Frequency;

    private static Round Median(List<Round> rounds) => new(
        rounds.Select(x => x.CallsPerSecond).Order().ElementAt(rounds.Count / 2),
        rounds.Select(x => x.P50).Order().ElementAt(rounds.Count / 2),
        rounds.Select(x => x.P99).Order().ElementAt(rounds.Count / 2));

    private readonly record struct Round(double CallsPerSecond, double P50, double P99);
}
