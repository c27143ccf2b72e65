using Dispatch.Cluster.Budget;

namespace Dispatch.Cluster.Tests.Budget;

public static class TestBudgets
{
    public const string KeyPrefix = "test:budget";

    /// <summary>Options for one endpoint with a unique name, so tests sharing a server never share keys.</summary>
    public static (SharedBudgetOptions Options, string Endpoint) For(long requests, long tokens, TimeSpan interval, bool guardAgainstRestart = false)
    {
        string endpoint = $"ep-{Guid.NewGuid():N}";
        var options = new SharedBudgetOptions
        {
            KeyPrefix = KeyPrefix,
            // The shared test server has just started; the restart guard has tests of its own.
            GuardAgainstRedisRestart = guardAgainstRestart,
            Endpoints = new Dictionary<string, BudgetLimits> { [endpoint] = new(requests, tokens, interval) },
        };
        return (options, endpoint);
    }
}
