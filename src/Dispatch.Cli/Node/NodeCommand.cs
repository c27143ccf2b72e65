using System.CommandLine;
using System.Globalization;
using Dispatch.Cluster;
using Dispatch.Cluster.Redis;
using Dispatch.Core.Options;
using Dispatch.Hocon;
using Dispatch.Hosting.Configuration;
using Dispatch.Hosting.Ingress;
using Dispatch.Hosting.Lifecycle;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Dispatch.Cli.Node;

/// <summary>
/// <c>dispatch node</c>: a hosted node with the HTTP ingress (<c>POST /v1/calls</c>,
/// <c>GET /v1/status</c>), until Ctrl-C or SIGTERM, which drain it; a cluster member when the
/// configuration enables <c>dispatch.cluster</c>. <c>dispatch node status</c> shows a cluster.
/// </summary>
internal static class NodeCommand
{
    public static Command Create()
    {
        var config = new Option<string?>("--config", "-c") { Description = "A HOCON file with the endpoints (hocon/reference.conf holds every setting)." };
        var port = new Option<int?>("--port", "-p") { Description = "The ingress port (overrides dispatch.ingress.port; 0 picks a free one)." };
        var command = new Command("node", "Run a Dispatch node with an HTTP ingress (127.0.0.1 unless dispatch.ingress.bind says otherwise), protected by the bearer token in $DISPATCH_INGRESS_TOKEN (dispatch.ingress.token-env); in cluster mode when the config enables dispatch.cluster.")
        {
            config, port,
        };
        command.Subcommands.Add(NodeStatusCommand.Create());
        command.SetAction(async (parse, _) =>
        {
            var file = parse.GetValue(config);
            var ingressPort = parse.GetValue(port);
            var app = DispatchNode.Build(d =>
            {
                if (file is not null) d.AddHoconFile(file);
                if (ingressPort is { } p) d.Override("dispatch.ingress.port", p.ToString(CultureInfo.InvariantCulture), "--port");
            });
            await using (app)
            {
                try
                {
                    await app.StartAsync();
                }
                catch (Exception e) when (e is HoconException or DispatchOptionsException or IOException)
                {
                    await Console.Error.WriteLineAsync("dispatch node: " + e.Message);
                    return 2;
                }

                await Console.Out.WriteLineAsync($"dispatch node: ingress on {DispatchNode.IngressAddress(app)} (POST /v1/calls, GET /v1/status); Ctrl-C drains and stops");
                if (app.Services.GetRequiredService<DispatchHostedService>().Cluster is { } cluster)
                    await Console.Out.WriteLineAsync(ClusterLine(cluster));
                await app.WaitForShutdownAsync();
                return 0;
            }
        });
        return command;
    }

    /// <summary>The line saying the node runs in cluster mode, as whom and on which Redis.</summary>
    internal static string ClusterLine(ClusterNode cluster)
    {
        var redis = cluster.Work.Redis;
        var reachable = redis.State == RedisConnectionState.Connected
            ? ""
            : $"; Redis is unreachable now, submissions are {(cluster.Options.WhenRedisDown == WhenRedisDown.Fail ? "refused" : "held")} until it is back";
        return $"dispatch node: cluster mode as node '{cluster.NodeName}' on Redis {redis.Endpoint} (key prefix {cluster.Options.KeyPrefix}){reachable}";
    }
}
