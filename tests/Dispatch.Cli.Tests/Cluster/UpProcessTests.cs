using System.Text.Json;
using System.Text.RegularExpressions;
using Dispatch.Cli.Node;
using Dispatch.Cli.Tests.Support;
using Spectre.Console;

namespace Dispatch.Cli.Tests.Cluster;

/// <summary><c>dispatch up</c> as a process: its nodes are processes too, and none outlives it.</summary>
public sealed partial class UpProcessTests
{
    private const string Token = "up-test-token-0123456789";
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);
    private static readonly Dictionary<string, string> Environment = new() { ["DISPATCH_INGRESS_TOKEN"] = Token };

    [Fact]
    public async Task Up_starts_three_nodes_in_one_cluster_and_stops_every_one_on_sigterm()
    {
        using var up = DispatchProcess.Start(["up", "--nodes", "3"], Environment);
        await Poll.Until(() => up.StandardOutput.Contains("cluster formed: 3 members up", StringComparison.Ordinal) || up.HasExited, Timeout, "up reports the cluster formed");
        var nodes = ChildProcesses.Of(up.Id);
        var status = await StatusJson(FirstNodeUrl(up));

        up.Terminate();
        var exitCode = await up.WaitAsync(Timeout);

        var members = status.GetProperty("cluster").GetProperty("members").EnumerateArray().ToArray();
        Assert.Equal(3, members.Length);
        Assert.All(members, m => Assert.Equal("Up", m.GetProperty("status").GetString()));
        Assert.Equal("fake-chat", Assert.Single(status.GetProperty("cluster").GetProperty("quota").EnumerateArray().ToArray()).GetProperty("endpoint").GetString());
        Assert.Equal(3, nodes.Count);
        Assert.Equal(0, exitCode);
        Assert.Equal(3, StoppedLine().Matches(up.StandardOutput).Count);
        Assert.All(nodes, pid => Assert.False(ChildProcesses.IsRunning(pid), $"node process {pid} outlived dispatch up"));
        Assert.NotEmpty(LogDirectory(up));
        Assert.False(Directory.Exists(LogDirectory(up)), "the nodes' configs and logs are deleted after a clean stop");
    }

    [Fact]
    public async Task The_nodes_of_a_killed_up_drain_and_stop_by_themselves()
    {
        using var up = DispatchProcess.Start(["up", "--nodes", "1"], Environment);
        await Poll.Until(() => up.StandardOutput.Contains("cluster formed: 1 members up", StringComparison.Ordinal) || up.HasExited, Timeout, "up reports the cluster formed");
        var node = Assert.Single(ChildProcesses.Of(up.Id));

        up.Kill();

        await Poll.Until(() => !ChildProcesses.IsRunning(node), Timeout, "the node stops after its dispatch up was killed");
        Directory.Delete(LogDirectory(up), recursive: true); // a killed up leaves them behind
    }

    [Fact]
    public async Task Up_with_a_missing_config_exits_2_naming_it()
    {
        using var up = DispatchProcess.Start(["up", "--config", "/nonexistent/dispatch-up.conf"], Environment);

        var exitCode = await up.WaitAsync(Timeout);

        Assert.Equal(2, exitCode);
        Assert.Equal("dispatch up: --config /nonexistent/dispatch-up.conf: no such file", up.StandardError.Trim());
    }

    private static string FirstNodeUrl(DispatchProcess up)
    {
        var match = StatusHint().Match(up.StandardOutput);
        Assert.True(match.Success, $"up printed no node URL:\n{up.StandardOutput}\n{up.StandardError}");
        return match.Groups[1].Value;
    }

    private static string LogDirectory(DispatchProcess up) => LogDirectoryLine().Match(up.StandardOutput).Groups[1].Value;

    /// <summary>The node's status as <c>dispatch node status --json</c> prints it.</summary>
    private static async Task<JsonElement> StatusJson(string url)
    {
        using var output = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Ansi = AnsiSupport.No, Out = new AnsiConsoleOutput(output) });
        Assert.Equal(0, await NodeStatusCommand.RunAsync(url, Token, json: true, console, TextWriter.Null, CancellationToken.None));
        return JsonDocument.Parse(output.ToString()).RootElement.Clone();
    }

    [GeneratedRegex(@"dispatch node status --url (\S+)")]
    private static partial Regex StatusHint();

    [GeneratedRegex(@"node configs and logs: (\S+)")]
    private static partial Regex LogDirectoryLine();

    [GeneratedRegex(@"node\d stopped \(exit code 0\)")]
    private static partial Regex StoppedLine();
}
