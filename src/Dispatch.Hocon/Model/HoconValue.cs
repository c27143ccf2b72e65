namespace Dispatch.Hocon.Model;

/// <summary>A node of a HOCON tree, remembering where it was defined.</summary>
public abstract class HoconValue
{
    private protected HoconValue(HoconOrigin origin) => Origin = origin;

    /// <summary>Where the value was defined.</summary>
    public HoconOrigin Origin { get; }

    /// <summary>The type of the value.</summary>
    public abstract HoconValueKind Kind { get; }

    /// <summary>A short name of the type, used in error messages.</summary>
    internal string KindName => Kind switch
    {
        HoconValueKind.Object => "object",
        HoconValueKind.Array => "array",
        HoconValueKind.String => "string",
        HoconValueKind.Number => "number",
        HoconValueKind.Boolean => "boolean",
        HoconValueKind.Null => "null",
        _ => "unresolved value",
    };
}
