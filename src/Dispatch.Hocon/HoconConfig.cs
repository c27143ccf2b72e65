using Dispatch.Hocon.Model;
using Dispatch.Hocon.Parsing;
using Dispatch.Hocon.Rendering;
using Dispatch.Hocon.Resolution;

namespace Dispatch.Hocon;

/// <summary>
/// A HOCON configuration: parsed documents merged with their fallbacks, resolved on first use.
/// Instances are immutable and safe to share between threads.
/// </summary>
/// <remarks>
/// Substitutions are resolved against the whole merged tree (this configuration and every fallback) the
/// first time a value is read, so <c>Parse(app).WithFallback(Parse(reference))</c> lets either document
/// refer to the other. Resolution errors (<see cref="HoconResolveException"/>) surface then, or from
/// <see cref="Resolve"/>.
/// </remarks>
public sealed partial class HoconConfig
{
    private readonly HoconObject _unresolved;
    private readonly Func<string, string?> _environment;
    private readonly Lazy<HoconObject> _resolved;

    private HoconConfig(HoconObject unresolved, Func<string, string?> environment, bool alreadyResolved = false)
    {
        _unresolved = unresolved;
        _environment = environment;
        _resolved = alreadyResolved
            ? new Lazy<HoconObject>(unresolved)
            : new Lazy<HoconObject>(() => Resolver.Resolve(unresolved, environment), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>An empty configuration.</summary>
    public static HoconConfig Empty { get; } = new(new HoconObject(new HoconOrigin("empty config", 1, 1)), Environment.GetEnvironmentVariable, alreadyResolved: true);

    /// <summary>The resolved root object.</summary>
    /// <exception cref="HoconResolveException">A substitution cannot be resolved.</exception>
    public HoconObject Root => _resolved.Value;

    /// <summary>The top-level keys, in definition order.</summary>
    public IEnumerable<string> Keys => Root.Keys;

    /// <summary>Whether the configuration has no settings.</summary>
    public bool IsEmpty => Root.Count == 0;

    /// <summary>Parses a HOCON (or JSON) document.</summary>
    /// <param name="text">The document.</param>
    /// <param name="originName">The name errors and origins use for the document (a file name, say); relative includes are looked up in the current directory.</param>
    /// <returns>The configuration, resolved on first use.</returns>
    /// <exception cref="HoconParseException">The text is not valid HOCON, or a required include is missing.</exception>
    public static HoconConfig Parse(string text, string? originName = null) =>
        Parse(text, originName, Environment.GetEnvironmentVariable);

    /// <summary>Parses a HOCON document with a custom environment for substitution fallbacks.</summary>
    internal static HoconConfig Parse(string text, string? originName, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(text);
        return new HoconConfig(Parser.ParseText(text, originName ?? "string", Environment.CurrentDirectory), environment);
    }

    /// <summary>Reads and parses a HOCON file; its includes are looked up relative to it.</summary>
    /// <param name="path">The file path.</param>
    /// <returns>The configuration, resolved on first use.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="HoconParseException">The file is not valid HOCON, or a required include is missing.</exception>
    public static HoconConfig Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return new HoconConfig(Parser.ParseFile(path), Environment.GetEnvironmentVariable);
    }

    /// <summary>Resolves every substitution now, so that errors surface at a chosen moment.</summary>
    /// <returns>This configuration.</returns>
    /// <exception cref="HoconResolveException">A substitution is unknown, part of a cycle, or joins incompatible values.</exception>
    public HoconConfig Resolve()
    {
        _ = _resolved.Value;
        return this;
    }

    /// <summary>
    /// This configuration with <paramref name="fallback"/> beneath it: objects merge, this side wins on
    /// conflicts, and substitutions in either resolve against the merged result.
    /// </summary>
    /// <param name="fallback">The configuration that supplies what this one does not set (for example reference.conf).</param>
    /// <returns>A new configuration; neither input changes.</returns>
    public HoconConfig WithFallback(HoconConfig fallback)
    {
        ArgumentNullException.ThrowIfNull(fallback);
        var top = FallbackFiller.Fill(_unresolved, fallback._unresolved);
        var merged = (HoconObject)Merger.Merge(top, fallback._unresolved);
        return new HoconConfig(merged, _environment);
    }

    /// <summary>The resolved configuration as JSON.</summary>
    /// <param name="indented">Whether to indent the output.</param>
    /// <returns>A JSON object.</returns>
    public string ToJson(bool indented = false) => JsonRenderer.Render(Root, indented);

    /// <summary>The resolved configuration as indented JSON.</summary>
    /// <returns>A JSON object.</returns>
    public override string ToString() => ToJson(indented: true);
}
