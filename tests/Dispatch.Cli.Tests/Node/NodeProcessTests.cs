using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Dispatch.Cli.Tests.Support;
using Dispatch.FakeUpstream;

namespace Dispatch.Cli.Tests.Node;

public sealed class NodeProcessTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("dispatch-node-");
    private FakeUpstreamServer _upstream = null!;

    public async Task InitializeAsync() => _upstream = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions());

    public async Task DisposeAsync()
    {
        await _upstream.DisposeAsync();
        _directory.Delete(recursive: true);
    }

    [Fact]
    public async Task A_node_serves_calls_to_callers_with_the_token_and_drains_on_sigterm()
    {
        var config = await WriteConfig($$"""
            dispatch.endpoints.chat { base-url = "{{_upstream.BaseUrl}}", path = /v1/chat/completions }
            dispatch.ingress { port = 0, token-env = NODE_TEST_TOKEN }
            """);
        using var node = DispatchProcess.Start(["node", "--config", config], new Dictionary<string, string> { ["NODE_TEST_TOKEN"] = "node-test-token-1" });
        string? address = null;
        await Poll.Until(() => (address = Regex.Match(node.StandardOutput, @"ingress on (http://127\.0\.0\.1:\d+)").Groups[1].Value) is { Length: > 0 }, Timeout, "the node prints its address");
        using var http = new HttpClient { BaseAddress = new Uri(address!) };

        using var anonymous = await http.PostAsync(new Uri("/v1/calls", UriKind.Relative), new StringContent("{}", Encoding.UTF8, "application/json"));
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/calls")
        {
            Content = new StringContent("""{"id":"n1","body":{"model":"m","messages":[{"role":"user","content":"hi"}]}}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "node-test-token-1");
        using var answered = await http.SendAsync(request);
        node.Terminate();
        var exitCode = await node.WaitAsync(Timeout);

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal("Completed", JsonDocument.Parse(await answered.Content.ReadAsStringAsync()).RootElement.GetProperty("status").GetString());
        Assert.Equal(0, exitCode);
        Assert.Contains("Dispatch drained", node.StandardOutput);
    }

    [Fact]
    public async Task A_node_with_an_invalid_setting_exits_2_naming_the_key_and_line()
    {
        var config = await WriteConfig("""
            dispatch.endpoints.chat {
              base-url = "http://127.0.0.1:1"
              retry.max-attempts = 0
            }
            """);

        using var node = DispatchProcess.Start(["node", "--config", config], new Dictionary<string, string> { ["DISPATCH_INGRESS_TOKEN"] = "t" });
        var exitCode = await node.WaitAsync(Timeout);

        Assert.Equal(2, exitCode);
        var error = Assert.Single(Lines(node.StandardError));
        Assert.StartsWith("dispatch node: ", error, StringComparison.Ordinal);
        Assert.Contains("dispatch.endpoints.chat.retry.max-attempts must be > 0", error);
        Assert.Contains("node.conf:3", error);
        Assert.Empty(node.StandardOutput);
    }

    [Fact]
    public async Task A_node_whose_port_is_taken_exits_2_with_one_line_naming_the_address_and_nothing_on_stdout()
    {
        using var taken = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        var config = await WriteConfig($$"""dispatch.endpoints.chat { base-url = "{{_upstream.BaseUrl}}" }""");

        using var node = DispatchProcess.Start(["node", "--config", config, "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture)],
            new Dictionary<string, string> { ["DISPATCH_INGRESS_TOKEN"] = "t" });
        var exitCode = await node.WaitAsync(Timeout);

        Assert.Equal(2, exitCode);
        var error = Assert.Single(Lines(node.StandardError));
        Assert.StartsWith("dispatch node: ", error, StringComparison.Ordinal);
        Assert.Contains($"127.0.0.1:{port}", error);
        Assert.DoesNotContain("   at ", error);
        Assert.Empty(node.StandardOutput);
    }

    [Fact]
    public async Task A_node_with_an_unknown_dispatch_cluster_setting_exits_2_naming_it()
    {
        var config = await WriteConfig("""
            dispatch.endpoints.chat { base-url = "http://127.0.0.1:1" }
            dispatch.cluster.enabled = true
            """);

        using var node = DispatchProcess.Start(["node", "--config", config], new Dictionary<string, string> { ["DISPATCH_INGRESS_TOKEN"] = "t" });
        var exitCode = await node.WaitAsync(Timeout);

        Assert.Equal(2, exitCode);
        Assert.Contains("dispatch.cluster.enabled is not a setting of cluster mode", node.StandardError);
        Assert.Contains("node.conf:2", node.StandardError);
    }

    [Fact]
    public async Task A_node_without_endpoints_starts_with_a_warning_saying_every_call_will_be_rejected()
    {
        var config = await WriteConfig("dispatch.ingress.port = 0");
        using var node = DispatchProcess.Start(["node", "--config", config], new Dictionary<string, string> { ["DISPATCH_INGRESS_TOKEN"] = "t" });

        await Poll.Until(() => node.StandardOutput.Contains("ingress on", StringComparison.Ordinal), Timeout, "the node prints its address");
        node.Terminate();
        var exitCode = await node.WaitAsync(Timeout);

        Assert.Equal(0, exitCode);
        Assert.Contains("dispatch node: warning: no endpoints are configured", node.StandardError, StringComparison.Ordinal);
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    private async Task<string> WriteConfig(string text)
    {
        var path = Path.Combine(_directory.FullName, "node.conf");
        await File.WriteAllTextAsync(path, text);
        return path;
    }
}
