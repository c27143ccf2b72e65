using System.Globalization;
using System.Text;

namespace Dispatch.Cluster.Redis;

/// <summary>
/// One command argument: text, bytes, an integer or a number. A struct so that argument lists
/// of integers and pre-encoded keys cost no allocation.
/// </summary>
public readonly struct RedisValue : IEquatable<RedisValue>
{
    private readonly object? _reference; // string or byte[]
    private readonly long _bits;         // the integer, or the double's bits
    private readonly RedisValueKind _kind;

    private RedisValue(object? reference, long bits, RedisValueKind kind)
    {
        _reference = reference;
        _bits = bits;
        _kind = kind;
    }

    /// <summary>What the value holds.</summary>
    public RedisValueKind Kind => _kind;

    /// <summary>Whether this is the default value (sent as an empty string).</summary>
    public bool IsNull => _kind == RedisValueKind.Null;

    /// <summary>A text argument, sent as UTF-8.</summary>
    public static implicit operator RedisValue(string? value) =>
        value is null ? default : new RedisValue(value, 0, RedisValueKind.String);

    /// <summary>A binary argument, sent as is.</summary>
    public static implicit operator RedisValue(byte[]? value) =>
        value is null ? default : new RedisValue(value, 0, RedisValueKind.Bytes);

    /// <summary>An integer argument, sent in decimal.</summary>
    public static implicit operator RedisValue(long value) => new(null, value, RedisValueKind.Integer);

    /// <summary>An integer argument, sent in decimal.</summary>
    public static implicit operator RedisValue(int value) => new(null, value, RedisValueKind.Integer);

    /// <summary>A number argument, sent in round-trip form.</summary>
    public static implicit operator RedisValue(double value) =>
        new(null, BitConverter.DoubleToInt64Bits(value), RedisValueKind.Double);

    /// <summary>Converts a boxed argument (string, byte[], integer types, double, <see cref="RedisValue"/>, <see cref="TimeSpan"/> as milliseconds).</summary>
    /// <exception cref="ArgumentException">The object's type cannot be sent.</exception>
    public static RedisValue FromObject(object? value) => value switch
    {
        null => default,
        RedisValue v => v,
        string s => s,
        byte[] b => b,
        long l => l,
        int i => i,
        short s16 => (long)s16,
        uint u => (long)u,
        ulong ul when ul <= long.MaxValue => (long)ul,
        double d => d,
        float f => (double)f,
        decimal m => m.ToString(CultureInfo.InvariantCulture),
        TimeSpan t => (long)t.TotalMilliseconds,
        bool b => b ? 1 : 0,
        _ => throw new ArgumentException($"A Redis argument cannot be of type {value.GetType().Name}.", nameof(value)),
    };

    /// <summary>The number of bytes the value takes on the wire (without framing).</summary>
    internal int ByteCount => _kind switch
    {
        RedisValueKind.String => Encoding.UTF8.GetByteCount((string)_reference!),
        RedisValueKind.Bytes => ((byte[])_reference!).Length,
        RedisValueKind.Integer => DigitCount(_bits),
        RedisValueKind.Double => FormatDouble(stackalloc byte[32]),
        _ => 0,
    };

    /// <summary>Writes the value's bytes (without framing) and returns how many were written.</summary>
    internal int CopyTo(Span<byte> destination)
    {
        switch (_kind)
        {
            case RedisValueKind.String:
                return Encoding.UTF8.GetBytes((string)_reference!, destination);
            case RedisValueKind.Bytes:
                var bytes = (byte[])_reference!;
                bytes.CopyTo(destination);
                return bytes.Length;
            case RedisValueKind.Integer:
                _bits.TryFormat(destination, out int written, default, CultureInfo.InvariantCulture);
                return written;
            case RedisValueKind.Double:
                return FormatDouble(destination);
            default:
                return 0;
        }
    }

    private int FormatDouble(Span<byte> destination)
    {
        double d = BitConverter.Int64BitsToDouble(_bits);
        if (double.IsPositiveInfinity(d)) return "+inf"u8.TryCopyTo(destination) ? 4 : 0;
        if (double.IsNegativeInfinity(d)) return "-inf"u8.TryCopyTo(destination) ? 4 : 0;
        d.TryFormat(destination, out int written, "R", CultureInfo.InvariantCulture);
        return written;
    }

    internal static int DigitCount(long value)
    {
        if (value == long.MinValue) return 20;
        int sign = value < 0 ? 1 : 0;
        ulong magnitude = (ulong)Math.Abs(value);
        int digits = 1;
        while (magnitude >= 10)
        {
            magnitude /= 10;
            digits++;
        }
        return digits + sign;
    }

    /// <inheritdoc />
    public override string ToString() => _kind switch
    {
        RedisValueKind.String => (string)_reference!,
        RedisValueKind.Bytes => Encoding.UTF8.GetString((byte[])_reference!),
        RedisValueKind.Integer => _bits.ToString(CultureInfo.InvariantCulture),
        RedisValueKind.Double => BitConverter.Int64BitsToDouble(_bits).ToString("R", CultureInfo.InvariantCulture),
        _ => string.Empty,
    };

    /// <inheritdoc />
    public bool Equals(RedisValue other) => _kind == other._kind && _bits == other._bits && _kind switch
    {
        RedisValueKind.String => string.Equals((string?)_reference, (string?)other._reference, StringComparison.Ordinal),
        RedisValueKind.Bytes => ((byte[])_reference!).AsSpan().SequenceEqual((byte[])other._reference!),
        _ => true,
    };

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is RedisValue other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(_kind, _bits, _reference is string s ? s.GetHashCode(StringComparison.Ordinal) : 0);

    /// <summary>Value equality.</summary>
    public static bool operator ==(RedisValue left, RedisValue right) => left.Equals(right);

    /// <summary>Value inequality.</summary>
    public static bool operator !=(RedisValue left, RedisValue right) => !left.Equals(right);
}

/// <summary>What a <see cref="RedisValue"/> holds.</summary>
public enum RedisValueKind
{
    /// <summary>Nothing; sent as an empty string.</summary>
    Null,
    /// <summary>Text, sent as UTF-8.</summary>
    String,
    /// <summary>Raw bytes.</summary>
    Bytes,
    /// <summary>A 64-bit integer.</summary>
    Integer,
    /// <summary>A double.</summary>
    Double,
}
