namespace Dispatch.Core.Endpoints;

/// <summary>
/// Picks the response headers a provider's client reads (<c>content-type</c>, <c>x-request-id</c>,
/// <c>openai-processing-ms</c>, <c>x-ratelimit-*</c>) so a gateway can pass them on. An allow-list, not a
/// copy: cookies and whatever else a provider sends stay behind.
/// </summary>
internal static class ResponseHeaderCapture
{
    private const string RateLimitPrefix = "x-ratelimit-";

    private static readonly string[] Exact = ["x-request-id", "openai-processing-ms", "openai-version", "openai-organization"];

    /// <summary>The allow-listed headers of <paramref name="response"/>, names in lower case; <see langword="null"/> when it has none.</summary>
    /// <param name="response">The upstream's response.</param>
    public static Dictionary<string, string>? From(HttpResponseMessage response)
    {
        Dictionary<string, string>? captured = null;
        foreach (var (name, values) in response.Headers.NonValidated)
        {
            if (IsAllowed(name)) (captured ??= new(StringComparer.OrdinalIgnoreCase))[name.ToLowerInvariant()] = values.ToString();
        }

        if (response.Content.Headers.ContentType is { } contentType)
            (captured ??= new(StringComparer.OrdinalIgnoreCase))["content-type"] = contentType.ToString();
        return captured;
    }

    private static bool IsAllowed(string name)
    {
        if (name.StartsWith(RateLimitPrefix, StringComparison.OrdinalIgnoreCase)) return true;
        foreach (var exact in Exact)
        {
            if (string.Equals(name, exact, StringComparison.OrdinalIgnoreCase)) return true;
        }

        return false;
    }
}
