using Dispatch.Core.RateLimiting;
using Microsoft.Extensions.Time.Testing;

namespace Dispatch.Core.Tests.RateLimiting;

/// <summary>The pacing arithmetic on virtual time: a FakeTimeProvider's clock, moved by the test.</summary>
public class PacerTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    private long Now => _clock.GetUtcNow().UtcTicks;

    /// <summary>Grants one credit every time the pacer allows it, for <paramref name="span"/>, stepping the clock to each allowed instant.</summary>
    private List<long> GrantAsFastAsAllowed(Pacer pacer, TimeSpan span, long cost = 1)
    {
        var grants = new List<long>();
        var end = Now + span.Ticks;
        while (true)
        {
            var wait = pacer.Wait(cost, Now);
            if (Now + wait >= end) return grants;
            _clock.Advance(TimeSpan.FromTicks(wait));
            pacer.Take(cost, Now);
            grants.Add(Now);
        }
    }

    /// <summary>Waits as long as the pacer says, takes <paramref name="cost"/>, and returns the wait.</summary>
    private long WaitThenTake(Pacer pacer, long cost)
    {
        var wait = pacer.Wait(cost, Now);
        _clock.Advance(TimeSpan.FromTicks(wait));
        pacer.Take(cost, Now);
        return wait;
    }

    [Fact]
    public void A_full_bucket_lets_the_burst_go_at_once_and_then_one_credit_per_emission_interval()
    {
        var pacer = new Pacer(limit: 10, TimeSpan.FromSeconds(10), burst: 3);

        var grants = GrantAsFastAsAllowed(pacer, TimeSpan.FromSeconds(5));

        var start = grants[0];
        Assert.Equal([0, 0, 0, 1, 2, 3, 4], grants.Select(t => (t - start) / TimeSpan.TicksPerSecond));
    }

    [Fact]
    public void A_wait_is_rounded_up_to_the_tick_so_grants_never_come_faster_than_the_rate()
    {
        // 3 per 10 ticks: an emission interval of 3⅓ ticks becomes 4, and one tick less never fits.
        var pacer = new Pacer(limit: 3, TimeSpan.FromTicks(10), burst: 1);
        pacer.Take(1, Now);

        var waits = new List<long>();
        for (var i = 0; i < 3; i++)
        {
            var wait = pacer.Wait(1, Now);
            Assert.NotEqual(0, pacer.Wait(1, Now + wait - 1));
            _clock.Advance(TimeSpan.FromTicks(wait));
            pacer.Take(1, Now);
            waits.Add(wait);
        }

        Assert.Equal([4, 4, 4], waits);
    }

    [Fact]
    public void In_any_window_paced_grants_never_exceed_the_burst_plus_the_window_at_the_paced_rate()
    {
        var pacer = new Pacer(limit: 600, TimeSpan.FromSeconds(60), burst: 4);

        var grants = GrantAsFastAsAllowed(pacer, TimeSpan.FromSeconds(30));

        var second = TimeSpan.TicksPerSecond;
        var worst = grants.Max(t => grants.Count(g => g >= t && g < t + second));
        Assert.Equal(4 - 1 + 10, worst);
        Assert.InRange(grants.Count, 300, 304);
    }

    [Fact]
    public void A_cost_larger_than_the_burst_waits_for_a_full_bucket_and_then_holds_later_grants_back_by_its_cost()
    {
        var pacer = new Pacer(limit: 1000, TimeSpan.FromSeconds(10), burst: 100);
        pacer.Take(50, Now);

        var bigWait = WaitThenTake(pacer, 400);
        var nextWait = pacer.Wait(100, Now);

        Assert.Equal(TimeSpan.FromMilliseconds(500).Ticks, bigWait);
        Assert.Equal(TimeSpan.FromSeconds(4).Ticks, nextWait);
    }

    [Fact]
    public void A_lower_limit_spaces_later_grants_further_apart_while_earlier_grants_keep_their_spacing()
    {
        var pacer = new Pacer(limit: 10, TimeSpan.FromSeconds(10), burst: 1);
        pacer.Take(1, Now);

        pacer.SetLimit(5, burst: 1);
        var first = WaitThenTake(pacer, 1);
        var second = pacer.Wait(1, Now);

        Assert.Equal(TimeSpan.FromSeconds(1).Ticks, first);
        Assert.Equal(TimeSpan.FromSeconds(2).Ticks, second);
    }

    [Theory]
    [InlineData(0, 60)]   // without the allowance every late wake pushes the schedule back: 60 of 100
    [InlineData(10, 99)]  // with it, wakes up to 10 ms late cost nothing: the first at 6⅔ ms, then one per 10 ms
    public void Wakes_that_come_late_lose_no_credits_within_the_lateness_allowed(int latenessMs, int expected)
    {
        // 100 a second, a burst of 1, and every grant made 6⅔ ms after the pacer allowed it (a 10 ms timer tick's lateness).
        var pacer = new Pacer(limit: 100, TimeSpan.FromSeconds(1), burst: 1, TimeSpan.FromMilliseconds(latenessMs));
        var late = TimeSpan.FromTicks(TimeSpan.TicksPerMillisecond * 20 / 3);
        var end = Now + TimeSpan.TicksPerSecond;
        var granted = 0;
        while (true)
        {
            _clock.Advance(TimeSpan.FromTicks(pacer.Wait(1, Now)) + late);
            if (Now >= end) break;
            pacer.Take(1, Now);
            granted++;
        }

        Assert.Equal(expected, granted);
    }

    [Fact]
    public void The_lateness_allowed_adds_nothing_to_grants_made_on_time_or_after_an_idle_spell()
    {
        var pacer = new Pacer(limit: 100, TimeSpan.FromSeconds(1), burst: 1, TimeSpan.FromMilliseconds(50));

        var grants = GrantAsFastAsAllowed(pacer, TimeSpan.FromSeconds(1));
        _clock.Advance(TimeSpan.FromSeconds(5));
        var afterIdle = GrantAsFastAsAllowed(pacer, TimeSpan.FromSeconds(1));

        Assert.Equal(100, grants.Count);
        Assert.Equal(100, afterIdle.Count);
        Assert.All(grants.Zip(grants.Skip(1)), pair => Assert.Equal(TimeSpan.TicksPerMillisecond * 10, pair.Second - pair.First));
        Assert.Equal(TimeSpan.TicksPerMillisecond * 10, afterIdle[1] - afterIdle[0]);
    }

    [Theory]
    [InlineData(6, 4)]   // 11 ms late, at most twice 6 ms: 6 ms are not charged, the next is due 4 ms on
    [InlineData(5, 10)]  // 11 ms late, more than twice 5 ms: charged from when it is made
    public void A_grant_later_than_the_lateness_allowed_is_charged_all_but_that_lateness_up_to_twice_as_late(int latenessMs, int nextWaitMs)
    {
        // One every 10 ms; a grant due at 10 ms comes 11 ms late.
        var pacer = new Pacer(limit: 100, TimeSpan.FromSeconds(1), burst: 1, TimeSpan.FromMilliseconds(latenessMs));
        pacer.Take(1, Now);
        _clock.Advance(TimeSpan.FromTicks(pacer.Wait(1, Now)) + TimeSpan.FromMilliseconds(11));
        pacer.Take(1, Now);

        Assert.Equal(TimeSpan.FromMilliseconds(nextWaitMs).Ticks, pacer.Wait(1, Now));
    }

    [Fact]
    public void A_period_cap_keeps_every_period_within_it_while_the_bucket_lets_its_burst_go_at_once()
    {
        // 10 a second paced, a burst of 5, at most 10 in any second.
        var pacer = new Pacer(limit: 100, TimeSpan.FromSeconds(10), burst: 5, period: TimeSpan.FromSeconds(1), periodCap: 10);

        var grants = GrantAsFastAsAllowed(pacer, TimeSpan.FromSeconds(30));

        var second = TimeSpan.TicksPerSecond;
        Assert.Equal(5, grants.Count(t => t == grants[0]));
        Assert.Equal(10, grants.Max(t => grants.Count(g => g >= t && g < t + second)));
        Assert.InRange(grants.Count, 300, 305);
    }

    [Fact]
    public void A_refusal_by_the_period_cap_names_the_instant_the_oldest_grant_leaves_the_period()
    {
        var pacer = new Pacer(limit: 1_000, TimeSpan.FromSeconds(1), burst: 10, period: TimeSpan.FromSeconds(1), periodCap: 3);
        pacer.Take(1, Now);
        _clock.Advance(TimeSpan.FromMilliseconds(100));
        pacer.Take(1, Now);
        pacer.Take(1, Now);

        var wait = pacer.Wait(1, Now);

        Assert.Equal(TimeSpan.FromMilliseconds(900).Ticks, wait);
        Assert.NotEqual(0, pacer.Wait(1, Now + wait - 1));
        Assert.Equal(0, pacer.Wait(1, Now + wait));
    }

    [Fact]
    public void A_cost_larger_than_the_period_cap_fits_a_period_with_nothing_else_in_it()
    {
        var pacer = new Pacer(limit: 1_000, TimeSpan.FromSeconds(1), burst: 1_000, period: TimeSpan.FromSeconds(1), periodCap: 100);
        pacer.Take(10, Now);

        var wait = pacer.Wait(150, Now);

        Assert.Equal(TimeSpan.TicksPerSecond, wait);
    }

    [Fact]
    public void A_lower_period_cap_counts_the_grants_already_made()
    {
        var pacer = new Pacer(limit: 1_000, TimeSpan.FromSeconds(1), burst: 10, period: TimeSpan.FromSeconds(1), periodCap: 5);
        pacer.Take(1, Now);
        pacer.Take(1, Now);

        pacer.SetLimit(1_000, burst: 10, periodCap: 2);

        Assert.Equal(2, pacer.CapPerPeriod);
        Assert.Equal(TimeSpan.TicksPerSecond, pacer.Wait(1, Now));
    }
}
