using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Cryptography;
using Dispatch.Cli.Commands;
using Spectre.Console;

namespace Dispatch.Cli.Up;

/// <summary>
/// <c>dispatch up</c>: a local topology of plain processes on 127.0.0.1 — a fake upstream and N
/// nodes in front of it, configs generated in a temp directory — stopped together on Ctrl-C.
/// </summary>
internal static class UpCommand
{
    private const string TokenVariable = "DISPATCH_INGRESS_TOKEN";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    public static Command Create()
    {
        var nodes = new Option<int>("--nodes", "-n") { Description = "How many nodes to start.", DefaultValueFactory = _ => 2 };
        var rpm = new Option<int>("--rpm") { Description = "The fake upstream's requests per minute (split evenly between the nodes).", DefaultValueFactory = _ => 600 };
        var command = new Command("up", "Start a fake upstream and N nodes as local processes on 127.0.0.1; Ctrl-C stops them all.") { nodes, rpm };
        command.SetAction(async (parse, _) =>
        {
            using var termination = new Termination();
            return await RunAsync(parse.GetValue(nodes), parse.GetValue(rpm), AnsiConsole.Console, termination.Token);
        });
        return command;
    }

    internal static async Task<int> RunAsync(int nodeCount, int rpm, IAnsiConsole console, CancellationToken stop)
    {
        if (nodeCount is < 1 or > 32 || rpm < nodeCount)
        {
            await Console.Error.WriteLineAsync("dispatch up: --nodes must be 1-32 and --rpm at least the number of nodes");
            return 2;
        }

        var directory = Directory.CreateTempSubdirectory("dispatch-up-").FullName;
        var token = Environment.GetEnvironmentVariable(TokenVariable) is { Length: > 0 } given ? given : Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();
        var environment = new Dictionary<string, string> { [TokenVariable] = token };
        var children = new List<ChildProcess>();
        try
        {
            var upstreamPort = FreePort();
            var upstreamUrl = string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{upstreamPort}");
            children.Add(ChildProcess.Start("fake-upstream", ["fake-upstream", "--port", upstreamPort.ToString(CultureInfo.InvariantCulture), "--rpm", rpm.ToString(CultureInfo.InvariantCulture), "--latency", "50ms-200ms"], Path.Combine(directory, "fake-upstream.log"), environment));
            await WaitUntilUpAsync(upstreamUrl + "/healthz", null, children[0], stop);

            var nodeUrls = new List<string>();
            for (var i = 1; i <= nodeCount; i++)
            {
                var port = FreePort();
                var config = Path.Combine(directory, $"node{i}.conf");
                await File.WriteAllTextAsync(config, NodeConfig(upstreamUrl, rpm / nodeCount, port, Path.Combine(directory, $"node{i}.log")), stop);
                var node = ChildProcess.Start($"node{i}", ["node", "--config", config], Path.Combine(directory, $"node{i}.out"), environment);
                children.Add(node);
                var url = string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}");
                await WaitUntilUpAsync(url + "/v1/status", token, node, stop);
                nodeUrls.Add(url);
            }

            // Plain lines, not a table: addresses and commands must survive copy and paste at any width.
            var output = console.Profile.Out.Writer;
            await output.WriteLineAsync($"fake-upstream  {upstreamUrl}/v1/chat/completions  pid {children[0].Id}  log {children[0].LogPath}");
            for (var i = 0; i < nodeUrls.Count; i++)
                await output.WriteLineAsync($"node{i + 1}          {nodeUrls[i]}/v1/calls  pid {children[i + 1].Id}  log {children[i + 1].LogPath}");
            await output.WriteLineAsync($"configs in {directory}; the nodes' endpoint is 'fake-chat'. Try:");
            if (Environment.GetEnvironmentVariable(TokenVariable) is not { Length: > 0 })
                await output.WriteLineAsync($"  export {TokenVariable}={token}");
            await output.WriteLineAsync($"  curl -s -H \"Authorization: Bearer ${TokenVariable}\" {nodeUrls[0]}/v1/calls -d '{{\"body\":{{\"model\":\"m\",\"messages\":[{{\"role\":\"user\",\"content\":\"hi\"}}]}}}}'");
            await output.WriteLineAsync("Ctrl-C stops everything.");

            var anyExit = Task.WhenAny(children.Select(c => c.WaitForExitAsync(CancellationToken.None)));
            await Task.WhenAny(anyExit, Task.Delay(Timeout.Infinite, stop)).ContinueWith(_ => { }, TaskScheduler.Default);
            if (!stop.IsCancellationRequested)
            {
                var exited = children.First(c => c.HasExited);
                await Console.Error.WriteLineAsync($"dispatch up: {exited.Name} exited; stopping the rest (see {exited.LogPath})");
                return 1;
            }

            return 0;
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return 0;
        }
        catch (TimeoutException e)
        {
            await Console.Error.WriteLineAsync("dispatch up: " + e.Message);
            return 1;
        }
        finally
        {
            await console.Profile.Out.Writer.WriteLineAsync("dispatch up: stopping the nodes (they drain), then the fake upstream");
            // Nodes first (they drain), the upstream last so draining calls can still reach it.
            foreach (var child in Enumerable.Reverse(children)) await child.DisposeAsync();
        }
    }

    internal static string NodeConfig(string upstreamUrl, int rpm, int port, string logFile) => string.Create(CultureInfo.InvariantCulture, $$"""
        # Generated by dispatch up.
        dispatch {
          endpoints.fake-chat {
            base-url = "{{upstreamUrl}}"
            path = /v1/chat/completions
            rate-limit { requests = {{rpm}}, interval = 1m }
          }
          ingress { bind = "127.0.0.1", port = {{port}} }
          logging.file = "{{logFile.Replace("\\", "/", StringComparison.Ordinal)}}"
          shutdown.drain-timeout = 10s
        }
        """);

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task WaitUntilUpAsync(string url, string? token, ChildProcess child, CancellationToken stop)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        if (token is not null) http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stop);
        deadline.CancelAfter(StartTimeout);
        while (true)
        {
            if (child.HasExited) throw new TimeoutException($"{child.Name} exited while starting; see {child.LogPath}");
            try
            {
                using var response = await http.GetAsync(new Uri(url), deadline.Token);
                if (response.IsSuccessStatusCode) return;
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException) when (!deadline.IsCancellationRequested)
            {
                // This attempt timed out; try again.
            }
            catch (OperationCanceledException) when (!stop.IsCancellationRequested)
            {
                throw new TimeoutException($"{child.Name} did not come up within {StartTimeout.TotalSeconds:0} s; see {child.LogPath}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), deadline.Token);
        }
    }
}
