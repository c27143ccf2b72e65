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

namespace Dispatch.Hosting.Configuration;

/// <summary>
/// The one place HOCON maps onto Dispatch's options records. Every endpoint inherits
/// <c>dispatch.endpoint-defaults</c> for what it does not set, whether or not it writes
/// <c>${dispatch.endpoint-defaults}</c>. Errors name the full setting path and the file and line
/// it was written at; unknown settings under an endpoint (typos) are errors too, and so is a
/// <c>dispatch.cluster</c> section (cluster mode is not available in this version).
/// </summary>
public static class OptionsMapper
{
    private const string EndpointDefaultsPath = "dispatch.endpoint-defaults";

    /// <summary>The section cluster mode was configured in; cluster mode is being rebuilt on Akka.Cluster.</summary>
    private const string ClusterPath = "dispatch.cluster";

    /// <summary>Maps a resolved configuration (reference.conf included) onto <see cref="DispatchSettings"/> and validates it.</summary>
    /// <param name="config">The configuration with reference.conf as its last fallback.</param>
    /// <exception cref="DispatchOptionsException">A setting has the wrong type, is unknown, or is invalid; the message names each.</exception>
    /// <exception cref="HoconException">A substitution cannot be resolved.</exception>
    public static DispatchSettings Map(HoconConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Resolve();
        var errors = new List<string>();
        var defaults = config.HasPath(EndpointDefaultsPath) ? config.GetConfig(EndpointDefaultsPath) : HoconConfig.Empty;
        var endpoints = new Dictionary<string, EndpointOptions>(StringComparer.Ordinal);
        if (config.TryGetValue(EndpointOptions.EndpointsPath, out var endpointsValue))
        {
            if (endpointsValue is not HoconObject endpointsObject)
            {
                errors.Add($"{EndpointOptions.EndpointsPath} must be an object of endpoints by name (at {endpointsValue.Origin})");
            }
            else
            {
                foreach (var (name, value) in endpointsObject)
                {
                    var path = $"{EndpointOptions.EndpointsPath}.{name}";
                    if (value.Kind == HoconValueKind.Null) continue;
                    if (value is not HoconObject endpointObject)
                    {
                        errors.Add($"{path} must be an object (at {value.Origin})");
                        continue;
                    }

                    CheckKnownKeys(endpointObject, defaults.Root, path, "an endpoint", "dispatch.endpoint-defaults", errors);
                    var own = config.GetConfig($"{EndpointOptions.EndpointsPath}.{Quote(name)}").WithFallback(defaults);
                    endpoints[name] = MapEndpoint(name, new Reader(own, path, errors));
                }
            }
        }

        var settings = new DispatchSettings
        {
            Dispatch = new DispatchOptions { Endpoints = endpoints },
            Logging = MapLogging(new Reader(SectionOrEmpty(config, LoggingOptions.Path), LoggingOptions.Path, errors)),
            Ingress = MapIngress(new Reader(SectionOrEmpty(config, IngressOptions.Path), IngressOptions.Path, errors)),
            Shutdown = MapShutdown(new Reader(SectionOrEmpty(config, ShutdownOptions.Path), ShutdownOptions.Path, errors)),
        };
        RefuseCluster(config, errors);

        // Type errors first: a value that failed to read was replaced by its default, so its range check would mislead.
        if (errors.Count == 0)
        {
            foreach (var error in settings.GetErrors()) errors.Add(WithOrigin(config, error));
        }

        if (errors.Count > 0) throw new DispatchOptionsException(errors);
        return settings;
    }

