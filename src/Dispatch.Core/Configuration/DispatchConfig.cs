using Dispatch.Core.Breaker;
using Dispatch.Core.Caching;
using Dispatch.Core.Execution;
using Dispatch.Core.Options;
using Dispatch.Core.Queue;
using Dispatch.Core.RateLimiting;
using Dispatch.Core.Retry;
using Dispatch.Core.Tokens;
using Dispatch.Hocon;
using Dispatch.Hocon.Model;

namespace Dispatch.Core.Configuration;

/// <summary>
/// The one place HOCON maps onto Dispatch's options records. Every endpoint inherits
/// <c>dispatch.endpoint-defaults</c> for what it does not set, whether or not it writes
/// <c>${dispatch.endpoint-defaults}</c>. Errors name the full setting path and the file and line
/// it was written at; unknown settings under an endpoint (typos) are errors too.
/// </summary>
public static class DispatchConfig
{
    private const string EndpointDefaultsPath = "dispatch.endpoint-defaults";

    /// <summary>Maps a resolved configuration (reference.conf included) onto <see cref="DispatchOptions"/> and validates them.</summary>
    /// <param name="config">The configuration with reference.conf as its last fallback.</param>
    /// <exception cref="DispatchOptionsException">A setting has the wrong type, is unknown, or is invalid; the message names each.</exception>
    /// <exception cref="HoconException">A substitution cannot be resolved.</exception>
    public static DispatchOptions Map(HoconConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var errors = new List<string>();
        var options = MapEndpoints(config, errors);
        if (errors.Count == 0)
        {
            foreach (var error in options.GetErrors()) errors.Add(WithOrigin(config, error));
        }

        if (errors.Count > 0) throw new DispatchOptionsException(errors);
        return options;
    }

    /// <summary>
    /// Maps <c>dispatch.endpoints</c> (each over <c>dispatch.endpoint-defaults</c>) without validating
    /// the values, adding a message to <paramref name="errors"/> for every setting that has the wrong
    /// type or is unknown. Hosts that map more sections use this to report all errors at once.
    /// </summary>
    /// <param name="config">The configuration with reference.conf as its last fallback.</param>
    /// <param name="errors">Where error messages are added.</param>
    public static DispatchOptions MapEndpoints(HoconConfig config, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(errors);
        config.Resolve();
        var defaults = config.HasPath(EndpointDefaultsPath) ? config.GetConfig(EndpointDefaultsPath) : HoconConfig.Empty;
        var endpoints = new Dictionary<string, EndpointOptions>(StringComparer.Ordinal);
        if (!config.TryGetValue(EndpointOptions.EndpointsPath, out var endpointsValue)) return new DispatchOptions { Endpoints = endpoints };
        if (endpointsValue is not HoconObject endpointsObject)
        {
            errors.Add($"{EndpointOptions.EndpointsPath} must be an object of endpoints by name (at {endpointsValue.Origin})");
            return new DispatchOptions { Endpoints = endpoints };
        }

        foreach (var (name, value) in endpointsObject)
        {
            var path = $"{EndpointOptions.EndpointsPath}.{name}";
            if (value.Kind == HoconValueKind.Null) continue;
            if (value is not HoconObject endpointObject)
            {
                errors.Add($"{path} must be an object (at {value.Origin})");
                continue;
            }

            CheckKnownKeys(endpointObject, defaults.Root, path, "an endpoint", EndpointDefaultsPath, errors);
            var own = config.GetConfig($"{EndpointOptions.EndpointsPath}.\"{name}\"").WithFallback(defaults);
            endpoints[name] = MapEndpoint(name, new HoconSettingsReader(own, path, errors), path, errors);
        }

        return new DispatchOptions { Endpoints = endpoints };
    }

    /// <summary>Reports settings of a section that its defaults do not have: almost always a typo.</summary>
    /// <param name="section">The section as written.</param>
    /// <param name="defaults">The section's defaults (from reference.conf); every key they lack is reported.</param>
    /// <param name="path">The section's full path, for messages.</param>
    /// <param name="what">What the section configures, for messages ("an endpoint").</param>
    /// <param name="defaultsPath">Where the defaults are in reference.conf, for messages.</param>
    /// <param name="errors">Where error messages are added.</param>
    public static void CheckKnownKeys(HoconObject section, HoconObject defaults, string path, string what, string defaultsPath, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(section);
        ArgumentNullException.ThrowIfNull(defaults);
        ArgumentNullException.ThrowIfNull(errors);
        if (defaults.Count == 0) return;
        foreach (var (key, value) in section)
        {
            if (!defaults.TryGetValue(key, out var known))
            {
                errors.Add($"{path}.{key} is not a setting of {what} (at {value.Origin}); see {defaultsPath} in reference.conf");
                continue;
            }

            // Headers are free-form; every other object is a section with known keys.
            if (key != "headers" && value is HoconObject inner && known is HoconObject knownInner)
                CheckKnownKeys(inner, knownInner, $"{path}.{key}", what, defaultsPath, errors);
        }
    }

