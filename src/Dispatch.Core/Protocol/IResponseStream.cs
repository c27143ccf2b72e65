namespace Dispatch.Core.Protocol;

/// <summary>
/// Where a streamed call's answer goes as it arrives (<see cref="APICalling.ResponseStream"/>): a successful (2xx)
/// response's status and headers first (<see cref="BeginAsync"/>), then its body chunk by chunk (<see cref="WriteAsync"/>),
/// each as soon as the provider sent it. The call still ends with its one <see cref="APICallResult"/>, sent after the
/// last chunk was written; its <see cref="APICallResult.Body"/> is then <see langword="null"/>. A failed answer (non-2xx)
/// is not streamed: it comes whole in the result's <see cref="APICallResult.Body"/>, as for any call.
/// </summary>
/// <remarks>
/// <para>
/// Local only: it lives in the process that submitted the call and is not serializable (a call Told to another node
/// arrives there without it and is answered whole, in <see cref="APICallResult.Body"/>). Dispatch.Cluster's
/// <c>DispatchProxy</c> carries it across nodes itself, as an Akka.Streams stream ref.
/// </para>
/// <para>
/// A call is retried only before <see cref="BeginAsync"/>; once the answer has begun, a failure ends the call
/// (the stream just stops), and a method that throws (the reader went away) ends it <see cref="CallStatus.Cancelled"/>.
/// The methods are called one at a time, in order, from the thread pool, never after the call's result was sent
/// except by an attempt the call already gave up on (whose writes an implementation may ignore).
/// </para>
/// </remarks>
public interface IResponseStream
{
    /// <summary>The answer begins: called once per call, before the first chunk (also for a 2xx answer without a body).</summary>
    /// <param name="start">The provider's status and headers, and which attempt this is.</param>
    /// <param name="cancellationToken">Cancelled when the call is cancelled or the attempt times out.</param>
    ValueTask BeginAsync(ResponseStreamStart start, CancellationToken cancellationToken);

    /// <summary>
    /// One chunk of the body as received: one whole server-sent event (with its ending blank line) when the answer is
    /// <c>text/event-stream</c>, else what one read returned. The memory is reused once the returned task completes.
    /// </summary>
    /// <param name="chunk">The bytes, decoded if the provider compressed them.</param>
    /// <param name="cancellationToken">Cancelled when the call is cancelled or the attempt times out.</param>
    ValueTask WriteAsync(ReadOnlyMemory<byte> chunk, CancellationToken cancellationToken);
}

/// <summary>How a streamed answer begins (<see cref="IResponseStream.BeginAsync"/>).</summary>
/// <param name="HttpStatus">The provider's status (2xx).</param>
/// <param name="Attempt">Which attempt of the call this answer is (1 for the first).</param>
/// <param name="Headers">
/// The provider's headers a client reads (<c>content-type</c>, <c>x-request-id</c>, <c>x-ratelimit-*</c>, ...), names in lower case;
/// <see langword="null"/> when it sent none of them.
/// </param>
public sealed record ResponseStreamStart(int HttpStatus, int Attempt, IReadOnlyDictionary<string, string>? Headers);
