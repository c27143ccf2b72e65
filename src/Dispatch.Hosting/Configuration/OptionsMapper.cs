using Dispatch.Cluster;
using Dispatch.Cluster.Proxy;
using Dispatch.Core.Configuration;
using Dispatch.Core.Options;
using Dispatch.Hocon;
using Dispatch.Hocon.Model;
using Dispatch.Hosting.Gateway;

namespace Dispatch.Hosting.Configuration;

/// <summary>
/// Maps a node's resolved configuration onto <see cref="DispatchSettings"/>: the endpoints through
/// Core's <see cref="DispatchConfig.MapEndpoints"/> (the one place HOCON maps onto the pipeline's
/// options), and the node's own sections here (<c>dispatch.logging</c>, <c>dispatch.ingress</c>, <c>dispatch.gateway</c>,
/// <c>dispatch.shutdown</c>, <c>dispatch.cluster</c>). Every error names the full setting path and the file, line and column
/// it was written at, and all of them are reported at once.
/// </summary>
public static class OptionsMapper
{
    /// <summary>Cluster mode's section: <c>quota</c> maps onto <see cref="ClusterQuotaOptions"/>, <c>proxy</c> onto <see cref="DispatchProxyOptions"/>.</summary>
    private const string ClusterPath = "dispatch.cluster";

    /// <summary>The section handed to the actor system.</summary>
    private const string AkkaPath = "akka";

    /// <summary>Maps a resolved configuration (reference.conf included) onto <see cref="DispatchSettings"/> and validates it.</summary>
    /// <param name="config">The configuration with reference.conf as its last fallback.</param>
    /// <exception cref="DispatchOptionsException">A setting has the wrong type, is unknown, or is invalid; the message names each.</exception>
    /// <exception cref="HoconException">A substitution cannot be resolved.</exception>
    public static DispatchSettings Map(HoconConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Resolve();
        var errors = new List<string>();
        var settings = new DispatchSettings
        {
            Dispatch = DispatchConfig.MapEndpoints(config, errors),
            Logging = MapLogging(Reader(config, LoggingOptions.Path, errors)),
            Ingress = MapIngress(Reader(config, IngressOptions.Path, errors)),
            Gateway = MapGateway(config, errors),
            Shutdown = MapShutdown(Reader(config, ShutdownOptions.Path, errors)),
            ClusterQuota = MapClusterQuota(config, errors),
            ClusterProxy = MapClusterProxy(config, errors),
            Akka = config.TryGetValue(AkkaPath, out var akka) && akka is HoconObject ? config.GetConfig(AkkaPath) : HoconConfig.Empty,
        };

        // Type errors first: a value that failed to read was replaced by its default, so its range check would mislead.
        if (errors.Count == 0)
        {
            foreach (var error in settings.GetErrors()) errors.Add(DispatchConfig.WithOrigin(config, error));
        }

        if (errors.Count > 0) throw new DispatchOptionsException(errors);
        return settings;
    }

    private static LoggingOptions MapLogging(HoconSettingsReader r)
    {
        var fallback = new LoggingOptions();
        return new LoggingOptions { Level = r.Enum("level", fallback.Level), File = r.String("file", null) };
    }

    private static IngressOptions MapIngress(HoconSettingsReader r)
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

    /// <summary>Maps <c>dispatch.gateway</c>: two maps of names to endpoint names, and no other key (a typo otherwise goes unnoticed).</summary>
    private static GatewayOptions MapGateway(HoconConfig config, List<string> errors)
    {
        if (!config.TryGetValue(GatewayOptions.Path, out var section) || section.Kind == HoconValueKind.Null) return new GatewayOptions();
        if (section is not HoconObject gateway)
        {
            errors.Add($"{GatewayOptions.Path} must be an object with routes and models (at {section.Origin})");
            return new GatewayOptions();
        }

        var reference = ReferenceConfig.Load().Resolve();
        if (reference.TryGetValue(GatewayOptions.Path, out var defaults) && defaults is HoconObject known)
            DispatchConfig.CheckKnownKeys(gateway, known, GatewayOptions.Path, "the gateway", GatewayOptions.Path, errors);
        var r = Reader(config, GatewayOptions.Path, errors);
        return new GatewayOptions { Routes = r.StringMap("routes"), Models = r.StringMap("models") };
    }

