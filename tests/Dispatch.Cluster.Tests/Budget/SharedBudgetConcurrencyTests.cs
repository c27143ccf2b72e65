using System.Collections.Concurrent;
using Dispatch.Cluster.Budget;
using Dispatch.Cluster.Redis;

namespace Dispatch.Cluster.Tests.Budget;

[Collection(RedisCollection.Name)]
public sealed class SharedBudgetConcurrencyTests(RedisServerFixture redis)
{
    private const int Nodes = 16;
    private const long RequestLimit = 25;
    private const long TokenLimit = 2_000;
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);

    [Fact]
    public async Task Concurrent_acquisitions_and_leases_from_16_connections_never_over_grant_in_any_window()
    {
        var (options, endpoint) = TestBudgets.For(RequestLimit, TokenLimit, Interval);
        var connections = await Task.WhenAll(Enumerable.Range(0, Nodes).Select(_ => redis.ConnectAsync()));
        var grants = new ConcurrentBag<RecordedGrant>();
        int denials = 0;
        try
        {
            await Task.WhenAll(connections.Select((connection, node) => Task.Run(async () =>
            {
                var budget = new SharedBudget(connection, options);
                var random = new Random(1000 + node);
                for (int attempt = 0; attempt < 300; attempt++)
                {
                    var result = random.Next(5) == 0
                        ? await budget.LeaseAsync(endpoint, maxRequests: random.Next(2, 6), maxTokens: random.Next(100, 400),
                            duration: TimeSpan.FromMilliseconds(30), minRequests: 1, minTokens: 1)
                        : await budget.TryAcquireAsync(endpoint, 1, random.Next(1, 150));
                    if (result.Granted)
                    {
                        grants.Add(new RecordedGrant(result.GrantedAtMicros, result.CountedUntilMicros, result.Requests, result.Tokens));
                    }
                    else
                    {
                        Assert.Equal(BudgetDenial.Exhausted, result.Denial);
                        Interlocked.Increment(ref denials);
                        await Task.Delay(1);
                    }
                }
            })));
        }
        finally
        {
            foreach (var connection in connections) await connection.DisposeAsync();
        }

        var recorded = grants.ToArray();
        var (requests, tokens) = WindowAudit.Fullest(recorded, Interval.Ticks / 10);
        Assert.InRange(requests, 1, RequestLimit);
        Assert.InRange(tokens, 1, TokenLimit);
        // The run was contended, and long enough for the window to move on several times.
        Assert.True(denials > 0);
        Assert.True(recorded.Sum(g => g.Requests) > 2 * RequestLimit, $"only {recorded.Sum(g => g.Requests)} requests granted");
        Assert.Contains(recorded, g => g.End > g.Start);
    }
}
