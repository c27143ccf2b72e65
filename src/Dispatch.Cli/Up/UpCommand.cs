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
/// <c>dispatch up</c>: the cluster of docker-compose.yml as plain processes on 127.0.0.1 — a
/// redis-server from PATH, a fake upstream and N nodes sharing its limits through that Redis,
/// configs generated in a temp directory — stopped together on Ctrl-C, SIGTERM or when one dies.
/// </summary>
internal static class UpCommand
{
    /// <summary>The nodes docker-compose.yml runs, and so the default of <c>--nodes</c>.</summary>
    internal const int DefaultNodes = 3;

    /// <summary>The fake upstream's requests per minute in docker-compose.yml, and so the default of <c>--rpm</c>.</summary>
    internal const int DefaultRpm = 600;

    /// <summary>The fake upstream's latency in docker-compose.yml too.</summary>
    internal const string UpstreamLatency = "50ms-200ms";

    /// <summary>The endpoint every node has, named as in hocon/examples/fake-upstream.conf.</summary>
    internal const string EndpointName = "fake-chat";

    private const string TokenVariable = "DISPATCH_INGRESS_TOKEN";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan NodeStopGrace = TimeSpan.FromSeconds(40);
    private static readonly TimeSpan ServiceStopGrace = TimeSpan.FromSeconds(10);

    public static Command Create()
    {
        var nodes = new Option<int>("--nodes", "-n") { Description = "How many nodes to start.", DefaultValueFactory = _ => DefaultNodes };
        var rpm = new Option<int>("--rpm") { Description = "The fake upstream's requests per minute, which the nodes share through Redis.", DefaultValueFactory = _ => DefaultRpm };
        var command = new Command("up", "Start redis-server (from PATH), a fake upstream and N cluster nodes as local processes on 127.0.0.1; Ctrl-C stops them all.") { nodes, rpm };
        command.SetAction(async (parse, _) =>
        {
            using var termination = new Termination();
            return await RunAsync(parse.GetValue(nodes), parse.GetValue(rpm), AnsiConsole.Console, Console.Error, Environment.GetEnvironmentVariable("PATH"), termination.Token);
        });
        return command;
    }

