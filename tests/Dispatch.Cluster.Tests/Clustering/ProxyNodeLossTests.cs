using System.Collections.Concurrent;
using Akka.Actor;
using Dispatch.Cluster.Proxy;
using Dispatch.Cluster.Tests.Support;
using Dispatch.Core.Protocol;
using Dispatch.FakeUpstream;
using Dispatch.FakeUpstream.Latency;
using Xunit.Abstractions;

namespace Dispatch.Cluster.Tests.Clustering;

/// <summary>
/// Two dispatch nodes and one application node without the role, whose calls go through its
/// <see cref="DispatchProxy"/>; the dispatch node running half of them dies mid-run without leaving.
/// </summary>
[Collection(ClusterCollection.Name)]
public class ProxyNodeLossTests(ITestOutputHelper output) : SharedUpstreamSpec
{
    private const int Calls = 400;

    /// <summary>Long enough that the node has calls on the wire when it dies.</summary>
    protected override LatencyOptions Latency { get; } = new() { Distribution = LatencyDistribution.Fixed, Delay = TimeSpan.FromMilliseconds(250) };

    [Fact]
    public async Task When_the_node_running_proxied_calls_dies_each_call_is_answered_once_and_only_cut_off_sends_reach_the_upstream_twice()
    {
        await using var cluster = await DispatchCluster.StartAsync(2, DispatchCluster.Options(Upstream, Limit, Interval, SafeGuard), new ClusterQuotaOptions(), output);
        var (survivor, doomed) = (cluster.Nodes[0], cluster.Nodes[1]);
        await using var app = AppNode.Start("app", survivor, output);
        await cluster.UntilAsync(() => app.UpMembers == 3, "the application node sees all three members up");
        await UntilProxyReadyAsync(cluster, app);
        var ran = cluster.Nodes.Select(n => EventRecorder.Start<CallFinished>(n.System)).ToArray();
        var resent = EventRecorder.Start<CallResent>(app.System);
        await cluster.WarmUpAsync(Upstream, Interval);
        var answers = new ConcurrentDictionary<string, ConcurrentQueue<APICallResult>>();
        var caller = app.System.ActorOf(Props.Create(() => new Caller(answers)));

        for (var i = 0; i < Calls; i++) app.Proxy.Tell(Call($"p-{i}"), caller);
        await cluster.UntilAsync(() => ProxiedOn(ran[1]) >= 20, "the doomed node has answered some of the proxy's calls");
        var beforeKill = (Survivor: ProxiedOn(ran[0]), Doomed: ProxiedOn(ran[1]));
        // Which node the quota serves first is a matter of timing (a node may wait a lease span for its share),
        // so "sent to both" is the proxy's own count: answered by the survivor, or still outstanding there.
        var survivorOutstanding = (await app.Proxy.Ask<DispatchProxyStatus>(GetProxyStatus.Instance, TimeSpan.FromSeconds(5)))
            .Nodes.Single(n => n.Address == survivor.Address.ToString()).Outstanding;
        await doomed.CrashAsync();
        survivor.Cluster.Down(doomed.Address);
        cluster.Log($"{doomed.Name} killed and downed after it answered {beforeKill.Doomed} proxied calls " +
                    $"({survivor.Name}: {beforeKill.Survivor} answered, {survivorOutstanding} outstanding)");
        await cluster.UntilAsync(() => answers.Count == Calls, "every call is answered", seconds: 90);
        // An answer sent twice would follow the first within moments; give it time to show.
        await Task.Delay(TimeSpan.FromSeconds(1));

        var resentIds = resent.Select(r => r.CallId).ToHashSet();
        var arrivals = answers.Keys.ToDictionary(id => id, id => Upstream.Counters.ArrivalsOf(id));
        var sentTwice = arrivals.Where(a => a.Value > 1).Select(a => a.Key).ToHashSet();
        cluster.Log($"re-sent {resentIds.Count} calls the lost node had not answered; {sentTwice.Count} of them reached the upstream twice " +
                    $"(sends the kill cut off), {resentIds.Count - sentTwice.Count} once (still queued there); 429s {Upstream.Counters.Throttled}");
        Assert.True(beforeKill.Survivor + survivorOutstanding > 0, "the proxy sent calls to both nodes");
        Assert.All(answers, a => Assert.Single(a.Value));
        Assert.All(answers.Values, a => Assert.Equal(CallStatus.Completed, a.Single().Status));
        Assert.NotEmpty(resentIds);
        Assert.All(resent, r => Assert.Equal(doomed.Address.ToString(), r.LostNode));
        Assert.Subset(resentIds, sentTwice);
        Assert.All(arrivals, a => Assert.InRange(a.Value, 1, 2));
        Assert.True(Upstream.Counters.Throttled == 0, $"{Upstream.Counters.Throttled} calls met a 429; {cluster.Stalls.Summary}");
    }

    [Fact]
    public async Task A_node_with_the_dispatch_role_can_send_its_calls_through_a_proxy_of_its_own()
    {
        await using var cluster = await DispatchCluster.StartAsync(1, DispatchCluster.Options(Upstream, Limit, Interval, SafeGuard), new ClusterQuotaOptions(), output);
        var node = cluster.Nodes[0];
        var proxy = node.System.ActorOf(DispatchProxy.Props(), "dispatch-proxy");

        // The call waits at the proxy until it has found the node's own DispatchActor.
        var result = await proxy.Ask<APICallResult>(Call("local-1"), TimeSpan.FromSeconds(30));
        var status = await proxy.Ask<DispatchProxyStatus>(GetProxyStatus.Instance, TimeSpan.FromSeconds(5));

        Assert.Equal(CallStatus.Completed, result.Status);
        Assert.Equal(1, Upstream.Counters.ArrivalsOf("local-1"));
        Assert.Equal(node.Address.ToString(), Assert.Single(status.Nodes).Address);
    }

    /// <summary>A call the upstream counts by its <c>Idempotency-Key</c>, which only the proxy sets (1 token).</summary>
    private static APICalling Call(string id) =>
        new(id, DispatchCluster.Api, "{}") { Headers = new Dictionary<string, string> { [FakeUpstreamHeaders.Tokens] = "1" }, RequiredTokens = 1 };

    private static int ProxiedOn(IEnumerable<CallFinished> finished) => finished.Count(f => f.Result.CallId.StartsWith("p-", StringComparison.Ordinal));

    private static async Task UntilProxyReadyAsync(DispatchCluster cluster, AppNode app)
    {
        var deadline = cluster.Clock.Elapsed + TimeSpan.FromSeconds(30);
        while (await app.ReadyNodesAsync() < 2)
        {
            if (cluster.Clock.Elapsed > deadline) throw new TimeoutException("The proxy did not find both dispatch nodes within 30s.");
            await Task.Delay(50);
        }
    }

    /// <summary>The caller: keeps every answer it gets, by call id.</summary>
    private sealed class Caller : ReceiveActor
    {
        public Caller(ConcurrentDictionary<string, ConcurrentQueue<APICallResult>> answers) =>
            Receive<APICallResult>(result => answers.GetOrAdd(result.CallId, _ => new ConcurrentQueue<APICallResult>()).Enqueue(result));
    }
}
