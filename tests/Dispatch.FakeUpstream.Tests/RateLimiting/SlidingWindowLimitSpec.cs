using System.Net;
using Dispatch.FakeUpstream.Faults;
using Dispatch.FakeUpstream.RateLimiting;
using Dispatch.FakeUpstream.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace Dispatch.FakeUpstream.Tests.RateLimiting;

public sealed class SlidingWindowLimitSpec
{
    private readonly FakeTimeProvider _clock = new();

    private Task<FakeUpstreamServer> StartAsync(long? requests = null, long? tokens = null, string? requiredKey = null) =>
        FakeUpstreamServer.StartAsync(new FakeUpstreamOptions
        {
            Limits = new RateLimitOptions { RequestsPerWindow = requests, TokensPerWindow = tokens, Window = TimeSpan.FromSeconds(10) },
            TimeProvider = _clock,
            RequiredApiKey = requiredKey,
        });

    [Fact]
    public async Task Request_over_the_request_limit_gets_429_with_Retry_After_until_the_oldest_leaves_the_window()
    {
        await using var up = await StartAsync(requests: 2);
        using var http = up.CreateClient("k");
        (await http.SendAsync(Requests.Echo())).Dispose();
        _clock.Advance(TimeSpan.FromSeconds(3));
        (await http.SendAsync(Requests.Echo())).Dispose();
        _clock.Advance(TimeSpan.FromSeconds(1.5));

        using var refused = await http.SendAsync(Requests.Echo());

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("6", refused.Header("Retry-After"));
        Assert.Equal("5500", refused.Header(FakeUpstreamHeaders.RetryAfterMs));
        Assert.Equal("0", refused.Header(FakeUpstreamHeaders.RemainingRequests));
        Assert.Equal("2", refused.Header(FakeUpstreamHeaders.LimitRequests));
        Assert.Equal("8.5s", refused.Header(FakeUpstreamHeaders.ResetRequests));
        var error = (await refused.JsonAsync()).GetProperty("error");
        Assert.Equal("rate_limit_exceeded", error.GetProperty("code").GetString());
        Assert.Equal("requests", error.GetProperty("type").GetString());
    }

    [Fact]
    public async Task Budget_frees_exactly_when_the_oldest_admission_leaves_the_window()
    {
        await using var up = await StartAsync(requests: 1);
        using var http = up.CreateClient("k");
        (await http.SendAsync(Requests.Echo())).Dispose();

        _clock.Advance(TimeSpan.FromSeconds(10) - TimeSpan.FromTicks(1));
        using var justBefore = await http.SendAsync(Requests.Echo());
        _clock.Advance(TimeSpan.FromTicks(1));
        using var atTheEdge = await http.SendAsync(Requests.Echo());

        Assert.Equal(HttpStatusCode.TooManyRequests, justBefore.StatusCode);
        Assert.Equal("1", justBefore.Header("Retry-After"));
        Assert.Equal(HttpStatusCode.OK, atTheEdge.StatusCode);
    }

    [Fact]
    public async Task Successful_responses_report_what_is_left_in_the_window()
    {
        await using var up = await StartAsync(requests: 5, tokens: 100);
        using var http = up.CreateClient("k");
        (await http.SendAsync(Requests.Echo(tokens: 30))).Dispose();
        _clock.Advance(TimeSpan.FromSeconds(2));

        using var response = await http.SendAsync(Requests.Echo(tokens: 25));

        Assert.Equal("3", response.Header(FakeUpstreamHeaders.RemainingRequests));
        Assert.Equal("45", response.Header(FakeUpstreamHeaders.RemainingTokens));
        Assert.Equal("100", response.Header(FakeUpstreamHeaders.LimitTokens));
        Assert.Equal("10s", response.Header(FakeUpstreamHeaders.ResetRequests));
        Assert.Equal("10s", response.Header(FakeUpstreamHeaders.ResetTokens));
        Assert.Null(response.Headers.RetryAfter);
    }

    [Fact]
    public async Task Request_over_the_token_limit_waits_until_enough_tokens_leave_the_window()
    {
        await using var up = await StartAsync(tokens: 100);
        using var http = up.CreateClient("k");
        (await http.SendAsync(Requests.Echo(tokens: 60))).Dispose();
        _clock.Advance(TimeSpan.FromSeconds(2));
        (await http.SendAsync(Requests.Echo(tokens: 30))).Dispose();
        _clock.Advance(TimeSpan.FromSeconds(3));

        using var refused = await http.SendAsync(Requests.Echo(tokens: 40));

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("5", refused.Header("Retry-After"));
        Assert.Equal("10", refused.Header(FakeUpstreamHeaders.RemainingTokens));
        Assert.Equal("tokens", (await refused.JsonAsync()).GetProperty("error").GetProperty("type").GetString());
    }

