using System.Buffers;
using System.Text;

namespace Dispatch.Cluster.Redis;

/// <summary>
/// A growable output buffer rented from the shared pool, into which commands are framed as
/// RESP2 arrays of bulk strings. Not thread safe: the connection guards it with its write lock.
/// </summary>
internal sealed class RespWriter : IDisposable
{
    private byte[] _buffer;
    private int _length;

    public RespWriter(int initialCapacity = 4096) => _buffer = ArrayPool<byte>.Shared.Rent(initialCapacity);

    public int Length => _length;

    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, _length);

    public void Clear() => _length = 0;

    /// <summary>Drops everything written after <paramref name="length"/> (a command that failed half-way).</summary>
    public void Truncate(int length) => _length = length;

    /// <summary>Frames <c>command args...</c> as one RESP2 request.</summary>
    public void WriteCommand(string command, ReadOnlySpan<RedisValue> args)
    {
        WriteHeader((byte)'*', args.Length + 1);
        int commandLength = Encoding.UTF8.GetByteCount(command);
        WriteHeader((byte)'$', commandLength);
        Encoding.UTF8.GetBytes(command, Reserve(commandLength + 2));
        Terminate(commandLength);
        foreach (var arg in args)
        {
            int length = arg.ByteCount;
            WriteHeader((byte)'$', length);
            arg.CopyTo(Reserve(length + 2));
            Terminate(length);
        }
    }

    private void WriteHeader(byte prefix, long count)
    {
        var span = Reserve(24);
        span[0] = prefix;
        count.TryFormat(span[1..], out int digits, default, System.Globalization.CultureInfo.InvariantCulture);
        span[1 + digits] = (byte)'\r';
        span[2 + digits] = (byte)'\n';
        _length += digits + 3;
    }

    private void Terminate(int payloadLength)
    {
        _buffer[_length + payloadLength] = (byte)'\r';
        _buffer[_length + payloadLength + 1] = (byte)'\n';
        _length += payloadLength + 2;
    }

    private Span<byte> Reserve(int size)
    {
        if (_buffer.Length - _length < size)
        {
            var larger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _length + size));
            _buffer.AsSpan(0, _length).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = larger;
        }
        return _buffer.AsSpan(_length, size);
    }

    public void Dispose()
    {
        var buffer = Interlocked.Exchange(ref _buffer, []);
        if (buffer.Length > 0) ArrayPool<byte>.Shared.Return(buffer);
        _length = 0;
    }
}
