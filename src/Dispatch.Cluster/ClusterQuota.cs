using Akka;
using Akka.Actor;
using Akka.Cluster.Tools.Singleton;
using Dispatch.Cluster.Leasing;
using Dispatch.Cluster.Owner;
using Dispatch.Cluster.Protocol;
using Dispatch.Core.Options;
using Dispatch.Core.RateLimiting;

namespace Dispatch.Cluster;

/// <summary>
/// Cluster mode's quota on one node: for every endpoint, a cluster singleton that owns the endpoint's
/// window and leases credits to the nodes, and on this node a credit source that spends them. Plug
/// <see cref="CreditSourceFactory"/> into <c>DispatchDependencies.CreditSourceFactory</c>; every
/// DispatchActor on every node then keeps within one shared limit per endpoint.
/// </summary>
/// <example>
/// <code>
/// var quota = ClusterQuota.Start(system, options, new ClusterQuotaOptions());
/// var dispatch = system.ActorOf(DispatchActor.Props(options, new DispatchDependencies { CreditSourceFactory = quota.CreditSourceFactory }), "dispatch");
/// var status = await quota.GetStatusAsync(TimeSpan.FromSeconds(3));   // owner and leases per endpoint
/// </code>
/// </example>
/// <remarks>
/// Start it once per actor system, on every node with the <see cref="ClusterQuotaOptions.Role"/> role, with
/// the same endpoints and limits everywhere. The actor system must be a cluster member
/// (<c>akka.actor.provider = cluster</c>). Its actors live under <c>/user/dispatch-quota-&lt;endpoint&gt;</c>
/// (the singleton manager; the owner is its child <c>owner</c>), <c>…-proxy</c> and <c>…-lease</c>.
/// <para>
/// Leaving: a <see cref="CoordinatedShutdown"/> task (<see cref="LeaveTaskName"/> in <see cref="LeavePhase"/>, after a
/// host's drain of its calls and before the node leaves the cluster) returns every lease this node holds to the
/// owners, which confirm with <see cref="QuotaLeft"/>; the node takes no lease after. When the node hosts the owners
/// (it is the oldest), each owner then hands its window to its successor as the singleton moves, so the next owner
/// grants without waiting a window.
/// </para>
/// </remarks>
public sealed class ClusterQuota
{
    /// <summary>The <see cref="CoordinatedShutdown"/> phase the leases go back in: after the calls are drained (<c>service-requests-done</c>), before the node leaves the cluster.</summary>
    public const string LeavePhase = CoordinatedShutdown.PhaseBeforeClusterShutdown;

    /// <summary>The name of the task in <see cref="LeavePhase"/> that returns this node's leases.</summary>
    public const string LeaveTaskName = "dispatch-quota-leave";

    private readonly IReadOnlyDictionary<string, EndpointQuota> _endpoints;

    private ClusterQuota(IReadOnlyDictionary<string, EndpointQuota> endpoints)
    {
        _endpoints = endpoints;
        CreditSourceFactory = SourceFor;
    }

    /// <summary>
    /// The credit source of an endpoint on this node, for <c>DispatchDependencies.CreditSourceFactory</c>.
    /// The same source is returned each time for an endpoint (a restarted endpoint keeps its leases).
    /// </summary>
    /// <exception cref="ArgumentException">The endpoint was not among those <see cref="Start"/> was given.</exception>
    public Func<EndpointOptions, ICreditSource> CreditSourceFactory { get; }

    /// <summary>The DistributedPubSub topic an endpoint's 429 pauses are published on: <c>dispatch-quota-pause-&lt;endpoint&gt;</c>.</summary>
    /// <param name="endpoint">The endpoint's name.</param>
    public static string PauseTopic(string endpoint) => "dispatch-quota-pause-" + endpoint;

    /// <summary>The endpoints whose quota is shared, by name.</summary>
    public IReadOnlyCollection<string> Endpoints => _endpoints.Keys.ToArray();

    /// <summary>Starts the owners' singleton managers, the proxies to them and this node's lease clients, one of each per endpoint.</summary>
    /// <param name="system">A cluster actor system (<c>akka.actor.provider = cluster</c>).</param>
    /// <param name="options">The endpoints and their limits; validated here.</param>
    /// <param name="quota">How leases work; <see langword="null"/> for the defaults. Validated here.</param>
    /// <exception cref="DispatchOptionsException">An option is invalid; the message names it.</exception>
    /// <exception cref="Akka.Configuration.ConfigurationException">The actor system is not a cluster system.</exception>
    public static ClusterQuota Start(ActorSystem system, DispatchOptions options, ClusterQuotaOptions? quota = null)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        quota ??= new ClusterQuotaOptions();
        quota.Validate();
        // Fails early, with Akka's message, when the system is not a cluster system.
        _ = Akka.Cluster.Cluster.Get(system);

