using System.Collections.Concurrent;
using System.Text;
using Dispatch.Core.Protocol;

namespace Dispatch.Core.Tests.Support;

/// <summary>An <see cref="IResponseStream"/> that records what it is given, and can stand for a reader that went away.</summary>
public sealed class RecordingResponseStream : IResponseStream
{
    private readonly TaskCompletionSource _firstChunk = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Every <see cref="BeginAsync"/>, in order.</summary>
    public ConcurrentQueue<ResponseStreamStart> Begins { get; } = new();

    /// <summary>Every chunk written, as text, in order.</summary>
    public ConcurrentQueue<string> Chunks { get; } = new();

    /// <summary>When set, every write throws, as a write to a closed connection does.</summary>
    public bool ReaderGone { get; init; }

    /// <summary>Completes when the first chunk has been written (or refused).</summary>
    public Task FirstChunk => _firstChunk.Task;

    public ValueTask BeginAsync(ResponseStreamStart start, CancellationToken cancellationToken)
    {
        Begins.Enqueue(start);
        return ValueTask.CompletedTask;
    }

    public ValueTask WriteAsync(ReadOnlyMemory<byte> chunk, CancellationToken cancellationToken)
    {
        if (ReaderGone)
        {
            _firstChunk.TrySetResult();
            throw new IOException("the client closed the connection");
        }

        // Recorded before it is signalled: a test woken by FirstChunk reads Chunks on another thread at once.
        Chunks.Enqueue(Encoding.UTF8.GetString(chunk.Span));
        _firstChunk.TrySetResult();
        return ValueTask.CompletedTask;
    }
}
