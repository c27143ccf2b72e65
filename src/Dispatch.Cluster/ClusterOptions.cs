using Dispatch.Cluster.Redis;

namespace Dispatch.Cluster;

/// <summary>What a submission does while Redis cannot be reached (<c>dispatch.cluster.when-redis-down</c>).</summary>
public enum WhenRedisDown
{
    /// <summary>The submission fails at once with a <see cref="ClusterUnavailableException"/> (<c>fail</c>).</summary>
    Fail,

    /// <summary>The submission waits until Redis is back, or until its cancellation token fires (<c>wait</c>).</summary>
    Wait,
}

/// <summary>
/// Cluster mode (configuration block <c>dispatch.cluster</c>): several nodes share one provider
/// quota and one queue of calls through Redis. Standalone (<see cref="Enabled"/> false) is the default.
/// </summary>
public sealed record ClusterOptions
{
    /// <summary>The configuration path of this block.</summary>
    public const string Path = "dispatch.cluster";

    private readonly string _nodeName = DefaultNodeName();

    /// <summary>Whether cluster mode is on (<c>enabled</c>). Default false: one node, limits kept in memory.</summary>
    public bool Enabled { get; init; }

    /// <summary>
    /// The Redis server and how to reach it (<c>redis { endpoint, database, connect-timeout, command-timeout }</c>).
    /// Default <c>127.0.0.1:6379</c>, database 0.
    /// </summary>
    public RedisOptions Redis { get; init; } = new();

    /// <summary>
    /// This node's name in Redis (<c>node-name</c>): its consumer name, its membership entry and its reply stream.
    /// Unique per live process. Default (also for an empty value) the host name and the process id.
    /// </summary>
    public string NodeName
    {
        get => _nodeName;
        init => _nodeName = string.IsNullOrWhiteSpace(value) ? DefaultNodeName() : value;
    }

    /// <summary>The prefix of every key cluster mode writes (<c>key-prefix</c>). Default <c>dispatch</c>.</summary>
    public string KeyPrefix { get; init; } = "dispatch";

    /// <summary>
    /// Request credits a node takes from the shared budget per round trip at least (<c>lease-size</c>). A busy node's
    /// batches grow from it, up to a tenth of the endpoint's request limit (see <see cref="Budget.ClusterCreditSource"/>). Default 10.
    /// </summary>
    public int LeaseSize { get; init; } = 10;

    /// <summary>
    /// How long a leased batch of credits may be spent (<c>lease-duration</c>). The budget counts a lease in full for its
    /// whole span, so a short lease wastes less of a window; it is also how long credits stay spendable after another
    /// node's 429 paused the endpoint. At most 1 second; a node uses at most a twentieth of an endpoint's interval, so a
    /// saturated limit is used to at least 95%. Default 200 ms.
    /// </summary>
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// Whether the shared budget grants nothing while Redis has been up for less than an endpoint's interval plus the
    /// lease duration (<c>guard-against-redis-restart</c>): a Redis restarted without its data has forgotten the grants
    /// still in the window. Turn it off only where exceeding a limit once after a restart is acceptable. Default true.
    /// </summary>
    public bool GuardAgainstRedisRestart { get; init; } = true;

