using Dispatch.Core.Configuration;
using Dispatch.Core.Options;
using Dispatch.Hocon;
using Dispatch.Hocon.Model;

namespace Dispatch.Hosting.Configuration;

/// <summary>
/// Maps a node's resolved configuration onto <see cref="DispatchSettings"/>: the endpoints through
/// Core's <see cref="DispatchConfig.MapEndpoints"/> (the one place HOCON maps onto the pipeline's
/// options), and the node's own sections here (<c>dispatch.logging</c>, <c>dispatch.ingress</c>,
/// <c>dispatch.shutdown</c>). Every error names the full setting path and the file, line and column
/// it was written at, and all of them are reported at once.
/// </summary>
public static class OptionsMapper
{
    /// <summary>The section cluster mode was configured in; cluster mode is being rebuilt on Akka.Cluster.</summary>
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
            Shutdown = MapShutdown(Reader(config, ShutdownOptions.Path, errors)),
            Akka = config.TryGetValue(AkkaPath, out var akka) && akka is HoconObject ? config.GetConfig(AkkaPath) : HoconConfig.Empty,
        };
        RefuseCluster(config, errors);

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

    private static ShutdownOptions MapShutdown(HoconSettingsReader r) =>
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

    private static HoconSettingsReader Reader(HoconConfig config, string path, List<string> errors) =>
        new(config.TryGetValue(path, out var value) && value is HoconObject ? config.GetConfig(path) : HoconConfig.Empty, path, errors);
}
