using Microsoft.Extensions.Configuration;

namespace Dispatch.Hocon.Configuration;

/// <summary>Adds HOCON sources to an <see cref="IConfigurationBuilder"/>.</summary>
public static class HoconConfigurationExtensions
{
    /// <summary>Adds a HOCON file (with its includes).</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="path">The file path; relative paths are relative to the current directory.</param>
    /// <param name="optional">Whether a missing file is ignored.</param>
    /// <returns>The builder.</returns>
    public static IConfigurationBuilder AddHoconFile(this IConfigurationBuilder builder, string path, bool optional = false)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(path);
        return builder.Add(new HoconConfigurationSource { Path = Path.GetFullPath(path), Optional = optional });
    }

    /// <summary>Adds a configuration already parsed (and merged with its fallbacks).</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="config">The configuration; it is resolved when the builder builds.</param>
    /// <returns>The builder.</returns>
    public static IConfigurationBuilder AddHocon(this IConfigurationBuilder builder, HoconConfig config)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(config);
        return builder.Add(new HoconConfigurationSource { Config = config });
    }
}
