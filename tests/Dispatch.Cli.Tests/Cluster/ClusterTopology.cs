using System.Globalization;
using System.Text.RegularExpressions;
using Dispatch.Cli.Tests.Support;
using Dispatch.Cluster;
using Dispatch.Cluster.Membership;
using Dispatch.Cluster.Redis;
using Dispatch.Cluster.Tests;
using Dispatch.FakeUpstream;
using Dispatch.FakeUpstream.Latency;
using Dispatch.FakeUpstream.RateLimiting;

namespace Dispatch.Cli.Tests.Cluster;

/// <summary>What a <see cref="ClusterTopology"/> runs with.</summary>
internal sealed record TopologySettings
{
    /// <summary>How many <c>dispatch node</c> processes.</summary>
    public int Nodes { get; init; } = 3;

    /// <summary>The upstream's request limit per window, which is also the endpoint's in every node.</summary>
    public required int RequestsPerWindow { get; init; }

    /// <summary>The window of that limit (the endpoint's <c>rate-limit.interval</c>).</summary>
    public required TimeSpan Window { get; init; }

    /// <summary>The upstream's response delay.</summary>
    public LatencyOptions Latency { get; init; } = LatencyOptions.None;

    /// <summary>Calls one node works on at once (<c>dispatch.cluster.max-in-flight</c>).</summary>
    public int MaxInFlight { get; init; } = 16;

    /// <summary>
    /// A call pending on a silent node this long is claimed by another. Longer than a call may wait for
    /// credits (a window and a lease): a node whose every slot waits that long refreshes none of them, and
    /// other nodes claim and send them a second time.
    /// </summary>
    public required TimeSpan ClaimIdleTimeout { get; init; }

    /// <summary>
    /// How long leased credits may be spent (<c>dispatch.cluster.lease-duration</c>). The budget counts a lease
    /// for a window after its end, so this is also all the room a request has to reach the upstream late
    /// (thread pool, connection pool, a busy upstream) without landing in the next window; the cluster
    /// budget has no other guard (<c>rate-limit.guard</c> is not applied to it).
    /// </summary>
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromMilliseconds(500);
}

/// <summary>
/// A cluster of real processes on 127.0.0.1: a redis-server, the fake upstream (in this process, so
/// its counters can be read) and <see cref="TopologySettings.Nodes"/> <c>dispatch node</c> processes in
/// cluster mode sharing the upstream's one endpoint.
/// </summary>
internal sealed class ClusterTopology : IAsyncDisposable
{
    public const string Endpoint = "chat";
    private const string TokenVariable = "CLUSTER_TEST_TOKEN";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(2);

    private readonly DirectoryInfo _directory;

    private ClusterTopology(RedisServer redis, FakeUpstreamServer upstream, DirectoryInfo directory, string keyPrefix)
    {
        Redis = redis;
        Upstream = upstream;
        _directory = directory;
        KeyPrefix = keyPrefix;
    }

    public RedisServer Redis { get; }

    public FakeUpstreamServer Upstream { get; }

    public string KeyPrefix { get; }

    public List<NodeProcess> Nodes { get; } = [];

    /// <summary>Starts everything and returns once every node's ingress answers and every node is a live member.</summary>
    public static async Task<ClusterTopology> StartAsync(TopologySettings settings)
    {
        // This process is the upstream and every caller at once. With as few pool threads as cores, a burst of
        // calls queues the upstream's handlers for hundreds of milliseconds, and a request would count as
        // arriving that much after it was sent: no provider's clock runs that late.
        ThreadPool.GetMinThreads(out var workers, out var completions);
        ThreadPool.SetMinThreads(Math.Max(workers, 64), Math.Max(completions, 64));
        var redis = await RedisServer.StartAsync();
        var upstream = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions
        {
            Limits = new RateLimitOptions { RequestsPerWindow = settings.RequestsPerWindow, Window = settings.Window },
            Latency = settings.Latency,
            RandomSeed = 6,
        });
        var topology = new ClusterTopology(redis, upstream, Directory.CreateTempSubdirectory("dispatch-cluster-"), "t" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var token = Convert.ToHexString(Guid.NewGuid().ToByteArray());
            for (var i = 1; i <= settings.Nodes; i++)
            {
                var name = $"node{i}";
                var config = Path.Combine(topology._directory.FullName, name + ".conf");
                await File.WriteAllTextAsync(config, topology.NodeConfig(name, settings));
                var process = DispatchProcess.Start(["node", "--config", config], new Dictionary<string, string> { [TokenVariable] = token });
                topology.Nodes.Add(new NodeProcess(name, process, token));
            }

            foreach (var node in topology.Nodes) await node.WaitForIngressAsync(StartTimeout);
            await topology.WaitUntilLiveAsync(topology.Nodes.Select(n => n.Name).ToList(), StartTimeout);
            return topology;
        }
        catch
        {
            await topology.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Sends a few calls through every node, waits until the shared budget counts none of them, and resets
    /// the upstream's counters and windows: the run that follows starts on warm nodes and empty windows.
    /// </summary>
    /// <remarks>
    /// A cold node's first requests (JIT, first connections) can reach the upstream later than the lease their
    /// credits came from allows, and so land in the next window; measured runs start warm.
    /// </remarks>
    public async Task WarmUpAsync()
    {
        var warmUp = await Task.WhenAll(Nodes.Select(node => CallLoad.SubmitAsync([node], $"warm-{node.Name}-", 20, outstanding: 20)));
        Assert.All(warmUp.SelectMany(o => o), o => Assert.True(o.Completed, $"warm-up {o.SubmittedId} via {o.Node}: HTTP {o.HttpStatus} {o.Body}"));
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(1);
        while (await CountedRequestsAsync() > 0)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("The warm-up's credits never left the shared budget's window.");
            await Task.Delay(100);
        }

        Upstream.Reset();
    }

