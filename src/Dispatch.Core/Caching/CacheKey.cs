using Dispatch.Core.Options;
using Dispatch.Core.Protocol;

namespace Dispatch.Core.Caching;

/// <summary>
/// Identifies a cacheable call: endpoint, method, path and payload. Two calls with equal keys
/// would send the same request, so one's answer may serve the other.
/// </summary>
/// <remarks>
/// The key holds the strings themselves and compares them in full; a hash alone could collide
/// and answer a call with another call's response. The payload is compared as text, not as
/// canonicalized JSON: canonicalizing would cost a parse and a rewrite per call, while the
/// callers that repeat requests (batch re-runs, retrying clients) repeat them byte for byte.
/// Building a key allocates nothing: it is a struct over strings the call already holds.
/// </remarks>
/// <param name="Endpoint">The endpoint's name.</param>
/// <param name="Method">The HTTP method sent.</param>
/// <param name="Path">The path sent.</param>
/// <param name="Payload">The request body.</param>
public readonly record struct CacheKey(string Endpoint, string Method, string Path, string Payload)
{
    /// <summary>The key of a call to an endpoint, with the call's overrides applied.</summary>
    /// <param name="call">The call.</param>
    /// <param name="endpoint">The endpoint it goes to.</param>
    public static CacheKey For(APICalling call, EndpointOptions endpoint)
    {
        ArgumentNullException.ThrowIfNull(call);
        ArgumentNullException.ThrowIfNull(endpoint);
        return new CacheKey(endpoint.Name, call.Method ?? endpoint.Method, call.Path ?? endpoint.Path, call.Payload);
    }
}
