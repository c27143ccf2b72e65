using Dispatch.Cluster.Leasing;
using Dispatch.Cluster.Protocol;
using Dispatch.Core.RateLimiting;

namespace Dispatch.Cluster.Tests.Leasing;

/// <summary>A node's pacing of its lease spending, on virtual time (ticks passed in).</summary>
public class LeasePacerTests
{
    // An explicit burst: no per-second cap, so only the lease's rate and burst are at work.
    private static readonly RateLimitOptions Limits = new() { Requests = 120, Interval = TimeSpan.FromSeconds(1), Guard = TimeSpan.Zero, Burst = 3 };
    private static readonly TimeSpan Span = TimeSpan.FromMilliseconds(50);
    private static readonly long Start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).UtcTicks;

    [Fact]
    public void Before_the_first_paced_lease_nothing_is_held_back_and_the_whole_rate_is_asked_for()
    {
        var pacer = new LeasePacer(Limits, Span);

        Assert.Equal(0, pacer.Wait(1, 0, Start));
        Assert.Equal(0, pacer.Wanted(Start));
    }

    [Fact]
    public void A_lease_is_spent_no_faster_than_its_rate_after_its_burst()
    {
        var pacer = new LeasePacer(Limits, Span);
        pacer.Apply(new LeasePace(40, 0, 2, 1));

        var granted = GrantTimes(pacer, Start, TimeSpan.FromSeconds(1)).Count;

        // 2 at once, then one every 25 ms: 40 more by the end of the second (the last exactly at it, outside).
        Assert.Equal(2 + 39, granted);
    }

    [Fact]
    public void A_new_lease_changes_the_rate_without_giving_a_second_burst()
    {
        var pacer = new LeasePacer(Limits, Span);
        pacer.Apply(new LeasePace(40, 0, 2, 1));
        GrantTimes(pacer, Start, TimeSpan.FromMilliseconds(1));

        pacer.Apply(new LeasePace(80, 0, 2, 1));
        var wait = pacer.Wait(1, 0, Start);

        // The two grants hold the bucket for 2 × 25 ms at the old rate; at the new one the next fits once that is 12.5 ms from full.
        Assert.Equal(TimeSpan.FromMilliseconds(37.5).Ticks, wait);
    }

    [Fact]
    public void A_node_keeps_to_the_per_second_cap_it_was_given_rather_than_its_rate_s_own()
    {
        // The default burst: standalone's per-second cap, counted over 1.02 s at the default guard.
        var limits = new RateLimitOptions { Requests = 600, Interval = TimeSpan.FromSeconds(10) };
        var pacer = new LeasePacer(limits, Span);
        // 233 per window is 23.3 in a cap period: its own ceiling would be 24; the owner gave it 23.
        pacer.Apply(new LeasePace(233, 0, 1, 1, 23, 0));

        var grants = GrantTimes(pacer, Start, TimeSpan.FromSeconds(5));
        // The cap period at the default guard: 1.02 s.
        var busiest = grants.Max(t => grants.Count(u => u <= t && u > t - TimeSpan.FromMilliseconds(1020).Ticks));

        Assert.Equal(23, busiest);
    }

    [Fact]
    public void A_lower_cap_from_a_cut_holds_from_its_arrival_and_the_grants_already_made_still_count()
    {
        var limits = new RateLimitOptions { Requests = 600, Interval = TimeSpan.FromSeconds(10) };
        var pacer = new LeasePacer(limits, Span);
        pacer.Apply(new LeasePace(600, 0, 30, 1, 60, 0));
        var before = GrantTimes(pacer, Start, TimeSpan.FromMilliseconds(1)).Count;

        pacer.Apply(new LeasePace(300, 0, 30, 1, 30, 0));
        var wait = pacer.Wait(1, 0, Start);

        // The burst of 30 went at once; at the lower cap of 30 the next fits once they have left the cap period.
        Assert.Equal(30, before);
        Assert.Equal(TimeSpan.FromMilliseconds(1020).Ticks, wait);
    }

    [Fact]
    public void Tokens_are_paced_at_the_lease_s_token_rate()
    {
        var limits = Limits with { Tokens = 12_000 };
        var pacer = new LeasePacer(limits, Span);
        pacer.Apply(new LeasePace(120, 1_000, 3, 100));

        pacer.Take(1, 100, Start);
        var wait = pacer.Wait(1, 100, Start);

        // 100 tokens take 100 ms at 1,000 a second.
        Assert.Equal(TimeSpan.FromMilliseconds(100).Ticks, wait);
    }

    [Fact]
    public void A_node_its_pacer_held_back_asks_for_four_times_its_rate()
    {
        var pacer = new LeasePacer(Limits, Span);
        pacer.Apply(new LeasePace(40, 0, 1, 1));
        pacer.Wanted(Start);
        pacer.Take(1, 0, Start);

        Assert.True(pacer.Wait(1, 0, Start) > 0);
        Assert.Equal(160, pacer.Wanted(Start + Span.Ticks));
    }

    [Fact]
    public void A_node_its_pacer_did_not_hold_back_asks_for_twice_what_it_spent()
    {
        var pacer = new LeasePacer(Limits, Span);
        pacer.Apply(new LeasePace(40, 0, 1, 1));
        pacer.Wanted(Start);
        var granted = GrantTimes(pacer, Start, TimeSpan.FromMilliseconds(100), every: TimeSpan.FromMilliseconds(50)).Count;

        var wanted = pacer.Wanted(Start + TimeSpan.FromMilliseconds(100).Ticks);

        // Two calls in 100 ms is 20 a second: twice that is 40 per window.
        Assert.Equal(2, granted);
        Assert.Equal(40, wanted);
    }

    [Fact]
    public void A_node_whose_lease_was_spent_before_its_deadline_asks_for_four_times_its_rate_and_one_whose_lease_ran_out_of_time_for_twice_what_it_spent()
    {
        var now = new DateTimeOffset(Start, TimeSpan.Zero);
        var spent = new ClusterCreditSource("api", Limits, 4, 100, TimeSpan.FromSeconds(1), Span);
        var expired = new ClusterCreditSource("api", Limits, 4, 100, TimeSpan.FromSeconds(1), Span);
        // The owner's full window granted one credit; the other lease holds two, and its second is not asked for in time.
        spent.AddLease(new LeaseGranted("api", 1, 1, 1, 1, 0, TimeSpan.Zero, Span, new LeasePace(40, 0, 1, 1)), now + Span, now);
        expired.AddLease(new LeaseGranted("api", 1, 1, 1, 2, 0, TimeSpan.Zero, Span, new LeasePace(40, 0, 1, 1)), now + Span, now);

        Assert.True(spent.TryAcquire(1, 0, now).Granted);
        Assert.True(expired.TryAcquire(1, 0, now).Granted);
        // The next call finds no lease that can serve it: the first node's lease ran out of credits, the second's of time.
        Assert.False(spent.TryAcquire(1, 0, now + TimeSpan.FromMilliseconds(1)).Granted);
        Assert.False(expired.TryAcquire(1, 0, now + Span).Granted);

        // One call in a span is 20 a second, twice that 40; but the first node's calls wanted more than its lease held.
        Assert.Equal(160, spent.WantedPace(now + Span));
        Assert.Equal(40, expired.WantedPace(now + Span));
    }

    [Fact]
    public void The_credit_source_spends_a_paced_lease_no_faster_than_its_rate_and_an_unpaced_one_at_once()
    {
        var now = new DateTimeOffset(Start, TimeSpan.Zero);
        var paced = new ClusterCreditSource("api", Limits, 4, 100, TimeSpan.FromSeconds(1), Span);
        var unpaced = new ClusterCreditSource("api", Limits with { Pacing = RateLimitPacing.Burst }, 4, 100, TimeSpan.FromSeconds(1), Span);
        paced.AddLease(new LeaseGranted("api", 1, 1, 1, 10, 0, TimeSpan.Zero, Span, new LeasePace(40, 0, 1, 1)), now + Span, now);
        unpaced.AddLease(new LeaseGranted("api", 1, 1, 1, 10, 0, TimeSpan.Zero, Span), now + Span, now);

        var first = paced.TryAcquire(1, 0, now);
        var second = paced.TryAcquire(1, 0, now);
        var unpacedGrants = Enumerable.Range(0, 10).Count(_ => unpaced.TryAcquire(1, 0, now).Granted);

        Assert.True(first.Granted);
        Assert.False(second.Granted);
        Assert.Equal(now + TimeSpan.FromMilliseconds(25), second.RetryAt);
        Assert.Equal(10, unpacedGrants);
    }

    [Fact]
    public void After_its_leases_went_back_for_want_of_calls_a_node_asks_for_the_whole_rate_again()
    {
        var pacer = new LeasePacer(Limits, Span);
        pacer.Apply(new LeasePace(40, 0, 1, 1));
        pacer.Wanted(Start);
        pacer.Take(1, 0, Start);

        pacer.Idle();
        var afterIdle = pacer.Wanted(Start + TimeSpan.FromSeconds(5).Ticks);
        var next = pacer.Wanted(Start + TimeSpan.FromSeconds(5).Ticks + Span.Ticks);

        // Measured over the idle spell, one call in 5 s would have asked for next to nothing.
        Assert.Equal(0, afterIdle);
        Assert.Equal(1, next);
    }

    [Fact]
    public void A_node_with_no_call_asking_for_credits_gives_its_paced_lease_back_and_keeps_it_while_calls_ask()
    {
        var now = new DateTimeOffset(Start, TimeSpan.Zero);
        var source = new ClusterCreditSource("api", Limits, 4, 100, TimeSpan.FromSeconds(1), Span);
        source.AddLease(new LeaseGranted("api", 1, 1, 1, 10, 0, TimeSpan.Zero, Span * 4, new LeasePace(40, 0, 1, 1), new LeasePace(40, 0, 2, 1)), now + Span * 4, now);
        Assert.True(source.TryAcquire(1, 0, now).Granted);

        var busy = source.RetireIfIdle(now + Span / 2, out var retiredWhileBusy);
        // Held back by its pace at Span / 2: a call waits, so the node is not idle however long it waits.
        Assert.True(source.TryAcquire(1, 0, now + Span / 2).Granted && !source.TryAcquire(1, 0, now + Span / 2).Granted);
        source.RetireIfIdle(now + Span * 2, out var retiredWhileHeld);
        Assert.True(source.TryAcquire(1, 0, now + Span * 2).Granted);
        var idle = source.RetireIfIdle(now + Span * 3, out var retiredIdle);

        Assert.Equal(now + Span, busy);
        Assert.False(retiredWhileBusy);
        Assert.False(retiredWhileHeld);
        Assert.True(retiredIdle);
        Assert.Null(idle);
        Assert.True(source.HasUrgentReturns);
        Assert.Equal([new LeaseReturn(1, 1, 3, 0)], source.TakeReturns());
    }

    /// <summary>
    /// The instants (ticks) of the grants of one request whenever it fits (or, given <paramref name="every"/>, tried only that
    /// often) from <paramref name="from"/> until <paramref name="within"/> later.
    /// </summary>
    private static List<long> GrantTimes(LeasePacer pacer, long from, TimeSpan within, TimeSpan? every = null)
    {
        var times = new List<long>();
        for (var ticks = from; ticks < from + within.Ticks;)
        {
            var wait = pacer.Wait(1, 0, ticks);
            if (wait == 0)
            {
                pacer.Take(1, 0, ticks);
                times.Add(ticks);
            }

            ticks += every?.Ticks ?? Math.Max(wait, 1);
        }

        return times;
    }
}
