using Akka.Actor;
using Akka.Hosting;
using Dispatch.Cluster;
using Dispatch.Cluster.Protocol;
using Dispatch.Cluster.Proxy;
using Dispatch.Core.Options;
using Dispatch.Hosting.Configuration;
using Dispatch.Hosting.Telemetry;

namespace Dispatch.Hosting.Clustering;

/// <summary>
/// Cluster mode on one hosted node, and the node's view of the cluster for <c>GET /v1/status</c>. A node with the
/// role <see cref="ClusterQuotaOptions.Role"/> runs the pipeline on the <see cref="ClusterQuota"/> it shares with the
/// other such nodes; a node without it is a proxy node: it runs no pipeline, and its calls go through a
/// <see cref="DispatchProxy"/> to the nodes that have the role. An Akka extension of the actor system, present only
/// when the node's <c>akka.actor.provider</c> is <c>cluster</c>; <see cref="Get"/> is <see langword="null"/> standalone.
/// </summary>
public sealed class ClusterMode : IExtension
{
    /// <summary>The name of the <see cref="DispatchProxy"/> under <c>/user</c>.</summary>
    public const string ProxyName = "dispatch-proxy";

    private ClusterMode(ActorSystem system, ClusterQuota? quota, IActorRef? proxy)
    {
        System = system;
        Quota = quota;
        Proxy = proxy;
    }

    /// <summary>The node's actor system.</summary>
    public ActorSystem System { get; }

    /// <summary>The endpoints' shared quotas on this node; <see langword="null"/> on a proxy node.</summary>
    public ClusterQuota? Quota { get; }

    /// <summary>On a proxy node, the <see cref="DispatchProxy"/> its calls go through; <see langword="null"/> on a node with the role.</summary>
    public IActorRef? Proxy { get; }

    /// <summary>The node's cluster mode, or <see langword="null"/> when the node runs standalone.</summary>
    /// <param name="system">The node's actor system.</param>
    public static ClusterMode? Get(ActorSystem system)
    {
        ArgumentNullException.ThrowIfNull(system);
        return system.HasExtension<ClusterMode>() ? system.GetExtension<ClusterMode>() : null;
    }

    /// <summary>
    /// Starts cluster mode on a node: the shared quota when the node carries <see cref="ClusterQuotaOptions.Role"/>,
    /// else a <see cref="DispatchProxy"/> to the nodes that do (registered as <see cref="DispatchProxy"/>).
    /// </summary>
    /// <param name="system">The node's actor system, a cluster system.</param>
    /// <param name="registry">Akka.Hosting's registry.</param>
    /// <param name="settings">The node's settings.</param>
    /// <param name="dispatchName">The name of the <c>DispatchActor</c> under <c>/user</c> on the nodes with the role.</param>
    /// <param name="statusPollInterval">How often a proxy's state is polled for the metrics.</param>
    internal static ClusterMode Start(ActorSystem system, IActorRegistry registry, DispatchSettings settings, string dispatchName, TimeSpan statusPollInterval)
    {
        var role = settings.ClusterQuota.Role;
        var mode = Akka.Cluster.Cluster.Get(system).SelfRoles.Contains(role)
            ? new ClusterMode(system, ClusterQuota.Start(system, settings.Dispatch, settings.ClusterQuota), null)
            : new ClusterMode(system, null, StartProxy(system, registry, settings.ClusterProxy with { Role = role, DispatchPath = "/user/" + dispatchName }, statusPollInterval));
        return (ClusterMode)system.RegisterExtension(new Id(mode));
    }