    private static ShutdownOptions MapShutdown(HoconSettingsReader r) =>
        new() { DrainTimeout = r.Duration("drain-timeout", new ShutdownOptions().DrainTimeout) };

    /// <summary>
    /// Maps <c>dispatch.cluster.quota</c> onto <see cref="ClusterQuotaOptions"/>, reporting every key reference.conf does
    /// not have under <c>dispatch.cluster</c> (a typo, or a setting of another version) and a section that is not an object.
    /// </summary>
    private static ClusterQuotaOptions MapClusterQuota(HoconConfig config, List<string> errors)
    {
        var fallback = new ClusterQuotaOptions();
        if (!config.TryGetValue(ClusterPath, out var section) || section.Kind == HoconValueKind.Null) return fallback;
        if (section is not HoconObject cluster)
        {
            errors.Add($"{ClusterPath} must be an object (at {section.Origin})");
            return fallback;
        }

        var reference = ReferenceConfig.Load().Resolve();
        var known = reference.TryGetValue(ClusterPath, out var defaults) && defaults is HoconObject knownCluster ? knownCluster : null;
        if (known is not null) DispatchConfig.CheckKnownKeys(cluster, known, ClusterPath, "cluster mode", ClusterPath, errors);
        if (cluster.TryGetValue("quota", out var quota) && quota is not HoconObject && quota.Kind != HoconValueKind.Null)
        {
            errors.Add($"{ClusterQuotaOptions.Path} must be an object (at {quota.Origin})");
            return fallback;
        }

        var r = Reader(config, ClusterQuotaOptions.Path, errors);
        return new ClusterQuotaOptions
        {
            Role = r.String("role", fallback.Role) ?? "",
            LeaseSpan = r.NullableDuration("lease-span", fallback.LeaseSpan),
            MinLeaseRequests = r.Int("min-lease-requests", fallback.MinLeaseRequests),
            MaxLeaseRequests = r.NullableInt("max-lease-requests", fallback.MaxLeaseRequests),
            RequestTimeout = r.Duration("request-timeout", fallback.RequestTimeout),
        };
    }

    /// <summary>
    /// Maps <c>dispatch.cluster.proxy</c> (read on a cluster node without the quota's role, whose calls go through a
    /// <see cref="DispatchProxy"/>) onto <see cref="DispatchProxyOptions"/>; the role is the quota's, the path where
    /// the nodes run their <c>DispatchActor</c> is the host's. Unknown keys are reported by <see cref="MapClusterQuota"/>.
    /// </summary>
    private static DispatchProxyOptions MapClusterProxy(HoconConfig config, List<string> errors)
    {
        var fallback = new DispatchProxyOptions();
        if (config.TryGetValue(DispatchProxyOptions.Path, out var proxy) && proxy is not HoconObject && proxy.Kind != HoconValueKind.Null)
        {
            errors.Add($"{DispatchProxyOptions.Path} must be an object (at {proxy.Origin})");
            return fallback;
        }

        var r = Reader(config, DispatchProxyOptions.Path, errors);
        return fallback with
        {
            MaxWaitingCalls = r.Int("max-waiting-calls", fallback.MaxWaitingCalls),
            IdempotencyKeyHeader = r.NullableString("idempotency-key-header", fallback.IdempotencyKeyHeader),
            IdentifyInterval = r.Duration("identify-interval", fallback.IdentifyInterval),
            StatusTimeout = r.Duration("status-timeout", fallback.StatusTimeout),
        };
    }

    private static HoconSettingsReader Reader(HoconConfig config, string path, List<string> errors) =>
        new(config.TryGetValue(path, out var value) && value is HoconObject ? config.GetConfig(path) : HoconConfig.Empty, path, errors);
}
