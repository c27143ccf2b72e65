using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Dispatch.Cli.Commands;
using Dispatch.Cli.Node;
using Dispatch.FakeUpstream;
using Dispatch.FakeUpstream.Latency;
using Dispatch.FakeUpstream.RateLimiting;
using Dispatch.Hosting.Configuration;
using Spectre.Console;

namespace Dispatch.Cli.Up;

/// <summary>
/// <c>dispatch up</c>: the docker-compose topology as processes on 127.0.0.1 — N <c>dispatch node</c> processes forming
/// one Akka.Cluster (free ports, the first node the seed), by default in front of an embedded fake provider — until
/// Ctrl-C or SIGTERM, which make every node drain and leave. The nodes end with this process, even when it is killed.
/// </summary>
internal static class UpCommand
{
    /// <summary>The fake provider's limit, as in docker-compose.yml.</summary>
    private const int UpstreamRequestsPerMinute = 600;

    /// <summary>Where the nodes find the embedded fake provider (hocon/examples/fake-upstream.conf reads it too).</summary>
    private const string UpstreamVariable = "DISPATCH_UPSTREAM";

    /// <summary>How long the cluster may take to form on a busy machine.</summary>
    private static readonly TimeSpan FormTimeout = TimeSpan.FromMinutes(2);

    /// <summary>How long a node may take to drain and leave before it is killed (a node drains for up to 30 s by default).</summary>
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(60);

    private static readonly string TokenEnv = new IngressOptions().TokenEnv;

    public static Command Create()
    {
        var nodes = new Option<int>("--nodes", "-n") { Description = "How many nodes.", DefaultValueFactory = _ => 3 };
        var config = new Option<string?>("--config", "-c") { Description = $"A HOCON file with the endpoints for every node (default: one endpoint, fake-chat, on the embedded fake provider). Its base-url may read ${UpstreamVariable}." };
        var upstream = new Option<string>("--upstream") { Description = $"embedded: run a fake provider ({UpstreamRequestsPerMinute} requests a minute) in this process and set ${UpstreamVariable} for the nodes; none: the config's endpoints only.", DefaultValueFactory = _ => "embedded" };
        upstream.AcceptOnlyFromAmong("embedded", "none");
        var command = new Command("up", $"Run a cluster of N nodes on 127.0.0.1 (as docker-compose.yml does in containers), print their ingress URLs and token (${TokenEnv}, or a new one), and stop them all on Ctrl-C.")
        {
            nodes, config, upstream,
        };
        command.SetAction(async (parse, _) =>
        {
            using var termination = new Termination();
            return await RunAsync(parse.GetValue(nodes), parse.GetValue(config), parse.GetValue(upstream) == "embedded", WideConsole.Create(), Console.Error, termination.Token);
        });
        return command;
    }

    internal static async Task<int> RunAsync(int count, string? config, bool embeddedUpstream, IAnsiConsole console, TextWriter error, CancellationToken stop)
    {
        if (count < 1) return await Fail(error, $"--nodes must be at least 1 (was {count})");
        if (config is not null && !File.Exists(config)) return await Fail(error, $"--config {config}: no such file");
        if (config is null && !embeddedUpstream) return await Fail(error, "--upstream none needs --config with the endpoints to call");

        var token = Environment.GetEnvironmentVariable(TokenEnv) is { Length: > 0 } given ? given : Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var environment = new Dictionary<string, string> { [TokenEnv] = token };
        await using var upstream = embeddedUpstream ? await StartUpstreamAsync() : null;
        if (upstream is not null) environment[UpstreamVariable] = upstream.BaseUrl;

        var directory = Directory.CreateTempSubdirectory("dispatch-up-");
        var ports = Enumerable.Range(0, count).Select(_ => LoopbackPort.Free()).ToArray();
        var seed = Address(ports[0]);
        var nodes = new List<NodeProcess>();
        var clean = false;
        try
        {
            for (var i = 0; i < count; i++)
            {
                var name = $"node{i + 1}";
                var file = Path.Combine(directory.FullName, name + ".conf");
                await File.WriteAllTextAsync(file, NodeConfig(config is null ? null : Path.GetFullPath(config), ports[i], seed), stop);
                nodes.Add(NodeProcess.Start(name, Address(ports[i]), file, Path.Combine(directory.FullName, name + ".log"), environment));
            }

            var ingresses = await Task.WhenAll(nodes.Select(n => n.Ingress)).WaitAsync(FormTimeout, stop);
            PrintTopology(console, nodes, ingresses, token, upstream, directory.FullName);
            await WaitUntilUpAsync(ingresses[0], token, count, nodes, stop);
            console.MarkupLine($"[green]cluster formed: {count} members up[/]; Ctrl-C (or SIGTERM) makes every node drain and leave");

            var died = await Task.WhenAny(nodes.Select(n => n.Exited)).WaitAsync(stop);
            var dead = nodes.First(n => n.Exited == died);
            await error.WriteLineAsync($"dispatch up: {dead.Name} exited with code {await died}: {dead.LastError ?? "no error output"} (log: {dead.LogPath}); stopping the others");
            await StopAllAsync(console, nodes);
            return 1;
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            clean = await StopAllAsync(console, nodes);
            return clean ? 0 : 1;
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or StatusUnavailableException)
        {
            await error.WriteLineAsync("dispatch up: " + e.Message);
            await StopAllAsync(console, nodes);
            // A node that refused its settings exits 2, and so does up: the same invocation will fail the same way.
            return nodes.Any(n => n.Exited.IsCompleted && n.Exited.Result == CommandTree.CannotStart) ? CommandTree.CannotStart : 1;
        }
        finally
        {
            foreach (var node in nodes) node.Dispose();
            // The configs and logs are worth keeping only when something went wrong.
            if (clean) directory.Delete(recursive: true);
            else await error.WriteLineAsync($"dispatch up: the nodes' configs and logs are kept in {directory.FullName}");
        }
    }

