using System.Diagnostics;
using System.Globalization;
using Dispatch.Cluster;
using Dispatch.Cluster.Redis;
using Dispatch.Core.Breaker;
using Dispatch.Core.Execution;
using Dispatch.Core.Options;
using Dispatch.Core.Protocol;
using Dispatch.Core.Queue;
using Dispatch.Core.RateLimiting;
using Dispatch.FakeUpstream;

namespace Dispatch.Benchmarks.Cluster;

/// <summary>
/// <c>dotnet run -c Release --project tests/Dispatch.Benchmarks -- cluster [calls] [rounds]</c>: cluster mode against
/// a FakeUpstream on loopback and a redis-server the benchmark starts on a free port. Prints (a) Redis round trips
/// per call with leasing (the shared budget's, and all of a node's), (b) the p50/p99 latency cluster mode adds to
/// standalone on the same workload, (c) the aggregate throughput of 1, 2 and 3 nodes against an unlimited upstream.
/// </summary>
public static class ClusterHarness
{
    private const int LatencyConcurrency = 32;
    private const int ConcurrencyPerNode = 64;
    private const string Payload = "{\"model\":\"m\",\"text\":\"hello\"}";
    private static long _nextId;

    /// <summary>Runs the scenarios and prints the table.</summary>
    /// <param name="args">Optional: calls per measured run (default 5,000), latency rounds (default 3).</param>
    public static async Task<int> RunAsync(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        int calls = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 5_000;
        int rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 3;
        await using var redis = await BenchRedisServer.StartAsync();
        await using var upstream = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions());
        var options = Endpoint(upstream.BaseUrl);
        var defaults = new ClusterOptions();

        Console.WriteLine($"cluster: dotnet run -c Release --project tests/Dispatch.Benchmarks -- cluster {calls} {rounds}");
        Console.WriteLine($"  {redis.Version}, started by the benchmark at {redis.Endpoint} (--save \"\" --appendonly no); FakeUpstream on loopback (no latency, no limits)");
        Console.WriteLine($"  endpoint limit {options.Endpoints["bench"].RateLimit.Requests:N0} requests/min (never binding, so the shared budget is used but never denies), {ExecutorsPerEndpoint} executors per node");
        Console.WriteLine($"  cluster defaults: lease-size {defaults.LeaseSize} (leases grow with demand), lease-duration {defaults.LeaseDuration.TotalMilliseconds:0} ms, " +
                          $"pause-check-interval {defaults.PauseCheckInterval.TotalMilliseconds:0} ms; guard-against-redis-restart off (the redis-server has just started)");
        Console.WriteLine($"  all nodes run in this one process, each its own ActorSystem, DispatchActor and ClusterNode, on {Environment.ProcessorCount} cores " +
                          "shared with redis-server and the upstream (and, here, other work on the machine)");
        Console.WriteLine();

        // (b) the same workload standalone and through a one-node cluster, in alternating rounds.
        var standaloneRounds = new List<Run>();
        var clusterRounds = new List<Run>();
        await using (var standalone = BenchNode.Standalone(options))
        await using (var node = await BenchNode.ClusterAsync(options, Cluster(redis, "latency", 1)))
        {
            await MeasureAsync([standalone], LatencyConcurrency, Math.Min(calls, 2_000));
            await MeasureAsync([node], LatencyConcurrency, Math.Min(calls, 2_000));
            for (int round = 0; round < rounds; round++)
            {
                standaloneRounds.Add(await MeasureAsync([standalone], LatencyConcurrency, calls));
                clusterRounds.Add(await MeasureAsync([node], LatencyConcurrency, calls));
            }
        }
        var s = Median(standaloneRounds);
        var c = Median(clusterRounds);
        Console.WriteLine($"(b) latency: {calls:N0} calls per round, {LatencyConcurrency} concurrent callers, {rounds} rounds alternating (medians)");
        Console.WriteLine("  mode               calls/s      p50 µs      p99 µs   budget RT/call   all Redis RT/call");
        Print("standalone", s);
        Print("cluster, 1 node", c);
        Console.WriteLine($"  cluster adds       p50 {c.P50 - s.P50,10:N0} µs   p99 {c.P99 - s.P99,10:N0} µs");
        Console.WriteLine();

