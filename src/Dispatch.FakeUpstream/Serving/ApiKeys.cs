using Microsoft.AspNetCore.Http;

namespace Dispatch.FakeUpstream.Serving;

/// <summary>Finds the caller's API key the way providers do, without allocating.</summary>
internal static class ApiKeys
{
    /// <summary>The key of requests that carry none; they share one window.</summary>
    public const string Anonymous = "(anonymous)";

    /// <summary>The key from <c>Authorization: Bearer</c>, else <c>x-api-key</c>; empty when there is none.</summary>
    public static ReadOnlySpan<char> Read(IHeaderDictionary headers)
    {
        string? authorization = headers.Authorization;
        if (authorization is not null)
        {
            var value = authorization.AsSpan().Trim();
            if (value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return value["Bearer ".Length..].Trim();
        }

        string? apiKey = headers[FakeUpstreamHeaders.ApiKey];
        return apiKey is null ? [] : apiKey.AsSpan().Trim();
    }

    /// <summary>The key whose window a request is charged to.</summary>
    public static ReadOnlySpan<char> WindowKey(ReadOnlySpan<char> key) => key.IsEmpty ? Anonymous : key;
}
