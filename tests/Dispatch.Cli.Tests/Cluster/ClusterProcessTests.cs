using Dispatch.FakeUpstream.Latency;
using Xunit.Abstractions;

namespace Dispatch.Cli.Tests.Cluster;

/// <summary>
/// Tests that start several node processes (and <c>dispatch up</c>) run alone: the rate each
/// achieves must not depend on what else the machine runs at the same time.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ClusterProcessesCollection
{
    public const string Name = "cluster processes";
}

[Collection(ClusterProcessesCollection.Name)]
public sealed class ClusterProcessTests(ITestOutputHelper output)
{
    // Limits of 100 requests/s: low enough for a slow, loaded machine to keep the budget saturated. A lease
    // (500 ms) is counted for a whole window after it ends, so windows of several seconds keep that cost small
    // (10 s: a window's credits come back every 10.5 s, 95% of the limit).

    [Fact]
    public async Task Three_nodes_sharing_an_endpoint_keep_to_its_limit_together_and_use_at_least_90_percent_of_it()
    {
        const int calls = 3000;
        const int limit = 1000;
        var window = TimeSpan.FromSeconds(10); // three windows' worth: ~22 s, and a window more for the last few (see the report)
        await using var cluster = await ClusterTopology.StartAsync(new TopologySettings
        {
            RequestsPerWindow = limit,
            Window = window,
            ClaimIdleTimeout = TimeSpan.FromSeconds(20),
            Latency = LatencyOptions.Fixed(TimeSpan.FromMilliseconds(10)),
        });
        await cluster.WarmUpAsync();
        using var sampler = new ArrivalSampler(cluster.Upstream.Counters);

        var outcomes = await CallLoad.SubmitAsync(cluster.Nodes, "a", calls, outstanding: 200);

        // Each window's first request goes out when the previous window's first grant leaves the budget, so from
        // the first request to the first of the third window the limit allowed exactly two windows' worth.
        var rate = sampler.LowerBoundRate(from: 1, to: 2 * limit + 1);
        var limitRate = limit / window.TotalSeconds;
        var counters = cluster.Upstream.Counters;
        output.WriteLine($"{calls} calls through 3 nodes: {counters.RequestsReceived} upstream requests, {counters.Throttled} 429s, busiest {window.TotalSeconds:0} s window {counters.MaxRequestsInWindow} (limit {limit}); " +
                         $"rate over the first two windows >= {rate:0.0}/s = {rate / limitRate:P1} of the limit; all sent {sampler.Elapsed(calls).TotalSeconds:0.0} s after the first; 429s at [{sampler.Throttles()}]");
        Assert.All(outcomes, o => Assert.True(o.Completed, $"{o.SubmittedId} via {o.Node}: HTTP {o.HttpStatus} {o.Body}"));
        Assert.Equal(calls, outcomes.Select(o => o.CallId).Distinct().Count());
        Assert.Equal(calls, counters.RequestsReceived);
        Assert.Equal(0, counters.Throttled);
        Assert.Equal(0, counters.ResponsesWithStatus(429));
        Assert.InRange(counters.MaxRequestsInWindow, 1, limit);
        Assert.True(rate >= 0.9 * limitRate, $"the nodes together sent {rate:0.0} requests/s while limited, under 90% of {limitRate:0.0}/s");
    }

    [Fact]
    public async Task A_node_killed_mid_run_loses_no_call_and_only_calls_it_had_in_flight_reach_the_upstream_twice()
    {
        const int calls = 1200;
        const int maxInFlight = 16;
        const int limit = 500;
        await using var cluster = await ClusterTopology.StartAsync(new TopologySettings
        {
            RequestsPerWindow = limit,
            Window = TimeSpan.FromSeconds(5),
            MaxInFlight = maxInFlight,
            ClaimIdleTimeout = TimeSpan.FromSeconds(10),
            // Slow answers: the node is killed with requests open at the upstream.
            Latency = LatencyOptions.Uniform(TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(250)),
        });
        var victim = cluster.Nodes[2];
        await cluster.WarmUpAsync();

        // Only the survivors submit; the victim takes calls from the shared queue like the others.
        var run = CallLoad.SubmitAsync(cluster.Nodes.Take(2).ToList(), "b", calls, outstanding: 400);
        await Support.Poll.Until(() => cluster.Upstream.Counters.RequestsReceived >= limit + 100 || run.IsCompleted, TimeSpan.FromMinutes(2), "the run passes its first window");
        Assert.False(run.IsCompleted, "the run ended before the node could be killed");
        victim.Kill();
        var sentBeforeKill = cluster.Upstream.Counters.RequestsReceived;
        var outcomes = await run;

        var arrivals = cluster.Upstream.Counters.Snapshot(includeCallIds: true).CallIdArrivals!;
        var twice = arrivals.Where(a => a.Value > 1).Select(a => a.Key).Order(StringComparer.Ordinal).ToList();
        output.WriteLine($"killed {victim.Name} (max in-flight {maxInFlight}) after {sentBeforeKill} upstream requests; " +
                         $"{twice.Count} call(s) reached the upstream twice: {string.Join(", ", twice)}");
        Assert.All(outcomes, o => Assert.True(o.Completed, $"{o.SubmittedId} via {o.Node}: HTTP {o.HttpStatus} {o.Body}"));
        Assert.Equal(calls, outcomes.Select(o => o.CallId).Distinct().Count());
        Assert.Equal(0, cluster.Upstream.Counters.Throttled); // so every repeated arrival is a second send, not a retry after a 429
        Assert.Equal(calls, arrivals.Count);
        Assert.All(arrivals, a => Assert.InRange(a.Value, 1, 2));
        Assert.InRange(twice.Count, 0, maxInFlight);
        await cluster.WaitUntilLiveAsync(["node1", "node2"], TimeSpan.FromMinutes(1)); // the victim's entry expires
    }
}
