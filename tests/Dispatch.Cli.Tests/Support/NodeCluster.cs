using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Dispatch.Cli.Up;
using Xunit.Abstractions;

namespace Dispatch.Cli.Tests.Support;

/// <summary>
/// <c>dispatch node</c> processes forming one Akka.Cluster over Akka.Remote on 127.0.0.1: free ports, the first node
/// the seed, every node with the <c>dispatch</c> role and its own ingress. The endpoints (and any other setting) come
/// from the HOCON the test passes, written beneath each node's cluster settings. Membership is read from each node's
/// <c>GET /v1/status</c>, as an operator would.
/// </summary>
internal sealed partial class NodeCluster : IAsyncDisposable
{
    /// <summary>The bearer token every node's ingress takes.</summary>
    public const string Token = "node-cluster-test-token";

    /// <summary>
    /// Akka settings that keep a test short: a lost node's singletons move once it is removed plus the split brain
    /// resolver's <c>stable-after</c> (20 s by default).
    /// </summary>
    public static readonly TimeSpan StableAfter = TimeSpan.FromSeconds(2);

    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("dispatch-cluster-");
    private readonly List<ClusterNode> _nodes = [];
    private readonly ITestOutputHelper? _output;
    private readonly int _seedPort = LoopbackPort.Free();

    private NodeCluster(ITestOutputHelper? output) => _output = output;

    /// <summary>The nodes in the order they were started; the first is the seed.</summary>
    public IReadOnlyList<ClusterNode> Nodes => _nodes;

    /// <summary>One clock for every measurement of the test.</summary>
    public Stopwatch Clock { get; } = Stopwatch.StartNew();

    /// <summary>The seed node's address, <c>akka.tcp://dispatch@127.0.0.1:port</c>.</summary>
    public string SeedAddress => Address(_seedPort);

    /// <summary>
    /// The one endpoint the cluster tests share: <paramref name="api"/> at the fake upstream's echo route, the upstream's own
    /// request limit over <paramref name="window"/> with <paramref name="guard"/>, quick retries and a breaker that never opens.
    /// </summary>
    public static string Endpoint(string api, string baseUrl, int limit, TimeSpan window, TimeSpan guard, int concurrency) =>
        string.Create(CultureInfo.InvariantCulture, $$"""
            dispatch {
              endpoints.{{api}} {
                base-url = "{{baseUrl}}"
                path = /v1/echo
                rate-limit { requests = {{limit}}, interval = {{window.TotalSeconds}}s, guard = {{guard.TotalMilliseconds}}ms }
                executor.concurrency = {{concurrency}}
                retry { max-attempts = 5, base-delay = 50ms, max-delay = 1s, jitter = none }
                breaker.max-failures = 1000000
              }
            }

            """);

    /// <summary>Starts <paramref name="count"/> nodes at once (the others keep trying to join until the seed is up) and waits until every node sees all of them up.</summary>
    /// <param name="count">How many nodes.</param>
    /// <param name="hocon">The HOCON every node loads beneath its cluster settings (endpoints, limits).</param>
    /// <param name="output">The test's output for progress lines, if any.</param>
    public static async Task<NodeCluster> StartAsync(int count, string hocon, ITestOutputHelper? output = null)
    {
        var cluster = new NodeCluster(output);
        try
        {
            await Task.WhenAll(Enumerable.Range(0, count).Select(_ => cluster.AddNodeAsync(hocon)));
            await cluster.UntilUpAsync(count);
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }

        return cluster;
    }

    /// <summary>Starts one more node that joins through the seed; returns once its ingress listens (it may still be joining).</summary>
    /// <param name="hocon">The node's HOCON beneath its cluster settings.</param>
    /// <param name="roles">Its <c>akka.cluster.roles</c>.</param>
    public async Task<ClusterNode> AddNodeAsync(string hocon, string roles = "[dispatch]")
    {
        string? name = null;
        for (var attempt = 1; ; attempt++)
        {
            ClusterNode node;
            bool seed;
            lock (_nodes)
            {
                seed = _nodes.Count == 0 && name is null;
                var port = seed ? _seedPort : LoopbackPort.Free();
                name ??= $"node{_nodes.Count + 1}";
                var file = Path.Combine(_directory.FullName, name + ".conf");
                File.WriteAllText(file, NodeConfig(port, roles) + hocon);
                var process = DispatchProcess.Start(["node", "--config", file, "--stop-with-parent"], new Dictionary<string, string> { ["DISPATCH_INGRESS_TOKEN"] = Token }, holdStandardInput: true);
                node = new ClusterNode(name, Address(port), process);
                _nodes.Add(node);
            }

            await Poll.Until(() => node.TryReadIngress() || node.Process.HasExited, StartTimeout, $"{node.Name} prints its ingress address");
            if (node.Url is not null)
            {
                Log($"{node.Name} ({node.Address}) listens on {node.Url}");
                return node;
            }

            // The free port picked for its remoting can be taken before the node binds it (by the ingress of a node starting
            // beside it, which listens on a port the system picks): such a node starts again on another (not the seed, whose
            // port the others join through).
            if (!seed && attempt < 3 && node.Process.StandardError.Contains("Address already in use", StringComparison.Ordinal))
            {
                Log($"{node.Name}: its port was taken before it bound it; starting it again on another");
                lock (_nodes) _nodes.Remove(node);
                node.Dispose();
                continue;
            }

            throw new InvalidOperationException($"{node.Name} exited before listening.\nstdout:\n{node.Process.StandardOutput}\nstderr:\n{node.Process.StandardError}");
        }
    }

