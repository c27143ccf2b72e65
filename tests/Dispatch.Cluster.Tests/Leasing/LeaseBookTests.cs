using Dispatch.Cluster.Leasing;
using Dispatch.Cluster.Protocol;
using Microsoft.Extensions.Time.Testing;

namespace Dispatch.Cluster.Tests.Leasing;

public class LeaseBookTests
{
    private static readonly TimeSpan Window = TimeSpan.FromMilliseconds(1020);
    private static readonly TimeSpan Span = TimeSpan.FromMilliseconds(50);

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private long _lease;

    private DateTimeOffset Now => _time.GetUtcNow();

    private LeaseGranted Grant(int requests, long tokens = 0, TimeSpan held = default, TimeSpan? span = null) => new("api", _lease, 7, ++_lease, requests, tokens, held, span ?? Span);

    [Fact]
    public void Credits_are_taken_only_before_the_lease_deadline()
    {
        var book = new LeaseBook(100, null, Window, 4, 10);
        book.Add(Grant(10), Now + Span, Now);

        var before = book.TryTake(1, 0, Now, out _);
        _time.Advance(Span - TimeSpan.FromTicks(1));
        var justBefore = book.TryTake(1, 0, Now, out _);
        _time.Advance(TimeSpan.FromTicks(1));
        var atDeadline = book.TryTake(1, 0, Now, out _);

        Assert.True(before);
        Assert.True(justBefore);
        Assert.False(atDeadline);
        Assert.Equal([new LeaseReturn(7, 1, 2, 0)], book.TakeReturns());
    }

    [Fact]
    public void A_lease_granted_after_its_deadline_goes_straight_back_unused()
    {
        var book = new LeaseBook(100, null, Window, 4, 10);

        var usable = book.Add(Grant(10), Now, Now);

        Assert.False(usable);
        Assert.False(book.TryTake(1, 0, Now, out _));
        Assert.Equal([new LeaseReturn(7, 1, 0, 0)], book.TakeReturns());
    }

    [Fact]
    public void A_lease_never_gives_more_requests_or_tokens_than_it_was_granted()
    {
        var book = new LeaseBook(100, 1000, Window, 4, 10);
        book.Add(Grant(3, 100), Now + Span, Now);

        Assert.True(book.TryTake(1, 60, Now, out _));
        Assert.False(book.TryTake(1, 41, Now, out _));
        Assert.Equal(0, book.OpenLeases);
        Assert.Equal([new LeaseReturn(7, 1, 1, 60)], book.TakeReturns());
    }

    [Fact]
    public void Leases_spent_just_in_time_double_up_to_the_maximum()
    {
        var book = new LeaseBook(1000, null, Window, 4, 20);
        var sizes = new List<int>();

        for (var round = 0; round < 5; round++)
        {
            var size = book.NextAsk(1, 0).MaxRequests;
            sizes.Add(size);
            book.Add(Grant(size), Now + Span, Now);
            _time.Advance(Span - TimeSpan.FromTicks(1));
            while (book.TryTake(1, 0, Now, out _))
            {
            }

            _time.Advance(TimeSpan.FromTicks(1));
        }

        Assert.Equal([4, 8, 16, 20, 20], sizes);
    }

    [Fact]
    public void A_lease_spent_early_sizes_the_next_to_the_rate_it_was_spent_at_over_a_whole_span()
    {
        var book = new LeaseBook(1000, null, Window, 4, 100);
        book.Add(Grant(4), Now + Span, Now);

        _time.Advance(Span / 10);
        for (var i = 0; i < 4; i++) book.TryTake(1, 0, Now, out _);
        var atATenth = book.NextLeaseRequests;
        book.Add(Grant(atATenth), Now + Span, Now);
        for (var i = 0; i < atATenth; i++) book.TryTake(1, 0, Now, out _);

        Assert.Equal(40, atATenth);
        Assert.Equal(100, book.NextLeaseRequests);
    }

