using System.Collections.Concurrent;
using Dispatch.Cluster.Budget;
using Dispatch.Cluster.Membership;
using Dispatch.Cluster.Redis;
using Dispatch.Cluster.Work;
using Dispatch.Core.Options;
using Dispatch.Core.Protocol;
using Dispatch.Core.RateLimiting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dispatch.Cluster;

/// <summary>
/// One node of a cluster: the shared budget its rate limiters draw from, the work queue it takes calls from
/// and submits calls to, and its membership entry. The host's order of use:
/// <list type="number">
/// <item>create it from the cluster and dispatch options;</item>
/// <item>pass <see cref="CreditSourceFactory"/> as <c>DispatchDependencies.CreditSourceFactory</c> and create the DispatchActor;</item>
/// <item><see cref="StartAsync"/> with a handler that Asks that actor for each call's <see cref="APICallResult"/>;</item>
/// <item>submit with <see cref="SubmitAsync"/> (CLI, ingress, local actors), list nodes with <see cref="ListNodesAsync"/>;</item>
/// <item>on shutdown, optionally <see cref="StopConsumingAsync"/> first (then wait for this node's own submissions), then <see cref="StopAsync"/>.</item>
/// </list>
/// </summary>
public sealed class ClusterNode : IAsyncDisposable
{
    private readonly DispatchOptions _dispatch;
    private readonly ILoggerFactory _loggers;
    private readonly RedisClient _redis;
    private readonly ConcurrentDictionary<string, ClusterCreditSource> _sources = new(StringComparer.Ordinal);
    private int _stopped;

