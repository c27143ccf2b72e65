using Dispatch.Cluster.Budget;
using Dispatch.Cluster.Redis;
using Dispatch.Core.RateLimiting;
using Dispatch.Testing;

namespace Dispatch.Cluster.Tests.Budget;

/// <summary>
/// How many round trips the shared budget costs per grant. The node's clock is manual and moves a fixed step per
/// call, so lease deadlines, sizes and flushes depend on the count of calls, never on the machine's speed.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class ClusterCreditSourceRoundTripTests(RedisServerFixture redis)
{
    private const long EstimatedTokens = 50;
    private const long ActualTokens = 40;

    private sealed record Node(ClusterCreditSource Source, SharedBudget Budget, ManualTimeProvider Clock, RedisConnection Connection, string Endpoint)
        : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Source.DisposeAsync();
            await Connection.DisposeAsync();
        }
    }

    private async Task<Node> NodeAsync(int leaseSize, long requestLimit, long tokenLimit, TimeSpan interval)
    {
        var clock = new ManualTimeProvider(TimeProvider.System.GetUtcNow());
        var (budgetOptions, endpoint) = TestBudgets.For(requestLimit, tokenLimit, interval);
        var options = TestCluster.Options(redis.Server.Options, TestCluster.NewPrefix(), "node") with
        {
            LeaseSize = leaseSize,
            LeaseDuration = TimeSpan.FromMilliseconds(200),
            PauseCheckInterval = TimeSpan.FromMilliseconds(250),
            TimeProvider = clock,
        };
        var connection = await redis.ConnectAsync();
        // Cached ahead, so no NOSCRIPT retry is counted.
        await connection.ScriptLoadAsync(SharedBudget.BudgetScript.Text);
        var budget = new SharedBudget(connection, budgetOptions with { MaxLeaseDuration = options.LeaseDuration, TimeProvider = clock });
        return new Node(new ClusterCreditSource(budget, endpoint, options), budget, clock, connection, endpoint);
    }

    /// <summary>A steady stream of calls: each is granted (waiting, in real time, for leases to arrive), its usage reported, then the clock moves on.</summary>
    private static async Task RunAsync(Node node, int calls, TimeSpan perCall)
    {
        for (int i = 0; i < calls; i++)
        {
            Assert.True(node.Source.Reconcile(await GrantAsync(node), ActualTokens, node.Clock.GetUtcNow()));
            node.Clock.Advance(perCall);
        }
    }

    private static async Task<long> GrantAsync(Node node) =>
        (await Poll.UntilAsync(() => node.Source.TryAcquire(1, EstimatedTokens, node.Clock.GetUtcNow()), a => a.Granted, "a grant")).GrantId;

    [Theory]
    [InlineData(10)]
    [InlineData(25)]
    public async Task With_no_room_to_grow_each_lease_costs_one_round_trip_that_also_carries_the_returns_and_corrections_of_the_last(int leaseSize)
    {
        // A tenth of the request limit is the lease size itself: every lease asks for exactly leaseSize.
        long requestLimit = 10L * leaseSize;
        const long tokenLimit = 1_000_000;
        await using var node = await NodeAsync(leaseSize, requestLimit, tokenLimit, TimeSpan.FromMinutes(1));

        await RunAsync(node, (int)requestLimit, TimeSpan.FromMilliseconds(1));
        long commands = node.Budget.CommandsSent;
        var usage = await node.Budget.UsageAsync(node.Endpoint);

        Assert.Equal(leaseSize, node.Source.NextLeaseSize);
        Assert.Equal(requestLimit / leaseSize, commands);
        Assert.True((double)commands / requestLimit <= 0.1, $"{commands} round trips for {requestLimit} grants");
        // The nine spent leases count what their calls really used; the last, still being spent, counts its whole token share.
        long share = tokenLimit * leaseSize / requestLimit;
        Assert.Equal(requestLimit, usage.Requests);
        Assert.Equal((requestLimit - leaseSize) * ActualTokens + share, usage.Tokens);
    }

    [Fact]
    public async Task A_steady_workload_costs_the_budget_at_most_one_round_trip_per_ten_grants_with_lease_size_10()
    {
        const int calls = 3_000;
        await using var node = await NodeAsync(leaseSize: 10, requestLimit: 1_000_000, tokenLimit: BudgetLimits.MaxLimit, TimeSpan.FromMinutes(1));

        // A call every millisecond: a 200 ms lease can hold up to 200 of them.
        await RunAsync(node, calls, TimeSpan.FromMilliseconds(1));
        long commands = node.Budget.CommandsSent;

        Assert.True((double)commands / calls <= 0.1, $"{commands} round trips for {calls} grants");
        Assert.InRange(node.Source.NextLeaseSize, 100, 400);
    }

    [Fact]
    public async Task A_lease_spent_in_time_doubles_the_next_and_one_that_runs_out_of_time_sizes_the_next_to_what_was_spent()
    {
        await using var node = await NodeAsync(leaseSize: 10, requestLimit: 10_000, tokenLimit: BudgetLimits.MaxLimit, TimeSpan.FromMinutes(1));

        await RunAsync(node, 10, TimeSpan.Zero);
        Assert.Equal(10, node.Source.NextLeaseSize);
        await RunAsync(node, 1, TimeSpan.Zero);
        Assert.Equal(20, node.Source.NextLeaseSize);
        await RunAsync(node, 20, TimeSpan.Zero);
        Assert.Equal(40, node.Source.NextLeaseSize);

        // 12 calls from the 40-credit lease, then it expires.
        await RunAsync(node, 11, TimeSpan.Zero);
        node.Clock.Advance(TimeSpan.FromMilliseconds(250));
        await RunAsync(node, 1, TimeSpan.Zero);

        Assert.Equal(12, node.Source.NextLeaseSize);
    }

    [Fact]
    public async Task Corrections_that_no_lease_request_carries_are_sent_on_their_own_after_the_pause_check_interval()
    {
        await using var node = await NodeAsync(leaseSize: 10, requestLimit: 100, tokenLimit: 1_000_000, TimeSpan.FromMinutes(1));
        var first = new List<long>();
        for (int i = 0; i < 10; i++) first.Add(await GrantAsync(node));
        // Retires the first lease: its return rides with the second lease request.
        await GrantAsync(node);
        Assert.Equal(2, node.Budget.CommandsSent);

        foreach (var id in first) Assert.True(node.Source.Reconcile(id, ActualTokens, node.Clock.GetUtcNow()));
        node.Clock.Advance(TimeSpan.FromMilliseconds(249));
        // Nothing can have been queued before the interval is up (the clock is manual): no command yet.
        Assert.Equal(2, node.Budget.CommandsSent);
        node.Clock.Advance(TimeSpan.FromMilliseconds(1));

        await Poll.UntilAsync(() => node.Budget.CommandsSent, n => n == 3, "the corrections are sent");
        var usage = await node.Budget.UsageAsync(node.Endpoint);
        // The first lease now counts what its calls used; the second, still being spent, its whole token share.
        Assert.Equal((20, 10 * ActualTokens + 100_000), (usage.Requests, usage.Tokens));
    }

    [Theory]
    [InlineData(60_000, 200)]
    [InlineData(1_000, 50)]
    public async Task A_lease_spans_the_lease_duration_or_a_twentieth_of_the_interval_whichever_is_shorter(int intervalMs, int spanMs)
    {
        await using var node = await NodeAsync(leaseSize: 10, requestLimit: 1_000, tokenLimit: BudgetLimits.MaxLimit, TimeSpan.FromMilliseconds(intervalMs));
        var leases = new List<BudgetAcquisition>();
        node.Source.Granted = (_, lease, _) => leases.Add(lease);

        await GrantAsync(node);

        var granted = Assert.Single(leases);
        Assert.Equal(spanMs * 1000L, granted.CountedUntilMicros - granted.GrantedAtMicros);
    }

    [Fact]
    public async Task Leases_grow_no_larger_than_a_tenth_of_the_request_limit()
    {
        await using var node = await NodeAsync(leaseSize: 10, requestLimit: 400, tokenLimit: BudgetLimits.MaxLimit, TimeSpan.FromMinutes(1));

        await RunAsync(node, 200, TimeSpan.Zero);

        Assert.Equal(40, node.Source.NextLeaseSize);
    }
}
