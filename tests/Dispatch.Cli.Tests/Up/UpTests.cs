using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Dispatch.Cli.Tests.Cluster;
using Dispatch.Cli.Tests.Support;
using Dispatch.Cli.Up;
using Spectre.Console;

namespace Dispatch.Cli.Tests.Up;

[Collection(ClusterProcessesCollection.Name)]
public sealed partial class UpTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task Up_runs_a_two_node_cluster_that_serves_calls_and_stops_every_child_on_sigterm()
    {
        const string token = "up-test-token";
        using var up = DispatchProcess.Start(["up", "--nodes", "2"], new Dictionary<string, string> { ["DISPATCH_INGRESS_TOKEN"] = token });
        await Poll.Until(() => up.StandardOutput.Contains("Ctrl-C stops everything.", StringComparison.Ordinal), Timeout, $"dispatch up prints its topology\n{up.StandardOutput}\n{up.StandardError}");
        var children = Topology().Matches(up.StandardOutput).ToDictionary(m => m.Groups["name"].Value, m => (Address: m.Groups["address"].Value, Pid: int.Parse(m.Groups["pid"].Value, CultureInfo.InvariantCulture)));
        Assert.Equal(["redis", "fake-upstream", "node1", "node2"], children.Keys);
        using var node1 = Client(children["node1"].Address, token);
        using var node2 = Client(children["node2"].Address, token);

        using var call = await node1.PostAsync(new Uri("/v1/calls", UriKind.Relative), new StringContent(
            """{"id":"up-1","body":{"model":"m","messages":[{"role":"user","content":"hi"}]}}""", Encoding.UTF8, "application/json"));
        var result = JsonDocument.Parse(await call.Content.ReadAsStringAsync()).RootElement;
        var live = new List<string>();
        var deadline = DateTime.UtcNow + Timeout;
        while (!live.SequenceEqual(["node1", "node2"]) && DateTime.UtcNow < deadline)
        {
            live = LiveNodes(JsonDocument.Parse(await node2.GetStringAsync(new Uri("/v1/status", UriKind.Relative))).RootElement);
            await Task.Delay(100);
        }

        up.Terminate();
        var exitCode = await up.WaitAsync(Timeout);

        Assert.Equal("up-1", result.GetProperty("callId").GetString());
        Assert.Equal("Completed", result.GetProperty("status").GetString());
        Assert.Equal(["node1", "node2"], live);
        Assert.Equal(0, exitCode);
        Assert.All(children, child => Assert.False(IsRunning(child.Value.Pid), $"{child.Key} (pid {child.Value.Pid}) still runs after dispatch up exited"));
    }

    [Fact]
    public async Task Up_without_redis_server_on_the_path_says_how_to_get_it()
    {
        var output = new StringWriter();
        var errors = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output), Ansi = AnsiSupport.No, Interactive = InteractionSupport.No });
        var empty = Directory.CreateTempSubdirectory("dispatch-no-redis-");
        try
        {
            var exitCode = await UpCommand.RunAsync(2, 600, console, errors, empty.FullName, CancellationToken.None);

            Assert.Equal(1, exitCode);
            Assert.Contains("redis-server is not on PATH", errors.ToString(), StringComparison.Ordinal);
            Assert.Contains("apt-get install redis-server", errors.ToString(), StringComparison.Ordinal);
            Assert.Empty(output.ToString());
        }
        finally
        {
            empty.Delete();
        }
    }

    /// <summary>The names of the live nodes in a node's <c>GET /v1/status</c>.</summary>
    private static List<string> LiveNodes(JsonElement status) =>
        status.GetProperty("cluster").GetProperty("nodes").EnumerateArray().Select(n => n.GetProperty("name").GetString()!).Order(StringComparer.Ordinal).ToList();

    private static HttpClient Client(string address, string token)
    {
        var http = new HttpClient { BaseAddress = new Uri(address), Timeout = Timeout };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false; // no such process
        }
    }

    // "node1          http://127.0.0.1:4711/v1/calls  pid 42  log ..." and the redis and fake-upstream lines.
    [GeneratedRegex(@"^(?<name>redis|fake-upstream|node\d+)\s+(?<address>\S+?)(?:/v1/\S+)?\s+pid (?<pid>\d+)", RegexOptions.Multiline)]
    private static partial Regex Topology();
}
