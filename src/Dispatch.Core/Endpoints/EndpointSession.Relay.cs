using System.Buffers;
using Dispatch.Core.Errors;
using Dispatch.Core.Execution;
using Dispatch.Core.Protocol;

namespace Dispatch.Core.Endpoints;

/// <summary>The streamed answer: a 2xx body relayed to the call's <see cref="IResponseStream"/> as it is read.</summary>
public sealed partial class EndpointSession
{
    /// <summary>The first read's buffer; it grows (up to max-response-bytes) only for an event longer than it.</summary>
    private const int RelayBufferBytes = 16 * 1024;

    /// <summary>
    /// Relays a successful response's body to <paramref name="relay"/>: whole server-sent events for <c>text/event-stream</c>
    /// (so the usage chunk can be read and a gateway can drop an event), else each read as it comes. The status and headers
    /// go first, just before the first chunk. Counts the bytes against max-response-bytes. A failure before anything was
    /// relayed is an ordinary failed attempt (it may be retried); after, the result says <see cref="AttemptResult.Relayed"/>.
    /// </summary>
    private async ValueTask<AttemptResult> RelayAsync(APICalling call, IResponseStream relay, HttpResponseMessage response, int attemptNumber,
        CancellationToken token, CancellationToken caller)
    {
        var status = (int)response.StatusCode;
        var headers = ResponseHeaderCapture.From(response);
        var events = response.Content.Headers.ContentType?.MediaType is { } media && media.Equals("text/event-stream", StringComparison.OrdinalIgnoreCase);
        var limit = _options.MaxResponseBytes;
        var buffer = ArrayPool<byte>.Shared.Rent(RelayBufferBytes);
        var progress = new RelayProgress();
        try
        {
            await using var received = await response.Content.ReadAsStreamAsync(token).ConfigureAwait(false);
            await using var stream = Decoded(received, ContentEncoding(response.Content.Headers));
            var length = 0;
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (progress.Bytes + length > limit) return TooLarge(status, progress);
                    var larger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                var read = await stream.ReadAsync(buffer.AsMemory(length), token).ConfigureAwait(false);
                if (read == 0) break;
                length += read;
                var end = events ? ServerSentEvents.CompleteLength(buffer.AsSpan(0, length)) : length;
                var at = 0;
                while (at < end)
                {
                    var size = events ? ServerSentEvents.NextEventLength(buffer.AsSpan(at, end - at)) : end;
                    var chunk = buffer.AsMemory(at, size);
                    if (progress.Bytes + size > limit) return TooLarge(status, progress);
                    if (events && ServerSentEvents.TryReadUsage(chunk.Span, out var used)) progress.UsedTokens = used;
                    if (!await RelayChunkAsync(relay, chunk, new(status, attemptNumber, headers), progress, token).ConfigureAwait(false))
                        return ReaderGone(status, progress);
                    at += size;
                }

                buffer.AsSpan(at, length - at).CopyTo(buffer);
                length -= at;
            }

            // What is left is an event the provider did not end with a blank line, or a body that had none: relayed as it is.
            if (length > 0 && progress.Bytes + length > limit) return TooLarge(status, progress);
            if ((length > 0 || !progress.Begun) &&
                !await RelayChunkAsync(relay, buffer.AsMemory(0, length), new(status, attemptNumber, headers), progress, token).ConfigureAwait(false))
                return ReaderGone(status, progress);

            return AttemptResult.Success(status, null, progress.UsedTokens) with
            {
                Relayed = true,
                ResponseHeaders = call.WantsResponseHeaders ? headers : null,
            };
        }
        catch (Exception e) when (progress.Begun && !IsDisposed)
        {
            // The provider's stream broke after the caller had part of it.
            var outcome = ErrorClassifier.Classify(e, token.IsCancellationRequested && !caller.IsCancellationRequested);
            var kind = outcome.Kind is ErrorKind.Timeout or ErrorKind.Cancelled ? outcome.Kind : ErrorKind.Connection;
            var message = kind == ErrorKind.Timeout ? $"the attempt timed out after {_options.AttemptTimeout}" : $"the upstream's stream broke off: {outcome.Message}";
            return AttemptResult.Failure(kind, message, status) with { Relayed = true };
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Begins the relay if it has not, then writes <paramref name="chunk"/> (when not empty); <see langword="false"/> when the relay threw (its reader is gone).</summary>
    private static async ValueTask<bool> RelayChunkAsync(IResponseStream relay, ReadOnlyMemory<byte> chunk, ResponseStreamStart start, RelayProgress progress,
        CancellationToken token)
    {
        try
        {
            if (!progress.Begun)
            {
                progress.Begun = true;
                await relay.BeginAsync(start, token).ConfigureAwait(false);
            }

            if (!chunk.IsEmpty) await relay.WriteAsync(chunk, token).ConfigureAwait(false);
            progress.Bytes += chunk.Length;
            return true;
        }
        catch (Exception) when (!token.IsCancellationRequested)
        {
            return false;
        }
    }

    private AttemptResult TooLarge(int status, RelayProgress progress) =>
        AttemptResult.Failure(ErrorKind.InvalidResponse,
            $"the upstream's streamed response is larger than {_options.ConfigPath}.max-response-bytes ({_options.MaxResponseBytes})", status) with { Relayed = progress.Begun };

    private static AttemptResult ReaderGone(int status, RelayProgress progress) =>
        AttemptResult.Failure(ErrorKind.Cancelled, "the streamed answer's reader went away", status) with { Relayed = progress.Begun };

    /// <summary>How far a relay got (a class: async methods cannot share a local by reference).</summary>
    private sealed class RelayProgress
    {
        public bool Begun { get; set; }

        public long Bytes { get; set; }

        public long? UsedTokens { get; set; }
    }
}
