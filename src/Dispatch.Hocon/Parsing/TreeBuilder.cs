using Dispatch.Hocon.Model;

namespace Dispatch.Hocon.Parsing;

/// <summary>
/// Writes fields into the tree being parsed with the spec's merge rules: objects merge, anything else
/// replaces, and unresolved values keep what they may merge with until resolution.
/// </summary>
internal static class TreeBuilder
{
    /// <summary>The object that fields written under <paramref name="key"/> go into, creating or layering it as needed.</summary>
    public static HoconObject ObjectForWriting(HoconObject parent, string key, HoconOrigin origin)
    {
        var existing = parent.Get(key);
        switch (existing)
        {
            case HoconObject obj:
                return obj;
            case HoconMerge merge when merge.Layers[^1] is HoconObject top:
                return top;
            case HoconMerge merge:
                var layer = new HoconObject(origin);
                parent.Set(key, merge.With(layer));
                return layer;
            case HoconUnresolved unresolved:
                // The earlier value may turn out to be an object once resolved, so keep it below.
                var above = new HoconObject(origin);
                parent.Set(key, new HoconMerge([unresolved, above], origin));
                return above;
            default:
                var created = new HoconObject(origin);
                parent.Set(key, created);
                return created;
        }
    }

    /// <summary>Assigns a value that is not an object literal to <paramref name="key"/>.</summary>
    /// <remarks>
    /// An unresolved value keeps the earlier one beneath it: it may resolve to an object that merges
    /// with it, or be an undefined <c>${?x}</c>, which leaves the earlier value in place.
    /// </remarks>
    public static void Assign(HoconObject parent, string key, HoconValue value)
    {
        var existing = parent.Get(key);
        if (value is not HoconUnresolved || existing is null)
        {
            parent.Set(key, value);
        }
        else if (existing is HoconMerge merge)
        {
            parent.Set(key, merge.With(value));
        }
        else
        {
            parent.Set(key, new HoconMerge([existing, value], value.Origin));
        }
    }

    /// <summary>
    /// The value at <paramref name="path"/> in <paramref name="root"/> as it is now, or null. Where the
    /// path runs into a value not resolved yet, the rest of it is looked up once that value is resolved.
    /// </summary>
    public static HoconValue? ValueAt(HoconObject root, IReadOnlyList<string> path)
    {
        HoconValue? node = root;
        for (var i = 0; i < path.Count; i++)
        {
            switch (node)
            {
                case HoconObject obj:
                    node = obj.Get(path[i]);
                    break;
                case HoconUnresolved unresolved:
                    return new HoconSelection(Freeze(unresolved), path.Skip(i).ToArray(), unresolved.Origin);
                default:
                    return null;
            }
        }

        return node;
    }

    /// <summary>
    /// A copy of the parts of <paramref name="value"/> that later parsing may still change (objects, also
    /// as merge layers), so that a self-reference keeps seeing the value as it was. Values inside arrays,
    /// concatenations and earlier snapshots are never written to again and are shared.
    /// </summary>
    public static HoconValue Freeze(HoconValue value)
    {
        switch (value)
        {
            case HoconObject obj:
                var copy = new HoconObject(obj.Origin, obj.Count);
                foreach (var (key, field) in obj)
                {
                    copy.Set(key, Freeze(field));
                }

                return copy;
            case HoconMerge merge when merge.Layers.Any(l => l is HoconObject or HoconMerge):
                return new HoconMerge(merge.Layers.Select(Freeze).ToList(), merge.Origin);
            default:
                return value;
        }
    }
}
