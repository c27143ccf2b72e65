using Dispatch.Cluster.Protocol;
using Dispatch.Core.RateLimiting;

namespace Dispatch.Cluster.Leasing;

/// <summary>
/// A node's leases of one endpoint, spent call by call without a round trip: which credits it holds,
/// until when, what was taken from each, and what must go back to the owner.
/// </summary>
/// <remarks>
/// <para>
/// <b>Spending.</b> Credits are taken from the oldest open lease that can serve the call, and only
/// strictly before that lease's deadline, which the lease client sets no later than the end of the span
/// the owner counts. A lease that cannot serve the call asking (spent, short of tokens, out of time) is
/// retired: nothing is ever taken from it again, and its return (what was really used) becomes due.
/// </para>
/// <para>
/// <b>Size.</b> The next lease asks for <see cref="NextLeaseRequests"/> request credits. A lease spent before
/// its deadline (demand outran it) sizes the next to the rate it was spent at over a whole lease's time, and
/// at least doubles it; a lease that ran out of time sizes the next to what was used (so an idle node's
/// leases shrink back to the minimum). Tokens are asked for at the limits' ratio, and always at least what
/// the waiting call needs.
/// </para>
/// <para>
/// <b>Asking early.</b> With a quarter of the only open lease left the next is asked for, so a busy node does
/// not stall on the round trip; but not when the owner held this lease's request (its window was full): the
/// early request would only wait in line beside it, and the spent lease's return would go alone instead of
/// riding with the next request.
/// </para>
/// <para>
/// <b>Corrections.</b> A call's real token usage replaces its estimate in its lease. In an open lease a
/// refund can be spent again (the lease's total stays what was granted); in a retired lease it makes the
/// return due again, with the corrected amount. Leases are forgotten one window after their deadline,
/// when the owner has forgotten them too.
/// </para>
/// <para>Not thread-safe: <see cref="ClusterCreditSource"/> holds a lock around it. Time is passed in.</para>
/// </remarks>
internal sealed class LeaseBook
{
    /// <summary>A grant id is the lease's serial number shifted left by this, plus the grant's index in the lease.</summary>
    private const int IndexBits = 24;

    /// <summary>A grant the owner held at least this long waited for its window to free up.</summary>
    private static readonly TimeSpan Waited = TimeSpan.FromMilliseconds(1);

    private readonly bool _limitsTokens;
    private readonly TimeSpan _window;
    private readonly long? _requestLimit;
    private readonly long? _tokenLimit;
    private readonly List<HeldLease> _open = [];
    private readonly List<HeldLease> _retired = [];
    private readonly Dictionary<long, HeldLease> _bySerial = [];
    private readonly Dictionary<(long Owner, long Lease), HeldLease> _byLease = [];
    private long _nextSerial = 1;
    private int _unsent;
    private bool _ownerFull;

