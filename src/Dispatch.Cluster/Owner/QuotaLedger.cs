using Dispatch.Cluster.Protocol;
using Dispatch.Core.RateLimiting;

namespace Dispatch.Cluster.Owner;

/// <summary>
/// An endpoint owner's window accounting: every lease still counting, and the rule for granting the
/// next. Keeps "in every window of <see cref="Window"/> (the interval plus the guard), what the nodes
/// can spend of the leases whose spans meet it ≤ the limits".
/// </summary>
/// <remarks>
/// <para>
/// <b>What a lease counts in a window.</b> A lease granted at <c>s</c> with span <c>d</c> covers <c>[s, s + d)</c>; its
/// node never spends it outside, as its deadline falls before <c>s + d</c> in real time and the grant arrives after
/// <c>s</c> (see <c>LeaseGranted</c>). An unpaced lease counts all its credits in every window its span meets. A paced
/// one (smooth pacing) counts what its node can spend of it there: its node spends it through a GCRA of its own at the
/// lease's bound (<c>LeaseGranted.Bound</c>, rate <c>r</c> per window and burst <c>b</c>), so within a window
/// <c>[x, x + W)</c> at most <c>min(n, b + r · |[x, x + W) ∩ [s, s + d)| / W)</c> (see <c>QuotaLedger.Placements</c>).
/// Until the node returns it, <c>n</c> is all it was granted, then what was really used. The lease stays in the log
/// while <c>finish &gt; now − window</c>. A lease is granted only if every window it meets, with it, holds at most the
/// limits: for unpaced leases that is the log's sums plus the lease (every lease still in the log meets the window that
/// starts just after <c>now − window</c>), for a paced one the largest sum over the window placements it meets.
/// </para>
/// <para>
/// <b>Why no window is ever over.</b> Take any window and, among the leases whose spans meet it, the one granted last, at
/// <c>t</c>. That window meets the last lease's span, so it was one of the placements checked at <c>t</c>. Every other
/// lease meeting it was granted no later (time here never runs back) and ends after the window's start, which is after
/// <c>t − window</c>; so it was in the log then, counted in that window at least by what its node really spent there. A
/// return only ever lowers a count: its amount to what was used, its finish to the moment the return arrived (the node
/// stopped spending before it sent it), and a smaller amount or a shorter span never counts more. (A token correction
/// above what was granted is not bounded by the pace: such a lease counts its tokens in full from then on.)
/// </para>
/// <para>
/// <b>A new owner</b> has an empty log but the old owner's leases may still be live or in the window.
/// Every one of them was granted before this ledger started and ends within one lease span of that,
/// so none can share a window with a grant made one window plus one span after the start:
/// <see cref="GrantingFrom"/>. Nothing is granted before it. (Rebuilding the log from the leases the
/// live nodes report would not be enough: a dead node's leases are unknown.)
/// </para>
/// <para>
/// <b>A hand-over</b> (the old owner leaves gracefully) passes the whole log on: <see cref="HandOver"/> describes
/// every entry by durations from now, <see cref="TakeOver"/> enters them with their end measured from the
/// moment they arrive, later than the real end by the transit, so each counts at least as long as it did.
/// A paced lease's start does not cross (it would arrive later than it was, by the transit, and count less in the
/// windows that hold its first moments): it is entered as starting one window before the log arrived, so in every
/// window checked from then on it counts as if its node had spent it from before that window (<c>b + r</c> × the part of
/// the window before its end): no less than at the old owner. Its bound crosses with it. The new ledger then grants
/// from the old one's <see cref="GrantingFrom"/> instead of its own.
/// </para>
/// <para>
/// <b>Corrections.</b> A token correction is a return with more tokens than estimated: it cannot
/// un-grant anything, so the log may then hold more than the limit and nothing more is granted until
/// enough ages out, as in <see cref="Dispatch.Core.RateLimiting.SlidingWindowLedger"/>.
/// </para>
/// <para>Not thread-safe: owned by the owner actor. Time is passed in.</para>
/// </remarks>
internal sealed partial class QuotaLedger
{
    private readonly long? _requestLimit;
    private readonly long? _tokenLimit;
    private readonly long _windowTicks;
    private readonly long _incarnation;
    private readonly List<Entry> _entries = [];
    private readonly Dictionary<(long Owner, long Number), Entry> _byNumber = [];
    private long _requests;
    private long _tokens;
    private long _latestTicks;
    private long _earliestFinish = long.MaxValue;
    private long _nextNumber = 1;

