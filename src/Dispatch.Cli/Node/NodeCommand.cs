using System.CommandLine;
using System.Globalization;
using Dispatch.Cli.Commands;
using Dispatch.Core.Options;
using Dispatch.Hocon;
using Dispatch.Hosting.Configuration;
using Dispatch.Hosting.Gateway;
using Dispatch.Hosting.Ingress;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Dispatch.Cli.Node;

/// <summary>
/// <c>dispatch node</c>: a hosted node with the HTTP ingress (<c>POST /v1/calls</c>,
/// <c>GET /v1/status</c>), until Ctrl-C or SIGTERM, which drain it.
/// </summary>
/// <remarks>
/// A node that cannot start (bad settings, a port in use) says so in one <c>dispatch node: ...</c>
/// line on standard error and exits 2. What the host and the actor system log while a failed start
/// unwinds (the hosting error with its stack, dead letters of actors stopped early) repeats that line
/// at length, so standard output is held back until the node is up, and dropped if it never is.
/// </remarks>
internal static class NodeCommand
{
    /// <summary>The exit code of a node that could not start.</summary>
    private const int CannotStart = 2;

    public static Command Create()
    {
        var config = new Option<string?>("--config", "-c") { Description = "A HOCON file with the endpoints (hocon/reference.conf holds every setting)." };
        var port = new Option<int?>("--port", "-p") { Description = "The ingress port (overrides dispatch.ingress.port; 0 picks a free one)." };
        var pacing = PacingOptions.Pacing();
        var burst = PacingOptions.Burst();
        var withParent = new Option<bool>("--stop-with-parent")
        {
            Description = "Drain and stop when standard input closes, which happens when the process that started the node ends, even by kill -9 (dispatch up starts its nodes so).",
            Hidden = true,
        };
        var command = new Command("node", "Run a Dispatch node with an HTTP ingress (127.0.0.1 unless dispatch.ingress.bind says otherwise), protected by the bearer token in $DISPATCH_INGRESS_TOKEN (dispatch.ingress.token-env).")
        {
            config, port, pacing, burst, withParent,
        };
        command.Subcommands.Add(NodeStatusCommand.Create());
        command.SetAction(async (parse, _) =>
        {
            var file = parse.GetValue(config);
            var ingressPort = parse.GetValue(port);
            var stdout = Console.Out;
            var held = new StringWriter(CultureInfo.InvariantCulture);
            Console.SetOut(held);
            string? failure = null;
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
                catch (Exception e)
                {
                    failure = Describe(e);
                }

                if (failure is null)
                {
                    Console.SetOut(stdout);
                    await stdout.WriteAsync(held.ToString());
                    if (parse.GetValue(withParent)) StopWhenStandardInputCloses(app.Lifetime);
                    if (app.Services.GetRequiredService<DispatchSettings>() is { IsCluster: false, Dispatch.Endpoints.Count: 0 })
                        await Console.Error.WriteLineAsync("dispatch node: warning: no endpoints are configured (dispatch.endpoints), so every call will be rejected; pass --config with at least one");
                    var gateway = app.Services.GetRequiredService<DispatchSettings>().Gateway;
                    var openAi = gateway.Routes.Count + gateway.Models.Count == 0 ? "" : ", the OpenAI-compatible gateway (POST " + string.Join(", ", gateway.Routes.Keys.Union(GatewayOptions.StandardPaths).Order(StringComparer.Ordinal)) + ")";
                    await stdout.WriteLineAsync($"dispatch node: ingress on {DispatchNode.IngressAddress(app)} (POST /v1/calls, GET /v1/status{openAi}); Ctrl-C drains and stops");
                    await app.WaitForShutdownAsync();
                    return 0;
                }
            }

            // Disposed (the actor system stopped) before standard output is given back: its last words are dropped too.
            Console.SetOut(stdout);
            await Console.Error.WriteLineAsync("dispatch node: " + failure);
            return CannotStart;
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

    /// <summary>Why the node did not start, in one line: the settings' own message, or the innermost cause (e.g. the address in use).</summary>
    private static string Describe(Exception e)
    {
        if (e is AggregateException { InnerExceptions.Count: 1 } aggregate) e = aggregate.InnerExceptions[0];
        if (e is HoconException or DispatchOptionsException) return OneLine(e.Message);
        var cause = e;
        while (cause.InnerException is not null && cause is not IOException) cause = cause.InnerException;
        return "could not start: " + OneLine(cause.Message);
    }

    private static string OneLine(string text) => string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
