using System.Collections;

namespace Dispatch.Hocon.Model;

/// <summary>An ordered list of values.</summary>
public sealed class HoconArray : HoconValue, IReadOnlyList<HoconValue>
{
    private readonly List<HoconValue> _items;

    internal HoconArray(List<HoconValue> items, HoconOrigin origin) : base(origin) => _items = items;

    /// <inheritdoc/>
    public override HoconValueKind Kind => HoconValueKind.Array;

    /// <inheritdoc/>
    public int Count => _items.Count;

    /// <inheritdoc/>
    public HoconValue this[int index] => _items[index];

    internal List<HoconValue> Items => _items;

    /// <inheritdoc/>
    public IEnumerator<HoconValue> GetEnumerator() => _items.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
