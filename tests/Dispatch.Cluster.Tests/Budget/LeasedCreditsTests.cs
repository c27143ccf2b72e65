using Dispatch.Cluster.Budget;

namespace Dispatch.Cluster.Tests.Budget;

public sealed class LeasedCreditsTests
{
    private static BudgetAcquisition Granted(long requests, long tokens, long useBefore) =>
        new(BudgetDenial.None, "1-1", requests, tokens, TimeSpan.Zero, 0, 0, useBefore);

    [Fact]
    public void Credits_are_taken_until_the_requests_run_out()
    {
        var lease = new LeasedCredits("chat", Granted(2, 1000, useBefore: 100));

        Assert.True(lease.TryTake(10, nowTimestamp: 0));
        Assert.True(lease.TryTake(10, nowTimestamp: 0));
        Assert.False(lease.TryTake(10, nowTimestamp: 0));

        Assert.Equal(2, lease.UsedRequests);
        Assert.Equal(20, lease.UsedTokens);
    }

    [Fact]
    public void A_call_needing_more_tokens_than_remain_is_not_taken()
    {
        var lease = new LeasedCredits("chat", Granted(5, 100, useBefore: 100));

        Assert.True(lease.TryTake(80, 0));
        Assert.False(lease.TryTake(30, 0));
        Assert.True(lease.TryTake(20, 0));
    }

    [Fact]
    public void Nothing_is_taken_at_or_after_the_local_deadline()
    {
        var lease = new LeasedCredits("chat", Granted(5, 100, useBefore: 100));

        Assert.True(lease.TryTake(1, 99));
        Assert.False(lease.TryTake(1, 100));
    }

    [Fact]
    public void Real_usage_corrects_the_tokens_used()
    {
        var lease = new LeasedCredits("chat", Granted(5, 100, useBefore: 100));
        lease.TryTake(50, 0);

        lease.AdjustTokens(-30);

        Assert.Equal(20, lease.UsedTokens);
    }

    [Fact]
    public void A_denied_acquisition_cannot_become_a_lease()
    {
        var denied = new BudgetAcquisition(BudgetDenial.Exhausted, "", 0, 0, TimeSpan.FromSeconds(1), 0, 0, 0);
        Assert.Throws<ArgumentException>(() => new LeasedCredits("chat", denied));
    }
}

[Collection(RedisCollection.Name)]
public sealed class LeaseReturnTests(RedisServerFixture redis)
{
    [Fact]
    public async Task Returning_a_lease_gives_its_unspent_credits_back_to_every_node()
    {
        await using var connection = await redis.ConnectAsync();
        var (options, endpoint) = TestBudgets.For(requests: 10, tokens: 1000, TimeSpan.FromMinutes(1));
        var budget = new SharedBudget(connection, options);
        var lease = new LeasedCredits(endpoint, await budget.LeaseAsync(endpoint, 10, 1000, TimeSpan.FromSeconds(1)));
        long now = options.TimeProvider.GetTimestamp();
        Assert.True(lease.TryTake(100, now));
        Assert.True(lease.TryTake(100, now));
        Assert.False((await budget.TryAcquireAsync(endpoint, 1, 1)).Granted);

        Assert.True(await budget.ReturnUnusedAsync(lease));

        var next = await budget.TryAcquireAsync(endpoint, 8, 800);
        Assert.True(next.Granted);
        Assert.False(lease.TryTake(1, now));
        await Assert.ThrowsAsync<InvalidOperationException>(() => budget.ReturnUnusedAsync(lease));
    }
}
