using Dispatch.Hocon;

namespace Dispatch.Core.Configuration;

/// <summary>hocon/reference.conf, embedded in Dispatch.Core: every setting of the <c>dispatch</c> section with its default.</summary>
public static class ReferenceConfig
{
    /// <summary>The name reference.conf is embedded under.</summary>
    public const string ResourceName = "Dispatch.reference.conf";

    /// <summary>The text of reference.conf.</summary>
    public static string Text
    {
        get
        {
            using var stream = typeof(ReferenceConfig).Assembly.GetManifestResourceStream(ResourceName)
                ?? throw new InvalidOperationException($"The embedded resource {ResourceName} is missing from {typeof(ReferenceConfig).Assembly.GetName().Name}.");
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd();
        }
    }

    /// <summary>reference.conf parsed (a new instance each time; configurations are immutable).</summary>
    public static HoconConfig Load() => HoconConfig.Parse(Text, "reference.conf");
}