        var endpoints = new SortedDictionary<string, EndpointQuota>(StringComparer.Ordinal);
        foreach (var (name, endpoint) in options.Endpoints)
        {
            var limits = endpoint.RateLimit;
            var span = quota.SpanFor(limits);
            var actorName = ActorName(name);
            var manager = system.ActorOf(
                ClusterSingletonManager.Props(
                    QuotaOwnerActor.Props(name, limits, span, quota.Role, quota.RequestTimeout / 2),
                    HandOverAndStop.Instance,
                    ClusterSingletonManagerSettings.Create(system).WithRole(quota.Role).WithSingletonName("owner")),
                actorName);
            var proxySettings = ClusterSingletonProxySettings.Create(system).WithRole(quota.Role).WithSingletonName("owner");
            var proxy = system.ActorOf(
                ClusterSingletonProxy.Props(
                    manager.Path.ToStringWithoutAddress(),
                    // While the owner moves, the proxy buffers lease requests until it has found the next one: at Akka's
                    // 1 s between tries a request could wait longer than a lease span, and its lease came too late to spend.
                    proxySettings.WithSingletonIdentificationInterval(TimeSpan.FromTicks(Math.Min(proxySettings.SingletonIdentificationInterval.Ticks, OwnerIdentificationInterval.Ticks)))),
                actorName + "-proxy");
            // Reports and lone corrections keep the short span's rhythm, paced leases or not.
            var shortSpan = quota.UnpacedSpanFor(limits);
            var source = new ClusterCreditSource(name, limits, quota.MinLeaseRequests, quota.MaxLeaseFor(limits), quota.RequestTimeout, shortSpan);
            var client = system.ActorOf(LeaseClientActor.Props(name, source, proxy, quota.RequestTimeout, shortSpan, limits.Window + span), LeaseClientName(name));
            source.Attach(client);
            endpoints.Add(name, new EndpointQuota(source, proxy, client));
        }

        var clients = endpoints.Values.Select(e => e.Client).ToArray();
        var timeout = quota.RequestTimeout;
        CoordinatedShutdown.Get(system).AddTask(LeavePhase, LeaveTaskName, async () =>
        {
            // Best effort: an owner that does not confirm in time keeps counting the leases in full until their spans end.
            await Task.WhenAll(clients.Select(c => c.Ask<QuotaLeft>(NodeLeaving.Instance, timeout).ContinueWith(_ => { }, TaskScheduler.Default))).ConfigureAwait(false);
            return Done.Instance;
        });
        return new ClusterQuota(endpoints);
    }

    /// <summary>
    /// Asks every endpoint's owner for its status: where it runs, what the window holds and the live
    /// leases of each node. An endpoint whose owner does not answer within <paramref name="timeout"/>
    /// (none is running yet, or it is moving) is listed with no owner.
    /// </summary>
    /// <param name="timeout">How long to wait for each owner.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    public async Task<ClusterQuotaStatus> GetStatusAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var answers = _endpoints.Select(async pair =>
        {
            try
            {
                return await pair.Value.Proxy.Ask<EndpointQuotaStatus>(new GetQuotaStatus(pair.Key), timeout, cancellationToken).ConfigureAwait(false);
            }
            catch (AskTimeoutException)
            {
                return new EndpointQuotaStatus(pair.Key, null, null, null, 0, 0, []);
            }
        });
        return new ClusterQuotaStatus(await Task.WhenAll(answers).ConfigureAwait(false));
    }

    /// <summary>How often at most the quota's singleton proxy looks for the owner while it does not know where it is.</summary>
    internal static readonly TimeSpan OwnerIdentificationInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>The name of an endpoint's singleton manager under <c>/user</c>; the proxy and the lease client add <c>-proxy</c> and <c>-lease</c>.</summary>
    internal static string ActorName(string endpoint) => "dispatch-quota-" + Uri.EscapeDataString(endpoint);

    /// <summary>The name of an endpoint's lease client under <c>/user</c> (a stopping owner sends its window to its successor's).</summary>
    internal static string LeaseClientName(string endpoint) => ActorName(endpoint) + "-lease";

    /// <summary>This node's source of an endpoint (tests look inside).</summary>
    internal ClusterCreditSource SourceOf(string endpoint) => _endpoints[endpoint].Source;

    private ICreditSource SourceFor(EndpointOptions endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        return _endpoints.TryGetValue(endpoint.Name, out var quota)
            ? quota.Source
            : throw new ArgumentException($"Endpoint '{endpoint.Name}' has no cluster quota: it was not among the endpoints given to ClusterQuota.Start.", nameof(endpoint));
    }

    private sealed record EndpointQuota(ClusterCreditSource Source, IActorRef Proxy, IActorRef Client);
}
