using System.Globalization;
using Dispatch.Cluster.Redis;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dispatch.Cluster.Membership;

/// <summary>
/// This node's entry in the cluster's membership: a Redis hash <c>{prefix}:node:{name}</c>
/// (started-at, last-seen, in-flight, endpoints) refreshed every <see cref="ClusterOptions.Heartbeat"/>
/// and expiring after <see cref="ClusterOptions.EffectiveNodeTtl"/>, so a node that dies drops out on its
/// own. A node that stops deletes its entry at once.
/// </summary>
public sealed class ClusterMembership : IAsyncDisposable
{
    private const string StartedAtField = "started-at";
    private const string LastSeenField = "last-seen";
    private const string InFlightField = "in-flight";
    private const string EndpointsField = "endpoints";

    private readonly IRedisCommandExecutor _redis;
    private readonly ClusterOptions _options;
    private readonly ClusterKeys _keys;
    private readonly string _endpoints;
    private readonly Func<long> _inFlight;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly DateTimeOffset _startedAt;
    private readonly CancellationTokenSource _stopping = new();
    private Task? _loop;
    private int _stopped;

    /// <summary>Creates the membership of this node; nothing is written before <see cref="StartAsync"/>.</summary>
    /// <param name="redis">The connection to write through (a reconnecting <see cref="RedisClient"/>).</param>
    /// <param name="options">The node's name, key prefix, heartbeat and time to live.</param>
    /// <param name="endpoints">The endpoints this node serves, shown to others.</param>
    /// <param name="inFlight">Reports the calls this node is working on; null reports zero.</param>
    /// <param name="logger">Where failed heartbeats are logged.</param>
    public ClusterMembership(IRedisCommandExecutor redis, ClusterOptions options, IEnumerable<string> endpoints, Func<long>? inFlight = null,
        ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(redis);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(endpoints);
        _redis = redis;
        _options = options.Validate();
        _keys = new ClusterKeys(options.KeyPrefix);
        _endpoints = string.Join(',', endpoints);
        _inFlight = inFlight ?? (() => 0);
        _logger = logger ?? NullLogger.Instance;
        _time = options.TimeProvider;
        _startedAt = _time.GetUtcNow();
    }

    /// <summary>This node's name.</summary>
    public string NodeName => _options.NodeName;

    /// <summary>
    /// Writes the first heartbeat and keeps heartbeating in the background until <see cref="StopAsync"/>.
    /// A Redis that is down now is not an error: the heartbeats go on trying.
    /// </summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (_loop is not null) throw new InvalidOperationException($"The membership of node '{NodeName}' has already started.");
        try
        {
            await BeatAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (RedisException ex)
        {
            _logger.LogWarning("The first heartbeat of node {Node} failed; retrying every {Heartbeat}: {Error}", NodeName, _options.Heartbeat, ex.Message);
        }
        _loop = HeartbeatLoopAsync(_stopping.Token);
    }

    /// <summary>Writes one heartbeat now: the entry's fields, its expiry, and the node's name in the member set.</summary>
    /// <exception cref="RedisException">Redis failed or could not be reached.</exception>
    public async Task BeatAsync(CancellationToken cancellationToken = default)
    {
        string key = _keys.Node(NodeName);
        var fields = new KeyValuePair<string, RedisValue>[]
        {
            new(StartedAtField, _startedAt.ToUnixTimeMilliseconds()),
            new(LastSeenField, _time.GetUtcNow().ToUnixTimeMilliseconds()),
            new(InFlightField, _inFlight()),
            new(EndpointsField, _endpoints),
        };
        // Sent together: one connection pipelines them, so a heartbeat costs one round trip.
        var write = _redis.HSetAsync(key, fields, cancellationToken);
        var expire = _redis.ExpireAsync(key, _options.EffectiveNodeTtl, cancellationToken);
        var member = _redis.ExecuteAsync("SADD", new RedisValue[] { _keys.Nodes, NodeName }, cancellationToken);
        await Task.WhenAll(write, expire, member).ConfigureAwait(false);
    }

