using Dispatch.Cluster.Owner;
using Dispatch.Cluster.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace Dispatch.Cluster.Tests.Owner;

public class QuotaLedgerTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Window = TimeSpan.FromMilliseconds(1020);
    private static readonly TimeSpan Span = TimeSpan.FromMilliseconds(50);

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    private DateTimeOffset Now => _time.GetUtcNow();

    /// <summary>A ledger that may grant now: started one window and one span ago.</summary>
    private QuotaLedger ReadyLedger(long? requests = 100, long? tokens = null)
    {
        var ledger = new QuotaLedger(requests, tokens, Window, Span, Now - Window - Span);
        Assert.True(Now >= ledger.GrantingFrom);
        return ledger;
    }

    [Fact]
    public void A_new_owner_grants_nothing_until_one_window_and_one_span_after_it_started()
    {
        var ledger = new QuotaLedger(100, null, Window, Span, Now);

        var early = ledger.TryGrant("a", 1, 0, 10, 0, Span, Now);
        _time.Advance(Window + Span - TimeSpan.FromTicks(1));
        var stillEarly = ledger.TryGrant("a", 1, 0, 10, 0, Span, Now);
        _time.Advance(TimeSpan.FromTicks(1));
        var onTime = ledger.TryGrant("a", 1, 0, 10, 0, Span, Now);

        Assert.False(early.Granted);
        Assert.Equal(ledger.GrantingFrom, early.RetryAt);
        Assert.False(stillEarly.Granted);
        Assert.True(onTime.Granted);
    }

    [Fact]
    public void A_lease_gets_what_is_free_up_to_what_was_asked()
    {
        var ledger = ReadyLedger(requests: 25);

        var first = ledger.TryGrant("a", 1, 0, 20, 0, Span, Now);
        var second = ledger.TryGrant("b", 1, 0, 20, 0, Span, Now);

        Assert.Equal(20, first.Lease.Requests);
        Assert.Equal(5, second.Lease.Requests);
        Assert.Equal(25, ledger.RequestsInWindow);
    }

    [Fact]
    public void A_lease_waits_for_the_rest_of_its_size_when_that_frees_within_the_merge_time()
    {
        var ledger = Freeing(4, then: 16, apart: TimeSpan.FromMilliseconds(10));

        // The first 4 are free now, the other 16 in 10 ms: one lease of 20 then, not one of 4 now and one of 16 later.
        var now = ledger.TryGrant("c", 1, 0, 20, 0, Span, Now, mergeWithin: TimeSpan.FromMilliseconds(10));
        _time.Advance(TimeSpan.FromMilliseconds(10));
        var merged = ledger.TryGrant("c", 1, 0, 20, 0, Span, Now, mergeWithin: TimeSpan.FromMilliseconds(10));

        Assert.False(now.Granted);
        Assert.Equal(Now, now.RetryAt);
        Assert.Equal(20, merged.Lease.Requests);
    }

    [Theory]
    [InlineData(4, 16, 11)] // the rest frees after the merge time
    [InlineData(10, 10, 1)] // half of it is free: waiting would leave more idle than the lease saved is worth
    public void A_lease_takes_what_is_free_when_the_rest_frees_too_late_or_half_of_it_is_free(int free, int rest, int restInMilliseconds)
    {
        var ledger = Freeing(free, then: rest, apart: TimeSpan.FromMilliseconds(restInMilliseconds));

        var decision = ledger.TryGrant("c", 1, 0, free + rest, 0, Span, Now, mergeWithin: TimeSpan.FromMilliseconds(10));

        Assert.True(decision.Granted);
        Assert.Equal(free, decision.Lease.Requests);
    }

    /// <summary>A full ledger whose first <paramref name="first"/> credits are free now and the next <paramref name="then"/> <paramref name="apart"/> later.</summary>
    private QuotaLedger Freeing(int first, int then, TimeSpan apart)
    {
        var ledger = ReadyLedger(requests: first + then);
        var earlier = ledger.TryGrant("a", 1, 0, first, 0, Span, Now).Lease;
        var later = ledger.TryGrant("b", 1, 0, then, 0, Span, Now).Lease;
        ledger.Return(earlier.Number, first, 0, Now);
        _time.Advance(apart);
        ledger.Return(later.Number, then, 0, Now);
        _time.Advance(Window - apart);
        return ledger;
    }

    [Fact]
    public void An_unreturned_lease_counts_in_full_until_one_window_after_its_span()
    {
        var ledger = ReadyLedger(requests: 10);
        ledger.TryGrant("a", 1, 0, 10, 0, Span, Now);

        var refused = ledger.TryGrant("b", 1, 0, 1, 0, Span, Now);
        _time.Advance(Span + Window - TimeSpan.FromTicks(1));
        var stillRefused = ledger.TryGrant("b", 1, 0, 1, 0, Span, Now);
        _time.Advance(TimeSpan.FromTicks(1));
        var granted = ledger.TryGrant("b", 1, 0, 1, 0, Span, Now);

        Assert.False(refused.Granted);
        Assert.Equal(Now, refused.RetryAt);
        Assert.False(stillRefused.Granted);
        Assert.True(granted.Granted);
    }

    [Fact]
    public void A_return_frees_the_unused_credits_at_once_and_ends_the_span()
    {
        var ledger = ReadyLedger(requests: 10);
        var lease = ledger.TryGrant("a", 1, 0, 10, 0, Span, Now).Lease;
        _time.Advance(TimeSpan.FromMilliseconds(10));

        Assert.True(ledger.Return(lease.Number, 3, 0, Now));
        var granted = ledger.TryGrant("b", 1, 0, 10, 0, Span, Now);
        var refused = ledger.TryGrant("c", 1, 0, 1, 0, Span, Now);

        Assert.Equal(7, granted.Lease.Requests);
        // The 3 used credits leave one window after the return, not after the 50 ms span.
        var lastLeft = Now + Window;
        Assert.Equal(lastLeft, refused.RetryAt);
    }

    [Fact]
    public void A_request_that_cannot_be_granted_learns_when_its_minimum_is_free()
    {
        var ledger = ReadyLedger(requests: 10, tokens: 1000);
        var start = Now;
        ledger.TryGrant("a", 1, 600, 5, 600, Span, Now);
        _time.Advance(TimeSpan.FromMilliseconds(100));
        ledger.TryGrant("b", 1, 300, 5, 300, Span, Now);

        var refused = ledger.TryGrant("c", 1, 500, 1, 500, Span, Now);

        Assert.False(refused.Granted);
        Assert.Equal(start + Span + Window, refused.RetryAt);
    }

    [Fact]
    public void A_request_for_more_than_the_limit_is_never_granted()
    {
        var ledger = ReadyLedger(requests: 10, tokens: 100);

        var refused = ledger.TryGrant("a", 1, 101, 1, 101, Span, Now);

        Assert.Equal(DateTimeOffset.MaxValue, refused.RetryAt);
    }

    [Fact]
    public void A_correction_above_the_estimate_holds_later_grants_back_until_it_leaves()
    {
        var ledger = ReadyLedger(requests: null, tokens: 100);
        var lease = ledger.TryGrant("a", 1, 50, 1, 50, Span, Now).Lease;
        ledger.Return(lease.Number, 1, 130, Now);

        var refused = ledger.TryGrant("b", 1, 1, 1, 1, Span, Now);

        Assert.False(refused.Granted);
        Assert.Equal(130, ledger.TokensInWindow);
    }

    [Fact]
    public void A_return_of_an_unknown_lease_changes_nothing()
    {
        var ledger = ReadyLedger(requests: 10);
        ledger.TryGrant("a", 1, 0, 10, 0, Span, Now);

        Assert.False(ledger.Return(999, 0, 0, Now));
        Assert.Equal(10, ledger.RequestsInWindow);
    }

    [Fact]
    public void Live_leases_are_listed_per_node_until_they_are_returned_or_their_span_ends()
    {
        var ledger = ReadyLedger(requests: 100, tokens: 10_000);
        var a = ledger.TryGrant("node-a", 1, 10, 10, 100, Span, Now).Lease;
        ledger.TryGrant("node-a", 1, 10, 5, 50, Span, Now);
        ledger.TryGrant("node-b", 1, 10, 7, 70, Span, Now);

        var before = ledger.LiveLeases(Now);
        ledger.Return(a.Number, 2, 20, Now);
        var afterReturn = ledger.LiveLeases(Now);
        _time.Advance(Span);
        var afterSpan = ledger.LiveLeases(Now);

        Assert.Equal([("node-a", 15L, 150L), ("node-b", 7L, 70L)], before);
        Assert.Equal([("node-a", 5L, 50L), ("node-b", 7L, 70L)], afterReturn);
        Assert.Empty(afterSpan);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void No_window_holds_more_than_the_limit_whatever_the_leases_and_returns(int seed)
    {
        var random = new Random(seed);
        var ledger = ReadyLedger(requests: 60, tokens: 6000);
        var granted = new Dictionary<long, WindowAudit.Span>();
        var live = new List<long>();

        for (var step = 0; step < 20_000; step++)
        {
            _time.Advance(TimeSpan.FromMilliseconds(random.Next(0, 3)));
            if (random.Next(3) == 0 && live.Count > 0)
            {
                // A return: some of the lease used, never more tokens than granted here (corrections above
                // the estimate are the one documented excess).
                var number = live[random.Next(live.Count)];
                live.Remove(number);
                var lease = granted[number];
                var usedRequests = random.Next(0, (int)lease.Requests + 1);
                var usedTokens = random.NextInt64(0, lease.Tokens + 1);
                if (ledger.Return(number, usedRequests, usedTokens, Now))
                    granted[number] = lease with { Finish = Min(lease.Finish, Now), Requests = usedRequests, Tokens = usedTokens };
                continue;
            }

            var decision = ledger.TryGrant("n" + random.Next(3), 1, random.Next(0, 200), random.Next(1, 20), random.Next(0, 2000), Span, Now);
            if (!decision.Granted) continue;
            granted.Add(decision.Lease.Number, new WindowAudit.Span(decision.Lease.Start, decision.Lease.Finish, decision.Lease.Requests, decision.Lease.Tokens));
            live.Add(decision.Lease.Number);
        }

        var (requests, tokens) = WindowAudit.Peak(granted.Values.ToArray(), Window);
        Assert.InRange(requests, 1, 60);
        Assert.InRange(tokens, 1, 6000);
    }

    [Fact]
    public void A_ledger_that_takes_over_a_granting_window_grants_at_once_but_refuses_what_the_old_one_would_have()
    {
        var old = ReadyLedger(requests: 10);
        old.TryGrant("a", 1, 0, 6, 0, Span, Now);
        old.TryGrant("b", 1, 0, 4, 0, Span, Now);
        var window = old.HandOver(Now);
        var oldRefusal = old.TryGrant("c", 1, 0, 1, 0, Span, Now);
        var successor = new QuotaLedger(10, null, Window, Span, Now, incarnation: 2);
        _time.Advance(TimeSpan.FromMilliseconds(5));

        Assert.True(successor.TakeOver(window, TimeSpan.Zero, Now));
        var refused = successor.TryGrant("c", 1, 0, 1, 0, Span, Now);

        Assert.Equal(Now, successor.GrantingFrom);
        Assert.Equal(10, successor.RequestsInWindow);
        Assert.False(refused.Granted);
        // Measured from the window's arrival, its leases leave no earlier than they would have at the old owner.
        Assert.True(refused.RetryAt >= oldRefusal.RetryAt, $"{refused.RetryAt:O} < {oldRefusal.RetryAt:O}");
    }

    [Fact]
    public void A_window_handed_over_before_the_old_owner_could_grant_keeps_the_old_owners_wait()
    {
        var old = new QuotaLedger(10, null, Window, Span, Now);
        _time.Advance(TimeSpan.FromMilliseconds(300));
        var grantingIn = old.GrantingFrom - Now;
        var successor = new QuotaLedger(10, null, Window, Span, Now, incarnation: 2);

        successor.TakeOver(old.HandOver(Now), grantingIn, Now);
        var early = successor.TryGrant("a", 1, 0, 1, 0, Span, Now);

        Assert.Equal(old.GrantingFrom, successor.GrantingFrom);
        Assert.False(early.Granted);
        Assert.Equal(old.GrantingFrom, early.RetryAt);
    }

    [Fact]
    public void A_ledger_that_has_granted_takes_no_window_over()
    {
        var old = ReadyLedger(requests: 10);
        old.TryGrant("a", 1, 0, 10, 0, Span, Now);
        var successor = ReadyLedger(requests: 10);
        successor.TryGrant("b", 1, 0, 1, 0, Span, Now);

        Assert.False(successor.TakeOver(old.HandOver(Now), TimeSpan.Zero, Now));
        Assert.Equal(1, successor.RequestsInWindow);
    }

    [Fact]
    public void A_return_of_a_lease_the_old_owner_granted_frees_its_unused_credits_at_the_new_one()
    {
        var old = new QuotaLedger(10, null, Window, Span, Now - Window - Span, incarnation: 1);
        var lease = old.TryGrant("a", 1, 0, 10, 0, Span, Now).Lease;
        var successor = new QuotaLedger(10, null, Window, Span, Now, incarnation: 2);
        successor.TakeOver(old.HandOver(Now), TimeSpan.Zero, Now);

        Assert.False(successor.Return(2, lease.Number, 3, 0, Now));
        Assert.True(successor.Return(1, lease.Number, 3, 0, Now));
        var granted = successor.TryGrant("b", 1, 0, 10, 0, Span, Now);

        Assert.Equal(7, granted.Lease.Requests);
        Assert.Equal([("b", 7L, 0L)], successor.LiveLeases(Now));
    }

    [Fact]
    public void Leases_that_left_every_window_are_not_handed_over()
    {
        var old = ReadyLedger(requests: 10);
        old.TryGrant("a", 1, 0, 10, 0, Span, Now);
        _time.Advance(Span + Window);

        Assert.Empty(old.HandOver(Now));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void No_window_holds_more_than_the_limit_across_hand_overs(int seed)
    {
        var random = new Random(seed);
        var ledger = new QuotaLedger(60, 6000, Window, Span, Now - Window - Span, incarnation: 1);
        var granted = new Dictionary<(long, long), WindowAudit.Span>();
        var live = new List<(long Owner, long Number)>();
        long owner = 1;

        for (var step = 0; step < 20_000; step++)
        {
            _time.Advance(TimeSpan.FromMilliseconds(random.Next(0, 3)));
            if (step % 4_000 == 3_999)
            {
                // A graceful hand-over: the window travels 0 to 20 ms, and the old owner's leases are returned to the new one.
                var window = ledger.HandOver(Now);
                var grantingIn = ledger.GrantingFrom > Now ? ledger.GrantingFrom - Now : TimeSpan.Zero;
                _time.Advance(TimeSpan.FromMilliseconds(random.Next(0, 21)));
                ledger = new QuotaLedger(60, 6000, Window, Span, Now, ++owner);
                Assert.True(ledger.TakeOver(window, grantingIn, Now));
                continue;
            }

            if (random.Next(3) == 0 && live.Count > 0)
            {
                var key = live[random.Next(live.Count)];
                live.Remove(key);
                var lease = granted[key];
                var usedRequests = random.Next(0, (int)lease.Requests + 1);
                var usedTokens = random.NextInt64(0, lease.Tokens + 1);
                if (ledger.Return(key.Owner, key.Number, usedRequests, usedTokens, Now))
                    granted[key] = lease with { Finish = Min(lease.Finish, Now), Requests = usedRequests, Tokens = usedTokens };
                continue;
            }

            var decision = ledger.TryGrant("n" + random.Next(3), 1, random.Next(0, 200), random.Next(1, 20), random.Next(0, 2000), Span, Now);
            if (!decision.Granted) continue;
            granted.Add((owner, decision.Lease.Number), new WindowAudit.Span(decision.Lease.Start, decision.Lease.Finish, decision.Lease.Requests, decision.Lease.Tokens));
            live.Add((owner, decision.Lease.Number));
        }

        var (requests, tokens) = WindowAudit.Peak(granted.Values.ToArray(), Window);
        Assert.Equal(6, owner);
        Assert.InRange(requests, 1, 60);
        Assert.InRange(tokens, 1, 6000);
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;
}
