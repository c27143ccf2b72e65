using Dispatch.Core.Options;
using Dispatch.Core.RateLimiting;

namespace Dispatch.Core.Tests.RateLimiting;

public class RateLimitGuardTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void The_default_guard_is_two_percent_of_the_interval()
    {
        var options = new RateLimitOptions { Interval = TimeSpan.FromSeconds(10) };

        Assert.Equal(TimeSpan.FromSeconds(10.2), options.Window);
    }

    [Fact]
    public void The_default_guard_is_at_most_one_second()
    {
        var options = new RateLimitOptions { Interval = TimeSpan.FromHours(1) };

        Assert.Equal(TimeSpan.FromHours(1) + TimeSpan.FromSeconds(1), options.Window);
    }

    [Fact]
    public void A_grant_keeps_counting_for_the_guard_after_its_interval()
    {
        var ledger = new SlidingWindowLedger(new RateLimitOptions { Requests = 1, Interval = TimeSpan.FromSeconds(10), Guard = TimeSpan.FromMilliseconds(300) });
        ledger.TryAcquire(1, 0, T0);

        var atInterval = ledger.TryAcquire(1, 0, T0.AddSeconds(10));
        var afterGuard = ledger.TryAcquire(1, 0, T0.AddSeconds(10.3));

        Assert.False(atInterval.Granted);
        Assert.Equal(T0.AddSeconds(10.3), atInterval.RetryAt);
        Assert.True(afterGuard.Granted);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(10_000)]
    public void A_guard_that_is_negative_or_not_shorter_than_the_interval_is_named_in_the_error(int guardMs)
    {
        var options = new RateLimitOptions { Interval = TimeSpan.FromSeconds(10), Guard = TimeSpan.FromMilliseconds(guardMs) };

        var error = Assert.Throws<DispatchOptionsException>(() => options.Validate());

        Assert.Contains("rate-limit.guard", error.Message);
    }
}
