using System.Collections.Concurrent;
using System.Diagnostics;
using Dispatch.Cluster.Budget;
using Dispatch.Cluster.Redis;
using Dispatch.Core.RateLimiting;

namespace Dispatch.Cluster.Tests.Budget;

[Collection(RedisCollection.Name)]
public sealed class ClusterCreditSourceTests(RedisServerFixture redis)
{
    private const int Nodes = 3;
    private const long RequestLimit = 30;
    private const long TokenLimit = 3_000;
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(300);

    private static DateTimeOffset Now => TimeProvider.System.GetUtcNow();

    /// <summary>Three nodes, each with its own connection and budget object, sharing one endpoint's budget in Redis.</summary>
    private async Task<(ClusterCreditSource[] Sources, RedisConnection[] Connections)> NodesAsync(int leaseSize = 4, TimeSpan? interval = null)
    {
        var (budgetOptions, endpoint) = TestBudgets.For(RequestLimit, TokenLimit, interval ?? Interval);
        var options = TestCluster.Options(redis.Server.Options, TestCluster.NewPrefix(), "node") with { LeaseSize = leaseSize };
        var connections = await Task.WhenAll(Enumerable.Range(0, Nodes).Select(_ => redis.ConnectAsync()));
        var sources = connections
            .Select(connection => new ClusterCreditSource(new SharedBudget(connection, budgetOptions with { MaxLeaseDuration = options.LeaseDuration }), endpoint, options))
            .ToArray();
        return (sources, connections);
    }

    private static async Task DisposeAsync(ClusterCreditSource[] sources, RedisConnection[] connections)
    {
        foreach (var source in sources) await source.DisposeAsync();
        foreach (var connection in connections) await connection.DisposeAsync();
    }

    /// <summary>Asks like a rate limiter actor: grant now, or come back at the instant the source names.</summary>
    private static async Task<CreditAttempt> AcquireAsync(ClusterCreditSource source, long tokens, Stopwatch until, TimeSpan runFor)
    {
        while (true)
        {
            var attempt = source.TryAcquire(1, tokens, Now);
            if (attempt.Granted || until.Elapsed > runFor) return attempt;
            var wait = attempt.RetryAt - Now;
            await Task.Delay(wait < TimeSpan.FromMilliseconds(1) ? TimeSpan.FromMilliseconds(1) : wait > TimeSpan.FromMilliseconds(100) ? TimeSpan.FromMilliseconds(100) : wait);
        }
    }

    [Fact]
    public void Unlimited_kinds_of_a_rate_limit_become_the_largest_budget_limit_and_read_back_as_unlimited()
    {
        var limits = ClusterCreditSource.LimitsFor(new RateLimitOptions { Requests = 5, Tokens = null, Interval = TimeSpan.FromSeconds(1), Guard = TimeSpan.Zero });

        Assert.Equal(new BudgetLimits(5, BudgetLimits.MaxLimit, TimeSpan.FromSeconds(1)), limits);
    }

    [Fact]
    public async Task Three_nodes_drawing_from_one_budget_never_over_grant_in_any_window_and_use_most_of_it()
    {
        var (sources, connections) = await NodesAsync();
        var grants = new ConcurrentBag<(int Node, RecordedGrant Grant)>();
        for (int node = 0; node < Nodes; node++)
        {
            int index = node;
            // A grant is made within its lease's span, which is what the budget counted: audit it over that whole span.
            sources[node].Granted = (_, lease, tokens) => grants.Add((index, new RecordedGrant(lease.GrantedAtMicros, lease.CountedUntilMicros, 1, tokens)));
        }
        var runFor = TimeSpan.FromSeconds(2);
        var clock = Stopwatch.StartNew();
        try
        {
            await Task.WhenAll(sources.Select((source, node) => Task.Run(async () =>
            {
                var random = new Random(node);
                while (clock.Elapsed < runFor) await AcquireAsync(source, random.Next(10, 60), clock, runFor);
            })));
        }
        finally
        {
            clock.Stop();
            await DisposeAsync(sources, connections);
        }

        var recorded = grants.Select(g => g.Grant).ToArray();
        var (requests, tokens) = WindowAudit.Fullest(recorded, Interval.Ticks / 10);
        Assert.InRange(requests, 1, RequestLimit);
        Assert.InRange(tokens, 1, TokenLimit);
        // Each node granted some, and together they used at least half of what the windows allowed.
        Assert.All(Enumerable.Range(0, Nodes), node => Assert.Contains(grants, g => g.Node == node));
        double capacity = RequestLimit * clock.Elapsed / Interval;
        Assert.True(recorded.Length >= 0.5 * capacity, $"{recorded.Length} grants in {clock.Elapsed.TotalMilliseconds:0} ms: {recorded.Length / capacity:P0} of {capacity:0}");
    }

