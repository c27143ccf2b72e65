using Dispatch.Cluster.Budget;
using Dispatch.Core.RateLimiting;

namespace Dispatch.Cluster.Tests.Budget;

/// <summary>The rate limit's guard in cluster mode: a grant counts for the interval plus the guard, as in standalone mode.</summary>
[Collection(RedisCollection.Name)]
public sealed class ClusterGuardTests(RedisServerFixture redis)
{
    [Fact]
    public void The_budget_window_of_a_rate_limit_is_its_interval_plus_its_guard()
    {
        var configured = ClusterCreditSource.LimitsFor(new RateLimitOptions { Requests = 5, Interval = TimeSpan.FromSeconds(10), Guard = TimeSpan.FromSeconds(2) });
        var defaulted = ClusterCreditSource.LimitsFor(new RateLimitOptions { Requests = 5, Interval = TimeSpan.FromSeconds(10) });

        Assert.Equal(TimeSpan.FromSeconds(12), configured.Interval);
        // The default guard is 2 % of the interval, at most 1 second.
        Assert.Equal(TimeSpan.FromSeconds(10.2), defaulted.Interval);
    }

    [Fact]
    public async Task A_grant_still_counts_half_a_guard_after_its_interval_has_passed()
    {
        var interval = TimeSpan.FromSeconds(1);
        var guard = TimeSpan.FromMilliseconds(600);
        var limits = ClusterCreditSource.LimitsFor(new RateLimitOptions { Requests = 2, Tokens = 1000, Interval = interval, Guard = guard });
        string endpoint = $"ep-{Guid.NewGuid():N}";
        var options = new SharedBudgetOptions
        {
            KeyPrefix = TestBudgets.KeyPrefix,
            GuardAgainstRedisRestart = false,
            Endpoints = new Dictionary<string, BudgetLimits> { [endpoint] = limits },
        };
        await using var connection = await redis.ConnectAsync();
        var budget = new SharedBudget(connection, options);
        var first = await budget.TryAcquireAsync(endpoint, 2, 1);
        Assert.True(first.Granted);

        // Ask until the budget grants again; every answer carries the server's time, so slowness here only delays the grant.
        var next = await Poll.UntilAsync(() => budget.TryAcquireAsync(endpoint, 1, 1), attempt => attempt.Granted, "the next grant");

        // Without the guard the budget would grant again just after the interval, well before the interval plus half the guard.
        long countedForMicros = next.GrantedAtMicros - first.GrantedAtMicros;
        Assert.True(countedForMicros > (interval + guard).Ticks / 10,
            $"The first grant stopped counting {countedForMicros} µs after it was made, before the interval plus the guard ({(interval + guard).Ticks / 10} µs).");
    }
}
