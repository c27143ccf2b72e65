using Dispatch.Cluster.Leasing;
using Dispatch.Cluster.Protocol;
using Dispatch.Core.RateLimiting;
using Microsoft.Extensions.Time.Testing;

namespace Dispatch.Cluster.Tests.Leasing;

/// <summary>A node turns the provider's answers into few reports for the owner: what may lower its limit at once, the rest at most once per window.</summary>
public class ObservationsTests
{
    private const string Api = "api";
    private static readonly TimeSpan Every = TimeSpan.FromMilliseconds(100);
    private static readonly RateLimitOptions Limits = new() { Requests = 200, Interval = TimeSpan.FromSeconds(2), Guard = TimeSpan.FromMilliseconds(40) };
    private static readonly (long Owner, long Lease, long Tokens) Grant = (7, 3, 10);

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    private DateTimeOffset Now => _time.GetUtcNow();

    private static RateLimitReport Reading(long? limit, long? remaining) => new(limit, remaining, TimeSpan.FromSeconds(1.5), null, null, null);

    [Fact]
    public void A_busy_node_reports_a_reading_once_and_then_at_most_once_per_window()
    {
        var observations = new Observations(Limits, Every);
        var reports = new List<LimitObserved>();

        for (var i = 0; i < 400; i++)
        {
            if (observations.Record(Reading(200, 150), throttled: false, Grant, Now) && observations.Take(Api, Now) is { } report) reports.Add(report);
            _time.Advance(TimeSpan.FromMilliseconds(10));
        }

        // 4 s of answers: the first one, then one a window (2.04 s) later.
        Assert.Equal(2, reports.Count);
        Assert.All(reports, r => Assert.Equal(150, r.RemainingRequests));
    }

    [Fact]
    public void A_reported_limit_below_the_one_in_force_goes_at_once_after_the_span()
    {
        var observations = new Observations(Limits, Every);
        observations.Record(Reading(200, 150), false, Grant, Now);
        observations.Take(Api, Now);

        _time.Advance(Every / 2);
        var tooSoon = observations.Record(Reading(100, 50), false, Grant, Now);
        _time.Advance(Every / 2);
        var due = observations.IsDue(Now);
        var report = observations.Take(Api, Now);

        Assert.False(tooSoon);
        Assert.True(due);
        Assert.Equal(100, report!.RequestLimit);
    }

    [Fact]
    public void A_limit_the_owner_already_grants_from_is_not_news()
    {
        var observations = new Observations(Limits, Every);
        observations.Record(Reading(100, 50), false, Grant, Now);
        observations.Take(Api, Now);
        observations.InForce(100, null);

        _time.Advance(Every * 3);
        var due = observations.Record(Reading(100, 40), false, Grant, Now);

        Assert.False(due);
        Assert.Equal(100, observations.RequestsInForce);
    }

    [Fact]
    public void A_429_without_headers_names_the_newest_lease_and_goes_at_once()
    {
        var observations = new Observations(Limits, Every);

        var first = observations.Record(default, throttled: true, (7, 3, 1), Now);
        var second = observations.Record(default, throttled: true, (7, 5, 1), Now);
        var report = observations.Take(Api, Now);

        Assert.True(first);
        Assert.True(second);
        Assert.Equal(new LeaseNumber(7, 5), report!.Throttled);
        Assert.False(report.HasReading);
    }

    [Fact]
    public void Figures_that_count_a_longer_window_are_not_news_and_their_429s_are_not_429s_without_headers()
    {
        var observations = new Observations(Limits, Every);
        // A per-minute limit's headers while its share per 2 s is configured.
        var perMinute = new RateLimitReport(600, 0, TimeSpan.FromSeconds(40), null, null, null);

        var answered = observations.Record(perMinute, throttled: false, Grant, Now);
        var throttled = observations.Record(perMinute, throttled: true, Grant, Now);

        Assert.False(answered);
        Assert.False(throttled);
        Assert.Null(observations.Take(Api, Now));
    }

    [Fact]
    public void A_reading_carries_the_calls_answered_in_the_interval_before_it_and_its_reset_less_its_age()
    {
        var observations = new Observations(Limits, TimeSpan.FromSeconds(5));
        observations.Take(Api, Now);
        for (var i = 0; i < 30; i++)
        {
            observations.Record(default, throttled: false, Grant, Now);
            _time.Advance(TimeSpan.FromMilliseconds(100));
        }

        // At 3 s the provider's interval less the guard is (1.04 s, 3 s]: the 11 answers up to 1 s are not counted; a 429 counts nothing.
        observations.Record(default, throttled: true, Grant, Now);
        observations.Record(Reading(null, 80), throttled: false, Grant, Now);
        _time.Advance(TimeSpan.FromSeconds(5));
        var report = observations.Take(Api, Now);

        Assert.Equal(20, report!.CountedRequests);
        Assert.Equal(200, report.CountedTokens);
        // The last half of the interval, (2 s, 3 s]: the answers at 2.1 s to 2.9 s and the reading's own.
        Assert.Equal(10, report.RecentRequests);
        Assert.Equal(100, report.RecentTokens);
        Assert.Equal(TimeSpan.Zero, report.ResetRequests);
        Assert.Equal(31, report.Successes);
    }

    [Fact]
    public void Successes_alone_are_news_only_while_the_owner_grants_from_a_lowered_limit()
    {
        var observations = new Observations(Limits, Every);

        var atConfigured = observations.Record(default, throttled: false, Grant, Now);
        observations.InForce(120, null);
        var lowered = observations.Record(default, throttled: false, Grant, Now);
        var report = observations.Take(Api, Now);

        Assert.False(atConfigured);
        Assert.True(lowered);
        Assert.Equal(2, report!.Successes);
    }

    [Fact]
    public void Nothing_is_learned_from_headers_or_429s_when_learning_is_off()
    {
        var observations = new Observations(Limits with { LearnFromHeaders = false, LearnFrom429s = false }, Every);

        var reading = observations.Record(Reading(50, 10), throttled: false, Grant, Now);
        var throttled = observations.Record(default, throttled: true, Grant, Now);

        Assert.False(reading);
        Assert.False(throttled);
        Assert.Null(observations.Take(Api, Now));
    }
}
