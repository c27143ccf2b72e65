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
    /// <summary>Creates the actor over this node's queue.</summary>
    /// <param name="work">The queue calls are submitted to; started by its owner.</param>
    /// <param name="local">This node's DispatchActor, which gets every message that is not a call; null leaves them unhandled.</param>
    public ClusterSubmitActor(ClusterWorkQueue work, IActorRef? local)
    {
        ArgumentNullException.ThrowIfNull(work);
        Receive<APICalling>(call => _ = SubmitAsync(work, call).PipeTo(Sender, Self));
        if (local is not null) ReceiveAny(message => local.Tell(message, Sender));
    }

    /// <summary>Props for the actor; see the constructor.</summary>
    public static Props Props(ClusterWorkQueue work, IActorRef? local = null) =>
        Dispatch.Actors.Props.Create(() => new ClusterSubmitActor(work, local));

    private static async Task<APICallResult> SubmitAsync(ClusterWorkQueue work, APICalling call)
    {
        try
        {
            return await work.SubmitAsync(call).ConfigureAwait(false);
        }
        catch (ClusterUnavailableException ex)
        {
            return APICallResult.Rejected(call.CallId, ErrorKind.Connection, ex.Message);
        }
        catch (ObjectDisposedException)
        {
            return APICallResult.Cancelled(call.CallId, $"Node '{work.NodeName}' is stopping; the call was not submitted.");
        }
        catch (InvalidOperationException ex)
        {
            return APICallResult.Rejected(call.CallId, ErrorKind.InvalidRequest, ex.Message);
        }
        catch (ArgumentException ex)
        {
            return APICallResult.Rejected(call.CallId ?? string.Empty, ErrorKind.InvalidRequest, ex.Message);
        }
    }
}
