using System.Collections.Frozen;
using System.Globalization;

namespace Dispatch.Hocon;

/// <summary>
/// Reads durations (<c>500ms</c>, <c>10 seconds</c>, <c>2h</c>) and sizes (<c>64KiB</c>, <c>10MB</c>) as the
/// HOCON spec defines them. Sizes follow the spec: <c>kB</c>/<c>KB</c>/<c>MB</c>/… are powers of 1000,
/// <c>K</c>/<c>Ki</c>/<c>KiB</c>/<c>M</c>/<c>MiB</c>/… powers of 1024.
/// </summary>
public static class HoconUnits
{
    private const decimal TicksPerNanosecond = 0.01m;

    private static readonly FrozenDictionary<string, decimal> DurationUnits = BuildDurationUnits().ToFrozenDictionary(StringComparer.Ordinal);
    private static readonly FrozenDictionary<string, decimal> SizeUnits = BuildSizeUnits().ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>Parses a duration; a number without a unit is milliseconds.</summary>
    /// <param name="text">For example <c>500ms</c>, <c>1.5 s</c>, <c>2 hours</c>, <c>1d</c>.</param>
    /// <param name="value">The duration, rounded to whole ticks.</param>
    /// <returns>Whether <paramref name="text"/> is a duration that fits a <see cref="TimeSpan"/>.</returns>
    public static bool TryParseDuration(string text, out TimeSpan value)
    {
        value = default;
        if (!TrySplit(text, out var number, out var unit))
        {
            return false;
        }

        if (!DurationUnits.TryGetValue(unit.Length == 0 ? "ms" : unit, out var ticksPerUnit))
        {
            return false;
        }

        try
        {
            var ticks = decimal.Round(number * ticksPerUnit);
            if (ticks > TimeSpan.MaxValue.Ticks || ticks < TimeSpan.MinValue.Ticks)
            {
                return false;
            }

            value = TimeSpan.FromTicks((long)ticks);
            return true;
        }
        catch (OverflowException)
        {
            return false;
        }
    }

    /// <summary>Parses a size in bytes; a number without a unit is bytes.</summary>
    /// <param name="text">For example <c>512</c>, <c>64KiB</c>, <c>10MB</c>, <c>1.5 gibibytes</c>.</param>
    /// <param name="bytes">The size, truncated to whole bytes.</param>
    /// <returns>Whether <paramref name="text"/> is a size that fits a <see cref="long"/>.</returns>
    public static bool TryParseBytes(string text, out long bytes)
    {
        bytes = 0;
        if (!TrySplit(text, out var number, out var unit))
        {
            return false;
        }

        if (!SizeUnits.TryGetValue(unit.Length == 0 ? "B" : unit, out var multiplier))
        {
            return false;
        }

        try
        {
            var result = decimal.Truncate(number * multiplier);
            if (result > long.MaxValue || result < long.MinValue)
            {
                return false;
            }

            bytes = (long)result;
            return true;
        }
        catch (OverflowException)
        {
            return false;
        }
    }

    /// <summary>Whether the text is a number followed by a duration unit (a bare number does not count).</summary>
    internal static bool HasDurationUnit(string text) =>
        TrySplit(text, out _, out var unit) && unit.Length > 0 && DurationUnits.ContainsKey(unit);

    /// <summary>Whether the text is a number followed by a size unit (a bare number does not count).</summary>
    internal static bool HasSizeUnit(string text) =>
        TrySplit(text, out _, out var unit) && unit.Length > 0 && SizeUnits.ContainsKey(unit);

    private static bool TrySplit(string text, out decimal number, out string unit)
    {
        number = 0;
        unit = string.Empty;
        var s = text.AsSpan().Trim();
        var i = 0;
        if (i < s.Length && (s[i] == '-' || s[i] == '+'))
        {
            i++;
        }

        while (i < s.Length && (char.IsAsciiDigit(s[i]) || s[i] == '.'))
        {
            i++;
        }

        // An exponent only when digits follow, so that "1e" stays a (bad) unit rather than a number.
        if (i + 1 < s.Length && (s[i] == 'e' || s[i] == 'E')
            && (char.IsAsciiDigit(s[i + 1]) || (i + 2 < s.Length && (s[i + 1] == '-' || s[i + 1] == '+') && char.IsAsciiDigit(s[i + 2]))))
        {
            i += 2;
            while (i < s.Length && char.IsAsciiDigit(s[i]))
            {
                i++;
            }
        }

        if (!decimal.TryParse(s[..i], NumberStyles.Float, CultureInfo.InvariantCulture, out number))
        {
            return false;
        }

        unit = s[i..].Trim().ToString();
        return true;
    }

    private static Dictionary<string, decimal> BuildDurationUnits()
    {
        var units = new Dictionary<string, decimal>(StringComparer.Ordinal);
        void Add(decimal ticks, params string[] names)
        {
            foreach (var name in names)
            {
                units[name] = ticks;
            }
        }

        Add(TicksPerNanosecond, "ns", "nano", "nanos", "nanosecond", "nanoseconds");
        Add(TimeSpan.TicksPerMicrosecond, "us", "micro", "micros", "microsecond", "microseconds");
        Add(TimeSpan.TicksPerMillisecond, "ms", "milli", "millis", "millisecond", "milliseconds");
        Add(TimeSpan.TicksPerSecond, "s", "second", "seconds");
        Add(TimeSpan.TicksPerMinute, "m", "minute", "minutes");
        Add(TimeSpan.TicksPerHour, "h", "hour", "hours");
        Add(TimeSpan.TicksPerDay, "d", "day", "days");
        return units;
    }

    private static Dictionary<string, decimal> BuildSizeUnits()
    {
        var units = new Dictionary<string, decimal>(StringComparer.Ordinal)
        {
            ["B"] = 1, ["b"] = 1, ["byte"] = 1, ["bytes"] = 1,
        };
        string[] decimalNames = ["kilo", "mega", "giga", "tera", "peta", "exa"];
        string[] binaryNames = ["kibi", "mebi", "gibi", "tebi", "pebi", "exbi"];
        const string letters = "KMGTPE";
        decimal power1000 = 1, power1024 = 1;
        for (var i = 0; i < letters.Length; i++)
        {
            power1000 *= 1000;
            power1024 *= 1024;
            var upper = letters[i].ToString();
            var lower = upper.ToLowerInvariant();
            foreach (var name in new[] { upper + "B", lower + "B", decimalNames[i] + "byte", decimalNames[i] + "bytes" })
            {
                units[name] = power1000;
            }

            foreach (var name in new[] { upper, lower, upper + "i", upper + "iB", binaryNames[i] + "byte", binaryNames[i] + "bytes" })
            {
                units[name] = power1024;
            }
        }

        return units;
    }
}
