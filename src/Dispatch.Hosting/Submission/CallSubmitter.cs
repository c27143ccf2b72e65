using Dispatch.Actors;
using Dispatch.Cluster;
using Dispatch.Core.Dispatching;
using Dispatch.Core.Protocol;
using Dispatch.Hosting.Registry;

namespace Dispatch.Hosting.Submission;

/// <summary>The node's <see cref="ICallSubmitter"/>: the hosted service tells it the cluster node (if any) before the pipeline is registered.</summary>
public sealed class CallSubmitter : ICallSubmitter
{
    private readonly IActorRegistry _registry;
    private volatile ClusterNode? _cluster;
    private volatile bool _draining;

    /// <summary>Created by dependency injection.</summary>
    /// <param name="registry">The registry the pipeline is found in.</param>
    public CallSubmitter(IActorRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        _registry = registry;
    }

    /// <inheritdoc />
    public bool IsClustered => _cluster is not null;

    /// <inheritdoc />
    public async Task<APICallResult> SubmitAsync(APICalling call, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(call);
        // The pipeline is registered after the cluster node is attached: once it is there, so is the node.
        var dispatch = await _registry.GetAsync<DispatchActor>(cancellationToken).ConfigureAwait(false);
        return _cluster is { } node ? await SubmitToClusterAsync(node, call, cancellationToken).ConfigureAwait(false) : await SubmitLocallyAsync(dispatch, call, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends calls to <paramref name="node"/> from now on.</summary>
    internal void Attach(ClusterNode node) => _cluster = node;

    /// <summary>Refuses new cluster submissions (the local pipeline refuses its own once it drains).</summary>
    internal void StopAccepting() => _draining = true;

    /// <summary>Submits to the cluster, or answers <c>Rejected</c> when this node is draining or has left.</summary>
    internal async Task<APICallResult> SubmitToClusterAsync(ClusterNode node, APICalling call, CancellationToken cancellationToken)
    {
        // Same answer as the pipeline gives while it drains.
        if (_draining) return APICallResult.Rejected(call.CallId, ErrorKind.Cancelled, $"Node '{node.NodeName}' is shutting down and takes no new calls.");
        try
        {
            return await node.SubmitAsync(call, cancellationToken).ConfigureAwait(false);
        }
        catch (ObjectDisposedException)
        {
            return APICallResult.Rejected(call.CallId, ErrorKind.Cancelled, $"Node '{node.NodeName}' has left the cluster and takes no new calls.");
        }
    }

    private static async Task<APICallResult> SubmitLocallyAsync(IActorRef dispatch, APICalling call, CancellationToken cancellationToken)
    {
        // A caller that gives up cancels its call, which still ends with one result (Cancelled).
        await using var cancel = cancellationToken.Register(() => dispatch.Tell(new CancelCall(call.CallId, call.Endpoint), ActorRefs.NoSender));
        return await dispatch.Ask<APICallResult>(call).ConfigureAwait(false);
    }
}
