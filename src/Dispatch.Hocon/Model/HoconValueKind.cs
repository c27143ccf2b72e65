namespace Dispatch.Hocon.Model;

/// <summary>The type of a <see cref="HoconValue"/>.</summary>
public enum HoconValueKind
{
    /// <summary>An object: named fields.</summary>
    Object,

    /// <summary>An array: ordered elements.</summary>
    Array,

    /// <summary>A string (quoted, unquoted or concatenated).</summary>
    String,

    /// <summary>A number, kept as written.</summary>
    Number,

    /// <summary><c>true</c> or <c>false</c>.</summary>
    Boolean,

    /// <summary><c>null</c>.</summary>
    Null,

    /// <summary>A substitution or concatenation not resolved yet; never present in a resolved tree.</summary>
    Unresolved,
}
