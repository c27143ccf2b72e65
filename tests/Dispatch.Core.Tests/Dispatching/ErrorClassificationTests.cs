using Akka.Actor;
using Dispatch.Core.Protocol;
using Dispatch.FakeUpstream;
using Dispatch.FakeUpstream.Faults;
using Xunit.Abstractions;

namespace Dispatch.Core.Tests.Dispatching;

/// <summary>Each upstream fault ends in the right error kind, retried (3 attempts) or not (1) as its kind says.</summary>
public class ErrorClassificationTests(ITestOutputHelper output) : DispatchSpec(output)
{
    protected override FakeUpstreamOptions ConfigureUpstream(FakeUpstreamOptions options) =>
        options with { Faults = new FaultOptions { OversizedBodyBytes = 256 * 1024 } };

    [Theory]
    [InlineData("400", ErrorKind.BadRequest, 1)]
    [InlineData("422", ErrorKind.BadRequest, 1)]
    [InlineData("401", ErrorKind.Authentication, 1)]
    [InlineData("403", ErrorKind.Authentication, 1)]
    [InlineData("404", ErrorKind.NotFound, 1)]
    [InlineData("malformed", ErrorKind.InvalidResponse, 1)]
    [InlineData("oversized", ErrorKind.InvalidResponse, 1)]
    [InlineData("500", ErrorKind.Server, 3)]
    [InlineData("502", ErrorKind.Server, 3)]
    [InlineData("503", ErrorKind.Server, 3)]
    [InlineData("504", ErrorKind.Server, 3)]
    [InlineData("429", ErrorKind.RateLimited, 3)]
    [InlineData("reset", ErrorKind.Connection, 3)]
    public async Task An_upstream_fault_fails_the_call_with_its_error_kind_after_the_attempts_its_kind_allows(string fault, ErrorKind kind, int attempts)
    {
        var retrying = Subscribe<CallRetrying>();
        var dispatch = StartDispatch(Endpoint(e => e with { MaxResponseBytes = 64 * 1024 }));
        var call = Send(dispatch, Call("c1", fault + "*"));

        for (var retry = 1; retry < attempts; retry++)
        {
            var scheduled = retrying.ExpectMsg<CallRetrying>(TimeSpan.FromSeconds(10));
            Assert.Equal((retry, kind), (scheduled.Attempt, scheduled.Error));
            Advance(scheduled.Delay);
        }

        var result = await call;
        Assert.Equal(CallStatus.Failed, result.Status);
        Assert.Equal(kind, result.Error);
        Assert.Equal(attempts, result.Attempts);
        Assert.Equal(attempts, Upstream.Counters.ArrivalsOf("c1"));
    }

    [Fact]
    public async Task An_upstream_that_never_answers_times_the_attempt_out_and_is_retried()
    {
        var retrying = Subscribe<CallRetrying>();
        var dispatch = StartDispatch(Endpoint(e => e with { AttemptTimeout = TimeSpan.FromSeconds(5) }));
        var call = Send(dispatch, Call("c1", "timeout*"));

        for (var attempt = 1; attempt <= 3; attempt++)
        {
            await Until(() => Upstream.Counters.ArrivalsOf("c1") == attempt, $"attempt {attempt} to be in flight");
            Advance(TimeSpan.FromSeconds(5));
            if (attempt < 3) Advance(retrying.ExpectMsg<CallRetrying>(TimeSpan.FromSeconds(10)).Delay);
        }

        var result = await call;
        Assert.Equal((CallStatus.Failed, ErrorKind.Timeout, 3), (result.Status, result.Error, result.Attempts));
    }

    [Fact]
    public async Task An_attempt_started_while_an_earlier_attempts_timer_is_pending_times_out_a_full_timeout_after_its_own_start()
    {
        var timeout = TimeSpan.FromSeconds(10);
        var retrying = Subscribe<CallRetrying>();
        var dispatch = StartDispatch(Endpoint(e => e with { AttemptTimeout = timeout }));
        _ = Send(dispatch, Call("c1", "503,timeout*"));
        var first = retrying.ExpectMsg<CallRetrying>(TimeSpan.FromSeconds(10));
        Advance(first.Delay);
        await Until(() => Upstream.Counters.ArrivalsOf("c1") == 2, "the second attempt to be in flight");

        // The timer set when the first attempt left comes due while the second is in flight.
        Advance(timeout - first.Delay);
        retrying.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        Advance(first.Delay);

        var second = retrying.ExpectMsg<CallRetrying>(TimeSpan.FromSeconds(10));
        Assert.Equal((2, ErrorKind.Timeout), (second.Attempt, second.Error));
    }

    [Fact]
    public async Task A_transient_fault_followed_by_success_completes_with_the_attempts_counted()
    {
        var retrying = Subscribe<CallRetrying>();
        var dispatch = StartDispatch();
        var call = Send(dispatch, Call("c1", "503,ok"));

        Advance(retrying.ExpectMsg<CallRetrying>(TimeSpan.FromSeconds(10)).Delay);

        var result = await call;
        Assert.Equal((CallStatus.Completed, 2), (result.Status, result.Attempts));
        Assert.Equal(2, Upstream.Counters.ArrivalsOf("c1"));
        var status = await StatusUntil(dispatch, s => s.Counters.Completed == 1, "the call to be booked");
        Assert.Equal(1, status.Counters.Retries);
    }
}