        // (a) and (c): 1, 2 and 3 nodes, callers spread evenly over them.
        Console.WriteLine($"(a)+(c) throughput and Redis round trips: {calls:N0} calls per run, {ConcurrencyPerNode} concurrent callers per node, each submitting to its own node");
        Console.WriteLine("  nodes              calls/s      p50 µs      p99 µs   budget RT/call   all Redis RT/call");
        for (int count = 1; count <= 3; count++) Print($"{count}", await NodesAsync(redis, options, $"nodes{count}", count, calls));
        // The same with a limit that binds: leases cannot grow past a tenth of it, and denied lease requests cost round trips too.
        var limited = Endpoint(upstream.BaseUrl, requests: LimitedRequests, TimeSpan.FromSeconds(1));
        Print($"3, {LimitedRequests:N0}/s", await NodesAsync(redis, limited, "limited", 3, calls));
        Console.WriteLine();
        Console.WriteLine("  RT = Redis commands sent (each one round trip). budget: the shared budget's lease script runs (returns and token");
        Console.WriteLine("  corrections ride along), pause checks and lone flushes. all: budget + work queue (XADD of the call, GET of a stored");
        Console.WriteLine("  result, one finish script: store + reply + XACK + XDEL; blocking XREADGROUP/XREAD shared by the calls they return;");
        Console.WriteLine($"  claims) + heartbeats. The last row: limit {LimitedRequests:N0} requests per second over 3 nodes; its calls/s is bounded by the");
        Console.WriteLine("  limit times interval / (interval + lease span), the span being a twentieth of the 1 s interval here (95%).");
        Console.WriteLine($"  upstream served {upstream.Counters.RequestsReceived:N0} requests in all.");
        return 0;
    }

    private const int ExecutorsPerEndpoint = 64;
    private const int LimitedRequests = 1_000;

    /// <summary>Starts <paramref name="count"/> nodes of one cluster, warms them up, measures a run, and stops them.</summary>
    private static async Task<Run> NodesAsync(BenchRedisServer redis, DispatchOptions options, string cluster, int count, int calls)
    {
        var nodes = new List<BenchNode>();
        try
        {
            for (int i = 1; i <= count; i++) nodes.Add(await BenchNode.ClusterAsync(options, Cluster(redis, cluster, i)));
            await MeasureAsync(nodes, ConcurrencyPerNode * count, Math.Min(calls, 2_000));
            return await MeasureAsync(nodes, ConcurrencyPerNode * count, calls);
        }
        finally
        {
            foreach (var node in nodes) await node.DisposeAsync();
        }
    }

    private static DispatchOptions Endpoint(string baseUrl, int requests = 6_000_000, TimeSpan? interval = null)
    {
        var endpoint = new EndpointOptions("bench", baseUrl)
        {
            Path = "/v1/echo",
            RateLimit = new RateLimitOptions { Requests = requests, Tokens = null, Interval = interval ?? TimeSpan.FromMinutes(1) },
            Executor = new ExecutorOptions { Concurrency = ExecutorsPerEndpoint },
            Queue = new QueueOptions { Capacity = 100_000 },
            Breaker = new BreakerOptions { MaxFailures = 1_000_000 },
        };
        return new DispatchOptions { Endpoints = new Dictionary<string, EndpointOptions> { [endpoint.Name] = endpoint } };
    }

    private static ClusterOptions Cluster(BenchRedisServer redis, string cluster, int node) => new()
    {
        Enabled = true,
        Redis = new RedisOptions { Endpoint = redis.Endpoint },
        KeyPrefix = $"bench-{cluster}",
        NodeName = $"{cluster}-node{node}",
        GuardAgainstRedisRestart = false,
        MaxInFlight = ExecutorsPerEndpoint,
    };

    /// <summary>Runs <paramref name="calls"/> calls from closed-loop callers spread evenly over the nodes; times each call and counts Redis commands.</summary>
    private static async Task<Run> MeasureAsync(IReadOnlyList<BenchNode> nodes, int concurrency, int calls)
    {
        var latencies = new long[calls];
        int next = -1;
        var (budgetBefore, totalBefore) = Commands(nodes);
        long started = Stopwatch.GetTimestamp();
        var callers = Enumerable.Range(0, concurrency).Select(caller => Task.Run(async () =>
        {
            var node = nodes[caller % nodes.Count];
            int i;
            while ((i = Interlocked.Increment(ref next)) < calls)
            {
                string id = Interlocked.Increment(ref _nextId).ToString(CultureInfo.InvariantCulture);
                long t0 = Stopwatch.GetTimestamp();
                await node.CallAsync(new APICalling(id, "bench", Payload) { RequiredTokens = 1 }).ConfigureAwait(false);
                latencies[i] = Stopwatch.GetTimestamp() - t0;
            }
        })).ToArray();
        await Task.WhenAll(callers);
        var elapsed = Stopwatch.GetElapsedTime(started);
        var (budgetAfter, totalAfter) = Commands(nodes);
        Array.Sort(latencies);
        return new Run(calls / elapsed.TotalSeconds, Micros(latencies[calls / 2]), Micros(latencies[(int)(calls * 0.99)]),
            (double)(budgetAfter - budgetBefore) / calls, (double)(totalAfter - totalBefore) / calls);
    }

    private static (long Budget, long Total) Commands(IReadOnlyList<BenchNode> nodes) =>
        (nodes.Sum(n => n.RedisCommands.Budget), nodes.Sum(n => n.RedisCommands.Total));

    private static double Micros(long ticks) => ticks * 1_000_000.0 / Stopwatch.Frequency;

    private static void Print(string label, Run run) =>
        Console.WriteLine($"  {label,-15} {run.CallsPerSecond,10:N0}  {run.P50,10:N0}  {run.P99,10:N0}   {run.BudgetPerCall,14:0.000}   {run.TotalPerCall,17:0.000}");

    private static Run Median(List<Run> runs)
    {
        static double Mid(IEnumerable<double> values) => values.Order().ElementAt(values.Count() / 2);
        return new Run(Mid(runs.Select(r => r.CallsPerSecond)), Mid(runs.Select(r => r.P50)), Mid(runs.Select(r => r.P99)),
            Mid(runs.Select(r => r.BudgetPerCall)), Mid(runs.Select(r => r.TotalPerCall)));
    }

    private readonly record struct Run(double CallsPerSecond, double P50, double P99, double BudgetPerCall, double TotalPerCall);
}
