using Microsoft.Extensions.Configuration;

namespace Dispatch.Hocon.Configuration;

/// <summary>
/// A <see cref="IConfigurationSource"/> that reads HOCON, either from a file or from a
/// <see cref="HoconConfig"/> already built (with its fallbacks merged).
/// </summary>
public sealed class HoconConfigurationSource : IConfigurationSource
{
    /// <summary>The HOCON file to read; used when <see cref="Config"/> is null.</summary>
    public string? Path { get; set; }

    /// <summary>Whether a missing <see cref="Path"/> yields no settings instead of an error.</summary>
    public bool Optional { get; set; }

    /// <summary>A configuration to expose; takes precedence over <see cref="Path"/>.</summary>
    public HoconConfig? Config { get; set; }

    /// <summary>
    /// Whether strings that are a number with a duration unit (<c>30s</c>, <c>500ms</c>) are exposed in
    /// <see cref="TimeSpan"/> format (<c>00:00:30</c>) and those with a size unit (<c>64KiB</c>) as a byte
    /// count, so that the configuration binder can bind them to <see cref="TimeSpan"/> and
    /// <see cref="long"/> properties. On by default; <c>10m</c> counts as ten minutes.
    /// </summary>
    public bool ConvertUnits { get; set; } = true;

    /// <inheritdoc/>
    public IConfigurationProvider Build(IConfigurationBuilder builder) => new HoconConfigurationProvider(this);
}
