using System.Collections;
using System.Diagnostics.CodeAnalysis;

namespace Dispatch.Hocon.Model;

/// <summary>Named fields, in the order they were first defined.</summary>
public sealed class HoconObject : HoconValue, IReadOnlyDictionary<string, HoconValue>
{
    private readonly Dictionary<string, HoconValue> _fields;
    private readonly List<string> _order;

    internal HoconObject(HoconOrigin origin, int capacity = 0) : base(origin)
    {
        _fields = new Dictionary<string, HoconValue>(capacity, StringComparer.Ordinal);
        _order = new List<string>(capacity);
    }

    /// <inheritdoc/>
    public override HoconValueKind Kind => HoconValueKind.Object;

    /// <inheritdoc/>
    public int Count => _fields.Count;

    /// <summary>The field names in definition order.</summary>
    public IEnumerable<string> Keys => _order;

    /// <summary>The field values in definition order.</summary>
    public IEnumerable<HoconValue> Values => _order.Select(k => _fields[k]);

    /// <inheritdoc/>
    public HoconValue this[string key] => _fields[key];

    /// <inheritdoc/>
    public bool ContainsKey(string key) => _fields.ContainsKey(key);

    /// <inheritdoc/>
    public bool TryGetValue(string key, [MaybeNullWhen(false)] out HoconValue value) => _fields.TryGetValue(key, out value);

    /// <inheritdoc/>
    public IEnumerator<KeyValuePair<string, HoconValue>> GetEnumerator()
    {
        foreach (var key in _order)
        {
            yield return new KeyValuePair<string, HoconValue>(key, _fields[key]);
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    internal HoconValue? Get(string key) => _fields.GetValueOrDefault(key);

    /// <summary>Sets a field while the tree is being built; trees are never changed once handed out.</summary>
    internal void Set(string key, HoconValue value)
    {
        if (_fields.TryAdd(key, value))
        {
            _order.Add(key);
        }
        else
        {
            _fields[key] = value;
        }
    }
}
