using System.Numerics;
using Dispatch.Cluster.Protocol;
using Dispatch.Core.RateLimiting;

namespace Dispatch.Cluster.Owner;

/// <summary>
/// Shares an endpoint's paced rate out among the nodes (smooth pacing): each lease is granted with a rate, a burst and a
/// per-second cap, so that at every moment the rates of the nodes' live leases add up to at most the paced rate (the
/// limit in force per window, as standalone's pacer spends it), their bursts to at most the configured burst, and their
/// caps to at most standalone's per-second cap of the limit in force.
/// </summary>
/// <remarks>
/// <para>
/// <b>By demand.</b> Every lease request says what its node would spend (<see cref="RequestLease.WantedPace"/>). The
/// rate is filled up like water among the nodes that hold a live lease or wait in line: each gets what it wants, or an
/// equal share of what the others leave, whichever is less. A node gets its share as far as the others' live leases
/// leave it free; when less than half of it is free, it waits, and the nodes holding more than their share have their
/// leases cut to it (<see cref="Cuts"/>, a round trip), so it gets its share a round trip and a cap period later rather
/// than when their leases end. A node that goes idle returns its lease (or, holding one when cut, the rest of it), and its
/// rate is free a cap period after the return arrives.
/// </para>
/// <para>
/// <b>Bursts</b> go with the rate: 1 for every node that holds a live lease or waits (a node must be able to spend), and
/// the rest of the configured burst as the node's rate is of the limit; a node that finds the others holding it all
/// waits, as for the rate. With more nodes spending at once than the burst has credits, each of them has 1.
/// </para>
/// <para>
/// <b>Per-second caps</b> (the default burst; an explicit burst has none, as standalone) go with the rate too: standalone's
/// cap (<see cref="RateLimitOptions.PeriodCapFor"/>, the limit's share of a second rounded up) is apportioned among the
/// nodes that hold a live lease or wait, as their shares are of the limit, 1 each and the rest by largest remainder
/// (<see cref="Apportion"/>), within what the others' live leases leave; a node that finds none left waits, as for the
/// rate. Each node's own ceiling of its share would add up to as much as one credit per node over the cap (600 / 10 s
/// shared 233 / 233 / 134: 24 + 24 + 14 = 62 of 60), and a provider enforcing the limit per second would refuse the
/// excess when all nodes spend in the same second. With more nodes spending at once than the cap has credits (60 a
/// minute: 1 a second, on 3 nodes), each of them has 1, as with the bursts: then up to one per node may go in a second.
/// </para>
/// <para>
/// <b>Tokens</b> are paced at the same share of the token limit in force. When only tokens are limited, tokens are the
/// kind the rate is shared in.
/// </para>
/// <para>Not thread-safe: owned by the owner actor.</para>
/// </remarks>
internal sealed class PaceAllotment
{
    private readonly RateLimitOptions _options;
    private readonly Dictionary<string, long> _wanted = new(StringComparer.Ordinal);

    /// <summary>Creates the allotment of an endpoint with smooth pacing.</summary>
    /// <param name="options">The endpoint's rate limit (its burst setting).</param>
    public PaceAllotment(RateLimitOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
    }

    /// <summary>Notes what <paramref name="node"/> would spend, in credits of the paced kind per window; 0 or less for "as much as it may".</summary>
    /// <param name="node">The node.</param>
    /// <param name="wanted">Its latest request's <see cref="RequestLease.WantedPace"/>.</param>
    public void Want(string node, long wanted) => _wanted[node] = wanted;

    /// <summary>
    /// The rate, burst and per-second cap a lease for <paramref name="node"/> is granted with now; <see langword="null"/> when
    /// less than half its share is free, or no burst or cap (it waits for another node's live lease to end).
    /// </summary>
    /// <param name="node">The node asking.</param>
    /// <param name="requestsInForce">The request limit in force; <see langword="null"/> when unlimited.</param>
    /// <param name="tokensInForce">The token limit in force; <see langword="null"/> when unlimited.</param>
    /// <param name="live">Every node's live pace (<see cref="QuotaLedger.LivePaces"/>); the asking node's own is replaced.</param>
    /// <param name="waiting">The nodes waiting in line (they count for the shares).</param>
    public LeasePace? Allot(string node, long? requestsInForce, long? tokensInForce, IReadOnlyDictionary<string, LeasePace> live, IEnumerable<string> waiting)
    {
        var byRequests = requestsInForce is not null;
        if ((requestsInForce ?? tokensInForce) is not { } limit) return null;
        long usedRate = 0, usedRequestBurst = 0, usedTokenBurst = 0, usedRequestCap = 0, usedTokenCap = 0;
        foreach (var (other, pace) in live)
        {
            if (other == node) continue;
            usedRate += byRequests ? pace.Requests : pace.Tokens;
            usedRequestBurst += pace.RequestBurst;
            usedTokenBurst += pace.TokenBurst;
            usedRequestCap += pace.RequestCap;
            usedTokenCap += pace.TokenCap;
        }

        var active = new HashSet<string>(live.Keys, StringComparer.Ordinal) { node };
        active.UnionWith(waiting);
        var share = Share(node, limit, active);
        var free = limit - usedRate;
        if (free < 1 || free * 2 < share) return null;

        var rate = Math.Min(share, free);
        var left = new LeasePace(0, 0,
            requestsInForce is { } requests ? _options.BurstFor(requests) - usedRequestBurst : 0,
            tokensInForce is { } tokens ? _options.TokenBurstFor(tokens) - usedTokenBurst : 0,
            requestsInForce is { } requestCap ? _options.PeriodCapFor(requestCap) - usedRequestCap : 0,
            tokensInForce is { } tokenCap ? _options.PeriodCapFor(tokenCap) - usedTokenCap : 0);
        return PaceAt(node, rate, limit, tokensInForce, byRequests, left, active);
    }

