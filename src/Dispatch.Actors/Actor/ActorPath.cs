namespace Dispatch.Actors;

/// <summary>The unique, hierarchical name of an actor, such as <c>dispatch://sys/user/a/b</c>.</summary>
public sealed class ActorPath : IEquatable<ActorPath>
{
    private string? _text;

    internal ActorPath(string address)
    {
        Address = address;
        Name = string.Empty;
        Depth = 0;
    }

    private ActorPath(ActorPath parent, string name)
    {
        Address = parent.Address;
        Parent = parent;
        Name = name;
        Depth = parent.Depth + 1;
    }

    /// <summary>The system's address, such as <c>dispatch://sys</c>.</summary>
    public string Address { get; }

    /// <summary>The last element of the path; empty for the root.</summary>
    public string Name { get; }

    /// <summary>The parent's path; null for the root.</summary>
    public ActorPath? Parent { get; }

    /// <summary>How many elements the path has below the root.</summary>
    public int Depth { get; }

    /// <summary>The path elements below the root, outermost first.</summary>
    public IReadOnlyList<string> Elements
    {
        get
        {
            var elements = new string[Depth];
            for (var p = this; p.Parent is not null; p = p.Parent)
            {
                elements[p.Depth - 1] = p.Name;
            }

            return elements;
        }
    }

    /// <summary>The path of a child named <paramref name="name"/>.</summary>
    public ActorPath Child(string name) => new(this, name);

    /// <summary>The path of a child named <paramref name="name"/>.</summary>
    public static ActorPath operator /(ActorPath parent, string name)
    {
        ArgumentNullException.ThrowIfNull(parent);
        return parent.Child(name);
    }

    /// <summary>True when <paramref name="name"/> is a valid actor name: not empty, not starting with '$', URI-safe characters only.</summary>
    public static bool IsValidName(string? name)
    {
        if (string.IsNullOrEmpty(name) || name[0] == '$')
        {
            return false;
        }

        foreach (var c in name)
        {
            var ok = char.IsAsciiLetterOrDigit(c) || "-_:@&=+,.!~*'$;%".Contains(c, StringComparison.Ordinal);
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }

    /// <inheritdoc />
    public bool Equals(ActorPath? other) => other is not null && string.Equals(ToString(), other.ToString(), StringComparison.Ordinal);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as ActorPath);

    /// <inheritdoc />
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(ToString());

    /// <summary>The full path, such as <c>dispatch://sys/user/a</c>.</summary>
    public override string ToString() => _text ??= Parent is null ? Address + "/" : BuildText();

    private string BuildText()
    {
        var parent = Parent!.ToString();
        return parent.EndsWith('/') ? parent + Name : parent + "/" + Name;
    }
}
