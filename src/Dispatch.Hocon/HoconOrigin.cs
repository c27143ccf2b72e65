namespace Dispatch.Hocon;

/// <summary>Where a value or an error comes from: a file (or origin name), a 1-based line and a 1-based column.</summary>
/// <param name="Source">The file path, or the origin name given to <see cref="HoconConfig.Parse(string, string?)"/>.</param>
/// <param name="Line">The 1-based line number.</param>
/// <param name="Column">The 1-based column number.</param>
public sealed record HoconOrigin(string Source, int Line, int Column)
{
    /// <summary>The origin as <c>source:line</c>, the form used in value errors.</summary>
    public string ToShortString() => $"{Source}:{Line}";

    /// <summary>The origin as <c>source:line:column</c>.</summary>
    public override string ToString() => $"{Source}:{Line}:{Column}";
}
