using Dispatch.Hocon.Model;
using Dispatch.Hocon.Parsing;

namespace Dispatch.Hocon.Resolution;

/// <summary>Merges whole trees (fallbacks, object concatenation) without changing either input.</summary>
internal static class Merger
{
    /// <summary>
    /// <paramref name="top"/> with <paramref name="bottom"/> as its fallback: objects merge field by
    /// field, any other resolved top value wins, and unresolved values become a merge decided later.
    /// </summary>
    public static HoconValue Merge(HoconValue top, HoconValue bottom)
    {
        if (top is HoconObject topObject && bottom is HoconObject bottomObject)
        {
            return MergeObjects(topObject, bottomObject);
        }

        if (top is HoconScalar or HoconArray || (top is HoconObject && bottom is HoconScalar or HoconArray))
        {
            return top;
        }

        var layers = new List<HoconValue>();
        AddLayers(layers, bottom);
        AddLayers(layers, top);
        return new HoconMerge(layers, top.Origin);
    }

    private static void AddLayers(List<HoconValue> layers, HoconValue value)
    {
        if (value is HoconMerge merge)
        {
            layers.AddRange(merge.Layers);
        }
        else
        {
            layers.Add(value);
        }
    }

    private static HoconObject MergeObjects(HoconObject top, HoconObject bottom)
    {
        var result = new HoconObject(top.Origin, top.Count + bottom.Count);
        foreach (var (key, value) in bottom)
        {
            result.Set(key, value);
        }

        foreach (var (key, value) in top)
        {
            result.Set(key, bottom.TryGetValue(key, out var below) ? Merge(value, below) : value);
        }

        return result;
    }

    /// <summary>
    /// Gives every self-reference in <paramref name="value"/> that had no earlier value in its own
    /// document the value at its path in the fallback, so that <c>path = ${path}":/x"</c> in an
    /// application file extends the default from the reference file.
    /// </summary>
    public static HoconValue FillFromFallback(HoconValue value, HoconObject fallbackRoot)
    {
        switch (value)
        {
            case HoconPrevious previous:
                var earlier = previous.Earlier is null
                    ? TreeBuilder.ValueAt(fallbackRoot, previous.Path)
                    : FillFromFallback(previous.Earlier, fallbackRoot);
                return ReferenceEquals(earlier, previous.Earlier)
                    ? previous
                    : new HoconPrevious(previous.Path, previous.Optional, earlier, previous.Origin);
            case HoconObject obj:
                HoconObject? copy = null;
                foreach (var (key, field) in obj)
                {
                    var filled = FillFromFallback(field, fallbackRoot);
                    if (copy is null && !ReferenceEquals(filled, field))
                    {
                        copy = new HoconObject(obj.Origin, obj.Count);
                        foreach (var (k, f) in obj)
                        {
                            copy.Set(k, f);
                        }
                    }

                    copy?.Set(key, filled);
                }

                return copy ?? obj;
            case HoconArray array:
                var items = FillAll(array.Items, fallbackRoot);
                return items is null ? array : new HoconArray(items, array.Origin);
            case HoconConcatenation concatenation:
                var parts = FillAll(concatenation.Parts, fallbackRoot);
                return parts is null ? concatenation : new HoconConcatenation(parts, concatenation.Origin);
            case HoconMerge merge:
                var layers = FillAll(merge.Layers, fallbackRoot);
                return layers is null ? merge : new HoconMerge(layers, merge.Origin);
            default:
                return value;
        }
    }

    private static List<HoconValue>? FillAll(List<HoconValue> values, HoconObject fallbackRoot)
    {
        List<HoconValue>? copy = null;
        for (var i = 0; i < values.Count; i++)
        {
            var filled = FillFromFallback(values[i], fallbackRoot);
            if (copy is null && !ReferenceEquals(filled, values[i]))
            {
                copy = new List<HoconValue>(values);
            }

            if (copy is not null)
            {
                copy[i] = filled;
            }
        }

        return copy;
    }
}
