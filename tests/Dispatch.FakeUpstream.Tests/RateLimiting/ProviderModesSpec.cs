using System.Globalization;
using System.Net;
using Dispatch.FakeUpstream.RateLimiting;
using Dispatch.FakeUpstream.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace Dispatch.FakeUpstream.Tests.RateLimiting;

/// <summary>The stricter and less honest ways real providers enforce and report limits.</summary>
public sealed class ProviderModesSpec
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    private Task<FakeUpstreamServer> StartAsync(RateLimitOptions limits) =>
        FakeUpstreamServer.StartAsync(new FakeUpstreamOptions { Limits = limits, TimeProvider = _clock });

    private static async Task<HttpStatusCode[]> SendAsync(HttpClient http, int count, long tokens = 1)
    {
        var statuses = new HttpStatusCode[count];
        for (var i = 0; i < count; i++)
        {
            using var response = await http.SendAsync(Requests.Echo(tokens));
            statuses[i] = response.StatusCode;
        }

        return statuses;
    }

    [Fact]
    public async Task Leaky_bucket_admits_its_burst_at_once_then_one_request_per_emission_interval()
    {
        await using var up = await StartAsync(new RateLimitOptions
        {
            RequestsPerWindow = 10, Window = TimeSpan.FromSeconds(10), Algorithm = LimitAlgorithm.LeakyBucket, Burst = 3,
        });
        using var http = up.CreateClient("k");

        var burst = await SendAsync(http, 3);
        using var refused = await http.SendAsync(Requests.Echo());
        _clock.Advance(TimeSpan.FromSeconds(1));
        using var next = await http.SendAsync(Requests.Echo());

        Assert.All(burst, status => Assert.Equal(HttpStatusCode.OK, status));
        AssertRefusedUntilRefilled(refused, "1000", next);
    }

    [Fact]
    public async Task Leaky_bucket_paces_tokens_at_the_token_rate()
    {
        await using var up = await StartAsync(new RateLimitOptions
        {
            TokensPerWindow = 1000, Window = TimeSpan.FromSeconds(10), Algorithm = LimitAlgorithm.LeakyBucket, TokenBurst = 200,
        });
        using var http = up.CreateClient("k");

        using var first = await http.SendAsync(Requests.Echo(tokens: 150));
        using var refused = await http.SendAsync(Requests.Echo(tokens: 100));
        _clock.Advance(TimeSpan.FromMilliseconds(500));
        using var refilled = await http.SendAsync(Requests.Echo(tokens: 100));

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        AssertRefusedUntilRefilled(refused, "500", refilled);
    }

    private static void AssertRefusedUntilRefilled(HttpResponseMessage refused, string retryAfterMs, HttpResponseMessage afterWaiting)
    {
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal(retryAfterMs, refused.Header(FakeUpstreamHeaders.RetryAfterMs));
        Assert.Equal(HttpStatusCode.OK, afterWaiting.StatusCode);
    }

    [Fact]
    public async Task Per_minute_limit_enforced_per_second_refuses_a_burst_that_is_legal_per_minute()
    {
        await using var up = await StartAsync(new RateLimitOptions
        {
            RequestsPerWindow = 600, Window = TimeSpan.FromMinutes(1), EnforcedPer = TimeSpan.FromSeconds(1),
        });
        using var http = up.CreateClient("k");

        var firstSecond = await SendAsync(http, 11);
        _clock.Advance(TimeSpan.FromSeconds(1));
        var nextSecond = await SendAsync(http, 10);

        Assert.Equal(10, firstSecond.Count(status => status == HttpStatusCode.OK));
        Assert.Equal(HttpStatusCode.TooManyRequests, firstSecond[^1]);
        Assert.All(nextSecond, status => Assert.Equal(HttpStatusCode.OK, status));
        Assert.Equal(1, up.Counters.Throttled);
    }

    [Fact]
    public async Task Advertised_limit_is_reported_while_the_real_lower_one_is_enforced_and_remaining_tells_the_truth()
    {
        await using var up = await StartAsync(new RateLimitOptions
        {
            RequestsPerWindow = 2, AdvertisedRequestsPerWindow = 4, Window = TimeSpan.FromSeconds(10),
        });
        using var http = up.CreateClient("k");

        using var first = await http.SendAsync(Requests.Echo());
        using var second = await http.SendAsync(Requests.Echo());
        using var third = await http.SendAsync(Requests.Echo());

        Assert.Equal("4", first.Header(FakeUpstreamHeaders.LimitRequests));
        Assert.Equal("1", first.Header(FakeUpstreamHeaders.RemainingRequests));
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
    }

    [Fact]
    public async Task Anthropic_style_headers_report_limit_remaining_and_the_reset_instant()
    {
        await using var up = await StartAsync(new RateLimitOptions
        {
            RequestsPerWindow = 5, TokensPerWindow = 100, Window = TimeSpan.FromSeconds(10), Headers = RateLimitHeaderStyle.Anthropic,
        });
        using var http = up.CreateClient("k");

        using var response = await http.SendAsync(Requests.Echo(tokens: 30));

        Assert.Equal("5", response.Header(FakeUpstreamHeaders.AnthropicLimitRequests));
        Assert.Equal("4", response.Header(FakeUpstreamHeaders.AnthropicRemainingRequests));
        Assert.Equal("70", response.Header(FakeUpstreamHeaders.AnthropicRemainingTokens));
        Assert.Equal("100", response.Header(FakeUpstreamHeaders.AnthropicLimitTokens));
        var reset = DateTimeOffset.Parse(response.Header(FakeUpstreamHeaders.AnthropicResetRequests)!, CultureInfo.InvariantCulture);
        Assert.Equal(_clock.GetUtcNow() + TimeSpan.FromSeconds(10), reset);
        Assert.Null(response.Header(FakeUpstreamHeaders.RemainingRequests));
    }

    [Fact]
    public async Task Headers_off_send_no_rate_limit_headers_but_a_429_still_says_when_to_retry()
    {
        await using var up = await StartAsync(new RateLimitOptions
        {
            RequestsPerWindow = 1, Window = TimeSpan.FromSeconds(10), Headers = RateLimitHeaderStyle.None,
        });
        using var http = up.CreateClient("k");

        using var admitted = await http.SendAsync(Requests.Echo());
        using var refused = await http.SendAsync(Requests.Echo());

        Assert.DoesNotContain(admitted.Headers, h => h.Key.Contains("ratelimit", StringComparison.OrdinalIgnoreCase));
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("10000", refused.Header(FakeUpstreamHeaders.RetryAfterMs));
    }

    [Fact]
    public async Task Retry_after_off_sends_a_bare_429()
    {
        await using var up = await StartAsync(new RateLimitOptions
        {
            RequestsPerWindow = 1, Window = TimeSpan.FromSeconds(10), Headers = RateLimitHeaderStyle.None, RetryAfter = false,
        });
        using var http = up.CreateClient("k");

        (await http.SendAsync(Requests.Echo())).Dispose();
        using var refused = await http.SendAsync(Requests.Echo());

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Null(refused.Headers.RetryAfter);
        Assert.Null(refused.Header(FakeUpstreamHeaders.RetryAfterMs));
    }

    [Theory]
    [InlineData("Burst")]
    [InlineData("EnforcedPer")]
    [InlineData("AdvertisedRequestsPerWindow")]
    public void Invalid_mode_settings_are_refused_naming_the_setting(string setting)
    {
        var limits = setting switch
        {
            "Burst" => new RateLimitOptions { Burst = 0 },
            "EnforcedPer" => new RateLimitOptions { EnforcedPer = TimeSpan.FromMinutes(2) },
            _ => new RateLimitOptions { AdvertisedRequestsPerWindow = -1 },
        };

        var error = Assert.ThrowsAny<ArgumentException>(() => limits.Validate());

        Assert.Contains("Limits." + setting, error.Message, StringComparison.Ordinal);
    }
}
