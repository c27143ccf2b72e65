using System.Buffers;
using System.Runtime.CompilerServices;

namespace Dispatch.Cluster.Redis;

/// <summary>
/// Typed helpers for the commands cluster mode uses, on any <see cref="IRedisCommandExecutor"/>.
/// Anything else goes through <see cref="ExecuteAsync(IRedisCommandExecutor, string, object?[])"/>.
/// </summary>
public static partial class RedisCommands
{
    /// <summary>Sends <c>command args...</c>; each argument is converted with <see cref="RedisValue.FromObject"/>.</summary>
    public static Task<RedisResult> ExecuteAsync(this IRedisCommandExecutor redis, string command, params object?[] args)
    {
        var values = new RedisValue[args.Length];
        for (int i = 0; i < args.Length; i++) values[i] = RedisValue.FromObject(args[i]);
        return redis.ExecuteAsync(command, values);
    }

    /// <summary><c>PING</c>: returns the server's <c>PONG</c>.</summary>
    public static async Task<string> PingAsync(this IRedisCommandExecutor redis, CancellationToken cancellationToken = default) =>
        (await redis.ExecuteAsync("PING", ReadOnlyMemory<RedisValue>.Empty, cancellationToken).ConfigureAwait(false)).AsString()!;

    /// <summary><c>TIME</c>: the server's clock.</summary>
    public static async Task<DateTimeOffset> TimeAsync(this IRedisCommandExecutor redis, CancellationToken cancellationToken = default)
    {
        var reply = await redis.ExecuteAsync("TIME", ReadOnlyMemory<RedisValue>.Empty, cancellationToken).ConfigureAwait(false);
        long micros = reply[0].AsLong() * 1_000_000 + reply[1].AsLong();
        return DateTimeOffset.UnixEpoch.AddTicks(micros * 10);
    }

    /// <summary><c>GET key</c>: the value as text, or null when the key does not exist.</summary>
    public static async Task<string?> GetAsync(this IRedisCommandExecutor redis, string key, CancellationToken cancellationToken = default) =>
        (await redis.ExecuteAsync("GET", new RedisValue[] { key }, cancellationToken).ConfigureAwait(false)).AsString();

    /// <summary><c>SET key value [PX ms] [NX]</c>.</summary>
    /// <returns>False when <paramref name="onlyIfAbsent"/> was set and the key already existed.</returns>
    public static async Task<bool> SetAsync(this IRedisCommandExecutor redis, string key, RedisValue value, TimeSpan? expiry = null,
        bool onlyIfAbsent = false, CancellationToken cancellationToken = default)
    {
        var args = new List<RedisValue>(5) { key, value };
        if (expiry is { } ttl)
        {
            args.Add("PX");
            args.Add(Milliseconds(ttl, nameof(expiry)));
        }
        if (onlyIfAbsent) args.Add("NX");
        var reply = await redis.ExecuteAsync("SET", args.ToArray(), cancellationToken).ConfigureAwait(false);
        return !reply.IsNull;
    }

    /// <summary><c>DEL key...</c>: how many of the keys existed.</summary>
    public static async Task<long> DelAsync(this IRedisCommandExecutor redis, params string[] keys) =>
        (await redis.ExecuteAsync("DEL", ToValues(keys)).ConfigureAwait(false)).AsLong();

    /// <summary><c>PEXPIRE key ms</c>: false when the key does not exist.</summary>
    public static async Task<bool> ExpireAsync(this IRedisCommandExecutor redis, string key, TimeSpan expiry, CancellationToken cancellationToken = default) =>
        (await redis.ExecuteAsync("PEXPIRE", new RedisValue[] { key, Milliseconds(expiry, nameof(expiry)) }, cancellationToken).ConfigureAwait(false)).AsLong() == 1;

    /// <summary><c>PTTL key</c>: the time to live, or null when the key has none or does not exist.</summary>
    public static async Task<TimeSpan?> TimeToLiveAsync(this IRedisCommandExecutor redis, string key, CancellationToken cancellationToken = default)
    {
        long ms = (await redis.ExecuteAsync("PTTL", new RedisValue[] { key }, cancellationToken).ConfigureAwait(false)).AsLong();
        return ms < 0 ? null : TimeSpan.FromMilliseconds(ms);
    }