    /// <summary>
    /// The nodes whose live rate is above their share, or whose per-second cap is above their part of it, now that
    /// <paramref name="node"/> waits for its own (<see cref="Allot"/> found less than half of its share free, or no cap),
    /// each with the pace it is cut to: its share (or its rate, when lower), and no more burst and cap than it holds.
    /// </summary>
    /// <param name="node">The node waiting.</param>
    /// <param name="requestsInForce">The request limit in force; <see langword="null"/> when unlimited.</param>
    /// <param name="tokensInForce">The token limit in force; <see langword="null"/> when unlimited.</param>
    /// <param name="live">Every node's live pace (<see cref="QuotaLedger.LivePaces"/>).</param>
    /// <param name="waiting">The nodes waiting in line (they count for the shares).</param>
    public IReadOnlyList<(string Node, LeasePace Pace)> Cuts(string node, long? requestsInForce, long? tokensInForce, IReadOnlyDictionary<string, LeasePace> live, IEnumerable<string> waiting)
    {
        var byRequests = requestsInForce is not null;
        if ((requestsInForce ?? tokensInForce) is not { } limit) return [];
        var active = new HashSet<string>(live.Keys, StringComparer.Ordinal) { node };
        active.UnionWith(waiting);
        var cuts = new List<(string, LeasePace)>();
        foreach (var (other, pace) in live)
        {
            if (other == node) continue;
            var rate = byRequests ? pace.Requests : pace.Tokens;
            var share = Share(other, limit, active);
            if (PaceAt(other, Math.Min(rate, share), limit, tokensInForce, byRequests, pace, active) is not { } cut) continue;
            // A cap held above the node's part is cut too: a node that wants little finds its rate free but the cap all held.
            if (rate > share || cut.RequestCap < pace.RequestCap || cut.TokenCap < pace.TokenCap) cuts.Add((other, cut));
        }

        return cuts;
    }

    /// <summary>Forgets what <paramref name="node"/> wanted (it left the quota, or its lease client stopped).</summary>
    /// <param name="node">The node.</param>
    public void Forget(string node) => _wanted.Remove(node);

    /// <summary>
    /// A pace for <paramref name="node"/> at <paramref name="rate"/> of the paced kind, with its share of the bursts and of the
    /// per-second caps within what is <paramref name="left"/> of them; <see langword="null"/> when none is.
    /// </summary>
    private LeasePace? PaceAt(string node, long rate, long limit, long? tokensInForce, bool byRequests, LeasePace left, HashSet<string> active)
    {
        var (burst, burstLeft, capLeft) = byRequests
            ? (_options.BurstFor(limit), left.RequestBurst, left.RequestCap)
            : (_options.TokenBurstFor(limit), left.TokenBurst, left.TokenCap);
        var rateBurst = Portion(burst, rate, limit, burstLeft, active.Count);
        if (rateBurst < 1 || CapFor(node, limit, limit, capLeft, active) is not { } cap) return null;
        if (!byRequests) return new LeasePace(0, rate, 1, rateBurst, 0, cap);
        if (tokensInForce is not { } tokenLimit) return new LeasePace(rate, 0, rateBurst, 1, cap, 0);
        var tokenRateBurst = Portion(_options.TokenBurstFor(tokenLimit), rate, limit, left.TokenBurst, active.Count);
        if (tokenRateBurst < 1 || CapFor(node, tokenLimit, limit, left.TokenCap, active) is not { } tokenCap) return null;
        return new LeasePace(rate, Math.Max(1, (long)((Int128)tokenLimit * rate / limit)), rateBurst, tokenRateBurst, cap, tokenCap);
    }

    /// <summary>
    /// What a lease granted with <paramref name="pace"/> holds: what its node can spend within one <paramref name="span"/> at
    /// that rate, its burst included (at least the call waiting). More would only hold window credits the others could use.
    /// </summary>
    /// <param name="pace">The lease's pace.</param>
    /// <param name="span">The lease's span.</param>
    /// <param name="window">The endpoint's window (the pace's rates are per window).</param>
    /// <param name="request">The lease request.</param>
    public static (int Requests, long Tokens) LeaseSize(LeasePace pace, TimeSpan span, TimeSpan window, RequestLease request)
    {
        ArgumentNullException.ThrowIfNull(pace);
        ArgumentNullException.ThrowIfNull(request);
        // Not the node's own lease size: that follows how fast its unpaced leases were spent, and a paced lease is spent at its
        // rate, which already follows the node's demand (RequestLease.WantedPace).
        var requests = pace.Requests > 0 ? Spendable(pace.Requests, pace.RequestBurst, span, window) : request.MaxRequests;
        var tokens = pace.Tokens > 0 ? Spendable(pace.Tokens, pace.TokenBurst, span, window) : request.MaxTokens;
        return ((int)Math.Max(request.MinRequests, requests), Math.Max(request.MinTokens, tokens));
    }

