using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Akka.Actor;
using Akka.Hosting;
using Dispatch.Core.Dispatching;
using Dispatch.Core.Protocol;
using Dispatch.Hosting.Clustering;
using Dispatch.Hosting.Configuration;
using Dispatch.Hosting.Submission;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Dispatch.Hosting.Ingress;

/// <summary>
/// The HTTP ingress: <c>POST /v1/calls</c> (one call's JSON in, its result's JSON out),
/// <c>GET /v1/status</c> and <c>GET /metrics</c> (the <c>Dispatch</c> meter in Prometheus text format).
/// Every request needs <c>Authorization: Bearer &lt;token&gt;</c> with the token from
/// <c>dispatch.ingress.token-env</c> (401 otherwise). Callers from other machines are answered 403
/// unless <c>dispatch.ingress.bind</c> is a non-loopback address, which opts into them (still with the token).
/// </summary>
public static class IngressEndpoints
{
    /// <summary>How results and statuses are written: camelCase, enums by name.</summary>
    public static JsonSerializerOptions JsonOptions { get; } = new(JsonSerializerDefaults.Web)
    {
        // Readable error text ('body', not \u0027body\u0027); responses are JSON, never embedded in HTML.
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>The path the metrics are served at.</summary>
    public const string MetricsPath = "/metrics";

    /// <summary>Maps the ingress routes <c>POST /v1/calls</c> and <c>GET /v1/status</c>.</summary>
    /// <param name="routes">The web application.</param>
    /// <param name="token">Returns the bearer token callers must send; read on the first request.</param>
    public static IEndpointRouteBuilder MapDispatchIngress(this IEndpointRouteBuilder routes, Func<string> token)
    {
        ArgumentNullException.ThrowIfNull(routes);
        ArgumentNullException.ThrowIfNull(token);
        var gate = new Gate(token);
        var group = routes.MapGroup("/v1").AddEndpointFilter(async (context, next) => gate.Refusal(context.HttpContext) ?? await next(context));
        group.MapPost("/calls", PostCall);
        group.MapGet("/status", GetStatus);
        return routes;
    }

    /// <summary>
    /// Maps <c>GET /metrics</c>: OpenTelemetry's Prometheus scraping endpoint (the host must add the Prometheus
    /// exporter to its meter provider), behind the same bearer token and loopback rule as the ingress routes.
    /// </summary>
    /// <param name="routes">The web application.</param>
    /// <param name="token">Returns the bearer token callers must send; read on the first request.</param>
    public static IEndpointRouteBuilder MapDispatchMetrics(this IEndpointRouteBuilder routes, Func<string> token)
    {
        ArgumentNullException.ThrowIfNull(routes);
        ArgumentNullException.ThrowIfNull(token);
        var gate = new Gate(token);
        routes.MapPrometheusScrapingEndpoint(MetricsPath, meterProvider: null, configureBranchedPipeline: branch => branch.Use(async (http, next) =>
        {
            if (gate.Refusal(http) is { } refusal) await refusal.ExecuteAsync(http);
            else await next(http);
        }), optionsName: null);
        return routes;
    }

    /// <summary>Whether a caller at <paramref name="remote"/> may use the ingress (the token is checked separately).</summary>
    internal static bool Admits(IPAddress? remote, IngressOptions ingress) =>
        remote is null || IPAddress.IsLoopback(remote) || ingress.AcceptsRemoteCallers;

    private static async Task<IResult> PostCall(HttpContext http, ICallSubmitter submitter, DispatchSettings settings, ActorSystem system)
    {
        var json = await RequestText.ReadAsync(http.Request, http.RequestAborted);

        var now = system.Scheduler.Now;
        if (!IngressCallRequest.TryParse(json, settings.Dispatch.Endpoints.Keys.ToArray(), now, out var call, out var error))
            return Results.Json(new { error }, JsonOptions, statusCode: StatusCodes.Status400BadRequest);

        return Results.Json(await submitter.SubmitAsync(call!, http.RequestAborted), JsonOptions);
    }

    private static async Task<IResult> GetStatus(HttpContext http, IRequiredActor<DispatchActor> required, ActorSystem system)
    {
        var dispatch = await required.GetAsync(http.RequestAborted);
        var status = await dispatch.Ask<DispatchStatus>(new GetStatus(), TimeSpan.FromSeconds(10), http.RequestAborted);
        if (ClusterMode.Get(system) is not { } cluster) return Results.Json(status, JsonOptions);

        // Clustered: the pipeline's status plus a cluster section (members from Akka.Cluster, owners and leases from the quota).
        var json = JsonSerializer.SerializeToNode(status, JsonOptions)!.AsObject();
        json["cluster"] = JsonSerializer.SerializeToNode(await cluster.GetStatusAsync(ClusterStatusTimeout, http.RequestAborted), JsonOptions);
        return Results.Json(json, JsonOptions);
    }

    /// <summary>How long <c>GET /v1/status</c> waits for each endpoint's quota owner.</summary>
    private static readonly TimeSpan ClusterStatusTimeout = TimeSpan.FromSeconds(3);

    /// <summary>
    /// Admits a request, or says why not: from another machine to a loopback-bound node (403), or without the token (401,
    /// with <c>WWW-Authenticate: Bearer</c>). The scheme's case does not matter (RFC 9110); the token's does.
    /// </summary>
    internal sealed class Gate(Func<string> token)
    {
        private const string Scheme = "Bearer ";
        private readonly Lazy<byte[]> _expected = new(() => Encoding.UTF8.GetBytes(token()));

        public IResult? Refusal(HttpContext http)
        {
            var ingress = http.RequestServices.GetRequiredService<DispatchSettings>().Ingress;
            if (!Admits(http.Connection.RemoteIpAddress, ingress))
                return Results.Json(new { error = $"the ingress accepts calls from this machine only ({IngressOptions.Path}.bind is a loopback address)" }, JsonOptions, statusCode: StatusCodes.Status403Forbidden);
            var authorization = http.Request.Headers.Authorization.ToString();
            var given = authorization.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase) ? Encoding.UTF8.GetBytes(authorization[Scheme.Length..]) : [];
            if (CryptographicOperations.FixedTimeEquals(given, _expected.Value)) return null;
            http.Response.Headers.WWWAuthenticate = "Bearer";
            return Results.Json(new { error = "missing or wrong bearer token" }, JsonOptions, statusCode: StatusCodes.Status401Unauthorized);
        }
    }
}
