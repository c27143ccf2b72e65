using Dispatch.Cluster;
using Dispatch.Core.Protocol;

namespace Dispatch.Hosting.Submission;

/// <summary>
/// Submits calls the way this node is configured to run them: to the cluster when <c>dispatch.cluster.enabled</c>
/// is on (any node may run the call; its result comes back here), to this node's own pipeline otherwise.
/// The HTTP ingress submits through it; services get it from dependency injection.
/// </summary>
public interface ICallSubmitter
{
    /// <summary>Whether calls go to the cluster (true) or to this node's pipeline (false); known once the host has started.</summary>
    bool IsClustered { get; }

    /// <summary>Submits a call and returns its one final result.</summary>
    /// <param name="call">The call.</param>
    /// <param name="cancellationToken">
    /// The caller gave up. Standalone, the call is cancelled and the task still completes with its (<c>Cancelled</c>) result.
    /// In cluster mode the task stops waiting; a call already queued still runs on some node.
    /// </param>
    /// <exception cref="ClusterUnavailableException">Cluster mode, Redis is unreachable and <c>when-redis-down = fail</c>.</exception>
    Task<APICallResult> SubmitAsync(APICalling call, CancellationToken cancellationToken = default);
}
