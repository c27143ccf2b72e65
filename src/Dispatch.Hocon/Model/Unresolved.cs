namespace Dispatch.Hocon.Model;

/// <summary>A value that only has a meaning once the whole configuration is known.</summary>
internal abstract class HoconUnresolved : HoconValue
{
    protected HoconUnresolved(HoconOrigin origin) : base(origin)
    {
    }

    public override HoconValueKind Kind => HoconValueKind.Unresolved;
}

/// <summary><c>${path}</c> or <c>${?path}</c>.</summary>
/// <remarks>
/// <see cref="FallbackPath"/> is set for substitutions inside a file included below the root: the spec
/// looks them up relative to the include point first, then as written.
/// </remarks>
internal sealed class HoconSubstitution(string[] path, string[]? fallbackPath, bool optional, HoconOrigin origin)
    : HoconUnresolved(origin)
{
    public string[] Path { get; } = path;

    public string[]? FallbackPath { get; } = fallbackPath;

    public bool Optional { get; } = optional;

    public string Describe() => Parsing.PathExpression.Describe(FallbackPath ?? Path, Optional);
}

/// <summary>
/// A self-referential substitution (<c>a = ${a} x</c>, <c>a += x</c>): it stands for the value the path had
/// before this assignment, captured while parsing, or — when the document had none — the value in the
/// fallback configuration or the environment.
/// </summary>
internal sealed class HoconPrevious(string[] path, bool optional, HoconValue? earlier, HoconOrigin origin)
    : HoconUnresolved(origin)
{
    public string[] Path { get; } = path;

    public bool Optional { get; } = optional;

    public HoconValue? Earlier { get; } = earlier;

    public string Describe() => Parsing.PathExpression.Describe(Path, Optional);
}

/// <summary>Values written next to each other (<c>${a} "/b"</c>, <c>${list} [x]</c>): joined when resolved.</summary>
internal sealed class HoconConcatenation(List<HoconValue> parts, HoconOrigin origin) : HoconUnresolved(origin)
{
    public List<HoconValue> Parts { get; } = parts;
}

/// <summary>
/// Several definitions of one path, earliest first, where at least one is unresolved: the spec merges
/// them once their types are known (objects merge, anything else hides what is below).
/// </summary>
internal sealed class HoconMerge(IReadOnlyList<HoconValue> layers, HoconOrigin origin) : HoconUnresolved(origin)
{
    public IReadOnlyList<HoconValue> Layers { get; } = layers;

    /// <summary>A merge with one more layer on top; merges are never changed in place, so snapshots can share them.</summary>
    public HoconMerge With(HoconValue layer) => new([.. Layers, layer], Origin);
}

/// <summary>
/// The value at <see cref="Path"/> inside <see cref="Source"/>, a value not resolved yet: what a
/// self-reference such as <c>a.b = ${a.b} x</c> sees when <c>a</c> is still a substitution.
/// </summary>
internal sealed class HoconSelection(HoconValue source, string[] path, HoconOrigin origin) : HoconUnresolved(origin)
{
    public HoconValue Source { get; } = source;

    public string[] Path { get; } = path;
}
