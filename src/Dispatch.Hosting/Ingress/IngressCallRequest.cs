using System.Text.Json;
using Dispatch.Core.Errors;
using Dispatch.Core.Protocol;
using Dispatch.Hocon;

namespace Dispatch.Hosting.Ingress;

/// <summary>
/// The JSON a program posts to <c>POST /v1/calls</c>:
/// <c>{"id": "...", "endpoint": "openai-chat", "body": {...}, "tokens": 120, "method": "POST", "path": "/v1/x", "headers": {"K": "V"}, "timeout": "30s"}</c>.
/// Only <c>body</c> is required (<c>endpoint</c> too when the node has more than one); any other field is refused.
/// </summary>
public static class IngressCallRequest
{
    /// <summary>The fields a call's JSON may have.</summary>
    private static readonly string[] Fields = ["id", "endpoint", "body", "tokens", "method", "path", "headers", "timeout"];

    /// <summary>Reads a call from the request JSON, or says what is wrong with it.</summary>
    /// <param name="json">The request body.</param>
    /// <param name="endpoints">The node's endpoint names; empty on a node that knows none itself (a proxy node), which takes any.</param>
    /// <param name="now">The current time, for <c>timeout</c>.</param>
    /// <param name="call">The call, when the JSON is valid.</param>
    /// <param name="error">Why it is not, naming the field or position.</param>
    public static bool TryParse(string json, IReadOnlyCollection<string> endpoints, DateTimeOffset now, out APICalling? call, out string? error)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        call = null;
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            error = "the request body is not valid JSON at " + JsonErrors.Describe(e, json);
            return false;
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                error = $"the request body must be a JSON object (was {root.ValueKind})";
                return false;
            }

            foreach (var field in root.EnumerateObject())
            {
                if (Fields.Contains(field.Name, StringComparer.Ordinal)) continue;
                error = $"unknown field '{field.Name}': a call has {string.Join(", ", Fields)}";
                return false;
            }

            if (!root.TryGetProperty("body", out var body) || body.ValueKind is JsonValueKind.Undefined)
            {
                error = "'body' is required: the JSON request body to send upstream";
                return false;
            }

            if (!TryString(root, "id", out var id, out error) ||
                !TryString(root, "endpoint", out var endpoint, out error) ||
                !TryString(root, "method", out var method, out error) ||
                !TryString(root, "path", out var path, out error) ||
                !TryString(root, "timeout", out var timeout, out error))
                return false;

            endpoint ??= endpoints.Count == 1 ? endpoints.First() : null;
            if (endpoint is null)
            {
                error = $"'endpoint' is required: one of {string.Join(", ", endpoints)}";
                return false;
            }

            if (endpoints.Count > 0 && !endpoints.Contains(endpoint, StringComparer.Ordinal))
            {
                error = $"unknown endpoint '{endpoint}': this node has {string.Join(", ", endpoints.Order(StringComparer.Ordinal))}";
                return false;
            }

            int? tokens = null;
            if (root.TryGetProperty("tokens", out var tokensElement) && tokensElement.ValueKind != JsonValueKind.Null)
            {
                if (!tokensElement.TryGetInt32(out var t) || t < 0)
                {
                    error = "'tokens' must be a whole number >= 0";
                    return false;
                }

                tokens = t;
            }

            Dictionary<string, string>? headers = null;
            if (root.TryGetProperty("headers", out var headersElement) && headersElement.ValueKind != JsonValueKind.Null)
            {
                if (headersElement.ValueKind != JsonValueKind.Object)
                {
                    error = "'headers' must be an object of header names to string values";
                    return false;
                }

                headers = [];
                foreach (var header in headersElement.EnumerateObject())
                {
                    if (header.Value.ValueKind != JsonValueKind.String)
                    {
                        error = $"'headers.{header.Name}' must be a string";
                        return false;
                    }

                    headers[header.Name] = header.Value.GetString()!;
                }
            }

            DateTimeOffset? deadline = null;
            if (timeout is not null)
            {
                if (!HoconUnits.TryParseDuration(timeout, out var span) || span <= TimeSpan.Zero)
                {
                    error = $"'timeout' must be a positive duration such as 30s or 500ms (was '{timeout}')";
                    return false;
                }

                deadline = now + span;
            }

            call = new APICalling(id ?? APICalling.NewCallId(), endpoint, body.ValueKind == JsonValueKind.String ? body.GetString()! : body.GetRawText())
            {
                Method = method,
                Path = path,
                Headers = headers,
                RequiredTokens = tokens,
                Deadline = deadline,
            };
            return true;
        }
    }

    private static bool TryString(JsonElement root, string name, out string? value, out string? error)
    {
        value = null;
        error = null;
        if (!root.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null) return true;
        if (element.ValueKind != JsonValueKind.String || element.GetString() is not { Length: > 0 } text)
        {
            error = $"'{name}' must be a non-empty string";
            return false;
        }

        value = text;
        return true;
    }
}
