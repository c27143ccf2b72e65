using System.CommandLine;
using System.Text.Json;
using Dispatch.Cluster.Redis;
using Dispatch.Core.Options;
using Dispatch.Hocon;
using Dispatch.Hosting.ClusterMode;
using Dispatch.Hosting.Configuration;
using Dispatch.Hosting.Ingress;

namespace Dispatch.Cli.Node;

/// <summary>
/// <c>dispatch node status --config FILE [--json]</c>: reads the cluster the configuration points at from Redis
/// (joining nothing) and prints its live nodes and the shared credits of the configuration's endpoints.
/// Exit 0 when read, 1 when Redis cannot be read, 2 when the configuration is invalid or has cluster mode off.
/// </summary>
internal static class NodeStatusCommand
{
    public static Command Create()
    {
        var config = new Option<string>("--config", "-c") { Description = "The cluster's HOCON file (dispatch.cluster with enabled = true, and the endpoints).", Required = true };
        var json = new Option<bool>("--json") { Description = "Print one JSON object (the shape of the cluster field of GET /v1/status) instead of tables." };
        var command = new Command("status", "Show a cluster's live nodes (endpoints, in-flight calls, last heartbeat) and each endpoint's shared credits, read from its Redis.")
        {
            config, json,
        };
        command.SetAction((parse, cancellationToken) => RunAsync(parse.GetValue(config)!, parse.GetValue(json), Console.Out, Console.Error, cancellationToken));
        return command;
    }

    internal static async Task<int> RunAsync(string configFile, bool json, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        DispatchSettings settings;
        try
        {
            settings = new DispatchConfigLoader().AddFile(configFile).Load();
        }
        catch (Exception e) when (e is HoconException or DispatchOptionsException or IOException)
        {
            await error.WriteLineAsync("dispatch node status: " + e.Message);
            return 2;
        }

        if (!settings.Cluster.Enabled)
        {
            await error.WriteLineAsync($"dispatch node status: cluster mode is off in {configFile} (dispatch.cluster.enabled = false); a standalone node's status is GET /v1/status on its ingress");
            return 2;
        }

        ClusterStatusReport report;
        try
        {
            report = await ClusterStatusReport.ReadAsync(settings, Environment.GetEnvironmentVariable, TimeProvider.System, cancellationToken);
        }
        catch (DispatchOptionsException e)
        {
            await error.WriteLineAsync("dispatch node status: " + e.Message);
            return 2;
        }
        catch (RedisException e)
        {
            await error.WriteLineAsync($"dispatch node status: cannot read the cluster from Redis at {settings.Cluster.Options.Redis.Endpoint}: {e.Message}");
            return 1;
        }

        await output.WriteAsync(json ? JsonSerializer.Serialize(report, IngressEndpoints.JsonOptions) + Environment.NewLine : report.ToText());
        return 0;
    }
}
