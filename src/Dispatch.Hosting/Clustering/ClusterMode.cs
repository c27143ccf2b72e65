using Akka.Actor;
using Dispatch.Cluster;
using Dispatch.Cluster.Protocol;
using Dispatch.Core.Options;
using Dispatch.Hosting.Configuration;

namespace Dispatch.Hosting.Clustering;

/// <summary>
/// Cluster mode on one hosted node: the <see cref="ClusterQuota"/> its pipeline draws credits from, and the
/// node's view of the cluster for <c>GET /v1/status</c>. An Akka extension of the actor system, present only when
/// the node's <c>akka.actor.provider</c> is <c>cluster</c>; <see cref="Get"/> is <see langword="null"/> standalone.
/// </summary>
public sealed class ClusterMode : IExtension
{
    private ClusterMode(ActorSystem system, ClusterQuota quota)
    {
        System = system;
        Quota = quota;
    }

    /// <summary>The node's actor system.</summary>
    public ActorSystem System { get; }

    /// <summary>The endpoints' shared quotas on this node.</summary>
    public ClusterQuota Quota { get; }

    /// <summary>The node's cluster mode, or <see langword="null"/> when the node runs standalone.</summary>
    /// <param name="system">The node's actor system.</param>
    public static ClusterMode? Get(ActorSystem system)
    {
        ArgumentNullException.ThrowIfNull(system);
        return system.HasExtension<ClusterMode>() ? system.GetExtension<ClusterMode>() : null;
    }

    /// <summary>
    /// Starts the shared quota on a cluster node: the node must carry <see cref="ClusterQuotaOptions.Role"/> (a node
    /// without it would spend the whole limit on its own; <c>DispatchProxy</c> for such nodes is not there yet).
    /// </summary>
    /// <exception cref="DispatchOptionsException">The node lacks the role.</exception>
    internal static ClusterMode Start(ActorSystem system, DispatchSettings settings)
    {
        var role = settings.ClusterQuota.Role;
        var cluster = Akka.Cluster.Cluster.Get(system);
        if (!cluster.SelfRoles.Contains(role))
        {
            throw new DispatchOptionsException([
                $"akka.cluster.roles must include '{role}' ({ClusterQuotaOptions.Path}.role) on a node that runs Dispatch in a cluster " +
                $"(was [{string.Join(", ", cluster.SelfRoles)}]): only nodes with that role share the endpoints' quotas, and a proxy for nodes without it is not available yet",
            ]);
        }

        var quota = ClusterQuota.Start(system, settings.Dispatch, settings.ClusterQuota);
        return (ClusterMode)system.RegisterExtension(new Id(new ClusterMode(system, quota)));
    }

    /// <summary>
    /// The cluster section of <c>GET /v1/status</c>: this node, the leader, every member as Akka.Cluster sees it now, and
    /// each endpoint's quota owner and leases (from <see cref="ClusterQuota.GetStatusAsync"/>; an owner that does not answer
    /// within <paramref name="timeout"/> is listed as <see langword="null"/>).
    /// </summary>
    /// <param name="timeout">How long to wait for each endpoint's owner.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    public async Task<ClusterStatus> GetStatusAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var cluster = Akka.Cluster.Cluster.Get(System);
        var state = cluster.State;
        var members = state.Members
            .Select(m => new ClusterMemberStatus(m.Address.ToString(), m.Status.ToString(), m.Roles.Order(StringComparer.Ordinal).ToArray()))
            .ToArray();
        var quota = await Quota.GetStatusAsync(timeout, cancellationToken).ConfigureAwait(false);
        return new ClusterStatus(
            cluster.SelfAddress.ToString(),
            state.Leader?.ToString(),
            members,
            quota.Endpoints.Select(e => new EndpointQuotaOwner(e.Endpoint, e.Owner, e.Leases)).ToArray());
    }

    private sealed class Id(ClusterMode mode) : ExtensionIdProvider<ClusterMode>
    {
        public override ClusterMode CreateExtension(ExtendedActorSystem system) => mode;
    }
}

/// <summary>The cluster section of <c>GET /v1/status</c>.</summary>
/// <param name="Self">This node's address, e.g. <c>akka.tcp://dispatch@127.0.0.1:4053</c>.</param>
/// <param name="Leader">The cluster leader's address, if one is known.</param>
/// <param name="Members">Every member this node knows of.</param>
/// <param name="Quota">Each endpoint's quota: where its owner runs and the credits each node holds.</param>
public sealed record ClusterStatus(string Self, string? Leader, IReadOnlyList<ClusterMemberStatus> Members, IReadOnlyList<EndpointQuotaOwner> Quota);

/// <summary>A cluster member.</summary>
/// <param name="Address">Its address.</param>
/// <param name="Status">Akka.Cluster's member status: Joining, Up, Leaving, Exiting, Down, Removed, WeaklyUp.</param>
/// <param name="Roles">Its roles.</param>
public sealed record ClusterMemberStatus(string Address, string Status, IReadOnlyList<string> Roles);

/// <summary>An endpoint's quota across the cluster.</summary>
/// <param name="Endpoint">The endpoint.</param>
/// <param name="Owner">The address of the node hosting its owner; <see langword="null"/> when no owner answered in time.</param>
/// <param name="Leases">Per node, the request and token credits of its live leases.</param>
public sealed record EndpointQuotaOwner(string Endpoint, string? Owner, IReadOnlyList<NodeLease> Leases);
