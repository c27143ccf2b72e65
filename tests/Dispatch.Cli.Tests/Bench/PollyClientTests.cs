using System.Net;
using System.Net.Http.Headers;
using Dispatch.Cli.Bench;
using Dispatch.FakeUpstream;
using Dispatch.FakeUpstream.Faults;

namespace Dispatch.Cli.Tests.Bench;

public sealed class PollyClientTests
{
    [Fact]
    public void Retry_after_ms_is_preferred_because_it_is_exact()
    {
        using var response = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
        response.Headers.RetryAfter = new RetryConditionHeaderValue(TimeSpan.FromSeconds(2));
        response.Headers.Add("retry-after-ms", "1250");

        Assert.Equal(TimeSpan.FromMilliseconds(1250), PollyClient.RetryAfterOf(response));
    }

    [Fact]
    public void Retry_after_in_seconds_is_honoured_without_retry_after_ms()
    {
        using var response = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
        response.Headers.RetryAfter = new RetryConditionHeaderValue(TimeSpan.FromSeconds(3));

        Assert.Equal(TimeSpan.FromSeconds(3), PollyClient.RetryAfterOf(response));
    }

    [Fact]
    public void A_response_without_retry_after_leaves_the_backoff_in_charge()
    {
        using var response = new HttpResponseMessage(HttpStatusCode.ServiceUnavailable);

        Assert.Null(PollyClient.RetryAfterOf(response));
    }

    [Fact]
    public async Task A_429_with_retry_after_is_retried_once_and_the_call_completes()
    {
        await using var upstream = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions());
        upstream.Faults.Enqueue(FaultKind.TooManyRequests, 1, TimeSpan.FromSeconds(1));
        var profile = new ClientProfile { Concurrency = 1, BaseDelay = TimeSpan.FromMilliseconds(10) };
        await using var client = new PollyClient(upstream.BaseAddress, profile);
        var call = Workload.Create(1, seed: 1, 1, 4)[0];

        var outcome = await client.SendAsync(call, CancellationToken.None);

        Assert.Equal(new CallOutcome(OutcomeStatus.Completed, 200), outcome);
        Assert.Equal(2, upstream.Counters.RequestsReceived);
        Assert.Equal(1, upstream.Counters.ResponsesWithStatus(429));
    }
}
