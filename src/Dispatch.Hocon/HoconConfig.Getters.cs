using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Dispatch.Hocon.Model;
using Dispatch.Hocon.Parsing;

namespace Dispatch.Hocon;

/// <summary>Typed reads. Every getter takes a path expression such as <c>dispatch.retry.max-attempts</c>.</summary>
public sealed partial class HoconConfig
{
    private delegate bool TryConvert<T>(HoconScalar scalar, out T result);

    /// <summary>Whether the path has a value other than <c>null</c>.</summary>
    /// <param name="path">The path expression.</param>
    /// <returns><see langword="true"/> when a getter would find a value.</returns>
    public bool HasPath(string path) => TryGetValue(path, out _);

    /// <summary>The value at a path, when it exists and is not <c>null</c>.</summary>
    /// <param name="path">The path expression.</param>
    /// <param name="value">The resolved value.</param>
    /// <returns>Whether there is a value.</returns>
    /// <exception cref="HoconWrongTypeException">A parent of the path is not an object.</exception>
    public bool TryGetValue(string path, [NotNullWhen(true)] out HoconValue? value)
    {
        value = Find(path, out _, out _);
        if (value is { Kind: HoconValueKind.Null })
        {
            value = null;
        }

        return value is not null;
    }

    /// <summary>The value at a path.</summary>
    /// <param name="path">The path expression.</param>
    /// <returns>The resolved value.</returns>
    /// <exception cref="HoconMissingPathException">There is no value, or it is <c>null</c>.</exception>
    /// <exception cref="HoconWrongTypeException">A parent of the path is not an object.</exception>
    public HoconValue GetValue(string path)
    {
        var value = Find(path, out var nearest, out var nearestPath);
        if (value is null)
        {
            var where = nearestPath.Length == 0
                ? $"in {nearest.Origin.Source}"
                : $"nearest defined parent is '{nearestPath}' at {nearest.Origin.ToShortString()}";
            throw new HoconMissingPathException(path, $"No configuration setting found for key '{path}' ({where})", nearest.Origin);
        }

        if (value.Kind == HoconValueKind.Null)
        {
            throw new HoconMissingPathException(path, $"{value.Origin.ToShortString()}: configuration key '{path}' is set to null", value.Origin);
        }

        return value;
    }

    /// <summary>A string; numbers and booleans are returned as written.</summary>
    /// <param name="path">The path expression.</param>
    /// <returns>The value as text.</returns>
    /// <exception cref="HoconMissingPathException">The path has no value.</exception>
    /// <exception cref="HoconWrongTypeException">The value is an object or an array.</exception>
    public string GetString(string path) => Get<string>(path, "string", TryString);

    /// <summary>A string, or <paramref name="defaultValue"/> when the path has no value.</summary>
    /// <param name="path">The path expression.</param>
    /// <param name="defaultValue">Returned when the path is missing or null.</param>
    /// <returns>The value as text.</returns>
    /// <exception cref="HoconWrongTypeException">The value is an object or an array.</exception>
    public string GetString(string path, string defaultValue) => GetOrDefault(path, defaultValue, "string", TryString);

    /// <summary>A 32-bit integer (a number, or a string holding one).</summary>
    /// <param name="path">The path expression.</param>
    /// <returns>The integer.</returns>
    /// <exception cref="HoconMissingPathException">The path has no value.</exception>
    /// <exception cref="HoconWrongTypeException">The value is not a whole number in range.</exception>
    public int GetInt(string path) => Get<int>(path, "int (32-bit whole number)", TryInt);

    /// <summary>A 32-bit integer, or <paramref name="defaultValue"/> when the path has no value.</summary>
    /// <param name="path">The path expression.</param>
    /// <param name="defaultValue">Returned when the path is missing or null.</param>
    /// <returns>The integer.</returns>
    /// <exception cref="HoconWrongTypeException">The value is not a whole number in range.</exception>
    public int GetInt(string path, int defaultValue) => GetOrDefault(path, defaultValue, "int (32-bit whole number)", TryInt);

    /// <summary>A 64-bit integer (a number, or a string holding one).</summary>
    /// <param name="path">The path expression.</param>
    /// <returns>The integer.</returns>
    /// <exception cref="HoconMissingPathException">The path has no value.</exception>
    /// <exception cref="HoconWrongTypeException">The value is not a whole number in range.</exception>
    public long GetLong(string path) => Get<long>(path, "long (64-bit whole number)", TryLong);

    /// <summary>A 64-bit integer, or <paramref name="defaultValue"/> when the path has no value.</summary>
    /// <param name="path">The path expression.</param>
    /// <param name="defaultValue">Returned when the path is missing or null.</param>
    /// <returns>The integer.</returns>
    /// <exception cref="HoconWrongTypeException">The value is not a whole number in range.</exception>
    public long GetLong(string path, long defaultValue) => GetOrDefault(path, defaultValue, "long (64-bit whole number)", TryLong);

