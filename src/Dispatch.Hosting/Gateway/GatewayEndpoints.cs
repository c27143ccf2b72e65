using Dispatch.Core.Protocol;
using Dispatch.Hosting.Configuration;
using Dispatch.Hosting.Ingress;
using Dispatch.Hosting.Submission;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Dispatch.Hosting.Gateway;

/// <summary>
/// The OpenAI-compatible gateway: <c>POST</c> to a standard path (<see cref="GatewayOptions.StandardPaths"/>) or one
/// in <c>dispatch.gateway.routes</c>, with <c>Authorization: Bearer &lt;ingress token&gt;</c> (the SDK's API key).
/// Each request becomes one <see cref="APICalling"/> to the endpoint its model or path maps to, its body sent as it
/// came; <c>Idempotency-Key</c> becomes the call id and goes on to the provider. The provider's answer comes back
/// with its status, body and client-facing headers; Dispatch's own outcomes (full queue, open breaker, timeout, …)
/// come back in OpenAI's error shape. Every answer carries <c>x-dispatch-call-id</c> and <c>x-dispatch-attempts</c>.
/// A request with <c>"stream": true</c> is answered with the provider's event stream, relayed event by event as it
/// arrives (<see cref="GatewayStream"/>); the client going away cancels its call.
/// </summary>
public static class GatewayEndpoints
{
    /// <summary>The response header naming the call's id.</summary>
    public const string CallIdHeader = "x-dispatch-call-id";

    /// <summary>The response header counting the HTTP attempts made for the call.</summary>
    public const string AttemptsHeader = "x-dispatch-attempts";

    /// <summary>The request header whose value becomes the call id.</summary>
    public const string IdempotencyKeyHeader = "Idempotency-Key";

    /// <summary>Maps the gateway: every <c>POST</c> no other ingress route takes, behind the ingress's token and loopback rule.</summary>
    /// <param name="routes">The web application.</param>
    /// <param name="token">Returns the bearer token callers must send; read on the first request.</param>
    public static IEndpointRouteBuilder MapDispatchGateway(this IEndpointRouteBuilder routes, Func<string> token)
    {
        ArgumentNullException.ThrowIfNull(routes);
        ArgumentNullException.ThrowIfNull(token);
        var gate = new IngressEndpoints.Gate(token);
        // A catch-all: literal routes such as /v1/calls win over it, and a path it does not serve still gets an OpenAI-shaped 404.
        routes.MapPost("/{**path}", HandleAsync).AddEndpointFilter(async (context, next) => gate.Refusal(context.HttpContext) ?? await next(context));
        return routes;
    }

