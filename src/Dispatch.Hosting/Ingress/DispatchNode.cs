using System.Net;
using Dispatch.Hosting.Configuration;
using Dispatch.Hosting.DependencyInjection;
using Dispatch.Hosting.Gateway;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;

namespace Dispatch.Hosting.Ingress;

/// <summary>
/// A node: the Dispatch host plus the HTTP ingress on <c>dispatch.ingress.bind</c>:<c>port</c>
/// (always served by a node, whatever <c>dispatch.ingress.enabled</c> says): <c>POST /v1/calls</c>,
/// <c>GET /v1/status</c>, <c>GET /metrics</c> (Prometheus text) and the OpenAI-compatible gateway
/// (<see cref="Gateway.GatewayEndpoints"/>), all behind the bearer token.
/// </summary>
public static partial class DispatchNode
{
    /// <summary>Shorter tokens are guessable enough to matter once other machines can try them.</summary>
    private const int RemoteTokenLength = 16;

    /// <summary>Builds a node; start it with <c>RunAsync</c> or <c>StartAsync</c>.</summary>
    /// <param name="configure">Configures Dispatch (files, overrides, actors).</param>
    /// <param name="args">Host arguments, if any.</param>
    public static WebApplication Build(Action<DispatchBuilder> configure, string[]? args = null)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = args ?? [] });
        builder.Services.AddDispatch(d =>
        {
            configure(d);
            d.Override("dispatch.ingress.enabled", "true", "dispatch node");

            // A node without its token must not start rather than answer every caller 401.
            d.StartChecks.Add((services, settings) => CheckToken(services, settings));
        });
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddPrometheusExporter());

        // Listen where the settings say. The server's options are read when the app is built, before
        // start-up validates the settings; invalid settings configure nothing here and stop the start.
        builder.Services.AddOptions<KestrelServerOptions>().Configure<IServiceProvider>((kestrel, services) =>
        {
            if (DispatchServiceCollectionExtensions.TryGetSettings(services) is { } settings && IPAddress.TryParse(settings.Ingress.Bind, out var address))
                kestrel.Listen(address, settings.Ingress.Port);
        });

        var app = builder.Build();
        app.MapDispatchIngress(() => IngressToken(app.Services));
        app.MapDispatchMetrics(() => IngressToken(app.Services));
        app.MapDispatchGateway(() => IngressToken(app.Services));
        return app;
    }

    /// <summary>The address the ingress listens on, once the node has started (e.g. <c>http://127.0.0.1:8780</c>).</summary>
    /// <param name="app">A started node.</param>
    public static string IngressAddress(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        return app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
    }

    private static string IngressToken(IServiceProvider services)
    {
        var settings = services.GetRequiredService<DispatchSettings>();
        var builder = services.GetRequiredService<DispatchBuilder>();
        var env = settings.Ingress.TokenEnv;
        var token = builder.Dependencies?.GetEnvironmentVariable(env) ?? Environment.GetEnvironmentVariable(env);
        return string.IsNullOrEmpty(token)
            ? throw new Core.Options.DispatchOptionsException([$"{IngressOptions.Path}.token-env names {env}, which is not set: set it to the bearer token callers must send"])
            : token;
    }

    /// <summary>Stops a node without its token from starting, and warns when the ingress is open to other machines.</summary>
    private static void CheckToken(IServiceProvider services, DispatchSettings settings)
    {
        var token = IngressToken(services);
        var ingress = settings.Ingress;
        if (!ingress.AcceptsRemoteCallers) return;
        var log = services.GetRequiredService<ILoggerFactory>().CreateLogger("Dispatch.Ingress");
        LogOpenToOtherMachines(log, ingress.Bind, ingress.Port);
        if (token.Length < RemoteTokenLength) LogShortToken(log, ingress.TokenEnv, RemoteTokenLength);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The ingress listens on {Bind}:{Port} and accepts callers from other machines with the bearer token, over plain HTTP: keep the node on a private network or behind a TLS proxy")]
    private static partial void LogOpenToOtherMachines(ILogger logger, string bind, int port);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The ingress token in {TokenEnv} is shorter than {Length} characters; other machines can reach the ingress, so use a long random token")]
    private static partial void LogShortToken(ILogger logger, string tokenEnv, int length);
}
