using System.Buffers.Text;
using System.Text;

namespace Dispatch.Cluster.Redis;

/// <summary>
/// Parses RESP2 replies out of a byte buffer. A reply that is not complete yet is left
/// unconsumed, so the reader can append the next chunk from the socket and try again.
/// </summary>
internal static class RespParser
{
    // Deep nesting only comes from a corrupt stream; bound it so a bad reply cannot overflow the stack.
    private const int MaxDepth = 64;

    /// <summary>Parses one complete reply from the start of <paramref name="buffer"/>.</summary>
    /// <returns>False when the buffer holds only part of a reply (nothing is consumed).</returns>
    /// <exception cref="RedisProtocolException">The bytes are not RESP2.</exception>
    public static bool TryParse(ReadOnlySpan<byte> buffer, out RedisResult result, out int consumed)
    {
        int position = 0;
        if (TryParseValue(buffer, ref position, 0, out result!))
        {
            consumed = position;
            return true;
        }
        result = null!;
        consumed = 0;
        return false;
    }

    private static bool TryParseValue(ReadOnlySpan<byte> buffer, ref int position, int depth, out RedisResult? result)
    {
        result = null;
        if (!TryReadLine(buffer, position, out var line, out int next)) return false;
        if (line.IsEmpty) throw new RedisProtocolException("An empty line where a reply type was expected.");
        byte type = line[0];
        var payload = line[1..];
        switch (type)
        {
            case (byte)'+':
                result = RedisResult.SimpleString(Encoding.UTF8.GetString(payload));
                position = next;
                return true;
            case (byte)'-':
                result = RedisResult.Error(Encoding.UTF8.GetString(payload));
                position = next;
                return true;
            case (byte)':':
                result = RedisResult.Integer(ParseInteger(payload, "integer"));
                position = next;
                return true;
            case (byte)'$':
                return TryParseBulk(buffer, ref position, next, ParseInteger(payload, "bulk length"), out result);
            case (byte)'*':
                return TryParseArray(buffer, ref position, next, ParseInteger(payload, "array length"), depth, out result);
            default:
                throw new RedisProtocolException($"Unknown reply type byte 0x{type:X2}.");
        }
    }

    private static bool TryParseBulk(ReadOnlySpan<byte> buffer, ref int position, int start, long length, out RedisResult? result)
    {
        result = null;
        if (length == -1)
        {
            result = RedisResult.NullBulk;
            position = start;
            return true;
        }
        if (length < 0 || length > int.MaxValue - 2) throw new RedisProtocolException($"Invalid bulk string length {length}.");
        int end = start + (int)length;
        if (buffer.Length < end + 2) return false;
        if (buffer[end] != (byte)'\r' || buffer[end + 1] != (byte)'\n')
            throw new RedisProtocolException("A bulk string is not terminated by CRLF.");
        result = RedisResult.Bulk(buffer[start..end].ToArray());
        position = end + 2;
        return true;
    }

    private static bool TryParseArray(ReadOnlySpan<byte> buffer, ref int position, int start, long count, int depth, out RedisResult? result)
    {
        result = null;
        if (count == -1)
        {
            result = RedisResult.NullArray;
            position = start;
            return true;
        }
        if (count < 0 || count > int.MaxValue) throw new RedisProtocolException($"Invalid array length {count}.");
        if (depth >= MaxDepth) throw new RedisProtocolException($"Arrays nested deeper than {MaxDepth}.");
        // Each item takes at least 3 bytes (":0\r\n" is 4), so a count the buffer cannot hold yet means "not complete";
        // checking first avoids allocating a huge array for a reply that is still arriving.
        if (count > (buffer.Length - start) / 3) return false;
        var items = count == 0 ? [] : new RedisResult[count];
        int cursor = start;
        for (int i = 0; i < items.Length; i++)
        {
            if (!TryParseValue(buffer, ref cursor, depth + 1, out var item)) return false;
            items[i] = item!;
        }
        result = RedisResult.Array(items);
        position = cursor;
        return true;
    }

    private static bool TryReadLine(ReadOnlySpan<byte> buffer, int start, out ReadOnlySpan<byte> line, out int next)
    {
        int offset = buffer[start..].IndexOf((byte)'\n');
        if (offset < 0)
        {
            line = default;
            next = 0;
            return false;
        }
        if (offset == 0 || buffer[start + offset - 1] != (byte)'\r')
            throw new RedisProtocolException("A reply line is not terminated by CRLF.");
        line = buffer.Slice(start, offset - 1);
        next = start + offset + 1;
        return true;
    }

    private static long ParseInteger(ReadOnlySpan<byte> digits, string what)
    {
        if (Utf8Parser.TryParse(digits, out long value, out int used) && used == digits.Length) return value;
        throw new RedisProtocolException($"Invalid {what} '{Encoding.UTF8.GetString(digits)}'.");
    }
}