    [Fact]
    public async Task A_pause_from_one_node_stops_grants_on_every_node_until_it_ends()
    {
        var (sources, connections) = await NodesAsync();
        try
        {
            foreach (var source in sources)
                await Poll.UntilAsync(() => source.TryAcquire(1, 10, Now), a => a.Granted, "each node holds a lease");
            var pauseEnds = Now + TimeSpan.FromSeconds(2);

            sources[0].PauseUntil(pauseEnds);

            Assert.Equal(pauseEnds, sources[0].TryAcquire(1, 10, Now).RetryAt);
            // The others see the shared pause within a pause check (their leases are refused from then on).
            foreach (var source in sources.Skip(1))
            {
                var refused = await Poll.UntilAsync(() => source.TryAcquire(1, 10, Now),
                    a => !a.Granted && a.RetryAt > Now + TimeSpan.FromMilliseconds(500), "the node observes the shared pause");
                Assert.InRange(refused.RetryAt, pauseEnds - TimeSpan.FromMilliseconds(500), pauseEnds + TimeSpan.FromMilliseconds(500));
                Assert.NotNull(source.Available(Now).PausedUntil);
            }
            foreach (var source in sources)
            {
                await Poll.UntilAsync(() => source.TryAcquire(1, 10, Now), a => a.Granted, "grants resume after the pause");
                Assert.True(Now >= pauseEnds - TimeSpan.FromMilliseconds(500));
            }
        }
        finally
        {
            await DisposeAsync(sources, connections);
        }
    }

    [Fact]
    public async Task A_grant_can_be_reconciled_while_its_lease_is_remembered_and_an_unknown_one_cannot()
    {
        var (sources, connections) = await NodesAsync();
        try
        {
            var grant = await Poll.UntilAsync(() => sources[0].TryAcquire(1, 100, Now), a => a.Granted, "a grant");

            Assert.True(sources[0].Reconcile(grant.GrantId, 40, Now));
            Assert.False(sources[0].Reconcile(grant.GrantId + 1000, 40, Now));
        }
        finally
        {
            await DisposeAsync(sources, connections);
        }
    }

    [Fact]
    public async Task Corrections_of_a_spent_lease_reach_the_budget_in_one_command()
    {
        var (sources, connections) = await NodesAsync(interval: TimeSpan.FromMinutes(1));
        await using var probe = await redis.ConnectAsync();
        var source = sources[0];
        try
        {
            var grants = new List<long>();
            for (int i = 0; i < 4; i++) grants.Add((await Poll.UntilAsync(() => source.TryAcquire(1, 10, Now), a => a.Granted, "a grant")).GrantId);
            // The fifth retires the spent lease and draws the next one.
            await Poll.UntilAsync(() => source.TryAcquire(1, 10, Now), a => a.Granted, "a grant from the next lease");
            long before = connections[0].CommandsSent;

            foreach (var id in grants) Assert.True(source.Reconcile(id, 25, Now));

            var usage = await Poll.UntilAsync(() => UsageAsync(source.Endpoint), u => u.Tokens == 4 * 25 + 400, "the corrections arrive");
            Assert.Equal(8, usage.Requests);
            Assert.Equal(1, connections[0].CommandsSent - before);
        }
        finally
        {
            await DisposeAsync(sources, connections);
        }

        Task<BudgetUsage> UsageAsync(string endpoint) =>
            new SharedBudget(probe, new SharedBudgetOptions
            {
                KeyPrefix = TestBudgets.KeyPrefix,
                GuardAgainstRedisRestart = false,
                Endpoints = new Dictionary<string, BudgetLimits> { [endpoint] = new(RequestLimit, TokenLimit, TimeSpan.FromMinutes(1)) },
            }).UsageAsync(endpoint);
    }

    [Fact]
    public async Task A_request_larger_than_the_limits_is_refused_for_ever()
    {
        var (sources, connections) = await NodesAsync();
        try
        {
            Assert.Equal(DateTimeOffset.MaxValue, sources[0].TryAcquire(1, TokenLimit + 1, Now).RetryAt);
        }
        finally
        {
            await DisposeAsync(sources, connections);
        }
    }
}
