using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.Json;
using Akka.Actor;
using Dispatch.Cluster.Protocol;
using Akka.Hosting;
using Dispatch.Cluster.Proxy;
using Dispatch.Core.Dispatching;
using Dispatch.Core.Protocol;
using Dispatch.FakeUpstream;
using Dispatch.Hosting.Ingress;
using Dispatch.Hosting.Lifecycle;
using Dispatch.Hosting.Submission;
using Dispatch.Hosting.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using UpstreamLimits = Dispatch.FakeUpstream.RateLimiting.RateLimitOptions;

namespace Dispatch.Hosting.Tests.Clustering;

/// <summary>
/// Two hosted nodes (<see cref="DispatchNode"/>, i.e. <c>AddDispatch</c>) in one process form an Akka.Cluster over
/// Akka.Remote on 127.0.0.1 from their HOCON alone and share one endpoint's limit, which is also the limit of the real
/// fake upstream they both call.
/// </summary>
[Collection(MetricsScrapes.Name)]
public sealed class HostedClusterTests : IAsyncLifetime
{
    private const string Token = "cluster-test-token-123";
    private const int Limit = 100;
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private readonly List<WebApplication> _nodes = [];
    private FakeUpstreamServer _upstream = null!;

    public async ValueTask InitializeAsync() => _upstream = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions
    {
        Limits = new UpstreamLimits { RequestsPerWindow = Limit, Window = Interval },
        ShutdownTimeout = TimeSpan.FromSeconds(1),
    });

    public async ValueTask DisposeAsync()
    {
        // The younger node first, so the owner's node leaves last.
        for (var i = _nodes.Count - 1; i >= 0; i--)
        {
            await _nodes[i].StopAsync();
            await _nodes[i].DisposeAsync();
        }

        await _upstream.DisposeAsync();
    }

    [Fact]
    public async Task Two_hosted_nodes_form_a_cluster_from_hocon_and_share_one_limit_without_a_429()
    {
        var (first, second) = await StartTwoNodes();

        // Warm up (JIT, connections: a cold process may deliver its first requests later than the limit's guard
        // allows for), let those calls leave every window, then measure.
        var nodes = new[] { first, second };
        await Task.WhenAll(Enumerable.Range(0, 32).Select(i => Submit(nodes[i % 2], $"warm-{i}"))).WaitAsync(TestNode.Patience);
        await Task.Delay(Interval * 1.2);
        _upstream.Reset();

        // Three windows' worth, half to each node: each node alone would send its half within the first window.
        const int calls = 3 * Limit;
        var results = await Task.WhenAll(Enumerable.Range(0, calls).Select(i => Submit(nodes[i % 2], $"call-{i}"))).WaitAsync(TimeSpan.FromSeconds(40));

        var counters = _upstream.Counters;
        TestContext.Current.TestOutputHelper?.WriteLine($"{calls} calls: {counters.RequestsReceived} received, {counters.Throttled} 429s, busiest window {counters.MaxRequestsInWindow}/{Limit}");
        Assert.All(results, r => Assert.Equal(CallStatus.Completed, r.Status));
        Assert.Equal(calls, counters.RequestsReceived);
        Assert.Equal(0, counters.Throttled);
        Assert.InRange(counters.MaxRequestsInWindow, 1, Limit);

        // The status of either node shows both members and the one owner of the endpoint's quota (the oldest node).
        var firstAddress = Akka.Cluster.Cluster.Get(first.Services.GetRequiredService<ActorSystem>()).SelfAddress.ToString();
        var secondAddress = Akka.Cluster.Cluster.Get(second.Services.GetRequiredService<ActorSystem>()).SelfAddress.ToString();
        var cluster = (await GetStatus(second)).GetProperty("cluster");
        Assert.Equal(secondAddress, cluster.GetProperty("self").GetString());
        Assert.Contains(cluster.GetProperty("leader").GetString(), new[] { firstAddress, secondAddress });
        var members = cluster.GetProperty("members").EnumerateArray().ToArray();
        Assert.Equal(new[] { firstAddress, secondAddress }.Order(StringComparer.Ordinal), members.Select(m => m.GetProperty("address").GetString()!).Order(StringComparer.Ordinal));
        Assert.All(members, m =>
        {
            Assert.Equal("Up", m.GetProperty("status").GetString());
            Assert.Equal("dispatch", Assert.Single(m.GetProperty("roles").EnumerateArray().ToArray()).GetString());
        });
        var quota = Assert.Single(cluster.GetProperty("quota").EnumerateArray().ToArray());
        Assert.Equal("api", quota.GetProperty("endpoint").GetString());
        Assert.Equal(firstAddress, quota.GetProperty("owner").GetString());
        Assert.Equal(JsonValueKind.Array, quota.GetProperty("leases").ValueKind);
        Assert.Equal(Limit, quota.GetProperty("requestLimit").GetInt64());
        Assert.InRange(quota.GetProperty("requestLimitInForce").GetInt64(), 1, Limit);
        Assert.Equal(firstAddress, (await GetStatus(first)).GetProperty("cluster").GetProperty("quota")[0].GetProperty("owner").GetString());
    }

    [Fact]
    public async Task A_hosted_node_that_stops_drains_its_calls_before_it_gives_its_leases_back_to_the_owner()
    {
        var (first, second) = await StartTwoNodes();
        var system = second.Services.GetRequiredService<ActorSystem>();
        var drain = DispatchShutdown.Get(system)!;
        var left = new ConcurrentQueue<(QuotaLeft Left, bool Drained)>();
        system.EventStream.Subscribe(system.ActorOf(Props.Create(() => new LeftRecorder(left, drain))), typeof(QuotaLeft));
        var calls = Enumerable.Range(0, 20).Select(i => Submit(second, $"call-{i}")).ToArray();
        await TestNode.Eventually(() => _upstream.Counters.RequestsReceived >= 1, "the calls are under way");

        await second.StopAsync();
        _nodes.Remove(second);
        await second.DisposeAsync();
        var results = await Task.WhenAll(calls).WaitAsync(TestNode.Patience);

        var firstAddress = Akka.Cluster.Cluster.Get(first.Services.GetRequiredService<ActorSystem>()).SelfAddress.ToString();
        var (quotaLeft, drainedBefore) = Assert.Single(left);
        Assert.All(results, r => Assert.Equal(CallStatus.Completed, r.Status));
        Assert.Equal("api", quotaLeft.Endpoint);
        Assert.Equal(firstAddress, quotaLeft.Owner);
        Assert.True(drainedBefore, "the leases went back before the calls were drained");
    }

    [Fact]
    public async Task A_cluster_node_without_the_dispatch_role_is_a_proxy_node_whose_calls_run_on_a_dispatch_node()
    {
        var (first, app) = await StartTwoNodes(secondRole: "app");

        var submitted = await Submit(app, "via-submitter").WaitAsync(TestNode.Patience);
        var posted = await PostCall(app, """{"id": "via-ingress", "endpoint": "api", "body": {}, "tokens": 1, "headers": {"x-call-id": "via-ingress"}}""");

        Assert.Equal(CallStatus.Completed, submitted.Status);
        Assert.Equal("Completed", posted.GetProperty("status").GetString());
        Assert.Equal(1, _upstream.Counters.ArrivalsOf("via-submitter"));
        Assert.Equal(1, _upstream.Counters.ArrivalsOf("via-ingress"));
        var registry = app.Services.GetRequiredService<ActorRegistry>();
        var proxy = await app.Services.GetRequiredService<IRequiredActor<DispatchProxy>>().GetAsync();
        Assert.Equal(proxy, registry.Get<DispatchActor>());
        Assert.Equal("/user/dispatch-proxy", proxy.Path.ToStringWithoutAddress());

        // The status says the node is a proxy, which dispatch node it sends to, and has the cluster section.
        var firstAddress = Akka.Cluster.Cluster.Get(first.Services.GetRequiredService<ActorSystem>()).SelfAddress.ToString();
        var cluster = (await GetStatus(app)).GetProperty("cluster");
        Assert.Equal(2, cluster.GetProperty("members").GetArrayLength());
        Assert.Equal(0, cluster.GetProperty("quota").GetArrayLength());
        var node = Assert.Single(cluster.GetProperty("proxy").GetProperty("nodes").EnumerateArray().ToArray());
        Assert.Equal(firstAddress, node.GetProperty("address").GetString());
        Assert.True(node.GetProperty("ready").GetBoolean());
        Assert.Equal(JsonValueKind.Null, (await GetStatus(first)).GetProperty("cluster").GetProperty("proxy").ValueKind);
    }

    [Fact]
    public async Task A_proxy_nodes_metrics_endpoint_serves_its_calls_via_proxy_and_its_ready_dispatch_nodes()
    {
        var (_, app) = await StartTwoNodes(secondRole: "app");

        var result = await Submit(app, "metered").WaitAsync(TestNode.Patience);

        Assert.Equal(CallStatus.Completed, result.Status);
        string[] lines = [];
        await TestNode.Eventually(
            () =>
            {
                lines = GetMetrics(app).Split('\n');
                return lines.Any(l => l.StartsWith("dispatch_calls", StringComparison.Ordinal) && l.Contains("endpoint=\"api\"", StringComparison.Ordinal) &&
                                      l.Contains("status=\"Completed\"", StringComparison.Ordinal) && l.Contains("via=\"proxy\"", StringComparison.Ordinal)) &&
                       lines.Any(l => l.StartsWith("dispatch_proxy_nodes", StringComparison.Ordinal) && Value(l) == 1);
            },
            "the proxy node's /metrics counts its call via the proxy and its one ready dispatch node");
        Assert.Contains(lines, l => l.StartsWith("dispatch_call_duration", StringComparison.Ordinal) && l.Contains("via=\"proxy\"", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("dispatch_proxy_outstanding", StringComparison.Ordinal) && Value(l) == 0);
    }

    /// <summary>Starts the seed node (the oldest: it hosts the quota's owner), then a second with <paramref name="secondRole"/>, and waits until both see each other up.</summary>
    private async Task<(WebApplication First, WebApplication Second)> StartTwoNodes(string secondRole = "dispatch")
    {
        var seedPort = FreePort();
        var first = await StartNode(seedPort, seedPort);
        await TestNode.Eventually(() => UpMembers(first) == 1, "the seed node is up");
        var second = await StartNode(FreePort(), seedPort, secondRole);
        await TestNode.Eventually(() => UpMembers(first) == 2 && UpMembers(second) == 2, "both nodes see each other up");
        return (first, second);
    }

    private async Task<WebApplication> StartNode(int port, int seedPort, string role = "dispatch")
    {
        var node = DispatchNode.Build(d =>
        {
            TestNode.Isolate(d, new Dictionary<string, string> { ["DISPATCH_INGRESS_TOKEN"] = Token });
            d.AddHocon($$"""
                akka {
                  actor.provider = cluster
                  remote.dot-netty.tcp { hostname = 127.0.0.1, port = {{port}} }
                  cluster {
                    seed-nodes = ["akka.tcp://dispatch@127.0.0.1:{{seedPort}}"]
                    roles = [{{role}}]
                  }
                }
                dispatch {
                  endpoints.api {
                    base-url = "{{_upstream.BaseUrl}}"
                    path = /v1/echo
                    # Other test assemblies run beside this one on 2 cores: the default guard of a 1 s
                    # interval (20 ms) is shorter than a grant's way to the upstream can take here.
                    rate-limit { requests = {{Limit}}, interval = 1s, guard = 250ms }
                    executor.concurrency = 16
                    retry { max-attempts = 5, base-delay = 50ms, max-delay = 1s, jitter = none }
                    breaker.max-failures = 1000000
                  }
                  ingress.port = 0
                  shutdown.drain-timeout = 2s
                }
                """, $"node-{port}.conf");
        });
        _nodes.Add(node);
        await node.StartAsync();
        return node;
    }

    private static Task<APICallResult> Submit(WebApplication node, string id)
    {
        var headers = new Dictionary<string, string> { [FakeUpstreamHeaders.CallId] = id, [FakeUpstreamHeaders.Tokens] = "1" };
        return node.Services.GetRequiredService<ICallSubmitter>().SubmitAsync(new APICalling(id, "api", "{}") { Headers = headers, RequiredTokens = 1 });
    }

    private static async Task<JsonElement> PostCall(WebApplication node, string json)
    {
        using var http = new HttpClient { BaseAddress = new Uri(DispatchNode.IngressAddress(node)), Timeout = TestNode.Patience };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/calls") { Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    private static int UpMembers(WebApplication node) =>
        Akka.Cluster.Cluster.Get(node.Services.GetRequiredService<ActorSystem>()).State.Members.Count(m => m.Status == Akka.Cluster.MemberStatus.Up);

    private static async Task<JsonElement> GetStatus(WebApplication node)
    {
        using var http = new HttpClient { BaseAddress = new Uri(DispatchNode.IngressAddress(node)) };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/status");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    /// <summary>The node's <c>GET /metrics</c> (Prometheus text).</summary>
    private static string GetMetrics(WebApplication node)
    {
        using var http = new HttpClient { BaseAddress = new Uri(DispatchNode.IngressAddress(node)) };
        using var request = new HttpRequestMessage(HttpMethod.Get, IngressEndpoints.MetricsPath);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        using var response = http.Send(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var reader = new StreamReader(response.Content.ReadAsStream());
        return reader.ReadToEnd();
    }

    /// <summary>The value of a Prometheus sample line: after its name and labels, before its timestamp.</summary>
    private static double Value(string line)
    {
        var labelsEnd = line.LastIndexOf('}');
        var rest = labelsEnd >= 0 ? line[(labelsEnd + 1)..] : line[line.IndexOf(' ', StringComparison.Ordinal)..];
        return double.Parse(rest.Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Notes each <see cref="QuotaLeft"/> and whether the node's drain had completed when it came.</summary>
    private sealed class LeftRecorder : ReceiveActor
    {
        public LeftRecorder(ConcurrentQueue<(QuotaLeft, bool)> left, DispatchShutdown drain) =>
            Receive<QuotaLeft>(l => left.Enqueue((l, drain.Drained.IsCompleted)));
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
