using Akka.Actor;
using Dispatch.Core.Dispatching;
using Dispatch.Core.Options;
using Dispatch.Core.Protocol;
using Dispatch.Core.RateLimiting;
using Dispatch.Core.Tests.Dispatching;
using Xunit.Abstractions;
using UpstreamLimits = Dispatch.FakeUpstream.RateLimiting.RateLimitOptions;

namespace Dispatch.Core.Tests.RateLimiting;

/// <summary>
/// A rate limiter that fails and restarts loses its line; the executors waiting in it must not
/// wait forever. The seam is a credit source that throws once, when the test arms it.
/// </summary>
public sealed class RateLimiterRestartTests(ITestOutputHelper output) : DispatchSpec(output)
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    protected override UpstreamLimits UpstreamLimits => new() { RequestsPerWindow = 1, Window = Interval };

    [Fact]
    public async Task Calls_waiting_for_credits_when_the_rate_limiter_restarts_still_get_exactly_one_result_each()
    {
        var source = new FailingOnceSource(new SlidingWindowLedger(new RateLimitOptions { Requests = 1, Interval = Interval, Guard = TimeSpan.Zero }));
        var endpoint = Endpoint(e => e with { RateLimit = new RateLimitOptions { Requests = 1, Interval = Interval, Guard = TimeSpan.Zero } });
        var options = new DispatchOptions { Endpoints = new Dictionary<string, EndpointOptions>(StringComparer.Ordinal) { [Api] = endpoint } };
        var dispatch = Sys.ActorOf(DispatchActor.Props(options, new DispatchDependencies { CreditSourceFactory = _ => source }), "dispatch");
        var caller = CreateTestProbe();
        for (var i = 0; i < 4; i++) dispatch.Tell(Call($"c{i}"), caller.Ref);
        // One call has its credit; the other three wait in the limiter's line for the next interval.
        await StatusUntil(dispatch, s => s.WaitingForCredits == 3, "three calls waiting for credits");
        var results = new List<APICallResult> { caller.ExpectMsg<APICallResult>(TimeSpan.FromSeconds(10), "the first call's result") };

        source.Arm();
        // Each step frees one credit; the first grant after this step throws and restarts the limiter.
        for (var expected = 2; expected <= 4; expected++)
        {
            Advance(2 * Interval);
            results.Add(caller.ExpectMsg<APICallResult>(TimeSpan.FromSeconds(10), $"result {expected}"));
        }

        caller.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        Assert.True(source.Failed);
        Assert.All(results, r => Assert.Equal(CallStatus.Completed, r.Status));
        Assert.Equal(["c0", "c1", "c2", "c3"], results.Select(r => r.CallId).Order(StringComparer.Ordinal));
        Assert.Equal(0, Upstream.Counters.Throttled);
    }

    /// <summary>A credit source that throws from <see cref="TryAcquire"/> once, the first time it is asked after <see cref="Arm"/>.</summary>
    private sealed class FailingOnceSource(ICreditSource inner) : ICreditSource
    {
        private int _armed;
        private int _failed;

        public bool Failed => Volatile.Read(ref _failed) != 0;

        public long? RequestLimit => inner.RequestLimit;

        public long? TokenLimit => inner.TokenLimit;

        public void Arm() => Volatile.Write(ref _armed, 1);

        public CreditAttempt TryAcquire(int requests, long tokens, DateTimeOffset now)
        {
            if (Interlocked.Exchange(ref _armed, 0) == 1)
            {
                Volatile.Write(ref _failed, 1);
                throw new InvalidOperationException("the credit source failed (test)");
            }

            return inner.TryAcquire(requests, tokens, now);
        }

        public bool Reconcile(long grantId, long actualTokens, DateTimeOffset now) => inner.Reconcile(grantId, actualTokens, now);

        public void PauseUntil(DateTimeOffset until) => inner.PauseUntil(until);

        public CreditBalance Available(DateTimeOffset now) => inner.Available(now);
    }
}
