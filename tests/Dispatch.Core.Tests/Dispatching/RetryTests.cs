using Akka.Actor;
using Dispatch.Core.Protocol;
using Dispatch.Core.Retry;
using Xunit.Abstractions;

namespace Dispatch.Core.Tests.Dispatching;

/// <summary>Retries wait exactly as long as the upstream asks, and otherwise within the jittered backoff.</summary>
public class RetryTests(ITestOutputHelper output) : DispatchSpec(output)
{
    [Fact]
    public async Task A_429_with_retry_after_is_retried_exactly_when_the_upstream_asked_and_not_a_tick_earlier()
    {
        var retrying = Subscribe<CallRetrying>();
        var dispatch = StartDispatch();
        var call = Send(dispatch, Call("c1", "429:2,ok"));

        var scheduled = retrying.ExpectMsg<CallRetrying>(TimeSpan.FromSeconds(10));
        Assert.Equal(TimeSpan.FromSeconds(2), scheduled.Delay);
        Advance(TimeSpan.FromSeconds(2) - TimeSpan.FromTicks(1));
        await StatusUntil(dispatch, s => s.InFlight == 1, "the call to be backing off");
        Assert.Equal(1, Upstream.Counters.ArrivalsOf("c1"));
        Assert.False(call.IsCompleted);

        Advance(TimeSpan.FromTicks(1));

        var result = await call;
        Assert.Equal((CallStatus.Completed, 2), (result.Status, result.Attempts));
    }

    [Theory]
    [InlineData(100)]
    [InlineData(null)]
    public async Task A_retry_after_pauses_every_grant_of_the_endpoint_until_then(int? requestLimit)
    {
        var retrying = Subscribe<CallRetrying>();
        // Burst pacing: both calls may go the instant the pause ends; smooth pacing would space them (see PacedDispatchTests).
        var limits = new Dispatch.Core.RateLimiting.RateLimitOptions { Requests = requestLimit, Pacing = Dispatch.Core.RateLimiting.RateLimitPacing.Burst };
        var dispatch = StartDispatch(Endpoint(e => e with { RateLimit = limits }));
        dispatch.Tell(Call("throttled", "429:2,ok"), TestActor);
        retrying.ExpectMsg<CallRetrying>(TimeSpan.FromSeconds(10));

        dispatch.Tell(Call("other"), TestActor);
        await StatusUntil(dispatch, s => s.WaitingForCredits == 1, "the other call to wait for the pause");
        Assert.Equal(0, Upstream.Counters.ArrivalsOf("other"));
        Advance(TimeSpan.FromSeconds(2));

        var results = new[] { ExpectMsg<APICallResult>(TimeSpan.FromSeconds(10)), ExpectMsg<APICallResult>(TimeSpan.FromSeconds(10)) };
        Assert.All(results, r => Assert.Equal(CallStatus.Completed, r.Status));
        Assert.Equal(1, Upstream.Counters.ArrivalsOf("other"));
    }

    [Fact]
    public async Task A_retry_after_longer_than_max_retry_after_fails_its_call_rate_limited_at_once_and_pauses_no_other_call()
    {
        var dispatch = StartDispatch();

        var throttled = await Send(dispatch, Call("throttled", "429:120,ok"));
        // Virtual time never moves here: a 120 s pause would hold this call until the ask gives up.
        var other = await Send(dispatch, Call("other"));

        Assert.Equal((CallStatus.Failed, ErrorKind.RateLimited, 1, 429), (throttled.Status, throttled.Error, throttled.Attempts, throttled.HttpStatus));
        Assert.Contains("asked to wait 120 s", throttled.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal(CallStatus.Completed, other.Status);
        Assert.Equal(1, Upstream.Counters.ArrivalsOf("throttled"));
    }

    [Fact]
    public async Task Backoff_with_full_jitter_stays_within_its_exponential_bounds()
    {
        var retrying = Subscribe<CallRetrying>();
        var retry = new RetryOptions { MaxAttempts = 6, BaseDelay = TimeSpan.FromMilliseconds(100), MaxDelay = TimeSpan.FromMilliseconds(800), Jitter = RetryJitter.Full };
        var dispatch = StartDispatch(Endpoint(e => e with { Retry = retry }));
        var calls = Enumerable.Range(0, 10).Select(i => Send(dispatch, Call($"c{i}", "500*"))).ToArray();

        var delays = new List<CallRetrying>();
        for (var i = 0; i < 10 * 5; i++)
        {
            var scheduled = retrying.ExpectMsg<CallRetrying>(TimeSpan.FromSeconds(10));
            delays.Add(scheduled);
            var ceiling = TimeSpan.FromTicks(Math.Min(retry.MaxDelay.Ticks, retry.BaseDelay.Ticks << (scheduled.Attempt - 1)));
            Assert.InRange(scheduled.Delay, TimeSpan.Zero, ceiling);
            Advance(scheduled.Delay);
        }

        await Task.WhenAll(calls);
        Assert.All(calls, c => Assert.Equal(6, c.Result.Attempts));
        Assert.True(delays.Select(d => d.Delay).Distinct().Count() > 10, "jitter should spread the delays");
    }
}
