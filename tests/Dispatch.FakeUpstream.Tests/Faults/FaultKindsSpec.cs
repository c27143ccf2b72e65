using System.Net;
using System.Text.Json;
using Dispatch.FakeUpstream.Faults;
using Dispatch.FakeUpstream.Tests.Support;

namespace Dispatch.FakeUpstream.Tests.Faults;

public sealed class FaultKindsSpec
{
    [Theory]
    [InlineData(FaultKind.BadRequest, 400)]
    [InlineData(FaultKind.Unauthorized, 401)]
    [InlineData(FaultKind.Forbidden, 403)]
    [InlineData(FaultKind.NotFound, 404)]
    [InlineData(FaultKind.UnprocessableEntity, 422)]
    [InlineData(FaultKind.TooManyRequests, 429)]
    [InlineData(FaultKind.InternalServerError, 500)]
    [InlineData(FaultKind.BadGateway, 502)]
    [InlineData(FaultKind.ServiceUnavailable, 503)]
    [InlineData(FaultKind.GatewayTimeout, 504)]
    public async Task Status_fault_is_answered_with_its_status_and_an_error_body(FaultKind kind, int status)
    {
        await using var up = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions());
        using var http = up.CreateClient();
        up.Faults.Enqueue(kind);

        using var response = await http.SendAsync(Requests.Chat());

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("fake_upstream_fault", (await response.JsonAsync()).GetProperty("error").GetProperty("type").GetString());
        Assert.Equal(1, up.Counters.FaultsOf(kind));
        Assert.Equal(0, up.Counters.TokensCharged);
    }

    [Fact]
    public async Task Service_unavailable_fault_can_carry_Retry_After()
    {
        await using var up = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions());
        using var http = up.CreateClient();
        up.Faults.Enqueue(FaultKind.ServiceUnavailable, retryAfter: TimeSpan.FromSeconds(2.5));

        using var response = await http.SendAsync(Requests.Chat());

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("3", response.Header("Retry-After"));
        Assert.Equal("2500", response.Header(FakeUpstreamHeaders.RetryAfterMs));
    }

    [Fact]
    public async Task Connection_reset_fault_fails_the_client_with_HttpRequestException()
    {
        await using var up = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions());
        using var http = up.CreateClient();
        up.Faults.Enqueue(FaultKind.ConnectionReset);

        await Assert.ThrowsAsync<HttpRequestException>(() => http.SendAsync(Requests.Chat()));

        await Eventually.TrueAsync(() => up.Counters.Aborted == 1, "the reset is counted as aborted");
        using var next = await http.SendAsync(Requests.Chat());
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
    }

    [Fact]
    public async Task Timeout_fault_never_answers_and_ends_when_the_client_gives_up()
    {
        await using var up = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions());
        using var http = up.CreateClient();
        up.Faults.Enqueue(FaultKind.Timeout);
        using var giveUp = new CancellationTokenSource();

        var call = http.SendAsync(Requests.Chat(), giveUp.Token);
        await Eventually.TrueAsync(() => up.Counters.OpenRequests == 1, "the request is open on the server");
        Assert.False(call.IsCompleted);
        giveUp.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        await Eventually.TrueAsync(() => up.Counters.OpenRequests == 0, "the server lets the request go");
        Assert.Equal(1, up.Counters.Aborted);
    }

    [Fact]
    public async Task Timeout_fault_trips_the_client_timeout()
    {
        await using var up = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions());
        using var http = up.CreateClient();
        http.Timeout = TimeSpan.FromMilliseconds(200);
        up.Faults.Enqueue(FaultKind.Timeout);

        var thrown = await Assert.ThrowsAsync<TaskCanceledException>(() => http.SendAsync(Requests.Chat()));

        Assert.IsType<TimeoutException>(thrown.InnerException);
    }

    [Fact]
    public async Task Malformed_json_fault_is_a_200_whose_body_does_not_parse()
    {
        await using var up = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions());
        using var http = up.CreateClient();
        up.Faults.Enqueue(FaultKind.MalformedJson);

        using var response = await http.SendAsync(Requests.Chat());
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.ThrowsAny<JsonException>(() => JsonDocument.Parse(body));
        Assert.Equal(0, up.Counters.Completed);
    }

    [Fact]
    public async Task Oversized_body_fault_is_valid_json_of_the_configured_size()
    {
        const int size = 200_000;
        await using var up = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions { Faults = new FaultOptions { OversizedBodyBytes = size } });
        using var http = up.CreateClient();
        up.Faults.Enqueue(FaultKind.OversizedBody);

        using var response = await http.SendAsync(Requests.Chat());
        var body = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(size, body.Length);
        using var parsed = JsonDocument.Parse(body);
    }

    [Fact]
    public async Task Oversized_body_fault_breaks_a_client_with_a_smaller_response_limit()
    {
        await using var up = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions { Faults = new FaultOptions { OversizedBodyBytes = 1_000_000 } });
        using var http = up.CreateClient();
        http.MaxResponseContentBufferSize = 64 * 1024;
        up.Faults.Enqueue(FaultKind.OversizedBody);

        await Assert.ThrowsAsync<HttpRequestException>(() => http.SendAsync(Requests.Chat()));
    }
}
