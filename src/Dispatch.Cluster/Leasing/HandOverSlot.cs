using Akka.Actor;
using Dispatch.Cluster.Protocol;

namespace Dispatch.Cluster.Leasing;

/// <summary>
/// The window a stopping owner handed to this node (it named this node its successor), kept for the owner that starts
/// here: given out once, whichever comes first, and only within <paramref name="maxAge"/> of its arrival.
/// </summary>
/// <remarks>
/// Once, because only the first owner to start here after the old one stopped is its direct successor on this node.
/// Only while fresh, because a log older than one window and one span tells a new owner nothing its own wait would not,
/// and an owner that starts that much later may not be the direct successor. Not thread-safe: owned by the lease client.
/// </remarks>
/// <param name="maxAge">How long a window handed over may wait for its owner: one window and one lease span.</param>
internal sealed class HandOverSlot(TimeSpan maxAge)
{
    private (QuotaHandOver HandOver, DateTimeOffset ArrivedAt)? _held;
    private IActorRef? _waiting;

    /// <summary>A window arrives: returns the owner that already asked for it (it goes there now), or keeps it.</summary>
    /// <param name="handOver">The window.</param>
    /// <param name="now">When it arrived, by this node's clock.</param>
    public IActorRef? Arrive(QuotaHandOver handOver, DateTimeOffset now)
    {
        var waiting = _waiting;
        _waiting = null;
        _held = waiting is null ? (handOver, now) : null;
        return waiting;
    }

    /// <summary>
    /// A new owner asks: returns the window if one is here and fresh; otherwise the owner gets the next one to arrive.
    /// Either way what is held is given up.
    /// </summary>
    /// <param name="owner">The owner that started on this node.</param>
    /// <param name="now">The current time.</param>
    public QuotaHandOver? Take(IActorRef owner, DateTimeOffset now)
    {
        var held = _held;
        _held = null;
        if (held is { } h && now - h.ArrivedAt < maxAge)
        {
            _waiting = null;
            return h.HandOver;
        }

        _waiting = owner;
        return null;
    }

    /// <summary>An owner that asked has stopped: a window arriving later is kept for the next one.</summary>
    /// <param name="owner">The owner that stopped.</param>
    public void Forget(IActorRef owner)
    {
        if (owner.Equals(_waiting)) _waiting = null;
    }
}
