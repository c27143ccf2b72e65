using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace Dispatch.Cluster.Redis;

/// <summary>The RESP2 type of a reply.</summary>
public enum RedisResultType
{
    /// <summary><c>+OK</c>: a status line.</summary>
    SimpleString,
    /// <summary><c>-ERR ...</c>: an error (only ever seen nested; a top-level error raises <see cref="RedisServerException"/>).</summary>
    Error,
    /// <summary><c>:42</c>: a signed 64-bit integer.</summary>
    Integer,
    /// <summary><c>$3\r\nfoo</c>: a binary-safe string, possibly null (<c>$-1</c>).</summary>
    BulkString,
    /// <summary><c>*2 ...</c>: a list of replies, possibly null (<c>*-1</c>).</summary>
    Array,
}

/// <summary>One parsed reply from Redis, with typed accessors.</summary>
public sealed class RedisResult
{
    // Replies that recur on every hot path are shared rather than allocated per reply.
    private static readonly RedisResult[] SmallIntegers = CreateSmallIntegers();

    /// <summary>The null bulk string (<c>$-1</c>).</summary>
    public static readonly RedisResult NullBulk = new(RedisResultType.BulkString, null, null, 0, null);

    /// <summary>The null array (<c>*-1</c>).</summary>
    public static readonly RedisResult NullArray = new(RedisResultType.Array, null, null, 0, null);

    /// <summary>The empty array (<c>*0</c>).</summary>
    public static readonly RedisResult EmptyArray = new(RedisResultType.Array, null, null, 0, []);

    /// <summary>The status <c>+OK</c>.</summary>
    public static readonly RedisResult Ok = new(RedisResultType.SimpleString, null, "OK", 0, null);

    private readonly byte[]? _bytes;
    private readonly string? _text;
    private readonly long _integer;
    private readonly RedisResult[]? _items;

    private RedisResult(RedisResultType type, byte[]? bytes, string? text, long integer, RedisResult[]? items)
    {
        Type = type;
        _bytes = bytes;
        _text = text;
        _integer = integer;
        _items = items;
    }

    /// <summary>The reply's RESP2 type.</summary>
    public RedisResultType Type { get; }

    /// <summary>Whether this is a null bulk string or a null array.</summary>
    public bool IsNull => Type switch
    {
        RedisResultType.BulkString => _bytes is null,
        RedisResultType.Array => _items is null,
        _ => false,
    };

    /// <summary>Whether this is an error reply nested inside an array.</summary>
    public bool IsError => Type == RedisResultType.Error;

    /// <summary>Creates a status reply.</summary>
    public static RedisResult SimpleString(string text) =>
        text == "OK" ? Ok : new RedisResult(RedisResultType.SimpleString, null, text, 0, null);

    /// <summary>Creates an error reply.</summary>
    public static RedisResult Error(string message) => new(RedisResultType.Error, null, message, 0, null);

    /// <summary>Creates an integer reply.</summary>
    public static RedisResult Integer(long value) =>
        value is >= -1 and < 255 ? SmallIntegers[value + 1] : new RedisResult(RedisResultType.Integer, null, null, value, null);

    /// <summary>Creates a bulk string reply (null for <c>$-1</c>).</summary>
    public static RedisResult Bulk(byte[]? value) =>
        value is null ? NullBulk : new RedisResult(RedisResultType.BulkString, value, null, 0, null);

    /// <summary>Creates an array reply (null for <c>*-1</c>).</summary>
    public static RedisResult Array(RedisResult[]? items) => items switch
    {
        null => NullArray,
        { Length: 0 } => EmptyArray,
        _ => new RedisResult(RedisResultType.Array, null, null, 0, items),
    };

    /// <summary>The reply as text: status or error text, a bulk string decoded as UTF-8, an integer in decimal; null for a null reply.</summary>
    /// <exception cref="InvalidCastException">The reply is an array.</exception>
    public string? AsString() => Type switch
    {
        RedisResultType.SimpleString or RedisResultType.Error => _text,
        RedisResultType.BulkString => _bytes is null ? null : Encoding.UTF8.GetString(_bytes),
        RedisResultType.Integer => _integer.ToString(CultureInfo.InvariantCulture),
        _ => throw new InvalidCastException("An array reply cannot be read as a string."),
    };

    /// <summary>The reply's raw bytes (bulk strings; status text as UTF-8); null for a null reply.</summary>
    /// <exception cref="InvalidCastException">The reply is an array or an integer.</exception>
    public byte[]? AsBytes() => Type switch
    {
        RedisResultType.BulkString => _bytes,
        RedisResultType.SimpleString or RedisResultType.Error => Encoding.UTF8.GetBytes(_text!),
        _ => throw new InvalidCastException($"A {Type} reply cannot be read as bytes."),
    };

    /// <summary>The reply as an integer: integer replies, or a bulk/status string holding a decimal integer.</summary>
    /// <exception cref="InvalidCastException">The reply is null, an array, or not an integer.</exception>
    public long AsLong()
    {
        switch (Type)
        {
            case RedisResultType.Integer:
                return _integer;
            case RedisResultType.BulkString when _bytes is not null:
                if (Utf8Parser.TryParse(_bytes, out long parsed, out int used) && used == _bytes.Length) return parsed;
                break;
            case RedisResultType.SimpleString:
                if (long.TryParse(_text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long simple)) return simple;
                break;
        }
        throw new InvalidCastException($"The reply ({Describe()}) is not an integer.");
    }

    /// <summary>The reply as a number: integer replies, or a string holding a number (<c>inf</c> included).</summary>
    /// <exception cref="InvalidCastException">The reply is not a number.</exception>
    public double AsDouble()
    {
        if (Type == RedisResultType.Integer) return _integer;
        string? text = Type is RedisResultType.BulkString or RedisResultType.SimpleString ? AsString() : null;
        if (text is not null)
        {
            switch (text)
            {
                case "inf" or "+inf": return double.PositiveInfinity;
                case "-inf": return double.NegativeInfinity;
            }
            if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value)) return value;
        }
        throw new InvalidCastException($"The reply ({Describe()}) is not a number.");
    }

    /// <summary>The items of an array reply; empty for a null array (check <see cref="IsNull"/> to tell them apart).</summary>
    /// <exception cref="InvalidCastException">The reply is not an array.</exception>
    public RedisResult[] AsArray() => Type == RedisResultType.Array
        ? _items ?? []
        : throw new InvalidCastException($"The reply ({Describe()}) is not an array.");

    /// <summary>The i-th item of an array reply.</summary>
    public RedisResult this[int index] => AsArray()[index];

    /// <summary>The number of items of an array reply (0 for a null array).</summary>
    public int Count => AsArray().Length;

    /// <inheritdoc />
    public override string ToString() => Describe();

    private string Describe() => Type switch
    {
        RedisResultType.Array when _items is null => "(nil array)",
        RedisResultType.Array => "[" + string.Join(", ", _items.Select(item => item.Describe())) + "]",
        RedisResultType.BulkString when _bytes is null => "(nil)",
        RedisResultType.Error => "(error) " + _text,
        _ => AsString() ?? string.Empty,
    };

    private static RedisResult[] CreateSmallIntegers()
    {
        var values = new RedisResult[256];
        for (int i = 0; i < values.Length; i++) values[i] = new RedisResult(RedisResultType.Integer, null, null, i - 1, null);
        return values;
    }
}
