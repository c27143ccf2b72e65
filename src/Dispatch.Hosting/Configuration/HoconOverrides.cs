using System.Text;
using System.Text.Json;
using Dispatch.Hocon;
using Dispatch.Hocon.Model;

namespace Dispatch.Hosting.Configuration;

/// <summary>
/// Turns single settings given outside HOCON files (environment variables, command-line flags)
/// into HOCON documents, so that they merge, resolve and report errors like any other layer.
/// </summary>
public static class HoconOverrides
{
    /// <summary>The prefix of environment variables that override settings, e.g. <c>DISPATCH__SHUTDOWN__DRAIN_TIMEOUT=10s</c>.</summary>
    public const string EnvironmentPrefix = "DISPATCH__";

    /// <summary>One setting as a HOCON document: <paramref name="value"/> is a string, or <c>null</c> when it is the text <c>null</c>.</summary>
    /// <param name="path">The setting's path segments, e.g. <c>["dispatch", "shutdown", "drain-timeout"]</c>.</param>
    /// <param name="value">The value as text.</param>
    /// <param name="originName">Where the setting came from, named in error messages.</param>
    public static HoconConfig Setting(IReadOnlyList<string> path, string? value, string originName)
    {
        var text = new StringBuilder();
        for (var i = 0; i < path.Count; i++)
        {
            if (i > 0) text.Append('.');
            text.Append(JsonSerializer.Serialize(path[i]));
        }

        text.Append(" = ").Append(value is null or "null" ? "null" : JsonSerializer.Serialize(value));
        return HoconConfig.Parse(text.ToString(), originName);
    }

    /// <summary>
    /// The settings of environment variables named <c>DISPATCH__A__B_C</c> (path <c>dispatch.a.b-c</c>),
    /// highest priority first. A segment matches an existing key of <paramref name="beneath"/> ignoring
    /// case, <c>-</c> and <c>_</c>, so <c>DISPATCH__ENDPOINTS__OPENAI_CHAT__RATE_LIMIT__REQUESTS</c>
    /// finds <c>dispatch.endpoints.openai-chat.rate-limit.requests</c>.
    /// </summary>
    /// <param name="variables">The environment variables by name.</param>
    /// <param name="beneath">The configuration the variables override; used to match key spellings.</param>
    public static IEnumerable<HoconConfig> FromEnvironment(IEnumerable<KeyValuePair<string, string?>> variables, HoconConfig beneath)
    {
        foreach (var (name, value) in variables.OrderBy(v => v.Key, StringComparer.Ordinal))
        {
            if (!name.StartsWith(EnvironmentPrefix, StringComparison.OrdinalIgnoreCase) || value is null) continue;
            var segments = name[EnvironmentPrefix.Length..].Split("__", StringSplitOptions.RemoveEmptyEntries);
            if (segments.Length == 0) continue;
            var path = new List<string> { "dispatch" };
            HoconObject? node = beneath.TryGetValue("dispatch", out var root) ? root as HoconObject : null;
            foreach (var segment in segments)
            {
                var key = node?.Keys.FirstOrDefault(k => Normalize(k) == Normalize(segment))
                    ?? segment.ToLowerInvariant().Replace('_', '-');
                path.Add(key);
                node = node is not null && node.TryGetValue(key, out var next) ? next as HoconObject : null;
            }

            yield return Setting(path, value, $"environment variable {name}");
        }
    }

    private static string Normalize(string key) => key.Replace("-", "", StringComparison.Ordinal).Replace("_", "", StringComparison.Ordinal).ToLowerInvariant();
}