    /// <summary>
    /// Starts the node's <see cref="DispatchProxy"/> at <c>/user/dispatch-proxy</c> and registers it as
    /// <see cref="DispatchProxy"/>, with its telemetry feeding the node's <c>Dispatch</c> meter, unless one is registered
    /// already (then that one is returned).
    /// </summary>
    /// <param name="system">The node's actor system, a cluster system.</param>
    /// <param name="registry">Akka.Hosting's registry.</param>
    /// <param name="options">The proxy's options.</param>
    /// <param name="statusPollInterval">How often the proxy's state is polled for the metrics.</param>
    /// <exception cref="DispatchOptionsException">The actor system is not a cluster system.</exception>
    internal static IActorRef StartProxy(ActorSystem system, IActorRegistry registry, DispatchProxyOptions options, TimeSpan statusPollInterval)
    {
        if (registry.TryGet<DispatchProxy>(out var started)) return started;
        if (((ExtendedActorSystem)system).Provider is not Akka.Cluster.ClusterActorRefProvider)
        {
            throw new DispatchOptionsException([
                $"akka.actor.provider must be 'cluster' for a DispatchProxy (was '{system.Settings.ProviderClass}'): it sends calls to the cluster's nodes with the role '{options.Role}'",
            ]);
        }

        var proxy = system.ActorOf(DispatchProxy.Props(options), ProxyName);
        var telemetry = system.ActorOf(ProxyTelemetryActor.Props(proxy, SystemMetrics.Of(system), statusPollInterval), ProxyName + "-telemetry");
        ProxyTelemetryActor.Subscribe(system.EventStream, telemetry);
        registry.Register<DispatchProxy>(proxy);
        return proxy;
    }

    /// <summary>
    /// The cluster section of <c>GET /v1/status</c>: this node, the leader, every member as Akka.Cluster sees it now,
    /// each endpoint's quota owner and leases (from <see cref="ClusterQuota.GetStatusAsync"/>; an owner that does not answer
    /// within <paramref name="timeout"/> is listed as <see langword="null"/>; none on a proxy node), and on a proxy node the
    /// proxy's own state.
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
        IReadOnlyList<EndpointQuotaStatus> quota = Quota is null ? [] : (await Quota.GetStatusAsync(timeout, cancellationToken).ConfigureAwait(false)).Endpoints;
        var proxy = Proxy is null ? null : await Proxy.Ask<DispatchProxyStatus>(GetProxyStatus.Instance, timeout, cancellationToken).ConfigureAwait(false);
        return new ClusterStatus(
            cluster.SelfAddress.ToString(),
            state.Leader?.ToString(),
            members,
            quota.Select(e => new EndpointQuotaOwner(e.Endpoint, e.Owner, e.Leases)
            {
                RequestLimit = e.RequestLimit,
                RequestLimitInForce = e.RequestLimitInForce,
                TokenLimit = e.TokenLimit,
                TokenLimitInForce = e.TokenLimitInForce,
            }).ToArray())
        {
            Proxy = proxy,
        };
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
/// <param name="Quota">Each endpoint's quota: where its owner runs and the credits each node holds (empty on a proxy node).</param>
public sealed record ClusterStatus(string Self, string? Leader, IReadOnlyList<ClusterMemberStatus> Members, IReadOnlyList<EndpointQuotaOwner> Quota)
{
    /// <summary>
    /// On a proxy node (no <c>dispatch</c> role): the proxy's nodes, the calls it holds and how many it re-sent;
    /// <see langword="null"/> on a node that runs the pipeline.
    /// </summary>
    public DispatchProxyStatus? Proxy { get; init; }
}

/// <summary>A cluster member.</summary>
/// <param name="Address">Its address.</param>
/// <param name="Status">Akka.Cluster's member status: Joining, Up, Leaving, Exiting, Down, Removed, WeaklyUp.</param>
/// <param name="Roles">Its roles.</param>
public sealed record ClusterMemberStatus(string Address, string Status, IReadOnlyList<string> Roles);

/// <summary>An endpoint's quota across the cluster.</summary>
/// <param name="Endpoint">The endpoint.</param>
/// <param name="Owner">The address of the node hosting its owner; <see langword="null"/> when no owner answered in time.</param>
/// <param name="Leases">Per node, the request and token credits of its live leases.</param>
public sealed record EndpointQuotaOwner(string Endpoint, string? Owner, IReadOnlyList<NodeLease> Leases)
{
    /// <summary>The configured request limit per interval; <see langword="null"/> when unlimited or the owner did not answer.</summary>
    public long? RequestLimit { get; init; }

    /// <summary>The request limit the owner grants from: lower than <see cref="RequestLimit"/> when learned from what the nodes saw of the provider.</summary>
    public long? RequestLimitInForce { get; init; }

    /// <summary>The configured token limit per interval; <see langword="null"/> when unlimited or the owner did not answer.</summary>
    public long? TokenLimit { get; init; }

    /// <summary>The token limit the owner grants from.</summary>
    public long? TokenLimitInForce { get; init; }
}
