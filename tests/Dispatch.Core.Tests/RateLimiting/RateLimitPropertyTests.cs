using Dispatch.Core.RateLimiting;

namespace Dispatch.Core.Tests.RateLimiting;

/// <summary>
/// Drives the controller the way the actor will (request, then grant until refused, then sleep
/// until the wake time) under seeded random demand, and checks every grant with a brute-force
/// checker that shares no code with the ledger.
/// </summary>
public class RateLimitPropertyTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    private sealed record Grant(int Id, DateTimeOffset At, long Tokens);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void RateLimiter_never_grants_more_than_the_limit_in_any_window(int seed)
    {
        var run = Simulate(seed, requests: 50, tokens: 2_000, maxTokensPerCall: 120, saturating: false, intervals: 60);

        AssertNoWindowOverLimits(run.Grants, requests: 50, tokens: 2_000);
    }

    [Theory]
    [InlineData(4)]
    [InlineData(5)]
    public void RateLimiter_grants_in_arrival_order(int seed)
    {
        var run = Simulate(seed, requests: 50, tokens: 2_000, maxTokensPerCall: 400, saturating: true, intervals: 30);

        Assert.Equal(Enumerable.Range(0, run.Grants.Count), run.Grants.Select(g => g.Id));
    }

    [Theory]
    [InlineData(6, 40, null)]
    [InlineData(7, 1_000, 3_000L)]
    public void RateLimiter_uses_at_least_95_percent_of_the_limit_under_saturating_demand(int seed, int requests, long? tokens)
    {
        const int intervals = 100;

        var run = Simulate(seed, requests, tokens, maxTokensPerCall: 60, saturating: true, intervals: intervals);

        AssertNoWindowOverLimits(run.Grants, requests, tokens);
        var requestUse = run.Grants.Count / (double)(requests * intervals);
        var tokenUse = tokens is { } t ? run.Grants.Sum(g => g.Tokens) / (double)(t * intervals) : 0;
        Assert.True(Math.Max(requestUse, tokenUse) >= 0.95, $"utilisation was requests {requestUse:P1}, tokens {tokenUse:P1}");
    }

    [Theory]
    [InlineData(8)]
    [InlineData(9)]
    public void RateLimiter_with_refunds_never_charges_more_than_the_token_limit_in_any_window(int seed)
    {
        var random = new Random(seed);
        var limiter = new RateLimitController<int>(new RateLimitOptions { Requests = null, Tokens = 1_000, Interval = Interval });
        var charged = new List<Grant>();
        var now = T0;
        var end = T0 + 50 * Interval;
        var nextId = 0;

        void Record(CreditGrant<int> grant)
        {
            // The upstream reports the real usage at once; it is never more than the estimate here.
            var actual = random.NextInt64(0, grant.Tokens + 1);
            limiter.Reconcile(grant.GrantId, actual, now);
            charged.Add(new Grant(grant.State, grant.GrantedAt, actual));
        }

        while (now < end)
        {
            while (limiter.Waiting < 20)
            {
                var id = nextId++;
                var result = limiter.Request(id.ToString(), id, random.Next(1, 200), now);
                if (result.Status == CreditRequestStatus.Granted) Record(result.Grant);
            }

            while (limiter.TryGrantNext(now, out var grant)) Record(grant);
            now = limiter.WakeAt ?? now + TimeSpan.FromMilliseconds(random.Next(1, 500));
        }

        AssertNoWindowOverLimits(charged, requests: null, tokens: 1_000);
    }

    [Fact]
    public void The_window_checker_catches_one_grant_too_many()
    {
        // Three grants within one interval against a limit of two, spread so that no fixed
        // one-interval bucket holds more than two: only a sliding check sees it.
        var grants = new List<Grant>
        {
            new(0, T0.AddSeconds(9), 1),
            new(1, T0.AddSeconds(11), 1),
            new(2, T0.AddSeconds(18), 1),
        };

        Assert.ThrowsAny<Exception>(() => AssertNoWindowOverLimits(grants, requests: 2, tokens: null));
    }

    private sealed record Run(List<Grant> Grants);

    private static Run Simulate(int seed, int? requests, long? tokens, int maxTokensPerCall, bool saturating, int intervals)
    {
        var random = new Random(seed);
        var limiter = new RateLimitController<int>(new RateLimitOptions { Requests = requests, Tokens = tokens, Interval = Interval });
        var grants = new List<Grant>();
        var now = T0;
        var end = T0 + intervals * Interval;
        var nextArrival = T0;
        var nextId = 0;

        while (now < end)
        {
            // Saturating demand keeps a backlog in line at all times; otherwise arrivals are
            // random, in bursts and lulls, averaging a little above the request limit.
            while (saturating ? limiter.Waiting < 50 : nextArrival <= now)
            {
                var id = nextId++;
                var result = limiter.Request(id.ToString(), id, random.Next(0, maxTokensPerCall + 1), now);
                Assert.NotEqual(CreditRequestStatus.Rejected, result.Status);
                if (result.Status == CreditRequestStatus.Granted) grants.Add(new Grant(id, now, result.Grant.Tokens));
                var meanGap = Interval.Ticks / (requests ?? 100) * 0.9;
                nextArrival = now + TimeSpan.FromTicks((long)(meanGap * 2 * random.NextDouble() * (random.Next(10) == 0 ? 10 : 1)));
            }

            while (limiter.TryGrantNext(now, out var grant)) grants.Add(new Grant(grant.State, now, grant.Tokens));

            // An empty line has no wake time: saturating demand refills it at once, random
            // demand waits for its next arrival.
            if (limiter.WakeAt is not { } wake)
            {
                if (!saturating) now = nextArrival;
                continue;
            }

            Assert.True(wake > now && wake < DateTimeOffset.MaxValue, "the limiter stopped granting to a line it could serve");
            now = saturating || wake < nextArrival ? wake : nextArrival;
        }

        return new Run(grants.Where(g => g.At < end).ToList());
    }

    /// <summary>
    /// Every window (s − interval, s] that could hold a maximum ends at a grant, so each grant
    /// is taken as a window's end and the grants inside are summed, with two pointers over the
    /// grants in time order.
    /// </summary>
    private static void AssertNoWindowOverLimits(List<Grant> grants, int? requests, long? tokens)
    {
        Assert.NotEmpty(grants);
        var byTime = grants.OrderBy(g => g.At).ToList();
        var first = 0;
        long tokensInWindow = 0;
        for (var last = 0; last < byTime.Count; last++)
        {
            tokensInWindow += byTime[last].Tokens;
            while (byTime[first].At <= byTime[last].At - Interval) tokensInWindow -= byTime[first++].Tokens;

            var count = last - first + 1;
            if (requests is { } r) Assert.True(count <= r, $"{count} requests in the window ending {byTime[last].At:O}");
            if (tokens is { } t) Assert.True(tokensInWindow <= t, $"{tokensInWindow} tokens in the window ending {byTime[last].At:O}");
        }
    }
}