    /// <summary>Creates the ledger of an owner that starts at <paramref name="startedAt"/>.</summary>
    /// <param name="requestLimit">Requests per window; <see langword="null"/> for unlimited.</param>
    /// <param name="tokenLimit">Tokens per window; <see langword="null"/> for unlimited.</param>
    /// <param name="window">The interval plus the guard.</param>
    /// <param name="longestSpan">The longest span any owner of this endpoint grants.</param>
    /// <param name="startedAt">When this owner started.</param>
    /// <param name="incarnation">The owner's incarnation, which its returns name beside the lease's number.</param>
    public QuotaLedger(long? requestLimit, long? tokenLimit, TimeSpan window, TimeSpan longestSpan, DateTimeOffset startedAt, long incarnation = 0)
    {
        _incarnation = incarnation;
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(window, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(longestSpan, TimeSpan.Zero);
        _requestLimit = requestLimit;
        _tokenLimit = tokenLimit;
        _requestsInForce = requestLimit;
        _tokensInForce = tokenLimit;
        _windowTicks = window.Ticks;
        Window = window;
        LongestSpan = longestSpan;
        StartedAt = startedAt;
        GrantingFrom = startedAt + window + longestSpan;
        _latestTicks = startedAt.UtcTicks;
    }

    /// <summary>The window every lease counts in after its span: the interval plus the guard.</summary>
    public TimeSpan Window { get; }

    /// <summary>The longest span a lease may have.</summary>
    public TimeSpan LongestSpan { get; }

    /// <summary>When this owner started.</summary>
    public DateTimeOffset StartedAt { get; }

    /// <summary>
    /// The first instant this owner may grant: one window and one span after it started, or, after
    /// <see cref="TakeOver"/>, the predecessor's own.
    /// </summary>
    public DateTimeOffset GrantingFrom { get; private set; }

    /// <summary>Whether this ledger has granted anything (a hand-over can only be taken before).</summary>
    public bool HasGranted => _nextNumber > 1;

    /// <summary>Request credits the log counts now.</summary>
    public long RequestsInWindow => _requests;

    /// <summary>Token credits the log counts now.</summary>
    public long TokensInWindow => _tokens;

    /// <summary>
    /// Grants between the minimum and the maximum of requests and tokens, as much as is free, for
    /// <paramref name="span"/> from <paramref name="now"/>; or says when the minimum may be free.
    /// </summary>
    /// <param name="node">Who the lease is for (status only).</param>
    /// <param name="minRequests">Request credits needed at least (≥ 1).</param>
    /// <param name="minTokens">Token credits needed at least.</param>
    /// <param name="maxRequests">Request credits wanted.</param>
    /// <param name="maxTokens">Token credits wanted.</param>
    /// <param name="span">How long the lease may be spent; at most <see cref="LongestSpan"/>.</param>
    /// <param name="now">The current time.</param>
    /// <param name="mergeWithin">
    /// When less than half the maximum is free but the rest frees within this, the grant waits for it (says when), so
    /// leases that free a moment apart are granted again as one instead of splitting every later window. (With half or
    /// more free, waiting would leave more idle than the one lease it saves is worth.) A paced lease of which less than half
    /// fits waits, within this, for half of it to fit.
    /// </param>
    /// <param name="pace">With smooth pacing, the rate the lease is granted with (kept with it, for <see cref="LivePaces"/> and the hand-over).</param>
    public LeaseDecision TryGrant(string node, int minRequests, long minTokens, int maxRequests, long maxTokens, TimeSpan span, DateTimeOffset now, TimeSpan mergeWithin = default, LeasePace? pace = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(minRequests, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(minTokens);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(span, LongestSpan);
        var ticks = Advance(now);
        if (minRequests > _requestLimit || minTokens > _tokenLimit) return LeaseDecision.Never;
        if (ticks < GrantingFrom.UtcTicks) return LeaseDecision.NotBefore(GrantingFrom);
        if (pace is not null) return TryGrantPaced(node, minRequests, minTokens, maxRequests, maxTokens, span, ticks, pace, mergeWithin);

        // Granted from the limits in force (learned from the provider); a call larger than a lowered token limit still fits an empty enough window.
        var freeRequests = _requestsInForce is { } requestLimit ? requestLimit - _requests : long.MaxValue;
        var freeTokens = _tokensInForce is { } tokenLimit ? Math.Max(tokenLimit, minTokens) - _tokens : long.MaxValue;
        if (freeRequests < minRequests || freeTokens < minTokens)
            return LeaseDecision.NotBefore(FreedAt(minRequests - freeRequests, minTokens - freeTokens));

        if (mergeWithin > TimeSpan.Zero && (freeRequests < maxRequests - freeRequests || freeTokens < maxTokens - freeTokens))
        {
            var whole = FreedAt(Math.Max(0, maxRequests - freeRequests), Math.Max(0, maxTokens - freeTokens));
            if (whole.UtcTicks > ticks && whole.UtcTicks - ticks <= mergeWithin.Ticks) return LeaseDecision.NotBefore(whole);
        }

        var requests = (int)Math.Min(Math.Max(maxRequests, minRequests), freeRequests);
        var tokens = Math.Min(Math.Max(maxTokens, minTokens), freeTokens);
        return Grant(node, ticks, span, requests, tokens, pace, null);
    }

    /// <summary>
    /// A paced lease: counted by what its node can spend of it in each window (<see cref="LeaseGranted.Bound"/>), so
    /// every window placement it touches is checked, not the whole log in full.
    /// </summary>
    private LeaseDecision TryGrantPaced(string node, int minRequests, long minTokens, int maxRequests, long maxTokens, TimeSpan span, long ticks, LeasePace pace, TimeSpan mergeWithin)
    {
        // A call larger than the lease's burst could not be spent from it: the bound's burst is at least the call that asked.
        // And what a node's wakes are late by (Pacer.TimerLateness) at the lease's rate: its shared pacer forgives that much
        // lateness, and a lease's own bucket with no room for it would hold every call a wake late (measured: 86 % of the rate).
        var bound = BoundFor(pace, minRequests, minTokens);
        var finish = ticks + span.Ticks;
        var requestLimit = _requestsInForce ?? long.MaxValue;
        var tokenLimit = _tokensInForce is { } tokensInForce ? Math.Max(tokensInForce, minTokens) : long.MaxValue;
        var requests = _requestsInForce is null ? Math.Max(maxRequests, minRequests)
            : Fitting(true, ticks, finish, bound.Requests, bound.RequestBurst, minRequests, Math.Max(maxRequests, minRequests), requestLimit);
        var tokens = _tokensInForce is null ? Math.Max(maxTokens, minTokens)
            : Fitting(false, ticks, finish, bound.Tokens, bound.TokenBurst, minTokens, Math.Max(maxTokens, minTokens), tokenLimit);
        if (requests >= 0 && tokens >= 0)
        {
            // Less than half the lease fits, but half of it does soon: waiting for that is one lease instead of a run of small ones
            // (its node spends a few credits, asks again, and finds the window as full), each a round trip at its node.
            if (mergeWithin > TimeSpan.Zero && (requests * 2 < maxRequests || tokens * 2 < maxTokens)
                && HalfFitsAt(ticks, span.Ticks, bound, Math.Max(requests, (maxRequests + 1L) / 2), Math.Max(tokens, (maxTokens + 1) / 2), requestLimit, tokenLimit) is { } half
                && half.UtcTicks > ticks && half.UtcTicks - ticks <= mergeWithin.Ticks)
                return LeaseDecision.NotBefore(half);
            return Grant(node, ticks, span, (int)requests, tokens, pace, bound, (minRequests, minTokens));
        }

        // Counting every lease in full, the minimum fits once enough has left the window: no later than that.
        var freeRequests = requestLimit == long.MaxValue ? long.MaxValue : requestLimit - _requests;
        var freeTokens = tokenLimit == long.MaxValue ? long.MaxValue : tokenLimit - _tokens;
        var latest = FreedAt(minRequests - freeRequests, minTokens - freeTokens);
        return LeaseDecision.NotBefore(PacedFreedAt(ticks, span.Ticks, bound, minRequests, minTokens, requestLimit, tokenLimit, latest));
    }

    /// <summary>When a paced lease of <paramref name="requests"/> and <paramref name="tokens"/> fits (to a millisecond), counting every lease in full at the latest.</summary>
    private DateTimeOffset? HalfFitsAt(long ticks, long span, LeasePace bound, long requests, long tokens, long requestLimit, long tokenLimit)
    {
        var freeRequests = requestLimit == long.MaxValue ? long.MaxValue : requestLimit - _requests;
        var freeTokens = tokenLimit == long.MaxValue ? long.MaxValue : tokenLimit - _tokens;
        return PacedFreedAt(ticks, span, bound, requests, tokens, requestLimit, tokenLimit, FreedAt(requests - freeRequests, tokens - freeTokens));
    }

    /// <summary>
    /// What a node may spend of a paced lease at most: its pace, with bursts of at least the call that asked, plus a wake's
    /// lateness at its rate. No per-second cap: the node's lease book enforces the bound per lease by rate and burst alone.
    /// </summary>
    private LeasePace BoundFor(LeasePace pace, long minRequests, long minTokens) => pace with
    {
        RequestBurst = Math.Max(pace.RequestBurst, minRequests) + LatenessAt(pace.Requests),
        TokenBurst = Math.Max(pace.TokenBurst, minTokens) + LatenessAt(pace.Tokens),
        RequestCap = 0,
        TokenCap = 0,
    };

    /// <summary>The credits a rate of <paramref name="rate"/> per window grants in a timer's lateness, rounded up.</summary>
    private long LatenessAt(long rate) => rate <= 0 ? 0 : (long)(((Int128)rate * Pacer.TimerLateness.Ticks + _windowTicks - 1) / _windowTicks);

    private LeaseDecision Grant(string node, long ticks, TimeSpan span, int requests, long tokens, LeasePace? pace, LeasePace? bound, (long Requests, long Tokens) asked = default)
    {
        var entry = new Entry(_incarnation, _nextNumber++, node, ticks, ticks + span.Ticks, requests, tokens) { Pace = pace, Bound = bound, Asked = asked };
        Add(entry);
        return LeaseDecision.Grant(new GrantedLease(entry.Number, requests, tokens, At(ticks), At(entry.Finish), bound));
    }

    /// <summary>
    /// Lowers a lease to what was really used and ends its span now (its node will not spend it again).
    /// Returns <see langword="false"/> when the lease is unknown or has left the window.
    /// </summary>
    /// <param name="number">The lease's number.</param>
    /// <param name="usedRequests">Request credits spent from it.</param>
    /// <param name="usedTokens">Tokens its calls used.</param>
    /// <param name="now">The current time.</param>
    public bool Return(long number, int usedRequests, long usedTokens, DateTimeOffset now) =>
        Return(_incarnation, number, usedRequests, usedTokens, now);

    /// <summary>
    /// Lowers a lease of this owner or of one whose log it took over (<paramref name="owner"/> names which) to
    /// what was really used and ends its span now. Returns <see langword="false"/> when the lease is unknown or
    /// has left the window.
    /// </summary>
    /// <param name="owner">The incarnation of the owner that granted it.</param>
    /// <param name="number">The lease's number there.</param>
    /// <param name="usedRequests">Request credits spent from it.</param>
    /// <param name="usedTokens">Tokens its calls used.</param>
    /// <param name="now">The current time.</param>
    public bool Return(long owner, long number, int usedRequests, long usedTokens, DateTimeOffset now)
    {
        var ticks = Advance(now);
        if (!_byNumber.TryGetValue((owner, number), out var entry)) return false;
        usedRequests = Math.Max(0, usedRequests);
        usedTokens = Math.Max(0, usedTokens);
        _requests += usedRequests - entry.Requests;
        _tokens += usedTokens - entry.Tokens;
        entry.Requests = usedRequests;
        entry.Tokens = usedTokens;
        entry.Returned = true;
        entry.Finish = Math.Min(entry.Finish, ticks);
        _earliestFinish = Math.Min(_earliestFinish, entry.Finish);
        // A cut lease's successor was never spent beyond what the cut lease had left (its node caps it so): its count, which
        // starts now, need not be more. Requests only: a token correction may still move what the cut lease used.
        if (entry.Successor is { Returned: false } successor && successor.Requests > entry.GrantedRequests - usedRequests)
        {
            var left = Math.Max(0, entry.GrantedRequests - usedRequests);
            _requests += left - successor.Requests;
            successor.Requests = left;
        }

        return true;
    }

    /// <summary>
    /// The whole log for the next owner, when this one stops granting for good: each entry's end as a
    /// duration from <paramref name="now"/> (negative once its span is over), and the returned ones marked.
    /// </summary>
    /// <param name="now">The current time.</param>
    public HandedOverLease[] HandOver(DateTimeOffset now)
    {
        var ticks = Advance(now);
        return _entries
            .Select(e => new HandedOverLease(e.Owner, e.Number, e.Node, e.Requests, e.Tokens, e.Returned, TimeSpan.FromTicks(e.Finish - ticks), e.Pace, HandedBound(e)))
            .ToArray();
    }

    /// <summary>
    /// Enters a predecessor's log (<see cref="HandOver"/>) and grants from when it would have: each lease ends
    /// <see cref="HandedOverLease.EndsIn"/> after <paramref name="now"/>, and granting starts
    /// <paramref name="grantingIn"/> after it. Only a ledger that has granted nothing may take a log over
    /// (its own grants were not checked against it): returns <see langword="false"/> and changes nothing otherwise.
    /// </summary>
    /// <param name="leases">The predecessor's log.</param>
    /// <param name="grantingIn">How long after <paramref name="now"/> the predecessor could grant (zero when it already could).</param>
    /// <param name="now">The current time, when the log arrived.</param>
    public bool TakeOver(IEnumerable<HandedOverLease> leases, TimeSpan grantingIn, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(leases);
        if (HasGranted) return false;
        var ticks = Advance(now);
        foreach (var lease in leases)
        {
            // Counted from its arrival here, the end comes later than at the predecessor: never shorter.
            // Its start is not known here (only durations cross): it counts as if spent from a window ago, which no
            // window checked from now on can reach before, so no window counts it less than at the predecessor.
            var entry = new Entry(lease.Owner, lease.Lease, lease.Node, ticks - _windowTicks, ticks + lease.EndsIn.Ticks, Math.Max(0, lease.Requests), Math.Max(0, lease.Tokens))
            {
                Returned = lease.Returned,
                Pace = lease.Pace,
                Bound = lease.Bound,
            };
            if (entry.Finish > ticks - _windowTicks && !_byNumber.ContainsKey((entry.Owner, entry.Number))) Add(entry);
        }

        var from = At(ticks) + (grantingIn > TimeSpan.Zero ? grantingIn : TimeSpan.Zero);
        if (from < GrantingFrom) GrantingFrom = from;
        return true;
    }

    /// <summary>The leases still being spent at <paramref name="now"/> (not returned, span not over), per node.</summary>
    /// <param name="now">The current time.</param>
    public IReadOnlyList<(string Node, long Requests, long Tokens)> LiveLeases(DateTimeOffset now)
    {
        var ticks = Advance(now);
        return _entries
            .Where(e => !e.Returned && e.Finish > ticks)
            .GroupBy(e => e.Node, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => (g.Key, g.Sum(e => (long)e.Requests), g.Sum(e => e.Tokens)))
            .ToArray();
    }

    /// <summary>Moves the clock on (never back) and drops leases that have left every window.</summary>
    /// <param name="now">The current time.</param>
    public long Advance(DateTimeOffset now)
    {
        // A clock that steps back must not re-open a window that already closed: the proof needs
        // leases checked in time order.
        _latestTicks = Math.Max(_latestTicks, now.UtcTicks);
        var cutoff = _latestTicks - _windowTicks;
        if (_earliestFinish > cutoff) return _latestTicks;

        var earliest = long.MaxValue;
        _entries.RemoveAll(entry =>
        {
            if (entry.Finish > cutoff)
            {
                earliest = Math.Min(earliest, entry.Finish);
                return false;
            }

            _requests -= entry.Requests;
            _tokens -= entry.Tokens;
            _byNumber.Remove((entry.Owner, entry.Number));
            return true;
        });
        _earliestFinish = earliest;
        return _latestTicks;
    }

    /// <summary>The bound a handed-over lease is counted by: its own, in full for a kind whose use was corrected above its grant.</summary>
    private static LeasePace? HandedBound(Entry entry) => entry.Bound is { } bound
        ? bound with
        {
            Requests = entry.Requests <= entry.GrantedRequests ? bound.Requests : 0,
            Tokens = entry.Tokens <= entry.GrantedTokens ? bound.Tokens : 0,
        }
        : null;

    private void Add(Entry entry)
    {
        _entries.Add(entry);
        _byNumber.Add((entry.Owner, entry.Number), entry);
        _requests += entry.Requests;
        _tokens += entry.Tokens;
        _earliestFinish = Math.Min(_earliestFinish, entry.Finish);
    }

    /// <summary>The earliest instant enough leases have left the window to free the given excess.</summary>
    private DateTimeOffset FreedAt(long requestExcess, long tokenExcess)
    {
        if (_requestLimit is null) requestExcess = 0;
        if (_tokenLimit is null) tokenExcess = 0;
        foreach (var entry in _entries.OrderBy(e => e.Finish))
        {
            requestExcess -= entry.Requests;
            tokenExcess -= entry.Tokens;
            if (requestExcess <= 0 && tokenExcess <= 0) return At(entry.Finish + _windowTicks);
        }

        // Only a log over the limit (a correction charged more than estimated) gets here: once all of it
        // has left, the whole limit is free.
        return _entries.Count == 0 ? At(_latestTicks) : At(_entries.Max(e => e.Finish) + _windowTicks);
    }

    private static DateTimeOffset At(long ticks) =>
        ticks >= DateTimeOffset.MaxValue.UtcTicks ? DateTimeOffset.MaxValue : new DateTimeOffset(ticks, TimeSpan.Zero);

    private sealed class Entry(long owner, long number, string node, long start, long finish, int requests, long tokens)
    {
        /// <summary>When it was granted (a handed-over lease: a window before it arrived).</summary>
        public long Start { get; } = start;

        /// <summary>Request credits granted (what it counts may only come down to what was used).</summary>
        public int GrantedRequests { get; } = requests;

        /// <summary>Token credits granted; a correction may raise what it counts above them.</summary>
        public long GrantedTokens { get; } = tokens;

        public long Owner { get; } = owner;

        public long Number { get; } = number;

        public string Node { get; } = node;

        public long Finish { get; set; } = finish;

        public int Requests { get; set; } = requests;

        public long Tokens { get; set; } = tokens;

        public bool Returned { get; set; }

        /// <summary>The rate its node was granted with it; <see langword="null"/> when unpaced.</summary>
        public LeasePace? Pace { get; init; }

        /// <summary>What its node may spend of it at most, as rate and burst (it is counted by that); <see langword="null"/>: counted in full.</summary>
        public LeasePace? Bound { get; init; }

        /// <summary>What the request it answered needed at least (its bound's bursts are no smaller).</summary>
        public (long Requests, long Tokens) Asked { get; init; }

        /// <summary>The lease this one continues after a cut (<see cref="QuotaLedger.Cut"/>); its node spends both within that one's bound.</summary>
        public Entry? Cut { get; init; }

        /// <summary>The lease its rest went on as after a cut; <see langword="null"/> while it was not cut.</summary>
        public Entry? Successor { get; set; }
    }
}

/// <summary>A lease the ledger granted.</summary>
/// <param name="Number">Its number in this owner's ledger.</param>
/// <param name="Requests">Request credits.</param>
/// <param name="Tokens">Token credits.</param>
/// <param name="Start">When it was granted.</param>
/// <param name="Finish">When its span ends.</param>
/// <param name="Bound">What its node may spend of it at most, as rate and burst (paced leases); <see langword="null"/> when counted in full.</param>
internal readonly record struct GrantedLease(long Number, int Requests, long Tokens, DateTimeOffset Start, DateTimeOffset Finish, LeasePace? Bound = null);

/// <summary>The answer of <see cref="QuotaLedger.TryGrant"/>.</summary>
/// <param name="Granted">Whether a lease was granted.</param>
/// <param name="Lease">The lease, when granted.</param>
/// <param name="RetryAt">When not granted: the earliest instant the minimum could be (<see cref="DateTimeOffset.MaxValue"/> for never).</param>
internal readonly record struct LeaseDecision(bool Granted, GrantedLease Lease, DateTimeOffset RetryAt)
{
    public static LeaseDecision Never => new(false, default, DateTimeOffset.MaxValue);

    public static LeaseDecision Grant(GrantedLease lease) => new(true, lease, default);

    public static LeaseDecision NotBefore(DateTimeOffset at) => new(false, default, at);
}
