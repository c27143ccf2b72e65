using System.Globalization;
using System.Text.Json;
using Dispatch.Cli.Tests.Support;
using Dispatch.FakeUpstream;
using Dispatch.FakeUpstream.Latency;
using Xunit.Abstractions;
using UpstreamLimits = Dispatch.FakeUpstream.RateLimiting.RateLimitOptions;

namespace Dispatch.Cli.Tests.Cluster;

/// <summary>
/// Three <c>dispatch node</c> processes and a fourth without the <c>dispatch</c> role, whose ingress sends every call
/// through its DispatchProxy to the other three; one real fake upstream with the cluster's limit and a latency that keeps
/// calls on the wire.
/// </summary>
public sealed class ProxyProcessTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Api = "api";
    private const int Limit = 60;
    private const int Calls = 150;
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(2);

    /// <summary>As <see cref="NodeClusterTests"/>: node processes share the machine's cores with other test runs.</summary>
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(1);

    private FakeUpstreamServer _upstream = null!;
    private NodeCluster _cluster = null!;
    private ClusterNode _app = null!;

    public async Task InitializeAsync()
    {
        _upstream = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions
        {
            Limits = new UpstreamLimits { RequestsPerWindow = Limit, Window = Window },
            Latency = new LatencyOptions { Distribution = LatencyDistribution.Fixed, Delay = TimeSpan.FromMilliseconds(300) },
            ShutdownTimeout = TimeSpan.FromSeconds(1),
        });
        var hocon = NodeCluster.Endpoint(Api, _upstream.BaseUrl, Limit, Window, Guard, concurrency: 8);
        _cluster = await NodeCluster.StartAsync(3, hocon, output);
        _app = await _cluster.AddNodeAsync(hocon, roles: "[app]");
        await _cluster.UntilUpAsync(4);
        await Poll.Until(() => _app.ProxyReadyNodesAsync().GetAwaiter().GetResult() == 3, NodeCluster.StartTimeout, "the proxy node sends to all three dispatch nodes");

        // Warm up every node through the proxy (JIT, connections), then let those calls leave every window.
        var warm = await Task.WhenAll(Enumerable.Range(0, 24).Select(i => _app.PostCallAsync($"warm-{i}", Api, _cluster.Clock))).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.All(warm, AnsweredOnceAndCompleted);
        await Task.Delay(Window + Guard + Guard);
        _upstream.Reset();
    }

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    [Fact]
    public async Task Kill_9_of_a_node_running_the_proxys_calls_leaves_each_call_answered_once_and_sent_twice_only_when_cut_off()
    {
        var owner = await _cluster.QuotaOwnerAsync(Api);
        // Not the owner's node: its loss would add a window's stall, which the owner-loss test already covers.
        var victim = _cluster.Nodes.Take(3).First(n => n != owner);
        var calls = Enumerable.Range(0, Calls).Select(i => _app.PostCallAsync($"call-{i}", Api, _cluster.Clock)).ToList();
        await Poll.Until(() => _upstream.Counters.RequestsReceived >= Limit / 2, NodeCluster.StartTimeout, "the run is under way");

        victim.Kill();
        _cluster.Log($"killed {victim.Name} (kill -9)");
        var results = await Task.WhenAll(calls).WaitAsync(TimeSpan.FromSeconds(120));

        var proxy = (await _app.GetStatusAsync()).GetProperty("cluster").GetProperty("proxy");
        var resent = proxy.GetProperty("resent").GetInt64();
        var arrivals = results.ToDictionary(r => r.Id, r => _upstream.Counters.ArrivalsOf(r.Id));
        var sentTwice = arrivals.Count(a => a.Value == 2);
        _cluster.Log($"{results.Length} calls through the proxy; {resent} re-sent after {victim.Name} died, {sentTwice} of them reached the upstream twice " +
                     $"(sends the kill cut off), the rest once; 429s {_upstream.Counters.Throttled}");
        Assert.All(results, AnsweredOnceAndCompleted);
        Assert.True(resent > 0, "the killed node had calls of the proxy's that it had not answered");
        Assert.All(arrivals, a => Assert.InRange(a.Value, 1, 2));
        Assert.InRange(sentTwice, 0, resent);
        Assert.Equal(0, _upstream.Counters.Throttled);
        Assert.DoesNotContain(proxy.GetProperty("nodes").EnumerateArray(), n => n.GetProperty("address").GetString() == victim.Address);
    }

    private static void AnsweredOnceAndCompleted(PostedCall call)
    {
        Assert.Equal(200, call.HttpStatus);
        Assert.Equal(call.Id, call.ResultId);
        Assert.Equal("Completed", call.Status);
    }
}