    [Fact]
    public void Leases_shrink_to_what_was_used_when_they_run_out_of_time()
    {
        var book = new LeaseBook(1000, null, Window, 4, 64);
        book.Add(Grant(4), Now + Span, Now);
        while (book.TryTake(1, 0, Now, out _))
        {
        }

        book.Add(Grant(book.NextLeaseRequests), Now + Span, Now);
        for (var i = 0; i < 5; i++) book.TryTake(1, 0, Now, out _);
        _time.Advance(Span);
        book.RetireExpired(Now);
        var afterBusySpan = book.NextLeaseRequests;

        book.Add(Grant(afterBusySpan), Now + Span, Now);
        _time.Advance(Span);
        book.RetireExpired(Now);
        var afterIdleSpan = book.NextLeaseRequests;

        Assert.Equal(5, afterBusySpan);
        Assert.Equal(4, afterIdleSpan);
    }

    [Fact]
    public void Tokens_are_asked_for_at_the_ratio_of_the_limits_and_never_less_than_the_call_needs()
    {
        var book = new LeaseBook(100, 10_000, Window, 4, 10);

        var small = book.NextAsk(1, 30);
        var large = book.NextAsk(1, 900);

        Assert.Equal(new LeaseAsk(1, 30, 4, 400), small);
        Assert.Equal(new LeaseAsk(1, 900, 4, 900), large);
    }

    [Fact]
    public void A_refund_in_an_open_lease_can_be_spent_again()
    {
        var book = new LeaseBook(100, 1000, Window, 4, 10);
        book.Add(Grant(5, 100), Now + Span, Now);
        book.TryTake(1, 80, Now, out var grant);

        Assert.True(book.Reconcile(grant, 30));
        Assert.True(book.TryTake(1, 60, Now, out _));
        Assert.Equal((3L, 10L), book.Remaining(Now));
    }

    [Fact]
    public void A_correction_of_a_retired_lease_makes_its_return_due_again_with_the_real_usage()
    {
        var book = new LeaseBook(100, 1000, Window, 4, 10);
        book.Add(Grant(5, 100), Now + Span, Now);
        book.TryTake(1, 80, Now, out var grant);
        _time.Advance(Span);
        book.RetireExpired(Now);
        var first = book.TakeReturns();

        book.Reconcile(grant, 95);
        var second = book.TakeReturns();

        Assert.Equal([new LeaseReturn(7, 1, 1, 80)], first);
        Assert.Equal([new LeaseReturn(7, 1, 1, 95)], second);
    }

    [Fact]
    public void A_lease_is_retired_with_its_last_credit_so_its_return_can_go_at_once()
    {
        var book = new LeaseBook(100, null, Window, 2, 10);
        book.Add(Grant(2), Now + Span, Now);

        book.TryTake(1, 0, Now, out _);
        var afterFirst = (book.OpenLeases, book.HasUrgentReturns);
        book.TryTake(1, 0, Now, out _);
        var afterLast = (book.OpenLeases, book.HasUrgentReturns);

        Assert.Equal((1, false), afterFirst);
        Assert.Equal((0, true), afterLast);
        Assert.Equal([new LeaseReturn(7, 1, 2, 0)], book.TakeReturns());
    }

    [Theory]
    [InlineData(0, false)] // the owner granted at once: the window has room, nobody waits for the unused credits
    [InlineData(5, true)] // the owner held the request: the window is full
    public void A_lease_that_ran_out_of_time_returns_at_once_only_at_a_full_window(int heldMilliseconds, bool urgent)
    {
        var book = new LeaseBook(100, null, Window, 2, 10);
        book.Add(Grant(10, held: TimeSpan.FromMilliseconds(heldMilliseconds)), Now + Span, Now);
        book.TryTake(1, 0, Now, out _);

        _time.Advance(Span);
        book.RetireExpired(Now);

        Assert.True(book.HasUnsentReturns);
        Assert.Equal(urgent, book.HasUrgentReturns);
        Assert.Equal([new LeaseReturn(7, 1, 1, 0)], book.TakeReturns());
    }

