using System.Text;
using Dispatch.Hocon.Model;

namespace Dispatch.Hocon.Resolution;

/// <summary>Joins the pieces of a value concatenation by the spec's rules.</summary>
internal static class Concatenation
{
    /// <summary>
    /// Joins resolved pieces: strings (and other scalars) into one string with the whitespace between
    /// them, arrays into one array, objects by merging (later wins). Whitespace at either end is
    /// dropped. Returns null when nothing but whitespace is left (all parts were undefined).
    /// </summary>
    /// <param name="pieces">The pieces in order; optional substitutions that were undefined are already left out.</param>
    /// <param name="origin">Where the concatenation starts.</param>
    /// <param name="error">Makes the exception for pieces of incompatible types.</param>
    public static HoconValue? Join(List<HoconValue> pieces, HoconOrigin origin, Func<string, HoconOrigin, Exception> error)
    {
        var start = 0;
        var end = pieces.Count;
        while (start < end && IsSpace(pieces[start]))
        {
            start++;
        }

        while (end > start && IsSpace(pieces[end - 1]))
        {
            end--;
        }

        if (end - start == 0)
        {
            return null;
        }

        if (end - start == 1)
        {
            return pieces[start];
        }

        var first = pieces[start];
        for (var i = start + 1; i < end; i++)
        {
            var piece = pieces[i];
            if (!IsSpace(piece) && Category(piece) != Category(first))
            {
                throw error($"cannot concatenate {Describe(first)} with {Describe(piece)}", piece.Origin);
            }
        }

        return first switch
        {
            HoconArray => JoinArrays(pieces, start, end, first.Origin),
            HoconObject => JoinObjects(pieces, start, end),
            _ => JoinText(pieces, start, end, origin),
        };
    }

    private static bool IsSpace(HoconValue value) => value is HoconScalar { IsWhitespace: true };

    private static int Category(HoconValue value) => value switch
    {
        HoconArray => 1,
        HoconObject => 2,
        _ => 0,
    };

    private static string Describe(HoconValue value) => $"{(value is HoconScalar ? "a string" : "an " + value.KindName)} ({value.Origin.ToShortString()})";

    private static HoconArray JoinArrays(List<HoconValue> pieces, int start, int end, HoconOrigin origin)
    {
        var items = new List<HoconValue>();
        for (var i = start; i < end; i++)
        {
            if (pieces[i] is HoconArray array)
            {
                items.AddRange(array.Items);
            }
        }

        return new HoconArray(items, origin);
    }

    private static HoconValue JoinObjects(List<HoconValue> pieces, int start, int end)
    {
        var result = pieces[start];
        for (var i = start + 1; i < end; i++)
        {
            if (pieces[i] is HoconObject obj)
            {
                result = Merger.Merge(obj, result);
            }
        }

        return result;
    }

    private static HoconScalar JoinText(List<HoconValue> pieces, int start, int end, HoconOrigin origin)
    {
        var text = new StringBuilder();
        for (var i = start; i < end; i++)
        {
            text.Append(((HoconScalar)pieces[i]).Text);
        }

        return HoconScalar.String(text.ToString(), origin);
    }
}
