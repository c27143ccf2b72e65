using System.Collections;
using Dispatch.Core.Configuration;
using Dispatch.Hocon;

namespace Dispatch.Hosting.Configuration;

/// <summary>
/// Builds a node's configuration from its layers, highest priority first: explicit overrides
/// (command-line flags), <c>DISPATCH__…</c> environment variables, the user's HOCON files (a later
/// file wins over an earlier one), and reference.conf (Dispatch.Core's, embedded). Dispatch.Hocon parses,
/// merges and resolves the layers; <see cref="OptionsMapper"/> maps the result.
/// </summary>
public sealed class DispatchConfigLoader
{
    private readonly List<Func<HoconConfig>> _userLayers = [];
    private readonly List<(IReadOnlyList<string> Path, string? Value, string Origin)> _overrides = [];

    /// <summary>The environment variables scanned for <c>DISPATCH__</c> overrides; the process's by default.</summary>
    public Func<IEnumerable<KeyValuePair<string, string?>>> EnvironmentVariables { get; set; } = ProcessEnvironment;

    /// <summary>Adds a HOCON file; it is read when <see cref="Load"/> runs.</summary>
    /// <param name="path">The file path; relative to the current directory.</param>
    public DispatchConfigLoader AddFile(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var full = Path.GetFullPath(path);
        _userLayers.Add(() => HoconConfig.Load(full));
        return this;
    }

    /// <summary>Adds HOCON text, e.g. an application's embedded defaults.</summary>
    /// <param name="text">The HOCON document.</param>
    /// <param name="originName">The name errors use for it.</param>
    public DispatchConfigLoader AddText(string text, string originName = "inline config")
    {
        ArgumentNullException.ThrowIfNull(text);
        _userLayers.Add(() => HoconConfig.Parse(text, originName));
        return this;
    }

    /// <summary>Overrides one setting above every file and environment variable.</summary>
    /// <param name="path">The setting's path, e.g. <c>dispatch.endpoints.default.rate-limit.requests</c>; quote a segment holding dots.</param>
    /// <param name="value">The value as text (<c>null</c> clears the setting).</param>
    /// <param name="originName">Where it came from, named in errors (e.g. <c>--limit-requests</c>).</param>
    public DispatchConfigLoader Override(string path, string? value, string? originName = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return Override(SplitPath(path), value, originName ?? $"override of {path}");
    }

    /// <summary>Overrides one setting given by its path segments (for keys that hold dots or quotes).</summary>
    /// <param name="path">The setting's path segments.</param>
    /// <param name="value">The value as text.</param>
    /// <param name="originName">Where it came from, named in errors.</param>
    public DispatchConfigLoader Override(IReadOnlyList<string> path, string? value, string originName)
    {
        _overrides.Add((path, value, originName));
        return this;
    }

    /// <summary>The merged configuration, resolved.</summary>
    /// <exception cref="HoconException">A file is malformed or missing, or a substitution cannot be resolved (the message names file and line).</exception>
    /// <exception cref="FileNotFoundException">A HOCON file does not exist.</exception>
    public HoconConfig LoadConfig()
    {
        var merged = ReferenceConfig.Load();
        foreach (var layer in _userLayers) merged = layer().WithFallback(merged);
        foreach (var variable in HoconOverrides.FromEnvironment(EnvironmentVariables(), merged)) merged = variable.WithFallback(merged);
        foreach (var (path, value, origin) in _overrides) merged = HoconOverrides.Setting(path, value, origin).WithFallback(merged);
        return merged.Resolve();
    }

    /// <summary>Loads, maps and validates the settings.</summary>
    /// <exception cref="HoconException">The HOCON is malformed (file and line named).</exception>
    /// <exception cref="Core.Options.DispatchOptionsException">A setting is invalid (its path named).</exception>
    public DispatchSettings Load() => OptionsMapper.Map(LoadConfig());

    private static IEnumerable<KeyValuePair<string, string?>> ProcessEnvironment()
    {
        foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
            yield return new KeyValuePair<string, string?>((string)entry.Key, entry.Value as string);
    }

    private static List<string> SplitPath(string path)
    {
        var segments = new List<string>();
        var current = new System.Text.StringBuilder();
        var quoted = false;
        foreach (var c in path)
        {
            if (c == '"') quoted = !quoted;
            else if (c == '.' && !quoted)
            {
                segments.Add(current.ToString());
                current.Clear();
            }
            else current.Append(c);
        }

        segments.Add(current.ToString());
        return segments;
    }
}
