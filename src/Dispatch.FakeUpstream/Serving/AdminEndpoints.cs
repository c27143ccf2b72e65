using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Dispatch.FakeUpstream.Serving;

/// <summary>The routes tests and operators use: health, counters and reset. They are never counted, limited or faulted.</summary>
internal static class AdminEndpoints
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
    };

    public static void Map(IEndpointRouteBuilder routes, UpstreamState state)
    {
        routes.MapGet("/healthz", static context =>
        {
            context.Response.ContentType = "text/plain";
            return context.Response.WriteAsync("ok", context.RequestAborted);
        });

        // ?callIds=true adds every call id's arrivals, which can be large after a long run.
        routes.MapGet("/v1/counters", context =>
        {
            var includeCallIds = string.Equals(context.Request.Query["callIds"], "true", StringComparison.OrdinalIgnoreCase);
            var snapshot = state.Counters.Snapshot(includeCallIds);
            context.Response.ContentType = "application/json";
            return JsonSerializer.SerializeAsync(context.Response.Body, snapshot, Json, context.RequestAborted);
        });

        routes.MapPost("/v1/reset", context =>
        {
            state.Reset();
            context.Response.StatusCode = StatusCodes.Status204NoContent;
            return Task.CompletedTask;
        });
    }
}
