using System.Net.Http.Headers;
using Dispatch.Core.RateLimiting;

namespace Dispatch.Core.Tests.RateLimiting;

public class RateLimitReportTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static HttpResponseHeaders Headers(params (string Name, string Value)[] headers)
    {
        var response = new HttpResponseMessage();
        foreach (var (name, value) in headers) response.Headers.TryAddWithoutValidation(name, value);
        return response.Headers;
    }

    [Theory]
    [InlineData("1s", 1000)]
    [InlineData("8.5s", 8500)]
    [InlineData("6m0s", 360_000)]
    [InlineData("1h2m3s", 3_723_000)]
    [InlineData("20ms", 20)]
    [InlineData("2", 2000)]
    [InlineData("2026-01-01T00:00:07.250Z", 7250)]
    [InlineData("2025-12-31T23:59:00Z", 0)]
    public void Resets_are_read_in_every_form_providers_write_them(string value, int milliseconds) =>
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), RateLimitReport.ParseReset(value, Now));

    [Theory]
    [InlineData("soon")]
    [InlineData("5 parsecs")]
    [InlineData("-3")]
    public void An_unreadable_reset_is_null(string value) => Assert.Null(RateLimitReport.ParseReset(value, Now));

    [Fact]
    public void OpenAI_headers_are_read_by_default()
    {
        var report = RateLimitReport.Read(Headers(
            ("x-ratelimit-limit-requests", "500"), ("x-ratelimit-remaining-requests", "499"), ("x-ratelimit-reset-requests", "120ms"),
            ("x-ratelimit-limit-tokens", "30000"), ("x-ratelimit-remaining-tokens", "29000"), ("x-ratelimit-reset-tokens", "2s")), RateLimitHeaderNames.Default, Now);

        Assert.Equal(new RateLimitReport(500, 499, TimeSpan.FromMilliseconds(120), 30000, 29000, TimeSpan.FromSeconds(2)), report);
    }

    [Fact]
    public void Anthropic_headers_are_read_by_default()
    {
        var report = RateLimitReport.Read(Headers(
            ("anthropic-ratelimit-requests-limit", "50"), ("anthropic-ratelimit-requests-remaining", "10"),
            ("anthropic-ratelimit-requests-reset", "2026-01-01T00:00:30Z")), RateLimitHeaderNames.Default, Now);

        Assert.Equal(new RateLimitReport(50, 10, TimeSpan.FromSeconds(30), null, null, null), report);
    }

    [Fact]
    public void Configured_names_replace_the_built_in_ones()
    {
        var names = RateLimitHeaderNames.Default with { RemainingRequests = ["ratelimit-remaining"] };

        var report = RateLimitReport.Read(Headers(("ratelimit-remaining", "7"), ("x-ratelimit-remaining-requests", "99")), names, Now);

        Assert.Equal(7, report.RemainingRequests);
    }

    [Fact]
    public void No_headers_make_an_empty_report() =>
        Assert.True(RateLimitReport.Read(Headers(("content-type", "application/json")), RateLimitHeaderNames.Default, Now).IsEmpty);
}
