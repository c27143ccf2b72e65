using Dispatch.Core.RateLimiting;

namespace Dispatch.Core.Tests.RateLimiting;

public class SlidingWindowLedgerTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static SlidingWindowLedger Ledger(int? requests = 3, long? tokens = 100, int intervalSeconds = 10) =>
        new(new RateLimitOptions { Requests = requests, Tokens = tokens, Interval = TimeSpan.FromSeconds(intervalSeconds), Guard = TimeSpan.Zero });

    [Fact]
    public void Grants_up_to_the_request_limit_and_then_refuses()
    {
        var ledger = Ledger(requests: 3);

        var grants = Enumerable.Range(0, 3).Select(i => ledger.TryAcquire(1, 1, T0.AddSeconds(i)).Granted).ToList();
        var fourth = ledger.TryAcquire(1, 1, T0.AddSeconds(3));

        Assert.All(grants, Assert.True);
        Assert.False(fourth.Granted);
    }

    [Fact]
    public void A_refusal_names_the_instant_the_oldest_grant_leaves_the_window()
    {
        var ledger = Ledger(requests: 2);
        ledger.TryAcquire(1, 1, T0);
        ledger.TryAcquire(1, 1, T0.AddSeconds(4));

        var refused = ledger.TryAcquire(1, 1, T0.AddSeconds(5));

        Assert.Equal(T0.AddSeconds(10), refused.RetryAt);
    }

    [Fact]
    public void The_named_instant_is_exact_one_tick_before_is_still_refused()
    {
        var ledger = Ledger(requests: 1);
        ledger.TryAcquire(1, 1, T0);

        var early = ledger.TryAcquire(1, 1, T0.AddSeconds(10).AddTicks(-1));
        var onTime = ledger.TryAcquire(1, 1, T0.AddSeconds(10));

        Assert.False(early.Granted);
        Assert.True(onTime.Granted);
    }

    [Fact]
    public void Tokens_are_limited_independently_of_requests()
    {
        var ledger = Ledger(requests: 100, tokens: 100);
        ledger.TryAcquire(1, 60, T0);
        ledger.TryAcquire(1, 30, T0.AddSeconds(1));

        var refused = ledger.TryAcquire(1, 20, T0.AddSeconds(2));

        Assert.False(refused.Granted);
        Assert.Equal(T0.AddSeconds(10), refused.RetryAt);
    }

    [Fact]
    public void A_refusal_waits_for_as_many_old_grants_as_needed_to_free_the_tokens()
    {
        var ledger = Ledger(requests: 100, tokens: 100);
        ledger.TryAcquire(1, 10, T0);
        ledger.TryAcquire(1, 10, T0.AddSeconds(1));
        ledger.TryAcquire(1, 80, T0.AddSeconds(2));

        var refused = ledger.TryAcquire(1, 15, T0.AddSeconds(3));

        Assert.Equal(T0.AddSeconds(11), refused.RetryAt);
    }

    [Fact]
    public void A_pause_refuses_everything_until_it_ends()
    {
        var ledger = Ledger(requests: 100);
        ledger.PauseUntil(T0.AddSeconds(7));

        var during = ledger.TryAcquire(1, 1, T0.AddSeconds(6));
        var after = ledger.TryAcquire(1, 1, T0.AddSeconds(7));

        Assert.Equal(T0.AddSeconds(7), during.RetryAt);
        Assert.True(after.Granted);
    }

    [Fact]
    public void A_shorter_pause_does_not_cut_a_longer_one_short()
    {
        var ledger = Ledger();
        ledger.PauseUntil(T0.AddSeconds(30));

        ledger.PauseUntil(T0.AddSeconds(5));

        Assert.Equal(T0.AddSeconds(30), ledger.Available(T0).PausedUntil);
    }

    [Fact]
    public void Reconciling_below_the_estimate_refunds_the_difference_at_once()
    {
        var ledger = Ledger(requests: 100, tokens: 100);
        var grant = ledger.TryAcquire(1, 90, T0);

        ledger.Reconcile(grant.GrantId, 30, T0.AddSeconds(1));

        Assert.Equal(70, ledger.Available(T0.AddSeconds(1)).Tokens);
        Assert.True(ledger.TryAcquire(1, 70, T0.AddSeconds(1)).Granted);
    }

    [Fact]
    public void Reconciling_above_the_estimate_holds_back_later_grants_until_it_ages_out()
    {
        var ledger = Ledger(requests: 100, tokens: 100);
        var grant = ledger.TryAcquire(1, 50, T0);

        ledger.Reconcile(grant.GrantId, 120, T0.AddSeconds(1));
        var refused = ledger.TryAcquire(1, 1, T0.AddSeconds(2));

        Assert.Equal(0, ledger.Available(T0.AddSeconds(2)).Tokens);
        Assert.Equal(T0.AddSeconds(10), refused.RetryAt);
    }

    [Fact]
    public void Reconciling_a_grant_that_left_the_window_changes_nothing()
    {
        var ledger = Ledger(requests: 100, tokens: 100);
        var grant = ledger.TryAcquire(1, 50, T0);

        var corrected = ledger.Reconcile(grant.GrantId, 100, T0.AddSeconds(10));

        Assert.False(corrected);
        Assert.Equal(100, ledger.Available(T0.AddSeconds(10)).Tokens);
    }

    [Fact]
    public void A_clock_stepping_back_does_not_reopen_a_closed_window()
    {
        var ledger = Ledger(requests: 1);
        ledger.TryAcquire(1, 1, T0.AddSeconds(5));

        var stepBack = ledger.TryAcquire(1, 1, T0);

        Assert.False(stepBack.Granted);
        Assert.Equal(T0.AddSeconds(15), stepBack.RetryAt);
    }

    [Fact]
    public void Unlimited_limits_grant_everything_and_report_no_balance()
    {
        var ledger = Ledger(requests: null, tokens: null);

        var all = Enumerable.Range(0, 10_000).All(_ => ledger.TryAcquire(1, 1_000_000, T0).Granted);

        Assert.True(all);
        Assert.Equal(new CreditBalance(null, null, null), ledger.Available(T0));
    }

    [Fact]
    public void The_log_grows_past_its_first_capacity_without_losing_grants()
    {
        var ledger = Ledger(requests: 10_000, tokens: null);

        for (var i = 0; i < 10_000; i++) Assert.True(ledger.TryAcquire(1, 0, T0.AddTicks(i)).Granted);
        var refused = ledger.TryAcquire(1, 0, T0.AddSeconds(1));

        Assert.False(refused.Granted);
        Assert.Equal(T0.AddSeconds(10), refused.RetryAt);
    }
}
