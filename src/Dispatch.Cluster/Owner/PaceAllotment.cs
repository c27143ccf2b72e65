using Dispatch.Cluster.Protocol;
using Dispatch.Core.RateLimiting;

namespace Dispatch.Cluster.Owner;

/// <summary>
/// Shares an endpoint's paced rate out among the nodes (smooth pacing): each lease is granted with a rate and a burst,
/// so that at every moment the rates of the nodes' live leases add up to at most the paced rate (the limit in force per
/// window, as standalone's pacer spends it) and their bursts to at most the configured burst.
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
    /// The rate and burst a lease for <paramref name="node"/> is granted with now; <see langword="null"/> when less than
    /// half its share is free (it waits for another node's live lease to end).
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
        var burst = byRequests ? _options.BurstFor(limit) : _options.TokenBurstFor(limit);
        long usedRate = 0, usedBurst = 0, usedTokenBurst = 0;
        foreach (var (other, pace) in live)
        {
            if (other == node) continue;
            usedRate += byRequests ? pace.Requests : pace.Tokens;
            usedBurst += byRequests ? pace.RequestBurst : pace.TokenBurst;
            usedTokenBurst += pace.TokenBurst;
        }

        var active = new HashSet<string>(live.Keys, StringComparer.Ordinal) { node };
        active.UnionWith(waiting);
        var share = Share(node, limit, active);
        var free = limit - usedRate;
        if (free < 1 || free * 2 < share) return null;

        var rate = Math.Min(share, free);
        return PaceAt(rate, limit, tokensInForce, byRequests, burst - usedBurst, tokensInForce is { } tokenLimit ? _options.TokenBurstFor(tokenLimit) - usedTokenBurst : 0, active.Count);
    }

    /// <summary>
    /// The nodes whose live rate is above their share now that <paramref name="node"/> waits for its own (<see cref="Allot"/>
    /// found less than half of it free), each with the pace it is cut to: its share, and no more burst than it holds.
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
            var share = Share(other, limit, active);
            if ((byRequests ? pace.Requests : pace.Tokens) <= share) continue;
            if (PaceAt(share, limit, tokensInForce, byRequests, byRequests ? pace.RequestBurst : pace.TokenBurst, pace.TokenBurst, active.Count) is { } cut) cuts.Add((other, cut));
        }

        return cuts;
    }

    /// <summary>Forgets what <paramref name="node"/> wanted (it left the quota, or its lease client stopped).</summary>
    /// <param name="node">The node.</param>
    public void Forget(string node) => _wanted.Remove(node);

    /// <summary>A pace at <paramref name="rate"/> of the paced kind, with its share of the bursts within what is left of them; <see langword="null"/> when none is.</summary>
    private LeasePace? PaceAt(long rate, long limit, long? tokensInForce, bool byRequests, long burstLeft, long tokenBurstLeft, int nodes)
    {
        var burst = byRequests ? _options.BurstFor(limit) : _options.TokenBurstFor(limit);
        var rateBurst = Portion(burst, rate, limit, burstLeft, nodes);
        if (rateBurst < 1) return null;
        if (!byRequests) return new LeasePace(0, rate, 1, rateBurst);
        if (tokensInForce is not { } tokenLimit) return new LeasePace(rate, 0, rateBurst, 1);
        var tokenRateBurst = Portion(_options.TokenBurstFor(tokenLimit), rate, limit, tokenBurstLeft, nodes);
        if (tokenRateBurst < 1) return null;
        return new LeasePace(rate, Math.Max(1, (long)((Int128)tokenLimit * rate / limit)), rateBurst, tokenRateBurst);
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
