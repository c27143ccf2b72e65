using Dispatch.Hocon.Model;

namespace Dispatch.Hocon;

/// <summary>
/// Reads typed settings under one path of a configuration, turning each read error into a
/// message that names the full setting path and where it was written, collected in a list
/// rather than thrown, so every bad setting of a file is reported at once.
/// </summary>
/// <param name="config">The section to read.</param>
/// <param name="basePath">The section's full path, used in messages.</param>
/// <param name="errors">Where error messages are added.</param>
public sealed class HoconSettingsReader(HoconConfig config, string basePath, List<string> errors)
{
    /// <summary>A string, or <paramref name="fallback"/> when the key is missing.</summary>
    public string? String(string key, string? fallback) => Read(key, fallback, static (c, k) => c.GetString(k));

    /// <summary>A string; <see langword="null"/> when set to null, <paramref name="fallback"/> when missing.</summary>
    public string? NullableString(string key, string? fallback) => config.HasPath(key) || !Exists(key) ? String(key, fallback) : null;

    /// <summary>A 32-bit integer, or <paramref name="fallback"/> when the key is missing.</summary>
    public int Int(string key, int fallback) => Read(key, fallback, static (c, k) => c.GetInt(k));

    /// <summary>A 32-bit integer; <see langword="null"/> when set to null, <paramref name="fallback"/> when missing.</summary>
    public int? NullableInt(string key, int? fallback) => config.HasPath(key) || !Exists(key) ? Read(key, fallback, static (c, k) => (int?)c.GetInt(k)) : null;

    /// <summary>A 64-bit integer; <see langword="null"/> when set to null, <paramref name="fallback"/> when missing.</summary>
    public long? NullableLong(string key, long? fallback) => config.HasPath(key) || !Exists(key) ? Read(key, fallback, static (c, k) => (long?)c.GetLong(k)) : null;

    /// <summary>A duration; <see langword="null"/> when set to null, <paramref name="fallback"/> when missing.</summary>
    public TimeSpan? NullableDuration(string key, TimeSpan? fallback) => config.HasPath(key) || !Exists(key) ? Read(key, fallback, static (c, k) => (TimeSpan?)c.GetDuration(k)) : null;

    /// <summary>A size in bytes, or <paramref name="fallback"/> when the key is missing.</summary>
    public long Bytes(string key, long fallback) => Read(key, fallback, static (c, k) => c.GetBytes(k));

    /// <summary>A number, or <paramref name="fallback"/> when the key is missing.</summary>
    public double Double(string key, double fallback) => Read(key, fallback, static (c, k) => c.GetDouble(k));

    /// <summary>A boolean, or <paramref name="fallback"/> when the key is missing.</summary>
    public bool Boolean(string key, bool fallback) => Read(key, fallback, static (c, k) => c.GetBoolean(k));

    /// <summary>A duration, or <paramref name="fallback"/> when the key is missing.</summary>
    public TimeSpan Duration(string key, TimeSpan fallback) => Read(key, fallback, static (c, k) => c.GetDuration(k));

    /// <summary>An enum member written in kebab case (<c>half-open</c>) or any case, or <paramref name="fallback"/> when missing.</summary>
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

    /// <summary>An object of names to string values (e.g. headers); empty when the key is missing.</summary>
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
