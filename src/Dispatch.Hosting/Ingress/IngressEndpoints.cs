using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Dispatch.Actors;
using Dispatch.Core.Dispatching;
using Dispatch.Core.Protocol;
using Dispatch.Hosting.Registry;
using Dispatch.Hosting.Configuration;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Dispatch.Hosting.Ingress;

/// <summary>
/// The HTTP ingress: <c>POST /v1/calls</c> (one call's JSON in, its result's JSON out) and
/// <c>GET /v1/status</c>, for programs on the same machine. Every request needs
/// <c>Authorization: Bearer &lt;token&gt;</c> with the token from <c>dispatch.ingress.token-env</c>
/// (401 otherwise); requests from other machines get 403.
/// </summary>
public static class IngressEndpoints
{
    /// <summary>How results and statuses are written: camelCase, enums by name.</summary>
    public static JsonSerializerOptions JsonOptions { get; } = new(JsonSerializerDefaults.Web)
    {
        // Readable error text ('body', not \u0027body\u0027); responses are JSON, never embedded in HTML.
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Maps the ingress routes.</summary>
    /// <param name="routes">The web application.</param>
    /// <param name="token">Returns the bearer token callers must send; read on the first request.</param>
    public static IEndpointRouteBuilder MapDispatchIngress(this IEndpointRouteBuilder routes, Func<string> token)
    {
        ArgumentNullException.ThrowIfNull(routes);
        ArgumentNullException.ThrowIfNull(token);
        var expected = new Lazy<byte[]>(() => Encoding.UTF8.GetBytes("Bearer " + token()));
        var group = routes.MapGroup("/v1").AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            if (http.Connection.RemoteIpAddress is { } remote && !IPAddress.IsLoopback(remote))
                return Results.Json(new { error = "the ingress accepts calls from this machine only" }, JsonOptions, statusCode: StatusCodes.Status403Forbidden);
            var given = Encoding.UTF8.GetBytes(http.Request.Headers.Authorization.ToString());
            if (!CryptographicOperations.FixedTimeEquals(given, expected.Value))
                return Results.Json(new { error = "missing or wrong bearer token" }, JsonOptions, statusCode: StatusCodes.Status401Unauthorized);
            return await next(context);
        });

        group.MapPost("/calls", PostCall);
        group.MapGet("/status", GetStatus);
        return routes;
    }

    private static async Task<IResult> PostCall(HttpContext http, IActorRegistry registry, DispatchSettings settings, DependencyInjection.DispatchBuilder node)
    {
        string json;
        using (var reader = new StreamReader(http.Request.Body, Encoding.UTF8))
            json = await reader.ReadToEndAsync(http.RequestAborted);

        var now = node.TimeProvider.GetUtcNow();
        if (!IngressCallRequest.TryParse(json, settings.Dispatch.Endpoints.Keys.ToArray(), now, out var call, out var error))
            return Results.Json(new { error }, JsonOptions, statusCode: StatusCodes.Status400BadRequest);

        var dispatch = await registry.GetAsync<DispatchActor>(http.RequestAborted);
        // A caller that hangs up cancels its call, which still ends with one result (Cancelled).
        await using var cancel = http.RequestAborted.Register(() => dispatch.Tell(new CancelCall(call!.CallId, call.Endpoint), ActorRefs.NoSender));
        var result = await dispatch.Ask<APICallResult>(call!);
        return Results.Json(result, JsonOptions);
    }

    private static async Task<IResult> GetStatus(HttpContext http, IActorRegistry registry)
    {
        var dispatch = await registry.GetAsync<DispatchActor>(http.RequestAborted);
        var status = await dispatch.Ask<DispatchStatus>(new GetStatus(), TimeSpan.FromSeconds(10), http.RequestAborted);
        return Results.Json(status, JsonOptions);
    }
}
