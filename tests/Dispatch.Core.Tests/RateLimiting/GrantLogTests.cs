using Dispatch.Core.RateLimiting;
using Microsoft.Extensions.Time.Testing;

namespace Dispatch.Core.Tests.RateLimiting;

/// <summary>The log that reads a provider's report against our grants, checked against a count that walks every grant.</summary>
public class GrantLogTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(10.2);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void Counts_what_the_provider_counted_as_a_walk_over_every_grant_does_through_grants_refusals_corrections_and_expiries(int seed)
    {
        var random = new Random(seed);
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var log = new GrantLog(Window, Interval);
        var reference = new List<Logged>();
        var compared = 0;

        for (var step = 0; step < 6_000; step++)
        {
            var latest = log.Advance(clock.GetUtcNow());
            var kept = reference.FindAll(grant => grant.Ticks > latest - Window.Ticks);
            // Mostly a kept grant, sometimes any (forgotten ones must be unknown).
            var pick = kept.Count > 0 && random.Next(10) > 0 ? kept[random.Next(kept.Count)].Number
                : reference.Count > 0 ? reference[random.Next(reference.Count)].Number : 0;
            Assert.Equal(kept.Count > 0 ? kept[^1].Number : reference.Count, log.Latest);
            Assert.Equal(kept.Exists(grant => grant.Number == pick), log.Contains(pick));

            switch (random.Next(100))
            {
                case < 50:
                    // A few milliseconds apart on average, a few grants at the same instant, now and then a quiet spell that empties the log.
                    clock.Advance(random.Next(100) == 0 ? TimeSpan.FromSeconds(random.Next(3, 15)) : TimeSpan.FromMilliseconds(random.Next(0, 12)));
                    var ticks = log.Advance(clock.GetUtcNow());
                    var tokens = random.Next(0, 500);
                    var number = log.Append(ticks, innerId: 1_000 + reference.Count, tokens);
                    reference.Add(new Logged(number, ticks, tokens, Refused: false));
                    Assert.Equal(reference.Count, number);
                    break;
                case < 60:
                    log.Refuse(pick);
                    if (kept.Exists(grant => grant.Number == pick)) reference[(int)pick - 1] = reference[(int)pick - 1] with { Refused = true };
                    break;
                case < 75:
                    var used = random.Next(0, 800);
                    var known = kept.Exists(grant => grant.Number == pick);
                    Assert.Equal(known ? 1_000 + pick - 1 : 0, log.Correct(pick, used));
                    if (known) reference[(int)pick - 1] = reference[(int)pick - 1] with { Tokens = used };
                    break;
                default:
                    if (!log.Contains(pick)) break;
                    Assert.Equal(Walk(kept, pick), log.CountedFor(pick));
                    compared++;
                    break;
            }
        }

        Assert.True(compared > 1_000, $"only {compared} counts compared");
        Assert.True(reference.Count > 2_500, $"only {reference.Count} grants made");
    }

    [Fact]
    public void A_report_for_a_grant_counts_its_interval_up_to_it_and_at_most_also_the_guard_before_and_every_later_grant()
    {
        var log = new GrantLog(Window, Interval);
        var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).UtcTicks;
        long Grant(double seconds, long tokens) => log.Append(log.Advance(new DateTimeOffset(start + TimeSpan.FromSeconds(seconds).Ticks, TimeSpan.Zero)), 0, tokens);
        Grant(0, 1);        // in the guard's stretch before the reported grant's interval
        Grant(0.5, 10);     // in its interval
        var refused = Grant(1, 100);
        var reported = Grant(10.1, 1_000);
        Grant(10.15, 10_000); // later: may have reached the provider first
        log.Refuse(refused);

        var counted = log.CountedFor(reported);

        Assert.Equal(new GrantCounts(Requests: 2, Tokens: 1_010, MostRequests: 4, MostTokens: 11_011), counted);
    }

    /// <summary>The count as its definition says, over every kept grant.</summary>
    private static GrantCounts Walk(List<Logged> kept, long number)
    {
        var at = kept.Find(grant => grant.Number == number).Ticks;
        var counted = kept.FindAll(grant => !grant.Refused && grant.Number <= number && grant.Ticks > at - Interval.Ticks);
        var most = kept.FindAll(grant => !grant.Refused && grant.Ticks > at - Window.Ticks);
        return new GrantCounts(counted.Count, counted.Sum(grant => grant.Tokens), most.Count, most.Sum(grant => grant.Tokens));
    }

    private readonly record struct Logged(long Number, long Ticks, long Tokens, bool Refused);
}
