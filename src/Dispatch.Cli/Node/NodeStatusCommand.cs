using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dispatch.Cli.Commands;
using Dispatch.Cluster.Proxy;
using Dispatch.Core.Protocol;
using Dispatch.Hosting.Clustering;
using Dispatch.Hosting.Configuration;
using Dispatch.Hosting.Ingress;
using Spectre.Console;

namespace Dispatch.Cli.Node;

/// <summary>
/// <c>dispatch node status --url http://host:port</c>: reads a node's <c>GET /v1/status</c> and prints its cluster
/// (members, each endpoint's quota owner and leases) and its own endpoints as tables, or the JSON with <c>--json</c>.
/// </summary>
internal static class NodeStatusCommand
{
    /// <summary>Where a node reads its token by default, so an operator's shell that runs the node has it too.</summary>
    private static readonly string TokenEnv = new IngressOptions().TokenEnv;

    public static Command Create()
    {
        var url = new Option<string>("--url", "-u") { Description = "The node's ingress, e.g. http://127.0.0.1:8780.", Required = true };
        var token = new Option<string?>("--token") { Description = $"The ingress's bearer token (default: ${TokenEnv})." };
        var json = new Option<bool>("--json") { Description = "Print the status as JSON instead of tables." };
        var command = new Command("status", "Print a node's status: cluster members, each endpoint's quota owner and leases, and the node's queues and endpoints.")
        {
            url, token, json,
        };
        command.SetAction(async (parse, cancellationToken) => await RunAsync(
            parse.GetValue(url)!,
            parse.GetValue(token) ?? Environment.GetEnvironmentVariable(TokenEnv),
            parse.GetValue(json),
            WideConsole.Create(),
            Console.Error,
            cancellationToken));
        return command;
    }

