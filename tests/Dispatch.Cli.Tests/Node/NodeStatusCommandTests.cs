using System.Text.Json;
using Dispatch.Cli.Node;
using Dispatch.Cluster.Protocol;
using Dispatch.Cluster.Proxy;
using Dispatch.Core.Dispatching;
using Dispatch.Core.Protocol;
using Dispatch.Hosting.Clustering;
using Dispatch.Hosting.Ingress;
using Microsoft.AspNetCore.Builder;
using Spectre.Console;

namespace Dispatch.Cli.Tests.Node;

/// <summary>
/// <c>dispatch node status</c> against a real standalone node (in this process, its ingress on a free loopback port), and
/// its tables for a cluster node's status.
/// </summary>
public sealed class NodeStatusCommandTests : IAsyncLifetime
{
    private const string Token = "status-test-token";
    private WebApplication _node = null!;
    private string _url = null!;
    private readonly StringWriter _out = new();
    private readonly StringWriter _error = new();
    private readonly IAnsiConsole _console;

    public NodeStatusCommandTests()
    {
        _console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(_out),
        });
        _console.Profile.Width = 200;
    }

    public async Task InitializeAsync()
    {
        _node = DispatchNode.Build(d =>
        {
            d.WithEnvironmentVariables(() => []);
            d.LogToConsole = false;
            d.Dependencies = new DispatchDependencies { GetEnvironmentVariable = name => name == "DISPATCH_INGRESS_TOKEN" ? Token : null };
            d.AddHocon("""
                dispatch.endpoints.chat { base-url = "http://127.0.0.1:1", path = /v1/chat/completions }
                dispatch.ingress.port = 0
                """, "status-test.conf");
        });
        await _node.StartAsync();
        _url = DispatchNode.IngressAddress(_node);
    }

    public async Task DisposeAsync()
    {
        await _node.StopAsync();
        await _node.DisposeAsync();
    }

    [Fact]
    public async Task Status_of_a_standalone_node_says_so_and_lists_its_endpoints()
    {
        var exitCode = await NodeStatusCommand.RunAsync(_url, Token, json: false, _console, _error, CancellationToken.None);

        Assert.Equal(0, exitCode);
        Assert.Contains("a standalone node (not a cluster member)", _out.ToString());
        Assert.Contains("│ chat ", _out.ToString());
        Assert.Equal(string.Empty, _error.ToString());
    }

    [Fact]
    public async Task Status_with_json_prints_the_nodes_json()
    {
        var exitCode = await NodeStatusCommand.RunAsync(_url, Token, json: true, _console, _error, CancellationToken.None);

        Assert.Equal(0, exitCode);
        var endpoint = Assert.Single(JsonDocument.Parse(_out.ToString()).RootElement.GetProperty("endpoints").EnumerateArray().ToArray());
        Assert.Equal("chat", endpoint.GetProperty("endpoint").GetString());
    }

    [Fact]
    public async Task Status_with_a_wrong_token_exits_2_with_one_line_naming_the_401()
    {
        var exitCode = await NodeStatusCommand.RunAsync(_url, "wrong", json: false, _console, _error, CancellationToken.None);

        Assert.Equal(2, exitCode);
        var line = Assert.Single(_error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("dispatch node status: ", line, StringComparison.Ordinal);
        Assert.Contains("refused the token (401)", line);
        Assert.Equal(string.Empty, _out.ToString());
    }

    [Fact]
    public async Task Status_of_an_unreachable_url_exits_2_with_one_line()
    {
        var exitCode = await NodeStatusCommand.RunAsync("http://127.0.0.1:1", Token, json: false, _console, _error, CancellationToken.None);

        Assert.Equal(2, exitCode);
        var line = Assert.Single(_error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("dispatch node status: cannot reach http://127.0.0.1:1/v1/status", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("127.0.0.1:8780")]
    [InlineData("ftp://127.0.0.1:8780")]
    public async Task Status_with_a_url_that_is_not_http_exits_2_naming_it(string url)
    {
        var exitCode = await NodeStatusCommand.RunAsync(url, Token, json: false, _console, _error, CancellationToken.None);

        Assert.Equal(2, exitCode);
        Assert.Contains($"--url '{url}' must be an http:// or https:// address", _error.ToString());
    }

    [Fact]
    public void A_cluster_nodes_status_shows_members_with_the_leader_and_each_endpoints_owner_and_leases()
    {
        const string first = "akka.tcp://dispatch@127.0.0.1:4053";
        const string second = "akka.tcp://dispatch@127.0.0.1:4054";
        var cluster = new ClusterStatus(second, first,
            [new ClusterMemberStatus(first, "Up", ["dispatch"]), new ClusterMemberStatus(second, "Leaving", ["dispatch"])],
            [new EndpointQuotaOwner("chat", first, [new NodeLease(first, 12, 3400), new NodeLease(second, 4, 800)]), new EndpointQuotaOwner("embed", null, [])]);

        NodeStatusCommand.Render(new Uri("http://127.0.0.1:8781"), new NodeStatus(DateTimeOffset.UnixEpoch, [new StatusSnapshot("chat", DateTimeOffset.UnixEpoch)], cluster), _console);

        var lines = _out.ToString().Split('\n');
        Assert.Contains(lines, l => l.Contains("cluster member " + second, StringComparison.Ordinal) && l.Contains("2 members, leader " + first, StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains(first, StringComparison.Ordinal) && l.Contains("Up", StringComparison.Ordinal) && l.Contains("leader", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains(second, StringComparison.Ordinal) && l.Contains("Leaving", StringComparison.Ordinal) && l.Contains("this node", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("chat", StringComparison.Ordinal) && l.Contains(second, StringComparison.Ordinal) && l.Contains("800", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("3,400", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("embed", StringComparison.Ordinal) && l.Contains("(not answering)", StringComparison.Ordinal));
    }

    [Fact]
    public void A_proxy_nodes_status_shows_the_dispatch_nodes_it_sends_to()
    {
        const string self = "akka.tcp://dispatch@127.0.0.1:4060";
        const string node = "akka.tcp://dispatch@127.0.0.1:4053";
        const string leaving = "akka.tcp://dispatch@127.0.0.1:4054";
        var cluster = new ClusterStatus(self, node, [new ClusterMemberStatus(node, "Up", ["dispatch"]), new ClusterMemberStatus(self, "Up", [])], [])
        {
            Proxy = new DispatchProxyStatus([new ProxyNodeStatus(node, true, 17), new ProxyNodeStatus(leaving, false, 0)], Calls: 17, Waiting: 2, Resent: 5),
        };

        NodeStatusCommand.Render(new Uri("http://127.0.0.1:8790"), new NodeStatus(DateTimeOffset.UnixEpoch, [], cluster), _console);

        var lines = _out.ToString().Split('\n');
        Assert.Contains(lines, l => l.Contains("17 calls outstanding, 2 waiting for a node, 5 re-sent", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains(node, StringComparison.Ordinal) && l.Contains("yes", StringComparison.Ordinal) && l.Contains("17", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains(leaving, StringComparison.Ordinal) && l.Contains("no", StringComparison.Ordinal));
    }

    [Fact]
    public void An_endpoints_limit_lowered_by_the_provider_shows_beside_the_configured_one()
    {
        var lowered = new StatusSnapshot("chat", DateTimeOffset.UnixEpoch) { RequestLimit = 600, RequestLimitInForce = 300, TokenLimit = 90_000, TokenLimitInForce = 90_000 };

        NodeStatusCommand.Render(new Uri("http://127.0.0.1:8780"), new NodeStatus(DateTimeOffset.UnixEpoch, [lowered], null), _console);

        Assert.Contains(_out.ToString().Split('\n'), l => l.Contains("chat", StringComparison.Ordinal) && l.Contains("300 (of 600) / 90,000", StringComparison.Ordinal));
    }
}
