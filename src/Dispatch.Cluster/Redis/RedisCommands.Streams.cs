namespace Dispatch.Cluster.Redis;

public static partial class RedisCommands
{
    /// <summary><c>XADD key [MAXLEN ~ n] * field value...</c>: the new entry's id.</summary>
    public static async Task<string> XAddAsync(this IRedisCommandExecutor redis, string key, IEnumerable<KeyValuePair<string, RedisValue>> fields,
        long? approximateMaxLength = null, CancellationToken cancellationToken = default)
    {
        var args = new List<RedisValue> { key };
        if (approximateMaxLength is { } maxLength)
        {
            args.Add("MAXLEN");
            args.Add("~");
            args.Add(maxLength);
        }
        args.Add("*");
        int before = args.Count;
        foreach (var (field, value) in fields)
        {
            args.Add(field);
            args.Add(value);
        }
        if (args.Count == before) throw new ArgumentException("XADD needs at least one field.", nameof(fields));
        return (await redis.ExecuteAsync("XADD", args.ToArray(), cancellationToken).ConfigureAwait(false)).AsString()!;
    }

    /// <summary><c>XGROUP CREATE key group startId MKSTREAM</c>: creates the stream too when missing.</summary>
    /// <returns>False when the group already existed (<c>BUSYGROUP</c>), which is not an error here.</returns>
    public static async Task<bool> XGroupCreateAsync(this IRedisCommandExecutor redis, string key, string group, string startId = "$",
        CancellationToken cancellationToken = default)
    {
        try
        {
            await redis.ExecuteAsync("XGROUP", new RedisValue[] { "CREATE", key, group, startId, "MKSTREAM" }, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (RedisServerException ex) when (ex.ErrorKind == "BUSYGROUP")
        {
            return false;
        }
    }

    /// <summary>
    /// <c>XREADGROUP GROUP group consumer COUNT n [BLOCK ms] STREAMS key id</c>. With <c>&gt;</c> it returns
    /// new entries; with <c>0</c> the consumer's own pending ones. Empty when the block timed out.
    /// </summary>
    /// <remarks>
    /// With <paramref name="block"/> set the connection is held until entries arrive or the block ends; use a dedicated
    /// connection whose <see cref="RedisOptions.CommandTimeout"/> is longer than the block.
    /// </remarks>
    public static async Task<IReadOnlyList<RedisStreamEntry>> XReadGroupAsync(this IRedisCommandExecutor redis, string key, string group, string consumer,
        int count, TimeSpan? block = null, string id = ">", CancellationToken cancellationToken = default)
    {
        var args = new List<RedisValue>(10) { "GROUP", group, consumer };
        return await ReadOneStreamAsync(redis, "XREADGROUP", args, count, block, key, id, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// <c>XREAD COUNT n [BLOCK ms] STREAMS key id</c>: entries after <paramref name="afterId"/>, outside any consumer group.
    /// Empty when the block timed out.
    /// </summary>
    /// <remarks>As with <see cref="XReadGroupAsync"/>, a blocking read needs a connection whose command timeout is longer than the block.</remarks>
    public static async Task<IReadOnlyList<RedisStreamEntry>> XReadAsync(this IRedisCommandExecutor redis, string key, string afterId, int count,
        TimeSpan? block = null, CancellationToken cancellationToken = default)
    {
        return await ReadOneStreamAsync(redis, "XREAD", new List<RedisValue>(7), count, block, key, afterId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Finishes and sends <c>XREAD</c> or <c>XREADGROUP</c> for one stream: <c>COUNT n [BLOCK ms] STREAMS key id</c>.</summary>
    private static async Task<IReadOnlyList<RedisStreamEntry>> ReadOneStreamAsync(IRedisCommandExecutor redis, string command, List<RedisValue> args,
        int count, TimeSpan? block, string key, string id, CancellationToken cancellationToken)
    {
        args.Add("COUNT");
        args.Add(count);
        if (block is { } wait)
        {
            // BLOCK 0 means "forever" to Redis, so a wait that rounds to zero must not become one.
            if (wait <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(block), wait, "A block time must be positive; pass null not to block.");
            args.Add("BLOCK");
            args.Add(Math.Max(1, (long)Math.Ceiling(wait.TotalMilliseconds)));
        }
        args.Add("STREAMS");
        args.Add(key);
        args.Add(id);
        var reply = await redis.ExecuteAsync(command, args.ToArray(), cancellationToken).ConfigureAwait(false);
        if (reply.IsNull || reply.Count == 0) return [];
        // [[stream, [[id, [field, value...]]...]]]: one stream was asked for.
        return ParseEntries(reply[0][1]);
    }

    /// <summary>
    /// <c>XCLAIM key group consumer 0 id... JUSTID</c>: (re)assigns the pending entries to <paramref name="consumer"/> and
    /// resets their idle time, which is how a consumer shows it is still working on them.
    /// </summary>
    /// <returns>The ids that were still pending.</returns>
    public static async Task<IReadOnlyList<string>> XClaimJustIdAsync(this IRedisCommandExecutor redis, string key, string group, string consumer,
        IReadOnlyCollection<string> ids, CancellationToken cancellationToken = default)
    {
        if (ids.Count == 0) return [];
        var args = new List<RedisValue>(ids.Count + 5) { key, group, consumer, 0 };
        foreach (var id in ids) args.Add(id);
        args.Add("JUSTID");
        var reply = await redis.ExecuteAsync("XCLAIM", args.ToArray(), cancellationToken).ConfigureAwait(false);
        return reply.AsArray().Select(id => id.AsString()!).ToArray();
    }

    /// <summary><c>XDEL key id...</c>: how many entries were deleted.</summary>
    public static async Task<long> XDelAsync(this IRedisCommandExecutor redis, string key, params string[] ids)
    {
        if (ids.Length == 0) return 0;
        var args = new RedisValue[ids.Length + 1];
        args[0] = key;
        for (int i = 0; i < ids.Length; i++) args[i + 1] = ids[i];
        return (await redis.ExecuteAsync("XDEL", args).ConfigureAwait(false)).AsLong();
    }

    /// <summary><c>XACK key group id...</c>: how many entries were acknowledged.</summary>
    public static async Task<long> XAckAsync(this IRedisCommandExecutor redis, string key, string group, params string[] ids)
    {
        if (ids.Length == 0) return 0;
        var args = new RedisValue[ids.Length + 2];
        args[0] = key;
        args[1] = group;
        for (int i = 0; i < ids.Length; i++) args[i + 2] = ids[i];
        return (await redis.ExecuteAsync("XACK", args).ConfigureAwait(false)).AsLong();
    }

    /// <summary><c>XAUTOCLAIM key group consumer min-idle start COUNT n</c>: takes over entries pending longer than <paramref name="minIdle"/>.</summary>
    public static async Task<RedisAutoClaimResult> XAutoClaimAsync(this IRedisCommandExecutor redis, string key, string group, string consumer,
        TimeSpan minIdle, string startId = "0-0", int count = 100, CancellationToken cancellationToken = default)
    {
        var reply = await redis.ExecuteAsync("XAUTOCLAIM",
            new RedisValue[] { key, group, consumer, (long)Math.Max(0, minIdle.TotalMilliseconds), startId, "COUNT", count }, cancellationToken).ConfigureAwait(false);
        var deleted = reply.Count > 2 ? reply[2].AsArray().Select(id => id.AsString()!).ToArray() : [];
        return new RedisAutoClaimResult(reply[0].AsString()!, ParseEntries(reply[1]), deleted);
    }

    /// <summary><c>XPENDING key group</c>: how many entries are delivered but unacknowledged, and by whom.</summary>
    public static async Task<RedisPendingSummary> XPendingAsync(this IRedisCommandExecutor redis, string key, string group, CancellationToken cancellationToken = default)
    {
        var reply = await redis.ExecuteAsync("XPENDING", new RedisValue[] { key, group }, cancellationToken).ConfigureAwait(false);
        var consumers = reply[3].AsArray()
            .Select(pair => new KeyValuePair<string, long>(pair[0].AsString()!, pair[1].AsLong()))
            .ToArray();
        return new RedisPendingSummary(reply[0].AsLong(), reply[1].AsString(), reply[2].AsString(), consumers);
    }

    /// <summary><c>XLEN key</c>: the number of entries (0 when the stream does not exist).</summary>
    public static async Task<long> XLenAsync(this IRedisCommandExecutor redis, string key, CancellationToken cancellationToken = default) =>
        (await redis.ExecuteAsync("XLEN", new RedisValue[] { key }, cancellationToken).ConfigureAwait(false)).AsLong();

    private static RedisStreamEntry[] ParseEntries(RedisResult entries)
    {
        var items = entries.AsArray();
        var parsed = new RedisStreamEntry[items.Length];
        for (int i = 0; i < items.Length; i++)
        {
            var entry = items[i];
            string id = entry[0].AsString() ?? throw new RedisProtocolException("A stream entry without an id.");
            var body = entry[1];
            KeyValuePair<string, string>[]? fields = null;
            if (!body.IsNull)
            {
                var flat = body.AsArray();
                fields = new KeyValuePair<string, string>[flat.Length / 2];
                for (int f = 0; f < fields.Length; f++)
                    fields[f] = new(flat[2 * f].AsString()!, flat[2 * f + 1].AsString() ?? string.Empty);
            }
            parsed[i] = new RedisStreamEntry(id, fields);
        }
        return parsed;
    }
}
