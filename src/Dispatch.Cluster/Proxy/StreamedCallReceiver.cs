using Akka.Actor;
using Akka.Streams;
using Akka.Streams.Dsl;
using Dispatch.Core.Protocol;

namespace Dispatch.Cluster.Proxy;

/// <summary>
/// The <c>dispatch</c> node's end of the streamed calls a <see cref="DispatchProxy"/> sends it: runs next to the node's
/// <c>DispatchActor</c>, at its path with <c>-streams</c> appended (<c>/user/dispatch-streams</c> beside
/// <c>/user/dispatch</c>), where the proxies look for it.
/// </summary>
/// <remarks>
/// Messages: <see cref="StreamedCall"/> → the call goes to the <c>DispatchActor</c> with a local
/// <see cref="APICalling.ResponseStream"/> that writes into the call's <see cref="StreamedCall.Answer"/>; once the call
/// has its result the stream is completed and the result sent to the proxy, as the <c>DispatchActor</c>'s (so the proxy
/// knows which node answered). A proxy whose reader went away cancels the stream, and that cancels the call
/// (<see cref="CancelCall"/>): it ends <see cref="CallStatus.Cancelled"/>, as when a local reader goes away. When the
/// <c>DispatchActor</c> stops, every call it had not answered is answered <see cref="CallStatus.Cancelled"/> and the
/// receiver stops with it: the proxy takes that as the node refusing the call and sends it on.
/// </remarks>
public sealed class StreamedCallReceiver : ReceiveActor
{
    /// <summary>What is appended to the <c>DispatchActor</c>'s name (and path) for this actor's.</summary>
    public const string NameSuffix = "-streams";

    /// <summary>How many chunks may wait to cross to the proxy's node before the call's relay waits for them.</summary>
    private const int ChunksInFlight = 16;

    private readonly IActorRef _dispatch;
    private readonly IMaterializer _materializer;

    /// <summary>Ends the calls still waiting for the <c>DispatchActor</c>'s answer once it has stopped.</summary>
    private readonly CancellationTokenSource _dispatchStopped = new();

    /// <summary>A receiver for the node whose <c>DispatchActor</c> is <paramref name="dispatch"/> (use <see cref="Props"/>).</summary>
    /// <param name="dispatch">The node's <c>DispatchActor</c>.</param>
    public StreamedCallReceiver(IActorRef dispatch)
    {
        _dispatch = dispatch;
        _materializer = Context.System.Materializer();
        Receive<StreamedCall>(Start);
        Receive<Terminated>(terminated => terminated.ActorRef.Equals(_dispatch), _ =>
        {
            _dispatchStopped.Cancel();
            Context.Stop(Self);
        });
        Context.Watch(dispatch);
    }

    /// <inheritdoc />
    /// <remarks>
    /// Only the <c>DispatchActor</c>'s stop cancels the calls waiting for its answer: after a restart of this actor, or
    /// when it is stopped on its own, those calls still run and their answers still go to the proxy (a Cancelled here
    /// would have the proxy send them once more).
    /// </remarks>
    protected override void PostStop() => _dispatchStopped.Dispose();

    /// <summary>Props for the receiver of the node whose <c>DispatchActor</c> is <paramref name="dispatch"/>; start it under that actor's name plus <see cref="NameSuffix"/>.</summary>
    /// <param name="dispatch">The node's <c>DispatchActor</c>.</param>
    public static Props Props(IActorRef dispatch)
    {
        ArgumentNullException.ThrowIfNull(dispatch);
        return Akka.Actor.Props.Create(() => new StreamedCallReceiver(dispatch));
    }

    private void Start(StreamedCall streamed)
    {
        var queue = Source.Queue<object>(ChunksInFlight, OverflowStrategy.Backpressure)
            .To(streamed.Answer.Sink)
            .Run(_materializer);
        var call = streamed.Call with { ResponseStream = new QueueResponseStream(queue) };
        var proxy = Sender;
        var dispatch = _dispatch;
        var answered = 0;
        // The stream ending before the call's result means the proxy's side cancelled it (its reader went away): the
        // call is cancelled now, not when its next chunk finds nobody to take it.
        queue.WatchCompletionAsync().ContinueWith(
            _ =>
            {
                if (Volatile.Read(ref answered) == 0) dispatch.Tell(new CancelCall(call.CallId, call.Endpoint), ActorRefs.NoSender);
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
        _ = dispatch.Ask<APICallResult>(call, _dispatchStopped.Token).ContinueWith(
            answer =>
            {
                // Every chunk was offered before the result was sent: completing now ends the proxy's stream after the last one.
                Volatile.Write(ref answered, 1);
                queue.Complete();
                var result = answer switch
                {
                    { IsCompletedSuccessfully: true } => answer.Result,
                    // The proxy sends a call its node did not ask to cancel on to another node (before its first chunk).
                    { IsCanceled: true } => APICallResult.Cancelled(call.CallId, "the dispatch node's pipeline stopped before it answered"),
                    _ => APICallResult.Failed(call.CallId, ErrorKind.Connection, $"the dispatch node lost the streamed call: {answer.Exception?.GetBaseException().Message}"),
                };
                proxy.Tell(result, dispatch);
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    /// <summary>The call's local stream on this node: each part goes into the queue that feeds the proxy's sink ref.</summary>
    private sealed class QueueResponseStream(ISourceQueueWithComplete<object> queue) : IResponseStream
    {
        public ValueTask BeginAsync(ResponseStreamStart start, CancellationToken cancellationToken) => OfferAsync(start, cancellationToken);

        // The memory is reused once the write returns: the chunk crosses as its own copy.
        public ValueTask WriteAsync(ReadOnlyMemory<byte> chunk, CancellationToken cancellationToken) => OfferAsync(chunk.ToArray(), cancellationToken);

        private async ValueTask OfferAsync(object part, CancellationToken cancellationToken)
        {
            var offered = await queue.OfferAsync(part).WaitAsync(cancellationToken).ConfigureAwait(false);
            if (offered is not QueueOfferResult.Enqueued)
                throw new OperationCanceledException($"the proxy's node no longer reads the streamed answer ({offered.GetType().Name})");
        }
    }
}
