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
        for (var i = 1; i < 10; i++) source.TryAcquire(1, 0, _clock.GetUtcNow());
        // Nothing left after our first call, even had all ten reached the provider: it counts others' calls too.
        var report = new RateLimitReport(100, RemainingRequests: 0, TimeSpan.FromSeconds(10), null, null, null);

        source.Observe(first.GrantId, report, throttled: false, _clock.GetUtcNow());
        var balance = source.Available(_clock.GetUtcNow());

        Assert.Equal((100L, 1L), (source.RequestLimit!.Value, balance.RequestLimit!.Value));
        Assert.Equal(0, balance.Requests);
        Assert.False(source.TryAcquire(1, 0, _clock.GetUtcNow()).Granted);
    }

    [Theory]
    [InlineData(3, 55)]  // a refused call among those counted: the provider counted five of six
    [InlineData(9, 56)]  // a refused call granted after the reporting one: not in the count, not subtracted
    public void A_report_of_remaining_only_counts_our_grants_up_to_the_reporting_one_less_the_refused_among_them(int refusedGrant, long expected)
    {
        var source = Source(new RateLimitOptions { Requests = 100, Interval = TimeSpan.FromSeconds(10), Guard = TimeSpan.Zero, Pacing = RateLimitPacing.Burst, LearnFrom429s = false });
        var grants = Enumerable.Range(0, 10).Select(_ => source.TryAcquire(1, 0, _clock.GetUtcNow()).GrantId).ToArray();
        source.Observe(grants[refusedGrant - 1], default, throttled: true, _clock.GetUtcNow());

        source.Observe(grants[5], new RateLimitReport(null, RemainingRequests: 50, TimeSpan.FromSeconds(10), null, null, null), throttled: false, _clock.GetUtcNow());

        Assert.Equal(expected, source.Available(_clock.GetUtcNow()).RequestLimit);
    }

    [Theory]
    [InlineData(100, 100)] // 90 more granted after it: five of them reaching the provider first explain the 85 left
    [InlineData(10, 95)]   // none after it: the provider counted 5 calls that are not ours
    public void A_remaining_that_our_later_grants_reaching_the_provider_first_explain_lowers_nothing(int granted, long expected)
    {
        var source = Source(new RateLimitOptions { Requests = 100, Interval = TimeSpan.FromSeconds(10), Guard = TimeSpan.Zero, Pacing = RateLimitPacing.Burst });
        var grants = Enumerable.Range(0, granted).Select(_ => source.TryAcquire(1, 0, _clock.GetUtcNow()).GrantId).ToArray();

        // The tenth call's answer: the provider had counted 15 calls when it answered.
        source.Observe(grants[9], new RateLimitReport(100, RemainingRequests: 85, TimeSpan.FromSeconds(10), null, null, null), throttled: false, _clock.GetUtcNow());

        Assert.Equal(expected, source.Available(_clock.GetUtcNow()).RequestLimit);
    }

    [Theory]
    [InlineData(100, 100)] // the first five granted 10.1 s before it, within the guard: they may have reached the provider within its 10 s
    [InlineData(300, 95)]  // granted 10.3 s before it, beyond the guard: the provider counted 5 calls that are not ours
    public void A_remaining_that_our_grants_a_little_older_than_the_interval_explain_lowers_nothing(int earlierMs, long expected)
    {
        var source = Source(new RateLimitOptions { Requests = 100, Interval = TimeSpan.FromSeconds(10), Guard = TimeSpan.FromMilliseconds(200), Pacing = RateLimitPacing.Burst });
        for (var i = 0; i < 5; i++) source.TryAcquire(1, 0, _clock.GetUtcNow());
        _clock.Advance(TimeSpan.FromSeconds(10) + TimeSpan.FromMilliseconds(earlierMs));
        var grants = Enumerable.Range(0, 10).Select(_ => source.TryAcquire(1, 0, _clock.GetUtcNow()).GrantId).ToArray();

        // The last call's answer: the provider counted 15 calls in its interval (the first five reached it late).
        source.Observe(grants[9], new RateLimitReport(100, RemainingRequests: 85, TimeSpan.FromSeconds(10), null, null, null), throttled: false, _clock.GetUtcNow());

        Assert.Equal(expected, source.Available(_clock.GetUtcNow()).RequestLimit);
    }

    [Fact]
    public void The_remaining_reported_for_a_call_granted_longer_ago_than_the_window_is_ignored_but_a_lower_limit_is_believed()
    {
        var source = Source(new RateLimitOptions { Requests = 100, Interval = TimeSpan.FromSeconds(10), Guard = TimeSpan.Zero, Pacing = RateLimitPacing.Burst });
        var longCall = source.TryAcquire(1, 0, _clock.GetUtcNow());
        _clock.Advance(TimeSpan.FromSeconds(30));
        var report = new RateLimitReport(null, RemainingRequests: 5, TimeSpan.FromSeconds(10), null, null, null);

        source.Observe(longCall.GrantId, report, throttled: false, _clock.GetUtcNow());
        var afterRemaining = source.Available(_clock.GetUtcNow()).RequestLimit;
        source.Observe(longCall.GrantId, report with { RequestLimit = 80 }, throttled: false, _clock.GetUtcNow());

        Assert.Equal(100, afterRemaining);
        Assert.Equal(80, source.Available(_clock.GetUtcNow()).RequestLimit);
    }

    [Theory]
    [InlineData(9_000, 60)]  // reset longer than the 1.02 s window: the report counts a longer window, not ours
    [InlineData(500, 5)]     // reset within the window: 5 remaining (the refused grant is not counted)
    public void A_report_whose_reset_is_longer_than_the_window_counts_another_window_and_lowers_nothing(int resetMs, long expected)
    {
        // A per-second quantization configured as such, while the provider reports its per-10 s limit and remaining.
        var source = Source(new RateLimitOptions { Requests = 60, Tokens = 6_000, Interval = TimeSpan.FromSeconds(1), Pacing = RateLimitPacing.Burst });
        var grant = source.TryAcquire(1, 100, _clock.GetUtcNow());
        var reset = TimeSpan.FromMilliseconds(resetMs);

        // A 429 with those headers: not one without headers, so not cut by the 429s' learning either.
        source.Observe(grant.GrantId, new RateLimitReport(600, RemainingRequests: 5, reset, 60_000, RemainingTokens: 500, reset), throttled: true, _clock.GetUtcNow());
        var balance = source.Available(_clock.GetUtcNow());

        Assert.Equal(expected, balance.RequestLimit);
        Assert.Equal(expected * 100, balance.TokenLimit);
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

    [Fact]
    public void The_default_burst_is_three_requests_and_their_share_of_tokens_with_no_guarded_second_over_the_per_second_share()
    {
        var limits = new RateLimitOptions { Requests = 600, Tokens = 60_000, Interval = TimeSpan.FromSeconds(10) };

        // The guard is 2 % of the interval: a second's share of the limit counts over 1.02 s.
        Assert.Equal((3L, 300L), (limits.BurstFor(600), limits.TokenBurstFor(60_000)));
        Assert.Equal((60L, 6_000L), (limits.PeriodCapFor(600), limits.PeriodCapFor(60_000)));
        Assert.Equal(TimeSpan.FromMilliseconds(1020), limits.CapPeriod);
        Assert.Equal(TimeSpan.Zero, (limits with { Burst = 3 }).CapPeriod);
    }

    [Theory]
    [InlineData(100)]
    [InlineData(119)]
    [InlineData(150)]
    [InlineData(1_000)]
    public void A_per_minute_limit_whose_second_share_is_not_whole_is_granted_in_full_with_no_second_over_that_share_rounded_up(int perMinute)
    {
        var limits = new RateLimitOptions { Requests = perMinute, Interval = TimeSpan.FromMinutes(1) };
        var source = Source(limits);
        var end = _clock.GetUtcNow() + TimeSpan.FromMinutes(10);
        var grants = new List<(long At, long Tokens)>();
        while (_clock.GetUtcNow() < end)
        {
            var attempt = source.TryAcquire(1, 0, _clock.GetUtcNow());
            if (attempt.Granted) grants.Add((_clock.GetUtcNow().UtcTicks, 0));
            else _clock.SetUtcNow(attempt.RetryAt);
        }

        // The guard's ceiling is 60 s / 61 s of the limit; rounding a second's share down (1 of 1.67 at 100 a minute) had kept it to 59 a minute.
        Assert.InRange(grants.Count / (10.0 * perMinute), 0.95, 1.0);
        Assert.InRange(Busiest(grants, limits.CapPeriod.Ticks).Requests, 1, (perMinute + 59) / 60);
    }

    [Fact]
    public void With_default_pacing_calls_of_mixed_size_fill_the_token_limit_yet_no_second_exceeds_its_share()
    {
        var source = Source(new RateLimitOptions { Requests = 600, Tokens = 60_000, Interval = TimeSpan.FromSeconds(10) });

        var (used, busiestRequests, busiestTokens, _, _) = GrantAsFastAsAllowed(source, TimeSpan.FromMinutes(1));

        // The ceiling is 10 s / 10.2 s of the limit (the guard): 98 %.
        Assert.InRange(used, 0.95, 0.99);
        Assert.InRange(busiestRequests, 1, 60);
        Assert.InRange(busiestTokens, 1, 6_000);
    }

    [Fact]
    public void A_lightly_loaded_endpoint_grants_a_few_calls_at_once_without_a_wait_after_every_quiet_spell()
    {
        var source = Source(new RateLimitOptions { Requests = 600, Tokens = 60_000, Interval = TimeSpan.FromSeconds(10) });

        var atOnce = GrantsNow(source, tokens: 100);
        _clock.Advance(TimeSpan.FromSeconds(1));
        var aSecondLater = GrantsNow(source, tokens: 100);

        Assert.Equal(3, atOnce);
        Assert.Equal(3, aSecondLater);
    }

    [Theory]
    [InlineData(1, 0.80, 0.92)]
    [InlineData(null, 0.93, 0.99)]
    public void Wakes_a_timer_tick_late_cost_a_burst_of_one_request_a_tenth_of_the_tokens_and_the_default_burst_little(int? burst, double least, double most)
    {
        var source = Source(new RateLimitOptions { Requests = 600, Tokens = 60_000, Interval = TimeSpan.FromSeconds(10), Burst = burst });

        var (used, _, _, _, _) = GrantAsFastAsAllowed(source, TimeSpan.FromMinutes(1), lateness: TimeSpan.FromMilliseconds(10));

        Assert.InRange(used, least, most);
    }

    [Theory]
    [InlineData(null)]
    [InlineData(3)]
    public void Wakes_up_to_fifty_ms_late_never_overflow_a_leaky_bucket_of_the_same_rate_with_a_burst_of_five(int? burst)
    {
        var source = Source(new RateLimitOptions { Requests = 600, Tokens = 60_000, Interval = TimeSpan.FromSeconds(10), Burst = burst });

        var late = GrantAsFastAsAllowed(source, TimeSpan.FromMinutes(1), lateness: TimeSpan.FromMilliseconds(50), jitter: new Random(3));

        Assert.Equal(0, late.LeakyRefusals);
        Assert.InRange(late.BusiestWindowTokens, 1, 60_000);
    }

    [Theory]
    // The default, configured with the provider's 10 s: late wakes cost the period cap (it logs the real instants) and a pacer
    // whose bucket was full: 96 % on time, about 94 % here.
    [InlineData(10, null, RateLimitPacing.Smooth, 27, 0.93, 0.95)]
    // The per-second limit configured as such (60 / 6,000 per 1 s): with the default burst (3 requests, 300 tokens) the bucket
    // cannot catch up what the window's late wakes cost; with a third of a second's share at once it can, and grants still go
    // out spread. The ceiling is 1 s / 1.02 s (the guard).
    [InlineData(1, null, RateLimitPacing.Smooth, 27, 0.92, 0.95)]
    [InlineData(1, 20, RateLimitPacing.Smooth, 0, 0.965, 0.99)]
    [InlineData(1, 20, RateLimitPacing.Smooth, 27, 0.95, 0.97)]
    [InlineData(1, null, RateLimitPacing.Burst, 27, 0.95, 0.97)]
    public void Late_wakes_cost_a_share_of_the_token_limit_but_never_put_a_guarded_second_over_its_share(int intervalSeconds, int? burst, RateLimitPacing pacing, int lateMs, double least, double most)
    {
        // The accuracy bench's provider enforces 600 / 60,000 in any 10 s and, quantized, 60 / 6,000 in any second.
        var source = Source(new RateLimitOptions
        {
            Requests = 60 * intervalSeconds, Tokens = 6_000 * intervalSeconds, Interval = TimeSpan.FromSeconds(intervalSeconds), Burst = burst, Pacing = pacing,
        });

        var late = GrantAsFastAsAllowed(source, TimeSpan.FromMinutes(1), lateness: TimeSpan.FromMilliseconds(lateMs), jitter: new Random(3));

        Assert.InRange(late.Used, least, most);
        Assert.InRange(late.BusiestRequests, 1, 60);
        Assert.InRange(late.BusiestTokens, 1, 6_000);
        Assert.InRange(late.BusiestWindowTokens, 1, 60_000);
    }

    /// <summary>
    /// Token-bound calls of 11-300 tokens (seeded), each granted as soon as the source allows, the clock
    /// moved to each refusal's instant plus <paramref name="lateness"/> (a timer that fires late): the share of
    /// the token limit used, the busiest 1.02 s's requests and tokens, the busiest 10 s's tokens, and how
    /// many grants a leaky bucket of the same rate with a burst of 5 requests / 500 tokens (the accuracy
    /// bench's) would have refused. With <paramref name="jitter"/>, each wake is between a fifth of
    /// <paramref name="lateness"/> and all of it late (Akka's 10 ms tick and a busy dispatcher).
    /// </summary>
    private (double Used, int BusiestRequests, long BusiestTokens, long BusiestWindowTokens, int LeakyRefusals) GrantAsFastAsAllowed(
        ICreditSource source, TimeSpan span, TimeSpan lateness = default, Random? jitter = null)
    {
        var random = new Random(7);
        var end = _clock.GetUtcNow() + span;
        var grants = new List<(long At, long Tokens)>();
        var leakyRequests = new Pacer(600, TimeSpan.FromSeconds(10), 5);
        var leakyTokens = new Pacer(60_000, TimeSpan.FromSeconds(10), 500);
        var leakyRefusals = 0;
        var next = NextCall(random);
        while (_clock.GetUtcNow() < end)
        {
            var attempt = source.TryAcquire(1, next, _clock.GetUtcNow());
            if (!attempt.Granted)
            {
                var late = jitter is null ? lateness : lateness * (0.2 + 0.8 * jitter.NextDouble());
                _clock.SetUtcNow(attempt.RetryAt + late);
                continue;
            }

            var now = _clock.GetUtcNow().UtcTicks;
            if (leakyRequests.Wait(1, now) > 0 || leakyTokens.Wait(next, now) > 0) leakyRefusals++;
            else
            {
                leakyRequests.Take(1, now);
                leakyTokens.Take(next, now);
            }

            grants.Add((now, next));
            next = NextCall(random);
        }

        // A second stretched by the guard's share: arrivals that jitter by up to 20 ms still keep to a limit enforced per second.
        var seconds = Busiest(grants, TimeSpan.FromMilliseconds(1020).Ticks);
        var windows = Busiest(grants, TimeSpan.FromSeconds(10).Ticks);
        var used = grants.Sum(g => g.Tokens) / (span / TimeSpan.FromSeconds(10) * 60_000);
        return (used, seconds.Requests, seconds.Tokens, windows.Tokens, leakyRefusals);
    }

    /// <summary>The most grants and tokens in any span of <paramref name="ticks"/> starting at a grant.</summary>
    private static (int Requests, long Tokens) Busiest(List<(long At, long Tokens)> grants, long ticks)
    {
        int requests = 0, last = 0;
        long tokens = 0, sum = 0;
        for (var first = 0; first < grants.Count; first++)
        {
            while (last < grants.Count && grants[last].At < grants[first].At + ticks) sum += grants[last++].Tokens;
            requests = Math.Max(requests, last - first);
            tokens = Math.Max(tokens, sum);
            sum -= grants[first].Tokens;
        }

        return (requests, tokens);
    }

    /// <summary>A call's tokens as the accuracy bench draws them: a prompt of 10-150 and a completion no longer than it.</summary>
    private static long NextCall(Random random)
    {
        var prompt = random.Next(10, 151);
        return prompt + random.Next(1, prompt + 1);
    }
}