    /// <summary>A floating-point number (a number, or a string holding one).</summary>
    /// <param name="path">The path expression.</param>
    /// <returns>The number.</returns>
    /// <exception cref="HoconMissingPathException">The path has no value.</exception>
    /// <exception cref="HoconWrongTypeException">The value is not a number.</exception>
    public double GetDouble(string path) => Get<double>(path, "number", TryDouble);

    /// <summary>A floating-point number, or <paramref name="defaultValue"/> when the path has no value.</summary>
    /// <param name="path">The path expression.</param>
    /// <param name="defaultValue">Returned when the path is missing or null.</param>
    /// <returns>The number.</returns>
    /// <exception cref="HoconWrongTypeException">The value is not a number.</exception>
    public double GetDouble(string path, double defaultValue) => GetOrDefault(path, defaultValue, "number", TryDouble);

    /// <summary>A boolean: <c>true</c>/<c>yes</c>/<c>on</c> or <c>false</c>/<c>no</c>/<c>off</c>.</summary>
    /// <param name="path">The path expression.</param>
    /// <returns>The boolean.</returns>
    /// <exception cref="HoconMissingPathException">The path has no value.</exception>
    /// <exception cref="HoconWrongTypeException">The value is not one of those words.</exception>
    public bool GetBoolean(string path) => Get<bool>(path, "boolean", TryBoolean);

    /// <summary>A boolean, or <paramref name="defaultValue"/> when the path has no value.</summary>
    /// <param name="path">The path expression.</param>
    /// <param name="defaultValue">Returned when the path is missing or null.</param>
    /// <returns>The boolean.</returns>
    /// <exception cref="HoconWrongTypeException">The value is not a boolean word.</exception>
    public bool GetBoolean(string path, bool defaultValue) => GetOrDefault(path, defaultValue, "boolean", TryBoolean);

    /// <summary>A duration such as <c>500ms</c>, <c>10s</c>, <c>2 hours</c>; a bare number is milliseconds.</summary>
    /// <param name="path">The path expression.</param>
    /// <returns>The duration.</returns>
    /// <exception cref="HoconMissingPathException">The path has no value.</exception>
    /// <exception cref="HoconWrongTypeException">The value is not a duration.</exception>
    public TimeSpan GetDuration(string path) => Get<TimeSpan>(path, "duration", TryDuration);

    /// <summary>A duration, or <paramref name="defaultValue"/> when the path has no value.</summary>
    /// <param name="path">The path expression.</param>
    /// <param name="defaultValue">Returned when the path is missing or null.</param>
    /// <returns>The duration.</returns>
    /// <exception cref="HoconWrongTypeException">The value is not a duration.</exception>
    public TimeSpan GetDuration(string path, TimeSpan defaultValue) => GetOrDefault(path, defaultValue, "duration", TryDuration);

    /// <summary>A size in bytes such as <c>64KiB</c> or <c>10MB</c>; a bare number is bytes.</summary>
    /// <param name="path">The path expression.</param>
    /// <returns>The number of bytes.</returns>
    /// <exception cref="HoconMissingPathException">The path has no value.</exception>
    /// <exception cref="HoconWrongTypeException">The value is not a size.</exception>
    public long GetBytes(string path) => Get<long>(path, "size in bytes", TryBytes);

    /// <summary>A size in bytes, or <paramref name="defaultValue"/> when the path has no value.</summary>
    /// <param name="path">The path expression.</param>
    /// <param name="defaultValue">Returned when the path is missing or null.</param>
    /// <returns>The number of bytes.</returns>
    /// <exception cref="HoconWrongTypeException">The value is not a size.</exception>
    public long GetBytes(string path, long defaultValue) => GetOrDefault(path, defaultValue, "size in bytes", TryBytes);

    /// <summary>An array of strings.</summary>
    /// <param name="path">The path expression.</param>
    /// <returns>The elements as text.</returns>
    /// <exception cref="HoconMissingPathException">The path has no value.</exception>
    /// <exception cref="HoconWrongTypeException">The value is not an array of scalars.</exception>
    public IReadOnlyList<string> GetStringList(string path) => GetList<string>(path, "string", TryString);

    /// <summary>An array of 32-bit integers.</summary>
    /// <param name="path">The path expression.</param>
    /// <returns>The elements.</returns>
    /// <exception cref="HoconMissingPathException">The path has no value.</exception>
    /// <exception cref="HoconWrongTypeException">The value is not an array of whole numbers.</exception>
    public IReadOnlyList<int> GetIntList(string path) => GetList<int>(path, "int (32-bit whole number)", TryInt);

