using Akka.Streams;
using Akka.Streams.Dsl;
using Dispatch.Core.Protocol;

namespace Dispatch.Cluster.Proxy;

/// <summary>
/// One send of a streamed call, on the proxy's node: an Akka.Streams sink ref (<see cref="SinkRef"/>, which travels in
/// the <see cref="StreamedCall"/>) whose parts are written, one at a time and in order, to the caller's local
/// <see cref="IResponseStream"/>. Each send has its own: a sink ref is materialized once, by one dispatch node.
/// </summary>
internal sealed class StreamRelay
{
    private readonly IResponseStream _local;
    private readonly CancellationTokenSource _cancel = new();
    private readonly UniqueKillSwitch _kill;
    private volatile bool _begun;
    private volatile bool _readerGone;

    private StreamRelay(IResponseStream local, IMaterializer materializer)
    {
        _local = local;
        ((SinkRef, _kill), Completion) = StreamRefs.SinkRef<object>()
            .ViaMaterialized(KillSwitches.Single<object>(), Keep.Both)
            .ToMaterialized(Sink.ForEachAsync<object>(1, WriteAsync), Keep.Both)
            .Run(materializer);
    }

    /// <summary>The sink ref to send with the call; completes once the stream is running.</summary>
    public Task<ISinkRef<object>> SinkRef { get; }

    /// <summary>Completes (or fails) when the dispatch node has completed the stream and every part was written here, or the relay was stopped.</summary>
    public Task Completion { get; }

    /// <summary>Whether the answer has begun reaching the caller: the call can no longer be sent again.</summary>
    public bool Begun => _begun;

    /// <summary>Whether writing to the caller's stream failed (its reader went away): the call ends <see cref="CallStatus.Cancelled"/>, as wanted.</summary>
    public bool ReaderGone => _readerGone;

    /// <summary>Starts a relay into <paramref name="local"/>.</summary>
    public static StreamRelay Start(IResponseStream local, IMaterializer materializer) => new(local, materializer);

    /// <summary>Stops the relay: nothing more is written to the caller's stream, and the dispatch node's end is cancelled.</summary>
    public void Stop()
    {
        _cancel.Cancel();
        _kill.Abort(new OperationCanceledException("the proxy gave the streamed call up"));
    }

    private async Task WriteAsync(object part)
    {
        var token = _cancel.Token;
        token.ThrowIfCancellationRequested();
        try
        {
            switch (part)
            {
                case ResponseStreamStart start:
                    _begun = true;
                    await _local.BeginAsync(start, token).ConfigureAwait(false);
                    break;
                case byte[] chunk:
                    await _local.WriteAsync(chunk, token).ConfigureAwait(false);
                    break;
            }
        }
        catch (Exception) when (!token.IsCancellationRequested)
        {
            // Failing the stream cancels the dispatch node's end, whose relay then ends the call Cancelled.
            _readerGone = true;
            throw;
        }
    }
}
