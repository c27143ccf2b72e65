using Dispatch.Core.Breaker;
using Dispatch.Core.Caching;
using Dispatch.Core.Execution;
using Dispatch.Core.Queue;
using Dispatch.Core.RateLimiting;
using Dispatch.Core.Retry;
using Dispatch.Core.Tokens;

namespace Dispatch.Core.Options;

/// <summary>
/// One upstream API Dispatch calls (configuration path <c>dispatch.endpoints.&lt;name&gt;</c>):
/// where it is, how to authenticate, and the limits and policies that protect it.
/// </summary>
/// <param name="Name">The endpoint's name, which calls address it by (e.g. <c>openai-chat</c>).</param>
/// <param name="BaseUrl">The upstream's absolute http(s) base URL (<c>base-url</c>), e.g. <c>https://api.openai.com</c>.</param>
public sealed record EndpointOptions(string Name, string BaseUrl)
{
    /// <summary>The configuration path that holds the endpoints by name.</summary>
    public const string EndpointsPath = "dispatch.endpoints";

    /// <summary>The path appended to <see cref="BaseUrl"/> (<c>path</c>), e.g. <c>/v1/chat/completions</c>. Default empty.</summary>
    public string Path { get; init; } = "";

    /// <summary>The HTTP method (<c>method</c>). Default <c>POST</c>.</summary>
    public string Method { get; init; } = "POST";

    /// <summary>Headers sent with every call (<c>headers</c>). Default none. Never put credentials here; use <see cref="ApiKeyEnv"/>.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// The name of the environment variable holding the API key (<c>api-key-env</c>), e.g.
    /// <c>OPENAI_API_KEY</c>; never the key itself. Default <see langword="null"/>: no authentication.
    /// </summary>
    public string? ApiKeyEnv { get; init; }

    /// <summary>The header the API key goes in (<c>auth-header</c>). Default <c>Authorization</c>.</summary>
    public string AuthHeader { get; init; } = "Authorization";

    /// <summary>
    /// The scheme written before the key in <see cref="AuthHeader"/> (<c>auth-scheme</c>).
    /// Default <c>Bearer</c>; empty sends the bare key (e.g. for an <c>x-api-key</c> header).
    /// </summary>
    public string AuthScheme { get; init; } = "Bearer";

    /// <summary>The timeout of one HTTP attempt, response body included (<c>attempt-timeout</c>). Default 60 seconds.</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Largest response body read (<c>max-response-bytes</c>); a larger one is <c>InvalidResponse</c>. Default 8 MiB.</summary>
    public long MaxResponseBytes { get; init; } = 8 * 1024 * 1024;

    /// <summary>Largest request body sent (<c>max-request-bytes</c>, UTF-8); a call with a larger one is rejected <c>InvalidRequest</c> before it is queued. Default 32 MiB.</summary>
    public long MaxRequestBytes { get; init; } = 32 * 1024 * 1024;

    /// <summary>Connections the HTTP session opens to the upstream at most (<c>max-connections</c>). Default 64.</summary>
    public int MaxConnections { get; init; } = 64;

    /// <summary>How long a pooled connection is reused before it is replaced, so DNS changes are seen (<c>pooled-connection-lifetime</c>). Default 2 minutes.</summary>
    public TimeSpan PooledConnectionLifetime { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Request and token limits (<c>rate-limit</c>).</summary>
    public RateLimitOptions RateLimit { get; init; } = new();

    /// <summary>The call queue (<c>queue</c>).</summary>
    public QueueOptions Queue { get; init; } = new();

    /// <summary>The executors (<c>executor</c>).</summary>
    public ExecutorOptions Executor { get; init; } = new();

    /// <summary>The retry policy (<c>retry</c>).</summary>
    public RetryOptions Retry { get; init; } = new();

    /// <summary>The circuit breaker (<c>breaker</c>).</summary>
    public BreakerOptions Breaker { get; init; } = new();

    /// <summary>The response cache (<c>cache</c>).</summary>
    public CacheOptions Cache { get; init; } = new();

    /// <summary>Token estimation for calls without <c>RequiredTokens</c> (<c>token-estimation</c>).</summary>
    public TokenEstimationOptions TokenEstimation { get; init; } = new();

    /// <summary>This endpoint's configuration path, <c>dispatch.endpoints.&lt;name&gt;</c>.</summary>
    public string ConfigPath => $"{EndpointsPath}.{Name}";

    /// <summary>The full request URL for a path (the endpoint's unless overridden).</summary>
    /// <param name="pathOverride">A call's path override, or <see langword="null"/>.</param>
    public string UrlFor(string? pathOverride = null)
    {
        var path = pathOverride ?? Path;
        if (path.Length == 0) return BaseUrl;
        return BaseUrl.TrimEnd('/') + "/" + path.TrimStart('/');
    }

    /// <summary>Every invalid setting, each naming its full configuration path.</summary>
    public IReadOnlyList<string> GetErrors() => OptionsErrors.Collect(ConfigPath, Check);

    /// <summary>Throws <see cref="DispatchOptionsException"/> naming every invalid setting.</summary>
    public void Validate() => OptionsErrors.Validate(ConfigPath, Check);

    internal void Check(OptionsErrors errors, string path)
    {
        if (string.IsNullOrWhiteSpace(Name) || Name.Any(char.IsWhiteSpace))
            errors.Add(path, $"must be named by a non-empty name without whitespace (was '{Name}')");

        if (!Uri.TryCreate(BaseUrl, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            errors.Add(path + ".base-url", $"must be an absolute http or https URL (was '{BaseUrl}')");

        if (string.IsNullOrWhiteSpace(Method) || !Method.All(char.IsAsciiLetter))
            errors.Add(path + ".method", $"must be an HTTP method such as POST (was '{Method}')");

        foreach (var (name, _) in Headers)
        {
            // The value is never echoed: it may be the very secret this check is about.
            if (string.Equals(name, AuthHeader, StringComparison.OrdinalIgnoreCase) ||
                string.Equals(name, "Authorization", StringComparison.OrdinalIgnoreCase) ||
                string.Equals(name, "x-api-key", StringComparison.OrdinalIgnoreCase))
                errors.Add($"{path}.headers.{name}", "must not hold a credential; name the environment variable that holds it in api-key-env");
        }

        if (ApiKeyEnv is not null && (ApiKeyEnv.Length == 0 || !ApiKeyEnv.All(c => char.IsAsciiLetterOrDigit(c) || c == '_')))
            errors.Add(path + ".api-key-env", "must be the name of an environment variable (letters, digits, '_'), not the key itself");

        if (string.IsNullOrWhiteSpace(AuthHeader))
            errors.Add(path + ".auth-header", "must not be empty");

        errors.Positive(path + ".attempt-timeout", AttemptTimeout);
        errors.Positive(path + ".max-response-bytes", MaxResponseBytes);
        errors.Positive(path + ".max-request-bytes", MaxRequestBytes);
        errors.Positive(path + ".max-connections", MaxConnections);
        errors.Positive(path + ".pooled-connection-lifetime", PooledConnectionLifetime);

        RateLimit.Check(errors, $"{path}.{RateLimitOptions.Key}");
        Queue.Check(errors, $"{path}.{QueueOptions.Key}");
        Executor.Check(errors, $"{path}.{ExecutorOptions.Key}");
        Retry.Check(errors, $"{path}.{RetryOptions.Key}");
        Breaker.Check(errors, $"{path}.{BreakerOptions.Key}");
        Cache.Check(errors, $"{path}.{CacheOptions.Key}");
        TokenEstimation.Check(errors, $"{path}.{TokenEstimationOptions.Key}");
    }
}
