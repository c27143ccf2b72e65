using Dispatch.Core.Configuration;
using Dispatch.Hocon;

namespace Dispatch.Core.Options;

/// <summary>All of Dispatch's settings (configuration path <c>dispatch</c>).</summary>
public sealed record DispatchOptions
{
    /// <summary>The configuration path of this section.</summary>
    public const string Path = "dispatch";

    /// <summary>The endpoints by name (<c>endpoints</c>). Default none. Each key must equal its endpoint's <see cref="EndpointOptions.Name"/>.</summary>
    public IReadOnlyDictionary<string, EndpointOptions> Endpoints { get; init; } = new Dictionary<string, EndpointOptions>();

    /// <summary>
    /// Reads the <c>dispatch</c> section of an Akka configuration (e.g. an existing actor system's
    /// <c>Settings.Config</c>) over Dispatch's reference.conf, as Akka plugins read theirs.
    /// </summary>
    /// <param name="config">An Akka configuration; its <c>dispatch</c> section may be absent (no endpoints).</param>
    /// <exception cref="DispatchOptionsException">A setting has the wrong type, is unknown, or is invalid; the message names each.</exception>
    public static DispatchOptions FromConfig(Akka.Configuration.Config config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return FromConfig(AkkaConfigConversion.Section(config, Path));
    }

    /// <summary>Reads the <c>dispatch</c> section of a HOCON configuration over Dispatch's reference.conf.</summary>
    /// <param name="config">The configuration; reference.conf is added as its last fallback.</param>
    /// <exception cref="DispatchOptionsException">A setting has the wrong type, is unknown, or is invalid; the message names each and where it was written.</exception>
    /// <exception cref="HoconException">A substitution cannot be resolved.</exception>
    public static DispatchOptions FromConfig(HoconConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return DispatchConfig.Map(config.WithFallback(ReferenceConfig.Load()).Resolve());
    }

    /// <summary>Every invalid setting in the tree, each naming its full configuration path.</summary>
    public IReadOnlyList<string> GetErrors() => OptionsErrors.Collect(Path, Check);

    /// <summary>Throws <see cref="DispatchOptionsException"/> naming every invalid setting in the tree.</summary>
    public void Validate() => OptionsErrors.Validate(Path, Check);

    /// <summary>The endpoint with this name, or <see langword="null"/>.</summary>
    /// <param name="name">The endpoint's name.</param>
    public EndpointOptions? Find(string name) => Endpoints.GetValueOrDefault(name);

    internal void Check(OptionsErrors errors, string path)
    {
        foreach (var (key, endpoint) in Endpoints)
        {
            var endpointPath = $"{path}.endpoints.{key}";
            if (endpoint is null)
            {
                errors.Add(endpointPath, "must not be null");
                continue;
            }

            if (!string.Equals(key, endpoint.Name, StringComparison.Ordinal))
                errors.Add(endpointPath, $"must be named after its key (was named '{endpoint.Name}')");
            endpoint.Check(errors, endpointPath);
        }
    }
}