    [Fact]
    public void A_correction_after_the_return_is_due_but_not_urgent()
    {
        var book = new LeaseBook(100, 1000, Window, 4, 10);
        book.Add(Grant(5, 100), Now + Span, Now);
        book.TryTake(1, 10, Now, out var grant);
        book.RetireAll();
        var retired = book.HasUrgentReturns;
        book.TakeReturns();

        book.Reconcile(grant, 10);
        var unchanged = book.HasUnsentReturns;
        book.Reconcile(grant, 12);

        Assert.True(retired);
        Assert.False(unchanged);
        Assert.True(book.HasUnsentReturns);
        Assert.False(book.HasUrgentReturns);
    }

    [Fact]
    public void Returns_are_handed_out_once_and_again_after_their_request_went_unanswered()
    {
        var book = new LeaseBook(100, null, Window, 4, 10);
        book.Add(Grant(5), Now + Span, Now);
        book.RetireAll();

        var sent = book.TakeReturns();
        var nothingMore = book.TakeReturns();
        book.Unsend(sent);
        var again = book.TakeReturns();

        Assert.Single(sent);
        Assert.Empty(nothingMore);
        Assert.Equal(sent, again);
    }

    [Fact]
    public void A_retired_lease_is_forgotten_one_window_after_its_deadline()
    {
        var book = new LeaseBook(100, 1000, Window, 4, 10);
        book.Add(Grant(5, 100), Now + Span, Now);
        book.TryTake(1, 10, Now, out var grant);
        book.RetireAll();
        book.TakeReturns();

        _time.Advance(Span + Window);
        book.Prune(Now);

        Assert.False(book.Reconcile(grant, 5));
    }

    [Fact]
    public void The_next_lease_is_asked_for_when_a_quarter_of_the_only_open_one_is_left()
    {
        var book = new LeaseBook(100, null, Window, 8, 8);
        book.Add(Grant(8), Now + Span, Now);

        var low = new List<bool>();
        for (var i = 0; i < 8; i++)
        {
            book.TryTake(1, 0, Now, out _);
            low.Add(book.IsRunningLow(Now));
        }

        Assert.Equal([false, false, false, false, false, true, true, true], low);
    }

    [Fact]
    public void The_next_lease_is_not_asked_for_early_when_the_owner_held_this_ones_request()
    {
        var book = new LeaseBook(100, null, Window, 8, 8);
        book.Add(Grant(8, held: TimeSpan.FromMilliseconds(300)), Now + Span, Now);

        var low = new List<bool>();
        for (var i = 0; i < 8; i++)
        {
            book.TryTake(1, 0, Now, out _);
            low.Add(book.IsRunningLow(Now));
        }

        Assert.Equal([false, false, false, false, false, false, false, true], low);
    }

    [Fact]
    public void A_bounded_lease_is_spent_no_faster_than_its_own_burst_and_rate()
    {
        var book = new LeaseBook(100, null, Window, 4, 100);
        // 51 requests a window (one per 20 ms) with a burst of 2.
        book.Add(Grant(20, span: TimeSpan.FromMilliseconds(250)) with { Bound = new LeasePace(51, 0, 2, 1) }, Now + TimeSpan.FromMilliseconds(250), Now);

        var burst = book.TryTake(1, 0, Now, out _) && book.TryTake(1, 0, Now, out _);
        var wait = TimeSpan.FromTicks(book.Wait(1, 0, Now));
        var held = book.TryTake(1, 0, Now, out _);
        _time.Advance(wait);
        var next = book.Wait(1, 0, Now) == 0 && book.TryTake(1, 0, Now, out _);

        Assert.True(burst);
        Assert.Equal(TimeSpan.FromMilliseconds(20), wait);
        Assert.False(held);
        Assert.True(next);
        // Held back by its pace, the lease is neither spent nor retired.
        Assert.Equal(1, book.OpenLeases);
        Assert.Empty(book.TakeReturns());
    }