    private static EndpointOptions MapEndpoint(string name, Reader r)
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
            MaxConnections = r.Int("max-connections", fallback.MaxConnections),
            PooledConnectionLifetime = r.Duration("pooled-connection-lifetime", fallback.PooledConnectionLifetime),
            RateLimit = new RateLimitOptions
            {
                Requests = r.NullableInt("rate-limit.requests", fallback.RateLimit.Requests),
                Tokens = r.NullableLong("rate-limit.tokens", fallback.RateLimit.Tokens),
                Interval = r.Duration("rate-limit.interval", fallback.RateLimit.Interval),
                Guard = r.NullableDuration("rate-limit.guard", fallback.RateLimit.Guard),
            },
            Queue = new QueueOptions { Capacity = r.Int("queue.capacity", fallback.Queue.Capacity) },
            Executor = new ExecutorOptions { Concurrency = r.Int("executor.concurrency", fallback.Executor.Concurrency) },
            Retry = new RetryOptions
            {
                MaxAttempts = r.Int("retry.max-attempts", fallback.Retry.MaxAttempts),
                BaseDelay = r.Duration("retry.base-delay", fallback.Retry.BaseDelay),
                MaxDelay = r.Duration("retry.max-delay", fallback.Retry.MaxDelay),
                Jitter = r.Enum("retry.jitter", fallback.Retry.Jitter),
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

    private static LoggingOptions MapLogging(Reader r)
    {
        var fallback = new LoggingOptions();
        return new LoggingOptions { Level = r.Enum("level", fallback.Level), File = r.String("file", null) };
    }

    private static IngressOptions MapIngress(Reader r)
    {
        var fallback = new IngressOptions();
        return new IngressOptions
        {
            Enabled = r.Boolean("enabled", fallback.Enabled),
            Bind = r.String("bind", fallback.Bind) ?? fallback.Bind,
            Port = r.Int("port", fallback.Port),
            TokenEnv = r.String("token-env", fallback.TokenEnv) ?? "",
        };
    }

    private static ShutdownOptions MapShutdown(Reader r) =>
        new() { DrainTimeout = r.Duration("drain-timeout", new ShutdownOptions().DrainTimeout) };

    /// <summary>
    /// Refuses a <c>dispatch.cluster</c> section: a node that was meant to share its limits with others must not
    /// quietly run alone with the whole quota. Names the first setting written under it and where.
    /// </summary>
    private static void RefuseCluster(HoconConfig config, List<string> errors)
    {
        if (!config.TryGetValue(ClusterPath, out var value)) return;
        var path = ClusterPath;
        while (value is HoconObject section && section.Count > 0)
        {
            var (key, inner) = section.First();
            path += "." + key;
            value = inner;
        }

        errors.Add($"{path} is not available in this version: cluster mode is being rebuilt on Akka.Cluster; " +
                   $"remove the {ClusterPath} section to run this node standalone (at {value.Origin})");
    }

    private static HoconConfig SectionOrEmpty(HoconConfig config, string path) =>
        config.TryGetValue(path, out var value) && value is HoconObject ? config.GetConfig(path) : HoconConfig.Empty;

    /// <summary>Reports settings of a section that its defaults do not have: almost always a typo.</summary>
    private static void CheckKnownKeys(HoconObject section, HoconObject defaults, string path, string what, string defaultsPath, List<string> errors)
    {
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
    private static string WithOrigin(HoconConfig config, string error)
    {
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

    /// <summary>Where the setting at <paramref name="path"/> was written.</summary>
    private static HoconOrigin? OriginOf(HoconConfig config, string path)
    {
        HoconValue node = config.Root;
        foreach (var segment in path.Split('.'))
        {
            if (node is not HoconObject obj || !obj.TryGetValue(segment, out var next)) return null;
            node = next;
        }

        return node.Origin;
    }

    private static string Quote(string key) => "\"" + key + "\"";

    /// <summary>Reads settings under one path, turning each read error into a message naming the full path.</summary>
    private sealed class Reader(HoconConfig config, string basePath, List<string> errors)
    {
        public string? String(string key, string? fallback) => Read(key, fallback, static (c, k) => c.GetString(k));

        public int Int(string key, int fallback) => Read(key, fallback, static (c, k) => c.GetInt(k));

        public int? NullableInt(string key, int? fallback) => config.HasPath(key) || !Exists(key) ? Read(key, fallback, static (c, k) => (int?)c.GetInt(k)) : null;

        public long? NullableLong(string key, long? fallback) => config.HasPath(key) || !Exists(key) ? Read(key, fallback, static (c, k) => (long?)c.GetLong(k)) : null;

        public TimeSpan? NullableDuration(string key, TimeSpan? fallback) => config.HasPath(key) || !Exists(key) ? Read(key, fallback, static (c, k) => (TimeSpan?)c.GetDuration(k)) : null;

        public long Bytes(string key, long fallback) => Read(key, fallback, static (c, k) => c.GetBytes(k));

        public double Double(string key, double fallback) => Read(key, fallback, static (c, k) => c.GetDouble(k));

        public bool Boolean(string key, bool fallback) => Read(key, fallback, static (c, k) => c.GetBoolean(k));

        public TimeSpan Duration(string key, TimeSpan fallback) => Read(key, fallback, static (c, k) => c.GetDuration(k));

        public TEnum Enum<TEnum>(string key, TEnum fallback) where TEnum : struct, Enum
        {
            var text = String(key, null);
            if (text is null) return fallback;
            var normalized = text.Replace("-", "", StringComparison.Ordinal);
            if (System.Enum.TryParse<TEnum>(normalized, ignoreCase: true, out var value) && System.Enum.IsDefined(value) && !normalized.All(char.IsAsciiDigit))
                return value;
            errors.Add($"{basePath}.{key} must be one of {string.Join(", ", System.Enum.GetNames<TEnum>().Select(n => n.ToLowerInvariant()))} (was '{text}'){At(key)}");
            return fallback;
        }

        public IReadOnlyDictionary<string, string> StringMap(string key)
        {
            var map = new Dictionary<string, string>(StringComparer.Ordinal);
            if (!config.TryGetValue(key, out var value)) return map;
            if (value is not HoconObject obj)
            {
                errors.Add($"{basePath}.{key} must be an object of names to values{At(key)}");
                return map;
            }

            foreach (var (name, field) in obj)
            {
                if (field is HoconScalar { Kind: not HoconValueKind.Null } scalar) map[name] = scalar.Text;
                else errors.Add($"{basePath}.{key}.{name} must be a string (at {field.Origin})");
            }

            return map;
        }

        /// <summary>Whether the key is present at all, null included.</summary>
        private bool Exists(string key)
        {
            var dot = key.LastIndexOf('.');
            var parent = dot < 0 ? config.Root : config.TryGetValue(key[..dot], out var p) ? p as HoconObject : null;
            return parent is not null && parent.ContainsKey(dot < 0 ? key : key[(dot + 1)..]);
        }

        private T Read<T>(string key, T fallback, Func<HoconConfig, string, T> get)
        {
            try
            {
                return config.HasPath(key) ? get(config, key) : fallback;
            }
            catch (HoconException e)
            {
                errors.Add(e.Origin is { } origin ? $"{basePath}.{key}: {e.Message} (at {origin})" : $"{basePath}.{key}: {e.Message}");
                return fallback;
            }
        }

        private string At(string key) => config.TryGetValue(key, out var value) ? $" (at {value.Origin})" : "";
    }
}
