using System.Text.Json;
using System.Text.Json.Nodes;
using Dispatch.Core.Errors;

namespace Dispatch.Hosting.Gateway;

/// <summary>
/// What the gateway reads from an OpenAI request body before sending it on (unchanged, but for a streamed request's
/// <c>stream_options</c>): its <c>model</c>, <c>stream</c> and <c>stream_options.include_usage</c>.
/// </summary>
/// <param name="Model">The <c>model</c>, when the body names one.</param>
/// <param name="Stream">Whether the body asks for a streamed answer (<c>"stream": true</c>).</param>
/// <param name="IncludeUsage">Whether it asks for a streamed answer's usage chunk (<c>stream_options.include_usage</c>).</param>
internal readonly record struct GatewayRequest(string? Model, bool Stream, bool IncludeUsage = false)
{
    /// <summary>
    /// The body with <c>stream_options.include_usage</c> set, so the streamed answer ends with the usage its tokens are
    /// reconciled from (other <c>stream_options</c> kept).
    /// </summary>
    /// <param name="body">A request body <see cref="TryRead"/> accepted.</param>
    public static string WithUsageRequested(string body)
    {
        var root = JsonNode.Parse(body)!.AsObject();
        if (root["stream_options"] is not JsonObject options) root["stream_options"] = options = [];
        options["include_usage"] = true;
        return root.ToJsonString();
    }

    /// <summary>Reads the fields the gateway routes by, or says why the body is not a request.</summary>
    /// <param name="body">The request body.</param>
    /// <param name="request">The fields, when the body is a JSON object.</param>
    /// <param name="error">Why it is not, naming the field or position.</param>
    public static bool TryRead(string body, out GatewayRequest request, out string? error)
    {
        request = default;
        error = null;
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                error = $"the request body must be a JSON object (was {root.ValueKind})";
                return false;
            }

            string? model = null;
            if (root.TryGetProperty("model", out var modelElement) && modelElement.ValueKind != JsonValueKind.Null)
            {
                if (modelElement.ValueKind != JsonValueKind.String)
                {
                    error = "'model' must be a string";
                    return false;
                }

                model = modelElement.GetString();
            }

            var stream = root.TryGetProperty("stream", out var streamElement) && streamElement.ValueKind == JsonValueKind.True;
            var includeUsage = root.TryGetProperty("stream_options", out var options) && options.ValueKind == JsonValueKind.Object &&
                               options.TryGetProperty("include_usage", out var usage) && usage.ValueKind == JsonValueKind.True;
            request = new GatewayRequest(model, stream, includeUsage);
            return true;
        }
        catch (JsonException e)
        {
            error = "the request body is not valid JSON at " + JsonErrors.Describe(e, body);
            return false;
        }
    }
}