    /// <summary>Waits until every running node's status lists <paramref name="count"/> members, all Up.</summary>
    public async Task UntilUpAsync(int count)
    {
        var deadline = Clock.Elapsed + StartTimeout;
        foreach (var node in _nodes.Where(n => !n.Process.HasExited))
        {
            while (!await node.SeesUpAsync(count))
            {
                if (Clock.Elapsed > deadline) throw new TimeoutException($"{node.Name} did not see {count} members up within {StartTimeout}.");
                await Task.Delay(200);
            }
        }

        Log($"{count} members up");
    }

    /// <summary>
    /// The node whose address the status names as the owner of <paramref name="endpoint"/>'s quota; with
    /// <paramref name="other"/>, a node other than that one, as another node's status names it (waits for the quota to move).
    /// </summary>
    public async Task<ClusterNode> QuotaOwnerAsync(string endpoint, ClusterNode? other = null)
    {
        var deadline = Clock.Elapsed + StartTimeout;
        while (true)
        {
            var status = await _nodes.First(n => n != other && !n.Process.HasExited).GetStatusAsync();
            var owner = status.GetProperty("cluster").GetProperty("quota").EnumerateArray()
                .Where(q => q.GetProperty("endpoint").GetString() == endpoint)
                .Select(q => q.GetProperty("owner").GetString())
                .FirstOrDefault();
            if (_nodes.FirstOrDefault(n => n.Address == owner && n != other) is { } node) return node;
            if (Clock.Elapsed > deadline) throw new TimeoutException($"no owner of {endpoint}'s quota{(other is null ? "" : $" other than {other.Name}")} within {StartTimeout}.");
            await Task.Delay(200);
        }
    }

    /// <summary>Writes a line to the test's output, stamped with <see cref="Clock"/>.</summary>
    public void Log(string line)
    {
        try
        {
            _output?.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{Clock.Elapsed.TotalSeconds,7:F3}s] {line}"));
        }
        catch (InvalidOperationException)
        {
            // The test has finished; its output is closed.
        }
    }

    /// <summary>Kills every node still running and deletes the config files.</summary>
    public ValueTask DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            node.Dispose();
            // What each node said about its quota, pauses and leaving: the story of a failed run.
            var lines = node.Process.StandardOutput.Split('\n').Where(l => NotableLog().IsMatch(l));
            Log($"{node.Name} ({node.Address}):\n{string.Join('\n', lines)}\n{node.Process.StandardError}");
        }

        _directory.Delete(recursive: true);
        return ValueTask.CompletedTask;
    }

    /// <summary>How long a node process may take to start or the cluster to form on a busy machine.</summary>
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    [GeneratedRegex("quota|owner|lease|paus|429|leav|drain|WRN|ERR|Warn|Error", RegexOptions.IgnoreCase)]
    private static partial Regex NotableLog();

    private static string Address(int port) => $"akka.tcp://dispatch@127.0.0.1:{port}";

    private string NodeConfig(int port, string roles) => string.Create(CultureInfo.InvariantCulture, $$"""
        akka {
          actor.provider = cluster
          remote.dot-netty.tcp { hostname = 127.0.0.1, port = {{port}} }
          cluster {
            seed-nodes = ["{{SeedAddress}}"]
            roles = {{roles}}
            split-brain-resolver.stable-after = {{StableAfter.TotalSeconds}}s
          }
        }
        dispatch.ingress.port = 0

        """);
}

/// <summary>One <c>dispatch node</c> process of a <see cref="NodeCluster"/> and an HTTP client for its ingress.</summary>
internal sealed partial class ClusterNode : IDisposable
{
    private HttpClient? _http;

    public ClusterNode(string name, string address, DispatchProcess process)
    {
        Name = name;
        Address = address;
        Process = process;
    }

    /// <summary>node1, node2, … in start order.</summary>
    public string Name { get; }

    /// <summary>Its Akka address, as the status names members and owners.</summary>
    public string Address { get; }

    public DispatchProcess Process { get; }

