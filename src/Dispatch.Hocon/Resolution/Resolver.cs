using Dispatch.Hocon.Model;
using Dispatch.Hocon.Parsing;

namespace Dispatch.Hocon.Resolution;

/// <summary>
/// Resolves every substitution of a merged tree against that whole tree, falling back to environment
/// variables. Each node is resolved once (memoised), nodes under resolution are tracked to report
/// cycles, and the nesting is bounded so that no input can exhaust the stack.
/// </summary>
internal sealed class Resolver
{
    /// <summary>How deep resolution may nest (tree depth plus substitution chains).</summary>
    public const int MaxDepth = 400;

    private readonly HoconObject _root;
    private readonly Func<string, string?> _environment;
    private readonly Dictionary<HoconValue, HoconValue?> _resolved = new(ReferenceEqualityComparer.Instance);
    private readonly HashSet<HoconValue> _inProgress = new(ReferenceEqualityComparer.Instance);
    private readonly List<HoconValue> _stack = [];

    /// <summary>The last cycle reported, so that an optional substitution can treat it as undefined.</summary>
    private HoconResolveException? _cycle;

    private Resolver(HoconObject root, Func<string, string?> environment)
    {
        _root = root;
        _environment = environment;
    }

    /// <summary>The fully resolved copy of <paramref name="root"/>.</summary>
    public static HoconObject Resolve(HoconObject root, Func<string, string?> environment) =>
        (HoconObject)new Resolver(root, environment).Resolve(root)!;

    /// <summary>The resolved value, or null when it is an undefined optional substitution.</summary>
    private HoconValue? Resolve(HoconValue value)
    {
        if (value is HoconScalar)
        {
            return value;
        }

        if (_resolved.TryGetValue(value, out var done))
        {
            return done;
        }

        if (!_inProgress.Add(value))
        {
            throw _cycle = CycleError(value);
        }

        if (_stack.Count >= MaxDepth)
        {
            throw new HoconResolveException(
                $"{value.Origin}: substitutions and nesting go deeper than {MaxDepth} levels", value.Origin);
        }

        _stack.Add(value);
        try
        {
            var result = value switch
            {
                HoconObject obj => ResolveObject(obj),
                HoconArray array => ResolveArray(array),
                HoconSubstitution substitution => ResolveSubstitution(substitution),
                HoconPrevious previous => ResolvePrevious(previous),
                HoconConcatenation concatenation => ResolveConcatenation(concatenation),
                HoconMerge merge => ResolveMerge(merge),
                HoconSelection selection => ResolveSelection(selection),
                _ => value,
            };
            _resolved[value] = result;
            return result;
        }
        finally
        {
            _stack.RemoveAt(_stack.Count - 1);
            _inProgress.Remove(value);
        }
    }

    private HoconObject ResolveObject(HoconObject obj)
    {
        HoconObject? copy = null;
        var index = 0;
        foreach (var (key, field) in obj)
        {
            var resolved = Resolve(field);
            if (copy is null && !ReferenceEquals(resolved, field))
            {
                // Most objects hold no substitutions; copy only once something changes.
                copy = new HoconObject(obj.Origin, obj.Count);
                foreach (var (earlierKey, earlierField) in obj.Take(index))
                {
                    copy.Set(earlierKey, earlierField);
                }
            }

            if (copy is not null && resolved is not null)
            {
                copy.Set(key, resolved);
            }

            index++;
        }

        return copy ?? obj;
    }

    private HoconArray ResolveArray(HoconArray array)
    {
        List<HoconValue>? copy = null;
        for (var i = 0; i < array.Items.Count; i++)
        {
            var item = array.Items[i];
            var resolved = Resolve(item);
            if (copy is null && !ReferenceEquals(resolved, item))
            {
                copy = array.Items.GetRange(0, i);
            }

            if (copy is not null && resolved is not null)
            {
                copy.Add(resolved);
            }
        }

        return copy is null ? array : new HoconArray(copy, array.Origin);
    }

