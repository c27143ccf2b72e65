using Dispatch.Cluster.Budget;
using Dispatch.Cluster.Redis;

namespace Dispatch.Cluster.Tests.Budget;

[Collection(RedisCollection.Name)]
public sealed class SharedBudgetTests(RedisServerFixture redis)
{
    private static readonly TimeSpan LongInterval = TimeSpan.FromMinutes(1);

    private static (SharedBudget Budget, string Endpoint) Budget(IRedisCommandExecutor connection, long requests, long tokens, TimeSpan interval)
    {
        var (options, endpoint) = TestBudgets.For(requests, tokens, interval);
        return (new SharedBudget(connection, options), endpoint);
    }

    [Fact]
    public async Task Requests_are_granted_up_to_the_limit_and_then_denied_with_a_retry_after()
    {
        await using var connection = await redis.ConnectAsync();
        var (budget, endpoint) = Budget(connection, requests: 3, tokens: 1000, LongInterval);

        for (int i = 0; i < 3; i++) Assert.True((await budget.TryAcquireAsync(endpoint, 1, 10)).Granted);
        var denied = await budget.TryAcquireAsync(endpoint, 1, 10);

        Assert.Equal(BudgetDenial.Exhausted, denied.Denial);
        Assert.InRange(denied.RetryAfter, TimeSpan.FromTicks(1), LongInterval + TimeSpan.FromMilliseconds(1));
    }

    [Fact]
    public async Task Tokens_are_limited_together_with_requests()
    {
        await using var connection = await redis.ConnectAsync();
        var (budget, endpoint) = Budget(connection, requests: 100, tokens: 1000, LongInterval);

        var first = await budget.TryAcquireAsync(endpoint, 1, 600);
        var tooMany = await budget.TryAcquireAsync(endpoint, 1, 600);
        var fits = await budget.TryAcquireAsync(endpoint, 1, 400);

        Assert.True(first.Granted);
        Assert.Equal(600, first.Tokens);
        Assert.Equal(BudgetDenial.Exhausted, tooMany.Denial);
        Assert.True(fits.Granted);
    }

    [Fact]
    public async Task A_request_larger_than_a_whole_window_is_refused_as_never_grantable()
    {
        await using var connection = await redis.ConnectAsync();
        var (budget, endpoint) = Budget(connection, requests: 10, tokens: 1000, LongInterval);

        var result = await budget.TryAcquireAsync(endpoint, 1, 1001);

        Assert.Equal(BudgetDenial.ExceedsLimits, result.Denial);
    }

    [Fact]
    public async Task The_retry_after_of_a_denial_is_when_the_oldest_grant_leaves_the_window()
    {
        await using var connection = await redis.ConnectAsync();
        var interval = TimeSpan.FromSeconds(10);
        var (budget, endpoint) = Budget(connection, requests: 2, tokens: 1000, interval);
        var oldest = await budget.TryAcquireAsync(endpoint, 1, 1);
        await budget.TryAcquireAsync(endpoint, 1, 1);

        var denied = await budget.TryAcquireAsync(endpoint, 1, 1);

        // A grant counts while it is at most one interval old (on the server's clock, in µs).
        long expectedMicros = oldest.GrantedAtMicros + interval.Ticks / 10 + 1 - denied.GrantedAtMicros;
        Assert.Equal(TimeSpan.FromTicks(expectedMicros * 10), denied.RetryAfter);
    }

    [Fact]
    public async Task Grants_resume_once_the_window_has_moved_on()
    {
        await using var connection = await redis.ConnectAsync();
        var (budget, endpoint) = Budget(connection, requests: 2, tokens: 1000, TimeSpan.FromMilliseconds(200));
        await budget.TryAcquireAsync(endpoint, 1, 1);
        await budget.TryAcquireAsync(endpoint, 1, 1);
        var denied = await budget.TryAcquireAsync(endpoint, 1, 1);
        Assert.False(denied.Granted);

        // The window runs on Redis's real clock, so real time has to pass; the margin covers timers
        // that fire up to a tick early, not a slow machine (a late retry only helps).
        await Task.Delay(denied.RetryAfter + TimeSpan.FromMilliseconds(20));

        Assert.True((await budget.TryAcquireAsync(endpoint, 1, 1)).Granted);
    }

    [Fact]
    public async Task A_lease_counts_in_full_at_lease_time()
    {
        await using var connection = await redis.ConnectAsync();
        var (budget, endpoint) = Budget(connection, requests: 10, tokens: 1000, LongInterval);

        var lease = await budget.LeaseAsync(endpoint, maxRequests: 8, maxTokens: 800, duration: TimeSpan.FromMilliseconds(500));

        Assert.True(lease.Granted);
        Assert.Equal(8, lease.Requests);
        Assert.Equal(800, lease.Tokens);
        Assert.Equal(lease.GrantedAtMicros + 500_000, lease.CountedUntilMicros);
        Assert.False((await budget.TryAcquireAsync(endpoint, 3, 0)).Granted);
        Assert.True((await budget.TryAcquireAsync(endpoint, 2, 200)).Granted);
    }

