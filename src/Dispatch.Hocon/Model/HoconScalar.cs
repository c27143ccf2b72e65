namespace Dispatch.Hocon.Model;

/// <summary>A string, number, boolean or null, kept as its text.</summary>
public sealed class HoconScalar : HoconValue
{
    internal HoconScalar(HoconValueKind kind, string text, HoconOrigin origin, bool isWhitespace = false)
        : base(origin)
    {
        Kind = kind;
        Text = text;
        IsWhitespace = isWhitespace;
    }

    /// <inheritdoc/>
    public override HoconValueKind Kind { get; }

    /// <summary>
    /// The value as text: the string itself, the number as written, <c>true</c>/<c>false</c>, or <c>null</c>.
    /// </summary>
    public string Text { get; }

    /// <summary>
    /// Whitespace between two parts of a concatenation: it counts in a string concatenation and is
    /// dropped in an array or object concatenation (the spec's rule).
    /// </summary>
    internal bool IsWhitespace { get; }

    internal static HoconScalar String(string text, HoconOrigin origin) => new(HoconValueKind.String, text, origin);

    internal static HoconScalar Whitespace(string text, HoconOrigin origin) =>
        new(HoconValueKind.String, text, origin, isWhitespace: true);

    /// <summary>Classifies unquoted text: <c>true</c>, <c>false</c>, <c>null</c>, a JSON number, or else a string.</summary>
    internal static HoconScalar FromUnquoted(string text, HoconOrigin origin)
    {
        if (text is "true" or "false")
        {
            return new HoconScalar(HoconValueKind.Boolean, text, origin);
        }

        if (text == "null")
        {
            return new HoconScalar(HoconValueKind.Null, text, origin);
        }

        return new HoconScalar(IsJsonNumber(text) ? HoconValueKind.Number : HoconValueKind.String, text, origin);
    }

    /// <summary>Whether the text is a number in JSON syntax, so that it can be written to JSON as is.</summary>
    internal static bool IsJsonNumber(ReadOnlySpan<char> s)
    {
        var i = 0;
        if (i < s.Length && s[i] == '-')
        {
            i++;
        }

        if (i >= s.Length || !char.IsAsciiDigit(s[i]))
        {
            return false;
        }

        // A leading zero may not be followed by more digits in JSON.
        if (s[i] == '0')
        {
            i++;
        }
        else
        {
            while (i < s.Length && char.IsAsciiDigit(s[i]))
            {
                i++;
            }
        }

        if (i < s.Length && s[i] == '.')
        {
            i++;
            if (!SkipDigits(s, ref i))
            {
                return false;
            }
        }

        if (i < s.Length && (s[i] == 'e' || s[i] == 'E'))
        {
            i++;
            if (i < s.Length && (s[i] == '+' || s[i] == '-'))
            {
                i++;
            }

            if (!SkipDigits(s, ref i))
            {
                return false;
            }
        }

        return i == s.Length;
    }

    private static bool SkipDigits(ReadOnlySpan<char> s, ref int i)
    {
        var start = i;
        while (i < s.Length && char.IsAsciiDigit(s[i]))
        {
            i++;
        }

        return i > start;
    }

    /// <inheritdoc/>
    public override string ToString() => Text;
}
