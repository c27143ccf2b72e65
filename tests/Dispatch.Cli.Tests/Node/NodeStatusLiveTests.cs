using System.Text.Json;
using Dispatch.Cli.Node;
using Dispatch.Cli.Tests.Support;
using Dispatch.Cluster.Tests;
using Dispatch.Core.Dispatching;
using Dispatch.FakeUpstream;
using Dispatch.Hosting.Ingress;
using Microsoft.AspNetCore.Builder;

namespace Dispatch.Cli.Tests.Node;

/// <summary><c>dispatch node status</c> against two live nodes (hosted in this process) sharing a real redis-server.</summary>
[Collection(RedisCollection.Name)]
public sealed class NodeStatusLiveTests(RedisServerFixture redis) : IAsyncLifetime
{
    private readonly string _prefix = "cli-status-" + Guid.NewGuid().ToString("N")[..8];
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("dispatch-node-status-");
    private readonly List<WebApplication> _nodes = [];
    private FakeUpstreamServer _upstream = null!;
    private string _config = null!;

    public async Task InitializeAsync()
    {
        _upstream = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions());
        _config = Path.Combine(_directory.FullName, "cluster.conf");
        await File.WriteAllTextAsync(_config, $$"""
            dispatch.endpoints.chat { base-url = "{{_upstream.BaseUrl}}", path = /v1/chat/completions, rate-limit { requests = 300, interval = 1m } }
            dispatch.ingress.port = 0
            dispatch.cluster { enabled = true, key-prefix = "{{_prefix}}", redis = "{{redis.Server.Endpoint}}" }
            """);
        foreach (var name in new[] { "n1", "n2" })
        {
            var node = DispatchNode.Build(d =>
            {
                d.WithEnvironmentVariables(() => []);
                d.LogToConsole = false;
                d.Dependencies = new DispatchDependencies { GetEnvironmentVariable = v => v == "DISPATCH_INGRESS_TOKEN" ? "live-status-token" : null };
                d.AddHoconFile(_config);
                d.Override("dispatch.cluster.node-name", $"{_prefix}-{name}");
            });
            await node.StartAsync();
            _nodes.Add(node);
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await node.StopAsync();
            await node.DisposeAsync();
        }

        await _upstream.DisposeAsync();
        _directory.Delete(recursive: true);
    }

    [Fact]
    public async Task Json_status_lists_both_live_nodes_and_the_shared_credits_and_exits_0()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        var exitCode = await NodeStatusCommand.RunAsync(_config, json: true, output, error, CancellationToken.None);

        Assert.Equal(0, exitCode);
        var report = JsonDocument.Parse(output.ToString()).RootElement;
        Assert.Equal([$"{_prefix}-n1", $"{_prefix}-n2"], report.GetProperty("nodes").EnumerateArray().Select(n => n.GetProperty("name").GetString()!));
        Assert.All(report.GetProperty("nodes").EnumerateArray(), n => Assert.Equal(0, n.GetProperty("inFlight").GetInt64()));
        var credits = Assert.Single(report.GetProperty("credits").EnumerateArray());
        Assert.Equal(("chat", 300), (credits.GetProperty("endpoint").GetString(), credits.GetProperty("requestLimit").GetInt32()));
        Assert.Equal((redis.Server.Endpoint, _prefix), (report.GetProperty("redis").GetString(), report.GetProperty("keyPrefix").GetString()));
    }

    [Fact]
    public async Task The_dispatch_process_prints_the_nodes_and_credits_as_tables_and_exits_0()
    {
        using var status = DispatchProcess.Start("node", "status", "--config", _config);

        var exitCode = await status.WaitAsync(TimeSpan.FromMinutes(2));

        Assert.Equal(0, exitCode);
        Assert.Contains($"cluster '{_prefix}' on Redis {redis.Server.Endpoint}: 2 live node(s)", status.StandardOutput);
        Assert.Contains($"{_prefix}-n1", status.StandardOutput);
        Assert.Contains($"{_prefix}-n2", status.StandardOutput);
        // The shared window is the 60 s interval plus the rate limit's guard (2 %, at most 1 s).
        Assert.Matches(@"chat\s+\d+/300\s+\d+/unlimited\s+61s\s+no", status.StandardOutput);
    }

    [Fact]
    public async Task A_node_process_in_cluster_mode_says_so_and_joins_the_cluster_the_others_see()
    {
        using var node = DispatchProcess.Start(["node", "--config", _config], new Dictionary<string, string>
        {
            ["DISPATCH_INGRESS_TOKEN"] = "live-status-token",
            ["DISPATCH__CLUSTER__NODE_NAME"] = $"{_prefix}-process",
        });
        await Poll.Until(() => node.StandardOutput.Contains("cluster mode as", StringComparison.Ordinal), TimeSpan.FromMinutes(2), "the node prints its cluster line");
        using var output = new StringWriter();
        using var error = new StringWriter();

        var exitCode = await NodeStatusCommand.RunAsync(_config, json: true, output, error, CancellationToken.None);
        node.Terminate();
        var nodeExitCode = await node.WaitAsync(TimeSpan.FromMinutes(2));

        Assert.Contains($"dispatch node: cluster mode as node '{_prefix}-process' on Redis {redis.Server.Endpoint} (key prefix {_prefix}){Environment.NewLine}", node.StandardOutput);
        Assert.Equal(0, exitCode);
        Assert.Equal([$"{_prefix}-n1", $"{_prefix}-n2", $"{_prefix}-process"],
            JsonDocument.Parse(output.ToString()).RootElement.GetProperty("nodes").EnumerateArray().Select(n => n.GetProperty("name").GetString()!));
        Assert.Equal(0, nodeExitCode);
    }
}