    /// <summary>
    /// How often a node spending a lease checks whether another node paused an endpoint, and how long the returns and
    /// token corrections of spent leases wait for a lease request to carry them before they are sent on their own
    /// (<c>pause-check-interval</c>). Default 250 ms.
    /// </summary>
    public TimeSpan PauseCheckInterval { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>A call pending this long on a silent node is claimed by another (<c>claim-idle-timeout</c>). Default 60 seconds.</summary>
    /// <remarks>A node keeps the calls it is still working on fresh, so a slow call is not claimed while its node lives.</remarks>
    public TimeSpan ClaimIdleTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How often a node refreshes its membership entry (<c>heartbeat</c>). Default 5 seconds.</summary>
    public TimeSpan Heartbeat { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a membership entry lives without a heartbeat (<c>node-ttl</c>); null means three heartbeats. Default null.</summary>
    public TimeSpan? NodeTtl { get; init; }

    /// <summary>The membership entry's time to live: <see cref="NodeTtl"/>, or three heartbeats.</summary>
    public TimeSpan EffectiveNodeTtl => NodeTtl ?? Heartbeat * 3;

    /// <summary>
    /// How long a call's final result is kept by call id (<c>result-ttl</c>), so a re-delivered call is answered from it
    /// instead of being sent again. Longer than any call can stay pending. Default 1 hour.
    /// </summary>
    public TimeSpan ResultTtl { get; init; } = TimeSpan.FromHours(1);

    /// <summary>What a submission does while Redis is unreachable (<c>when-redis-down = fail | wait</c>). Default <see cref="WhenRedisDown.Fail"/>.</summary>
    public WhenRedisDown WhenRedisDown { get; init; } = WhenRedisDown.Fail;

    /// <summary>How long one blocking stream read waits for entries (<c>read-block</c>). Default 1 second.</summary>
    public TimeSpan ReadBlock { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Calls one node works on at once per endpoint stream (<c>max-in-flight</c>). Default 64.</summary>
    public int MaxInFlight { get; init; } = 64;

    /// <summary>The clock for leases, heartbeats and retries. Default <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Checks every setting and names the wrong one by its configuration key.</summary>
    /// <returns>This instance, for chaining.</returns>
    /// <exception cref="ArgumentException">A setting is invalid.</exception>
    public ClusterOptions Validate()
    {
        if (Redis is null) throw Invalid("redis", "must be set");
        try
        {
            Redis.Validate();
        }
        catch (ArgumentException ex)
        {
            throw new ArgumentException($"{Path}.{ex.Message}", nameof(Redis), ex);
        }
        if (NodeName.Any(char.IsWhiteSpace)) throw Invalid("node-name", $"must not contain white space, not '{NodeName}'");
        if (string.IsNullOrWhiteSpace(KeyPrefix)) throw Invalid("key-prefix", "must not be empty");
        if (LeaseSize < 1) throw Invalid("lease-size", $"must be at least 1, not {LeaseSize}");
        if (LeaseDuration <= TimeSpan.Zero || LeaseDuration > TimeSpan.FromSeconds(1))
            throw Invalid("lease-duration", $"must be more than zero and at most 1s, not {LeaseDuration}");
        Positive("pause-check-interval", PauseCheckInterval);
        Positive("claim-idle-timeout", ClaimIdleTimeout);
        Positive("heartbeat", Heartbeat);
        if (NodeTtl is { } ttl && ttl <= Heartbeat) throw Invalid("node-ttl", $"must be longer than the heartbeat ({Heartbeat}), not {ttl}");
        Positive("result-ttl", ResultTtl);
        if (!Enum.IsDefined(WhenRedisDown)) throw Invalid("when-redis-down", $"must be fail or wait, not {WhenRedisDown}");
        Positive("read-block", ReadBlock);
        if (MaxInFlight < 1) throw Invalid("max-in-flight", $"must be at least 1, not {MaxInFlight}");
        ArgumentNullException.ThrowIfNull(TimeProvider);
        return this;
    }

    private static void Positive(string key, TimeSpan value)
    {
        if (value <= TimeSpan.Zero) throw Invalid(key, $"must be positive, not {value}");
    }

    private static ArgumentException Invalid(string key, string why) => new($"{Path}.{key} {why}.", key);

    private static string DefaultNodeName() => $"{Environment.MachineName}-{Environment.ProcessId}";
}

/// <summary>Redis could not be reached, and the operation was not to wait for it (<see cref="WhenRedisDown.Fail"/>).</summary>
public sealed class ClusterUnavailableException : Exception
{
    /// <summary>Creates the error naming what could not be done and why.</summary>
    public ClusterUnavailableException(string message, Exception? inner = null) : base(message, inner) { }
}
