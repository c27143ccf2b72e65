using Dispatch.Actors;
using Dispatch.Core.Protocol;

namespace Dispatch.Cluster.Work;

/// <summary>
/// The actor face of the cluster's queue: in cluster mode callers Tell (or Ask) it an <see cref="APICalling"/>
/// exactly as they would the DispatchActor, and get the one <see cref="APICallResult"/> back from whichever
/// node ran the call. Every other message (status, cancel) goes to this node's own pipeline.
/// </summary>
/// <remarks>
/// A call Redis could not accept is answered <see cref="CallStatus.Rejected"/> with <see cref="ErrorKind.Connection"/>
/// and the reason, so the caller still gets its one final result rather than a failure it must special-case.
/// </remarks>
public sealed class ClusterSubmitActor : ReceiveActor
{
    /// <summary>Creates the actor over a submit function (a <see cref="ClusterNode"/>'s or a <see cref="ClusterWorkQueue"/>'s).</summary>
    /// <param name="submit">Submits a call to the cluster and returns its result.</param>
    /// <param name="nodeName">This node's name, for the answer to a call submitted while the node stops.</param>
    /// <param name="local">This node's DispatchActor, which gets every message that is not a call; null leaves them unhandled.</param>
    public ClusterSubmitActor(Func<APICalling, Task<APICallResult>> submit, string nodeName, IActorRef? local)
    {
        ArgumentNullException.ThrowIfNull(submit);
        Receive<APICalling>(call => _ = SubmitAsync(submit, nodeName, call).PipeTo(Sender, Self));
        if (local is not null) ReceiveAny(message => local.Tell(message, Sender));
    }

    /// <summary>Props for the actor in front of a node: calls for endpoints the node does not know are rejected at once.</summary>
    public static Props Props(ClusterNode node, IActorRef? local = null)
    {
        ArgumentNullException.ThrowIfNull(node);
        return Dispatch.Actors.Props.Create(() => new ClusterSubmitActor(call => node.SubmitAsync(call, CancellationToken.None), node.NodeName, local));
    }

    /// <summary>Props for the actor in front of a work queue.</summary>
    public static Props Props(ClusterWorkQueue work, IActorRef? local = null)
    {
        ArgumentNullException.ThrowIfNull(work);
        return Dispatch.Actors.Props.Create(() => new ClusterSubmitActor(call => work.SubmitAsync(call, CancellationToken.None), work.NodeName, local));
    }

    private static async Task<APICallResult> SubmitAsync(Func<APICalling, Task<APICallResult>> submit, string nodeName, APICalling call)
    {
        try
        {
            return await submit(call).ConfigureAwait(false);
        }
        catch (ClusterUnavailableException ex)
        {
            return APICallResult.Rejected(call.CallId, ErrorKind.Connection, ex.Message);
        }
        catch (ObjectDisposedException)
        {
            return APICallResult.Cancelled(call.CallId, $"Node '{nodeName}' is stopping; the call was not submitted.");
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException)
        {
            return APICallResult.Rejected(call.CallId ?? string.Empty, ErrorKind.InvalidRequest, ex.Message);
        }
    }
}
