namespace Dispatch.Core.RateLimiting;

/// <summary>
/// Sums over runs of consecutive slots of a ring buffer, kept as a Fenwick (binary indexed) tree: reading or setting
/// a slot, summing a run and finding how far from a slot a sum reaches are O(log n), so a grant log counts its window
/// without walking it, in one <see cref="long"/> per slot.
/// </summary>
/// <remarks>
/// Values are never negative (<see cref="Reach"/> needs sums that only grow along the ring). Slots the owner no
/// longer uses may keep their values: runs the owner asks about are its own, and <see cref="Reach"/> answers a
/// count the owner compares with its own. Not thread-safe: the rate limiter's.
/// </remarks>
internal sealed class RingSums
{
    // 1-based: _tree[i] holds the sum of the slots (i − lowbit(i), i], counted from 1.
    private long[] _tree;

    /// <param name="capacity">The ring's size; at least 1.</param>
    public RingSums(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _tree = new long[capacity + 1];
    }

    /// <summary>The ring's size.</summary>
    public int Capacity => _tree.Length - 1;

    /// <summary>The value of <paramref name="slot"/>.</summary>
    public long this[int slot]
    {
        get
        {
            // The node's sum less those of the nodes it covers below the slot.
            var node = slot + 1;
            var value = _tree[node];
            var stop = node - (node & -node);
            for (var i = node - 1; i > stop; i -= i & -i) value -= _tree[i];
            return value;
        }
    }

    /// <summary>Sets <paramref name="slot"/> to <paramref name="value"/> (at least 0).</summary>
    public void Set(int slot, long value)
    {
        var delta = value - this[slot];
        if (delta == 0) return;
        for (var i = slot + 1; i < _tree.Length; i += i & -i) _tree[i] += delta;
    }

    /// <summary>The sum of the <paramref name="count"/> slots from <paramref name="head"/> on, round the ring; at most <see cref="Capacity"/> of them.</summary>
    public long Sum(int head, long count)
    {
        if (count <= 0) return 0;
        var end = head + count;
        return end <= Capacity ? Prefix((int)end) - Prefix(head) : Prefix(Capacity) - Prefix(head) + Prefix((int)(end - Capacity));
    }

    /// <summary>
    /// The fewest slots from <paramref name="head"/> on, round the ring, whose sum reaches <paramref name="amount"/>:
    /// 1 when it is not positive, more than <see cref="Capacity"/> when the whole ring falls short.
    /// </summary>
    public long Reach(int head, long amount)
    {
        if (amount <= 0) return 1;
        var before = Prefix(head);
        var toEnd = Prefix(Capacity) - before;
        if (toEnd >= amount) return LowerBound(before + amount) - head + 1;
        return Capacity - head + (long)LowerBound(amount - toEnd) + 1;
    }

    /// <summary>Lays the <paramref name="count"/> slots from <paramref name="head"/> on out from slot 0 of a ring twice the size, as <see cref="Ring.Doubled{T}"/> does.</summary>
    public void Grow(int head, int count)
    {
        // Undone from the top, each node gives back what its children handed it: the slots' own values.
        for (var i = Capacity; i > 0; i--)
        {
            var parent = i + (i & -i);
            if (parent < _tree.Length) _tree[parent] -= _tree[i];
        }

        var values = Ring.Doubled(_tree.AsSpan(1).ToArray(), head, count);
        _tree = new long[values.Length + 1];
        // Built from the bottom, each node hands its sum to its parent.
        for (var i = 1; i < _tree.Length; i++)
        {
            _tree[i] += values[i - 1];
            var parent = i + (i & -i);
            if (parent < _tree.Length) _tree[parent] += _tree[i];
        }
    }

    /// <summary>The sum of the slots before <paramref name="end"/>.</summary>
    private long Prefix(int end)
    {
        long sum = 0;
        for (var i = end; i > 0; i -= i & -i) sum += _tree[i];
        return sum;
    }

    /// <summary>The first slot at which the sum from slot 0 reaches <paramref name="target"/> (positive); <see cref="Capacity"/> when none does.</summary>
    private int LowerBound(long target)
    {
        var position = 0;
        for (var step = 1 << (31 - int.LeadingZeroCount(Capacity)); step > 0; step >>= 1)
        {
            var next = position + step;
            if (next < _tree.Length && _tree[next] < target)
            {
                position = next;
                target -= _tree[next];
            }
        }

        return position;
    }
}