    private static long Spendable(long rate, long burst, TimeSpan span, TimeSpan window) =>
        (long)Int128.Min(int.MaxValue, ((Int128)rate * span.Ticks + window.Ticks - 1) / window.Ticks + burst);

    /// <summary>
    /// The node's share of the burst: 1 for each of the <paramref name="nodes"/> active, and what is beyond that as its rate
    /// is of the limit, within what the others leave (0: wait for theirs to end). With more nodes than the burst has credits, 1;
    /// with as many, 1 once the others' live leases leave it (a node's older lease may still hold more than 1).
    /// </summary>
    private static long Portion(long whole, long rate, long limit, long left, int nodes)
    {
        if (nodes > whole) return 1;
        if (nodes == whole) return Math.Min(1, left);
        var portion = 1 + (long)((Int128)(whole - nodes) * rate / limit);
        return Math.Min(portion, left);
    }

    /// <summary>
    /// The node's share of standalone's per-second cap of <paramref name="kindLimit"/> (<see cref="RateLimitOptions.PeriodCapFor"/>),
    /// within what the others leave: <see cref="Apportion"/>ed among the active nodes, or 1 with more nodes than it has credits.
    /// 0 when there is no cap (an explicit burst); <see langword="null"/> when none is left (wait for the others' to end).
    /// </summary>
    private long? CapFor(string node, long kindLimit, long limit, long left, HashSet<string> active)
    {
        if (_options.CapPeriod == TimeSpan.Zero) return 0;
        var whole = _options.PeriodCapFor(kindLimit);
        if (active.Count > whole) return 1;
        var cap = Math.Min(Apportion(node, whole, limit, active), left);
        return cap < 1 ? null : cap;
    }

    /// <summary>
    /// Shares <paramref name="whole"/> credits out among the active nodes (at least as many) as their shares are of the
    /// limit, and returns <paramref name="node"/>'s part. Each node's quota is <c>whole × share / limit</c>; each gets 1
    /// (a node must be able to spend), and the rest, <c>whole − nodes</c>, goes as their quotas beyond 1 (scaled down to
    /// it when they add up to more), by largest remainder: every node its quota rounded down and the rest one each to
    /// the largest fractions. So the parts add up to at most <paramref name="whole"/>, and when the shares add up to the
    /// limit each node's part is its quota rounded up or down: the cluster loses at most a rounding in total, where
    /// rounding every node's quota up would put up to one credit per node more than the whole into a period.
    /// </summary>
    private long Apportion(string node, long whole, long limit, HashSet<string> active)
    {
        var beyond = active.Order(StringComparer.Ordinal)
            .Select(n => (Node: n, Quota: BigInteger.Max(BigInteger.Zero, (BigInteger)whole * Share(n, limit, active) - limit)))
            .ToArray();
        var rest = (BigInteger)(whole - active.Count);
        var sum = beyond.Aggregate(BigInteger.Zero, (total, b) => total + b.Quota);
        // Quotas beyond 1 in units of 1 / limit, or scaled to the rest when they add up to more.
        var scaled = sum > rest * limit;
        var unit = scaled ? sum : limit;
        var parts = beyond.Select(b => (b.Node, Whole: BigInteger.DivRem(scaled ? b.Quota * rest : b.Quota, unit, out var fraction), Fraction: fraction)).ToArray();
        var extra = rest - parts.Aggregate(BigInteger.Zero, (total, p) => total + p.Whole);
        var own = parts.Single(p => p.Node == node);
        // Ties go in the nodes' order, so every allotment apportions the same way.
        var ahead = parts.Count(p => p.Fraction > own.Fraction || (p.Fraction == own.Fraction && p.Fraction > 0 && string.CompareOrdinal(p.Node, node) < 0));
        return 1 + (long)own.Whole + (own.Fraction > 0 && ahead < extra ? 1 : 0);
    }

    /// <summary>Water-filling: every active node gets what it wants or an equal share of what the others leave, whichever is less.</summary>
    private long Share(string node, long limit, HashSet<string> active)
    {
        var wants = active.Select(n => (Node: n, Want: _wanted.TryGetValue(n, out var w) && w > 0 ? Math.Min(w, limit) : limit))
            .OrderBy(w => w.Want)
            .ToArray();
        var left = limit;
        for (var i = 0; i < wants.Length; i++)
        {
            var level = left / (wants.Length - i);
            if (wants[i].Want > level) return Math.Max(1, level);
            if (wants[i].Node == node) return Math.Max(1, wants[i].Want);
            left -= wants[i].Want;
        }

        return Math.Max(1, left);
    }
}