    [Fact]
    public async Task A_grant_is_counted_until_its_request_must_have_been_sent()
    {
        await using var connection = await redis.ConnectAsync();
        var (options, endpoint) = TestBudgets.For(requests: 10, tokens: 1000, LongInterval);
        var budget = new SharedBudget(connection, options with { SendWithin = TimeSpan.FromMilliseconds(300) });
        long before = options.TimeProvider.GetTimestamp();

        var grant = await budget.TryAcquireAsync(endpoint, 1, 10);
        var took = options.TimeProvider.GetElapsedTime(before);

        Assert.Equal(grant.GrantedAtMicros + 300_000, grant.CountedUntilMicros);
        // The local deadline runs from just before the request went out.
        var deadline = options.TimeProvider.GetElapsedTime(before, grant.UseBeforeTimestamp);
        Assert.InRange(deadline, TimeSpan.FromMilliseconds(300), TimeSpan.FromMilliseconds(300) + took);
    }

    [Fact]
    public void Send_within_may_not_exceed_the_longest_lease()
    {
        var (options, _) = TestBudgets.For(requests: 10, tokens: 1000, LongInterval);
        var error = Assert.Throws<ArgumentException>(() => (options with { SendWithin = TimeSpan.FromSeconds(2) }).Validate());
        Assert.Equal("SendWithin", error.ParamName);
    }

    [Fact]
    public async Task A_lease_takes_what_is_left_when_that_is_at_least_its_minimum()
    {
        await using var connection = await redis.ConnectAsync();
        var (budget, endpoint) = Budget(connection, requests: 10, tokens: 1000, LongInterval);
        await budget.TryAcquireAsync(endpoint, 7, 100);

        var partial = await budget.LeaseAsync(endpoint, maxRequests: 8, maxTokens: 500, duration: TimeSpan.FromSeconds(1), minRequests: 2);
        var refused = await budget.LeaseAsync(endpoint, maxRequests: 8, maxTokens: 500, duration: TimeSpan.FromSeconds(1), minRequests: 1);

        Assert.Equal(3, partial.Requests);
        Assert.Equal(500, partial.Tokens);
        Assert.Equal(BudgetDenial.Exhausted, refused.Denial);
    }

    [Fact]
    public async Task A_dead_nodes_unused_lease_is_only_ever_under_used()
    {
        await using var deadNode = await redis.ConnectAsync();
        await using var liveNode = await redis.ConnectAsync();
        var (options, endpoint) = TestBudgets.For(requests: 10, tokens: 10_000, LongInterval);
        var deadBudget = new SharedBudget(deadNode, options);
        var liveBudget = new SharedBudget(liveNode, options);
        await deadBudget.LeaseAsync(endpoint, maxRequests: 4, maxTokens: 0, duration: TimeSpan.FromMilliseconds(100), minRequests: 4);
        await deadNode.DisposeAsync();

        int granted = 0;
        while ((await liveBudget.TryAcquireAsync(endpoint, 1, 1)).Granted) granted++;

        Assert.Equal(6, granted);
    }