    private static async Task HandleAsync(HttpContext http, ICallSubmitter submitter, DispatchSettings settings)
    {
        var path = http.Request.Path.Value ?? "/";
        string? idempotencyKey = http.Request.Headers[IdempotencyKeyHeader];
        var callId = string.IsNullOrEmpty(idempotencyKey) ? APICalling.NewCallId() : idempotencyKey;
        http.Response.Headers[CallIdHeader] = callId;
        http.Response.Headers[AttemptsHeader] = "0";

        var gateway = settings.Gateway;
        if (!gateway.Serves(path))
        {
            await GatewayErrors.WriteAsync(http, new(StatusCodes.Status404NotFound, "invalid_request_error", "unknown_route",
                $"the gateway does not serve POST {path}; it serves {string.Join(", ", ServedPaths(gateway))} (add others under {GatewayOptions.Path}.routes)"));
            return;
        }

        var body = await RequestText.ReadAsync(http.Request, http.RequestAborted);

        if (!GatewayRequest.TryRead(body, out var request, out var invalid))
        {
            await GatewayErrors.WriteAsync(http, new(StatusCodes.Status400BadRequest, "invalid_request_error", "invalid_request", invalid!));
            return;
        }

        if (gateway.EndpointFor(path, request.Model) is not { } endpoint)
        {
            await GatewayErrors.WriteAsync(http, NoEndpoint(gateway, path, request.Model));
            return;
        }

        GatewayStream? stream = null;
        if (request.Stream)
        {
            // The usage chunk is what the call's tokens are reconciled from; the client sees it only if it asked.
            var addUsage = !request.IncludeUsage && AcceptsStreamOptions(path);
            if (addUsage) body = GatewayRequest.WithUsageRequested(body);
            stream = new GatewayStream(http, dropUsageChunk: addUsage);
        }

        var call = new APICalling(callId, endpoint, body)
        {
            ResponseStream = stream,
            // The endpoint's own path when it has one; else the request's (an endpoint serving several routes).
            Path = settings.Dispatch.Endpoints[endpoint].Path.Length == 0 ? path : null,
            Headers = string.IsNullOrEmpty(idempotencyKey) ? null : new Dictionary<string, string> { [IdempotencyKeyHeader] = idempotencyKey },
            WantsResponseHeaders = true,
        };
        var result = await submitter.SubmitAsync(call, http.RequestAborted);
        stream?.End();
        if (stream is { Begun: true })
        {
            // The status went out with the first event; a stream that broke off is cut, so the client cannot take it for whole.
            if (!result.IsSuccess) http.Abort();
            return;
        }

        if (http.RequestAborted.IsCancellationRequested) return;

        http.Response.Headers[AttemptsHeader] = result.Attempts.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (IsProvidersAnswer(result)) await PassThroughAsync(http, result);
        else await GatewayErrors.WriteAsync(http, GatewayErrors.For(result));
    }

    /// <summary>A completed call, or one the provider refused for good with an error body of its own: either way the client reads the provider's answer.</summary>
    private static bool IsProvidersAnswer(APICallResult result) =>
        result.Body is not null && (result.IsSuccess || (result.Status == CallStatus.Failed && result.HttpStatus >= 400));

    private static async Task PassThroughAsync(HttpContext http, APICallResult result)
    {
        var response = http.Response;
        response.StatusCode = result.HttpStatus ?? StatusCodes.Status200OK;
        CopyProviderHeaders(response, result.ResponseHeaders, "application/json");
        await response.WriteAsync(result.Body!, http.RequestAborted);
    }

    /// <summary>The provider's client-facing headers onto the response; <paramref name="contentType"/> when it named none.</summary>
    internal static void CopyProviderHeaders(HttpResponse response, IReadOnlyDictionary<string, string>? headers, string contentType)
    {
        response.ContentType = contentType;
        if (headers is null) return;
        foreach (var (name, value) in headers)
        {
            if (name == "content-type") response.ContentType = value;
            else response.Headers[name] = value;
        }
    }

    /// <summary>Whether a streamed request to <paramref name="path"/> takes OpenAI's <c>stream_options</c> (chat and text completions do).</summary>
    private static bool AcceptsStreamOptions(string path) => path.EndsWith("/completions", StringComparison.Ordinal);

    private static GatewayErrors.GatewayError NoEndpoint(GatewayOptions gateway, string path, string? model)
    {
        var models = gateway.Models.Count == 0 ? "none" : string.Join(", ", gateway.Models.Keys.Order(StringComparer.Ordinal));
        var routes = gateway.Routes.Count == 0 ? "none" : string.Join(", ", gateway.Routes.Keys.Order(StringComparer.Ordinal));
        var asked = model is null ? $"path {path} (the request names no model)" : $"model '{model}' or path {path}";
        return new(StatusCodes.Status404NotFound, "invalid_request_error", model is null ? "unknown_route" : "model_not_found",
            $"no endpoint is configured for {asked}; {GatewayOptions.Path}.models has {models}; {GatewayOptions.Path}.routes has {routes}");
    }

    private static IEnumerable<string> ServedPaths(GatewayOptions gateway) =>
        GatewayOptions.StandardPaths.Concat(gateway.Routes.Keys.Order(StringComparer.Ordinal)).Distinct(StringComparer.Ordinal);
}
