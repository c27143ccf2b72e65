using Akka.Actor;
using Dispatch.Cluster.Protocol;
using Dispatch.Core.RateLimiting;

namespace Dispatch.Cluster.Leasing;

/// <summary>
/// Learning from the provider in cluster mode: this node's answers are gathered (<see cref="Observations"/>) into the
/// few reports its lease client sends the owner, which applies them to the one quota; the limits the owner then grants
/// from come back (<see cref="LimitsInForce"/>) for this node's status and metrics.
/// </summary>
internal sealed partial class ClusterCreditSource
{
    private readonly Observations _learning;
    private bool _reportSignalled;

    /// <inheritdoc />
    /// <remarks>
    /// Nothing changes here at once: the owner lowers (or raises) what it grants, and the next leases follow. So this
    /// never says the limits rose.
    /// </remarks>
    public bool Observe(long grantId, RateLimitReport report, bool throttled, DateTimeOffset now)
    {
        IActorRef? client = null;
        lock (_gate)
        {
            if (_book is null) return false;
            if (_learning.Record(report, throttled, _book.GrantOf(grantId), now, grantId) && !_reportSignalled && _client is not null)
            {
                _reportSignalled = true;
                client = _client;
            }
        }

        client?.Tell(ObservationsDue.Instance, ActorRefs.NoSender);
        return false;
    }

    /// <summary>The report for the owner of what was learned since the last one, if one is due; makes the next one due signal again.</summary>
    /// <param name="now">The current time.</param>
    internal LimitObserved? TakeObservations(DateTimeOffset now)
    {
        lock (_gate)
        {
            _reportSignalled = false;
            return _closed ? null : _learning.Take(Endpoint, now);
        }
    }

    /// <summary>The owner's announcement of the limits it grants from.</summary>
    /// <param name="limits">The announcement.</param>
    internal void LimitsInForce(LimitsInForce limits)
    {
        lock (_gate) _learning.InForce(limits.Requests, limits.Tokens);
    }
}
