using Dispatch.Cluster.Budget;

namespace Dispatch.Cluster.Tests.Budget;

[Collection(RedisCollection.Name)]
public sealed class SharedBudgetUsageTests(RedisServerFixture redis)
{
    [Fact]
    public async Task Usage_counts_every_grant_still_in_the_window_and_the_rest_of_a_pause()
    {
        await using var connection = await redis.ConnectAsync();
        var (options, endpoint) = TestBudgets.For(10, 1000, TimeSpan.FromMinutes(1));
        var budget = new SharedBudget(connection, options);
        await budget.TryAcquireAsync(endpoint, 1, 100);
        await budget.LeaseAsync(endpoint, 3, 300, TimeSpan.FromMilliseconds(500));
        await budget.PauseAsync(endpoint, TimeSpan.FromMinutes(1));

        var usage = await budget.UsageAsync(endpoint);

        Assert.Equal((4, 400), (usage.Requests, usage.Tokens));
        Assert.Equal((6, 600), (usage.RequestsLeft, usage.TokensLeft));
        Assert.InRange(usage.PausedFor, TimeSpan.FromSeconds(50), TimeSpan.FromMinutes(1));
    }

    [Fact]
    public async Task An_idle_endpoint_has_used_nothing_and_is_not_paused()
    {
        await using var connection = await redis.ConnectAsync();
        var (options, endpoint) = TestBudgets.For(10, 1000, TimeSpan.FromMinutes(1));

        var usage = await new SharedBudget(connection, options).UsageAsync(endpoint);

        Assert.Equal((0, 0, TimeSpan.Zero), (usage.Requests, usage.Tokens, usage.PausedFor));
    }
}