    /// <summary>Appends where a setting named at the start of a validation error was written.</summary>
    /// <param name="config">The configuration the settings came from.</param>
    /// <param name="error">A message starting with a setting's full path.</param>
    public static string WithOrigin(HoconConfig config, string error)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(error);
        var space = error.IndexOf(' ', StringComparison.Ordinal);
        if (space <= 0) return error;
        try
        {
            return OriginOf(config, error[..space]) is { } origin ? $"{error} (at {origin})" : error;
        }
        catch (Exception e) when (e is HoconException or ArgumentException)
        {
            return error;
        }
    }

    /// <summary>Where the setting at <paramref name="path"/> was written; for a path inside a value written as one string, where that string was written.</summary>
    private static HoconOrigin? OriginOf(HoconConfig config, string path)
    {
        // HOCON's own path syntax first, so quoted keys ("gpt-4.1", "/v1/x") are found.
        if (config.TryGetValue(path, out var value)) return value.Origin;
        HoconValue node = config.Root;
        foreach (var segment in path.Split('.'))
        {
            if (node is HoconScalar) return node.Origin;
            if (node is not HoconObject obj || !obj.TryGetValue(segment, out var next)) return null;
            node = next;
        }

        return node.Origin;
    }

    private static EndpointOptions MapEndpoint(string name, HoconSettingsReader r, string path, List<string> errors)
    {
        var fallback = new EndpointOptions(name, "");
        return new EndpointOptions(name, r.String("base-url", null) ?? "")
        {
            Path = r.String("path", fallback.Path) ?? "",
            Method = r.String("method", fallback.Method) ?? fallback.Method,
            Headers = r.StringMap("headers"),
            ApiKeyEnv = r.String("api-key-env", null),
            AuthHeader = r.String("auth-header", fallback.AuthHeader) ?? "",
            AuthScheme = r.String("auth-scheme", fallback.AuthScheme) ?? "",
            AttemptTimeout = r.Duration("attempt-timeout", fallback.AttemptTimeout),
            MaxResponseBytes = r.Bytes("max-response-bytes", fallback.MaxResponseBytes),
            MaxRequestBytes = r.Bytes("max-request-bytes", fallback.MaxRequestBytes),
            MaxConnections = r.Int("max-connections", fallback.MaxConnections),
            PooledConnectionLifetime = r.Duration("pooled-connection-lifetime", fallback.PooledConnectionLifetime),
            RateLimit = new RateLimitOptions
            {
                Requests = r.NullableInt("rate-limit.requests", fallback.RateLimit.Requests),
                Tokens = r.NullableLong("rate-limit.tokens", fallback.RateLimit.Tokens),
                Interval = r.Duration("rate-limit.interval", fallback.RateLimit.Interval),
                Guard = r.NullableDuration("rate-limit.guard", fallback.RateLimit.Guard),
                Pacing = r.Enum("rate-limit.pacing", fallback.RateLimit.Pacing),
                Burst = r.NullableInt("rate-limit.burst", fallback.RateLimit.Burst),
                LearnFromHeaders = r.Boolean("rate-limit.learn-from-headers", fallback.RateLimit.LearnFromHeaders),
                LearnFrom429s = r.Boolean("rate-limit.learn-from-429s", fallback.RateLimit.LearnFrom429s),
                Headers = fallback.RateLimit.Headers.With(r.StringMap("rate-limit.headers"), $"{path}.rate-limit.headers", errors),
            },
            Queue = new QueueOptions { Capacity = r.Int("queue.capacity", fallback.Queue.Capacity) },
            Executor = new ExecutorOptions { Concurrency = r.Int("executor.concurrency", fallback.Executor.Concurrency) },
            Retry = new RetryOptions
            {
                MaxAttempts = r.Int("retry.max-attempts", fallback.Retry.MaxAttempts),
                BaseDelay = r.Duration("retry.base-delay", fallback.Retry.BaseDelay),
                MaxDelay = r.Duration("retry.max-delay", fallback.Retry.MaxDelay),
                Jitter = r.Enum("retry.jitter", fallback.Retry.Jitter),
                MaxRetryAfter = r.Duration("retry.max-retry-after", fallback.Retry.MaxRetryAfter),
            },
            Breaker = new BreakerOptions
            {
                MaxFailures = r.Int("breaker.max-failures", fallback.Breaker.MaxFailures),
                ResetTimeout = r.Duration("breaker.reset-timeout", fallback.Breaker.ResetTimeout),
                MaxResetTimeout = r.Duration("breaker.max-reset-timeout", fallback.Breaker.MaxResetTimeout),
                WhenOpen = r.Enum("breaker.when-open", fallback.Breaker.WhenOpen),
            },
            Cache = new CacheOptions
            {
                MaxEntries = r.Int("cache.max-entries", fallback.Cache.MaxEntries),
                DefaultTtl = r.Duration("cache.default-ttl", fallback.Cache.DefaultTtl),
            },
            TokenEstimation = new TokenEstimationOptions
            {
                CharsPerToken = r.Double("token-estimation.chars-per-token", fallback.TokenEstimation.CharsPerToken),
                DefaultMaxTokens = r.Int("token-estimation.default-max-tokens", fallback.TokenEstimation.DefaultMaxTokens),
            },
        };
    }
}
