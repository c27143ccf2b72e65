namespace Dispatch.Cluster.Redis;

/// <summary>One stream entry: its id and fields. <see cref="Fields"/> is null for an entry deleted while still pending.</summary>
/// <param name="Id">The entry id (<c>1700000000000-0</c>).</param>
/// <param name="Fields">The field/value pairs in the order they were added, or null when the entry no longer exists.</param>
public sealed record RedisStreamEntry(string Id, IReadOnlyList<KeyValuePair<string, string>>? Fields)
{
    /// <summary>The value of the first field with that name, or null.</summary>
    public string? this[string field]
    {
        get
        {
            if (Fields is null) return null;
            foreach (var pair in Fields)
                if (pair.Key == field) return pair.Value;
            return null;
        }
    }
}

/// <summary>The reply of <c>XAUTOCLAIM</c>.</summary>
/// <param name="NextStartId">Where the next scan starts; <c>0-0</c> when the whole pending list was scanned.</param>
/// <param name="Entries">The entries now owned by the claiming consumer.</param>
/// <param name="DeletedIds">Pending ids whose entries no longer exist (removed from the pending list by the claim).</param>
public sealed record RedisAutoClaimResult(string NextStartId, IReadOnlyList<RedisStreamEntry> Entries, IReadOnlyList<string> DeletedIds);

/// <summary>The summary form of <c>XPENDING key group</c>.</summary>
/// <param name="Count">Entries delivered but not acknowledged.</param>
/// <param name="LowestId">The smallest pending id, or null when none is pending.</param>
/// <param name="HighestId">The largest pending id, or null when none is pending.</param>
/// <param name="Consumers">Pending entries per consumer.</param>
public sealed record RedisPendingSummary(long Count, string? LowestId, string? HighestId, IReadOnlyList<KeyValuePair<string, long>> Consumers);
