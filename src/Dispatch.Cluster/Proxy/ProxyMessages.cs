using Akka.Actor;
using Dispatch.Core.Protocol;

namespace Dispatch.Cluster.Proxy;

/// <summary>
/// Published on the proxy's event stream when a call is sent again because the node running it was lost (removed
/// from the cluster, or its <c>DispatchActor</c> stopped) or shut down before answering. The call keeps its id and
/// its <c>Idempotency-Key</c>.
/// </summary>
/// <param name="CallId">The call's id.</param>
/// <param name="Endpoint">The call's endpoint.</param>
/// <param name="LostNode">The address of the node that had it.</param>
/// <param name="Send">How many times the call has now been handed to a node, this one included (2 for the first re-send).</param>
public sealed record CallResent(string CallId, string Endpoint, string LostNode, int Send);

/// <summary>
/// Published on the proxy's event stream when the node running a streamed call was lost after the call's answer had
/// begun reaching its caller: the call is not sent again, and ends <c>Failed</c>/<c>Connection</c>.
/// </summary>
/// <param name="CallId">The call's id.</param>
/// <param name="Endpoint">The call's endpoint.</param>
/// <param name="LostNode">The address of the node that had it.</param>
public sealed record CallCutOff(string CallId, string Endpoint, string LostNode);

/// <summary>
/// Published on the proxy's event stream with every answer the proxy gives a caller, once per call, as a
/// <c>dispatch</c> node publishes <c>CallFinished</c> for the calls its pipeline answers.
/// </summary>
/// <param name="Endpoint">The call's endpoint.</param>
/// <param name="Result">The answer passed to the caller.</param>
/// <param name="Duration">From the call's arrival at the proxy to its answer, on the actor system's scheduler: the time the caller saw.</param>
public sealed record ProxyCallFinished(string Endpoint, APICallResult Result, TimeSpan Duration);

/// <summary>Asks a <see cref="DispatchProxy"/> for its own state; answered with a <see cref="DispatchProxyStatus"/>.</summary>
public sealed record GetProxyStatus
{
    /// <summary>The one instance.</summary>
    public static GetProxyStatus Instance { get; } = new();
}

/// <summary>A <see cref="DispatchProxy"/>'s state at an instant.</summary>
/// <param name="Nodes">The <c>dispatch</c> nodes it knows of.</param>
/// <param name="Calls">Calls accepted and not yet answered (on nodes or waiting).</param>
/// <param name="Waiting">Of <paramref name="Calls"/>, those waiting for a ready node.</param>
/// <param name="Resent">Calls re-sent since the proxy started because their node was lost.</param>
public sealed record DispatchProxyStatus(IReadOnlyList<ProxyNodeStatus> Nodes, int Calls, int Waiting, long Resent);

/// <summary>A <c>dispatch</c> node as the proxy sees it.</summary>
/// <param name="Address">The node's address.</param>
/// <param name="Ready">Whether new calls go to it: its <c>DispatchActor</c> is known, it is reachable and not leaving.</param>
/// <param name="Outstanding">Calls sent to it and not yet answered.</param>
public sealed record ProxyNodeStatus(string Address, bool Ready, int Outstanding);

/// <summary>A <c>dispatch</c> node's <c>DispatchActor</c> (and its <see cref="StreamedCallReceiver"/>, if it runs one) is known: new calls may go to it.</summary>
internal sealed record NodeReady(Address Node, IActorRef Dispatch, IActorRef? Streams = null);

/// <summary>The <see cref="Identify"/> message id asking for a node's <see cref="StreamedCallReceiver"/>, once its <c>DispatchActor</c> is found.</summary>
internal sealed record StreamsOf(Address Node, IActorRef Dispatch);

/// <summary>A <c>dispatch</c> node is gone (removed from the cluster): calls it had are sent elsewhere.</summary>
internal sealed record NodeLost(Address Node);

/// <summary>A <c>dispatch</c> node stopped taking new calls for now (unreachable, or leaving) or takes them again.</summary>
internal sealed record NodeAvailability(Address Node, bool Available);

/// <summary>A call's deadline passed while the proxy still waited for its answer.</summary>
internal sealed record CallExpired(string CallId, object Entry);

/// <summary>The drain's time is up: calls still unanswered are cancelled.</summary>
internal sealed record DrainExpired
{
    public static DrainExpired Instance { get; } = new();
}

/// <summary>Ask a node again for its <c>DispatchActor</c>.</summary>
internal sealed record IdentifyAgain(Address Node);

/// <summary>A streamed call's sink ref is ready (or failed: <see cref="Sink"/> is <see langword="null"/>) for its send number <see cref="Send"/>.</summary>
internal sealed record StreamOpened(string CallId, object Entry, int Send, Akka.Streams.ISinkRef<object>? Sink);

/// <summary>A streamed call's relay has ended: its held result can go to its caller.</summary>
internal sealed record StreamEnded(string CallId, object Entry);