    /// <summary>An array of 64-bit integers.</summary>
    /// <param name="path">The path expression.</param>
    /// <returns>The elements.</returns>
    /// <exception cref="HoconMissingPathException">The path has no value.</exception>
    /// <exception cref="HoconWrongTypeException">The value is not an array of whole numbers.</exception>
    public IReadOnlyList<long> GetLongList(string path) => GetList<long>(path, "long (64-bit whole number)", TryLong);

    /// <summary>An array of numbers.</summary>
    /// <param name="path">The path expression.</param>
    /// <returns>The elements.</returns>
    /// <exception cref="HoconMissingPathException">The path has no value.</exception>
    /// <exception cref="HoconWrongTypeException">The value is not an array of numbers.</exception>
    public IReadOnlyList<double> GetDoubleList(string path) => GetList<double>(path, "number", TryDouble);

    /// <summary>An array of booleans.</summary>
    /// <param name="path">The path expression.</param>
    /// <returns>The elements.</returns>
    /// <exception cref="HoconMissingPathException">The path has no value.</exception>
    /// <exception cref="HoconWrongTypeException">The value is not an array of booleans.</exception>
    public IReadOnlyList<bool> GetBooleanList(string path) => GetList<bool>(path, "boolean", TryBoolean);

    /// <summary>An array of durations.</summary>
    /// <param name="path">The path expression.</param>
    /// <returns>The elements.</returns>
    /// <exception cref="HoconMissingPathException">The path has no value.</exception>
    /// <exception cref="HoconWrongTypeException">The value is not an array of durations.</exception>
    public IReadOnlyList<TimeSpan> GetDurationList(string path) => GetList<TimeSpan>(path, "duration", TryDuration);

    /// <summary>An array of sizes in bytes.</summary>
    /// <param name="path">The path expression.</param>
    /// <returns>The elements.</returns>
    /// <exception cref="HoconMissingPathException">The path has no value.</exception>
    /// <exception cref="HoconWrongTypeException">The value is not an array of sizes.</exception>
    public IReadOnlyList<long> GetBytesList(string path) => GetList<long>(path, "size in bytes", TryBytes);

    /// <summary>The object at a path.</summary>
    /// <param name="path">The path expression.</param>
    /// <returns>The resolved object.</returns>
    /// <exception cref="HoconMissingPathException">The path has no value.</exception>
    /// <exception cref="HoconWrongTypeException">The value is not an object.</exception>
    public HoconObject GetObject(string path) =>
        GetValue(path) as HoconObject ?? throw WrongType(path, GetValue(path), "object");

    /// <summary>The array at a path.</summary>
    /// <param name="path">The path expression.</param>
    /// <returns>The resolved array.</returns>
    /// <exception cref="HoconMissingPathException">The path has no value.</exception>
    /// <exception cref="HoconWrongTypeException">The value is not an array.</exception>
    /// <remarks>An object whose keys are whole numbers (<c>a.0 = x</c>, <c>a.1 = y</c>) counts as the array of its values in key order, as the spec asks.</remarks>
    public HoconArray GetArray(string path)
    {
        var value = GetValue(path);
        return AsArray(value) ?? throw WrongType(path, value, "array");
    }

    /// <summary>The object at a path as a configuration of its own (already resolved).</summary>
    /// <param name="path">The path expression.</param>
    /// <returns>The sub-configuration.</returns>
    /// <exception cref="HoconMissingPathException">The path has no value.</exception>
    /// <exception cref="HoconWrongTypeException">The value is not an object.</exception>
    public HoconConfig GetConfig(string path) => new(GetObject(path), _environment, alreadyResolved: true);

    /// <summary>An array of objects, each as a configuration of its own.</summary>
    /// <param name="path">The path expression.</param>
    /// <returns>The sub-configurations.</returns>
    /// <exception cref="HoconMissingPathException">The path has no value.</exception>
    /// <exception cref="HoconWrongTypeException">The value is not an array of objects.</exception>
    public IReadOnlyList<HoconConfig> GetConfigList(string path)
    {
        var array = GetArray(path);
        var result = new List<HoconConfig>(array.Count);
        for (var i = 0; i < array.Count; i++)
        {
            var item = array[i] as HoconObject ?? throw WrongType($"{path}[{i}]", array[i], "object");
            result.Add(new HoconConfig(item, _environment, alreadyResolved: true));
        }

        return result;
    }

