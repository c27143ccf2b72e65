using System.Buffers.Text;
using System.Text;

namespace Dispatch.Cluster.Redis;

/// <summary>
/// Parses RESP2 replies out of a byte buffer. A reply that is not complete yet is left
/// unconsumed, so the reader can append the next chunk from the socket and try again.
/// </summary>
/// <remarks>
/// Parsing takes two passes: the first only checks that a whole reply is there (and that it is
/// well formed) without allocating, the second builds the result. A large reply arriving in many
/// chunks is therefore re-scanned per chunk but builds no garbage until it is complete.
/// </remarks>
internal static class RespParser
{
    // Deep nesting only comes from a corrupt stream; bound it so a bad reply cannot overflow the stack.
    private const int MaxDepth = 64;

    /// <summary>Parses one complete reply from the start of <paramref name="buffer"/>.</summary>
    /// <returns>False when the buffer holds only part of a reply (nothing is consumed).</returns>
    /// <exception cref="RedisProtocolException">The bytes are not RESP2.</exception>
    public static bool TryParse(ReadOnlySpan<byte> buffer, out RedisResult result, out int consumed)
    {
        int end = 0;
        if (!TrySkip(buffer, ref end, 0))
        {
            result = null!;
            consumed = 0;
            return false;
        }
        int position = 0;
        result = Build(buffer, ref position);
        consumed = position;
        return true;
    }

    // Pass 1: is a whole, well-formed reply there? Moves position past it; allocates nothing.
    private static bool TrySkip(ReadOnlySpan<byte> buffer, ref int position, int depth)
    {
        if (!TryReadLine(buffer, position, out var line, out int next)) return false;
        if (line.IsEmpty) throw new RedisProtocolException("An empty line where a reply type was expected.");
        var payload = line[1..];
        switch (line[0])
        {
            case (byte)'+' or (byte)'-':
                position = next;
                return true;
            case (byte)':':
                ParseInteger(payload, "integer");
                position = next;
                return true;
            case (byte)'$':
                long length = ParseInteger(payload, "bulk length");
                if (length == -1)
                {
                    position = next;
                    return true;
                }
                if (length < 0 || length > int.MaxValue - 2) throw new RedisProtocolException($"Invalid bulk string length {length}.");
                int end = next + (int)length;
                if (buffer.Length < end + 2) return false;
                if (buffer[end] != (byte)'\r' || buffer[end + 1] != (byte)'\n')
                    throw new RedisProtocolException("A bulk string is not terminated by CRLF.");
                position = end + 2;
                return true;
            case (byte)'*':
                long count = ParseInteger(payload, "array length");
                if (count < -1 || count > int.MaxValue) throw new RedisProtocolException($"Invalid array length {count}.");
                if (count > 0 && depth >= MaxDepth) throw new RedisProtocolException($"Arrays nested deeper than {MaxDepth}.");
                int cursor = next;
                for (long i = 0; i < count; i++)
                    if (!TrySkip(buffer, ref cursor, depth + 1)) return false;
                position = cursor;
                return true;
            default:
                throw new RedisProtocolException($"Unknown reply type byte 0x{line[0]:X2}.");
        }
    }

    // Pass 2: build the reply that pass 1 found complete and valid.
    private static RedisResult Build(ReadOnlySpan<byte> buffer, ref int position)
    {
        TryReadLine(buffer, position, out var line, out int next);
        var payload = line[1..];
        position = next;
        switch (line[0])
        {
            case (byte)'+':
                return RedisResult.SimpleString(Encoding.UTF8.GetString(payload));
            case (byte)'-':
                return RedisResult.Error(Encoding.UTF8.GetString(payload));
            case (byte)':':
                return RedisResult.Integer(ParseInteger(payload, "integer"));
            case (byte)'$':
                int length = (int)ParseInteger(payload, "bulk length");
                if (length == -1) return RedisResult.NullBulk;
                var bytes = buffer.Slice(next, length).ToArray();
                position = next + length + 2;
                return RedisResult.Bulk(bytes);
            default:
                int count = (int)ParseInteger(payload, "array length");
                if (count == -1) return RedisResult.NullArray;
                if (count == 0) return RedisResult.EmptyArray;
                var items = new RedisResult[count];
                for (int i = 0; i < items.Length; i++) items[i] = Build(buffer, ref position);
                return RedisResult.Array(items);
        }
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
