namespace Dispatch.Core.Queue;

/// <summary>What <see cref="CallQueue{T}.TryEnqueue"/> did.</summary>
public enum EnqueueResult
{
    /// <summary>The item is at the back of the queue.</summary>
    Enqueued = 0,

    /// <summary>The queue is at capacity; the item was not added (answer it <c>QueueFull</c>).</summary>
    Full,

    /// <summary>An item with the same id is already queued; the item was not added.</summary>
    DuplicateId,
}

/// <summary>
/// A bounded FIFO of calls keyed by call id: enqueue, dequeue, remove by id (cancellation
/// while queued) and removal of items whose deadline has passed, each O(1) amortized
/// (deadline removal O(log n) per item).
/// </summary>
/// <remarks>
/// Not thread-safe: it is owned by one actor and touched only from its mailbox. In steady
/// state it allocates nothing: list nodes are pooled and the dictionary only grows.
/// Deadlines live in a min-heap with lazy deletion (an entry whose item left the queue by
/// another way is skipped when it surfaces); the heap is rebuilt when stale entries
/// outnumber live ones, so long deadlines on dequeued items cannot accumulate.
/// </remarks>
/// <typeparam name="T">The queued item, e.g. a call with its reply-to.</typeparam>
public sealed class CallQueue<T>
{
    private readonly LinkedList<Entry> _order = new();
    private readonly Dictionary<string, LinkedListNode<Entry>> _byId = new(StringComparer.Ordinal);
    private readonly Stack<LinkedListNode<Entry>> _freeNodes = new();
    private readonly PriorityQueue<(string Id, long Seq), long> _deadlines = new();
    private long _nextSeq;

    /// <summary>Creates an empty queue.</summary>
    /// <param name="capacity">Items held at most; must be &gt; 0.</param>
    public CallQueue(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        Capacity = capacity;
    }

    /// <summary>Items held at most.</summary>
    public int Capacity { get; }

    /// <summary>Items queued now.</summary>
    public int Count => _byId.Count;

    /// <summary>Whether the next <see cref="TryEnqueue"/> would be refused as full.</summary>
    public bool IsFull => _byId.Count >= Capacity;

    /// <summary>Adds an item at the back, unless the queue is full or the id is already queued.</summary>
    /// <param name="id">The item's call id.</param>
    /// <param name="item">The item.</param>
    /// <param name="deadline">When the item expires while queued; <see langword="null"/> for never.</param>
    public EnqueueResult TryEnqueue(string id, T item, DateTimeOffset? deadline = null)
    {
        ArgumentNullException.ThrowIfNull(id);
        if (_byId.ContainsKey(id)) return EnqueueResult.DuplicateId;
        if (IsFull) return EnqueueResult.Full;

        _order.AddLast(NewNode(id, item, deadline, long.MaxValue));
        return EnqueueResult.Enqueued;
    }

    /// <summary>
    /// Adds an item behind every item of a lower or equal <paramref name="order"/> and in front of
    /// every item of a higher one (items added by <see cref="TryEnqueue"/> count as the highest).
    /// The queue's capacity applies as usual.
    /// </summary>
    /// <param name="id">The item's call id.</param>
    /// <param name="item">The item.</param>
    /// <param name="order">Where the item belongs (e.g. the sequence number of its call's acceptance).</param>
    /// <param name="deadline">When the item expires while queued; <see langword="null"/> for never.</param>
    internal EnqueueResult TryEnqueueInOrder(string id, T item, long order, DateTimeOffset? deadline = null)
    {
        ArgumentNullException.ThrowIfNull(id);
        if (_byId.ContainsKey(id)) return EnqueueResult.DuplicateId;
        if (IsFull) return EnqueueResult.Full;

        // Items mostly arrive in order, so the place is found from the back in a step or two.
        var after = _order.Last;
        while (after is not null && after.Value.Order > order) after = after.Previous;
        var node = NewNode(id, item, deadline, order);
        if (after is null) _order.AddFirst(node);
        else _order.AddAfter(after, node);
        return EnqueueResult.Enqueued;
    }

    /// <summary>Whether an item of <paramref name="order"/> would go to the front (the queue is empty, or every item's order is higher).</summary>
    /// <param name="order">The order of the item about to be added.</param>
    internal bool WouldBeFirst(long order) => _order.First is not { } first || first.Value.Order > order;

