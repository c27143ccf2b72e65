using System.Buffers;
using System.IO.Pipelines;

namespace Dispatch.FakeUpstream.Serving;

/// <summary>
/// A request body read whole. Single-segment bodies (the usual case) are used in place, without a
/// copy; larger ones are copied into one pooled array so the JSON reader sees contiguous bytes.
/// </summary>
internal sealed class RequestBody : IDisposable
{
    private readonly PipeReader _reader;
    private readonly ReadOnlySequence<byte> _sequence;
    private byte[]? _rented;

    private RequestBody(PipeReader reader, ReadOnlySequence<byte> sequence)
    {
        _reader = reader;
        _sequence = sequence;
        if (sequence.IsSingleSegment)
        {
            Memory = sequence.First;
        }
        else
        {
            _rented = ArrayPool<byte>.Shared.Rent((int)sequence.Length);
            sequence.CopyTo(_rented);
            Memory = _rented.AsMemory(0, (int)sequence.Length);
        }
    }

    /// <summary>The body's bytes.</summary>
    public ReadOnlyMemory<byte> Memory { get; }

    /// <summary>Reads the whole body; Kestrel enforces the size limit while reading.</summary>
    public static async ValueTask<RequestBody> ReadAsync(PipeReader reader, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken);
            if (result.IsCompleted || result.IsCanceled) return new RequestBody(reader, result.Buffer);
            // Nothing consumed, everything examined: wake up only when more arrives.
            reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }
    }

    public void Dispose()
    {
        if (_rented is { } rented)
        {
            _rented = null;
            ArrayPool<byte>.Shared.Return(rented);
        }

        _reader.AdvanceTo(_sequence.End);
    }
}