    /// <summary><c>INCRBY key n</c>: the value after the increment.</summary>
    public static async Task<long> IncrByAsync(this IRedisCommandExecutor redis, string key, long increment = 1, CancellationToken cancellationToken = default) =>
        (await redis.ExecuteAsync("INCRBY", new RedisValue[] { key, increment }, cancellationToken).ConfigureAwait(false)).AsLong();

    /// <summary><c>HSET key field value...</c>: how many fields were new.</summary>
    public static async Task<long> HSetAsync(this IRedisCommandExecutor redis, string key, IEnumerable<KeyValuePair<string, RedisValue>> fields,
        CancellationToken cancellationToken = default)
    {
        var args = new List<RedisValue> { key };
        foreach (var (field, value) in fields)
        {
            args.Add(field);
            args.Add(value);
        }
        if (args.Count == 1) throw new ArgumentException("HSET needs at least one field.", nameof(fields));
        return (await redis.ExecuteAsync("HSET", args.ToArray(), cancellationToken).ConfigureAwait(false)).AsLong();
    }

    /// <summary><c>HGETALL key</c>: every field and value (empty when the key does not exist).</summary>
    public static async Task<Dictionary<string, string>> HGetAllAsync(this IRedisCommandExecutor redis, string key, CancellationToken cancellationToken = default)
    {
        var items = (await redis.ExecuteAsync("HGETALL", new RedisValue[] { key }, cancellationToken).ConfigureAwait(false)).AsArray();
        var fields = new Dictionary<string, string>(items.Length / 2, StringComparer.Ordinal);
        for (int i = 0; i + 1 < items.Length; i += 2) fields[items[i].AsString()!] = items[i + 1].AsString()!;
        return fields;
    }

    /// <summary><c>PUBLISH channel message</c>: how many subscribers received it.</summary>
    public static async Task<long> PublishAsync(this IRedisCommandExecutor redis, string channel, RedisValue message, CancellationToken cancellationToken = default) =>
        (await redis.ExecuteAsync("PUBLISH", new RedisValue[] { channel, message }, cancellationToken).ConfigureAwait(false)).AsLong();

    /// <summary>Every key matching <paramref name="pattern"/>, by iterating <c>SCAN</c> (never blocks the server like <c>KEYS</c>).</summary>
    /// <remarks>SCAN may return a key more than once; the caller de-duplicates if that matters.</remarks>
    public static async IAsyncEnumerable<string> ScanAsync(this IRedisCommandExecutor redis, string pattern, int pageSize = 100,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        string cursor = "0";
        do
        {
            var reply = await redis.ExecuteAsync("SCAN", new RedisValue[] { cursor, "MATCH", pattern, "COUNT", pageSize }, cancellationToken).ConfigureAwait(false);
            cursor = reply[0].AsString()!;
            foreach (var key in reply[1].AsArray()) yield return key.AsString()!;
        }
        while (cursor != "0");
    }

    /// <summary>The distinct keys matching <paramref name="pattern"/>, collected with <see cref="ScanAsync"/>.</summary>
    public static async Task<IReadOnlyList<string>> KeysAsync(this IRedisCommandExecutor redis, string pattern, CancellationToken cancellationToken = default)
    {
        var keys = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var key in redis.ScanAsync(pattern, cancellationToken: cancellationToken).ConfigureAwait(false)) keys.Add(key);
        return keys.Order(StringComparer.Ordinal).ToArray();
    }

    private static RedisValue[] ToValues(string[] items)
    {
        var values = new RedisValue[items.Length];
        for (int i = 0; i < items.Length; i++) values[i] = items[i];
        return values;
    }

    private static long Milliseconds(TimeSpan value, string name)
    {
        if (value <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(name, value, "An expiry must be positive.");
        return Math.Max(1, (long)Math.Ceiling(value.TotalMilliseconds));
    }

    // Argument lists of known length on hot paths come from the pool rather than the heap.
    private static RedisValue[] Rent(int length) => ArrayPool<RedisValue>.Shared.Rent(length);

    private static void Return(RedisValue[] array) => ArrayPool<RedisValue>.Shared.Return(array, clearArray: true);
}