    /// <summary>Walks the resolved tree; returns null when missing, with the deepest object reached.</summary>
    private HoconValue? Find(string path, out HoconValue nearest, out string nearestPath)
    {
        var segments = PathExpression.Parse(path);
        nearest = Root;
        nearestPath = string.Empty;
        HoconValue node = Root;
        for (var i = 0; i < segments.Length; i++)
        {
            if (node is not HoconObject obj)
            {
                var parent = PathExpression.Render(segments[..i]);
                throw new HoconWrongTypeException(
                    path,
                    "object",
                    $"{node.Origin.ToShortString()}: '{parent}' is {Article(node)} {node.KindName}, not an object, so '{path}' cannot be read",
                    node.Origin);
            }

            nearest = obj;
            nearestPath = PathExpression.Render(segments[..i]);
            if (obj.Get(segments[i]) is not { } next)
            {
                return null;
            }

            node = next;
        }

        return node;
    }

    /// <summary>The value as an array; objects with whole-number keys convert, ignoring other keys.</summary>
    private static HoconArray? AsArray(HoconValue value)
    {
        if (value is HoconArray array)
        {
            return array;
        }

        if (value is not HoconObject obj)
        {
            return null;
        }

        var indexed = new List<(long Index, HoconValue Value)>();
        foreach (var (key, field) in obj)
        {
            if (long.TryParse(key, NumberStyles.None, CultureInfo.InvariantCulture, out var index))
            {
                indexed.Add((index, field));
            }
        }

        return indexed.Count == 0
            ? null
            : new HoconArray(indexed.OrderBy(i => i.Index).Select(i => i.Value).ToList(), obj.Origin);
    }

    private T Get<T>(string path, string expected, TryConvert<T> convert) => Convert(path, GetValue(path), expected, convert);

    private T GetOrDefault<T>(string path, T defaultValue, string expected, TryConvert<T> convert) =>
        TryGetValue(path, out var value) ? Convert(path, value, expected, convert) : defaultValue;

    private IReadOnlyList<T> GetList<T>(string path, string expected, TryConvert<T> convert)
    {
        var value = GetValue(path);
        var array = AsArray(value) ?? throw WrongType(path, value, $"list of {expected}");

        var result = new List<T>(array.Count);
        for (var i = 0; i < array.Count; i++)
        {
            result.Add(Convert($"{path}[{i}]", array[i], expected, convert));
        }

        return result;
    }

    private static T Convert<T>(string path, HoconValue value, string expected, TryConvert<T> convert) =>
        value is HoconScalar { Kind: not HoconValueKind.Null } scalar && convert(scalar, out var result)
            ? result
            : throw WrongType(path, value, expected);

    private static HoconWrongTypeException WrongType(string path, HoconValue value, string expected)
    {
        var shown = value is HoconScalar scalar ? $" ('{scalar.Text}')" : string.Empty;
        return new HoconWrongTypeException(
            path,
            expected,
            $"{value.Origin.ToShortString()}: '{path}' is {Article(value)} {value.KindName}{shown}, but {ArticleFor(expected)} {expected} was expected",
            value.Origin);
    }

    private static string Article(HoconValue value) => ArticleFor(value.KindName);

    private static string ArticleFor(string word) => word.Length > 0 && "aeiou".Contains(word[0], StringComparison.Ordinal) ? "an" : "a";

    private static bool TryString(HoconScalar scalar, out string result)
    {
        result = scalar.Text;
        return true;
    }

    private static bool TryLong(HoconScalar scalar, out long result)
    {
        if (long.TryParse(scalar.Text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out result))
        {
            return true;
        }

        // "1e3" or "5.0" are whole numbers written as floating point.
        if (TryDouble(scalar, out var d) && d == Math.Floor(d) && d >= long.MinValue && d < long.MaxValue)
        {
            result = (long)d;
            return true;
        }

        return false;
    }

    private static bool TryInt(HoconScalar scalar, out int result)
    {
        result = 0;
        if (!TryLong(scalar, out var wide) || wide is < int.MinValue or > int.MaxValue)
        {
            return false;
        }

        result = (int)wide;
        return true;
    }

    private static bool TryDouble(HoconScalar scalar, out double result) =>
        double.TryParse(scalar.Text, NumberStyles.Float, CultureInfo.InvariantCulture, out result) && double.IsFinite(result);

    private static bool TryBoolean(HoconScalar scalar, out bool result)
    {
        switch (scalar.Text.ToLowerInvariant())
        {
            case "true" or "yes" or "on":
                result = true;
                return true;
            case "false" or "no" or "off":
                result = false;
                return true;
            default:
                result = false;
                return false;
        }
    }

    private static bool TryDuration(HoconScalar scalar, out TimeSpan result) => HoconUnits.TryParseDuration(scalar.Text, out result);

    private static bool TryBytes(HoconScalar scalar, out long result) => HoconUnits.TryParseBytes(scalar.Text, out result);
}