    /// <summary>The ingress, e.g. <c>http://127.0.0.1:41234</c>, once the node printed it.</summary>
    public Uri? Url { get; private set; }

    /// <summary>An HTTP client for its ingress (base address <see cref="Url"/>), sending the bearer token.</summary>
    public HttpClient Http => _http ??= CreateClient();

    /// <summary><c>GET /v1/status</c>.</summary>
    public async Task<JsonElement> GetStatusAsync()
    {
        using var response = await Http.GetAsync(new Uri("/v1/status", UriKind.Relative));
        response.EnsureSuccessStatusCode();
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    /// <summary>Whether the node's status lists exactly <paramref name="count"/> members, all Up (false while it cannot answer).</summary>
    public async Task<bool> SeesUpAsync(int count)
    {
        try
        {
            var members = (await GetStatusAsync()).GetProperty("cluster").GetProperty("members").EnumerateArray().ToArray();
            return members.Length == count && members.All(m => m.GetProperty("status").GetString() == "Up");
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or KeyNotFoundException)
        {
            return false;
        }
    }

    /// <summary>On a proxy node, how many dispatch nodes its proxy sends calls to now (0 while it cannot answer).</summary>
    public async Task<int> ProxyReadyNodesAsync()
    {
        try
        {
            var proxy = (await GetStatusAsync()).GetProperty("cluster").GetProperty("proxy");
            return proxy.ValueKind == JsonValueKind.Object ? proxy.GetProperty("nodes").EnumerateArray().Count(n => n.GetProperty("ready").GetBoolean()) : 0;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or KeyNotFoundException)
        {
            return 0;
        }
    }

    /// <summary>
    /// Posts one call to <c>POST /v1/calls</c> with the upstream's per-id header, and returns what came back: the
    /// result's status, or <see langword="null"/> when the node answered nothing (its process gone).
    /// </summary>
    /// <param name="id">The call's id (also sent as <c>x-call-id</c> for the fake upstream's counters).</param>
    /// <param name="endpoint">The endpoint.</param>
    /// <param name="clock">Stamps when the answer arrived.</param>
    public async Task<PostedCall> PostCallAsync(string id, string endpoint, Stopwatch clock)
    {
        var request = JsonSerializer.Serialize(new
        {
            id,
            endpoint,
            body = new { model = "m", messages = new[] { new { role = "user", content = "hi" } } },
            tokens = 1,
            headers = new Dictionary<string, string> { ["x-call-id"] = id, ["x-fake-tokens"] = "1" },
        });
        var sent = clock.Elapsed;
        try
        {
            using var content = new StringContent(request, System.Text.Encoding.UTF8, "application/json");
            using var response = await Http.PostAsync(new Uri("/v1/calls", UriKind.Relative), content);
            var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            var answeredId = json.TryGetProperty("callId", out var callId) ? callId.GetString() : null;
            var status = json.TryGetProperty("status", out var s) ? s.GetString() : null;
            return new PostedCall(Name, id, sent, clock.Elapsed, (int)response.StatusCode, answeredId, status);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
        {
            return new PostedCall(Name, id, sent, clock.Elapsed, null, null, null);
        }
    }

    /// <summary>Kills the process at once (SIGKILL), as a crash would: no leaving, no hand-over.</summary>
    public void Kill() => Process.Kill();

    /// <summary>SIGTERM: the node drains and leaves the cluster gracefully.</summary>
    public void Terminate() => Process.Terminate();

    public void Dispose()
    {
        _http?.Dispose();
        Process.Dispose();
    }

    internal bool TryReadIngress()
    {
        var match = IngressLine().Match(Process.StandardOutput);
        if (!match.Success) return false;
        Url = new Uri(match.Groups[1].Value);
        return true;
    }


    private HttpClient CreateClient()
    {
        var http = new HttpClient { BaseAddress = Url ?? throw new InvalidOperationException($"{Name} has not printed its ingress yet"), Timeout = TimeSpan.FromSeconds(90) };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", NodeCluster.Token);
        return http;
    }

    [GeneratedRegex(@"ingress on (http://127\.0\.0\.1:\d+)")]
    private static partial Regex IngressLine();
}

/// <summary>One call posted to a node's ingress, as the test saw it.</summary>
/// <param name="Node">The node it was posted to.</param>
/// <param name="Id">Its id.</param>
/// <param name="Sent">When it was posted (the cluster's clock).</param>
/// <param name="Answered">When the answer (or the failure to get one) arrived.</param>
/// <param name="HttpStatus">The ingress's HTTP status; <see langword="null"/> when no answer came.</param>
/// <param name="ResultId">The id the result names.</param>
/// <param name="Status">The result's status (Completed, Rejected, …).</param>
internal sealed record PostedCall(string Node, string Id, TimeSpan Sent, TimeSpan Answered, int? HttpStatus, string? ResultId, string? Status);