    [Fact]
    public async Task A_pause_from_one_node_denies_every_node_until_it_ends()
    {
        var connections = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => redis.ConnectAsync()));
        try
        {
            var (options, endpoint) = TestBudgets.For(requests: 1000, tokens: 100_000, LongInterval);
            var budgets = connections.Select(c => new SharedBudget(c, options)).ToArray();

            var paused = await budgets[0].PauseAsync(endpoint, TimeSpan.FromSeconds(30));
            var results = await Task.WhenAll(budgets.Select(b => b.TryAcquireAsync(endpoint, 1, 1)));

            Assert.Equal(TimeSpan.FromSeconds(30), paused);
            Assert.All(results, result =>
            {
                Assert.Equal(BudgetDenial.Paused, result.Denial);
                Assert.InRange(result.RetryAfter, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30));
            });
            Assert.Equal(BudgetDenial.Paused, (await budgets[5].LeaseAsync(endpoint, 5, 0, TimeSpan.FromSeconds(1))).Denial);
        }
        finally
        {
            foreach (var connection in connections) await connection.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_shorter_pause_does_not_cut_a_longer_one_short()
    {
        await using var connection = await redis.ConnectAsync();
        var (budget, endpoint) = Budget(connection, requests: 10, tokens: 1000, LongInterval);

        await budget.PauseAsync(endpoint, TimeSpan.FromSeconds(30));
        var after = await budget.PauseAsync(endpoint, TimeSpan.FromSeconds(1));

        Assert.InRange(after, TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task Reconcile_refunds_tokens_that_were_not_used()
    {
        await using var connection = await redis.ConnectAsync();
        var (budget, endpoint) = Budget(connection, requests: 10, tokens: 150, LongInterval);
        var first = await budget.TryAcquireAsync(endpoint, 1, 100);
        Assert.False((await budget.TryAcquireAsync(endpoint, 1, 100)).Granted);

        Assert.True(await budget.ReconcileAsync(endpoint, first.GrantId, 1, 20));

        Assert.True((await budget.TryAcquireAsync(endpoint, 1, 100)).Granted);
    }

    [Fact]
    public async Task Reconcile_charges_tokens_used_beyond_the_estimate()
    {
        await using var connection = await redis.ConnectAsync();
        var (budget, endpoint) = Budget(connection, requests: 10, tokens: 150, LongInterval);
        var first = await budget.TryAcquireAsync(endpoint, 1, 50);

        Assert.True(await budget.ReconcileAsync(endpoint, first.GrantId, 1, 150));

        Assert.Equal(BudgetDenial.Exhausted, (await budget.TryAcquireAsync(endpoint, 1, 1)).Denial);
    }

    [Fact]
    public async Task A_lease_request_applies_the_corrections_it_carries_before_deciding()
    {
        await using var connection = await redis.ConnectAsync();
        var (budget, endpoint) = Budget(connection, requests: 10, tokens: 1000, LongInterval);
        var first = await budget.LeaseAsync(endpoint, maxRequests: 10, maxTokens: 1000, TimeSpan.FromMilliseconds(100));
        var spent = await budget.TryAcquireAsync(endpoint, 1, 1);
        Assert.Equal(BudgetDenial.Exhausted, spent.Denial);

        // The first lease used 4 requests and 300 tokens; the rest is given back in the same script run as the next lease.
        var next = await budget.LeaseCorrectingAsync(endpoint, 10, 1000, TimeSpan.FromMilliseconds(100), 1, 0,
            [new GrantCorrection(first.GrantId, 4, 300), new GrantCorrection("0-1", 0, 0)]);

        Assert.True(next.Granted);
        Assert.Equal((6, 700), (next.Requests, next.Tokens));
        Assert.Equal(2, await budget.ReconcileManyAsync(endpoint, [new GrantCorrection(first.GrantId, 4, 300), new GrantCorrection(next.GrantId, 1, 10)]));
        var usage = await budget.UsageAsync(endpoint);
        Assert.Equal((5, 310), (usage.Requests, usage.Tokens));
    }

    [Fact]
    public async Task Reconciling_an_unknown_grant_changes_nothing()
    {
        await using var connection = await redis.ConnectAsync();
        var (budget, endpoint) = Budget(connection, requests: 1, tokens: 10, LongInterval);

        Assert.False(await budget.ReconcileAsync(endpoint, "0-1", 0, 0));
        Assert.True((await budget.TryAcquireAsync(endpoint, 1, 10)).Granted);
    }

    [Fact]
    public async Task The_budget_keys_expire_once_the_endpoint_is_idle()
    {
        await using var connection = await redis.ConnectAsync();
        var (budget, endpoint) = Budget(connection, requests: 10, tokens: 1000, TimeSpan.FromSeconds(2));
        await budget.LeaseAsync(endpoint, 2, 0, TimeSpan.FromSeconds(1));

        foreach (var key in SharedBudget.KeyNames(TestBudgets.KeyPrefix, endpoint).Take(3))
        {
            var ttl = await connection.TimeToLiveAsync(key);
            Assert.NotNull(ttl);
            // The newest grant leaves the last window 1 s (lease) + 2 s (interval) from now; one second of slack.
            Assert.InRange(ttl.Value, TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(4.01));
        }
    }

    [Fact]
    public async Task The_budget_survives_a_flushed_script_cache()
    {
        await using var connection = await redis.ConnectAsync();
        var (budget, endpoint) = Budget(connection, requests: 10, tokens: 1000, LongInterval);
        await budget.TryAcquireAsync(endpoint, 1, 1);
        await connection.ExecuteAsync("SCRIPT", "FLUSH");

        Assert.True((await budget.TryAcquireAsync(endpoint, 1, 1)).Granted);
    }

    [Fact]
    public async Task An_unknown_endpoint_is_named_in_the_error()
    {
        var options = new SharedBudgetOptions { Endpoints = new Dictionary<string, BudgetLimits> { ["a"] = new(1, 1, LongInterval) } };
        await using var client = new RedisClient(RedisOptions.For("127.0.0.1:1"));
        var budget = new SharedBudget(client, options);

        var error = await Assert.ThrowsAsync<ArgumentException>(() => budget.TryAcquireAsync("b", 1, 1));

        Assert.Contains("'b'", error.Message);
    }

    [Fact]
    public void Invalid_limits_are_rejected_naming_the_endpoint()
    {
        var options = new SharedBudgetOptions { Endpoints = new Dictionary<string, BudgetLimits> { ["chat"] = new(0, 1, LongInterval) } };
        var error = Assert.Throws<ArgumentException>(() => options.Validate());
        Assert.Contains("'chat'", error.Message);
    }
}