    /// <summary>Fetches and prints the status; 0 when printed, <see cref="CommandTree.CannotStart"/> with one line on <paramref name="error"/> otherwise.</summary>
    internal static async Task<int> RunAsync(string url, string? token, bool json, IAnsiConsole console, TextWriter error, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var baseUri) || (baseUri.Scheme != Uri.UriSchemeHttp && baseUri.Scheme != Uri.UriSchemeHttps))
            return await Fail(error, $"--url '{url}' must be an http:// or https:// address such as http://127.0.0.1:8780");
        if (string.IsNullOrEmpty(token))
            return await Fail(error, $"no token: pass --token or set ${TokenEnv} to the node's ingress token");

        NodeStatus status;
        string body;
        try
        {
            (status, body) = await StatusReader.ReadAsync(baseUri, token, cancellationToken);
        }
        catch (StatusUnavailableException e)
        {
            return await Fail(error, e.TokenRefused ? $"{e.Message}: pass the node's token with --token or ${TokenEnv}" : e.Message);
        }

        if (json) console.Profile.Out.Writer.WriteLine(JsonNode.Parse(body)!.ToJsonString(new JsonSerializerOptions(IngressEndpoints.JsonOptions) { WriteIndented = true }));
        else Render(baseUri, status, console);
        return 0;
    }

    /// <summary>The node's status as tables: the cluster's members and quotas (or that it runs standalone), then its endpoints.</summary>
    internal static void Render(Uri node, NodeStatus status, IAnsiConsole console)
    {
        if (status.Cluster is not { } cluster)
        {
            console.MarkupLine($"[bold]{Markup.Escape(node.ToString())}[/]: a standalone node (not a cluster member)");
        }
        else
        {
            console.MarkupLine($"[bold]{Markup.Escape(node.ToString())}[/]: cluster member {Markup.Escape(cluster.Self)}, {cluster.Members.Count} members, leader {Markup.Escape(cluster.Leader ?? "unknown")}");
            console.Write(Members(cluster));
            console.Write(Quota(cluster));
            if (cluster.Proxy is { } proxy)
            {
                console.MarkupLine($"this node is a proxy: {Number(proxy.Calls)} calls outstanding, {Number(proxy.Waiting)} waiting for a node, {Number(proxy.Resent)} re-sent");
                console.Write(Proxy(proxy));
            }
        }

        console.Write(Endpoints(status.Endpoints));
    }

    private static Table Members(ClusterStatus cluster)
    {
        var table = new Table().Border(TableBorder.Rounded).Title("members").AddColumns("address", "status", "roles", "");
        foreach (var member in cluster.Members.OrderBy(m => m.Address, StringComparer.Ordinal))
        {
            var marks = new List<string>();
            if (member.Address == cluster.Leader) marks.Add("leader");
            if (member.Address == cluster.Self) marks.Add("this node");
            table.AddRow(Markup.Escape(member.Address), Markup.Escape(member.Status), Markup.Escape(string.Join(", ", member.Roles)), string.Join(", ", marks));
        }

        return table;
    }

    private static Table Quota(ClusterStatus cluster)
    {
        var table = new Table().Border(TableBorder.Rounded).Title("quota per endpoint").AddColumns("endpoint", "owner", "lease held by", "requests", "tokens");
        table.Columns[3].RightAligned();
        table.Columns[4].RightAligned();
        foreach (var endpoint in cluster.Quota)
        {
            var owner = Markup.Escape(endpoint.Owner ?? "(not answering)");
            if (endpoint.Leases.Count == 0) table.AddRow(Markup.Escape(endpoint.Endpoint), owner, "-", "-", "-");
            foreach (var lease in endpoint.Leases)
                table.AddRow(Markup.Escape(endpoint.Endpoint), owner, Markup.Escape(lease.Node), Number(lease.Requests), Number(lease.Tokens));
        }

        return table;
    }

    private static Table Proxy(DispatchProxyStatus proxy)
    {
        var table = new Table().Border(TableBorder.Rounded).Title("dispatch nodes").AddColumns("address", "takes calls", "outstanding");
        table.Columns[2].RightAligned();
        foreach (var node in proxy.Nodes.OrderBy(n => n.Address, StringComparer.Ordinal))
            table.AddRow(Markup.Escape(node.Address), node.Ready ? "yes" : "no", Number(node.Outstanding));
        if (proxy.Nodes.Count == 0) table.AddRow("(none yet)", "-", "-");
        return table;
    }

    private static Table Endpoints(IReadOnlyList<StatusSnapshot> endpoints)
    {
        var table = new Table().Border(TableBorder.Rounded).Title("this node's endpoints")
            .AddColumns("endpoint", "queued", "in flight", "credits (requests / tokens)", "limit in force (requests / tokens)", "breaker", "completed", "failed", "rejected", "retries", "429s");
        foreach (var column in table.Columns.Skip(1)) column.RightAligned();
        foreach (var e in endpoints)
        {
            table.AddRow(
                Markup.Escape(e.Endpoint), Number(e.QueueDepth), Number(e.InFlight),
                $"{Credits(e.RequestCreditsLeft)} / {Credits(e.TokenCreditsLeft)}", $"{Limit(e.RequestLimitInForce, e.RequestLimit)} / {Limit(e.TokenLimitInForce, e.TokenLimit)}", e.Breaker.ToString(),
                Number(e.Counters.Completed), Number(e.Counters.Failed), Number(e.Counters.Rejected), Number(e.Counters.Retries), Number(e.Counters.RateLimited));
        }

        return table;
    }

    private static string Number(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string Credits(long? value) => value is { } v ? Number(v) : "unlimited";

    /// <summary>The limit in force, and the configured one beside it when the provider has lowered it.</summary>
    private static string Limit(long? inForce, long? configured) =>
        inForce is { } v && configured is { } c && v != c ? $"{Number(v)} (of {Number(c)})" : Credits(configured);

    private static async Task<int> Fail(TextWriter error, string message)
    {
        await error.WriteLineAsync("dispatch node status: " + message);
        return CommandTree.CannotStart;
    }
}

/// <summary>What <c>GET /v1/status</c> answers: the pipeline's status, plus the cluster section on a cluster node.</summary>
/// <param name="At">When the node took it.</param>
/// <param name="Endpoints">The node's own endpoints.</param>
/// <param name="Cluster">The cluster section; <see langword="null"/> on a standalone node.</param>
internal sealed record NodeStatus(DateTimeOffset At, IReadOnlyList<StatusSnapshot> Endpoints, ClusterStatus? Cluster);