    /// <summary>An unlinked node for a new item, registered by id and deadline; the caller links it into the order.</summary>
    private LinkedListNode<Entry> NewNode(string id, T item, DateTimeOffset? deadline, long order)
    {
        var entry = new Entry(id, item, deadline, _nextSeq++, order);
        var node = _freeNodes.TryPop(out var free) ? free : new LinkedListNode<Entry>(entry);
        node.Value = entry;
        _byId.Add(id, node);
        if (deadline is { } due)
        {
            _deadlines.Enqueue((id, entry.Seq), due.UtcTicks);
            CompactDeadlinesIfMostlyStale();
        }

        return node;
    }

    /// <summary>Takes the item at the front.</summary>
    /// <param name="item">The item taken, when there was one.</param>
    public bool TryDequeue(out T item)
    {
        var node = _order.First;
        if (node is null)
        {
            item = default!;
            return false;
        }

        item = node.Value.Item;
        Release(node);
        return true;
    }

    /// <summary>Looks at the item at the front without taking it.</summary>
    /// <param name="item">The front item, when there is one.</param>
    public bool TryPeek(out T item)
    {
        var node = _order.First;
        item = node is null ? default! : node.Value.Item;
        return node is not null;
    }

    /// <summary>Removes the item with this id wherever it is in the queue.</summary>
    /// <param name="id">The call id.</param>
    /// <param name="item">The item removed, when it was queued.</param>
    public bool TryRemove(string id, out T item)
    {
        if (!_byId.TryGetValue(id, out var node))
        {
            item = default!;
            return false;
        }

        item = node.Value.Item;
        Release(node);
        return true;
    }

    /// <summary>Whether an item with this id is queued.</summary>
    /// <param name="id">The call id.</param>
    public bool Contains(string id) => _byId.ContainsKey(id);

    /// <summary>
    /// The earliest deadline among queued items, or <see langword="null"/> when none has one.
    /// The owner sets its sweep timer for this instant.
    /// </summary>
    public DateTimeOffset? NextDeadline
    {
        get
        {
            while (_deadlines.TryPeek(out var key, out var ticks))
            {
                if (IsLive(key)) return new DateTimeOffset(ticks, TimeSpan.Zero);
                _deadlines.Dequeue();
            }

            return null;
        }
    }

    /// <summary>Removes every item whose deadline is at or before <paramref name="now"/>, oldest deadline first.</summary>
    /// <param name="now">The current time.</param>
    /// <param name="expired">Receives the removed items.</param>
    /// <returns>How many items were removed.</returns>
    public int RemoveExpired(DateTimeOffset now, ICollection<T> expired)
    {
        var removed = 0;
        while (_deadlines.TryPeek(out var key, out var ticks) && ticks <= now.UtcTicks)
        {
            _deadlines.Dequeue();
            if (!IsLive(key)) continue;
            var node = _byId[key.Id];
            expired.Add(node.Value.Item);
            Release(node);
            removed++;
        }

        return removed;
    }

    /// <summary>Removes every item, front first (e.g. to answer them all on shutdown).</summary>
    /// <param name="drained">Receives the removed items in queue order.</param>
    public void DrainTo(ICollection<T> drained)
    {
        while (TryDequeue(out var item)) drained.Add(item);
        _deadlines.Clear();
    }

    private bool IsLive((string Id, long Seq) key) =>
        _byId.TryGetValue(key.Id, out var node) && node.Value.Seq == key.Seq;

    private void Release(LinkedListNode<Entry> node)
    {
        _byId.Remove(node.Value.Id);
        _order.Remove(node);
        node.Value = default;
        _freeNodes.Push(node);
    }

    private void CompactDeadlinesIfMostlyStale()
    {
        if (_deadlines.Count <= 2 * _byId.Count + 64) return;
        _deadlines.Clear();
        foreach (var node in _byId.Values)
        {
            if (node.Value.Deadline is { } due) _deadlines.Enqueue((node.Value.Id, node.Value.Seq), due.UtcTicks);
        }
    }

    private record struct Entry(string Id, T Item, DateTimeOffset? Deadline, long Seq, long Order);
}