    private HoconValue? ResolveSubstitution(HoconSubstitution substitution)
    {
        try
        {
            if (TryLookup(substitution.Path, out var found)
                || (substitution.FallbackPath is { } fallback && TryLookup(fallback, out found)))
            {
                return found;
            }
        }
        catch (HoconResolveException e) when (substitution.Optional && ReferenceEquals(e, _cycle))
        {
            // The spec treats an optional substitution caught in a cycle as undefined.
            return null;
        }

        return FromEnvironment(substitution.FallbackPath ?? substitution.Path, substitution.Origin)
            ?? (substitution.Optional
                ? null
                : throw new HoconResolveException(
                    $"{substitution.Origin}: could not resolve substitution {substitution.Describe()}: there is no setting at '{PathExpression.Render(substitution.FallbackPath ?? substitution.Path)}' and no environment variable of that name",
                    substitution.Origin));
    }

    private HoconValue? ResolvePrevious(HoconPrevious previous)
    {
        if (previous.Earlier is { } earlier && Resolve(earlier) is { } resolved)
        {
            return resolved;
        }

        return FromEnvironment(previous.Path, previous.Origin)
            ?? (previous.Optional
                ? null
                : throw new HoconResolveException(
                    $"{previous.Origin}: could not resolve self-referential substitution {previous.Describe()}: '{PathExpression.Render(previous.Path)}' has no earlier value (in this file or a fallback) and there is no environment variable of that name",
                    previous.Origin));
    }

    private HoconScalar? FromEnvironment(string[] path, HoconOrigin usedAt)
    {
        var name = string.Join('.', path);
        var value = _environment(name);
        return value is null ? null : HoconScalar.String(value, new HoconOrigin($"environment variable {name}", usedAt.Line, usedAt.Column));
    }

    private HoconValue? ResolveConcatenation(HoconConcatenation concatenation)
    {
        var pieces = new List<HoconValue>(concatenation.Parts.Count);
        foreach (var part in concatenation.Parts)
        {
            if (Resolve(part) is { } resolved)
            {
                pieces.Add(resolved);
            }
        }

        return Concatenation.Join(pieces, concatenation.Origin, (message, at) => new HoconResolveException($"{at}: {message}", at));
    }

    private HoconValue? ResolveSelection(HoconSelection selection)
    {
        var node = Resolve(selection.Source);
        foreach (var segment in selection.Path)
        {
            node = (node as HoconObject)?.Get(segment);
        }

        return node;
    }

    /// <summary>The latest defined layer wins; while layers are objects they merge with the ones below.</summary>
    private HoconValue? ResolveMerge(HoconMerge merge)
    {
        HoconValue? result = null;
        for (var i = merge.Layers.Count - 1; i >= 0; i--)
        {
            var layer = Resolve(merge.Layers[i]);
            if (layer is null)
            {
                continue;
            }

            if (result is null)
            {
                result = layer;
            }
            else if (layer is HoconObject)
            {
                result = Merger.Merge(result, layer);
            }
            else
            {
                break;
            }

            if (result is not HoconObject)
            {
                break;
            }
        }

        return result;
    }

    /// <summary>
    /// Finds a path in the unresolved tree, stepping through objects without resolving them whole (so
    /// that <c>a { b = 1, c = ${a.b} }</c> is no cycle) and resolving only what stands in the way.
    /// </summary>
    private bool TryLookup(string[] path, out HoconValue? value)
    {
        value = null;
        HoconValue node = _root;
        foreach (var segment in path)
        {
            var obj = node as HoconObject ?? Resolve(node) as HoconObject;
            var next = obj?.Get(segment);
            if (next is null)
            {
                return false;
            }

            node = next;
        }

        value = Resolve(node);
        return value is not null;
    }

    private HoconResolveException CycleError(HoconValue repeated)
    {
        var start = _stack.FindIndex(v => ReferenceEquals(v, repeated));
        var chain = _stack.Skip(Math.Max(0, start)).Append(repeated)
            .Select(Describe).OfType<string>().ToList();
        var origin = chain.Count > 0 ? FirstSubstitutionOrigin(start) : repeated.Origin;
        return new HoconResolveException(
            $"{origin}: substitution cycle: {string.Join(" -> ", chain)}", origin);
    }

    private HoconOrigin FirstSubstitutionOrigin(int start) =>
        _stack.Skip(Math.Max(0, start)).FirstOrDefault(v => v is HoconSubstitution or HoconPrevious)?.Origin ?? _stack[^1].Origin;

    private static string? Describe(HoconValue value) => value switch
    {
        HoconSubstitution s => $"{s.Describe()} ({s.Origin.ToShortString()})",
        HoconPrevious p => $"{p.Describe()} ({p.Origin.ToShortString()})",
        _ => null,
    };
}
