using Dispatch.Cluster.Protocol;

namespace Dispatch.Cluster.Owner;

/// <summary>
/// The rates the live leases were granted with (smooth pacing): what the nodes may spend at right now; and cutting a
/// lease's rate while it is being spent (<see cref="Cut"/>).
/// </summary>
/// <remarks>
/// <para>
/// <b>Why a cut keeps every window within the limits.</b> A cut lease <c>L</c> (granted at <c>s</c>, checked then) goes on
/// as a successor <c>L'</c> from the cut at <c>c</c> to <c>L</c>'s end, at a lower rate. Its node, from the cut's arrival
/// (after <c>c</c>), retires <c>L</c> and spends <c>L'</c> within <c>L'</c>'s bound <i>and</i> <c>L</c>'s (the same GCRA
/// as before, charged on) and only what <c>L</c> had left; so together they spend in any window no more than <c>L</c>
/// alone could, and the log's count of <c>L</c> covers both until <c>L</c>'s return arrives (<c>L'</c> is not counted
/// before: <see cref="Terms"/>). The return, sent when the cut arrived, lowers <c>L</c> to what it used and ends its span
/// at its arrival; from then <c>L'</c> counts by its own bound from <c>c</c>: what the node spent before the cut arrived
/// is in <c>L</c>'s count, what it spends after in <c>L'</c>'s. So at every grant, every lease in the log is counted at
/// least by what its node spends of it in each window, which is all the argument in <see cref="QuotaLedger"/> needs: the
/// pair is one lease granted at <c>s</c> whose count the return replaces by another that still covers it. The two overlap
/// at the owner between <c>c</c> and the return's arrival (a round trip), which only counts more.
/// </para>
/// <para>
/// A cut whose lease was already retired at its node (spent, out of time) finds nothing to continue: the successor is
/// returned unused. A hand-over passes both on as two leases, each counted by its own bound: more, never less.
/// </para>
/// </remarks>
internal sealed partial class QuotaLedger
{
    /// <summary>
    /// Per node, the highest rate, burst and per-second cap among its leases still being spent, or ended less than
    /// <paramref name="linger"/> ago. A node paces at the rate of the lease it received last, which is among them, so it
    /// spends no faster than this until those spans end, whichever of its grants arrived first; the linger keeps a rate
    /// and a cap from moving to another node while the grants made at them still count in a period the provider enforces
    /// (a second).
    /// </summary>
    /// <param name="now">The current time.</param>
    /// <param name="linger">How long after its span ends (or its return arrived) a lease's rate still counts.</param>
    public Dictionary<string, LeasePace> LivePaces(DateTimeOffset now, TimeSpan linger = default)
    {
        var ticks = Advance(now);
        var paces = new Dictionary<string, LeasePace>(StringComparer.Ordinal);
        foreach (var entry in _entries)
        {
            if (entry.Finish + linger.Ticks <= ticks || entry.Pace is not { } pace) continue;
            paces[entry.Node] = paces.TryGetValue(entry.Node, out var other)
                ? new LeasePace(Math.Max(pace.Requests, other.Requests), Math.Max(pace.Tokens, other.Tokens),
                    Math.Max(pace.RequestBurst, other.RequestBurst), Math.Max(pace.TokenBurst, other.TokenBurst),
                    Math.Max(pace.RequestCap, other.RequestCap), Math.Max(pace.TokenCap, other.TokenCap))
                : pace;
        }

        return paces;
    }

    /// <summary>When the rate of the first lease of a node other than <paramref name="node"/> that still counts stops counting; <see langword="null"/> for none.</summary>
    /// <param name="node">The node asking.</param>
    /// <param name="now">The current time.</param>
    /// <param name="linger">How long after its span ends a lease's rate still counts.</param>
    public DateTimeOffset? NextPaceEnd(string node, DateTimeOffset now, TimeSpan linger = default)
    {
        var ticks = Advance(now);
        var first = long.MaxValue;
        foreach (var entry in _entries)
        {
            if (entry.Finish + linger.Ticks <= ticks || entry.Pace is null || entry.Node == node) continue;
            first = Math.Min(first, entry.Finish + linger.Ticks);
        }

        return first == long.MaxValue ? null : At(first);
    }

    /// <summary>
    /// Cuts the live leases of <paramref name="node"/> whose rate or cap is above <paramref name="pace"/>: the rest of each goes on
    /// as a successor lease at that pace, until the cut lease's end, holding what its bound spends there (at most what the
    /// cut lease was granted). The successor counts only once the cut lease's return arrives (see the remarks).
    /// </summary>
    /// <param name="node">The node whose rate is cut.</param>
    /// <param name="pace">Its new rate and burst.</param>
    /// <param name="now">The current time.</param>
    /// <returns>The cuts made, for the node to be told; none when no lease of the node runs above <paramref name="pace"/> or was cut already.</returns>
    public IReadOnlyList<LeaseCutMade> Cut(string node, LeasePace pace, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(pace);
        var ticks = Advance(now);
        var cuts = new List<LeaseCutMade>();
        for (var i = 0; i < _entries.Count; i++)
        {
            var entry = _entries[i];
            // Only this owner's own leases: the node knows the successor by this owner's incarnation.
            if (entry.Node != node || entry.Returned || entry.Finish <= ticks || entry.Successor is not null || entry.Owner != _incarnation
                || entry.Pace is not { } was
                || (pace.Requests >= was.Requests && pace.Tokens >= was.Tokens && pace.RequestCap >= was.RequestCap && pace.TokenCap >= was.TokenCap)) continue;
            var bound = BoundFor(pace, entry.Asked.Requests, entry.Asked.Tokens);
            var rest = entry.Finish - ticks;
            var requests = bound.Requests > 0 ? (int)Math.Min(entry.GrantedRequests, Spendable(bound.Requests, bound.RequestBurst, rest)) : entry.GrantedRequests;
            var tokens = bound.Tokens > 0 ? Math.Min(entry.GrantedTokens, Spendable(bound.Tokens, bound.TokenBurst, rest)) : entry.GrantedTokens;
            var successor = new Entry(_incarnation, _nextNumber++, node, ticks, entry.Finish, requests, tokens) { Pace = pace, Bound = bound, Asked = entry.Asked, Cut = entry };
            entry.Successor = successor;
            Add(successor);
            cuts.Add(new LeaseCutMade(entry.Number, successor.Number, requests, tokens, bound));
        }

        return cuts;
    }

    /// <summary>What a bound of <paramref name="rate"/> per window and <paramref name="burst"/> lets a node spend in <paramref name="ticks"/>, rounded up.</summary>
    private long Spendable(long rate, long burst, long ticks) =>
        (long)Int128.Min(int.MaxValue, ((Int128)rate * ticks + _windowTicks - 1) / _windowTicks + burst);
}

/// <summary>A cut <see cref="QuotaLedger.Cut"/> made: which lease goes on as which, with what.</summary>
/// <param name="Lease">The cut lease's number.</param>
/// <param name="Successor">The successor's number.</param>
/// <param name="Requests">Request credits the successor holds.</param>
/// <param name="Tokens">Token credits the successor holds.</param>
/// <param name="Bound">What its node may spend of the successor at most.</param>
internal readonly record struct LeaseCutMade(long Lease, long Successor, int Requests, long Tokens, LeasePace Bound);
