using Dispatch.Core.RateLimiting;
using Microsoft.Extensions.Time.Testing;

namespace Dispatch.Core.Tests.RateLimiting;

/// <summary>The standalone ledger with pacing and learning on top, on a FakeTimeProvider's virtual time.</summary>
public class AdaptiveCreditSourceTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    private static AdaptiveCreditSource Source(RateLimitOptions options) => new(new SlidingWindowLedger(options), options);

    /// <summary>How many grants of <paramref name="tokens"/> go out at the current instant.</summary>
    private int GrantsNow(ICreditSource source, long tokens = 1)
    {
        var granted = 0;
        while (source.TryAcquire(1, tokens, _clock.GetUtcNow()).Granted) granted++;
        return granted;
    }

    [Fact]
    public void Smooth_pacing_lets_only_the_burst_go_at_once_where_burst_pacing_lets_the_whole_interval_go()
    {
        var limits = new RateLimitOptions { Requests = 100, Interval = TimeSpan.FromSeconds(10), Guard = TimeSpan.Zero, Burst = 4 };

        var smooth = GrantsNow(Source(limits));
        var burst = GrantsNow(Source(limits with { Pacing = RateLimitPacing.Burst }));

        Assert.Equal(4, smooth);
        Assert.Equal(100, burst);
    }

    [Fact]
    public void A_refusal_names_the_instant_the_pacer_allows_the_next_grant()
    {
        var source = Source(new RateLimitOptions { Requests = 100, Interval = TimeSpan.FromSeconds(10), Guard = TimeSpan.Zero, Burst = 1 });
        source.TryAcquire(1, 0, _clock.GetUtcNow());

        var refused = source.TryAcquire(1, 0, _clock.GetUtcNow());

        Assert.Equal(_clock.GetUtcNow() + TimeSpan.FromMilliseconds(100), refused.RetryAt);
    }

    [Fact]
    public void Tokens_are_paced_like_requests()
    {
        var source = Source(new RateLimitOptions { Requests = null, Tokens = 10_000, Interval = TimeSpan.FromSeconds(10), Guard = TimeSpan.Zero, Burst = null });

        var atOnce = GrantsNow(source, tokens: 10);
        _clock.Advance(TimeSpan.FromSeconds(1));
        var aSecondLater = GrantsNow(source, tokens: 10);

        // The default token burst is the guard's share of a second's tokens, at least 1: here 1 token,
        // so one call of 10 goes and then one per 10 ms of tokens.
        Assert.Equal(1, atOnce);
        Assert.Equal(1, aSecondLater);
        Assert.Equal(_clock.GetUtcNow() + TimeSpan.FromMilliseconds(10), source.TryAcquire(1, 10, _clock.GetUtcNow()).RetryAt);
    }

    [Fact]
    public void A_report_of_fewer_remaining_requests_lowers_the_limit_in_force_and_the_ledger_grants_no_more()
    {
        var source = Source(new RateLimitOptions { Requests = 100, Interval = TimeSpan.FromSeconds(10), Guard = TimeSpan.Zero, Pacing = RateLimitPacing.Burst });
        var first = source.TryAcquire(1, 0, _clock.GetUtcNow());
        var granted = 1 + GrantsNow(source);
        var report = new RateLimitReport(100, RemainingRequests: 0, TimeSpan.FromSeconds(10), null, null, null);

        source.Observe(first.GrantId, report, throttled: false, _clock.GetUtcNow());
        var balance = source.Available(_clock.GetUtcNow());

        Assert.Equal(100, granted);
        Assert.Equal((100L, 1L), (source.RequestLimit!.Value, balance.RequestLimit!.Value));
        Assert.Equal(0, balance.Requests);
    }

    [Fact]
    public void Repeated_429s_without_headers_lower_the_limit_in_force_but_never_the_configured_one()
    {
        var source = Source(new RateLimitOptions { Requests = 100, Interval = TimeSpan.FromSeconds(10), Guard = TimeSpan.Zero, Pacing = RateLimitPacing.Burst });
        var grant = source.TryAcquire(1, 0, _clock.GetUtcNow());

        var rose = source.Observe(grant.GrantId, default, throttled: true, _clock.GetUtcNow());
        var later = source.TryAcquire(1, 0, _clock.GetUtcNow());
        source.Observe(later.GrantId, default, throttled: true, _clock.GetUtcNow());

        Assert.False(rose);
        Assert.Equal(49, source.Available(_clock.GetUtcNow()).RequestLimit);
        Assert.Equal(100, source.RequestLimit);
    }
}