    /// <summary>Creates the node; nothing touches Redis before <see cref="StartAsync"/> or the first credit request.</summary>
    /// <param name="options">The cluster options; validated here.</param>
    /// <param name="dispatch">The endpoints this node serves, whose limits the budget shares.</param>
    /// <param name="loggers">Where the node's parts log.</param>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public ClusterNode(ClusterOptions options, DispatchOptions dispatch, ILoggerFactory? loggers = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(dispatch);
        Options = options.Validate();
        _dispatch = dispatch;
        _loggers = loggers ?? NullLoggerFactory.Instance;
        _redis = new RedisClient(options.Redis with { ClientName = options.Redis.ClientName ?? $"dispatch-{options.NodeName}-budget" });
        Budget = new SharedBudget(_redis, new SharedBudgetOptions
        {
            KeyPrefix = $"{options.KeyPrefix}:budget",
            Endpoints = dispatch.Endpoints.ToDictionary(pair => pair.Key, pair => ClusterCreditSource.LimitsFor(pair.Value.RateLimit), StringComparer.Ordinal),
            MaxLeaseDuration = options.LeaseDuration,
            GuardAgainstRedisRestart = options.GuardAgainstRedisRestart,
            TimeProvider = options.TimeProvider,
        });
        Work = new ClusterWorkQueue(options, _loggers.CreateLogger<ClusterWorkQueue>());
        Membership = new ClusterMembership(_redis, options, dispatch.Endpoints.Keys, () => Work.InFlight, _loggers.CreateLogger<ClusterMembership>());
        CreditSourceFactory = endpoint => _sources.GetOrAdd(endpoint.Name,
            name => new ClusterCreditSource(Budget, name, Options, _loggers.CreateLogger<ClusterCreditSource>()));
    }

    /// <summary>Commands this node has sent to Redis: budget, work queue (blocking reads included) and membership.</summary>
    internal long RedisCommandsSent => _redis.CommandsSent + Work.CommandsSent;

    /// <summary>The options the node runs with.</summary>
    public ClusterOptions Options { get; }

    /// <summary>This node's name.</summary>
    public string NodeName => Options.NodeName;

    /// <summary>The rate-limit budget shared by all nodes.</summary>
    public SharedBudget Budget { get; }

    /// <summary>The queue calls are submitted to and taken from.</summary>
    public ClusterWorkQueue Work { get; }

    /// <summary>This node's membership entry.</summary>
    public ClusterMembership Membership { get; }

    /// <summary>
    /// Makes an endpoint's credit source from the shared budget; pass it as <c>DispatchDependencies.CreditSourceFactory</c>.
    /// One source per endpoint name: asking again (a restarted supervisor) returns the same one.
    /// </summary>
    public Func<EndpointOptions, ICreditSource> CreditSourceFactory { get; }

    /// <summary>Starts reading replies, taking calls of every endpoint for <paramref name="handler"/>, and heartbeating.</summary>
    /// <param name="handler">Runs one call through this node's pipeline (an Ask of the DispatchActor).</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    public async Task StartAsync(ClusterCallHandler handler, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handler);
        await Work.StartAsync(cancellationToken).ConfigureAwait(false);
        Work.StartConsuming(_dispatch.Endpoints.Keys, handler);
        await Membership.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Submits a call to the cluster and returns its one final result (see <see cref="ClusterWorkQueue.SubmitAsync"/>).
    /// A call for an endpoint this node's configuration does not have is answered <see cref="CallStatus.Rejected"/>
    /// at once: no node would ever take it from its stream.
    /// </summary>
    /// <exception cref="ClusterUnavailableException">Redis is unreachable and <see cref="ClusterOptions.WhenRedisDown"/> is <c>fail</c>.</exception>
    public Task<APICallResult> SubmitAsync(APICalling call, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(call);
        if (call.Endpoint is null || !_dispatch.Endpoints.ContainsKey(call.Endpoint))
        {
            return Task.FromResult(APICallResult.Rejected(call.CallId, ErrorKind.InvalidRequest,
                $"No endpoint named '{call.Endpoint}' is configured under {EndpointOptions.EndpointsPath}."));
        }
        return Work.SubmitAsync(call, cancellationToken);
    }

    /// <summary>The live nodes of the cluster.</summary>
    /// <exception cref="RedisException">Redis failed or could not be reached.</exception>
    public Task<IReadOnlyList<NodeInfo>> ListNodesAsync(CancellationToken cancellationToken = default) => Membership.ListNodesAsync(cancellationToken);

    /// <summary>The cluster as a whole: its live nodes with their in-flight counts, and each endpoint's shared credits.</summary>
    /// <exception cref="RedisException">Redis failed or could not be reached.</exception>
    public async Task<ClusterStatus> StatusAsync(CancellationToken cancellationToken = default)
    {
        var nodes = await ListNodesAsync(cancellationToken).ConfigureAwait(false);
        var budgets = new SortedDictionary<string, BudgetUsage>(StringComparer.Ordinal);
        foreach (var endpoint in Budget.Endpoints) budgets[endpoint] = await Budget.UsageAsync(endpoint, cancellationToken).ConfigureAwait(false);
        return new ClusterStatus(nodes, budgets);
    }

    /// <summary>
    /// Stops taking calls from the cluster's streams, for a clean drain: calls this node already took run to their
    /// end and are answered, other nodes take the calls still queued, and results of calls this node submitted keep
    /// arriving. The node stays a member until <see cref="StopAsync"/>. Returns when the calls it took have finished.
    /// </summary>
    /// <param name="cancellationToken">Stops waiting; the calls taken still finish.</param>
    /// <exception cref="ObjectDisposedException">The node has stopped.</exception>
    public Task StopConsumingAsync(CancellationToken cancellationToken = default) => Work.StopConsumingAsync(cancellationToken);

    /// <summary>
    /// Leaves the cluster: removes the membership entry, stops taking calls, lets calls in progress finish for up to
    /// <paramref name="drainTimeout"/> (the rest are claimed by other nodes), and gives unspent leased credits back.
    /// </summary>
    public async Task StopAsync(TimeSpan drainTimeout)
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1) return;
        await Membership.StopAsync().ConfigureAwait(false);
        await Work.StopAsync(drainTimeout).ConfigureAwait(false);
        foreach (var source in _sources.Values) await source.DisposeAsync().ConfigureAwait(false);
        await _redis.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Stops without draining (see <see cref="StopAsync"/>).</summary>
    public ValueTask DisposeAsync() => new(StopAsync(TimeSpan.Zero));
}
