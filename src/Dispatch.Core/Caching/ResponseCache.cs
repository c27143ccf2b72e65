using Dispatch.Core.Protocol;

namespace Dispatch.Core.Caching;

/// <summary>
/// A bounded LRU cache of completed answers, each fresh for its TTL. Calls opt in with
/// <see cref="CacheControl"/>; an answer served from here is marked <c>FromCache</c> and
/// spends no credits.
/// </summary>
/// <remarks>
/// Actor-confined, not thread-safe: the endpoint's supervisor owns it and touches it only
/// from its mailbox, so no lock sits on the hit path. A hit allocates nothing but the
/// returned result record (a copy with <c>FromCache</c> and the new call id); recency is
/// kept by moving the existing list node. An expired entry is dropped when it is looked up;
/// when the cache is full, the least recently used entry makes room.
/// </remarks>
public sealed class ResponseCache
{
    private readonly Dictionary<CacheKey, LinkedListNode<Entry>> _entries = new();
    private readonly LinkedList<Entry> _recency = new();

    /// <summary>Creates an empty cache.</summary>
    /// <param name="options">Size and default TTL; validated here.</param>
    public ResponseCache(CacheOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;
    }

    /// <summary>Size and default TTL.</summary>
    public CacheOptions Options { get; }

    /// <summary>Answers held, fresh or not yet dropped.</summary>
    public int Count => _entries.Count;

    /// <summary>
    /// The stored answer for <paramref name="key"/>, re-addressed to <paramref name="callId"/>
    /// and marked <c>FromCache</c>, if one is fresh at <paramref name="now"/>.
    /// </summary>
    /// <param name="key">The call's key.</param>
    /// <param name="callId">The id of the call being answered.</param>
    /// <param name="now">The current time.</param>
    /// <param name="result">The answer, on a hit.</param>
    public bool TryGet(in CacheKey key, string callId, DateTimeOffset now, out APICallResult result)
    {
        if (!_entries.TryGetValue(key, out var node))
        {
            result = null!;
            return false;
        }

        if (node.Value.ExpiresAt <= now)
        {
            Remove(node);
            result = null!;
            return false;
        }

        _recency.Remove(node);
        _recency.AddFirst(node);
        result = node.Value.Result with
        {
            CallId = callId,
            FromCache = true,
            Attempts = 0,
            QueueTime = TimeSpan.Zero,
            TotalTime = TimeSpan.Zero,
            TokensCharged = 0,
        };
        return true;
    }

    /// <summary>
    /// Stores a completed answer under <paramref name="key"/> (replacing an older one), unless
    /// the call said <see cref="CacheControl.NoStore"/>, the answer is not
    /// <see cref="CallStatus.Completed"/>, or the cache is disabled.
    /// </summary>
    /// <param name="key">The call's key.</param>
    /// <param name="result">The call's final answer.</param>
    /// <param name="control">The call's cache control.</param>
    /// <param name="now">The current time.</param>
    /// <returns>Whether it was stored.</returns>
    public bool TryStore(in CacheKey key, APICallResult result, CacheControl control, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(control);
        var ttl = control.Ttl ?? Options.DefaultTtl;
        if (control.NoStore || result.Status != CallStatus.Completed || Options.MaxEntries == 0 || ttl <= TimeSpan.Zero) return false;

        var entry = new Entry(key, result, now + ttl);
        if (_entries.TryGetValue(key, out var existing))
        {
            existing.Value = entry;
            _recency.Remove(existing);
            _recency.AddFirst(existing);
            return true;
        }

        if (_entries.Count >= Options.MaxEntries) MakeRoom();
        _entries.Add(key, _recency.AddFirst(entry));
        return true;
    }

    /// <summary>Drops every answer.</summary>
    public void Clear()
    {
        _entries.Clear();
        _recency.Clear();
    }

    private void MakeRoom()
    {
        // Only the least recently used entry is examined, so a store stays O(1); an expired
        // entry elsewhere holds its slot until it is looked up or becomes the oldest.
        if (_recency.Last is { } oldest) Remove(oldest);
    }

    private void Remove(LinkedListNode<Entry> node)
    {
        _entries.Remove(node.Value.Key);
        _recency.Remove(node);
    }

    private readonly record struct Entry(CacheKey Key, APICallResult Result, DateTimeOffset ExpiresAt);
}
