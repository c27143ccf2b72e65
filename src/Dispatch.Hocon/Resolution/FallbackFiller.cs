using Dispatch.Hocon.Model;
using Dispatch.Hocon.Parsing;

namespace Dispatch.Hocon.Resolution;

/// <summary>
/// Gives every self-reference that had no earlier value in its own document the value at its path in
/// the fallback, so that <c>path = ${path}":/x"</c> in an application file extends the default from the
/// reference file.
/// </summary>
/// <remarks>
/// Snapshots share nodes, so the tree is a graph whose chains can be as long as the file. It is walked
/// with an explicit stack (no recursion to overflow) and each node is rewritten once, after its
/// children, which keeps the walk linear.
/// </remarks>
internal sealed class FallbackFiller
{
    private readonly HoconObject _fallbackRoot;
    private readonly Dictionary<HoconValue, HoconValue> _done = new(ReferenceEqualityComparer.Instance);

    private FallbackFiller(HoconObject fallbackRoot) => _fallbackRoot = fallbackRoot;

    public static HoconObject Fill(HoconObject root, HoconObject fallbackRoot) =>
        (HoconObject)new FallbackFiller(fallbackRoot).Walk(root);

    private HoconValue Walk(HoconValue root)
    {
        var stack = new Stack<HoconValue>();
        var expanded = new HashSet<HoconValue>(ReferenceEqualityComparer.Instance);
        stack.Push(root);
        while (stack.Count > 0)
        {
            var node = stack.Peek();
            if (_done.ContainsKey(node))
            {
                stack.Pop();
                continue;
            }

            // Seen again after its children, which were pushed above it and so are all done now.
            if (!expanded.Add(node))
            {
                stack.Pop();
                _done[node] = Rebuild(node);
                continue;
            }

            foreach (var child in Children(node))
            {
                if (child is not HoconScalar && !_done.ContainsKey(child))
                {
                    stack.Push(child);
                }
            }
        }

        return _done[root];
    }

    private static IEnumerable<HoconValue> Children(HoconValue node) => node switch
    {
        HoconPrevious { Earlier: { } earlier } => [earlier],
        HoconObject obj => obj.Values,
        HoconArray array => array.Items,
        HoconConcatenation concatenation => concatenation.Parts,
        HoconMerge merge => merge.Layers,
        HoconSelection selection => [selection.Source],
        _ => [],
    };

    private HoconValue Filled(HoconValue value) => value is HoconScalar ? value : _done[value];

    private HoconValue Rebuild(HoconValue node) => node switch
    {
        HoconPrevious { Earlier: null } previous =>
            TreeBuilder.ValueAt(_fallbackRoot, previous.Path) is { } below
                ? new HoconPrevious(previous.Path, previous.Optional, below, previous.Origin)
                : previous,
        HoconPrevious { Earlier: { } earlier } previous =>
            ReferenceEquals(Filled(earlier), earlier)
                ? previous
                : new HoconPrevious(previous.Path, previous.Optional, Filled(earlier), previous.Origin),
        HoconObject obj => RebuildObject(obj),
        HoconArray array => RebuildAll(array.Items) is { } items ? new HoconArray(items, array.Origin) : array,
        HoconConcatenation concatenation => RebuildAll(concatenation.Parts) is { } parts ? new HoconConcatenation(parts, concatenation.Origin) : concatenation,
        HoconMerge merge => RebuildAll(merge.Layers) is { } layers ? new HoconMerge(layers, merge.Origin) : merge,
        HoconSelection selection => ReferenceEquals(Filled(selection.Source), selection.Source)
            ? selection
            : new HoconSelection(Filled(selection.Source), selection.Path, selection.Origin),
        _ => node,
    };

    private HoconObject RebuildObject(HoconObject obj)
    {
        if (obj.Values.All(v => ReferenceEquals(Filled(v), v)))
        {
            return obj;
        }

        var copy = new HoconObject(obj.Origin, obj.Count);
        foreach (var (key, field) in obj)
        {
            copy.Set(key, Filled(field));
        }

        return copy;
    }

    private List<HoconValue>? RebuildAll(IReadOnlyList<HoconValue> values)
    {
        List<HoconValue>? copy = null;
        for (var i = 0; i < values.Count; i++)
        {
            var filled = Filled(values[i]);
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
