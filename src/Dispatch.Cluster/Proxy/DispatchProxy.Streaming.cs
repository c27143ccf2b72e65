using Akka.Actor;
using Akka.Streams;
using Dispatch.Core.Protocol;

namespace Dispatch.Cluster.Proxy;

/// <summary>
/// Streamed calls across nodes: a call with a local <see cref="APICalling.ResponseStream"/> goes to a remote node's
/// <see cref="StreamedCallReceiver"/> with a fresh Akka.Streams sink ref per send (<see cref="StreamRelay"/>), and its
/// result is passed on only after the last chunk reached the caller's stream. Once the answer has begun it is never
/// sent again: a node lost after that ends the call <see cref="ErrorKind.Connection"/>.
/// </summary>
public sealed partial class DispatchProxy
{
    private IMaterializer? _materializer;

    /// <summary>The streams of this proxy's relays run as its children, so they stop with it.</summary>
    private IMaterializer Materializer => _materializer ??= Context.Materializer();

    private void ReceiveStreaming()
    {
        Receive<StreamOpened>(Opened);
        Receive<StreamEnded>(ended =>
        {
            if (_calls.TryGetValue(ended.CallId, out var entry) && ReferenceEquals(entry, ended.Entry) && entry.Answer is { } answer) Finish(entry, answer);
        });
    }

    /// <summary>Starts this send's relay; the call goes to the node once its sink ref is ready (<see cref="StreamOpened"/>).</summary>
    private void OpenStream(ProxiedCall entry, IResponseStream local)
    {
        entry.Relay?.Stop();
        var relay = entry.Relay = StreamRelay.Start(local, Materializer);
        var send = entry.Sends;
        relay.SinkRef.PipeTo(Self, Self,
            sink => new StreamOpened(entry.Call.CallId, entry, send, sink),
            _ => new StreamOpened(entry.Call.CallId, entry, send, null));
    }

    private void Opened(StreamOpened opened)
    {
        if (!_calls.TryGetValue(opened.CallId, out var entry) || !ReferenceEquals(entry, opened.Entry) || entry.Sends != opened.Send) return;
        // Lost (and re-sent, or waiting for a node) before its sink ref was ready: that send is over.
        if (entry.Node is not { } address || !_nodes.TryGetValue(address, out var node) || node.Dispatch is not { } dispatch) return;
        if (opened.Sink is { } sink && node.Streams is { } streams)
        {
            streams.Tell(new StreamedCall(entry.Call with { ResponseStream = null }, sink), Self);
            return;
        }

        // No sink ref after all: the node answers the call whole, as to any caller without a stream.
        entry.Relay?.Stop();
        entry.Relay = null;
        dispatch.Tell(entry.Call, Self);
    }

    /// <summary>Holds a streamed call's result until its relay has written every chunk the node sent before it.</summary>
    private void AwaitStreamEnd(ProxiedCall entry, StreamRelay relay, APICallResult result)
    {
        entry.Answer = result;
        var callId = entry.Call.CallId;
        relay.Completion.PipeTo(Self, Self, success: () => new StreamEnded(callId, entry), failure: _ => new StreamEnded(callId, entry));
    }
}