    /// <summary>One node's HOCON: the user's file (or the embedded provider's endpoint), then the cluster settings of its place.</summary>
    internal static string NodeConfig(string? baseConfig, int port, string seed)
    {
        var upstream = "${" + UpstreamVariable + "}";
        var endpoints = baseConfig is null
            ? $$"""
                dispatch.endpoints.fake-chat = ${dispatch.endpoint-defaults} {
                  base-url = {{upstream}}
                  path = /v1/chat/completions
                  rate-limit { requests = {{UpstreamRequestsPerMinute}}, interval = 1m }
                }
                """
            : $"include required(file({JsonSerializer.Serialize(baseConfig)}))";
        return string.Create(CultureInfo.InvariantCulture, $$"""
            # Written by dispatch up.
            {{endpoints}}

            akka {
              actor.provider = cluster
              remote.dot-netty.tcp { hostname = 127.0.0.1, public-hostname = 127.0.0.1, port = {{port}} }
              cluster {
                seed-nodes = [{{JsonSerializer.Serialize(seed)}}]
                roles = [dispatch]
              }
            }
            dispatch.ingress { bind = 127.0.0.1, port = 0 }

            """);
    }

    private static async Task<FakeUpstreamServer> StartUpstreamAsync() => await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions
    {
        Limits = RateLimitOptions.PerMinute(UpstreamRequestsPerMinute),
        Latency = LatencyOptions.Uniform(TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(200)),
    });

    private static void PrintTopology(IAnsiConsole console, List<NodeProcess> nodes, Uri[] ingresses, string token, FakeUpstreamServer? upstream, string directory)
    {
        var table = new Table().Border(TableBorder.Rounded).Title($"dispatch up: {nodes.Count} nodes on 127.0.0.1").AddColumns("node", "ingress", "cluster address", "log");
        for (var i = 0; i < nodes.Count; i++)
            table.AddRow(nodes[i].Name + (i == 0 ? " (seed)" : string.Empty), ingresses[i].ToString(), nodes[i].Address, nodes[i].LogPath);
        console.Write(table);
        if (upstream is not null) console.WriteLine($"fake provider: {upstream.BaseUrl} ({UpstreamRequestsPerMinute} requests a minute), endpoint fake-chat");
        console.WriteLine($"token: {token}");
        console.WriteLine($"  export {TokenEnv}={token}");
        console.WriteLine($"  dispatch node status --url {ingresses[0]}");
        console.WriteLine($"  curl -H \"Authorization: Bearer ${TokenEnv}\" {new Uri(ingresses[0], "/v1/calls")} -d '{{\"body\":{{\"model\":\"m\",\"messages\":[{{\"role\":\"user\",\"content\":\"hi\"}}]}}}}'");
        console.WriteLine($"node configs and logs: {directory}");
    }

    /// <summary>Polls the seed's status until it lists <paramref name="count"/> members, all Up; fails when a node exits first.</summary>
    private static async Task WaitUntilUpAsync(Uri seed, string token, int count, List<NodeProcess> nodes, CancellationToken stop)
    {
        var deadline = DateTime.UtcNow + FormTimeout;
        while (true)
        {
            if (nodes.FirstOrDefault(n => n.Exited.IsCompleted) is { } dead)
                throw new InvalidOperationException($"{dead.Name} exited with code {dead.Exited.Result}: {dead.LastError ?? "no error output"} (log: {dead.LogPath})");
            var (status, _) = await StatusReader.ReadAsync(seed, token, stop);
            if (status.Cluster is { } cluster && cluster.Members.Count(m => m.Status == "Up") == count) return;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"the cluster did not reach {count} members up within {FormTimeout.TotalSeconds:0} s");
            await Task.Delay(500, stop);
        }
    }

    /// <summary>Asks every node to drain and leave, waits for each (killing one that overstays); true when all exited 0.</summary>
    private static async Task<bool> StopAllAsync(IAnsiConsole console, List<NodeProcess> nodes)
    {
        var running = nodes.Where(n => !n.Exited.IsCompleted).ToList();
        if (running.Count > 0) console.WriteLine($"stopping {running.Count} nodes: each drains its calls and leaves the cluster");
        foreach (var node in running) node.Terminate();
        var clean = true;
        foreach (var node in nodes)
        {
            try
            {
                var code = await node.Exited.WaitAsync(StopTimeout);
                clean &= code == 0;
                if (running.Contains(node)) console.WriteLine($"{node.Name} stopped (exit code {code})");
            }
            catch (TimeoutException)
            {
                node.Kill();
                clean = false;
                console.WriteLine($"{node.Name} did not stop within {StopTimeout.TotalSeconds:0} s: killed");
            }
        }

        return clean;
    }

    private static string Address(int port) => $"akka.tcp://dispatch@127.0.0.1:{port}";

    private static async Task<int> Fail(TextWriter error, string message)
    {
        await error.WriteLineAsync("dispatch up: " + message);
        return CommandTree.CannotStart;
    }
}
