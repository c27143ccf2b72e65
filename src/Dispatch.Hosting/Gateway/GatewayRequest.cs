using System.Text.Json;
using Dispatch.Core.Errors;

namespace Dispatch.Hosting.Gateway;

/// <summary>What the gateway reads from an OpenAI request body before sending it on unchanged: its <c>model</c> and <c>stream</c>.</summary>
/// <param name="Model">The <c>model</c>, when the body names one.</param>
/// <param name="Stream">Whether the body asks for a streamed answer (<c>"stream": true</c>).</param>
internal readonly record struct GatewayRequest(string? Model, bool Stream)
{
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
            request = new GatewayRequest(model, stream);
            return true;
        }
        catch (JsonException e)
        {
            error = "the request body is not valid JSON at " + JsonErrors.Describe(e, body);
            return false;
        }
    }
}
