using Dispatch.Hocon.Model;

namespace Dispatch.Hocon.Parsing;

/// <summary>State shared by a document and the files it includes.</summary>
internal sealed class ParseContext(HoconObject root)
{
    /// <summary>
    /// The deepest tree a document may build (braces, brackets and key path segments together); deeper
    /// input is rejected so that no later recursion can exhaust the stack.
    /// </summary>
    public const int MaxDepth = 128;

    /// <summary>How many files may be included inside each other.</summary>
    public const int MaxIncludeDepth = 32;

    /// <summary>The root object of the top-level document; self-references look back into it.</summary>
    public HoconObject Root { get; } = root;

    /// <summary>The files being parsed, outermost first, to name include cycles.</summary>
    public List<string> IncludeStack { get; } = [];
}
