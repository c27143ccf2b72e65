using System.CommandLine;
using System.Globalization;
using Dispatch.Core.Options;
using Dispatch.Hocon;
using Dispatch.Hosting.Ingress;
using Microsoft.Extensions.Hosting;

namespace Dispatch.Cli.Node;

/// <summary>
/// <c>dispatch node</c>: a hosted node with the HTTP ingress (<c>POST /v1/calls</c>,
/// <c>GET /v1/status</c>), until Ctrl-C or SIGTERM, which drain it.
/// </summary>
internal static class NodeCommand
{
    public static Command Create()
    {
        var config = new Option<string?>("--config", "-c") { Description = "A HOCON file with the endpoints (hocon/reference.conf holds every setting)." };
        var port = new Option<int?>("--port", "-p") { Description = "The ingress port (overrides dispatch.ingress.port; 0 picks a free one)." };
        var withParent = new Option<bool>("--stop-with-parent")
        {
            Description = "Drain and stop when standard input closes, which happens when the process that started the node ends, even by kill -9 (dispatch up starts its nodes so).",
            Hidden = true,
        };
        var command = new Command("node", "Run a Dispatch node with an HTTP ingress (127.0.0.1 unless dispatch.ingress.bind says otherwise), protected by the bearer token in $DISPATCH_INGRESS_TOKEN (dispatch.ingress.token-env).")
        {
            config, port, withParent,
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

                if (parse.GetValue(withParent)) StopWhenStandardInputCloses(app.Lifetime);
                await Console.Out.WriteLineAsync($"dispatch node: ingress on {DispatchNode.IngressAddress(app)} (POST /v1/calls, GET /v1/status); Ctrl-C drains and stops");
                await app.WaitForShutdownAsync();
                return 0;
            }
        });
        return command;
    }

    /// <summary>
    /// Reads standard input to its end on a background thread, then stops the node. The parent holds the pipe's only
    /// write end, and the operating system closes it when the parent ends however it ends, so a node never outlives
    /// its <c>dispatch up</c>.
    /// </summary>
    private static void StopWhenStandardInputCloses(IHostApplicationLifetime lifetime)
    {
        var reader = new Thread(() =>
        {
            using var input = Console.OpenStandardInput();
            var buffer = new byte[256];
            while (input.Read(buffer) > 0)
            {
                // Nothing is sent on purpose; whatever arrives is ignored.
            }

            lifetime.StopApplication();
        })
        { IsBackground = true, Name = "stop-with-parent" };
        reader.Start();
    }
}
