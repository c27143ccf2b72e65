using Dispatch.Core.RateLimiting;

namespace Dispatch.Core.Tests.RateLimiting;

public class LearnedLimitTests
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(10);
    private static readonly long T0 = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).UtcTicks;

    [Fact]
    public void Fewer_remaining_than_the_ledger_believes_lowers_the_limit_to_what_was_used_plus_what_is_left_until_the_reset()
    {
        var limit = new LearnedLimit(configured: 100, Window);

        limit.Report(limit: 100, remaining: 10, used: 40, reset: TimeSpan.FromSeconds(6), T0);

        Assert.Equal(50, limit.InForce(T0));
        Assert.Equal(50, limit.InForce(T0 + TimeSpan.FromSeconds(6).Ticks - 1));
        Assert.Equal(100, limit.InForce(T0 + TimeSpan.FromSeconds(6).Ticks));
    }

    [Fact]
    public void A_remaining_that_grants_after_the_reporting_one_explain_neither_lowers_nor_clears_the_limit()
    {
        var limit = new LearnedLimit(configured: 100, Window);

        // 40 + 50 = 90, but the 20 granted after it may have been counted first: 110.
        limit.Report(limit: 100, remaining: 40, used: 50, reset: null, T0, usedAtMost: 70);
        var unexplained = limit.InForce(T0);
        limit.Report(limit: null, remaining: 10, used: 50, reset: null, T0, usedAtMost: 70);
        limit.Report(limit: null, remaining: 40, used: 50, reset: null, T0 + 1, usedAtMost: 70);

        Assert.Equal(100, unexplained);
        Assert.Equal(60, limit.InForce(T0 + 1));
    }

    [Fact]
    public void A_remaining_that_later_grants_explain_leaves_a_lower_reported_limit_standing()
    {
        var limit = new LearnedLimit(configured: 100, Window);

        limit.Report(limit: 80, remaining: 20, used: 50, reset: null, T0, usedAtMost: 70);

        Assert.Equal(80, limit.InForce(T0));
    }

    [Fact]
    public void A_reported_limit_below_the_configured_one_is_believed()
    {
        var limit = new LearnedLimit(configured: 100, Window);

        limit.Report(limit: 60, remaining: null, used: 0, reset: null, T0);

        Assert.Equal(60, limit.InForce(T0 + Window.Ticks - 1));
    }

    [Fact]
    public void A_provider_allowing_more_than_configured_never_raises_the_limit()
    {
        var limit = new LearnedLimit(configured: 100, Window);
        limit.Report(limit: 50, remaining: 0, used: 50, reset: TimeSpan.FromSeconds(5), T0);

        limit.Report(limit: 500, remaining: 450, used: 50, reset: TimeSpan.FromSeconds(5), T0 + 1);

        Assert.Equal(100, limit.InForce(T0 + 1));
    }

    [Fact]
    public void A_429_cuts_the_limit_once_per_generation_of_grants()
    {
        var limit = new LearnedLimit(configured: 100, Window);

        limit.Throttled(grant: 5, latestGrant: 20, T0);
        limit.Throttled(grant: 18, latestGrant: 22, T0);
        var afterOneRound = limit.InForce(T0);
        limit.Throttled(grant: 21, latestGrant: 30, T0);

        Assert.Equal(70, afterOneRound);
        Assert.Equal(49, limit.InForce(T0));
    }

    [Fact]
    public void After_the_hold_successes_raise_the_limit_slowly_and_never_above_the_configured_one()
    {
        var limit = new LearnedLimit(configured: 100, Window);
        limit.Throttled(grant: 1, latestGrant: 1, T0);
        var duringHold = T0 + (LearnedLimit.HoldWindows * Window.Ticks) - 1;
        limit.Succeeded(duringHold);
        var held = limit.InForce(duringHold);

        var later = duringHold + 1;
        for (var i = 0; i < 70; i++) limit.Succeeded(later);
        var oneWindowOfSuccesses = limit.InForce(later);
        for (var i = 0; i < 10_000; i++) limit.Succeeded(later);

        Assert.Equal(70, held);
        Assert.InRange(oneWindowOfSuccesses, 74, 76);
        Assert.Equal(100, limit.InForce(later));
    }
}
