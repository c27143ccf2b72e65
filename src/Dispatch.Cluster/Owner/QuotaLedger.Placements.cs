using Dispatch.Cluster.Protocol;

namespace Dispatch.Cluster.Owner;

/// <summary>
/// The grant check for paced leases: every window placement the new lease touches, each lease counted by what its
/// node can spend of it within that window.
/// </summary>
/// <remarks>
/// <para>
/// <b>What a lease counts in a window.</b> A node spends a paced lease through its own GCRA at the lease's
/// <see cref="LeaseGranted.Bound"/> (rate <c>r</c> per window <c>W</c>, burst <c>b</c>), only within its span
/// <c>[s, f)</c>; so within a window <c>[x, x + W)</c> it spends at most
/// <c>g(x) = min(n, b + r · |[x, x + W) ∩ [s, f)| / W)</c> of the lease's <c>n</c> credits, and nothing when the two do
/// not meet. An unpaced lease counts <c>n</c> in every window it meets (<c>r = ∞</c>).
/// </para>
/// <para>
/// <b>Where the worst window is.</b> The sum <c>G(x)</c> over the log is piecewise linear in <c>x</c>; its pieces end at
/// every lease's <c>s − W</c>, <c>f − W</c>, <c>s</c>, <c>f</c> (whole ticks) and where a lease's count reaches
/// <c>n</c> (its cap, anywhere between two ticks). On a unit interval <c>(c, c + 1)</c> with no tick breakpoint inside,
/// every lease's count is monotone, so <c>G</c> there is at most <c>Σ max(g(c⁺), g((c + 1)⁻))</c>; over a run of such
/// intervals with no breakpoint at all that bound is linear in <c>c</c>, so its largest value is at an end of the run.
/// The check therefore evaluates it at the unit intervals next to every breakpoint in range (and at the range's ends):
/// an upper bound of every window touching the new lease, exact to one tick of rate. What a window really holds is a
/// whole number of credits, so a bound below the limit + 1 keeps it within the limit.
/// </para>
/// </remarks>
internal sealed partial class QuotaLedger
{
    /// <summary>
    /// The most of one kind, between <paramref name="min"/> and <paramref name="max"/>, a paced lease from
    /// <paramref name="start"/> to <paramref name="finish"/> may hold so that no window it touches is over
    /// <paramref name="limit"/>; -1 when not even the minimum fits.
    /// </summary>
    private long Fitting(bool requests, long start, long finish, long rate, long burst, long min, long max, long limit)
    {
        var terms = Terms(requests, start - _windowTicks, finish);
        if (!Fits(terms, new Term(start, finish, min, rate, burst), start, finish, limit)) return -1;
        if (max <= min || Fits(terms, new Term(start, finish, max, rate, burst), start, finish, limit)) return Math.Max(min, max);
        long low = min, high = max;
        while (high - low > 1)
        {
            var middle = low + (high - low) / 2;
            if (Fits(terms, new Term(start, finish, middle, rate, burst), start, finish, limit)) low = middle;
            else high = middle;
        }

        return low;
    }

    /// <summary>
    /// The earliest instant (to a millisecond) from which a paced lease of <paramref name="span"/> with the minimum fits, no
    /// later than <paramref name="latest"/> (when it fits counting every lease in full).
    /// </summary>
    private DateTimeOffset PacedFreedAt(long now, long span, LeasePace bound, long minRequests, long minTokens, long requestLimit, long tokenLimit, DateTimeOffset latest)
    {
        bool FitsAt(long t) =>
            (_requestLimit is null || Fits(Terms(true, t - _windowTicks, t + span), new Term(t, t + span, minRequests, bound.Requests, bound.RequestBurst), t, t + span, requestLimit))
            && (_tokenLimit is null || Fits(Terms(false, t - _windowTicks, t + span), new Term(t, t + span, minTokens, bound.Tokens, bound.TokenBurst), t, t + span, tokenLimit));

        long low = now, high = Math.Max(now + 1, latest.UtcTicks);
        while (high - low > TimeSpan.TicksPerMillisecond)
        {
            var middle = low + (high - low) / 2;
            if (FitsAt(middle)) high = middle;
            else low = middle;
        }

        return At(high);
    }