    /// <summary>Creates an empty book.</summary>
    /// <param name="requestLimit">The endpoint's requests per interval; <see langword="null"/> for unlimited.</param>
    /// <param name="tokenLimit">The endpoint's tokens per interval; <see langword="null"/> for unlimited.</param>
    /// <param name="window">The endpoint's interval plus guard (how long a lease matters after its deadline).</param>
    /// <param name="minLease">The fewest request credits a lease asks for.</param>
    /// <param name="maxLease">The most request credits a lease asks for.</param>
    public LeaseBook(long? requestLimit, long? tokenLimit, TimeSpan window, int minLease, int maxLease)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(minLease, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLease, minLease);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(maxLease, 1 << IndexBits);
        _requestLimit = requestLimit;
        _tokenLimit = tokenLimit;
        _limitsTokens = tokenLimit is not null;
        _window = window;
        MinLease = minLease;
        MaxLease = maxLease;
        NextLeaseRequests = minLease;
    }

    /// <summary>The fewest request credits a lease asks for.</summary>
    public int MinLease { get; }

    /// <summary>The most request credits a lease asks for.</summary>
    public int MaxLease { get; }

    /// <summary>Request credits the next lease asks for.</summary>
    public int NextLeaseRequests { get; private set; }

    /// <summary>Leases being spent.</summary>
    public int OpenLeases => _open.Count;

    /// <summary>Whether some retired lease's return has not been handed out by <see cref="TakeReturns"/>.</summary>
    public bool HasUnsentReturns => _unsent > 0;

    /// <summary>
    /// Whether some retired lease has never been returned and its return frees something now: a lease retired before its
    /// deadline blocks the rest of its span at the owner; one that ran out of time blocks only its unused credits, which
    /// matter at once only while the owner's window is full (it held this node's last request). Otherwise the return can
    /// wait for the next lease request to carry it; so can a later correction.
    /// </summary>
    public bool HasUrgentReturns => _unsent > 0 && _retired.Exists(l => l.Unsent && !l.Sent && (!l.RanOutOfTime || _ownerFull));

    /// <summary>
    /// Whether the lease retired last was spent before its deadline (or could not serve a call in time), or came too late to
    /// be spent at all: the calls wanted more than it held, so a call that now waits for a lease was held back by the lease,
    /// not by a want of calls.
    /// </summary>
    public bool Outran { get; private set; }

    /// <summary>The earliest deadline of an open lease, for the lease client's expiry timer.</summary>
    public DateTimeOffset? NextDeadline => _open.Count == 0 ? null : _open.Min(l => l.Deadline);

    /// <summary>Takes <paramref name="requests"/> request credits and <paramref name="tokens"/> tokens from an open lease, if one can serve them now.</summary>
    /// <param name="requests">Request credits (≥ 1).</param>
    /// <param name="tokens">Token credits.</param>
    /// <param name="now">The current time.</param>
    /// <param name="grantId">Identifies the grant for <see cref="Reconcile"/>.</param>
    public bool TryTake(int requests, long tokens, DateTimeOffset now, out long grantId)
    {
        while (_open.Count > 0)
        {
            var lease = _open[0];
            if (CanServe(lease, requests, tokens, now))
            {
                if (lease.Wait(requests, tokens, now.UtcTicks) > 0)
                {
                    // Its own pace holds the call back (Wait says until when): not spent, not retired.
                    grantId = 0;
                    return false;
                }

                lease.Take(requests, tokens, now.UtcTicks);
                var index = lease.UsedRequests;
                lease.GrantTokens[index] = tokens;
                lease.UsedRequests += requests;
                lease.UsedTokens += tokens;
                grantId = (lease.Serial << IndexBits) | (long)index;
                // Spent: retired now rather than at the next call, so its return (which ends its span at
                // the owner) goes at once.
                if (lease.RemainingRequests == 0 || (_limitsTokens && lease.RemainingTokens <= 0)) Retire(lease, Ending.Spent, now);
                return true;
            }

            Retire(lease, now < lease.Deadline ? Ending.Spent : Ending.Expired, now);
        }

        grantId = 0;
        return false;
    }

    /// <summary>
    /// Ticks after <paramref name="now"/> until the lease <see cref="TryTake"/> would take from lets a grant of
    /// <paramref name="requests"/> and <paramref name="tokens"/> go by its own bound (<see cref="LeaseGranted.Bound"/>); 0
    /// when it may go now or no lease can serve it.
    /// </summary>
    /// <param name="requests">Request credits.</param>
    /// <param name="tokens">Token credits.</param>
    /// <param name="now">The current time.</param>
    public long Wait(int requests, long tokens, DateTimeOffset now)
    {
        foreach (var lease in _open)
        {
            if (CanServe(lease, requests, tokens, now)) return lease.Wait(requests, tokens, now.UtcTicks);
        }

        return 0;
    }

    /// <summary>
    /// Whether the only open lease is nearly spent, so the next should be asked for now (a quarter left),
    /// unless the owner held its request (a full window: the next comes no sooner for asking early). A paced lease
    /// (<see cref="LeaseGranted.Bound"/>) is not: it lasts its span at its rate, and a next one asked for early would be
    /// counted at the owner from its grant at its rate too, beside this one's, for the rest of this one's span; it is
    /// asked for when this one cannot serve the next call, and arrives a round trip later.
    /// </summary>
    /// <param name="now">The current time.</param>
    public bool IsRunningLow(DateTimeOffset now)
    {
        if (_open.Count != 1) return _open.Count == 0;
        var lease = _open[0];
        if (lease.RequestPace is not null || lease.TokenPace is not null) return now >= lease.Deadline;
        if (_ownerFull) return false;
        return now >= lease.Deadline
            || lease.RemainingRequests * 4 <= lease.Requests
            || (_limitsTokens && lease.RemainingTokens * 4 <= lease.Tokens);
    }

    /// <summary>Adds a granted lease; one whose deadline has already passed is retired at once (returned unused).</summary>
    /// <param name="grant">The owner's grant.</param>
    /// <param name="deadline">When the node must stop spending it.</param>
    /// <param name="now">The current time.</param>
    /// <returns>Whether the lease can be spent.</returns>
    public bool Add(LeaseGranted grant, DateTimeOffset deadline, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(grant);
        var lease = new HeldLease(_nextSerial++, grant.Owner, grant.Lease, Math.Clamp(grant.Requests, 0, MaxGrantsPerLease), Math.Max(0, grant.Tokens), now, deadline)
        {
            // Its own bound, from its arrival (later than the grant the owner counts it from): a GCRA per kind, with no
            // lateness forgiven and no larger grant let through, so it spends at most burst + rate × t in any t.
            RequestPace = grant.Bound is { Requests: > 0 } requestBound && _requestLimit is not null ? new Pacer(requestBound.Requests, _window, Math.Max(1, requestBound.RequestBurst)) : null,
            TokenPace = grant.Bound is { Tokens: > 0 } tokenBound && _limitsTokens ? new Pacer(tokenBound.Tokens, _window, Math.Max(1, tokenBound.TokenBurst)) : null,
        };
        _ownerFull = grant.Held >= Waited;
        _bySerial.Add(lease.Serial, lease);
        _byLease[(lease.Owner, lease.Number)] = lease;
        _open.Add(lease);
        if (now < deadline) return true;
        Retire(lease, Ending.DeadOnArrival, now);
        return false;
    }

    /// <summary>
    /// The owner cut an open lease's rate (<see cref="LeaseCut"/>): the lease is retired now (its return, due at once,
    /// acknowledges the cut) and its rest goes on as the successor, until the same deadline, holding no more than the cut
    /// lease had left and spent within the successor's bound and the cut lease's own, from now. With
    /// <paramref name="idle"/> (no call asks for credits) or the cut lease no longer open, the successor is returned unused.
    /// </summary>
    /// <param name="cut">The owner's cut.</param>
    /// <param name="idle">Whether no call is asking for credits, so the rest of the lease is better free for the others.</param>
    /// <param name="now">The current time.</param>
    /// <returns>Whether the successor can be spent.</returns>
    public bool Cut(LeaseCut cut, bool idle, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(cut);
        var lease = _open.Find(l => l.Owner == cut.Owner && l.Number == cut.Lease);
        var usable = lease is not null && now < lease.Deadline && !idle;
        var successor = new HeldLease(_nextSerial++, cut.Owner, cut.Successor,
            usable ? Math.Clamp(cut.Requests, 0, lease!.RemainingRequests) : 0,
            usable ? Math.Clamp(cut.Tokens, 0, Math.Max(0, lease!.RemainingTokens)) : 0,
            now, lease?.Deadline ?? now)
        {
            // Its own bound from now (after the cut, which the owner counts it from), and the cut lease's, charged on.
            RequestPace = cut.Bound.Requests > 0 && _requestLimit is not null ? new Pacer(cut.Bound.Requests, _window, Math.Max(1, cut.Bound.RequestBurst)) : null,
            TokenPace = cut.Bound.Tokens > 0 && _limitsTokens ? new Pacer(cut.Bound.Tokens, _window, Math.Max(1, cut.Bound.TokenBurst)) : null,
            Cut = lease,
        };
        _bySerial.Add(successor.Serial, successor);
        _byLease[(successor.Owner, successor.Number)] = successor;
        if (lease is not null)
        {
            // The successor takes the cut lease's place, first in line as it was.
            _open.Insert(_open.IndexOf(lease), successor);
            Retire(lease, Ending.Stopped, now);
        }
        else
        {
            _open.Add(successor);
        }

        if (usable && successor.RemainingRequests > 0) return true;
        Retire(successor, Ending.Stopped, now);
        return false;
    }

    /// <summary>Retires the open paced leases (nothing asks for credits here; the rate they hold is better free for others).</summary>
    /// <returns>Whether any was retired.</returns>
    public bool RetirePaced()
    {
        var retired = false;
        for (var i = _open.Count - 1; i >= 0; i--)
        {
            if (_open[i].RequestPace is null && _open[i].TokenPace is null) continue;
            Retire(_open[i], Ending.Stopped, DateTimeOffset.MinValue);
            retired = true;
        }

        return retired;
    }

    /// <summary>Replaces a grant's token estimate with the tokens really used. Returns <see langword="false"/> for a grant already forgotten.</summary>
    /// <param name="grantId">The grant.</param>
    /// <param name="actualTokens">The tokens the call used.</param>
    public bool Reconcile(long grantId, long actualTokens)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(actualTokens);
        if (!_bySerial.TryGetValue(grantId >> IndexBits, out var lease)) return false;
        var index = (int)(grantId & ((1L << IndexBits) - 1));
        if (index >= lease.UsedRequests) return false;
        if (lease.GrantTokens[index] == actualTokens) return true;
        lease.UsedTokens += actualTokens - lease.GrantTokens[index];
        lease.GrantTokens[index] = actualTokens;
        if (lease.Retired) MarkUnsent(lease);
        return true;
    }

    /// <summary>Retires every open lease whose deadline has come.</summary>
    /// <param name="now">The current time.</param>
    public void RetireExpired(DateTimeOffset now)
    {
        for (var i = _open.Count - 1; i >= 0; i--)
        {
            if (now >= _open[i].Deadline) Retire(_open[i], Ending.Expired, now);
        }
    }

    /// <summary>Retires every open lease (a pause, or the node stopping); the lease size stays as it is.</summary>
    public void RetireAll()
    {
        for (var i = _open.Count - 1; i >= 0; i--) Retire(_open[i], Ending.Stopped, DateTimeOffset.MinValue);
    }

    /// <summary>The returns due, each once; they are due again if <see cref="Unsend"/> gets them back or a correction changes them.</summary>
    public LeaseReturn[] TakeReturns()
    {
        if (_unsent == 0) return [];
        var returns = new List<LeaseReturn>(_unsent);
        foreach (var lease in _retired)
        {
            if (!lease.Unsent) continue;
            lease.Unsent = false;
            lease.Sent = true;
            returns.Add(new LeaseReturn(lease.Owner, lease.Number, lease.UsedRequests, lease.UsedTokens));
        }

        _unsent = 0;
        return returns.ToArray();
    }

    /// <summary>Makes returns due again whose message may not have arrived (its request went unanswered).</summary>
    /// <param name="returns">Returns handed out by <see cref="TakeReturns"/>.</param>
    public void Unsend(IEnumerable<LeaseReturn> returns)
    {
        foreach (var sent in returns)
        {
            if (!_byLease.TryGetValue((sent.Owner, sent.Lease), out var lease) || !lease.Retired) continue;
            lease.Sent = false;
            MarkUnsent(lease);
        }
    }

    /// <summary>Forgets retired leases whose deadline is a window past: nothing about them can matter to the owner any more.</summary>
    /// <param name="now">The current time.</param>
    public void Prune(DateTimeOffset now)
    {
        _retired.RemoveAll(lease =>
        {
            if (now < lease.Deadline + _window) return false;
            if (lease.Unsent) _unsent--;
            _bySerial.Remove(lease.Serial);
            _byLease.Remove((lease.Owner, lease.Number));
            return true;
        });
    }

    /// <summary>The credits the open leases can still grant at <paramref name="now"/>.</summary>
    /// <param name="now">The current time.</param>
    public (long Requests, long Tokens) Remaining(DateTimeOffset now)
    {
        long requests = 0, tokens = 0;
        foreach (var lease in _open)
        {
            if (now >= lease.Deadline) continue;
            requests += lease.RemainingRequests;
            tokens += Math.Max(0, lease.RemainingTokens);
        }

        return (requests, tokens);
    }

    /// <summary>What the next lease request asks for, when the call waiting needs <paramref name="requests"/> and <paramref name="tokens"/>.</summary>
    /// <param name="requests">Request credits the waiting call needs.</param>
    /// <param name="tokens">Token credits the waiting call needs.</param>
    public LeaseAsk NextAsk(int requests, long tokens)
    {
        var minRequests = Math.Max(1, requests);
        var minTokens = Math.Max(0, tokens);
        var size = Math.Max(minRequests, NextLeaseRequests);
        if (_requestLimit is { } requestLimit) size = (int)Math.Max(minRequests, Math.Min(size, requestLimit));
        long maxTokens;
        if (_tokenLimit is not { } tokenLimit) maxTokens = minTokens;
        else if (_requestLimit is not { } requestLimitForShare) maxTokens = Math.Min(tokenLimit, Math.Max(minTokens, 1) * size);
        else maxTokens = Math.Min(tokenLimit, Math.Max(minTokens, (long)Math.Ceiling((double)tokenLimit * size / requestLimitForShare)));
        return new LeaseAsk(minRequests, minTokens, size, Math.Max(minTokens, maxTokens));
    }

    /// <summary>The lease a grant was taken from and the grant's tokens; <see langword="null"/> for a grant already forgotten.</summary>
    /// <param name="grantId">The grant.</param>
    public (long Owner, long Lease, long Tokens)? GrantOf(long grantId)
    {
        if (!_bySerial.TryGetValue(grantId >> IndexBits, out var lease)) return null;
        var index = (int)(grantId & ((1L << IndexBits) - 1));
        return index < lease.UsedRequests ? (lease.Owner, lease.Number, lease.GrantTokens[index]) : null;
    }

    private static int MaxGrantsPerLease => (1 << IndexBits) - 1;

    /// <summary>Whether <paramref name="lease"/> can ever serve the grant: in time, with enough left, and within its bound's bursts.</summary>
    private bool CanServe(HeldLease lease, int requests, long tokens, DateTimeOffset now) =>
        now < lease.Deadline
        && lease.RemainingRequests >= requests
        && (!_limitsTokens || tokens <= lease.RemainingTokens)
        && lease.Fits(requests, tokens);

    private void Retire(HeldLease lease, Ending ending, DateTimeOffset now)
    {
        _open.Remove(lease);
        lease.Retired = true;
        lease.RanOutOfTime = ending is Ending.Expired or Ending.DeadOnArrival;
        if (ending != Ending.Stopped) Outran = ending is Ending.Spent or Ending.DeadOnArrival;
        _retired.Add(lease);
        MarkUnsent(lease);
        // Spent in time: demand outran the lease; ask for what that rate spends in a whole lease's time, and
        // at least twice as much. Out of time: a lease's time needed what was used. A lease that came too late
        // to be spent, a pause or a stop says nothing about demand.
        var size = ending switch
        {
            Ending.Spent => Math.Max(Math.Max(NextLeaseRequests, 2L * lease.Requests), AtSpendingRate(lease, now)),
            Ending.Expired => lease.UsedRequests,
            _ => NextLeaseRequests,
        };
        NextLeaseRequests = (int)Math.Clamp(size, MinLease, MaxLease);
    }

    /// <summary>What <paramref name="lease"/> would have given over its whole usable time at the rate it was spent until <paramref name="now"/>.</summary>
    private long AtSpendingRate(HeldLease lease, DateTimeOffset now)
    {
        var spending = (now - lease.Arrived).Ticks;
        var usable = (lease.Deadline - lease.Arrived).Ticks;
        return spending <= 0 ? MaxLease : (long)Math.Min(MaxLease, Math.Ceiling((double)lease.UsedRequests * usable / spending));
    }

    private void MarkUnsent(HeldLease lease)
    {
        if (lease.Unsent) return;
        lease.Unsent = true;
        _unsent++;
    }

    private enum Ending
    {
        Spent,
        Expired,

        /// <summary>
        /// It arrived after its deadline (its request waited, e.g. in the singleton proxy's buffer while the quota was handed
        /// over): the calls that waited for it were held back by the lease, not by a want of calls.
        /// </summary>
        DeadOnArrival,
        Stopped,
    }

    private sealed class HeldLease(long serial, long owner, long number, int requests, long tokens, DateTimeOffset arrived, DateTimeOffset deadline)
    {
        public long Serial { get; } = serial;

        public long Owner { get; } = owner;

        public long Number { get; } = number;

        public int Requests { get; } = requests;

        public long Tokens { get; } = tokens;

        /// <summary>When the grant arrived: spending starts.</summary>
        public DateTimeOffset Arrived { get; } = arrived;

        public DateTimeOffset Deadline { get; } = deadline;

        /// <summary>The tokens charged by each grant, by index, so a correction knows the estimate it replaces.</summary>
        public long[] GrantTokens { get; } = new long[requests];

        public int UsedRequests { get; set; }

        public long UsedTokens { get; set; }

        public int RemainingRequests => Requests - UsedRequests;

        public long RemainingTokens => Tokens - UsedTokens;

        public bool Retired { get; set; }

        /// <summary>Whether it was retired at its deadline (its span is over at the owner too).</summary>
        public bool RanOutOfTime { get; set; }

        public bool Unsent { get; set; }

        /// <summary>Whether a return of it has been handed out at least once.</summary>
        public bool Sent { get; set; }

        /// <summary>Its own pace of request credits (<see cref="LeaseGranted.Bound"/>); <see langword="null"/> when unbounded.</summary>
        public Pacer? RequestPace { get; init; }

        /// <summary>Its own pace of token credits; <see langword="null"/> when unbounded.</summary>
        public Pacer? TokenPace { get; init; }

        /// <summary>The lease whose rest this one is after a cut: it is spent within that one's bound too.</summary>
        public HeldLease? Cut { get; init; }

        /// <summary>Whether the grant is within its bursts (a larger one could never go without breaking the bound).</summary>
        public bool Fits(int requests, long tokens) =>
            (RequestPace is null || requests <= RequestPace.Burst) && (TokenPace is null || tokens <= TokenPace.Burst) && Cut?.Fits(requests, tokens) != false;

        /// <summary>Ticks until its pace (and a cut lease's before it) lets the grant go.</summary>
        public long Wait(int requests, long tokens, long ticks) =>
            Math.Max(Math.Max(RequestPace?.Wait(requests, ticks) ?? 0, tokens > 0 ? TokenPace?.Wait(tokens, ticks) ?? 0 : 0), Cut?.Wait(requests, tokens, ticks) ?? 0);

        public void Take(int requests, long tokens, long ticks)
        {
            RequestPace?.Take(requests, ticks);
            if (tokens > 0) TokenPace?.Take(tokens, ticks);
            Cut?.Take(requests, tokens, ticks);
        }
    }
}

/// <summary>What a lease request asks the owner for.</summary>
/// <param name="MinRequests">Request credits the waiting call needs.</param>
/// <param name="MinTokens">Token credits the waiting call needs.</param>
/// <param name="MaxRequests">Request credits wanted (the lease size).</param>
/// <param name="MaxTokens">Token credits wanted.</param>
internal readonly record struct LeaseAsk(int MinRequests, long MinTokens, int MaxRequests, long MaxTokens);
