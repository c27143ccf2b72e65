using System.CommandLine;
using System.Globalization;
using Dispatch.Cli.Commands;
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
        var pacing = PacingOptions.Pacing();
        var burst = PacingOptions.Burst();
        var command = new Command("node", "Run a Dispatch node with an HTTP ingress (127.0.0.1 unless dispatch.ingress.bind says otherwise), protected by the bearer token in $DISPATCH_INGRESS_TOKEN (dispatch.ingress.token-env).")
        {
            config, port, pacing, burst,
        };
        command.SetAction(async (parse, _) =>
        {
            var file = parse.GetValue(config);
            var ingressPort = parse.GetValue(port);
            var app = DispatchNode.Build(d =>
            {
                if (file is not null) d.AddHoconFile(file);
                if (ingressPort is { } p) d.Override("dispatch.ingress.port", p.ToString(CultureInfo.InvariantCulture), "--port");
                PacingOptions.Apply(d, parse.GetValue(pacing), parse.GetValue(burst));
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
                await app.WaitForShutdownAsync();
                return 0;
            }
        });
        return command;
    }
}