    /// <summary>The log's leases that can meet a window placed between <paramref name="from"/> and <paramref name="to"/>, as terms of one kind.</summary>
    private List<Term> Terms(bool requests, long from, long to)
    {
        var terms = new List<Term>(_entries.Count);
        foreach (var entry in _entries)
        {
            if (entry.Finish <= from || entry.Start - _windowTicks >= to) continue;
            // A cut lease's successor is spent within the cut lease's bound and credits, which count for both until its return arrives.
            if (entry.Cut is { Returned: false }) continue;
            var count = requests ? entry.Requests : entry.Tokens;
            if (count <= 0) continue;
            // A lease counts by its pace while what it used is within what it was granted (a token correction above
            // the estimate is no longer bounded by the pace: it counts in full, as an unpaced lease).
            var paced = entry.Bound is { } bound && (requests ? bound.Requests > 0 && entry.Requests <= entry.GrantedRequests : bound.Tokens > 0 && entry.Tokens <= entry.GrantedTokens);
            terms.Add(paced
                ? new Term(entry.Start, entry.Finish, count, requests ? entry.Bound!.Requests : entry.Bound!.Tokens, requests ? entry.Bound!.RequestBurst : entry.Bound!.TokenBurst)
                : new Term(entry.Start, entry.Finish, count, 0, 0));
        }

        return terms;
    }

    /// <summary>Whether every window placement meeting <c>[start, finish)</c> holds at most <paramref name="limit"/> with <paramref name="added"/>.</summary>
    private bool Fits(List<Term> terms, Term added, long start, long finish, long limit)
    {
        terms.Add(added);
        try
        {
            // Windows [x, x + W) that meet the new lease: x in (start − W, finish); unit intervals (c, c + 1) inside that.
            long low = start - _windowTicks, high = finish - 1;
            // What a window really holds is a whole number at most the sum of the counts: a sum below the limit + 1 keeps it within.
            var bound = (Int128)(limit + 1) * _windowTicks;
            var candidates = new HashSet<long> { low, high };
            foreach (var term in terms)
            {
                ReadOnlySpan<long> ticks = [term.Start - _windowTicks, term.Finish - _windowTicks, term.Start, term.Finish];
                foreach (var tick in ticks)
                {
                    candidates.Add(tick - 1);
                    candidates.Add(tick);
                }

                if (term.Rate <= 0 || term.Count <= term.Burst) continue;
                // Where the count reaches n while the overlap grows (from s − W) and while it shrinks (to f): between two ticks.
                var reach = (long)Int128.Min(long.MaxValue / 4, ((Int128)(term.Count - term.Burst) * _windowTicks + term.Rate - 1) / term.Rate);
                ReadOnlySpan<long> caps = [term.Start - _windowTicks + reach, term.Finish - reach];
                foreach (var cap in caps)
                {
                    for (var c = cap - 2; c <= cap + 1; c++) candidates.Add(c);
                }
            }

            foreach (var c in candidates)
            {
                if (c < low || c > high) continue;
                Int128 sum = 0;
                foreach (var term in terms) sum += Int128.Max(term.Scaled(c, true, _windowTicks), term.Scaled(c + 1, false, _windowTicks));
                if (sum >= bound) return false;
            }

            return true;
        }
        finally
        {
            terms.RemoveAt(terms.Count - 1);
        }
    }

    /// <summary>One lease's count of one kind: <paramref name="Count"/> over <c>[Start, Finish)</c>, paced at <paramref name="Rate"/> per window with <paramref name="Burst"/> (0: in full).</summary>
    private readonly record struct Term(long Start, long Finish, long Count, long Rate, long Burst)
    {
        /// <summary>W × what it counts in the window starting just after (<paramref name="right"/>) or just before <paramref name="x"/>.</summary>
        public Int128 Scaled(long x, bool right, long window)
        {
            var meets = right ? x >= Start - window && x < Finish : x > Start - window && x <= Finish;
            if (!meets) return 0;
            var full = (Int128)Count * window;
            if (Rate <= 0) return full;
            var overlap = Math.Max(0, Math.Min(x + window, Finish) - Math.Max(x, Start));
            return Int128.Min(full, (Int128)Burst * window + (Int128)Rate * overlap);
        }
    }
}
