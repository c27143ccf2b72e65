using Akka.Actor;
using Akka.TestKit;
using Dispatch.Core.Protocol;
using Dispatch.Core.Queue;
using Dispatch.Core.RateLimiting;
using Dispatch.Core.Retry;
using Dispatch.FakeUpstream.RateLimiting;
using Xunit.Abstractions;
using UpstreamLimits = Dispatch.FakeUpstream.RateLimiting.RateLimitOptions;

namespace Dispatch.Core.Tests.Dispatching;

/// <summary>
/// Dispatch against providers that enforce limits as real ones do: a leaky bucket, a per-minute limit
/// enforced per second, a real limit half the configured one with and without rate-limit headers.
/// Dispatch and the upstream share one virtual clock, moved in steps only once nothing more can
/// happen at the current instant, so every count is exact whatever the machine's speed.
/// </summary>
public class ProviderLimitsTests : DispatchSpec
{
    private const int Calls = 2_000;
    private const int Executors = 16;
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    // A little over the emission interval of 100 a second paced over the guarded window (10.2 ms).
    private static readonly TimeSpan Step = TimeSpan.FromMilliseconds(11);

    private readonly Dictionary<string, DateTimeOffset> _retryDue = new(StringComparer.Ordinal);
    private readonly ITestOutputHelper _output;
    private TestProbe _retries = null!;
    private long _lastThrottled;

    public ProviderLimitsTests(ITestOutputHelper output)
        : base(output) => _output = output;

    [Fact]
    public async Task A_leaky_bucket_at_the_configured_rate_with_a_small_burst_answers_no_429_with_default_pacing()
    {
        Upstream.Limits = new UpstreamLimits { RequestsPerWindow = 100, Window = Second, Algorithm = LimitAlgorithm.LeakyBucket, Burst = 5 };
        var dispatch = Start(new Dispatch.Core.RateLimiting.RateLimitOptions { Requests = 100, Interval = Second });

        var results = await RunAsync(dispatch);

        Assert.All(results, r => Assert.Equal(CallStatus.Completed, r.Status));
        Assert.Equal(0, Upstream.Counters.Throttled);
    }

    [Fact]
    public async Task A_per_minute_limit_enforced_per_second_answers_no_429_with_default_pacing()
    {
        Upstream.Limits = new UpstreamLimits { RequestsPerWindow = 6_000, Window = TimeSpan.FromMinutes(1), EnforcedPer = Second };
        var dispatch = Start(new Dispatch.Core.RateLimiting.RateLimitOptions { Requests = 6_000, Interval = TimeSpan.FromMinutes(1) });

        var results = await RunAsync(dispatch);

        Assert.All(results, r => Assert.Equal(CallStatus.Completed, r.Status));
        Assert.Equal(0, Upstream.Counters.Throttled);
    }

    [Theory]
    [InlineData(RateLimitHeaderStyle.OpenAI)]
    [InlineData(RateLimitHeaderStyle.Anthropic)]
    public async Task With_the_limit_configured_twice_too_high_the_headers_keep_429s_to_one_percent_and_every_call_completes(RateLimitHeaderStyle headers)
    {
        Upstream.Limits = new UpstreamLimits { RequestsPerWindow = 100, AdvertisedRequestsPerWindow = 200, Window = Second, Headers = headers };
        var dispatch = Start(new Dispatch.Core.RateLimiting.RateLimitOptions { Requests = 200, Interval = Second });
        var oneInterval = SchedulerNow + Second;
        StatusSnapshot? afterOneInterval = null;

        var results = await RunAsync(dispatch, afterStep: async () =>
        {
            if (afterOneInterval is null && SchedulerNow >= oneInterval) afterOneInterval = await StatusOf(dispatch);
        });
        var status = await StatusOf(dispatch);

        Assert.All(results, r => Assert.Equal(CallStatus.Completed, r.Status));
        Assert.InRange(Upstream.Counters.Throttled, 0, Calls / 100);
        Assert.Equal(200, status.RequestLimit);
        // The configured limit twice the real one converges to the real one within one interval, and stays there.
        Assert.InRange(afterOneInterval!.RequestLimitInForce!.Value, 90, 110);
        Assert.InRange(status.RequestLimitInForce!.Value, 90, 110);
    }

    [Fact]
    public async Task Without_headers_429s_stop_within_two_intervals_of_the_provider_lowering_its_limit()
    {
        Upstream.Limits = new UpstreamLimits { RequestsPerWindow = 200, Window = Second, Headers = RateLimitHeaderStyle.None };
        var dispatch = Start(new Dispatch.Core.RateLimiting.RateLimitOptions { Requests = 200, Interval = Second });
        var loweredAt = SchedulerNow + Second;
        DateTimeOffset? lastThrottle = null;

        var results = await RunAsync(dispatch, afterStep: () =>
        {
            if (SchedulerNow >= loweredAt && Upstream.Limits.RequestsPerWindow == 200)
                Upstream.Limits = Upstream.Limits with { RequestsPerWindow = 100 };
            if (Upstream.Counters.Throttled > 0 && _lastThrottled != Upstream.Counters.Throttled)
            {
                _lastThrottled = Upstream.Counters.Throttled;
                lastThrottle = SchedulerNow;
            }

            return Task.CompletedTask;
        });
        var status = await StatusOf(dispatch);

        Assert.All(results, r => Assert.Equal(CallStatus.Completed, r.Status));
        Assert.True(Upstream.Counters.Throttled > 0, "lowering the limit should have cost some 429s");
        Assert.True(lastThrottle <= loweredAt + 2 * Second, $"the last 429 came at {lastThrottle - loweredAt} after the limit was lowered");
        Assert.InRange(status.RequestLimitInForce!.Value, 1, 100);
    }

    private IActorRef Start(Dispatch.Core.RateLimiting.RateLimitOptions limits)
    {
        _retries = Subscribe<CallRetrying>();
        return StartDispatch(Endpoint(e => e with
        {
            RateLimit = limits,
            Executor = new Dispatch.Core.Execution.ExecutorOptions { Concurrency = Executors },
            Queue = new QueueOptions { Capacity = Calls },
            Retry = e.Retry with { MaxAttempts = 20, Jitter = RetryJitter.None },
        }));
    }

    /// <summary>Sends every call at once and moves time in steps until all are answered.</summary>
    private async Task<APICallResult[]> RunAsync(IActorRef dispatch, Func<Task>? afterStep = null)
    {
        var start = SchedulerNow;
        var calls = Enumerable.Range(0, Calls).Select(i => dispatch.Ask<APICallResult>(Call($"c{i}"))).ToArray();
        while (true)
        {
            await UntilOnlyTimeCanHelp(dispatch, calls, Executors, BackingOff);
            if (afterStep is not null) await afterStep();
            if (calls.All(c => c.IsCompleted)) break;
            Advance(Step);
        }

        _output.WriteLine($"{Upstream.Counters.Throttled} 429s, busiest window {Upstream.Counters.MaxRequestsInWindow}, {SchedulerNow - start} of virtual time");
        return [.. calls.Select(c => c.Result)];
    }

    /// <summary>Calls waiting out a retry's delay, as the executors announced them (virtual time stands still while this runs).</summary>
    private int BackingOff()
    {
        while (_retries.HasMessages)
        {
            var retrying = (CallRetrying)_retries.ReceiveOne(TimeSpan.Zero)!;
            _retryDue[retrying.CallId] = SchedulerNow + retrying.Delay;
        }

        var now = SchedulerNow;
        return _retryDue.Values.Count(due => due > now);
    }
}
