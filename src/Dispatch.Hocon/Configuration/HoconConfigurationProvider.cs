using System.Globalization;
using Dispatch.Hocon.Model;
using Microsoft.Extensions.Configuration;

namespace Dispatch.Hocon.Configuration;

/// <summary>
/// Exposes a HOCON tree as <c>Microsoft.Extensions.Configuration</c> keys: path segments joined with
/// <c>:</c>, array elements under their index (<c>a:0</c>, <c>a:1</c>), <c>null</c> as a null value.
/// </summary>
public sealed class HoconConfigurationProvider : ConfigurationProvider
{
    private readonly HoconConfigurationSource _source;

    /// <summary>Creates the provider for a source.</summary>
    /// <param name="source">What to read.</param>
    public HoconConfigurationProvider(HoconConfigurationSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        _source = source;
    }

    /// <summary>Reads (or re-reads) the HOCON and replaces the keys.</summary>
    /// <exception cref="FileNotFoundException">The file is missing and the source is not optional.</exception>
    /// <exception cref="HoconException">The HOCON is invalid or cannot be resolved.</exception>
    public override void Load()
    {
        var config = _source.Config;
        if (config is null)
        {
            var path = _source.Path ?? throw new InvalidOperationException("HoconConfigurationSource needs a Path or a Config.");
            if (!File.Exists(path))
            {
                if (_source.Optional)
                {
                    Data = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
                    return;
                }

                throw new FileNotFoundException($"The HOCON configuration file '{path}' was not found.", path);
            }

            config = HoconConfig.Load(path);
        }

        var data = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in config.Root)
        {
            Flatten(data, key, value);
        }

        Data = data;
    }

    private void Flatten(Dictionary<string, string?> data, string key, HoconValue value)
    {
        switch (value)
        {
            case HoconObject obj:
                foreach (var (child, field) in obj)
                {
                    Flatten(data, key + ConfigurationPath.KeyDelimiter + child, field);
                }

                break;
            case HoconArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    Flatten(data, key + ConfigurationPath.KeyDelimiter + i.ToString(CultureInfo.InvariantCulture), array[i]);
                }

                break;
            case HoconScalar { Kind: HoconValueKind.Null }:
                data[key] = null;
                break;
            case HoconScalar { Kind: HoconValueKind.String } text when _source.ConvertUnits:
                data[key] = ConvertUnits(text.Text);
                break;
            case HoconScalar scalar:
                data[key] = scalar.Text;
                break;
        }
    }

    private static string ConvertUnits(string text)
    {
        if (HoconUnits.HasDurationUnit(text) && HoconUnits.TryParseDuration(text, out var duration))
        {
            return duration.ToString("c", CultureInfo.InvariantCulture);
        }

        if (HoconUnits.HasSizeUnit(text) && HoconUnits.TryParseBytes(text, out var bytes))
        {
            return bytes.ToString(CultureInfo.InvariantCulture);
        }

        return text;
    }
}