    /// <summary>The nodes whose entries have not expired, by name. Expired names are dropped from the member set on the way.</summary>
    /// <exception cref="RedisException">Redis failed or could not be reached.</exception>
    public Task<IReadOnlyList<NodeInfo>> ListNodesAsync(CancellationToken cancellationToken = default) =>
        ListNodesAsync(_redis, _keys, cancellationToken);

    /// <summary>The live nodes of the cluster whose keys start with <paramref name="keys"/>' prefix (for a client that is no node itself, like <c>dispatch node status</c>).</summary>
    /// <exception cref="RedisException">Redis failed or could not be reached.</exception>
    public static async Task<IReadOnlyList<NodeInfo>> ListNodesAsync(IRedisCommandExecutor redis, ClusterKeys keys, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(redis);
        ArgumentNullException.ThrowIfNull(keys);
        var names = (await redis.ExecuteAsync("SMEMBERS", new RedisValue[] { keys.Nodes }, cancellationToken).ConfigureAwait(false))
            .AsArray().Select(name => name.AsString()!).Order(StringComparer.Ordinal).ToArray();
        var entries = await Task.WhenAll(names.Select(name => redis.HGetAllAsync(keys.Node(name), cancellationToken))).ConfigureAwait(false);
        var live = new List<NodeInfo>(names.Length);
        var expired = new List<RedisValue> { keys.Nodes };
        for (int i = 0; i < names.Length; i++)
        {
            if (Parse(names[i], entries[i]) is { } node) live.Add(node);
            else expired.Add(names[i]);
        }
        if (expired.Count > 1) await redis.ExecuteAsync("SREM", expired.ToArray(), cancellationToken).ConfigureAwait(false);
        return live;
    }

    /// <summary>Stops heartbeating and deletes this node's entry, so others see it gone at once rather than after its time to live.</summary>
    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1) return;
        await _stopping.CancelAsync().ConfigureAwait(false);
        // A node that never started wrote no entry.
        if (_loop is null) return;
        await _loop.ConfigureAwait(false);
        try
        {
            await _redis.DelAsync(_keys.Node(NodeName)).ConfigureAwait(false);
            await _redis.ExecuteAsync("SREM", new RedisValue[] { _keys.Nodes, NodeName }).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or ObjectDisposedException)
        {
            // The entry expires by itself; stopping must not fail because Redis is away.
            _logger.LogWarning("Node {Node} could not remove its membership entry; it expires within {Ttl}: {Error}", NodeName, _options.EffectiveNodeTtl, ex.Message);
        }
    }

    /// <inheritdoc cref="StopAsync"/>
    public ValueTask DisposeAsync() => new(StopAsync());

    private async Task HeartbeatLoopAsync(CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(_options.Heartbeat, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping).ConfigureAwait(false))
            {
                try
                {
                    await BeatAsync(stopping).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is RedisException or ObjectDisposedException)
                {
                    // A missed beat is not fatal: the entry lives for several beats, and the next one may succeed.
                    _logger.LogWarning("Heartbeat of node {Node} failed: {Error}", NodeName, ex.Message);
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
    }

    private static NodeInfo? Parse(string name, Dictionary<string, string> fields)
    {
        if (fields.Count == 0) return null;
        return new NodeInfo(
            name,
            DateTimeOffset.FromUnixTimeMilliseconds(Long(fields, StartedAtField)),
            DateTimeOffset.FromUnixTimeMilliseconds(Long(fields, LastSeenField)),
            Long(fields, InFlightField),
            fields.TryGetValue(EndpointsField, out var endpoints) && endpoints.Length > 0 ? endpoints.Split(',') : []);
    }

    private static long Long(Dictionary<string, string> fields, string field) =>
        fields.TryGetValue(field, out var text) && long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out long value) ? value : 0;
}
