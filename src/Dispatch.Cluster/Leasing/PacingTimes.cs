namespace Dispatch.Cluster.Leasing;

/// <summary>
/// Where one node's waiting calls spent their time (smooth pacing; benchmarks print it): from each refused attempt to the
/// next, the part its shared pacer asked for, and the rest by why the call could not go — no lease that could serve it,
/// the lease's own bound asking for longer than the pacer, or the wake coming after the instant it was told.
/// </summary>
/// <remarks>Updated under <see cref="ClusterCreditSource"/>'s lock; read from anywhere.</remarks>
internal sealed class PacingTimes
{
    private readonly Lock _gate = new();
    private long _pacer;
    private long _noLease;
    private long _bound;
    private long _late;
    private long _held;
    private long _roundTrips;
    private long _leases;
    private long _heldLeases;
    private long _gaps;
    private long _grants;
    private long _rate;
    private long _rateSince;
    private Int128 _rateTicks;

    // The last refusal: when, why, and how long the pacer alone would have held it.
    private long? _refusedAt;
    private long _pacerWait;
    private long _toldWait;
    private Reason _reason;

    /// <summary>Time the node's shared pacer held its calls (its rate, as it should).</summary>
    public TimeSpan Pacer => TimeSpan.FromTicks(Interlocked.Read(ref _pacer));

    /// <summary>Time beyond the pacer's that calls waited for a lease that could serve them (lease changes).</summary>
    public TimeSpan NoLease => TimeSpan.FromTicks(Interlocked.Read(ref _noLease));

    /// <summary>Time beyond the pacer's that a lease's own bound held calls.</summary>
    public TimeSpan Bound => TimeSpan.FromTicks(Interlocked.Read(ref _bound));

    /// <summary>Time between the instant a call was told to come back and its next attempt (timer lateness).</summary>
    public TimeSpan Late => TimeSpan.FromTicks(Interlocked.Read(ref _late));

    /// <summary>Time the owner held this node's granted requests in line (<c>LeaseGranted.Held</c>, summed).</summary>
    public TimeSpan OwnerHeld => TimeSpan.FromTicks(Interlocked.Read(ref _held));

    /// <summary>Round trips of this node's granted requests, without the owner's hold.</summary>
    public TimeSpan RoundTrips => TimeSpan.FromTicks(Interlocked.Read(ref _roundTrips));

    /// <summary>Leases received.</summary>
    public long Leases => Interlocked.Read(ref _leases);

    /// <summary>Leases the owner held for at least a millisecond.</summary>
    public long HeldLeases => Interlocked.Read(ref _heldLeases);

    /// <summary>Spells of waiting with no lease that could serve the call.</summary>
    public long Gaps => Interlocked.Read(ref _gaps);

    /// <summary>Request credits granted.</summary>
    public long Grants => Interlocked.Read(ref _grants);

    /// <summary>What the node's pacer rates allowed from its first paced lease to <paramref name="ticks"/>, in credits per <paramref name="window"/>.</summary>
    public double Allowed(long ticks, TimeSpan window)
    {
        lock (_gate) return (double)(_rateTicks + (_rate == 0 ? 0 : (Int128)_rate * (ticks - _rateSince))) / window.Ticks;
    }

    /// <summary>The node's pacer now runs at <paramref name="rate"/> per window.</summary>
    internal void Rate(long rate, long ticks)
    {
        lock (_gate)
        {
            if (_rate != 0) _rateTicks += (Int128)_rate * (ticks - _rateSince);
            (_rate, _rateSince) = (rate, ticks);
        }
    }

    /// <summary>An attempt at <paramref name="ticks"/>: closes the spell since the last refusal.</summary>
    internal void Attempt(long ticks)
    {
        if (_refusedAt is not { } at) return;
        _refusedAt = null;
        var elapsed = Math.Max(0, ticks - at);
        var pacer = Math.Min(elapsed, _pacerWait);
        var told = Math.Min(elapsed, Math.Max(_pacerWait, _toldWait));
        Interlocked.Add(ref _pacer, pacer);
        if (_reason == Reason.NoLease) Interlocked.Add(ref _noLease, told - pacer);
        else if (_reason == Reason.Bound) Interlocked.Add(ref _bound, told - pacer);
        else Interlocked.Add(ref _pacer, told - pacer);
        Interlocked.Add(ref _late, elapsed - told);
    }

    /// <summary>A refusal at <paramref name="ticks"/>: the pacer alone would hold it <paramref name="pacerWait"/>, the call was told to wait <paramref name="toldWait"/>.</summary>
    internal void Refused(long ticks, long pacerWait, long toldWait, bool noLease)
    {
        if (noLease && _reason != Reason.NoLease) Interlocked.Increment(ref _gaps);
        _refusedAt = ticks;
        _pacerWait = pacerWait;
        _toldWait = noLease ? long.MaxValue / 4 : toldWait;
        _reason = noLease ? Reason.NoLease : toldWait > pacerWait ? Reason.Bound : Reason.Pacer;
    }

    /// <summary>A grant at an attempt: the spell of waiting for a lease, if any, is over.</summary>
    internal void Granted(int requests)
    {
        _reason = Reason.Pacer;
        Interlocked.Add(ref _grants, requests);
    }

    /// <summary>A lease arrived: the owner held its request <paramref name="held"/>, and the whole round trip took <paramref name="roundTrip"/>.</summary>
    internal void Lease(TimeSpan held, TimeSpan roundTrip)
    {
        Interlocked.Increment(ref _leases);
        if (held >= TimeSpan.FromMilliseconds(1)) Interlocked.Increment(ref _heldLeases);
        Interlocked.Add(ref _held, held.Ticks);
        Interlocked.Add(ref _roundTrips, Math.Max(0, (roundTrip - held).Ticks));
    }

    private enum Reason
    {
        Pacer,
        NoLease,
        Bound,
    }
}