    /// <summary>Requests the shared budget counts in its current window, as a node's status reports them.</summary>
    private async Task<long> CountedRequestsAsync()
    {
        using var status = System.Text.Json.JsonDocument.Parse(await Nodes[0].Http.GetStringAsync(new Uri("/v1/status", UriKind.Relative)));
        return status.RootElement.GetProperty("cluster").GetProperty("credits").EnumerateArray().Single().GetProperty("requests").GetInt64();
    }

    /// <summary>The cluster's live nodes, as Redis lists them.</summary>
    public async Task<IReadOnlyList<NodeInfo>> LiveNodesAsync()
    {
        await using var client = new RedisClient(Redis.Options);
        return await ClusterMembership.ListNodesAsync(client, new ClusterKeys(KeyPrefix));
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in Nodes) node.Dispose();
        await Upstream.DisposeAsync();
        await Redis.DisposeAsync();
        _directory.Delete(recursive: true);
    }

    /// <summary>Waits until the live nodes are exactly <paramref name="names"/>.</summary>
    public async Task WaitUntilLiveAsync(IReadOnlyList<string> names, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var live = (await LiveNodesAsync()).Select(n => n.Name).Order(StringComparer.Ordinal).ToList();
            if (live.SequenceEqual(names.Order(StringComparer.Ordinal))) return;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"The live nodes are [{string.Join(", ", live)}], not [{string.Join(", ", names)}].\n{string.Join("\n", Nodes.Select(n => n.Describe()))}");
            await Task.Delay(50);
        }
    }

    private string NodeConfig(string name, TopologySettings settings) => string.Create(CultureInfo.InvariantCulture, $$"""
        dispatch {
          endpoints.{{Endpoint}} {
            base-url = "{{Upstream.BaseUrl}}"
            path = /v1/chat/completions
            rate-limit { requests = {{settings.RequestsPerWindow}}, interval = {{(long)settings.Window.TotalMilliseconds}}ms }
            executor.concurrency = {{settings.MaxInFlight}}
            cache.max-entries = 0
          }
          cluster {
            enabled = true
            node-name = {{name}}
            key-prefix = {{KeyPrefix}}
            redis { endpoint = "{{Redis.Endpoint}}", connect-timeout = 2s }
            lease-size = 5
            lease-duration = {{(long)settings.LeaseDuration.TotalMilliseconds}}ms
            max-in-flight = {{settings.MaxInFlight}}
            claim-idle-timeout = {{(long)settings.ClaimIdleTimeout.TotalMilliseconds}}ms
            heartbeat = 500ms
            # This redis-server starts empty for the test and is never restarted under the nodes.
            guard-against-redis-restart = false
          }
          ingress { port = 0, token-env = {{TokenVariable}} }
          logging.level = warning
          shutdown.drain-timeout = 5s
        }
        """);
}

/// <summary>What one POST /v1/calls answered.</summary>
internal sealed record CallOutcome(string SubmittedId, string Node, int HttpStatus, string? CallId, string? Status, string Body)
{
    public bool Completed => HttpStatus == 200 && CallId == SubmittedId && Status == "Completed";
}

/// <summary>One <c>dispatch node</c> process of a <see cref="ClusterTopology"/> and an HTTP client for its ingress.</summary>
internal sealed partial class NodeProcess(string name, DispatchProcess process, string token) : IDisposable
{
    private HttpClient? _http;

    public string Name { get; } = name;

    /// <summary>The ingress, once <see cref="WaitForIngressAsync"/> has returned.</summary>
    public HttpClient Http => _http ?? throw new InvalidOperationException($"{Name} has not started.");

    public async Task WaitForIngressAsync(TimeSpan timeout)
    {
        string? address = null;
        try
        {
            await Poll.Until(() => (address = IngressLine().Match(process.StandardOutput).Groups[1].Value) is { Length: > 0 }, timeout, $"{Name} prints its ingress address");
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}\n{Describe()}", e);
        }

        _http = new HttpClient(new SocketsHttpHandler { PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5) })
        {
            BaseAddress = new Uri(address!),
            Timeout = TimeSpan.FromMinutes(5),
        };
        _http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
    }

    /// <summary>Posts one call to the ingress and returns its one result; the id also goes upstream as <c>x-call-id</c>, which the fake upstream counts.</summary>
    public async Task<CallOutcome> SubmitAsync(string id)
    {
        var json = $$$"""{"id":"{{{id}}}","headers":{"x-call-id":"{{{id}}}"},"body":{"model":"m","messages":[{"role":"user","content":"call {{{id}}}"}]}}""";
        using var content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        using var response = await Http.PostAsync(new Uri("/v1/calls", UriKind.Relative), content);
        var text = await response.Content.ReadAsStringAsync();
        string? callId = null, status = null;
        if (response.IsSuccessStatusCode)
        {
            using var result = System.Text.Json.JsonDocument.Parse(text);
            callId = result.RootElement.GetProperty("callId").GetString();
            status = result.RootElement.GetProperty("status").GetString();
        }

        return new CallOutcome(id, Name, (int)response.StatusCode, callId, status, text);
    }

    /// <summary>Kills the process at once (SIGKILL), as <c>kill -9</c> does.</summary>
    public void Kill() => process.Kill();

    public string Describe() => $"--- {Name} stdout:\n{process.StandardOutput}\n--- {Name} stderr:\n{process.StandardError}";

    public void Dispose()
    {
        _http?.Dispose();
        process.Dispose();
    }

    [GeneratedRegex(@"ingress on (http://127\.0\.0\.1:\d+)")]
    private static partial Regex IngressLine();
}
