using Akka.Actor;
using Dispatch.Core.Protocol;
using Dispatch.Core.Queue;
using Dispatch.Core.RateLimiting;
using Xunit.Abstractions;
using UpstreamLimits = Dispatch.FakeUpstream.RateLimiting.RateLimitOptions;

namespace Dispatch.Core.Tests.Dispatching;

/// <summary>
/// With limits equal to the upstream's, Dispatch uses the whole budget and never more. Dispatch and
/// the upstream share one virtual clock, which the test moves in steps only once nothing more can
/// happen at the current instant, so "no window over the limit" and "within 110% of the minimum
/// time" are measured exactly, whatever the machine's speed.
/// </summary>
public class ThroughputTests(ITestOutputHelper output) : DispatchSpec(output)
{
    private const int Calls = 2_000;
    private const int Limit = 500;
    private const int Executors = 16;
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Step = TimeSpan.FromMilliseconds(50);

    protected override UpstreamLimits UpstreamLimits => new() { RequestsPerWindow = Limit, Window = Interval };

    [Fact]
    public async Task Two_thousand_calls_at_the_upstreams_limits_all_complete_without_a_429_within_110_percent_of_the_minimum_time()
    {
        var dispatch = StartDispatch(Endpoint(e => e with
        {
            // Burst pacing: the window's whole budget at once, the fastest the sliding window allows.
            RateLimit = new RateLimitOptions { Requests = Limit, Interval = Interval, Pacing = RateLimitPacing.Burst },
            Executor = new Dispatch.Core.Execution.ExecutorOptions { Concurrency = Executors },
            Queue = new QueueOptions { Capacity = Calls },
        }));
        var start = SchedulerNow;
        var calls = Enumerable.Range(0, Calls).Select(i => dispatch.Ask<APICallResult>(Call($"c{i}"))).ToArray();

        var lowestInForce = long.MaxValue;
        while (calls.Any(c => !c.IsCompleted))
        {
            await UntilOnlyTimeCanHelp(dispatch, calls, Executors);
            // The upstream's headers (OpenAI-style) report what it counted as our calls raced to it: that says nothing lower.
            lowestInForce = Math.Min(lowestInForce, (await StatusOf(dispatch)).RequestLimitInForce ?? Limit);
            if (calls.All(c => c.IsCompleted)) break;
            Advance(Step);
        }

        var elapsed = SchedulerNow - start;
        // 500 at 0 s, 1 s, 2 s and 3 s: the limits allow nothing faster than 3 s.
        var minimum = Interval * (Calls / Limit - 1);
        Assert.All(calls, c => Assert.Equal(CallStatus.Completed, c.Result.Status));
        Assert.Equal(0, Upstream.Counters.Throttled);
        Assert.True(Upstream.Counters.MaxRequestsInWindow <= Limit, $"{Upstream.Counters.MaxRequestsInWindow} requests in one window");
        Assert.Equal(Limit, lowestInForce);
        Assert.InRange(elapsed, minimum, minimum * 1.1);
    }
}
