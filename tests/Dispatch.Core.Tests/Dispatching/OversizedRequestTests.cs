using Dispatch.Core.Breaker;
using Dispatch.Core.Protocol;
using Xunit.Abstractions;

namespace Dispatch.Core.Tests.Dispatching;

/// <summary>
/// Bodies too large for the upstream (its 413, answered while the body is still being written) or
/// for the endpoint's <c>max-request-bytes</c>: one attempt, <see cref="ErrorKind.InvalidRequest"/>,
/// no tokens charged, and the breaker (tripped here by a single failure) stays closed.
/// </summary>
public class OversizedRequestTests(ITestOutputHelper output) : DispatchSpec(output)
{
    /// <summary>20 MiB of JSON: over the fake upstream's 4 MiB body limit (so much that, sent without waiting, the write outlasts the connection), under the endpoint's default 32 MiB.</summary>
    private static readonly string TwentyMegabytes = "{\"text\":\"" + new string('x', 20 * 1024 * 1024) + "\"}";

    [Fact]
    public async Task An_early_413_is_read_and_fails_the_call_invalid_request_after_one_attempt_without_tripping_the_breaker()
    {
        var dispatch = StartDispatch(Endpoint(e => e with { Breaker = new BreakerOptions { MaxFailures = 1 } }));

        var result = await Send(dispatch, Call("big") with { Payload = TwentyMegabytes });

        Assert.Equal((CallStatus.Failed, ErrorKind.InvalidRequest, 413, 1), (result.Status, result.Error, result.HttpStatus, result.Attempts));
        Assert.Equal(0, result.TokensCharged);
        Assert.Equal(BreakerState.Closed, (await StatusOf(dispatch)).Breaker);
    }

    [Fact]
    public async Task A_body_over_max_request_bytes_is_rejected_before_anything_is_sent()
    {
        var dispatch = StartDispatch(Endpoint(e => e with { MaxRequestBytes = 1024 * 1024 }));

        var result = await Send(dispatch, Call("big") with { Payload = TwentyMegabytes });

        Assert.Equal((CallStatus.Rejected, ErrorKind.InvalidRequest, 0), (result.Status, result.Error, result.Attempts));
        Assert.Contains("dispatch.endpoints.api.max-request-bytes (1048576)", result.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal(0, Upstream.Counters.Snapshot().RequestsReceived);
    }

    [Fact]
    public async Task A_call_that_never_got_a_response_reports_no_tokens_charged()
    {
        var retrying = Subscribe<CallRetrying>();
        var dispatch = StartDispatch();
        var call = Send(dispatch, Call("reset", "reset*"));
        for (var retry = 1; retry < 3; retry++) Advance(retrying.ExpectMsg<CallRetrying>(TimeSpan.FromSeconds(10)).Delay);

        var result = await call;

        Assert.Equal((CallStatus.Failed, ErrorKind.Connection, 3), (result.Status, result.Error, result.Attempts));
        Assert.Equal(0, result.TokensCharged);
    }
}