    [Fact]
    public void A_call_larger_than_a_bounded_lease_s_burst_is_not_taken_from_it()
    {
        var book = new LeaseBook(100, 10_000, Window, 4, 100);
        book.Add(Grant(20, 5_000, span: TimeSpan.FromMilliseconds(250)) with { Bound = new LeasePace(51, 2_000, 2, 300) }, Now + TimeSpan.FromMilliseconds(250), Now);

        var small = book.TryTake(1, 300, Now, out _);
        // Long enough for its bucket to be full again, well before its deadline.
        _time.Advance(TimeSpan.FromMilliseconds(200));
        var large = book.TryTake(1, 301, Now, out _);

        Assert.True(small);
        // It could never go within the bound the owner counts: the lease goes back, the call asks for one of its size.
        Assert.False(large);
        Assert.Equal([new LeaseReturn(7, 1, 1, 300)], book.TakeReturns());
    }

    [Fact]
    public void A_cut_lease_goes_on_as_its_successor_within_both_bounds_and_no_more_than_it_had_left()
    {
        var book = new LeaseBook(100, null, Window, 4, 100);
        var deadline = Now + TimeSpan.FromMilliseconds(250);
        // 51 requests a window (one per 20 ms) with a burst of 2, both spent at once.
        var lease = Grant(20, span: TimeSpan.FromMilliseconds(250)) with { Bound = new LeasePace(51, 0, 2, 1) };
        book.Add(lease, deadline, Now);
        Assert.True(book.TryTake(1, 0, Now, out _) && book.TryTake(1, 0, Now, out _));

        // Cut to 17 a window (one per 60 ms) with a fresh burst of 3, holding more than the 18 left.
        var usable = book.Cut(new LeaseCut("api", 7, lease.Lease, 9, 100, 0, new LeasePace(17, 0, 1, 1), new LeasePace(17, 0, 3, 1)), idle: false, Now);
        var left = book.Remaining(Now).Requests;
        var gaps = new List<TimeSpan>();
        for (var i = 0; i < 5; i++)
        {
            var wait = TimeSpan.FromTicks(book.Wait(1, 0, Now));
            _time.Advance(wait);
            gaps.Add(wait);
            Assert.True(book.TryTake(1, 0, Now, out _));
        }

        Assert.True(usable);
        Assert.Equal(18, left);
        // The cut lease's own bound still holds (its next credit in 20 ms, not at once from the fresh burst); then the successor's.
        Assert.Equal(TimeSpan.FromMilliseconds(20), gaps[0]);
        Assert.Equal(TimeSpan.FromMilliseconds(60), gaps[^1]);
        // The cut lease went back with what it used: its return acknowledges the cut.
        Assert.Equal([new LeaseReturn(7, lease.Lease, 2, 0)], book.TakeReturns());
        Assert.True(deadline > Now);
    }

    [Theory]
    [InlineData(true)]   // nothing asks for credits: the cut lease and its rest go back
    [InlineData(false)]  // the cut lease was spent before the cut arrived: its successor goes back
    public void A_cut_finding_the_node_idle_or_the_lease_gone_returns_its_successor_unused(bool idle)
    {
        var book = new LeaseBook(100, null, Window, 4, 100);
        var lease = Grant(1, span: TimeSpan.FromMilliseconds(250)) with { Bound = new LeasePace(51, 0, 2, 1) };
        book.Add(lease, Now + TimeSpan.FromMilliseconds(250), Now);
        if (!idle) Assert.True(book.TryTake(1, 0, Now, out _));
        var spent = book.TakeReturns();

        var usable = book.Cut(new LeaseCut("api", 7, lease.Lease, 9, 10, 0, new LeasePace(17, 0, 1, 1), new LeasePace(17, 0, 2, 1)), idle, Now);

        Assert.False(usable);
        Assert.False(book.TryTake(1, 0, Now, out _));
        Assert.True(book.HasUrgentReturns);
        var returns = spent.Concat(book.TakeReturns()).OrderBy(r => r.Lease).ToArray();
        Assert.Equal([new LeaseReturn(7, lease.Lease, idle ? 0 : 1, 0), new LeaseReturn(7, 9, 0, 0)], returns);
    }
}