    /// <summary>Runs the topology until <paramref name="stop"/> fires or a child exits; returns the exit code.</summary>
    /// <param name="nodeCount">How many nodes to start.</param>
    /// <param name="rpm">The fake upstream's requests per minute, shared by the nodes.</param>
    /// <param name="console">Where the topology is printed.</param>
    /// <param name="errors">Where errors are written.</param>
    /// <param name="searchPath">Where to look for redis-server (the PATH value).</param>
    /// <param name="stop">Stops everything (Ctrl-C, SIGTERM).</param>
    internal static async Task<int> RunAsync(int nodeCount, int rpm, IAnsiConsole console, TextWriter errors, string? searchPath, CancellationToken stop)
    {
        if (nodeCount is < 1 or > 32 || rpm < 1)
        {
            await errors.WriteLineAsync("dispatch up: --nodes must be 1-32 and --rpm at least 1");
            return 2;
        }

        if (LocalRedis.FindOnPath(searchPath) is not { } redisServer)
        {
            await errors.WriteLineAsync("dispatch up: " + LocalRedis.NotFoundMessage);
            return 1;
        }

        var directory = Directory.CreateTempSubdirectory("dispatch-up-").FullName;
        var token = Environment.GetEnvironmentVariable(TokenVariable) is { Length: > 0 } given ? given : Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();
        var environment = new Dictionary<string, string> { [TokenVariable] = token };
        var output = console.Profile.Out.Writer;
        ChildProcess? redis = null;
        ChildProcess? upstream = null;
        var nodes = new List<ChildProcess>();
        try
        {
            (redis, var redisPort) = await LocalRedis.StartAsync(redisServer, Path.Combine(directory, "redis.log"), StartTimeout, stop);
            var redisEndpoint = string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{redisPort}");

            var upstreamPort = FreePort();
            var upstreamUrl = string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{upstreamPort}");
            upstream = ChildProcess.Start("fake-upstream", ["fake-upstream", "--port", upstreamPort.ToString(CultureInfo.InvariantCulture), "--rpm", rpm.ToString(CultureInfo.InvariantCulture), "--latency", UpstreamLatency], Path.Combine(directory, "fake-upstream.log"), environment);
            await WaitUntilUpAsync(upstreamUrl + "/healthz", null, upstream, stop);

            // All nodes start at once; each is up when its ingress answers.
            var nodeUrls = new List<string>();
            for (var i = 1; i <= nodeCount; i++)
            {
                var port = FreePort();
                var config = Path.Combine(directory, $"node{i}.conf");
                await File.WriteAllTextAsync(config, NodeConfig($"node{i}", redisEndpoint, upstreamUrl, rpm, port, Path.Combine(directory, $"node{i}.log")), stop);
                nodes.Add(ChildProcess.Start($"node{i}", ["node", "--config", config], Path.Combine(directory, $"node{i}.out"), environment));
                nodeUrls.Add(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}"));
            }

            await Task.WhenAll(nodes.Select((node, i) => WaitUntilUpAsync(nodeUrls[i] + "/v1/status", token, node, stop)));

            // Plain lines, not a table: addresses and commands must survive copy and paste at any width.
            await output.WriteLineAsync($"redis          {redisEndpoint}  pid {redis.Id}  log {redis.LogPath}");
            await output.WriteLineAsync($"fake-upstream  {upstreamUrl}/v1/chat/completions  pid {upstream.Id}  log {upstream.LogPath}");
            for (var i = 0; i < nodes.Count; i++)
                await output.WriteLineAsync($"node{i + 1}          {nodeUrls[i]}/v1/calls  pid {nodes[i].Id}  log {nodes[i].LogPath}");
            await output.WriteLineAsync($"cluster: {nodeCount} node(s) share '{EndpointName}' ({rpm} requests/min) and one queue of calls through {redisEndpoint}; a call sent to any node may run on any.");
            await output.WriteLineAsync($"configs in {directory}. Try:");
            if (Environment.GetEnvironmentVariable(TokenVariable) is not { Length: > 0 })
                await output.WriteLineAsync($"  export {TokenVariable}={token}");
            await output.WriteLineAsync($"  curl -s -H \"Authorization: Bearer ${TokenVariable}\" {nodeUrls[0]}/v1/calls -d '{{\"body\":{{\"model\":\"m\",\"messages\":[{{\"role\":\"user\",\"content\":\"hi\"}}]}}}}'");
            await output.WriteLineAsync($"  dispatch node status --config {Path.Combine(directory, "node1.conf")}");
            await output.WriteLineAsync("Ctrl-C stops everything.");

            var children = nodes.Append(upstream).Append(redis).ToList();
            var anyExit = Task.WhenAny(children.Select(c => c.WaitForExitAsync(CancellationToken.None)));
            await Task.WhenAny(anyExit, Task.Delay(Timeout.Infinite, stop)).ContinueWith(_ => { }, TaskScheduler.Default);
            if (!stop.IsCancellationRequested)
            {
                var exited = children.First(c => c.HasExited);
                await errors.WriteLineAsync($"dispatch up: {exited.Name} exited; stopping the rest (see {exited.LogPath})");
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
            await errors.WriteLineAsync("dispatch up: " + e.Message);
            return 1;
        }
        finally
        {
            await output.WriteLineAsync("dispatch up: stopping the nodes (they drain), then the fake upstream, then redis");
            // Nodes first and together (each drains through Redis to the upstream), the upstream next, Redis last.
            await Task.WhenAll(nodes.Select(node => node.StopAsync(NodeStopGrace)));
            foreach (var node in nodes) await node.DisposeAsync();
            if (upstream is not null) await StopAsync(upstream);
            if (redis is not null) await StopAsync(redis);
        }
    }

    /// <summary>One node's configuration: the shared endpoint, cluster mode on the local Redis, the ingress.</summary>
    internal static string NodeConfig(string nodeName, string redisEndpoint, string upstreamUrl, int rpm, int port, string logFile) => string.Create(CultureInfo.InvariantCulture, $$"""
        # Generated by dispatch up: node {{nodeName}} of a cluster sharing one Redis (see docker-compose.yml for the same topology in containers).
        dispatch {
          endpoints.{{EndpointName}} {
            base-url = "{{upstreamUrl}}"
            path = /v1/chat/completions
            rate-limit { requests = {{rpm}}, interval = 1m }   # the fake upstream's limit, shared by every node
          }
          cluster {
            enabled = true
            node-name = "{{nodeName}}"
            redis.endpoint = "{{redisEndpoint}}"
            lease-size = 5
            claim-idle-timeout = 30s
            heartbeat = 2s
            # Off, unlike docker-compose.yml: this redis-server is a child of dispatch up, started empty before the
            # nodes and never restarted under them (if it dies, dispatch up stops every node), so it cannot have
            # forgotten grants that are still in a window. On, no node would send anything for the first minute.
            guard-against-redis-restart = false
          }
          ingress { bind = "127.0.0.1", port = {{port}} }
          logging.file = "{{logFile.Replace("\\", "/", StringComparison.Ordinal)}}"
          shutdown.drain-timeout = 10s
        }
        """);

    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task StopAsync(ChildProcess child)
    {
        await child.StopAsync(ServiceStopGrace);
        await child.DisposeAsync();
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

            // Not the deadline's token: a delay cut short by it would escape as a cancellation, not a timeout.
            await Task.Delay(TimeSpan.FromMilliseconds(200), stop);
        }
    }
}
