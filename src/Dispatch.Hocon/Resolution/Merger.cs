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
}
