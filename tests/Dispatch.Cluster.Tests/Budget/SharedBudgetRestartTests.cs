using Dispatch.Cluster.Budget;
using Dispatch.Cluster.Redis;

namespace Dispatch.Cluster.Tests.Budget;

// Each test owns its redis-server: the guard depends on the server's uptime.
public sealed class SharedBudgetRestartTests
{
    [Fact]
    public async Task A_freshly_started_redis_grants_nothing_until_it_has_been_up_for_an_interval_and_the_longest_lease()
    {
        await using var server = await RedisServer.StartAsync();
        await using var connection = await RedisConnection.ConnectAsync(server.Options);
        var (options, endpoint) = TestBudgets.For(10, 1000, TimeSpan.FromMinutes(1), guardAgainstRestart: true);
        var budget = new SharedBudget(connection, options);

        var result = await budget.TryAcquireAsync(endpoint, 1, 1);

        Assert.Equal(BudgetDenial.RedisRestarted, result.Denial);
        var guard = TimeSpan.FromMinutes(1) + options.MaxLeaseDuration;
        Assert.InRange(result.RetryAfter, guard - TimeSpan.FromSeconds(10), guard + TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task Grants_start_once_redis_has_been_up_longer_than_the_guard()
    {
        await using var server = await RedisServer.StartAsync();
        await using var connection = await RedisConnection.ConnectAsync(server.Options);
        var (options, endpoint) = TestBudgets.For(10, 1000, TimeSpan.FromMilliseconds(10), guardAgainstRestart: true);
        var budget = new SharedBudget(connection, options with { MaxLeaseDuration = TimeSpan.Zero });

        // Redis reports its uptime in whole seconds: the guard lifts within about a second.
        var result = await Eventually.ReturnsAsync(() => budget.TryAcquireAsync(endpoint, 1, 1), r => r.Granted);

        Assert.True(result.Granted);
    }

    [Fact]
    public async Task A_redis_that_restarts_without_its_data_grants_nothing_until_the_guard_has_passed_again()
    {
        await using var server = await RedisServer.StartAsync();
        await using var client = new RedisClient(server.Options);
        var (options, endpoint) = TestBudgets.For(10, 1000, TimeSpan.FromMinutes(1), guardAgainstRestart: true);
        var budget = new SharedBudget(client, options);
        // Stands in for a server that has been up longer than the guard: the script records that in this key.
        string ready = SharedBudget.KeyNames(TestBudgets.KeyPrefix, endpoint)[4];
        await client.SetAsync(ready, "1");
        Assert.True((await budget.TryAcquireAsync(endpoint, 1, 1)).Granted);

        await server.StopAsync();
        await server.StartAgainAsync();

        var afterRestart = await Eventually.SucceedsAsync(() => budget.TryAcquireAsync(endpoint, 1, 1));
        Assert.Equal(BudgetDenial.RedisRestarted, afterRestart.Denial);
    }
}