    [Fact]
    public async Task Refused_request_does_not_consume_budget()
    {
        await using var up = await StartAsync(tokens: 100);
        using var http = up.CreateClient("k");
        (await http.SendAsync(Requests.Echo(tokens: 60))).Dispose();
        using var refused = await http.SendAsync(Requests.Echo(tokens: 50));

        using var fits = await http.SendAsync(Requests.Echo(tokens: 40));

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal(HttpStatusCode.OK, fits.StatusCode);
        Assert.Equal(100, up.Counters.MaxTokensInWindow);
        Assert.Equal(1, up.Counters.Throttled);
        Assert.Equal(1, up.Counters.ResponsesWithStatus(429));
    }

    [Fact]
    public async Task Chat_requests_are_charged_their_reported_total_tokens()
    {
        await using var up = await StartAsync(tokens: 45);
        using var http = up.CreateClient("k");
        // 40 chars → 10 prompt tokens, 10 completion tokens: 20 per request.
        using var first = await http.SendAsync(Requests.Chat(Requests.ChatBody(contentChars: 40, maxTokens: 100)));
        using var second = await http.SendAsync(Requests.Chat(Requests.ChatBody(contentChars: 40, maxTokens: 100)));

        using var third = await http.SendAsync(Requests.Chat(Requests.ChatBody(contentChars: 40, maxTokens: 100)));

        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal("5", second.Header(FakeUpstreamHeaders.RemainingTokens));
        Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
    }

    [Fact]
    public async Task Each_api_key_has_its_own_window()
    {
        await using var up = await StartAsync(requests: 1);
        using var alice = up.CreateClient("alice");
        using var bob = up.CreateClient("bob");
        (await alice.SendAsync(Requests.Echo())).Dispose();

        using var aliceAgain = await alice.SendAsync(Requests.Echo());
        using var bobFirst = await bob.SendAsync(Requests.Echo());
        using var byHeader = Requests.Echo();
        byHeader.Headers.Add(FakeUpstreamHeaders.ApiKey, "carol");
        using var carolFirst = await bob.SendAsync(byHeader);

        Assert.Equal(HttpStatusCode.TooManyRequests, aliceAgain.StatusCode);
        Assert.Equal(HttpStatusCode.OK, bobFirst.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, carolFirst.StatusCode);
    }

    [Fact]
    public async Task Requests_without_a_key_share_the_anonymous_window()
    {
        await using var up = await StartAsync(requests: 1);
        using var http = up.CreateClient();
        (await http.SendAsync(Requests.Echo())).Dispose();

        using var second = await http.SendAsync(Requests.Echo());

        Assert.Equal(HttpStatusCode.TooManyRequests, second.StatusCode);
    }

    [Fact]
    public async Task Request_needing_more_tokens_than_a_whole_window_is_answered_400_not_429()
    {
        await using var up = await StartAsync(tokens: 100);
        using var http = up.CreateClient("k");

        using var response = await http.SendAsync(Requests.Echo(tokens: 101));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("request_too_large", (await response.JsonAsync()).GetProperty("error").GetProperty("code").GetString());
        Assert.Equal(0, up.Counters.Throttled);
    }

    [Fact]
    public async Task Faulted_and_invalid_requests_report_the_window_without_charging_it()
    {
        await using var up = await StartAsync(requests: 3);
        using var http = up.CreateClient("k");
        (await http.SendAsync(Requests.Echo())).Dispose();
        up.Faults.Enqueue(FaultKind.BadGateway);

        using var faulted = await http.SendAsync(Requests.Echo());
        using var invalid = await http.SendAsync(Requests.Post("v1/echo", "{not json"));
        using var badScript = await http.SendAsync(Requests.Echo(faultScript: "nonsense"));

        Assert.Equal(HttpStatusCode.BadGateway, faulted.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badScript.StatusCode);
        Assert.All(new[] { faulted, invalid, badScript }, r => Assert.Equal("2", r.Header(FakeUpstreamHeaders.RemainingRequests)));
        Assert.Equal(1, up.Counters.MaxRequestsInWindow);
    }

    [Fact]
    public async Task Unlimited_server_sends_no_rate_limit_headers()
    {
        await using var up = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions());
        using var http = up.CreateClient("k");

        using var response = await http.SendAsync(Requests.Echo());

        Assert.Null(response.Header(FakeUpstreamHeaders.RemainingRequests));
        Assert.Null(response.Header(FakeUpstreamHeaders.RemainingTokens));
    }

    [Fact]
    public async Task Limits_changed_while_running_apply_to_the_next_request()
    {
        await using var up = await StartAsync(requests: 10);
        using var http = up.CreateClient("k");
        (await http.SendAsync(Requests.Echo())).Dispose();
        (await http.SendAsync(Requests.Echo())).Dispose();

        up.Limits = up.Limits with { RequestsPerWindow = 2 };
        using var response = await http.SendAsync(Requests.Echo());

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal("2", response.Header(FakeUpstreamHeaders.LimitRequests));
        Assert.Throws<ArgumentException>(() => up.Limits = up.Limits with { Window = TimeSpan.Zero });
    }
}
