using System.Net;
using System.Net.Sockets;
using Dispatch.Cli.Commands;
using Dispatch.Cli.Node;

namespace Dispatch.Cli.Tests.Node;

public sealed class NodeStatusCommandTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("dispatch-node-status-");

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public void Node_status_is_a_subcommand_of_node_taking_the_config_and_json_flags()
    {
        var parse = CommandTree.Create().Parse(["node", "status", "--config", "cluster.conf", "--json"]);

        Assert.Empty(parse.Errors);
        Assert.Equal("status", parse.CommandResult.Command.Name);
    }

    [Fact]
    public async Task A_config_with_cluster_mode_off_exits_2_saying_so()
    {
        var (exitCode, output, error) = await RunAsync("dispatch.endpoints.chat { base-url = \"http://127.0.0.1:1\" }");

        Assert.Equal(2, exitCode);
        Assert.Contains("cluster mode is off", error);
        Assert.Contains("dispatch.cluster.enabled = false", error);
        Assert.Empty(output);
    }

    [Fact]
    public async Task An_unreachable_redis_exits_1_naming_its_address()
    {
        var port = ClosedPort();
        var (exitCode, output, error) = await RunAsync($$"""
            dispatch.endpoints.chat { base-url = "http://127.0.0.1:1" }
            dispatch.cluster { enabled = true, redis = "127.0.0.1:{{port}}" }
            """);

        Assert.Equal(1, exitCode);
        Assert.StartsWith($"dispatch node status: cannot read the cluster from Redis at 127.0.0.1:{port}: ", error);
        Assert.DoesNotContain("   at ", error);
        Assert.Empty(output);
    }

    [Fact]
    public async Task An_invalid_cluster_setting_exits_2_naming_the_key_and_where_it_is()
    {
        var (exitCode, _, error) = await RunAsync("""
            dispatch.cluster {
              enabled = true
              lease-size = -1
            }
            """);

        Assert.Equal(2, exitCode);
        Assert.Contains("dispatch.cluster.lease-size must be at least 1", error);
        Assert.Contains("cluster.conf:3:16", error);
    }

    private async Task<(int ExitCode, string Output, string Error)> RunAsync(string config)
    {
        var path = Path.Combine(_directory.FullName, "cluster.conf");
        await File.WriteAllTextAsync(path, config);
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exitCode = await NodeStatusCommand.RunAsync(path, json: false, output, error, CancellationToken.None);
        return (exitCode, output.ToString(), error.ToString());
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
