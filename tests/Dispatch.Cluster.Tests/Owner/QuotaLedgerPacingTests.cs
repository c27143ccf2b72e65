using Dispatch.Cluster.Owner;
using Dispatch.Cluster.Protocol;
using Microsoft.Extensions.Time.Testing;

namespace Dispatch.Cluster.Tests.Owner;

/// <summary>
/// The ledger's check for paced leases (smooth pacing): each lease counts in a window what its node can spend of it there
/// (its burst plus its rate over the part of its span inside the window, at most the lease), and every window placement
/// the new lease touches is checked. A window of exactly one second, spans of a quarter of it.
/// </summary>
public class QuotaLedgerPacingTests
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Span = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// 40 requests a window (10 a span) with a burst of 1, bounded with a burst of 2 (one more for a wake's lateness, 20 ms
    /// at 40 a second: 0.8): a lease of 12 is what a span can spend.
    /// </summary>
    private static readonly LeasePace Forty = new(40, 0, 1, 1);

    /// <summary>Half of <see cref="Forty"/>: what a lease is cut to.</summary>
    private static readonly LeasePace Twenty = new(20, 0, 1, 1);

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly DateTimeOffset _start;

    public QuotaLedgerPacingTests() => _start = _time.GetUtcNow();

    private DateTimeOffset Now => _time.GetUtcNow();

    private QuotaLedger Ledger(long requests) => new(requests, null, Window, Span, Now - Window - Span);

    private void At(int milliseconds) => _time.SetUtcNow(_start + TimeSpan.FromMilliseconds(milliseconds));

    [Fact]
    public void A_paced_lease_counts_only_its_burst_and_rate_in_a_window_that_meets_part_of_it()
    {
        var ledger = Ledger(14);
        var first = ledger.TryGrant("a", 1, 0, 12, 0, Span, Now, pace: Forty);
        var unpaced = Ledger(14);
        unpaced.TryGrant("a", 1, 0, 12, 0, Span, Now);
        At(1_000);

        // A window ending in the new lease's first moments holds the first whole (12) and the new one's burst (2); one
        // starting at the first's last moment holds its burst and the new one's first span (2 + 10): 14 either way.
        var second = ledger.TryGrant("b", 1, 0, 12, 0, Span, Now, pace: Forty);
        var counted = unpaced.TryGrant("b", 1, 0, 12, 0, Span, Now);

        Assert.Equal(12, first.Lease.Requests);
        Assert.Equal(12, second.Lease.Requests);
        // Counted in full over its span, the first would leave only 2.
        Assert.Equal(2, counted.Lease.Requests);
    }

    [Fact]
    public void A_lease_that_reaches_into_a_window_holding_another_whole_lease_gets_what_that_window_leaves()
    {
        var ledger = Ledger(14);
        ledger.TryGrant("a", 1, 0, 12, 0, Span, Now, pace: Forty);
        At(900);

        // The window [0, 1 s) holds the first lease whole (12) and the new one's first 100 ms: its burst 2 + 4, capped by its size.
        var second = ledger.TryGrant("b", 1, 0, 20, 0, Span, Now, pace: Forty);

        Assert.Equal(2, second.Lease.Requests);
    }

    [Fact]
    public void A_paced_lease_of_which_less_than_half_fits_waits_for_half_when_that_comes_within_the_merge_time()
    {
        var ledger = Ledger(14);
        var other = Ledger(14);
        ledger.TryGrant("a", 1, 0, 12, 0, Span, Now, pace: Forty);
        other.TryGrant("a", 1, 0, 12, 0, Span, Now, pace: Forty);
        At(900);

        // 2 of 20 fit now (as above); half of it once the window holding the first lease whole has moved on.
        var soon = ledger.TryGrant("b", 1, 0, 20, 0, Span, Now, Span / 2, Forty);
        var notSoonEnough = other.TryGrant("b", 1, 0, 20, 0, Span, Now, TimeSpan.FromMilliseconds(1), Forty);
        _time.SetUtcNow(soon.RetryAt);
        var merged = ledger.TryGrant("b", 1, 0, 20, 0, Span, Now, Span / 2, Forty);

        Assert.False(soon.Granted);
        Assert.InRange(soon.RetryAt, _start + TimeSpan.FromMilliseconds(901), _start + TimeSpan.FromMilliseconds(900) + Span / 2);
        Assert.Equal(2, notSoonEnough.Lease.Requests);
        Assert.True(merged.Granted);
        Assert.InRange(merged.Lease.Requests, 10, 20);
    }

    [Fact]
    public void The_worst_window_between_two_breakpoints_is_found()
    {
        var ledger = Ledger(13);
        // 6 at 40 a window from a burst of 2: it counts 6 until 150 ms, then falls to 2 at 250 ms.
        ledger.TryGrant("a", 1, 0, 6, 0, Span, Now, pace: Forty);
        At(1_100);

        // At 80 a window from a bound's burst of 3, the new lease's count rises while the first's falls, twice as fast:
        // their sum peaks where the new one reaches its size n, 9.5 + n / 2 (a whole number of credits below 14 fits 13).
        // For 9 that is 14, at 175 ms, although no window starting at a lease's start or end (± the window) counts more
        // than 13 up to 11.
        var second = ledger.TryGrant("b", 1, 0, 20, 0, Span, Now, pace: new LeasePace(80, 0, 1, 1));

        Assert.Equal(8, second.Lease.Requests);
    }

    [Fact]
    public void A_returned_paced_lease_counts_no_more_than_it_used()
    {
        var ledger = Ledger(14);
        var first = ledger.TryGrant("a", 1, 0, 12, 0, Span, Now, pace: Forty);
        At(100);
        ledger.Return(first.Lease.Number, 3, 0, Now);
        At(500);

        // The window [0, 1 s) holds the 3 used and the whole new lease: 11 of it.
        var second = ledger.TryGrant("b", 1, 0, 20, 0, Span, Now, pace: Forty);

        Assert.Equal(11, second.Lease.Requests);
    }

    [Fact]
    public void A_paced_lease_whose_minimum_does_not_fit_is_told_when_it_will()
    {
        var ledger = Ledger(14);
        ledger.TryGrant("a", 1, 0, 14, 0, Span, Now, pace: new LeasePace(40, 0, 4, 1));
        // Its bound's burst is 5: it counts 14 until 25 ms, then 5 + 40 × what is left of its span.
        At(500);

        // A call of 3 counts at least 3 in every window it meets: the two fit once a window starting a second before the new
        // lease holds less than 12 of the first, after 1.075 s.
        var refused = ledger.TryGrant("b", 3, 0, 3, 0, Span, Now, pace: Forty);
        var retryAt = refused.RetryAt;
        _time.SetUtcNow(retryAt - TimeSpan.FromMilliseconds(2));
        var early = ledger.TryGrant("b", 3, 0, 3, 0, Span, Now, pace: Forty);
        _time.SetUtcNow(retryAt);
        var granted = ledger.TryGrant("b", 3, 0, 3, 0, Span, Now, pace: Forty);

        Assert.False(refused.Granted);
        // Sooner than counting the first in full (1.25 s), to a millisecond.
        Assert.InRange(retryAt, _start + TimeSpan.FromMilliseconds(1_075), _start + TimeSpan.FromMilliseconds(1_077));
        Assert.False(early.Granted);
        Assert.True(granted.Granted);
    }

    [Fact]
    public void A_lease_granted_for_a_call_larger_than_the_burst_is_bounded_with_a_burst_of_that_call()
    {
        var ledger = Ledger(100);

        var lease = ledger.TryGrant("a", 3, 0, 12, 0, Span, Now, pace: Forty);

        // And one for a wake's lateness.
        Assert.Equal(new LeasePace(40, 0, 4, 1), lease.Lease.Bound);
    }

    [Fact]
    public void A_handed_over_paced_lease_counts_at_the_next_owner_no_less_than_at_the_old_one()
    {
        var old = Ledger(16);
        old.TryGrant("a", 1, 0, 12, 0, Span, Now, pace: Forty);
        At(500);
        var window = old.HandOver(Now);
        At(510);
        var next = new QuotaLedger(16, null, Window, Span, Now, incarnation: 1);
        Assert.True(next.TakeOver(window, TimeSpan.Zero, Now));
        var empty = new QuotaLedger(16, null, Window, Span, Now - Window - Span, incarnation: 2);
        At(900);

        // The window [0, 1 s) holds the first whole (12) and what the new one can spend in its first 100 ms, up to 6.
        var byOld = old.TryGrant("b", 1, 0, 12, 0, Span, Now, pace: Forty);
        var byNext = next.TryGrant("b", 1, 0, 12, 0, Span, Now, pace: Forty);
        var byEmpty = empty.TryGrant("b", 1, 0, 12, 0, Span, Now, pace: Forty);

        Assert.Equal(Forty with { RequestBurst = 2 }, window.Single().Bound);
        Assert.Equal(4, byOld.Lease.Requests);
        // Its start did not cross: counted as if spent from a window before its arrival, it leaves no more.
        Assert.InRange(byNext.Lease.Requests, 1, byOld.Lease.Requests);
        Assert.Equal(12, byEmpty.Lease.Requests);
    }

    [Fact]
    public void A_lease_is_cut_once_and_only_to_a_lower_rate_and_its_successor_may_be_cut_again()
    {
        var ledger = Ledger(100);
        var lease = Paced(ledger, "a", 12);
        At(50);

        var same = ledger.Cut("a", Forty, Now);
        var lower = ledger.Cut("a", Twenty, Now);
        var again = ledger.Cut("a", Twenty, Now);
        var lowerStill = ledger.Cut("a", new LeasePace(10, 0, 1, 1), Now);

        Assert.Empty(same);
        var cut = Assert.Single(lower);
        Assert.Equal(lease.Lease.Number, cut.Lease);
        // The ledger's next number; 20 a second over the 200 ms left is 4, and its bound's burst of 2 (one for a wake's lateness).
        Assert.Equal((2, 6), (cut.Successor, cut.Requests));
        Assert.Equal(new LeasePace(20, 0, 2, 1), cut.Bound);
        // The cut lease is not cut twice; its successor, at 20 already, only to a lower rate still.
        Assert.Empty(again);
        Assert.Equal(cut.Successor, Assert.Single(lowerStill).Lease);
    }

    [Fact]
    public void A_lease_is_cut_to_a_lower_per_second_cap_at_the_same_rate_and_its_live_pace_keeps_the_higher_until_it_ends()
    {
        var ledger = Ledger(100);
        ledger.TryGrant("a", 1, 0, 12, 0, Span, Now, pace: Forty with { RequestCap = 40 });
        At(50);

        var cut = ledger.Cut("a", Forty with { RequestCap = 39 }, Now);
        var live = ledger.LivePaces(Now)["a"];

        Assert.Single(cut);
        // Until the cut lease's return arrives (and a cap period after, with a linger), the node counts at its cap.
        Assert.Equal(Forty with { RequestCap = 40 }, live);
    }

    [Fact]
    public void A_cut_lease_and_its_successor_count_as_the_cut_lease_alone_until_its_return_arrives()
    {
        var (ledger, uncut) = (Ledger(14), Ledger(14));
        Paced(ledger, "a", 12);
        Paced(uncut, "a", 12);
        CutToTwenty(ledger, at: 10);
        At(20);

        var (beside, besideUncut) = (Paced(ledger, "b", 20), Paced(uncut, "b", 20));

        // The window holding the first whole has room for 2 either way: the successor (up to 6.8 there) is not counted on top.
        Assert.Equal((2, 2), (besideUncut.Lease.Requests, beside.Lease.Requests));
    }

    /// <summary>
    /// The window [0, 1 s) then holds what the cut lease used, its successor's count and the new lease's. Cut at 10 ms with
    /// 2 used: the successor holds 20 a second over 240 ms (5) and a burst of 2, counts 2 + 4.8, and 6 keep the sum below 15
    /// (held back, the first would leave 2). A lease of 6 cut at 100 ms with 5 used: its successor holds 5 but can spend
    /// only the 1 left, and counts that: 8 (counting 5, it would leave 4).
    /// </summary>
    [Theory]
    [InlineData(12, 10, 2, 7, 6)]
    [InlineData(6, 100, 5, 5, 8)]
    public void Once_the_cut_lease_is_returned_the_window_holds_what_it_used_and_its_successor_no_more_than_what_it_left(
        int granted, int cutAt, int used, int successor, int next)
    {
        var ledger = Ledger(14);
        var lease = Paced(ledger, "a", granted);
        var cut = CutToTwenty(ledger, at: cutAt);
        // Its node had spent that much when the cut arrived, and returned the lease at once.
        ReturnAt(ledger, lease, used, at: cutAt + 10);

        var after = Paced(ledger, "b", 20);

        Assert.Equal((successor, next), (cut.Requests, after.Lease.Requests));
    }

    [Fact]
    public void A_lease_whose_tokens_were_corrected_above_its_grant_counts_its_tokens_in_full()
    {
        var ledger = new QuotaLedger(null, 1_000, Window, Span, Now - Window - Span);
        var tokens = new LeasePace(0, 400, 1, 100);
        var first = ledger.TryGrant("a", 1, 200, 1, 200, Span, Now, pace: tokens);
        At(100);
        ledger.Return(first.Lease.Number, 1, 300, Now);
        At(1_000);

        // Within its grant it would count at most its burst + 40 (240) in a window starting at its last 100 ms; corrected
        // above it, all 300 count in every window that meets it. The new lease may spend all it gets at once.
        var second = ledger.TryGrant("b", 1, 100, 1, 1_000, Span, Now, pace: new LeasePace(0, 400, 1, 1_000));

        Assert.Equal(700, second.Lease.Tokens);
    }

    /// <summary>A lease at <see cref="Forty"/> for <paramref name="node"/>, of at most <paramref name="requests"/>.</summary>
    private LeaseDecision Paced(QuotaLedger ledger, string node, int requests) => ledger.TryGrant(node, 1, 0, requests, 0, Span, Now, pace: Forty);

    /// <summary>Cuts node a's lease to <see cref="Twenty"/> <paramref name="at"/> milliseconds.</summary>
    private LeaseCutMade CutToTwenty(QuotaLedger ledger, int at)
    {
        At(at);
        return Assert.Single(ledger.Cut("a", Twenty, Now));
    }

    private void ReturnAt(QuotaLedger ledger, LeaseDecision lease, int used, int at)
    {
        At(at);
        ledger.Return(lease.Lease.Number, used, 0, Now);
    }
}
